//! The inbox: every incident and hazard of the officer's area and below,
//! most urgent first (the server sorts, by the core's rule), reloaded live
//! when the stream says something changed; filters above it.

mod filters;
mod line;

use kuaibao_core::desk::office::{sort_by_urgency, Filter, Inbox, ThreadSummary, INBOX_PATH};
use kuaibao_core::desk::{parse_query, query_string, FilterForm};
use kuaibao_core::wire::protocol::Restore;
use kuaibao_core::{FieldError, ReportId};
use leptos::prelude::*;

use super::api::ApiFail;
use super::exports::ListExports;
use super::more::{load, LoadMore, Loaded};
use super::route::Route;
use super::sms::SmsPaste;
use super::state::Desk;
use filters::FilterBar;
use line::InboxLine;
pub use line::{deadline_cell, grade_badge};

/// An inbox as fetched, and when (by the desk's clock): countdowns run on
/// from the server's time by the time elapsed since.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched<T> {
    pub value: T,
    pub at_ms: f64,
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let query = Memo::new(move |_| match desk.route.get() {
        Route::Inbox(q) => q,
        _ => String::new(),
    });
    // The filter of the URL, checked as the server will.
    let filter = Memo::new(move |_| Filter::from_query(&parse_query(&query.get())));
    let inbox: RwSignal<Option<Result<Loaded<Inbox>, ApiFail>>> = RwSignal::new(None);
    // A slower, older answer must not replace a newer one; and the inbox
    // may have been left meanwhile (its values are gone).
    let seq = StoredValue::new(0u64);
    // The filter the loaded pages are of: a live reload of the same filter
    // loads as many pages as were loaded, a new filter starts at one.
    let loaded_for = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        desk.changed.track();
        let Ok(filter) = filter.get() else {
            return;
        };
        let path = format!("{INBOX_PATH}{}", query_string(&filter));
        let same = loaded_for.get_value().as_deref() == Some(path.as_str());
        let pages = if same {
            inbox.with_untracked(|i| i.as_ref().and_then(|i| i.as_ref().ok()).map_or(1, |l| l.pages))
        } else {
            1
        };
        loaded_for.set_value(Some(path.clone()));
        load(desk, path, pages, merge, inbox, seq);
    });
    // The server's clock, noted as each list arrives (not as it is drawn):
    // what the desk stamps its records by.
    Effect::new(move |_| {
        inbox.with(|i| {
            if let Some(Ok(fetched)) = i {
                desk.heard_time(fetched.value.server_time, fetched.at_ms);
            }
        });
    });
    // Errors at the filter's fields: the URL's own, or the server's.
    let field_errors = Memo::new(move |_| -> Vec<FieldError> {
        match filter.get() {
            Err(errors) => errors,
            Ok(_) => inbox.with(|i| match i {
                Some(Err(ApiFail::Fields { fields, .. })) => fields.clone(),
                _ => Vec::new(),
            }),
        }
    });
    // A URL with a bad filter keeps the form as typed, errors shown.
    let current = Memo::new(move |previous: Option<&FilterForm>| match filter.get() {
        Ok(f) => FilterForm::of(&f),
        Err(_) => previous.cloned().unwrap_or_default(),
    });
    let areas = Memo::new(move |_| {
        let mut areas: Vec<(String, String)> = inbox.with(|i| match i {
            Some(Ok(f)) => f
                .value
                .threads
                .iter()
                .map(|t| (t.area.id.clone(), t.area.name.clone()))
                .collect(),
            _ => Vec::new(),
        });
        areas.sort();
        areas.dedup();
        areas
    });
    // What the page shows, by kind: drawn again only when that changes, so
    // a live reload keeps the table, and the row in focus, and draws again
    // only the rows whose thread changed (a screen reader keeps its place).
    let shows = Memo::new(move |_| {
        inbox.with(|i| match i {
            None => Shows::Loading,
            Some(Err(ApiFail::Fields { .. })) => Shows::FieldErrors,
            Some(Err(_)) => Shows::Failed,
            Some(Ok(fetched)) if fetched.value.threads.is_empty() => Shows::Empty,
            Some(Ok(_)) => Shows::Table,
        })
    });
    let threads = Memo::new(move |_| {
        inbox.with(|i| match i {
            Some(Ok(fetched)) => fetched.value.threads.clone(),
            _ => Vec::new(),
        })
    });
    // A memo, so the note is said once, not again at every reload.
    let stale =
        Memo::new(move |_| inbox.with(|i| i.as_ref().and_then(|i| i.as_ref().ok()).and_then(|f| f.stale.clone())));
    let caption = move || {
        inbox.with(|i| {
            let Some(Ok(fetched)) = i else { return String::new() };
            let count = fetched.value.threads.len();
            if fetched.next.is_some() {
                // Pages come newest first, each sorted: an older open case
                // may be on a later page, and the caption says so.
                format!("已加载较新的 {count} 件，其中最紧急的在前。更早的未处理事件可能在后面：请点下方「加载更多」，或在「阶段」中选「未终报 / 未销号」")
            } else {
                format!("共 {count} 件，最紧急的在前")
            }
        })
    };
    let body = move || match shows.get() {
        Shows::Loading => view! { <p class="loading" data-testid="inbox-loading">"正在读取收件箱…"</p> }.into_any(),
        Shows::FieldErrors => ().into_any(),
        // Its words follow the latest failure: a second one of another
        // kind is still `Failed`, and must not keep the first one's words.
        Shows::Failed => {
            let words = move || {
                inbox.with(|i| match i {
                    Some(Err(e)) => e.words(),
                    _ => String::new(),
                })
            };
            view! { <p class="form-error" role="alert" data-testid="inbox-error">{words}</p> }.into_any()
        }
        Shows::Empty => view! {
            <p class="empty" data-testid="inbox-empty">"没有符合条件的报告。"</p>
        }
        .into_any(),
        Shows::Table => view! {
            {move || stale.get().map(super::more::stale_note)}
            <table class="inbox" data-testid="inbox">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"类别 · 地点"</th>
                        <th scope="col">"等级"</th>
                        <th scope="col">"伤亡"</th>
                        <th scope="col">"时限"</th>
                        <th scope="col">"阶段"</th>
                        <th scope="col">"发生时间"</th>
                        <th scope="col">"区域"</th>
                        <th scope="col">"报告人"</th>
                        <th scope="col">"照片"</th>
                        <th scope="col">"确认"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || threads.get() key=row_key let(thread)>
                        {
                            // A row drawn now counts from the list it came in.
                            let (server_time, at_ms) = inbox.with_untracked(|i| match i {
                                Some(Ok(f)) => (f.value.server_time, f.at_ms),
                                _ => (chrono::Utc::now(), crate::platform::now_ms()),
                            });
                            view! { <InboxLine thread server_time at_ms/> }
                        }
                    </For>
                </tbody>
            </table>
        }
        .into_any(),
    };
    // A restore of the server lost what the office did since its backup:
    // said above the list while the server tells it (a month after,
    // `Restore::still_told`).
    let restored = Memo::new(move |_| {
        inbox.with(|i| match i {
            Some(Ok(f)) => f.value.restored,
            _ => None,
        })
    });
    // No exports while the filter is bad: without it they would be of
    // everything, while the inbox says what to fix.
    let export_query = Memo::new(move |_| filter.get().ok().map(|f| query_string(&f)));
    view! {
        <section class="inbox-page" aria-labelledby="inbox-title">
            <h2 id="inbox-title">"收件箱"</h2>
            {move || restored.get().map(restored_note)}
            <SmsPaste/>
            <FilterBar current errors=field_errors areas/>
            {move || export_query.get().map(|query| view! { <ListExports query/> })}
            {body}
            <LoadMore list=inbox merge seq/>
        </section>
    }
}

/// What a restore lost, and what to do: the office's own acts since the
/// backup are in no phone, so they are entered again; the phones send
/// their records again by themselves.
fn restored_note(restore: Restore) -> impl IntoView {
    let at = |t: chrono::DateTime<chrono::Utc>| {
        super::bj_naive(&t.with_timezone(&kuaibao_core::wire::timestamp::beijing()).naive_local())
    };
    view! {
        <p class="notice" role="status" data-testid="restored">
            {format!(
                "服务器于 {} 从备份恢复：{} 以后值班室做的确认收到、请求续报、签批和在值班台录入的报告可能已丢失，请核对后重新录入。\
                 手机上已送达的报告会自动重新发送，回执号换新，收到时间仍按原来的（2026年12月7日以前的回执和短信首报除外）。",
                at(restore.restored_at),
                at(restore.backup_made_at)
            )}
        </p>
    }
}

/// What the inbox page shows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shows {
    Loading,
    /// The filter's errors, shown at its fields.
    FieldErrors,
    Failed,
    Empty,
    Table,
}

/// A row's key: its thread and what the row shows of it, so a row is drawn
/// again exactly when its thread changed.
fn row_key(thread: &ThreadSummary) -> (ReportId, u64) {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_string(thread).unwrap_or_default().hash(&mut hasher);
    (thread.thread_id, hasher.finish())
}

/// A later page of the inbox joins the threads loaded, all most urgent
/// first again.
fn merge(inbox: &mut Inbox, page: Inbox) {
    inbox.threads.extend(page.threads);
    sort_by_urgency(&mut inbox.threads);
}
