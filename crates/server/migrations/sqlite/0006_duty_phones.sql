-- Duty phone numbers (值班电话) of areas: the number the phone's
-- 「电话报告值班室」 button dials. A worker's number is her area's, or the
-- nearest area's up the tree that has one. Set by the administrator's
-- command line (`kuaibao-server area phone CODE NUMBER`).
--
-- Append-only like the other records: a new number is a new row, the
-- latest row of an area is its number, and the old ones stay as the record
-- of which number was in force when (a worker who called the old number
-- called the office).
--
--   area_id  the area
--   phone    digits, spaces, `-` and a leading `+`, as dialled
--   set_at   the server's clock (RFC 3339 UTC, microseconds, `Z`)
--   set_by   who set it (an account id, or `cli` for the command line)

CREATE TABLE duty_phones (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    area_id TEXT NOT NULL REFERENCES areas (id),
    phone   TEXT NOT NULL CHECK (length(phone) > 0),
    set_at  TEXT NOT NULL,
    set_by  TEXT NOT NULL
);

CREATE INDEX duty_phones_area_id ON duty_phones (area_id);

CREATE TRIGGER duty_phones_no_update BEFORE UPDATE ON duty_phones
BEGIN
    SELECT RAISE(ABORT, 'duty_phones are append-only');
END;

CREATE TRIGGER duty_phones_no_delete BEFORE DELETE ON duty_phones
BEGIN
    SELECT RAISE(ABORT, 'duty_phones are append-only');
END;
