//! 短信首报 arriving at the office: pasted by a duty officer, or posted by
//! an SMS gateway. Either way the text becomes the record the phone holds,
//! under its id (see `kuaibao_core::wire::sms`), stored for the account it names
//! once whoever entered it may write there. A gateway's text must carry the
//! seal of one of that account's sessions (made by its app, on its phone);
//! an officer may enter an unsealed one, having called the reporter back.
//! The record keeps which it was (`Receipt::sms_sealed`), as does the audit
//! log.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use kuaibao_core::rules::writers;
use kuaibao_core::wire::protocol::{self, Arrival, Receipt};
use kuaibao_core::wire::sms::{self, SmsKey, SmsMessage};
use kuaibao_core::{validate, ErrorCode, FieldError, Report, ReportId};

use super::error::AppError;
use super::extract::JsonBody;
use super::AppState;
use crate::auth::token::SecretDigest;
use crate::auth::Caller;
use crate::db::accounts::{self, User};
use crate::db::admission;
use crate::db::audit::Actor;
use crate::db::reports::{self, Sender, SmsArrival, Stored};

/// What the server was told about SMS (`KUAIBAO_SMS_*`).
#[derive(Clone)]
pub struct SmsSettings {
    /// Where phones send SMS reports, handed to them with their session.
    pub number: Option<String>,
    /// The gateway's secret; `None`: no gateway.
    gateway_token: Option<SecretDigest>,
    /// What sessions' seal keys are derived under ([`SmsKey::derived`]):
    /// kept outside the database, so a copy of it cannot seal a text.
    seal_secret: std::sync::Arc<[u8]>,
}

/// The seal secret's file in the data dir, when `KUAIBAO_SMS_SEAL_SECRET`
/// is not set: made at the first start. Not in any backup; copy it with
/// the server's settings (and to every replica).
pub const SEAL_SECRET_FILE: &str = "sms-seal.secret";

/// Why the seal secret could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SealSecretError {
    #[error("cannot read or make the SMS seal secret {}: {source} (or set KUAIBAO_SMS_SEAL_SECRET)", path.display())]
    File {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the SMS seal secret {} is shorter than 32 characters: set KUAIBAO_SMS_SEAL_SECRET, or delete the file to have a new one made (phones then log in again to seal texts)", path.display())]
    Weak { path: std::path::PathBuf },
    #[error(transparent)]
    Random(#[from] crate::auth::token::RandomError),
}

impl SmsSettings {
    pub fn new(config: &crate::config::Config) -> Result<Self, SealSecretError> {
        let seal_secret = match &config.sms_seal_secret {
            Some(secret) => secret.clone(),
            None => seal_secret_file(&config.data_dir.join(SEAL_SECRET_FILE))?,
        };
        // Which secret a replica holds, without saying it: replicas must
        // log the same.
        let fingerprint = &crate::storage::hex_sha256(seal_secret.as_bytes())[..8];
        tracing::info!(fingerprint, "SMS seal secret");
        Ok(SmsSettings {
            number: config.sms_number.clone(),
            gateway_token: config.sms_gateway_token.as_deref().map(SecretDigest::of),
            seal_secret: std::sync::Arc::from(seal_secret.into_bytes()),
        })
    }

    /// The seal key of the session whose token's SHA-256 (hex) is
    /// `digest`, as handed to its phone.
    pub fn seal_key(&self, digest: &str) -> Option<SmsKey> {
        SmsKey::from_hex(digest).map(|d| SmsKey::derived(&self.seal_secret, &d))
    }

    /// The seal of a record's receipt (`kuaibao_core::wire::protocol::seal_receipt`),
    /// under the same secret as the texts': kept outside the database.
    pub fn seal_receipt(&self, receipt: &Receipt, body_sha256: &str) -> String {
        protocol::seal_receipt(&self.seal_secret, receipt.id, receipt.received(), body_sha256)
    }

    /// Whether `seal` is this server's for record `id` received as
    /// `received`, with this content.
    pub fn receipt_seal_holds(&self, id: ReportId, received: Arrival, body_sha256: &str, seal: &str) -> bool {
        protocol::receipt_seal_holds(&self.seal_secret, id, received, body_sha256, seal)
    }

    /// Whether `headers` carry the gateway's secret.
    fn is_gateway(&self, headers: &HeaderMap) -> bool {
        self.gateway_token.is_some_and(|token| token.is_sent_in(headers))
    }
}

/// The secret in `path`, made there (a new random one, readable by the
/// server's user alone) if there is none.
fn seal_secret_file(path: &std::path::Path) -> Result<String, SealSecretError> {
    let file_error = |source| SealSecretError::File {
        path: path.to_owned(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let secret = text.trim().to_owned();
            if secret.chars().count() < crate::config::MIN_SECRET_CHARS {
                return Err(SealSecretError::Weak { path: path.to_owned() });
            }
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Written whole under a name of its own, then linked into place:
            // another process starting on the same data dir at the same
            // moment finds either no file or the whole of one, never an
            // empty one, and the first link made is the one both keep.
            let secret = crate::auth::token::new_token()?;
            let staged = path.with_extension(format!("new-{}", crate::auth::token::new_token()?));
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let written = options.open(&staged).and_then(|mut file| {
                use std::io::Write;
                file.write_all(secret.as_bytes())?;
                file.sync_all()
            });
            let linked = written.and_then(|()| std::fs::hard_link(&staged, path));
            let _ = std::fs::remove_file(&staged);
            match linked {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "SMS seal secret made");
                    Ok(secret)
                }
                // Another made it first: read theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => seal_secret_file(path),
                Err(e) => Err(file_error(e)),
            }
        }
        Err(e) => Err(file_error(e)),
    }
}

/// The device the audit log names for a gateway's messages.
pub const GATEWAY_DEVICE: &str = "sms-gateway";

/// `POST /api/sms`: a duty officer (or administrator) pastes a text. The
/// account it names must be in the officer's area or below.
pub async fn paste(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(message): JsonBody<SmsMessage>,
) -> Result<(StatusCode, Json<Receipt>), AppError> {
    if !caller.role().reads_area() {
        return Err(AppError::Forbidden(
            "只有值班员和管理员可以录入短信报告 / only duty officers and administrators enter SMS reports".into(),
        ));
    }
    let officer_area = caller.0.user.area_path.clone();
    take(&state, message, caller.actor(), |author, _sealed| {
        author
            .area_path
            .starts_with(&officer_area)
            .then_some(())
            .ok_or_else(|| {
                FieldError::new(
                    "text",
                    ErrorCode::NotPermitted,
                    format!("短信署名的账号“{}”不在您的辖区，不能代为录入", author.account.username),
                    format!("the account “{}” is outside your area", author.account.username),
                )
            })
    })
    .await
}

/// `POST /api/sms/gateway`: an SMS gateway forwards a text, with its own
/// secret. The text must be sealed by a session of the account it names:
/// a gateway vouches only for the number it came from, and a sender's
/// number can be forged; the seal cannot without the phone's session.
pub async fn gateway(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(message): JsonBody<SmsMessage>,
) -> Result<(StatusCode, Json<Receipt>), AppError> {
    // Without a configured secret no request is the gateway's: 401 either
    // way, saying which.
    if !state.sms.is_gateway(&headers) {
        return Err(AppError::Unauthorized(if state.sms.gateway_token.is_none() {
            "本服务器未启用短信网关（KUAIBAO_SMS_GATEWAY_TOKEN）/ no SMS gateway is configured".into()
        } else {
            "短信网关密钥不对 / the gateway's token is missing or wrong".into()
        }));
    }
    // Kept with the record: the number it came from.
    if message.from_digits().is_none() {
        return Err(AppError::InvalidForm(vec![FieldError::new(
            "from",
            ErrorCode::Required,
            "网关须提供发信号码",
            "the gateway must give the number the text came from",
        )]));
    }
    let gateway = Actor {
        user_id: None,
        device_id: Some(GATEWAY_DEVICE.to_owned()),
    };
    take(&state, message, gateway, |author, sealed| {
        sealed.then_some(()).ok_or_else(|| {
            FieldError::new(
                "text",
                ErrorCode::NotPermitted,
                format!(
                    "短信没有账号“{}”手机上快报的验证码（不是快报应用发出的，或那部手机已退出登录），未录入。请值班员电话核实后在值班台粘贴录入。",
                    author.account.username
                ),
                format!(
                    "the text carries no seal of a session of “{}” (not made by the app on that phone, or it logged out); nothing stored: call the reporter back and paste it at the desk",
                    author.account.username
                ),
            )
        })
    })
    .await
}

/// How long after its session ran out a phone's seal still counts: a phone
/// that had no data to renew it is the one that sends texts.
const SEAL_GRACE: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// Parses, authorizes, judges and stores one text, entered by `entered_by`;
/// `may_enter` says whether the text's account may be written for by
/// whoever entered it, given whether the text is sealed by one of that
/// account's sessions. Refusals store nothing (a refused authorization is
/// logged in the audit trail).
async fn take(
    state: &AppState,
    message: SmsMessage,
    entered_by: Actor,
    may_enter: impl FnOnce(&User, bool) -> Result<(), FieldError>,
) -> Result<(StatusCode, Json<Receipt>), AppError> {
    let errors = message.check();
    if !errors.is_empty() {
        return Err(AppError::InvalidForm(errors));
    }
    let parsed = sms::parse(&message.text).map_err(AppError::InvalidForm)?;
    let report = parsed.report.clone();
    let author = match accounts::user_by_name(&state.pool, &parsed.username).await? {
        Some(user) if !user.disabled => user,
        _ => {
            return Err(AppError::InvalidForm(vec![FieldError::new(
                "username",
                ErrorCode::UnknownField,
                format!("没有账号“{}”（或已停用），请电话核实报告人", parsed.username),
                format!("no active account “{}”", parsed.username),
            )]))
        }
    };
    let sealed = parsed.seal.is_some()
        && accounts::sealing_keys(&state.pool, &author.account.id, chrono::Utc::now() - SEAL_GRACE)
            .await?
            .iter()
            .filter_map(|(digest, derived)| match derived {
                true => state.sms.seal_key(digest),
                // A session from before the seal secret seals with its
                // token's SHA-256, until it ends.
                false => SmsKey::from_hex(digest),
            })
            .any(|key| parsed.sealed_by(&key));
    if let Err(refusal) = may_enter(&author, sealed) {
        return Err(refuse(state, &entered_by, &report, &author, refusal).await?);
    }
    let template = judge(&report)?;
    // What a new text is held to; one stored already replays whatever
    // the rules (one query, asked only when a rule would refuse it).
    // An unsealed text is the entering office's word for it: it may begin
    // a thread, not take the place of a 首报 whose thread has records of
    // hers already (her 续报 came first): her phone's own 首报 would then
    // be refused as other content. (Another's thread: the insert's own
    // guard refuses it, naming the thread.)
    let takes_her_thread = !sealed
        && reports::thread_holder(&state.pool, report.thread_id())
            .await?
            .is_some_and(|h| h.author_id.as_deref() == Some(author.account.id.as_str()));
    // Of the admission rules (`admission::admit_new`), photos follow with
    // the app's copy and are asked of it then; a work-safety grade below
    // its figures is asked now.
    let below = kuaibao_core::rules::validate::graded_below_figures(template, &report);
    if (takes_her_thread || below.is_some()) && !admission::has_row(&state.pool, report.id).await? {
        if takes_her_thread {
            let refusal = FieldError::new(
                "text",
                ErrorCode::NotPermitted,
                "这件事已有续报送达，这条短信没有快报验证码，不能代为录入首报：首报会在报告人手机联网后自动送达；或请她把快报生成的短信原文转发给值班室再粘贴。",
                "records of this thread have arrived and the text carries no seal: its 首报 cannot be entered for her; it arrives from her phone when it has data, or paste the text her app made (sealed)",
            );
            return Err(refuse(state, &entered_by, &report, &author, refusal).await?);
        }
        if let Some(below) = below {
            return Err(AppError::InvalidReport(vec![below]));
        }
    }
    let sender = Sender {
        user_id: author.account.id.clone(),
        area_id: author.account.area.id.clone(),
        device_id: None,
        clock_offset_ms: None,
        sms: Some(SmsArrival {
            entered_by: entered_by.clone(),
            text: message.text.clone(),
            from: message.from.clone(),
            sealed,
        }),
        first_receipt: None,
    };
    // Charged to the reporter's account as the app's copy would be: texts
    // entered by the desk or a gateway are records all the same.
    // A text stored already (by SMS or by the app) is a replay.
    let charge = state
        .quotas
        .charge_new(&author.account.id, &report, admission::has_row(&state.pool, report.id))
        .await?;
    let canonical = reports::Canonical::of(&report).map_err(crate::db::StoreError::from)?;
    match reports::store(&state.pool, &report, &canonical, template, &sender).await? {
        Stored::Created(receipt) => {
            if let Some(charge) = charge {
                charge.keep();
            }
            tracing::info!(id = %receipt.id, seq = receipt.seq, "SMS report stored");
            state.changes.report_stored(report.thread_id(), &author.area_path);
            Ok((StatusCode::CREATED, Json(receipt)))
        }
        Stored::Replayed(receipt) => Ok((StatusCode::OK, Json(receipt))),
        Stored::Conflict => {
            tracing::warn!(id = %report.id, "SMS report refused: id stored with other content");
            Err(AppError::Conflict(report.id))
        }
        Stored::PhotoConflict(photo) => Err(AppError::PhotoConflict(photo)),
        Stored::ThreadHeld => {
            Err(super::reports::refuse(state, &entered_by, &report, writers::Refusal::NotYourThread).await?)
        }
    }
}

/// The refusal of a text naming `author`, entered by `entered_by`, logged
/// (and audited within the refusals' budget): nothing else is stored.
async fn refuse(
    state: &AppState,
    entered_by: &Actor,
    report: &Report,
    author: &User,
    refusal: FieldError,
) -> Result<AppError, AppError> {
    tracing::warn!(id = %report.id, user = %author.account.id, "SMS report refused: {}", refusal.en);
    if state.refusals.admits(entered_by) {
        reports::audit_refusal(&state.pool, entered_by, report, &refusal.en).await?;
    }
    Ok(AppError::NotPermitted(vec![refusal]))
}

/// The record judged as the app's would be, but for its photos: they
/// follow when the app syncs, so a photo blank's minimum is not asked yet.
fn judge(report: &Report) -> Result<&'static kuaibao_core::Template, AppError> {
    match validate(report) {
        Ok(template) => Ok(template),
        Err(errors) => {
            let errors: Vec<FieldError> = errors
                .into_iter()
                .filter(|e| e.code != ErrorCode::PhotosMissing)
                .collect();
            match kuaibao_core::rules::catalogue::find(&report.template_id, report.template_version) {
                Some(template) if errors.is_empty() => Ok(template),
                _ => Err(AppError::InvalidReport(errors)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by a review: a second server starting on the same data dir at
    /// the same moment could read the file still empty, and refuse to start
    /// (or, told to delete it, split the secrets). Eight at once: one
    /// secret, whole, readable by the server's user alone, nothing left
    /// behind.
    #[test]
    fn servers_starting_at_once_share_one_whole_secret() {
        let dir = tempfile::tempdir().expect("a dir");
        let path = dir.path().join(SEAL_SECRET_FILE);
        let secrets: Vec<String> = std::thread::scope(|s| {
            let started: Vec<_> = (0..8).map(|_| s.spawn(|| seal_secret_file(&path))).collect();
            started
                .into_iter()
                .map(|t| t.join().expect("no panic").expect("a secret"))
                .collect()
        });
        assert!(secrets.iter().all(|s| s == &secrets[0]), "{secrets:?}");
        assert!(secrets[0].len() >= crate::config::MIN_SECRET_CHARS);
        assert_eq!(std::fs::read_to_string(&path).expect("the file"), secrets[0]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("its metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("the dir").collect();
        assert_eq!(left.len(), 1, "no staged file left");
    }
}
