//! Everything between "settings read" and "serving": data dir, database,
//! schema, listening socket. Split from `main` so tests start the very same
//! server in-process on a free port.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use sqlx::SqlitePool;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::db;

pub use crate::http::{app, AppState};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data dir {}: {source}", path.display())]
    DataDir { path: PathBuf, source: io::Error },
    #[error("cannot open the database {}: {source}", path.display())]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot bring the database {} up to date: {source}", path.display())]
    Migrate {
        path: PathBuf,
        source: sqlx::migrate::MigrateError,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
}

/// A server that is listening but not yet serving.
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    router: Router,
    pool: SqlitePool,
}

/// Prepares everything the server needs; fails before binding if the data
/// cannot be stored, so a broken disk never accepts reports it cannot keep.
pub async fn build(config: &Config) -> Result<Server, StartError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let path = config.data_dir.join(db::DB_FILE);
    let pool = db::open(&path).await.map_err(|source| StartError::Open {
        path: path.clone(),
        source,
    })?;
    db::migrate(&pool).await.map_err(|source| StartError::Migrate {
        path: path.clone(),
        source,
    })?;
    tracing::info!(db = %path.display(), "database ready");

    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.addr,
        source,
    })?;
    let router = app(AppState { pool: pool.clone() }, &config.static_dir);
    Ok(Server {
        listener,
        local_addr,
        router,
        pool,
    })
}

impl Server {
    /// The address actually bound (with the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish
    /// and closes the database cleanly.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await;
        // Closing waits for the pool's connections to finish, and the last
        // one to close checkpoints the WAL into the main file.
        self.pool.close().await;
        served
    }
}
