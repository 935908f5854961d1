use kuaibao_core::wire::sms;
use leptos::prelude::*;

use crate::components::Shown;
use crate::state::AppState;
use crate::store::{LocalReport, Status};
use crate::words;

/// 「发短信报送首报」: while a first record waits for data and there is no
/// signal for it (or sending failed), the worker can send it as one text
/// message (`sms:`) to the office's SMS number (or, without one, the duty
/// phone). The text carries the record itself (see `kuaibao_core::wire::sms`), so
/// the office stores the very record, under its id; the app still sends its
/// copy with the photos when data returns, and it is one report.
#[component]
pub fn SmsButton(report: LocalReport) -> impl IntoView {
    let state = expect_context::<AppState>();
    // Sent under the account that submitted it, as the app's copy will be,
    // and sealed with this phone's session when it is that account's: the
    // gateway takes only sealed texts; the desk may enter an unsealed one
    // after calling back.
    let username = report.author.as_ref().map(|a| a.username.clone());
    let key = username.as_ref().and_then(|u| {
        state.session.with_untracked(|s| {
            s.as_ref()
                .filter(|s| s.session.account.username == *u)
                // The key the server handed with the session; a session
                // from before seals with its token's SHA-256.
                .map(|s| match s.session.sms_key.as_deref().and_then(sms::SmsKey::from_hex) {
                    Some(key) => key,
                    None => sms::SmsKey::of_token(&s.session.token),
                })
        })
    });
    let Some(text) = report.submission().zip(username).map(|(r, u)| match &key {
        Some(key) => sms::encode_sealed(&r, &u, key),
        None => sms::encode(&r, &u),
    }) else {
        return ().into_any();
    };
    let failing = matches!(
        &report.status,
        Status::Waiting {
            last_error: Some(_),
            ..
        }
    );
    let waiting = matches!(report.status, Status::Waiting { .. } | Status::Sending { .. });
    let shown = move || waiting && (failing || !state.online.get());
    let number = move || {
        state.session.with(|s| {
            s.as_ref()
                .and_then(|s| s.session.sms_number.clone().or_else(|| s.session.duty_phone.clone()))
        })
    };
    view! {
        <Shown when=shown>
            <section class="sms" data-testid="sms">
                {match text.clone() {
                    Ok(text) => {
                        let parts = sms::parts(&text);
                        let body = String::from(js_sys::encode_uri_component(&text));
                        let href = move || {
                            let to = number().map(|n| n.replace([' ', '-'], "")).unwrap_or_default();
                            // `?&body=`: Android reads `?body=`, iOS `&body=`; both accept this.
                            format!("sms:{to}?&body={body}")
                        };
                        let preview = text.clone();
                        view! {
                            <a class="button big" href=href data-testid="sms-send">
                                {state.tr(words::SMS_SEND)}
                                " "<span class="parts">{crate::components::text(move || state.t(words::SMS_PARTS).replace("{n}", &parts.to_string()))}</span>
                            </a>
                            <p class="hint">{state.tr(words::SMS_HINT)}</p>
                            <Shown when=move || number().is_none()>
                                <p class="hint warn" data-testid="sms-no-number">{state.tr(words::SMS_NO_NUMBER)}</p>
                            </Shown>
                            <details>
                                <summary>{state.tr(words::SMS_SHOW_TEXT)}</summary>
                                <pre class="sms-text" data-testid="sms-text">{preview}</pre>
                            </details>
                        }
                        .into_any()
                    }
                    Err(why) => view! { <p class="hint" data-testid="sms-not-sendable">{state.tr(why.text())}</p> }.into_any(),
                }}
            </section>
        </Shown>
    }
    .into_any()
}
