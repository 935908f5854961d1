//! Which screen is open, kept in the URL hash so that a reload (or a crash
//! and reopen) lands on the same report.

use kuaibao_core::ReportId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Home,
    /// Choosing what to report.
    New,
    Report(ReportId),
    /// What the phone kept of the reports that left it.
    Archive,
    /// Panics on purpose, to try crash reports end to end (see
    /// `crate::crash::TEST_HASH`).
    CrashTest,
}

const ARCHIVE_HASH: &str = "#/archive";

impl Route {
    pub fn from_hash(hash: &str) -> Route {
        if hash == "#/new" {
            return Route::New;
        }
        if hash == ARCHIVE_HASH {
            return Route::Archive;
        }
        if hash == crate::crash::TEST_HASH {
            return Route::CrashTest;
        }
        hash.strip_prefix("#/report/")
            .and_then(|id| id.parse().ok())
            .map_or(Route::Home, Route::Report)
    }

    pub fn to_hash(self) -> String {
        match self {
            Route::Home => "#/".to_owned(),
            Route::New => "#/new".to_owned(),
            Route::Report(id) => format!("#/report/{id}"),
            Route::Archive => ARCHIVE_HASH.to_owned(),
            Route::CrashTest => crate::crash::TEST_HASH.to_owned(),
        }
    }

    /// The route of the current page.
    pub fn current() -> Route {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        Route::from_hash(&hash)
    }

    /// Goes to this page, at its top. The `hashchange` listener scrolls a
    /// new page up; the same page (a refused report reopened under its
    /// own id as a draft) fires none, and is scrolled here: its 提交报告
    /// must not be under the thumb that tapped 修改后重新提交.
    pub fn go(self) {
        if let Some(w) = web_sys::window() {
            let hash = self.to_hash();
            if w.location().hash().is_ok_and(|h| h == hash) {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            } else if let Err(e) = w.location().set_hash(&hash) {
                leptos::logging::warn!("cannot navigate: {}", crate::platform::js_error(&e));
            }
        }
    }
}
