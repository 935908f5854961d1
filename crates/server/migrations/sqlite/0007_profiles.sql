-- Account profiles: the phone prefills a new report's 报告人 blanks (name,
-- phone, unit, post) from them. Empty means not set. ADD COLUMN with a
-- constant default rewrites no row.

ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN unit TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN post TEXT NOT NULL DEFAULT '';
