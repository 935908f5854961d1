//! The accountability ledger (问责台账): what the office answers for, from
//! `GET /api/office/accountability` (built in `kuaibao_core::desk::accountability`):
//! late and missed reports with the evidence of when each was written and
//! received and the phone's clock offset, unanswered follow-up requests,
//! disasters with no 核报, overdue hazards. Downloadable as CSV. Reloaded
//! live like the inbox.

use kuaibao_core::desk::accountability::{Accountability, EntryKind, ACCOUNTABILITY_CSV_PATH, ACCOUNTABILITY_PATH};
use kuaibao_core::desk::offset_words;
use kuaibao_core::Lang;
use leptos::prelude::*;

use super::api::ApiFail;
use super::exports::ExportButton;
use super::more::{load, LoadMore, Loaded};
use super::route::Route;
use super::state::Desk;

#[component]
pub fn AccountabilityPage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let ledger: RwSignal<Option<Result<Loaded<Accountability>, ApiFail>>> = RwSignal::new(None);
    let seq = StoredValue::new(0u64);
    Effect::new(move |_| {
        desk.changed.track();
        // A live reload loads as many pages as were loaded.
        let pages = ledger.with_untracked(|l| l.as_ref().and_then(|l| l.as_ref().ok()).map_or(1, |l| l.pages));
        load(desk, ACCOUNTABILITY_PATH.to_owned(), pages, merge, ledger, seq);
    });
    let body = move || {
        match ledger.get().map(|l| l.map(|l| l.value)) {
        None => view! { <p class="loading">"正在读取问责台账…"</p> }.into_any(),
        Some(Err(e)) => {
            view! { <p class="form-error" role="alert" data-testid="accountability-error">{e.words()}</p> }.into_any()
        }
        Some(Ok(l)) if l.entries.is_empty() => view! {
            <p class="empty" data-testid="accountability-empty">"辖区内没有迟报、漏报、迟签发的上报、未答复的续报请求、未核报的灾情、逾期隐患或将到期的重大隐患。"</p>
        }
        .into_any(),
        Some(Ok(l)) => {
            let rows = l
                .entries
                .into_iter()
                .map(|e| {
                    let time = |t: Option<chrono::NaiveDateTime>| t.map_or_else(|| "—".to_owned(), |t| super::bj_naive(&t));
                    let evidence = e.received_at.map(|_| {
                        if e.kind == EntryKind::ForwardedLate {
                            return format!("签发 {}", time(e.received_at));
                        }
                        format!(
                            "填写 {} · 接收 {} · {}",
                            time(e.written_at),
                            time(e.received_at),
                            offset_words(e.clock_offset_ms, Lang::Zh)
                        )
                    });
                    let late = late_words(e.kind, e.late_seconds);
                    // A warning has time left, not time over.
                    let late_label = if e.kind == EntryKind::MajorHazardDueSoon { "剩余" } else { "超出" };
                    view! {
                        <tr data-testid="accountability-entry" data-kind=e.kind.code() data-thread=e.thread_id.to_string()>
                            <td class=format!("kind {}", e.kind.code())>{e.kind.name_zh()}</td>
                            <th scope="row"><a href=Route::Thread(e.thread_id).to_hash()>{e.title_zh.clone()}</a></th>
                            <td data-label="区域">{e.area.name.clone()}</td>
                            <td data-label="报告人">{e.reporter_name.clone()}</td>
                            <td data-label="事项">{e.what_zh.clone()}</td>
                            <td data-label="时限">{time(e.due_at)}</td>
                            <td data-label=late_label>{late}</td>
                            <td class="evidence" data-label=evidence.is_some().then_some("证据") data-testid="accountability-evidence">{evidence.clone().unwrap_or_default()}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <p class="help">{format!("灾情须在事发 {} 天内核报（本部署的期限规则）。", l.final_report_days)}</p>
                <table class="ledger accountability">
                    <thead>
                        <tr>
                            <th scope="col">"问题"</th>
                            <th scope="col">"事件"</th>
                            <th scope="col">"区域"</th>
                            <th scope="col">"报告人"</th>
                            <th scope="col">"事项"</th>
                            <th scope="col">"时限"</th>
                            <th scope="col">"超出"</th>
                            <th scope="col">"证据（北京时间）"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    }
    };
    view! {
        <section class="ledger-page" aria-labelledby="accountability-title" data-testid="accountability">
            <h2 id="accountability-title">"问责台账"</h2>
            <p class="exports">
                <ExportButton label="下载 CSV" path=Signal::derive(|| ACCOUNTABILITY_CSV_PATH.to_owned())
                    file="kuaibao-accountability.csv".to_owned() testid="export-accountability"/>
            </p>
            {body}
            <LoadMore list=ledger merge seq/>
        </section>
    }
}

/// How far past: minutes and hours for a report, days for a hazard; for a
/// major hazard due soon, the days left.
fn late_words(kind: EntryKind, seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    match kind {
        // A warning: the time still left, in whole days.
        EntryKind::MajorHazardDueSoon => format!("还剩 {} 天", (-seconds).max(0) / 86_400),
        EntryKind::HazardOverdue | EntryKind::NoFinalReport if minutes >= 24 * 60 => {
            format!("{} 天", minutes / (24 * 60))
        }
        _ if minutes >= 60 => format!("{} 小时 {} 分", minutes / 60, minutes % 60),
        _ => format!("{minutes} 分钟"),
    }
}

/// A later page's entries (of older threads) follow those loaded.
fn merge(ledger: &mut Accountability, page: Accountability) {
    ledger.entries.extend(page.entries);
}
