-- Whether a 短信首报 carried the seal of a session of its account
-- (kuaibao_core::wire::sms::Parsed::sealed_by): 1 sealed, 0 not (an officer
-- entered it after calling the reporter back), NULL for a record the app
-- sent. Set with the row and never changed; the desk shows it beside
-- 短信首报, and the receipt carries it (`sms_sealed`).

ALTER TABLE reports ADD COLUMN sms_sealed INTEGER NULL CHECK (sms_sealed IS NULL OR sms_sealed IN (0, 1));
