//! `GET /api/health`: for monitors and the phone's "can I reach the server"
//! check (liveness). `GET /api/ready`: for a load balancer, whether this
//! replica should be sent requests now (readiness).

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use kuaibao_core::wire::protocol::Health;
use serde::Serialize;

use super::error::AppError;
use super::AppState;
use crate::db;

/// Where readiness is answered.
pub const READY_PATH: &str = "/api/ready";

/// How long the database has to answer readiness's query, and the data dir
/// to take and give back a small file. A load balancer probes every few
/// seconds: a replica slower than this to answer `SELECT 1` would answer
/// reports slower still.
pub const READY_BOUND: Duration = Duration::from_secs(2);

/// Up means the database answers, not just that the process is up. The
/// server's time lets the phone measure its clock's offset.
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    db::ping(&state.pool).await?;
    Ok(Json(Health {
        status: "ok".to_owned(),
        server_time: Utc::now(),
        restored: state.restored,
    }))
}

/// The answer of a ready replica.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// Always `ready`.
    pub status: String,
}

/// 200 while the database answers a trivial query and the data dir takes a
/// file, each within [`READY_BOUND`]; 503 (Chinese first, saying which)
/// otherwise, and from the moment shutdown begins, so a load balancer
/// drains this replica before it stops.
pub async fn ready(State(state): State<AppState>) -> Result<Json<Ready>, AppError> {
    if state.lifecycle.is_draining() {
        return Err(AppError::NotReady(
            "未就绪：服务器正在停止 / not ready: the server is shutting down".to_owned(),
        ));
    }
    let (database, data_dir) = tokio::join!(
        within(READY_BOUND, async {
            db::ping(&state.pool).await.map_err(|e| e.to_string())
        }),
        within(READY_BOUND, async {
            writable(&state.data_dir).await.map_err(|e| e.to_string())
        }),
    );
    let mut faults = Vec::new();
    // The reasons are logged, not answered: they may name paths and SQL.
    if let Err(reason) = database {
        tracing::warn!("not ready: the database: {reason}");
        faults.push(("数据库未在 2 秒内应答", "the database did not answer within 2 s"));
    }
    if let Err(reason) = data_dir {
        tracing::warn!("not ready: the data dir: {reason}");
        faults.push(("数据目录不可写", "the data dir cannot be written"));
    }
    if faults.is_empty() {
        return Ok(Json(Ready {
            status: "ready".to_owned(),
        }));
    }
    let zh: Vec<&str> = faults.iter().map(|(zh, _)| *zh).collect();
    let en: Vec<&str> = faults.iter().map(|(_, en)| *en).collect();
    Err(AppError::NotReady(format!(
        "未就绪：{} / not ready: {}",
        zh.join("；"),
        en.join("; ")
    )))
}

/// `work`'s result, or why not within `bound`.
async fn within<T>(bound: Duration, work: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    tokio::time::timeout(bound, work)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} ms", bound.as_millis())))
}

/// Writes and removes a small file of a name of its own in `dir` (replicas
/// may share the dir, and probes overlap). A probe cut by its bound may
/// leave its file behind; its name says what it was.
async fn writable(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(format!(".ready-{}", uuid::Uuid::new_v4().simple()));
    let written = tokio::fs::write(&path, b"ready").await;
    let removed = tokio::fs::remove_file(&path).await;
    written.and(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_check_slower_than_its_bound_fails_in_time() {
        let bound = Duration::from_millis(50);
        let start = std::time::Instant::now();
        let slow = within(bound, async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        })
        .await;
        assert_eq!(slow, Err("no answer within 50 ms".to_owned()));
        assert!(start.elapsed() < Duration::from_secs(1));
        assert_eq!(within(bound, async { Ok(7) }).await, Ok(7));
        assert_eq!(
            within::<()>(bound, async { Err("no".to_owned()) }).await,
            Err("no".to_owned())
        );
    }

    #[tokio::test]
    async fn the_probe_leaves_nothing_behind_and_fails_where_it_cannot_write() {
        let dir = tempfile::TempDir::new().expect("a folder");
        writable(dir.path()).await.expect("a writable dir");
        assert_eq!(std::fs::read_dir(dir.path()).expect("read dir").count(), 0);
        assert!(writable(&dir.path().join("absent")).await.is_err());
    }
}
