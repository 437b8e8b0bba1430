-- Storage roots and library jobs (issue 14).
--
-- Several named storage roots ("default" is STORAGE_ROOT): each carries its own marker, so the storage
-- record is per root; a model revision lives on one root, and a copy makes a second catalog entry for
-- the same revision on another root.
ALTER TABLE storage ADD COLUMN IF NOT EXISTS root_name text NOT NULL DEFAULT 'default';
ALTER TABLE storage DROP COLUMN IF EXISTS singleton;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'storage_root_name_pkey') THEN
    ALTER TABLE storage ADD CONSTRAINT storage_root_name_pkey PRIMARY KEY (root_name);
  END IF;
END $$;

ALTER TABLE models ADD COLUMN IF NOT EXISTS storage text NOT NULL DEFAULT 'default';
ALTER TABLE models DROP CONSTRAINT IF EXISTS models_author_repo_revision_key;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'models_revision_on_root_key') THEN
    ALTER TABLE models ADD CONSTRAINT models_revision_on_root_key UNIQUE (author, repo, revision, storage);
  END IF;
END $$;

-- A job is a download, or a library job on the same queue: copy or move a revision to another root
-- (model_id is the target entry, source_model_id the revision being copied), or import a folder
-- already on disk (model_id is the entry the import fills).
ALTER TABLE downloads ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'download'
  CHECK (kind IN ('download', 'copy', 'move', 'import'));
ALTER TABLE downloads ADD COLUMN IF NOT EXISTS source_model_id uuid REFERENCES models (id) ON DELETE SET NULL;

-- a file linked from another revision instead of downloaded says from which
ALTER TABLE model_files ADD COLUMN IF NOT EXISTS linked_from text;

-- de-duplication looks complete files up by content on a root
CREATE INDEX IF NOT EXISTS model_files_sha256_done_idx ON model_files (sha256) WHERE status = 'done' AND sha256 IS NOT NULL;
CREATE INDEX IF NOT EXISTS model_files_oid_done_idx ON model_files (git_oid) WHERE status = 'done' AND git_oid IS NOT NULL;
