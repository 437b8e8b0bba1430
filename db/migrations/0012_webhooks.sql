-- Notifications (issue 17): webhooks that administrators add, and e-mail that users opt into. An event
-- (a download that ended, an update seen at the Hub) becomes one delivery per matching target, written in
-- the same transaction as what caused it; api/src/notify/ sends the deliveries and retries them, and
-- records every attempt.

CREATE TABLE IF NOT EXISTS webhooks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
  url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  preset text NOT NULL DEFAULT 'generic' CHECK (preset IN ('generic', 'ntfy', 'discord', 'slack')),
  events text[] NOT NULL,
  -- signs every request (HMAC-SHA256); kept as is, since signing needs it; never sent to a client again
  secret text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Users who want e-mail about their own downloads (and updates of the catalog).
CREATE TABLE IF NOT EXISTS notify_email (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  events text[] NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS notify_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  webhook_id uuid REFERENCES webhooks (id) ON DELETE CASCADE,
  email_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  CHECK ((webhook_id IS NULL) <> (email_user_id IS NULL)),
  -- the same for every target of one event (the payload's "id")
  event_id uuid NOT NULL,
  event text NOT NULL,
  payload jsonb NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  -- also a lease: a sender pushes it past its own timeout while it tries, so a crashed sender's
  -- delivery is taken up again
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS notify_deliveries_due_idx ON notify_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS notify_deliveries_webhook_idx ON notify_deliveries (webhook_id, created_at DESC);

CREATE TABLE IF NOT EXISTS notify_attempts (
  id bigserial PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES notify_deliveries (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  status_code integer,
  error text,
  duration_ms integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS notify_attempts_delivery_idx ON notify_attempts (delivery_id, attempt);
