//! The duty office's root: opens the shared store, then shows the login or
//! the desk (top bar, navigation, the open view).

use kuaibao_core::Lang;
use leptos::prelude::*;

use super::accountability::AccountabilityPage;
use super::crashes::CrashesPage;
use super::inbox::InboxPage;
use super::incident::IncidentPage;
use super::ledger::LedgerPage;
use super::login::OfficeLogin;
use super::map::MapPage;
use super::route::Route;
use super::state::Desk;
use super::statistics::StatisticsPage;
use crate::store::{Store, StoreError};

#[component]
pub fn OfficeApp() -> impl IntoView {
    let opened: RwSignal<Option<Result<Desk, StoreError>>, LocalStorage> = RwSignal::new_local(None);
    let replaced = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        let result = match Store::open().await {
            Ok(store) => {
                // A newer release of the phone app opened in another tab
                // upgrades the shared database; the desk keeps only its
                // login there, and lets go rather than hold that tab at its
                // start. It is not reloaded (the answers typed would go),
                // but says to, once what is typed is copied.
                store.give_way(|| async { true }, move |_| replaced.set(true));
                Ok(Desk::start(store).await)
            }
            Err(e) => Err(e),
        };
        opened.set(Some(result));
    });
    move || {
        match opened.get() {
            None => view! { <p class="loading">"快报 · 值班室 …"</p> }.into_any(),
            Some(Err(e)) => view! {
                <main class="fatal" role="alert">
                    // The reason below names the storage already.
                    <p>"值班室无法启动。/ The duty office cannot start."</p>
                    <p>{e.message(Lang::Zh)}</p>
                    <p>{e.message(Lang::En)}</p>
                </main>
            }
            .into_any(),
            Some(Ok(desk)) => view! {
                {move || replaced.get().then(|| view! {
                    <p class="notice" role="alert" data-testid="desk-replaced">
                        "快报已在另一个标签页更新，本页已不能保存登录。请先复制还没发出的答复，再刷新本页。/ \
                         Kuaibao was updated in another tab: copy any answer not yet sent, then reload this page."
                    </p>
                })}
                <Shell desk/>
            }
            .into_any(),
        }
    }
}

#[component]
fn Shell(
    /// The desk's state, provided to every view below.
    desk: Desk,
) -> impl IntoView {
    provide_context(desk);
    // The answers' drafts, by thread: they outlive each incident page.
    provide_context(super::incident::Shelf::new());
    let logged_in = Memo::new(move |_| desk.session.with(|s| s.is_some()));
    let officer = Memo::new(move |_| desk.is_officer());
    let admin = Memo::new(move |_| desk.is_admin());
    let who = move || {
        desk.session.with(|s| {
            s.as_ref()
                .map(|s| format!("{}（{}）", s.account.display_name, s.account.area.name))
        })
    };
    let log_out = move |_| leptos::task::spawn_local(async move { desk.log_out().await });
    let tab = move |route: Route, label: &'static str, id: &'static str| {
        // The inbox tab stands for the inbox and the threads opened from it.
        let section = |r: &Route| match r {
            Route::Inbox(_) | Route::Thread(_) => 0,
            Route::Hazards => 1,
            Route::Map => 2,
            Route::Accountability => 3,
            Route::Statistics(_) => 4,
            Route::Crashes | Route::CrashTest => 5,
        };
        let mine = section(&route);
        let current = move || desk.route.with(section) == mine;
        view! {
            <a href=route.to_hash() class="tab" data-testid=id aria-current=move || current().then_some("page")>{label}</a>
        }
    };
    view! {
        <header class="office-bar">
            <h1>"快报 · 值班室"</h1>
            {move || logged_in.get().then(|| view! {
                <nav aria-label="值班室">
                    {tab(Route::Inbox(String::new()), "收件箱", "nav-inbox")}
                    {tab(Route::Hazards, "隐患台账", "nav-hazards")}
                    {tab(Route::Map, "地图", "nav-map")}
                    {tab(Route::Accountability, "问责台账", "nav-accountability")}
                    {tab(Route::Statistics(String::new()), "统计", "nav-statistics")}
                    {move || admin.get().then(|| tab(Route::Crashes, "崩溃报告", "nav-crashes"))}
                </nav>
                // Said when it changes: a feed that stopped means the inbox is stale.
                <span class="live" data-testid="live-state" role="status" data-state=move || desk.live.get().key()>
                    {move || desk.live.get().words()}
                </span>
                <span class="who" data-testid="who">{who}</span>
                <button type="button" class="quiet" on:click=log_out data-testid="logout">"退出登录"</button>
            })}
        </header>
        <main class="office">
            {move || match (logged_in.get(), officer.get()) {
                (false, _) => view! { <OfficeLogin/> }.into_any(),
                (true, false) => view! {
                    <section class="notice" role="alert" data-testid="not-officer">
                        <h2>"此页面供值班员使用"</h2>
                        <p>"当前账号是报告人账号。请在手机上使用快报填报，或用值班员账号登录。"</p>
                        <p><a href="/" class="button">"返回快报"</a></p>
                    </section>
                }
                .into_any(),
                (true, true) => view! { <Views/> }.into_any(),
            }}
        </main>
    }
}

/// The open view.
#[component]
fn Views() -> impl IntoView {
    let desk = expect_context::<Desk>();
    // Only the kind of view (and the thread) redraws the page; a new
    // filter is the inbox's own business.
    let which = Memo::new(move |_| match desk.route.get() {
        Route::Inbox(_) => Route::Inbox(String::new()),
        Route::Statistics(_) => Route::Statistics(String::new()),
        other => other,
    });
    move || match which.get() {
        Route::Inbox(_) => view! { <InboxPage/> }.into_any(),
        Route::Thread(id) => view! { <IncidentPage id/> }.into_any(),
        Route::Hazards => view! { <LedgerPage/> }.into_any(),
        Route::Map => view! { <MapPage/> }.into_any(),
        Route::Accountability => view! { <AccountabilityPage/> }.into_any(),
        Route::Statistics(_) => view! { <StatisticsPage/> }.into_any(),
        Route::Crashes => view! { <CrashesPage/> }.into_any(),
        Route::CrashTest => crate::crash::test_panic(),
    }
}
