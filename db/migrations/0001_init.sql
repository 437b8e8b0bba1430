-- Core tables. Written with IF NOT EXISTS so db/bootstrap.sql can include this file verbatim.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE IF NOT EXISTS users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$'),
  password_hash text NOT NULL,
  is_admin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz
);
-- "Alice" and "alice" are the same person at the login box
CREATE UNIQUE INDEX IF NOT EXISTS users_username_lower_key ON users (lower(username));

CREATE TABLE IF NOT EXISTS refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  replaced_by uuid
);
CREATE INDEX IF NOT EXISTS refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE IF NOT EXISTS models (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  author text NOT NULL,
  repo text NOT NULL,
  revision text NOT NULL,
  commit_sha text CHECK (commit_sha IS NULL OR commit_sha ~ '^[0-9a-f]{40}$'),
  is_downloaded boolean NOT NULL DEFAULT false,
  file_count integer NOT NULL DEFAULT 0 CHECK (file_count >= 0),
  total_size_bytes bigint NOT NULL DEFAULT 0 CHECK (total_size_bytes >= 0),
  downloaded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (author, repo, revision)
);

CREATE TABLE IF NOT EXISTS model_files (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  model_id uuid NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  path text NOT NULL,
  size_bytes bigint NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
  sha256 text CHECK (sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'),
  git_oid text CHECK (git_oid IS NULL OR git_oid ~ '^[0-9a-f]{40}$'),
  is_lfs boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'downloading', 'done', 'failed')),
  bytes_done bigint NOT NULL DEFAULT 0 CHECK (bytes_done >= 0),
  error text,
  downloaded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (model_id, path)
);
CREATE INDEX IF NOT EXISTS model_files_model_status_idx ON model_files (model_id, status);

CREATE TABLE IF NOT EXISTS downloads (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  model_id uuid NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
  selection jsonb NOT NULL DEFAULT '[]'::jsonb,
  force boolean NOT NULL DEFAULT false,
  commit_sha text CHECK (commit_sha IS NULL OR commit_sha ~ '^[0-9a-f]{40}$'),
  progress_pct numeric(5, 2) NOT NULL DEFAULT 0 CHECK (progress_pct BETWEEN 0 AND 100),
  bytes_done bigint NOT NULL DEFAULT 0 CHECK (bytes_done >= 0),
  bytes_total bigint NOT NULL DEFAULT 0 CHECK (bytes_total >= 0),
  files_done integer NOT NULL DEFAULT 0 CHECK (files_done >= 0),
  files_total integer NOT NULL DEFAULT 0 CHECK (files_total >= 0),
  speed_bps bigint,
  eta_s integer,
  error text,
  log text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS downloads_user_created_idx ON downloads (user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS downloads_model_idx ON downloads (model_id);
CREATE INDEX IF NOT EXISTS downloads_active_idx ON downloads (status) WHERE status IN ('queued', 'running');
