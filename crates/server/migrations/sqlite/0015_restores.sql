-- Restores from a backup (`kuaibao-server restore`), a row each, written
-- into the database restored (see `db::restores`). Phones read the newest
-- from `GET /api/health` and send again what the server received after the
-- backup was made, which the restore lost.
--
--   restored_at     when the restore ran, by the server's clock (RFC 3339
--                   UTC, microseconds, `Z`)
--   backup_made_at  when the backup began (its manifest's `created_at`),
--                   the same format

CREATE TABLE restores (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    restored_at     TEXT NOT NULL,
    backup_made_at  TEXT NOT NULL
);
