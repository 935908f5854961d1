//! Areas, accounts and sessions (see migrations/*/0004_accounts.sql). Each
//! change is written with its audit row in one transaction.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use kuaibao_core::account::{Account, AreaLevel, AreaRef, Role};
use serde_json::json;

use super::audit::{self, Actor};
use super::photos::db_time;
use super::{Pool, StoreError};

/// Why an account change was refused (the caller's mistake, not a fault).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    #[error("area `{0}` already exists")]
    AreaExists(String),
    #[error("no area `{0}`")]
    NoSuchArea(String),
    #[error("a {child} cannot be placed under a {parent}: the tree goes district → township → village → grid")]
    BadLevel { parent: &'static str, child: &'static str },
    #[error("a {0} needs a parent area; only a district is a root")]
    ParentRequired(&'static str),
    #[error("username `{0}` is taken")]
    UserExists(String),
    #[error("no user `{0}`")]
    NoSuchUser(String),
}

/// An area with where it sits in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub area: AreaRef,
    pub parent: Option<String>,
    /// `/root/…/id/`: this area and below are the paths starting with it.
    pub path: String,
}

#[derive(sqlx::FromRow)]
struct AreaRow {
    id: String,
    parent_id: Option<String>,
    name: String,
    level: String,
    path: String,
}

impl AreaRow {
    fn decode(self) -> Result<Area, StoreError> {
        let level = AreaLevel::from_code(&self.level).ok_or_else(|| StoreError::Corrupt {
            id: self.id.clone(),
            reason: format!("area level `{}`", self.level),
        })?;
        Ok(Area {
            area: AreaRef {
                id: self.id,
                name: self.name,
                level,
            },
            parent: self.parent_id,
            path: self.path,
        })
    }
}

/// The area `id`, if it exists.
pub async fn area(pool: &Pool, id: &str) -> Result<Option<Area>, StoreError> {
    let row: Option<AreaRow> = sqlx::query_as("SELECT id, parent_id, name, level, path FROM areas WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(AreaRow::decode).transpose()
}

/// Every area, parents before children.
pub async fn areas(pool: &Pool) -> Result<Vec<Area>, StoreError> {
    let rows: Vec<AreaRow> = sqlx::query_as("SELECT id, parent_id, name, level, path FROM areas ORDER BY path")
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(AreaRow::decode).collect()
}

/// Adds an area under `parent` (a district has none). The level must be the
/// one below the parent's, so the tree keeps its four levels.
pub async fn add_area(
    pool: &Pool,
    actor: &Actor,
    new: &AreaRef,
    parent: Option<&str>,
) -> Result<Result<Area, AccountError>, StoreError> {
    let parent = match parent {
        None if new.level != AreaLevel::District => return Ok(Err(AccountError::ParentRequired(new.level.code()))),
        None => None,
        Some(id) => match area(pool, id).await? {
            None => return Ok(Err(AccountError::NoSuchArea(id.to_owned()))),
            Some(p) if p.area.level.child() != Some(new.level) => {
                return Ok(Err(AccountError::BadLevel {
                    parent: p.area.level.code(),
                    child: new.level.code(),
                }))
            }
            Some(p) => Some(p),
        },
    };
    let path = match &parent {
        None => format!("/{}/", new.id),
        Some(p) => format!("{}{}/", p.path, new.id),
    };
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO areas (id, parent_id, name, level, path, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&new.id)
    .bind(parent.as_ref().map(|p| p.area.id.as_str()))
    .bind(&new.name)
    .bind(new.level.code())
    .bind(&path)
    .bind(db_time(Utc::now()))
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !inserted {
        return Ok(Err(AccountError::AreaExists(new.id.clone())));
    }
    audit::record(
        &mut tx,
        actor,
        "area.add",
        &new.id,
        json!({ "name": new.name, "level": new.level.code(), "parent": parent.as_ref().map(|p| &p.area.id) }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(Area {
        area: new.clone(),
        parent: parent.map(|p| p.area.id),
        path,
    }))
}

/// A new account, as the admin command makes it.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub area: &'a str,
    /// argon2 in PHC form (see `auth::password`), never the password.
    pub password_hash: &'a str,
    pub profile: Profile,
}

/// What a new report's 报告人 blanks are prefilled with (name aside, which
/// is the display name); empty for "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub phone: String,
    pub unit: String,
    pub post: String,
}

/// A change of an account's name and profile: `None` leaves a field as it
/// is, `Some("")` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    pub display_name: Option<String>,
    pub phone: Option<String>,
    pub unit: Option<String>,
    pub post: Option<String>,
}

/// Adds an account; returns its id.
pub async fn add_user(
    pool: &Pool,
    actor: &Actor,
    new: &NewUser<'_>,
) -> Result<Result<String, AccountError>, StoreError> {
    if area(pool, new.area).await?.is_none() {
        return Ok(Err(AccountError::NoSuchArea(new.area.to_owned())));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO users (id, username, display_name, role, area_id, password_hash, created_at, phone, unit, post) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(new.username)
    .bind(new.display_name)
    .bind(new.role.code())
    .bind(new.area)
    .bind(new.password_hash)
    .bind(db_time(Utc::now()))
    .bind(&new.profile.phone)
    .bind(&new.profile.unit)
    .bind(&new.profile.post)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !inserted {
        return Ok(Err(AccountError::UserExists(new.username.to_owned())));
    }
    audit::record(
        &mut tx,
        actor,
        "user.add",
        &id,
        json!({ "username": new.username, "role": new.role.code(), "area": new.area }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// How many accounts exist (the server warns at start when there are none).
pub async fn user_count(pool: &Pool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(pool).await?)
}

/// An account with what access checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub account: Account,
    /// The account's area's path: it reads the reports of areas under it.
    pub area_path: String,
    pub password_hash: String,
    pub disabled: bool,
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.password_hash, u.disabled_at, \
     u.phone, u.unit, u.post, \
     a.id AS area_id, a.name AS area_name, a.level AS area_level, a.path AS area_path";

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    username: String,
    display_name: String,
    role: String,
    password_hash: String,
    disabled_at: Option<String>,
    phone: String,
    unit: String,
    post: String,
    area_id: String,
    area_name: String,
    area_level: String,
    area_path: String,
}

impl UserRow {
    fn decode(self) -> Result<User, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt {
            id: self.id.clone(),
            reason: what.to_owned(),
        };
        let role = Role::from_code(&self.role).ok_or_else(|| corrupt("role"))?;
        let level = AreaLevel::from_code(&self.area_level).ok_or_else(|| corrupt("area level"))?;
        Ok(User {
            account: Account {
                id: self.id,
                username: self.username,
                display_name: self.display_name,
                role,
                area: AreaRef {
                    id: self.area_id,
                    name: self.area_name,
                    level,
                },
                phone: self.phone,
                unit: self.unit,
                post: self.post,
            },
            area_path: self.area_path,
            password_hash: self.password_hash,
            disabled: self.disabled_at.is_some(),
        })
    }
}

/// The account `username`, if any.
pub async fn user_by_name(pool: &Pool, username: &str) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users AS u JOIN areas AS a ON a.id = u.area_id WHERE u.username = $1"
    ))
    .bind(username)
    .fetch_optional(pool)
    .await?;
    row.map(UserRow::decode).transpose()
}

/// A session as a request's token finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub session_id: String,
    pub device_id: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

/// Opens a session for `user` on `device_id`, recording the login.
pub async fn open_session(
    pool: &Pool,
    user: &User,
    device_id: &str,
    token_sha256: &str,
    expires_at: DateTime<Utc>,
) -> Result<String, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO sessions (id, token_sha256, user_id, device_id, created_at, expires_at, seal_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(token_sha256)
    .bind(&user.account.id)
    .bind(device_id)
    .bind(db_time(Utc::now()))
    .bind(db_time(expires_at))
    .bind(DERIVED_SEAL)
    .execute(&mut *tx)
    .await?;
    let actor = Actor {
        user_id: Some(user.account.id.clone()),
        device_id: Some(device_id.to_owned()),
    };
    audit::record(
        &mut tx,
        &actor,
        "session.login",
        &id,
        json!({ "expires_at": db_time(expires_at) }),
    )
    .await?;
    // Past the bound, the account's oldest live sessions end: each session
    // has its own request budget, so logging in again and again must not
    // multiply what one account may send.
    let now = db_time(Utc::now());
    let ended = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1 \
         AND id NOT IN (SELECT id FROM sessions WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1 \
                        ORDER BY created_at DESC, id DESC LIMIT $3)",
    )
    .bind(&now)
    .bind(&user.account.id)
    .bind(MAX_SESSIONS_PER_ACCOUNT)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if ended > 0 {
        audit::record(
            &mut tx,
            &actor,
            "session.evict",
            &user.account.id,
            json!({ "ended": ended, "kept": MAX_SESSIONS_PER_ACCOUNT }),
        )
        .await?;
    }
    tx.commit().await?;
    if ended > 0 {
        sessions_changed();
    }
    Ok(id)
}

/// The most live sessions one account holds: a phone or two, a desk or
/// two, and room for a duty office that shares its account. A login past
/// it ends the oldest (that device asks for the password again; nothing it
/// holds is lost). Kept below [`SEALING_SESSIONS`], so every live session's
/// texts are recognised.
pub const MAX_SESSIONS_PER_ACCOUNT: i64 = 16;

/// The live session whose token hashes to `token_sha256`: not expired at
/// `now`, not revoked, its account not disabled.
pub async fn live_session(
    pool: &Pool,
    token_sha256: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionRow>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        session_id: String,
        device_id: String,
        expires_at: String,
        #[sqlx(flatten)]
        user: UserRow,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT s.id AS session_id, s.device_id, s.expires_at, {USER_COLUMNS} \
         FROM sessions AS s JOIN users AS u ON u.id = s.user_id JOIN areas AS a ON a.id = u.area_id \
         WHERE s.token_sha256 = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.disabled_at IS NULL"
    ))
    .bind(token_sha256)
    .bind(db_time(now))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let expires_at = DateTime::parse_from_rfc3339(&row.expires_at)
        .map_err(|e| StoreError::Corrupt {
            id: row.session_id.clone(),
            reason: format!("expires_at: {e}"),
        })?
        .with_timezone(&Utc);
    Ok(Some(SessionRow {
        session_id: row.session_id,
        device_id: row.device_id,
        expires_at,
        user: row.user.decode()?,
    }))
}

/// How many times this process has ended sessions or disabled accounts.
/// The session cache (`auth::cache`) keeps an entry only while this count
/// is what it was before the entry was read, so an ending made here is
/// obeyed at once.
static SESSION_CHANGES: AtomicU64 = AtomicU64::new(0);

/// The current count of [`SESSION_CHANGES`].
pub fn session_changes() -> u64 {
    SESSION_CHANGES.load(Ordering::SeqCst)
}

/// Called once an ending has committed: any session read before is asked
/// for again.
fn sessions_changed() {
    SESSION_CHANGES.fetch_add(1, Ordering::SeqCst);
}

/// The token digests (`sessions.token_sha256`) of `user_id`'s sessions
/// that may still seal a 短信首报 (`kuaibao_core::wire::sms::SmsKey`): not
/// revoked, and not expired before `expired_since` — a phone whose session
/// ran out while it had no data is the one that sends texts. The newest
/// first, at most [`SEALING_SESSIONS`], each with whether its seal key is
/// derived under the server's seal secret (a session from before that
/// seals with the digest itself).
pub async fn sealing_keys(
    pool: &Pool,
    user_id: &str,
    expired_since: DateTime<Utc>,
) -> Result<Vec<(String, bool)>, StoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT token_sha256, seal_version FROM sessions \
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
         ORDER BY created_at DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(db_time(expired_since))
    .bind(SEALING_SESSIONS)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(digest, version)| (digest, version >= DERIVED_SEAL))
        .collect())
}

/// `sessions.seal_version` of a session whose seal key is derived under
/// the server's seal secret (migration 0018); 1: the token's SHA-256.
const DERIVED_SEAL: i64 = 2;

/// How long an ended session's row is kept: past the time its seal may
/// still vouch for a text (`http::sms`'s 30 days of grace), with a day to
/// spare. The audit log keeps every login and logout whatever this is.
pub const ENDED_SESSION_KEEP: chrono::TimeDelta = chrono::TimeDelta::days(31);

/// Deletes the rows of sessions that ended (ran out, or were logged out or
/// ended by a newer login) more than [`ENDED_SESSION_KEEP`] before `now`:
/// every login writes one, and an account may log in as often as its
/// password allows, so they must not pile up for ever. How many went.
pub async fn forget_ended_sessions(pool: &Pool, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let before = db_time(now - ENDED_SESSION_KEEP);
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1")
        .bind(before)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// How many of an account's sessions a text's seal is checked against:
/// each check is one HMAC, and an account has a phone or two.
pub const SEALING_SESSIONS: i64 = 32;

/// Ends one session (log out).
pub async fn end_session(pool: &Pool, session: &SessionRow) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(db_time(Utc::now()))
        .bind(&session.session_id)
        .execute(&mut *tx)
        .await?;
    let actor = Actor {
        user_id: Some(session.user.account.id.clone()),
        device_id: Some(session.device_id.clone()),
    };
    audit::record(&mut tx, &actor, "session.logout", &session.session_id, json!({})).await?;
    tx.commit().await?;
    sessions_changed();
    Ok(())
}

/// Changes an account's display name and profile (the command line's
/// `user profile`); the next session read serves them.
pub async fn set_profile(
    pool: &Pool,
    actor: &Actor,
    username: &str,
    change: &ProfileChange,
) -> Result<Result<Account, AccountError>, StoreError> {
    let Some(user) = user_by_name(pool, username).await? else {
        return Ok(Err(AccountError::NoSuchUser(username.to_owned())));
    };
    let old = &user.account;
    let pick = |new: &Option<String>, old: &str| new.clone().unwrap_or_else(|| old.to_owned());
    let display_name = pick(&change.display_name, &old.display_name);
    let (phone, unit, post) = (
        pick(&change.phone, &old.phone),
        pick(&change.unit, &old.unit),
        pick(&change.post, &old.post),
    );
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE users SET display_name = $1, phone = $2, unit = $3, post = $4 WHERE id = $5")
        .bind(&display_name)
        .bind(&phone)
        .bind(&unit)
        .bind(&post)
        .bind(&old.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "user.profile",
        &old.id,
        // What it was too: the log alone says what the account was called
        // when (the records keep the name they were made under).
        json!({
            "display_name": display_name, "phone": phone, "unit": unit, "post": post,
            "was": { "display_name": old.display_name, "phone": old.phone, "unit": old.unit, "post": old.post },
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(Account {
        display_name,
        phone,
        unit,
        post,
        ..user.account
    }))
}

/// Ends every live session of `username`; with `disable`, the account can
/// no longer log in either. Returns how many sessions were ended.
pub async fn revoke_user(
    pool: &Pool,
    actor: &Actor,
    username: &str,
    disable: bool,
) -> Result<Result<u64, AccountError>, StoreError> {
    let Some(user) = user_by_name(pool, username).await? else {
        return Ok(Err(AccountError::NoSuchUser(username.to_owned())));
    };
    let now = db_time(Utc::now());
    let mut tx = pool.begin().await?;
    let ended = end_sessions(&mut tx, &user.account.id, &now).await?;
    if disable {
        sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
            .bind(&now)
            .bind(&user.account.id)
            .execute(&mut *tx)
            .await?;
    }
    let action = if disable { "user.disable" } else { "user.revoke" };
    audit::record(
        &mut tx,
        actor,
        action,
        &user.account.id,
        json!({ "sessions_ended": ended }),
    )
    .await?;
    tx.commit().await?;
    sessions_changed();
    Ok(Ok(ended))
}

/// Ends every live session of account `user_id` (so its SMS seal keys
/// too) as of `now`, inside `tx`; how many.
async fn end_sessions(tx: &mut super::Tx<'_>, user_id: &str, now: &str) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(user_id)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}

/// Gives `username` the password whose hash is `password_hash` and ends
/// every session of the account, in one transaction (the command line's
/// `user password`): a password that got out is of no use from then on,
/// nor is any phone logged in with it. Returns how many sessions ended.
pub async fn set_password(
    pool: &Pool,
    actor: &Actor,
    username: &str,
    password_hash: &str,
) -> Result<Result<u64, AccountError>, StoreError> {
    let Some(user) = user_by_name(pool, username).await? else {
        return Ok(Err(AccountError::NoSuchUser(username.to_owned())));
    };
    let now = db_time(Utc::now());
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(&user.account.id)
        .execute(&mut *tx)
        .await?;
    let ended = end_sessions(&mut tx, &user.account.id, &now).await?;
    audit::record(
        &mut tx,
        actor,
        "user.password",
        &user.account.id,
        json!({ "sessions_ended": ended }),
    )
    .await?;
    tx.commit().await?;
    sessions_changed();
    Ok(Ok(ended))
}

/// Moves `username` to area `area` and/or gives it role `role` (the
/// command line's `user move`), audited with what it was. Its sessions
/// stay: each request reads the account's area and role afresh, so a
/// worker moved keeps what waits on her phone and writes by the new area
/// from her next request (her own threads in the old area stay hers).
pub async fn move_user(
    pool: &Pool,
    actor: &Actor,
    username: &str,
    area_id: Option<&str>,
    role: Option<Role>,
) -> Result<Result<User, AccountError>, StoreError> {
    let Some(user) = user_by_name(pool, username).await? else {
        return Ok(Err(AccountError::NoSuchUser(username.to_owned())));
    };
    let new_area = match area_id {
        None => None,
        Some(id) => match area(pool, id).await? {
            None => return Ok(Err(AccountError::NoSuchArea(id.to_owned()))),
            Some(a) => Some(a),
        },
    };
    let old = &user.account;
    let (area_now, path_now) = match &new_area {
        Some(a) => (a.area.clone(), a.path.clone()),
        None => (old.area.clone(), user.area_path.clone()),
    };
    let role_now = role.unwrap_or(old.role);
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE users SET area_id = $1, role = $2 WHERE id = $3")
        .bind(&area_now.id)
        .bind(role_now.code())
        .bind(&old.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "user.move",
        &old.id,
        json!({
            "area": area_now.id, "role": role_now.code(),
            "was": { "area": old.area.id, "role": old.role.code() },
        }),
    )
    .await?;
    tx.commit().await?;
    sessions_changed();
    Ok(Ok(User {
        account: Account {
            area: area_now,
            role: role_now,
            ..user.account.clone()
        },
        area_path: path_now,
        ..user
    }))
}

/// Lets a disabled `username` log in again (the command line's `user
/// enable`); `false` if it was not disabled. Its old sessions stay ended.
pub async fn enable_user(pool: &Pool, actor: &Actor, username: &str) -> Result<Result<bool, AccountError>, StoreError> {
    let Some(user) = user_by_name(pool, username).await? else {
        return Ok(Err(AccountError::NoSuchUser(username.to_owned())));
    };
    let mut tx = pool.begin().await?;
    let enabled = sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL")
        .bind(&user.account.id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if enabled {
        audit::record(&mut tx, actor, "user.enable", &user.account.id, json!({})).await?;
    }
    tx.commit().await?;
    Ok(Ok(enabled))
}
