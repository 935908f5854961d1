//! The duty office: the inbox (its order and every filter), the hazard
//! ledger, the live stream of changes, acknowledgements and requests for a
//! follow-up, and the reporter's view of those requests. Neighbouring areas
//! again: an officer of township d-t2 must see nothing of d-t1's.

use std::time::{Duration, Instant};

use chrono::SecondsFormat;
use kuaibao_core::account::Role;
use kuaibao_core::desk::office::{
    Acknowledge, Acknowledgement, AskFollowUp, Change, ChangeKind, DeadlineState, FollowUpRequest, Inbox, Ledger,
    ThreadSummary, ACKNOWLEDGE_PATH, ASK_PATH, EVENTS_PATH, HAZARDS_PATH, INBOX_PATH, MY_REQUESTS_PATH,
};
use kuaibao_core::wire::protocol::ApiErrorCode;
use kuaibao_server::db::audit;
use reqwest::Client;
use uuid::Uuid;

use super::uploads::{hazard_with_photos, jpeg};
use super::*;

/// Makes `username` with `role` in `area` and logs in.
pub(crate) async fn user_in(dirs: &Dirs, app: &TestApp, username: &str, role: Role, area: &str) -> Client {
    let pool = dirs.pool().await;
    add_user(&pool, username, role, area).await;
    pool.close().await;
    login(&app.base, username).await
}

fn ack_path(thread: ReportId) -> String {
    ACKNOWLEDGE_PATH.replace("{id}", &thread.to_string())
}

fn ask_path(thread: ReportId) -> String {
    ASK_PATH.replace("{id}", &thread.to_string())
}

impl TestApp {
    /// The inbox as `client` sees it with the query `query`.
    pub(crate) async fn inbox(&self, client: &Client, query: &[(&str, &str)]) -> Inbox {
        let res = client
            .get(self.url(INBOX_PATH))
            .query(query)
            .send()
            .await
            .expect("GET inbox");
        assert_eq!(res.status(), StatusCode::OK, "{query:?}");
        res.json().await.expect("an inbox")
    }

    /// The threads' ids of the inbox with `query`, in its order.
    async fn inbox_ids(&self, client: &Client, query: &[(&str, &str)]) -> Vec<ReportId> {
        self.inbox(client, query)
            .await
            .threads
            .iter()
            .map(|t| t.thread_id)
            .collect()
    }

    pub(crate) async fn submit_as(&self, client: &Client, report: &Report) {
        let res = client
            .post(self.url(SUBMIT_REPORT_PATH))
            .json(report)
            .send()
            .await
            .expect("POST");
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }

    async fn post_json(&self, client: &Client, path: &str, body: &impl serde::Serialize) -> Response {
        client.post(self.url(path)).json(body).send().await.expect("POST")
    }
}

/// A general incident's 首报 with `dead` dead (3–9: 较大, III).
fn incident_with_dead(dead: u32) -> Report {
    let mut report = incident(Stage::Initial, None, 0);
    report.answers.insert("dead".to_owned(), dead.to_string());
    report
}

/// A hazard found, to be rectified by `days` from today (negative: past).
pub(super) fn hazard_due_in(days: i64) -> Report {
    let mut report = hazard(Stage::Initial, None, 0);
    let by = (Utc::now().with_timezone(&beijing()) + TimeDelta::days(days)).date_naive();
    report.answers.insert("rectify_by".to_owned(), by.to_string());
    report
}

#[tokio::test]
async fn the_inbox_is_sorted_by_urgency_and_each_filter_keeps_its_threads() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let neighbour = user_in(&dirs, &app, "reporter-t2", Role::Reporter, "d-t2-v1-g1").await;

    // Sent in this order; the inbox's order is another.
    let general = incident(Stage::Initial, None, 0);
    let grave = incident_with_dead(5);
    let updated = incident(Stage::Initial, None, 0);
    let updated_1 = incident(Stage::FollowUp { n: 1 }, Some(updated.id), 5);
    let closed = incident(Stage::Initial, None, 0);
    let closed_final = incident(Stage::Final, Some(closed.id), 10);
    let overdue = hazard_due_in(-3);
    let on_time = hazard_due_in(7);
    for r in [&general, &grave, &updated, &updated_1, &closed, &closed_final, &overdue] {
        app.submit_as(&app.client, r).await;
    }
    // A moment apart, so `since` can tell the last one from the others.
    tokio::time::sleep(Duration::from_millis(20)).await;
    app.submit_as(&app.client, &on_time).await;
    let elsewhere = incident(Stage::Initial, None, 0);
    app.submit_as(&neighbour, &elsewhere).await;

    let inbox = app.inbox(&officer, &[]).await;
    let skew = (Utc::now() - inbox.server_time).num_seconds().abs();
    assert!(skew < 5, "the server's clock, {skew} s away");
    let order: Vec<ReportId> = inbox.threads.iter().map(|t| t.thread_id).collect();
    // 较大 first; then the 一般 ones by stage (no 续报 yet, 续报, finished);
    // hazards last, the overdue rectification first.
    assert_eq!(
        order,
        [grave.id, general.id, updated.id, closed.id, overdue.id, on_time.id],
        "{:#?}",
        inbox.threads
    );
    let line = |id: ReportId| -> &ThreadSummary { inbox.threads.iter().find(|t| t.thread_id == id).expect("listed") };
    assert_eq!(line(grave.id).grade, Some(Grade::III));
    assert_eq!(line(general.id).grade, Some(Grade::IV));
    assert_eq!(line(updated.id).records, 2);
    assert_eq!(line(updated.id).latest_stage, Stage::FollowUp { n: 1 });
    assert!(line(closed.id).finished);
    assert_eq!(line(general.id).reporter, REPORTER);
    assert_eq!(line(general.id).area.id, GRID);
    assert!(line(general.id).lat.is_some() && line(general.id).lon.is_some());
    // 较大: the national phone and written deadlines, each with its line
    // (the 10-minute verbal report is a county's rule, not the default).
    let rules: Vec<&str> = line(grave.id).deadlines.iter().map(|d| d.rule.as_str()).collect();
    assert_eq!(rules, ["phone", "written"]);
    // The event an hour ago, the 首报 written 50 minutes ago and received
    // now, past the hour: written in time, delivered late. The phone
    // deadline is not met by it: overdue.
    let state = |rule: &str| {
        line(grave.id)
            .deadlines
            .iter()
            .find(|d| d.rule == rule)
            .map(|d| d.state)
    };
    assert_eq!(state("written"), Some(DeadlineState::DeliveredLate));
    assert_eq!(state("phone"), Some(DeadlineState::Overdue));
    assert!(line(overdue.id).hazard);
    assert_eq!(line(overdue.id).rectification_overdue_days, Some(3));
    assert_eq!(line(on_time.id).rectification_overdue_days, None);
    assert_eq!(line(on_time.id).deadline, DeadlineState::Clear);
    // The hazards' photos are announced, not sent.
    assert!(line(overdue.id).photos_expected >= 1);
    assert_eq!(line(overdue.id).photos_arrived, 0);

    // Each filter.
    let ids = |q: &'static [(&'static str, &'static str)]| app.inbox_ids(&officer, q);
    assert_eq!(ids(&[("grade", "III")]).await, [grave.id]);
    assert_eq!(
        ids(&[("grade", "IV")]).await,
        [grave.id, general.id, updated.id, closed.id]
    );
    assert_eq!(ids(&[("category", "hazard")]).await, [overdue.id, on_time.id]);
    assert_eq!(
        ids(&[("category", "general_incident"), ("stage", "finished")]).await,
        [closed.id]
    );
    assert_eq!(
        ids(&[("stage", "open")]).await,
        [grave.id, general.id, updated.id, overdue.id, on_time.id]
    );
    assert_eq!(ids(&[("area", GRID)]).await, order);
    assert_eq!(ids(&[("area", "d-t1-v1")]).await, order);
    // An area above the officer's keeps all of his, and no more.
    assert_eq!(ids(&[("area", "d")]).await, order);
    assert_eq!(ids(&[("stage", ""), ("grade", "")]).await, order);
    let last = line(on_time.id)
        .first_received_at
        .to_rfc3339_opts(SecondsFormat::Micros, true);
    assert_eq!(app.inbox_ids(&officer, &[("since", &last)]).await, [on_time.id]);
    assert_eq!(
        app.inbox_ids(&officer, &[("until", &last)]).await,
        [grave.id, general.id, updated.id, closed.id, overdue.id]
    );
    // The administrator sees both townships, and filters by either.
    assert_eq!(app.inbox_ids(&app.admin, &[("area", "d-t2")]).await, [elsewhere.id]);
    assert_eq!(app.inbox_ids(&app.admin, &[]).await.len(), 7);

    // Bad filters: 400, each field named.
    let res = officer
        .get(app.url(INBOX_PATH))
        .query(&[
            ("grade", "V"),
            ("stage", "later"),
            ("since", "yesterday"),
            ("colour", "red"),
        ])
        .send()
        .await
        .expect("GET");
    let (status, error) = api_error(res).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest)
    );
    let mut fields: Vec<&str> = error.fields.iter().map(|f| f.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["colour", "grade", "since", "stage"]);
    // Another township's area is not the officer's to name.
    for area in ["d-t2", "no-such-area"] {
        let res = officer
            .get(app.url(INBOX_PATH))
            .query(&[("area", area)])
            .send()
            .await
            .expect("GET");
        let (status, error) = api_error(res).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{area}");
        assert_eq!(error.fields[0].field, "area");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_hazard_ledger_groups_by_area_overdue_first() {
    let (app, dirs) = spawn_app().await;
    let neighbour = user_in(&dirs, &app, "reporter-t2", Role::Reporter, "d-t2-v1-g1").await;
    let officer_t2 = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;
    let on_time = hazard_due_in(7);
    let overdue_here = hazard_due_in(-1);
    let rectified = hazard_due_in(-5);
    let overdue_there = hazard_due_in(-2);
    for r in [&on_time, &overdue_here, &rectified] {
        app.submit_as(&app.client, r).await;
    }
    // Rectified, so no longer overdue, and closed (by the office, which
    // alone verifies): last in its area.
    app.submit_as(&app.client, &hazard(Stage::Rectified, Some(rectified.id), 5))
        .await;
    app.submit_as(&app.admin, &hazard(Stage::Closed, Some(rectified.id), 10))
        .await;
    app.submit_as(&neighbour, &overdue_there).await;
    app.submit_as(&app.client, &incident(Stage::Initial, None, 0)).await;

    let res = app.get_as(&app.admin, HAZARDS_PATH).await;
    assert_eq!(res.status(), StatusCode::OK);
    let ledger: Ledger = res.json().await.expect("a ledger");
    let areas: Vec<(&str, u32, Vec<ReportId>)> = ledger
        .areas
        .iter()
        .map(|a| {
            (
                a.area.id.as_str(),
                a.overdue,
                a.hazards.iter().map(|h| h.thread_id).collect(),
            )
        })
        .collect();
    assert_eq!(
        areas,
        [
            // Both have one overdue; then by place in the tree.
            (GRID, 1, vec![overdue_here.id, on_time.id, rectified.id]),
            ("d-t2-v1-g1", 1, vec![overdue_there.id]),
        ]
    );
    let closed = &ledger.areas[0].hazards[2];
    assert!(closed.finished);
    assert_eq!(closed.rectification_overdue_days, None);

    // The neighbouring officer's ledger has his township's hazard only.
    let res = app.get_as(&officer_t2, HAZARDS_PATH).await;
    let ledger: Ledger = res.json().await.expect("a ledger");
    assert_eq!(ledger.areas.len(), 1);
    assert_eq!(ledger.areas[0].hazards[0].thread_id, overdue_there.id);
    app.stop().await;
}

#[tokio::test]
async fn the_office_is_scoped_and_refused_to_reporters() {
    let (app, dirs) = spawn_app().await;
    let neighbour = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;
    let report = incident(Stage::Initial, None, 0);
    app.submit_as(&app.client, &report).await;
    app.submit_as(&app.client, &hazard_due_in(-3)).await;

    // The neighbouring township's officer: nothing, and 404 by id.
    assert!(app.inbox(&neighbour, &[]).await.threads.is_empty());
    let ledger: Ledger = app.get_as(&neighbour, HAZARDS_PATH).await.json().await.expect("ledger");
    assert!(ledger.areas.is_empty());
    let ack = Acknowledge {
        id: Uuid::new_v4(),
        report_id: report.id,
    };
    let (status, _) = api_error(app.post_json(&neighbour, &ack_path(report.id), &ack).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let ask = AskFollowUp {
        id: Uuid::new_v4(),
        message: "请续报伤亡".to_owned(),
    };
    let (status, _) = api_error(app.post_json(&neighbour, &ask_path(report.id), &ask).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // An unknown thread is answered alike.
    let (status, _) = api_error(app.post_json(&app.admin, &ask_path(new_id()), &ask).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A reporter: 403 on every office endpoint, her own threads or not.
    for path in [INBOX_PATH, HAZARDS_PATH, EVENTS_PATH] {
        let (status, error) = api_error(app.get(path).await).await;
        assert_eq!(
            (status, error.error),
            (StatusCode::FORBIDDEN, ApiErrorCode::Forbidden),
            "{path}"
        );
    }
    let (status, _) = api_error(app.post_json(&app.client, &ack_path(report.id), &ack).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = api_error(app.post_json(&app.client, &ask_path(report.id), &ask).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Without a session: 401.
    let (status, _) = api_error(Client::new().get(app.url(EVENTS_PATH)).send().await.expect("GET")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// An open event stream, read as the office page reads it (with `fetch`
/// and the bearer token).
pub(crate) struct Events {
    res: Response,
    buf: String,
}

impl Events {
    pub(crate) async fn open(app: &TestApp, client: &Client) -> Events {
        let res = app.get_as(client, EVENTS_PATH).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[CONTENT_TYPE], "text/event-stream");
        let mut events = Events {
            res,
            buf: String::new(),
        };
        // The comment sent at once: the stream is live (and not held back
        // by compression).
        events.fill(Duration::from_secs(5)).await;
        assert!(events.buf.starts_with(":"), "{}", events.buf);
        events
    }

    /// Reads what arrives within `wait`; false if nothing did.
    async fn fill(&mut self, wait: Duration) -> bool {
        match tokio::time::timeout(wait, self.res.chunk()).await {
            Ok(Ok(Some(bytes))) => {
                self.buf.push_str(&String::from_utf8_lossy(&bytes));
                true
            }
            Ok(Ok(None)) | Err(_) => false,
            Ok(Err(e)) => panic!("the stream failed: {e}"),
        }
    }

    /// The next change within `wait`, comments skipped; `None` if none came.
    pub(crate) async fn next(&mut self, wait: Duration) -> Option<Change> {
        let until = Instant::now() + wait;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if !data.is_empty() {
                    let change = serde_json::from_str(&data.join("\n"))
                        .unwrap_or_else(|e| panic!("not a Change ({e}): {block}"));
                    return Some(change);
                }
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() || !self.fill(left).await {
                return None;
            }
        }
    }
}

impl Events {
    /// Whether the server ends the stream within `wait`.
    async fn ends_within(&mut self, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }
}

/// Within how long a stream must end once its session does.
const SESSION_GONE: Duration = Duration::from_millis(5_500);

#[tokio::test]
async fn a_stream_ends_within_5_s_of_a_logout_a_revocation_or_a_disabling() {
    use kuaibao_server::db::{accounts, audit::Actor};
    let (app, dirs) = spawn_app().await;

    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let mut events = Events::open(&app, &officer).await;
    let res = officer.delete(app.url(SESSION_PATH)).send().await.expect("DELETE");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(events.ends_within(SESSION_GONE).await, "after the logout");

    // Revoked behind this server's back, as the command line (another
    // process, whose change this server's session cache never hears of)
    // does it.
    let other = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;
    let mut events = Events::open(&app, &other).await;
    let pool = dirs.pool().await;
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = (SELECT id FROM users WHERE username = $2)")
        .bind(Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true))
        .bind("officer-t2")
        .execute(&pool)
        .await
        .expect("revoke");
    assert!(
        events.ends_within(SESSION_GONE).await,
        "after a revocation from the command line"
    );

    let mut events = Events::open(&app, &app.admin).await;
    accounts::revoke_user(&pool, &Actor::command_line(), ADMIN, true)
        .await
        .expect("database")
        .expect("the administrator exists");
    assert!(events.ends_within(SESSION_GONE).await, "after the account was disabled");
    pool.close().await;
    app.stop().await;
}

/// A stream lasts as long as its session and holds a connection: one
/// account holds at most `MAX_STREAMS_PER_ACCOUNT` open, the next is
/// answered 429 with when to try again, and a stream that ends gives its
/// place back. Other accounts are not affected.
#[tokio::test]
async fn an_account_holds_a_bounded_number_of_streams() {
    use kuaibao_server::http::office::MAX_STREAMS_PER_ACCOUNT;
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let mut open = Vec::new();
    for _ in 0..MAX_STREAMS_PER_ACCOUNT {
        open.push(Events::open(&app, &officer).await);
    }
    let res = app.get_as(&officer, EVENTS_PATH).await;
    assert!(res.headers().contains_key("retry-after"));
    let (status, error) = api_error(res).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::TOO_MANY_REQUESTS, ApiErrorCode::RateLimited)
    );
    assert!(
        error.message.starts_with("此账号已打开 8 个值班室页面"),
        "{}",
        error.message
    );
    // Another account opens its own.
    let _neighbour = Events::open(&app, &user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await).await;

    // A page closed: its place comes back once the server hears the hang-up.
    drop(open.pop());
    let until = Instant::now() + SOON;
    loop {
        let res = app.get_as(&officer, EVENTS_PATH).await;
        if res.status() == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < until, "the place was not given back: {}", res.status());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}

pub(crate) const SOON: Duration = Duration::from_secs(5);
/// Long enough for a change that would come to have come.
pub(crate) const QUIET: Duration = Duration::from_millis(800);

#[tokio::test]
async fn changes_reach_live_streams_in_scope_only() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let neighbour = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;
    let reporter_t2 = user_in(&dirs, &app, "reporter-t2", Role::Reporter, "d-t2-v1-g1").await;
    let mut mine = Events::open(&app, &officer).await;
    let mut theirs = Events::open(&app, &neighbour).await;
    let mut admins = Events::open(&app, &app.admin).await;

    // A report after subscribing: to d-t1's officer and the administrator.
    let report = incident(Stage::Initial, None, 0);
    app.submit_as(&app.client, &report).await;
    let expected = Change {
        thread_id: report.id,
        kind: ChangeKind::Report,
    };
    assert_eq!(mine.next(SOON).await, Some(expected));
    assert_eq!(admins.next(SOON).await, Some(expected));
    // A replay changes nothing and tells nobody.
    assert_eq!(app.submit(&report).await.status(), StatusCode::OK);

    // d-t2's report: to its officer (whose stream works) and nobody of d-t1.
    let elsewhere = incident(Stage::Initial, None, 0);
    app.submit_as(&reporter_t2, &elsewhere).await;
    assert_eq!(
        theirs.next(SOON).await,
        Some(Change {
            thread_id: elsewhere.id,
            kind: ChangeKind::Report
        })
    );
    assert_eq!(admins.next(SOON).await.map(|c| c.thread_id), Some(elsewhere.id));

    // An acknowledgement and a request: the thread's area hears of them.
    let ack = Acknowledge {
        id: Uuid::new_v4(),
        report_id: report.id,
    };
    assert_eq!(
        app.post_json(&officer, &ack_path(report.id), &ack).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(mine.next(SOON).await.map(|c| c.kind), Some(ChangeKind::Acknowledged));
    let ask = AskFollowUp {
        id: Uuid::new_v4(),
        message: "请核实伤亡人数".to_owned(),
    };
    assert_eq!(
        app.post_json(&app.admin, &ask_path(report.id), &ask).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(mine.next(SOON).await.map(|c| c.kind), Some(ChangeKind::Asked));

    // A photo that finishes arriving.
    let bytes = jpeg(3_000, 11);
    let with_photo = hazard_with_photos(&[&bytes]);
    app.submit_as(&app.client, &with_photo).await;
    assert_eq!(mine.next(SOON).await.map(|c| c.thread_id), Some(with_photo.id));
    let (location, offset) = app.tus_created(&with_photo.photos[0]).await;
    assert_eq!(
        app.tus_send(&location, offset, &bytes, 1024).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        mine.next(SOON).await,
        Some(Change {
            thread_id: with_photo.id,
            kind: ChangeKind::Photo
        })
    );
    let inbox = app.inbox(&officer, &[("category", "hazard")]).await;
    assert_eq!(
        (inbox.threads[0].photos_expected, inbox.threads[0].photos_arrived),
        (1, 1)
    );

    // Nothing of d-t1's ever reached d-t2's officer.
    assert_eq!(theirs.next(QUIET).await, None);

    // The server stops although streams are open: they end.
    app.stop().await;
    assert_eq!(mine.next(SOON).await, None);
}

#[tokio::test]
async fn acknowledgements_and_requests_are_stored_once_by_id_and_reach_the_reporter() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let first = incident(Stage::Initial, None, 0);
    let other = incident(Stage::Initial, None, 0);
    app.submit_as(&app.client, &first).await;
    app.submit_as(&app.client, &other).await;
    let thread = first.id;

    // Acknowledge: 201, then the same again with 200.
    let ack = Acknowledge {
        id: Uuid::new_v4(),
        report_id: first.id,
    };
    let res = app.post_json(&officer, &ack_path(thread), &ack).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let stored: Acknowledgement = res.json().await.expect("an acknowledgement");
    assert_eq!(
        (stored.id, stored.thread_id, stored.report_id, stored.by.as_str()),
        (ack.id, thread, first.id, "officer-t1")
    );
    let res = app.post_json(&officer, &ack_path(thread), &ack).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Acknowledgement>().await.expect("the same"), stored);
    // The same id for another thread, or by another officer: 409.
    let elsewhere = Acknowledge {
        id: ack.id,
        report_id: other.id,
    };
    let (status, error) = api_error(app.post_json(&officer, &ack_path(other.id), &elsewhere).await).await;
    assert_eq!((status, error.error), (StatusCode::CONFLICT, ApiErrorCode::Conflict));
    let (status, _) = api_error(app.post_json(&app.admin, &ack_path(thread), &ack).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A record of another thread: 422 naming the field.
    let wrong = Acknowledge {
        id: Uuid::new_v4(),
        report_id: other.id,
    };
    let (status, error) = api_error(app.post_json(&officer, &ack_path(thread), &wrong).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.fields[0].field, "report_id");

    // Ask: 201, 200 for the replay, 409 for other words under its id.
    let ask = AskFollowUp {
        id: Uuid::new_v4(),
        message: "  请续报伤亡人数和现场处置情况 ".to_owned(),
    };
    let res = app.post_json(&officer, &ask_path(thread), &ask).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let request: FollowUpRequest = res.json().await.expect("a request");
    assert_eq!(request.message, "请续报伤亡人数和现场处置情况");
    assert!(!request.answered);
    let res = app.post_json(&officer, &ask_path(thread), &ask).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<FollowUpRequest>().await.expect("the same"), request);
    let changed = AskFollowUp {
        message: "别的内容".to_owned(),
        ..ask.clone()
    };
    let (status, _) = api_error(app.post_json(&officer, &ask_path(thread), &changed).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let empty = AskFollowUp {
        id: Uuid::new_v4(),
        message: "   ".to_owned(),
    };
    let (status, error) = api_error(app.post_json(&officer, &ask_path(thread), &empty).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.fields[0].field, "message");

    // The inbox shows both.
    let inbox = app.inbox(&officer, &[]).await;
    let line = inbox.threads.iter().find(|t| t.thread_id == thread).expect("listed");
    assert_eq!(line.acknowledged.as_ref(), Some(&stored));
    assert_eq!(line.open_requests, std::slice::from_ref(&request));

    // The reporter's phone reads the request; another reporter's does not.
    let res = app.get(MY_REQUESTS_PATH).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Vec<FollowUpRequest>>().await.expect("requests"),
        std::slice::from_ref(&request)
    );
    let stranger = user_in(&dirs, &app, "reporter-t2", Role::Reporter, "d-t2-v1-g1").await;
    let theirs: Vec<FollowUpRequest> = app
        .get_as(&stranger, MY_REQUESTS_PATH)
        .await
        .json()
        .await
        .expect("requests");
    assert!(theirs.is_empty());
    // What the phone reads: the open ones.
    let open_path = format!("{MY_REQUESTS_PATH}?open=true");
    let open: Vec<FollowUpRequest> = app.get(&open_path).await.json().await.expect("requests");
    assert_eq!(open, std::slice::from_ref(&request));
    for bad in ["open=yes", "open=true&open=true", "open=true&colour=red"] {
        let (status, error) = api_error(app.get(&format!("{MY_REQUESTS_PATH}?{bad}")).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        let named = if bad.contains("colour") { "colour" } else { "open" };
        assert_eq!(error.fields[0].field, named, "{bad}");
    }

    // A follow-up answers it: listed as answered, and no longer open (a
    // phone does not read a reporter's years of answered requests again).
    app.submit_as(&app.client, &incident(Stage::FollowUp { n: 1 }, Some(thread), 5))
        .await;
    let mine: Vec<FollowUpRequest> = app.get(MY_REQUESTS_PATH).await.json().await.expect("requests");
    assert_eq!(mine.len(), 1);
    assert!(mine[0].answered);
    let open: Vec<FollowUpRequest> = app.get(&open_path).await.json().await.expect("requests");
    assert!(open.is_empty(), "{open:?}");
    let inbox = app.inbox(&officer, &[]).await;
    let line = inbox.threads.iter().find(|t| t.thread_id == thread).expect("listed");
    assert!(line.open_requests.is_empty());

    // Each stored once in the audit log, by the officer.
    let pool = dirs.pool().await;
    let log = audit::all(&pool).await.expect("audit");
    for (action, subject) in [("thread.acknowledge", ack.id), ("thread.ask", ask.id)] {
        let rows: Vec<_> = log.iter().filter(|e| e.action == action).collect();
        assert_eq!(rows.len(), 1, "{action}: {rows:?}");
        assert_eq!(rows[0].subject, subject.to_string());
        assert!(rows[0].actor_id.is_some());
    }

    // Append-only, whatever the API does: the database refuses changes.
    for statement in [
        "UPDATE acknowledgements SET report_id = thread_id",
        "DELETE FROM acknowledgements",
        "UPDATE follow_up_requests SET message = 'x'",
        "DELETE FROM follow_up_requests",
    ] {
        let err = sqlx::query(statement).execute(&pool).await.expect_err(statement);
        assert!(err.to_string().contains("append-only"), "{statement}: {err}");
    }
    pool.close().await;
    app.stop().await;
}

/// An acknowledgement is of the reports: a call logged after it (by the
/// officer himself, from his phone) leaves it current on the inbox line; a
/// 续报 after it does not.
#[tokio::test]
async fn a_call_logged_after_an_acknowledgement_leaves_it_current() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let first = incident(Stage::Initial, None, 0);
    app.submit_as(&app.client, &first).await;
    let ack = Acknowledge {
        id: Uuid::new_v4(),
        report_id: first.id,
    };
    let res = app.post_json(&officer, &ack_path(first.id), &ack).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let acknowledged: Acknowledgement = res.json().await.expect("an acknowledgement");

    app.submit_as(&officer, &super::deadlines::call(first.id, 1, 1)).await;
    let inbox = app.inbox(&officer, &[]).await;
    let line = inbox.threads.iter().find(|t| t.thread_id == first.id).expect("listed");
    assert_eq!(line.records, 2, "the call is the thread's");
    assert!(
        line.latest_received_at <= acknowledged.at,
        "the latest report came at {}: it should be before the acknowledgement at {}",
        line.latest_received_at,
        acknowledged.at
    );

    app.submit_as(&app.client, &incident(Stage::FollowUp { n: 1 }, Some(first.id), 3))
        .await;
    let inbox = app.inbox(&officer, &[]).await;
    let line = inbox.threads.iter().find(|t| t.thread_id == first.id).expect("listed");
    assert!(line.latest_received_at > acknowledged.at, "the 续报 is newer than it");
    app.stop().await;
}

#[tokio::test]
async fn the_office_answers_match_their_documented_schemas() {
    use super::openapi::{conforms, document};
    use serde_json::json;
    let (app, dirs) = spawn_app().await;
    let doc = document(&app).await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let report = incident_with_dead(5);
    app.submit_as(&app.client, &report).await;
    app.submit_as(&app.client, &hazard_due_in(-2)).await;
    let ack = Acknowledge {
        id: Uuid::new_v4(),
        report_id: report.id,
    };
    let path = ack_path(report.id);
    let post = |path: &str, body: serde_json::Value| officer.post(app.url(path)).json(&body);
    for _ in 0..2 {
        conforms(&doc, "post", ACKNOWLEDGE_PATH, post(&path, json!(ack))).await;
    }
    let ask = AskFollowUp {
        id: Uuid::new_v4(),
        message: "请续报".to_owned(),
    };
    let path = ask_path(report.id);
    for _ in 0..2 {
        conforms(&doc, "post", ASK_PATH, post(&path, json!(ask))).await;
    }
    let conflict = AskFollowUp {
        message: "另一句".to_owned(),
        ..ask
    };
    conforms(&doc, "post", ASK_PATH, post(&path, json!(conflict))).await;
    let inbox = conforms(&doc, "get", INBOX_PATH, officer.get(app.url(INBOX_PATH))).await;
    assert_eq!(inbox["threads"].as_array().map(Vec::len), Some(2), "{inbox}");
    conforms(
        &doc,
        "get",
        INBOX_PATH,
        officer.get(app.url(INBOX_PATH)).query(&[("grade", "V")]),
    )
    .await;
    conforms(&doc, "get", INBOX_PATH, app.client.get(app.url(INBOX_PATH))).await;
    conforms(&doc, "get", HAZARDS_PATH, officer.get(app.url(HAZARDS_PATH))).await;
    let mine = conforms(&doc, "get", MY_REQUESTS_PATH, app.client.get(app.url(MY_REQUESTS_PATH))).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    app.stop().await;
}

/// A display name changed later (`user profile`) does not rewrite who
/// reported, acknowledged or asked: each record and act keeps the name it
/// was made under, and the audit log says what the name was before.
#[tokio::test]
async fn a_renamed_account_does_not_rewrite_who_reported_or_answered() {
    use kuaibao_server::db::accounts::{set_profile, ProfileChange};
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let report = incident(Stage::Initial, None, 0);
    app.submit_as(&app.client, &report).await;
    let ack = Acknowledge {
        id: Uuid::new_v4(),
        report_id: report.id,
    };
    let res = app.post_json(&officer, &ack_path(report.id), &ack).await;
    assert!(res.status().is_success(), "{}", res.status());
    let ask = AskFollowUp {
        id: Uuid::new_v4(),
        message: "请续报伤亡".to_owned(),
    };
    let res = app.post_json(&officer, &ask_path(report.id), &ask).await;
    assert!(res.status().is_success(), "{}", res.status());
    use kuaibao_core::desk::signing::{Sign, Signature, SIGNATURES_PATH};
    let signatures = SIGNATURES_PATH.replace("{id}", &report.id.to_string());
    let sign = Sign {
        id: Uuid::new_v4(),
        report_id: report.id,
        recipient: "区应急管理局".to_owned(),
        reviewer: "王审核".to_owned(),
        step: None,
    };
    let res = app.post_json(&officer, &signatures, &sign).await;
    assert!(res.status().is_success(), "{}", res.status());

    let pool = dirs.pool().await;
    for (username, name) in [(REPORTER, "李秀英（已调离）"), ("officer-t1", "周值班（已退休）")] {
        let change = ProfileChange {
            display_name: Some(name.to_owned()),
            ..Default::default()
        };
        set_profile(&pool, &audit::Actor::command_line(), username, &change)
            .await
            .expect("stored")
            .expect("renamed");
    }
    // A record made after the change carries the new name.
    let later = incident(Stage::FollowUp { n: 1 }, Some(report.id), 5);
    app.submit_as(&app.client, &later).await;

    let thread = app.thread_as(&officer, report.id).await;
    let names: Vec<&str> = thread
        .records
        .iter()
        .map(|r| r.author.as_ref().expect("author").display_name.as_str())
        .collect();
    assert_eq!(names, [REPORTER, "李秀英（已调离）"], "each under the name it was made");
    let line = app
        .inbox(&officer, &[])
        .await
        .threads
        .into_iter()
        .find(|t| t.thread_id == report.id)
        .expect("listed");
    assert_eq!(line.reporter_name, REPORTER, "the thread's reporter as she was called");
    assert_eq!(line.acknowledged.expect("acknowledged").by_name, "officer-t1");
    let requests: Vec<FollowUpRequest> = app.get(MY_REQUESTS_PATH).await.json().await.expect("requests");
    assert_eq!(requests[0].by_name, "officer-t1", "asked under his name then");
    let signed: Vec<Signature> = app
        .get_as(&officer, &signatures)
        .await
        .json()
        .await
        .expect("signatures");
    assert_eq!(signed[0].by_name, "officer-t1", "signed under his name then");
    // The log keeps what the name was.
    let log = audit::all(&pool).await.expect("audit");
    let renamed = log.iter().rfind(|e| e.action == "user.profile").expect("logged");
    let detail: serde_json::Value = serde_json::from_str(&renamed.detail).expect("json");
    assert_eq!(detail["was"]["display_name"], "officer-t1");
    assert_eq!(detail["display_name"], "周值班（已退休）");
    pool.close().await;
    app.stop().await;
}

/// Stores `n` rows of an office act on `thread` straight into the
/// database, by `officer` (a username): `insert` binds the row's id,
/// `thread`, `report`, the officer's id and a time.
pub(crate) async fn fill(dirs: &Dirs, insert: &str, n: usize, thread: ReportId, officer: &str) {
    let pool = dirs.pool().await;
    let officer_id: String = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(officer)
        .fetch_one(&pool)
        .await
        .expect("the officer");
    for _ in 0..n {
        sqlx::query(insert)
            .bind(Uuid::new_v4().to_string())
            .bind(thread.to_string())
            .bind(thread.to_string())
            .bind(&officer_id)
            .bind("2026-12-07T10:00:00.000000Z")
            .execute(&pool)
            .await
            .expect("insert");
    }
    pool.close().await;
}

/// How many rows `table` holds.
pub(crate) async fn count(dirs: &Dirs, table: &str) -> i64 {
    let pool = dirs.pool().await;
    let n = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    n
}

/// Before, an officer's token could add acknowledgements and requests to
/// one thread without end (a review posted 4,500 in 10 s: the thread's
/// inbox line grew to 2.5 MB). Now a thread holds at most
/// `MAX_ACTS_PER_THREAD` of each, and `MAX_OPEN_REQUESTS` unanswered
/// requests; a refusal names the thread and stores nothing; a replay is
/// still answered.
/// Sends each of `bodies` to `path` as `client`, all at once: how many
/// were stored (201) and how many refused (422).
async fn burst(app: &TestApp, client: &Client, path: &str, bodies: Vec<serde_json::Value>) -> (usize, usize) {
    let mut sends = tokio::task::JoinSet::new();
    for body in bodies {
        let (client, url) = (client.clone(), app.url(path));
        sends.spawn(async move { client.post(url).json(&body).send().await.expect("POST").status() });
    }
    let statuses = sends.join_all().await;
    let of = |s: StatusCode| statuses.iter().filter(|&&got| got == s).count();
    assert_eq!(
        of(StatusCode::CREATED) + of(StatusCode::UNPROCESSABLE_ENTITY),
        statuses.len(),
        "{statuses:?}"
    );
    (of(StatusCode::CREATED), of(StatusCode::UNPROCESSABLE_ENTITY))
}

/// The bounds are counted again inside the insert, under a lock on the
/// thread: acts sent at the same instant, each counting the others as not
/// there yet, cannot pass them together.
#[tokio::test]
async fn office_acts_sent_all_at_once_cannot_pass_a_threads_bounds() {
    use kuaibao_core::desk::office::{MAX_ACTS_PER_THREAD, MAX_OPEN_REQUESTS};
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let first = incident(Stage::Initial, None, 0);
    app.submit_as(&app.client, &first).await;
    let thread = first.id;

    let asks = (0..3 * MAX_OPEN_REQUESTS)
        .map(|n| serde_json::json!({ "id": Uuid::new_v4(), "message": format!("请续报（{n}）") }))
        .collect();
    let (stored, refused) = burst(&app, &officer, &ask_path(thread), asks).await;
    assert_eq!((stored, refused), (MAX_OPEN_REQUESTS, 2 * MAX_OPEN_REQUESTS));
    assert_eq!(count(&dirs, "follow_up_requests").await, MAX_OPEN_REQUESTS as i64);

    fill(
        &dirs,
        "INSERT INTO acknowledgements (id, thread_id, report_id, officer_id, at) VALUES ($1, $2, $3, $4, $5)",
        MAX_ACTS_PER_THREAD - 10,
        thread,
        "officer-t1",
    )
    .await;
    let acks = (0..40)
        .map(|_| serde_json::json!({ "id": Uuid::new_v4(), "report_id": first.id }))
        .collect();
    let (stored, refused) = burst(&app, &officer, &ack_path(thread), acks).await;
    assert_eq!((stored, refused), (10, 30));
    assert_eq!(count(&dirs, "acknowledgements").await, MAX_ACTS_PER_THREAD as i64);
    // Nothing refused left a trace in the audit log.
    let pool = dirs.pool().await;
    let (asked,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit WHERE action = 'thread.ask'")
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    assert_eq!(asked, MAX_OPEN_REQUESTS as i64);
    app.stop().await;
}

#[tokio::test]
async fn a_threads_acknowledgements_and_requests_are_bounded() {
    use kuaibao_core::desk::office::{MAX_ACTS_PER_THREAD, MAX_OPEN_REQUESTS};
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let first = incident(Stage::Initial, None, 0);
    app.submit_as(&app.client, &first).await;
    let thread = first.id;

    // Acknowledgements: one short of the most, then the last, then none.
    fill(
        &dirs,
        "INSERT INTO acknowledgements (id, thread_id, report_id, officer_id, at) VALUES ($1, $2, $3, $4, $5)",
        MAX_ACTS_PER_THREAD - 1,
        thread,
        "officer-t1",
    )
    .await;
    let ack = || Acknowledge {
        id: Uuid::new_v4(),
        report_id: first.id,
    };
    let last = ack();
    assert_eq!(
        app.post_json(&officer, &ack_path(thread), &last).await.status(),
        StatusCode::CREATED
    );
    let (status, error) = api_error(app.post_json(&officer, &ack_path(thread), &ack()).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.fields[0].field, "thread");
    assert!(error.fields[0].zh.contains("确认收到"), "{}", error.fields[0].zh);
    assert_eq!(
        count(&dirs, "acknowledgements").await,
        MAX_ACTS_PER_THREAD as i64,
        "nothing stored"
    );
    assert_eq!(
        app.post_json(&officer, &ack_path(thread), &last).await.status(),
        StatusCode::OK,
        "a replay"
    );
    // The inbox line carries the latest alone.
    let inbox = app.inbox(&officer, &[]).await;
    let line = inbox.threads.iter().find(|t| t.thread_id == thread).expect("listed");
    assert_eq!(line.acknowledged.as_ref().map(|a| a.id), Some(last.id));

    // Requests: as many unanswered as the most, then the phone is the way.
    let ask = |n: usize| AskFollowUp {
        id: Uuid::new_v4(),
        message: format!("请续报现场情况（{n}）"),
    };
    let asked: Vec<AskFollowUp> = (0..MAX_OPEN_REQUESTS).map(ask).collect();
    for request in &asked {
        assert_eq!(
            app.post_json(&officer, &ask_path(thread), request).await.status(),
            StatusCode::CREATED
        );
    }
    let (status, error) = api_error(app.post_json(&officer, &ask_path(thread), &ask(99)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.fields[0].field, "thread");
    assert!(error.fields[0].zh.contains("电话联系报告人"), "{}", error.fields[0].zh);
    assert_eq!(
        count(&dirs, "follow_up_requests").await,
        MAX_OPEN_REQUESTS as i64,
        "nothing stored"
    );
    assert_eq!(
        app.post_json(&officer, &ask_path(thread), &asked[0]).await.status(),
        StatusCode::OK
    );
    let line = app
        .inbox(&officer, &[])
        .await
        .threads
        .into_iter()
        .find(|t| t.thread_id == thread)
        .expect("listed");
    assert_eq!(line.open_requests.len(), MAX_OPEN_REQUESTS);

    // Her 续报 answers them: the office may ask again, and the replay of
    // an answered one is still answered.
    app.submit_as(&app.client, &incident(Stage::FollowUp { n: 1 }, Some(thread), 5))
        .await;
    assert_eq!(
        app.post_json(&officer, &ask_path(thread), &ask(100)).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.post_json(&officer, &ask_path(thread), &asked[1]).await.status(),
        StatusCode::OK
    );
    let line = app
        .inbox(&officer, &[])
        .await
        .threads
        .into_iter()
        .find(|t| t.thread_id == thread)
        .expect("listed");
    assert_eq!(line.open_requests.len(), 1, "the answered ones are not carried");

    // And the thread's requests in all are bounded too.
    fill(
        &dirs,
        "INSERT INTO follow_up_requests (id, thread_id, message, officer_id, asked_at) VALUES ($1, $2, $3, $4, $5)",
        MAX_ACTS_PER_THREAD - MAX_OPEN_REQUESTS - 1,
        thread,
        "officer-t1",
    )
    .await;
    let (status, error) = api_error(app.post_json(&officer, &ask_path(thread), &ask(101)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.fields[0].zh.contains("请求续报已有"), "{}", error.fields[0].zh);
    app.stop().await;
}
