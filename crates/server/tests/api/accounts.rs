//! Accounts, sessions, areas and who reads what; the audit log; the phone's
//! clock offset. Neighbouring areas are the point: a report of township
//! d-t1 must stay invisible to d-t2's people.

use std::time::Duration;

use chrono::Utc;
use kuaibao_core::account::{LoginRequest, Role, Session, SessionInfo};
use kuaibao_core::wire::protocol::{ApiErrorCode, Receipt, CLOCK_HEADER, SESSION_PATH, SUBMIT_REPORT_PATH};
use kuaibao_server::db::{accounts, audit};
use reqwest::{Client, StatusCode};

use super::uploads::{hazard_with_photos, jpeg, metadata};
use super::*;

/// Makes `username` with `role` in `area` on the app's database and logs in.
async fn user_in(dirs: &Dirs, app: &TestApp, username: &str, role: Role, area: &str) -> Client {
    let pool = dirs.pool().await;
    add_user(&pool, username, role, area).await;
    pool.close().await;
    login(&app.base, username).await
}

async fn login_as(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    Client::new()
        .post(app.url(SESSION_PATH))
        .json(&LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_id: DEVICE.to_owned(),
        })
        .send()
        .await
        .expect("POST /api/session")
}

#[tokio::test]
async fn each_reads_only_their_own_or_their_areas_reports() {
    let (app, dirs) = spawn_app().await;
    // The fixture reporter is in grid d-t1-v1-g1; her neighbour in d-t2's.
    let neighbour = user_in(&dirs, &app, "neighbour", Role::Reporter, "d-t2-v1-g1").await;
    let same_grid = user_in(&dirs, &app, "colleague", Role::Reporter, GRID).await;
    let officer_t1 = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let officer_t2 = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;
    let officer_grid = user_in(&dirs, &app, "officer-g", Role::Officer, GRID).await;

    let (bytes, report, location) = app.one_photo_upload(30_000, 7).await;
    assert_eq!(
        app.tus_patch(&location, 0, &bytes, None).await.status(),
        StatusCode::NO_CONTENT
    );
    let theirs = new_report();
    let res = neighbour
        .post(app.url(SUBMIT_REPORT_PATH))
        .json(&theirs)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::CREATED);

    let one = format!("{SUBMIT_REPORT_PATH}/{}", report.id);
    let photos = format!("{SUBMIT_REPORT_PATH}/{}/photos", report.id);
    let bytes_path = format!("/api/photos/{}", report.photos[0].sha256);
    let thread = thread_path(report.id);
    for (who, client, sees) in [
        ("the reporter", &app.client, true),
        ("her officer of d-t1", &officer_t1, true),
        ("an officer of her own grid", &officer_grid, true),
        ("the district administrator", &app.admin, true),
        ("the neighbouring reporter", &neighbour, false),
        ("a reporter of the same grid", &same_grid, false),
        ("the officer of d-t2", &officer_t2, false),
    ] {
        let expected = if sees { StatusCode::OK } else { StatusCode::NOT_FOUND };
        for path in [&one, &photos, &bytes_path, &thread] {
            assert_eq!(app.get_as(client, path).await.status(), expected, "{who} GET {path}");
        }
        let listed = app.list_as(client).await.iter().any(|s| s.report.id == report.id);
        assert_eq!(listed, sees, "{who}: listed");
    }
    // Each list holds exactly what its reader may see.
    let ids = |list: Vec<StoredReport>| list.into_iter().map(|s| s.report.id).collect::<Vec<_>>();
    assert_eq!(ids(app.list().await), vec![report.id]);
    assert_eq!(ids(app.list_as(&neighbour).await), vec![theirs.id]);
    assert_eq!(ids(app.list_as(&officer_t2).await), vec![theirs.id]);
    assert_eq!(ids(app.list_as(&app.admin).await), vec![report.id, theirs.id]);
    app.stop().await;
}

#[tokio::test]
async fn nobody_claims_or_uploads_into_someone_elses_report() {
    let (app, dirs) = spawn_app().await;
    let neighbour = user_in(&dirs, &app, "neighbour", Role::Reporter, "d-t2-v1-g1").await;
    let bytes = jpeg(20_000, 9);
    let report = hazard_with_photos(&[&bytes]);
    let first = receipt(app.submit(&report).await, StatusCode::CREATED).await;

    // The same record sent by another account: refused, and nothing leaks.
    let res = neighbour
        .post(app.url(SUBMIT_REPORT_PATH))
        .json(&report)
        .send()
        .await
        .expect("POST");
    let (status, error) = api_error(res).await;
    assert_eq!((status, error.error), (StatusCode::CONFLICT, ApiErrorCode::Conflict));
    // The owner's replay still gets her receipt.
    assert_eq!(receipt(app.submit(&report).await, StatusCode::OK).await, first);

    // Uploading the photo of someone else's record: as if it did not exist.
    let res = neighbour
        .post(app.url(kuaibao_core::photo::tus::UPLOADS_PATH))
        .header("Tus-Resumable", kuaibao_core::photo::tus::VERSION)
        .header("Upload-Length", report.photos[0].size.to_string())
        .header("Upload-Metadata", metadata(&report.photos[0]))
        .send()
        .await
        .expect("POST upload");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Nor may they touch her upload.
    let (location, _) = app.tus_created(&report.photos[0]).await;
    let res = neighbour
        .head(app.url(&location))
        .header("Tus-Resumable", kuaibao_core::photo::tus::VERSION)
        .send()
        .await
        .expect("HEAD");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = neighbour
        .delete(app.url(&location))
        .header("Tus-Resumable", kuaibao_core::photo::tus::VERSION)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.tus_offset(&location).await, 0, "her upload is untouched");
    app.stop().await;
}

#[tokio::test]
async fn every_api_request_but_the_public_ones_needs_a_session() {
    let (app, _dirs) = spawn_app().await;
    let anonymous = Client::new();
    let report = new_report();
    for res in [
        anonymous.get(app.url(SUBMIT_REPORT_PATH)).send().await,
        anonymous.post(app.url(SUBMIT_REPORT_PATH)).json(&report).send().await,
        anonymous
            .get(app.url(&format!("{SUBMIT_REPORT_PATH}/{}", report.id)))
            .send()
            .await,
        anonymous.get(app.url(&thread_path(report.id))).send().await,
        anonymous.get(app.url(SESSION_PATH)).send().await,
        anonymous
            .post(app.url(kuaibao_core::photo::tus::UPLOADS_PATH))
            .header("Tus-Resumable", kuaibao_core::photo::tus::VERSION)
            .send()
            .await,
        authorized("not-a-token").get(app.url(SUBMIT_REPORT_PATH)).send().await,
    ] {
        let (status, error) = api_error(res.expect("request")).await;
        assert_eq!(
            (status, error.error),
            (StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized)
        );
    }
    // Public: the health check, the catalogue and the app itself.
    for path in [HEALTH_PATH, TEMPLATES_PATH, "/"] {
        assert_eq!(
            anonymous.get(app.url(path)).send().await.expect("GET").status(),
            StatusCode::OK,
            "{path}"
        );
    }
    // Nothing was stored by the refused submission.
    assert!(app.list_as(&app.admin).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_login_is_refused_alike_for_a_wrong_password_and_an_unknown_user() {
    let (app, dirs) = spawn_app().await;
    let (status, wrong_password) = api_error(login_as(&app, REPORTER, "not-the-password").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, unknown) = api_error(login_as(&app, "nobody", PASSWORD).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong_password, unknown,
        "the answer does not tell which usernames exist"
    );
    // The account's administrator reads who tried its password, and from
    // where; an unknown username is no account's (the server's log has it).
    let pool = dirs.pool().await;
    let reporter_id = accounts::user_by_name(&pool, REPORTER)
        .await
        .expect("db")
        .expect("reporter")
        .account
        .id;
    let mut failed = Vec::new();
    for _ in 0..50 {
        let log = audit::all(&pool).await.expect("audit");
        failed = log.into_iter().filter(|e| e.action == "session.login_failed").collect();
        if !failed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pool.close().await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].subject, reporter_id);
    assert_eq!(
        (failed[0].actor_id.as_deref(), failed[0].device_id.as_deref()),
        (None, Some(DEVICE))
    );
    let detail: serde_json::Value = serde_json::from_str(&failed[0].detail).expect("json");
    assert_eq!(
        (&detail["username"], &detail["from"]),
        (&REPORTER.into(), &"127.0.0.1".into())
    );

    // A form with mistakes names each field.
    let res = Client::new()
        .post(app.url(SESSION_PATH))
        .json(&serde_json::json!({ "username": "", "password": "", "device_id": "my phone" }))
        .send()
        .await
        .expect("POST");
    let (status, error) = api_error(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = error.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["username", "password", "device_id"]);
    // A NUL in the username (which PostgreSQL text cannot hold) is a
    // mistake in the form, not a server error.
    let (status, error) = api_error(login_as(&app, "li\u{0}", PASSWORD).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.fields[0].field, "username");

    // The right password: a session naming the account and its area.
    let res = login_as(&app, REPORTER, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let session: Session = res.json().await.expect("session");
    assert_eq!(session.account.username, REPORTER);
    assert_eq!(session.account.role, Role::Reporter);
    assert_eq!(session.account.area.id, GRID);
    let days = (session.expires_at - Utc::now()).num_days();
    assert!((29..=30).contains(&days), "a month by default, not {days} days");
    let info: SessionInfo = authorized(&session.token)
        .get(app.url(SESSION_PATH))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("session info");
    assert_eq!(info.account, session.account);
    app.stop().await;
}

#[tokio::test]
async fn sessions_end_by_expiry_logout_revocation_and_disabling() {
    let dirs = dirs();
    let app = start_with(&dirs, |c| c.session_lifetime = Duration::from_secs(2)).await;
    let report = new_report();
    receipt(app.submit(&report).await, StatusCode::CREATED).await;

    // Logout ends that session only.
    let other = session_of(&app.base, REPORTER).await;
    let res = authorized(&other.token)
        .delete(app.url(SESSION_PATH))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = authorized(&other.token)
        .get(app.url(SESSION_PATH))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get(SESSION_PATH).await.status(), StatusCode::OK);

    // Expiry: the reporter's session lasted two seconds.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let (status, error) = api_error(app.submit(&new_report()).await).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized)
    );
    // A new login, and the replay of the stored report still gets its
    // first receipt: an expired session loses nothing.
    let fresh = login(&app.base, REPORTER).await;
    let res = fresh
        .post(app.url(SUBMIT_REPORT_PATH))
        .json(&report)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::OK);

    // Revocation from the command line's function ends every session.
    let pool = dirs.pool().await;
    let ended = accounts::revoke_user(&pool, &audit::Actor::command_line(), REPORTER, false)
        .await
        .expect("db")
        .expect("user exists");
    assert!(ended >= 1);
    let res = fresh.get(app.url(SUBMIT_REPORT_PATH)).send().await.expect("GET");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login_as(&app, REPORTER, PASSWORD).await.status(), StatusCode::CREATED);

    // Disabled: no more logins at all. The right password is told so, in
    // words that say what to do; a wrong one learns nothing.
    accounts::revoke_user(&pool, &audit::Actor::command_line(), REPORTER, true)
        .await
        .expect("db")
        .expect("user exists");
    let (status, error) = api_error(login_as(&app, REPORTER, PASSWORD).await).await;
    assert_eq!((status, error.error), (StatusCode::FORBIDDEN, ApiErrorCode::Forbidden));
    assert!(
        error.message.starts_with("此账号已停用") && error.message.contains("打电话向值班室报告"),
        "{}",
        error.message
    );
    assert_eq!(
        login_as(&app, REPORTER, "not-the-password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    pool.close().await;
    app.stop().await;
}

#[tokio::test]
async fn the_audit_log_names_who_changed_what_from_which_device() {
    let (app, dirs) = spawn_app().await;
    let bytes = jpeg(25_000, 3);
    let report = hazard_with_photos(&[&bytes]);
    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    // A replay changes nothing, so it is not logged.
    receipt(app.submit(&report).await, StatusCode::OK).await;
    let (location, _) = app.tus_created(&report.photos[0]).await;
    app.tus_patch(&location, 0, &bytes, None).await;

    let pool = dirs.pool().await;
    let log = audit::all(&pool).await.expect("audit");
    let user_id = accounts::user_by_name(&pool, REPORTER)
        .await
        .expect("db")
        .expect("reporter")
        .account
        .id;
    pool.close().await;
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    // The fixture's areas and accounts, from the command line…
    assert_eq!(actions.iter().filter(|a| **a == "area.add").count(), 7);
    assert_eq!(actions.iter().filter(|a| **a == "user.add").count(), 2);
    assert!(log
        .iter()
        .filter(|e| e.action.ends_with(".add"))
        .all(|e| e.actor_id.is_none() && e.device_id.as_deref() == Some(audit::CLI_DEVICE)));
    // …then the reporter's own changes, from her phone.
    let hers: Vec<&audit::Entry> = log
        .iter()
        .filter(|e| e.actor_id.as_deref() == Some(&*user_id))
        .collect();
    let her_actions: Vec<&str> = hers.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(her_actions, ["session.login", "report.store", "photo.arrive"]);
    assert!(hers.iter().all(|e| e.device_id.as_deref() == Some(DEVICE)));
    assert_eq!(hers[1].subject, report.id.to_string());
    assert_eq!(hers[2].subject, report.photos[0].id.to_string());
    // Times are the server's, in order.
    assert!(log.windows(2).all(|w| w[0].at <= w[1].at && w[0].seq < w[1].seq));
    // Never a password or a token, nor their hashes.
    let text = serde_json::to_string(&log).expect("json");
    assert!(!text.contains(PASSWORD) && !text.contains(&app.token) && !text.contains("argon2"));

    // The log is append-only, like the reports.
    let pool = dirs.pool().await;
    let err = sqlx::query("DELETE FROM audit")
        .execute(&pool)
        .await
        .expect_err("no deletes");
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("UPDATE audit SET action = 'x'")
        .execute(&pool)
        .await
        .expect_err("no updates");
    assert!(err.to_string().contains("append-only"), "{err}");
    pool.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_phone_clock_two_hours_slow_is_measured_and_kept_with_the_record() {
    let (app, _dirs) = spawn_app().await;
    let two_hours = 2 * 3600 * 1000;
    let phone_now = Utc::now().timestamp_millis() - two_hours;
    let mut report = new_report();
    // What the phone measured at its last sync, stamped when written.
    report.clock_offset_ms = Some(two_hours);
    let send = |report: &Report, phone_ms: i64| {
        app.client
            .post(app.url(SUBMIT_REPORT_PATH))
            .header(CLOCK_HEADER, phone_ms.to_string())
            .json(report)
            .send()
    };
    let first: Receipt = receipt(send(&report, phone_now).await.expect("POST"), StatusCode::CREATED).await;
    let measured = first.clock_offset_ms.expect("the server measured the offset");
    assert!((measured - two_hours).abs() < 5_000, "offset {measured} ms");
    // A replay, even from a phone whose clock was fixed since, keeps the
    // offset measured when the record first arrived.
    let again: Receipt = receipt(
        send(&report, Utc::now().timestamp_millis()).await.expect("POST"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(again, first);
    let stored: StoredReport = app
        .get(&format!("{SUBMIT_REPORT_PATH}/{}", report.id))
        .await
        .json()
        .await
        .expect("stored");
    assert_eq!(stored.receipt.clock_offset_ms, Some(measured));
    assert_eq!(stored.report.clock_offset_ms, Some(two_hours));

    // Without the header, or with junk in it, there is simply no measure.
    let plain = new_report();
    let r: Receipt = receipt(app.submit(&plain).await, StatusCode::CREATED).await;
    assert_eq!(r.clock_offset_ms, None);
    let junk = new_report();
    let res = app
        .client
        .post(app.url(SUBMIT_REPORT_PATH))
        .header(CLOCK_HEADER, "yesterday")
        .json(&junk)
        .send()
        .await
        .expect("POST");
    assert_eq!(receipt(res, StatusCode::CREATED).await.clock_offset_ms, None);
    app.stop().await;
}

/// Each command of the binary answers `--help` (and `help <command>`) on
/// stdout with status 0, naming its arguments; no settings are needed.
#[test]
fn every_command_of_the_binary_has_help() {
    for (words, names) in [
        (&[][..], &["area", "user", "audit", "fsck", "backup", "restore"][..]),
        (&["serve"], &[]),
        (&["area"], &["add", "list", "phone"]),
        (
            &["area", "add"],
            &["<CODE>", "--name", "--level", "--parent", "district"],
        ),
        (&["area", "list"], &[]),
        (&["area", "phone"], &["<CODE>", "<NUMBER>"]),
        (
            &["user"],
            &["add", "profile", "password", "move", "revoke", "disable", "enable"],
        ),
        (
            &["user", "add"],
            &[
                "<USERNAME>",
                "--role",
                "--area",
                "--name",
                "--phone",
                "--unit",
                "--post",
                "standard input",
            ],
        ),
        (
            &["user", "profile"],
            &["<USERNAME>", "--name", "--phone", "--unit", "--post"],
        ),
        (&["user", "revoke"], &["<USERNAME>"]),
        (&["user", "disable"], &["<USERNAME>"]),
        (&["user", "enable"], &["<USERNAME>"]),
        (&["user", "password"], &["<USERNAME>"]),
        (&["user", "move"], &["<USERNAME>", "--area", "--role"]),
        (&["audit"], &[]),
        (&["fsck"], &[]),
        (&["backup"], &["<DIR>"]),
        (&["restore"], &["<DIR>"]),
    ] {
        for asked in [[words, &["--help"][..]].concat(), [&["help"][..], words].concat()] {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_kuaibao-server"))
                .args(&asked)
                .env_clear()
                .output()
                .expect("run kuaibao-server");
            let help = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{asked:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(help.contains("Usage: kuaibao-server"), "{asked:?}: {help}");
            for name in names {
                assert!(help.contains(name), "{asked:?}: {name} in {help}");
            }
        }
    }
}

/// The admin command as an administrator runs it: the first district and
/// administrator on an empty server, then a login with that password.
#[tokio::test]
async fn the_first_administrator_is_made_with_the_command_line() {
    let dirs = dirs();
    let run = |args: &[&str], stdin: &str| admin_command(&dirs, args, stdin);
    let out = run(&["area", "add", "xh", "--name", "西湖区", "--level", "district"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(
        &[
            "user",
            "add",
            "chief",
            "--role",
            "admin",
            "--area",
            "xh",
            "--name",
            "值班主任",
            "--phone",
            "0571-8888 1234",
            "--unit",
            "西湖区应急管理局",
        ],
        "a-long-password\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "added admin chief (值班主任) in area xh\n"
    );
    // The profile is changed later: a post added, the unit kept.
    let out = run(&["user", "profile", "chief", "--post", "值班长"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "chief: name 值班主任, phone 0571-8888 1234, unit 西湖区应急管理局, post 值班长\n"
    );
    let out = run(&["user", "profile", "chief", "--phone", "110"], "");
    assert_eq!(out.status.code(), Some(2), "a phone of three digits is refused");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("--phone: "));
    let out = run(&["user", "profile", "nobody", "--post", "x"], "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user `nobody`"));
    // Mistakes exit with a reason and change nothing.
    let out = run(
        &["user", "add", "shorty", "--role", "reporter", "--area", "xh"],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8 characters"));
    let out = run(
        &["user", "add", "lost", "--role", "reporter", "--area", "nowhere"],
        "a-long-password\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no area `nowhere`"));
    let out = run(&["user", "add", "x", "--role", "boss", "--area", "xh"], "");
    assert_eq!(out.status.code(), Some(2));

    let app = start(&dirs).await;
    let res = login_as(&app, "chief", "a-long-password").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let session: Session = res.json().await.expect("session");
    assert_eq!(session.account.role, Role::Admin);
    assert_eq!(session.account.display_name, "值班主任");
    assert_eq!(
        (
            session.account.phone.as_str(),
            session.account.unit.as_str(),
            session.account.post.as_str()
        ),
        ("0571-8888 1234", "西湖区应急管理局", "值班长"),
        "the profile is served with the session, for the phone to prefill"
    );
    assert_eq!(
        login_as(&app, "shorty", "short").await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

/// GET `/api/session` with `token`: its status.
async fn whoami_status(app: &TestApp, token: &str) -> StatusCode {
    authorized(token)
        .get(app.url(SESSION_PATH))
        .send()
        .await
        .expect("GET /api/session")
        .status()
}

/// POST a new report with `token`: its status.
async fn submit_status(app: &TestApp, token: &str) -> StatusCode {
    authorized(token)
        .post(app.url(SUBMIT_REPORT_PATH))
        .json(&new_report())
        .send()
        .await
        .expect("POST /api/reports")
        .status()
}

/// Sessions are cached for a moment (`auth::cache`); ending one in this
/// process — logout, revocation, disabling — must still be obeyed by the
/// very next request, however recently the session was used.
#[tokio::test]
async fn a_cached_session_ends_at_once_on_logout_revocation_and_disabling() {
    let dirs = dirs();
    let app = start(&dirs).await;

    // Logout: the session was just used (so it is in the cache).
    let session = session_of(&app.base, REPORTER).await;
    for _ in 0..3 {
        assert_eq!(whoami_status(&app, &session.token).await, StatusCode::OK);
        assert_eq!(submit_status(&app, &session.token).await, StatusCode::CREATED);
    }
    let res = authorized(&session.token)
        .delete(app.url(SESSION_PATH))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(whoami_status(&app, &session.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(submit_status(&app, &session.token).await, StatusCode::UNAUTHORIZED);

    // Revocation by the command line's function, run in this process.
    let pool = dirs.pool().await;
    let session = session_of(&app.base, REPORTER).await;
    assert_eq!(submit_status(&app, &session.token).await, StatusCode::CREATED);
    assert_eq!(whoami_status(&app, &session.token).await, StatusCode::OK);
    accounts::revoke_user(&pool, &audit::Actor::command_line(), REPORTER, false)
        .await
        .expect("db")
        .expect("user exists");
    assert_eq!(submit_status(&app, &session.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami_status(&app, &session.token).await, StatusCode::UNAUTHORIZED);

    // Disabling: the same, and no new login either.
    let session = session_of(&app.base, REPORTER).await;
    assert_eq!(submit_status(&app, &session.token).await, StatusCode::CREATED);
    accounts::revoke_user(&pool, &audit::Actor::command_line(), REPORTER, true)
        .await
        .expect("db")
        .expect("user exists");
    assert_eq!(submit_status(&app, &session.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login_as(&app, REPORTER, PASSWORD).await.status(),
        StatusCode::FORBIDDEN,
        "disabled: told so"
    );
    pool.close().await;
    app.stop().await;
}

/// A revocation this process cannot see (another process writing the
/// database, as `kuaibao-server user revoke` does) is obeyed within the
/// cache's window, and a session's expiry is never stretched by the cache.
#[tokio::test]
async fn a_session_ended_elsewhere_is_refused_within_the_cache_window() {
    use kuaibao_server::auth::cache::WINDOW;
    let dirs = dirs();
    let app = start_with(&dirs, |c| c.session_lifetime = Duration::from_secs(3)).await;
    let revoked = session_of(&app.base, REPORTER).await;
    let expiring = session_of(&app.base, REPORTER).await;
    assert_eq!(whoami_status(&app, &revoked.token).await, StatusCode::OK);
    assert_eq!(whoami_status(&app, &expiring.token).await, StatusCode::OK);

    // Behind the server's back: no call of this process is involved.
    let pool = dirs.pool().await;
    let token_sha256 = kuaibao_server::auth::token::token_sha256(&revoked.token);
    let done = sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_sha256 = $2")
        .bind(kuaibao_server::db::photos::db_time(Utc::now()))
        .bind(&token_sha256)
        .execute(&pool)
        .await
        .expect("revoke behind the server's back");
    assert_eq!(done.rows_affected(), 1);
    pool.close().await;

    tokio::time::sleep(WINDOW + Duration::from_millis(200)).await;
    assert_eq!(whoami_status(&app, &revoked.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(submit_status(&app, &revoked.token).await, StatusCode::UNAUTHORIZED);

    // Used all along, so always fresh in the cache: refused at its expiry
    // all the same.
    let expires = expiring.expires_at;
    while Utc::now() < expires - chrono::TimeDelta::milliseconds(300) {
        assert_eq!(whoami_status(&app, &expiring.token).await, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    while Utc::now() <= expires {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(whoami_status(&app, &expiring.token).await, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// A report without photos is stored with its audit row in one statement
/// on PostgreSQL, in one transaction on SQLite: either way exactly one row
/// and one audit row, however often and however concurrently it is sent.
#[tokio::test]
async fn a_text_report_gets_one_row_and_one_audit_row_however_often_sent() {
    let (app, dirs) = spawn_app().await;
    let report = new_report();
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (client, url, report) = (app.client.clone(), app.url(SUBMIT_REPORT_PATH), report.clone());
        sends.spawn(async move {
            let res = client.post(url).json(&report).send().await.expect("POST");
            let status = res.status();
            (status, res.json::<Receipt>().await.expect("receipt"))
        });
    }
    let receipts = sends.join_all().await;
    assert_eq!(
        receipts.iter().filter(|(s, _)| *s == StatusCode::CREATED).count(),
        1,
        "one first receipt"
    );
    assert!(receipts.windows(2).all(|w| w[0].1 == w[1].1), "one receipt");
    let replay = sealed_receipt(app.submit(&report).await, StatusCode::OK).await;
    assert_eq!(replay, receipts[0].1);

    let pool = dirs.pool().await;
    let id = report.id.to_string();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM reports WHERE id = $1")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    let log: Vec<_> = audit::all(&pool)
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.subject == id)
        .collect();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].action, "report.store");
    assert!(log[0].actor_id.is_some());
    assert_eq!(log[0].device_id.as_deref(), Some(DEVICE));
    let detail: serde_json::Value = serde_json::from_str(&log[0].detail).expect("detail");
    assert_eq!(detail["template"], report.template_id.as_str());
    assert_eq!(detail["thread"], id.as_str());
    pool.close().await;
    app.stop().await;
}

/// Runs the admin command `args` on the data of `dirs`, `stdin` piped in,
/// as system account `ops-alice`.
fn admin_command(dirs: &Dirs, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = server_command(dirs)
        .args(args)
        .env("USER", "ops-alice")
        .env_remove("SUDO_USER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kuaibao-server");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Polls `check` for up to 5 s (a change made by another process is
/// obeyed once the session cache's window has passed).
async fn within_seconds(mut check: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..50 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// A password that got out is changed (every session ends, the old one
/// logs in no more); an officer moved to another area can no longer write
/// into the old one's threads (refused, nothing stored); a disabled account
/// is enabled again. Each is audited with who ran the command.
#[tokio::test]
async fn the_command_line_changes_a_password_moves_an_account_and_enables_one_each_audited() {
    use kuaibao_core::desk::office::{AskFollowUp, ASK_PATH};
    let (app, dirs) = spawn_app().await;
    let stdout = |out: &std::process::Output| {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    // The password.
    let before = session_of(&app.base, REPORTER).await;
    let out = admin_command(&dirs, &["user", "password", REPORTER], "a-new-password-2026\n");
    assert!(stdout(&out).starts_with("reporter: new password set; "), "{out:?}");
    assert!(within_seconds(async || whoami_status(&app, &before.token).await == StatusCode::UNAUTHORIZED).await);
    assert_eq!(
        login_as(&app, REPORTER, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_as(&app, REPORTER, "a-new-password-2026").await.status(),
        StatusCode::CREATED
    );
    let out = admin_command(&dirs, &["user", "password", REPORTER], "short\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8 characters"));
    let out = admin_command(&dirs, &["user", "password", REPORTER], "reporter\n");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the password is the username"),
        "{out:?}"
    );

    // An officer of township d-t1 moved to d-t2.
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let session: Session = login_as(&app, REPORTER, "a-new-password-2026")
        .await
        .json()
        .await
        .expect("a session");
    let reporter = authorized(&session.token);
    let report = new_report();
    let res = reporter
        .post(app.url(SUBMIT_REPORT_PATH))
        .json(&report)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::CREATED);
    let ask = |message: &str| AskFollowUp {
        id: uuid::Uuid::new_v4(),
        message: message.to_owned(),
    };
    let ask_path = ASK_PATH.replace("{id}", &report.id.to_string());
    let res = officer
        .post(app.url(&ask_path))
        .json(&ask("请续报"))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::CREATED, "d-t1's officer asks in d-t1");
    let out = admin_command(&dirs, &["user", "move", "officer-t1", "--area", "d-t2"], "");
    assert!(stdout(&out).starts_with("officer-t1: officer in area d-t2 "), "{out:?}");
    // Obeyed once the session cache's window has passed (read, so that
    // nothing is written meanwhile).
    let gone = within_seconds(async || {
        let inbox = app.inbox(&officer, &[]).await;
        !inbox.threads.iter().any(|t| t.thread_id == report.id)
    })
    .await;
    assert!(gone, "d-t1's thread leaves the moved officer's inbox");
    let res = officer
        .post(app.url(&ask_path))
        .json(&ask("再续报"))
        .send()
        .await
        .expect("POST");
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "moved away, d-t1's threads are not the officer's to write into"
    );
    for (args, says) in [
        (&["user", "move", "officer-t1"][..], "give --area, --role or both"),
        (
            &["user", "move", "officer-t1", "--area", "nowhere"][..],
            "no area `nowhere`",
        ),
        (&["user", "move", "nobody", "--role", "admin"][..], "no user `nobody`"),
    ] {
        let out = admin_command(&dirs, args, "");
        assert!(!out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{args:?}: {out:?}");
    }

    // Disabled, then enabled again.
    stdout(&admin_command(&dirs, &["user", "disable", REPORTER], ""));
    assert_eq!(
        login_as(&app, REPORTER, "a-new-password-2026").await.status(),
        StatusCode::FORBIDDEN
    );
    let out = admin_command(&dirs, &["user", "enable", REPORTER], "");
    assert_eq!(stdout(&out), "reporter: enabled; it may log in again\n");
    assert_eq!(
        login_as(&app, REPORTER, "a-new-password-2026").await.status(),
        StatusCode::CREATED
    );
    let out = admin_command(&dirs, &["user", "enable", REPORTER], "");
    assert_eq!(stdout(&out), "reporter: was not disabled\n");

    // The log: each change by the command line, with who ran it; the
    // move with what it was; the refused ask not stored.
    let pool = dirs.pool().await;
    let log = audit::all(&pool).await.expect("audit");
    pool.close().await;
    let of = |action: &str| log.iter().filter(|e| e.action == action).collect::<Vec<_>>();
    for action in ["user.password", "user.move", "user.disable", "user.enable"] {
        let entries = of(action);
        assert_eq!(entries.len(), 1, "{action}: {entries:?}");
        let detail: serde_json::Value = serde_json::from_str(&entries[0].detail).expect("json");
        assert_eq!(detail["os_user"], "ops-alice", "{action}: {detail}");
        assert_eq!(entries[0].device_id.as_deref(), Some(audit::CLI_DEVICE));
    }
    let detail: serde_json::Value = serde_json::from_str(&of("user.move")[0].detail).expect("json");
    assert_eq!(
        (&detail["area"], &detail["was"]["area"]),
        (&"d-t2".into(), &"d-t1".into())
    );
    assert!(of("user.password")[0].detail.contains("sessions_ended"));
    assert_eq!(of("thread.ask").len(), 1, "the refused ask stored nothing");
    app.stop().await;
}
