use kuaibao_core::report::geo_keys;
use kuaibao_core::validate::beijing;
use kuaibao_core::{Answers, Blank, BlankKind, FieldError};
use leptos::prelude::*;

use crate::device::geo;
use crate::platform;
use crate::state::AppState;
use crate::words;

/// One blank: a labelled input chosen by the blank's kind, and its error.
#[component]
pub fn BlankInput(
    blank: &'static Blank,
    #[prop(into)] answers: Signal<Answers>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    on_edit: Callback<(String, String)>,
    on_leave: Callback<String>,
    readonly: bool,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = blank.id;
    let input_id = format!("blank-{id}");
    let error_id = format!("error-{id}");
    let value_of = move |key: &str| answers.with(|a| a.get(key).cloned().unwrap_or_default());
    let error = move || errors.with(|es| es.iter().find(|e| e.field == id).map(|e| e.message(state.lang.get()).to_owned()));
    let invalid = move || error().is_some().to_string();
    let label = move || state.t(blank.label);
    let required = blank.required;
    let edit = move |key: String| move |ev| on_edit.run((key.clone(), event_target_value(&ev)));
    let leave = move |_| on_leave.run(id.to_owned());

    let control = match blank.kind {
        BlankKind::GeoPoint => return view! { <GeoBlank blank answers errors on_edit readonly/> }.into_any(),
        BlankKind::LongText { max_chars } => view! {
            <textarea id=input_id.clone() name=id rows="3" maxlength=max_chars * 2 required=required readonly=readonly
                aria-invalid=invalid aria-describedby=error_id.clone()
                prop:value=move || value_of(id) on:input=edit(id.to_owned()) on:change=leave></textarea>
        }
        .into_any(),
        BlankKind::Choice { options } => view! {
            <select id=input_id.clone() name=id required=required disabled=readonly aria-invalid=invalid
                aria-describedby=error_id.clone() prop:value=move || value_of(id) on:change=move |ev| {
                    on_edit.run((id.to_owned(), event_target_value(&ev)));
                    on_leave.run(id.to_owned());
                }>
                <option value="">{move || state.t(words::CHOOSE)}</option>
                {options.iter().map(|o| view! {
                    <option value=o.value selected=move || value_of(id) == o.value>{move || state.t(o.label)}</option>
                }).collect_view()}
            </select>
        }
        .into_any(),
        BlankKind::DateTime => view! {
            <input id=input_id.clone() name=id type="datetime-local" required=required readonly=readonly
                aria-invalid=invalid aria-describedby=error_id.clone()
                prop:value=move || value_of(id) on:input=edit(id.to_owned()) on:change=leave/>
            <Show when=move || !readonly>
                <button type="button" class="inline-action" on:click=move |_| {
                    let now = platform::now_local().with_timezone(&beijing()).format("%Y-%m-%dT%H:%M").to_string();
                    on_edit.run((id.to_owned(), now));
                }>{move || state.t(words::NOW)}</button>
            </Show>
        }
        .into_any(),
        BlankKind::Count { .. } => view! {
            <input id=input_id.clone() name=id type="text" inputmode="numeric" pattern="[0-9]*" class="count"
                required=required readonly=readonly aria-invalid=invalid aria-describedby=error_id.clone()
                prop:value=move || value_of(id) on:input=edit(id.to_owned()) on:change=leave/>
        }
        .into_any(),
        BlankKind::Phone => view! {
            <input id=input_id.clone() name=id type="tel" inputmode="tel" autocomplete="tel" required=required
                readonly=readonly aria-invalid=invalid aria-describedby=error_id.clone()
                prop:value=move || value_of(id) on:input=edit(id.to_owned()) on:change=leave/>
        }
        .into_any(),
        BlankKind::Text { max_chars } => view! {
            <input id=input_id.clone() name=id type="text" maxlength=max_chars * 2 required=required readonly=readonly
                aria-invalid=invalid aria-describedby=error_id.clone()
                prop:value=move || value_of(id) on:input=edit(id.to_owned()) on:change=leave/>
        }
        .into_any(),
    };
    let wide = matches!(blank.kind, BlankKind::LongText { .. });
    view! {
        <span class="blank" class:wide=wide class:has-error=move || error().is_some()>
            <label for=input_id>{label}{required.then_some(" *")}</label>
            {control}
            <span class="error" id=error_id role="alert">{error}</span>
        </span>
    }
    .into_any()
}

/// A GPS blank: latitude and longitude, filled from the phone's position
/// when the user allows it, typed otherwise.
#[component]
fn GeoBlank(
    blank: &'static Blank,
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
    let error = move || errors.with(|es| es.iter().find(|e| e.field == id).map(|e| e.message(state.lang.get()).to_owned()));
    let locate = {
        let (lat_key, lon_key) = (lat_key.clone(), lon_key.clone());
        move |_| {
            let (lat_key, lon_key) = (lat_key.clone(), lon_key.clone());
            locating.set(true);
            leptos::task::spawn_local(async move {
                match geo::locate().await {
                    Ok(fix) => {
                        on_edit.run((lat_key, format!("{:.6}", fix.lat)));
                        on_edit.run((lon_key, format!("{:.6}", fix.lon)));
                        note.set(format!("{} {:.0} m", state.t(words::ACCURACY), fix.accuracy_m));
                    }
                    Err(e) => note.set(e.to_string()),
                }
                locating.set(false);
            });
        }
    };
    let coordinate = move |key: String, label: kuaibao_core::Text| {
        let input_id = format!("blank-{key}");
        let shown = key.clone();
        let edited = key.clone();
        view! {
            <span class="coord">
                <label for=input_id.clone()>{move || state.t(label)}</label>
                <input id=input_id name=key type="text" inputmode="decimal" readonly=readonly
                    aria-invalid=move || error().is_some().to_string()
                    prop:value=move || answers.with(|a| a.get(&shown).cloned().unwrap_or_default())
                    on:input=move |ev| on_edit.run((edited.clone(), event_target_value(&ev)))/>
            </span>
        }
    };
    view! {
        <fieldset class="blank geo wide" class:has-error=move || error().is_some()>
            <legend>{move || state.t(blank.label)}</legend>
            {coordinate(lat_key, words::LATITUDE)}
            {coordinate(lon_key, words::LONGITUDE)}
            <Show when=move || !readonly>
                <button type="button" class="inline-action" on:click=locate.clone() disabled=move || locating.get()>
                    {move || if locating.get() { state.t(words::LOCATING) } else { state.t(words::LOCATE) }}
                </button>
            </Show>
            <span class="note" role="status">{move || note.get()}</span>
            <span class="error" role="alert">{error}</span>
        </fieldset>
    }
}
