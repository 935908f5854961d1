//! Blanks and option lists that many templates share, defined once.

use crate::template::{Blank, BlankKind, ChoiceOption, Need};
use crate::text::Text;

/// Casualty counts: a single incident above this is a typo, not a report.
pub const MAX_PEOPLE: u32 = 100_000;
/// 万元: 10 billion yuan is beyond any single local event.
pub const MAX_WAN_YUAN: u32 = 1_000_000;

pub const PEOPLE: Text = Text::new("人", "people");
pub const ROOMS: Text = Text::new("间", "rooms");
pub const WAN_YUAN: Text = Text::new("万元", "× 10,000 yuan");

pub const fn count(id: &'static str, label: Text, unit: Text, need: Need) -> Blank {
    Blank {
        id,
        label,
        kind: BlankKind::Count {
            min: 0,
            max: MAX_PEOPLE,
            unit,
        },
        need,
    }
}

pub const OCCURRED_AT: Blank = Blank {
    id: "occurred_at",
    label: Text::new("发生时间", "Time it happened"),
    kind: BlankKind::DateTime,
    need: Need::Always,
};
pub const PLACE: Blank = Blank {
    id: "place",
    label: Text::new("地点", "Place"),
    kind: BlankKind::Text { max_chars: 100 },
    need: Need::Always,
};
pub const GPS: Blank = Blank {
    id: "gps",
    label: Text::new("GPS 位置", "GPS position"),
    kind: BlankKind::GeoPoint,
    need: Need::Optional,
};
pub const WHAT_HAPPENED: Blank = Blank {
    id: "what_happened",
    label: Text::new("事件经过", "What happened"),
    kind: BlankKind::LongText { max_chars: 1000 },
    need: Need::Always,
};
pub const DEAD: Blank = count("dead", Text::new("死亡人数", "Dead"), PEOPLE, Need::AtFinal);
pub const INJURED: Blank = count("injured", Text::new("受伤人数", "Injured"), PEOPLE, Need::AtFinal);
pub const SERIOUS_INJURED: Blank = count(
    "serious_injured",
    Text::new("其中重伤人数", "Of whom seriously injured"),
    PEOPLE,
    Need::AtFinal,
);
pub const MISSING: Blank = count("missing", Text::new("失踪人数", "Missing"), PEOPLE, Need::AtFinal);
pub const TRAPPED: Blank = count("trapped", Text::new("被困人数", "Trapped"), PEOPLE, Need::Optional);
pub const EVACUATED: Blank = count(
    "evacuated",
    Text::new("紧急转移安置人数", "Evacuated and sheltered"),
    PEOPLE,
    Need::Optional,
);
pub const AFFECTED: Blank = count(
    "affected",
    Text::new("受灾人口", "People affected"),
    PEOPLE,
    Need::Optional,
);
pub const HOUSES_COLLAPSED: Blank = count(
    "houses_collapsed",
    Text::new("倒塌房屋", "Houses collapsed"),
    ROOMS,
    Need::Optional,
);
pub const HOUSES_DAMAGED: Blank = count(
    "houses_damaged",
    Text::new("损坏房屋", "Houses damaged"),
    ROOMS,
    Need::Optional,
);
pub const DIRECT_LOSS: Blank = Blank {
    id: "direct_loss",
    label: Text::new("直接经济损失", "Direct economic loss"),
    kind: BlankKind::Amount {
        max: MAX_WAN_YUAN,
        decimals: 2,
        unit: WAN_YUAN,
    },
    need: Need::AtFinal,
};
pub const CAUSE: Blank = Blank {
    id: "cause",
    label: Text::new("初步原因", "Cause (as far as known)"),
    kind: BlankKind::LongText { max_chars: 500 },
    need: Need::AtFinal,
};
pub const MEASURES: Blank = Blank {
    id: "measures",
    label: Text::new("已采取措施", "Measures taken"),
    kind: BlankKind::LongText { max_chars: 1000 },
    need: Need::AtFinal,
};
pub const HELP_NEEDED: Blank = Blank {
    id: "help_needed",
    label: Text::new("需要支援", "Help needed"),
    kind: BlankKind::LongText { max_chars: 500 },
    need: Need::Optional,
};
pub const PHOTOS: Blank = Blank {
    id: "photos",
    label: Text::new("现场照片", "Site photos"),
    kind: BlankKind::Photos { min: 0 },
    need: Need::Optional,
};
pub const REPORTER: Blank = Blank {
    id: "reporter",
    label: Text::new("报告人", "Reporter"),
    kind: BlankKind::Text { max_chars: 40 },
    need: Need::Always,
};
pub const REPORTER_UNIT: Blank = Blank {
    id: "reporter_unit",
    label: Text::new("单位及职务", "Unit and post"),
    kind: BlankKind::Text { max_chars: 60 },
    need: Need::Optional,
};
pub const PHONE: Blank = Blank {
    id: "phone",
    label: Text::new("联系电话", "Phone"),
    kind: BlankKind::Phone,
    need: Need::Always,
};

/// Yes / no / not known, for facts a first reporter may not know yet.
pub const YES_NO_UNKNOWN: &[ChoiceOption] = &[
    ChoiceOption {
        value: "yes",
        label: Text::new("是", "yes"),
    },
    ChoiceOption {
        value: "no",
        label: Text::new("否", "no"),
    },
    ChoiceOption {
        value: "unknown",
        label: Text::new("不清楚", "not known"),
    },
];
