//! Blanks and option lists that many templates share, defined once.

use crate::rules::template::{Blank, BlankKind, ChoiceOption, Need};
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
    label: Text::new("所在单位", "Unit"),
    kind: BlankKind::Text { max_chars: 60 },
    need: Need::Optional,
};
pub const REPORTER_POST: Blank = Blank {
    id: "reporter_post",
    label: Text::new("职务", "Post"),
    kind: BlankKind::Text { max_chars: 40 },
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

/// Yes / no, for facts the reporter knows (a flag she sets).
pub const YES_NO: &[ChoiceOption] = &[
    ChoiceOption {
        value: "yes",
        label: Text::new("是", "yes"),
    },
    ChoiceOption {
        value: "no",
        label: Text::new("否", "no"),
    },
];

pub const fn text(id: &'static str, label: Text, max_chars: usize, need: Need) -> Blank {
    Blank {
        id,
        label,
        kind: BlankKind::Text { max_chars },
        need,
    }
}

pub const fn long_text(id: &'static str, label: Text, max_chars: usize, need: Need) -> Blank {
    Blank {
        id,
        label,
        kind: BlankKind::LongText { max_chars },
        need,
    }
}

pub const fn choice(id: &'static str, label: Text, options: &'static [ChoiceOption], need: Need) -> Blank {
    Blank {
        id,
        label,
        kind: BlankKind::Choice { options },
        need,
    }
}

pub const fn amount(id: &'static str, label: Text, max: u32, decimals: u8, unit: Text, need: Need) -> Blank {
    Blank {
        id,
        label,
        kind: BlankKind::Amount { max, decimals, unit },
        need,
    }
}

// What the receiving office checks in each stage (BRIEF, "What each stage
// carries"), added with version 2 of the incident templates.

/// 信息来源: who told the reporter, or that she saw it herself.
pub const SOURCE: Blank = text(
    "source",
    Text::new("信息来源", "Source of the information"),
    60,
    Need::Optional,
);
/// 发现/接报时间: deadlines count from the later of this and the event
/// time, since nobody can report what is not yet known. The phone fills it
/// with the moment the 首报 draft was opened.
pub const KNOWN_AT: Blank = Blank {
    id: "known_at",
    label: Text::new("发现/接报时间", "Time it became known"),
    kind: BlankKind::DateTime,
    need: Need::Optional,
};
pub const TREND: Blank = long_text(
    "trend",
    Text::new("发展趋势", "How it is developing"),
    300,
    Need::Optional,
);
pub const LEADER_ON_SITE: Blank = text(
    "leader_on_site",
    Text::new("现场负责人", "Leader on site"),
    60,
    Need::Optional,
);
pub const SENSITIVE: Blank = choice(
    "sensitive",
    Text::new("是否敏感事件", "Sensitive event"),
    YES_NO,
    Need::Optional,
);
pub const EMERGENCY_RESPONSE: Blank = choice(
    "emergency_response",
    Text::new("是否已启动应急响应", "Emergency response launched"),
    YES_NO,
    Need::Optional,
);
/// 续报: what changed since the last report; a follow-up does not repeat
/// the first account.
pub const PROGRESS: Blank = long_text(
    "progress",
    Text::new("最新进展", "Progress since the last report"),
    1000,
    Need::AtFollowUp,
);
/// 终报: the summary of the response and the state it left.
pub const OUTCOME: Blank = long_text("outcome", Text::new("处置结果", "Outcome"), 1000, Need::OnlyAtFinal);
pub const NEXT_STEPS: Blank = long_text(
    "next_steps",
    Text::new("后续措施", "Next steps"),
    500,
    Need::OnlyAtFinal,
);

// The figures of the natural-disaster statistics system (自然灾害情况统计
// 调查制度, 2020): people, houses in households (户) and rooms (间), crops,
// loss.

pub const HOUSEHOLDS: Text = Text::new("户", "households");

pub const NEEDS_RELIEF: Blank = count(
    "needs_relief",
    Text::new("需紧急生活救助人口", "People needing emergency living aid"),
    PEOPLE,
    Need::Optional,
);
pub const COLLAPSED_HOUSEHOLDS: Blank = count(
    "collapsed_households",
    Text::new("倒塌房屋户数", "Households whose houses collapsed"),
    HOUSEHOLDS,
    Need::Optional,
);
pub const COLLAPSED_ROOMS: Blank = count(
    "collapsed_rooms",
    Text::new("倒塌房屋间数", "Rooms collapsed"),
    ROOMS,
    Need::Optional,
);
pub const SEVERELY_DAMAGED_HOUSEHOLDS: Blank = count(
    "severely_damaged_households",
    Text::new("严重损坏房屋户数", "Households with houses severely damaged"),
    HOUSEHOLDS,
    Need::Optional,
);
pub const SEVERELY_DAMAGED_ROOMS: Blank = count(
    "severely_damaged_rooms",
    Text::new("严重损坏房屋间数", "Rooms severely damaged"),
    ROOMS,
    Need::Optional,
);
pub const GENERALLY_DAMAGED_HOUSEHOLDS: Blank = count(
    "generally_damaged_households",
    Text::new("一般损坏房屋户数", "Households with houses generally damaged"),
    HOUSEHOLDS,
    Need::Optional,
);
pub const GENERALLY_DAMAGED_ROOMS: Blank = count(
    "generally_damaged_rooms",
    Text::new("一般损坏房屋间数", "Rooms generally damaged"),
    ROOMS,
    Need::Optional,
);
/// Crop area affected, in 亩 as farmers and village cadres count it.
pub const CROP_AREA: Blank = amount(
    "crop_area",
    Text::new("农作物受灾面积", "Crop area affected"),
    10_000_000,
    1,
    Text::new("亩", "mu"),
    Need::Optional,
);

/// The pairs of house figures: households first, rooms second. A
/// household has at least one room, so households never exceed rooms.
pub const HOUSE_PAIRS: &[(&str, &str)] = &[
    ("collapsed_households", "collapsed_rooms"),
    ("severely_damaged_households", "severely_damaged_rooms"),
    ("generally_damaged_households", "generally_damaged_rooms"),
];

/// The words every version-2 incident sentence ends with, and their blanks
/// (in [`incident_v2!`]): one macro so that the thirteen sentences cannot
/// drift apart.
macro_rules! tail_zh {
    () => {
        "发展趋势：{trend}。现场负责人：{leader_on_site}。是否敏感事件：{sensitive}；是否已启动应急响应：{emergency_response}。\
         已采取措施：{measures}。最新进展：{progress}。处置结果：{outcome}；后续措施：{next_steps}。\
         需要支援：{help_needed}。现场照片：{photos}。信息来源：{source}，发现/接报时间：{known_at}。\
         报告人：{reporter}（单位：{reporter_unit}，职务：{reporter_post}），联系电话：{phone}。"
    };
}
macro_rules! tail_en {
    () => {
        "Trend: {trend}. Leader on site: {leader_on_site}. Sensitive event: {sensitive}; emergency response launched: {emergency_response}. \
         Measures taken: {measures}. Progress since the last report: {progress}. Outcome: {outcome}; next steps: {next_steps}. \
         Help needed: {help_needed}. Site photos: {photos}. Source: {source}, known at {known_at}. \
         Reported by {reporter} (unit: {reporter_unit}, post: {reporter_post}), phone {phone}."
    };
}

/// A template's blank list, built in steps: `[…]` to start, then `figures`
/// adds the statistics system's figures (in the order of
/// [`disaster_figures_zh!`]), `tail` the blanks of [`tail_zh!`], and
/// `then […]` more of the template's own.
macro_rules! blanks {
    ([$($b:expr),* $(,)?]) => { &[$($b),*] };
    ([$($b:expr),* $(,)?] figures $($rest:tt)*) => {
        $crate::rules::catalogue::common::blanks!([
            $($b,)*
            $crate::rules::catalogue::common::AFFECTED,
            $crate::rules::catalogue::common::DEAD,
            $crate::rules::catalogue::common::MISSING,
            $crate::rules::catalogue::common::INJURED,
            $crate::rules::catalogue::common::EVACUATED,
            $crate::rules::catalogue::common::NEEDS_RELIEF,
            $crate::rules::catalogue::common::COLLAPSED_HOUSEHOLDS,
            $crate::rules::catalogue::common::COLLAPSED_ROOMS,
            $crate::rules::catalogue::common::SEVERELY_DAMAGED_HOUSEHOLDS,
            $crate::rules::catalogue::common::SEVERELY_DAMAGED_ROOMS,
            $crate::rules::catalogue::common::GENERALLY_DAMAGED_HOUSEHOLDS,
            $crate::rules::catalogue::common::GENERALLY_DAMAGED_ROOMS,
            $crate::rules::catalogue::common::CROP_AREA,
            $crate::rules::catalogue::common::DIRECT_LOSS,
        ] $($rest)*)
    };
    ([$($b:expr),* $(,)?] tail $($rest:tt)*) => {
        $crate::rules::catalogue::common::blanks!([
            $($b,)*
            $crate::rules::catalogue::common::TREND,
            $crate::rules::catalogue::common::LEADER_ON_SITE,
            $crate::rules::catalogue::common::SENSITIVE,
            $crate::rules::catalogue::common::EMERGENCY_RESPONSE,
            $crate::rules::catalogue::common::MEASURES,
            $crate::rules::catalogue::common::PROGRESS,
            $crate::rules::catalogue::common::OUTCOME,
            $crate::rules::catalogue::common::NEXT_STEPS,
            $crate::rules::catalogue::common::HELP_NEEDED,
            $crate::rules::catalogue::common::PHOTOS,
            $crate::rules::catalogue::common::SOURCE,
            $crate::rules::catalogue::common::KNOWN_AT,
            $crate::rules::catalogue::common::REPORTER,
            $crate::rules::catalogue::common::REPORTER_UNIT,
            $crate::rules::catalogue::common::REPORTER_POST,
            $crate::rules::catalogue::common::PHONE,
        ] $($rest)*)
    };
    ([$($b:expr),* $(,)?] then [$($c:expr),* $(,)?] $($rest:tt)*) => {
        $crate::rules::catalogue::common::blanks!([$($b,)* $($c),*] $($rest)*)
    };
}

/// A version-2 incident template: the sentence's own beginning (`zh`,
/// `en`) with its blanks, then the shared end ([`tail_zh!`]) with its
/// blanks. With `disaster` first, the statistics system's figures
/// ([`disaster_figures_zh!`]) come between the two.
macro_rules! incident_v2 {
    (@build $id:expr, $family:expr, $title:expr, ($($zh:tt)*), ($($en:tt)*), $blanks:expr) => {
        $crate::rules::template::Template {
            id: $id,
            version: 2,
            family: $family,
            title: $title,
            sentence: $crate::text::Text::new(
                concat!($($zh)*, $crate::rules::catalogue::common::tail_zh!()),
                concat!($($en)*, " ", $crate::rules::catalogue::common::tail_en!()),
            ),
            blanks: $blanks,
        }
    };
    (disaster $id:expr, $family:expr, $title:expr, $zh:literal, $en:literal, [$($blank:expr),* $(,)?]) => {
        $crate::rules::catalogue::common::incident_v2!(@build $id, $family, $title,
            ($zh, $crate::rules::catalogue::common::disaster_figures_zh!()),
            ($en, " ", $crate::rules::catalogue::common::disaster_figures_en!()),
            $crate::rules::catalogue::common::blanks!([$($blank),*] figures tail))
    };
    ($id:expr, $family:expr, $title:expr, $zh:literal, $en:literal, [$($blank:expr),* $(,)?]) => {
        $crate::rules::catalogue::common::incident_v2!(@build $id, $family, $title, ($zh), ($en),
            $crate::rules::catalogue::common::blanks!([$($blank),*] tail))
    };
}
pub(crate) use {blanks, incident_v2, tail_en, tail_zh};

/// The statistics system's figures as one piece of sentence, shared by
/// every natural-disaster template (version 2).
macro_rules! disaster_figures_zh {
    () => {
        "受灾人口{affected}人，{dead}人死亡、{missing}人失踪、{injured}人受伤，紧急转移安置{evacuated}人，需紧急生活救助{needs_relief}人；\
         倒塌房屋{collapsed_households}户{collapsed_rooms}间，严重损坏房屋{severely_damaged_households}户{severely_damaged_rooms}间，\
         一般损坏房屋{generally_damaged_households}户{generally_damaged_rooms}间；农作物受灾面积{crop_area}亩；\
         初步估算直接经济损失{direct_loss}万元。"
    };
}
macro_rules! disaster_figures_en {
    () => {
        "{affected} people affected: {dead} dead, {missing} missing, {injured} injured, {evacuated} evacuated and sheltered, \
         {needs_relief} needing emergency living aid; houses collapsed: {collapsed_households} households, {collapsed_rooms} rooms; \
         severely damaged: {severely_damaged_households} households, {severely_damaged_rooms} rooms; \
         generally damaged: {generally_damaged_households} households, {generally_damaged_rooms} rooms; \
         {crop_area} mu of crops affected; estimated direct economic loss {direct_loss} × 10,000 yuan."
    };
}
pub(crate) use {disaster_figures_en, disaster_figures_zh};
