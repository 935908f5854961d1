-- PostgreSQL's twin of sqlite/0008_signatures.sql (read that for what the
-- table and its columns mean).

CREATE TABLE signatures (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    thread_id  TEXT NOT NULL,
    report_id  TEXT NOT NULL REFERENCES reports (id),
    officer_id TEXT NOT NULL REFERENCES users (id),
    area_id    TEXT NOT NULL REFERENCES areas (id),
    recipient  TEXT NOT NULL CHECK (length(recipient) > 0),
    reviewer   TEXT NOT NULL CHECK (length(reviewer) > 0),
    signed_at  TEXT NOT NULL
);

CREATE INDEX signatures_thread_id ON signatures (thread_id);

CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER signatures_no_truncate BEFORE TRUNCATE ON signatures
    FOR EACH STATEMENT EXECUTE FUNCTION kuaibao_append_only();
