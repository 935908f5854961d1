//! Kuaibao (快报), the phone app: an offline-first PWA with which grid workers
//! and disaster information officers file incident reports, with or without
//! signal.
//!
//! - `store/`: the phone's durable store (IndexedDB);
//! - `sync/`: the outbox and how it reaches the server;
//! - `pwa/`: service worker and storage persistence;
//! - `device/`: sensors (position);
//! - `crash/`: crash reports (panics, traps, uncaught errors);
//! - `session/`: the login, whether the phone may send, the clock's offset;
//! - `pages/` and `components/`: what is drawn; `state` and `drafts`: what
//!   is decided.

pub mod app;
pub mod components;
pub mod crash;
pub mod device;
pub mod drafts;
pub mod office;
pub mod pages;
pub mod photo;
pub mod platform;
pub mod pwa;
pub mod route;
pub mod session;
pub mod state;
pub mod store;
pub mod sync;
pub mod threads;
pub mod timefmt;
pub mod words;
