//! Reading a deployment's rules file (JSON) and checking it, so that a bad
//! file stops the server at start with the line, the rule and the field
//! named, in Chinese and English, rather than counting deadlines wrong.

use std::collections::BTreeSet;

use serde_json::Value;

use super::rules::{parse_hm, Obligation, RuleSet};
use crate::rules::catalogue;

/// What is wrong with a rules file, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct RulesError {
    /// The line (1-based) of the fault, or of the rule it is in.
    pub line: Option<usize>,
    /// The rule's id (or its position, `#3`, if it has none).
    pub rule: Option<String>,
    /// The field, as written in the file (`minutes`, `applies.grades`).
    pub field: String,
    pub zh: String,
    pub en: String,
}

impl RulesError {
    fn new(field: &str, zh: impl Into<String>, en: impl Into<String>) -> RulesError {
        RulesError {
            line: None,
            rule: None,
            field: field.to_owned(),
            zh: zh.into(),
            en: en.into(),
        }
    }

    fn in_rule(mut self, rule: String) -> RulesError {
        self.rule = Some(rule);
        self
    }

    /// `期限规则文件第 12 行，规则“phone”，字段 minutes：… / rules file line 12, …`
    pub fn describe(&self) -> String {
        let line_zh = self.line.map(|l| format!("第 {l} 行，")).unwrap_or_default();
        let line_en = self.line.map(|l| format!(" line {l},")).unwrap_or_default();
        let rule_zh = self.rule.as_ref().map(|r| format!("规则“{r}”，")).unwrap_or_default();
        let rule_en = self
            .rule
            .as_ref()
            .map(|r| format!(" rule \"{r}\","))
            .unwrap_or_default();
        format!(
            "期限规则文件{line_zh}{rule_zh}字段 {field}：{zh}请改正后重新启动。 / \
             Deadline rules file{line_en}{rule_en} field {field}: {en}. Fix it and start again.",
            field = self.field,
            zh = self.zh,
            en = self.en,
        )
    }
}

const SET_KEYS: &[&str] = &["id", "name", "extends", "final_report_days", "rules"];
const RULE_KEYS: &[&str] = &[
    "id",
    "label",
    "obligation",
    "applies",
    "minutes",
    "daily_at",
    "window_days",
    "source",
];
const APPLIES_KEYS: &[&str] = &[
    "grades",
    "natural_disaster",
    "work_safety",
    "templates",
    "except_templates",
];
const LABEL_KEYS: &[&str] = &["zh-CN", "en"];
const SOURCE_KEYS: &[&str] = &["document", "jurisdiction"];

/// Reads and checks a rules file, and resolves `extends`: the set a server
/// applies and serves.
pub fn read(text: &str) -> Result<RuleSet, RulesError> {
    let value: Value = serde_json::from_str(text).map_err(|e| syntax(&e, text))?;
    unknown_keys(&value).map_err(|e| locate(e, text))?;
    let mut set: RuleSet = serde_json::from_str(text).map_err(|e| syntax(&e, text))?;
    if let Some(base) = set.extends.take() {
        if base != "national" {
            let e = RulesError::new(
                "extends",
                "只能是 \"national\"（包含国家规定）。",
                "can only be \"national\" (include the national rules)",
            );
            return Err(locate(e, text));
        }
        let own: BTreeSet<String> = set.rules.iter().map(|r| r.id.clone()).collect();
        let mut rules: Vec<_> = RuleSet::national()
            .rules
            .into_iter()
            .filter(|r| !own.contains(&r.id))
            .collect();
        rules.append(&mut set.rules);
        set.rules = rules;
    }
    check(&set).map_err(|e| locate(e, text))?;
    Ok(set)
}

/// A JSON or shape error, at the line serde_json names; the field is the
/// one serde names, else the key written on that line.
fn syntax(e: &serde_json::Error, text: &str) -> RulesError {
    // serde_json's message ends in " at line L column C"; the line is kept
    // apart.
    let message = e.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
    let field = message
        .split('`')
        .nth(1)
        .filter(|_| message.contains("field"))
        .map(str::to_owned)
        .or_else(|| key_on_line(text, e.line()))
        .unwrap_or_else(|| "-".to_owned());
    RulesError {
        line: (e.line() > 0).then_some(e.line()),
        rule: None,
        field,
        zh: format!("无法读取（JSON 格式或取值有误：{message}）。"),
        en: format!("cannot be read ({message})"),
    }
}

/// The last `"key":` written on line `line` (1-based) before its value.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let line = text.lines().nth(line.checked_sub(1)?)?;
    let (before, _) = line.rsplit_once("\":")?;
    let (_, key) = before.rsplit_once('"')?;
    Some(key.to_owned())
}

/// A key the format does not know: most likely a typo, which would
/// otherwise widen a rule silently (a misspelt `grades` applies to every
/// grade).
fn unknown_keys(value: &Value) -> Result<(), RulesError> {
    keys_of(value, SET_KEYS, "")?;
    if let Some(name) = value.get("name") {
        keys_of(name, LABEL_KEYS, "name.")?;
    }
    for (i, rule) in value
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let id = rule_name(rule, i);
        keys_of(rule, RULE_KEYS, "").map_err(|e| e.in_rule(id.clone()))?;
        for (key, allowed) in [
            ("label", LABEL_KEYS),
            ("applies", APPLIES_KEYS),
            ("source", SOURCE_KEYS),
        ] {
            if let Some(inner) = rule.get(key) {
                keys_of(inner, allowed, &format!("{key}.")).map_err(|e| e.in_rule(id.clone()))?;
            }
        }
    }
    Ok(())
}

fn rule_name(rule: &Value, index: usize) -> String {
    rule.get("id")
        .and_then(Value::as_str)
        .map_or_else(|| format!("#{}", index + 1), str::to_owned)
}

fn keys_of(value: &Value, allowed: &[&str], prefix: &str) -> Result<(), RulesError> {
    let Some(object) = value.as_object() else {
        return Ok(());
    };
    match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(RulesError::new(
            &format!("{prefix}{key}"),
            format!("未知字段（可用字段：{}）。", allowed.join("、")),
            format!("unknown field (known: {})", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// Every check of a read set: each names the rule and the field.
pub fn check(set: &RuleSet) -> Result<(), RulesError> {
    if set.id.trim().is_empty() {
        return Err(RulesError::new("id", "不能为空。", "must not be empty"));
    }
    if set.name.zh.trim().is_empty() || set.name.en.trim().is_empty() {
        return Err(RulesError::new(
            "name",
            "须有中文（zh-CN）和英文（en）名称。",
            "needs a Chinese (zh-CN) and an English (en) name",
        ));
    }
    if let Some(days) = set.final_report_days {
        in_range("final_report_days", days, 1, 365)?;
    }
    if set.rules.is_empty() {
        return Err(RulesError::new(
            "rules",
            "至少要有一条规则。",
            "needs at least one rule",
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, rule) in set.rules.iter().enumerate() {
        let name = if rule.id.is_empty() {
            format!("#{}", i + 1)
        } else {
            rule.id.clone()
        };
        check_rule(rule, &mut seen).map_err(|e| e.in_rule(name))?;
    }
    Ok(())
}

/// The longest rule id: the desk signs a written report for an upward
/// rule by its id (`desk::signing::MAX_STEP_CHARS`), so a longer one could
/// be loaded but never signed for.
pub const MAX_RULE_ID_CHARS: usize = 64;

fn check_rule(rule: &super::DeadlineRule, seen: &mut BTreeSet<String>) -> Result<(), RulesError> {
    if rule.id.len() > MAX_RULE_ID_CHARS {
        return Err(RulesError::new(
            "id",
            format!("不能超过 {MAX_RULE_ID_CHARS} 个字符。"),
            format!("must be at most {MAX_RULE_ID_CHARS} characters"),
        ));
    }
    let id_ok = !rule.id.is_empty()
        && rule
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !id_ok {
        return Err(RulesError::new(
            "id",
            "须由小写字母、数字和下划线组成。",
            "must be lowercase letters, digits and underscores",
        ));
    }
    if !seen.insert(rule.id.clone()) {
        return Err(RulesError::new(
            "id",
            "与前面的规则重复。",
            "is used by an earlier rule",
        ));
    }
    if rule.label.zh.trim().is_empty() || rule.label.en.trim().is_empty() {
        return Err(RulesError::new(
            "label",
            "须有中文（zh-CN）和英文（en）名称。",
            "needs a Chinese (zh-CN) and an English (en) text",
        ));
    }
    if rule.source.document.trim().is_empty() {
        return Err(RulesError::new(
            "source.document",
            "须写明规则出自哪份文件。",
            "must name the document the rule comes from",
        ));
    }
    let timings = [rule.minutes.is_some(), rule.is_daily(), rule.window_days.is_some()];
    if timings.iter().filter(|t| **t).count() != 1 {
        return Err(RulesError::new(
            "minutes",
            "minutes、daily_at、window_days 三者须且只能填一个。",
            "exactly one of minutes, daily_at and window_days is needed",
        ));
    }
    if let Some(minutes) = rule.minutes {
        in_range("minutes", minutes, 1, 7 * 24 * 60)?;
    }
    if let Some(days) = rule.window_days {
        in_range("window_days", days, 1, 365)?;
    }
    if let Some(bad) = rule.daily_at.iter().find(|t| parse_hm(t).is_none()) {
        return Err(RulesError::new(
            "daily_at",
            format!("“{bad}”不是时间，须写成“08:00”的形式。"),
            format!("\"{bad}\" is not a time of day; write it as \"08:00\""),
        ));
    }
    let (field, fits) = match rule.obligation {
        Obligation::FollowUp | Obligation::DailyReport => ("daily_at", rule.is_daily()),
        Obligation::Window => ("window_days", rule.window_days.is_some()),
        _ => ("minutes", rule.minutes.is_some()),
    };
    if !fits {
        return Err(RulesError::new(
            field,
            format!("“{}”类规则须填 {field}。", rule.obligation.code()),
            format!("a rule of obligation \"{}\" needs {field}", rule.obligation.code()),
        ));
    }
    for (field, ids) in [
        ("applies.templates", &rule.applies.templates),
        ("applies.except_templates", &rule.applies.except_templates),
    ] {
        if let Some(unknown) = ids.iter().find(|id| !catalogue::all().any(|t| t.id == id.as_str())) {
            return Err(RulesError::new(
                field,
                format!("没有名为“{unknown}”的模板。"),
                format!("there is no template \"{unknown}\""),
            ));
        }
    }
    Ok(())
}

fn in_range(field: &str, value: u32, min: u32, max: u32) -> Result<(), RulesError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(RulesError::new(
            field,
            format!("须在 {min} 到 {max} 之间（现为 {value}）。"),
            format!("must be between {min} and {max} (is {value})"),
        ))
    }
}

/// Gives an error found after reading the line of its rule: the line of
/// that rule's `"id"`, or of the offending key.
fn locate(mut e: RulesError, text: &str) -> RulesError {
    if e.line.is_some() {
        return e;
    }
    let key = e.field.rsplit('.').next().unwrap_or(&e.field).to_owned();
    let rule_line = e.rule.as_ref().and_then(|id| line_of(text, &format!("\"{id}\""), 0));
    e.line = match rule_line {
        // The key within the rule, if it is near; else the rule's line.
        Some(start) => line_of(text, &format!("\"{key}\""), start.saturating_sub(1)).or(Some(start)),
        None => line_of(text, &format!("\"{key}\""), 0),
    };
    e
}

/// The 1-based number of the first line at or after `from` (0-based)
/// holding `needle`.
fn line_of(text: &str, needle: &str, from: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from)
        .find(|(_, line)| line.contains(needle))
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::deadlines::rules::Jurisdiction;

    fn example(name: &str) -> String {
        let path = format!("{}/../../rules/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn rule_ids(set: &RuleSet) -> Vec<&str> {
        set.rules.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn the_national_file_is_the_default() {
        assert_eq!(read(&example("national.json")), Ok(RuleSet::national()));
    }

    #[test]
    fn the_county_example_adds_the_verbal_report_labelled_county() {
        let set = read(&example("county-example.json")).expect("reads");
        assert!(set.extends.is_none(), "resolved");
        let verbal = set.rule("verbal").expect("verbal");
        assert_eq!(verbal.minutes, Some(10));
        assert_eq!(verbal.source.jurisdiction, Jurisdiction::County);
        assert!(verbal.source.document.contains("临湘"));
        // Every national rule kept.
        for national in RuleSet::national().rules {
            assert_eq!(set.rule(&national.id), Some(&national));
        }
    }

    #[test]
    fn the_provincial_example_replaces_phone_and_written_and_adds_daily_follow_ups() {
        let set = read(&example("provincial-example.json")).expect("reads");
        let phone = set.rule("phone").expect("phone");
        assert_eq!(
            (phone.minutes, phone.source.jurisdiction),
            (Some(15), Jurisdiction::Provincial)
        );
        assert_eq!(set.rule("written").and_then(|r| r.minutes), Some(35));
        assert_eq!(set.rule("written_major").and_then(|r| r.minutes), Some(60));
        assert_eq!(set.rule("written_general").and_then(|r| r.minutes), Some(360));
        assert_eq!(
            set.rule("follow_up_daily").map(|r| r.daily_at.clone()),
            Some(vec!["08:00".to_owned(), "17:00".to_owned()])
        );
        assert_eq!(set.final_report_days(), 15);
        // Regulation 493 and the disaster rule stay national.
        assert_eq!(
            set.rule("county_authority").map(|r| r.source.jurisdiction),
            Some(Jurisdiction::National)
        );
        assert!(rule_ids(&set).contains(&"disaster_initial"));
    }

    #[test]
    fn the_city_example_has_its_own_times() {
        let set = read(&example("city-example.json")).expect("reads");
        let minutes = |id| set.rule(id).and_then(|r| r.minutes);
        assert_eq!(
            (
                minutes("phone"),
                minutes("written"),
                minutes("phone_major"),
                minutes("written_major")
            ),
            (Some(15), Some(30), Some(30), Some(60))
        );
        assert_eq!(
            set.rule("phone").map(|r| r.source.jurisdiction),
            Some(Jurisdiction::City)
        );
    }

    const GOOD: &str = r#"{
  "id": "test",
  "name": { "zh-CN": "测试", "en": "Test" },
  "rules": [
    {
      "id": "phone",
      "label": { "zh-CN": "电话报告", "en": "Phone" },
      "obligation": "phone",
      "minutes": 30,
      "source": { "document": "doc", "jurisdiction": "city" }
    }
  ]
}"#;

    fn bad(from: &str, to: &str) -> RulesError {
        assert!(GOOD.contains(from), "{from}");
        read(&GOOD.replacen(from, to, 1)).expect_err("refused")
    }

    #[test]
    fn a_good_file_reads() {
        let set = read(GOOD).expect("reads");
        assert_eq!(rule_ids(&set), ["phone"]);
    }

    #[test]
    fn a_bad_file_names_the_line_the_rule_and_the_field() {
        let e = bad("\"minutes\": 30", "\"minutes\": 0");
        assert_eq!(
            (e.line, e.rule.as_deref(), e.field.as_str()),
            (Some(9), Some("phone"), "minutes")
        );
        let text = e.to_string();
        assert!(
            text.starts_with("期限规则文件第 9 行，规则“phone”，字段 minutes：须在 1 到 10080 之间"),
            "{text}"
        );
        assert!(
            text.contains("line 9, rule \"phone\", field minutes: must be between 1 and 10080"),
            "{text}"
        );

        let e = bad("\"obligation\": \"phone\"", "\"obligation\": \"fax\"");
        assert_eq!((e.line, e.field.as_str()), (Some(8), "obligation"), "{e}");
        assert!(e.to_string().contains("fax"), "{e}");

        let e = bad("\"minutes\": 30", "\"minutes\": -30");
        assert_eq!((e.line, e.field.as_str()), (Some(9), "minutes"), "{e}");

        let e = bad("\"minutes\": 30", "\"minute\": 30");
        assert_eq!(
            (e.line, e.rule.as_deref(), e.field.as_str()),
            (Some(9), Some("phone"), "minute")
        );

        let e = bad("\"jurisdiction\": \"city\"", "\"jurisdiction\": \"town\"");
        assert_eq!(e.line, Some(10), "{e}");

        let e = bad("\"minutes\": 30", "\"minutes\": 30, \"window_days\": 3");
        assert_eq!((e.rule.as_deref(), e.field.as_str()), (Some("phone"), "minutes"));

        let e = bad("\"document\": \"doc\"", "\"document\": \" \"");
        assert_eq!((e.line, e.field.as_str()), (Some(10), "source.document"));

        let e = bad("\"en\": \"Phone\"", "\"en\": \"\"");
        assert_eq!((e.line, e.field.as_str()), (Some(7), "label"));

        let e = bad("\"id\": \"phone\"", "\"id\": \"Phone!\"");
        assert_eq!((e.line, e.field.as_str()), (Some(6), "id"));

        // As long as the desk can sign for, and no longer.
        let longest = "p".repeat(MAX_RULE_ID_CHARS);
        assert!(read(&GOOD.replacen("\"id\": \"phone\"", &format!("\"id\": \"{longest}\""), 1)).is_ok());
        let e = bad("\"id\": \"phone\"", &format!("\"id\": \"{longest}p\""));
        assert_eq!((e.line, e.field.as_str()), (Some(6), "id"), "{e}");
        assert!(e.zh.contains("64"), "{e}");

        let e = bad("\"minutes\": 30,", "\"minutes\": 30,,");
        assert_eq!(e.line, Some(9), "{e}");

        let e = bad(
            "\"obligation\": \"phone\",\n      \"minutes\": 30",
            "\"obligation\": \"follow_up\",\n      \"daily_at\": [\"8:00\"]",
        );
        assert_eq!((e.rule.as_deref(), e.field.as_str()), (Some("phone"), "daily_at"));
        assert!(e.zh.contains("8:00"));

        let e = bad("\"obligation\": \"phone\"", "\"obligation\": \"window\"");
        assert_eq!((e.rule.as_deref(), e.field.as_str()), (Some("phone"), "window_days"));

        let e = bad(
            "\"obligation\": \"phone\",",
            "\"obligation\": \"phone\", \"applies\": { \"templates\": [\"volcano\"] },",
        );
        assert_eq!((e.line, e.field.as_str()), (Some(8), "applies.templates"));

        let e = bad(
            "\"obligation\": \"phone\",",
            "\"obligation\": \"phone\", \"applies\": { \"grade\": [\"I\"] },",
        );
        assert_eq!((e.line, e.field.as_str()), (Some(8), "applies.grade"));

        let e = bad("\"id\": \"test\",", "\"id\": \"test\", \"extends\": \"mars\",");
        assert_eq!((e.line, e.field.as_str()), (Some(2), "extends"));

        let e = bad("\"id\": \"test\",", "\"id\": \"test\", \"final_report_days\": 0,");
        assert_eq!(e.field, "final_report_days");
    }

    #[test]
    fn two_rules_with_one_id_are_refused() {
        let rule_start = GOOD.find("    {").expect("a rule");
        let rule_end = GOOD.rfind("    }").expect("its end") + 5;
        let rule = &GOOD[rule_start..rule_end];
        let twice = GOOD.replacen(rule, &format!("{rule},\n{rule}"), 1);
        let e = read(&twice).expect_err("refused");
        assert_eq!((e.rule.as_deref(), e.field.as_str()), (Some("phone"), "id"));
    }
}
