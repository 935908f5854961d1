//! Stages: the records of one incident (首报 → 续报 … → 终报) or one hazard
//! (found → rectifying → rectified → closed) form a thread, named by the id
//! of its first record. Each stage is its own immutable record.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::text::Text;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Read through the flat `StageFields`: serde's code for an internally
// tagged enum buffers the whole value and is several times larger, in the
// phone's download too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", try_from = "StageFields")]
pub enum Stage {
    /// 首报 of an incident, or the finding of a hazard: starts a thread.
    #[default]
    Initial,
    /// 续报 number `n` (1, 2, …).
    FollowUp { n: u32 },
    /// 终报: complete figures, cause, handling.
    Final,
    /// Hazard: rectification under way (整改中).
    Rectifying,
    /// Hazard: rectified, with after-photos (已整改).
    Rectified,
    /// Hazard: verified and closed (已验收销号).
    Closed,
    /// A phone (or verbal) report to the duty office, number `n` of the
    /// thread: a record of its own, logged by the phone's 「电话报告值班室」
    /// button or by an officer who took the call. It meets the verbal and
    /// phone deadlines; the written report is another obligation.
    Call { n: u32 },
    /// A natural disaster's daily report (日报): its figures as of 24:00 of
    /// `date`, due by 09:00 the next day while the thread is open (see
    /// `disaster`).
    Daily {
        #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-23"))]
        #[serde(serialize_with = "crate::wire::timestamp::write_date")]
        date: NaiveDate,
    },
}

/// A stored or sent [`Stage`]: `{"kind": "follow_up", "n": 2}`.
#[derive(Deserialize)]
struct StageFields {
    /// A string matched by hand: serde's enum visitor for it was bigger
    /// than all the rest of reading a stage.
    kind: String,
    n: Option<u32>,
    /// A daily report's day, `YYYY-MM-DD`.
    date: Option<String>,
}

impl TryFrom<StageFields> for Stage {
    type Error = &'static str;

    fn try_from(f: StageFields) -> Result<Stage, &'static str> {
        Ok(match f.kind.as_str() {
            "initial" => Stage::Initial,
            "follow_up" => Stage::FollowUp {
                n: f.n.ok_or("missing field `n`")?,
            },
            "final" => Stage::Final,
            "rectifying" => Stage::Rectifying,
            "rectified" => Stage::Rectified,
            "closed" => Stage::Closed,
            "call" => Stage::Call {
                n: f.n.ok_or("missing field `n`")?,
            },
            "daily" => Stage::Daily {
                date: crate::wire::timestamp::parse_date(f.date.as_deref().ok_or("missing field `date`")?)
                    .ok_or("`date` is not a YYYY-MM-DD day")?,
            },
            _ => return Err("unknown stage `kind`"),
        })
    }
}

impl Stage {
    /// Position in a thread: records are shown in this order whatever order
    /// they arrived in.
    pub fn order(self) -> (u8, u32) {
        match self {
            Stage::Initial => (0, 0),
            Stage::FollowUp { n } => (1, n),
            Stage::Rectifying => (1, 0),
            Stage::Rectified => (2, 0),
            // After the follow-ups, by day (a day number from year 1).
            Stage::Daily { date } => (2, u32::try_from(date.num_days_from_ce()).unwrap_or(0)),
            Stage::Final | Stage::Closed => (3, 0),
            // After the 首报 it came with (the first record stays first),
            // before any 续报.
            Stage::Call { n } => (0, n.max(1)),
        }
    }

    pub fn name(self) -> StageName {
        match self {
            Stage::Initial => StageName::Fixed(Text::new("首报", "Initial report")),
            Stage::FollowUp { n } => StageName::FollowUp(n),
            Stage::Final => StageName::Fixed(Text::new("终报", "Final report")),
            Stage::Rectifying => StageName::Fixed(Text::new("整改中", "Rectifying")),
            Stage::Rectified => StageName::Fixed(Text::new("已整改", "Rectified")),
            Stage::Closed => StageName::Fixed(Text::new("已验收销号", "Verified and closed")),
            Stage::Call { .. } => StageName::Fixed(Text::new("电话报告", "Phone report")),
            Stage::Daily { date } => StageName::Daily(date),
        }
    }

    /// The name in a thread of this kind: a hazard's first record is its
    /// finding, not a 首报.
    pub fn name_in(self, hazard: bool) -> StageName {
        self.name_for(if hazard {
            ThreadKind::Hazard
        } else {
            ThreadKind::Incident
        })
    }

    /// The name in a thread of `kind`: a hazard's first record is its
    /// finding; a natural disaster's first and last are 初报 and 核报, as
    /// the statistics system (2020) names them.
    pub fn name_for(self, kind: ThreadKind) -> StageName {
        match (self, kind) {
            (Stage::Initial, ThreadKind::Hazard) => StageName::Fixed(Text::new("发现隐患", "Found")),
            (Stage::Initial, ThreadKind::NaturalDisaster) => StageName::Fixed(Text::new("初报", "Initial report")),
            (Stage::Final, ThreadKind::NaturalDisaster) => StageName::Fixed(Text::new("核报", "Verified report")),
            (other, _) => other.name(),
        }
    }

    /// Whether this is a stage of a hazard's life rather than an incident's.
    pub fn is_hazard_step(self) -> bool {
        matches!(self, Stage::Rectifying | Stage::Rectified | Stage::Closed)
    }

    /// Whether this is a logged call rather than a written stage.
    pub fn is_call(self) -> bool {
        matches!(self, Stage::Call { .. })
    }
}

/// What kind of thread a record belongs to, as far as naming its stages
/// goes (from the family of the thread's first template: `ThreadKind::of`
/// is the template's word on it, `ThreadKind::of_template_id` the
/// catalogue's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadKind {
    Incident,
    NaturalDisaster,
    Hazard,
}

/// A stage's name on screen; follow-ups are numbered in words, 续报一, 续报二…
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageName {
    Fixed(Text),
    FollowUp(u32),
    /// 日报（11月23日）.
    Daily(NaiveDate),
}

impl StageName {
    pub fn get(self, lang: crate::Lang) -> String {
        match (self, lang) {
            (StageName::Fixed(t), lang) => t.get(lang).to_owned(),
            (StageName::FollowUp(n), crate::Lang::Zh) => format!("续报{}", chinese_number(n)),
            (StageName::FollowUp(n), crate::Lang::En) => format!("Follow-up {n}"),
            (StageName::Daily(d), crate::Lang::Zh) => format!("日报（{}月{}日）", d.month(), d.day()),
            (StageName::Daily(d), crate::Lang::En) => {
                format!("Daily report ({})", crate::wire::timestamp::format_date(d))
            }
        }
    }
}

/// 1 → 一, 12 → 十二, 21 → 二十一; beyond 99, digits.
pub fn chinese_number(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n as usize].to_owned(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[(n % 10) as usize] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[(n / 10) as usize],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[(n % 10) as usize]
            }
        ),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;

    #[test]
    fn stages_read_back_as_written() {
        for stage in [
            Stage::Initial,
            Stage::FollowUp { n: 3 },
            Stage::Final,
            Stage::Rectifying,
            Stage::Rectified,
            Stage::Closed,
            Stage::Call { n: 2 },
            Stage::Daily {
                date: NaiveDate::from_ymd_opt(2026, 11, 3).expect("a day"),
            },
        ] {
            let text = serde_json::to_string(&stage).expect("encodes");
            assert_eq!(serde_json::from_str::<Stage>(&text).ok(), Some(stage), "{text}");
        }
        assert_eq!(
            serde_json::to_string(&Stage::FollowUp { n: 2 }).ok().as_deref(),
            Some(r#"{"kind":"follow_up","n":2}"#)
        );
        assert_eq!(
            serde_json::to_string(&Stage::Daily {
                date: NaiveDate::from_ymd_opt(2026, 11, 3).expect("a day")
            })
            .ok()
            .as_deref(),
            Some(r#"{"kind":"daily","date":"2026-11-03"}"#)
        );
        for bad in [
            r#"{"kind":"daily"}"#,
            r#"{"kind":"daily","date":"2026-11-31"}"#,
            r#"{"kind":"daily","date":"3 Nov"}"#,
            r#"{"kind":"follow_up"}"#,
            r#"{"kind":"call"}"#,
            r#"{"kind":"later"}"#,
            r#"{"n":1}"#,
            r#""initial""#,
        ] {
            assert!(serde_json::from_str::<Stage>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stages_order_in_a_thread() {
        let mut stages = vec![
            Stage::Final,
            Stage::FollowUp { n: 2 },
            Stage::Initial,
            Stage::FollowUp { n: 1 },
        ];
        stages.sort_by_key(|s| s.order());
        assert_eq!(
            stages,
            vec![
                Stage::Initial,
                Stage::FollowUp { n: 1 },
                Stage::FollowUp { n: 2 },
                Stage::Final
            ]
        );
        let mut hazard = vec![Stage::Closed, Stage::Rectified, Stage::Initial, Stage::Rectifying];
        hazard.sort_by_key(|s| s.order());
        assert_eq!(
            hazard,
            vec![Stage::Initial, Stage::Rectifying, Stage::Rectified, Stage::Closed]
        );
    }

    #[test]
    fn calls_follow_the_first_record_and_precede_follow_ups() {
        let mut stages = vec![
            Stage::FollowUp { n: 1 },
            Stage::Call { n: 1 },
            Stage::Initial,
            Stage::Call { n: 2 },
        ];
        stages.sort_by_key(|s| s.order());
        assert_eq!(
            stages,
            vec![
                Stage::Initial,
                Stage::Call { n: 1 },
                Stage::Call { n: 2 },
                Stage::FollowUp { n: 1 }
            ]
        );
        assert!(Stage::Call { n: 1 }.is_call() && !Stage::Initial.is_call());
    }

    #[test]
    fn follow_ups_are_numbered_in_words() {
        assert_eq!(Stage::FollowUp { n: 1 }.name().get(Lang::Zh), "续报一");
        assert_eq!(Stage::FollowUp { n: 10 }.name().get(Lang::Zh), "续报十");
        assert_eq!(Stage::FollowUp { n: 12 }.name().get(Lang::Zh), "续报十二");
        assert_eq!(Stage::FollowUp { n: 30 }.name().get(Lang::Zh), "续报三十");
        assert_eq!(Stage::FollowUp { n: 47 }.name().get(Lang::Zh), "续报四十七");
        assert_eq!(Stage::FollowUp { n: 3 }.name().get(Lang::En), "Follow-up 3");
        assert_eq!(Stage::Final.name().get(Lang::Zh), "终报");
        assert_eq!(Stage::Initial.name_in(true).get(Lang::En), "Found");
        assert_eq!(Stage::Initial.name_in(false).get(Lang::Zh), "首报");
        assert_eq!(Stage::Call { n: 1 }.name().get(Lang::Zh), "电话报告");
    }

    #[test]
    fn a_natural_disaster_runs_from_its_initial_to_its_verified_report() {
        let day = |d| Stage::Daily {
            date: NaiveDate::from_ymd_opt(2026, 11, d).expect("a day"),
        };
        let names = |kind| {
            [Stage::Initial, Stage::FollowUp { n: 1 }, day(3), Stage::Final].map(|s| s.name_for(kind).get(Lang::Zh))
        };
        assert_eq!(
            names(ThreadKind::NaturalDisaster),
            ["初报", "续报一", "日报（11月3日）", "核报"]
        );
        assert_eq!(
            names(ThreadKind::Incident),
            ["首报", "续报一", "日报（11月3日）", "终报"]
        );
        assert_eq!(day(3).name().get(Lang::En), "Daily report (2026-11-03)");
        assert_eq!(
            Stage::Final.name_for(ThreadKind::NaturalDisaster).get(Lang::En),
            "Verified report"
        );
        assert_eq!(Stage::Initial.name_for(ThreadKind::Hazard).get(Lang::Zh), "发现隐患");
        // Daily reports come after the follow-ups and before the 核报, by day.
        let mut chain = vec![Stage::Final, day(4), Stage::FollowUp { n: 2 }, day(3), Stage::Initial];
        chain.sort_by_key(|s| s.order());
        assert_eq!(
            chain,
            vec![Stage::Initial, Stage::FollowUp { n: 2 }, day(3), day(4), Stage::Final]
        );
    }

    #[test]
    fn stages_serialise_as_tagged_objects() {
        assert_eq!(
            serde_json::to_string(&Stage::FollowUp { n: 2 }).ok().as_deref(),
            Some(r#"{"kind":"follow_up","n":2}"#)
        );
        assert_eq!(
            serde_json::from_str::<Stage>(r#"{"kind":"initial"}"#).ok(),
            Some(Stage::Initial)
        );
    }
}
