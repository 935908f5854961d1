//! Crash reports: what a phone keeps when its app dies (a Rust panic, a
//! wasm trap, an uncaught JS error or promise rejection) and sends to the
//! server when it is online again, and what an administrator reads back.
//!
//! The phone writes a record synchronously into `localStorage` (after a
//! panic or trap the wasm is dead, and IndexedDB is asynchronous), at most
//! [`KEPT_ON_PHONE`] of them; the app sends each to [`CRASHES_PATH`] and
//! forgets it once answered. A record's `id` is made by the phone (a
//! UUIDv7), so a retry stores it once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::wire::error::{ErrorCode, FieldError};

/// `POST` a [`CrashReport`] (any logged-in account): 201 stored, 200 stored
/// before. `GET` (administrators): the [`CrashList`] of their area.
pub const CRASHES_PATH: &str = "/api/crashes";

/// The `localStorage` key of the phone's unsent crash records: a JSON
/// array of [`CrashReport`]s, oldest first.
pub const STORAGE_KEY: &str = "kuaibao.crashes";

/// The most records a phone keeps unsent; older ones make room.
pub const KEPT_ON_PHONE: usize = 20;

/// The longest build id: a commit hash with a `-dirty` mark, or `dev`.
pub const MAX_BUILD_CHARS: usize = 64;
/// The longest page: the path and hash of the app's address.
pub const MAX_PAGE_CHARS: usize = 300;
/// The longest message: the panic's text and place, or the error's text
/// and stack.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// The most crash reports one account may store in an hour. A phone whose
/// app crashes in a loop keeps only its latest [`KEPT_ON_PHONE`] anyway;
/// this bounds what a hostile client can write.
pub const MAX_PER_ACCOUNT_PER_HOUR: i64 = 60;

/// What died.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashKind {
    /// A Rust panic in the app's wasm (message and `file:line`).
    Panic,
    /// An uncaught JS error, a wasm trap (`RuntimeError`) among them.
    Error,
    /// A promise rejected with nobody to handle it.
    Rejection,
}

crate::coded!(CrashKind {
    Panic = "panic",
    Error = "error",
    Rejection = "rejection",
});

/// One crash, as the phone recorded it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrashReport {
    /// Made by the phone (UUIDv7): a replay stores nothing new.
    #[cfg_attr(target_arch = "wasm32", serde(deserialize_with = "crate::wire::ids::uuid"))]
    pub id: Uuid,
    /// The app's build (`KUAIBAO_BUILD` when it was built: the commit).
    pub build: String,
    /// Where the app was: the path and `#…` of its address.
    pub page: String,
    pub kind: CrashKind,
    /// The panic's message and `file:line:column`, or the error's text and
    /// stack.
    pub message: String,
    /// When, by the phone's clock.
    #[cfg_attr(
        target_arch = "wasm32",
        serde(
            deserialize_with = "crate::wire::timestamp::utc",
            serialize_with = "crate::wire::timestamp::write_utc"
        )
    )]
    pub at: DateTime<Utc>,
}

impl CrashReport {
    /// Checks every field against its bound; each error names its field.
    /// Nothing is trimmed or changed: what is stored is what was sent.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.id.is_nil() {
            errors.push(FieldError::new(
                "id",
                ErrorCode::BadId,
                "记录编号不能为空",
                "the id must not be the nil UUID",
            ));
        }
        if self.build.is_empty() {
            errors.push(required("build"));
        } else if self.build.chars().count() > MAX_BUILD_CHARS {
            errors.push(too_long("build", MAX_BUILD_CHARS));
        } else if !self
            .build
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'))
        {
            errors.push(FieldError::new(
                "build",
                ErrorCode::BadId,
                "版本号只能含字母、数字和 . - _ +",
                "a build id has only letters, digits and . - _ +",
            ));
        }
        if self.page.chars().count() > MAX_PAGE_CHARS {
            errors.push(too_long("page", MAX_PAGE_CHARS));
        } else if self.page.chars().any(char::is_control) {
            errors.push(control("page"));
        }
        if self.message.trim().is_empty() {
            errors.push(required("message"));
        } else if self.message.chars().count() > MAX_MESSAGE_CHARS {
            errors.push(too_long("message", MAX_MESSAGE_CHARS));
        } else if self.message.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            errors.push(control("message"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn required(field: &str) -> FieldError {
    FieldError::new(field, ErrorCode::Required, "不能为空", "must not be empty")
}

fn too_long(field: &str, max: usize) -> FieldError {
    FieldError::new(
        field,
        ErrorCode::TooLong,
        format!("不能超过 {max} 字"),
        format!("at most {max} characters"),
    )
}

fn control(field: &str) -> FieldError {
    FieldError::new(
        field,
        ErrorCode::BadId,
        "含有不可见的控制字符",
        "contains control characters",
    )
}

/// A stored crash report, for the administrators' list: the report as the
/// phone sent it, and who sent it when.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCrash {
    pub report: CrashReport,
    /// By the server's clock.
    #[cfg_attr(
        target_arch = "wasm32",
        serde(
            deserialize_with = "crate::wire::timestamp::utc",
            serialize_with = "crate::wire::timestamp::write_utc"
        )
    )]
    pub received_at: DateTime<Utc>,
    /// Who sent it: the account's username and display name.
    pub username: String,
    pub display_name: String,
    /// The device the session was opened on.
    pub device_id: String,
}

/// How many crashes one build had.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildCount {
    pub build: String,
    pub count: i64,
    /// The latest one's arrival, by the server's clock.
    #[cfg_attr(
        target_arch = "wasm32",
        serde(
            deserialize_with = "crate::wire::timestamp::utc",
            serialize_with = "crate::wire::timestamp::write_utc"
        )
    )]
    pub last_received_at: DateTime<Utc>,
}

/// The answer of `GET` [`CRASHES_PATH`]: crashes of the administrator's
/// area and below.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrashList {
    /// Each build that crashed, the latest crash first: on the first page
    /// only (later pages leave it empty).
    pub builds: Vec<BuildCount>,
    /// One page of the crashes, newest first (`kuaibao_core::wire::page`).
    pub latest: Vec<StoredCrash>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> CrashReport {
        CrashReport {
            id: Uuid::parse_str("01890a5d-ac96-774b-bcce-b302099a8057").expect("uuid"),
            build: "808c077-dirty".to_owned(),
            page: "/#/new".to_owned(),
            kind: CrashKind::Panic,
            message: "panicked at src/crash/mod.rs:40:9:\n测试崩溃".to_owned(),
            at: DateTime::parse_from_rfc3339("2026-12-05T10:00:00.123Z")
                .expect("time")
                .with_timezone(&Utc),
        }
    }

    fn fields(r: &CrashReport) -> Vec<(String, ErrorCode)> {
        r.check()
            .expect_err("refused")
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_real_panic_record_passes() {
        assert_eq!(report().check(), Ok(()));
        let empty_page = CrashReport {
            page: String::new(),
            ..report()
        };
        assert_eq!(empty_page.check(), Ok(()));
    }

    #[test]
    fn each_bound_holds_at_its_edge_and_names_its_field() {
        let at_edge = CrashReport {
            build: "a".repeat(MAX_BUILD_CHARS),
            page: "页".repeat(MAX_PAGE_CHARS),
            message: "错".repeat(MAX_MESSAGE_CHARS),
            ..report()
        };
        assert_eq!(at_edge.check(), Ok(()));
        let over = CrashReport {
            build: "a".repeat(MAX_BUILD_CHARS + 1),
            page: "页".repeat(MAX_PAGE_CHARS + 1),
            message: "错".repeat(MAX_MESSAGE_CHARS + 1),
            ..report()
        };
        assert_eq!(
            fields(&over),
            [
                ("build".to_owned(), ErrorCode::TooLong),
                ("page".to_owned(), ErrorCode::TooLong),
                ("message".to_owned(), ErrorCode::TooLong),
            ]
        );
    }

    #[test]
    fn hostile_text_is_refused() {
        let hostile = CrashReport {
            id: Uuid::nil(),
            build: "<script>".to_owned(),
            page: "/\u{1b}[2J".to_owned(),
            message: "x\u{0}y".to_owned(),
            ..report()
        };
        assert_eq!(
            fields(&hostile),
            [
                ("id".to_owned(), ErrorCode::BadId),
                ("build".to_owned(), ErrorCode::BadId),
                ("page".to_owned(), ErrorCode::BadId),
                ("message".to_owned(), ErrorCode::BadId),
            ]
        );
        let blank = CrashReport {
            build: String::new(),
            message: " \n ".to_owned(),
            ..report()
        };
        assert_eq!(
            fields(&blank),
            [
                ("build".to_owned(), ErrorCode::Required),
                ("message".to_owned(), ErrorCode::Required),
            ]
        );
    }

    #[test]
    fn a_record_reads_as_the_phone_writes_it_and_nothing_more() {
        let json = r#"{"id":"01890a5d-ac96-774b-bcce-b302099a8057","build":"dev","page":"/#/",
            "kind":"rejection","message":"TypeError: x is undefined","at":"2026-12-05T10:00:00.123Z"}"#;
        let r: CrashReport = serde_json::from_str(json).expect("reads");
        assert_eq!(r.kind, CrashKind::Rejection);
        assert_eq!(r.check(), Ok(()));
        let extra = json.replace("\"build\"", "\"extra\":1,\"build\"");
        assert!(serde_json::from_str::<CrashReport>(&extra).is_err());
        let bad_kind = json.replace("rejection", "meltdown");
        assert!(serde_json::from_str::<CrashReport>(&bad_kind).is_err());
    }
}
