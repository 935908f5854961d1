-- Threads, stages and grades: the records of one incident (首报 → 续报一 …
-- → 终报) or one hazard (found → rectifying → rectified → closed) share a
-- thread, named by the id of its first record (`Report::thread_id()` in
-- crates/core). Like the columns of 0001, these copy fields out of the body
-- for queries; the body stays the record.
--
--   thread_id        the thread's id: `thread` from the body, or the record's
--                    own id on a first record
--   stage            the stage as its JSON, e.g. {"kind":"follow_up","n":2}
--   stage_rank,      `Stage::order()`: the record's position in its thread
--   stage_n
--   grade_suggested  "I" … "IV": the decision's suggestion, or, for an
--                    incident sent without a decision, the server's own
--                    (`grading::suggest`); NULL for hazards
--   grade_chosen     "I" … "IV" as chosen by the reporter; NULL without a
--                    decision
--
-- Every report stored before this migration is a 首报 (threads did not
-- exist), so each starts its own thread.
--
-- How the backfill gets past the append-only triggers of 0001:
--
-- * ALTER TABLE … ADD COLUMN … DEFAULT fills existing rows without an UPDATE
--   (SQLite rewrites no row; reading a row too short for the new column
--   yields the default). That suffices for stage, stage_rank and stage_n:
--   an old record is a 首报, {"kind":"initial"}, order (0, 0). It is also
--   what the body says: a body without "stage" parses as Stage::Initial.
--
-- * thread_id must be the row's own id, which no constant DEFAULT can give,
--   and the suggested grade is computed from the answers. Both need an
--   UPDATE, which `reports_no_update` refuses, so it is dropped just for the
--   backfill and then re-created exactly as 0001 wrote it. sqlx runs each
--   migration in one transaction and SQLite's schema changes are
--   transactional, so no other connection ever sees the table without its
--   trigger, and a failure half-way rolls the drop back with the rest.
--
-- ADD COLUMN … NOT NULL needs a constant default, so thread_id gets '' as a
-- placeholder; `reports_thread_required` below refuses a new row that would
-- keep it, so "NOT NULL" still means "always a real thread id".

ALTER TABLE reports ADD COLUMN thread_id TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN stage TEXT NOT NULL DEFAULT '{"kind":"initial"}';
ALTER TABLE reports ADD COLUMN stage_rank INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN stage_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN grade_suggested TEXT NULL
    CHECK (grade_suggested IN ('I', 'II', 'III', 'IV'));
ALTER TABLE reports ADD COLUMN grade_chosen TEXT NULL
    CHECK (grade_chosen IN ('I', 'II', 'III', 'IV'));

DROP TRIGGER reports_no_update;

UPDATE reports SET thread_id = id;

-- The only template before this migration was general_incident version 1,
-- graded by `grading::CASUALTIES`: each of dead, missing (bounds 30/10/3),
-- serious_injured (100/50/10) and direct_loss in 万元 (10000/5000/1000)
-- gives a grade, the worst (lowest number) decides, and a figure absent or
-- not a number counts as zero. This is that rule, frozen as it stood when
-- this migration was written; the server computes the grade of every later
-- report itself. tests/api.rs checks the two agree on upgraded rows.
WITH figures AS (
    -- A JSON null (absent answer) or text that is no number casts to NULL
    -- or 0, and NULL >= n is not true: both fall through to grade IV.
    SELECT
        id,
        CAST(trim(json_extract(body, '$.answers.dead')) AS REAL) AS dead,
        CAST(trim(json_extract(body, '$.answers.missing')) AS REAL) AS missing,
        CAST(trim(json_extract(body, '$.answers.serious_injured')) AS REAL) AS serious,
        CAST(trim(json_extract(body, '$.answers.direct_loss')) AS REAL) AS loss
    FROM reports
    WHERE template_id = 'general_incident' AND template_version = 1
),
grades AS (
    SELECT
        id,
        min(
            CASE WHEN dead >= 30 THEN 1 WHEN dead >= 10 THEN 2 WHEN dead >= 3 THEN 3 ELSE 4 END,
            CASE WHEN missing >= 30 THEN 1 WHEN missing >= 10 THEN 2 WHEN missing >= 3 THEN 3 ELSE 4 END,
            CASE WHEN serious >= 100 THEN 1 WHEN serious >= 50 THEN 2 WHEN serious >= 10 THEN 3 ELSE 4 END,
            CASE WHEN loss >= 10000 THEN 1 WHEN loss >= 5000 THEN 2 WHEN loss >= 1000 THEN 3 ELSE 4 END
        ) AS grade
    FROM figures
)
UPDATE reports
SET grade_suggested = CASE grades.grade WHEN 1 THEN 'I' WHEN 2 THEN 'II' WHEN 3 THEN 'III' ELSE 'IV' END
FROM grades
WHERE grades.id = reports.id;

-- As in 0001.
CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports
BEGIN
    SELECT RAISE(ABORT, 'reports are append-only');
END;

CREATE TRIGGER reports_thread_required BEFORE INSERT ON reports
WHEN NEW.thread_id = ''
BEGIN
    SELECT RAISE(ABORT, 'reports.thread_id is required');
END;

-- A thread's records, for GET /api/threads/{id}.
CREATE INDEX reports_thread_id ON reports (thread_id);
