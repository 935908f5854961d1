//! Who is asking: the session behind a request's bearer token, and what
//! that account may read. Handlers take a [`Caller`] argument to require a
//! live session; axum answers 401 for them when there is none.

pub mod cache;
pub mod password;
pub mod token;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use chrono::Utc;
use kuaibao_core::account::Role;
use kuaibao_core::wire::protocol::{AUTHORIZATION_HEADER, BEARER};

use crate::db::accounts::SessionRow;
use crate::db::audit::Actor;
use crate::db::reports::{Scope, Sender};
use crate::db::Pool;
use crate::http::error::AppError;

/// The live session a request came with.
#[derive(Debug, Clone)]
pub struct Caller(pub SessionRow);

impl Caller {
    pub fn role(&self) -> Role {
        self.0.user.account.role
    }

    /// The account as the rules of who may write where see it
    /// (`kuaibao_core::rules::writers`).
    pub fn writer(&self) -> kuaibao_core::rules::writers::Writer<'_> {
        let user = &self.0.user;
        kuaibao_core::rules::writers::Writer {
            user_id: &user.account.id,
            role: user.account.role,
            area_path: &user.area_path,
        }
    }

    /// Who the audit log names for this request's changes.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.0.user.account.id.clone()),
            device_id: Some(self.0.device_id.clone()),
        }
    }

    /// The reports this account may read: a reporter her own; an officer
    /// or administrator his area's and below (an administrator of a root
    /// area, the whole deployment, also those stored before accounts
    /// existed, which have no area: they could be from anywhere).
    pub fn scope(&self) -> Scope {
        let user = &self.0.user;
        if user.account.role.reads_area() {
            Scope::Area {
                path: user.area_path.clone(),
                legacy: user.account.role == Role::Admin && kuaibao_core::rules::writers::is_root_path(&user.area_path),
            }
        } else {
            Scope::Own {
                user_id: user.account.id.clone(),
            }
        }
    }

    /// The sender of a report this request submits.
    pub fn sender(&self, clock_offset_ms: Option<i64>) -> Sender {
        Sender {
            user_id: self.0.user.account.id.clone(),
            area_id: self.0.user.account.area.id.clone(),
            device_id: Some(self.0.device_id.clone()),
            clock_offset_ms,
            sms: None,
            first_receipt: None,
        }
    }

    /// Refuses unless the account has `role`.
    pub fn require(&self, role: Role) -> Result<(), AppError> {
        if self.role() == role {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "only an account with the role `{}` may do this",
                role.code()
            )))
        }
    }
}

/// The token of a request: `Authorization: Bearer <token>`.
pub fn bearer(parts: &Parts) -> Option<&str> {
    bearer_in(&parts.headers)
}

/// The token in these headers, as [`bearer`] reads it.
pub fn bearer_in(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION_HEADER)?.to_str().ok()?;
    let token = value
        .strip_prefix(BEARER)
        .or_else(|| value.strip_prefix("bearer "))?
        .trim();
    (!token.is_empty()).then_some(token)
}

/// What checking a session needs of the application's state: the database
/// and the short-lived session cache (see `cache`).
#[derive(Clone)]
pub struct Sessions {
    pub pool: Pool,
    pub cache: std::sync::Arc<cache::SessionCache>,
}

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Sessions: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = Sessions::from_ref(state);
        // One message for every failure: which one it was is nobody's
        // business but the server's.
        let refused = || AppError::Unauthorized("log in: this request needs a valid session".to_owned());
        let token = bearer(parts).ok_or_else(refused)?;
        // Through the short-lived cache (see `cache`): one query per session
        // every few seconds instead of one per request.
        let session = state
            .cache
            .live_session(&state.pool, &token::token_sha256(token), Utc::now())
            .await?
            .ok_or_else(refused)?;
        Ok(Caller(session))
    }
}
