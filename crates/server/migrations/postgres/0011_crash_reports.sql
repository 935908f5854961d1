-- PostgreSQL's twin of sqlite/0011_crash_reports.sql (read that for what
-- the table and its columns mean).

CREATE TABLE crash_reports (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    account_id  TEXT NOT NULL REFERENCES users (id),
    area_id     TEXT NOT NULL REFERENCES areas (id),
    device_id   TEXT NOT NULL,
    build       TEXT NOT NULL CHECK (length(build) > 0),
    page        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('panic', 'error', 'rejection')),
    message     TEXT NOT NULL CHECK (length(message) > 0),
    happened_at TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE INDEX crash_reports_account ON crash_reports (account_id, received_at);
CREATE INDEX crash_reports_build ON crash_reports (build);

CREATE TRIGGER crash_reports_no_update BEFORE UPDATE ON crash_reports
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER crash_reports_no_delete BEFORE DELETE ON crash_reports
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER crash_reports_no_truncate BEFORE TRUNCATE ON crash_reports
    FOR EACH STATEMENT EXECUTE FUNCTION kuaibao_append_only();
