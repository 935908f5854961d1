use kuaibao_core::rules::grading;
use leptos::prelude::*;

use crate::components::{dynamic, on, text, DeadlineList, SessionPrompt, Shown, StatusLine};
use crate::route::Route;
use crate::state::AppState;
use crate::threads::{self, Thread};
use crate::words;

/// The start screen: a big "new report" button, the outbox at a glance, and
/// every incident and hazard with its latest stage and where it stands.
#[component]
pub fn HomePage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let waiting = move || state.waiting_count();
    // Counted once per change, for the note and its number.
    let photos_waiting = Memo::new(move |_| state.photos_waiting_count());
    let all = Memo::new(move |_| state.reports.with(|rs| threads::threads(rs)));
    // The newest threads first, a page at a time: a phone with hundreds of
    // reports opens as fast as one with a few.
    let shown = RwSignal::new(LIST_PAGE);
    // While only the first page is read (`AppState::partial`), it is all
    // the list shows: it holds the newest threads whole, and of the older
    // ones only the records not yet delivered.
    let page = move || {
        let n = if state.partial.get() > 0 {
            LIST_PAGE
        } else {
            shown.get()
        };
        all.with(|t| t.iter().take(n).cloned().collect::<Vec<_>>())
    };
    let count = move || match state.partial.get() {
        0 => all.with(Vec::len),
        threads => threads as usize,
    };
    let hidden = move || count().saturating_sub(shown.get());
    let tapped = RwSignal::new(false);
    view! {
        <a class="button primary big" href=Route::New.to_hash() data-testid="new-report">{state.tr(words::NEW_REPORT)}</a>
        // Only the count is said as it changes: the button's 正在发送… at
        // every pass is not news.
        <section class="outbox">
            <p data-testid="outbox-count" aria-live="polite">
                <strong>{waiting}</strong>" "{state.tr(words::WAITING_COUNT)}
            </p>
            // A report whose text arrived is 已送达 while its photos may not
            // have: the evidence still on the phone is said apart.
            <Shown when=move || { photos_waiting.get() > 0 }>
                <p class="note warn" data-testid="photos-waiting">
                    {text(move || state.t(words::PHOTOS_WAITING_COUNT).replace("{n}", &photos_waiting.get().to_string()))}
                </p>
            </Shown>
            // What only this phone holds, where the browser may delete it.
            <Shown when=move || state.storage.with(|s| s.may_clear()) && (photos_waiting.get() > 0 || state.holds_unsent())>
                <p class="note warn" data-testid="at-risk">
                    {state.tr(words::AT_RISK)}
                    {move || state.storage.with(|s| s.safari_tab).then(|| view! { <br/>{state.tr(words::AT_RISK_SAFARI)} })}
                </p>
            </Shown>
            <button type="button" class="secondary" on:click=on(move |_| { tapped.set(true); state.sync_now() }) disabled=move || state.syncing.get()>
                {state.tr_if(state.syncing, words::SYNCING, words::SYNC_NOW)}
            </button>
            // A tap with no network must not look ignored.
            <Shown when=move || tapped.get() && !state.online.get()>
                <p class="note" data-testid="send-offline">{state.tr(words::SEND_OFFLINE)}</p>
            </Shown>
        </section>
        <SessionPrompt with_form=true/>
        <section aria-labelledby="reports-title">
            <h2 id="reports-title">{state.tr(words::MY_REPORTS)}</h2>
            <Shown when=move || all.with(|t| t.is_empty())>
                <p class="empty">{state.tr(words::NO_REPORTS)}</p>
            </Shown>
            <ul class="reports">
                <For each=page key=Thread::revision let(thread)>
                    <ThreadItem thread/>
                </For>
            </ul>
            <Shown when=move || { hidden() > 0 }>
                <button type="button" class="secondary" data-testid="list-more" on:click=on(move |_| shown.update(|n| *n += LIST_PAGE))>
                    {text(move || format!("{} {}", state.t(words::LIST_MORE), hidden()))}
                </button>
            </Shown>
            <Shown when=move || { state.archived.get() > 0 }>
                <p class="note" data-testid="archived-note">
                    {text(move || format!("{} {}", state.archived.get(), state.t(words::ARCHIVED_COUNT)))}
                </p>
                <a class="button secondary" href=Route::Archive.to_hash() data-testid="open-archive">
                    {state.tr(words::ARCHIVE_OPEN)}
                </a>
            </Shown>
        </section>
    }
}

/// Threads on the list's first page, and added by each 「显示更早的报告」.
pub const LIST_PAGE: usize = 30;

/// One incident or hazard on the list: what, where, the stage to look at
/// ([`Thread::shown`]) and its state, and a deadline or overdue
/// rectification when one is running.
///
/// Drawn anew whenever its thread changes (the list is keyed by
/// [`Thread::revision`]): what it says of the thread is worked out once
/// here, and its words, chips and overdue mark are one part redrawn when
/// the language, the office's requests or the day change, rather than one
/// reactive part each (issue 19: thirty of them drawn at once).
#[component]
fn ThreadItem(thread: Thread) -> impl IntoView {
    let state = expect_context::<AppState>();
    let latest = thread.shown().clone();
    let title = thread.template().map(|t| t.title);
    let place = thread
        .first()
        .answers
        .get("place")
        .cloned()
        .filter(|p| !p.trim().is_empty());
    let stage = latest.stage.name_for(thread.kind());
    // A hazard has no grade; an incident no rectification to be late with.
    let hazard = thread.is_hazard();
    let grade = (!hazard).then(|| thread.graded());
    let (id, latest_id) = (thread.id, latest.id);
    let asked_thread = thread.clone();
    let asked = Memo::new(move |_| state.requests.with(|rs| !asked_thread.open_requests(rs).is_empty()));
    // Only a hazard reads the clock: an incident's item is not looked at
    // again each second.
    let overdue = Memo::new(move |_| {
        if !hazard {
            return None;
        }
        let today = state.ticking_now()?.date();
        thread.rectification_overdue(today)
    });
    let head = move || {
        let lang = state.lang.get();
        let chip = grade.map(|g| match g {
            Some(g) => view! { <span class="grade-chip" data-grade=g.code()>{g.name().get(lang)}</span> },
            None => view! { <span class="grade-chip" data-grade="none">{grading::NOT_GRADED.get(lang)}</span> },
        });
        view! {
            <span class="what">{title.map(|t| t.get(lang))}</span>
            <span class="stage">{stage.get(lang)}</span>
            <span class="place">{place.clone().unwrap_or_else(|| words::NO_PLACE.get(lang).to_owned())}</span>
            {chip}
            {asked.get().then(|| view! { <span class="asked-chip" data-testid="office-asked">{words::OFFICE_ASKS_SHORT.get(lang)}</span> })}
            {overdue.get().map(|days| view! { <span class="overdue-chip" data-testid="rectify-overdue">{words::RECTIFY_OVERDUE.get(lang)}" "{days}</span> })}
        }
        .into_any()
    };
    view! {
        <li class="report-item" class:overdue=move || overdue.get().is_some() data-testid="report-item" data-id=latest_id.to_string()>
            <a href=Route::Report(latest_id).to_hash()>
                {dynamic(head)}
                <StatusLine report=latest/>
            </a>
            <DeadlineList thread_id=id compact=true/>
        </li>
    }
}
