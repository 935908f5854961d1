-- Crash reports from the phones (see `kuaibao_core::crash`): a panic or
-- trap of the app's wasm, or an uncaught JS error, recorded on the phone
-- and sent when it was online again. Read by administrators, counted per
-- build. Append-only like every other record: the triggers refuse any
-- UPDATE or DELETE.
--
--   id           made by the phone (a UUID, as text): a resend stores
--                nothing new
--   account_id   who was logged in when it was sent
--   area_id      that account's area when it was sent: administrators
--                read their area's and below
--   device_id    the device of the sending session
--   build        the app's build id (the commit it was built from)
--   page         the app's path and `#…` when it crashed
--   kind         `panic`, `error` or `rejection`
--   message      the panic's text and place, or the error's text and stack
--   happened_at  by the phone's clock (RFC 3339 UTC)
--   received_at  by the server's clock (RFC 3339 UTC, microseconds, `Z`);
--                with account_id, what the hourly bound counts

CREATE TABLE crash_reports (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
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
BEGIN
    SELECT RAISE(ABORT, 'crash_reports are append-only');
END;

CREATE TRIGGER crash_reports_no_delete BEFORE DELETE ON crash_reports
BEGIN
    SELECT RAISE(ABORT, 'crash_reports are append-only');
END;
