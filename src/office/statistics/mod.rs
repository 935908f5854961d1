//! The statistics table (统计): incidents counted and their figures summed
//! by area × event day × category, for reporting upward. The query (area,
//! level, period, category) is in the URL like the inbox's filter, checked
//! by the core as the server checks it; the counting is the server's (the
//! core's `statistics`), this page only draws it. The same table downloads
//! as CSV.

use kuaibao_core::desk::parse_query;
use kuaibao_core::desk::statistics::{StatsQuery, Table, STATISTICS_CSV_PATH, STATISTICS_PATH};
use kuaibao_core::rules::catalogue;
use kuaibao_core::{Family, FieldError, Lang};
use leptos::prelude::*;

use super::api::{self, ApiFail};
use super::exports::ExportButton;
use super::route::Route;
use super::state::Desk;

/// The query of the URL (`#/statistics?…`), as the form holds it.
fn query_of_route(route: &Route) -> StatsQuery {
    let Route::Statistics(query) = route else {
        return StatsQuery::default();
    };
    let mut q = StatsQuery::default();
    for (key, value) in parse_query(query) {
        let value = Some(value);
        match key.as_str() {
            "area" => q.area = value,
            "level" => q.level = value,
            "from" => q.from = value,
            "to" => q.to = value,
            "category" => q.category = value,
            _ => {}
        }
    }
    q
}

#[component]
pub fn StatisticsPage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let query = Memo::new(move |_| desk.route.with(query_of_route));
    let form = RwSignal::new(query.get_untracked());
    let table: RwSignal<Option<Result<Table, ApiFail>>> = RwSignal::new(None);
    let local_errors: RwSignal<Vec<FieldError>> = RwSignal::new(Vec::new());
    // The form follows the URL (back, forward, a link), not the live
    // reloads: a change arriving while the officer edits keeps his edits.
    Effect::new(move |_| form.set(query.get()));
    Effect::new(move |_| {
        desk.changed.track();
        let q = query.get();
        let token = desk.token();
        leptos::task::spawn_local(async move {
            let result = api::get::<Table>(&token, &format!("{STATISTICS_PATH}{}", q.to_query())).await;
            if let Err(e) = &result {
                desk.failed(e);
            }
            table.set(Some(result));
        });
    });
    let error_at = move |field: &'static str| {
        move || {
            let local = local_errors.with(|l| {
                l.iter()
                    .filter(|e| e.field == field)
                    .map(|e| e.message(Lang::Zh).to_owned())
                    .reduce(|a, b| format!("{a}；{b}"))
            });
            local.or_else(|| table.with(|t| t.as_ref().and_then(|r| r.as_ref().err()).and_then(|e| e.at(field))))
        }
    };
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = form.get_untracked();
        match q.check() {
            Ok(_) => {
                local_errors.set(Vec::new());
                Route::Statistics(q.to_query()).go();
            }
            Err(errors) => local_errors.set(errors),
        }
    };
    let clear = move |_| {
        local_errors.set(Vec::new());
        form.set(StatsQuery::default());
        Route::Statistics(String::new()).go();
    };
    let field = move |id: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      get: fn(&StatsQuery) -> &Option<String>,
                      set: fn(&mut StatsQuery, Option<String>)| {
        let error = error_at(id);
        view! {
            <div class="field" class:has-error=move || error().is_some()>
                <label for=format!("stats-{id}")>{label}</label>
                <input id=format!("stats-{id}") name=id type=kind list=(id == "area").then_some("stats-area-list")
                    aria-invalid=move || error().is_some().to_string()
                    aria-describedby=format!("stats-{id}-error")
                    prop:value=move || form.with(|f| get(f).clone().unwrap_or_default())
                    on:input=move |ev| form.update(|f| set(f, Some(event_target_value(&ev))))/>
                <span class="error" id=format!("stats-{id}-error") role="alert" data-testid=format!("stats-{id}-error")>{error}</span>
            </div>
        }
    };
    let select = move |id: &'static str,
                       label: &'static str,
                       options: Vec<(String, String)>,
                       get: fn(&StatsQuery) -> &Option<String>,
                       set: fn(&mut StatsQuery, Option<String>)| {
        let error = error_at(id);
        let options = options
            .into_iter()
            .map(|(value, text)| {
                let v = value.clone();
                view! { <option value=value selected=move || form.with(|f| get(f).clone().unwrap_or_default() == v)>{text}</option> }
            })
            .collect_view();
        view! {
            <div class="field" class:has-error=move || error().is_some()>
                <label for=format!("stats-{id}")>{label}</label>
                <select id=format!("stats-{id}") name=id aria-invalid=move || error().is_some().to_string()
                    aria-describedby=format!("stats-{id}-error")
                    prop:value=move || form.with(|f| get(f).clone().unwrap_or_default())
                    on:change=move |ev| form.update(|f| set(f, Some(event_target_value(&ev))))>
                    {options}
                </select>
                <span class="error" id=format!("stats-{id}-error") role="alert" data-testid=format!("stats-{id}-error")>{error}</span>
            </div>
        }
    };
    let levels: Vec<(String, String)> = [
        ("", "按上报区域"),
        ("district", "按区县汇总"),
        ("township", "按乡镇（街道）汇总"),
        ("village", "按村（社区）汇总"),
        ("grid", "按网格"),
    ]
    .into_iter()
    .map(|(v, t)| (v.to_owned(), t.to_owned()))
    .collect();
    let categories: Vec<(String, String)> = std::iter::once((String::new(), "全部类别".to_owned()))
        .chain(
            catalogue::offered()
                .into_iter()
                .filter(|t| matches!(t.family, Family::Incident { .. }))
                .map(|t| (t.id.to_owned(), t.title.zh.to_owned())),
        )
        .collect();
    // Areas seen in the table, offered for the area field.
    let areas = move || {
        table.with(|t| {
            let mut seen: Vec<(String, String)> = Vec::new();
            if let Some(Ok(t)) = t {
                for r in &t.rows {
                    if !seen.iter().any(|(id, _)| *id == r.area.id) {
                        seen.push((r.area.id.clone(), r.area.name.clone()));
                    }
                }
            }
            seen.into_iter()
                .map(|(id, name)| view! { <option value=id>{name}</option> })
                .collect_view()
        })
    };
    view! {
        <section class="stats-page" aria-labelledby="stats-title" data-testid="statistics">
            <h2 id="stats-title">"统计：按区域、日期、类别"</h2>
            <form class="filters" on:submit=apply novalidate=true data-testid="stats-form">
                {field("area", "区域代码（含下级）", "text", |q| &q.area, |q, v| q.area = v)}
                <datalist id="stats-area-list">{areas}</datalist>
                {select("level", "汇总层级", levels, |q| &q.level, |q, v| q.level = v)}
                {field("from", "事件日期 自", "date", |q| &q.from, |q, v| q.from = v)}
                {field("to", "至（含）", "date", |q| &q.to, |q, v| q.to = v)}
                {select("category", "类别", categories, |q| &q.category, |q, v| q.category = v)}
                <div class="actions">
                    <button type="submit" class="primary" data-testid="stats-apply">"统计"</button>
                    <button type="button" class="quiet" on:click=clear data-testid="stats-clear">"清除条件"</button>
                </div>
            </form>
            <p class="exports">
                "导出："
                <ExportButton label="统计表 CSV" path=Signal::derive(move || format!("{STATISTICS_CSV_PATH}{}", query.get().to_query()))
                    file="kuaibao-statistics.csv".to_owned() testid="export-statistics"/>
            </p>
            <p class="help">"每起事件只计一次，取其最新一次报送（续报、终报）中的数字；按事件发生日期（北京时间）归日。隐患不计入。"</p>
            {move || match table.get() {
                None => view! { <p class="loading">"正在统计…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="form-error" role="alert" data-testid="stats-error">{e.words()}</p> }.into_any(),
                Some(Ok(t)) if t.rows.is_empty() => {
                    view! { <p class="empty" data-testid="stats-empty">"所选条件下没有事件。"</p> }.into_any()
                }
                Some(Ok(t)) => view! { <StatsTable table=t/> }.into_any(),
            }}
        </section>
    }
}

/// The table: day, area, category, count, then every figure some incident
/// of the table gave (the CSV has every figure), and the total.
#[component]
fn StatsTable(table: Table) -> impl IntoView {
    let shown: Vec<usize> = (0..table.figures.len())
        .filter(|i| table.total_figures.get(*i).is_some_and(Option::is_some))
        .collect();
    let heads = shown
        .iter()
        .map(|i| {
            let f = &table.figures[*i];
            view! { <th scope="col" class="num">{format!("{}（{}）", f.label_zh, f.unit_zh)}</th> }
        })
        .collect_view();
    let cells = move |values: &[Option<String>]| {
        shown
            .iter()
            .map(|i| {
                let v = values.get(*i).cloned().flatten().unwrap_or_else(|| "—".to_owned());
                view! { <td class="num">{v}</td> }
            })
            .collect_view()
    };
    let rows = table
        .rows
        .iter()
        .map(|r| {
            view! {
                <tr data-testid="stats-row" data-area=r.area.id.clone() data-day=r.day.to_string() data-category=r.category_id.clone()>
                    <td>{r.day.to_string()}</td>
                    <th scope="row">{r.area.name.clone()}</th>
                    <td>{r.category_zh.clone()}</td>
                    <td class="num" data-testid="stats-threads">{r.threads}</td>
                    {cells(&r.figures)}
                </tr>
            }
        })
        .collect_view();
    let total = cells(&table.total_figures);
    view! {
        <p class="scroll-hint">"表格较宽：左右滑动可看各项数字。"</p>
        <div class="table-scroll" role="region" aria-labelledby="stats-title" tabindex="0">
            <table class="stats">
                <thead>
                    <tr>
                        <th scope="col">"日期"</th>
                        <th scope="col">"区域"</th>
                        <th scope="col">"类别"</th>
                        <th scope="col" class="num">"事件数"</th>
                        {heads}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr data-testid="stats-total">
                        <th scope="row" colspan="3">"合计"</th>
                        <td class="num">{table.total_threads}</td>
                        {total}
                    </tr>
                </tfoot>
            </table>
        </div>
    }
}
