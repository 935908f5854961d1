//! The duty office (值班室): the inbox, the hazard ledger, the live stream
//! of changes, acknowledgements and requests for a follow-up; and, for the
//! reporter's phone, the requests on her own threads. The paths and shapes
//! are the core's (`kuaibao_core::desk::office`).
//!
//! Officers and administrators see their area and below, like every read;
//! a reporter is refused the office's endpoints (403), and a thread out of
//! the caller's scope is not found (404), whether or not it exists.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::Json;
use chrono::Utc;
pub use kuaibao_core::desk::geo::MAP_PATH;
use kuaibao_core::desk::office::{
    sort_by_urgency, Acknowledge, Acknowledgement, AskFollowUp, Change, ChangeKind, Filter, FollowUpRequest, Inbox,
    Ledger, LedgerArea,
};
pub use kuaibao_core::desk::office::{
    ACKNOWLEDGE_PATH, ASK_PATH, EVENTS_PATH, HAZARDS_PATH, INBOX_PATH, MY_REQUESTS_PATH,
};
use kuaibao_core::rules::writers;
use kuaibao_core::wire::error::ErrorCode;
use kuaibao_core::{FieldError, ReportId};
use tokio::sync::{broadcast, watch};

use super::error::AppError;
use super::extract::{JsonBody, PathParam};
use super::page::{thread_page, Paged};
use super::reports::parse_id;
use super::AppState;
use crate::auth::Caller;
use crate::db::office::{self as rows, Kept, Line};
use crate::db::reports::{HolderRow, Scope, ThreadWalk};
use crate::db::{accounts, Pool};

/// How many changes wait for a slow subscriber before it is told to reload
/// (a burst of reports and photos after a link comes back is a few dozen).
const CHANNEL_CAPACITY: usize = 256;

/// A comment this often keeps proxies and the browser from closing an idle
/// stream, and lets the server notice a client that went away.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One change as published inside the server: the core's [`Change`] and
/// the area paths of the thread's records, to tell who may hear of it.
#[derive(Debug, Clone)]
pub(super) struct Published {
    change: Change,
    /// `None`: a record stored before accounts existed (administrators'
    /// business only).
    areas: Arc<[Option<String>]>,
}

impl Published {
    /// Whether a subscriber reading `scope` may hear of this change: one of
    /// the thread's records is in its area or below.
    fn visible_to(&self, scope: &Scope) -> bool {
        match scope {
            Scope::Own { .. } => false,
            // Changes this replica may have missed, in any area.
            Scope::Area { .. } if self.change.kind == ChangeKind::Reload => true,
            Scope::Area { path, legacy } => self.areas.iter().any(|area| match area {
                Some(p) => p.starts_with(path.as_str()),
                None => *legacy,
            }),
        }
    }
}

/// The live changes every office page subscribes to. Publishing costs
/// nothing when nobody listens.
#[derive(Clone)]
pub struct Changes {
    sender: broadcast::Sender<Published>,
    /// Set once when the server shuts down: every stream ends, so the
    /// graceful shutdown is not held up by pages that never hang up.
    closing: Arc<watch::Sender<bool>>,
    /// On PostgreSQL: the other replicas, told of every change (see
    /// `relay`). Set once at start.
    relay: Arc<std::sync::OnceLock<super::relay::Relay>>,
    /// The streams open here, by account (see [`MAX_STREAMS_PER_ACCOUNT`]).
    open: super::per_account::PerAccount,
}

/// The most change streams one account holds open on a server at once: a
/// duty office's few screens. A stream lasts as long as its session (days),
/// and each holds a connection, so one account (or one stolen token) must
/// not take every connection the server has.
pub const MAX_STREAMS_PER_ACCOUNT: usize = 8;

impl Default for Changes {
    fn default() -> Self {
        Changes::new()
    }
}

impl Changes {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        let (closing, _) = watch::channel(false);
        Changes {
            sender,
            closing: Arc::new(closing),
            relay: Arc::new(std::sync::OnceLock::new()),
            open: super::per_account::PerAccount::new(MAX_STREAMS_PER_ACCOUNT),
        }
    }

    /// Relays every change from now on to the other replicas, too.
    pub fn relay_to(&self, relay: super::relay::Relay) {
        let _ = self.relay.set(relay);
    }

    /// Whether anyone may hear a change: a page here, or another replica.
    fn heard(&self) -> bool {
        self.sender.receiver_count() > 0 || self.relay.get().is_some()
    }

    /// Tells every subscriber in scope of `areas` that `thread` changed,
    /// here and on the other replicas. Call after the change is committed.
    pub fn publish(&self, thread: ReportId, kind: ChangeKind, areas: Vec<Option<String>>) {
        if let Some(relay) = self.relay.get() {
            relay.send(super::relay::Relayed {
                thread,
                kind,
                areas: areas.clone(),
            });
        }
        self.publish_here(thread, kind, areas);
    }

    /// Tells this replica's subscribers in scope of `areas` that `thread`
    /// changed.
    pub(super) fn publish_here(&self, thread: ReportId, kind: ChangeKind, areas: Vec<Option<String>>) {
        if self.sender.receiver_count() == 0 {
            return;
        }
        // An error only means every subscriber has just gone.
        let _ = self.sender.send(Published {
            change: Change {
                thread_id: thread,
                kind,
            },
            areas: areas.into(),
        });
    }

    /// Tells every office stream here to reload its page: this replica
    /// may have missed other replicas' changes (see `relay`).
    pub(super) fn reload_here(&self) {
        let reload = Change::reload();
        self.publish_here(reload.thread_id, reload.kind, Vec::new());
    }

    /// A new record of `thread` from a reporter whose area has `area_path`.
    pub fn report_stored(&self, thread: ReportId, area_path: &str) {
        self.publish(thread, ChangeKind::Report, vec![Some(area_path.to_owned())]);
    }

    /// The photo of upload `upload_id` has arrived (or was found arrived):
    /// the threads naming it are looked up off the request's path, and only
    /// when someone listens.
    pub fn photo_arrived(&self, pool: &Pool, upload_id: &str) {
        if !self.heard() {
            return;
        }
        let (changes, pool, upload_id) = (self.clone(), pool.clone(), upload_id.to_owned());
        tokio::spawn(async move {
            match rows::threads_of_upload(&pool, &upload_id).await {
                Ok(threads) => {
                    for (thread, area) in threads {
                        changes.publish(thread, ChangeKind::Photo, vec![area]);
                    }
                }
                Err(e) => tracing::warn!(upload = %upload_id, "no change published for an arrived photo: {e}"),
            }
        });
    }

    /// Changes published here and not yet read by every open stream (at
    /// most the channel's capacity; a stream further behind reloads).
    pub fn queued(&self) -> usize {
        self.sender.len()
    }

    /// Open office event streams.
    pub fn streams(&self) -> usize {
        self.sender.receiver_count()
    }

    /// On PostgreSQL, changes waiting to be relayed to the other replicas;
    /// `None` on SQLite (no relay).
    pub fn relay_queued(&self) -> Option<usize> {
        self.relay.get().map(super::relay::Relay::queued)
    }

    /// On PostgreSQL, changes not relayed since the start (a full queue, a
    /// database that could not be reached or refused); `None` on SQLite.
    pub fn relay_dropped(&self) -> Option<u64> {
        self.relay.get().map(super::relay::Relay::dropped)
    }

    #[cfg(test)]
    pub(super) fn subscribe_for_test(&self) -> broadcast::Receiver<Published> {
        self.sender.subscribe()
    }

    /// Ends every stream (at shutdown).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// A new later record of `thread`: to everyone who may see one of its
    /// records.
    pub async fn thread_changed(&self, pool: &Pool, thread: ReportId) {
        self.office_changed(pool, thread, ChangeKind::Report).await;
    }

    /// Publishes a change to `thread` by the office, to everyone who may
    /// see one of its records.
    async fn office_changed(&self, pool: &Pool, thread: ReportId, kind: ChangeKind) {
        if !self.heard() {
            return;
        }
        match rows::thread_areas(pool, thread).await {
            Ok(areas) => self.publish(thread, kind, areas),
            Err(e) => tracing::warn!(%thread, "no change published: {e}"),
        }
    }
}

/// Refuses a reporter: the office's views are for officers and
/// administrators.
pub(crate) fn require_office(caller: &Caller) -> Result<(), AppError> {
    if caller.role().reads_area() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only duty officers and administrators may use the duty office".to_owned(),
        ))
    }
}

/// `GET /api/office/inbox`: the threads of the caller's area and below that
/// the filter keeps, a page at a time (`limit`, `after`; the next page in
/// the `Link` header): the pages walk the threads newest first (by their
/// first record's arrival, a key that never changes, so a walk neither
/// repeats nor skips a thread while reports arrive), and each page is
/// sorted most urgent first. `thread=<id>` reads that thread's line alone
/// (the desk's page of one incident). A filter value that is not
/// acceptable is 400 with an error per field.
pub async fn inbox(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<(HeaderMap, Json<Inbox>), AppError> {
    require_office(&caller)?;
    let paged = Paged::of(&uri)?;
    let (thread, pairs) = take_thread(&paged.rest)?;
    let filter = Filter::from_query(&pairs).map_err(AppError::InvalidQuery)?;
    let scope = caller.scope();
    let area_path = match filter.area.as_deref() {
        None => None,
        Some(id) => Some(area_in_scope(&state.pool, id, &scope).await?),
    };
    let now = Utc::now();
    let walk = ThreadWalk {
        after: None,
        limit: paged.page.limit,
        newest_first: true,
        thread,
        templates: None,
    };
    let (lines, next) = thread_page(&state, &scope, paged.page, walk, now, |line| {
        filter.keeps(&line.summary)
            && area_path
                .as_deref()
                .is_none_or(|path| line.area_path.as_deref().is_some_and(|p| p.starts_with(path)))
    })
    .await?;
    let mut threads: Vec<_> = lines.into_iter().map(|line| line.summary).collect();
    sort_by_urgency(&mut threads);
    Ok((
        paged.headers(&uri, next),
        Json(Inbox {
            server_time: now,
            threads,
            restored: state.restored.filter(|r| r.still_told(now)),
        }),
    ))
}

/// The requests list's `open` parameter: `true` for the requests not
/// answered yet only; 400 naming it (or any other parameter) otherwise.
fn open_only(pairs: &[(String, String)]) -> Result<bool, AppError> {
    let bad =
        |field: &str, code, zh: String, en: String| AppError::InvalidQuery(vec![FieldError::new(field, code, zh, en)]);
    if let Some((key, _)) = pairs.iter().find(|(k, _)| k != "open") {
        return Err(bad(
            key,
            ErrorCode::UnknownField,
            format!("不认识的参数 {key}"),
            format!("unknown parameter `{key}`"),
        ));
    }
    match pairs {
        [] => Ok(false),
        [(_, value)] if value == "true" => Ok(true),
        [(_, value)] if value == "false" => Ok(false),
        [(_, value)] => Err(bad(
            "open",
            ErrorCode::UnknownOption,
            "参数 open 只能是 true 或 false".to_owned(),
            format!("`open` is `true` or `false`, not `{value}`"),
        )),
        _ => Err(bad(
            "open",
            ErrorCode::UnknownField,
            "参数 open 重复".to_owned(),
            "`open` is given twice".to_owned(),
        )),
    }
}

/// The inbox's `thread` parameter (one thread's line), out of the other
/// parameters; 400 naming it when it is not a thread id or given twice.
fn take_thread(pairs: &[(String, String)]) -> Result<(Option<ReportId>, kuaibao_core::wire::page::Pairs), AppError> {
    let (ours, rest): (Vec<_>, Vec<_>) = pairs.iter().cloned().partition(|(k, _)| k == "thread");
    let bad = |zh: &str, en: &str| AppError::InvalidQuery(vec![FieldError::new("thread", ErrorCode::BadId, zh, en)]);
    match ours.as_slice() {
        [] => Ok((None, rest)),
        [(_, id)] => id
            .trim()
            .parse()
            .map(|id| (Some(id), rest))
            .map_err(|_| bad("事件编号无效", "`thread` is not a thread id (a UUID)")),
        _ => Err(bad("参数 thread 重复", "`thread` is given twice")),
    }
}

/// The path of area `id` if it is in `scope` (the caller's area, above it
/// or below it: a filter above the caller's area keeps all of his); else
/// 400 naming the field, the same for an area that does not exist and one
/// that is someone else's.
pub(crate) async fn area_in_scope(pool: &Pool, id: &str, scope: &Scope) -> Result<String, AppError> {
    let refused = || {
        AppError::InvalidQuery(vec![FieldError::new(
            "area",
            ErrorCode::UnknownOption,
            format!("您的辖区内没有区域 {id}"),
            format!("there is no area `{id}` in your area"),
        )])
    };
    let area = accounts::area(pool, id).await?.ok_or_else(refused)?;
    match scope {
        Scope::Area { path, .. } if area.path.starts_with(path.as_str()) || path.starts_with(&area.path) => {
            Ok(area.path)
        }
        _ => Err(refused()),
    }
}

/// `GET /api/office/hazards`: the hazard ledger (台账), a page of hazards at
/// a time (`limit`, `after`; walked newest first like the inbox), by the
/// area each was reported in; areas with an overdue rectification first
/// (most overdue first), then by place in the tree; within an area,
/// overdue rectifications first, closed ones last. An area may appear on
/// several pages: the desk merges them.
pub async fn hazards(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<(HeaderMap, Json<Ledger>), AppError> {
    require_office(&caller)?;
    let page = Paged::only(&uri)?;
    let now = Utc::now();
    let templates = hazard_templates();
    let walk = ThreadWalk {
        after: None,
        limit: page.limit,
        newest_first: true,
        thread: None,
        templates: Some(&templates),
    };
    let (lines, next) = thread_page(&state, &caller.scope(), page, walk, now, |line| line.summary.hazard).await?;
    Ok((
        super::page::link(&uri, page, &[], next),
        Json(Ledger {
            server_time: now,
            areas: ledger(lines),
        }),
    ))
}

/// The ids of the catalogue's hazard templates (every family but
/// incidents'): the ledger's walk reads only threads that start with one.
fn hazard_templates() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = kuaibao_core::rules::catalogue::all()
        .filter(|t| !matches!(t.family, kuaibao_core::Family::Incident { .. }))
        .map(|t| t.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Groups the hazards of `lines` by area, in the ledger's order.
fn ledger(lines: Vec<Line>) -> Vec<LedgerArea> {
    let mut areas: Vec<(Option<String>, LedgerArea)> = Vec::new();
    for line in lines.into_iter().filter(|l| l.summary.hazard) {
        let overdue = u32::from(line.summary.rectification_overdue_days.is_some());
        match areas.iter_mut().find(|(path, _)| *path == line.area_path) {
            Some((_, area)) => {
                area.overdue += overdue;
                area.hazards.push(line.summary);
            }
            None => areas.push((
                line.area_path,
                LedgerArea {
                    area: line.summary.area.clone(),
                    overdue,
                    hazards: vec![line.summary],
                },
            )),
        }
    }
    for (_, area) in &mut areas {
        sort_by_urgency(&mut area.hazards);
    }
    areas.sort_by(|(a_path, a), (b_path, b)| b.overdue.cmp(&a.overdue).then_with(|| a_path.cmp(b_path)));
    areas.into_iter().map(|(_, area)| area).collect()
}

/// `GET /api/office/map`: the base map the office's map draws on
/// (`KUAIBAO_MAP_*`; no tiles unless configured).
pub async fn map(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<kuaibao_core::desk::geo::MapConfig>, AppError> {
    require_office(&caller)?;
    Ok(Json(state.map.as_ref().clone()))
}

/// `GET /api/office/events`: a `text/event-stream` of [`Change`]s to the
/// threads of the caller's area and below, each a `data:` line of JSON;
/// a comment at once and every 15 seconds. A stream that fell behind gets
/// a [`ChangeKind::Reload`]. Needs the bearer token like every request
/// (the office reads it with `fetch`, not `EventSource`, which cannot send
/// one); ends when the session expires or the server shuts down.
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, AppError> {
    require_office(&caller)?;
    let Some(place) = state.changes.open.take(&caller.0.user.account.id) else {
        tracing::warn!(user = %caller.0.user.account.id, "an office stream refused: too many open");
        return Err(AppError::OverBound {
            message: format!(
                "此账号已打开 {MAX_STREAMS_PER_ACCOUNT} 个值班室页面的实时更新，不能再多：请关闭不用的值班室页面，本页稍后自动重连。\
                 / This account has {MAX_STREAMS_PER_ACCOUNT} desk pages live already, the most it may: \
                 close the ones not in use; this page reconnects by itself."
            ),
            retry_after_secs: 30,
        });
    };
    // The Caller extractor has read this very token already.
    let token = crate::auth::bearer_in(&headers)
        .map(crate::auth::token::token_sha256)
        .unwrap_or_default();
    // Subscribed before the answer's head is sent: a change committed after
    // the client has the head reaches it.
    let subscription = Subscription {
        changes: state.changes.sender.subscribe(),
        closing: state.changes.closing.subscribe(),
        scope: caller.scope(),
        ends: caller.0.expires_at,
        session: LiveCheck {
            pool: state.pool.clone(),
            sessions: Arc::clone(&state.sessions),
            token_sha256: token,
        },
        // The first check one period from now: the session was read a
        // moment ago.
        recheck: tokio::time::interval_at(tokio::time::Instant::now() + SESSION_RECHECK, SESSION_RECHECK),
        opened: false,
        _place: place,
    };
    let stream = futures_util::stream::unfold(subscription, Subscription::next);
    Ok((
        [
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            // Reverse proxies (nginx) would otherwise hold events back in
            // their buffers.
            (
                HeaderName::from_static("x-accel-buffering"),
                HeaderValue::from_static("no"),
            ),
        ],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive")),
    ))
}

/// One office page's stream.
struct Subscription {
    changes: broadcast::Receiver<Published>,
    closing: watch::Receiver<bool>,
    scope: Scope,
    /// When the session expires: the stream ends, and the page logs in again.
    ends: chrono::DateTime<Utc>,
    /// Asked every [`SESSION_RECHECK`]: a logout, a revoked session or a
    /// disabled account ends the stream too, not only the expiry.
    session: LiveCheck,
    /// Kept across events, so a busy stream is checked as often as a quiet one.
    recheck: tokio::time::Interval,
    opened: bool,
    /// Held while the stream is open.
    _place: super::per_account::Place,
}

/// How often an open stream asks whether its session still stands. With
/// the session cache's window (`auth::cache::WINDOW`, 2 s) a session ended
/// anywhere closes its streams within 5 s.
const SESSION_RECHECK: Duration = Duration::from_secs(3);

/// The session a stream was opened with, to ask again.
struct LiveCheck {
    pool: Pool,
    sessions: Arc<crate::auth::cache::SessionCache>,
    token_sha256: String,
}

impl LiveCheck {
    /// False once the session is over. A database that cannot answer now
    /// (busy) keeps the stream: the next check asks again.
    async fn still_live(&self) -> bool {
        match self
            .sessions
            .live_session(&self.pool, &self.token_sha256, Utc::now())
            .await
        {
            Ok(found) => found.is_some(),
            Err(e) => {
                tracing::warn!("cannot check an office stream's session: {e}");
                true
            }
        }
    }
}

impl Subscription {
    /// The next event; `None` ends the stream.
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        if !self.opened {
            // At once, so the client knows it is subscribed.
            self.opened = true;
            return Some((Ok(Event::default().comment("subscribed")), self));
        }
        let left = (self.ends - Utc::now()).to_std().unwrap_or_default();
        let expiry = tokio::time::sleep(left);
        tokio::pin!(expiry);
        loop {
            let change = tokio::select! {
                received = self.changes.recv() => match received {
                    Ok(published) if published.visible_to(&self.scope) => Some(published.change),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::info!(missed, "an office stream fell behind: told to reload");
                        Some(Change::reload())
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                // Shutting down (or the sender gone, which is the same).
                _ = self.closing.wait_for(|closing| *closing) => return None,
                () = &mut expiry => return None,
                _ = self.recheck.tick() => None,
            };
            // Asked outside the select: its branches' futures (a watch
            // guard among them) are gone by now.
            let Some(change) = change else {
                if self.session.still_live().await {
                    continue;
                }
                tracing::info!("an office stream ended: its session is over");
                return None;
            };
            // A `Change` is two plain fields; it always encodes.
            let data = serde_json::to_string(&change).ok()?;
            return Some((Ok(Event::default().data(data)), self));
        }
    }
}

/// The thread's records in the caller's scope, if the caller may answer on
/// it (acknowledge, ask for a follow-up, sign): an office account that
/// reads it and whose area is the thread's or above
/// (`kuaibao_core::rules::writers::may_answer`). A refusal (403 to a
/// reporter or an office beside the thread, 404 for a thread outside the
/// caller's area, as if it did not exist) stores nothing and is audited.
pub(super) async fn may_answer(
    state: &AppState,
    caller: &Caller,
    thread: ReportId,
    action: &str,
) -> Result<Vec<ReportId>, AppError> {
    let allowed = match require_office(caller) {
        Ok(()) => match thread_in_scope(&state.pool, caller, thread).await {
            Ok(records) => answers_for(state, caller, thread).await.map(|()| records),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    if let Err(refused) = &allowed {
        if matches!(
            refused,
            AppError::Forbidden(_) | AppError::NotFound(_) | AppError::NotPermitted(_)
        ) && state.refusals.admits(&caller.actor())
        {
            let detail = serde_json::json!({ "action": action, "reason": refused.to_string() });
            crate::db::audit::note(
                &state.pool,
                &caller.actor(),
                "thread.refuse",
                &thread.to_string(),
                detail,
            )
            .await?;
        }
    }
    allowed
}

/// 403 naming `thread` unless the caller's area is the thread holder's or
/// above it.
async fn answers_for(state: &AppState, caller: &Caller, thread: ReportId) -> Result<(), AppError> {
    let holder = crate::db::reports::thread_holder(&state.pool, thread).await?;
    writers::may_answer(&caller.writer(), holder.as_ref().map(HolderRow::holder).as_ref()).map_err(|refusal| {
        tracing::warn!(%thread, user = %caller.0.user.account.id, "office act refused: {refusal}");
        refusal.into()
    })
}

/// 404 unless a record of `thread` is in the caller's scope; its records
/// in scope.
pub(super) async fn thread_in_scope(pool: &Pool, caller: &Caller, thread: ReportId) -> Result<Vec<ReportId>, AppError> {
    let records = rows::records_in_scope(pool, thread, &caller.scope()).await?;
    if records.is_empty() {
        Err(AppError::NotFound(format!("no record of thread {thread}")))
    } else {
        Ok(records)
    }
}

/// `POST /api/threads/{id}/acknowledgements`: 201 and the stored
/// acknowledgement; 200 and the same again for a replay of its id; 409 for
/// its id with other content.
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    JsonBody(body): JsonBody<Acknowledge>,
) -> Result<(StatusCode, Json<Acknowledgement>), AppError> {
    // A malformed request is refused as such whoever sends it (400 before
    // 403), as on every other path.
    let thread = parse_id(&id, "thread")?;
    let records = may_answer(&state, &caller, thread, "thread.acknowledge").await?;
    if !records.contains(&body.report_id) {
        return Err(AppError::InvalidForm(vec![FieldError::new(
            "report_id",
            ErrorCode::BadId,
            "该记录不属于此事件",
            "that record is not one of this thread's",
        )]));
    }
    let kept = rows::acknowledge(&state.pool, &caller.actor(), body.id, thread, body.report_id).await?;
    announced(&state, kept, body.id, thread, ChangeKind::Acknowledged).await
}

/// `POST /api/threads/{id}/requests`: 201 and the stored request; 200 and
/// the same again for a replay of its id; 409 for its id with other
/// content. The message is trimmed; 422 if empty, too long or with control
/// characters.
pub async fn ask(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    JsonBody(body): JsonBody<AskFollowUp>,
) -> Result<(StatusCode, Json<FollowUpRequest>), AppError> {
    // A malformed request is refused as such whoever sends it (400 before
    // 403), as on every other path.
    let thread = parse_id(&id, "thread")?;
    may_answer(&state, &caller, thread, "thread.ask").await?;
    let message = body.check().map_err(|e| AppError::InvalidForm(vec![e]))?;
    let kept = rows::ask(&state.pool, &caller.actor(), body.id, thread, &message).await?;
    announced(&state, kept, body.id, thread, ChangeKind::Asked).await
}

/// The answer to storing an office record of `thread`; a new one is
/// announced on the live stream as `kind`.
pub(super) async fn announced<T>(
    state: &AppState,
    kept: Kept<T>,
    id: uuid::Uuid,
    thread: ReportId,
    kind: ChangeKind,
) -> Result<(StatusCode, Json<T>), AppError> {
    let (status, value) = stored(kept, id)?;
    if status == StatusCode::CREATED {
        state.changes.office_changed(&state.pool, thread, kind).await;
    }
    Ok((status, Json(value)))
}

/// The answer to storing an office record.
fn stored<T>(kept: Kept<T>, id: uuid::Uuid) -> Result<(StatusCode, T), AppError> {
    match kept {
        Kept::Created(t) => Ok((StatusCode::CREATED, t)),
        Kept::Replayed(t) => Ok((StatusCode::OK, t)),
        Kept::Conflict => {
            tracing::warn!(%id, "office record refused: id stored with other content");
            Err(AppError::OfficeConflict(id))
        }
        Kept::NoRoom(refusal) => {
            tracing::warn!(%id, "office act refused: the thread holds the most it may");
            Err(AppError::InvalidForm(vec![refusal]))
        }
    }
}

/// `GET /api/requests`: the requests for a follow-up on the threads the
/// caller sent a record of, oldest first, a page at a time (`limit`,
/// `after`; the next page in the `Link` header), each saying whether a
/// record of the thread arrived after it. Any role: it is the phone's.
pub async fn my_requests(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<(HeaderMap, Json<Vec<FollowUpRequest>>), AppError> {
    let paged = Paged::of(&uri)?;
    let open_only = open_only(&paged.rest)?;
    let own = Scope::Own {
        user_id: caller.0.user.account.id.clone(),
    };
    let (rows, more) = rows::requests_in(&state.pool, &own, paged.page, open_only).await?;
    let next = rows.last().map(|(key, _)| *key).filter(|_| more);
    Ok((
        paged.headers(&uri, next),
        Json(rows.into_iter().map(|(_, request)| request).collect()),
    ))
}
