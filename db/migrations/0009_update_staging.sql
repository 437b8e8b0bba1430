-- Updates that fetch only what changed (issue 15). An update stages the revision's new state in a
-- catalog entry of its own (staging_of = the entry it updates), whose files live in
-- <root>/.d011dl/staging/<entry id>/ until the job swaps that folder in. Staging entries are not
-- models of the catalog: every listing leaves them out, and at most one exists per entry.
ALTER TABLE models ADD COLUMN IF NOT EXISTS staging_of uuid REFERENCES models (id) ON DELETE CASCADE;
ALTER TABLE models DROP CONSTRAINT IF EXISTS models_revision_on_root_key;
CREATE UNIQUE INDEX IF NOT EXISTS models_revision_on_root_idx ON models (author, repo, revision, storage) WHERE staging_of IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS models_one_staging_idx ON models (staging_of) WHERE staging_of IS NOT NULL;

ALTER TABLE downloads DROP CONSTRAINT IF EXISTS downloads_kind_check;
ALTER TABLE downloads ADD CONSTRAINT downloads_kind_check CHECK (kind IN ('download', 'copy', 'move', 'import', 'update'));
