//! Evidence other than photos: video clips and voice notes. They travel
//! exactly like photos (announced in the record's manifest, then uploaded
//! resumably), so a manifest entry is a [`super::PhotoRef`] whatever its
//! kind; its `mime` says which. Each kind has its own allow-list of types,
//! its own size cap, and its bytes are checked by their first bytes.

/// A video clip may run this long on the phone (the phone checks the
/// duration it can read; the server checks bytes only).
pub const MAX_VIDEO_SECONDS: u32 = 60;
/// A voice note may run this long; the recorder stops itself there.
pub const MAX_VOICE_SECONDS: u32 = 5 * 60;
/// The largest video clip: a minute of a phone's camera at a modest rate.
pub const MAX_VIDEO_BYTES: u64 = 50 * 1024 * 1024;
/// The largest voice note: five minutes of Opus or AAC with room to spare.
pub const MAX_VOICE_BYTES: u64 = 10 * 1024 * 1024;

/// The largest file of any kind: the most one manifest entry may announce.
pub const MAX_MEDIA_BYTES: u64 = {
    let (photo, video, voice) = (super::MAX_PHOTO_BYTES, MAX_VIDEO_BYTES, MAX_VOICE_BYTES);
    let larger = if photo > video { photo } else { video };
    if larger > voice {
        larger
    } else {
        voice
    }
};

/// What one attached file is, by its declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Photo,
    Video,
    Voice,
}

/// The types accepted, by kind: what phones' cameras and `MediaRecorder`
/// make (Chromium and Firefox WebM/Ogg, Safari MP4/QuickTime).
const TYPES: &[(&str, Media)] = &[
    ("image/jpeg", Media::Photo),
    ("image/png", Media::Photo),
    ("image/webp", Media::Photo),
    ("video/webm", Media::Video),
    ("video/mp4", Media::Video),
    ("video/quicktime", Media::Video),
    ("audio/webm", Media::Voice),
    ("audio/ogg", Media::Voice),
    ("audio/mp4", Media::Voice),
    // iPhones' Voice Memos, picked from Files: MP4 audio by another name.
    ("audio/x-m4a", Media::Voice),
];

impl Media {
    /// The kind of an accepted type (parameters such as `;codecs=opus`
    /// ignored), or `None` for a type not accepted.
    pub fn of(mime: &str) -> Option<Media> {
        let bare = essence(mime);
        TYPES.iter().find(|(t, _)| *t == bare).map(|&(_, m)| m)
    }

    /// The largest file of this kind.
    pub fn max_bytes(self) -> u64 {
        match self {
            Media::Photo => super::MAX_PHOTO_BYTES,
            Media::Video => MAX_VIDEO_BYTES,
            Media::Voice => MAX_VOICE_BYTES,
        }
    }

    /// The longest clip of this kind, in seconds (a photo has none).
    pub fn max_seconds(self) -> Option<u32> {
        match self {
            Media::Photo => None,
            Media::Video => Some(MAX_VIDEO_SECONDS),
            Media::Voice => Some(MAX_VOICE_SECONDS),
        }
    }
}

/// Whether a clip of this kind running `seconds` is over its cap. Half a
/// second of slack: cameras stop a frame or two late. A duration the
/// browser cannot tell (a recorder's WebM says none) is judged by bytes
/// alone.
pub fn too_long(kind: Media, seconds: Option<f64>) -> bool {
    match (kind.max_seconds(), seconds) {
        (Some(max), Some(s)) if s.is_finite() => s > f64::from(max) + 0.5,
        _ => false,
    }
}

/// The type without its parameters, as stored: `audio/webm;codecs=opus` →
/// `audio/webm`.
pub fn essence(mime: &str) -> &str {
    mime.split(';').next().unwrap_or_default().trim()
}

/// The container of video and sound files, by their first bytes.
fn container(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        // EBML: WebM (Matroska).
        [0x1A, 0x45, 0xDF, 0xA3, ..] => Some("webm"),
        [b'O', b'g', b'g', b'S', ..] => Some("ogg"),
        // ISO base media (MP4, QuickTime): a box size, then `ftyp`.
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => Some("mp4"),
        _ => None,
    }
}

/// Enough of a file's start to tell its kind by (`bytes_match`, `sniff`
/// read the first few dozen bytes).
pub const SNIFF_BYTES: usize = 64;

/// Whether `bytes` begin as a file of the declared type `mime` would: the
/// container is known by its first bytes (never by name), and must be one
/// that type is written in. A photo may be any accepted image (as before
/// video existed: a PNG announced as a JPEG is still a photo).
pub fn bytes_match(mime: &str, bytes: &[u8]) -> bool {
    match Media::of(mime) {
        Some(Media::Photo) => super::sniff_image(bytes).is_some(),
        Some(_) => matches!(
            (essence(mime), container(bytes)),
            ("video/webm" | "audio/webm", Some("webm"))
                | ("audio/ogg", Some("ogg"))
                | (
                    "video/mp4" | "video/quicktime" | "audio/mp4" | "audio/x-m4a",
                    Some("mp4")
                )
        ),
        None => false,
    }
}

/// The type to serve stored bytes as, from their first bytes: the image's
/// own, or the container's (a browser plays sound-only WebM or MP4 served
/// as video in an `<audio>` element).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if let Some(image) = super::sniff_image(bytes) {
        return Some(image);
    }
    Some(match container(bytes)? {
        "webm" => "video/webm",
        "ogg" => "audio/ogg",
        _ => "video/mp4",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEBM: &[u8] = &[0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81];
    const MP4: &[u8] = &[0, 0, 0, 0x20, b'f', b't', b'y', b'p', b'i', b's', b'o', b'm'];
    const OGG: &[u8] = b"OggS\0\x02\0\0";
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0];

    #[test]
    fn each_kind_has_its_types() {
        assert_eq!(Media::of("image/jpeg"), Some(Media::Photo));
        assert_eq!(Media::of("video/mp4"), Some(Media::Video));
        assert_eq!(Media::of("video/webm;codecs=vp8"), Some(Media::Video));
        assert_eq!(Media::of("audio/webm;codecs=opus"), Some(Media::Voice));
        assert_eq!(Media::of("audio/ogg"), Some(Media::Voice));
        assert_eq!(Media::of("audio/x-m4a"), Some(Media::Voice), "an iPhone's voice memo");
        for refused in [
            "image/gif",
            "video/x-msvideo",
            "audio/wav",
            "audio/mpeg",
            "text/html",
            "",
            "video",
        ] {
            assert_eq!(Media::of(refused), None, "{refused}");
        }
    }

    #[test]
    fn caps_grow_with_the_kind() {
        assert_eq!(Media::Photo.max_bytes(), 8 * 1024 * 1024);
        assert_eq!(Media::Video.max_bytes(), 50 * 1024 * 1024);
        assert_eq!(Media::Voice.max_bytes(), 10 * 1024 * 1024);
        assert_eq!(Media::Video.max_seconds(), Some(60));
        assert_eq!(Media::Voice.max_seconds(), Some(300));
        assert_eq!(Media::Photo.max_seconds(), None);
    }

    #[test]
    fn clips_are_capped_by_their_running_time() {
        assert!(!too_long(Media::Video, Some(60.0)));
        assert!(!too_long(Media::Video, Some(60.5)));
        assert!(too_long(Media::Video, Some(60.6)));
        assert!(too_long(Media::Video, Some(61.0)));
        assert!(!too_long(Media::Voice, Some(300.0)));
        assert!(too_long(Media::Voice, Some(301.0)));
        assert!(!too_long(Media::Video, None), "unknown: judged by bytes");
        assert!(!too_long(Media::Video, Some(f64::INFINITY)), "a recorder's WebM");
        assert!(!too_long(Media::Photo, Some(1000.0)));
    }

    #[test]
    fn bytes_must_be_of_the_declared_container() {
        assert!(bytes_match("video/webm", WEBM));
        assert!(bytes_match("audio/webm;codecs=opus", WEBM));
        assert!(bytes_match("video/mp4", MP4));
        assert!(bytes_match("video/quicktime", MP4));
        assert!(bytes_match("audio/mp4", MP4));
        assert!(bytes_match("audio/x-m4a", MP4));
        assert!(!bytes_match("audio/x-m4a", OGG));
        assert!(bytes_match("audio/ogg", OGG));
        assert!(bytes_match("image/jpeg", JPEG));
        assert!(bytes_match("image/png", JPEG), "any image is a photo");
        assert!(!bytes_match("video/webm", MP4));
        assert!(!bytes_match("audio/ogg", WEBM));
        assert!(!bytes_match("video/mp4", JPEG));
        assert!(!bytes_match("image/jpeg", WEBM));
        assert!(!bytes_match("video/webm", b"<html>"));
        assert!(!bytes_match("video/webm", &[]));
        assert!(!bytes_match("text/html", b"<html>"));
    }

    #[test]
    fn stored_bytes_are_served_as_their_container() {
        assert_eq!(sniff(JPEG), Some("image/jpeg"));
        assert_eq!(sniff(WEBM), Some("video/webm"));
        assert_eq!(sniff(OGG), Some("audio/ogg"));
        assert_eq!(sniff(MP4), Some("video/mp4"));
        assert_eq!(sniff(b"<html>"), None);
    }
}
