//! Logging in and out: `POST`, `GET` and `DELETE` on
//! [`SESSION_PATH`](kuaibao_core::wire::protocol::SESSION_PATH).

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::Utc;
use kuaibao_core::account::{LoginRequest, Session, SessionInfo};
use serde_json::json;

use super::error::AppError;
use super::extract::JsonBody;
use super::rate_limit::LoginFrom;
use super::AppState;
use crate::auth::{password, token, Caller};
use crate::db::audit::{self, Actor};
use crate::db::{accounts, duty_phones, login_failures};

/// `POST /api/session`: 201 and a new session for the right username and
/// password; 401 otherwise, with the same message whichever was wrong; 503
/// when too many logins already wait for a password check.
pub async fn login(
    State(state): State<AppState>,
    from: Option<Extension<LoginFrom>>,
    JsonBody(form): JsonBody<LoginRequest>,
) -> Result<(StatusCode, Json<Session>), AppError> {
    let errors = form.check();
    if !errors.is_empty() {
        return Err(AppError::InvalidForm(errors));
    }
    let username = form.username.trim().to_owned();
    // The username's budget, shared by every replica: taken before the
    // password is checked, given back unless it was wrong.
    let place = match login_failures::take(&state.pool, &username, Utc::now(), state.login_account_rate_per_min).await?
    {
        Ok(place) => place,
        Err(wait) => {
            tracing::info!("login refused: too many failures for its username");
            let seconds = super::rate_limit::whole_seconds(wait);
            return Err(AppError::OverBound {
                message: format!(
                    "此用户名最近登录失败次数过多，请 {seconds} 秒后再试 / too many failed logins for this username: wait {seconds} s"
                ),
                retry_after_secs: seconds,
            });
        }
    };
    let from = from.map(|Extension(LoginFrom(ip))| ip.to_string());
    let checked = check(&state, &username, form.password, &form.device_id, from.as_deref()).await;
    if !matches!(checked, Err(AppError::Unauthorized(_))) {
        login_failures::give_back(&state.pool, place).await?;
    }
    let user = checked?;
    let token = token::new_token().map_err(|e| AppError::Internal(e.to_string()))?;
    let expires_at = Utc::now() + state.session_lifetime;
    let digest = token::token_sha256(&token);
    let session_id = accounts::open_session(&state.pool, &user, &form.device_id, &digest, expires_at).await?;
    tracing::info!(user = %user.account.id, session = %session_id, "logged in");
    let duty_phone = duty_phones::for_path(&state.pool, &user.area_path).await?;
    Ok((
        StatusCode::CREATED,
        Json(Session {
            token,
            account: user.account,
            duty_phone,
            sms_number: state.sms.number.clone(),
            keep_days: Some(state.keep_days),
            sms_key: state.sms.seal_key(&digest).map(|k| k.to_hex()),
            expires_at,
        }),
    ))
}

/// The account `username` logs into with `typed`: 401 for a wrong password
/// or an unknown username alike; 403 for a disabled account's right one,
/// which tells its worker (and only one who knows the password) to phone
/// the duty office and her administrator, not to retype it.
async fn check(
    state: &AppState,
    username: &str,
    typed: String,
    device_id: &str,
    from: Option<&str>,
) -> Result<accounts::User, AppError> {
    let user = accounts::user_by_name(&state.pool, username).await?;
    // Verified even for an unknown account (against a decoy hash), so the
    // time taken does not tell which usernames exist.
    let phc = match &user {
        Some(u) => u.password_hash.clone(),
        None => password::decoy().to_owned(),
    };
    let matches = match state.passwords.verify(typed, phc).await {
        Ok(matches) => matches,
        Err(busy @ password::CheckError::Busy(_)) => return Err(AppError::Busy(busy.to_string())),
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    match user {
        Some(u) if matches && !u.disabled => Ok(u),
        Some(u) if matches => {
            tracing::info!(user = %u.account.id, "login refused: the account is disabled");
            Err(AppError::Forbidden(ACCOUNT_DISABLED.to_owned()))
        }
        Some(u) => {
            // On the account's record, for its administrator: who tried
            // its password, from where (within the hourly budget; the flood
            // after it goes to this log). Written after the answer, so
            // that a known username is not told by a slower one.
            tracing::info!(user = %u.account.id, from, "login refused: wrong password");
            if state.login_notes.admits_for(&u.account.id) {
                let device = Actor {
                    user_id: None,
                    device_id: Some(device_id.to_owned()),
                };
                let detail = json!({ "username": username, "from": from });
                let pool = state.pool.clone();
                tokio::spawn(async move {
                    let noted = audit::note(&pool, &device, "session.login_failed", &u.account.id, detail).await;
                    if let Err(e) = noted {
                        tracing::warn!(user = %u.account.id, "a failed login was not audited: {e}");
                    }
                });
            }
            Err(AppError::Unauthorized(WRONG_PASSWORD.to_owned()))
        }
        None => {
            tracing::info!(from, "login refused: no such username");
            Err(AppError::Unauthorized(WRONG_PASSWORD.to_owned()))
        }
    }
}

/// What a wrong password and an unknown username are both told.
const WRONG_PASSWORD: &str = "用户名或密码错误 / wrong username or password";

/// What a disabled account's worker is told when she logs in.
const ACCOUNT_DISABLED: &str =
    "此账号已停用，不能登录。本机未送达的报告仍保存在手机上；急事请直接打电话向值班室报告，并联系管理员。\
     / This account is disabled. Reports not yet sent stay on this phone; phone the duty office with anything urgent, \
     and ask your administrator.";

/// `GET /api/session`: who the token belongs to and until when.
pub async fn whoami(State(state): State<AppState>, caller: Caller) -> Result<Json<SessionInfo>, AppError> {
    let duty_phone = duty_phones::for_path(&state.pool, &caller.0.user.area_path).await?;
    Ok(Json(SessionInfo {
        account: caller.0.user.account,
        duty_phone,
        sms_number: state.sms.number.clone(),
        keep_days: Some(state.keep_days),
        expires_at: caller.0.expires_at,
    }))
}

/// `DELETE /api/session`: ends this session; the token is refused from now.
pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, AppError> {
    accounts::end_session(&state.pool, &caller.0).await?;
    tracing::info!(session = %caller.0.session_id, "logged out");
    Ok(StatusCode::NO_CONTENT)
}
