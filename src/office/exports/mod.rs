//! Exports for other systems and for paper: the list as CSV or GeoJSON
//! (with the inbox's filter), an incident as a CAP 1.2 alert, a thread as
//! its printable written report. The server needs the token, which a link
//! cannot carry, so each is fetched and handed to the browser as a Blob.

use kuaibao_core::ReportId;
use leptos::prelude::*;

use super::api::{self, with_id};
use super::state::Desk;

/// The server's export paths.
pub const CSV_PATH: &str = "/api/exports/reports.csv";
pub const GEOJSON_PATH: &str = "/api/exports/reports.geojson";
pub const CAP_PATH: &str = "/api/threads/{id}/cap";
pub use kuaibao_core::desk::signing::THREAD_WRITTEN_PATH as WRITTEN_PATH;

/// One export button: fetches `path` and saves it as `file` (or opens it,
/// for a page to print).
#[component]
pub fn ExportButton(
    /// What the button says.
    label: &'static str,
    /// The API path to fetch (query included).
    #[prop(into)]
    path: Signal<String>,
    /// The file name to save as.
    file: String,
    /// Open in a new tab instead of saving.
    #[prop(optional)]
    open: bool,
    testid: &'static str,
) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let busy = RwSignal::new(false);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let file = StoredValue::new(file);
    let click = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let path = path.get_untracked();
        let token = desk.token();
        leptos::task::spawn_local(async move {
            if let Err(e) = api::download(&token, &path, &file.get_value(), open).await {
                desk.failed(&e);
                error.set(Some(e.words()));
            }
            busy.set(false);
        });
    };
    view! {
        <span class="export">
            <button type="button" class="quiet" on:click=click disabled=move || busy.get() data-testid=testid>{label}</button>
            {move || error.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
        </span>
    }
}

/// The list's exports, with the inbox's filter.
#[component]
pub fn ListExports(
    /// The filter as a query string (`?…` or empty).
    #[prop(into)]
    query: Signal<String>,
) -> impl IntoView {
    let stamp = chrono::Utc::now()
        .with_timezone(&kuaibao_core::wire::timestamp::beijing())
        .format("%Y%m%d-%H%M")
        .to_string();
    view! {
        <p class="exports" data-testid="list-exports">
            "导出："
            <ExportButton label="表格 CSV" path=Signal::derive(move || format!("{CSV_PATH}{}", query.get()))
                file=format!("kuaibao-reports-{stamp}.csv") testid="export-csv"/>
            <ExportButton label="地图数据 GeoJSON" path=Signal::derive(move || format!("{GEOJSON_PATH}{}", query.get()))
                file=format!("kuaibao-reports-{stamp}.geojson") testid="export-geojson"/>
        </p>
    }
}

/// An incident's CAP alert (with `record` for an earlier stage).
pub fn cap_path(thread: ReportId, record: Option<ReportId>) -> String {
    let base = with_id(CAP_PATH, thread);
    match record {
        Some(r) => format!("{base}?record={r}"),
        None => base,
    }
}

/// A thread's written report (书面报告), every record in stage order.
pub fn written_path(thread: ReportId) -> String {
    with_id(WRITTEN_PATH, thread)
}
