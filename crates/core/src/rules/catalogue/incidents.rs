//! The twelve incident categories (固化12类突发事件信息报告模板). The sources
//! name fourteen; two are left out. Drought (干旱) sets in slowly and is
//! reported through periodic statistics, not a fast 首报. A utility outage
//! (power, water, gas) is reported through the utility's own dispatch, and
//! where it endangers people it is a consequence, reported under the event
//! that caused it. Anything else goes to the general incident report.

use crate::rules::catalogue::common::{
    amount, choice, incident_v2, text, AFFECTED, CAUSE, CROP_AREA, DEAD, DIRECT_LOSS, EVACUATED, GPS, HELP_NEEDED,
    HOUSES_COLLAPSED, INJURED, MAX_PEOPLE, MEASURES, MISSING, OCCURRED_AT, PEOPLE, PHONE, PHOTOS, PLACE, REPORTER,
    SERIOUS_INJURED, TRAPPED, WHAT_HAPPENED, YES_NO_UNKNOWN,
};
use crate::rules::grading::{CASUALTIES, CASUALTIES_V2, WORK_SAFETY};
use crate::rules::template::{Blank, BlankKind, ChoiceOption, Family, Need, Template};
use crate::text::Text;

pub const INCIDENTS: &[&Template] = &[
    &EARTHQUAKE,
    &GEOLOGICAL_DISASTER,
    &FLOOD,
    &FOREST_FIRE,
    &METEOROLOGICAL,
    &FIRE,
    &ROAD_TRAFFIC,
    &HAZARDOUS_CHEMICALS,
    &WORK_SAFETY_ACCIDENT,
    &COLLAPSE,
    &PUBLIC_HEALTH,
    &SOCIAL_SECURITY,
];

/// Version 2 of the twelve (see the end of this file), in the same order.
pub const INCIDENTS_V2: &[&Template] = &[
    &EARTHQUAKE_V2,
    &GEOLOGICAL_DISASTER_V2,
    &FLOOD_V2,
    &FOREST_FIRE_V2,
    &METEOROLOGICAL_V2,
    &FIRE_V2,
    &ROAD_TRAFFIC_V2,
    &HAZARDOUS_CHEMICALS_V2,
    &WORK_SAFETY_ACCIDENT_V2,
    &COLLAPSE_V2,
    &PUBLIC_HEALTH_V2,
    &SOCIAL_SECURITY_V2,
];

const NATURAL_DISASTER: Family = Family::Incident {
    natural_disaster: true,
    grading: &CASUALTIES,
};
/// Version 2 counts the dead and missing together (see `CASUALTIES_V2`).
const NATURAL_DISASTER_V2: Family = Family::Incident {
    natural_disaster: true,
    grading: &CASUALTIES_V2,
};
pub(crate) const OTHER_EVENT_V2: Family = Family::Incident {
    natural_disaster: false,
    grading: &CASUALTIES_V2,
};
const ACCIDENT: Family = Family::Incident {
    natural_disaster: false,
    grading: &WORK_SAFETY,
};
const OTHER_EVENT: Family = Family::Incident {
    natural_disaster: false,
    grading: &CASUALTIES,
};

const fn option(value: &'static str, zh: &'static str, en: &'static str) -> ChoiceOption {
    ChoiceOption {
        value,
        label: Text::new(zh, en),
    }
}

const fn kind(label: Text, options: &'static [ChoiceOption]) -> Blank {
    Blank {
        id: "kind",
        label,
        kind: BlankKind::Choice { options },
        need: Need::Always,
    }
}

const fn people(id: &'static str, label: Text) -> Blank {
    Blank {
        id,
        label,
        kind: BlankKind::Count {
            min: 0,
            max: MAX_PEOPLE,
            unit: PEOPLE,
        },
        need: Need::Optional,
    }
}

// Blanks of one category, shared by its versions.
const MAGNITUDE: Blank = amount(
    "magnitude",
    Text::new("震级", "Magnitude"),
    10,
    1,
    Text::new("级", "magnitude"),
    Need::Optional,
);
const FIRE_STATE: Blank = choice(
    "fire_state",
    Text::new("火情状态", "State of the fire"),
    FIRE_STATES,
    Need::Optional,
);
const BURNED_AREA: Blank = amount(
    "burned_area",
    Text::new("过火面积", "Area burned"),
    1_000_000,
    2,
    Text::new("公顷", "hectares"),
    Need::Optional,
);
const KINDS: Blank = Blank {
    id: "kinds",
    label: Text::new("灾害种类（可多选）", "Kind of weather (all that apply)"),
    kind: BlankKind::MultiChoice { options: WEATHER_KINDS },
    need: Need::Always,
};
const PREMISES: Blank = choice(
    "premises",
    Text::new("起火场所", "Premises"),
    PREMISE_KINDS,
    Need::Optional,
);
const VEHICLES: Blank = Blank {
    id: "vehicles",
    label: Text::new("涉及车辆", "Vehicles involved"),
    kind: BlankKind::Count {
        min: 1,
        max: 1_000,
        unit: Text::new("辆", "vehicles"),
    },
    need: Need::Optional,
};
const HAZARDOUS_GOODS: Blank = Blank {
    id: "hazardous_goods",
    label: Text::new("是否载有危险货物", "Hazardous goods aboard"),
    kind: BlankKind::Choice {
        options: YES_NO_UNKNOWN,
    },
    need: Need::Optional,
};
const SUBSTANCE: Blank = text("substance", Text::new("涉及物质", "Substance"), 60, Need::Optional);
const UNIT_NAME: Blank = text(
    "unit_name",
    Text::new("事故发生单位", "Unit where it happened"),
    100,
    Need::AtFinal,
);
const SICK: Blank = Blank {
    id: "sick",
    label: Text::new("发病人数", "People fallen ill"),
    kind: BlankKind::Count {
        min: 0,
        max: MAX_PEOPLE,
        unit: PEOPLE,
    },
    need: Need::AtFinal,
};
const GEOLOGICAL_KIND: Blank = kind(Text::new("灾害类型", "Kind of disaster"), GEOLOGICAL_KINDS);
const FLOOD_KIND: Blank = kind(Text::new("灾害类型", "Kind of flooding"), FLOOD_KINDS);
const CHEMICAL_KIND: Blank = kind(Text::new("事故类型", "Kind of accident"), CHEMICAL_KINDS);
const HEALTH_KIND: Blank = kind(Text::new("事件类型", "Kind of event"), HEALTH_KINDS);
const SOCIAL_KIND: Blank = kind(Text::new("事件类型", "Kind of event"), SOCIAL_KINDS);
const SECTOR: Blank = kind(Text::new("行业领域", "Sector"), SECTORS);
const STRUCTURE: Blank = kind(Text::new("坍塌对象", "What collapsed"), STRUCTURES);
const THREATENED: Blank = people("threatened", Text::new("受威胁人数", "People still under threat"));
const FIREFIGHTERS: Blank = people("firefighters", Text::new("扑救人数", "Firefighters deployed"));
const CRITICAL: Blank = people("critical", Text::new("其中危重人数", "Of whom critically ill"));
const INVOLVED: Blank = people("involved", Text::new("涉及人数", "People involved"));

/// 地震: the quick reporter sees the damage; the magnitude comes from the
/// seismic network's bulletin.
pub const EARTHQUAKE: Template = Template {
    id: "earthquake",
    version: 1,
    family: NATURAL_DISASTER,
    title: Text::new("地震", "Earthquake"),
    sentence: Text::new(
        "{occurred_at}，{place}（位置：{gps}）受{magnitude}级地震影响。{what_happened}。\
         目前已造成{dead}人死亡、{injured}人受伤、{missing}人失踪，{trapped}人被困（压埋）；\
         倒塌房屋{houses_collapsed}间，紧急转移安置{evacuated}人；初步估算直接经济损失{direct_loss}万元。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, {place} (position: {gps}) was hit by a magnitude {magnitude} earthquake. {what_happened}. \
         So far {dead} dead, {injured} injured, {missing} missing and {trapped} trapped or buried; \
         {houses_collapsed} rooms of houses collapsed and {evacuated} people evacuated and sheltered; \
         estimated direct economic loss {direct_loss} × 10,000 yuan. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        MAGNITUDE,
        WHAT_HAPPENED,
        DEAD,
        INJURED,
        MISSING,
        TRAPPED,
        HOUSES_COLLAPSED,
        EVACUATED,
        DIRECT_LOSS,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

const GEOLOGICAL_KINDS: &[ChoiceOption] = &[
    option("landslide", "滑坡", "landslide"),
    option("rockfall", "崩塌", "rockfall"),
    option("debris_flow", "泥石流", "debris flow"),
    option("subsidence", "地面塌陷", "ground subsidence"),
];

/// 地质灾害: who is still threatened matters as much as who was hit.
pub const GEOLOGICAL_DISASTER: Template = Template {
    id: "geological_disaster",
    version: 1,
    family: NATURAL_DISASTER,
    title: Text::new("地质灾害", "Geological disaster"),
    sentence: Text::new(
        "{occurred_at}，{place}（位置：{gps}）发生{kind}。{what_happened}。\
         目前已造成{dead}人死亡、{injured}人受伤、{missing}人失踪，倒塌房屋{houses_collapsed}间；\
         仍威胁{threatened}人安全，已紧急转移安置{evacuated}人；初步估算直接经济损失{direct_loss}万元。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, a {kind} occurred at {place} (position: {gps}). {what_happened}. \
         So far {dead} dead, {injured} injured, {missing} missing and {houses_collapsed} rooms of houses collapsed; \
         {threatened} people remain under threat and {evacuated} have been evacuated and sheltered; \
         estimated direct economic loss {direct_loss} × 10,000 yuan. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        GEOLOGICAL_KIND,
        WHAT_HAPPENED,
        DEAD,
        INJURED,
        MISSING,
        HOUSES_COLLAPSED,
        THREATENED,
        EVACUATED,
        DIRECT_LOSS,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

const FLOOD_KINDS: &[ChoiceOption] = &[
    option("river_flood", "洪水", "river flooding"),
    option("flash_flood", "山洪", "flash flooding"),
    option("waterlogging", "内涝", "waterlogging"),
];

/// 洪涝、内涝: people trapped by water come first, crops and shelter after.
pub const FLOOD: Template = Template {
    id: "flood",
    version: 1,
    family: NATURAL_DISASTER,
    title: Text::new("洪涝灾害", "Flood or waterlogging"),
    sentence: Text::new(
        "{occurred_at}，{place}（位置：{gps}）发生{kind}灾害。{what_happened}。\
         目前已造成{dead}人死亡、{injured}人受伤、{missing}人失踪，{trapped}人被困待救；\
         紧急转移安置{evacuated}人，农作物受灾面积{crop_area}亩；初步估算直接经济损失{direct_loss}万元。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, {place} (position: {gps}) suffered {kind}. {what_happened}. \
         So far {dead} dead, {injured} injured, {missing} missing and {trapped} trapped awaiting rescue; \
         {evacuated} people evacuated and sheltered, {crop_area} mu of crops affected; \
         estimated direct economic loss {direct_loss} × 10,000 yuan. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        FLOOD_KIND,
        WHAT_HAPPENED,
        DEAD,
        INJURED,
        MISSING,
        TRAPPED,
        EVACUATED,
        CROP_AREA,
        DIRECT_LOSS,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

const FIRE_STATES: &[ChoiceOption] = &[
    option("spreading", "火势仍在蔓延", "the fire is still spreading"),
    option("controlled", "火势已得到控制", "the fire is under control"),
    option("out", "明火已扑灭", "the open fire is out"),
];

/// 森林草原火灾: is it still spreading, how much has burned, who is on it.
pub const FOREST_FIRE: Template = Template {
    id: "forest_fire",
    version: 1,
    family: NATURAL_DISASTER,
    title: Text::new("森林草原火灾", "Forest or grassland fire"),
    sentence: Text::new(
        "{occurred_at}，{place}（位置：{gps}）发生森林草原火灾。{what_happened}。\
         目前{fire_state}，过火面积约{burned_area}公顷，投入扑救力量{firefighters}人；\
         已造成{dead}人死亡、{injured}人受伤、{missing}人失踪，初步估算直接经济损失{direct_loss}万元。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, a forest or grassland fire broke out at {place} (position: {gps}). {what_happened}. \
         At present {fire_state}; about {burned_area} hectares have burned and {firefighters} firefighters are deployed. \
         So far {dead} dead, {injured} injured and {missing} missing; estimated direct economic loss {direct_loss} × 10,000 yuan. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        WHAT_HAPPENED,
        FIRE_STATE,
        BURNED_AREA,
        FIREFIGHTERS,
        DEAD,
        INJURED,
        MISSING,
        DIRECT_LOSS,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

const WEATHER_KINDS: &[ChoiceOption] = &[
    option("rainstorm", "暴雨", "rainstorm"),
    option("snowstorm", "暴雪", "snowstorm"),
    option("hail", "冰雹", "hail"),
    option("gale", "大风", "strong wind"),
    option("freezing", "冰冻", "freezing"),
    option("lightning", "雷电", "lightning"),
    option("heat", "高温", "heat wave"),
];

/// 气象灾害: often several at once (a storm brings rain, wind and hail), so
/// the kind is a multiple choice.
pub const METEOROLOGICAL: Template = Template {
    id: "meteorological",
    version: 1,
    family: NATURAL_DISASTER,
    title: Text::new("气象灾害", "Meteorological disaster"),
    sentence: Text::new(
        "{occurred_at}起，{place}（位置：{gps}）遭受{kinds}灾害。{what_happened}。\
         目前已造成{dead}人死亡、{injured}人受伤、{missing}人失踪，受灾人口{affected}人，紧急转移安置{evacuated}人，\
         农作物受灾面积{crop_area}亩；初步估算直接经济损失{direct_loss}万元。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "From {occurred_at}, {place} (position: {gps}) was hit by {kinds}. {what_happened}. \
         So far {dead} dead, {injured} injured and {missing} missing; {affected} people affected, {evacuated} evacuated and sheltered, \
         {crop_area} mu of crops affected; estimated direct economic loss {direct_loss} × 10,000 yuan. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        KINDS,
        WHAT_HAPPENED,
        DEAD,
        INJURED,
        MISSING,
        AFFECTED,
        EVACUATED,
        CROP_AREA,
        DIRECT_LOSS,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

const PREMISE_KINDS: &[ChoiceOption] = &[
    option("residence", "住宅", "residence"),
    option("crowded_venue", "人员密集场所", "crowded venue"),
    option("factory_warehouse", "厂房仓库", "factory or warehouse"),
    option("vehicle", "交通工具", "vehicle"),
    option("other", "其他场所", "other"),
];

/// 火灾: where it burns and who is trapped decide the response.
pub const FIRE: Template = Template {
    id: "fire",
    version: 1,
    family: ACCIDENT,
    title: Text::new("火灾", "Fire"),
    sentence: Text::new(
        "{occurred_at}，{place}（位置：{gps}）{premises}发生火灾。{what_happened}。\
         目前{trapped}人被困，已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人），\
         初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, a fire broke out at {place} (position: {gps}); premises: {premises}. {what_happened}. \
         {trapped} people are trapped; so far {dead} dead and {injured} injured, {serious_injured} of them seriously; \
         estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        PREMISES,
        WHAT_HAPPENED,
        TRAPPED,
        DEAD,
        INJURED,
        SERIOUS_INJURED,
        DIRECT_LOSS,
        CAUSE,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

/// 道路交通事故: how many vehicles, and whether dangerous goods are aboard
/// (which turns a crash into a hazardous-chemicals response).
pub const ROAD_TRAFFIC: Template = Template {
    id: "road_traffic",
    version: 1,
    family: ACCIDENT,
    title: Text::new("道路交通事故", "Road traffic accident"),
    sentence: Text::new(
        "{occurred_at}，{place}（位置：{gps}）发生一起道路交通事故，涉及车辆{vehicles}辆，是否载有危险货物：{hazardous_goods}。{what_happened}。\
         目前已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人），{trapped}人被困车内；\
         初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, a road traffic accident involving {vehicles} vehicles occurred at {place} (position: {gps}); \
         hazardous goods aboard: {hazardous_goods}. {what_happened}. \
         So far {dead} dead and {injured} injured, {serious_injured} of them seriously, and {trapped} trapped in vehicles; \
         estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        VEHICLES,
        HAZARDOUS_GOODS,
        WHAT_HAPPENED,
        DEAD,
        INJURED,
        SERIOUS_INJURED,
        TRAPPED,
        DIRECT_LOSS,
        CAUSE,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

const CHEMICAL_KINDS: &[ChoiceOption] = &[
    option("leak", "泄漏", "leak"),
    option("fire", "火灾", "fire"),
    option("explosion", "爆炸", "explosion"),
];

/// 危险化学品泄漏、爆炸: what substance, and who was moved out of its way.
pub const HAZARDOUS_CHEMICALS: Template = Template {
    id: "hazardous_chemicals",
    version: 1,
    family: ACCIDENT,
    title: Text::new("危险化学品事故", "Hazardous-chemicals accident"),
    sentence: Text::new(
        "{occurred_at}，{place}（位置：{gps}）发生危险化学品{kind}事故，涉及物质：{substance}。{what_happened}。\
         目前已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人，含急性中毒），已疏散周边群众{evacuated}人；\
         初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, a hazardous-chemicals {kind} occurred at {place} (position: {gps}); substance: {substance}. {what_happened}. \
         So far {dead} dead and {injured} injured, {serious_injured} of them seriously (acute poisoning included); \
         {evacuated} people nearby evacuated; estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        CHEMICAL_KIND,
        SUBSTANCE,
        WHAT_HAPPENED,
        DEAD,
        INJURED,
        SERIOUS_INJURED,
        EVACUATED,
        DIRECT_LOSS,
        CAUSE,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

const SECTORS: &[ChoiceOption] = &[
    option("mining", "矿山", "mining"),
    option("construction", "建筑施工", "construction"),
    option("special_equipment", "特种设备", "special equipment"),
    option("industry_trade", "工贸", "industry and trade"),
    option("other", "其他", "other"),
];

/// 生产安全事故 (Decree 493): the unit where it happened is part of every
/// report to the authority; the final report must name it.
pub const WORK_SAFETY_ACCIDENT: Template = Template {
    id: "work_safety",
    version: 1,
    family: ACCIDENT,
    title: Text::new("生产安全事故", "Work-safety accident"),
    sentence: Text::new(
        "{occurred_at}，{unit_name}在{place}（位置：{gps}）发生一起{kind}生产安全事故。{what_happened}。\
         目前已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人），{trapped}人被困；\
         初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, a work-safety accident ({kind}) occurred at {unit_name}, {place} (position: {gps}). {what_happened}. \
         So far {dead} dead and {injured} injured, {serious_injured} of them seriously, and {trapped} trapped; \
         estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        UNIT_NAME,
        PLACE,
        GPS,
        SECTOR,
        WHAT_HAPPENED,
        DEAD,
        INJURED,
        SERIOUS_INJURED,
        TRAPPED,
        DIRECT_LOSS,
        CAUSE,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

const STRUCTURES: &[ChoiceOption] = &[
    option("building", "房屋", "building"),
    option("bridge", "桥梁", "bridge"),
    option("road", "道路", "road"),
    option("tunnel", "隧道", "tunnel"),
    option("other", "其他建（构）筑物", "other structure"),
];

/// 建筑物、构筑物坍塌: search and rescue first, so the trapped come first.
pub const COLLAPSE: Template = Template {
    id: "collapse",
    version: 1,
    family: ACCIDENT,
    title: Text::new("建筑物构筑物坍塌", "Building or structure collapse"),
    sentence: Text::new(
        "{occurred_at}，{place}（位置：{gps}）发生{kind}坍塌。{what_happened}。\
         目前{trapped}人被困，已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人）、{missing}人失踪；\
         初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, a collapse occurred at {place} (position: {gps}); what collapsed: {kind}. {what_happened}. \
         {trapped} people are trapped; so far {dead} dead, {injured} injured ({serious_injured} of them seriously) and {missing} missing; \
         estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        STRUCTURE,
        WHAT_HAPPENED,
        TRAPPED,
        DEAD,
        INJURED,
        SERIOUS_INJURED,
        MISSING,
        DIRECT_LOSS,
        CAUSE,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

const HEALTH_KINDS: &[ChoiceOption] = &[
    option("infectious_disease", "传染病", "infectious disease"),
    option("food_poisoning", "食物中毒", "food poisoning"),
    option("occupational_poisoning", "职业中毒", "occupational poisoning"),
    option("unknown_disease", "不明原因疾病", "disease of unknown cause"),
    option("other", "其他", "other"),
];

/// 公共卫生事件: counted in people fallen ill rather than injured.
pub const PUBLIC_HEALTH: Template = Template {
    id: "public_health",
    version: 1,
    family: OTHER_EVENT,
    title: Text::new("公共卫生事件", "Public-health event"),
    sentence: Text::new(
        "{occurred_at}，{place}（位置：{gps}）发生一起突发公共卫生事件（{kind}）。{what_happened}。\
         目前共发病{sick}人，其中危重{critical}人，死亡{dead}人；初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, a public-health event ({kind}) occurred at {place} (position: {gps}). {what_happened}. \
         So far {sick} people have fallen ill, {critical} of them critically, and {dead} have died; \
         estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        HEALTH_KIND,
        WHAT_HAPPENED,
        SICK,
        CRITICAL,
        DEAD,
        DIRECT_LOSS,
        CAUSE,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

const SOCIAL_KINDS: &[ChoiceOption] = &[
    option("mass_incident", "群体性事件", "mass incident"),
    option("stampede", "踩踏事件", "stampede"),
    option("other", "其他社会安全事件", "other"),
];

/// 社会安全事件: how many people are involved sizes the response.
pub const SOCIAL_SECURITY: Template = Template {
    id: "social_security",
    version: 1,
    family: OTHER_EVENT,
    title: Text::new("社会安全事件", "Social-security event"),
    sentence: Text::new(
        "{occurred_at}，{place}（位置：{gps}）发生{kind}，涉及约{involved}人。{what_happened}。\
         目前已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人），初步估算直接经济损失{direct_loss}万元。\
         初步原因：{cause}。\
         已采取措施：{measures}。需要支援：{help_needed}。现场照片：{photos}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, a social-security event ({kind}) occurred at {place} (position: {gps}), involving about {involved} people. {what_happened}. \
         So far {dead} dead and {injured} injured, {serious_injured} of them seriously; estimated direct economic loss {direct_loss} × 10,000 yuan. \
         Cause as far as known: {cause}. \
         Measures taken: {measures}. Help needed: {help_needed}. Site photos: {photos}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        SOCIAL_KIND,
        INVOLVED,
        WHAT_HAPPENED,
        DEAD,
        INJURED,
        SERIOUS_INJURED,
        DIRECT_LOSS,
        CAUSE,
        MEASURES,
        HELP_NEEDED,
        PHOTOS,
        REPORTER,
        PHONE,
    ],
};

// Version 2: what the receiving office checks at each stage (source, time
// known, trend, leader on site, the reporter's unit and post, the sensitive
// and emergency-response flags, a 续报's progress, a 终报's outcome and next
// steps), and for natural disasters the statistics system's figures with
// houses in households and rooms. Each sentence is its category's own
// beginning; the shared end and its blanks are added by `incident_v2!`.

pub const EARTHQUAKE_V2: Template = incident_v2!(
    disaster "earthquake",
    NATURAL_DISASTER_V2,
    EARTHQUAKE.title,
    "{occurred_at}，{place}（位置：{gps}）受{magnitude}级地震影响。{what_happened}。{trapped}人被困（压埋）。",
    "At {occurred_at}, {place} (position: {gps}) was hit by a magnitude {magnitude} earthquake. {what_happened}. \
     {trapped} people are trapped or buried.",
    [OCCURRED_AT, PLACE, GPS, MAGNITUDE, WHAT_HAPPENED, TRAPPED]
);

pub const GEOLOGICAL_DISASTER_V2: Template = incident_v2!(
    disaster "geological_disaster",
    NATURAL_DISASTER_V2,
    GEOLOGICAL_DISASTER.title,
    "{occurred_at}，{place}（位置：{gps}）发生{kind}。{what_happened}。仍威胁{threatened}人安全。",
    "At {occurred_at}, a {kind} occurred at {place} (position: {gps}). {what_happened}. \
     {threatened} people remain under threat.",
    [OCCURRED_AT, PLACE, GPS, GEOLOGICAL_KIND, WHAT_HAPPENED, THREATENED]
);

pub const FLOOD_V2: Template = incident_v2!(
    disaster "flood",
    NATURAL_DISASTER_V2,
    FLOOD.title,
    "{occurred_at}，{place}（位置：{gps}）发生{kind}灾害。{what_happened}。{trapped}人被困待救。",
    "At {occurred_at}, {place} (position: {gps}) suffered {kind}. {what_happened}. \
     {trapped} people are trapped awaiting rescue.",
    [OCCURRED_AT, PLACE, GPS, FLOOD_KIND, WHAT_HAPPENED, TRAPPED]
);

pub const FOREST_FIRE_V2: Template = incident_v2!(
    disaster "forest_fire",
    NATURAL_DISASTER_V2,
    FOREST_FIRE.title,
    "{occurred_at}，{place}（位置：{gps}）发生森林草原火灾。{what_happened}。\
     目前{fire_state}，过火面积约{burned_area}公顷，投入扑救力量{firefighters}人。",
    "At {occurred_at}, a forest or grassland fire broke out at {place} (position: {gps}). {what_happened}. \
     At present {fire_state}; about {burned_area} hectares have burned and {firefighters} firefighters are deployed.",
    [OCCURRED_AT, PLACE, GPS, WHAT_HAPPENED, FIRE_STATE, BURNED_AREA, FIREFIGHTERS]
);

pub const METEOROLOGICAL_V2: Template = incident_v2!(
    disaster "meteorological",
    NATURAL_DISASTER_V2,
    METEOROLOGICAL.title,
    "{occurred_at}起，{place}（位置：{gps}）遭受{kinds}灾害。{what_happened}。",
    "From {occurred_at}, {place} (position: {gps}) was hit by {kinds}. {what_happened}.",
    [OCCURRED_AT, PLACE, GPS, KINDS, WHAT_HAPPENED]
);

pub const FIRE_V2: Template = incident_v2!(
    "fire",
    ACCIDENT,
    FIRE.title,
    "{occurred_at}，{place}（位置：{gps}）{premises}发生火灾。{what_happened}。\
     目前{trapped}人被困，已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人），\
     初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。",
    "At {occurred_at}, a fire broke out at {place} (position: {gps}); premises: {premises}. {what_happened}. \
     {trapped} people are trapped; so far {dead} dead and {injured} injured, {serious_injured} of them seriously; \
     estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}.",
    [
        OCCURRED_AT,
        PLACE,
        GPS,
        PREMISES,
        WHAT_HAPPENED,
        TRAPPED,
        DEAD,
        INJURED,
        SERIOUS_INJURED,
        DIRECT_LOSS,
        CAUSE
    ]
);

pub const ROAD_TRAFFIC_V2: Template = incident_v2!(
    "road_traffic",
    ACCIDENT,
    ROAD_TRAFFIC.title,
    "{occurred_at}，{place}（位置：{gps}）发生一起道路交通事故，涉及车辆{vehicles}辆，是否载有危险货物：{hazardous_goods}。{what_happened}。\
     目前已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人），{trapped}人被困车内；\
     初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。",
    "At {occurred_at}, a road traffic accident involving {vehicles} vehicles occurred at {place} (position: {gps}); \
     hazardous goods aboard: {hazardous_goods}. {what_happened}. \
     So far {dead} dead and {injured} injured, {serious_injured} of them seriously, and {trapped} trapped in vehicles; \
     estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}.",
    [OCCURRED_AT, PLACE, GPS, VEHICLES, HAZARDOUS_GOODS, WHAT_HAPPENED, DEAD, INJURED, SERIOUS_INJURED, TRAPPED, DIRECT_LOSS, CAUSE]
);

pub const HAZARDOUS_CHEMICALS_V2: Template = incident_v2!(
    "hazardous_chemicals",
    ACCIDENT,
    HAZARDOUS_CHEMICALS.title,
    "{occurred_at}，{place}（位置：{gps}）发生危险化学品{kind}事故，涉及物质：{substance}。{what_happened}。\
     目前已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人，含急性中毒），已疏散周边群众{evacuated}人；\
     初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。",
    "At {occurred_at}, a hazardous-chemicals {kind} occurred at {place} (position: {gps}); substance: {substance}. {what_happened}. \
     So far {dead} dead and {injured} injured, {serious_injured} of them seriously (acute poisoning included); \
     {evacuated} people nearby evacuated; estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}.",
    [OCCURRED_AT, PLACE, GPS, CHEMICAL_KIND, SUBSTANCE, WHAT_HAPPENED, DEAD, INJURED, SERIOUS_INJURED, EVACUATED, DIRECT_LOSS, CAUSE]
);

pub const WORK_SAFETY_ACCIDENT_V2: Template = incident_v2!(
    "work_safety",
    ACCIDENT,
    WORK_SAFETY_ACCIDENT.title,
    "{occurred_at}，{unit_name}在{place}（位置：{gps}）发生一起{kind}生产安全事故。{what_happened}。\
     目前已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人），{trapped}人被困；\
     初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。",
    "At {occurred_at}, a work-safety accident ({kind}) occurred at {unit_name}, {place} (position: {gps}). {what_happened}. \
     So far {dead} dead and {injured} injured, {serious_injured} of them seriously, and {trapped} trapped; \
     estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}.",
    [OCCURRED_AT, UNIT_NAME, PLACE, GPS, SECTOR, WHAT_HAPPENED, DEAD, INJURED, SERIOUS_INJURED, TRAPPED, DIRECT_LOSS, CAUSE]
);

pub const COLLAPSE_V2: Template = incident_v2!(
    "collapse",
    ACCIDENT,
    COLLAPSE.title,
    "{occurred_at}，{place}（位置：{gps}）发生{kind}坍塌。{what_happened}。\
     目前{trapped}人被困，已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人）、{missing}人失踪；\
     初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。",
    "At {occurred_at}, a collapse occurred at {place} (position: {gps}); what collapsed: {kind}. {what_happened}. \
     {trapped} people are trapped; so far {dead} dead, {injured} injured ({serious_injured} of them seriously) and {missing} missing; \
     estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}.",
    [OCCURRED_AT, PLACE, GPS, STRUCTURE, WHAT_HAPPENED, TRAPPED, DEAD, INJURED, SERIOUS_INJURED, MISSING, DIRECT_LOSS, CAUSE]
);

pub const PUBLIC_HEALTH_V2: Template = incident_v2!(
    "public_health",
    OTHER_EVENT_V2,
    PUBLIC_HEALTH.title,
    "{occurred_at}，{place}（位置：{gps}）发生一起突发公共卫生事件（{kind}）。{what_happened}。\
     目前共发病{sick}人，其中危重{critical}人，死亡{dead}人；初步估算直接经济损失{direct_loss}万元。初步原因：{cause}。",
    "At {occurred_at}, a public-health event ({kind}) occurred at {place} (position: {gps}). {what_happened}. \
     So far {sick} people have fallen ill, {critical} of them critically, and {dead} have died; \
     estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}.",
    [OCCURRED_AT, PLACE, GPS, HEALTH_KIND, WHAT_HAPPENED, SICK, CRITICAL, DEAD, DIRECT_LOSS, CAUSE]
);

pub const SOCIAL_SECURITY_V2: Template = incident_v2!(
    "social_security",
    OTHER_EVENT_V2,
    SOCIAL_SECURITY.title,
    "{occurred_at}，{place}（位置：{gps}）发生{kind}，涉及约{involved}人。{what_happened}。\
     目前已造成{dead}人死亡、{injured}人受伤（其中重伤{serious_injured}人）、{missing}人失踪，初步估算直接经济损失{direct_loss}万元。\
     初步原因：{cause}。",
    "At {occurred_at}, a social-security event ({kind}) occurred at {place} (position: {gps}), involving about {involved} people. {what_happened}. \
     So far {dead} dead, {injured} injured ({serious_injured} of them seriously) and {missing} missing; \
     estimated direct economic loss {direct_loss} × 10,000 yuan. Cause as far as known: {cause}.",
    [OCCURRED_AT, PLACE, GPS, SOCIAL_KIND, INVOLVED, WHAT_HAPPENED, DEAD, INJURED, SERIOUS_INJURED, MISSING, DIRECT_LOSS, CAUSE]
);
