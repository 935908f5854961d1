//! The hazard ledger (隐患台账): hazards by area, the areas with overdue
//! rectifications first, and within an area overdue first and closed last
//! (the server's order). Reloaded live like the inbox.

use kuaibao_core::desk::office::{sort_by_urgency, Ledger, HAZARDS_PATH};
use kuaibao_core::Lang;
use leptos::prelude::*;

use super::api::ApiFail;
use super::more::{load, LoadMore, Loaded};
use super::route::Route;
use super::state::Desk;

#[component]
pub fn LedgerPage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let ledger: RwSignal<Option<Result<Loaded<Ledger>, ApiFail>>> = RwSignal::new(None);
    let seq = StoredValue::new(0u64);
    Effect::new(move |_| {
        desk.changed.track();
        // A live reload loads as many pages as were loaded.
        let pages = ledger.with_untracked(|l| l.as_ref().and_then(|l| l.as_ref().ok()).map_or(1, |l| l.pages));
        load(desk, HAZARDS_PATH.to_owned(), pages, merge, ledger, seq);
    });
    let body = move || {
        match ledger.get().map(|l| l.map(|l| l.value)) {
        None => view! { <p class="loading">"正在读取隐患台账…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="form-error" role="alert" data-testid="ledger-error">{e.words()}</p> }.into_any(),
        Some(Ok(l)) if l.areas.is_empty() => {
            view! { <p class="empty" data-testid="ledger-empty">"辖区内没有登记的隐患。"</p> }.into_any()
        }
        Some(Ok(l)) => l
            .areas
            .into_iter()
            .map(|area| {
                let rows = area
                    .hazards
                    .into_iter()
                    .map(|h| {
                        let soon = h.major.as_ref().and_then(|m| m.due_soon_days);
                        let state = match (h.rectification_overdue_days, h.finished, soon) {
                            (Some(days), _, _) => ("overdue", format!("整改逾期 {days} 天")),
                            (None, true, _) => ("closed", "已销号".to_owned()),
                            (None, false, Some(days)) => ("due_soon", format!("临期：还剩 {days} 天")),
                            (None, false, None) => ("open", "整改期限内".to_owned()),
                        };
                        let major = h.major.as_ref().map(|m| {
                            let by = m.supervisor.clone().unwrap_or_else(|| "未写明".to_owned());
                            view! {
                                <span class="grade grade-major" data-testid="ledger-major">"重大隐患"</span>
                                <span class="supervisor">{format!("挂牌督办：{by}")}</span>
                            }
                        });
                        let stage = h.latest_stage.name_in(true).get(Lang::Zh);
                        let title = kuaibao_core::desk::office::thread_title(&h.title_zh, &h.theme_zh);
                        view! {
                            <tr data-testid="ledger-hazard" class:major=h.major.is_some() data-thread=h.thread_id.to_string() data-state=state.0>
                                <th scope="row">
                                    // By its kind and place, not "风险隐患" on every row.
                                    <a href=Route::Thread(h.thread_id).to_hash() data-testid="ledger-title">{title}</a>
                                    {(!h.place.is_empty()).then(|| view! { <span class="place" data-testid="ledger-place">{h.place.clone()}</span> })}
                                    {major}
                                </th>
                                <td data-label="责任单位" data-testid="ledger-responsible">{if h.responsible.is_empty() { "—".to_owned() } else { h.responsible.clone() }}</td>
                                <td data-label="进展">{stage}</td>
                                <td data-label="整改期限">{h.rectify_by.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned())}</td>
                                <td data-label="状态" class=format!("deadline {}", state.0)>{state.1}</td>
                                <td data-label="报告人">{h.reporter_name.clone()}</td>
                                <td data-label="照片">{format!("{}/{}", h.photos_arrived, h.photos_expected)}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <section class="ledger-area" data-testid="ledger-area" data-area=area.area.id.clone()>
                        <h3>
                            {area.area.name.clone()}
                            {(area.overdue > 0).then(|| view! {
                                <span class="deadline overdue" data-testid="ledger-overdue">{format!(" 逾期 {} 项", area.overdue)}</span>
                            })}
                        </h3>
                        <table class="ledger">
                            <thead>
                                <tr>
                                    <th scope="col">"隐患 · 地点"</th>
                                    <th scope="col">"责任单位（人）"</th>
                                    <th scope="col">"进展"</th>
                                    <th scope="col">"整改期限"</th>
                                    <th scope="col">"状态"</th>
                                    <th scope="col">"报告人"</th>
                                    <th scope="col">"照片"</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </section>
                }
            })
            .collect_view()
            .into_any(),
    }
    };
    view! {
        <section class="ledger-page" aria-labelledby="ledger-title" data-testid="ledger">
            <h2 id="ledger-title">"隐患台账"</h2>
            {body}
            <LoadMore list=ledger merge seq/>
        </section>
    }
}

/// A later page of hazards joins the areas loaded: an area met again gets
/// its hazards, most urgent first; areas with more overdue come first
/// (otherwise in the order they came).
fn merge(ledger: &mut Ledger, page: Ledger) {
    for area in page.areas {
        match ledger.areas.iter_mut().find(|a| a.area.id == area.area.id) {
            Some(known) => {
                known.overdue += area.overdue;
                known.hazards.extend(area.hazards);
                sort_by_urgency(&mut known.hazards);
            }
            None => ledger.areas.push(area),
        }
    }
    ledger.areas.sort_by_key(|a| std::cmp::Reverse(a.overdue));
}
