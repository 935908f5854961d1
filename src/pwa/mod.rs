//! What makes Kuaibao an installable, offline app: the service worker (start
//! with no network, offer updates) and persistent storage (so the browser
//! does not evict reports when space runs low).

pub mod service_worker;
pub mod storage;
