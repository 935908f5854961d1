use kuaibao_core::report::geo_keys;
use kuaibao_core::rules::template::ChoiceOption;
use kuaibao_core::{Answers, Blank, BlankKind, FieldError, ReportId, Stage, Text};
use leptos::prelude::*;

use crate::components::{error_at, on, PhotoBlank, Shown};
use crate::device::geo;
use crate::platform;
use crate::state::AppState;
use crate::words;

/// One blank: a labelled input chosen by the blank's kind, its unit, what
/// the previous stage said, and its error.
#[component]
pub fn BlankInput(
    blank: &'static Blank,
    stage: Stage,
    /// The record these answers belong to (photos are kept by record).
    report_id: ReportId,
    #[prop(into)] answers: Signal<Answers>,
    #[prop(into)] previous: Signal<Option<Answers>>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    on_edit: Callback<(String, String)>,
    on_leave: Callback<String>,
    readonly: bool,
    /// The sentence's words just before already name this blank: its label
    /// is for screen readers only.
    #[prop(optional)]
    named_before: bool,
    /// Closing punctuation after the blank, kept on its line.
    #[prop(optional)]
    tail: &'static str,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = blank.id;
    let input_id = format!("blank-{id}");
    let error_id = format!("error-{id}");
    let value_of = move |key: &str| answers.with(|a| a.get(key).cloned().unwrap_or_default());
    let error = error_at(state, errors, id);
    let required = blank.need.required_at(stage);
    // `try_run`: a focused blank fires `change` as it is removed, when the
    // phone's Back gesture leaves the page, and the page's callback is gone
    // by then (running it would panic).
    let leave = move |_| {
        on_leave.try_run(id.to_owned());
    };
    // A single-line input; kinds differ only in type, keyboard and width.
    let line = move |kind: &'static str, inputmode: &'static str, class: &'static str, max_chars: Option<usize>| {
        view! {
            <input id=format!("blank-{id}") name=id type=kind inputmode=inputmode class=class required=required
                list=(id == PLACE).then_some(RECENT_PLACES_LIST)
                readonly=readonly maxlength=max_chars.map(crate::components::input_maxlength) aria-invalid=move || error().is_some().to_string()
                aria-describedby=format!("error-{id}") prop:value=move || value_of(id)
                on:input=on(move |ev| on_edit.run((id.to_owned(), event_target_value(&ev)))) on:change=on(leave)/>
        }
        .into_any()
    };

    let control = match blank.kind {
        BlankKind::GeoPoint => return view! { <GeoBlank blank required answers errors on_edit readonly/> }.into_any(),
        BlankKind::MultiChoice { options } => {
            return view! { <MultiChoiceBlank blank options required answers errors on_edit readonly/> }.into_any()
        }
        BlankKind::Photos { .. } => return view! { <PhotoBlank blank report_id required errors readonly/> }.into_any(),
        BlankKind::LongText { max_chars } => view! {
            <textarea id=input_id.clone() name=id rows="3" maxlength=crate::components::input_maxlength(max_chars) required=required readonly=readonly
                aria-invalid=move || error().is_some().to_string() aria-describedby=error_id.clone()
                prop:value=move || value_of(id) on:input=on(move |ev| on_edit.run((id.to_owned(), event_target_value(&ev))))
                on:change=on(leave)></textarea>
        }
        .into_any(),
        BlankKind::Choice { options } => view! {
            <select id=input_id.clone() name=id required=required disabled=readonly
                aria-invalid=move || error().is_some().to_string() aria-describedby=error_id.clone()
                prop:value=move || value_of(id) on:change=on(move |ev| {
                    on_edit.run((id.to_owned(), event_target_value(&ev)));
                    on_leave.run(id.to_owned());
                })>
                <option value="">{state.tr(words::CHOOSE)}</option>
                {options.iter().map(|o| view! {
                    <option value=o.value selected=move || value_of(id) == o.value>{state.tr(o.label)}</option>
                }).collect_view()}
            </select>
        }
        .into_any(),
        BlankKind::DateTime => view! {
            {line("datetime-local", "none", "", None)}
            {(!readonly).then(|| view! {
                // Now by the server's clock, as the time blanks are judged
                // (a phone running fast would read its own now as future).
                <button type="button" class="inline-action" on:click=on(move |_| {
                    on_edit.run((id.to_owned(), state.server_now_answer()));
                })>{state.tr(words::NOW)}</button>
            })}
        }
        .into_any(),
        BlankKind::Date => line("date", "none", "", None),
        // Units (人, 间, 万元) are words of the sentence, right after the blank.
        BlankKind::Count { .. } => line("text", "numeric", "count", None),
        BlankKind::Amount { .. } => line("text", "decimal", "amount", None),
        BlankKind::Phone => line("tel", "tel", "", None),
        BlankKind::Text { max_chars } if id == PLACE && !readonly => view! {
            {line("text", "text", "", Some(max_chars))}
            <RecentPlaces/>
        }
        .into_any(),
        BlankKind::Text { max_chars } => line("text", "text", "", Some(max_chars)),
    };
    let wide = matches!(blank.kind, BlankKind::LongText { .. });
    // What the previous stage said, where this one differs.
    let changed = move || {
        previous.with(|p| {
            let before = p.as_ref()?.get(id).cloned().unwrap_or_default();
            let now = value_of(id);
            (before.trim() != now.trim()).then(|| {
                if before.trim().is_empty() {
                    state.t(words::CHANGED_NEW).to_owned()
                } else {
                    format!("{}{before}", state.t(words::CHANGED_FROM))
                }
            })
        })
    };
    // A wide blank ends its line itself: no punctuation after it.
    let tail = (!wide).then_some(tail).filter(|t| !t.is_empty());
    view! {
        <span class="blank" class:wide=wide class:has-error=move || error().is_some() class:changed=move || changed().is_some()>
            <label for=input_id class:visually-hidden=named_before>{state.tr(blank.label)}{required.then_some(" *")}</label>
            <span class="control">
                {control}
                // The label hidden, the required mark shows beside the input.
                {(named_before && required).then(|| view! { <span class="req" aria-hidden="true">"*"</span> })}
                {tail.map(|t| view! { <span class="tail">{t}</span> })}
            </span>
            <span class="was" data-testid="changed">{changed}</span>
            <span class="error" id=error_id role="alert">{error}</span>
        </span>
    }
    .into_any()
}

/// The 地点 blank, which offers the places reported from lately.
const PLACE: &str = "place";
const RECENT_PLACES_LIST: &str = "recent-places";

/// The places this account reported from lately on this phone, newest
/// first (`kuaibao_core::rules::picker::recent_places`), as the 地点 input's
/// suggestions: a worker on her beat types the same few again and again.
#[component]
fn RecentPlaces() -> impl IntoView {
    let state = expect_context::<AppState>();
    let account = state
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.session.account.id.clone()));
    let places = state.reports.with_untracked(|rs| {
        let mut mine: Vec<_> = rs
            .iter()
            .filter(|r| r.author.as_ref().map(|a| &a.account_id) == account.as_ref())
            .collect();
        // A short list: the small stable sort, not std's kilobytes per type.
        kuaibao_core::sort::insertion_sort(&mut mine, |a, b| b.updated_ms.total_cmp(&a.updated_ms).is_lt());
        kuaibao_core::rules::picker::recent_places(mine.iter().filter_map(|r| r.answers.get(PLACE).map(String::as_str)))
    });
    view! {
        <datalist id=RECENT_PLACES_LIST data-testid="recent-places">
            {places.into_iter().map(|p| view! { <option value=p></option> }).collect_view()}
        </datalist>
    }
}

/// Several options, as a group of checkboxes: the answer lists the chosen
/// values in the catalogue's order.
#[component]
fn MultiChoiceBlank(
    blank: &'static Blank,
    options: &'static [ChoiceOption],
    required: bool,
    #[prop(into)] answers: Signal<Answers>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    on_edit: Callback<(String, String)>,
    readonly: bool,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = blank.id;
    let chosen = move || {
        answers.with(|a| {
            a.get(id)
                .map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let error = error_at(state, errors, id);
    let toggle = move |value: &'static str, on: bool| {
        let mut picked = chosen();
        picked.retain(|v| v != value);
        if on {
            picked.push(value.to_owned());
        }
        let ordered: Vec<&str> = options
            .iter()
            .map(|o| o.value)
            .filter(|v| picked.iter().any(|p| p == v))
            .collect();
        on_edit.run((id.to_owned(), ordered.join(",")));
    };
    view! {
        // `blank-{id}`, focusable: where a failed submit takes the worker.
        <fieldset class="blank multi wide" class:has-error=move || error().is_some()
            id=format!("blank-{id}") tabindex="-1">
            <legend>{state.tr(blank.label)}{required.then_some(" *")}</legend>
            {options.iter().map(|o| {
                let input_id = format!("blank-{id}-{}", o.value);
                let label_for = input_id.clone();
                view! {
                    <label class="check" for=label_for>
                        <input type="checkbox" id=input_id name=id value=o.value disabled=readonly
                            aria-describedby=format!("error-{id}")
                            prop:checked=move || chosen().iter().any(|v| v == o.value)
                            on:change=on(move |ev| toggle(o.value, event_target_checked(&ev)))/>
                        {state.tr(o.label)}
                    </label>
                }
            }).collect_view()}
            <span class="error" role="alert" id=format!("error-{id}")>{error}</span>
        </fieldset>
    }
}

/// A GPS blank: latitude and longitude, filled from the phone's position
/// when the user allows it, typed otherwise.
#[component]
fn GeoBlank(
    blank: &'static Blank,
    required: bool,
    #[prop(into)] answers: Signal<Answers>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    on_edit: Callback<(String, String)>,
    readonly: bool,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = blank.id;
    let (lat_key, lon_key) = geo_keys(id);
    let note = RwSignal::new(String::new());
    let locating = RwSignal::new(false);
    let error = error_at(state, errors, id);
    let empty = {
        let (lat_key, lon_key) = (lat_key.clone(), lon_key.clone());
        // `try_`: also asked after the fix arrives, when the form may be gone.
        move || {
            answers
                .try_with_untracked(|a| !a.contains_key(&lat_key) && !a.contains_key(&lon_key))
                .unwrap_or(false)
        }
    };
    // `auto`: taken as the form opens, and kept only if the worker has not
    // typed a position meanwhile.
    let locate = {
        let (lat_key, lon_key) = (lat_key.clone(), lon_key.clone());
        let empty = empty.clone();
        move |auto: bool| {
            let (lat_key, lon_key, empty) = (lat_key.clone(), lon_key.clone(), empty.clone());
            locating.set(true);
            leptos::task::spawn_local(async move {
                let fix = geo::locate().await;
                // The worker may have left the form while the phone looked
                // for its position (seconds, or a permission prompt): its
                // callbacks and signals are gone then, and touching them
                // would panic.
                if locating.try_get_untracked().is_none() {
                    return;
                }
                if auto && !empty() {
                    let _ = locating.try_set(false);
                    return;
                }
                match fix {
                    Ok(fix) => {
                        on_edit.try_run((lat_key, platform::fixed(fix.lat, 6)));
                        on_edit.try_run((lon_key, platform::fixed(fix.lon, 6)));
                        let said = state.t(if auto { words::LOCATED_AUTO } else { words::LOCATED });
                        let _ = note.try_set(said.replace("{m}", &platform::fixed(fix.accuracy_m, 0)));
                    }
                    Err(e) => {
                        if let geo::GeoError::Failed(raw) = &e {
                            leptos::logging::warn!("geolocation failed: {raw}");
                        }
                        let _ = note.try_set(state.t(e.text()).to_owned());
                    }
                }
                let _ = locating.try_set(false);
            });
        }
    };
    // Most reports carried no position when it took a tap: a new form
    // takes one as it opens (the browser asks the first time).
    if !readonly && empty() {
        locate(true);
    }
    let forget = {
        let (lat_key, lon_key) = (lat_key.clone(), lon_key.clone());
        move |_| {
            on_edit.run((lat_key.clone(), String::new()));
            on_edit.run((lon_key.clone(), String::new()));
            note.set(state.t(words::POSITION_CLEARED).to_owned());
        }
    };
    let has_position = {
        let lat_key = lat_key.clone();
        move || answers.with(|a| a.get(&lat_key).is_some_and(|v| !v.is_empty()))
    };
    let coordinate = move |key: String, label: Text| {
        let input_id = format!("blank-{key}");
        let shown = key.clone();
        let edited = key.clone();
        view! {
            <span class="coord">
                <label for=input_id.clone()>{state.tr(label)}</label>
                <input id=input_id name=key type="text" inputmode="decimal" readonly=readonly
                    aria-invalid=move || error().is_some().to_string() aria-describedby=format!("error-{id}")
                    prop:value=move || answers.with(|a| a.get(&shown).cloned().unwrap_or_default())
                    on:input=on(move |ev| on_edit.run((edited.clone(), event_target_value(&ev))))/>
            </span>
        }
    };
    view! {
        <fieldset class="blank geo wide" class:has-error=move || error().is_some()
            id=format!("blank-{id}") tabindex="-1">
            <legend>{state.tr(blank.label)}{required.then_some(" *")}</legend>
            {coordinate(lat_key, words::LATITUDE)}
            {coordinate(lon_key, words::LONGITUDE)}
            {(!readonly).then(|| view! {
                <button type="button" class="inline-action" on:click=on(move |_| locate(false)) disabled=move || locating.get()>
                    {state.tr_if(locating, words::LOCATING, words::LOCATE)}
                </button>
                // The way to refuse: a position the worker does not want sent.
                <Shown when=has_position.clone()>
                    <button type="button" class="inline-action" on:click=on(forget.clone()) data-testid="forget-position">
                        {state.tr(words::FORGET_POSITION)}
                    </button>
                </Shown>
            })}
            <span class="note" role="status">{move || note.get()}</span>
            <span class="error" role="alert" id=format!("error-{id}")>{error}</span>
        </fieldset>
    }
}
