-- Keyset pagination (issue 19): every list is read a page at a time in the
-- order of an arrival number (`seq`) that only grows, and each page's
-- query must find its rows by index rather than by reading the table.
--
-- - The walk through threads (inbox, ledgers, exports) reads `reports` by
--   its primary key and asks, per record, whether an earlier record of the
--   same thread exists: `reports (thread_id, seq)`.
-- - A reporter's own reports, in arrival order: `reports (author_id, seq)`.
-- - An area's reports: `reports (area_id, seq)`.
-- - A thread's signings, acknowledgements and requests, oldest first:
--   `(thread_id, seq)` on each.
--
-- In SQLite every index ends with the rowid, which is `seq` on these
-- tables, so the single-column indexes they replace served the same
-- orders already; they are written out whole so that both databases have
-- the same indexes under the same names (PostgreSQL needs `seq` spelt out).
-- docs/operations.md shows each paged query's plan; a test checks them.

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
