//! What each account holds open at once: the duty office's live streams,
//! the exports being downloaded. Each holds a connection (a stream for as
//! long as its session, days), so one account, or one stolen token, must
//! not take what the server has for everyone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;

/// Open things by account, at most `max` each.
#[derive(Clone)]
pub struct PerAccount {
    open: Arc<Mutex<HashMap<String, usize>>>,
    max: usize,
}

impl PerAccount {
    pub fn new(max: usize) -> Self {
        PerAccount {
            open: Arc::default(),
            max,
        }
    }

    /// A place for one more of `account`'s; `None` when it holds `max`.
    pub fn take(&self, account: &str) -> Option<Place> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(account.to_owned()).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Place {
            open: Arc::clone(&self.open),
            account: account.to_owned(),
        })
    }
}

/// One open thing's place in its account's count, given back when it is
/// dropped (the stream ended, the download finished or was cut).
pub struct Place {
    open: Arc<Mutex<HashMap<String, usize>>>,
    account: String,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.account) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.account);
            }
        }
    }
}

/// `body`, holding `place` until it has been sent or dropped.
pub fn held(body: Body, place: Place) -> Body {
    use futures_util::StreamExt;
    Body::from_stream(body.into_data_stream().map(move |chunk| {
        let _held = &place;
        chunk
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_holds_at_most_its_places_and_gets_them_back() {
        let open = PerAccount::new(2);
        let a = open.take("a").expect("first");
        let _b = open.take("a").expect("second");
        assert!(open.take("a").is_none(), "a third");
        assert!(open.take("other").is_some(), "another account's own");
        drop(a);
        assert!(open.take("a").is_some(), "given back");
    }

    /// A download holds its place while it is being sent, and gives it
    /// back once sent, or once dropped half-way (the client went away).
    #[tokio::test]
    async fn a_body_holds_its_place_until_sent_or_dropped() {
        let open = PerAccount::new(1);
        let body = || Body::from_stream(futures_util::stream::iter(["a", "b"].map(Ok::<_, std::io::Error>)));
        let sent = held(body(), open.take("a").expect("a place"));
        assert!(open.take("a").is_none(), "held while sending");
        let bytes = axum::body::to_bytes(sent, 16).await.expect("the body");
        assert_eq!(&bytes[..], b"ab");
        let cut = held(body(), open.take("a").expect("given back once sent"));
        assert!(open.take("a").is_none());
        drop(cut);
        assert!(open.take("a").is_some(), "given back once dropped");
    }
}
