//! 已移出本机的报告: what the phone kept of the records that left it (their
//! receipts), and the worker's whole history read back from the server, a
//! page at a time.

use kuaibao_core::rules::catalogue;
use kuaibao_core::rules::stage::ThreadKind;
use kuaibao_core::Text;
use leptos::prelude::*;

use crate::components::{dynamic, on, receipt_text, text, Shown};
use crate::route::Route;
use crate::state::AppState;
use crate::store::Archived;
use crate::sync::history;
use crate::words;

#[component]
pub fn ArchivePage() -> impl IntoView {
    let state = expect_context::<AppState>();
    // Written last, first (ids are UUIDv7); `None` while the store is read.
    let local: RwSignal<Option<Vec<Archived>>> = RwSignal::new(None);
    // An archive that cannot be read is not an empty one: say which.
    let unreadable = RwSignal::new(false);
    let store = state.store();
    leptos::task::spawn_local(async move {
        let mut list = store.archived().await.unwrap_or_else(|e| {
            leptos::logging::error!("cannot read the archived receipts: {e}");
            let _ = unreadable.try_set(true);
            Vec::new()
        });
        list.reverse();
        local.set(Some(list));
    });
    let shown = RwSignal::new(history::PAGE as usize);
    let hidden = move || local.with(|l| l.as_ref().map_or(0, Vec::len).saturating_sub(shown.get()));
    let from_server = ServerList::new();
    view! {
        <a class="button secondary" href=Route::Home.to_hash()>{state.tr(words::BACK)}</a>
        <h2>{state.tr(words::ARCHIVE_TITLE)}</h2>
        <p class="note">{state.tr(words::ARCHIVE_EXPLAIN)}</p>
        {dynamic(move || local.with(|l| match l {
            None => ().into_any(),
            Some(l) if l.is_empty() && unreadable.get() => {
                view! { <p class="form-error" role="alert" data-testid="archive-unreadable">{state.t(words::ARCHIVE_UNREADABLE)}</p> }.into_any()
            }
            Some(l) if l.is_empty() => view! { <p class="empty" data-testid="archive-empty">{state.t(words::ARCHIVE_EMPTY)}</p> }.into_any(),
            Some(l) => view! {
                <ul class="reports">{l.iter().take(shown.get()).map(|a| archived_item(state, a, "archived-item")).collect_view()}</ul>
            }.into_any(),
        }))}
        <Shown when=move || { hidden() > 0 }>
            <button type="button" class="secondary" on:click=on(move |_| shown.update(|n| *n += history::PAGE as usize))>
                {text(move || format!("{} {}", state.t(words::LIST_MORE), hidden()))}
            </button>
        </Shown>
        <section aria-labelledby="from-server-title">
            <Shown when=move || from_server.started.get()>
                <h2 id="from-server-title">{state.tr(words::FROM_SERVER_TITLE)}</h2>
            </Shown>
            <ul class="reports">
                {dynamic(move || from_server.records.with(|rs| rs.iter().map(|a| archived_item(state, a, "server-item")).collect_view().into_any()))}
            </ul>
            <Shown when=move || !from_server.ended.get()>
                <button type="button" class="secondary big" data-testid="from-server"
                    on:click=on(move |_| from_server.load(state)) disabled=move || from_server.busy.get()>
                    {state.tr_if(from_server.started, words::FROM_SERVER_MORE, words::FROM_SERVER)}
                </button>
            </Shown>
            <p class="note" role="status" data-testid="from-server-note">
                {move || from_server.note.get().map(|w| state.t(w))}
            </p>
        </section>
    }
}

/// The server's list as read so far.
#[derive(Clone, Copy)]
struct ServerList {
    records: RwSignal<Vec<Archived>>,
    /// The next page's address; `None` before the first and after the last.
    next: RwSignal<Option<String>>,
    started: RwSignal<bool>,
    ended: RwSignal<bool>,
    busy: RwSignal<bool>,
    note: RwSignal<Option<Text>>,
}

impl ServerList {
    fn new() -> ServerList {
        ServerList {
            records: RwSignal::new(Vec::new()),
            next: RwSignal::new(None),
            started: RwSignal::new(false),
            ended: RwSignal::new(false),
            busy: RwSignal::new(false),
            note: RwSignal::new(None),
        }
    }

    /// Reads the next page, unless one is on its way or there is none.
    fn load(self, state: AppState) {
        if self.busy.get_untracked() || self.ended.get_untracked() {
            return;
        }
        if !state.online.get_untracked() {
            self.note.set(Some(words::FROM_SERVER_OFFLINE));
            return;
        }
        let Some(token) = state
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.session.token.clone()))
        else {
            self.note.set(Some(words::FROM_SERVER_FAILED));
            return;
        };
        let url = self.next.get_untracked().unwrap_or_else(history::first_page);
        self.busy.set(true);
        self.note.set(None);
        leptos::task::spawn_local(async move {
            match history::fetch(&url, &token).await {
                Ok(page) => {
                    self.records.update(|rs| rs.extend(page.records));
                    self.started.set(true);
                    self.ended.set(page.next.is_none());
                    if page.next.is_none() {
                        self.note.set(Some(words::FROM_SERVER_END));
                    }
                    self.next.set(page.next);
                }
                Err(e) => {
                    leptos::logging::warn!("cannot read the reports from the server: {}", e.0);
                    self.note.set(Some(words::FROM_SERVER_FAILED));
                }
            }
            self.busy.set(false);
        });
    }
}

/// One record that is not on the phone: what, which stage, where, and its
/// receipt.
fn archived_item(state: AppState, a: &Archived, testid: &'static str) -> impl IntoView {
    let template = catalogue::find(&a.template_id, a.template_version);
    let title = template.map(|t| t.title);
    let kind = template.map_or(ThreadKind::Incident, |t| ThreadKind::of(t.family));
    let stage = a.stage.name_for(kind);
    let place = a.place.clone();
    let receipt = a.receipt.clone();
    view! {
        <li class="report-item archived" data-testid=testid data-id=a.id.to_string()>
            <span class="what">{move || title.map(|t| state.t(t))}</span>
            <span class="stage">{state.tr_stage(stage)}</span>
            <span class="place">{text(move || place.clone().unwrap_or_else(|| state.t(words::NO_PLACE).to_owned()))}</span>
            <p class="status delivered" data-state="delivered">
                <span class="badge">{state.tr(words::DELIVERED)}</span>
                <span class="detail">{text(move || receipt_text(&receipt, |w| state.t(w)))}</span>
            </p>
        </li>
    }
}
