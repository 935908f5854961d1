//! A logged call to the duty office (电话报告): the verbal and phone
//! deadlines are met by a call, the written one by the report. A call is a
//! record of its own in the incident's thread, logged by the worker's phone
//! when she dials the office (offline too) or by the officer who took it.

use crate::rules::catalogue::common::{PHONE, REPORTER};
use crate::rules::template::{Blank, BlankKind, Family, Need, Template};
use crate::text::Text;

pub const CALL: Template = Template {
    id: "call",
    version: 1,
    family: Family::Call,
    title: Text::new("电话报告值班室", "Phone report to the duty office"),
    sentence: Text::new(
        "{called_at}电话报告值班室（{office_number}）。报告人：{reporter}，联系电话：{phone}。{note}",
        "Reported to the duty office by phone ({office_number}) at {called_at}. \
         Reported by {reporter}, phone {phone}. {note}",
    ),
    blanks: &[
        Blank {
            id: "called_at",
            label: Text::new("通话时间", "Time of the call"),
            kind: BlankKind::DateTime,
            need: Need::Always,
        },
        Blank {
            id: "office_number",
            label: Text::new("值班电话", "Duty office number"),
            kind: BlankKind::Text { max_chars: 30 },
            need: Need::Optional,
        },
        // Optional here: one tap logs the call, even before the 首报's
        // reporter and phone are typed.
        Blank {
            need: Need::Optional,
            ..REPORTER
        },
        Blank {
            need: Need::Optional,
            ..PHONE
        },
        Blank {
            id: "note",
            label: Text::new("通话要点", "What was said"),
            kind: BlankKind::LongText { max_chars: 500 },
            need: Need::Optional,
        },
    ],
};
