//! Which view of the duty office is open, kept in the URL hash so a reload
//! (or a link passed to a colleague) opens the same view with the same
//! filter.

use kuaibao_core::ReportId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The inbox, with its filter as a query string (`?grade=III…`, or
    /// empty).
    Inbox(String),
    /// One incident or hazard, by its thread id.
    Thread(ReportId),
    /// The hazard ledger.
    Hazards,
    /// The accountability ledger.
    Accountability,
    /// The map of every thread with a position.
    Map,
    /// The statistics table, with its query as a query string (or empty).
    Statistics(String),
    /// The phones' crash reports (administrators).
    Crashes,
    /// A panic on purpose, to try the crash chain from the desk too
    /// (`crate::crash::TEST_HASH`).
    CrashTest,
}

impl Route {
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.trim_start_matches('#');
        if path == "/hazards" {
            return Route::Hazards;
        }
        if path == "/map" {
            return Route::Map;
        }
        if path == "/accountability" {
            return Route::Accountability;
        }
        if path == "/crashes" {
            return Route::Crashes;
        }
        if hash == crate::crash::TEST_HASH {
            return Route::CrashTest;
        }
        if let Some(rest) = path.strip_prefix("/statistics") {
            return Route::Statistics(if rest.starts_with('?') {
                rest.to_owned()
            } else {
                String::new()
            });
        }
        if let Some(id) = path.strip_prefix("/thread/").and_then(|id| id.parse().ok()) {
            return Route::Thread(id);
        }
        let query = path.trim_start_matches('/');
        Route::Inbox(if query.starts_with('?') {
            query.to_owned()
        } else {
            String::new()
        })
    }

    pub fn to_hash(&self) -> String {
        match self {
            Route::Inbox(query) => format!("#/{query}"),
            Route::Thread(id) => format!("#/thread/{id}"),
            Route::Hazards => "#/hazards".to_owned(),
            Route::Map => "#/map".to_owned(),
            Route::Accountability => "#/accountability".to_owned(),
            Route::Statistics(query) => format!("#/statistics{query}"),
            Route::Crashes => "#/crashes".to_owned(),
            Route::CrashTest => crate::crash::TEST_HASH.to_owned(),
        }
    }

    pub fn current() -> Route {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        Route::from_hash(&hash)
    }

    /// Opens this route; the `hashchange` listener redraws.
    pub fn go(&self) {
        if let Some(w) = web_sys::window() {
            if let Err(e) = w.location().set_hash(&self.to_hash()) {
                leptos::logging::warn!("cannot navigate: {}", crate::platform::js_error(&e));
            }
        }
    }
}
