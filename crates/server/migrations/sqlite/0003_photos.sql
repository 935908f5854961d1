-- Photos and their uploads. A report's text carries a manifest of its photos
-- (`PhotoRef` in crates/core: id, blank, SHA-256, size, type, EXIF time and
-- place); the bytes follow apart, over tus 1.0 at /api/uploads.
--
-- photos: one row per photo a stored report announces, written in the same
-- transaction as the report (a replay of the report writes nothing). The
-- manifest columns never change; the photo's arrival is the one change a row
-- ever sees: arrived_at and storage_key go from NULL to set, once.
--
--   photo_id     the phone-made id (UUIDv7 text, as the body writes it)
--   report_id    the report that first announced it (another record of the
--                thread may announce the same photo, same bytes, again)
--   sha256       lowercase hex: only these exact bytes are accepted
--   taken_at     EXIF time as the body writes it (camera's local time)
--   arrived_at   RFC 3339 UTC, when the server first held an exact copy
--   storage_key  where the bytes are: `photos/<sha256[0..2]>/<sha256>` in
--                the photo store (local files or an S3 bucket); content
--                addressed, so photos with equal bytes share one object
CREATE TABLE photos (
    photo_id    TEXT    NOT NULL PRIMARY KEY,
    report_id   TEXT    NOT NULL REFERENCES reports (id),
    blank       TEXT    NOT NULL,
    sha256      TEXT    NOT NULL CHECK (length(sha256) = 64),
    size        INTEGER NOT NULL CHECK (size > 0),
    mime        TEXT    NOT NULL,
    taken_at    TEXT    NULL,
    lat         REAL    NULL,
    lon         REAL    NULL,
    arrived_at  TEXT    NULL,
    storage_key TEXT    NULL,
    CHECK ((arrived_at IS NULL) = (storage_key IS NULL))
);

CREATE INDEX photos_report_id ON photos (report_id);
CREATE INDEX photos_sha256 ON photos (sha256);

-- Like reports, a photo's row is evidence: the only UPDATE allowed is its
-- arrival, from not arrived to arrived, leaving the manifest as it was.
CREATE TRIGGER photos_arrive_once BEFORE UPDATE ON photos
WHEN OLD.arrived_at IS NOT NULL
    OR NEW.arrived_at IS NULL
    OR NEW.photo_id IS NOT OLD.photo_id
    OR NEW.report_id IS NOT OLD.report_id
    OR NEW.blank IS NOT OLD.blank
    OR NEW.sha256 IS NOT OLD.sha256
    OR NEW.size IS NOT OLD.size
    OR NEW.mime IS NOT OLD.mime
    OR NEW.taken_at IS NOT OLD.taken_at
    OR NEW.lat IS NOT OLD.lat
    OR NEW.lon IS NOT OLD.lon
BEGIN
    SELECT RAISE(ABORT, 'a photo arrives once and its manifest never changes');
END;

CREATE TRIGGER photos_no_delete BEFORE DELETE ON photos
BEGIN
    SELECT RAISE(ABORT, 'photos are append-only');
END;

-- Reports stored before this migration may already announce photos: their
-- rows are made here, so those photos can be uploaded like any other. The
-- first report (by arrival) to announce a photo id owns its row.
INSERT INTO photos (photo_id, report_id, blank, sha256, size, mime, taken_at, lat, lon)
SELECT
    json_extract(m.value, '$.id'),
    r.id,
    json_extract(m.value, '$.blank'),
    json_extract(m.value, '$.sha256'),
    json_extract(m.value, '$.size'),
    json_extract(m.value, '$.mime'),
    json_extract(m.value, '$.taken_at'),
    json_extract(m.value, '$.lat'),
    json_extract(m.value, '$.lon')
FROM reports AS r, json_each(r.body, '$.photos') AS m
WHERE true
ORDER BY r.seq
ON CONFLICT (photo_id) DO NOTHING;

-- tus uploads (working state, not evidence: rows come and go). The bytes
-- received so far are in `<data dir>/uploads/<upload_id>.part`; `received`
-- is tus's Upload-Offset, and the file is never shorter than it (it is
-- synced before `received` grows; bytes past it are cut off before the next
-- append). `received` = `length` only once the photo has arrived: an upload
-- whose last bytes failed verification is deleted, never left complete.
-- An upload not finished by `expires_at` is swept with its file.
CREATE TABLE uploads (
    upload_id  TEXT    NOT NULL PRIMARY KEY,
    photo_id   TEXT    NOT NULL REFERENCES photos (photo_id),
    length     INTEGER NOT NULL CHECK (length > 0),
    received   INTEGER NOT NULL DEFAULT 0 CHECK (received BETWEEN 0 AND length),
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL
);

CREATE INDEX uploads_photo_id ON uploads (photo_id);
CREATE INDEX uploads_expires_at ON uploads (expires_at);
