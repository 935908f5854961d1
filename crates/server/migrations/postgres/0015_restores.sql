-- PostgreSQL's twin of sqlite/0015_restores.sql (read that for what the
-- table and its columns mean).

CREATE TABLE restores (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restored_at     TEXT NOT NULL,
    backup_made_at  TEXT NOT NULL
);
