-- PostgreSQL's twin of sqlite/0001_reports.sql: the same tables, columns
-- and rules in PostgreSQL's words. Every migration exists in both folders
-- under the same number and name (tests/api/migrations.rs checks it), so a
-- database of either kind at version N has the same schema.
--
-- Integers are BIGINT throughout: the server reads them as i64 from either
-- database. Times are RFC 3339 text written by the server, as in SQLite.

CREATE TABLE reports (
    seq              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               TEXT    NOT NULL UNIQUE,
    template_id      TEXT    NOT NULL,
    template_version BIGINT  NOT NULL,
    body             TEXT    NOT NULL,
    body_sha256      TEXT    NOT NULL,
    written_at       TEXT    NOT NULL,
    received_at      TEXT    NOT NULL
);

-- Append-only, as in SQLite: the database itself refuses to change or drop
-- a stored record. One function serves every append-only table.
CREATE FUNCTION kuaibao_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% are append-only', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
-- SQLite has no TRUNCATE; PostgreSQL's would skip the row triggers.
CREATE TRIGGER reports_no_truncate BEFORE TRUNCATE ON reports
    FOR EACH STATEMENT EXECUTE FUNCTION kuaibao_append_only();
