//! Server-sent events, read by hand: the duty office's live stream needs
//! the bearer token, which `EventSource` cannot send, so the page reads the
//! stream with `fetch()` and feeds its bytes to [`EventParser`] as they
//! come, in chunks cut anywhere (mid-line, mid-character, between `\r` and
//! `\n`).
//!
//! The rules are the HTML standard's "event stream interpretation": lines
//! end with `\n`, `\r\n` or `\r`; a blank line dispatches the event; `data`
//! lines are joined with `\n`; a line starting with `:` is a comment; one
//! space after the colon is dropped; a leading byte-order mark is skipped.

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEvent {
    /// The `event:` name; `message` when none was given.
    pub name: String,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
    /// The `id:` of this event or the last one that had one.
    pub last_id: Option<String>,
}

/// Turns a stream's bytes into events; keeps what is not a whole line yet.
#[derive(Debug, Default)]
pub struct EventParser {
    /// Bytes of the line not ended yet.
    line: Vec<u8>,
    /// The previous chunk ended with `\r`: a `\n` first in the next one
    /// belongs to that line end.
    after_cr: bool,
    /// Whether the stream's first bytes were looked at (for the BOM).
    started: bool,
    name: Option<String>,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    /// Comments seen so far (keep-alives): a sign of life.
    pub comments: u64,
}

impl EventParser {
    pub fn new() -> EventParser {
        EventParser::default()
    }

    /// Reads the next chunk; returns the events it completed, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<ServerEvent> {
        let mut events = Vec::new();
        // A stream may hand over empty chunks. One carries nothing, and
        // must not end the wait for a `\n` after a `\r` (the fuzz target
        // `sse` found that it did: the `\n` then ended a second, blank
        // line, which dispatched the event early).
        if chunk.is_empty() {
            return events;
        }
        let mut bytes = chunk;
        if !self.started {
            self.line.extend_from_slice(bytes);
            if self.line.len() < 3 && b"\xEF\xBB\xBF".starts_with(&self.line) {
                // Could still be a BOM: wait for more.
                return events;
            }
            self.started = true;
            let held = std::mem::take(&mut self.line);
            let rest = held.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&held).to_vec();
            return self.push_started(&rest, events);
        }
        if self.after_cr {
            if let Some(rest) = bytes.strip_prefix(b"\n") {
                bytes = rest;
            }
            self.after_cr = false;
        }
        events = self.push_started(bytes, events);
        events
    }

    fn push_started(&mut self, bytes: &[u8], mut events: Vec<ServerEvent>) -> Vec<ServerEvent> {
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    self.end_line(&mut events);
                    i += 1;
                }
                b'\r' => {
                    self.end_line(&mut events);
                    i += 1;
                    if i == bytes.len() {
                        self.after_cr = true;
                    } else if bytes[i] == b'\n' {
                        i += 1;
                    }
                }
                b => {
                    self.line.push(b);
                    i += 1;
                }
            }
        }
        events
    }

    fn end_line(&mut self, events: &mut Vec<ServerEvent>) {
        let line = std::mem::take(&mut self.line);
        let line = String::from_utf8_lossy(&line);
        if line.is_empty() {
            self.dispatch(events);
            return;
        }
        if line.starts_with(':') {
            self.comments += 1;
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.name = Some(value.to_owned()),
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            // `retry` and unknown fields: the page keeps its own backoff.
            _ => {}
        }
    }

    fn dispatch(&mut self, events: &mut Vec<ServerEvent>) {
        let name = self.name.take();
        if !self.has_data {
            return;
        }
        self.has_data = false;
        events.push(ServerEvent {
            name: name.filter(|n| !n.is_empty()).unwrap_or_else(|| "message".to_owned()),
            data: std::mem::take(&mut self.data),
            last_id: self.last_id.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_at_once(text: &str) -> Vec<ServerEvent> {
        EventParser::new().push(text.as_bytes())
    }

    fn byte_by_byte(text: &[u8]) -> Vec<ServerEvent> {
        let mut p = EventParser::new();
        text.iter().flat_map(|b| p.push(&[*b])).collect()
    }

    fn data(events: &[ServerEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn the_office_stream_reads_as_changes() {
        let text = ": kuaibao office events\n\ndata: {\"thread_id\":\"a\",\"kind\":\"report\"}\n\n: keep-alive\n\ndata: {\"kind\":\"photo\"}\n\n";
        let events = all_at_once(text);
        assert_eq!(
            data(&events),
            ["{\"thread_id\":\"a\",\"kind\":\"report\"}", "{\"kind\":\"photo\"}"]
        );
        assert!(events.iter().all(|e| e.name == "message"));
        let mut p = EventParser::new();
        p.push(text.as_bytes());
        assert_eq!(p.comments, 2);
    }

    #[test]
    fn chunks_cut_anywhere_give_the_same_events() {
        let text = "data: 续报\r\n\r\nevent: x\rdata: a\rdata:b\r\rid: 7\ndata:  two spaces\n\n";
        let whole = all_at_once(text);
        assert_eq!(whole, byte_by_byte(text.as_bytes()));
        assert_eq!(data(&whole), ["续报", "a\nb", " two spaces"]);
        assert_eq!(whole[1].name, "x");
        assert_eq!(whole[2].name, "message");
        assert_eq!(whole[2].last_id.as_deref(), Some("7"));
        // Every split point of the text, into two chunks.
        for cut in 0..=text.len() {
            let mut p = EventParser::new();
            let mut events = p.push(&text.as_bytes()[..cut]);
            events.extend(p.push(&text.as_bytes()[cut..]));
            assert_eq!(events, whole, "cut at {cut}");
        }
    }

    #[test]
    fn an_unfinished_event_waits_and_an_empty_one_is_dropped() {
        let mut p = EventParser::new();
        assert!(p.push(b"data: half").is_empty());
        assert!(p.push(b"\n").is_empty());
        assert_eq!(data(&p.push(b"\n")), ["half"]);
        assert!(p.push(b"event: nothing\n\n").is_empty());
        assert_eq!(p.push(b"data\n\n")[0].data, "");
    }

    #[test]
    fn an_empty_chunk_between_cr_and_lf_changes_nothing() {
        // Found by the fuzz target `sse`: `\r`, an empty chunk, `\n` read
        // as two line ends, the second a blank line dispatching `a` alone.
        let text = b"data: a\r\ndata: b\n\n";
        let whole = all_at_once("data: a\r\ndata: b\n\n");
        assert_eq!(data(&whole), ["a\nb"]);
        let mut p = EventParser::new();
        let mut events = p.push(&text[..8]);
        for _ in 0..3 {
            events.extend(p.push(b""));
        }
        events.extend(p.push(&text[8..]));
        assert_eq!(events, whole);
        // And before the first bytes, while a byte-order mark may be coming.
        let mut p = EventParser::new();
        let mut events = p.push(b"");
        events.extend(p.push(b"\xEF"));
        events.extend(p.push(b""));
        events.extend(p.push(b"\xBB\xBFdata: x\n\n"));
        assert_eq!(data(&events), ["x"]);
    }

    #[test]
    fn a_byte_order_mark_is_skipped_even_when_split() {
        let text = b"\xEF\xBB\xBFdata: x\n\n";
        assert_eq!(data(&byte_by_byte(text)), ["x"]);
        assert_eq!(data(&EventParser::new().push(text)), ["x"]);
    }
}
