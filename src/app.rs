//! The root component: opens the store, then draws the shell.

use kuaibao_core::account::Role;
use kuaibao_core::Lang;
use leptos::prelude::*;

use crate::components::{dynamic, on, DevicePanel, SessionPrompt, Shown, UpdateBanner};
use crate::pages::{ArchivePage, HomePage, LoginPage, NewReportPage, ReportPage};
use crate::route::Route;
use crate::session::Standing;
use crate::state::AppState;
use crate::store::{Store, StoreError};
use crate::words;

#[component]
pub fn App() -> impl IntoView {
    let opened: RwSignal<Option<Result<AppState, StoreError>>> = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        let result = match Store::open().await {
            Ok(store) => Ok(AppState::start(store).await),
            Err(e) => Err(e),
        };
        // The plain login screen goes as the app's first screen comes, in
        // the same turn: never both, never neither.
        crate::pwa::boot::take_over();
        opened.set(Some(result));
    });
    dynamic(move || match opened.get() {
        None => loading(),
        Some(Err(e)) => view! {
            <main class="fatal" role="alert">
                <p>{words::STORE_FAILED.zh}</p>
                <p>{words::STORE_FAILED.en}</p>
                <p>{e.message(Lang::Zh)}</p>
                <p>{e.message(Lang::En)}</p>
            </main>
        }
        .into_any(),
        Some(Ok(state)) => view! { <Shell state/> }.into_any(),
    })
}

/// What shows while the phone's records are read.
fn loading() -> AnyView {
    view! { <p class="loading">"快报 …"</p> }.into_any()
}

/// The app once its store is open.
#[component]
fn Shell(
    /// The app's state, provided to every component below.
    state: AppState,
) -> impl IntoView {
    provide_context(state);
    Effect::new(move |_| {
        let tag = state.lang.get().tag();
        if let Some(html) = document().document_element() {
            let _attribute_is_cosmetic = html.set_attribute("lang", tag);
        }
    });
    let toggle_lang = move |_| {
        state.set_lang(if state.lang.get_untracked() == Lang::Zh {
            Lang::En
        } else {
            Lang::Zh
        })
    };
    // Only "is anyone logged in" redraws the screen: an expiry while a draft
    // is open must not take the focus from the blank being typed in.
    let logged_out = Memo::new(move |_| state.standing.get() == Standing::LoggedOut);
    Effect::new(move |_| crate::pwa::boot::remember_session(!logged_out.get()));
    // Officers and administrators work at the duty office's desk page.
    let officer = Memo::new(move |_| {
        state
            .session
            .with(|s| s.as_ref().is_some_and(|s| s.session.account.role != Role::Reporter))
    });
    view! {
        <header class="topbar">
            <h1>
                <a href="#/">{state.tr(words::APP_NAME)}</a>
            </h1>
            <span class="net" class:offline=move || !state.online.get() data-testid="net-state" role="status">
                {state.tr_if(state.online, words::ONLINE, words::OFFLINE)}
            </span>
            {dynamic(move || officer.get().then(|| view! {
                <a href="/office/" class="office-link" data-testid="office-link">{state.tr(words::DUTY_OFFICE)}</a>
            }).into_any())}
            // Named in its own language, and read in its voice.
            <button type="button" class="lang" on:click=on(toggle_lang)
                lang=move || if state.lang.get() == Lang::Zh { "en" } else { "zh-CN" }>
                {state.tr(words::LANGUAGE)}
            </button>
        </header>
        <UpdateBanner/>
        <main>
            {dynamic(move || match (logged_out.get(), state.route.get()) {
                (true, _) => view! { <LoginPage/> }.into_any(),
                // The device panel is under the list, out of sight: drawn
                // once the rest of the reports is read, not in the moment
                // the list's first page is (issue 19).
                (false, Route::Home) => view! {
                    <HomePage/>
                    <Shown when=move || state.partial.get() == 0><DevicePanel/></Shown>
                }
                .into_any(),
                // Opened on the list, the other screens wait the moment
                // the rest of the reports takes to read: they would read
                // the list's first page as all there is. Read here only
                // off the list, so the list is not drawn again.
                (false, _) if state.partial.get() > 0 => loading(),
                (false, Route::New) => view! { <SessionPrompt/> <NewReportPage/> }.into_any(),
                (false, Route::Report(id)) => view! { <SessionPrompt/> <ReportPage id/> }.into_any(),
                (false, Route::Archive) => view! { <ArchivePage/> }.into_any(),
                (false, Route::CrashTest) => crate::crash::test_panic(),
            })}
        </main>
    }
}
