-- 短信首报 (issue 18): a first record that arrived as a text message, and
-- the full record the app sent for it later.
--
-- reports.via is 'sms' for a record stored from an SMS (pasted at the desk
-- or posted by a gateway), NULL for one the app sent. Its row is the record
-- as the text carried it: every answer, no photos. Its seq and received_at
-- are the record's receipt for good, so the office is judged by when the
-- SMS arrived.
--
-- When the app later sends the record under the same id, from the same
-- account, and the SMS said the same (see kuaibao_core::sms::completes),
-- the full text goes here, once: readers show it in place of the SMS text
-- (`COALESCE(c.body, r.body)`), and its photos are awaited as any record's.
-- Append-only like reports: neither row ever changes.
--
--   report_id     the record (reports.id)
--   body          the full record's canonical JSON, as reports.body
--   body_sha256   its hash: a retry of the same text is a replay
--   received_at   when the app's copy arrived (the server's clock)
--   device_id     the phone that sent it
--   clock_offset_ms  the server's clock minus the phone's, then

ALTER TABLE reports ADD COLUMN via TEXT NULL CHECK (via IS NULL OR via = 'sms');

CREATE TABLE report_completions (
    report_id       TEXT NOT NULL PRIMARY KEY REFERENCES reports (id),
    body            TEXT NOT NULL,
    body_sha256     TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    device_id       TEXT NULL,
    clock_offset_ms INTEGER NULL
);

CREATE TRIGGER report_completions_no_update BEFORE UPDATE ON report_completions
BEGIN
    SELECT RAISE(ABORT, 'report_completions are append-only');
END;

CREATE TRIGGER report_completions_no_delete BEFORE DELETE ON report_completions
BEGIN
    SELECT RAISE(ABORT, 'report_completions are append-only');
END;
