//! A deployment's deadline rules, as data. Each rule names the obligation it
//! sets (a verbal or phone report, the written report, a follow-up, a step
//! up the chain, a window for casualty changes), the events it applies to,
//! when it falls due, and the document and jurisdiction it comes from, so
//! that no local rule passes for a national one.
//!
//! The compiled-in default is `rules/national.json` of the repository; a
//! deployment may set another file (`KUAIBAO_RULES`), which the server reads
//! at start ([`super::file`]) and serves to the phones with the templates.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use crate::rules::grading::Grade;

/// Text of a rule file in both screen languages (owned: it is read from a
/// file or from the server, not compiled in).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    #[serde(rename = "zh-CN")]
    pub zh: String,
    pub en: String,
}

impl Label {
    pub fn get(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::Zh => &self.zh,
            crate::Lang::En => &self.en,
        }
    }
}

/// Whose rule it is: national, or a local one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Jurisdiction {
    National,
    Provincial,
    City,
    County,
    District,
}

crate::coded!(Jurisdiction {
    National = "national",
    Provincial = "provincial",
    City = "city",
    County = "county",
    District = "district",
});

impl Jurisdiction {
    pub fn name(self) -> crate::Text {
        use crate::Text;
        match self {
            Jurisdiction::National => Text::new("国家规定", "National"),
            Jurisdiction::Provincial => Text::new("省级规定", "Provincial"),
            Jurisdiction::City => Text::new("市级规定", "City"),
            Jurisdiction::County => Text::new("县级规定", "County"),
            Jurisdiction::District => Text::new("区级规定", "District"),
        }
    }
}

/// What a rule asks for, and so which record meets it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Obligation {
    /// Told to the superior by word of mouth: met by a call record.
    Verbal,
    /// Reported by phone to the duty office: met by a call record.
    Phone,
    /// The written report: met when the office receives a record of the
    /// incident.
    Written,
    /// A 续报 at fixed times of day (`daily_at`): met by a 续报 received
    /// since the time before.
    FollowUp,
    /// A natural disaster's daily report (日报) at a time of day
    /// (`daily_at`, 09:00 in the statistics system): met by the daily
    /// report of the day before (its figures as of 24:00), received.
    DailyReport,
    /// The office's own reporting up the chain (regulation 493, each level
    /// within 2 h): shown for the office to keep, not met by a record here.
    Upward,
    /// A window (`window_days` from the start) in which changes are
    /// reported, such as casualty changes within 30 days: shown until it
    /// closes.
    Window,
}

crate::coded!(Obligation {
    Verbal = "verbal",
    Phone = "phone",
    Written = "written",
    FollowUp = "follow_up",
    DailyReport = "daily_report",
    Upward = "upward",
    Window = "window",
});

impl Obligation {
    /// Whether a record can meet it; the others only inform.
    pub fn can_be_met(self) -> bool {
        !matches!(self, Obligation::Upward | Obligation::Window)
    }

    /// Whether a call record meets it.
    pub fn met_by_call(self) -> bool {
        matches!(self, Obligation::Verbal | Obligation::Phone)
    }
}

/// The events a rule applies to: every condition given must hold; none
/// given, every incident.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applies {
    /// These grades only (a sensitive event counts as 较大, Ⅲ, at least).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<Grade>,
    /// Natural disasters only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub natural_disaster: bool,
    /// Work-safety accidents only: the templates graded by regulation 493
    /// (fire, road traffic, hazardous chemicals, work safety, collapse).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub work_safety: bool,
    /// These templates only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<String>,
    /// Not these templates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except_templates: Vec<String>,
}

/// The document a rule comes from and whose it is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub document: String,
    pub jurisdiction: Jurisdiction,
}

/// One deadline rule. Exactly one of `minutes`, `daily_at` and
/// `window_days` says when it falls due.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRule {
    pub id: String,
    pub label: Label,
    pub obligation: Obligation,
    #[serde(default)]
    pub applies: Applies,
    /// Minutes after the clock starts (the later of the event time and the
    /// time it became known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    /// Times of day (`HH:MM`, Beijing) a follow-up is due, every day until
    /// the 终报.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily_at: Vec<String>,
    /// Days the window stays open after the clock starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_days: Option<u32>,
    pub source: Source,
}

impl DeadlineRule {
    /// Whether it falls due at times of each day (`daily_at`), not once.
    pub fn is_daily(&self) -> bool {
        !self.daily_at.is_empty()
    }

    /// The times of `daily_at`, those that read (a checked set reads all).
    pub fn daily_times(&self) -> Vec<NaiveTime> {
        let mut times: Vec<NaiveTime> = self.daily_at.iter().filter_map(|t| parse_hm(t)).collect();
        crate::sort::insertion_sort(&mut times, |a, b| a < b);
        times
    }
}

/// A deployment's rules.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    pub id: String,
    pub name: Label,
    /// `national`: the compiled-in national rules are included, but for
    /// those this set redefines by id. Resolved when the file is read: a
    /// served set lists every rule and extends nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// Days after which a natural-disaster thread with no 核报 is listed in
    /// the accountability ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_report_days: Option<u32>,
    pub rules: Vec<DeadlineRule>,
}

/// Where a server serves its rules, with the templates (`deadlines`).
pub const SERVED_AT: &str = "/api/templates";

/// What a phone reads of that answer: the rules alone (serde passes over
/// the templates it has built in).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Served {
    pub deadlines: RuleSet,
}

/// `rules/national.json`, compiled in.
pub const NATIONAL_JSON: &str = include_str!("../../../../../rules/national.json");

/// Days a disaster thread may go without its 核报 when a set says nothing:
/// this software's reminder, not a national rule (the statistics system
/// asks the 核报 "after the situation stabilises" and sets no number, so
/// `rules/national.json` says none).
pub const DEFAULT_FINAL_REPORT_DAYS: u32 = 30;

impl RuleSet {
    /// The national rules: the default of every deployment, and what a
    /// phone uses before it has fetched its server's set.
    pub fn national() -> RuleSet {
        // Compiled-in data, checked by this module's tests: not input.
        crate::wire::json::from_str(NATIONAL_JSON).expect("rules/national.json reads")
    }

    pub fn rule(&self, id: &str) -> Option<&DeadlineRule> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn final_report_days(&self) -> u32 {
        self.final_report_days.unwrap_or(DEFAULT_FINAL_REPORT_DAYS)
    }
}

/// `08:00` → 08:00; anything else → `None`.
pub fn parse_hm(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_set_reads_and_labels_every_rule_national() {
        let set = RuleSet::national();
        assert_eq!(set.id, "national");
        assert!(set.extends.is_none());
        assert!(!set.rules.is_empty());
        for rule in &set.rules {
            assert_eq!(rule.source.jurisdiction, Jurisdiction::National, "{}", rule.id);
        }
        // The county's 10-minute verbal report is not a national rule.
        assert!(set.rules.iter().all(|r| r.obligation != Obligation::Verbal));
        assert!(super::super::file::check(&set).is_ok());
    }

    #[test]
    fn hours_and_minutes_read_strictly() {
        assert_eq!(parse_hm("08:00"), NaiveTime::from_hms_opt(8, 0, 0));
        assert_eq!(parse_hm("17:30"), NaiveTime::from_hms_opt(17, 30, 0));
        for bad in ["8:00", "24:00", "08:60", "0800", "08:0a", "+8:00", ""] {
            assert_eq!(parse_hm(bad), None, "{bad}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for j in Jurisdiction::ALL {
            let json = serde_json::to_string(&j).expect("json");
            assert_eq!(json, format!("\"{}\"", j.code()));
            assert_eq!(serde_json::from_str::<Jurisdiction>(&json).ok(), Some(j));
        }
        for o in Obligation::ALL {
            let json = serde_json::to_string(&o).expect("json");
            assert_eq!(json, format!("\"{}\"", o.code()));
            assert_eq!(serde_json::from_str::<Obligation>(&json).ok(), Some(o));
        }
    }
}
