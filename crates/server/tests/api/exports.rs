//! The exports, read back by tools that are not ours: the CSV by the `csv`
//! crate, the GeoJSON by the `geojson` crate, the CAP alerts by `xmllint`
//! against the official OASIS CAP 1.2 schema (tests/fixtures/). And the
//! scope: an officer of the neighbouring township gets no rows and 404s.

use std::path::Path;
use std::process::Command;

use base64::Engine;
use kuaibao_core::account::Role;
use kuaibao_core::wire::protocol::CLOCK_HEADER;
use kuaibao_server::db::accounts;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY};
use reqwest::Client;
use sha2::{Digest, Sha256};

use super::uploads::{hazard_with_photos, jpeg};
use super::*;

const CSV: &str = "/api/exports/reports.csv";
const GEOJSON: &str = "/api/exports/reports.geojson";
const CAP_SENDER: &str = "yjj@d.example.cn";

/// The header row, as a person reads it (the server's own list is not
/// consulted: this is what the file must say).
const HEADER: [&str; 24] = [
    "事件编号",
    "记录编号",
    "阶段",
    "类别代码",
    "类别",
    "区域代码",
    "区域",
    "报告人账号",
    "报告人",
    "等级",
    "发生时间",
    "填报时间",
    "接收时间",
    "手机时钟偏差（毫秒）",
    "纬度",
    "经度",
    "照片应到",
    "照片已到",
    "报告内容",
    "地点",
    "联系电话",
    "责任单位",
    "整改期限",
    "送达方式",
];

/// Answers with what breaks naive writers: quotes, commas, a line break
/// and XML's markup characters.
const AWKWARD: &str = "滑坡冲毁\"村道\", 约 50 米\n<b>&'已封路'</b>";

fn cap_path(thread: ReportId) -> String {
    format!("/api/threads/{thread}/cap")
}

fn written_path(record: ReportId) -> String {
    format!("/api/reports/{record}/written")
}

/// What every test here starts from: the fixture reporter's incident (首报
/// and 续报一, with awkward text) and hazard (one photo, arrived), a second
/// reporter of the same grid whose display name is a formula and whose
/// phone clock is an hour fast, and officers of d-t1 (hers) and d-t2 (the
/// neighbour).
struct World {
    app: TestApp,
    /// The data dir and database, kept until the test ends.
    _dirs: Dirs,
    first: Report,
    follow_up: Report,
    hazard: Report,
    formula: Report,
    officer: Client,
    neighbour: Client,
}

async fn world() -> World {
    let dirs = dirs();
    let app = start_with(&dirs, |c| c.cap_sender = CAP_SENDER.to_owned()).await;
    let pool = dirs.pool().await;
    add_user(&pool, "officer-t1", Role::Officer, "d-t1").await;
    add_user(&pool, "officer-t2", Role::Officer, "d-t2").await;
    let hash = kuaibao_server::auth::password::hash(PASSWORD).expect("hash");
    accounts::add_user(
        &pool,
        &kuaibao_server::db::audit::Actor::command_line(),
        &accounts::NewUser {
            username: "formula",
            display_name: "=1+1 王",
            role: Role::Reporter,
            area: GRID,
            password_hash: &hash,
            profile: Default::default(),
        },
    )
    .await
    .expect("stored")
    .expect("a new account");
    pool.close().await;
    let officer = login(&app.base, "officer-t1").await;
    let neighbour = login(&app.base, "officer-t2").await;

    let mut first = incident(Stage::Initial, None, 0);
    first.answers.insert("what_happened".into(), AWKWARD.into());
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let mut follow_up = incident(Stage::FollowUp { n: 1 }, Some(first.id), 5);
    follow_up.answers.insert("dead".into(), "4".into());
    receipt(app.submit(&follow_up).await, StatusCode::CREATED).await;

    let bytes = jpeg(20_000, 11);
    let hazard = hazard_with_photos(&[&bytes]);
    receipt(app.submit(&hazard).await, StatusCode::CREATED).await;
    let (location, _) = app.tus_created(&hazard.photos[0]).await;
    assert_eq!(
        app.tus_patch(&location, 0, &bytes, None).await.status(),
        StatusCode::NO_CONTENT
    );

    let formula = new_report();
    let fast_phone = Utc::now().timestamp_millis() + 3600 * 1000;
    let res = login(&app.base, "formula")
        .await
        .post(app.url(SUBMIT_REPORT_PATH))
        .header(CLOCK_HEADER, fast_phone.to_string())
        .json(&formula)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::CREATED);

    World {
        app,
        _dirs: dirs,
        first,
        follow_up,
        hazard,
        formula,
        officer,
        neighbour,
    }
}

/// The CSV's records (header included), after checking the BOM and the
/// download headers; parsed by the `csv` crate.
async fn csv_rows(app: &TestApp, client: &Client, query: &str) -> Vec<Vec<String>> {
    let res = app.get_as(client, &format!("{CSV}{query}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = res.headers()[CONTENT_DISPOSITION].to_str().expect("ascii").to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"kuaibao-reports-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let bytes = res.bytes().await.expect("body");
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 byte-order mark first");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
    reader
        .records()
        .map(|r| r.expect("an RFC 4180 record").iter().map(str::to_owned).collect())
        .collect()
}

fn column(name: &str) -> usize {
    HEADER.iter().position(|h| *h == name).expect("a column")
}

/// The column of figure `id`, found as a program would: by the blank id in
/// brackets at the end of its header.
fn figure_column(header: &[String], id: &str) -> usize {
    let tail = format!("[{id}]");
    let found: Vec<usize> = (0..header.len()).filter(|i| header[*i].ends_with(&tail)).collect();
    assert_eq!(found.len(), 1, "one column for {id}: {header:?}");
    found[0]
}

#[tokio::test]
async fn the_csv_is_utf8_with_a_bom_one_row_per_record_and_defuses_formulas() {
    let w = world().await;
    let rows = csv_rows(&w.app, &w.officer, "").await;
    assert_eq!(rows[0][..HEADER.len()], HEADER, "the header row, in Chinese");
    let header = &rows[0];
    let body = &rows[1..];
    assert_eq!(body.len(), 4, "first, follow-up, hazard, formula: {body:?}");
    assert!(body.iter().all(|r| r.len() == header.len()));
    let by_id = |id: ReportId| {
        body.iter()
            .find(|r| r[column("记录编号")] == id.to_string())
            .unwrap_or_else(|| panic!("a row for {id}"))
    };

    let first = by_id(w.first.id);
    let follow_up = by_id(w.follow_up.id);
    assert_eq!(first[column("事件编号")], w.first.id.to_string());
    assert_eq!(follow_up[column("事件编号")], w.first.id.to_string());
    assert_eq!(first[column("阶段")], "首报");
    assert_eq!(follow_up[column("阶段")], "续报一");
    assert_eq!(first[column("类别")], "其他突发事件");
    assert_eq!(first[column("区域代码")], GRID);
    assert_eq!(first[column("区域")], format!("区域 {GRID}"));
    assert_eq!(first[column("报告人账号")], REPORTER);
    assert_eq!(first[column("等级")], "一般（Ⅳ级）");
    assert_eq!(follow_up[column("等级")], "较大（Ⅲ级）", "4 dead");
    assert_eq!(first[column("纬度")], "30.6586");
    assert_eq!(first[column("经度")], "104.0648");
    assert!(first[column("发生时间")].ends_with("+08:00"));
    assert!(first[column("接收时间")].ends_with("+08:00"));
    // The Chinese text, quotes, commas and markup, back as written (the
    // line break is a space in the one-line sentence).
    let text = &first[column("报告内容")];
    assert!(text.contains("青石村三组后山"), "{text}");
    assert!(text.contains("滑坡冲毁\"村道\", 约 50 米 <b>&'已封路'</b>"), "{text}");
    assert!(text.contains("纬度 30.658600，经度 104.064800"), "{text}");

    // One column per figure, after the fixed ones, each once, headed by
    // label, unit and id; every record's own figure in it.
    let figures = &header[HEADER.len()..];
    assert!(figures.len() >= 10, "every Count and Amount blank: {figures:?}");
    let dead = figure_column(header, "dead");
    assert_eq!(header[dead], "死亡人数（人）[dead]");
    assert_eq!(
        header[figure_column(header, "direct_loss")],
        "直接经济损失（万元）[direct_loss]"
    );
    assert_eq!(Some(&first[dead]), w.first.answers.get("dead"));
    assert_eq!(follow_up[dead], "4");
    let injured = figure_column(header, "injured");
    assert_eq!(Some(&follow_up[injured]), w.follow_up.answers.get("injured"));
    // A figure the general template does not have: empty for its records.
    let collapsed = figure_column(header, "houses_collapsed");
    assert_eq!(first[collapsed], "");

    // Where, and whom to call back, as typed: columns of their own.
    assert_eq!(Some(&first[column("地点")]), w.first.answers.get("place"));
    assert_eq!(Some(&first[column("联系电话")]), w.first.answers.get("phone"));
    assert_eq!(first[column("责任单位")], "");
    assert_eq!(first[column("送达方式")], "应用", "sent from the app");

    let hazard = by_id(w.hazard.id);
    assert_eq!(hazard[column("阶段")], "发现隐患");
    assert_eq!(Some(&hazard[column("责任单位")]), w.hazard.answers.get("responsible"));
    assert_eq!(Some(&hazard[column("整改期限")]), w.hazard.answers.get("rectify_by"));
    assert_eq!(hazard[dead], "", "a hazard has no casualty figures");
    assert_eq!(hazard[column("等级")], "");
    assert_eq!(
        (hazard[column("照片应到")].as_str(), hazard[column("照片已到")].as_str()),
        ("1", "1")
    );

    // A display name that is a formula is text; a negative number is not
    // touched (the phone is an hour fast: the offset is about -3600000).
    let formula = by_id(w.formula.id);
    assert_eq!(formula[column("报告人")], "'=1+1 王");
    let offset: i64 = formula[column("手机时钟偏差（毫秒）")].parse().expect("a plain number");
    assert!((offset + 3_600_000).abs() < 10_000, "{offset}");

    // Filters keep whole threads.
    let hazards = csv_rows(&w.app, &w.officer, "?category=hazard").await;
    assert_eq!(hazards.len(), 2);
    assert_eq!(hazards[1][column("记录编号")], w.hazard.id.to_string());
    let grave = csv_rows(&w.app, &w.officer, "?grade=III").await;
    let ids: Vec<&str> = grave[1..].iter().map(|r| r[column("记录编号")].as_str()).collect();
    assert_eq!(ids.len(), 2, "the thread graded III has both its records: {ids:?}");
    assert_eq!(csv_rows(&w.app, &w.officer, "?area=d-t2").await.len(), 1);
    assert_eq!(csv_rows(&w.app, &w.officer, &format!("?area={GRID}")).await.len(), 5);
    let (status, error) = api_error(w.app.get_as(&w.officer, &format!("{CSV}?grade=V")).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.fields[0].field, "grade");
    let (status, _) = api_error(w.app.get_as(&w.officer, &format!("{CSV}?colour=red")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The neighbouring township's officer: the header, no rows.
    let none = csv_rows(&w.app, &w.neighbour, "").await;
    assert_eq!(none, vec![header.clone()]);
    // The reporter: her own three records.
    assert_eq!(csv_rows(&w.app, &w.app.client, "").await.len(), 4);
    w.app.stop().await;
}

#[tokio::test]
async fn the_geojson_is_rfc_7946_with_longitude_first() {
    let w = world().await;
    // A 首报 and a call the officer logged after it (which sorts after it):
    // a record of the thread, not its latest report.
    let called = incident(Stage::Initial, None, 20);
    assert_eq!(w.app.submit(&called).await.status(), StatusCode::CREATED);
    let logged = super::deadlines::call(called.id, 1, 30);
    assert_eq!(w.app.submit_by(&w.officer, &logged).await.status(), StatusCode::CREATED);
    let res = w.app.get_as(&w.officer, GEOJSON).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/geo+json");
    let text = res.text().await.expect("body");
    let parsed: geojson::GeoJson = text.parse().expect("GeoJSON");
    let geojson::GeoJson::FeatureCollection(collection) = parsed else {
        panic!("not a FeatureCollection: {text}")
    };
    assert_eq!(collection.features.len(), 4, "one feature per thread");
    let feature = |thread: ReportId| {
        collection
            .features
            .iter()
            .find(|f| {
                f.properties
                    .as_ref()
                    .and_then(|p| p.get("thread_id"))
                    .and_then(|v| v.as_str())
                    == Some(&thread.to_string())
            })
            .unwrap_or_else(|| panic!("a feature for {thread}"))
    };

    let incident = feature(w.first.id);
    let geometry = incident.geometry.as_ref().expect("a position");
    let geojson::GeometryValue::Point { coordinates } = &geometry.value else {
        panic!("not a point: {geometry:?}")
    };
    // [longitude, latitude]: the phone's 30.6586 N, 104.0648 E.
    assert_eq!(coordinates.as_slice(), &[104.0648, 30.6586]);
    let props = incident.properties.as_ref().expect("properties");
    assert_eq!(props["stage"], "续报一");
    assert_eq!(props["grade"], "III");
    assert_eq!(props["records"], 2);
    assert_eq!(props["area"], format!("区域 {GRID}"));
    assert_eq!(props["reporter"], REPORTER);
    assert_eq!(
        props["record_ids"],
        serde_json::json!([w.first.id.to_string(), w.follow_up.id.to_string()])
    );
    let called = feature(called.id).properties.as_ref().expect("properties");
    assert_eq!(called["records"], 2);
    assert_eq!(called["stage"], "首报");
    assert_eq!(
        called["latest_record_id"],
        logged.thread.map(|id| id.to_string()).unwrap_or_default(),
        "the 首报, not the call"
    );

    // The hazard was found with no GPS: a feature without geometry.
    let hazard = feature(w.hazard.id);
    assert!(hazard.geometry.is_none(), "{hazard:?}");
    let props = hazard.properties.as_ref().expect("properties");
    assert_eq!(props["hazard"], true);
    assert_eq!(
        (props["photos_expected"].as_u64(), props["photos_arrived"].as_u64()),
        (Some(1), Some(1))
    );

    let res = w.app.get_as(&w.neighbour, GEOJSON).await;
    let empty: geojson::FeatureCollection = res.text().await.expect("body").parse().expect("GeoJSON");
    assert!(empty.features.is_empty(), "the neighbour sees nothing");
    w.app.stop().await;
}

/// Validates `xml` against the official CAP 1.2 schema with xmllint; its
/// verdict and what it said. Fails (never skips) without xmllint.
fn xmllint(xml: &str) -> (bool, String) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/CAP-v1.2.xsd");
    let dir = TempDir::new().expect("temp dir");
    let file = dir.path().join("alert.xml");
    std::fs::write(&file, xml).expect("write alert");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!("xmllint cannot run ({e}): `cargo xtask setup --browser` installs it (Debian's libxml2-utils)")
        });
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.success(), said)
}

async fn cap_of(app: &TestApp, client: &Client, path: &str) -> String {
    let res = app.get_as(client, path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    assert_eq!(res.headers()[CONTENT_TYPE], "application/cap+xml");
    res.text().await.expect("body")
}

/// The text of the first `<name>` element of `xml`.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

#[tokio::test]
async fn cap_alerts_validate_against_the_official_cap_1_2_schema() {
    let w = world().await;
    let thread = cap_path(w.first.id);

    // The latest record: an update referring to the first.
    let update = cap_of(&w.app, &w.officer, &thread).await;
    let (valid, said) = xmllint(&update);
    assert!(valid, "xmllint: {said}\n{update}");
    assert_eq!(
        element(&update, "identifier"),
        Some(format!("urn:uuid:{}", w.follow_up.id).as_str())
    );
    assert_eq!(element(&update, "sender"), Some(CAP_SENDER));
    assert_eq!(element(&update, "msgType"), Some("Update"));
    assert_eq!(element(&update, "status"), Some("Actual"));
    assert_eq!(element(&update, "scope"), Some("Restricted"));
    assert_eq!(element(&update, "severity"), Some("Moderate"), "较大 (III)");
    assert_eq!(element(&update, "certainty"), Some("Observed"));
    assert_eq!(element(&update, "language"), Some("zh-CN"));
    assert_eq!(element(&update, "incidents"), Some(w.first.id.to_string().as_str()));
    assert_eq!(element(&update, "circle"), Some("30.6586,104.0648 0"));

    // The first record alone: the alert itself, which the update names.
    let alert = cap_of(&w.app, &w.officer, &format!("{thread}?record={}", w.first.id)).await;
    let (valid, said) = xmllint(&alert);
    assert!(valid, "xmllint: {said}\n{alert}");
    assert_eq!(element(&alert, "msgType"), Some("Alert"));
    assert_eq!(element(&alert, "severity"), Some("Minor"));
    assert!(element(&alert, "references").is_none());
    let sent = element(&alert, "sent").expect("sent");
    assert!(
        sent.ends_with("+08:00") && sent.len() == 25,
        "no fractions, an offset: {sent}"
    );
    assert_eq!(
        element(&update, "references"),
        Some(format!("{CAP_SENDER},urn:uuid:{},{sent}", w.first.id).as_str())
    );
    // The description is the filled sentence, escaped as XML.
    let description = element(&alert, "description").expect("description");
    assert!(
        description.contains("&quot;村道&quot;, 约 50 米 &lt;b&gt;&amp;&apos;已封路&apos;&lt;/b&gt;"),
        "{description}"
    );

    // A 首报 and a call logged after it: the alert is the 首报's, not the
    // call's (which sorts after it).
    let called = incident(Stage::Initial, None, 20);
    assert_eq!(w.app.submit(&called).await.status(), StatusCode::CREATED);
    let logged = super::deadlines::call(called.id, 1, 30);
    assert_eq!(w.app.submit_by(&w.officer, &logged).await.status(), StatusCode::CREATED);
    let first_alone = cap_of(&w.app, &w.officer, &cap_path(called.id)).await;
    assert_eq!(
        element(&first_alone, "identifier"),
        Some(format!("urn:uuid:{}", called.id).as_str())
    );
    assert_eq!(element(&first_alone, "msgType"), Some("Alert"));

    // An incident whose figures are not yet known is not graded: CAP's
    // `Unknown`, as the desk says 未定级, not the `Minor` of no deaths.
    // An earthquake's 首报 asks none of its figures yet.
    let earthquake = catalogue::find("earthquake", 1).expect("the catalogue's earthquake");
    let ungraded = Report {
        template_id: earthquake.id.into(),
        template_version: earthquake.version,
        answers: fill(earthquake, Stage::Initial),
        ..incident(Stage::Initial, None, 40)
    };
    receipt(w.app.submit(&ungraded).await, StatusCode::CREATED).await;
    let unknown = cap_of(&w.app, &w.officer, &cap_path(ungraded.id)).await;
    let (valid, said) = xmllint(&unknown);
    assert!(valid, "xmllint: {said}\n{unknown}");
    assert_eq!(element(&unknown, "severity"), Some("Unknown"));

    // The validator does judge: a status CAP does not know is refused.
    let (valid, _) = xmllint(&alert.replace("<status>Actual</status>", "<status>Real</status>"));
    assert!(!valid, "xmllint refuses a broken alert");

    // A hazard is no CAP alert; other threads and the neighbour: 404.
    let (status, error) = api_error(w.app.get_as(&w.officer, &cap_path(w.hazard.id)).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error.message.contains("hazard"), "{}", error.message);
    let (status, _) = api_error(w.app.get_as(&w.neighbour, &thread).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other = format!("{thread}?record={}", w.hazard.id);
    let (status, _) = api_error(w.app.get_as(&w.officer, &other).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // No record named is not "the latest": a bad id, said of `record`.
    for bad in ["", "latest"] {
        let (status, error) = api_error(w.app.get_as(&w.officer, &format!("{thread}?record={bad}")).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "record={bad}");
        assert!(error.message.contains("record"), "{}", error.message);
    }
    let (status, _) = api_error(w.app.get_as(&w.officer, &cap_path(new_id())).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    w.app.stop().await;
}

#[tokio::test]
async fn the_written_report_is_a_printable_page_within_the_csp() {
    let w = world().await;
    let res = w.app.get_as(&w.officer, &written_path(w.follow_up.id)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    let csp = res.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .to_owned();
    let html = res.text().await.expect("body");
    for part in [
        "<html lang=\"zh-CN\">",
        "书面报告",
        "续报一",
        "较大（Ⅲ级）",
        "死亡人数 4 ≥ 3",
        "发生时间",
        "填报时间",
        "接收时间",
        "时钟偏差",
        "送达方式",
        &format!("区域 {GRID}"),
        "青石村三组后山",
        "@media print",
    ] {
        assert!(html.contains(part), "{part}: {html}");
    }
    // Nothing the policy would block: no script, no style attribute, and
    // the one stylesheet's hash is in the policy.
    assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
    assert!(!html.contains(" style="), "{html}");
    let start = html.find("<style>").expect("a stylesheet") + "<style>".len();
    let end = html[start..].find("</style>").expect("its end") + start;
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&html.as_bytes()[start..end]));
    assert!(csp.contains(&format!("style-src 'self' 'sha256-{hash}'")), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");

    // The first record's own words, escaped as HTML.
    let first = w.app.get_as(&w.officer, &written_path(w.first.id)).await;
    let first = first.text().await.expect("body");
    assert!(
        first.contains("首报")
            && first.contains("&quot;村道&quot;, 约 50 米 &lt;b&gt;&amp;&apos;已封路&apos;&lt;/b&gt;"),
        "{first}"
    );

    // By any record, the whole thread in stage order, as by the thread.
    assert!(first.contains("<h2>续报一</h2>") && first.find("<h2>首报</h2>") < first.find("<h2>续报一</h2>"));
    let by_thread = w
        .app
        .get_as(&w.officer, &format!("/api/threads/{}/written", w.first.id))
        .await;
    assert_eq!(by_thread.status(), StatusCode::OK);
    let by_thread = by_thread.text().await.expect("body");
    assert!(
        by_thread.contains("首报 → 续报一") && by_thread.contains("未签发"),
        "{by_thread}"
    );

    // The hazard's photo, arrived, as a thumbnail the policy allows.
    let hazard = w.app.get_as(&w.officer, &written_path(w.hazard.id)).await;
    let hazard = hazard.text().await.expect("body");
    assert!(
        hazard.contains("风险隐患书面报告") && hazard.contains("应到 1 张，已到 1 张"),
        "{hazard}"
    );
    assert_eq!(
        hazard.matches("<img src=\"data:image/jpeg;base64,").count(),
        1,
        "{hazard}"
    );
    assert!(csp.contains("img-src 'self' blob: data:"), "{csp}");

    let (status, _) = api_error(w.app.get_as(&w.neighbour, &written_path(w.follow_up.id)).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api_error(w.app.get_as(&w.officer, &written_path(new_id())).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    w.app.stop().await;
}

/// Every picture a written report prints is in memory while the page is
/// made: it prints at most `MAX_PRINTED_IMAGE_BYTES` of them and says how
/// many it left out, whoever asks (a reporter may, on her own thread).
#[tokio::test]
async fn the_written_report_prints_a_bounded_weight_of_pictures_and_says_what_it_left_out() {
    use kuaibao_server::export::written::MAX_PRINTED_IMAGE_BYTES;
    let (app, _dirs) = spawn_app().await;
    let each = 7 * 1024 * 1024;
    // Odd seeds: `jpeg` makes a seed odd, so 60 and 61 are the same bytes.
    let photos: Vec<Vec<u8>> = (0..4).map(|i| jpeg(each, 61 + 2 * i)).collect();
    assert!(3 * each as u64 <= MAX_PRINTED_IMAGE_BYTES && 4 * each as u64 > MAX_PRINTED_IMAGE_BYTES);
    let refs: Vec<&[u8]> = photos.iter().map(Vec::as_slice).collect();
    let hazard = hazard_with_photos(&refs);
    receipt(app.submit(&hazard).await, StatusCode::CREATED).await;
    for (photo, bytes) in hazard.photos.iter().zip(&photos) {
        let (location, _) = app.tus_created(photo).await;
        assert_eq!(
            app.tus_send(&location, 0, bytes, 1 << 20).await.status(),
            StatusCode::NO_CONTENT
        );
    }
    let page = app.get(&written_path(hazard.id)).await.text().await.expect("body");
    let said: String = page.split("应到").nth(1).unwrap_or_default().chars().take(60).collect();
    assert_eq!(page.matches("<img src=\"data:image/jpeg;base64,").count(), 3, "{said}");
    assert!(
        page.contains("应到 4 张，已到 4 张；另有 1 张因篇幅未印出，请在值班室页面查看"),
        "{}",
        &page[..2000.min(page.len())]
    );
    app.stop().await;
}

/// Opens a connection that asks for `path` as the reporter, reads the
/// answer's head, and then reads nothing more, with a receive buffer of a
/// few KB: a reader who stops half way through.
async fn stalled_reader(app: &TestApp, path: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("receive buffer");
    let addr = app.base.trim_start_matches("http://").parse().expect("address");
    let mut stream = socket.connect(addr).await.expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\r\n",
        app.token
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut head = [0u8; 512];
    let n = tokio::time::timeout(std::time::Duration::from_secs(30), stream.read(&mut head))
        .await
        .expect("an answer within 30 s")
        .expect("read");
    let head = String::from_utf8_lossy(&head[..n]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    stream
}

/// A written report holds up to `MAX_PRINTED_IMAGE_BYTES` of pictures in
/// a page until its reader has it all, so it takes one of its account's
/// export places (`MAX_EXPORTS_PER_ACCOUNT`) for as long: two readers who
/// stop reading hold both, a third is refused (429, in Chinese, with when
/// to try again) while another account is served, and a reader who goes
/// away gives its place back.
#[tokio::test]
async fn an_account_reads_at_most_two_written_reports_or_exports_at_once() {
    use kuaibao_server::export::MAX_EXPORTS_PER_ACCOUNT;
    let (app, _dirs) = spawn_app().await;
    // A page of some 9 MB: far beyond what the reader's socket, the
    // server's and its write buffer hold between them.
    let bytes = jpeg(7 * 1024 * 1024, 73);
    let hazard = hazard_with_photos(&[&bytes]);
    receipt(app.submit(&hazard).await, StatusCode::CREATED).await;
    let (location, _) = app.tus_created(&hazard.photos[0]).await;
    assert_eq!(
        app.tus_send(&location, 0, &bytes, 1 << 20).await.status(),
        StatusCode::NO_CONTENT
    );
    let path = written_path(hazard.id);
    assert_eq!(MAX_EXPORTS_PER_ACCOUNT, 2);
    let first = stalled_reader(&app, &path).await;
    let second = stalled_reader(&app, &path).await;

    let third = app.get(&path).await;
    assert!(third.headers().contains_key(reqwest::header::RETRY_AFTER));
    let (status, error) = api_error(third).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        error.message.starts_with("此账号已有 2 个导出正在下载"),
        "{}",
        error.message
    );
    // The same place for an export of another kind.
    let (status, _) = api_error(app.get("/api/exports/reports.csv").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another account is not held up by this one's readers.
    assert_eq!(app.get_as(&app.admin, &path).await.status(), StatusCode::OK);

    // One reader goes away: the server finds out at its next write, and
    // the place is free again.
    drop(first);
    let start = std::time::Instant::now();
    loop {
        let res = app.get(&path).await;
        if res.status() == StatusCode::OK {
            assert!(res.bytes().await.expect("the whole page").len() > bytes.len());
            break;
        }
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "the place stays taken"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(second);
    app.stop().await;
}

/// What leaves the server as a file is noted in the audit log (an
/// office answers for what it sent up the chain, and when): by whom,
/// which (the filter as asked; a thread and its record), and for the
/// written report the page's SHA-256, which ties a printed copy to the
/// request.
#[tokio::test]
async fn every_file_that_leaves_the_server_is_noted_in_the_audit_log() {
    use kuaibao_core::desk::accountability::ACCOUNTABILITY_CSV_PATH;
    use kuaibao_core::desk::statistics::STATISTICS_CSV_PATH;
    use kuaibao_server::db::audit;
    let w = world().await;
    let get = |path: String| {
        let (app, officer) = (&w.app, &w.officer);
        async move {
            let res = app.get_as(officer, &path).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            res.bytes().await.expect("body")
        }
    };
    get(format!("{CSV}?category=hazard")).await;
    get(GEOJSON.to_owned()).await;
    get(cap_path(w.first.id)).await;
    let page = get(written_path(w.follow_up.id)).await;
    get(STATISTICS_CSV_PATH.to_owned()).await;
    get(ACCOUNTABILITY_CSV_PATH.to_owned()).await;
    // A view on screen is not a file that left.
    get(format!("/api/threads/{}", w.first.id)).await;

    let pool = w._dirs.pool().await;
    let officer_id = accounts::user_by_name(&pool, "officer-t1")
        .await
        .expect("read")
        .expect("the officer")
        .account
        .id;
    let noted: Vec<audit::Entry> = audit::all(&pool)
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action.starts_with("export."))
        .collect();
    let actions: Vec<(&str, &str)> = noted.iter().map(|e| (e.action.as_str(), e.subject.as_str())).collect();
    let thread = w.first.id.to_string();
    assert_eq!(
        actions,
        vec![
            ("export.csv", "reports"),
            ("export.geojson", "reports"),
            ("export.cap", thread.as_str()),
            ("export.written", thread.as_str()),
            ("export.statistics", "statistics"),
            ("export.accountability", "accountability"),
        ]
    );
    assert!(noted.iter().all(|e| e.actor_id.as_deref() == Some(officer_id.as_str())));
    let detail = |i: usize| serde_json::from_str::<serde_json::Value>(&noted[i].detail).expect("json");
    assert_eq!(detail(0)["query"], "category=hazard");
    assert_eq!(
        detail(2)["record"],
        w.follow_up.id.to_string(),
        "the latest record's alert"
    );
    assert_eq!(detail(3)["sha256"], format!("{:x}", Sha256::digest(&page)));

    // A script fetching a file in a loop does not grow the log for ever:
    // an account's exports are noted up to the hour's budget, and still
    // answered beyond it.
    use kuaibao_server::http::refusals::AUDITED_PER_HOUR;
    for _ in 0..AUDITED_PER_HOUR + 5 {
        get(cap_path(w.first.id)).await;
    }
    let caps = audit::all(&pool)
        .await
        .expect("audit")
        .iter()
        .filter(|e| e.action.starts_with("export."))
        .count();
    assert_eq!(caps, AUDITED_PER_HOUR as usize);
    w.app.stop().await;
}
