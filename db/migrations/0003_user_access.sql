-- Accounts an administrator can disable, and access tokens tied to the sign-in they came from.
--
-- An access token names its session (sid): the family of refresh tokens that one sign-in rotates
-- through. Every authenticated request checks that the account is enabled and that its session still
-- has a live refresh token, so signing out, a disabled account, a password reset and a replayed
-- refresh token end the access tokens at once instead of when they expire.

ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled_at timestamptz;

ALTER TABLE refresh_tokens ADD COLUMN IF NOT EXISTS session_id uuid;
UPDATE refresh_tokens SET session_id = id WHERE session_id IS NULL;
ALTER TABLE refresh_tokens ALTER COLUMN session_id SET DEFAULT gen_random_uuid();
ALTER TABLE refresh_tokens ALTER COLUMN session_id SET NOT NULL;
CREATE INDEX IF NOT EXISTS refresh_tokens_live_session_idx ON refresh_tokens (session_id) WHERE revoked_at IS NULL;
