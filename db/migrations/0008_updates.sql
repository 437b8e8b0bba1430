-- Update checks (issue 15): the Hub commit a downloaded branch revision points at now, when it was last
-- asked, and whether the user pinned the revision (then it is never checked nor flagged). Columns of
-- models, written only by api/src/updates/updates.repository.ts; the catalog reads them with the rest.
-- IF NOT EXISTS so db/bootstrap.sql can include this file verbatim.

ALTER TABLE models ADD COLUMN IF NOT EXISTS pinned boolean NOT NULL DEFAULT false;
ALTER TABLE models ADD COLUMN IF NOT EXISTS hub_commit_sha text CHECK (hub_commit_sha IS NULL OR hub_commit_sha ~ '^[0-9a-f]{40}$');
ALTER TABLE models ADD COLUMN IF NOT EXISTS update_checked_at timestamptz;
-- what the Hub's refs said the revision is: a tag is never checked again (only branches move)
ALTER TABLE models ADD COLUMN IF NOT EXISTS ref_kind text CHECK (ref_kind IN ('branch', 'tag'));
-- why the last check could not tell (the branch is gone, the repo is private now, the Hub is down)
ALTER TABLE models ADD COLUMN IF NOT EXISTS update_check_error text;
