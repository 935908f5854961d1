//! Hazards found on inspection (风险隐患) and the steps of their life: found
//! → rectifying → rectified (after-photos) → verified and closed. Each step
//! is its own record in the hazard's thread.

use crate::rules::catalogue::common::{GPS, PHONE, PLACE, REPORTER};
use crate::rules::stage::Stage;
use crate::rules::template::{Blank, BlankKind, ChoiceOption, Family, Need, Template};
use crate::text::Text;

/// Typical hazard themes in the sources.
const THEMES: &[ChoiceOption] = &[
    ChoiceOption {
        value: "drowning",
        label: Text::new("防溺水", "drowning spot"),
    },
    ChoiceOption {
        value: "geological",
        label: Text::new("地质灾害隐患点", "geological-disaster point"),
    },
    ChoiceOption {
        value: "forest_fire",
        label: Text::new("森林防火", "forest fire"),
    },
    ChoiceOption {
        value: "fire_safety",
        label: Text::new("企业物业消防安全", "fire safety of a firm or estate"),
    },
    ChoiceOption {
        value: "flood_season",
        label: Text::new("防汛备汛", "flood season"),
    },
    ChoiceOption {
        value: "forest_power",
        label: Text::new("林区供电、变压器漏电", "power lines or transformer leakage in forest"),
    },
    ChoiceOption {
        value: "other",
        label: Text::new("其他", "other"),
    },
];

const NOTE: Text = Text::new("情况说明", "Notes");

// Blanks shared by the versions of a template: the same blank, written once.
const THEME: Blank = Blank {
    id: "theme",
    label: Text::new("隐患类别", "Kind of hazard"),
    kind: BlankKind::Choice { options: THEMES },
    need: Need::Always,
};
const DESCRIPTION: Blank = Blank {
    id: "description",
    label: Text::new("问题描述", "Problem"),
    kind: BlankKind::LongText { max_chars: 1000 },
    need: Need::Always,
};
const SITE_PHOTOS: Blank = Blank {
    id: "photos",
    label: Text::new("现场照片", "Site photos"),
    kind: BlankKind::Photos { min: 1 },
    need: Need::Always,
};
const RESPONSIBLE: Blank = Blank {
    id: "responsible",
    label: Text::new("责任单位（人）", "Responsible party"),
    kind: BlankKind::Text { max_chars: 60 },
    need: Need::Always,
};
const RESPONSIBLE_PHONE: Blank = Blank {
    id: "responsible_phone",
    label: Text::new("责任人电话", "Responsible party's phone"),
    kind: BlankKind::Phone,
    need: Need::Optional,
};
const RECTIFY_BY: Blank = Blank {
    id: "rectify_by",
    label: Text::new("整改期限", "Rectify by"),
    kind: BlankKind::Date,
    need: Need::Always,
};
const VERIFIER: Blank = Blank {
    id: "verifier",
    label: Text::new("验收人", "Verified by"),
    kind: BlankKind::Text { max_chars: 60 },
    need: Need::Always,
};
const NOTE_BLANK: Blank = Blank {
    id: "note",
    label: NOTE,
    kind: BlankKind::LongText { max_chars: 500 },
    need: Need::Optional,
};

/// A hazard as found, version 1: kept for the hazards stored with it.
pub const HAZARD_V1: Template = Template {
    id: "hazard",
    version: 1,
    family: Family::Hazard,
    title: Text::new("风险隐患", "Hazard"),
    sentence: Text::new(
        "在{place}（位置：{gps}）发现{theme}隐患：{description}。现场照片：{photos}。\
         责任单位（人）：{responsible}，联系电话：{responsible_phone}，整改期限：{rectify_by}。\
         报告人：{reporter}，联系电话：{phone}。",
        "At {place} (position: {gps}) a {theme} hazard was found: {description}. Site photos: {photos}. \
         Responsible party: {responsible}, phone {responsible_phone}, to be rectified by {rectify_by}. \
         Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        PLACE,
        GPS,
        THEME,
        DESCRIPTION,
        SITE_PHOTOS,
        RESPONSIBLE,
        RESPONSIBLE_PHONE,
        RECTIFY_BY,
        REPORTER,
        PHONE,
    ],
};

/// 是 / 否, for the 重大隐患 flag.
const YES_NO: &[ChoiceOption] = &[
    ChoiceOption {
        value: "no",
        label: Text::new("否", "no"),
    },
    ChoiceOption {
        value: "yes",
        label: Text::new("是", "yes"),
    },
];

/// A hazard as found: where, what, photos, who must fix it and by when;
/// version 2 adds the 重大隐患 flag and its supervising office (挂牌督办,
/// see `crate::rules::major_hazard`).
pub const HAZARD: Template = Template {
    id: "hazard",
    version: 2,
    family: Family::Hazard,
    title: Text::new("风险隐患", "Hazard"),
    sentence: Text::new(
        "在{place}（位置：{gps}）发现{theme}隐患：{description}。现场照片：{photos}。\
         是否重大隐患：{major}，挂牌督办单位：{supervisor}。\
         责任单位（人）：{responsible}，联系电话：{responsible_phone}，整改期限：{rectify_by}。\
         报告人：{reporter}，联系电话：{phone}。",
        "At {place} (position: {gps}) a {theme} hazard was found: {description}. Site photos: {photos}. \
         Major hazard: {major}, supervised by {supervisor}. \
         Responsible party: {responsible}, phone {responsible_phone}, to be rectified by {rectify_by}. \
         Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        PLACE,
        GPS,
        THEME,
        DESCRIPTION,
        SITE_PHOTOS,
        Blank {
            id: "major",
            label: Text::new("是否重大隐患", "Major hazard"),
            kind: BlankKind::Choice { options: YES_NO },
            need: Need::Optional,
        },
        Blank {
            id: "supervisor",
            label: Text::new("挂牌督办单位", "Supervising office"),
            kind: BlankKind::Text { max_chars: 60 },
            need: Need::Optional,
        },
        RESPONSIBLE,
        RESPONSIBLE_PHONE,
        RECTIFY_BY,
        REPORTER,
        PHONE,
    ],
};

pub const HAZARD_RECTIFYING: Template = Template {
    id: "hazard_rectifying",
    version: 1,
    family: Family::HazardStep {
        stage: Stage::Rectifying,
    },
    title: Text::new("隐患整改中", "Hazard: rectification under way"),
    sentence: Text::new(
        "整改措施：{measures}。预计完成日期：{expected_by}。{note}。报告人：{reporter}，联系电话：{phone}。",
        "Measures: {measures}. Expected done by {expected_by}. {note}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        Blank {
            id: "measures",
            label: Text::new("整改措施", "Measures"),
            kind: BlankKind::LongText { max_chars: 1000 },
            need: Need::Always,
        },
        Blank {
            id: "expected_by",
            label: Text::new("预计完成日期", "Expected done by"),
            kind: BlankKind::Date,
            need: Need::Optional,
        },
        NOTE_BLANK,
        REPORTER,
        PHONE,
    ],
};

pub const HAZARD_RECTIFIED: Template = Template {
    id: "hazard_rectified",
    version: 1,
    family: Family::HazardStep {
        stage: Stage::Rectified,
    },
    title: Text::new("隐患已整改", "Hazard rectified"),
    sentence: Text::new(
        "已完成整改：{done}。整改后照片：{after_photos}。报告人：{reporter}，联系电话：{phone}。",
        "Rectified: {done}. Photos after: {after_photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        Blank {
            id: "done",
            label: Text::new("整改情况", "What was done"),
            kind: BlankKind::LongText { max_chars: 1000 },
            need: Need::Always,
        },
        Blank {
            id: "after_photos",
            label: Text::new("整改后照片", "Photos after"),
            kind: BlankKind::Photos { min: 1 },
            need: Need::Always,
        },
        REPORTER,
        PHONE,
    ],
};

/// Version 1 of the closing, without a photo: kept so that stored closings
/// are still judged by it, but no new closing is admitted by it (see
/// `crate::rules::evidence`).
pub const HAZARD_CLOSED_V1: Template = Template {
    id: "hazard_closed",
    version: 1,
    family: Family::HazardStep { stage: Stage::Closed },
    title: Text::new("隐患验收销号", "Hazard verified and closed"),
    sentence: Text::new(
        "经{verifier}现场验收，整改到位，予以销号。{note}。报告人：{reporter}，联系电话：{phone}。",
        "Verified on site by {verifier}: rectified, closed. {note}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[VERIFIER, NOTE_BLANK, REPORTER, PHONE],
};

/// The closing, version 2: the verification is proved by at least one
/// photo taken on site at the verification (issue 17).
pub const HAZARD_CLOSED: Template = Template {
    id: "hazard_closed",
    version: 2,
    family: Family::HazardStep { stage: Stage::Closed },
    title: Text::new("隐患验收销号", "Hazard verified and closed"),
    sentence: Text::new(
        "经{verifier}现场验收，整改到位，予以销号。验收照片：{after_photos}。{note}。报告人：{reporter}，联系电话：{phone}。",
        "Verified on site by {verifier}: rectified, closed. Photos at the verification: {after_photos}. {note}. \
         Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        VERIFIER,
        Blank {
            id: "after_photos",
            label: Text::new("验收照片", "Photos at the verification"),
            kind: BlankKind::Photos { min: 1 },
            need: Need::Always,
        },
        NOTE_BLANK,
        REPORTER,
        PHONE,
    ],
};
