//! What one account may store in a day (`KUAIBAO_ACCOUNT_MIB_PER_DAY`): its
//! records' text and the photos they announce, as a token bucket of bytes
//! holding a day's worth and refilling continuously. The rate limits bound
//! requests; this bounds the disk one account (one stolen phone, one
//! scripted login) can fill, however slowly it sends.
//!
//! A record's text is counted by its answers and an allowance for the
//! rest. A photo's bytes are counted when a record announces it, by the size its
//! manifest states: the server accepts no bytes but those of an announced
//! photo, of exactly that size, so announced bytes bound the photo store.
//! A record over the quota is answered 429 with `Retry-After` and nothing
//! is stored; the phone keeps it and sends it again later. A replay of a
//! stored record still gets its receipt, and costs nothing.
//!
//! A request cut after its record was committed (the client hung up, its
//! time ran out) gives its charge back with the rest of what it held: the
//! account is then charged less, never twice.
//!
//! The buckets live in the process, like the rate limits': with several
//! replicas each keeps its own, so an account may store up to that many
//! days' worth a day. A restart forgets them.

use std::time::{Duration, Instant};

use kuaibao_core::Report;

use super::error::AppError;
use super::rate_limit::Buckets;

/// The seconds in the day a quota is counted over.
const DAY_SECS: f64 = 24.0 * 3600.0;

/// Each account's bucket of bytes.
#[derive(Debug)]
pub struct Quotas {
    bytes: Buckets<String>,
    per_day: u64,
}

impl Quotas {
    /// Buckets of `bytes_per_day`, refilled at that a day.
    pub fn new(bytes_per_day: u64) -> Self {
        // Counted in f64: exact for whole numbers up to 2^53 bytes (8 PiB).
        let capacity = bytes_per_day as f64;
        Quotas {
            bytes: Buckets::new(capacity, capacity / DAY_SECS),
            per_day: bytes_per_day,
        }
    }

    /// Charges `account` the cost of storing `report`; the charge is given
    /// back unless [kept](Charge::keep) (the record turned out to be a
    /// replay, or was not stored). `Err`: how long until it could be paid.
    pub fn charge(&self, account: &str, report: &Report) -> Result<Charge<'_>, Duration> {
        let cost = cost(report) as f64;
        self.bytes.take_n(account.to_owned(), cost, Instant::now())?;
        Ok(Charge {
            quotas: self,
            account: account.to_owned(),
            cost,
            kept: false,
        })
    }

    /// Charges `account` for `report` before it is stored (see
    /// [`Quotas::charge`]), unless it is a replay of a stored record, which
    /// costs nothing and still gets its receipt: `None` then. `replay` says
    /// whether it is, asked only when the charge cannot be paid. A record
    /// over the quota is refused (429), logged, and nothing is stored.
    pub async fn charge_new(
        &self,
        account: &str,
        report: &Report,
        replay: impl std::future::Future<Output = Result<bool, crate::db::StoreError>>,
    ) -> Result<Option<Charge<'_>>, AppError> {
        match self.charge(account, report) {
            Ok(charge) => Ok(Some(charge)),
            Err(_) if replay.await? => Ok(None),
            Err(wait) => {
                tracing::warn!(id = %report.id, user = %account, "record refused: over the account's daily quota");
                Err(self.refusal(wait))
            }
        }
    }

    /// The 429 for a record that must wait `wait` for its account's quota,
    /// Chinese first: why it waits, and what becomes of it.
    pub fn refusal(&self, wait: Duration) -> AppError {
        // Rounded up, as the rate limits': a retry at the second named fits.
        let seconds = super::rate_limit::whole_seconds(wait);
        // "About": to the nearest hour, at least one.
        let hours = (seconds + 1800).div_euclid(3600).max(1);
        let mib = self.per_day / (1024 * 1024);
        AppError::OverBound {
            // True of a phone's report (kept, sent again by itself) and of a
            // desk's record (sent again by hand) alike.
            message: format!(
                "本账号今天存入的报告和照片已超过每日上限（{mib} MiB），本条未存入，约 {hours} 小时后才能存入；\
                 手机上的报告会保留并自动再发。如有急情，请直接电话报告值班室。 / this account has stored more than \
                 its {mib} MiB a day of records and photos; nothing was stored; send it again in {seconds} s"
            ),
            retry_after_secs: seconds,
        }
    }
}

/// What a record's text costs besides its answers (ids, times, the
/// template's name), and each manifest entry besides its file.
const RECORD_BYTES: u64 = 1024;
const ENTRY_BYTES: u64 = 256;

/// What storing `report` costs: its answers and a record's allowance for
/// the rest of its text, and each file it announces by its stated size.
/// Counted from the record as read, not by writing it out again: this is
/// on every record's way in, which writes it out once already to store it.
pub fn cost(report: &Report) -> u64 {
    let answers = report.answers.iter().fold(RECORD_BYTES, |sum, (key, value)| {
        sum.saturating_add((key.len() + value.len()) as u64)
    });
    report.photos.iter().fold(answers, |sum, photo| {
        sum.saturating_add(ENTRY_BYTES).saturating_add(photo.size)
    })
}

/// Bytes taken from an account's bucket for one record.
#[must_use = "a charge not kept is given back when dropped"]
pub struct Charge<'a> {
    quotas: &'a Quotas,
    account: String,
    cost: f64,
    kept: bool,
}

impl Charge<'_> {
    /// The record was stored: the bytes stay spent.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Charge<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.quotas.bytes.give_back_n(&self.account, self.cost);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_with_photos(sizes: &[u64]) -> Report {
        let photos: Vec<_> = sizes
            .iter()
            .enumerate()
            .map(|(i, size)| {
                serde_json::json!({
                    "id": format!("01900000-0000-7000-8000-{i:012}"),
                    "blank": "photos",
                    "sha256": "a".repeat(64),
                    "size": size,
                    "mime": "image/jpeg",
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "id": "01900000-0000-7000-8000-100000000000",
            "template_id": "fire",
            "template_version": 1,
            "answers": { "place": "青石村" },
            "written_at": "2026-12-06T10:00:00+08:00",
            "photos": photos,
        }))
        .expect("a report")
    }

    #[test]
    fn a_record_costs_its_text_and_its_photos() {
        let bare = report_with_photos(&[]);
        // "place" and 青石村 (9 bytes), and the record's allowance: more
        // than the record as sent, so text alone cannot slip under it.
        assert_eq!(cost(&bare), 1024 + 5 + 9);
        assert!(cost(&bare) >= serde_json::to_vec(&bare).expect("json").len() as u64);
        let with = report_with_photos(&[1000, 2000]);
        assert_eq!(cost(&with), cost(&bare) + 2 * 256 + 3000);
        assert!(cost(&with) >= serde_json::to_vec(&with).expect("json").len() as u64 + 3000);
    }

    #[test]
    fn a_charge_is_given_back_unless_kept() {
        let report = report_with_photos(&[600]);
        let one = cost(&report);
        // Room for one record and a little.
        let quotas = Quotas::new(one + one / 2);
        quotas.charge("a", &report).expect("room for one").keep();
        let wait = quotas.charge("a", &report).err().expect("no room for a second");
        // Half a record's bytes, at a day's worth of 1.5 records a day.
        let expected = DAY_SECS / 3.0;
        assert!(
            (wait.as_secs_f64() - expected).abs() < 60.0,
            "waits {wait:?}, about {expected} s"
        );
        // Another account has its own bucket.
        quotas.charge("b", &report).expect("b's own").keep();
        // Not kept (a replay, a refusal): given back, so it can be paid again.
        let quotas = Quotas::new(one);
        drop(quotas.charge("a", &report).expect("room"));
        quotas.charge("a", &report).expect("given back").keep();
        assert!(quotas.charge("a", &report).is_err());
    }

    #[test]
    fn the_refusal_is_chinese_first_and_says_when() {
        let AppError::OverBound {
            message,
            retry_after_secs,
        } = Quotas::new(2048 * 1024 * 1024).refusal(Duration::from_secs(5400))
        else {
            panic!("a 429");
        };
        assert_eq!(retry_after_secs, 5400);
        assert!(
            message
                .starts_with("本账号今天存入的报告和照片已超过每日上限（2048 MiB），本条未存入，约 2 小时后才能存入"),
            "{message}"
        );
        // A part of a second is a whole one more: a retry at the second
        // named fits.
        let AppError::OverBound { retry_after_secs, .. } = Quotas::new(1).refusal(Duration::from_millis(5_400_200))
        else {
            panic!("a 429");
        };
        assert_eq!(retry_after_secs, 5401);
    }
}
