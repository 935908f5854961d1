//! Failed logins by username, counted in the database so that every
//! replica spends one budget (`KUAIBAO_LOGIN_ACCOUNT_RATE_PER_MIN`): against
//! many addresses guessing one account's password, which a proxy spreads
//! over every replica. The budgets by address stay each replica's own
//! (`http::rate_limit`): a proxy can keep one address on one replica.
//!
//! A login takes its place before its password is checked and gives it
//! back unless the password was wrong, as the in-memory budgets do: so a
//! guesser cannot start more checks at once than he may fail, and a login
//! whose client hung up still counts (its check runs on).

use chrono::{DateTime, Duration, Utc};

use super::photos::db_time;
use super::{Pool, StoreError};

/// The window the budget is counted over.
const WINDOW: Duration = Duration::minutes(1);

/// A login's place in its username's budget, to give back unless it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place(i64);

/// Takes a place for a login of `username` at `now`, unless `per_minute`
/// logins of it failed (or are under way) in the last minute: then how
/// long until the oldest of them leaves the window. The count and the
/// insert are one statement; on PostgreSQL the few logins that race for
/// the last place may all get one.
pub async fn take(
    pool: &Pool,
    username: &str,
    now: DateTime<Utc>,
    per_minute: u32,
) -> Result<Result<Place, std::time::Duration>, StoreError> {
    let since = db_time(now - WINDOW);
    let taken: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO login_failures (username, at) \
         SELECT $1, $2 WHERE (SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at > $3) < $4 \
         RETURNING seq",
    )
    .bind(username)
    .bind(db_time(now))
    .bind(&since)
    .bind(i64::from(per_minute))
    .fetch_optional(pool)
    .await?;
    if let Some((seq,)) = taken {
        return Ok(Ok(Place(seq)));
    }
    let oldest: Option<String> =
        sqlx::query_scalar("SELECT MIN(at) FROM login_failures WHERE username = $1 AND at > $2")
            .bind(username)
            .bind(&since)
            .fetch_one(pool)
            .await?;
    let left = oldest
        .and_then(|at| DateTime::parse_from_rfc3339(&at).ok())
        .map_or(WINDOW, |at| at.with_timezone(&Utc) + WINDOW - now);
    Ok(Err(left
        .to_std()
        .unwrap_or_default()
        .max(std::time::Duration::from_secs(1))))
}

/// Gives `place` back: its login did not fail.
pub async fn give_back(pool: &Pool, place: Place) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_failures WHERE seq = $1")
        .bind(place.0)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets the failures that left the window before `now`; how many.
pub async fn sweep(pool: &Pool, now: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM login_failures WHERE at <= $1")
        .bind(db_time(now - WINDOW))
        .execute(pool)
        .await?
        .rows_affected())
}
