//! Version-2 blanks checked against each other, as the phone checks them.

use super::*;

/// A version-2 fire report with `changes` typed over the core's example,
/// its event an hour ago.
fn fire_v2(changes: &[(&str, &str)]) -> Report {
    let template = catalogue::find("fire", 2).expect("fire v2");
    let mut report = new_report();
    report.template_id = template.id.into();
    report.template_version = template.version;
    let mut answers = kuaibao_core::rules::examples::filled(template);
    let occurred = filled().get("occurred_at").cloned().expect("an event time");
    answers.insert("occurred_at".into(), occurred.clone());
    answers.insert("known_at".into(), occurred);
    for (k, v) in changes {
        answers.insert((*k).to_owned(), (*v).to_owned());
    }
    report.answers = answers;
    report
}

#[tokio::test]
async fn more_seriously_injured_than_injured_is_422_naming_both_and_not_stored() {
    let (app, _dirs) = spawn_app().await;
    let report = fire_v2(&[("injured", "3"), ("serious_injured", "5")]);
    let (status, error) = api_error(app.submit(&report).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = error.fields.iter().map(|f| (f.field.as_str(), f.code)).collect();
    assert_eq!(
        fields,
        vec![
            ("serious_injured", ErrorCode::Inconsistent),
            ("injured", ErrorCode::Inconsistent)
        ]
    );
    for f in &error.fields {
        assert!(
            f.zh.contains("其中重伤人数") && f.zh.contains("受伤人数") && f.zh.contains("请核对"),
            "{}",
            f.zh
        );
        assert!(
            f.en.contains("seriously injured") && f.en.contains("Injured"),
            "{}",
            f.en
        );
    }
    assert!(app.list().await.is_empty(), "nothing is stored");

    // Corrected, the same record is accepted.
    let fixed = Report {
        answers: fire_v2(&[("injured", "5"), ("serious_injured", "5")]).answers,
        ..report
    };
    receipt(app.submit(&fixed).await, StatusCode::CREATED).await;
    app.stop().await;
}

#[tokio::test]
async fn known_before_it_happened_is_422_naming_both_times() {
    let (app, _dirs) = spawn_app().await;
    let mut report = fire_v2(&[]);
    let occurred = report.answers.get("occurred_at").cloned().expect("event time");
    let before = kuaibao_core::wire::timestamp::parse_datetime(&occurred).expect("parses") - TimeDelta::minutes(1);
    report
        .answers
        .insert("known_at".into(), before.format("%Y-%m-%dT%H:%M").to_string());
    assert_eq!(
        refused_fields(app.submit(&report).await).await,
        vec![
            ("known_at".to_owned(), ErrorCode::Inconsistent),
            ("occurred_at".to_owned(), ErrorCode::Inconsistent)
        ]
    );
    assert!(app.list().await.is_empty());
    app.stop().await;
}
