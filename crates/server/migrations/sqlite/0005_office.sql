-- The duty office's own records: acknowledgements (已阅) of a thread's
-- records and requests to the reporter for a follow-up (续报). Like reports,
-- they are evidence of who knew what when, so they are append-only: the
-- triggers below refuse any UPDATE or DELETE.
--
-- acknowledgements: one officer saw record `report_id` of thread
--   `thread_id`.
-- follow_up_requests: one officer asked the reporters of thread
--   `thread_id` for a follow-up; `message` is what the office wants to
--   know. A request is answered by any record of the thread received after
--   `asked_at`: that is a query, not a column, so nothing here changes.
--
--   id          made by the officer's browser (a UUID, as text), so a
--               retried or repeated click stores one row
--   thread_id   the id of the thread's first record. Not a reference: a
--               thread may be known by a later record only (phones deliver
--               in any order), and its first record may arrive after
--   officer_id  who acknowledged or asked
--   at,         the server's clock (RFC 3339 UTC, microseconds, `Z`), so
--   asked_at    the text sorts like the time and compares with
--               reports.received_at

CREATE TABLE acknowledgements (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    thread_id  TEXT NOT NULL,
    report_id  TEXT NOT NULL REFERENCES reports (id),
    officer_id TEXT NOT NULL REFERENCES users (id),
    at         TEXT NOT NULL
);

CREATE INDEX acknowledgements_thread_id ON acknowledgements (thread_id);

CREATE TRIGGER acknowledgements_no_update BEFORE UPDATE ON acknowledgements
BEGIN
    SELECT RAISE(ABORT, 'acknowledgements are append-only');
END;

CREATE TRIGGER acknowledgements_no_delete BEFORE DELETE ON acknowledgements
BEGIN
    SELECT RAISE(ABORT, 'acknowledgements are append-only');
END;

CREATE TABLE follow_up_requests (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    thread_id  TEXT NOT NULL,
    message    TEXT NOT NULL CHECK (length(message) > 0),
    officer_id TEXT NOT NULL REFERENCES users (id),
    asked_at   TEXT NOT NULL
);

CREATE INDEX follow_up_requests_thread_id ON follow_up_requests (thread_id);

CREATE TRIGGER follow_up_requests_no_update BEFORE UPDATE ON follow_up_requests
BEGIN
    SELECT RAISE(ABORT, 'follow_up_requests are append-only');
END;

CREATE TRIGGER follow_up_requests_no_delete BEFORE DELETE ON follow_up_requests
BEGIN
    SELECT RAISE(ABORT, 'follow_up_requests are append-only');
END;
