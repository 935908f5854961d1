//! When to drain the outbox: at start, when the phone comes back online, when
//! the user taps "sync now", when a report is submitted, and on a backoff
//! timer while anything waits. One pass at a time; a request during a pass
//! runs one more pass after it, so no trigger is ever lost.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;

use crate::platform;
use crate::store::{LocalPhoto, LocalReport, Status, Store, StoreError};
use crate::sync::outbox::{DrainSummary, Outbox};
use crate::sync::transport::HttpTransport;
use crate::sync::tus::HttpTus;
use crate::sync::uploads::Uploader;

type OnChange = Box<dyn Fn(&LocalReport)>;
type OnPhoto = Box<dyn Fn(&LocalPhoto)>;
type OnPass = Box<dyn Fn(&Result<DrainSummary, StoreError>)>;

pub struct SyncEngine {
    outbox: Outbox<HttpTransport>,
    uploader: Uploader<HttpTus>,
    running: Cell<bool>,
    /// A forced pass was asked for while one was running.
    again: Cell<bool>,
    timer: RefCell<Option<Timeout>>,
    on_change: OnChange,
    on_photo: OnPhoto,
    on_pass: OnPass,
}

impl SyncEngine {
    /// `on_change` hears of every report whose state changes, `on_photo` of
    /// every photo's progress, `on_pass` of the end of every pass.
    pub fn new(store: Store, on_change: OnChange, on_photo: OnPhoto, on_pass: OnPass) -> Rc<SyncEngine> {
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
            on_change,
            on_photo,
            on_pass,
        })
    }

    /// Drains at once and again whenever the browser says it is online.
    pub fn start(self: &Rc<Self>) {
        let this = Rc::clone(self);
        let on_online = Closure::<dyn Fn()>::new(move || this.request());
        if let Some(window) = web_sys::window() {
            if let Err(e) = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref()) {
                leptos::logging::warn!("cannot listen for the online event: {e:?}");
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
            (self.on_pass)(&result);
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

    /// Text first: the outbox; then the photos of every delivered report.
    async fn pass(&self, force: bool) -> Result<DrainSummary, StoreError> {
        let mut summary = self
            .outbox
            .drain(platform::now_ms(), force, platform::random, &*self.on_change)
            .await?;
        let delivered: Vec<_> = self
            .outbox
            .store
            .all()
            .await?
            .into_iter()
            .filter(|r| matches!(r.status, Status::Delivered { .. }))
            .map(|r| r.id)
            .collect();
        let photos = self
            .uploader
            .drain(
                &|id| delivered.contains(&id),
                platform::now_ms(),
                force,
                platform::random,
                &*self.on_photo,
            )
            .await?;
        summary.next_try_ms = match (summary.next_try_ms, photos.next_try_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(summary)
    }

    /// Backoff timer: a pass that respects each report's next try time.
    fn wake_at(self: &Rc<Self>, at_ms: f64) {
        let delay = (at_ms - platform::now_ms()).clamp(0.0, f64::from(u32::MAX)) as u32;
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
