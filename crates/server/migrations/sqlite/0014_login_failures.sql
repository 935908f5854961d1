-- Failed logins by username, from every replica (see
-- `db::login_failures`): the budget against many addresses guessing one
-- account's password is the deployment's, not each server process's, or
-- N replicas would allow N times the guesses. A login counts from its
-- start (a row is added before its password is checked) and its row is
-- deleted unless it failed; rows older than a minute are swept. Not an
-- audit record: rows are deleted as a matter of course.
--
--   username  as typed, trimmed
--   at        when the login started, by the server's clock (RFC 3339
--             UTC, microseconds, `Z`)

CREATE TABLE login_failures (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    username  TEXT NOT NULL,
    at        TEXT NOT NULL
);

CREATE INDEX login_failures_by_username ON login_failures (username, at);
CREATE INDEX login_failures_by_age ON login_failures (at);
