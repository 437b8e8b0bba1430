-- A job waiting out a Hub outage or rate limit says so: {message, retry_at, attempt}, null while bytes flow.
ALTER TABLE downloads ADD COLUMN IF NOT EXISTS waiting jsonb;
