-- PostgreSQL's twin of sqlite/0003_photos.sql (read that for what the
-- tables and columns mean). No back-fill: see 0002.

CREATE TABLE photos (
    photo_id    TEXT             NOT NULL PRIMARY KEY,
    report_id   TEXT             NOT NULL REFERENCES reports (id),
    blank       TEXT             NOT NULL,
    sha256      TEXT             NOT NULL CHECK (length(sha256) = 64),
    size        BIGINT           NOT NULL CHECK (size > 0),
    mime        TEXT             NOT NULL,
    taken_at    TEXT             NULL,
    lat         DOUBLE PRECISION NULL,
    lon         DOUBLE PRECISION NULL,
    arrived_at  TEXT             NULL,
    storage_key TEXT             NULL,
    CHECK ((arrived_at IS NULL) = (storage_key IS NULL))
);

CREATE INDEX photos_report_id ON photos (report_id);
CREATE INDEX photos_sha256 ON photos (sha256);

-- A photo arrives once and its manifest never changes.
CREATE FUNCTION kuaibao_photo_arrives_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.arrived_at IS NOT NULL
        OR NEW.arrived_at IS NULL
        OR NEW.photo_id IS DISTINCT FROM OLD.photo_id
        OR NEW.report_id IS DISTINCT FROM OLD.report_id
        OR NEW.blank IS DISTINCT FROM OLD.blank
        OR NEW.sha256 IS DISTINCT FROM OLD.sha256
        OR NEW.size IS DISTINCT FROM OLD.size
        OR NEW.mime IS DISTINCT FROM OLD.mime
        OR NEW.taken_at IS DISTINCT FROM OLD.taken_at
        OR NEW.lat IS DISTINCT FROM OLD.lat
        OR NEW.lon IS DISTINCT FROM OLD.lon
    THEN
        RAISE EXCEPTION 'a photo arrives once and its manifest never changes';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER photos_arrive_once BEFORE UPDATE ON photos
    FOR EACH ROW EXECUTE FUNCTION kuaibao_photo_arrives_once();
CREATE TRIGGER photos_no_delete BEFORE DELETE ON photos
    FOR EACH ROW EXECUTE FUNCTION kuaibao_append_only();
CREATE TRIGGER photos_no_truncate BEFORE TRUNCATE ON photos
    FOR EACH STATEMENT EXECUTE FUNCTION kuaibao_append_only();

-- tus uploads: working state, rows come and go.
CREATE TABLE uploads (
    upload_id  TEXT   NOT NULL PRIMARY KEY,
    photo_id   TEXT   NOT NULL REFERENCES photos (photo_id),
    length     BIGINT NOT NULL CHECK (length > 0),
    received   BIGINT NOT NULL DEFAULT 0 CHECK (received BETWEEN 0 AND length),
    created_at TEXT   NOT NULL,
    expires_at TEXT   NOT NULL
);

CREATE INDEX uploads_photo_id ON uploads (photo_id);
CREATE INDEX uploads_expires_at ON uploads (expires_at);
