-- Administration (issue 17): the audit log and the settings an administrator changes at run time.

-- Who did what and when. actor_name is kept as text so a deleted user's actions still read as theirs.
CREATE TABLE IF NOT EXISTS audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
  actor_name text,
  action text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
  target text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip text
);
CREATE INDEX IF NOT EXISTS audit_log_action_idx ON audit_log (action, id DESC);
CREATE INDEX IF NOT EXISTS audit_log_actor_idx ON audit_log (actor_id, id DESC);

-- One row per setting changed in the portal; a missing row means "as the environment says".
CREATE TABLE IF NOT EXISTS settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES users (id) ON DELETE SET NULL
);
