-- D011DL database bootstrap, for a DBA with a PostgreSQL superuser:
--
--   psql -h <host> -U postgres -v DB_NAME=d011dl -v DB_USER=d011dl_app -v DB_PASS='…' -f db/bootstrap.sql
--
-- Creates (or brings up to date) the login role, the database owned by it, the extensions, every
-- table and the grants. Safe to run again: nothing is dropped, and the role's password is reset to
-- DB_PASS. The API applies later migrations itself at start, as DB_USER, and skips the ones recorded
-- here. PostgreSQL 13 or newer.

\set ON_ERROR_STOP on
\if :{?DB_NAME} \else \echo 'missing -v DB_NAME=<database>' \quit \endif
\if :{?DB_USER} \else \echo 'missing -v DB_USER=<login role>' \quit \endif
\if :{?DB_PASS} \else \echo 'missing -v DB_PASS=<password>' \quit \endif

SELECT format('CREATE ROLE %I LOGIN', :'DB_USER')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'DB_USER') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEROLE PASSWORD %L', :'DB_USER', :'DB_PASS') \gexec

SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'DB_NAME', :'DB_USER', 'UTF8')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'DB_NAME') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'DB_NAME', :'DB_USER') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'DB_NAME') \gexec
SELECT format('GRANT CONNECT, TEMPORARY, CREATE ON DATABASE %I TO %I', :'DB_NAME', :'DB_USER') \gexec

\connect :"DB_NAME"

-- Extensions need the superuser; everything after is created as the app role so that it owns it
-- (the API's later migrations and the job queue's own schema then need no superuser).
CREATE EXTENSION IF NOT EXISTS pgcrypto;
SELECT format('GRANT ALL ON SCHEMA public TO %I', :'DB_USER') \gexec
SET ROLE :"DB_USER";

-- Same definition as in api/src/db/migrate.ts
CREATE TABLE IF NOT EXISTS schema_migrations (
  version text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- Every file of db/migrations, in order (a test checks that none is missing).
\ir migrations/0001_init.sql
INSERT INTO schema_migrations (version) VALUES ('0001_init') ON CONFLICT DO NOTHING;
\ir migrations/0002_downloads.sql
INSERT INTO schema_migrations (version) VALUES ('0002_downloads') ON CONFLICT DO NOTHING;
\ir migrations/0003_user_access.sql
INSERT INTO schema_migrations (version) VALUES ('0003_user_access') ON CONFLICT DO NOTHING;
\ir migrations/0004_download_waiting.sql
INSERT INTO schema_migrations (version) VALUES ('0004_download_waiting') ON CONFLICT DO NOTHING;
\ir migrations/0005_storage.sql
INSERT INTO schema_migrations (version) VALUES ('0005_storage') ON CONFLICT DO NOTHING;
\ir migrations/0006_library.sql
INSERT INTO schema_migrations (version) VALUES ('0006_library') ON CONFLICT DO NOTHING;
\ir migrations/0007_access_tokens.sql
INSERT INTO schema_migrations (version) VALUES ('0007_access_tokens') ON CONFLICT DO NOTHING;
\ir migrations/0008_updates.sql
INSERT INTO schema_migrations (version) VALUES ('0008_updates') ON CONFLICT DO NOTHING;
\ir migrations/0009_update_staging.sql
INSERT INTO schema_migrations (version) VALUES ('0009_update_staging') ON CONFLICT DO NOTHING;
\ir migrations/0010_admin.sql
INSERT INTO schema_migrations (version) VALUES ('0010_admin') ON CONFLICT DO NOTHING;
\ir migrations/0011_hf_tokens.sql
INSERT INTO schema_migrations (version) VALUES ('0011_hf_tokens') ON CONFLICT DO NOTHING;
\ir migrations/0012_webhooks.sql
INSERT INTO schema_migrations (version) VALUES ('0012_webhooks') ON CONFLICT DO NOTHING;

RESET ROLE;
\echo 'D011DL database ready'
