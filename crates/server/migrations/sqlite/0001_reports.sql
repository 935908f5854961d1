-- Reports as received: append-only records keyed by the phone-made id.
--
-- seq is AUTOINCREMENT (not just the rowid) so a number once handed out in a
-- receipt is never handed out again, even if the newest row were ever lost.
-- body is the canonical JSON of the report (what the server re-serialises
-- after parsing), so equal reports give equal text and body_sha256 tells a
-- replay from a conflicting resubmission. The other columns copy fields out
-- of the body for queries; times are RFC 3339 text.
CREATE TABLE reports (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT    NOT NULL UNIQUE,
    template_id      TEXT    NOT NULL,
    template_version INTEGER NOT NULL,
    body             TEXT    NOT NULL,
    body_sha256      TEXT    NOT NULL,
    written_at       TEXT    NOT NULL,
    received_at      TEXT    NOT NULL
);

-- A receipt promises the record is stored as sent. Make the database refuse
-- to change or drop one, whatever code runs against it; a correction is a new
-- record.
CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports
BEGIN
    SELECT RAISE(ABORT, 'reports are append-only');
END;

CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports
BEGIN
    SELECT RAISE(ABORT, 'reports are append-only');
END;
