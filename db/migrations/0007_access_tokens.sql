-- Personal access tokens: for scripts (scope "api", a Bearer token for the API) and for the mirror
-- (scope "mirror:read", usable as HF_TOKEN by huggingface_hub and @huggingface/hub). Only a SHA-256 of
-- the token is kept: the token itself is shown once, when it is created.

CREATE TABLE IF NOT EXISTS access_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  scope text NOT NULL CHECK (scope IN ('mirror:read', 'api')),
  token_hash text NOT NULL UNIQUE,
  -- the first characters after the prefix, so a person can tell their tokens apart
  hint text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS access_tokens_user_idx ON access_tokens (user_id, created_at DESC);
