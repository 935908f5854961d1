-- PostgreSQL's twin of sqlite/0004_accounts.sql (read that for what the
-- tables and columns mean). No back-fill of report_photos: see 0002.

CREATE TABLE areas (
    id         TEXT NOT NULL PRIMARY KEY,
    parent_id  TEXT NULL REFERENCES areas (id),
    name       TEXT NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('district', 'township', 'village', 'grid')),
    path       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT NOT NULL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('reporter', 'officer', 'admin')),
    area_id       TEXT NOT NULL REFERENCES areas (id),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT NULL
);

CREATE TABLE sessions (
    id           TEXT NOT NULL PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id),
    device_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT NULL
);

CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE audit (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        TEXT NOT NULL,
    actor_id  TEXT NULL REFERENCES users (id),
    device_id TEXT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '{}'
);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION kuaibao_append_only();

CREATE TABLE report_photos (
    report_id TEXT NOT NULL REFERENCES reports (id),
    photo_id  TEXT NOT NULL REFERENCES photos (photo_id),
    PRIMARY KEY (report_id, photo_id)
);

CREATE INDEX report_photos_photo_id ON report_photos (photo_id);

ALTER TABLE reports ADD COLUMN author_id TEXT NULL REFERENCES users (id);
ALTER TABLE reports ADD COLUMN area_id TEXT NULL REFERENCES areas (id);
ALTER TABLE reports ADD COLUMN device_id TEXT NULL;
ALTER TABLE reports ADD COLUMN clock_offset_ms BIGINT NULL;

CREATE INDEX reports_author_id ON reports (author_id);
CREATE INDEX reports_area_id ON reports (area_id);
