//! The written report (书面报告) of a whole thread: a page to print on A4
//! or save as PDF from the browser, as a duty office files a written
//! report upward. At its head what the receiving office checks first: the
//! 报送单位 (the signing officer's area), the recipient (上级单位), the
//! 签发人 and 审核人 and when it was signed; then the event (category,
//! grade and why, when it happened, where, who reported); then every
//! record in stage order (首报, 续报…, 终报; a hazard's steps), each with
//! its three times, the phone's clock offset, its filled sentence and its
//! photos as thumbnails. Records received after the latest signing are
//! marked as not covered by it. Every time is Beijing time (+08:00).
//!
//! The server's Content-Security-Policy holds for this page too: no script
//! at all, and its one `<style>` is allowed by the hash [`style_hash`],
//! which `http::security` puts into the policy. The photos are `data:`
//! URLs (the policy's `img-src` allows them), since the page is opened
//! from a Blob and a link could not carry the officer's token.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::Utc;
use kuaibao_core::desk::signing::Signature;
use kuaibao_core::rules::grading;
use kuaibao_core::{Family, Lang, Report};
use sha2::{Digest, Sha256};

use super::cap::escape;
use chrono::DateTime;
use kuaibao_core::wire::timestamp::beijing;

use super::ThreadRecords;
use crate::db::photos::ReportPhotos;

/// The page's stylesheet, in its `<style>` element exactly as hashed.
/// Plain and black on white; A4 with the margins of an official document
/// when printed; a record's table and photos are not split across pages
/// where that can be helped.
pub const STYLE: &str = "\
body{font-family:\"Noto Serif CJK SC\",\"Source Han Serif SC\",\"SimSun\",serif;color:#000;background:#fff;margin:0;line-height:1.7}\
main{max-width:48em;margin:2em auto;padding:0 1.5em}\
h1{font-size:1.6em;text-align:center;letter-spacing:.2em;margin:0 0 .2em}\
.sub{text-align:center;margin:0 0 1.2em}\
table{width:100%;border-collapse:collapse;margin:0 0 1.2em}\
th,td{border:1px solid #000;padding:.3em .5em;vertical-align:top;text-align:left;overflow-wrap:anywhere}\
th{width:7em;font-weight:bold}\
h2{font-size:1.15em;margin:1.2em 0 .4em;border-bottom:2px solid #000}\
.body{text-indent:2em;font-size:1.1em;white-space:pre-wrap;overflow-wrap:anywhere}\
.unsigned{font-weight:bold}\
.photos{display:flex;flex-wrap:wrap;gap:.5em;margin:0 0 1em;padding:0;list-style:none}\
.photos li{width:30%;min-width:8em;margin:0}\
.photos img{width:100%;height:auto;border:1px solid #000;display:block}\
.photos span{font-size:.85em}\
.record{break-inside:avoid-page}\
.ids{font-family:monospace;font-size:.85em;overflow-wrap:anywhere}\
.signed{margin-top:2em;display:flex;flex-wrap:wrap;gap:1em 3em}\
footer{margin-top:2em;font-size:.85em;border-top:1px solid #000;padding-top:.4em}\
.screen{color:#444}\
@page{size:A4;margin:25mm 20mm}\
@media print{main{max-width:none;margin:0;padding:0}.screen{display:none}}";

/// `sha256-…` of [`STYLE`], as a CSP hash source.
pub fn style_hash() -> String {
    format!("sha256-{}", BASE64.encode(Sha256::digest(STYLE.as_bytes())))
}

/// One photo's bytes for a thumbnail: its type and bytes.
#[derive(Debug, Clone)]
pub struct Thumbnail {
    pub mime: &'static str,
    pub bytes: bytes::Bytes,
}

/// What the page shows of one record besides the record: its photos'
/// status and the bytes of those that arrived.
#[derive(Debug, Clone)]
pub struct RecordPhotos {
    pub status: ReportPhotos,
    pub thumbnails: Vec<Thumbnail>,
    /// Arrived photos printed under an earlier record already.
    pub shown_before: usize,
    /// Arrived pictures not printed: the page holds at most
    /// `MAX_PRINTED_IMAGE_BYTES` of them.
    pub left_out: usize,
}

/// The most image bytes one written report prints (before base64): a few
/// dozen phone photos. Every picture in the page is in memory while it is
/// made, so a thread of hundreds must not make it gigabytes.
pub const MAX_PRINTED_IMAGE_BYTES: u64 = 24 * 1024 * 1024;

/// The page of `thread` (records in stage order, `photos` in the same
/// order) with its `signatures` (oldest first).
pub fn page(thread: &ThreadRecords, photos: &[RecordPhotos], signatures: &[Signature]) -> String {
    let summary = &thread.summary;
    let kind = if summary.hazard {
        "风险隐患"
    } else {
        "突发事件信息"
    };
    let latest = thread.records.len().saturating_sub(1);
    let signed = signatures.last();
    let title = format!("{}{}书面报告", summary.title_zh, kind);

    let mut head: Vec<(&str, String)> = match signed {
        Some(s) => vec![
            ("报送单位", format!("{}（{}）", s.unit, s.unit_id)),
            ("报送对象", s.recipient.clone()),
            ("签发人", format!("{}（账号 {}）", s.by_name, s.by)),
            ("审核人", s.reviewer.clone()),
            ("签发时间", print_time(s.signed_at)),
        ],
        None => vec![(
            "签发状态",
            "未签发：值班员在值班室页面签发后，此处列出报送单位、签发人和审核人".to_owned(),
        )],
    };
    // The step up regulation 493's chain it was signed for, by its line's
    // name.
    if let Some(step) = signed.and_then(|s| s.step.as_ref()) {
        let label = summary
            .deadlines
            .iter()
            .find(|l| &l.rule == step)
            .map_or(step, |l| &l.label_zh);
        head.insert(2, ("报送层级", label.clone()));
    }
    head.push(("事件类别", summary.title_zh.clone()));
    if !summary.hazard {
        head.push(("事件等级", grade_text(thread, latest)));
    }
    head.push((
        "发生时间",
        summary
            .occurred_at
            .map(|t| format!("{} +08:00", t.format("%Y-%m-%d %H:%M")))
            .unwrap_or_else(|| "未填写".to_owned()),
    ));
    head.push((
        "所属区域",
        if summary.area.id.is_empty() {
            "未记录".to_owned()
        } else {
            format!("{}（{}）", summary.area.name, summary.area.id)
        },
    ));
    head.push((
        "报送过程",
        thread
            .records
            .iter()
            .map(|r| summary.stage_name(r.report().stage).get(Lang::Zh))
            .collect::<Vec<_>>()
            .join(" → "),
    ));
    if let Some(by) = summary.rectify_by {
        head.push(("整改期限", by.to_string()));
    }

    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str(&format!("<title>{}</title>\n", escape(&title)));
    html.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"));
    html.push_str(&format!("<h1>{kind}书面报告</h1>\n"));
    html.push_str(&format!("<p class=\"sub\">{}</p>\n", escape(&summary.title_zh)));
    push_table(&mut html, &head);
    // Covered by the latest signing: received before it, and (but for a
    // call, which is no stage) no later in the thread than the stage it
    // names (one received before it but not yet on the signer's page). A
    // record received after it is not, wherever its stage puts it (a 续报
    // that arrives after a signed 日报, a call a phone delivers late, sort
    // before them).
    let named = signed.and_then(|s| thread.records.iter().position(|r| r.report().id == s.report_id));
    for i in 0..thread.records.len() {
        let record = &thread.records[i];
        let unsigned = signed.is_some_and(|s| {
            record.stored.receipt.received_at > s.signed_at
                || (!record.report().stage.is_call() && named.is_none_or(|n| i > n))
        });
        push_record(&mut html, thread, i, photos.get(i), unsigned);
    }
    if let Some(s) = signed {
        html.push_str(&format!(
            "<p class=\"signed\"><span>签发人：{}</span><span>审核人：{}</span><span>签发时间：{}</span></p>\n",
            escape(&s.by_name),
            escape(&s.reviewer),
            print_time(s.signed_at)
        ));
    }
    if signatures.len() > 1 {
        html.push_str("<h2>签发记录</h2>\n<table>\n");
        for s in signatures {
            html.push_str(&format!(
                "<tr><th>{}</th><td>{}签发，审核人 {}，报送 {}（报送单位 {}）</td></tr>\n",
                print_time(s.signed_at),
                escape(&s.by_name),
                escape(&s.reviewer),
                escape(&s.recipient),
                escape(&s.unit)
            ));
        }
        html.push_str("</table>\n");
    }
    html.push_str(&format!(
        "<footer>\n<p class=\"ids\">事件编号 {}</p>\n<p>由快报（Kuaibao）于 {} 生成，时间均为北京时间。报告内容为报告人所填原文；\
         “____”为报告时尚未填写的空。</p>\n\
         <p class=\"screen\">打印或存为 PDF：使用浏览器的“打印”（Ctrl+P），纸张 A4。</p>\n</footer>\n",
        summary.thread_id,
        print_time(Utc::now())
    ));
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

/// A two-column table of names and (escaped) values.
fn push_table(html: &mut String, rows: &[(&str, String)]) {
    html.push_str("<table>\n");
    for (name, value) in rows {
        html.push_str(&format!("<tr><th>{name}</th><td>{}</td></tr>\n", escape(value)));
    }
    html.push_str("</table>\n");
}

/// Record `index` of `thread`: its stage as a heading, its times, its
/// sentence and its photos.
fn push_record(html: &mut String, thread: &ThreadRecords, index: usize, photos: Option<&RecordPhotos>, unsigned: bool) {
    let record = &thread.records[index];
    let report = record.report();
    let stage = thread.summary.stage_name(report.stage).get(Lang::Zh);
    let body = record.template().map_or_else(
        || "（模板未知，无法还原报告句子）".to_owned(),
        |t| t.fill(&report.answers, &report.photos, Lang::Zh),
    );
    html.push_str(&format!(
        "<section class=\"record\" data-record=\"{}\">\n<h2>{}</h2>\n",
        report.id,
        escape(&stage)
    ));
    if unsigned {
        html.push_str("<p class=\"unsigned\">（此记录在签发后收到，未经签发）</p>\n");
    }
    let reporter = match record.reporter() {
        Some((username, name)) => format!("{name}（账号 {username}）"),
        None => "未记录（账号启用前的报告）".to_owned(),
    };
    let mut rows: Vec<(&str, String)> = vec![
        ("填报时间", written_text(report)),
        (
            "接收时间",
            format!("{}（服务器时钟）", print_time(record.stored.receipt.received_at)),
        ),
        (
            "时钟偏差",
            kuaibao_core::desk::record_clock_words(
                report.clock_offset_ms,
                record.stored.receipt.clock_offset_ms,
                Lang::Zh,
            ),
        ),
        ("报告人", reporter),
        ("送达方式", record.stored.receipt.way_zh().to_owned()),
    ];
    if let Some(p) = photos {
        let mut text = photos_text(&p.status);
        if p.shown_before > 0 {
            text.push_str(&format!("；其中 {} 张同前，见前面的记录", p.shown_before));
        }
        if p.left_out > 0 {
            text.push_str(&format!("；另有 {} 张因篇幅未印出，请在值班室页面查看", p.left_out));
        }
        rows.push(("现场照片", text));
    }
    push_table(html, &rows);
    html.push_str(&format!("<p class=\"body\">{}</p>\n", escape(&body)));
    if let Some(p) = photos.filter(|p| !p.thumbnails.is_empty()) {
        html.push_str("<ul class=\"photos\">\n");
        for (n, t) in p.thumbnails.iter().enumerate() {
            html.push_str(&format!(
                "<li><img src=\"data:{};base64,{}\" alt=\"{stage}现场照片 {}\"><span>照片 {}</span></li>\n",
                t.mime,
                BASE64.encode(&t.bytes),
                n + 1,
                n + 1
            ));
        }
        html.push_str("</ul>\n");
    }
    html.push_str(&format!("<p class=\"ids\">记录编号 {}</p>\n</section>\n", report.id));
}

/// The grade, and what decided it: the figures' lines, or the reporter's
/// choice and reason where she chose another grade than suggested.
fn grade_text(thread: &ThreadRecords, index: usize) -> String {
    let Some(grade) = thread.grade_at(index) else {
        return "未定级".to_owned();
    };
    // Its reasons are a written stage's: a call has no figures.
    let record = &thread.records[thread.written_stage_at(index)];
    let report = record.report();
    let mut text = grade.name().zh.to_owned();
    let rule = thread.records.first().and_then(|r| match r.template()?.family {
        Family::Incident { grading, .. } => Some(grading),
        _ => None,
    });
    if let (Some(rule), Some(template)) = (rule, record.template()) {
        let suggestion = grading::suggest(rule, &report.answers);
        text.push_str(&format!(
            "。依据：{}",
            suggestion.explain(template, Lang::Zh).join("；")
        ));
    }
    if let Some(decision) = &report.grade {
        if decision.chosen != decision.suggested {
            text.push_str(&format!(
                "。按数字建议为{}，报告人改报为{}，理由：{}",
                decision.suggested.name().zh,
                decision.chosen.name().zh,
                if decision.reason.trim().is_empty() {
                    "未说明"
                } else {
                    decision.reason.trim()
                }
            ));
        }
    }
    text
}

/// A time as printed: Beijing time to the second, with its offset, as
/// people read it: `2026-11-23 10:00:00 +08:00`.
fn print_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing()).format("%Y-%m-%d %H:%M:%S %:z").to_string()
}

/// When the phone wrote the record, in Beijing time, and the phone's own
/// zone where it was another (the phone's clock is evidence; a report goes
/// upward in Beijing time).
/// Where the phone's clock was off, the time by the server's clock too:
/// the one its deadlines were judged by.
fn written_text(report: &Report) -> String {
    let corrected = kuaibao_core::desk::corrected_written_words(report, Lang::Zh)
        .map(|c| format!("；{c}"))
        .unwrap_or_default();
    match kuaibao_core::desk::phone_time(report.written_at) {
        (bj, None) => format!("{bj}（手机时钟{corrected}）"),
        (bj, Some(zone)) => format!("{bj}（手机时钟；手机时区 {zone}{corrected}）"),
    }
}

fn photos_text(photos: &ReportPhotos) -> String {
    if photos.expected == 0 {
        return "无".to_owned();
    }
    let mut text = format!("应到 {} 张，已到 {} 张", photos.expected, photos.arrived);
    if photos.arrived < photos.expected {
        text.push_str("（其余仍在上传）");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_in_beijing_time_with_the_phones_own_zone_named() {
        let utc = |text: &str| DateTime::parse_from_rfc3339(text).expect("time");
        assert_eq!(
            print_time(utc("2026-11-23T02:00:00Z").with_timezone(&Utc)),
            "2026-11-23 10:00:00 +08:00"
        );
        let mut r = kuaibao_core::rules::examples::report(
            kuaibao_core::rules::catalogue::offered()[0],
            kuaibao_core::Stage::Initial,
        );
        let mut at = |text: &str, offset_ms: Option<i64>| {
            r.written_at = utc(text);
            r.clock_offset_ms = offset_ms;
            written_text(&r)
        };
        assert_eq!(
            at("2026-11-23T10:00:00+08:00", None),
            "2026-11-23 10:00:00 +08:00（手机时钟）"
        );
        assert_eq!(
            at("2026-11-23T02:00:00+00:00", Some(900)),
            "2026-11-23 10:00:00 +08:00（手机时钟；手机时区 +00:00）"
        );
        // Two hours slow when written: the time the deadlines used too.
        assert_eq!(
            at("2026-11-23T08:00:00+08:00", Some(7_200_000)),
            "2026-11-23 08:00:00 +08:00（手机时钟；按服务器时钟为 2026-11-23 10:00）"
        );
    }

    #[test]
    fn the_style_hash_is_a_csp_hash_source() {
        let h = style_hash();
        assert!(h.starts_with("sha256-") && h.len() == 7 + 44, "{h}");
        assert!(!STYLE.contains("</style"));
    }
}
