//! The duty office's shared state: who is logged in (the same IndexedDB
//! session as the phone app, so an officer logs in once per browser), the
//! open view, a clock ticking each second for countdowns, and the live
//! stream, whose changes bump [`Desk::changed`] (debounced) so each view
//! reloads what it shows.

use std::cell::RefCell;
use std::rc::Rc;

use kuaibao_core::account::{Role, Session};
use kuaibao_core::desk::office::ChangeKind;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::api::ApiFail;
use super::events::{Handlers, Live, Stream};
use super::route::Route;
use crate::platform;
use crate::store::Store;

/// How long after a change the views reload: a burst of changes (a report
/// and its photos) costs one reload.
pub const DEBOUNCE_MS: u32 = 300;

#[derive(Clone, Copy)]
pub struct Desk {
    /// The login, if any; `None` shows the login form.
    pub session: RwSignal<Option<Session>>,
    /// The username to pre-fill the form with.
    pub last_username: RwSignal<Option<String>>,
    pub route: RwSignal<Route>,
    /// The desk's clock (ms), ticking each second.
    pub now_ms: RwSignal<f64>,
    /// The server's clock minus the desk's (ms), from the last list read
    /// (0 until then): the desk's records and a call's time are stamped by
    /// the server's clock, as the phone's are, whatever the office PC's.
    pub offset_ms: StoredValue<f64>,
    pub live: RwSignal<Live>,
    /// Bumped (debounced) whenever the server says something changed.
    pub changed: RwSignal<u64>,
    store: StoredValue<Store, LocalStorage>,
    stream: StoredValue<Option<Stream>, LocalStorage>,
    pending: StoredValue<Rc<RefCell<Option<gloo_timers::callback::Timeout>>>, LocalStorage>,
}

impl Desk {
    /// Reads the stored login and starts the clock and the hash listener.
    pub async fn start(store: Store) -> Desk {
        let stored = match store.session().await {
            Ok(s) => s,
            Err(e) => {
                leptos::logging::error!("cannot read the session: {e}");
                None
            }
        };
        let now = platform::now_ms();
        // A session the server refused or that ran out needs a new login.
        let session = stored
            .as_ref()
            .filter(|s| s.refused_ms.is_none() && s.session.expires_at.timestamp_millis() as f64 > now)
            .map(|s| s.session.clone());
        let last_username = store.last_username().await.ok().flatten();
        let desk = Desk {
            session: RwSignal::new(session),
            last_username: RwSignal::new(last_username),
            route: RwSignal::new(Route::current()),
            now_ms: RwSignal::new(now),
            offset_ms: StoredValue::new(0.0),
            live: RwSignal::new(Live::Connecting),
            changed: RwSignal::new(0),
            store: StoredValue::new_local(store),
            stream: StoredValue::new_local(None),
            pending: StoredValue::new_local(Rc::new(RefCell::new(None))),
        };
        let now_ms = desk.now_ms;
        gloo_timers::callback::Interval::new(1_000, move || now_ms.set(platform::now_ms())).forget();
        let route = desk.route;
        let on_hash = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || route.set(Route::current()));
        let _ = window().add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
        on_hash.forget();
        desk.follow_session();
        desk
    }

    /// The token of the login; empty when logged out.
    pub fn token(&self) -> String {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
            .unwrap_or_default()
    }

    /// Whether the logged-in account may use the duty office.
    pub fn is_officer(&self) -> bool {
        self.session.with(|s| {
            s.as_ref()
                .is_some_and(|s| matches!(s.account.role, Role::Officer | Role::Admin))
        })
    }

    /// Whether the logged-in account is an administrator (who reads the
    /// phones' crash reports).
    pub fn is_admin(&self) -> bool {
        self.session
            .with(|s| s.as_ref().is_some_and(|s| s.account.role == Role::Admin))
    }

    pub fn store(&self) -> Store {
        self.store.get_value()
    }

    /// A new login: kept in the shared store, and the stream opened.
    pub async fn logged_in(&self, session: Session) {
        if let Err(e) = self.store.get_value().save_session(&session).await {
            leptos::logging::error!("cannot keep the session: {e}");
        }
        self.last_username.set(Some(session.account.username.clone()));
        self.session.set(Some(session));
    }

    /// Now by the server's clock (ms), as last measured.
    pub fn server_now_ms(&self) -> f64 {
        platform::now_ms() + self.offset_ms.try_get_value().unwrap_or(0.0)
    }

    /// Notes the server's time as a list answered it, read at `at_ms` by
    /// the desk's clock.
    pub fn heard_time(&self, server_time: chrono::DateTime<chrono::Utc>, at_ms: f64) {
        let _ = self
            .offset_ms
            .try_set_value(server_time.timestamp_millis() as f64 - at_ms);
    }

    /// Log out: the server forgets the token, the browser the session.
    pub async fn log_out(&self) {
        let token = self.token();
        if let Err(e) = crate::session::api::logout(&token).await {
            leptos::logging::warn!("logout not sent: {e}");
        }
        if let Err(e) = self.store.get_value().clear_session().await {
            leptos::logging::error!("cannot forget the session: {e}");
        }
        self.session.set(None);
    }

    /// What a failed request means for the whole desk: a 401 ends the
    /// login here (and on the phone app of this browser, which shares it).
    pub fn failed(&self, fail: &ApiFail) {
        if *fail == ApiFail::LoggedOut {
            let token = self.token();
            let store = self.store.get_value();
            let session = self.session;
            leptos::task::spawn_local(async move {
                if let Err(e) = store.refuse_session(&token, platform::now_ms()).await {
                    leptos::logging::error!("cannot mark the session refused: {e}");
                }
                session.set(None);
            });
        }
    }

    /// Opens the live stream whenever an officer is logged in, closes it
    /// when not.
    fn follow_session(&self) {
        let desk = *self;
        Effect::new(move |_| {
            let token = desk
                .session
                .with(|s| s.as_ref().filter(|_| desk.is_officer()).map(|s| s.token.clone()));
            desk.stream.update_value(|s| {
                if let Some(old) = s.take() {
                    old.stop();
                }
            });
            let Some(token) = token else {
                return;
            };
            let live = desk.live;
            let handlers = Handlers {
                on_change: Box::new(move |change| {
                    if change.kind == ChangeKind::Reload {
                        leptos::logging::log!("office events: reload");
                    }
                    desk.soon_reload();
                }),
                on_live: Box::new(move |state| {
                    let was = live.get_untracked();
                    live.set(state);
                    // Back after a cut: changes may have been missed, and
                    // the desk's own crash records can go (as the phone's
                    // sync pass sends them).
                    if state == Live::Open && was != Live::Open {
                        desk.soon_reload();
                        desk.send_crashes();
                    }
                    if state == Live::Refused {
                        desk.failed(&ApiFail::LoggedOut);
                    }
                }),
            };
            let stream = Stream::start(token, handlers);
            desk.stream.set_value(Some(stream));
        });
    }

    /// Sends the crash records waiting in this browser with the desk's
    /// login (`crate::crash`): a panic here reloads the page, and the
    /// stream's first opening after it is the moment they can go.
    fn send_crashes(&self) {
        let token = self.token();
        if !token.is_empty() {
            leptos::task::spawn_local(async move {
                crate::crash::send_pending(&token).await;
            });
        }
    }

    /// Bumps [`Desk::changed`] once the changes stop coming for a moment.
    pub fn soon_reload(&self) {
        let changed = self.changed;
        let pending = self.pending.get_value();
        let timeout = gloo_timers::callback::Timeout::new(DEBOUNCE_MS, move || changed.update(|n| *n += 1));
        // Replacing the pending timeout cancels it.
        *pending.borrow_mut() = Some(timeout);
    }
}
