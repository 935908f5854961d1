//! Statistics tables for reporting upward: incidents counted and their
//! figures summed by area × day × category, as the duty office sends them
//! to the next level. The server tabulates (`GET` [`STATISTICS_PATH`] as
//! JSON, [`STATISTICS_CSV_PATH`] as CSV) and the desk draws the same
//! [`Table`]; the counting is here once.
//!
//! How a thread counts:
//! - Incidents only: a hazard is a finding on inspection, not an event
//!   with casualties (hazards have their ledger).
//! - Once, however many records it has: its figures are those of its
//!   latest record that answered each figure (stage order: 首报, 续报…,
//!   终报), so a 续报 supersedes the 首报's figures, and a figure a later
//!   record left empty keeps the last value given rather than dropping to
//!   nothing.
//! - On its event day: the Beijing date of the time it happened (the first
//!   record's `occurred_at`), whenever its records were written or
//!   received, so a thread whose 续报 comes after midnight stays on its
//!   day. A thread without an event time counts on the day it was first
//!   received.
//! - Under one area: the area it was reported in, or, when a level is
//!   chosen, its ancestor at that level (a township's row then includes its
//!   villages' and grids' threads). A thread reported above the chosen level
//!   (at the township when rows are villages) stays under its own area.
//!   Every thread is in exactly one row, so the rows add up to the total.
//! - Figures are every Count and Amount blank ([`crate::rules::figures`]), summed
//!   exactly (fixed-point, in the blank's decimals), except
//!   [`NOT_SUMMED`]. A row's figure is `None` when none of its threads gave
//!   it, which is not the same as a reported 0.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::account::{AreaLevel, AreaRef};
use crate::report::Report;
use crate::rules::figures::{self, Figure};
use crate::rules::thread::Judge;
use crate::wire::error::{ErrorCode, FieldError};
use crate::wire::timestamp::parse_date;
use crate::Family;

/// `GET` with a [`StatsQuery`]: the [`Table`] of the caller's area and
/// below. Officers and administrators only.
pub const STATISTICS_PATH: &str = "/api/office/statistics";
/// `GET` with a [`StatsQuery`]: the same table as CSV.
pub const STATISTICS_CSV_PATH: &str = "/api/exports/statistics.csv";

/// Figures that are measurements of an event, not counts of its harm:
/// adding two earthquakes' magnitudes means nothing.
pub const NOT_SUMMED: &[&str] = &["magnitude"];

/// The table's query; every part optional. As a query string:
/// `?area=d-t1&level=village&from=2026-11-01&to=2026-11-30&category=flood`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// An area id: that area and everything below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// Roll rows up to this level (`district`, `township`, `village`,
    /// `grid`); by default each thread counts under the area it was
    /// reported in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// First event day (Beijing date, `YYYY-MM-DD`), inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last event day, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A template id (the kind of incident).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// The names [`StatsQuery::from_query`] reads.
pub const STATS_KEYS: [&str; 5] = ["area", "level", "from", "to", "category"];

/// A [`StatsQuery`] as checked: what the counting uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    pub area: Option<String>,
    pub level: Option<AreaLevel>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub category: Option<String>,
}

impl StatsQuery {
    /// The query from a decoded query string's pairs; an empty value is no
    /// filter; every error names its field (an unknown or repeated
    /// parameter names itself).
    pub fn from_query(pairs: &[(String, String)]) -> Result<Checked, Vec<FieldError>> {
        let mut query = StatsQuery::default();
        let mut errors = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in pairs {
            let key = key.as_str();
            let refusal = if !STATS_KEYS.contains(&key) {
                Some((
                    format!("没有名为 {key} 的统计条件"),
                    format!("there is no parameter named {key}"),
                ))
            } else if seen.contains(&key) {
                Some((
                    format!("统计条件 {key} 只能给一次"),
                    format!("the parameter {key} may be given once"),
                ))
            } else {
                None
            };
            if let Some((zh, en)) = refusal {
                errors.push(FieldError::new(key, ErrorCode::UnknownField, zh, en));
                continue;
            }
            seen.push(key);
            let value = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
            match key {
                "area" => query.area = value,
                "level" => query.level = value,
                "from" => query.from = value,
                "to" => query.to = value,
                _ => query.category = value,
            }
        }
        match query.check() {
            Ok(checked) if errors.is_empty() => Ok(checked),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    /// The query checked: a known level, real dates, `to` not before
    /// `from`; each error names its field and says what to type.
    pub fn check(&self) -> Result<Checked, Vec<FieldError>> {
        let mut errors = Vec::new();
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let level = match given(&self.level) {
            None => None,
            Some(code) => {
                let level = AreaLevel::from_code(&code);
                if level.is_none() {
                    errors.push(FieldError::new(
                        "level",
                        ErrorCode::UnknownOption,
                        "汇总层级须为 district（区县）、township（乡镇）、village（村社区）或 grid（网格）",
                        "level must be district, township, village or grid",
                    ));
                }
                level
            }
        };
        let mut date = |field: &str, value: Option<String>| {
            let text = value?;
            let day = parse_date(&text);
            if day.is_none() {
                errors.push(FieldError::new(
                    field,
                    ErrorCode::BadDate,
                    "日期须为 年-月-日，如 2026-11-23",
                    "the date must be YYYY-MM-DD, e.g. 2026-11-23",
                ));
            }
            day
        };
        let from = date("from", given(&self.from));
        let to = date("to", given(&self.to));
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                errors.push(FieldError::new(
                    "to",
                    ErrorCode::OutOfRange,
                    "截止日期不能早于起始日期",
                    "to must not be before from",
                ));
            }
        }
        if errors.is_empty() {
            Ok(Checked {
                area: given(&self.area),
                level,
                from,
                to,
                category: given(&self.category),
            })
        } else {
            Err(errors)
        }
    }

    /// The query string of the non-empty parts (`?level=village&…`, or
    /// empty), in [`STATS_KEYS`] order.
    pub fn to_query(&self) -> String {
        let parts: Vec<String> = [&self.area, &self.level, &self.from, &self.to, &self.category]
            .into_iter()
            .zip(STATS_KEYS)
            .filter_map(|(value, key)| {
                let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
                Some(format!("{key}={}", crate::wire::page::percent_encode(value)))
            })
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// One thread as the statistics read it.
#[derive(Debug, Clone, Copy)]
pub struct ThreadFacts<'a> {
    /// Its records in stage order (all submitted: the server's).
    pub records: &'a [Report],
    /// The area it was reported in and its ancestors, the root first and
    /// its own area last; empty for a thread from before accounts.
    pub areas: &'a [AreaRef],
    /// The Beijing date it was first received: its day when it has no
    /// event time.
    pub received_day: NaiveDate,
}

/// A figure's column of the table.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureColumn {
    /// The blank id.
    pub id: String,
    pub label_zh: String,
    pub unit_zh: String,
    /// Decimal places of its values.
    pub decimals: u8,
}

impl FigureColumn {
    /// Its CSV header, as the report CSV heads the figure.
    pub fn header(&self) -> String {
        figures::header(&self.label_zh, &self.unit_zh, &self.id, crate::Lang::Zh)
    }
}

/// One row: an area, a day, a category.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub area: AreaRef,
    /// The event day, Beijing time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    /// The template id and its name.
    pub category_id: String,
    pub category_zh: String,
    /// Incidents (threads) counted.
    pub threads: u32,
    /// One value per [`Table::figures`] column, as exact decimal text
    /// (`12.5`); `null` when none of the row's threads gave the figure.
    pub figures: Vec<Option<String>>,
}

/// The statistics table, its columns and the total of every row.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub figures: Vec<FigureColumn>,
    /// By day, then area (in tree order), then category.
    pub rows: Vec<Row>,
    /// Threads and figures over all rows.
    pub total_threads: u32,
    pub total_figures: Vec<Option<String>>,
}

/// The figures the statistics sum: every figure but [`NOT_SUMMED`].
pub fn summed_figures() -> Vec<Figure> {
    figures::all()
        .into_iter()
        .filter(|f| !NOT_SUMMED.contains(&f.id))
        .collect()
}

/// `text` in units of 10^-`decimals` (`"12.5"`, 2 → 1250); `None` for what
/// is no plain non-negative decimal with at most that many places.
pub fn fixed(text: &str, decimals: u8) -> Option<i128> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 20
        || !digits(whole)
        || !digits(fraction)
        || fraction.len() > usize::from(decimals)
    {
        return None;
    }
    if text.ends_with('.') {
        return None;
    }
    let mut value: i128 = whole.parse().ok()?;
    for i in 0..usize::from(decimals) {
        let digit = fraction.as_bytes().get(i).map_or(0, |b| i128::from(b - b'0'));
        value = value * 10 + digit;
    }
    Some(value)
}

/// `value` units of 10^-`decimals` as decimal text, without trailing
/// zeros after the point: 1250, 2 → `12.5`.
pub fn fixed_text(value: i128, decimals: u8) -> String {
    let scale = 10_i128.pow(u32::from(decimals));
    let (whole, fraction) = (value / scale, value % scale);
    if fraction == 0 {
        return whole.to_string();
    }
    let fraction = format!("{fraction:0width$}", width = usize::from(decimals));
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// The thread's figures: for each of `figures`, the latest record's answer
/// that gives it (stage order), in fixed-point.
pub fn latest_figures(records: &[Report], figures: &[Figure]) -> Vec<Option<i128>> {
    figures
        .iter()
        .map(|f| {
            records.iter().rev().find_map(|r| {
                let template = crate::rules::catalogue::find(&r.template_id, r.template_version);
                fixed(f.answer(r, template)?, f.decimals)
            })
        })
        .collect()
}

/// The thread's event day: the Beijing date it happened, else the day it
/// was first received.
pub fn event_day(facts: &ThreadFacts<'_>) -> NaiveDate {
    Judge::new(facts.records)
        .occurred_at()
        .map_or(facts.received_day, |t| t.date())
}

/// The area a thread counts under at `level` (see the module's words).
pub fn row_area(areas: &[AreaRef], level: Option<AreaLevel>) -> AreaRef {
    let own = areas.last().cloned().unwrap_or(AreaRef {
        id: String::new(),
        name: "（未记录区域）".to_owned(),
        level: AreaLevel::District,
    });
    match level {
        None => own,
        Some(level) => areas.iter().find(|a| a.level == level).cloned().unwrap_or(own),
    }
}

/// A row's place in the table: day, the area's path of ids, category.
type RowKey = (NaiveDate, String, String);

/// The table of `threads` (the caller's, already scoped and filtered by
/// area), with `query`'s days, category and level.
pub fn tabulate(threads: &[ThreadFacts<'_>], query: &Checked) -> Table {
    let mut tally = Tally::new(query);
    for facts in threads {
        tally.add(facts);
    }
    tally.table()
}

/// A table counted a thread at a time, so a province's threads need not
/// be held together: what it keeps is one row per area × day × category.
#[derive(Debug)]
pub struct Tally<'q> {
    query: &'q Checked,
    figures: Vec<Figure>,
    /// (day, area's place in the tree, category) → the row and its sums,
    /// kept in the table's order.
    rows: BTreeMap<RowKey, (Row, Vec<Option<i128>>)>,
    total_threads: u32,
    total: Vec<Option<i128>>,
}

impl<'q> Tally<'q> {
    /// An empty table for `query`.
    pub fn new(query: &'q Checked) -> Self {
        let figures = summed_figures();
        let total = vec![None; figures.len()];
        Tally {
            query,
            figures,
            rows: BTreeMap::new(),
            total_threads: 0,
            total,
        }
    }

    /// Counts `facts`, if it is an incident that `query` keeps.
    pub fn add(&mut self, facts: &ThreadFacts<'_>) {
        let query = self.query;
        let judge = Judge::new(facts.records);
        let Some(template) = judge.template() else {
            return;
        };
        if !matches!(template.family, Family::Incident { .. }) {
            return;
        }
        if query.category.as_deref().is_some_and(|c| c != template.id) {
            return;
        }
        let day = event_day(facts);
        if query.from.is_some_and(|from| day < from) || query.to.is_some_and(|to| day > to) {
            return;
        }
        let area = row_area(facts.areas, query.level);
        // The area's place in the tree: the ids of its path.
        let place = facts
            .areas
            .iter()
            .take_while(|a| a.id != area.id)
            .map(|a| a.id.as_str())
            .chain([area.id.as_str()])
            .collect::<Vec<_>>()
            .join("/");
        let width = self.figures.len();
        let (row, sums) = self
            .rows
            .entry((day, place, template.id.to_owned()))
            .or_insert_with(|| {
                let row = Row {
                    area,
                    day,
                    category_id: template.id.to_owned(),
                    category_zh: template.title.zh.to_owned(),
                    threads: 0,
                    figures: Vec::new(),
                };
                (row, vec![None; width])
            });
        row.threads += 1;
        self.total_threads += 1;
        for (i, value) in latest_figures(facts.records, &self.figures).into_iter().enumerate() {
            if let Some(v) = value {
                sums[i] = Some(sums[i].unwrap_or(0) + v);
                self.total[i] = Some(self.total[i].unwrap_or(0) + v);
            }
        }
    }

    /// The table of every thread counted.
    pub fn table(self) -> Table {
        let figures = self.figures;
        let text = |sums: &[Option<i128>]| -> Vec<Option<String>> {
            sums.iter()
                .zip(&figures)
                .map(|(s, f)| s.map(|v| fixed_text(v, f.decimals)))
                .collect()
        };
        Table {
            figures: figures
                .iter()
                .map(|f| FigureColumn {
                    id: f.id.to_owned(),
                    label_zh: f.label.zh.to_owned(),
                    unit_zh: f.unit.zh.to_owned(),
                    decimals: f.decimals,
                })
                .collect(),
            rows: self
                .rows
                .into_values()
                .map(|(mut row, sums)| {
                    row.figures = text(&sums);
                    row
                })
                .collect(),
            total_threads: self.total_threads,
            total_figures: text(&self.total),
        }
    }
}

/// The value of figure `id` in `values` (a row's or the total's).
pub fn value_of<'a>(table: &Table, values: &'a [Option<String>], id: &str) -> Option<&'a str> {
    let i = table.figures.iter().position(|f| f.id == id)?;
    values.get(i)?.as_deref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalogue::{self, GENERAL_INCIDENT, HAZARD};
    use crate::rules::examples;
    use crate::wire::ids::ReportId;
    use crate::Stage;

    fn area(id: &str, level: AreaLevel) -> AreaRef {
        AreaRef {
            id: id.to_owned(),
            name: format!("区域 {id}"),
            level,
        }
    }

    /// District d → township t1 → village v1 → grid g1; and t2's village.
    fn chain(depth: usize) -> Vec<AreaRef> {
        [
            area("d", AreaLevel::District),
            area("t1", AreaLevel::Township),
            area("v1", AreaLevel::Village),
            area("g1", AreaLevel::Grid),
        ][..depth]
            .to_vec()
    }

    fn other_village() -> Vec<AreaRef> {
        vec![
            area("d", AreaLevel::District),
            area("t1", AreaLevel::Township),
            area("v2", AreaLevel::Village),
        ]
    }

    /// A thread of `template`: one record per (stage, answers), `n` its
    /// number (for ids), at `occurred` (`YYYY-MM-DDTHH:MM`).
    fn thread(n: u8, occurred: &str, stages: &[(Stage, &[(&str, &str)])]) -> Vec<Report> {
        let first = ReportId::from_parts(1_795_399_200_000, [n, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        stages
            .iter()
            .enumerate()
            .map(|(i, (stage, answers))| {
                let mut r = examples::report(&GENERAL_INCIDENT, *stage);
                r.id = if i == 0 {
                    first
                } else {
                    ReportId::from_parts(1_795_399_200_000, [n, 0, 0, 0, 0, 0, 0, 0, 0, i as u8])
                };
                r.thread = (i > 0).then_some(first);
                r.answers.insert("occurred_at".into(), occurred.into());
                for blank in ["dead", "injured", "missing"] {
                    r.answers.remove(blank);
                }
                for (k, v) in *answers {
                    r.answers.insert((*k).into(), (*v).into());
                }
                r
            })
            .collect()
    }

    fn day(text: &str) -> NaiveDate {
        parse_date(text).expect("a date")
    }

    fn facts<'a>(records: &'a [Report], areas: &'a [AreaRef]) -> ThreadFacts<'a> {
        ThreadFacts {
            records,
            areas,
            received_day: day("2026-11-30"),
        }
    }

    #[test]
    fn two_stages_of_one_thread_count_once_with_the_later_figures() {
        let records = thread(
            1,
            "2026-11-23T09:00",
            &[
                (Stage::Initial, &[("dead", "1"), ("injured", "5")]),
                // The 续报 corrects the dead and leaves injured empty.
                (Stage::FollowUp { n: 1 }, &[("dead", "3")]),
            ],
        );
        let areas = chain(4);
        let table = tabulate(&[facts(&records, &areas)], &Checked::default());
        assert_eq!(table.rows.len(), 1);
        let row = &table.rows[0];
        assert_eq!(row.threads, 1);
        assert_eq!(table.total_threads, 1);
        assert_eq!(value_of(&table, &row.figures, "dead"), Some("3"), "the 续报 supersedes");
        assert_eq!(
            value_of(&table, &row.figures, "injured"),
            Some("5"),
            "kept until given again"
        );
        assert_eq!(value_of(&table, &row.figures, "missing"), None, "never given: not a 0");
        assert_eq!(row.day, day("2026-11-23"));
        assert_eq!(row.category_id, "general_incident");
        assert_eq!(row.area.id, "g1");
    }

    #[test]
    fn a_thread_across_midnight_stays_on_its_event_day() {
        let mut records = thread(
            2,
            "2026-11-23T23:59",
            &[(Stage::Initial, &[("dead", "1")]), (Stage::Final, &[("dead", "2")])],
        );
        // Its 终报 is written (and would be received) the next day.
        records[1].written_at += chrono::TimeDelta::days(1);
        let areas = chain(2);
        let on_day = |from: &str, to: &str| Checked {
            from: Some(day(from)),
            to: Some(day(to)),
            ..Checked::default()
        };
        let table = tabulate(&[facts(&records, &areas)], &on_day("2026-11-23", "2026-11-23"));
        assert_eq!(table.total_threads, 1);
        assert_eq!(table.rows[0].day, day("2026-11-23"));
        assert_eq!(value_of(&table, &table.total_figures, "dead"), Some("2"));
        // The next day has nothing; a minute later would be another day.
        assert_eq!(
            tabulate(&[facts(&records, &areas)], &on_day("2026-11-24", "2026-11-24")).total_threads,
            0
        );
        let next = thread(3, "2026-11-24T00:00", &[(Stage::Initial, &[])]);
        let table = tabulate(&[facts(&records, &areas), facts(&next, &areas)], &Checked::default());
        let days: Vec<NaiveDate> = table.rows.iter().map(|r| r.day).collect();
        assert_eq!(days, [day("2026-11-23"), day("2026-11-24")]);
    }

    #[test]
    fn the_period_is_inclusive_at_both_ends() {
        let records = thread(4, "2026-11-23T12:00", &[(Stage::Initial, &[])]);
        let areas = chain(2);
        let count = |from: &str, to: &str| {
            tabulate(
                &[facts(&records, &areas)],
                &Checked {
                    from: Some(day(from)),
                    to: Some(day(to)),
                    ..Checked::default()
                },
            )
            .total_threads
        };
        assert_eq!(count("2026-11-23", "2026-11-23"), 1);
        assert_eq!(count("2026-11-22", "2026-11-22"), 0);
        assert_eq!(count("2026-11-24", "2026-11-30"), 0);
        assert_eq!(count("2026-11-01", "2026-11-23"), 1);
    }

    #[test]
    fn a_township_row_includes_its_villages_and_grids_at_the_township_level() {
        let grid = chain(4);
        let township = chain(2);
        let village2 = other_village();
        let a = thread(5, "2026-11-23T08:00", &[(Stage::Initial, &[("dead", "1")])]);
        let b = thread(6, "2026-11-23T09:00", &[(Stage::Initial, &[("dead", "2")])]);
        let c = thread(7, "2026-11-23T10:00", &[(Stage::Initial, &[("dead", "4")])]);
        let all = [facts(&a, &grid), facts(&b, &village2), facts(&c, &township)];

        // By the area reported in: three rows.
        let own = tabulate(&all, &Checked::default());
        let ids: Vec<&str> = own.rows.iter().map(|r| r.area.id.as_str()).collect();
        assert_eq!(ids, ["t1", "g1", "v2"], "tree order: the township, then below it");

        // Rolled up to the township: one row of all three.
        let by_township = tabulate(
            &all,
            &Checked {
                level: Some(AreaLevel::Township),
                ..Checked::default()
            },
        );
        assert_eq!(by_township.rows.len(), 1);
        assert_eq!(by_township.rows[0].area.id, "t1");
        assert_eq!(by_township.rows[0].threads, 3);
        assert_eq!(value_of(&by_township, &by_township.rows[0].figures, "dead"), Some("7"));

        // By village: the township's own thread stays under the township.
        let by_village = tabulate(
            &all,
            &Checked {
                level: Some(AreaLevel::Village),
                ..Checked::default()
            },
        );
        let rows: Vec<(&str, u32)> = by_village
            .rows
            .iter()
            .map(|r| (r.area.id.as_str(), r.threads))
            .collect();
        assert_eq!(rows, [("t1", 1), ("v1", 1), ("v2", 1)]);
        for table in [&own, &by_township, &by_village] {
            assert_eq!(table.total_threads, 3, "every thread in exactly one row");
            assert_eq!(value_of(table, &table.total_figures, "dead"), Some("7"));
        }
    }

    #[test]
    fn categories_are_rows_of_their_own_and_hazards_are_not_counted() {
        let areas = chain(3);
        let general = thread(8, "2026-11-23T08:00", &[(Stage::Initial, &[])]);
        let flood_t = catalogue::all().find(|t| t.id == "flood").expect("flood");
        let mut flood = examples::report(flood_t, Stage::Initial);
        flood.answers.insert("occurred_at".into(), "2026-11-23T07:00".into());
        flood.answers.insert("evacuated".into(), "4".into());
        flood.answers.insert("direct_loss".into(), "12.5".into());
        let flood = [flood];
        let hazard = [examples::report(&HAZARD, Stage::Initial)];
        let all = [facts(&general, &areas), facts(&flood, &areas), facts(&hazard, &areas)];
        let table = tabulate(&all, &Checked::default());
        let cats: Vec<&str> = table.rows.iter().map(|r| r.category_id.as_str()).collect();
        assert_eq!(cats, ["flood", "general_incident"]);
        assert_eq!(table.total_threads, 2, "the hazard is not an incident");
        assert_eq!(value_of(&table, &table.rows[0].figures, "evacuated"), Some("4"));
        assert_eq!(value_of(&table, &table.rows[0].figures, "direct_loss"), Some("12.5"));
        let only = tabulate(
            &all,
            &Checked {
                category: Some("flood".into()),
                ..Checked::default()
            },
        );
        assert_eq!(only.total_threads, 1);
    }

    #[test]
    fn amounts_add_exactly_and_magnitudes_are_not_added() {
        let areas = chain(2);
        let quake_t = catalogue::all().find(|t| t.id == "earthquake").expect("earthquake");
        let quake = |n: u8, loss: &str| {
            let mut r = examples::report(quake_t, Stage::Initial);
            r.id = ReportId::from_parts(1_795_399_200_000, [n, 9, 0, 0, 0, 0, 0, 0, 0, 0]);
            r.answers.insert("direct_loss".into(), loss.into());
            vec![r]
        };
        let (a, b, c) = (quake(1, "0.1"), quake(2, "0.2"), quake(3, "1000000"));
        let table = tabulate(
            &[facts(&a, &areas), facts(&b, &areas), facts(&c, &areas)],
            &Checked::default(),
        );
        assert_eq!(value_of(&table, &table.total_figures, "direct_loss"), Some("1000000.3"));
        assert!(table.figures.iter().all(|f| f.id != "magnitude"));
        assert!(table.figures.iter().any(|f| f.id == "houses_collapsed"));
    }

    #[test]
    fn a_thread_without_an_event_time_counts_on_its_day_of_arrival() {
        let mut records = thread(9, "", &[(Stage::Initial, &[])]);
        records[0].answers.remove("occurred_at");
        let areas = chain(2);
        let table = tabulate(&[facts(&records, &areas)], &Checked::default());
        assert_eq!(table.rows[0].day, day("2026-11-30"));
    }

    #[test]
    fn fixed_point_reads_and_writes_exactly() {
        assert_eq!(fixed("12.5", 2), Some(1250));
        assert_eq!(fixed("12", 2), Some(1200));
        assert_eq!(fixed("0.05", 2), Some(5));
        assert_eq!(fixed("3", 0), Some(3));
        for bad in ["", ".5", "1.", "-1", "1.234", "1e3", "1,5", "3.0"] {
            let decimals = if bad == "3.0" { 0 } else { 2 };
            assert_eq!(fixed(bad, decimals), None, "{bad}");
        }
        assert_eq!(fixed_text(1250, 2), "12.5");
        assert_eq!(fixed_text(1200, 2), "12");
        assert_eq!(fixed_text(5, 2), "0.05");
        assert_eq!(fixed_text(7, 0), "7");
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_query_is_checked_field_by_field() {
        let ok = StatsQuery::from_query(&pairs(&[
            ("area", "d-t1"),
            ("level", "village"),
            ("from", "2026-11-01"),
            ("to", "2026-11-01"),
            ("category", ""),
        ]))
        .expect("a good query");
        assert_eq!(ok.area.as_deref(), Some("d-t1"));
        assert_eq!(ok.level, Some(AreaLevel::Village));
        assert_eq!(ok.from, ok.to);
        assert_eq!(ok.category, None);
        assert_eq!(StatsQuery::from_query(&[]), Ok(Checked::default()));

        let errors = StatsQuery::from_query(&pairs(&[
            ("level", "province"),
            ("from", "2026-13-01"),
            ("colour", "red"),
            ("to", "2026-11-01"),
            ("to", "2026-11-02"),
        ]))
        .expect_err("bad");
        let mut fields: Vec<(&str, ErrorCode)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        fields.sort_by_key(|(f, _)| *f);
        assert_eq!(
            fields,
            [
                ("colour", ErrorCode::UnknownField),
                ("from", ErrorCode::BadDate),
                ("level", ErrorCode::UnknownOption),
                ("to", ErrorCode::UnknownField),
            ]
        );
        assert!(errors.iter().all(|e| !e.zh.is_empty() && !e.en.is_empty()));
        let backwards = StatsQuery::from_query(&pairs(&[("from", "2026-11-02"), ("to", "2026-11-01")]))
            .expect_err("to before from");
        assert_eq!(
            (backwards[0].field.as_str(), backwards[0].code),
            ("to", ErrorCode::OutOfRange)
        );
    }

    #[test]
    fn a_query_writes_its_query_string() {
        let q = StatsQuery {
            area: Some("d-t1".into()),
            level: Some(" ".into()),
            from: Some("2026-11-01".into()),
            to: None,
            category: Some("a b".into()),
        };
        assert_eq!(q.to_query(), "?area=d-t1&from=2026-11-01&category=a%20b");
        assert_eq!(StatsQuery::default().to_query(), "");
    }
}
