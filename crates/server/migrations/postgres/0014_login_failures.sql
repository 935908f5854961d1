-- PostgreSQL's twin of sqlite/0014_login_failures.sql (read that for what
-- the table and its columns mean).

CREATE TABLE login_failures (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username  TEXT NOT NULL,
    at        TEXT NOT NULL
);

CREATE INDEX login_failures_by_username ON login_failures (username, at);
CREATE INDEX login_failures_by_age ON login_failures (at);
