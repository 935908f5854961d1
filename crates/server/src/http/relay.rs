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
//! queued, many changes in one notification. A replica ignores its own
//! notifications by their `origin`. SQLite is one process: no relay.

use std::time::Duration;

use kuaibao_core::desk::office::ChangeKind;
use kuaibao_core::ReportId;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::office::Changes;
use crate::db::Pool;

/// The notification channel.
pub const CHANNEL: &str = "kuaibao_changes";

/// Changes waiting to be notified; more are dropped (see the module doc).
const QUEUE: usize = 4096;
/// PostgreSQL's payload limit is 8000 bytes; a notification is cut below.
const MAX_PAYLOAD: usize = 7000;
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

/// The sending side, held by [`Changes`].
#[derive(Debug, Clone)]
pub struct Relay {
    queue: mpsc::Sender<Relayed>,
}

impl Relay {
    /// Changes queued and not yet notified (at most [`QUEUE`]).
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Queues `change` for the other replicas.
    pub fn send(&self, change: Relayed) {
        if let Err(e) = self.queue.try_send(change) {
            tracing::warn!("a live change was not relayed to the other replicas: {e}");
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
pub fn start(pool: Pool, url: String, changes: Changes) -> (Relay, Tasks) {
    let origin = Uuid::new_v4();
    let (queue, queued) = mpsc::channel(QUEUE);
    let notifier = tokio::spawn(notify(pool, origin, queued));
    let listener = tokio::spawn(listen(url, origin, changes));
    (Relay { queue }, Tasks { notifier, listener })
}

/// Sends what is queued, as few notifications as the payload limit allows.
async fn notify(pool: Pool, origin: Uuid, mut queued: mpsc::Receiver<Relayed>) {
    let mut batch = Vec::new();
    while queued.recv_many(&mut batch, 256).await > 0 {
        for payload in payloads(origin, std::mem::take(&mut batch)) {
            if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(&payload)
                .execute(&pool)
                .await
            {
                tracing::warn!("live changes not relayed to the other replicas: {e}");
            }
        }
    }
}

/// `changes` as notification payloads of at most [`MAX_PAYLOAD`] bytes (a
/// single change too large for one, with hundreds of areas, is dropped).
fn payloads(origin: Uuid, changes: Vec<Relayed>) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<Relayed> = Vec::new();
    let encode = |changes: &[Relayed]| {
        serde_json::to_string(&Notification {
            origin,
            changes: changes.to_vec(),
        })
        .unwrap_or_default()
    };
    for change in changes {
        current.push(change);
        if encode(&current).len() > MAX_PAYLOAD {
            let last = current.pop();
            if !current.is_empty() {
                out.push(encode(&current));
            }
            current = last.into_iter().collect();
            if encode(&current).len() > MAX_PAYLOAD {
                tracing::warn!("a live change too large to relay was dropped");
                current.clear();
            }
        }
    }
    if !current.is_empty() {
        out.push(encode(&current));
    }
    out
}

/// Hears the other replicas' changes and publishes them here; connects
/// again whenever the connection is lost.
async fn listen(url: String, origin: Uuid, changes: Changes) {
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => loop {
                    match listener.try_recv().await {
                        Ok(Some(notification)) => heard(&changes, origin, notification.payload()),
                        // The connection was lost (and may have missed
                        // notifications meanwhile): pages reload on their
                        // own reconnects; listen again.
                        Ok(None) => {
                            tracing::warn!("the relay's connection was lost; listening again");
                            if let Err(e) = listener.listen(CHANNEL).await {
                                tracing::warn!("the relay cannot listen: {e}");
                                break;
                            }
                        }
                        Err(e) => {
                            tracing::warn!("the relay stopped hearing the other replicas: {e}");
                            break;
                        }
                    }
                },
                Err(e) => tracing::warn!("the relay cannot listen: {e}"),
            },
            Err(e) => tracing::warn!("the relay cannot connect: {e}"),
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

/// Publishes the changes of another replica's notification.
fn heard(changes: &Changes, origin: Uuid, payload: &str) {
    match serde_json::from_str::<Notification>(payload) {
        Ok(n) if n.origin == origin => {}
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
        let payloads = payloads(origin, changes.clone());
        assert!(payloads.len() > 1, "200 changes do not fit one payload");
        assert!(payloads.iter().all(|p| p.len() <= MAX_PAYLOAD));
        let back: Vec<Relayed> = payloads
            .iter()
            .flat_map(|p| serde_json::from_str::<Notification>(p).expect("reads").changes)
            .collect();
        assert_eq!(back, changes, "every change, in order");
    }

    #[test]
    fn a_change_too_large_for_any_payload_is_dropped_and_the_rest_go() {
        let origin = Uuid::new_v4();
        let huge = Relayed {
            areas: (0..2000).map(|n| Some(format!("area/{n}/"))).collect(),
            ..change(1, "x/")
        };
        let payloads = payloads(origin, vec![change(0, "a/"), huge, change(2, "b/")]);
        let back: Vec<ReportId> = payloads
            .iter()
            .flat_map(|p| serde_json::from_str::<Notification>(p).expect("reads").changes)
            .map(|c| c.thread)
            .collect();
        assert_eq!(back, vec![change(0, "a/").thread, change(2, "b/").thread]);
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
