//! The statistics table (area × day × category), as JSON for the desk and
//! as CSV read by the `csv` crate: each incident once with its latest
//! figures, rows rolled up by level, the inbox's access (a reporter 403,
//! the neighbouring township nothing, an area outside one's own 400).

use kuaibao_core::account::Role;
use kuaibao_core::desk::statistics::{value_of, Table, STATISTICS_CSV_PATH, STATISTICS_PATH};
use reqwest::Client;

use super::office::user_in;
use super::*;

/// The fixture's threads: the grid reporter's incident (首报 1 dead, 续报一
/// 3 dead), a village reporter's (2 dead), the neighbouring township's (5
/// dead) and a hazard; officers of d-t1 and d-t2.
struct World {
    app: TestApp,
    _dirs: Dirs,
    officer: Client,
    neighbour: Client,
    /// The Beijing date of the incidents (an hour ago).
    day: String,
}

async fn world() -> World {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let neighbour = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;
    let village = user_in(&dirs, &app, "reporter-v1", Role::Reporter, "d-t1-v1").await;
    let other = user_in(&dirs, &app, "reporter-t2", Role::Reporter, "d-t2-v1-g1").await;

    let with_dead = |mut r: Report, dead: &str| {
        r.answers.insert("dead".into(), dead.into());
        r
    };
    let first = with_dead(incident(Stage::Initial, None, 0), "1");
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let follow_up = with_dead(incident(Stage::FollowUp { n: 1 }, Some(first.id), 5), "3");
    receipt(app.submit(&follow_up).await, StatusCode::CREATED).await;
    app.submit_as(&village, &with_dead(incident(Stage::Initial, None, 1), "2"))
        .await;
    app.submit_as(&other, &with_dead(incident(Stage::Initial, None, 2), "5"))
        .await;
    receipt(app.submit(&hazard(Stage::Initial, None, 3)).await, StatusCode::CREATED).await;
    let day = first.answers.get("occurred_at").expect("a time")[..10].to_owned();
    World {
        app,
        _dirs: dirs,
        officer,
        neighbour,
        day,
    }
}

impl TestApp {
    async fn statistics(&self, client: &Client, query: &[(&str, &str)]) -> Table {
        let res = client
            .get(self.url(STATISTICS_PATH))
            .query(query)
            .send()
            .await
            .expect("GET statistics");
        assert_eq!(res.status(), StatusCode::OK, "{query:?}");
        res.json().await.expect("a table")
    }
}

fn rows(table: &Table) -> Vec<(String, u32, Option<String>)> {
    table
        .rows
        .iter()
        .map(|r| {
            (
                r.area.id.clone(),
                r.threads,
                value_of(table, &r.figures, "dead").map(str::to_owned),
            )
        })
        .collect()
}

fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

#[tokio::test]
async fn incidents_count_once_by_area_day_and_category_rolled_up_by_level() {
    let w = world().await;
    let app = &w.app;

    // By the area reported in: the village's, then the grid's (tree
    // order); the thread of two stages once, with its 续报's 3 dead.
    let table = app.statistics(&w.officer, &[]).await;
    assert_eq!(
        rows(&table),
        [("d-t1-v1".to_owned(), 1, some("2")), (GRID.to_owned(), 1, some("3"))]
    );
    assert!(table.rows.iter().all(|r| r.day.to_string() == w.day));
    assert!(table
        .rows
        .iter()
        .all(|r| r.category_id == "general_incident" && r.category_zh == "其他突发事件"));
    assert_eq!(table.total_threads, 2, "the hazard is not counted");
    assert_eq!(value_of(&table, &table.total_figures, "dead"), Some("5"));
    assert!(table
        .figures
        .iter()
        .any(|f| f.id == "direct_loss" && f.unit_zh == "万元"));

    // Rolled up: the township's row includes its village's and grid's.
    let township = app.statistics(&w.officer, &[("level", "township")]).await;
    assert_eq!(rows(&township), [("d-t1".to_owned(), 2, some("5"))]);
    let village = app.statistics(&w.officer, &[("level", "village")]).await;
    assert_eq!(rows(&village), [("d-t1-v1".to_owned(), 2, some("5"))]);

    // The district's administrator: both townships.
    let admin = app.statistics(&app.admin, &[("level", "township")]).await;
    assert_eq!(
        rows(&admin),
        [("d-t1".to_owned(), 2, some("5")), ("d-t2".to_owned(), 1, some("5"))]
    );
    let only_t2 = app.statistics(&app.admin, &[("area", "d-t2")]).await;
    assert_eq!(only_t2.total_threads, 1);

    // The period is by event day, both ends included.
    let on_day = app.statistics(&w.officer, &[("from", &w.day), ("to", &w.day)]).await;
    assert_eq!(on_day.total_threads, 2);
    let next_day = (parse_day(&w.day) + TimeDelta::days(1)).to_string();
    let later = app.statistics(&w.officer, &[("from", &next_day)]).await;
    assert_eq!(later.total_threads, 0);
    assert!(later.rows.is_empty());
    let category = app.statistics(&w.officer, &[("category", "flood")]).await;
    assert_eq!(category.total_threads, 0);
    w.app.stop().await;
}

fn parse_day(text: &str) -> chrono::NaiveDate {
    kuaibao_core::wire::timestamp::parse_date(text).expect("a date")
}

#[tokio::test]
async fn the_neighbour_sees_none_of_ours_and_a_reporter_is_refused() {
    let w = world().await;
    let app = &w.app;
    let none = app.statistics(&w.neighbour, &[]).await;
    assert_eq!(none.total_threads, 1, "only d-t2's own incident, none of d-t1's");
    assert!(none.rows.iter().all(|r| r.area.id.starts_with("d-t2")));
    // d-t1 is not the neighbour's: 400 at the area, as in the inbox.
    let res = w
        .neighbour
        .get(app.url(STATISTICS_PATH))
        .query(&[("area", "d-t1")])
        .send()
        .await
        .expect("GET");
    let (status, error) = api_error(res).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error.fields[0].field, "area");
    for path in [STATISTICS_PATH, STATISTICS_CSV_PATH] {
        let (status, _) = api_error(app.get(path).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a reporter at {path}");
    }
    // Bad values name their fields.
    let res = w
        .officer
        .get(app.url(STATISTICS_PATH))
        .query(&[("level", "province"), ("from", "2026-13-01"), ("colour", "red")])
        .send()
        .await
        .expect("GET");
    let (status, error) = api_error(res).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut fields: Vec<&str> = error.fields.iter().map(|f| f.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["colour", "from", "level"]);
    assert!(error.fields.iter().all(|f| !f.zh.is_empty()));
    w.app.stop().await;
}

#[tokio::test]
async fn the_statistics_csv_is_read_by_the_csv_crate_with_a_total_row() {
    let w = world().await;
    let res = w
        .officer
        .get(w.app.url(STATISTICS_CSV_PATH))
        .query(&[("level", "township")])
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = res.headers()[reqwest::header::CONTENT_DISPOSITION]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"kuaibao-statistics-"),
        "{disposition}"
    );
    let bytes = res.bytes().await.expect("body");
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 byte-order mark first");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("an RFC 4180 record").iter().map(str::to_owned).collect())
        .collect();
    let header = &records[0];
    assert_eq!(
        header[..6],
        ["事件日期", "区域代码", "区域", "类别代码", "类别", "事件数"]
    );
    let dead = header
        .iter()
        .position(|h| h == "死亡人数（人）[dead]")
        .expect("a column for the dead");
    assert!(header.iter().any(|h| h == "直接经济损失（万元）[direct_loss]"));
    assert!(
        !header.iter().any(|h| h.ends_with("[magnitude]")),
        "magnitudes are not summed"
    );
    assert!(records.iter().all(|r| r.len() == header.len()));
    assert_eq!(records.len(), 3, "header, one township, the total: {records:?}");
    let row = &records[1];
    assert_eq!(
        (row[0].as_str(), row[1].as_str(), row[2].as_str(), row[5].as_str()),
        (w.day.as_str(), "d-t1", "区域 d-t1", "2")
    );
    assert_eq!(row[dead], "5");
    let total = &records[2];
    assert_eq!(
        (total[0].as_str(), total[5].as_str(), total[dead].as_str()),
        ("合计", "2", "5")
    );
    w.app.stop().await;
}
