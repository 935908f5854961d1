//! 快报's server: receives reports from the phones, idempotently by the
//! phone-made id, keeps them in SQLite and serves the app's files.

pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod export;
pub mod fsck;
pub mod http;
pub mod lifecycle;
pub mod serve;
pub mod startup;
pub mod storage;
pub mod uploads;
