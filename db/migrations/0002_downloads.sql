-- Which files each download job covers, and what the job runner needs to find and resume its jobs.

CREATE TABLE IF NOT EXISTS download_files (
  download_id uuid NOT NULL REFERENCES downloads (id) ON DELETE CASCADE,
  model_file_id uuid NOT NULL REFERENCES model_files (id) ON DELETE CASCADE,
  PRIMARY KEY (download_id, model_file_id)
);
CREATE INDEX IF NOT EXISTS download_files_file_idx ON download_files (model_file_id);

ALTER TABLE downloads ADD COLUMN IF NOT EXISTS job_id text;
ALTER TABLE downloads ADD COLUMN IF NOT EXISTS engine text NOT NULL DEFAULT 'node';
ALTER TABLE downloads ADD COLUMN IF NOT EXISTS files_failed integer NOT NULL DEFAULT 0;
