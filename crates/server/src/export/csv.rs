//! The CSV export: one row per record (each stage of each thread), for
//! spreadsheet programs.
//!
//! - UTF-8 with a byte-order mark: without it Excel reads the file as the
//!   system's legacy code page and the Chinese turns to mojibake.
//! - RFC 4180: CRLF line ends; a field with a comma, quote or line break is
//!   quoted, its quotes doubled.
//! - The header row is in Chinese, for the people who open the file; the
//!   columns' stable keys, for programs, are [`COLUMNS`] (in this order;
//!   new columns are only ever added at the end).
//! - After them, one column per figure ([`kuaibao_core::rules::figures`]): every
//!   Count and Amount blank of the catalogue, headed `死亡人数（人）[dead]`
//!   (label, unit, and the blank id a program finds it by). The same id is
//!   the same column whatever the template or its version; a record whose
//!   template lacks it, or that left it empty, has an empty cell. A blank
//!   added by a new template version becomes a new column by itself, so
//!   programs should find figure columns by the id in brackets, not by
//!   position.
//! - Formula injection: a spreadsheet runs a cell that starts with `=`,
//!   `+`, `-` or `@` (and some with a leading tab or CR) as a formula, and
//!   every text here was typed on a phone. Such a cell gets a leading `'`,
//!   which spreadsheets show as text. A cell that is a plain number (a
//!   negative clock offset, say) is left alone: it cannot be a formula.

use kuaibao_core::rules::figures::{self, Figure};
use kuaibao_core::Lang;

use super::{beijing_time, beijing_wall_time, zoned_time, ThreadRecords};
use kuaibao_core::desk::geo::record_position;

pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// The columns: stable key, header.
pub const COLUMNS: [(&str, &str); 24] = [
    ("thread_id", "事件编号"),
    ("record_id", "记录编号"),
    ("stage", "阶段"),
    ("category_id", "类别代码"),
    ("category", "类别"),
    ("area_id", "区域代码"),
    ("area", "区域"),
    ("reporter", "报告人账号"),
    ("reporter_name", "报告人"),
    ("grade", "等级"),
    ("occurred_at", "发生时间"),
    ("written_at", "填报时间"),
    ("received_at", "接收时间"),
    ("clock_offset_ms", "手机时钟偏差（毫秒）"),
    ("lat", "纬度"),
    ("lon", "经度"),
    ("photos_expected", "照片应到"),
    ("photos_arrived", "照片已到"),
    ("text", "报告内容"),
    // As typed, to sort and filter by in a spreadsheet; they are in the
    // sentence too.
    ("place", "地点"),
    ("phone", "联系电话"),
    ("responsible", "责任单位"),
    ("rectify_by", "整改期限"),
    // How it reached the office: a 短信首报 entered by an officer without
    // the phone's seal is the reporter's word only as far as the call back.
    ("via", "送达方式"),
];

/// The whole file: BOM, header, a row per record.
pub fn document(threads: &[ThreadRecords]) -> String {
    let mut out = head();
    push_threads(&mut out, threads);
    out
}

/// The file's start: BOM and header.
pub fn head() -> String {
    let mut out = String::from('\u{FEFF}');
    let headers = COLUMNS.iter().map(|(_, header)| (*header).to_owned());
    push_row(
        &mut out,
        headers.chain(figures::all().iter().map(|f| f.header(Lang::Zh))),
    );
    out
}

/// A row per record of `threads`, thread by thread.
pub fn push_threads(out: &mut String, threads: &[ThreadRecords]) {
    let figures = figures::all();
    for thread in threads {
        for i in 0..thread.records.len() {
            push_row(out, row(thread, i).into_iter().chain(figure_cells(thread, i, &figures)));
        }
    }
}

/// Record `i`'s figures, one cell per figure in `figures`' order, as typed.
fn figure_cells<'a>(thread: &'a ThreadRecords, i: usize, figures: &'a [Figure]) -> impl Iterator<Item = String> + 'a {
    let record = &thread.records[i];
    let template = record.template();
    figures
        .iter()
        .map(move |f| f.answer(record.report(), template).unwrap_or_default().to_owned())
}

/// Record `i` of `thread`, in [`COLUMNS`] order.
fn row(thread: &ThreadRecords, i: usize) -> [String; 24] {
    let record = &thread.records[i];
    let report = record.report();
    let summary = &thread.summary;
    let (reporter, reporter_name) = record.reporter().unwrap_or_default();
    let (area_id, area) = record
        .origin
        .area
        .as_ref()
        .map(|a| (a.id.clone(), a.name.clone()))
        .unwrap_or_default();
    let position = record_position(report);
    let typed = |key: &str| report.answers.get(key).map(|v| v.trim().to_owned()).unwrap_or_default();
    let occurred = summary.occurred_at.and_then(beijing_wall_time).unwrap_or_default();
    [
        summary.thread_id.to_string(),
        report.id.to_string(),
        summary.stage_name(report.stage).get(Lang::Zh),
        summary.template_id.clone(),
        summary.title_zh.clone(),
        area_id,
        area,
        reporter,
        reporter_name,
        thread.grade_at(i).map(|g| g.name().zh.to_owned()).unwrap_or_default(),
        occurred,
        zoned_time(report.written_at),
        beijing_time(record.stored.receipt.received_at),
        record
            .stored
            .receipt
            .clock_offset_ms
            .map(|ms| ms.to_string())
            .unwrap_or_default(),
        position.map(|(lat, _)| lat.to_string()).unwrap_or_default(),
        position.map(|(_, lon)| lon.to_string()).unwrap_or_default(),
        record.stored.photos.expected.to_string(),
        record.stored.photos.arrived.to_string(),
        record
            .template()
            .map(|t| t.fill(&report.answers, &report.photos, Lang::Zh))
            .unwrap_or_default(),
        typed("place"),
        typed("phone"),
        typed("responsible"),
        typed("rectify_by"),
        record.stored.receipt.way_zh().to_owned(),
    ]
}

pub fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&quote(&guard(cell)));
    }
    out.push_str("\r\n");
}

/// A leading `'` for a cell a spreadsheet would run as a formula.
pub fn guard(cell: String) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(&cell) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// `-12`, `+3.5`, `-0.25`: digits with one sign and at most one point.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let mut points = 0;
    !digits.is_empty()
        && digits.bytes().all(|b| match b {
            b'0'..=b'9' => true,
            b'.' => {
                points += 1;
                points == 1
            }
            _ => false,
        })
        && digits.bytes().any(|b| b.is_ascii_digit())
}

/// RFC 4180 quoting, only where needed.
pub fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        for (cell, want) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-7200000", "-7200000"),
            ("-33.5", "-33.5"),
            ("-", "'-"),
            ("青石村", "青石村"),
            ("", ""),
        ] {
            assert_eq!(guard(cell.to_owned()), want, "{cell:?}");
        }
    }

    #[test]
    fn quoting_follows_rfc_4180() {
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(quote("plain"), "plain");
    }

    #[test]
    fn an_empty_export_is_the_bom_and_the_header() {
        let text = document(&[]);
        assert!(text.starts_with('\u{FEFF}'));
        assert_eq!(text.matches("\r\n").count(), 1);
        assert!(text.contains("事件编号,记录编号,阶段"), "{text}");
        assert!(text.contains(",报告内容,"), "figures follow the fixed columns: {text}");
        assert!(text.contains("死亡人数（人）[dead]"), "{text}");
    }
}
