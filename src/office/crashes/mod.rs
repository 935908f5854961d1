//! The crash reports (崩溃报告) of the phones and of the desk itself, for
//! administrators: how many each build had, the build with the latest
//! crash first, and the latest reports with their page, message, account,
//! device and times.

use kuaibao_core::wire::crash::{CrashKind, CrashList, CRASHES_PATH};
use leptos::prelude::*;

use super::api::ApiFail;
use super::bj;
use super::more::{load, LoadMore, Loaded};
use super::state::Desk;

fn kind_words(kind: CrashKind) -> &'static str {
    match kind {
        CrashKind::Panic => "程序崩溃（panic）",
        CrashKind::Error => "脚本错误（error）",
        CrashKind::Rejection => "未处理的异步错误（rejection）",
    }
}

#[component]
pub fn CrashesPage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let list: RwSignal<Option<Result<Loaded<CrashList>, ApiFail>>> = RwSignal::new(None);
    let seq = StoredValue::new(0u64);
    load(desk, CRASHES_PATH.to_owned(), 1, merge, list, seq);
    let body = move || match list.get().map(|l| l.map(|l| l.value)) {
        None => view! { <p class="loading">"正在读取崩溃报告…"</p> }.into_any(),
        Some(Err(e)) => {
            view! { <p class="form-error" role="alert" data-testid="crashes-error">{e.words()}</p> }.into_any()
        }
        Some(Ok(l)) if l.latest.is_empty() => view! {
            <p class="empty" data-testid="crashes-empty">"辖区内的手机没有报告过崩溃。 No crashes reported."</p>
        }
        .into_any(),
        Some(Ok(l)) => {
            let builds = l
                .builds
                .into_iter()
                .map(|b| {
                    view! {
                        <tr data-testid="crash-build" data-build=b.build.clone()>
                            <th scope="row"><code>{b.build.clone()}</code></th>
                            <td data-testid="crash-build-count">{b.count}</td>
                            <td>{bj(b.last_received_at)}</td>
                        </tr>
                    }
                })
                .collect_view();
            let latest = l
                .latest
                .into_iter()
                .map(|stored| {
                    let c = stored.report;
                    view! {
                        <li class="crash" data-testid="crash" data-id=c.id.to_string() data-build=c.build.clone()>
                            <p class="crash-head">
                                <span class="crash-kind">{kind_words(c.kind)}</span>
                                " · "<code>{c.build.clone()}</code>
                                " · "<span data-testid="crash-page">{if c.page.is_empty() { "—".to_owned() } else { c.page.clone() }}</span>
                            </p>
                            <pre class="crash-message" data-testid="crash-message">{c.message.clone()}</pre>
                            <p class="crash-meta">
                                {format!(
                                    "{}（{}） · 设备 {} · 发生 {} · 收到 {}",
                                    stored.display_name,
                                    stored.username,
                                    stored.device_id,
                                    bj(c.at),
                                    bj(stored.received_at)
                                )}
                            </p>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <h3>"各版本崩溃次数 · Crashes per build"</h3>
                <table class="ledger crash-builds">
                    <thead>
                        <tr>
                            <th scope="col">"版本 Build"</th>
                            <th scope="col">"次数 Count"</th>
                            <th scope="col">"最近收到 Latest"</th>
                        </tr>
                    </thead>
                    <tbody>{builds}</tbody>
                </table>
                <h3>"最近的崩溃 · Latest"</h3>
                <ul class="crashes">{latest}</ul>
            }
            .into_any()
        }
    };
    view! {
        <section class="crashes-page" aria-labelledby="crashes-title" data-testid="crashes">
            <h2 id="crashes-title">"崩溃报告 · Crash reports"</h2>
            <p class="hint">
                "手机上的快报和值班室页面出错时记下的报告，有信号后自动送来（“页面”一栏以 /office/ 开头的来自值班室）。"
                "要检验这条链路，可在手机上打开 "<code>"/#/crash-test"</code>"，或在值班室打开 "<code>"/office/#/crash-test"</code>"：页面会真的崩溃一次（草稿不受影响）。"
            </p>
            <p><button type="button" class="quiet" on:click=move |_| load(desk, CRASHES_PATH.to_owned(), 1, merge, list, seq) data-testid="crashes-reload">"刷新 Refresh"</button></p>
            {body}
            <LoadMore list merge seq/>
        </section>
    }
}

/// A later page's (older) crashes follow those loaded; the counts per build
/// come with the first page only.
fn merge(list: &mut CrashList, page: CrashList) {
    list.latest.extend(page.latest);
}
