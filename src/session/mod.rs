//! Being logged in: whether the phone may send (the session's standing),
//! the credentials the sync engine sends with, and how the clock's offset
//! is put into words. No I/O here but the store's reads; the login request
//! itself is in `api`.

pub mod api;

use chrono::{DateTime, Utc};
use kuaibao_core::Lang;

use crate::store::{ClockReading, LocalReport, Store, StoreError, StoredSession};
use crate::words;

/// Where the phone stands with the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// No session on this phone: the login page.
    LoggedOut,
    /// A session still valid as far as the phone knows: sync sends.
    Active,
    /// The session's end has passed (by the phone's clock corrected by the
    /// last measured offset): work goes on, nothing is sent, log in again.
    Expired,
    /// The server answered 401 (revoked, or expired by its own clock): the
    /// same, until the next login.
    Refused,
}

impl Standing {
    /// Whether the user must log in before anything more is sent.
    pub fn needs_login(self) -> bool {
        !matches!(self, Standing::Active)
    }
}

/// The phone's best guess at the server's clock: its own, corrected by the
/// last measured offset. Session ends are the server's times.
pub fn server_now_ms(phone_now_ms: f64, clock: Option<&ClockReading>) -> f64 {
    phone_now_ms + clock.map_or(0.0, |c| c.offset_ms as f64)
}

/// The standing of a stored session at `server_now_ms`.
pub fn standing(stored: Option<&StoredSession>, server_now_ms: f64) -> Standing {
    match stored {
        None => Standing::LoggedOut,
        Some(s) if s.refused_ms.is_some() => Standing::Refused,
        Some(s) if expired(s.session.expires_at, server_now_ms) => Standing::Expired,
        Some(_) => Standing::Active,
    }
}

fn expired(expires_at: DateTime<Utc>, server_now_ms: f64) -> bool {
    (expires_at.timestamp_millis() as f64) <= server_now_ms
}

/// What the sync engine sends with: the token, and whose it is (a record
/// goes out only under the account that submitted it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    pub token: String,
    pub account_id: String,
}

/// The credentials to send with now, or `None` while the user must log in.
/// Read from the store on every pass, so a login or a refusal in another tab
/// counts at once.
pub async fn current_auth(store: &Store, phone_now_ms: f64) -> Result<Option<Auth>, StoreError> {
    let stored = store.session().await?;
    let clock = store.clock().await?;
    let now = server_now_ms(phone_now_ms, clock.as_ref());
    Ok(stored
        .filter(|s| standing(Some(s), now) == Standing::Active)
        .map(|s| Auth {
            token: s.session.token,
            account_id: s.session.account.id,
        }))
}

/// Whether `report` may go out under `auth`. Records submitted before
/// accounts existed carry no author and go with whoever is logged in; a
/// record the office filed (read from the server) goes under nobody's.
pub fn may_send(report: &LocalReport, auth: &Auth) -> bool {
    report.by_office.is_none() && report.author.as_ref().is_none_or(|a| a.account_id == auth.account_id)
}

/// Offsets smaller than this are ordinary drift and not worth a word.
pub const NOTABLE_OFFSET_MS: i64 = 2 * 60 * 1000;

/// "手机时间比服务器慢 N 分钟" when the phone's clock is off by more than
/// [`NOTABLE_OFFSET_MS`]; `None` otherwise.
pub fn describe_offset(offset_ms: i64, lang: Lang) -> Option<String> {
    if offset_ms.abs() <= NOTABLE_OFFSET_MS {
        return None;
    }
    let minutes = (offset_ms.abs() + 30_000) / 60_000;
    // Positive: the server is ahead, so the phone is slow.
    let slow = offset_ms > 0;
    Some(match (lang, slow) {
        (Lang::Zh, true) => format!("手机时间比服务器慢 {minutes} 分钟"),
        (Lang::Zh, false) => format!("手机时间比服务器快 {minutes} 分钟"),
        (Lang::En, true) => format!("This phone's clock is {minutes} min behind the server's"),
        (Lang::En, false) => format!("This phone's clock is {minutes} min ahead of the server's"),
    })
}

/// What the prompt says while the user must log in again: why, how many
/// records wait, and that work goes on. "登录已过期，3 条记录已保存，登录后
/// 自动发送。可以继续填报，报告先存在本机。"
pub fn prompt(standing: Standing, waiting: usize, lang: Lang) -> String {
    let why = match standing {
        Standing::Refused => words::SESSION_REFUSED,
        _ => words::SESSION_EXPIRED,
    }
    .get(lang);
    let keep = words::KEEP_WORKING.get(lang);
    let queued = words::QUEUED_SAVED.get(lang);
    match (lang, waiting) {
        (Lang::Zh, 0) => format!("{why}。{keep}"),
        (Lang::Zh, n) => format!("{why}，{n} {queued}。{keep}"),
        (Lang::En, 0) => format!("{why}. {keep}"),
        (Lang::En, 1) => format!("{why}. 1 record {queued}. {keep}"),
        (Lang::En, n) => format!("{why}. {n} records {queued}. {keep}"),
    }
}
