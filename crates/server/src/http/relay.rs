//! Live changes between replicas (PostgreSQL only). Every replica keeps
//! its office streams fed from its own in-process channel
//! ([`super::office::Changes`]); on PostgreSQL each replica also hands its
//! changes to the others through `NOTIFY` on [`CHANNEL`], and publishes
//! those of the others it hears on `LISTEN`. So an officer whose page is
//! connected to replica A hears of a report stored through replica B, as
//! soon as B's commit is followed by its notification (milliseconds).
//!
//! The notifying is off the request's path: a change is queued (bounded;
//! a full queue drops the change with a warning: a page misses one live
//! line and is right again at its next reload) and a task sends what is
//! queued, many changes in one notification. Every change that does not
//! go (a full queue, a database that refuses or cannot be reached, a
//! change too large for a notification) is counted in
//! `kuaibao_relay_dropped_total`. A replica ignores its own
//! notifications by their `origin`. SQLite is one process: no relay.
//!
//! A change lost on the way must not leave an officer's inbox silently
//! short of a new 首报: the page draws only what it hears, and its own
//! stream stayed up. So after changes were dropped the next notification
//! also carries a reload, which the other replicas pass to every office
//! stream; and a listener that (re)starts listening, having maybe missed
//! notifications meanwhile, tells its own replica's streams to reload.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kuaibao_core::desk::office::ChangeKind;
use kuaibao_core::ReportId;
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener};
use sqlx::Connection;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::office::Changes;

/// The notification channel.
pub const CHANNEL: &str = "kuaibao_changes";

/// Changes waiting to be notified; more are dropped (see the module doc).
const QUEUE: usize = 4096;
/// Changes taken from the queue for one round of notifications.
const BATCH: usize = 1024;
/// PostgreSQL's payload limit is 8000 bytes; a notification is cut below.
const MAX_PAYLOAD: usize = 7000;
/// The notifier's connection's `application_name`, which operators (and
/// the tests) see in `pg_stat_activity`.
pub const NOTIFIER_NAME: &str = "kuaibao-relay";
/// How long the listener waits before connecting again after losing its
/// connection.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// One change as it travels between replicas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relayed {
    pub thread: ReportId,
    pub kind: ChangeKind,
    pub areas: Vec<Option<String>>,
}

/// One notification: who sent it and its changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Notification {
    origin: Uuid,
    changes: Vec<Relayed>,
}

/// Changes not relayed since the start, shared by the sending side and the
/// notifier.
#[derive(Debug, Clone, Default)]
struct Dropped(Arc<AtomicU64>);

impl Dropped {
    /// Counts `n` changes not relayed, and logs when the count passes the
    /// 1st, 2nd, 4th, 8th … drop: a relay that keeps failing under load
    /// must not add a log line to every request.
    fn add(&self, n: usize, why: &dyn std::fmt::Display) {
        let Ok(n) = u64::try_from(n) else { return };
        if n == 0 {
            return;
        }
        let before = self.0.fetch_add(n, Ordering::Relaxed);
        let now = before + n;
        if before == 0 || now.ilog2() > before.ilog2() {
            tracing::warn!("{now} live change(s) not relayed to the other replicas so far: {why}");
        }
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The sending side, held by [`Changes`].
#[derive(Debug, Clone)]
pub struct Relay {
    queue: mpsc::Sender<Relayed>,
    dropped: Dropped,
}

impl Relay {
    /// Changes queued and not yet notified (at most [`QUEUE`]).
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Changes not relayed since the start, for whatever reason.
    pub fn dropped(&self) -> u64 {
        self.dropped.get()
    }

    /// Queues `change` for the other replicas.
    pub fn send(&self, change: Relayed) {
        if let Err(e) = self.queue.try_send(change) {
            self.dropped.add(1, &e);
        }
    }
}

/// The relay's two tasks; aborted when the server stops.
pub struct Tasks {
    notifier: tokio::task::JoinHandle<()>,
    listener: tokio::task::JoinHandle<()>,
}

impl Tasks {
    pub fn abort(&self) {
        self.notifier.abort();
        self.listener.abort();
    }
}

/// Starts relaying `changes` through the PostgreSQL database at `url`
/// (which `pool` is on): returns the sending side for `changes` to hold,
/// and the tasks.
pub fn start(url: String, changes: Changes) -> (Relay, Tasks) {
    let origin = Uuid::new_v4();
    let (queue, queued) = mpsc::channel(QUEUE);
    let dropped = Dropped::default();
    let notifier = tokio::spawn(notify(url.clone(), origin, queued, dropped.clone()));
    let listener = tokio::spawn(listen(url, origin, changes));
    let relay = Relay { queue, dropped };
    (relay, Tasks { notifier, listener })
}

/// Sends what is queued, as few notifications as the payload limit allows,
/// all of a batch in one statement, on a connection of its own: through
/// the pool it would queue behind every request of a busy replica and fall
/// behind the changes it carries.
async fn notify(url: String, origin: Uuid, mut queued: mpsc::Receiver<Relayed>, dropped: Dropped) {
    let mut connection: Option<PgConnection> = None;
    let mut batch = Vec::new();
    // The drops the other replicas have been told to reload for.
    let mut told = 0;
    while queued.recv_many(&mut batch, BATCH).await > 0 {
        let taken = batch.len();
        let lost = dropped.get();
        if lost > told {
            let reload = kuaibao_core::desk::office::Change::reload();
            batch.push(Relayed {
                thread: reload.thread_id,
                kind: reload.kind,
                areas: Vec::new(),
            });
        }
        let (payloads, too_large) = payloads(origin, std::mem::take(&mut batch));
        dropped.add(too_large, &"a change too large for a notification");
        let carried = taken - too_large;
        if connection.is_none() {
            match connect(&url).await {
                Ok(c) => connection = Some(c),
                Err(e) => {
                    dropped.add(carried, &format_args!("cannot connect: {e}"));
                    tokio::time::sleep(RECONNECT_AFTER).await;
                    continue;
                }
            }
        }
        let Some(c) = connection.as_mut() else { continue };
        // `unnest` keeps the array's order, and so the notifications'.
        if let Err(e) = sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
            .bind(CHANNEL)
            .bind(&payloads)
            .execute(&mut *c)
            .await
        {
            dropped.add(carried, &e);
            connection = None;
        } else {
            told = lost;
        }
    }
}

async fn connect(url: &str) -> Result<PgConnection, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?.application_name(NOTIFIER_NAME);
    PgConnection::connect_with(&options).await
}

/// `changes` as notification payloads of at most [`MAX_PAYLOAD`] bytes, and
/// how many were dropped (a single change too large for one, with hundreds
/// of areas).
/// Each change is encoded once and the payloads are put together from
/// those pieces: the notifier must keep up with the busiest ingest, and
/// re-encoding a growing batch per change made it quadratic (it fell behind
/// at 4,000 reports a second and dropped changes).
fn payloads(origin: Uuid, changes: Vec<Relayed>) -> (Vec<String>, usize) {
    // `{"origin":"…","changes":[` + pieces joined by `,` + `]}`, exactly as
    // serde would write a `Notification`.
    let head = format!("{{\"origin\":\"{origin}\",\"changes\":[");
    const TAIL: &str = "]}";
    let mut out = Vec::new();
    let mut current = head.clone();
    let mut in_current = 0usize;
    let mut dropped = 0;
    for change in changes {
        let Ok(piece) = serde_json::to_string(&change) else {
            dropped += 1;
            continue;
        };
        if head.len() + piece.len() + TAIL.len() > MAX_PAYLOAD {
            dropped += 1;
            continue;
        }
        if current.len() + 1 + piece.len() + TAIL.len() > MAX_PAYLOAD {
            current.push_str(TAIL);
            out.push(std::mem::replace(&mut current, head.clone()));
            in_current = 0;
        }
        if in_current > 0 {
            current.push(',');
        }
        current.push_str(&piece);
        in_current += 1;
    }
    if in_current > 0 {
        current.push_str(TAIL);
        out.push(current);
    }
    (out, dropped)
}

/// Hears the other replicas' changes and publishes them here; connects
/// again whenever the connection is lost.
async fn listen(url: String, origin: Uuid, changes: Changes) {
    // Before the first listen this replica has just started: its pages
    // loaded what there was.
    let mut heard_before = false;
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => {
                    // Listening again: whatever was notified meanwhile was
                    // not heard here.
                    if std::mem::replace(&mut heard_before, true) {
                        changes.reload_here();
                    }
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(notification)) => heard(&changes, origin, notification.payload()),
                            // The connection was lost (and may have missed
                            // notifications meanwhile): listen again, and the
                            // pages here reload.
                            Ok(None) => {
                                tracing::warn!("the relay's connection was lost; listening again");
                                if let Err(e) = listener.listen(CHANNEL).await {
                                    tracing::warn!("the relay cannot listen: {e}");
                                    break;
                                }
                                changes.reload_here();
                            }
                            Err(e) => {
                                tracing::warn!("the relay stopped hearing the other replicas: {e}");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!("the relay cannot listen: {e}"),
            },
            Err(e) => tracing::warn!("the relay cannot connect: {e}"),
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

/// Who sent a notification: read first, so that a replica skips its own
/// notifications (most of what it hears while it is the busy one) without
/// building their changes.
#[derive(Deserialize)]
struct Origin {
    origin: Uuid,
}

/// Publishes the changes of another replica's notification.
fn heard(changes: &Changes, origin: Uuid, payload: &str) {
    match serde_json::from_str::<Origin>(payload) {
        Ok(n) if n.origin == origin => return,
        Ok(_) => {}
        Err(e) => {
            tracing::warn!("an unreadable notification on {CHANNEL}: {e}");
            return;
        }
    }
    match serde_json::from_str::<Notification>(payload) {
        Ok(n) => {
            for c in n.changes {
                changes.publish_here(c.thread, c.kind, c.areas);
            }
        }
        Err(e) => tracing::warn!("an unreadable notification on {CHANNEL}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(n: u64, area: &str) -> Relayed {
        Relayed {
            thread: ReportId::from_parts(n, [1; 10]),
            kind: ChangeKind::Report,
            areas: vec![Some(area.to_owned())],
        }
    }

    #[test]
    fn changes_travel_in_as_few_payloads_as_fit_and_come_back_whole() {
        let origin = Uuid::new_v4();
        let changes: Vec<Relayed> = (0..200).map(|n| change(n, "xh/cg/qs/3/")).collect();
        let (payloads, dropped) = payloads(origin, changes.clone());
        assert_eq!(dropped, 0);
        assert!(payloads.len() > 1, "200 changes do not fit one payload");
        assert!(payloads.iter().all(|p| p.len() <= MAX_PAYLOAD));
        let back: Vec<Relayed> = payloads
            .iter()
            .flat_map(|p| serde_json::from_str::<Notification>(p).expect("reads").changes)
            .collect();
        assert_eq!(back, changes, "every change, in order");
        let one = serde_json::to_string(&Notification {
            origin,
            changes: changes[..1].to_vec(),
        })
        .expect("json");
        assert_eq!(
            super::payloads(origin, changes[..1].to_vec()),
            (vec![one], 0),
            "as serde writes it"
        );
        assert_eq!(super::payloads(origin, Vec::new()), (Vec::new(), 0));
    }

    #[test]
    fn a_change_too_large_for_any_payload_is_dropped_and_the_rest_go() {
        let origin = Uuid::new_v4();
        let huge = Relayed {
            areas: (0..2000).map(|n| Some(format!("area/{n}/"))).collect(),
            ..change(1, "x/")
        };
        let (payloads, dropped) = payloads(origin, vec![change(0, "a/"), huge, change(2, "b/")]);
        assert_eq!(dropped, 1, "counted");
        let back: Vec<ReportId> = payloads
            .iter()
            .flat_map(|p| serde_json::from_str::<Notification>(p).expect("reads").changes)
            .map(|c| c.thread)
            .collect();
        assert_eq!(back, vec![change(0, "a/").thread, change(2, "b/").thread]);
    }

    #[test]
    fn drops_are_counted_whatever_their_cause() {
        let dropped = Dropped::default();
        dropped.add(1, &"a full queue");
        dropped.add(0, &"nothing");
        dropped.add(1023, &"the database refused a batch");
        assert_eq!(dropped.clone().get(), 1024, "one count for the sender and the notifier");
    }

    #[test]
    fn a_replica_ignores_its_own_notifications() {
        let changes = Changes::new();
        let mut heard_here = changes.subscribe_for_test();
        let origin = Uuid::new_v4();
        let own = serde_json::to_string(&Notification {
            origin,
            changes: vec![change(1, "a/")],
        })
        .expect("json");
        heard(&changes, origin, &own);
        assert!(heard_here.try_recv().is_err(), "its own change was published already");
        let other = serde_json::to_string(&Notification {
            origin: Uuid::new_v4(),
            changes: vec![change(2, "a/")],
        })
        .expect("json");
        heard(&changes, origin, &other);
        assert!(
            heard_here.try_recv().is_ok(),
            "another replica's change is published here"
        );
        heard(&changes, origin, "not json");
    }
}
