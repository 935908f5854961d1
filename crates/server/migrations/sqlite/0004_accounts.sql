-- Accounts, areas, sessions and the audit log; who wrote each report and
-- where it is routed; the phone's clock offset as measured on arrival; and
-- a table linking each record to the photos its manifest names.
--
-- areas: the area tree, 区县 → 乡镇/街道 → 村/社区 → 网格. `path` is the
--   chain of ids from the root, '/d/t/v/g/', so "this area and below" is
--   "path starts with mine", one indexed comparison.
-- users: password_hash is argon2id in PHC form; never the password.
--   disabled_at set: can no longer log in (and its sessions were revoked).
-- sessions: the token itself is never stored, only its SHA-256, so a copy
--   of the database does not let anyone log in. `id` names a session in
--   the audit log instead.
-- audit: every change, who (actor_id; NULL for the command line or the
--   server itself), from which device, when. Append-only like reports.
-- report_photos: each record's manifest as rows, so "how many photos of
--   this record arrived" is a join in either database (SQLite's json_each
--   has no PostgreSQL twin).
-- reports: author_id, area_id and device_id of who sent it (NULL for
--   reports stored before accounts existed: only administrators of the
--   root area see those); clock_offset_ms is the server's clock minus the
--   phone's when it first arrived (protocol::CLOCK_HEADER), NULL when the
--   phone sent no clock. ADD COLUMN with a NULL default rewrites no row, so
--   the append-only triggers are not involved.

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
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor_id  TEXT NULL REFERENCES users (id),
    device_id TEXT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '{}'
);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit are append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit are append-only');
END;

CREATE TABLE report_photos (
    report_id TEXT NOT NULL REFERENCES reports (id),
    photo_id  TEXT NOT NULL REFERENCES photos (photo_id),
    PRIMARY KEY (report_id, photo_id)
);

CREATE INDEX report_photos_photo_id ON report_photos (photo_id);

INSERT INTO report_photos (report_id, photo_id)
SELECT r.id, json_extract(m.value, '$.id')
FROM reports AS r, json_each(r.body, '$.photos') AS m
WHERE true
ON CONFLICT DO NOTHING;

ALTER TABLE reports ADD COLUMN author_id TEXT NULL REFERENCES users (id);
ALTER TABLE reports ADD COLUMN area_id TEXT NULL REFERENCES areas (id);
ALTER TABLE reports ADD COLUMN device_id TEXT NULL;
ALTER TABLE reports ADD COLUMN clock_offset_ms INTEGER NULL;

CREATE INDEX reports_author_id ON reports (author_id);
CREATE INDEX reports_area_id ON reports (area_id);
