-- Signings of a thread's written report (书面报告) by the duty office: an
-- officer approves it for sending upward as 签发人, naming who checked it
-- (审核人) and to whom it goes (上级单位). The 报送单位 is the officer's
-- area, kept as it was at signing. Evidence of who sent what upward when,
-- so append-only like reports: the triggers refuse any UPDATE or DELETE.
--
--   id          made by the officer's browser (a UUID, as text), so a
--               retried or repeated click stores one row
--   thread_id   the id of the thread's first record (not a reference: see
--               0005_office.sql)
--   report_id   the thread's latest record the officer read when signing:
--               what the signature covers; records received later print
--               as not yet signed
--   officer_id  who signed (签发人)
--   area_id     the officer's area when signing (报送单位)
--   recipient   上级单位, as typed
--   reviewer    审核人, as typed
--   signed_at   the server's clock (RFC 3339 UTC, microseconds, `Z`)

CREATE TABLE signatures (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    thread_id  TEXT NOT NULL,
    report_id  TEXT NOT NULL REFERENCES reports (id),
    officer_id TEXT NOT NULL REFERENCES users (id),
    area_id    TEXT NOT NULL REFERENCES areas (id),
    recipient  TEXT NOT NULL CHECK (length(recipient) > 0),
    reviewer   TEXT NOT NULL CHECK (length(reviewer) > 0),
    signed_at  TEXT NOT NULL
);

CREATE INDEX signatures_thread_id ON signatures (thread_id);

CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
BEGIN
    SELECT RAISE(ABORT, 'signatures are append-only');
END;

CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
BEGIN
    SELECT RAISE(ABORT, 'signatures are append-only');
END;
