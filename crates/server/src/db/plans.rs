//! The query plans of the paged queries (issue 19), as each database
//! means to run them: what `docs/operations.md` shows and a test checks
//! (`tests/api/pages.rs`): every page is found through an index, never by
//! reading a whole table and sorting it.

use super::reports::{self, Bind, Scope, ThreadWalk};
use super::{backend, Backend, Pool, StoreError};
use kuaibao_core::wire::page::PageQuery;
use kuaibao_core::ReportId;
use sqlx::{Connection, Row};

/// One paged query and its plan, a line per step.
#[derive(Debug, Clone)]
pub struct Plan {
    pub query: &'static str,
    pub lines: Vec<String>,
}

/// The plan of every paged query, with made-up parameters. On PostgreSQL
/// sequential scans and sorts are made costly for the session first: on a
/// test's handful of rows the planner rightly prefers reading the table
/// and sorting it, and the question here is whether an index can serve the
/// query in its order at all, which is what it picks for a page of 100 out
/// of millions.
pub async fn paged(pool: &Pool) -> Result<Vec<Plan>, StoreError> {
    let backend = backend(pool).await?;
    let area = Scope::Area {
        path: "d/".to_owned(),
        legacy: true,
    };
    let own = Scope::Own {
        user_id: "u".to_owned(),
    };
    let thread = ReportId::from_parts(1, [1; 10]);
    let walk = ThreadWalk {
        after: Some(1_000),
        limit: 100,
        newest_first: true,
        thread: None,
        templates: None,
    };
    let hazards = ["hazard", "hazard_rectifying"];
    let page = |scope: &str| vec![Bind::Text(scope.to_owned()), Bind::Int(1_000), Bind::Int(101)];
    let reports_page = PageQuery {
        after: Some(1_000),
        limit: 100,
    };
    // A small area's, read area by area (a township: itself and its grids).
    let small = Scope::Area {
        path: "d/t/".to_owned(),
        legacy: false,
    };
    let grids = ["t", "g1", "g2"].map(str::to_owned);
    let (area_list, area_binds) = reports::list_sql(&area, reports_page, None);
    let (own_list, own_binds) = reports::list_sql(&own, reports_page, None);
    let (small_list, small_binds) = reports::list_sql(&small, reports_page, Some(&grids));
    let mut queries: Vec<(&'static str, String, Vec<Bind>)> = vec![
        ("reports, an area's", area_list, area_binds),
        ("reports, a reporter's own", own_list, own_binds),
        ("reports, a small area's, area by area", small_list, small_binds),
    ];
    for (name, walk) in [
        ("threads, newest first (inbox, ledgers)", walk),
        (
            "threads, hazards only (hazard ledger)",
            ThreadWalk {
                templates: Some(&hazards),
                ..walk
            },
        ),
        (
            "threads, one thread (the desk's incident page)",
            ThreadWalk {
                thread: Some(thread),
                ..walk
            },
        ),
        (
            "threads, oldest first (exports)",
            ThreadWalk {
                newest_first: false,
                ..walk
            },
        ),
    ] {
        let (sql, binds) = reports::thread_heads_sql(&area, walk, None);
        queries.push((name, sql, binds));
    }
    let (sql, binds) = reports::thread_heads_sql(&small, walk, Some(&grids));
    queries.push(("threads, a small area's, area by area", sql, binds));
    let (sql, binds) = reports::thread_heads_sql(&own, walk, None);
    queries.push(("threads, a reporter's own (read back, her exports)", sql, binds));
    let mut records = vec![Bind::Text("d/".to_owned())];
    records.extend((0..3).map(|n| Bind::Text(ReportId::from_parts(n, [n as u8; 10]).to_string())));
    queries.push((
        "records of a page's threads",
        reports::of_threads_sql(&area, 3),
        records,
    ));
    queries.push((
        "signatures of a thread",
        super::signatures::page_sql(),
        vec![Bind::Text(thread.to_string()), Bind::Int(0), Bind::Int(101)],
    ));
    queries.push((
        "requests, a reporter's own",
        super::office::requests_page_sql(&own, false),
        page("u"),
    ));
    queries.push((
        "requests, a reporter's own still open",
        super::office::requests_page_sql(&own, true),
        page("u"),
    ));
    queries.push((
        "records of a reporter's threads",
        reports::of_threads_begun_by_sql(),
        vec![
            Bind::Text("u".to_owned()),
            Bind::Int(1_000),
            Bind::Int(101),
            Bind::Text("2026-12-07T00:00:00.000000Z".to_owned()),
        ],
    ));
    queries.push(("crash reports, an area's", super::crashes::page_sql(), page("d/")));

    // Off the pool: the session setting below must not outlive this, even
    // when a query fails half-way.
    let mut conn = pool.acquire().await?.detach();
    if backend == Backend::Postgres {
        for setting in ["SET enable_seqscan = off", "SET enable_sort = off"] {
            sqlx::query(setting).execute(&mut conn).await?;
        }
    }
    let mut plans = Vec::new();
    for (name, sql, binds) in queries {
        let explain = match backend {
            Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
            Backend::Postgres => format!("EXPLAIN {sql}"),
        };
        let mut query = sqlx::query(&explain);
        for bind in binds {
            query = match bind {
                Bind::Text(t) => query.bind(t),
                Bind::Int(n) => query.bind(n),
            };
        }
        let rows = query.fetch_all(&mut conn).await?;
        let lines = rows
            .iter()
            .map(|row| match backend {
                // id, parent, notused, detail
                Backend::Sqlite => row.try_get::<String, _>(3),
                Backend::Postgres => row.try_get::<String, _>(0),
            })
            .collect::<Result<Vec<_>, _>>()?;
        plans.push(Plan { query: name, lines });
    }
    conn.close().await?;
    Ok(plans)
}
