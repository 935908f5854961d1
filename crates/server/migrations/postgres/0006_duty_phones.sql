-- Duty phone numbers (值班电话) of areas: see sqlite/0006_duty_phones.sql.
-- Append-only: the latest row of an area is its number.

CREATE TABLE duty_phones (
    seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area_id TEXT NOT NULL REFERENCES areas (id),
    phone   TEXT NOT NULL CHECK (length(phone) > 0),
    set_at  TEXT NOT NULL,
    set_by  TEXT NOT NULL
);

CREATE INDEX duty_phones_area_id ON duty_phones (area_id);

CREATE TRIGGER duty_phones_no_update BEFORE UPDATE ON duty_phones
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER duty_phones_no_delete BEFORE DELETE ON duty_phones
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER duty_phones_no_truncate BEFORE TRUNCATE ON duty_phones
    FOR EACH STATEMENT EXECUTE FUNCTION kuaibao_append_only();
