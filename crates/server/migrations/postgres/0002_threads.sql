-- PostgreSQL's twin of sqlite/0002_threads.sql (read that for what the
-- columns mean). SQLite's version also back-fills rows stored before it;
-- a PostgreSQL database has none then (PostgreSQL support arrived with
-- migration 0004), so there is nothing to fill and no trigger to lift.

ALTER TABLE reports ADD COLUMN thread_id TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN stage TEXT NOT NULL DEFAULT '{"kind":"initial"}';
ALTER TABLE reports ADD COLUMN stage_rank BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN stage_n BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN grade_suggested TEXT NULL
    CHECK (grade_suggested IN ('I', 'II', 'III', 'IV'));
ALTER TABLE reports ADD COLUMN grade_chosen TEXT NULL
    CHECK (grade_chosen IN ('I', 'II', 'III', 'IV'));

-- "NOT NULL" means a real thread id, as in SQLite.
ALTER TABLE reports ADD CONSTRAINT reports_thread_required CHECK (thread_id <> '');

CREATE INDEX reports_thread_id ON reports (thread_id);
