//! Writes are authorized as carefully as reads: a record that joins a
//! thread, and a photo's bytes, are checked against who may write or read
//! there. Each refusal stores nothing and is in the audit log. The accounts:
//! the thread's reporter in grid d-t1-v1-g1, a second reporter of the same
//! grid, a reporter of the neighbouring township's grid (d-t2-v1-g1), an
//! officer of each township and the district's administrator.

use kuaibao_core::account::Role;
use kuaibao_core::photo::tus;
use kuaibao_core::wire::protocol::{ApiError, ApiErrorCode};
use kuaibao_core::ThreadKey;
use kuaibao_server::db::audit;
use reqwest::header::LOCATION;
use reqwest::Client;

use super::office::user_in;
use super::uploads::{hazard_with_photos, jpeg, metadata, sha256_hex};
use super::*;
use super::{new_photo_id, photo_ref};

/// Who writes, in the tests of this file.
struct Accounts {
    /// The same grid as the thread's reporter, not its author.
    neighbour: Client,
    /// A reporter of the other township.
    far: Client,
    /// Officer of the thread's township.
    officer: Client,
    /// Officer of the other township.
    far_officer: Client,
}

impl Accounts {
    async fn make(dirs: &Dirs, app: &TestApp) -> Self {
        Accounts {
            neighbour: user_in(dirs, app, "neighbour", Role::Reporter, GRID).await,
            far: user_in(dirs, app, "far", Role::Reporter, "d-t2-v1-g1").await,
            officer: user_in(dirs, app, "officer-t1", Role::Officer, "d-t1").await,
            far_officer: user_in(dirs, app, "officer-t2", Role::Officer, "d-t2").await,
        }
    }
}

impl TestApp {
    pub(super) async fn submit_by(&self, client: &Client, report: &Report) -> Response {
        client
            .post(self.url(SUBMIT_REPORT_PATH))
            .json(report)
            .send()
            .await
            .expect("POST")
    }
}

/// Whether a report row with this id is stored.
pub(super) async fn stored(dirs: &Dirs, id: ReportId) -> bool {
    let pool = dirs.pool().await;
    let found: Option<i64> = sqlx::query_scalar("SELECT seq FROM reports WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&pool)
        .await
        .expect("query");
    pool.close().await;
    found.is_some()
}

/// The audit rows about `subject` with `action`.
pub(super) async fn audited(dirs: &Dirs, action: &str, subject: &str) -> Vec<audit::Entry> {
    let pool = dirs.pool().await;
    let all = audit::all(&pool).await.expect("the audit log");
    pool.close().await;
    all.into_iter()
        .filter(|e| e.action == action && e.subject == subject)
        .collect()
}

/// `report` sent by `client` is refused with `expected`; the refusal.
async fn refused_with(
    app: &TestApp,
    client: &Client,
    report: &Report,
    expected: (StatusCode, ApiErrorCode),
    what: &str,
) -> ApiError {
    let (status, error) = api_error(app.submit_by(client, report).await).await;
    assert_eq!((status, error.error), expected, "{what}: {error:?}");
    error
}

/// `report` is refused as a conflict (409) and nothing of it is stored.
async fn assert_conflict(app: &TestApp, dirs: &Dirs, client: &Client, report: &Report, what: &str) {
    refused_with(
        app,
        client,
        report,
        (StatusCode::CONFLICT, ApiErrorCode::Conflict),
        what,
    )
    .await;
    assert!(!stored(dirs, report.id).await, "{what}: nothing stored");
}

/// `report` is refused with 403 naming the thread, nothing of it is stored
/// and the attempt is in the audit log.
async fn assert_refused(app: &TestApp, dirs: &Dirs, client: &Client, report: &Report, what: &str) {
    let error = refused_with(
        app,
        client,
        report,
        (StatusCode::FORBIDDEN, ApiErrorCode::Forbidden),
        what,
    )
    .await;
    assert_eq!(error.fields.len(), 1, "{what}: {:?}", error.fields);
    assert_eq!(
        (error.fields[0].field.as_str(), error.fields[0].code),
        ("thread", ErrorCode::NotPermitted),
        "{what}"
    );
    assert!(
        error.fields[0].zh.contains("值班员"),
        "{what}: says what to do: {}",
        error.fields[0].zh
    );
    assert!(
        error.message.starts_with(&error.fields[0].zh),
        "{what}: Chinese first: {}",
        error.message
    );
    assert!(!stored(dirs, report.id).await, "{what}: nothing stored");
    let rows = audited(dirs, "report.refuse", &report.id.to_string()).await;
    assert_eq!(rows.len(), 1, "{what}: the refusal is audited once");
    assert!(
        rows[0].detail.contains(&report.thread_id().to_string()),
        "{}",
        rows[0].detail
    );
}

/// Each record `make` gives for `stages` is refused to the same grid's
/// other reporter, the other township's reporter and its officer.
async fn refused_to_the_others(
    app: &TestApp,
    dirs: &Dirs,
    who: &Accounts,
    stages: &[Stage],
    make: impl Fn(Stage) -> Report,
) {
    for (client, name) in [
        (&who.neighbour, "a reporter of the same grid"),
        (&who.far, "a reporter of another township"),
        (&who.far_officer, "an officer of another township"),
    ] {
        for &stage in stages {
            assert_refused(app, dirs, client, &make(stage), &format!("{stage:?} by {name}")).await;
        }
    }
}

pub(super) async fn assert_accepted(app: &TestApp, client: &Client, report: &Report, what: &str) {
    let res = app.submit_by(client, report).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{what}: {}",
        res.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn only_the_reporter_and_officers_above_add_to_an_incident() {
    let (app, dirs) = spawn_app().await;
    let who = Accounts::make(&dirs, &app).await;
    let first = incident(Stage::Initial, None, 0);
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let thread = Some(first.id);

    // Everyone else: refused for each kind of later record.
    refused_to_the_others(&app, &dirs, &who, &[Stage::FollowUp { n: 1 }, Stage::Final], |stage| {
        incident(stage, thread, 5)
    })
    .await;
    // The thread as the office sees it: still only the 首报.
    assert_eq!(app.thread_as(&app.admin, first.id).await.records.len(), 1);
    // The far reporter cannot read it either.
    let res = app.get_as(&who.far, &thread_path(first.id)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The reporter herself, the township's officer and the district's
    // administrator may.
    let mut n = 0;
    for (client, name) in [
        (&app.client, "the reporter"),
        (&who.officer, "the township's officer"),
        (&app.admin, "the district's administrator"),
    ] {
        n += 1;
        let report = incident(Stage::FollowUp { n }, thread, 5 + i64::from(n));
        assert_accepted(&app, client, &report, &format!("a 续报 by {name}")).await;
    }
    assert_accepted(
        &app,
        &who.officer,
        &incident(Stage::Final, thread, 20),
        "a 终报 by the officer",
    )
    .await;
    let records = app.thread_as(&app.admin, first.id).await.records;
    // The township's desk reads the whole thread, the district's 续报 too:
    // a later record is routed to its thread's area, not the sender's.
    assert_eq!(app.thread_as(&who.officer, first.id).await.records, records);
    // Each record says the account it came under: a 续报 the office filed
    // is the office's, whatever its 报告人 blank says.
    let authors: Vec<(String, Role)> = records
        .iter()
        .map(|r| {
            let a = r.author.as_ref().expect("an author");
            (a.username.clone(), a.role)
        })
        .collect();
    assert_eq!(
        authors,
        [
            (REPORTER, Role::Reporter),
            (REPORTER, Role::Reporter),
            ("officer-t1", Role::Officer),
            (ADMIN, Role::Admin),
            ("officer-t1", Role::Officer),
        ]
        .map(|(u, r)| (u.to_owned(), r))
    );
    assert!(records
        .iter()
        .all(|r| r.report.answers.get("reporter") == first.answers.get("reporter")));
    app.stop().await;
}

#[tokio::test]
async fn a_hazard_is_closed_by_an_officer_of_its_area_alone() {
    let (app, dirs) = spawn_app().await;
    let who = Accounts::make(&dirs, &app).await;
    let found = hazard(Stage::Initial, None, 0);
    receipt(app.submit(&found).await, StatusCode::CREATED).await;
    let thread = Some(found.id);

    // Rectification: the reporter's, refused to the others.
    let steps = [Stage::Rectifying, Stage::Rectified, Stage::Closed];
    refused_to_the_others(&app, &dirs, &who, &steps, |stage| hazard(stage, thread, 5)).await;
    for (stage, minutes, what) in [
        (Stage::Rectifying, 5, "整改中 by the reporter"),
        (Stage::Rectified, 10, "已整改 by the reporter"),
    ] {
        assert_accepted(&app, &app.client, &hazard(stage, thread, minutes), what).await;
    }
    // The reporter may not verify her own rectification.
    let forged = hazard(Stage::Closed, thread, 15);
    assert_refused(&app, &dirs, &app.client, &forged, "验收销号 by the reporter").await;
    let records = app.thread_as(&app.admin, found.id).await.records;
    assert!(records.iter().all(|r| r.report.stage != Stage::Closed));

    assert_accepted(
        &app,
        &who.officer,
        &hazard(Stage::Closed, thread, 20),
        "验收销号 by the officer",
    )
    .await;
    // A hazard is closed once; the administrator closes another one.
    let other = hazard(Stage::Initial, None, 0);
    assert_accepted(&app, &app.client, &other, "a second hazard").await;
    let rectified = hazard(Stage::Rectified, Some(other.id), 10);
    assert_accepted(&app, &app.client, &rectified, "its 已整改").await;
    let closing = hazard(Stage::Closed, Some(other.id), 25);
    assert_accepted(&app, &app.admin, &closing, "验收销号 by the administrator").await;
    app.stop().await;
}

#[tokio::test]
async fn a_later_record_that_arrives_first_holds_the_thread_for_its_reporter() {
    let (app, dirs) = spawn_app().await;
    let who = Accounts::make(&dirs, &app).await;
    // The phone found signal for its 续报 before its 首报 went out.
    let first = incident(Stage::Initial, None, 0);
    let follow_up = incident(Stage::FollowUp { n: 1 }, Some(first.id), 10);
    assert_accepted(&app, &app.client, &follow_up, "the 续报 before its 首报").await;
    // Meanwhile nobody else may add to that thread.
    let forged = incident(Stage::Final, Some(first.id), 20);
    assert_refused(&app, &dirs, &who.far, &forged, "a 终报 by a stranger before the 首报").await;
    // A reporter may not close a hazard thread even before anything of it
    // is stored.
    let unknown = hazard(Stage::Closed, Some(new_id()), 20);
    assert_refused(&app, &dirs, &app.client, &unknown, "a closing of an unknown hazard").await;
    // Nor may anyone send the thread's 首报 in its reporter's stead: the
    // first record holds the thread, so a stranger's (who learnt the id)
    // would take it and refuse the reporter's own 终报; an office's would
    // too. Each is refused in the insert itself, nothing stored, audited.
    for (n, (client, name)) in [
        (&who.far, "a stranger"),
        (&who.neighbour, "a reporter of the same grid"),
        (&who.officer, "the officer of its township"),
    ]
    .into_iter()
    .enumerate()
    {
        let what = format!("the 首报 sent by {name}");
        let error = refused_with(
            &app,
            client,
            &first,
            (StatusCode::FORBIDDEN, ApiErrorCode::Forbidden),
            &what,
        )
        .await;
        assert_eq!(
            (error.fields[0].field.as_str(), error.fields[0].code),
            ("thread", ErrorCode::NotPermitted),
            "{what}"
        );
        assert!(!stored(&dirs, first.id).await, "{what}: nothing stored");
        let rows = audited(&dirs, "report.refuse", &first.id.to_string()).await;
        assert_eq!(rows.len(), n + 1, "{what}: audited");
    }
    // A key that did not make the id proves nothing: refused before the
    // thread is asked, nothing stored.
    let (status, error) = api_error(app.submit_by(&who.far, &keyed_as(first.clone(), new_key())).await).await;
    assert_eq!(
        (status, error.fields[0].field.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "thread_key")
    );
    assert!(!stored(&dirs, first.id).await);

    assert_accepted(&app, &app.client, &first, "the 首报, late").await;
    assert_accepted(
        &app,
        &app.client,
        &incident(Stage::Final, Some(first.id), 30),
        "the 终报",
    )
    .await;
    assert_eq!(app.thread_as(&app.admin, first.id).await.records.len(), 3);
    app.stop().await;
}

/// The thread key is the proof that came with a 首报, not its content: the
/// same record sent with and without it (a tab of the app's version before
/// keys, open beside an updated one, drops the field) is a replay with the
/// first receipt, either way round; other content under the id is still a
/// conflict.
#[tokio::test]
async fn a_first_record_with_or_without_its_key_is_the_same_record() {
    let (app, _dirs) = spawn_app().await;
    let first = keyed(incident(Stage::Initial, None, 0));
    let stored = receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let bare = Report {
        thread_key: None,
        ..first.clone()
    };
    assert_eq!(receipt(app.submit(&bare).await, StatusCode::OK).await, stored);
    let other = keyed(incident(Stage::Initial, None, 0));
    let stored_bare = receipt(
        app.submit(&Report {
            thread_key: None,
            ..other.clone()
        })
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(receipt(app.submit(&other).await, StatusCode::OK).await, stored_bare);
    // Other content under the id, with the key or without: a conflict.
    for key in [first.thread_key.clone(), None] {
        let mut changed = Report {
            thread_key: key,
            ..first.clone()
        };
        changed.answers.insert("place".into(), "另一处".into());
        refused_with(
            &app,
            &app.client,
            &changed,
            (StatusCode::CONFLICT, ApiErrorCode::Conflict),
            "another place",
        )
        .await;
    }
    assert_eq!(app.thread_as(&app.admin, first.id).await.records.len(), 1);
    app.stop().await;
}

/// A new thread key, as a phone makes one.
fn new_key() -> ThreadKey {
    ThreadKey::from_random(uuid::Uuid::new_v4().into_bytes())
}

/// `first` with `key` attached as is, its id unchanged.
fn keyed_as(mut first: Report, key: ThreadKey) -> Report {
    first.thread_key = Some(key);
    first
}

/// `first` as today's phone makes a first record: its id made from a new
/// thread key, written at the same instant.
pub(super) fn keyed(first: Report) -> Report {
    let key = new_key();
    let at = u64::try_from(first.written_at.timestamp_millis()).expect("after 1970");
    Report {
        id: key.first_id(at),
        ..keyed_as(first, key)
    }
}

/// An office act (acknowledging, asking for a follow-up, signing) is the
/// office's of the thread's area or above, not of any office that reads one
/// of its records: a 续报 planted in another's thread before its 首报
/// arrived puts that record in the planter's township, whose officer may
/// read it but answers nothing for the thread (403 naming the thread,
/// nothing stored, each refusal audited).
#[tokio::test]
async fn an_office_that_reads_only_a_planted_record_answers_nothing_for_the_thread() {
    use kuaibao_core::desk::office::{Acknowledge, AskFollowUp, ACKNOWLEDGE_PATH, ASK_PATH};
    use kuaibao_core::desk::signing::{Sign, SIGNATURES_PATH};
    let (app, dirs) = spawn_app().await;
    let who = Accounts::make(&dirs, &app).await;
    let first = keyed(incident(Stage::Initial, None, 0));
    // Nothing of the thread is stored yet: the other township's reporter
    // (who learned its id) may add a 续报, which holds it until the 首报.
    let planted = incident(Stage::FollowUp { n: 1 }, Some(first.id), 10);
    receipt(app.submit_by(&who.far, &planted).await, StatusCode::CREATED).await;
    // The 首报 shows the key its id was made from, and takes its thread
    // back.
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let at = |path: &str| path.replace("{id}", &first.id.to_string());
    let acts = [
        (
            at(ACKNOWLEDGE_PATH),
            serde_json::to_value(Acknowledge {
                id: uuid::Uuid::new_v4(),
                report_id: planted.id,
            }),
        ),
        (
            at(ASK_PATH),
            serde_json::to_value(AskFollowUp {
                id: uuid::Uuid::new_v4(),
                message: "请补充伤亡人数".to_owned(),
            }),
        ),
        (
            at(SIGNATURES_PATH),
            serde_json::to_value(Sign {
                id: uuid::Uuid::new_v4(),
                report_id: planted.id,
                recipient: "县应急管理局".to_owned(),
                reviewer: "王审核".to_owned(),
                step: None,
            }),
        ),
    ];
    for (path, body) in &acts {
        let body = body.as_ref().expect("json");
        let res = who
            .far_officer
            .post(app.url(path))
            .json(body)
            .send()
            .await
            .expect("POST");
        let (status, error) = api_error(res).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(error.fields[0].field, "thread", "{path}");
        assert!(error.message.starts_with("此事件不归您的辖区办理"), "{}", error.message);
    }
    let pool = dirs.pool().await;
    for table in ["acknowledgements", "follow_up_requests", "signatures"] {
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(count, 0, "nothing stored in {table}");
    }
    pool.close().await;
    assert_eq!(audited(&dirs, "thread.refuse", &first.id.to_string()).await.len(), 3);
    // The thread's own township answers for it.
    let (path, body) = &acts[0];
    let mut body = body.as_ref().expect("json").clone();
    body["report_id"] = serde_json::json!(first.id);
    let res = who.officer.post(app.url(path)).json(&body).send().await.expect("POST");
    assert_eq!(res.status(), StatusCode::CREATED);
    app.stop().await;
}

#[tokio::test]
async fn acknowledgements_and_requests_stay_inside_the_officers_area() {
    let (app, dirs) = spawn_app().await;
    let who = Accounts::make(&dirs, &app).await;
    let first = incident(Stage::Initial, None, 0);
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let ack = kuaibao_core::desk::office::Acknowledge {
        id: uuid::Uuid::new_v4(),
        report_id: first.id,
    };
    let ask = kuaibao_core::desk::office::AskFollowUp {
        id: uuid::Uuid::new_v4(),
        message: "请补充伤亡人数".to_owned(),
    };
    let ack_path = kuaibao_core::desk::office::ACKNOWLEDGE_PATH.replace("{id}", &first.id.to_string());
    let ask_path = kuaibao_core::desk::office::ASK_PATH.replace("{id}", &first.id.to_string());
    // Another township's officer: as if the thread did not exist.
    for (path, body) in [
        (&ack_path, serde_json::to_value(&ack).expect("json")),
        (&ask_path, serde_json::to_value(&ask).expect("json")),
    ] {
        let res = who
            .far_officer
            .post(app.url(path))
            .json(&body)
            .send()
            .await
            .expect("POST");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // A reporter, even the thread's own: not an office account.
    let res = app
        .client
        .post(app.url(&ack_path))
        .json(&ack)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let pool = dirs.pool().await;
    for table in ["acknowledgements", "follow_up_requests"] {
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(count, 0, "nothing stored in {table}");
    }
    pool.close().await;
    // Each refusal is in the audit log: two by the far officer, one by the
    // reporter.
    let refusals = audited(&dirs, "thread.refuse", &first.id.to_string()).await;
    assert_eq!(refusals.len(), 3, "{refusals:?}");
    // The township's officer may.
    let res = who
        .officer
        .post(app.url(&ack_path))
        .json(&ack)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = who
        .officer
        .post(app.url(&ask_path))
        .json(&ask)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::CREATED);
    app.stop().await;
}

// ---------------------------------------------------------------------------
// Photos belong to records, not to hashes.

/// Creates a tus upload of `photo` as `client`: its path and offset.
async fn tus_created_by(app: &TestApp, client: &Client, photo: &PhotoRef) -> (String, u64) {
    let res = client
        .post(app.url(tus::UPLOADS_PATH))
        .header("Tus-Resumable", tus::VERSION)
        .header("Upload-Length", photo.size.to_string())
        .header("Upload-Metadata", metadata(photo))
        .send()
        .await
        .expect("POST /api/uploads");
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()[LOCATION].to_str().expect("ascii").to_owned();
    let offset = res.headers()["upload-offset"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("a number");
    (location, offset)
}

async fn photo_bytes_as(app: &TestApp, client: &Client, sha256: &str) -> Response {
    app.get_as(client, &format!("/api/photos/{sha256}")).await
}

#[tokio::test]
async fn a_known_hash_announced_by_another_area_opens_nothing() {
    let (app, dirs) = spawn_app().await;
    let who = Accounts::make(&dirs, &app).await;
    let bytes = jpeg(40_000, 31);
    let sha256 = sha256_hex(&bytes);
    let theirs = hazard_with_photos(&[&bytes]);
    receipt(app.submit(&theirs).await, StatusCode::CREATED).await;
    let (location, _) = app.tus_created(&theirs.photos[0]).await;
    assert_eq!(
        app.tus_send(&location, 0, &bytes, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        photo_bytes_as(&app, &app.client, &sha256).await.status(),
        StatusCode::OK
    );

    // The far reporter read the hash somewhere and announces it as a photo
    // of her own report.
    let claim = hazard_with_photos(&[&bytes]);
    assert_accepted(&app, &who.far, &claim, "a report announcing a known hash").await;
    let res = photo_bytes_as(&app, &who.far, &sha256).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "the bytes stay theirs");
    assert_eq!(app.photo_status_as(&who.far, claim.id).await["arrived"], 0);
    // Her upload starts from nothing: the other photo's arrival is not hers.
    let (_, offset) = tus_created_by(&app, &who.far, &claim.photos[0]).await;
    assert_eq!(offset, 0);
    assert_eq!(app.photo_status_as(&who.far, claim.id).await["arrived"], 0);
    assert_eq!(
        photo_bytes_as(&app, &who.far, &sha256).await.status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn another_senders_photo_id_cannot_be_announced() {
    let (app, dirs) = spawn_app().await;
    let who = Accounts::make(&dirs, &app).await;
    let bytes = jpeg(30_000, 32);
    let theirs = hazard_with_photos(&[&bytes]);
    receipt(app.submit(&theirs).await, StatusCode::CREATED).await;
    let (location, _) = app.tus_created(&theirs.photos[0]).await;
    assert_eq!(
        app.tus_send(&location, 0, &bytes, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );

    // The very photo (id, hash and size) in a report of someone else's.
    for client in [&who.far, &who.neighbour] {
        let mut claim = hazard(Stage::Initial, None, 0);
        claim.photos = theirs.photos.clone();
        assert_conflict(&app, &dirs, client, &claim, "another sender's photo").await;
        let res = photo_bytes_as(&app, client, &theirs.photos[0].sha256).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    // The reporter's own later record may not name her photo as another
    // kind of evidence: the picture of the hazard as found relabelled as
    // the picture after rectifying.
    let after = photo_ref("after_photos", &jpeg(20_000, 33), new_photo_id());
    let mut relabelled = hazard(Stage::Rectified, Some(theirs.id), 5);
    let mut again = theirs.photos[0].clone();
    again.blank = "after_photos".to_owned();
    relabelled.photos = vec![again, after.clone()];
    assert_conflict(
        &app,
        &dirs,
        &app.client,
        &relabelled,
        "the found-photo as the after-photo",
    )
    .await;
    let mut follow_up = hazard(Stage::Rectified, Some(theirs.id), 5);
    follow_up.photos = vec![after];
    let res = app.submit(&follow_up).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap_or_default()
    );
    app.stop().await;
}

/// A record of a natural-disaster (flood, version 2) thread at `stage`, a
/// daily report at `Stage::Daily`, written `minutes` after the first.
fn disaster(stage: Stage, thread: Option<ReportId>, minutes: i64) -> Report {
    let template = match stage {
        Stage::Daily { .. } => catalogue::daily(),
        _ => catalogue::find("flood", 2).expect("flood v2"),
    };
    Report {
        template_id: template.id.into(),
        template_version: template.version,
        answers: fill(template, stage),
        ..incident(stage, thread, minutes)
    }
}

#[tokio::test]
async fn a_daily_report_is_added_like_a_follow_up_and_refused_to_others() {
    let (app, dirs) = spawn_app().await;
    let who = Accounts::make(&dirs, &app).await;
    let first = disaster(Stage::Initial, None, 0);
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let thread = Some(first.id);
    let today = written(0).date_naive();
    let daily = Stage::Daily { date: today };

    refused_to_the_others(&app, &dirs, &who, &[daily], |stage| disaster(stage, thread, 5)).await;
    assert_eq!(
        app.thread_as(&app.admin, first.id).await.records.len(),
        1,
        "nothing stored"
    );

    // A day still to come is refused, naming the stage.
    let tomorrow = Stage::Daily {
        date: today + TimeDelta::days(2),
    };
    assert_eq!(
        refused_fields(app.submit(&disaster(tomorrow, thread, 5)).await).await,
        vec![("stage".to_owned(), ErrorCode::InFuture)]
    );

    // The reporter's 「无变化」 daily report and the officer's are stored.
    let no_change = disaster(daily, thread, 5);
    assert_eq!(no_change.answers.get("change").map(String::as_str), Some("no_change"));
    assert_accepted(&app, &app.client, &no_change, "the reporter's daily report").await;
    let yesterday = Stage::Daily {
        date: today - TimeDelta::days(1),
    };
    assert_accepted(&app, &who.officer, &disaster(yesterday, thread, 6), "the officer's").await;
    let records = app.thread_as(&app.admin, first.id).await.records;
    let stages: Vec<Stage> = records.iter().map(|r| r.report.stage).collect();
    assert_eq!(stages, vec![Stage::Initial, yesterday, daily], "in stage order, by day");
    app.stop().await;
}

/// A thread holds at most `MAX_RECORDS_PER_THREAD` records: its own
/// reporter cannot grow what every reader of it loads without end. The
/// record past it is refused naming the thread, and nothing is stored; a
/// replay of a stored record still gets its receipt, and a new report
/// still starts a thread of its own.
#[tokio::test]
async fn a_thread_is_not_grown_past_its_bound_even_by_its_own_reporter() {
    use kuaibao_core::rules::writers::MAX_RECORDS_PER_THREAD;
    let (app, dirs) = spawn_app().await;
    let first = incident(Stage::Initial, None, 0);
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let mut last = None;
    for n in 1..u32::try_from(MAX_RECORDS_PER_THREAD).expect("bound") {
        let report = incident(Stage::FollowUp { n }, Some(first.id), 1);
        receipt(app.submit(&report).await, StatusCode::CREATED).await;
        last = Some(report);
    }
    assert_eq!(
        app.thread_as(&app.admin, first.id).await.records.len(),
        MAX_RECORDS_PER_THREAD
    );

    let past = incident(Stage::Final, Some(first.id), 2);
    let (status, error) = api_error(app.submit(&past).await).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::UNPROCESSABLE_ENTITY, ApiErrorCode::InvalidReport)
    );
    let fields: Vec<_> = error.fields.iter().map(|f| (f.field.as_str(), f.code)).collect();
    assert_eq!(fields, [("thread", ErrorCode::TooLong)]);
    assert!(error.fields[0].zh.contains("请新建一份报告"), "{:?}", error.fields[0]);
    assert!(!stored(&dirs, past.id).await);
    // The officer of the area is held to it too.
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let by_officer = incident(Stage::Final, Some(first.id), 2);
    assert_eq!(
        app.submit_by(&officer, &by_officer).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(!stored(&dirs, by_officer.id).await);

    let last = last.expect("a 续报");
    receipt(app.submit(&last).await, StatusCode::OK).await;
    receipt(
        app.submit(&incident(Stage::Initial, None, 3)).await,
        StatusCode::CREATED,
    )
    .await;
    app.stop().await;
}

/// What one report may carry is bounded before it is judged: more answers
/// than a report can have are refused while the body is read (400 naming
/// `answers`), and an answer padded past its blank's length is refused
/// naming the blank (422), so what a thread's readers load stays bounded by
/// the catalogue. Nothing is stored in either case.
#[tokio::test]
async fn a_report_padded_past_what_its_template_allows_is_refused_and_not_stored() {
    let (app, dirs) = spawn_app().await;
    let report = incident(Stage::Initial, None, 0);
    let mut body = serde_json::to_value(&report).expect("json");
    // Keys in falling order, each of which would go to the front of the
    // answers; as many as fit in a body.
    let many: serde_json::Map<String, serde_json::Value> =
        (0..20_000).rev().map(|i| (format!("k{i:05}"), "".into())).collect();
    body["answers"] = serde_json::Value::Object(many);
    let (status, error) = api_error(app.submit(&body).await).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest)
    );
    assert!(error.message.contains("answers: more than 256"), "{}", error.message);
    assert!(!stored(&dirs, report.id).await);

    let mut padded = incident(Stage::Initial, None, 0);
    padded
        .answers
        .insert("place".into(), format!("青石村{}", " ".repeat(20_000)));
    let (status, error) = api_error(app.submit(&padded).await).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::UNPROCESSABLE_ENTITY, ApiErrorCode::InvalidReport)
    );
    let fields: Vec<_> = error.fields.iter().map(|f| (f.field.as_str(), f.code)).collect();
    assert_eq!(fields, [("place", ErrorCode::TooLong)]);
    assert!(!stored(&dirs, padded.id).await);
    app.stop().await;
}

/// A 续报 carries its 首报's photos on as they were announced; the same id
/// with another type (a clip announced again as a picture, to pass the
/// picture rules) is refused, and nothing is stored.
#[tokio::test]
async fn a_photo_announced_again_as_another_type_is_refused() {
    let (app, dirs) = spawn_app().await;
    let mut first = disaster(Stage::Initial, None, 0);
    let mut clip = photo_ref("photos", &jpeg(40_000, 34), new_photo_id());
    clip.mime = "video/mp4".to_owned();
    first.photos = vec![clip.clone()];
    receipt(app.submit(&first).await, StatusCode::CREATED).await;

    let mut as_picture = disaster(Stage::FollowUp { n: 1 }, Some(first.id), 10);
    let mut picture = clip.clone();
    picture.mime = "image/jpeg".to_owned();
    as_picture.photos = vec![picture];
    assert_conflict(&app, &dirs, &app.client, &as_picture, "a clip as a picture").await;

    let mut carried = disaster(Stage::FollowUp { n: 1 }, Some(first.id), 10);
    carried.photos = vec![clip];
    receipt(app.submit(&carried).await, StatusCode::CREATED).await;
    app.stop().await;
}

/// Refusals cost whoever tries nothing, so the audit log takes at most
/// `AUDITED_PER_HOUR` of one account's an hour: a reporter posting
/// acknowledgements to made-up threads is refused every time, the first
/// ones audited, the rest only logged; another account's refusal is still
/// audited.
#[tokio::test]
async fn one_account_cannot_flood_the_audit_log_with_refusals() {
    use kuaibao_server::http::refusals::AUDITED_PER_HOUR;
    let (app, dirs) = spawn_app().await;
    let who = Accounts::make(&dirs, &app).await;
    let tries = AUDITED_PER_HOUR + 5;
    let ack = |thread: ReportId| {
        let path = kuaibao_core::desk::office::ACKNOWLEDGE_PATH.replace("{id}", &thread.to_string());
        let body = kuaibao_core::desk::office::Acknowledge {
            id: uuid::Uuid::new_v4(),
            report_id: thread,
        };
        (path, body)
    };
    for _ in 0..tries {
        let (path, body) = ack(new_id());
        let res = app.client.post(app.url(&path)).json(&body).send().await.expect("POST");
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    let (path, body) = ack(new_id());
    let res = who
        .neighbour
        .post(app.url(&path))
        .json(&body)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let pool = dirs.pool().await;
    let log = audit::all(&pool).await.expect("the audit log");
    let (acks,): (i64,) = sqlx::query_as("SELECT count(*) FROM acknowledgements")
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    let refusals: Vec<_> = log
        .iter()
        .filter(|e| e.action == "thread.refuse" && e.detail.contains("thread.acknowledge"))
        .collect();
    // The reporter's first AUDITED_PER_HOUR, and the neighbour's one.
    assert_eq!(refusals.len(), AUDITED_PER_HOUR as usize + 1);
    let mut actors: Vec<_> = refusals.iter().map(|e| e.actor_id.clone()).collect();
    actors.dedup();
    assert_eq!(actors.len(), 2, "{actors:?}");
    assert_eq!(acks, 0, "nothing stored");
    app.stop().await;
}
