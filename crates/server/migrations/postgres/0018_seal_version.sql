-- PostgreSQL's twin of sqlite/0018_seal_version.sql.
-- How a session's phone seals its 短信首报 (`kuaibao_core::wire::sms::SmsKey`):
-- 2, with a key derived from the token's SHA-256 under the server's seal
-- secret, which is kept outside the database (`KUAIBAO_SMS_SEAL_SECRET` or
-- the data dir's `sms-seal.secret`), so that a copy of the database (a
-- backup) cannot seal a text; 1, a session from before, with the token's
-- SHA-256 itself, which is taken until the session ends.
ALTER TABLE sessions ADD COLUMN seal_version BIGINT NOT NULL DEFAULT 1;
