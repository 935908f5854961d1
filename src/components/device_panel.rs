use leptos::prelude::*;

use crate::state::AppState;
use crate::words;

/// Storage persistence, space used and offline readiness, where the user can
/// find them: she should know whether the phone may lose her reports.
#[component]
pub fn DevicePanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let persisted = move || match state.storage.get().persisted {
        Some(true) => state.t(words::STORAGE_PERSISTED),
        Some(false) => state.t(words::STORAGE_NOT_PERSISTED),
        None => state.t(words::STORAGE_UNKNOWN),
    };
    let usage = move || {
        let info = state.storage.get();
        info.usage_bytes.map(|used| match info.quota_bytes {
            Some(quota) => format!(
                "{}：{} / {}",
                state.t(words::STORAGE_USED),
                human_bytes(used),
                human_bytes(quota)
            ),
            None => format!("{}：{}", state.t(words::STORAGE_USED), human_bytes(used)),
        })
    };
    let offline = move || match state.offline_ready.get() {
        Some(false) => state.t(words::OFFLINE_NOT_READY),
        _ => state.t(words::OFFLINE_READY),
    };
    view! {
        <section class="device" aria-labelledby="device-title">
            <h2 id="device-title">{move || state.t(words::DEVICE)}</h2>
            <p data-testid="storage-persisted">{persisted}</p>
            <p data-testid="storage-usage">{usage}</p>
            <p>{offline}</p>
        </section>
    }
}

fn human_bytes(bytes: f64) -> String {
    const KB: f64 = 1024.0;
    if bytes < KB * KB {
        format!("{:.0} KB", bytes / KB)
    } else if bytes < KB * KB * KB {
        format!("{:.1} MB", bytes / KB / KB)
    } else {
        format!("{:.1} GB", bytes / KB / KB / KB)
    }
}
