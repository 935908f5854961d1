//! Evidence and the hazard loop, as the server holds new records to them
//! (`kuaibao_core::rules::evidence`, `kuaibao_core::rules::hazard_loop`): each refusal is
//! a 422 naming the photo blank or the stage, and stores nothing; a replay
//! of a stored record keeps its receipt.

use kuaibao_core::account::Role;
use kuaibao_core::rules::catalogue::HAZARD_CLOSED_V1;
use kuaibao_core::{Grade, GradeDecision};

use super::office::user_in;
use super::writes::{assert_accepted, stored};
use super::*;

/// A 首报 of an earthquake (a template with a photo blank) graded
/// `chosen` by its reporter (the example's figures suggest 一般), with
/// `photos` announced for its photo blank.
pub(crate) fn graded(chosen: Grade, photos: usize) -> Report {
    let template = catalogue::find("earthquake", 1).expect("the earthquake template");
    let mut report = incident(Stage::Initial, None, 0);
    report.template_id = template.id.into();
    report.answers = kuaibao_core::rules::examples::filled(template);
    report.grade = Some(GradeDecision {
        suggested: Grade::IV,
        chosen,
        reason: if chosen == Grade::IV {
            String::new()
        } else {
            "现场有多人被困".into()
        },
    });
    report.photos = (0..photos)
        .map(|_| {
            let id = new_photo_id();
            photo_ref("photos", &id.to_string().into_bytes(), id)
        })
        .collect();
    report
}

/// `report` is refused with 422 naming `field` (and only it), with a
/// Chinese message first that says what to do; nothing of it is stored.
async fn assert_unadmitted(app: &TestApp, dirs: &Dirs, client: &reqwest::Client, report: &Report, field: &str) {
    let res = app.submit_by(client, report).await;
    let (status, error) = api_error(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", error.message);
    let fields: Vec<&str> = error.fields.iter().map(|f| f.field.as_str()).collect();
    assert!(!fields.is_empty() && fields.iter().all(|&f| f == field), "{fields:?}");
    assert!(
        error.fields[0].zh.contains('请'),
        "says what to do: {}",
        error.fields[0].zh
    );
    assert!(!stored(dirs, report.id).await, "nothing stored");
}

#[tokio::test]
async fn a_major_incident_needs_a_photo_or_video() {
    let (app, dirs) = spawn_app().await;
    // 一般 without a picture: as ever.
    assert_accepted(&app, &app.client, &graded(Grade::IV, 0), "一般 with 0 photos").await;
    // 较大 and graver: none is refused at the photo blank, one is enough.
    for grade in [Grade::III, Grade::II, Grade::I] {
        let none = graded(grade, 0);
        assert_unadmitted(&app, &dirs, &app.client, &none, "photos").await;
        let res = app.submit(&none).await;
        let fields = refused_fields(res).await;
        assert_eq!(fields, vec![("photos".to_owned(), ErrorCode::PhotosMissing)]);
        assert_accepted(&app, &app.client, &graded(grade, 1), &format!("{grade:?} with 1 photo")).await;
    }
    // A video clip counts as the picture.
    let mut video = graded(Grade::III, 1);
    video.photos[0].mime = "video/webm".into();
    assert_accepted(&app, &app.client, &video, "较大 with a video").await;
    // A grade suggested by the figures counts as much as a chosen one.
    let mut by_figures = graded(Grade::IV, 0);
    by_figures.grade = None;
    by_figures.answers.insert("dead".into(), "3".into());
    assert_unadmitted(&app, &dirs, &app.client, &by_figures, "photos").await;
    // The general incident's first version has no photo blank: judged as
    // it was filled.
    let mut old = incident(Stage::Initial, None, 0);
    old.answers.insert("dead".into(), "3".into());
    assert_accepted(&app, &app.client, &old, "较大 by general_incident v1").await;
    app.stop().await;
}

/// The evidence is the event's: a 续报 of a 较大 earthquake whose 首报
/// carried a photo is taken without one of its own; in a thread that never
/// had a picture, a 续报 graded 较大 is refused at the photo blank as a
/// first record would be.
#[tokio::test]
async fn a_follow_up_counts_the_pictures_its_thread_already_carries() {
    let (app, dirs) = spawn_app().await;
    let later = |first: &Report, n| Report {
        id: new_id(),
        thread: Some(first.id),
        thread_key: None,
        stage: Stage::FollowUp { n },
        photos: Vec::new(),
        ..first.clone()
    };
    let pictured = graded(Grade::III, 1);
    assert_accepted(&app, &app.client, &pictured, "the 首报 with its photo").await;
    assert_accepted(&app, &app.client, &later(&pictured, 1), "its 续报 without one").await;

    let bare = graded(Grade::IV, 0);
    assert_accepted(&app, &app.client, &bare, "a 一般 首报 without a photo").await;
    let mut graver = later(&bare, 1);
    graver.grade = graded(Grade::III, 0).grade;
    assert_unadmitted(&app, &dirs, &app.client, &graver, "photos").await;
    app.stop().await;
}

/// A 首报 of a flood filled with version 2 (which asks whether an
/// emergency response is launched), answering `response`, with `photos`
/// photos announced.
fn responded(response: &str, photos: usize) -> Report {
    let template = catalogue::find("flood", 2).expect("flood version 2");
    let mut report = graded(Grade::IV, photos);
    report.template_id = template.id.into();
    report.template_version = template.version;
    report.answers = kuaibao_core::rules::examples::filled(template);
    report.answers.insert("emergency_response".into(), response.into());
    report
}

#[tokio::test]
async fn a_launched_emergency_response_needs_three_photos() {
    let (app, dirs) = spawn_app().await;
    assert_accepted(&app, &app.client, &responded("no", 0), "no response, no photo").await;
    for n in [0, 2] {
        assert_unadmitted(&app, &dirs, &app.client, &responded("yes", n), "photos").await;
    }
    // Two photos and a video: still two photos.
    let mut with_video = responded("yes", 3);
    with_video.photos[2].mime = "video/webm".into();
    assert_unadmitted(&app, &dirs, &app.client, &with_video, "photos").await;
    assert_accepted(&app, &app.client, &responded("yes", 3), "a response with 3 photos").await;
    app.stop().await;
}

#[tokio::test]
async fn a_closing_needs_its_after_photo_an_officer_and_a_rectification() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let found = hazard(Stage::Initial, None, 0);
    assert_accepted(&app, &app.client, &found, "the finding").await;
    let thread = Some(found.id);
    assert_accepted(&app, &app.client, &hazard(Stage::Rectifying, thread, 5), "整改中").await;

    // Out of order: no 已整改 yet, though it carries its photo.
    let early = hazard(Stage::Closed, thread, 8);
    assert_eq!(early.photos.len(), 1);
    assert_unadmitted(&app, &dirs, &officer, &early, "stage").await;

    let rectified = hazard(Stage::Rectified, thread, 10);
    assert_accepted(&app, &app.client, &rectified, "已整改").await;

    // Without the after-photo, by the officer.
    let mut bare = hazard(Stage::Closed, thread, 15);
    bare.photos.clear();
    assert_unadmitted(&app, &dirs, &officer, &bare, "after_photos").await;
    // By the first version of the closing, which has no photo blank.
    let mut old = hazard(Stage::Closed, thread, 16);
    old.template_version = HAZARD_CLOSED_V1.version;
    old.answers = fill(&HAZARD_CLOSED_V1, Stage::Closed);
    old.photos.clear();
    assert_unadmitted(&app, &dirs, &officer, &old, "after_photos").await;
    // By the reporter, with the photo: refused as not hers to close.
    let by_reporter = hazard(Stage::Closed, thread, 17);
    let (status, error) = api_error(app.submit(&by_reporter).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{}", error.message);
    assert_eq!(error.fields[0].field, "thread");
    assert!(!stored(&dirs, by_reporter.id).await);
    let got = app.thread_as(&officer, found.id).await;
    assert!(got.records.iter().all(|r| r.report.stage != Stage::Closed));

    // The officer, with the photo.
    let closing = hazard(Stage::Closed, thread, 20);
    assert_accepted(&app, &officer, &closing, "验收销号 with its photo").await;
    // Nothing follows the closing, not even a second one.
    assert_unadmitted(&app, &dirs, &officer, &hazard(Stage::Closed, thread, 25), "stage").await;
    assert_unadmitted(&app, &dirs, &app.client, &hazard(Stage::Rectified, thread, 25), "stage").await;
    // Replays of stored records keep their receipts, the closed thread
    // notwithstanding.
    assert_eq!(app.submit(&rectified).await.status(), StatusCode::OK);
    assert_eq!(app.submit_by(&officer, &closing).await.status(), StatusCode::OK);
    assert_eq!(app.thread_as(&officer, found.id).await.records.len(), 4);
    app.stop().await;
}

#[tokio::test]
async fn an_incident_takes_no_rectification() {
    let (app, dirs) = spawn_app().await;
    let first = incident(Stage::Initial, None, 0);
    assert_accepted(&app, &app.client, &first, "the 首报").await;
    let step = hazard(Stage::Rectifying, Some(first.id), 5);
    assert_unadmitted(&app, &dirs, &app.client, &step, "stage").await;
    app.stop().await;
}

#[tokio::test]
async fn a_step_before_its_finding_is_asked_again_and_taken_after_it() {
    let (app, dirs) = spawn_app().await;
    let found = hazard(Stage::Initial, None, 0);
    for stage in [Stage::Rectifying, Stage::Rectified] {
        let ahead = hazard(stage, Some(found.id), 5);
        let res = app.submit(&ahead).await;
        assert_eq!(res.status(), StatusCode::TOO_EARLY, "{stage:?} before its finding");
        assert!(res.headers().contains_key("retry-after"), "says when to try again");
        let error: kuaibao_core::wire::protocol::ApiError = res.json().await.expect("an error body");
        assert!(
            error.message.contains("自动发送"),
            "says it goes by itself: {}",
            error.message
        );
        assert!(!stored(&dirs, ahead.id).await, "nothing stored");
    }
    // Once the finding is stored, the same step is taken.
    assert_accepted(&app, &app.client, &found, "the finding").await;
    let step = hazard(Stage::Rectifying, Some(found.id), 5);
    assert_accepted(&app, &app.client, &step, "整改中 after its finding").await;
    app.stop().await;
}

/// A hazard found today, due in `days`, flagged major (with `supervisor`,
/// if given).
fn major_due_in(days: i64, supervisor: Option<&str>) -> Report {
    let mut report = super::office::hazard_due_in(days);
    report.answers.insert("major".into(), "yes".into());
    if let Some(s) = supervisor {
        report.answers.insert("supervisor".into(), s.into());
    }
    report
}

#[tokio::test]
async fn a_major_hazard_names_its_supervisor_and_is_flagged_on_the_desk() {
    use kuaibao_core::desk::office::{Ledger, HAZARDS_PATH};
    let (app, dirs) = spawn_app().await;
    // Flagged major with no supervising office: refused at that blank.
    let unsupervised = major_due_in(3, None);
    assert_unadmitted(&app, &dirs, &app.client, &unsupervised, "supervisor").await;

    let ordinary = super::office::hazard_due_in(3);
    let far = major_due_in(8, Some("县应急管理局"));
    let near = major_due_in(7, Some("县应急管理局"));
    for r in [&ordinary, &far, &near] {
        assert_accepted(&app, &app.client, r, "a hazard").await;
    }
    let res = app.get_as(&app.admin, HAZARDS_PATH).await;
    assert_eq!(res.status(), StatusCode::OK);
    let ledger: Ledger = res.json().await.expect("a ledger");
    let hazards = &ledger.areas[0].hazards;
    let line = |id: ReportId| hazards.iter().find(|h| h.thread_id == id).expect("listed");
    assert_eq!(line(ordinary.id).major, None);
    let major = line(far.id).major.clone().expect("flagged");
    assert_eq!(major.supervisor.as_deref(), Some("县应急管理局"));
    assert_eq!(major.due_soon_days, None, "8 days ahead: not yet");
    assert_eq!(line(near.id).major.as_ref().and_then(|m| m.due_soon_days), Some(7));
    // Major ones first: the one due soon, then the other, then the ordinary.
    let order: Vec<ReportId> = hazards.iter().map(|h| h.thread_id).collect();
    assert_eq!(order, [near.id, far.id, ordinary.id]);
    // The accountability ledger warns of the one due within the week only.
    let res = app
        .get_as(&app.admin, kuaibao_core::desk::accountability::ACCOUNTABILITY_PATH)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let ledger: kuaibao_core::desk::accountability::Accountability = res.json().await.expect("a ledger");
    let warned: Vec<_> = ledger.entries.iter().map(|e| (e.kind, e.thread_id)).collect();
    assert_eq!(
        warned,
        [(
            kuaibao_core::desk::accountability::EntryKind::MajorHazardDueSoon,
            near.id
        )]
    );
    assert!(
        ledger.entries[0].what_zh.contains("县应急管理局挂牌督办"),
        "{}",
        ledger.entries[0].what_zh
    );
    assert!(ledger.entries[0].late_seconds < 0, "a warning: time left");
    app.stop().await;
}

/// A work-safety accident (Decree 493) graded below its figures is a new
/// record's refusal, as its evidence is: 422 naming `grade`, nothing
/// stored; graver is taken. (A record stored before the rule replays:
/// the rule is the admission's, skipped for a stored id, and `validate`
/// itself passes it.)
#[tokio::test]
async fn a_work_safety_accident_graded_below_its_figures_is_refused() {
    let (app, dirs) = spawn_app().await;
    let mut report = fire_graded(Grade::IV);
    assert!(
        kuaibao_core::validate(&report).is_ok(),
        "valid as a record: the rule is the admission's"
    );
    let (status, error) = api_error(app.submit(&report).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(),
        ["grade"]
    );
    assert!(!stored(&dirs, report.id).await, "nothing stored");
    report.grade = fire_graded(Grade::II).grade;
    assert_accepted(&app, &app.client, &report, "a graver grade").await;
    app.stop().await;
}

/// A fire's 首报 (Decree 493: 3 dead make it 较大) with its photo
/// announced, graded `chosen` with a reason.
pub(crate) fn fire_graded(chosen: Grade) -> Report {
    let template = catalogue::find("fire", 2).expect("the fire template, with its photo blank");
    let mut report = incident(Stage::Initial, None, 0);
    report.template_id = template.id.into();
    report.template_version = template.version;
    report.answers = kuaibao_core::rules::examples::filled(template);
    report.answers.insert("dead".into(), "3".into());
    let id = new_photo_id();
    let photo_blank = template
        .blanks
        .iter()
        .find(|b| matches!(b.kind, kuaibao_core::BlankKind::Photos { .. }))
        .expect("a photo blank");
    report.photos = vec![photo_ref(photo_blank.id, &id.to_string().into_bytes(), id)];
    let suggested =
        kuaibao_core::rules::grading::suggest(&kuaibao_core::rules::grading::WORK_SAFETY, &report.answers).grade;
    assert_eq!(suggested, Grade::III);
    report.grade = Some(GradeDecision {
        suggested,
        chosen,
        reason: "按现场情况".into(),
    });
    report
}
