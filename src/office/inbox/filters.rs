//! The inbox's filter form: area, category, grade, stage and the time of
//! first receipt. Checked by the core as the server checks it; each error
//! shows at its field. Applying it puts it in the URL.

use kuaibao_core::desk::{query_string, FilterForm};
use kuaibao_core::rules::catalogue;
use kuaibao_core::{FieldError, Lang};
use leptos::prelude::*;

use crate::office::route::Route;

#[component]
pub fn FilterBar(
    /// The URL's filter: what the form shows at first, and again whenever
    /// the URL changes (back, forward, a link).
    #[prop(into)]
    current: Signal<FilterForm>,
    /// Errors at the fields: the URL's own, or the server's.
    #[prop(into)]
    errors: Signal<Vec<FieldError>>,
    /// Areas seen in the inbox (id, name), offered for the area field.
    #[prop(into)]
    areas: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let form = RwSignal::new(current.get_untracked());
    // The filter this form last put in the URL: the URL coming back with
    // it is the form's own doing (the hash changes a moment later, maybe
    // after more typing) and must not overwrite the fields.
    let applied = StoredValue::new(current.get_untracked());
    Effect::new(move |_| {
        let now = current.get();
        if applied.with_value(|a| *a != now) {
            applied.set_value(now.clone());
            form.set(now);
        }
    });
    let local_errors: RwSignal<Vec<FieldError>> = RwSignal::new(Vec::new());
    let error_at = move |field: &'static str| {
        move || {
            let pick = |list: &[FieldError]| {
                list.iter()
                    .filter(|e| e.field == field)
                    .map(|e| e.message(Lang::Zh).to_owned())
                    .reduce(|a, b| format!("{a}；{b}"))
            };
            local_errors.with(|l| pick(l)).or_else(|| errors.with(|l| pick(l)))
        }
    };
    // Errors at a parameter the form has no field for (none expected).
    let other_errors = move || {
        errors.with(|l| {
            let text: Vec<String> = l
                .iter()
                .filter(|e| !["area", "category", "grade", "stage", "since", "until"].contains(&e.field.as_str()))
                .map(|e| e.message(Lang::Zh).to_owned())
                .collect();
            (!text.is_empty()).then(|| text.join("；"))
        })
    };
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match form.with_untracked(FilterForm::filter) {
            Ok(filter) => {
                local_errors.set(Vec::new());
                applied.set_value(FilterForm::of(&filter));
                Route::Inbox(query_string(&filter)).go();
            }
            Err(errors) => local_errors.set(errors),
        }
    };
    let clear = move |_| {
        form.set(FilterForm::default());
        applied.set_value(FilterForm::default());
        local_errors.set(Vec::new());
        Route::Inbox(String::new()).go();
    };
    let text_field = move |id: &'static str,
                           label: &'static str,
                           kind: &'static str,
                           get: fn(&FilterForm) -> &String,
                           set: fn(&mut FilterForm, String)| {
        let error = error_at(id);
        view! {
            <div class="field" class:has-error=move || error().is_some()>
                <label for=format!("filter-{id}")>{label}</label>
                <input id=format!("filter-{id}") name=id type=kind list=(id == "area").then_some("filter-area-list")
                    aria-invalid=move || error().is_some().to_string()
                    aria-describedby=format!("filter-{id}-error")
                    prop:value=move || form.with(|f| get(f).clone())
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))/>
                <span class="error" id=format!("filter-{id}-error") role="alert" data-testid=format!("filter-{id}-error")>
                    {error}
                </span>
            </div>
        }
    };
    let select_field = move |id: &'static str,
                             label: &'static str,
                             options: Vec<(String, String)>,
                             get: fn(&FilterForm) -> &String,
                             set: fn(&mut FilterForm, String)| {
        let error = error_at(id);
        let options = options
            .into_iter()
            .map(|(value, text)| {
                let v = value.clone();
                view! { <option value=value selected=move || form.with(|f| *get(f) == v)>{text}</option> }
            })
            .collect_view();
        view! {
            <div class="field" class:has-error=move || error().is_some()>
                <label for=format!("filter-{id}")>{label}</label>
                <select id=format!("filter-{id}") name=id aria-invalid=move || error().is_some().to_string()
                    aria-describedby=format!("filter-{id}-error")
                    prop:value=move || form.with(|f| get(f).clone())
                    on:change=move |ev| form.update(|f| set(f, event_target_value(&ev)))>
                    {options}
                </select>
                <span class="error" id=format!("filter-{id}-error") role="alert" data-testid=format!("filter-{id}-error")>
                    {error}
                </span>
            </div>
        }
    };
    let all = || ("".to_owned(), "全部".to_owned());
    let categories: Vec<(String, String)> = std::iter::once(all())
        .chain(
            catalogue::offered()
                .into_iter()
                .map(|t| (t.id.to_owned(), t.title.zh.to_owned())),
        )
        .collect();
    let grades: Vec<(String, String)> = vec![
        all(),
        ("I".into(), "特别重大（Ⅰ级）".into()),
        ("II".into(), "重大及以上".into()),
        ("III".into(), "较大及以上".into()),
        ("IV".into(), "一般及以上".into()),
    ];
    let stages: Vec<(String, String)> = vec![
        all(),
        ("open".into(), "未终报 / 未销号".into()),
        ("finished".into(), "已终报 / 已销号".into()),
    ];
    let area_options = move || {
        areas
            .get()
            .into_iter()
            .map(|(id, name)| view! { <option value=id>{name}</option> })
            .collect_view()
    };
    // Shown at first on a desk-sized screen or when a filter is set; on a
    // phone-sized one it would take the whole screen before the first
    // report, so it opens on a tap.
    let wide = web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .is_none_or(|w| w > 700.0);
    let set = move || {
        current.with(|f| {
            [&f.area, &f.category, &f.grade, &f.stage, &f.since, &f.until]
                .iter()
                .filter(|v| !v.is_empty())
                .count()
        })
    };
    let open = RwSignal::new(wide || set() > 0);
    let toggle_words = move || {
        let n = set();
        let count = if n > 0 {
            format!("（已设 {n} 项）")
        } else {
            String::new()
        };
        if open.get() {
            format!("收起筛选{count}")
        } else {
            format!("筛选{count}")
        }
    };
    view! {
        <button type="button" class="filter-toggle" aria-controls="filters" data-testid="filter-toggle"
            aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
            {toggle_words}
        </button>
        <form id="filters" class="filters" hidden=move || !open.get() on:submit=apply novalidate=true data-testid="filters" aria-label="筛选">
            {text_field("area", "区域代码（含下级）", "text", |f| &f.area, |f, v| f.area = v)}
            <datalist id="filter-area-list">{area_options}</datalist>
            {select_field("category", "类别", categories, |f| &f.category, |f, v| f.category = v)}
            {select_field("grade", "等级", grades, |f| &f.grade, |f, v| f.grade = v)}
            {select_field("stage", "阶段", stages, |f| &f.stage, |f, v| f.stage = v)}
            {text_field("since", "接收时间起", "datetime-local", |f| &f.since, |f, v| f.since = v)}
            {text_field("until", "接收时间止", "datetime-local", |f| &f.until, |f, v| f.until = v)}
            <div class="actions">
                <button type="submit" class="primary" data-testid="filter-apply">"筛选"</button>
                <button type="button" on:click=clear data-testid="filter-clear">"清除筛选"</button>
            </div>
            <p class="form-error" role="alert" data-testid="filter-error" hidden=move || other_errors().is_none()>{other_errors}</p>
        </form>
    }
}
