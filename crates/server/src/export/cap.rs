//! OASIS Common Alerting Protocol 1.2 (CAP): one `<alert>` per record of an
//! incident thread, so alerting and emergency-information systems that
//! speak CAP (GB/T 35965.1 is CAP-like) can take the reports in.
//!
//! - `identifier`: `urn:uuid:<record id>`. Records never change, so one
//!   record is one message version, unique for every sender.
//! - `sent`: when the server received the record, Beijing time, with its
//!   offset and without fractions (CAP's pattern allows neither `Z` nor
//!   fractional seconds).
//! - `msgType`: `Alert` for the thread's first record; `Update` for each
//!   later stage, with `<references>` naming every earlier record's message
//!   (`sender,identifier,sent`), and `<incidents>` the thread's id.
//! - `scope`: `Restricted`: a report from the field is for the duty
//!   offices, not a public warning.
//! - `info` in zh-CN: CAP category by template ([`category`]), the event,
//!   urgency (`Past` once the 终报 is in, else `Immediate`), severity by
//!   grade (I `Extreme`, II `Severe`, III `Moderate`, IV `Minor`; `Unknown`
//!   while 未定级),
//!   certainty `Observed` (a person on site saw it), the filled sentence as
//!   `description`, and the area: the place as typed and, with a position,
//!   a `circle` of radius 0 at WGS-84 `lat,lon`, as CAP's coordinates are.
//!
//! Hazards are not alerts of an event that happened; the handler answers
//! 409 for them.

use kuaibao_core::{Grade, Lang, Report, Stage};

use super::{beijing_time, beijing_wall_time, Record, ThreadRecords};
use kuaibao_core::desk::geo::record_position;

pub const CONTENT_TYPE: &str = "application/cap+xml";

/// CAP 1.2's namespace.
pub const NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";

/// What the `<restriction>` says.
const RESTRICTION: &str = "仅供应急管理值班（信息报送）工作使用，未经核实，不得对外公开发布";

/// The message's identifier.
pub fn identifier(record: &Record) -> String {
    format!("urn:uuid:{}", record.report().id)
}

/// The CAP `sent` of a record's message.
pub fn sent(record: &Record) -> String {
    beijing_time(record.stored.receipt.received_at)
}

/// The alert for record `index` of `thread` (an incident), from `sender`.
pub fn alert(thread: &ThreadRecords, index: usize, sender: &str) -> String {
    let record = &thread.records[index];
    let report = record.report();
    let mut x = Xml::default();
    x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.raw(&format!("<alert xmlns=\"{NAMESPACE}\">\n"));
    x.element(1, "identifier", &identifier(record));
    x.element(1, "sender", sender);
    x.element(1, "sent", &sent(record));
    x.element(1, "status", "Actual");
    x.element(1, "msgType", if index == 0 { "Alert" } else { "Update" });
    x.element(1, "source", "快报 Kuaibao");
    x.element(1, "scope", "Restricted");
    x.element(1, "restriction", RESTRICTION);
    if index > 0 {
        let references: Vec<String> = thread.records[..index]
            .iter()
            .map(|r| format!("{sender},{},{}", identifier(r), sent(r)))
            .collect();
        x.element(1, "references", &references.join(" "));
    }
    x.element(1, "incidents", &thread.summary.thread_id.to_string());

    let template = record.template();
    let event = event(thread, report);
    let stage = report.stage.name_in(false).get(Lang::Zh);
    let place = answer(report, "place")
        .map(str::to_owned)
        .or_else(|| record.origin.area.as_ref().map(|a| a.name.clone()))
        .unwrap_or_else(|| "地点不详".to_owned());
    x.raw("  <info>\n");
    x.element(2, "language", "zh-CN");
    for c in category(&thread.summary.template_id, report) {
        x.element(2, "category", c);
    }
    x.element(2, "event", &event);
    x.element(
        2,
        "urgency",
        if report.stage == Stage::Final {
            "Past"
        } else {
            "Immediate"
        },
    );
    x.element(2, "severity", severity(thread.grade_at(index)));
    x.element(2, "certainty", "Observed");
    x.open(2, "eventCode");
    x.element(3, "valueName", "kuaibao:template");
    x.element(
        3,
        "value",
        &format!("{}@{}", report.template_id, report.template_version),
    );
    x.close(2, "eventCode");
    if let Some(onset) = thread.summary.occurred_at.and_then(beijing_wall_time) {
        x.element(2, "onset", &onset);
    }
    if let Some(area) = &record.origin.area {
        x.element(2, "senderName", &area.name);
    }
    x.element(2, "headline", &format!("{event}{stage}：{place}"));
    let description = template.map_or_else(String::new, |t| t.fill(&report.answers, &report.photos, Lang::Zh));
    x.element(2, "description", &description);
    let contact = [answer(report, "reporter"), answer(report, "phone")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("，");
    if !contact.is_empty() {
        x.element(2, "contact", &contact);
    }
    for (name, value) in [
        ("kuaibao:stage", stage),
        (
            "kuaibao:grade",
            thread.grade_at(index).map_or_else(String::new, |g| g.code().to_owned()),
        ),
        ("kuaibao:record", report.id.to_string()),
    ] {
        if !value.is_empty() {
            x.open(2, "parameter");
            x.element(3, "valueName", name);
            x.element(3, "value", &value);
            x.close(2, "parameter");
        }
    }
    x.open(2, "area");
    x.element(3, "areaDesc", &place);
    // The latest position known by this record.
    if let Some((lat, lon)) = thread.records[..=index]
        .iter()
        .rev()
        .find_map(|r| record_position(r.report()))
    {
        x.element(3, "circle", &format!("{lat},{lon} 0"));
    }
    x.close(2, "area");
    x.raw("  </info>\n");
    x.raw("</alert>\n");
    x.0
}

/// The event's name: the category's title, or, for the general report, the
/// class of event chosen.
fn event(thread: &ThreadRecords, report: &Report) -> String {
    if thread.summary.template_id == "general_incident" {
        let first = thread.records.first().map_or(report, |r| r.report());
        let template = kuaibao_core::rules::catalogue::find(&first.template_id, first.template_version);
        if let Some(label) = template.and_then(|t| {
            let blank = t.blank("category")?;
            kuaibao_core::desk::written::answer_text(blank, &first.answers, &[], Lang::Zh)
        }) {
            return label;
        }
    }
    thread.summary.title_zh.clone()
}

/// CAP's categories for a thread's template (the kind of incident).
pub fn category(template_id: &str, report: &Report) -> &'static [&'static str] {
    match template_id {
        "earthquake" | "geological_disaster" => &["Geo"],
        // CAP's "Met" is meteorological, floods included.
        "flood" | "meteorological" => &["Met"],
        "forest_fire" | "fire" => &["Fire"],
        "road_traffic" => &["Transport"],
        "hazardous_chemicals" => &["CBRNE"],
        "work_safety" => &["Safety"],
        // A fallen building or structure: the structure, and people to
        // rescue from it.
        "collapse" => &["Infra", "Rescue"],
        "public_health" => &["Health"],
        "social_security" => &["Security"],
        "general_incident" => match answer(report, "category") {
            Some("accident") => &["Safety"],
            Some("public_health") => &["Health"],
            Some("social_security") => &["Security"],
            _ => &["Other"],
        },
        _ => &["Other"],
    }
}

/// CAP severity from the grade.
pub fn severity(grade: Option<Grade>) -> &'static str {
    match grade {
        Some(Grade::I) => "Extreme",
        Some(Grade::II) => "Severe",
        Some(Grade::III) => "Moderate",
        Some(Grade::IV) => "Minor",
        None => "Unknown",
    }
}

fn answer<'a>(report: &'a Report, key: &str) -> Option<&'a str> {
    report.answers.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A small XML writer: elements with escaped text, indented.
#[derive(Default)]
struct Xml(String);

impl Xml {
    fn raw(&mut self, text: &str) {
        self.0.push_str(text);
    }

    fn indent(&mut self, depth: usize) {
        self.0.push_str(&"  ".repeat(depth));
    }

    fn element(&mut self, depth: usize, name: &str, text: &str) {
        self.indent(depth);
        self.0.push_str(&format!("<{name}>{}</{name}>\n", escape(text)));
    }

    fn open(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.0.push_str(&format!("<{name}>\n"));
    }

    fn close(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.0.push_str(&format!("</{name}>\n"));
    }
}

/// Text as XML character data: markup characters escaped, and characters
/// XML 1.0 cannot carry at all (most control characters, lone surrogates
/// cannot occur in a Rust string) dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("x\u{1}y\nz"), "xy\nz");
        assert_eq!(escape("青石村"), "青石村");
    }

    #[test]
    fn grades_map_to_severities() {
        assert_eq!(severity(Some(Grade::I)), "Extreme");
        assert_eq!(severity(Some(Grade::II)), "Severe");
        assert_eq!(severity(Some(Grade::III)), "Moderate");
        assert_eq!(severity(Some(Grade::IV)), "Minor");
        assert_eq!(severity(None), "Unknown");
    }

    #[test]
    fn every_incident_template_has_a_cap_category() {
        const CAP: [&str; 12] = [
            "Geo",
            "Met",
            "Safety",
            "Security",
            "Rescue",
            "Fire",
            "Health",
            "Env",
            "Transport",
            "Infra",
            "CBRNE",
            "Other",
        ];
        for t in kuaibao_core::rules::catalogue::all() {
            if let kuaibao_core::Family::Incident { .. } = t.family {
                let report = kuaibao_core::rules::examples::report(t, Stage::Initial);
                let cats = category(t.id, &report);
                assert!(!cats.is_empty() && cats.iter().all(|c| CAP.contains(c)), "{}", t.id);
                if t.id != "general_incident" {
                    assert!(!cats.contains(&"Other"), "{} deserves a real category", t.id);
                }
            }
        }
    }
}
