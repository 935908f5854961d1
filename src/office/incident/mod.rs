//! One incident or hazard: its line of the inbox (grade, deadlines,
//! acknowledgement, open requests), the whole stage chain 首报 → 续报 → 终报
//! with what each stage changed, the three times of every record and the
//! phone's clock offset, the photos as they arrive, and the office's
//! answers: 确认收到, 请求续报 (incidents) and 验收销号 (a rectified
//! hazard); and the written report, signed (签发) and printed.

mod answer;
mod call;
mod close;
mod close_photo;
mod photos;
mod record;
mod send;
mod sign;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kuaibao_core::desk::office::{Inbox, ThreadSummary, INBOX_PATH};
use kuaibao_core::desk::signing::{Signature, SIGNATURES_PATH};
use kuaibao_core::rules::closing::may_close;
use kuaibao_core::rules::stage::ThreadKind;
use kuaibao_core::ReportId;
use leptos::prelude::*;

use super::api::{self, with_id, ApiFail, Thread};
use super::exports::{cap_path, ExportButton};
use super::inbox::Fetched;
use super::state::Desk;
use answer::{AckSending, AcknowledgeBox, AskBox, AskDraft};
use call::{CallBox, CallDraft};
use close::{CloseBox, CloseDraft};
use record::RecordCard;
use sign::{SignBox, SignDraft};

/// The thread's path (`GET`): its records in stage order.
pub const THREAD_PATH: &str = "/api/threads/{id}";

/// What the page shows, fetched together.
#[derive(Debug, Clone, PartialEq)]
struct Loaded {
    thread: Thread,
    /// The inbox's line of this thread, and the inbox's server time.
    summary: Option<Fetched<(ThreadSummary, chrono::DateTime<chrono::Utc>)>>,
    /// The signings of its written report (none when they cannot be read).
    signatures: Vec<Signature>,
}

impl Loaded {
    /// Whether the page would show the same as `other`: the same records,
    /// inbox line and signings, whenever each was fetched.
    fn shows_same_as(&self, other: &Loaded) -> bool {
        self.thread == other.thread && self.signatures == other.signatures && self.line() == other.line()
    }

    /// The inbox's line of the thread, without when it was fetched nor what
    /// only the clock changes: each deadline's seconds left, which the page
    /// counts down itself from the fetch. A deadline's state (running, due
    /// soon, overdue, met) is compared: its change is news.
    fn line(&self) -> Option<ThreadSummary> {
        self.summary.as_ref().map(|f| {
            let mut line = f.value.0.clone();
            for deadline in &mut line.deadlines {
                deadline.seconds = 0;
            }
            line
        })
    }
}

#[component]
pub fn IncidentPage(id: ReportId) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let loaded: RwSignal<Option<Result<Loaded, ApiFail>>> = RwSignal::new(None);
    // Why the last reload failed, while the thread shown is the one before.
    let stale: RwSignal<Option<String>> = RwSignal::new(None);
    let reload = move || {
        let token = desk.token();
        leptos::task::spawn_local(async move {
            let thread = api::get::<Thread>(&token, &with_id(THREAD_PATH, id)).await;
            // The inbox's line of this thread alone, whichever page of the
            // inbox it would be on.
            let inbox = api::get::<Inbox>(&token, &format!("{INBOX_PATH}?thread={id}")).await;
            let signatures = api::get::<Vec<Signature>>(&token, &with_id(SIGNATURES_PATH, id))
                .await
                .unwrap_or_default();
            let at_ms = crate::platform::now_ms();
            let result = thread.map(|thread| Loaded {
                thread,
                signatures,
                summary: inbox.ok().and_then(|inbox| {
                    let server_time = inbox.server_time;
                    desk.heard_time(server_time, at_ms);
                    inbox.threads.into_iter().find(|t| t.thread_id == id).map(|t| Fetched {
                        value: (t, server_time),
                        at_ms,
                    })
                }),
            });
            if let Err(e) = &result {
                desk.failed(e);
                // A reload that failed for the connection keeps the thread
                // on screen, said to be stale.
                if super::more::keeps_what_was_shown(e)
                    && loaded.try_with_untracked(|l| matches!(l, Some(Ok(_)))) == Some(true)
                {
                    stale.set(Some(e.words()));
                    return;
                }
            }
            stale.set(None);
            // Nothing new for this thread (the stream's change was another
            // thread's): no redraw, which would run every box of the page
            // afresh (what they hold of their own, the photos fetched again)
            // under the officer's hands. The page may be gone by now (the
            // officer moved on): read only what is still there.
            let Some(same) = loaded
                .try_with_untracked(|l| matches!((l, &result), (Some(Ok(shown)), Ok(new)) if shown.shows_same_as(new)))
            else {
                return;
            };
            if same {
                return;
            }
            loaded.set(Some(result));
        });
    };
    Effect::new(move |_| {
        desk.changed.track();
        reload();
    });
    let on_answered = Callback::new(move |()| reload());
    let drafts = desk
        .session
        .with_untracked(|s| {
            s.as_ref()
                .map(|s| (s.account.id.clone(), s.account.display_name.clone()))
        })
        .map(|(account, name)| expect_context::<Shelf>().drafts(&account, &name, id))
        .unwrap_or_else(|| Drafts::new(""));
    move || match loaded.get() {
        None => view! { <p class="loading">"正在读取…"</p> }.into_any(),
        Some(Err(ApiFail::Status { status: 404, .. })) => view! {
            <section class="notice" role="alert" data-testid="thread-missing">
                <h2>"没有这份报告"</h2>
                <p>"它不存在，或不在您的辖区内。"</p>
                <p><a href="#/">"返回收件箱"</a></p>
            </section>
        }
        .into_any(),
        Some(Err(e)) => {
            view! { <p class="form-error" role="alert" data-testid="thread-error">{e.words()}</p> }.into_any()
        }
        Some(Ok(loaded)) => view! {
            {move || stale.get().map(super::more::stale_note)}
            <ThreadView loaded drafts on_answered/>
        }
        .into_any(),
    }
}

/// What the office's answers to one thread keep: what is typed, what was
/// said of the last press, the answers being sent. Kept on the [`Shelf`],
/// not by the page: a reload redraws every box, and the officer may go back
/// to the inbox and return; neither wipes anything typed nor forgets an
/// answer being sent (a closing's photo still to go up above all).
#[derive(Clone, Copy)]
pub struct Drafts {
    ack: AckSending,
    ask: AskDraft,
    close: CloseDraft,
    sign: SignDraft,
    call: CallDraft,
}

impl Drafts {
    /// Empty drafts for the officer named `officer`.
    fn new(officer: &str) -> Self {
        Drafts {
            ack: AckSending::new(),
            ask: AskDraft::new(),
            close: CloseDraft::new(officer),
            sign: SignDraft::new(),
            call: CallDraft::new(),
        }
    }
}

/// The drafts of every thread an officer opened since the desk started,
/// by officer (another login on the same desk starts with none of them)
/// and thread. Provided by the desk's shell and owned by it, so they
/// outlive each page.
#[derive(Clone)]
pub struct Shelf {
    owner: Owner,
    drafts: Arc<Mutex<HashMap<(String, ReportId), Drafts>>>,
}

impl Shelf {
    /// A shelf owned by the current owner (the desk's shell).
    pub fn new() -> Self {
        Shelf {
            owner: Owner::current().unwrap_or_default(),
            drafts: Arc::default(),
        }
    }

    /// The drafts of `account` (named `name`) for `thread`, made the first
    /// time.
    fn drafts(&self, account: &str, name: &str, thread: ReportId) -> Drafts {
        // A poisoned lock only means a panic mid-insert of Copy handles:
        // the map is still usable.
        let mut shelf = self.drafts.lock().unwrap_or_else(|e| e.into_inner());
        *shelf
            .entry((account.to_owned(), thread))
            .or_insert_with(|| self.owner.with(|| Drafts::new(name)))
    }
}

#[component]
fn ThreadView(loaded: Loaded, drafts: Drafts, on_answered: Callback<()>) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let Loaded {
        thread,
        summary,
        signatures,
    } = loaded;
    let records = in_stage_order(thread.records);
    let thread_id = thread.thread;
    // What an acknowledgement or a signing names: the latest written stage,
    // not a call logged after it (calls sort right after the 首报).
    let latest_written = records.iter().rev().find(|r| !r.report.stage.is_call());
    let latest = latest_written.or(records.last()).map(|r| r.report.id);
    // A signing covers what had arrived when it was made, calls and all
    // (the written report lists them); an acknowledgement, the reports
    // (the office knows of a call it logged).
    let last_received = records.iter().map(|r| r.receipt.received_at).max();
    let last_report_received = records
        .iter()
        .filter(|r| !r.report.stage.is_call())
        .map(|r| r.receipt.received_at)
        .max();
    let closable = may_close(records.iter().map(|r| &r.report));
    // A closing whose photo is still on its way keeps its form, though the
    // thread already shows it closed (the stream told of its text); the
    // form goes once the photo is up, without waiting for a reload.
    let show_close = Memo::new(move |_| closable || drafts.close.unfinished());
    let next_call = kuaibao_core::rules::calls::next_call(records.iter().map(|r| r.report.stage));
    let call_start = kuaibao_core::rules::calls::CallForm {
        called_at: call::this_minute(desk.server_now_ms()),
        reporter: records
            .first()
            .and_then(|r| r.report.answers.get("reporter").cloned())
            .unwrap_or_default(),
        ..Default::default()
    };
    let hazard = summary.as_ref().map_or_else(
        || records.first().is_some_and(|r| r.report.template_id == "hazard"),
        |s| s.value.0.hazard,
    );
    // A disaster's 日报 is named only where the rules ask it (a grave one,
    // under the national rules) or one was filed.
    let dailies = summary.as_ref().is_some_and(|s| {
        s.value
            .0
            .deadlines
            .iter()
            .any(|l| l.obligation == kuaibao_core::rules::deadlines::Obligation::DailyReport)
    }) || records
        .iter()
        .any(|r| matches!(r.report.stage, kuaibao_core::Stage::Daily { .. }));
    let chain_title = match records
        .first()
        .map(|r| ThreadKind::of_template_id(&r.report.template_id, hazard))
    {
        _ if hazard => "隐患处置全过程",
        Some(ThreadKind::NaturalDisaster) if dailies => "报送全过程：初报 → 续报 → 日报 → 核报",
        Some(ThreadKind::NaturalDisaster) => "报送全过程：初报 → 续报 → 核报",
        _ => "报送全过程：首报 → 续报 → 终报",
    };
    let title = summary
        .as_ref()
        .map(|s| s.value.0.title_zh.clone())
        .or_else(|| {
            records.first().and_then(|r| {
                kuaibao_core::rules::catalogue::find(&r.report.template_id, r.report.template_version)
                    .map(|t| t.title.zh.to_owned())
            })
        })
        .unwrap_or_default();
    // The 报告人 and 联系电话 typed on the latest written record.
    let typed_reporter = latest_written.and_then(|r| {
        let name = r
            .report
            .answers
            .get("reporter")
            .filter(|v| !v.trim().is_empty())?
            .clone();
        let phone = r.report.answers.get("phone").filter(|v| !v.trim().is_empty()).cloned();
        Some((name, phone))
    });
    let head = summary.clone().map(|s| {
        let (t, _server_time) = s.value;
        let at_ms = s.at_ms;
        let elapsed = move || ((desk.now_ms.get() - at_ms) / 1000.0).floor().max(0.0) as i64;
        let deadlines = t
            .deadlines
            .iter()
            .map(|line| {
                let line2 = line.clone();
                let now = Memo::new(move |_| kuaibao_core::desk::live_deadline(&line2, elapsed()));
                view! {
                    <li data-testid="deadline" data-rule=line.rule.clone()
                        data-state=move || kuaibao_core::desk::deadline_key(now.get().0)>
                        <span class="rule">{line.label_zh.clone()}</span>" "
                        <span class="source" title=line.source.clone() data-testid="deadline-source">
                            "（"{line.jurisdiction.name().zh}"）"
                        </span>" "
                        <span class="due">"时限 "{super::bj_naive(&line.due_at)}</span>" · "
                        <strong>{move || { let (s, n) = now.get(); kuaibao_core::desk::deadline_words(s, n, kuaibao_core::Lang::Zh) }}</strong>
                    </li>
                }
            })
            .collect_view();
        view! {
            <dl class="facts">
                <dt>"等级"</dt><dd>{super::inbox::grade_badge(&t)}</dd>
                <dt>"区域"</dt><dd data-testid="thread-area">{t.area.name.clone()}</dd>
                <dt>"报告人"</dt><dd data-testid="thread-reporter">
                    {match &typed_reporter {
                        // As the worker typed it on the latest record, with
                        // the account beside it: who to call back, and who sent.
                        Some((name, phone)) => view! {
                            {name.clone()}
                            {phone.clone().map(|p| {
                                let dial = format!("tel:{}", p.replace([' ', '-'], ""));
                                view! { " "<a class="tel" href=dial data-testid="thread-reporter-phone">{p}</a> }
                            })}
                            {format!("（账号 {} {}）", t.reporter_name, t.reporter)}
                        }.into_any(),
                        None => view! { {format!("{}（{}）", t.reporter_name, t.reporter)} }.into_any(),
                    }}
                </dd>
                <dt>"照片"</dt><dd data-testid="thread-photos">{if t.photos_expected == 0 { "无".to_owned() } else { format!("{}/{} 已到", t.photos_arrived, t.photos_expected) }}</dd>
            </dl>
            {(!t.hazard).then(|| view! {
                <section class="deadlines" aria-label="报送时限">
                    <h3>"报送时限"</h3>
                    <ul>{deadlines}</ul>
                </section>
            })}
            {t.hazard.then(|| view! {
                <p class="deadline" data-testid="rectification">
                    {super::inbox::deadline_cell(t.clone(), elapsed)}
                </p>
            })}
        }
    });
    let ack = summary.as_ref().and_then(|s| s.value.0.acknowledged.clone());
    // The steps up the chain a signing may be for: the upward lines.
    let steps: Vec<(String, String)> = summary
        .as_ref()
        .map(|s| {
            s.value
                .0
                .deadlines
                .iter()
                .filter(|l| l.obligation == kuaibao_core::rules::deadlines::Obligation::Upward)
                .map(|l| (l.rule.clone(), l.label_zh.clone()))
                .collect()
        })
        .unwrap_or_default();
    let requests = summary
        .as_ref()
        .map(|s| s.value.0.open_requests.clone())
        .unwrap_or_default();
    let cards = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            // What a stage changed is against the stage before it; a logged
            // call has no stage before it, nor is it one.
            let previous = (!r.report.stage.is_call())
                .then(|| records[..i].iter().rev().find(|p| !p.report.stage.is_call()))
                .flatten()
                .map(|p| p.report.clone());
            view! { <RecordCard record=r.clone() previous hazard thread_id/> }
        })
        .collect_view();
    view! {
        <article class="thread" data-testid="thread" data-thread=thread_id.to_string()>
            <p><a href="#/" class="back" data-testid="back">"← 返回收件箱"</a></p>
            <h2 data-testid="thread-title">{title}</h2>
            {head}
            // What was reported, then what the office does about it: the
            // officer reads the facts before she answers.
            <section class="chain" aria-labelledby="chain-title">
                <h3 id="chain-title">{chain_title}</h3>
                <ol data-testid="chain">{cards}</ol>
            </section>
            <section class="answers" aria-label="值班室答复">
                {latest.map(|latest| view! { <AcknowledgeBox thread_id latest last_received=last_report_received ack sending=drafts.ack on_answered/> })}
                {(!hazard).then(|| view! { <AskBox thread_id requests draft=drafts.ask on_answered/> })}
                {move || show_close.get().then(|| view! { <CloseBox thread_id draft=drafts.close on_closed=on_answered/> })}
                {(!hazard).then(|| view! { <CallBox thread_id n=next_call start=call_start draft=drafts.call on_logged=on_answered/> })}
                {latest.map(|latest| view! { <SignBox thread_id latest last_received signatures steps draft=drafts.sign on_signed=on_answered/> })}
            </section>
            {(!hazard).then(|| view! {
                <p class="exports">
                    "导出："
                    <ExportButton label="CAP 1.2 预警" path=Signal::derive(move || cap_path(thread_id, None))
                        file=format!("kuaibao-{thread_id}.cap.xml") testid="export-cap"/>
                </p>
            })}
        </article>
    }
}

/// The records in the thread's order (stage, then writing time, then
/// arrival), whatever order the server sent.
fn in_stage_order(mut records: Vec<api::StoredRecord>) -> Vec<api::StoredRecord> {
    records.sort_by_key(|r| (r.report.stage.order(), r.report.written_at, r.receipt.seq));
    records
}
