//! What makes Kuaibao an installable, offline app: the service worker (start
//! with no network, offer updates) and persistent storage (so the browser
//! does not evict reports when space runs low), and the plain login screen
//! the page shows before the app's code has arrived.

pub mod boot;
pub mod one_window;
pub mod service_worker;
pub mod storage;
