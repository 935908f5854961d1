-- PostgreSQL's twin of sqlite/0012_page_indexes.sql (read that for which
-- paged query each index serves). Here `seq` must be spelt out: a
-- PostgreSQL index holds only the columns it names.

CREATE INDEX reports_thread_seq ON reports (thread_id, seq);
DROP INDEX reports_thread_id;

CREATE INDEX reports_author_seq ON reports (author_id, seq);
DROP INDEX reports_author_id;

CREATE INDEX reports_area_seq ON reports (area_id, seq);
DROP INDEX reports_area_id;

CREATE INDEX signatures_thread_seq ON signatures (thread_id, seq);
DROP INDEX signatures_thread_id;

CREATE INDEX acknowledgements_thread_seq ON acknowledgements (thread_id, seq);
DROP INDEX acknowledgements_thread_id;

CREATE INDEX follow_up_requests_thread_seq ON follow_up_requests (thread_id, seq);
DROP INDEX follow_up_requests_thread_id;
