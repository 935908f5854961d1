-- The name of the account that made a record or an act, as it was then: a
-- display name changed later (`user profile`) must not rewrite who reported,
-- acknowledged, asked or signed on a page printed again. Written by the
-- insert itself from `users.display_name`; rows from before this migration
-- have none and read the account's current name.
ALTER TABLE reports ADD COLUMN author_name TEXT NULL;
ALTER TABLE acknowledgements ADD COLUMN by_name TEXT NULL;
ALTER TABLE follow_up_requests ADD COLUMN by_name TEXT NULL;
ALTER TABLE signatures ADD COLUMN by_name TEXT NULL;
