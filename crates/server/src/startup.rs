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
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

use crate::config::{Config, TlsFiles, TLS_CERT_VAR, TLS_KEY_VAR};
use crate::db::{self, Pool};
use crate::http::Protections;
use crate::serve::ConnectionLimits;
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
    #[error(transparent)]
    SealSecret(#[from] crate::http::sms::SealSecretError),
    /// A certificate or key that cannot be used, named by its variable.
    #[error("{var}: {reason}")]
    Tls { var: &'static str, reason: String },
}

/// The folder of unfinished uploads inside the data dir.
pub const UPLOADS_DIR: &str = "uploads";

/// A server that is listening but not yet serving.
pub struct Server {
    listener: TcpListener,
    /// Set: the server speaks HTTPS on `listener`.
    tls: Option<TlsAcceptor>,
    local_addr: SocketAddr,
    router: Router,
    pool: Pool,
    uploads: Arc<Uploads>,
    /// Ended at shutdown: open office streams would hold it up forever.
    changes: crate::http::office::Changes,
    /// On PostgreSQL, the tasks relaying changes between replicas.
    relay: Option<crate::http::relay::Tasks>,
    sweep_every: Duration,
    limits: ConnectionLimits,
    /// Serving or draining, and the requests in flight.
    lifecycle: Arc<crate::lifecycle::Lifecycle>,
}

/// How long closing the database may wait for its connections at the end
/// of a shutdown: a request cut at the end of the grace may still hold
/// one, and an exit must not hang on it.
const POOL_CLOSE_WAIT: Duration = Duration::from_secs(5);

/// How often the end of a shutdown looks whether the photo chunks whose
/// clients hung up are written (see `run_until`).
const APPEND_POLL: Duration = Duration::from_millis(20);

/// Prepares everything the server needs; fails before binding if the data
/// cannot be stored, so a broken disk never accepts reports it cannot keep.
pub async fn build(config: &Config) -> Result<Server, StartError> {
    // Before anything is opened: a bad certificate stops the server at once,
    // naming its variable.
    let tls = config.tls.as_ref().map(tls_acceptor).transpose()?;
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let pool = open_database(config).await?;
    // Read once: a restore runs while no server does.
    let restored = db::restores::latest(&pool).await?;
    if let Some(r) = &restored {
        tracing::info!(restored_at = %r.restored_at, backup_made_at = %r.backup_made_at, "restored from a backup: phones send again what it lacks");
    }
    if db::accounts::user_count(&pool).await? == 0 {
        tracing::warn!(
            "no accounts yet: nobody can log in. Add the first administrator with \
             `kuaibao-server area add …` and `kuaibao-server user add … --role admin` (see docs/operations.md)"
        );
    }

    let uploads_dir = config.data_dir.join(UPLOADS_DIR);
    std::fs::create_dir_all(&uploads_dir).map_err(|source| StartError::DataDir {
        path: uploads_dir.clone(),
        source,
    })?;
    let store = photo_store(config)?;
    tracing::info!(store = ?store, max_photo_bytes = config.max_photo_bytes, "photo store ready");
    let uploads = Arc::new(Uploads::new(
        pool.clone(),
        store,
        uploads_dir,
        config.max_photo_bytes,
        config.upload_expiry,
        config.patch_timeout,
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
    let changes = crate::http::office::Changes::new();
    // Several replicas may share a PostgreSQL database: each hears the
    // others' changes through it. SQLite is one process.
    let relay = match config.database_url() {
        url if db::Backend::of_url(&url) == Some(db::Backend::Postgres) => {
            let (relay, tasks) = crate::http::relay::start(url, changes.clone());
            changes.relay_to(relay);
            Some(tasks)
        }
        _ => None,
    };
    let lifecycle = Arc::new(crate::lifecycle::Lifecycle::new(config.shutdown_grace));
    let passwords = crate::auth::password::PasswordChecks::new(config.password_workers, config.login_queue);
    let metrics = crate::http::metrics::Metrics::new(
        config,
        crate::http::metrics::Sources {
            pool: pool.clone(),
            passwords: Arc::clone(&passwords),
            uploads: Arc::clone(&uploads),
            changes: changes.clone(),
            lifecycle: Arc::clone(&lifecycle),
        },
    );
    let router = app(
        AppState {
            pool: pool.clone(),
            uploads: Arc::clone(&uploads),
            session_lifetime: chrono::Duration::from_std(config.session_lifetime)
                .unwrap_or_else(|_| chrono::Duration::days(30)),
            cap_sender: Arc::from(config.cap_sender.as_str()),
            sessions: Arc::new(crate::auth::cache::SessionCache::new()),
            changes: changes.clone(),
            map: Arc::new(config.map.clone()),
            rules: Arc::new(config.rules.clone()),
            sms: Arc::new(crate::http::sms::SmsSettings::new(config)?),
            keep_days: config.phone_keep_days,
            passwords,
            lifecycle: Arc::clone(&lifecycle),
            metrics,
            data_dir: Arc::from(config.data_dir.as_path()),
            exports: crate::http::per_account::PerAccount::new(crate::export::MAX_EXPORTS_PER_ACCOUNT),
            quotas: Arc::new(crate::http::quota::Quotas::new(config.account_bytes_per_day)),
            refusals: Arc::default(),
            export_notes: Arc::default(),
            login_notes: Arc::default(),
            login_account_rate_per_min: config.login_account_rate_per_min,
            restored,
        },
        &config.static_dir,
        Protections::new(config, tls.is_some()),
    );
    Ok(Server {
        listener,
        tls,
        local_addr,
        router,
        pool,
        uploads,
        changes,
        relay,
        sweep_every: config.sweep_every,
        limits: ConnectionLimits::new(config),
        lifecycle,
    })
}

/// The configured photo store: files under the data dir, or the bucket of
/// `KUAIBAO_OBJECT_STORE`.
pub fn photo_store(config: &Config) -> Result<PhotoStore, StorageError> {
    match &config.object_store {
        None => PhotoStore::local(&config.data_dir),
        Some(url) => PhotoStore::s3(url, &config.object_store_options),
    }
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

    /// `https` when serving TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Serves until `shutdown` completes, then drains: `/api/ready` says
    /// 503 at once, requests in flight finish within the shutdown grace
    /// (see `crate::serve`), and the database is closed cleanly.
    /// Connections and requests are bounded. Expired uploads are swept at
    /// start and every `sweep_every` while serving.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let sweeper = tokio::spawn(sweep_forever(
            Arc::clone(&self.uploads),
            self.pool.clone(),
            self.sweep_every,
        ));
        let (changes, lifecycle) = (self.changes.clone(), Arc::clone(&self.lifecycle));
        let shutdown = async move {
            shutdown.await;
            // Not ready before anything else, so a load balancer stops
            // sending here while the rest winds down.
            lifecycle.begin_drain();
            // Open office streams would otherwise hold the shutdown up.
            changes.close();
        };
        crate::serve::serve(
            self.listener,
            self.tls,
            self.router,
            self.limits,
            Arc::clone(&self.lifecycle),
            shutdown,
        )
        .await;
        // A photo chunk whose client hung up is still being written by its
        // own task (see `Uploads::append`): let it end, within the grace,
        // so its bytes and offset agree on disk.
        let deadline = self.lifecycle.deadline().unwrap_or_else(tokio::time::Instant::now);
        while self.uploads.appending() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(APPEND_POLL).await;
        }
        if let Some(relay) = &self.relay {
            relay.abort();
        }
        sweeper.abort();
        let _ = sweeper.await;
        // Closing waits for the pool's connections to finish, and the last
        // one to close checkpoints the WAL into the main file.
        if tokio::time::timeout(POOL_CLOSE_WAIT, self.pool.close()).await.is_err() {
            tracing::warn!("the database's connections did not close in time; exiting without them");
        }
        Ok(())
    }
}

/// Sweeps expired uploads and long-ended sessions now and then every
/// `every`.
async fn sweep_forever(uploads: Arc<Uploads>, pool: crate::db::Pool, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // The first tick completes at once: a sweep at start.
        ticks.tick().await;
        if let Err(e) = uploads.sweep().await {
            tracing::error!("sweeping expired uploads failed: {e}");
        }
        if let Err(e) = crate::db::login_failures::sweep(&pool, chrono::Utc::now()).await {
            tracing::error!("forgetting old failed logins failed: {e}");
        }
        match crate::db::accounts::forget_ended_sessions(&pool, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "long-ended sessions forgotten"),
            Err(e) => tracing::error!("forgetting long-ended sessions failed: {e}"),
        }
    }
}

/// The rustls configuration of `files`: the certificate chain and its key.
/// Every failure names the variable whose file is at fault.
fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, StartError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let cert_error = |reason: String| StartError::Tls {
        var: TLS_CERT_VAR,
        reason: format!("{}: {reason}", files.cert.display()),
    };
    let key_error = |reason: String| StartError::Tls {
        var: TLS_KEY_VAR,
        reason: format!("{}: {reason}", files.key.display()),
    };
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| cert_error(pem_reason(e)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(pem_reason(e)))?;
    if chain.is_empty() {
        return Err(cert_error(
            "no PEM certificate (`-----BEGIN CERTIFICATE-----`) in the file".to_owned(),
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| key_error(pem_reason(e)))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| cert_error(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        // Mostly a key that is not the certificate's, or of a kind rustls
        // cannot sign with: the key's fault either way.
        .map_err(|e| key_error(format!("cannot be used with the certificate of {TLS_CERT_VAR}: {e}")))?;
    // HTTP/1.1 only, as the plain server speaks it.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Why a PEM file could not be read, without the file's contents.
fn pem_reason(e: rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error;
    match e {
        Error::Io(io) => format!("cannot read it: {io}"),
        Error::NoItemsFound => "no PEM item of the right kind in the file".to_owned(),
        other => format!("not a valid PEM file: {other:?}"),
    }
}
