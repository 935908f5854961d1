//! The map (地图): every incident and hazard of the officer's area that
//! has a position, as a point coloured by grade (the core's
//! `kuaibao_core::desk::geo`), on the base map the server names
//! (`GET /api/office/map`), or on a plain background when none is
//! configured; the reports without a position listed below it. Reloaded
//! live like the inbox.
//!
//! Positions are WGS-84 from the phones. On a GCJ-02 base map (AMap,
//! Tencent) each point is shifted by the core's formula for display only.
//! Leaflet is vendored (`public/vendor/leaflet`) and loaded by office.html
//! alone, as is `map.js` (`window.kuaibaoMap`), which draws what this
//! module decides.

use kuaibao_core::desk::geo::{self, MapConfig, PointKind, PointStyle, TileCrs, MAP_PATH, NO_TILES_NOTE};
use kuaibao_core::desk::office::{Inbox, ThreadSummary, INBOX_PATH};
use kuaibao_core::Lang;
use leptos::html;
use leptos::prelude::*;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::api::{self, ApiFail};
use super::route::Route;
use super::state::Desk;

/// When the map cannot be drawn (the browser said why, in the console).
const MAP_FAILED: &str = "地图无法绘制，请刷新页面再试；一直如此请告诉管理员。/ The map cannot be drawn: reload the page, and tell your administrator if it goes on.";

// `window.kuaibaoMap`, from `src/office/map.js`: a classic script of
// office.html, not a module snippet, so the phone's build carries none of
// it. Missing (the script did not load), the calls throw and are caught.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = kuaibaoMap, js_name = showMap, catch)]
    fn show_map(
        container: &web_sys::HtmlElement,
        tiles: &str,
        points: &str,
        no_tiles_note: &str,
        fit: bool,
    ) -> Result<(), JsValue>;

    #[wasm_bindgen(js_namespace = kuaibaoMap, js_name = dropMap, catch)]
    fn drop_map(container: &web_sys::HtmlElement) -> Result<(), JsValue>;
}

/// One point as `map.js` draws it.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Point {
    id: String,
    /// In the base map's datum.
    lat: f64,
    lon: f64,
    kind: &'static str,
    overdue: bool,
    fill: &'static str,
    stroke: &'static str,
    weight: u8,
    radius: u8,
    dash: Option<&'static str>,
    title: String,
    href: String,
    facts: Vec<(&'static str, String)>,
}

/// What a point is, in words: its kind and grade.
fn kind_words(thread: &ThreadSummary) -> String {
    match PointKind::of(thread) {
        PointKind::Graded(g) => g.name().get(Lang::Zh).to_owned(),
        kind => kind.label_zh().to_owned(),
    }
}

/// The point of `thread` at WGS-84 `(lat, lon)`, drawn on a base map in
/// `crs`.
fn point(thread: &ThreadSummary, (lat, lon): (f64, f64), crs: TileCrs) -> Point {
    let style = PointStyle::of(thread);
    let (shown_lat, shown_lon) = geo::display_position(lat, lon, crs);
    let stage = thread.stage_name(thread.latest_stage).get(Lang::Zh);
    let mut facts = vec![
        ("等级", kind_words(thread)),
        ("阶段", stage),
        ("区域", thread.area.name.clone()),
        ("报告人", thread.reporter_name.clone()),
    ];
    if let Some(days) = thread.rectification_overdue_days {
        facts.push(("整改", format!("逾期 {days} 天")));
    } else if style.overdue {
        facts.push(("时限", "已逾期".to_owned()));
    }
    facts.push(("位置（WGS-84）", format!("{lat:.6}, {lon:.6}")));
    Point {
        id: thread.thread_id.to_string(),
        lat: shown_lat,
        lon: shown_lon,
        kind: style.kind.key(),
        overdue: style.overdue,
        fill: style.fill,
        stroke: style.stroke,
        weight: style.weight,
        radius: style.radius,
        dash: style.dash,
        title: format!("{} · {}", thread.title_zh, kind_words(thread)),
        href: Route::Thread(thread.thread_id).to_hash(),
        facts,
    }
}

/// The threads a map can place, as points, and those it cannot.
fn place(threads: &[ThreadSummary], crs: TileCrs) -> (Vec<Point>, Vec<ThreadSummary>) {
    let mut points = Vec::new();
    let mut unplaced = Vec::new();
    for thread in threads {
        match geo::position(thread) {
            Some(at) => points.push(point(thread, at, crs)),
            None => unplaced.push(thread.clone()),
        }
    }
    (points, unplaced)
}

/// The sentence stating the coordinates.
fn datum_words(config: &MapConfig) -> &'static str {
    match config.tiles.as_ref().map(|t| t.crs) {
        None => "位置为 WGS-84 坐标（手机 GPS 原值，存储与导出同此）。未配置底图，仅显示位置。",
        Some(TileCrs::Wgs84) => "位置为 WGS-84 坐标（手机 GPS 原值，存储与导出同此）；底图为 WGS-84，按原值显示。",
        Some(TileCrs::Gcj02) => {
            "位置为 WGS-84 坐标（手机 GPS 原值，存储与导出同此）；底图为 GCJ-02（国测局坐标），\
             显示时已换算为 GCJ-02，仅用于显示。"
        }
    }
}

#[component]
pub fn MapPage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let config: RwSignal<Option<Result<MapConfig, ApiFail>>> = RwSignal::new(None);
    let inbox: RwSignal<Option<Result<Inbox, ApiFail>>> = RwSignal::new(None);
    let token = desk.token();
    leptos::task::spawn_local(async move {
        let result = api::get::<MapConfig>(&token, MAP_PATH).await;
        if let Err(e) = &result {
            desk.failed(e);
        }
        config.set(Some(result));
    });
    let seq = StoredValue::new(0u64);
    Effect::new(move |_| {
        desk.changed.track();
        let token = desk.token();
        seq.update_value(|n| *n += 1);
        let mine = seq.get_value();
        leptos::task::spawn_local(async move {
            // Every thread up to MAP_PAGES pages of the most the server
            // gives at once: the map shows them all, not a page of them.
            let result = api::get_pages::<Inbox>(
                &token,
                &format!("{INBOX_PATH}?limit={}", kuaibao_core::wire::page::MAX_LIMIT),
                MAP_PAGES,
                |inbox, page| inbox.threads.extend(page.threads),
            )
            .await
            .map(|(inbox, _)| inbox);
            // A newer fetch is on its way, or the map was left meanwhile.
            if seq.try_get_value() != Some(mine) {
                return;
            }
            if let Err(e) = &result {
                desk.failed(e);
            }
            inbox.set(Some(result));
        });
    });

    let placed = Memo::new(move |_| {
        let crs = config.with(|c| match c {
            Some(Ok(c)) => c.display_crs(),
            _ => TileCrs::Wgs84,
        });
        inbox.with(|i| match i {
            Some(Ok(inbox)) => Some(place(&inbox.threads, crs)),
            _ => None,
        })
    });

    let container = NodeRef::<html::Div>::new();
    let drawn: StoredValue<Option<web_sys::HtmlElement>, LocalStorage> = StoredValue::new_local(None);
    let failure: RwSignal<Option<String>> = RwSignal::new(None);
    let draw = move |fit: bool| {
        let Some(el) = container.get_untracked() else {
            return;
        };
        let Some(Ok(config)) = config.get_untracked() else {
            return;
        };
        let Some((points, _)) = placed.get_untracked() else {
            return;
        };
        let tiles = serde_json::to_string(&config.tiles).unwrap_or_else(|_| "null".to_owned());
        let points = serde_json::to_string(&points).unwrap_or_else(|_| "[]".to_owned());
        let el: web_sys::HtmlElement = el.into();
        let first = drawn.with_value(|d| d.is_none());
        match show_map(&el, &tiles, &points, NO_TILES_NOTE, fit || first) {
            Ok(()) => {
                drawn.set_value(Some(el));
                failure.set(None);
            }
            Err(e) => {
                leptos::logging::error!("the map cannot be drawn: {}", crate::platform::js_error(&e));
                // The browser's words went to the console above; the officer
                // reads what to do.
                failure.set(Some(MAP_FAILED.to_owned()));
            }
        }
    };
    Effect::new(move |_| {
        container.track();
        config.track();
        placed.track();
        draw(false);
    });
    on_cleanup(move || {
        if let Some(el) = drawn.try_get_value().flatten() {
            if let Err(e) = drop_map(&el) {
                leptos::logging::warn!("the map was not taken down: {}", crate::platform::js_error(&e));
            }
        }
    });

    let datum = move || {
        config.with(|c| match c {
            Some(Ok(c)) => datum_words(c).to_owned(),
            _ => "位置为 WGS-84 坐标（手机 GPS 原值）。".to_owned(),
        })
    };
    let status = move || match (config.get(), inbox.get()) {
        (Some(Err(e)), _) | (_, Some(Err(e))) => {
            view! { <p class="form-error" role="alert" data-testid="map-error">{e.words()}</p> }.into_any()
        }
        (None, _) | (_, None) => view! { <p class="loading" data-testid="map-loading">"正在读取地图…"</p> }.into_any(),
        _ => placed
            .get()
            .map(|(points, unplaced)| {
                view! {
                    <p class="map-count" data-testid="map-count">
                        {format!("地图上 {} 件；无位置 {} 件", points.len(), unplaced.len())}
                    </p>
                }
            })
            .into_any(),
    };
    let unplaced = move || {
        placed.get().map(|(_, unplaced)| {
            let count = unplaced.len();
            let items = unplaced
                .into_iter()
                .map(|t| {
                    view! {
                        <li data-testid="map-unlocated-thread" data-thread=t.thread_id.to_string()>
                            <a href=Route::Thread(t.thread_id).to_hash()>{t.title_zh.clone()}</a>
                            // The typed place: where to look, without a fix.
                            {(!t.place.is_empty()).then(|| view! { " · "<span class="place" data-testid="map-unlocated-place">{t.place.clone()}</span> })}
                            {format!(" · {} · {} · 报告人 {}", kind_words(&t), t.area.name, t.reporter_name)}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="map-unlocated" data-testid="map-unlocated" aria-labelledby="map-unlocated-title">
                    <h3 id="map-unlocated-title">{format!("无位置的报告（{count}）")}</h3>
                    {if count == 0 {
                        view! { <p class="empty" data-testid="map-unlocated-none">"所有报告均有位置。"</p> }.into_any()
                    } else {
                        view! { <ul>{items}</ul> }.into_any()
                    }}
                </section>
            }
        })
    };
    view! {
        <section class="map-page" aria-labelledby="map-title">
            <div class="map-head">
                <h2 id="map-title">"地图"</h2>
                {status}
                <button type="button" class="quiet" data-testid="map-fit" on:click=move |_| draw(true)>
                    "显示全部"
                </button>
            </div>
            <p class="map-datum" data-testid="map-datum">{datum}</p>
            {move || failure.get().map(|f| view! { <p class="form-error" role="alert">{f}</p> })}
            <div class="map-frame">
                <div class="map" node_ref=container data-testid="map" role="region" aria-label="事件与隐患位置图"></div>
                <MapLegend/>
            </div>
            {unplaced}
        </section>
    }
}

/// What the colours and outlines mean, drawn as the points are (SVG
/// attributes, no inline styles).
#[component]
fn MapLegend() -> impl IntoView {
    let entries = geo::legend()
        .into_iter()
        .map(|entry| {
            let s = entry.style;
            let r = f64::from(s.radius).min(9.0);
            view! {
                <li data-testid="map-legend-entry" data-kind=s.kind.key() data-overdue=if s.overdue { "yes" } else { "no" }>
                    <svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true">
                        <circle
                            cx="12"
                            cy="12"
                            r=r.to_string()
                            fill=s.fill
                            fill-opacity="0.9"
                            stroke=if s.stroke == "#ffffff" { "#555555" } else { s.stroke }
                            stroke-width=s.weight.to_string()
                            stroke-dasharray=s.dash.unwrap_or("none")
                        ></circle>
                    </svg>
                    <span>{entry.label_zh}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <aside class="map-legend" data-testid="map-legend" aria-label="图例">
            <h3>"图例"</h3>
            <ul>{entries}</ul>
        </aside>
    }
}

/// How many pages of the inbox the map reads (each of
/// `kuaibao_core::wire::page::MAX_LIMIT` threads): a district's year is well
/// within; beyond, the map shows the newest and the inbox pages on.
const MAP_PAGES: usize = 5;
