//! A natural disaster's daily report (日报): while a disaster thread is open,
//! the figures as of 24:00 of the day, due by 09:00 the next (自然灾害情况
//! 统计调查制度, 2020; see `disaster`). On a day nothing changed the
//! reporter still files it, choosing 「无变化」: a report that says so
//! meets the deadline, where silence would not.

use crate::rules::catalogue::common::{
    blanks, disaster_figures_en, disaster_figures_zh, PHONE, REPORTER, REPORTER_POST, REPORTER_UNIT,
};
use crate::rules::template::{Blank, BlankKind, ChoiceOption, Family, Need, Template};
use crate::text::Text;

/// Whether anything changed since the last report: said explicitly.
const CHANGE: &[ChoiceOption] = &[
    ChoiceOption {
        value: "no_change",
        label: Text::new("无变化", "no change"),
    },
    ChoiceOption {
        value: "changed",
        label: Text::new("有变化", "changed"),
    },
];

pub const DISASTER_DAILY: Template = Template {
    id: "disaster_daily",
    version: 1,
    family: Family::DailyReport,
    title: Text::new("自然灾害日报", "Natural-disaster daily report"),
    sentence: Text::new(
        concat!(
            "截至报告日24时，灾情{change}。累计",
            disaster_figures_zh!(),
            "情况说明：{daily_note}。报告人：{reporter}（单位：{reporter_unit}，职务：{reporter_post}），联系电话：{phone}。"
        ),
        concat!(
            "As of 24:00 of the day reported: {change}. In total, ",
            disaster_figures_en!(),
            " Notes: {daily_note}. Reported by {reporter} (unit: {reporter_unit}, post: {reporter_post}), phone {phone}."
        ),
    ),
    blanks: blanks!(
        [Blank {
            id: "change",
            label: Text::new("灾情变化", "Change since the last report"),
            kind: BlankKind::Choice { options: CHANGE },
            need: Need::Always,
        }]
        figures
        then [
            Blank {
                id: "daily_note",
                label: Text::new("情况说明", "Notes"),
                kind: BlankKind::LongText { max_chars: 1000 },
                need: Need::Optional,
            },
            REPORTER,
            REPORTER_UNIT,
            REPORTER_POST,
            PHONE,
        ]
    ),
};
