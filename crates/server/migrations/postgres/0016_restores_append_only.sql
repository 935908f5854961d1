-- A restore is noted for good: the phones and the office judge what was
-- lost by it, so no code may change or drop the note (see 0015).
CREATE TRIGGER restores_no_update BEFORE UPDATE ON restores
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER restores_no_delete BEFORE DELETE ON restores
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER restores_no_truncate BEFORE TRUNCATE ON restores
    FOR EACH STATEMENT EXECUTE FUNCTION kuaibao_append_only();
