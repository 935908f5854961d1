//! The written report (书面报告) of one record: a page to print or save as
//! PDF from the browser, as a duty office files a written report upward.
//! The template's sentence with the answers filled in is its body; around it
//! the facts a reader checks first: which event and stage, the grade and
//! why, the three times and the phone's clock offset, who reported from
//! where, and the photos.
//!
//! The server's Content-Security-Policy holds for this page too: no script
//! at all, and its one `<style>` is allowed by the hash [`style_hash`],
//! which `http::security` puts into the policy.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::Utc;
use kuaibao_core::grading;
use kuaibao_core::{Family, Lang};
use sha2::{Digest, Sha256};

use super::cap::escape;
use super::{beijing_time, beijing_wall_time, zoned_time, ThreadRecords};
use crate::db::photos::ReportPhotos;

/// The page's stylesheet, in its `<style>` element exactly as hashed.
/// Plain and black on white; A4 with the margins of an official document
/// when printed.
pub const STYLE: &str = "\
body{font-family:\"Noto Serif CJK SC\",\"Source Han Serif SC\",\"SimSun\",serif;color:#000;background:#fff;margin:0;line-height:1.7}\
main{max-width:48em;margin:2em auto;padding:0 1.5em}\
h1{font-size:1.6em;text-align:center;letter-spacing:.2em;margin:0 0 .2em}\
.sub{text-align:center;margin:0 0 1.2em}\
table{width:100%;border-collapse:collapse;margin:0 0 1.2em}\
th,td{border:1px solid #000;padding:.3em .5em;vertical-align:top;text-align:left}\
th{width:8em;font-weight:bold;white-space:nowrap}\
h2{font-size:1.15em;margin:1em 0 .4em}\
.body{text-indent:2em;font-size:1.1em;white-space:pre-wrap;overflow-wrap:anywhere}\
.ids{font-family:monospace;font-size:.85em}\
footer{margin-top:2em;font-size:.85em;border-top:1px solid #000;padding-top:.4em}\
.screen{color:#444}\
@page{size:A4;margin:25mm 20mm}\
@media print{main{max-width:none;margin:0;padding:0}.screen{display:none}}";

/// `sha256-…` of [`STYLE`], as a CSP hash source.
pub fn style_hash() -> String {
    format!("sha256-{}", BASE64.encode(Sha256::digest(STYLE.as_bytes())))
}

/// The page of record `index` of `thread`, with its photos' status.
pub fn page(thread: &ThreadRecords, index: usize, photos: &ReportPhotos) -> String {
    let record = &thread.records[index];
    let report = record.report();
    let summary = &thread.summary;
    let template = record.template();
    let kind = if summary.hazard {
        "风险隐患"
    } else {
        "突发事件信息"
    };
    let stage = summary.stage_name(report.stage).get(Lang::Zh);
    let title = format!("{}{}书面报告", summary.title_zh, stage);
    let body = template.map_or_else(
        || "（模板未知，无法还原报告句子）".to_owned(),
        |t| t.fill(&report.answers, &report.photos, Lang::Zh),
    );

    let mut rows: Vec<(&str, String)> = vec![
        ("事件类别", summary.title_zh.clone()),
        (
            "报告阶段",
            format!(
                "{stage}（本事件第 {} 份记录，共 {} 份）",
                index + 1,
                thread.records.len()
            ),
        ),
    ];
    if !summary.hazard {
        rows.push(("事件等级", grade_text(thread, index)));
    }
    rows.push((
        "发生时间",
        summary
            .occurred_at
            .and_then(beijing_wall_time)
            .unwrap_or_else(|| "未填写".to_owned()),
    ));
    rows.push(("填报时间", format!("{}（手机时钟）", zoned_time(report.written_at))));
    rows.push((
        "接收时间",
        format!("{}（服务器时钟）", beijing_time(record.stored.receipt.received_at)),
    ));
    rows.push(("时钟偏差", clock_text(record.stored.receipt.clock_offset_ms)));
    let reporter = match &record.origin.reporter {
        Some((username, name)) => format!("{name}（账号 {username}）"),
        None => "未记录（账号启用前的报告）".to_owned(),
    };
    rows.push(("报告人", reporter));
    rows.push((
        "所属区域",
        record
            .origin
            .area
            .as_ref()
            .map_or_else(|| "未记录".to_owned(), |a| format!("{}（{}）", a.name, a.id)),
    ));
    rows.push(("现场照片", photos_text(photos)));
    if let Some(by) = summary.rectify_by {
        rows.push(("整改期限", by.to_string()));
    }

    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str(&format!("<title>{}</title>\n", escape(&title)));
    html.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"));
    html.push_str(&format!("<h1>{kind}书面报告</h1>\n"));
    html.push_str(&format!(
        "<p class=\"sub\">{}（{}）</p>\n",
        escape(&summary.title_zh),
        escape(&stage)
    ));
    html.push_str("<table>\n");
    for (name, value) in &rows {
        html.push_str(&format!("<tr><th>{name}</th><td>{}</td></tr>\n", escape(value)));
    }
    html.push_str("</table>\n<h2>报告内容</h2>\n");
    html.push_str(&format!("<p class=\"body\">{}</p>\n", escape(&body)));
    html.push_str(&format!(
        "<footer>\n<p class=\"ids\">事件编号 {}<br>记录编号 {}</p>\n<p>由快报（Kuaibao）于 {} 生成。报告内容为报告人所填原文；\
         “____”为报告时尚未填写的空。</p>\n\
         <p class=\"screen\">打印或存为 PDF：使用浏览器的“打印”（Ctrl+P）。</p>\n</footer>\n",
        summary.thread_id,
        report.id,
        beijing_time(Utc::now())
    ));
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

/// The grade, and what decided it: the figures' lines, or the reporter's
/// choice and reason where she chose another grade than suggested.
fn grade_text(thread: &ThreadRecords, index: usize) -> String {
    let Some(grade) = thread.grade_at(index) else {
        return "未定".to_owned();
    };
    let record = &thread.records[index];
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

/// The server's clock minus the phone's, in words.
fn clock_text(offset_ms: Option<i64>) -> String {
    let Some(ms) = offset_ms else {
        return "未测得（手机未发送时钟）".to_owned();
    };
    let seconds = ms.abs() / 1000;
    if seconds < 60 {
        return format!("手机与服务器时钟基本一致（{ms} 毫秒）");
    }
    let (minutes, rest) = (seconds / 60, seconds % 60);
    let amount = if rest == 0 {
        format!("{minutes} 分钟")
    } else {
        format!("{minutes} 分 {rest} 秒")
    };
    // Positive: the server's clock is ahead, so the phone is slow.
    let way = if ms > 0 { "慢" } else { "快" };
    format!("手机时钟比服务器{way} {amount}（{ms} 毫秒）")
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
    fn clock_offsets_read_as_words() {
        assert_eq!(
            clock_text(Some(7_200_000)),
            "手机时钟比服务器慢 120 分钟（7200000 毫秒）"
        );
        assert_eq!(
            clock_text(Some(-90_000)),
            "手机时钟比服务器快 1 分 30 秒（-90000 毫秒）"
        );
        assert!(clock_text(Some(300)).contains("基本一致"));
        assert!(clock_text(None).contains("未测得"));
    }

    #[test]
    fn the_style_hash_is_a_csp_hash_source() {
        let h = style_hash();
        assert!(h.starts_with("sha256-") && h.len() == 7 + 44, "{h}");
        assert!(!STYLE.contains("</style"));
    }
}
