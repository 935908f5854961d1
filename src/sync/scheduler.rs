//! When to drain the outbox: at start, when the phone comes back online, when
//! the user taps "sync now", when a report is submitted, and on a backoff
//! timer while anything waits, and after every login. One pass at a time;
//! a request during a pass runs one more pass after it, so no trigger is
//! ever lost. Every pass starts by measuring the clock against the server's,
//! then sends the text and the photos, reads the account's threads back
//! once (`recover`), what was added to them since (`thread_records`), the
//! office's requests and the deadline rules, and ends
//! by sending the phone's crash records (`crate::crash`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chrono::{DateTime, Utc};
use gloo_timers::callback::Timeout;
use kuaibao_core::account::DEFAULT_KEEP_DAYS;
use kuaibao_core::desk::office::FollowUpRequest;
use wasm_bindgen::prelude::*;

use crate::platform;
use crate::session::{self, current_auth, may_send, Auth};
use crate::store::{Author, ClockReading, LocalPhoto, LocalReport, Status, Store, StoreError};
use crate::sync::outbox::{DrainSummary, Outbox};
use crate::sync::transport::HttpTransport;
use crate::sync::tus::HttpTus;
use crate::sync::uploads::Uploader;
use crate::sync::{clock, recover, requests, thread_records};

/// Why reading the account's threads back stopped (it goes on at the next
/// pass).
#[derive(Debug, thiserror::Error)]
enum ReadBackError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Net(#[from] crate::sync::transport::NetError),
}

/// The result of one pass, as the screen hears it.
pub type PassResult = Result<DrainSummary, StoreError>;

/// Hears the office's follow-up requests each time they are read.
pub type RequestsListener = dyn Fn(&[FollowUpRequest]);

/// Who hears what the engine does, for the screen.
pub struct Listeners {
    /// Every report whose state changes.
    pub on_change: Box<dyn Fn(&LocalReport)>,
    /// Every photo's progress.
    pub on_photo: Box<dyn Fn(&LocalPhoto)>,
    /// Every new clock measurement (already stored).
    pub on_clock: Box<dyn Fn(&ClockReading)>,
    /// The duty office's follow-up requests, when read (already stored).
    pub on_requests: Box<RequestsListener>,
    /// The deployment's deadline rules, when read (already stored).
    pub on_rules: Box<dyn Fn(&kuaibao_core::rules::deadlines::RuleSet)>,
    /// The end of every pass.
    pub on_pass: Box<dyn Fn(&PassResult)>,
}

pub struct SyncEngine {
    outbox: Outbox<HttpTransport>,
    uploader: Uploader<HttpTus>,
    running: Cell<bool>,
    /// A forced pass was asked for while one was running.
    again: Cell<bool>,
    timer: RefCell<Option<Timeout>>,
    listeners: Listeners,
}

impl SyncEngine {
    pub fn new(store: Store, listeners: Listeners) -> Rc<SyncEngine> {
        Rc::new(SyncEngine {
            uploader: Uploader {
                store: store.clone(),
                tus: HttpTus::default(),
            },
            outbox: Outbox {
                store,
                transport: HttpTransport::default(),
            },
            running: Cell::new(false),
            again: Cell::new(false),
            timer: RefCell::new(None),
            listeners,
        })
    }

    /// Drains at once and again whenever the browser says it is online.
    pub fn start(self: &Rc<Self>) {
        let this = Rc::clone(self);
        let on_online = Closure::<dyn Fn()>::new(move || this.request());
        if let Some(window) = web_sys::window() {
            if let Err(e) = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref()) {
                leptos::logging::warn!("cannot listen for the online event: {}", crate::platform::js_error(&e));
            }
        }
        // The engine lives as long as the page.
        on_online.forget();
        self.request();
    }

    /// Sends everything waiting now, whatever the backoff says: used for
    /// every trigger that suggests the network may be back.
    pub fn request(self: &Rc<Self>) {
        if self.running.replace(true) {
            self.again.set(true);
            return;
        }
        self.timer.borrow_mut().take();
        let this = Rc::clone(self);
        leptos::task::spawn_local(async move { this.run(true).await });
    }

    async fn run(self: Rc<Self>, mut force: bool) {
        loop {
            let result = self.pass(force).await;
            (self.listeners.on_pass)(&result);
            if self.again.replace(false) {
                force = true;
                continue;
            }
            match result {
                Ok(DrainSummary {
                    next_try_ms: Some(at), ..
                }) => self.wake_at(at),
                Ok(_) => {}
                // The store itself failed: try again later rather than never.
                Err(_) => self.wake_at(platform::now_ms() + kuaibao_core::backoff::BASE_MS as f64),
            }
            break;
        }
        self.running.set(false);
    }

    /// The clock first; then the text (the outbox); then the photos of
    /// every delivered report.
    async fn pass(&self, force: bool) -> Result<DrainSummary, StoreError> {
        let store = &self.outbox.store;
        // Measured before anything is sent: a report submitted after this
        // pass carries the freshest offset, and the session's end is judged
        // by the server's time.
        if let Some(told) = clock::measure().await {
            if let Some(reading) = told.clock {
                // Not kept on a full phone: the reports still go.
                if let Err(e) = store.set_clock(&reading).await {
                    leptos::logging::warn!("cannot keep the clock's reading: {e}");
                }
                (self.listeners.on_clock)(&reading);
            }
            // The server lost what it received after its backup: what this
            // phone delivered since goes again, in this pass.
            if let Some(restore) = told.restored {
                match store.resend_after(&restore, platform::now_ms()).await {
                    Ok(again) => again.iter().for_each(|r| (self.listeners.on_change)(r)),
                    Err(e) => leptos::logging::warn!("cannot queue again what the restore lost: {e}"),
                }
            }
        }
        // Delivered in this pass, whether or not the phone could write it
        // down (a full phone): their photos go too.
        let delivered_now: RefCell<Vec<_>> = RefCell::new(Vec::new());
        let on_change = |r: &LocalReport| {
            if matches!(r.status, Status::Delivered { .. }) {
                delivered_now.borrow_mut().push(r.id);
            }
            (self.listeners.on_change)(r);
        };
        let mut summary = self
            .outbox
            .drain(platform::now_ms(), force, platform::random, &on_change)
            .await?;
        if summary.link_down {
            // The text could not get through: neither will the photos.
            // Their tries are kept for when the link is back.
            return Ok(summary);
        }
        // Photos follow their text, under the account that sent it.
        let auth = current_auth(store, platform::now_ms()).await?;
        let mut delivered: Vec<_> = store
            .all()
            .await?
            .into_iter()
            .filter(|r| matches!(r.status, Status::Delivered { .. }))
            .filter(|r| auth.as_ref().is_none_or(|a| may_send(r, a)))
            .map(|r| r.id)
            .collect();
        delivered.extend(delivered_now.into_inner());
        let photos = self
            .uploader
            .drain(
                &|id| delivered.contains(&id),
                platform::now_ms(),
                force,
                platform::random,
                &*self.listeners.on_photo,
            )
            .await?;
        summary.merge(&DrainSummary {
            delivered: photos.done,
            rejected: photos.rejected,
            waiting: photos.waiting,
            held: photos.held,
            refused: photos.refused,
            next_try_ms: photos.next_try_ms,
            link_down: photos.link_down,
        });
        if !summary.link_down {
            // The account's threads read back first: the office's requests
            // are shown on the threads the phone holds.
            if let Some(auth) = &auth {
                self.recover(auth).await;
            }
            self.read_requests(auth.as_ref().map(|a| a.token.as_str())).await?;
            self.read_rules(auth.as_ref().map(|a| a.token.as_str())).await?;
            // The phone's crash records, if any: a nicety like the reads
            // above, and never in a report's way.
            if let Some(auth) = &auth {
                crate::crash::send_pending(&auth.token).await;
            }
        }
        Ok(summary)
    }

    /// The office's follow-up requests, after the pass's own sending: a
    /// failure to read them is logged and costs nothing else.
    async fn read_requests(&self, token: Option<&str>) -> Result<(), StoreError> {
        let Some(token) = token else {
            return Ok(());
        };
        match requests::fetch(token).await {
            Ok(Some(list)) => {
                self.outbox.store.set_requests(&list).await?;
                (self.listeners.on_requests)(&list);
            }
            Ok(None) => {}
            Err(e) => leptos::logging::warn!("cannot read the office's requests: {e}"),
        }
        Ok(())
    }

    /// The account's threads, read back once per account (`recover`), a
    /// few pages a pass, then what was added to them since, by the office
    /// or on her other phone, and the threads she began there
    /// (`thread_records`): a failure, the network's or the store's (a full
    /// phone), is logged, and the next pass tries again from where it stood.
    async fn recover(&self, auth: &Auth) {
        if let Err(e) = self.read_back(auth).await {
            leptos::logging::warn!("cannot read the account's threads back: {e}");
        }
    }

    async fn read_back(&self, auth: &Auth) -> Result<(), ReadBackError> {
        let store = &self.outbox.store;
        let Some(session) = store
            .session()
            .await?
            .filter(|s| s.session.account.id == auth.account_id)
        else {
            return Ok(());
        };
        let author = Author::from(&session.session.account);
        if let Some(from) = store.recovery_from(&auth.account_id, recover::first_page()).await? {
            let Some((records, next)) = recover::fetch(&auth.token, &author, from).await? else {
                return Ok(());
            };
            for r in store.recover(&auth.account_id, &records, next.as_deref()).await? {
                (self.listeners.on_change)(&r);
            }
            // Her threads' other records only once every thread of hers is
            // here: one in a thread not yet read back would be passed over.
            if next.is_some() {
                return Ok(());
            }
        }
        let from = store
            .thread_records_from(&auth.account_id, thread_records::first_page())
            .await?;
        let Some((records, next)) = thread_records::fetch(&auth.token, &author, from).await? else {
            return Ok(());
        };
        // Threads she began on her other phone since: any the office
        // received within the phone's keeping time (one begun before is here,
        // read back, or settled and let go).
        let keep_days = session.session.keep_days.unwrap_or(DEFAULT_KEEP_DAYS);
        let now_ms = session::server_now_ms(platform::now_ms(), store.clock().await?.as_ref());
        let begun_after = DateTime::from_timestamp_millis(now_ms as i64 - i64::from(keep_days) * 86_400_000)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        for r in store
            .keep_thread_records(&auth.account_id, &records, &next, begun_after)
            .await?
        {
            (self.listeners.on_change)(&r);
        }
        Ok(())
    }

    /// The deployment's deadline rules, after the pass's own sending, like
    /// the requests.
    async fn read_rules(&self, token: Option<&str>) -> Result<(), StoreError> {
        let Some(token) = token else {
            return Ok(());
        };
        match super::rules::fetch(token).await {
            Ok(Some(rules)) => {
                self.outbox.store.set_rules(&rules).await?;
                (self.listeners.on_rules)(&rules);
            }
            Ok(None) => {}
            Err(e) => leptos::logging::warn!("cannot read the deadline rules: {e}"),
        }
        Ok(())
    }

    /// Backoff timer: a pass that respects each report's next try time.
    fn wake_at(self: &Rc<Self>, at_ms: f64) {
        // gloo's timers take an i32 of milliseconds: a longer delay would
        // wrap to "at once" (and never is one: `backoff::is_due`).
        let delay = (at_ms - platform::now_ms()).clamp(0.0, f64::from(i32::MAX)) as u32;
        let this = Rc::clone(self);
        let timeout = Timeout::new(delay, move || {
            if !this.running.replace(true) {
                let again = Rc::clone(&this);
                leptos::task::spawn_local(async move { again.run(false).await });
            }
        });
        *self.timer.borrow_mut() = Some(timeout);
    }
}
