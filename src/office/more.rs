//! The desk's paged lists (inbox, ledgers, crash reports): the first page
//! is loaded, and 「加载更多」 loads the next while the server has one.

use leptos::prelude::*;
use serde::de::DeserializeOwned;

use super::api::{self, ApiFail};
use super::state::Desk;

/// A list as loaded so far: its pages merged, where the next page is, and
/// how many pages were loaded (a live reload loads as many again).
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<T> {
    pub value: T,
    pub next: Option<String>,
    pub pages: usize,
    /// When the first page came, by the desk's clock: countdowns run on
    /// from the server's time by the time elapsed since.
    pub at_ms: f64,
    /// Why the last reload failed, while what is shown is this older copy.
    pub stale: Option<String>,
}

/// Whether a failed reload should keep what was shown: a lost connection or
/// a server that cannot answer now leaves the officer the names and
/// numbers he needs (to phone someone, say); a refusal does not.
pub fn keeps_what_was_shown(fail: &ApiFail) -> bool {
    match fail {
        ApiFail::Net(_) => true,
        ApiFail::Status { status, .. } => *status == 408 || *status == 429 || *status >= 500,
        _ => false,
    }
}

/// What a stale list says above itself.
pub fn stale_note(words: String) -> impl IntoView {
    view! {
        <p class="form-error" role="alert" data-testid="stale-note">
            {format!("未能刷新，下面是之前读取的内容。{words}")}
        </p>
    }
}

/// Loads the first `pages` pages of `path` into `into` (replacing it).
/// `seq` tells an answer that was overtaken by a newer load (or whose page
/// was left) to drop itself.
pub fn load<T>(
    desk: Desk,
    path: String,
    pages: usize,
    merge: fn(&mut T, T),
    into: RwSignal<Option<Result<Loaded<T>, ApiFail>>>,
    seq: StoredValue<u64>,
) where
    T: DeserializeOwned + Send + Sync + 'static,
{
    let token = desk.token();
    seq.update_value(|n| *n += 1);
    let mine = seq.get_value();
    leptos::task::spawn_local(async move {
        let result = api::get_pages::<T>(&token, &path, pages, merge).await;
        if seq.try_get_value() != Some(mine) {
            return;
        }
        if let Err(e) = &result {
            desk.failed(e);
            if keeps_what_was_shown(e) && into.with_untracked(|i| matches!(i, Some(Ok(_)))) {
                into.update(|i| {
                    if let Some(Ok(shown)) = i {
                        shown.stale = Some(e.words());
                    }
                });
                return;
            }
        }
        into.set(Some(result.map(|(value, next)| Loaded {
            value,
            next,
            pages,
            at_ms: crate::platform::now_ms(),
            stale: None,
        })));
    });
}

/// 「加载更多」 under a paged list, while the server has a next page: loads
/// it and merges it into `list`. A failure is shown beside the button and
/// keeps what was loaded.
#[component]
pub fn LoadMore<T>(
    /// The list as loaded so far.
    list: RwSignal<Option<Result<Loaded<T>, ApiFail>>>,
    /// How a page joins the pages before it.
    merge: fn(&mut T, T),
    /// Bumped by a load that replaces the list: a page still on its way
    /// for the old list is then dropped.
    seq: StoredValue<u64>,
) -> impl IntoView
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    let desk = expect_context::<Desk>();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let next = move || list.with(|l| l.as_ref().and_then(|l| l.as_ref().ok()).and_then(|l| l.next.clone()));
    let more = move |_| {
        let Some(path) = next() else { return };
        let token = desk.token();
        let mine = seq.get_value();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = api::get_page::<T>(&token, &path).await;
            // The page may have been left meanwhile (its values are gone).
            if busy.try_set(false).is_some() || seq.try_get_value() != Some(mine) {
                return;
            }
            match result {
                Ok((page, after)) => list.update(|l| {
                    if let Some(Ok(l)) = l {
                        merge(&mut l.value, page);
                        l.next = after;
                        l.pages += 1;
                    }
                }),
                Err(e) => {
                    desk.failed(&e);
                    error.set(Some(e.words()));
                }
            }
        });
    };
    view! {
        <Show when=move || next().is_some()>
            <p class="load-more">
                <button type="button" data-testid="load-more" disabled=move || busy.get() on:click=more>
                    {move || if busy.get() { "正在加载… Loading…" } else { "加载更多 Load more" }}
                </button>
                {move || error.get().map(|e| view! { <span class="form-error" role="alert">{e}</span> })}
            </p>
        </Show>
    }
}
