//! The live stream of changes (`GET /api/office/events`), read with
//! `fetch()` and a `ReadableStream` because it needs the bearer token,
//! which `EventSource` cannot send. Each chunk goes to the core's
//! [`EventParser`]; each event's data is a [`Change`]. When the stream ends
//! or fails, it is opened again after a backoff (1 s, 2 s, 4 s … 30 s, with
//! jitter), reset once a stream has stayed open a while. A stream that goes
//! silent (no keep-alive for [`SILENT_MS`]) or outlives the browser going
//! offline is taken for dead and opened again.

use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder};
use gloo_timers::callback::Timeout;
use kuaibao_core::desk::office::{Change, EVENTS_PATH};
use kuaibao_core::wire::protocol::AUTHORIZATION_HEADER;
use kuaibao_core::wire::sse::EventParser;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::sync::bearer;

/// Where the stream stands, for the page to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    Connecting,
    Open,
    /// Closed; opened again after a wait.
    Waiting,
    /// The server refused the token (401/403): no more tries.
    Refused,
}

impl Live {
    pub fn key(self) -> &'static str {
        match self {
            Live::Connecting => "connecting",
            Live::Open => "open",
            Live::Waiting => "waiting",
            Live::Refused => "refused",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Live::Connecting => "正在连接实时更新…",
            Live::Open => "实时更新中",
            Live::Waiting => "实时更新中断，正在重连",
            Live::Refused => "实时更新已停止：请重新登录",
        }
    }
}

/// What the stream tells its owner.
pub struct Handlers {
    /// A change arrived.
    pub on_change: Box<dyn Fn(Change)>,
    /// The stream's standing changed; `Open` also after a reconnection,
    /// when changes may have been missed (reload then).
    pub on_live: Box<dyn Fn(Live)>,
}

/// A running stream; dropping the handle does not stop it, `stop` does.
#[derive(Clone)]
pub struct Stream {
    stopped: Rc<Cell<bool>>,
    abort: Rc<std::cell::RefCell<Option<web_sys::AbortController>>>,
}

impl Stream {
    /// Opens the stream with `token` and keeps it open until `stop`.
    pub fn start(token: String, handlers: Handlers) -> Stream {
        let stream = Stream {
            stopped: Rc::new(Cell::new(false)),
            abort: Rc::new(std::cell::RefCell::new(None)),
        };
        let me = stream.clone();
        leptos::task::spawn_local(async move { me.run(token, handlers).await });
        stream
    }

    pub fn stop(&self) {
        self.stopped.set(true);
        if let Some(abort) = self.abort.borrow_mut().take() {
            abort.abort();
        }
    }

    async fn run(&self, token: String, handlers: Handlers) {
        let mut attempt: u32 = 0;
        while !self.stopped.get() {
            (handlers.on_live)(Live::Connecting);
            let opened_at = crate::platform::now_ms();
            match self.read(&token, &handlers).await {
                Ok(()) => {}
                Err(Ended::Refused) => {
                    (handlers.on_live)(Live::Refused);
                    return;
                }
                Err(Ended::Failed(e)) => leptos::logging::warn!("office events: {e}"),
            }
            if self.stopped.get() {
                return;
            }
            (handlers.on_live)(Live::Waiting);
            // A stream that stayed open a minute was healthy: start over.
            if crate::platform::now_ms() - opened_at > 60_000.0 {
                attempt = 0;
            }
            let wait = reconnect_delay_ms(attempt, crate::platform::random());
            attempt = attempt.saturating_add(1);
            gloo_timers::future::TimeoutFuture::new(wait).await;
        }
    }

    async fn read(&self, token: &str, handlers: &Handlers) -> Result<(), Ended> {
        let abort = web_sys::AbortController::new().map_err(|e| Ended::Failed(crate::platform::js_error(&e)))?;
        let signal = abort.signal();
        *self.abort.borrow_mut() = Some(abort.clone());
        // A stream can die without being closed: the browser going offline,
        // or a link that drops packets without a reset. Either way the
        // page must stop saying 实时更新中 and open it again.
        let on_offline = {
            let abort = abort.clone();
            wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || abort.abort())
        };
        let window = web_sys::window();
        if let Some(w) = &window {
            let _ = w.add_event_listener_with_callback("offline", on_offline.as_ref().unchecked_ref());
        }
        let _unlisten = Unlisten(window, on_offline);
        let silence = |abort: web_sys::AbortController| Timeout::new(SILENT_MS, move || abort.abort());
        let mut _watchdog = silence(abort.clone());
        let response = RequestBuilder::new(EVENTS_PATH)
            .method(Method::GET)
            .header(AUTHORIZATION_HEADER, &bearer(token))
            .header("Accept", "text/event-stream")
            .abort_signal(Some(&signal))
            .send()
            .await
            .map_err(|e| Ended::Failed(e.to_string()))?;
        match response.status() {
            200 => {}
            401 | 403 => return Err(Ended::Refused),
            s => return Err(Ended::Failed(format!("HTTP {s}"))),
        }
        let body = response.body().ok_or_else(|| Ended::Failed("no body".into()))?;
        let reader = body
            .get_reader()
            .dyn_into::<web_sys::ReadableStreamDefaultReader>()
            .map_err(|e| Ended::Failed(crate::platform::js_error(&e)))?;
        (handlers.on_live)(Live::Open);
        let mut parser = EventParser::new();
        loop {
            let chunk = JsFuture::from(reader.read())
                .await
                .map_err(|e| Ended::Failed(crate::platform::js_error(&e)))?;
            _watchdog = silence(abort.clone());
            let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                return Ok(());
            }
            let value = js_sys::Reflect::get(&chunk, &JsValue::from_str("value"))
                .map_err(|e| Ended::Failed(crate::platform::js_error(&e)))?;
            let bytes = js_sys::Uint8Array::new(&value).to_vec();
            for event in parser.push(&bytes) {
                match serde_json::from_str::<Change>(&event.data) {
                    Ok(change) => (handlers.on_change)(change),
                    Err(e) => leptos::logging::warn!("office events: unreadable change {}: {e}", event.data),
                }
            }
        }
    }
}

/// The server writes at least a keep-alive comment every 15 s: a stream
/// silent for two of them and a margin is taken for dead.
const SILENT_MS: u32 = 35_000;

/// Removes the stream's `offline` listener when its read ends.
struct Unlisten(Option<web_sys::Window>, wasm_bindgen::closure::Closure<dyn Fn()>);

impl Drop for Unlisten {
    fn drop(&mut self) {
        if let Some(w) = &self.0 {
            let _ = w.remove_event_listener_with_callback("offline", self.1.as_ref().unchecked_ref());
        }
    }
}

enum Ended {
    Refused,
    Failed(String),
}

/// The wait before the `attempt`-th reconnection (0 first): 1 s doubling
/// to at most 30 s, times a jitter of 0.5–1.5 from `random` in `[0, 1)`.
pub fn reconnect_delay_ms(attempt: u32, random: f64) -> u32 {
    let base = 1_000u32.saturating_mul(1 << attempt.min(5)).min(30_000);
    (f64::from(base) * (0.5 + random.clamp(0.0, 1.0))) as u32
}
