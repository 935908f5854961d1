-- A restore is noted for good: the phones and the office judge what was
-- lost by it, so no code may change or drop the note (see 0015).
CREATE TRIGGER restores_no_update BEFORE UPDATE ON restores
BEGIN
    SELECT RAISE(ABORT, 'restores are append-only');
END;

CREATE TRIGGER restores_no_delete BEFORE DELETE ON restores
BEGIN
    SELECT RAISE(ABORT, 'restores are append-only');
END;
