//! Who may report and who may read: accounts, their roles and the area tree
//! reports are routed along. The server decides access; the phone only shows
//! who is logged in, so both read the same types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire::error::{ErrorCode, FieldError};

/// What an account may do.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A grid worker (网格员) or disaster information officer (灾害信息员):
    /// files reports and reads her own.
    Reporter,
    /// A duty officer (值班员): reads every report of his area and below.
    Officer,
    /// Manages accounts and areas; reads like an officer of his area.
    Admin,
}

crate::coded!(Role { Reporter = "reporter", Officer = "officer", Admin = "admin" });

impl Role {
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Reporter => "信息员",
            Role::Officer => "值班员",
            Role::Admin => "管理员",
        }
    }

    /// Whether the account reads the reports of its whole area (and below)
    /// rather than only its own.
    pub fn reads_area(self) -> bool {
        matches!(self, Role::Officer | Role::Admin)
    }
}

/// The levels of the area tree, top down: 区县 → 乡镇/街道 → 村/社区 → 网格.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    District,
    Township,
    Village,
    Grid,
}

crate::coded!(AreaLevel { District = "district", Township = "township", Village = "village", Grid = "grid" });

impl AreaLevel {
    /// The level a child of an area of this level has; `None` under a grid.
    pub fn child(self) -> Option<AreaLevel> {
        match self {
            AreaLevel::District => Some(AreaLevel::Township),
            AreaLevel::Township => Some(AreaLevel::Village),
            AreaLevel::Village => Some(AreaLevel::Grid),
            AreaLevel::Grid => None,
        }
    }
}

/// An area as accounts and reports name it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaRef {
    /// A short code chosen by the administrator, e.g. `xh-03-2-g7`.
    pub id: String,
    pub name: String,
    pub level: AreaLevel,
}

/// Area codes: 1–64 of `a-z 0-9 - _`, so they are safe in paths and logs.
pub fn check_area_id(id: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{id}` is not an area code: use 1 to 64 of a-z, 0-9, '-' and '_'"
        ))
    }
}

/// A logged-in account, as the server describes it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub area: AreaRef,
    /// The profile a new report's 报告人 blanks are filled from (see
    /// `prefill`); empty when the administrator set none. Absent in
    /// sessions stored before profiles existed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub post: String,
}

/// `POST /api/session`: log in.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The phone's own id (made once, kept in its storage): the audit log
    /// names the device every change came from.
    pub device_id: String,
}

/// The longest username and password accepted; more is junk, not a login.
pub const MAX_USERNAME_CHARS: usize = 64;
pub const MAX_PASSWORD_CHARS: usize = 256;
/// A password shorter than this is refused when an account is made.
pub const MIN_PASSWORD_CHARS: usize = 8;

impl LoginRequest {
    /// The errors of a login form, named by field, before anything is sent.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let username = self.username.trim();
        if username.is_empty() {
            errors.push(FieldError::new(
                "username",
                ErrorCode::Required,
                "请填写用户名",
                "Enter your username",
            ));
        } else if username.chars().count() > MAX_USERNAME_CHARS {
            errors.push(FieldError::new(
                "username",
                ErrorCode::TooLong,
                "用户名过长",
                "The username is too long",
            ));
        } else if username.chars().any(char::is_control) {
            // Nobody types one; PostgreSQL text cannot even hold NUL.
            errors.push(FieldError::new(
                "username",
                ErrorCode::BadId,
                "用户名含有无效字符",
                "The username contains characters that cannot be typed",
            ));
        }
        if self.password.is_empty() {
            errors.push(FieldError::new(
                "password",
                ErrorCode::Required,
                "请填写密码",
                "Enter your password",
            ));
        } else if self.password.chars().count() > MAX_PASSWORD_CHARS {
            errors.push(FieldError::new(
                "password",
                ErrorCode::TooLong,
                "密码过长",
                "The password is too long",
            ));
        }
        if !is_device_id(&self.device_id) {
            errors.push(FieldError::new(
                "device_id",
                ErrorCode::BadId,
                "设备编号无效",
                "The device id must be a UUID",
            ));
        }
        errors
    }
}

/// Device ids are UUIDs the phone makes; anything else is refused so the
/// audit log never holds free text from the network.
pub fn is_device_id(text: &str) -> bool {
    // The hyphenated form only: 36 characters (`ids::parse` is the uuid
    // crate's reader natively, the phone's small one in the wasm).
    text.len() == 36 && crate::wire::ids::parse(text).is_some()
}

/// How many days a phone keeps a finished thread after the office received
/// the last of it, unless the server says otherwise ([`Session::keep_days`]):
/// long enough to look back on a month's work offline, short enough that the
/// list of a worker's reports stays quick to open.
pub const DEFAULT_KEEP_DAYS: u32 = 30;

/// The answer to a login: the token to send as `Authorization: Bearer …`,
/// the account, and when the session ends. The phone keeps all three, so
/// it works offline for as long as the session lasts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub account: Account,
    /// The duty office's number for the account's area (its own, or the
    /// nearest area's up the tree that has one), which the phone's
    /// 「电话报告值班室」 button dials; absent when none is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duty_phone: Option<String>,
    /// Where the phone sends a 短信首报 when data is down
    /// (`KUAIBAO_SMS_NUMBER`); absent: the duty phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_number: Option<String>,
    /// How many days the phone keeps a finished thread once the office has
    /// received all of it (`KUAIBAO_PHONE_KEEP_DAYS`); absent (a server
    /// from before): [`DEFAULT_KEEP_DAYS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_days: Option<u32>,
    /// The key the phone seals its 短信首报 with
    /// (`wire::sms::SmsKey::derived`, in hex); absent (a server from
    /// before): the token's SHA-256 ([`crate::wire::sms::SmsKey::of_token`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_key: Option<String>,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(
            deserialize_with = "crate::wire::timestamp::utc",
            serialize_with = "crate::wire::timestamp::write_utc"
        )
    )]
    pub expires_at: DateTime<Utc>,
}

/// `GET /api/session`: who the token belongs to, while it is valid.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub account: Account,
    /// As in [`Session`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duty_phone: Option<String>,
    /// As in [`Session`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_number: Option<String>,
    /// As in [`Session`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_days: Option<u32>,
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_area_tree_has_four_levels_in_order() {
        assert_eq!(AreaLevel::District.child(), Some(AreaLevel::Township));
        assert_eq!(AreaLevel::Village.child(), Some(AreaLevel::Grid));
        assert_eq!(AreaLevel::Grid.child(), None);
    }

    #[test]
    fn area_codes_are_plain() {
        assert!(check_area_id("xh-03_g7").is_ok());
        for bad in ["", "XH", "a b", "a/b", "城关", &"a".repeat(65)] {
            assert!(check_area_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_login_form_names_each_bad_field() {
        let form = LoginRequest {
            username: " ".into(),
            password: String::new(),
            device_id: "phone".into(),
        };
        let errors = form.check();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["username", "password", "device_id"]);
        let nul = LoginRequest {
            username: "li\u{0}".into(),
            password: "secret-pass".into(),
            device_id: "01890a5d-ac96-774b-bcce-b302099a8057".into(),
        };
        assert_eq!(nul.check()[0].field, "username");
        let good = LoginRequest {
            username: "li".into(),
            password: "secret-pass".into(),
            device_id: "01890a5d-ac96-774b-bcce-b302099a8057".into(),
        };
        assert!(good.check().is_empty());
    }
}
