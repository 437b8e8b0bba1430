-- Per-user Hugging Face tokens (issue 17). The token is kept encrypted with AES-256-GCM under a key derived
-- from the server's DATA_KEY (or the key generated in DATA_DIR): api/src/account/token-cipher.ts.
-- key_id tells which key sealed it, so a changed DATA_KEY is reported as such instead of failing obscurely.

CREATE TABLE IF NOT EXISTS user_hf_tokens (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  ciphertext bytea NOT NULL,
  iv bytea NOT NULL CHECK (length(iv) = 12),
  auth_tag bytea NOT NULL CHECK (length(auth_tag) = 16),
  -- the format of the sealed value (cipher, key derivation): 1 = AES-256-GCM, HKDF-SHA256
  key_version smallint NOT NULL,
  -- a fingerprint of the key (not the key): which DATA_KEY sealed this row
  key_id text NOT NULL,
  -- the Hub account the token belonged to when it was saved (GET /api/whoami-v2)
  hub_user text NOT NULL,
  set_at timestamptz NOT NULL DEFAULT now()
);

-- Whose token a job's last attempt used: 'user' (the job's own user's), 'server' (HF_TOKEN) or 'none'.
ALTER TABLE downloads ADD COLUMN IF NOT EXISTS hf_token_owner text CHECK (hf_token_owner IN ('user', 'server', 'none'));
ALTER TABLE downloads ADD COLUMN IF NOT EXISTS hf_token_user_id uuid REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE downloads ADD COLUMN IF NOT EXISTS hf_token_hub_user text;
