use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::Text;
use leptos::prelude::*;

use crate::components::{dynamic, on, text, Shown};
use crate::platform;
use crate::session;
use crate::state::AppState;
use crate::store::{Delivered, Freed};
use crate::words;

/// How many photos the smaller of the two deleting buttons takes: a
/// handful, for a worker who wants room for a few more, not a clean sweep
/// (`words::PRUNE_OLDEST` says the number).
const OLDEST: u32 = 10;

/// Storage persistence, space used and offline readiness, where the user can
/// find them: she should know whether the phone may lose her reports. Also
/// who is logged in, until when, a way to log out, and the phone's clock
/// when it is far off the server's, and the deadline rules it counts by
/// (its office's, once read).
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
    let clock = move || {
        state
            .clock
            .get()
            .and_then(|c| session::describe_offset(c.offset_ms, state.lang.get()))
    };
    view! {
        <section class="device" aria-labelledby="device-title">
            <h2 id="device-title">{state.tr(words::DEVICE)}</h2>
            <Account/>
            {dynamic(move || clock().map(|text| view! { <p class="clock-offset" data-testid="clock-offset">{text}</p> }).into_any())}
            <p data-testid="rules" data-rules=move || state.rules.with(|r| r.id.clone())>
                {state.tr(words::RULES_IN_FORCE)}"："{text(move || state.rules.with(|r| r.name.get(state.lang.get()).to_owned()))}
            </p>
            <p data-testid="storage-persisted">{persisted}</p>
            <p data-testid="storage-usage">{usage}</p>
            <DeliveredPhotos/>
            <p>{offline}</p>
            <p class="build" data-testid="build">{state.tr(words::BUILD)}"："<code>{crate::crash::BUILD}</code></p>
        </section>
    }
}

/// Who is logged in (name, role, area), until when, and log out: two taps,
/// the second after saying what logging out means, because logging in again
/// needs signal.
#[component]
fn Account() -> impl IntoView {
    let state = expect_context::<AppState>();
    let confirming = RwSignal::new(false);
    let who = move || {
        state.session.with(|s| {
            s.as_ref().map(|s| {
                let a = &s.session.account;
                let lang = state.lang.get();
                format!(
                    "{}：{}（{}，{}）",
                    state.t(words::LOGGED_IN_AS),
                    a.display_name,
                    words::role_name(a.role, lang),
                    a.area.name
                )
            })
        })
    };
    let until = move || {
        state.session.with(|s| {
            s.as_ref().map(|s| {
                format!(
                    "{} {}",
                    state.t(words::SESSION_UNTIL),
                    crate::timefmt::ymd_hm(&s.session.expires_at.with_timezone(&beijing()).naive_local())
                )
            })
        })
    };
    view! {
        <Shown when=move || state.session.with(Option::is_some)>
            <div class="account" data-testid="account">
                <p data-testid="account-who">{who}</p>
                <p>{until}</p>
                <Shown when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" class="secondary" on:click=on(move |_| confirming.set(true))>
                            {state.tr(words::LOGOUT)}
                        </button>
                    }>
                    <p class="warning" role="alert">
                        {state.tr(words::LOGOUT_WARNING)}
                        {move || (!state.online.get()).then(|| format!(" {}", state.t(words::LOGOUT_OFFLINE)))}
                    </p>
                    <div class="row">
                        <button type="button" class="danger" on:click=on(move |_| {
                            confirming.set(false);
                            state.logout();
                        })>{state.tr(words::LOGOUT_CONFIRM)}</button>
                        <button type="button" class="secondary" on:click=on(move |_| confirming.set(false))>
                            {state.tr(words::CANCEL)}
                        </button>
                    </div>
                </Shown>
            </div>
        </Shown>
    }
}

/// The delivered photos still on the phone, and deleting their originals to
/// free space: two taps, the first saying what goes and that the office
/// keeps them. Which ones go is the store's choice (`store::prune`).
#[component]
fn DeliveredPhotos() -> impl IntoView {
    let state = expect_context::<AppState>();
    let delivered = RwSignal::new(Delivered::default());
    // The choice awaiting its second tap: at most how many photos.
    let confirming = RwSignal::new(None::<u32>);
    let note = RwSignal::new(None::<String>);
    // Counts (0) or deletes and counts what is left: one future for both.
    let prune = move |at_most: u32| {
        leptos::task::spawn_local(async move {
            match state.store().prune_delivered(at_most).await {
                Ok((freed, left)) => {
                    delivered.set(left);
                    if at_most > 0 {
                        note.set(Some(said(state, words::PRUNED, freed)));
                    }
                }
                Err(e) => note.set(Some(e.message(state.lang.get_untracked()))),
            }
        });
    };
    // Counted again whenever a photo's record changes: one was delivered.
    // (The panel itself is drawn only once every report is read: see
    // `app::Shell`.)
    Effect::new(move |_| {
        state.photos.track();
        prune(0);
    });
    // One paragraph and one kind of button for every step, drawn by the
    // same code: each distinct view is code of its own in the wasm.
    let step = move || {
        let all = delivered.with(Delivered::all);
        let (class, testid, said_text, buttons): (_, _, _, &[Tap]) = match confirming.get() {
            _ if all.photos == 0 => ("", "prune-none", state.t(words::NONE_DELIVERED).to_owned(), &[]),
            Some(at_most) => (
                "warning",
                "prune-warning",
                said(state, words::PRUNE_WARNING, delivered.with(|d| d.first(at_most))),
                if at_most == OLDEST {
                    &[Tap::Do(OLDEST), Tap::Cancel]
                } else {
                    &[Tap::Do(u32::MAX), Tap::Cancel]
                },
            ),
            // With no more than ten, "the oldest ten" is all of them.
            None if all.photos > OLDEST => (
                "",
                "prune-count",
                said(state, words::DELIVERED_PHOTOS, all),
                &[Tap::Ask(OLDEST), Tap::Ask(u32::MAX)],
            ),
            None => (
                "",
                "prune-count",
                said(state, words::DELIVERED_PHOTOS, all),
                &[Tap::Ask(u32::MAX)],
            ),
        };
        let buttons = buttons.iter().map(|&tap| {
            let (label, class, testid) = match tap {
                Tap::Ask(OLDEST) => (words::PRUNE_OLDEST, "secondary", "prune-oldest"),
                Tap::Ask(_) => (words::PRUNE_ALL, "secondary", "prune-all"),
                Tap::Do(_) => (words::PRUNE_CONFIRM, "danger", "prune-confirm"),
                Tap::Cancel => (words::CANCEL, "secondary", "prune-cancel"),
            };
            view! {
                <button type="button" class=class data-testid=testid on:click=on(move |_| {
                    note.set(None);
                    confirming.set(None);
                    match tap {
                        Tap::Ask(at_most) => confirming.set(Some(at_most)),
                        Tap::Do(at_most) => prune(at_most),
                        Tap::Cancel => {}
                    }
                })>{state.t(label)}</button>
            }
        });
        view! {
            <p class=class data-testid=testid>{said_text}</p>
            <div class="row">{buttons.collect_view()}</div>
        }
        .into_any()
    };
    view! {
        <div class="prune" data-testid="prune">
            {dynamic(step)}
            <p role="status" data-testid="prune-note">{move || note.get()}</p>
        </div>
    }
}

/// A tap on the panel: the first (which choice), the second, or cancel.
#[derive(Clone, Copy)]
enum Tap {
    Ask(u32),
    Do(u32),
    Cancel,
}

/// `text` with its `{n}` and `{size}` filled in from `freed`.
fn said(state: AppState, text: Text, freed: Freed) -> String {
    state
        .t(text)
        .replace("{n}", &freed.photos.to_string())
        .replace("{size}", &human_bytes(freed.bytes as f64))
}

fn human_bytes(bytes: f64) -> String {
    const KB: f64 = 1024.0;
    if bytes < KB * KB {
        format!("{} KB", platform::fixed(bytes / KB, 0))
    } else if bytes < KB * KB * KB {
        format!("{} MB", platform::fixed(bytes / KB / KB, 1))
    } else {
        format!("{} GB", platform::fixed(bytes / KB / KB / KB, 1))
    }
}
