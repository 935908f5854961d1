use kuaibao_core::ReportId;
use leptos::prelude::*;

use crate::components::on;
use crate::photo::media::{start_voice, stop_voice, voice_supported};
use crate::state::AppState;
use crate::words;

/// 录音 at a photo blank: records a voice note with `MediaRecorder` (at
/// most five minutes, then it stops itself) and adds it as the blank's
/// evidence. Where the browser cannot record, the button is disabled and
/// says why in the worker's language; the rest of the form works as ever.
#[component]
pub fn VoiceButton(report_id: ReportId, blank: &'static str) -> impl IntoView {
    let state = expect_context::<AppState>();
    let supported = voice_supported();
    let recording = RwSignal::new(false);
    let toggle = move |_| {
        if recording.get_untracked() {
            stop_voice();
            return;
        }
        recording.set(true);
        leptos::task::spawn_local(async move {
            // `try_`: a recording may end (at its cap) after the worker
            // left the form; the note still goes to its report.
            let started = start_voice(move |file| {
                let _ = recording.try_set(false);
                state.add_photos(report_id, blank, vec![file]);
            })
            .await;
            if let Err(e) = started {
                let _ = recording.try_set(false);
                // What the browser said (refused, no microphone) is for the
                // console; the worker reads what to do.
                leptos::logging::warn!("recording: {e}");
                state.photo_note.set(Some(state.t(words::VOICE_FAILED).to_owned()));
            }
        });
    };
    view! {
        <button type="button" class="voice" class:recording=move || recording.get() disabled=!supported
            aria-pressed=move || recording.get().to_string() data-testid=format!("voice-{blank}") on:click=on(toggle)>
            {state.tr_if(recording, words::STOP_VOICE, words::RECORD_VOICE)}
        </button>
        {(!supported).then(|| view! { <p class="note" data-testid="voice-unsupported">{state.tr(words::NO_VOICE)}</p> })}
    }
}
