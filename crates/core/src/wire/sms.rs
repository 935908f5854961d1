//! 短信首报: a first record sent as one text message when data is down but
//! SMS still works (common after a disaster, and in forests and mountains).
//!
//! The text is for people first: a title line, then one `标签：答案` line per
//! answered blank, in the sentence's order, then one code line for the
//! machine:
//!
//! ```text
//! 【快报】首报：火灾
//! 起火时间：2026-11-23 09:41
//! 起火地点：城关镇东街12号
//! 报告人：张三
//! #KB1 1a2b3c4d 0190a6e0-5b3c-7def-8a12-3456789abcde fire.1 2026-11-23T10:00:00+08:00 III/III -1250 @zhangsan
//! ```
//!
//! The code line carries what a person need not read: a checksum of the
//! whole text, the record's id, template and version, its writing time, the
//! grade decision, the phone's clock offset and the account. So the duty
//! office stores the very record the phone holds, under the same id, minus
//! its photos, which follow when the app syncs; [`completes`] says whether a
//! record the app sends later is that record. A truncated or garbled text
//! fails the checksum and is refused whole.
//!
//! A text the app makes is also sealed (`#KB2`, [`encode_sealed`]): after
//! the checksum, the first 8 bytes of an HMAC-SHA-256 of the same lines
//! under an [`SmsKey`] only the phone's session and the server know. A
//! gateway vouches only for the number a text came from, and numbers can
//! be forged; the seal cannot be without the key, so the gateway's texts
//! are taken only sealed ([`Parsed::sealed_by`]).

use crate::report::{geo_keys, Report};
use crate::rules::catalogue;
use crate::rules::grading::{Grade, GradeDecision};
use crate::rules::stage::Stage;
use crate::rules::template::{BlankKind, ChoiceOption};
use crate::wire::error::{ErrorCode, FieldError};
use crate::wire::ids::ReportId;
use crate::wire::timestamp;
use crate::{Answers, Text};
use hmac::Mac;

/// Starts the title line.
const TITLE_MARK: &str = "【快报】首报：";
/// Starts the code line of an unsealed text; the digit is the format's version.
const CODE_MARK: &str = "#KB1 ";
/// Starts the code line of a sealed text: the checksum, then the seal.
const SEALED_MARK: &str = "#KB2 ";
/// Starts what a seal covers, so that no other use of the key could make one.
const SEAL_CONTEXT: &[u8] = b"kuaibao sms seal v2\n";
/// The bytes of the HMAC a seal keeps: 64 bits. Each guess at a forgery
/// costs the forger a text message, and the gateway is rate-limited.
const SEAL_BYTES: usize = 8;
/// Between a label and its answer.
const COLON: char = '：';
/// Stands for a line break inside an answer: the text is line-based.
const NEWLINE: char = '↵';
/// Between the options of a multiple choice.
const OPTION_SEPARATOR: &str = "；";
/// The line of an override's reason (no blank is labelled so; tested).
const REASON_LABEL: &str = "定级理由";

/// The longest text accepted: far beyond any first report (a long SMS is
/// ten parts of 67 characters), short enough that junk costs nothing.
pub const MAX_CHARS: usize = 2000;

/// `POST` an [`SmsMessage`] an officer pasted at the desk: answers the
/// record's [`crate::wire::protocol::Receipt`] (201, or 200 when it is stored
/// already, by SMS or by the app).
pub const PASTE_PATH: &str = "/api/sms";
/// `POST` an [`SmsMessage`] from an SMS gateway, with the gateway's own
/// token (`Authorization: Bearer …`) rather than a session; `from` is then
/// required, and the text must be sealed by a session of its account.
pub const GATEWAY_PATH: &str = "/api/sms/gateway";

/// A text message as received.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SmsMessage {
    /// The whole message, as it arrived (at most [`MAX_CHARS`] characters).
    pub text: String,
    /// The number it came from, as the phone or the gateway shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// The longest `from` accepted.
pub const MAX_FROM_CHARS: usize = 32;

impl SmsMessage {
    /// The sender's number, in digits, without a leading country code
    /// `+86`/`86`/`0086`, to compare with an account's phone.
    pub fn from_digits(&self) -> Option<String> {
        self.from.as_deref().map(phone_digits).filter(|d| !d.is_empty())
    }

    /// `from`, if given, must look like a phone number.
    pub fn check(&self) -> Vec<FieldError> {
        match self.from.as_deref() {
            Some(from) if from.chars().count() > MAX_FROM_CHARS || !crate::rules::validate::is_phone(from.trim()) => {
                vec![error(
                    "from",
                    ErrorCode::BadPhone,
                    "发信号码不是电话号码（7 到 15 位数字）",
                    "`from` is not a phone number (7 to 15 digits)",
                )]
            }
            _ => Vec::new(),
        }
    }
}

/// A phone number's digits, without China's country code: `+86 138-0013-8000`
/// and `13800138000` are the same phone.
pub fn phone_digits(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let national = ["0086", "86"]
        .iter()
        .find_map(|cc| digits.strip_prefix(cc).filter(|rest| rest.len() == 11))
        .unwrap_or(&digits);
    national.to_owned()
}

/// A text as received, parsed: the record it carries and the username of
/// the account it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub report: Report,
    pub username: String,
    /// The seal, if the text carries one (`#KB2`).
    pub seal: Option<Seal>,
}

impl Parsed {
    /// Whether the text was sealed under `key`: made by the app of a phone
    /// logged in with the session whose key it is, and not changed since.
    pub fn sealed_by(&self, key: &SmsKey) -> bool {
        self.seal.as_ref().is_some_and(|seal| {
            let mut mac = key.mac();
            mac.update(&seal.covered);
            // Constant time: how long the check takes says nothing of the seal.
            mac.verify_truncated_left(&seal.mac).is_ok()
        })
    }
}

/// A text's seal and what it covers.
#[derive(Clone, PartialEq, Eq)]
pub struct Seal {
    covered: Vec<u8>,
    mac: [u8; SEAL_BYTES],
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Seal({})", hex(&self.mac))
    }
}

/// The key a phone seals its texts with, handed to it with its session
/// ([`crate::account::Session::sms_key`]): an HMAC of its token's SHA-256
/// (what the server keeps, `sessions.token_sha256`) under the server's
/// seal secret, which is kept outside the database. So the server can
/// check a seal, the key ends with the session (logging out), and a copy
/// of the database (a backup) cannot seal a text. A session from before
/// the secret seals with the token's SHA-256 itself ([`SmsKey::of_token`]).
#[derive(Clone, PartialEq, Eq)]
pub struct SmsKey([u8; 32]);

/// What the key derivation mixes in before the digest: keys for nothing
/// else are made this way.
const KEY_CONTEXT: &[u8] = b"kuaibao sms seal key\n";

impl SmsKey {
    /// The key of a session from before the seal secret: its token's
    /// SHA-256.
    pub fn of_token(token: &str) -> SmsKey {
        use sha2::Digest;
        SmsKey(sha2::Sha256::digest(token.as_bytes()).into())
    }

    /// The key of the session whose token's SHA-256 is `digest`, under the
    /// server's seal secret `secret`.
    pub fn derived(secret: &[u8], digest: &SmsKey) -> SmsKey {
        let mut mac = hmac_sha256(secret);
        mac.update(KEY_CONTEXT);
        mac.update(&digest.0);
        SmsKey(mac.finalize().into_bytes().into())
    }

    /// The key in hex, as the session hands it to the phone.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// The key from its hex: a token's SHA-256 as the server keeps it, or
    /// a derived key as the session hands it to the phone.
    pub fn from_hex(digest: &str) -> Option<SmsKey> {
        unhex32(digest).map(SmsKey)
    }

    fn mac(&self) -> hmac::Hmac<sha2::Sha256> {
        let mut mac = hmac_sha256(&self.0);
        mac.update(SEAL_CONTEXT);
        mac
    }
}

impl std::fmt::Debug for SmsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmsKey(…)")
    }
}

/// Why a record cannot go by SMS; the phone then offers the call only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotSendable {
    #[error("only a thread's first record goes by SMS")]
    NotFirst,
    #[error("the template is not in this build's catalogue")]
    UnknownTemplate,
    #[error("an answer holds a character the text form uses itself (↵ or a carriage return)")]
    ReservedCharacter,
    #[error("the text would be over {MAX_CHARS} characters, more than the office takes")]
    TooLong,
}

impl NotSendable {
    /// What the worker reads, and what to do instead.
    pub fn text(self) -> Text {
        match self {
            NotSendable::NotFirst => Text::new(
                "只有首报可以用短信发送，续报请等有网络或打电话报告。",
                "Only a first report goes by SMS: send this one when there is signal, or report it by phone.",
            ),
            NotSendable::UnknownTemplate => Text::new(
                "此报告的模板无法用短信发送，请打电话报告。",
                "This report's form cannot go by SMS: report it by phone.",
            ),
            NotSendable::ReservedCharacter => Text::new(
                "报告里有短信无法表示的字符（↵），请打电话报告。",
                "The report holds a character an SMS cannot carry (↵): report it by phone.",
            ),
            NotSendable::TooLong => Text::new(
                "报告文字太长（超过 2000 字），一条短信带不下，请打电话报告值班室；报告已存在本机，有网络时自动发送。",
                "The report is too long for one SMS (over 2000 characters): report it to the duty office by phone; it is kept on the phone and goes by itself when there is signal.",
            ),
        }
    }
}

/// The text of `report`, sent by the account `username`, unsealed
/// (`#KB1`): what the desk may enter after calling the reporter back.
pub fn encode(report: &Report, username: &str) -> Result<String, NotSendable> {
    let (mut lines, code) = body_and_code(report, username)?;
    lines.push(format!("{CODE_MARK}{:08x} {code}", checksum(&covered(&lines, &code))));
    within_limit(lines.join("\n"))
}

/// `text`, if the office would take it ([`parse`] refuses longer ones):
/// long answers (事件经过, 已采取的措施) can outgrow a text message.
fn within_limit(text: String) -> Result<String, NotSendable> {
    if text.chars().count() > MAX_CHARS {
        return Err(NotSendable::TooLong);
    }
    Ok(text)
}

/// The text of `report`, sent by the account `username` from the phone
/// whose session `key` is, sealed (`#KB2`).
pub fn encode_sealed(report: &Report, username: &str, key: &SmsKey) -> Result<String, NotSendable> {
    let (mut lines, code) = body_and_code(report, username)?;
    let covered = covered(&lines, &code);
    let mut mac = key.mac();
    mac.update(&covered);
    let seal = mac.finalize().into_bytes();
    lines.push(format!(
        "{SEALED_MARK}{:08x} {} {code}",
        checksum(&covered),
        hex(&seal[..SEAL_BYTES])
    ));
    within_limit(lines.join("\n"))
}

/// The title and answer lines of `report`'s text, and its code fields.
fn body_and_code(report: &Report, username: &str) -> Result<(Vec<String>, String), NotSendable> {
    if report.stage != Stage::Initial || report.thread.is_some_and(|t| t != report.id) {
        return Err(NotSendable::NotFirst);
    }
    let template = catalogue::find(&report.template_id, report.template_version).ok_or(NotSendable::UnknownTemplate)?;
    let mut lines = vec![format!("{TITLE_MARK}{}", template.title.zh)];
    for blank in template.blanks {
        if let Some(value) = answer_text(blank.kind, blank.id, &report.answers) {
            lines.push(format!("{}{COLON}{}", blank.label.zh, escape(&value)?));
        }
    }
    if let Some(reason) = report
        .grade
        .as_ref()
        .map(|g| g.reason.as_str())
        .filter(|r| !r.is_empty())
    {
        lines.push(format!("{REASON_LABEL}{COLON}{}", escape(reason)?));
    }
    let code = code_fields(report, username);
    Ok((lines, code))
}

/// What the checksum and the seal cover: the title and answer lines, each
/// ended by a line break, then the code fields, as they are sent.
fn covered(lines: &[impl AsRef<str>], code: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    for line in lines {
        bytes.extend_from_slice(line.as_ref().as_bytes());
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(code.as_bytes());
    bytes
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The 32 bytes of 64 hex digits (a SHA-256, a seal), or `None`.
pub(crate) fn unhex32(text: &str) -> Option<[u8; 32]> {
    let mut bytes = [0u8; 32];
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(bytes)
}

/// HMAC-SHA256 keyed by `key`: the texts' seals and keys, the receipts'
/// seals.
pub(crate) fn hmac_sha256(key: &[u8]) -> hmac::Hmac<sha2::Sha256> {
    // Never fails: HMAC pads a short key and hashes a long one.
    <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length")
}

/// The record `text` carries, or every reason it is refused (each naming
/// the field: `text` for the message as a whole).
pub fn parse(text: &str) -> Result<Parsed, Vec<FieldError>> {
    if text.chars().count() > MAX_CHARS {
        return Err(vec![error(
            "text",
            ErrorCode::TooLong,
            format!("短信过长（超过 {MAX_CHARS} 字），不是快报短信。请只粘贴快报短信原文。"),
            format!("the text is over {MAX_CHARS} characters: paste only the Kuaibao message"),
        )]);
    }
    // Phones and gateways may add lines before (a sender) or after (a
    // signature): the message runs from its title line to its code line.
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let Some(start) = lines.iter().position(|l| l.trim_start().starts_with(TITLE_MARK)) else {
        return Err(vec![error(
            "text",
            ErrorCode::Required,
            "不是完整的快报短信：找不到开头的“【快报】首报：”一行。请粘贴短信全文。",
            "not a whole Kuaibao message: its first line (【快报】首报：…) is missing; paste the whole text",
        )]);
    };
    let Some(end) = lines[start..]
        .iter()
        .position(|l| [CODE_MARK, SEALED_MARK].iter().any(|m| l.trim_start().starts_with(m)))
    else {
        return Err(vec![truncated()]);
    };
    let body: Vec<&str> = lines[start..start + end].iter().map(|l| l.trim_start()).collect();
    // The line was found by its mark after any leading blanks; what follows
    // the mark may be nothing at all (found by fuzzing).
    let line = lines[start + end].trim_start();
    let (fields, sealed) = match line.strip_prefix(SEALED_MARK) {
        Some(fields) => (fields.trim(), true),
        None => (line.strip_prefix(CODE_MARK).unwrap_or_default().trim(), false),
    };
    let Some((sum, code)) = fields.split_once(' ') else {
        return Err(vec![truncated()]);
    };
    // A sealed text's seal comes after its checksum: 16 hex digits.
    let (seal, code) = if sealed {
        match code
            .split_once(' ')
            .and_then(|(seal, code)| Some((read_seal(seal)?, code)))
        {
            Some((seal, code)) => (Some(seal), code),
            None => return Err(vec![truncated()]),
        }
    } else {
        (None, code)
    };
    let covered = covered(&body, code);
    if format!("{:08x}", checksum(&covered)) != sum.to_ascii_lowercase() {
        return Err(vec![error(
            "text",
            ErrorCode::Garbled,
            "短信内容与校验码不符：可能漏了字、被截断或被改动。请粘贴完整原文，或打电话向报告人核实。",
            "the text does not match its checksum: something is missing, cut or changed; paste the whole original or call the reporter",
        )]);
    }
    let (mut report, username) = read_code(code)?;
    let template = catalogue::find(&report.template_id, report.template_version).ok_or_else(|| {
        vec![error(
            "template_id",
            ErrorCode::UnknownTemplate,
            format!(
                "本服务器没有模板 {} 第 {} 版，请升级服务器或打电话核实。",
                report.template_id, report.template_version
            ),
            format!(
                "this server has no template {} version {}",
                report.template_id, report.template_version
            ),
        )]
    })?;
    let mut errors = Vec::new();
    let mut reason = String::new();
    for (i, line) in body.iter().enumerate().skip(1) {
        let n = i + 1;
        let Some((label, value)) = line.split_once(COLON) else {
            errors.push(line_error(n, line));
            continue;
        };
        let value = unescape(value);
        if label == REASON_LABEL {
            reason = value;
            continue;
        }
        let Some(blank) = template.blanks.iter().find(|b| b.label.zh == label) else {
            errors.push(line_error(n, line));
            continue;
        };
        match answer_values(blank.kind, blank.id, &value) {
            Some(pairs) => {
                for (key, value) in pairs {
                    if report.answers.insert(key, value).is_some() {
                        errors.push(error(
                            blank.id,
                            ErrorCode::UnknownField,
                            format!("第 {n} 行：“{label}”出现了两次"),
                            format!("line {n}: “{label}” appears twice"),
                        ));
                    }
                }
            }
            None => errors.push(error(
                blank.id,
                ErrorCode::UnknownOption,
                format!("第 {n} 行：“{value}”不是“{label}”的选项"),
                format!("line {n}: “{value}” is not an option of “{label}”"),
            )),
        }
    }
    if let Some(grade) = report.grade.as_mut() {
        grade.reason = reason;
    }
    if errors.is_empty() {
        let seal = seal.map(|mac| Seal { covered, mac });
        Ok(Parsed { report, username, seal })
    } else {
        Err(errors)
    }
}

/// Whether `full`, a record the app sends, is the record an SMS stored as
/// `by_sms`: the same text would have carried it, so it only adds what SMS
/// cannot (its photos). Who sent each is the caller's to compare.
pub fn completes(by_sms: &Report, full: &Report) -> bool {
    encode(full, "-")
        .ok()
        .and_then(|text| parse(&text).ok())
        .is_some_and(|parsed| parsed.report == *by_sms)
}

/// How many SMS parts the text takes: Chinese goes as UCS-2, 70 characters
/// in one message or 67 in each part of a long one.
pub fn parts(text: &str) -> usize {
    match text.encode_utf16().count() {
        n if n <= 70 => 1,
        n => n.div_ceil(67),
    }
}

/// The code line after the mark and checksum.
fn code_fields(report: &Report, username: &str) -> String {
    let grade = report.grade.as_ref().map_or_else(
        || "-".to_owned(),
        |g| format!("{}/{}", g.suggested.code(), g.chosen.code()),
    );
    let clock = report
        .clock_offset_ms
        .map_or_else(|| "-".to_owned(), |ms| ms.to_string());
    let written = timestamp::format(
        &report.written_at.naive_local(),
        Some(report.written_at.offset().local_minus_utc()),
    );
    format!(
        "{} {}.{} {written} {grade} {clock} @{}",
        report.id, report.template_id, report.template_version, username
    )
}

/// CRC-32 of what the text [`covered`] (no table: a few hundred bytes
/// hashed once).
fn checksum(covered: &[u8]) -> u32 {
    const CRC: crc::Crc<u32, crc::NoTable> = crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);
    CRC.checksum(covered)
}

/// A seal as written: 16 hex digits.
fn read_seal(text: &str) -> Option<[u8; SEAL_BYTES]> {
    if text.len() != 2 * SEAL_BYTES || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(text, 16).ok().map(u64::to_be_bytes)
}

/// The record and username of the code fields (after the checksum).
fn read_code(code: &str) -> Result<(Report, String), Vec<FieldError>> {
    let (fields, username) = code.split_once(" @").unwrap_or((code, ""));
    let username = username.trim();
    let fields: Vec<&str> = fields.split(' ').collect();
    let mut errors = Vec::new();
    if username.is_empty() {
        errors.push(error(
            "username",
            ErrorCode::Required,
            "短信末行缺少报告人账号（@用户名）",
            "the code line names no account (@username)",
        ));
    }
    let [id, template, written, grade, clock] = fields[..] else {
        return Err(vec![truncated()]);
    };
    let id = id.parse::<ReportId>().ok();
    if id.is_none() {
        errors.push(error(
            "id",
            ErrorCode::BadId,
            "短信中的报告编号有误",
            "the report id is not a UUID",
        ));
    }
    let template = template
        .rsplit_once('.')
        .and_then(|(t, v)| Some((t.to_owned(), v.parse::<u32>().ok()?)));
    if template.is_none() {
        errors.push(error(
            "template_id",
            ErrorCode::UnknownTemplate,
            "短信中的模板编号有误",
            "the template is not written as id.version",
        ));
    }
    let written = timestamp::parse_rfc3339(written);
    if written.is_none() {
        errors.push(error(
            "written_at",
            ErrorCode::BadDateTime,
            "短信中的填报时间有误",
            "the writing time is not an RFC 3339 time",
        ));
    }
    let grade = match grade {
        "-" => Some(None),
        g => g.split_once('/').and_then(|(s, c)| {
            Some(Some(GradeDecision {
                suggested: Grade::from_code(s)?,
                chosen: Grade::from_code(c)?,
                reason: String::new(),
            }))
        }),
    };
    if grade.is_none() {
        errors.push(error(
            "grade",
            ErrorCode::GradeMismatch,
            "短信中的等级有误",
            "the grade is not suggested/chosen",
        ));
    }
    let clock = match clock {
        "-" => Some(None),
        ms => ms.parse::<i64>().ok().map(Some),
    };
    if clock.is_none() {
        errors.push(error(
            "clock_offset_ms",
            ErrorCode::NotAWholeNumber,
            "短信中的时钟偏差有误",
            "the clock offset is not a whole number",
        ));
    }
    match (id, template, written, grade, clock) {
        (Some(id), Some((template_id, template_version)), Some(written_at), Some(grade), Some(clock))
            if errors.is_empty() =>
        {
            Ok((
                Report {
                    id,
                    thread: None,
                    thread_key: None,
                    stage: Stage::Initial,
                    template_id,
                    template_version,
                    answers: Answers::new(),
                    written_at,
                    grade,
                    photos: Vec::new(),
                    clock_offset_ms: clock,
                },
                username.to_owned(),
            ))
        }
        _ => Err(errors),
    }
}

/// The answer of one blank as the text shows it; `None` when unanswered
/// (photos never are: they follow with the app).
fn answer_text(kind: BlankKind, id: &str, answers: &Answers) -> Option<String> {
    let given = |key: &str| answers.get(key).filter(|v| !v.is_empty()).cloned();
    match kind {
        BlankKind::Photos { .. } => None,
        BlankKind::GeoPoint => {
            let (lat, lon) = geo_keys(id);
            let (lat, lon) = (given(&lat), given(&lon));
            (lat.is_some() || lon.is_some()).then(|| format!("{},{}", lat.unwrap_or_default(), lon.unwrap_or_default()))
        }
        BlankKind::DateTime => given(id).map(|v| v.replacen('T', " ", 1)),
        BlankKind::Choice { options } => given(id).map(|v| option_label(options, &v)),
        BlankKind::MultiChoice { options } => given(id).map(|v| {
            v.split(',')
                .map(|o| option_label(options, o))
                .collect::<Vec<_>>()
                .join(OPTION_SEPARATOR)
        }),
        _ => given(id),
    }
}

/// The answers one line gives back, by key; `None` for an unknown option.
fn answer_values(kind: BlankKind, id: &str, text: &str) -> Option<Vec<(String, String)>> {
    let one = |value: String| Some(vec![(id.to_owned(), value)]);
    match kind {
        BlankKind::GeoPoint => {
            let (lat_key, lon_key) = geo_keys(id);
            let (lat, lon) = text.split_once(',').unwrap_or((text, ""));
            Some(
                [(lat_key, lat), (lon_key, lon)]
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (k, v.to_owned()))
                    .collect(),
            )
        }
        BlankKind::DateTime => one(text.replacen(' ', "T", 1)),
        BlankKind::Choice { options } => one(option_value(options, text)?),
        BlankKind::MultiChoice { options } => one(text
            .split(OPTION_SEPARATOR)
            .map(|label| option_value(options, label))
            .collect::<Option<Vec<_>>>()?
            .join(",")),
        _ => one(text.to_owned()),
    }
}

/// An option's Chinese label; a value the catalogue lacks stays as it is
/// (the checksum still holds, and validation names it).
fn option_label(options: &[ChoiceOption], value: &str) -> String {
    options
        .iter()
        .find(|o| o.value == value)
        .map_or_else(|| value.to_owned(), |o| o.label.zh.to_owned())
}

fn option_value(options: &[ChoiceOption], label: &str) -> Option<String> {
    options
        .iter()
        .find(|o| o.label.zh == label || o.value == label)
        .map(|o| o.value.to_owned())
}

fn escape(value: &str) -> Result<String, NotSendable> {
    if value.contains([NEWLINE, '\r']) {
        return Err(NotSendable::ReservedCharacter);
    }
    Ok(value.replace('\n', &NEWLINE.to_string()))
}

fn unescape(value: &str) -> String {
    value.replace(NEWLINE, "\n")
}

fn truncated() -> FieldError {
    error(
        "text",
        ErrorCode::Garbled,
        "短信不完整：末行的“#KB”编号缺失或不全，可能被截断。请粘贴完整原文，或打电话向报告人核实。",
        "the text is incomplete: its last line (#KB1 … or #KB2 …) is missing or cut; paste the whole original or call the reporter",
    )
}

fn line_error(n: usize, line: &str) -> FieldError {
    let shown: String = line.chars().take(20).collect();
    error(
        "text",
        ErrorCode::UnknownField,
        format!("第 {n} 行“{shown}”不是此报告的一项"),
        format!("line {n} (“{shown}”) is not a blank of this report"),
    )
}

fn error(field: &str, code: ErrorCode, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new(field, code, zh, en)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::examples;

    /// The example first record of every template that has one, with a
    /// grade override and a clock offset where they apply.
    fn firsts() -> Vec<Report> {
        catalogue::offered()
            .into_iter()
            .filter(|t| t.family.allows(Stage::Initial))
            .map(|t| {
                let mut report = examples::report(t, Stage::Initial);
                report.clock_offset_ms = Some(-1250);
                report
            })
            .collect()
    }

    fn without_photos(report: &Report) -> Report {
        Report {
            photos: Vec::new(),
            ..report.clone()
        }
    }

    #[test]
    fn every_first_record_comes_back_from_its_text_as_sent_but_for_photos() {
        let reports = firsts();
        assert!(reports.len() > 5, "the catalogue offers first records");
        for report in reports {
            let text = encode(&report, "张 三").expect("a first record is sendable");
            let parsed = parse(&text).unwrap_or_else(|e| panic!("{}: {e:?}\n{text}", report.template_id));
            assert_eq!(parsed.report, without_photos(&report), "{text}");
            assert_eq!(parsed.username, "张 三");
            assert!(completes(&parsed.report, &report));
        }
    }

    #[test]
    fn a_sealed_text_is_sealed_by_its_sessions_key_and_no_other() {
        let key = SmsKey::of_token("the-phones-session-token");
        let other = SmsKey::of_token("another-session-token");
        for report in firsts() {
            let text = encode_sealed(&report, "张 三", &key).expect("sendable");
            assert!(text.lines().last().is_some_and(|l| l.starts_with("#KB2 ")), "{text}");
            let parsed = parse(&text).unwrap_or_else(|e| panic!("{}: {e:?}\n{text}", report.template_id));
            assert_eq!(parsed.report, without_photos(&report), "{text}");
            assert_eq!(parsed.username, "张 三");
            assert!(parsed.sealed_by(&key), "{text}");
            assert!(!parsed.sealed_by(&other), "another session's key");
            // The same record unsealed carries no seal, and is the same record.
            let plain = parse(&encode(&report, "张 三").expect("sendable")).expect("parses");
            assert_eq!((plain.report, plain.seal.is_none()), (parsed.report, true));
        }
    }

    /// A session's key is derived under the server's secret: what the
    /// database keeps (the token's SHA-256) does not seal, nor does the
    /// same digest under another secret.
    #[test]
    fn a_derived_key_needs_the_servers_secret() {
        let digest = SmsKey::of_token("the-phones-session-token");
        let secret = b"a-seal-secret-of-32-characters-at-least";
        let key = SmsKey::derived(secret, &digest);
        assert_eq!(key, SmsKey::derived(secret, &digest), "the same each time");
        assert_eq!(SmsKey::from_hex(&key.to_hex()), Some(key.clone()), "handed over in hex");
        let report = firsts().remove(0);
        let parsed = parse(&encode_sealed(&report, "张 三", &key).expect("sendable")).expect("parses");
        assert!(parsed.sealed_by(&key));
        assert!(!parsed.sealed_by(&digest), "the database's digest is not the key");
        assert!(!parsed.sealed_by(&SmsKey::derived(b"another-secret-of-32-characters-or-more", &digest)));
    }

    #[test]
    fn a_text_changed_with_its_checksum_made_anew_keeps_no_seal() {
        // The checksum is public: a forger can make it again, not the seal.
        let key = SmsKey::of_token("the-phones-session-token");
        let report = firsts().remove(0);
        let text = encode_sealed(&report, "u", &key).expect("sendable");
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let code_line = lines.pop().expect("a code line");
        let fields: Vec<&str> = code_line.split(' ').collect();
        let [_, _, seal, ..] = fields[..] else {
            panic!("{code_line}")
        };
        let code = fields[3..].join(" ");
        let changed = lines[1].clone() + "（改）";
        lines[1] = changed;
        let forged = format!(
            "{}\n#KB2 {:08x} {seal} {code}",
            lines.join("\n"),
            checksum(&covered(&lines, &code))
        );
        let parsed = parse(&forged).expect("the checksum holds");
        assert!(!parsed.sealed_by(&key), "{forged}");
        // Another seal on the true text fails too.
        let reseal = text.replace(seal, "0123456789abcdef");
        assert!(!parse(&reseal).expect("parses").sealed_by(&key));
    }

    #[test]
    fn a_seal_cut_short_is_a_text_cut_short() {
        let key = SmsKey::of_token("t");
        let text = encode_sealed(&firsts().remove(0), "u", &key).expect("sendable");
        let code_line = text.lines().last().expect("a code line").to_owned();
        let seal = code_line.split(' ').nth(2).expect("a seal").to_owned();
        for cut in [&seal[..15], "0123456789abcdeg", ""] {
            let broken = text.replace(&format!(" {seal} "), &format!(" {cut} "));
            let errors = parse(&broken).expect_err("refused");
            assert_eq!(errors[0].code, ErrorCode::Garbled, "{cut}: {errors:?}");
        }
    }

    #[test]
    fn the_key_is_the_tokens_digest_as_the_server_keeps_it() {
        use sha2::Digest;
        let token = "a-session-token";
        let kept = format!("{:x}", sha2::Sha256::digest(token.as_bytes()));
        assert_eq!(SmsKey::from_hex(&kept), Some(SmsKey::of_token(token)));
        assert_eq!(SmsKey::from_hex(&kept.to_uppercase()), Some(SmsKey::of_token(token)));
        for bad in ["", &kept[1..], &format!("{}g", &kept[1..]), &format!("+{}", &kept[1..])] {
            assert_eq!(SmsKey::from_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_text_reads_as_labels_and_answers_with_choices_by_their_names() {
        let template = catalogue::offered()
            .into_iter()
            .find(|t| t.blanks.iter().any(|b| matches!(b.kind, BlankKind::Choice { .. })))
            .expect("a template with a choice");
        let report = examples::report(template, Stage::Initial);
        let text = encode(&report, "u").expect("sendable");
        assert!(
            text.starts_with(&format!("【快报】首报：{}\n", template.title.zh)),
            "{text}"
        );
        for blank in template.blanks {
            if let BlankKind::Choice { options } = blank.kind {
                if let Some(value) = report.answers.get(blank.id) {
                    let option = options.iter().find(|o| o.value == *value).expect("a listed option");
                    assert!(
                        text.contains(&format!("{}：{}", blank.label.zh, option.label.zh)),
                        "{text}"
                    );
                }
            }
        }
        let last = text.lines().last().expect("a code line");
        assert!(last.starts_with("#KB1 ") && last.contains(&report.id.to_string()) && last.ends_with(" @u"));
    }

    #[test]
    fn a_line_break_in_an_answer_survives_and_a_reserved_character_is_not_sendable() {
        let mut report = firsts().remove(0);
        let template = catalogue::find(&report.template_id, report.template_version).expect("template");
        let long = template
            .blanks
            .iter()
            .find(|b| matches!(b.kind, BlankKind::LongText { .. } | BlankKind::Text { .. }))
            .expect("a text blank");
        report.answers.insert(long.id.to_owned(), "第一行\n第二行".to_owned());
        let parsed = parse(&encode(&report, "u").expect("sendable")).expect("parses");
        assert_eq!(
            parsed.report.answers.get(long.id).map(String::as_str),
            Some("第一行\n第二行")
        );

        report.answers.insert(long.id.to_owned(), "箭头↵".to_owned());
        assert_eq!(encode(&report, "u"), Err(NotSendable::ReservedCharacter));
    }

    #[test]
    fn a_text_the_office_would_refuse_as_too_long_is_not_sendable() {
        // Every text blank at its longest: what the phone offers is what
        // the office takes, or it says to call.
        let key = SmsKey::of_token("the-phones-session-token");
        let mut too_long = 0;
        for mut report in firsts() {
            let template = catalogue::find(&report.template_id, report.template_version).expect("template");
            for blank in template.blanks {
                if let BlankKind::Text { max_chars } | BlankKind::LongText { max_chars } = blank.kind {
                    report.answers.insert(blank.id.to_owned(), "字".repeat(max_chars));
                }
            }
            match encode(&report, "u") {
                Ok(text) => {
                    assert!(parse(&text).is_ok(), "{}: offered, then refused", report.template_id);
                    let sealed = encode_sealed(&report, "u", &key).expect("as sendable sealed");
                    assert!(
                        parse(&sealed).is_ok(),
                        "{}: sealed, offered, then refused",
                        report.template_id
                    );
                }
                Err(e) => {
                    assert_eq!(e, NotSendable::TooLong, "{}", report.template_id);
                    assert_eq!(encode_sealed(&report, "u", &key), Err(NotSendable::TooLong));
                    assert!(
                        e.text().zh.contains("打电话报告值班室"),
                        "says what to do: {}",
                        e.text().zh
                    );
                    too_long += 1;
                }
            }
        }
        assert!(too_long > 0, "some first record can outgrow a text message");
    }

    #[test]
    fn only_a_first_record_goes_by_sms() {
        let first = firsts().remove(0);
        let mut later = first.clone();
        later.stage = Stage::FollowUp { n: 1 };
        later.thread = Some(ReportId::from_parts(1, [1; 10]));
        assert_eq!(encode(&later, "u"), Err(NotSendable::NotFirst));
    }

    #[test]
    fn a_text_cut_short_or_changed_is_refused_whole_with_a_reason() {
        let report = firsts().remove(0);
        let text = encode(&report, "u").expect("sendable");
        // Cut anywhere: the code line is last, so it goes or breaks first.
        for keep in [text.len() / 3, text.len() / 2, text.len() - 3] {
            let cut = (0..=keep).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let errors = parse(&text[..cut]).expect_err("cut text refused");
            assert!(
                errors.iter().any(|e| e.field == "text" && e.zh.contains("不")),
                "{errors:?}"
            );
        }
        // One character changed in an answer.
        let changed = text.replacen("：", "：x", 1);
        let errors = parse(&changed).expect_err("changed text refused");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].zh.contains("校验码"), "{errors:?}");
        // Not a Kuaibao text at all, and a flood.
        assert!(parse("你好，明天见").is_err());
        assert!(parse(&"字".repeat(MAX_CHARS + 1)).expect_err("too long")[0]
            .zh
            .contains("过长"));
    }

    #[test]
    fn a_code_line_with_nothing_after_its_mark_is_refused_as_cut() {
        // The fuzzer's find: `#KB1 ` and then the end of the line.
        for text in [
            "【快报】首报：火灾\n#KB1 ",
            "【快报】首报：火灾\n#KB1 \n",
            "【快报】首报：火灾\n  #KB1    ",
        ] {
            let errors = parse(text).expect_err("refused");
            assert_eq!(
                (errors[0].field.as_str(), errors[0].code),
                ("text", ErrorCode::Garbled),
                "{text:?}"
            );
        }
    }

    #[test]
    fn lines_a_phone_or_gateway_adds_around_the_message_are_ignored() {
        let report = firsts().remove(0);
        let text = encode(&report, "u").expect("sendable").replace('\n', "\r\n");
        let wrapped = format!("发件人：13800138000\r\n{text}\r\n【某某网关】\n");
        assert_eq!(parse(&wrapped).expect("parses").report, without_photos(&report));
    }

    #[test]
    fn a_record_the_app_sends_later_completes_the_sms_one_only_if_it_says_the_same() {
        let mut full = firsts()
            .into_iter()
            .find(|r| !examples::photos(catalogue::find(&r.template_id, r.template_version).expect("t")).is_empty())
            .expect("a template with photos");
        full.photos = examples::photos(catalogue::find(&full.template_id, full.template_version).expect("t"));
        let by_sms = parse(&encode(&full, "u").expect("sendable")).expect("parses").report;
        assert!(completes(&by_sms, &full));
        let mut other = full.clone();
        let key = other.answers.keys().next().expect("an answer").clone();
        other.answers.insert(key, "另一个答案".into());
        assert!(!completes(&by_sms, &other));
    }

    #[test]
    fn labels_and_options_read_back_unambiguously_in_every_template() {
        for template in catalogue::all() {
            let mut seen = vec![REASON_LABEL];
            for blank in template.blanks {
                assert!(!blank.label.zh.contains(COLON), "{}: {}", template.id, blank.label.zh);
                if matches!(blank.kind, BlankKind::Photos { .. }) {
                    continue;
                }
                assert!(
                    !seen.contains(&blank.label.zh),
                    "{}: label {} twice",
                    template.id,
                    blank.label.zh
                );
                seen.push(blank.label.zh);
                if let BlankKind::Choice { options } | BlankKind::MultiChoice { options } = blank.kind {
                    for o in options {
                        assert!(
                            !o.label.zh.contains(OPTION_SEPARATOR),
                            "{}: {}",
                            template.id,
                            o.label.zh
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_number_is_the_same_phone_with_or_without_chinas_country_code() {
        for same in ["13800138000", "+86 138-0013-8000", "008613800138000", "86 13800138000"] {
            assert_eq!(phone_digits(same), "13800138000", "{same}");
        }
        assert_eq!(phone_digits("010-6655 1234"), "01066551234");
        let message = |from: &str| SmsMessage {
            text: String::new(),
            from: Some(from.to_owned()),
        };
        assert!(message("+86 138 0013 8000").check().is_empty());
        assert_eq!(message("not a phone").check()[0].field, "from");
        assert_eq!(message(&"1".repeat(40)).check()[0].field, "from");
    }

    #[test]
    fn parts_count_as_phones_split_long_chinese_messages() {
        assert_eq!(parts(&"字".repeat(70)), 1);
        assert_eq!(parts(&"字".repeat(71)), 2);
        assert_eq!(parts(&"字".repeat(134)), 2);
        assert_eq!(parts(&"字".repeat(135)), 3);
    }
}
