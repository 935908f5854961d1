//! Any bytes as the duty office's event stream, cut into any chunks.
//!
//! The office page feeds [`EventParser`] what `fetch()` hands it, cut
//! anywhere: mid-line, mid-character, between `\r` and `\n`, and perhaps
//! into empty chunks. Whatever the cuts, the events must be those of the
//! stream fed whole (and fed byte by byte), with the same count of
//! comments, and never a panic.
//!
//! The input's first byte says how many of the next bytes are chunk
//! lengths (0 to 255 each, so empty chunks too); the rest is the stream,
//! its remainder after the last length one final chunk.

#![no_main]

use kuaibao_core::wire::sse::{EventParser, ServerEvent};
use libfuzzer_sys::fuzz_target;

/// Chunk lengths take at most this many bytes of the input.
const MAX_CUTS: usize = 32;

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n) % (MAX_CUTS + 1);
    let (lengths, stream) = rest.split_at(n.min(rest.len()));

    let (whole, whole_comments) = feed([stream]);
    for event in &whole {
        check(event, stream);
    }

    let mut chunks = Vec::new();
    let mut left = stream;
    for &len in lengths {
        let (chunk, after) = left.split_at(usize::from(len).min(left.len()));
        chunks.push(chunk);
        left = after;
    }
    chunks.push(left);
    let (cut, cut_comments) = feed(chunks.iter().copied());
    assert_eq!(cut, whole, "{stream:?} cut into {chunks:?}");
    assert_eq!(cut_comments, whole_comments, "{stream:?} cut into {chunks:?}");

    let (bytes, bytes_comments) = feed(stream.chunks(1));
    assert_eq!(bytes, whole, "{stream:?} byte by byte");
    assert_eq!(bytes_comments, whole_comments, "{stream:?} byte by byte");
});

/// The events of `chunks` pushed one after another, and the comments seen.
fn feed<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> (Vec<ServerEvent>, u64) {
    let mut parser = EventParser::new();
    let events = chunks.into_iter().flat_map(|c| parser.push(c)).collect();
    (events, parser.comments)
}

/// What every event must be, as the standard's interpretation has it: a
/// name that is one line and never empty, data whose lines end nowhere but
/// at the `\n`s joining them, an id without NUL or line end.
fn check(event: &ServerEvent, stream: &[u8]) {
    assert!(!event.name.is_empty(), "{stream:?}: an event without a name: {event:?}");
    assert!(
        !event.name.contains(['\r', '\n']),
        "{stream:?}: a name across lines: {event:?}"
    );
    assert!(!event.data.contains('\r'), "{stream:?}: a \\r in the data: {event:?}");
    if let Some(id) = &event.last_id {
        assert!(
            !id.contains(['\0', '\r', '\n']),
            "{stream:?}: an id with NUL or a line end: {event:?}"
        );
    }
}
