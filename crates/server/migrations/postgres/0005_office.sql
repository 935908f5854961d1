-- PostgreSQL's twin of sqlite/0005_office.sql (read that for what the
-- tables and columns mean).

CREATE TABLE acknowledgements (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    thread_id  TEXT NOT NULL,
    report_id  TEXT NOT NULL REFERENCES reports (id),
    officer_id TEXT NOT NULL REFERENCES users (id),
    at         TEXT NOT NULL
);

CREATE INDEX acknowledgements_thread_id ON acknowledgements (thread_id);

CREATE TRIGGER acknowledgements_no_update BEFORE UPDATE ON acknowledgements
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER acknowledgements_no_delete BEFORE DELETE ON acknowledgements
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER acknowledgements_no_truncate BEFORE TRUNCATE ON acknowledgements
    FOR EACH STATEMENT EXECUTE FUNCTION kuaibao_append_only();

CREATE TABLE follow_up_requests (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    thread_id  TEXT NOT NULL,
    message    TEXT NOT NULL CHECK (length(message) > 0),
    officer_id TEXT NOT NULL REFERENCES users (id),
    asked_at   TEXT NOT NULL
);

CREATE INDEX follow_up_requests_thread_id ON follow_up_requests (thread_id);

CREATE TRIGGER follow_up_requests_no_update BEFORE UPDATE ON follow_up_requests
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER follow_up_requests_no_delete BEFORE DELETE ON follow_up_requests
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER follow_up_requests_no_truncate BEFORE TRUNCATE ON follow_up_requests
    FOR EACH STATEMENT EXECUTE FUNCTION kuaibao_append_only();
