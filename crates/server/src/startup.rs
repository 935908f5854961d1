//! Everything between "settings read" and "serving": data dir, database,
//! schema, listening socket. Split from `main` so tests start the very same
//! server in-process on a free port.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::db::{self, Pool};
use crate::storage::{PhotoStore, StorageError};
use crate::uploads::Uploads;

pub use crate::http::{app, AppState};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data dir {}: {source}", path.display())]
    DataDir { path: PathBuf, source: io::Error },
    #[error("cannot open the database: {0}")]
    Open(sqlx::Error),
    #[error("cannot bring the database up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot read the database: {0}")]
    Store(#[from] db::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("cannot open the photo store: {0}")]
    Storage(#[from] StorageError),
}

/// The folder of unfinished uploads inside the data dir.
pub const UPLOADS_DIR: &str = "uploads";

/// A server that is listening but not yet serving.
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    router: Router,
    pool: Pool,
    uploads: Arc<Uploads>,
    sweep_every: Duration,
}

/// Prepares everything the server needs; fails before binding if the data
/// cannot be stored, so a broken disk never accepts reports it cannot keep.
pub async fn build(config: &Config) -> Result<Server, StartError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let pool = open_database(config).await?;
    if db::accounts::user_count(&pool).await? == 0 {
        tracing::warn!(
            "no accounts yet: nobody can log in. Add the first administrator with \
             `kuaibao-server area add …` and `kuaibao-server user add … --role admin` (see the README)"
        );
    }

    let uploads_dir = config.data_dir.join(UPLOADS_DIR);
    std::fs::create_dir_all(&uploads_dir).map_err(|source| StartError::DataDir {
        path: uploads_dir.clone(),
        source,
    })?;
    let store = match &config.object_store {
        None => PhotoStore::local(&config.data_dir)?,
        Some(url) => PhotoStore::s3(url, &config.object_store_options)?,
    };
    tracing::info!(store = ?store, max_photo_bytes = config.max_photo_bytes, "photo store ready");
    let uploads = Arc::new(Uploads::new(
        pool.clone(),
        store,
        uploads_dir,
        config.max_photo_bytes,
        config.upload_expiry,
    ));

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
    let router = app(
        AppState {
            pool: pool.clone(),
            uploads: Arc::clone(&uploads),
            session_lifetime: chrono::Duration::from_std(config.session_lifetime)
                .unwrap_or_else(|_| chrono::Duration::days(30)),
        },
        &config.static_dir,
    );
    Ok(Server {
        listener,
        local_addr,
        router,
        pool,
        uploads,
        sweep_every: config.sweep_every,
    })
}

/// Opens the configured database and brings its schema up to date (the
/// data dir must exist). The server and the admin command share it.
pub async fn open_database(config: &Config) -> Result<Pool, StartError> {
    let url = config.database_url();
    let pool = db::open(&url, config.db_busy_timeout).await.map_err(StartError::Open)?;
    db::migrate(&pool).await?;
    let backend = db::backend(&pool).await.map_err(StartError::Open)?;
    // The URL is not logged: it may hold a password.
    tracing::info!(?backend, "database ready");
    Ok(pool)
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
    /// Expired uploads are swept at start and every `sweep_every` while
    /// serving.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let sweeper = tokio::spawn(sweep_forever(Arc::clone(&self.uploads), self.sweep_every));
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await;
        sweeper.abort();
        let _ = sweeper.await;
        // Closing waits for the pool's connections to finish, and the last
        // one to close checkpoints the WAL into the main file.
        self.pool.close().await;
        served
    }
}

/// Sweeps expired uploads now and then every `every`.
async fn sweep_forever(uploads: Arc<Uploads>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // The first tick completes at once: a sweep at start.
        ticks.tick().await;
        if let Err(e) = uploads.sweep().await {
            tracing::error!("sweeping expired uploads failed: {e}");
        }
    }
}
