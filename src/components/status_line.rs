use kuaibao_core::wire::protocol::Receipt;
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::{FieldError, Lang, Text};
use leptos::prelude::*;

use crate::components::dynamic;
use crate::state::AppState;
use crate::store::{LocalReport, Status};
use crate::sync::NEED_LOGIN_NOTE;

fn status_is_draft(status: &Status) -> bool {
    *status == Status::Draft
}
use crate::words;

/// Where a report stands: draft, waiting (and why), sending, delivered (with
/// the server's receipt time) or rejected (with the reason).
#[component]
pub fn StatusLine(
    /// The report whose state to show.
    report: LocalReport,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let status = report.status.clone();
    let report_id = report.id;
    // "照片 1/3": how many of a submitted report's photos the server holds.
    let photos = move || {
        if status_is_draft(&report.status) {
            return None;
        }
        state.photos.with(|ps| {
            let mine: Vec<_> = ps.iter().filter(|p| p.report_id == report_id).collect();
            let done = mine.iter().filter(|p| p.upload == crate::store::Upload::Done).count();
            (!mine.is_empty()).then(|| format!("{} {done}/{}", state.t(words::PHOTOS_ARRIVED), mine.len()))
        })
    };
    // Submitted under another account than the one logged in now: it waits
    // for that user, and says so.
    let author = report.author.clone();
    let other_author = move || {
        let author = author.as_ref()?;
        let mine = state
            .session
            .with(|s| s.as_ref().is_some_and(|s| s.session.account.id == author.account_id));
        (!mine).then(|| author.username.clone())
    };
    // Held back by its first record's refusal (`sync::outbox`): say what
    // to fix.
    let thread = report.thread;
    let behind_refusal = move || {
        thread.is_some_and(|first| {
            state
                .reports
                .with(|rs| rs.iter().any(|r| r.id == first && r.holds_its_thread_back()))
        })
    };
    let by_office = report.by_office.clone();
    dynamic(move || {
        let t = |w| state.t(w);
        let badge = t(if by_office.is_some() {
            words::BY_OFFICE
        } else {
            status_word(&status)
        });
        let (class, detail) = match &status {
            Status::Draft => (
                "draft",
                other_author()
                    .map(|who| t(words::DRAFT_OF_ANOTHER).replace("{who}", &who))
                    .unwrap_or_default(),
            ),
            Status::Waiting { last_error, .. } => (
                "waiting",
                match (other_author(), last_error) {
                    (Some(who), _) => format!("{} {who}，{}", t(words::SUBMITTED_BY), t(words::WAITS_FOR_AUTHOR)),
                    // A refused session is not a failed try: say what to do.
                    (None, Some(e)) if e == NEED_LOGIN_NOTE => t(words::NEEDS_LOGIN).to_owned(),
                    (None, _) if behind_refusal() => t(words::WAITS_FOR_FIRST_FIX).to_owned(),
                    (None, Some(e)) => {
                        let lang = state.lang.get();
                        let (colon, stop) = if lang == Lang::Zh { ("：", "。") } else { (": ", ". ") };
                        let e = words::send_note(e, lang);
                        format!("{}{colon}{e}{stop}{}", t(words::LAST_ERROR), t(words::NEXT_TRY))
                    }
                    (None, None) => String::new(),
                },
            ),
            Status::Sending { .. } => ("sending", String::new()),
            Status::Delivered { receipt, .. } => (
                "delivered",
                match by_office.as_deref().filter(|name| !name.is_empty()) {
                    Some(name) => format!("{} {name} · {}", t(words::FILED_BY), receipt_text(receipt, t)),
                    None => receipt_text(receipt, t),
                },
            ),
            Status::Rejected { reason, fields, .. } => ("rejected", refusal_text(reason, fields, state.lang.get())),
        };
        view! {
            <p class=format!("status {class}") data-testid="report-status" data-state=class>
                <span class="badge">{badge}</span>
                {photos().map(|p| view! { <span class="photo-progress" data-testid="photo-progress">{p}</span> })}
                <span class="detail">{detail}</span>
            </p>
        }
        .into_any()
    })
}

/// A report's state in a word: 草稿, 等待发送, 发送中, 已送达, 被退回.
pub fn status_word(status: &Status) -> Text {
    match status {
        Status::Draft => words::DRAFT,
        Status::Waiting { .. } => words::WAITING,
        Status::Sending { .. } => words::SENDING,
        Status::Delivered { .. } => words::DELIVERED,
        Status::Rejected { .. } => words::REJECTED,
    }
}

/// Why the server refused a record, in the worker's words: the sentence of
/// each of its errors (each names its blank, some no blank shows), or the
/// server's summary where it gave none.
fn refusal_text(reason: &str, fields: &[FieldError], lang: Lang) -> String {
    if fields.is_empty() {
        return reason.to_owned();
    }
    fields.iter().map(|e| e.message(lang)).collect::<Vec<_>>().join("；")
}

/// A receipt as the worker reads it: when the office's server received the
/// record (Beijing time; by SMS first, if so) and its number there.
pub fn receipt_text(receipt: &Receipt, t: impl Fn(Text) -> &'static str) -> String {
    format!(
        "{} {}{} · {} {}",
        t(words::RECEIVED_AT),
        crate::timefmt::ymd_hms(&receipt.received_at.with_timezone(&beijing()).naive_local()),
        if receipt.via_sms {
            format!("（{}）", t(words::VIA_SMS))
        } else {
            String::new()
        },
        t(words::RECEIPT_NO),
        receipt.seq
    )
}
