//! The hazard ledger (隐患台账): hazards by area, the areas with overdue
//! rectifications first, and within an area overdue first and closed last
//! (the server's order). Reloaded live like the inbox.

use kuaibao_core::office::{Ledger, HAZARDS_PATH};
use kuaibao_core::Lang;
use leptos::prelude::*;

use super::api::{self, ApiFail};
use super::route::Route;
use super::state::Desk;

#[component]
pub fn LedgerPage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let ledger: RwSignal<Option<Result<Ledger, ApiFail>>> = RwSignal::new(None);
    Effect::new(move |_| {
        desk.changed.track();
        let token = desk.token();
        leptos::task::spawn_local(async move {
            let result = api::get::<Ledger>(&token, HAZARDS_PATH).await;
            if let Err(e) = &result {
                desk.failed(e);
            }
            ledger.set(Some(result));
        });
    });
    let body = move || {
        match ledger.get() {
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
                        let state = match (h.rectification_overdue_days, h.finished) {
                            (Some(days), _) => ("overdue", format!("整改逾期 {days} 天")),
                            (None, true) => ("closed", "已销号".to_owned()),
                            (None, false) => ("open", "整改期限内".to_owned()),
                        };
                        let stage = h.latest_stage.name_in(true).get(Lang::Zh);
                        view! {
                            <tr data-testid="ledger-hazard" data-thread=h.thread_id.to_string() data-state=state.0>
                                <th scope="row"><a href=Route::Thread(h.thread_id).to_hash()>{h.title_zh.clone()}</a></th>
                                <td>{stage}</td>
                                <td>{h.rectify_by.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned())}</td>
                                <td class=format!("deadline {}", state.0)>{state.1}</td>
                                <td>{h.reporter_name.clone()}</td>
                                <td>{format!("{}/{}", h.photos_arrived, h.photos_expected)}</td>
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
                                    <th scope="col">"隐患"</th>
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
        </section>
    }
}
