use kuaibao_core::account::Role;
use kuaibao_core::rules::deadlines::Standing;
use kuaibao_core::rules::stage::ThreadKind;
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::{BlankKind, ErrorCode, Family, FieldError, ReportId, Stage, Template};
use leptos::prelude::*;

use crate::components::{
    dynamic, on, shown_at_a_blank, status_word, CallButton, DeadlineList, ErrorsElsewhere, GradePanel, OfficeRequests,
    SaveFailed, SentenceForm, Shown, SmsButton, StatusLine, ThreadChain, ERRORS_ELSEWHERE_ID,
};
use crate::drafts::SaveState;
use crate::platform;
use crate::state::AppState;
use crate::store::{LocalPhoto, LocalReport, Status};
use crate::threads::decide_grade;
use crate::words;

/// One record: the editor while it is a draft, its sentence, state and
/// thread after.
#[component]
pub fn ReportPage(id: ReportId) -> impl IntoView {
    let state = expect_context::<AppState>();
    // Redraw only when the record changes kind, not on every autosave, so
    // the input being typed in keeps its focus.
    let mode = Memo::new(move |_| {
        state
            .reports
            .with(|rs| rs.iter().find(|r| r.id == id).map(|r| r.status == Status::Draft))
    });
    // The page below is drawn again as the report moves on, so a screen
    // reader is told its state (已送达, 被退回) from here, which stays.
    // A memo: said when it changes, not at every write of the list.
    let said = Memo::new(move |_| {
        state.reports.with(|rs| {
            rs.iter()
                .find(|r| r.id == id && r.status != Status::Draft)
                .map(|r| state.t(status_word(&r.status)))
        })
    });
    view! {
        <a class="back" href="#/">{state.tr(words::BACK)}</a>
        <p class="visually-hidden" role="status" data-testid="status-said">{said}</p>
        {dynamic(move || match mode.get() {
            // Not read yet (the app opened on the list's first page), or
            // gone: a draft deleted, a record archived.
            None if state.partial.get() > 0 => view! { <p class="empty">"…"</p> }.into_any(),
            None => view! { <p class="empty" data-testid="report-gone">{state.tr(words::NOT_ON_PHONE)}</p> }.into_any(),
            Some(true) => view! { <OneWindow id/> }.into_any(),
            Some(false) => view! { <SubmittedReport id/> }.into_any(),
        })}
    }
}

fn find(state: AppState, id: ReportId) -> Option<LocalReport> {
    state
        .reports
        .with_untracked(|rs| rs.iter().find(|r| r.id == id).cloned())
}

/// The heading of a record: what, and which stage.
fn heading(state: AppState, template: &'static Template, stage: Stage) -> impl IntoView {
    let stage = stage.name_for(ThreadKind::of(template.family));
    view! {
        <h2>
            {state.tr(template.title)}" · "
            <span data-testid="stage">{state.tr_stage(stage)}</span>
        </h2>
    }
}

/// The draft's editor, in the one window that holds the draft's lock
/// (`pwa::one_window`); elsewhere a word that it is open there, until that
/// window lets go, and then the editor again with what it saved.
#[component]
fn OneWindow(id: ReportId) -> impl IntoView {
    use crate::pwa::one_window::{self, Turn};
    let state = expect_context::<AppState>();
    let turn = RwSignal::new(None);
    let hold = one_window::take(
        &format!("kuaibao-draft:{id}"),
        move |t| match t {
            // Its text as stored, not as this window last saw it: another
            // window may have typed in it, or filed it, since.
            Turn::Here => leptos::task::spawn_local(async move {
                state.reread(id).await;
                turn.try_set(Some(t));
            }),
            Turn::Elsewhere => turn.set(Some(t)),
        },
        // Read again from the store: the other window saved since.
        || {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        },
    );
    // Local: a lock is this page's; cleanups run before its values go.
    // Let go once the editor's last edit is written, so that the next
    // window to take the draft reads it.
    let hold = StoredValue::new_local(hold);
    on_cleanup(move || {
        let hold = hold.with_value(one_window::Hold::clone);
        leptos::task::spawn_local(async move {
            state.saved().await;
            hold.let_go();
        });
    });
    dynamic(move || match turn.get() {
        None => view! { <p class="empty">"…"</p> }.into_any(),
        Some(Turn::Here) => view! { <DraftEditor id/> }.into_any(),
        Some(Turn::Elsewhere) => view! {
            <p class="notice" role="status" data-testid="draft-elsewhere">{state.tr(words::DRAFT_ELSEWHERE)}</p>
        }
        .into_any(),
    })
}

#[component]
fn DraftEditor(id: ReportId) -> impl IntoView {
    let state = expect_context::<AppState>();
    let Some(draft) = find(state, id) else {
        return ().into_any();
    };
    // Said of the draft filed in another window, not of this one.
    if state
        .save_state()
        .with_untracked(|s| matches!(s, SaveState::FiledElsewhere))
    {
        state.save_state().set(SaveState::Saved);
    }
    on_cleanup(move || state.leave_draft(id));
    let Some(template) = draft.template() else {
        return view! { <p class="error" role="alert">{state.tr(words::TEMPLATE_MISSING)}</p> }.into_any();
    };
    // The stage it will be filed at: a 续报 whose number the office (or her
    // other phone) took meanwhile is headed with the next one.
    let stage = state
        .reports
        .with_untracked(|rs| crate::threads::filed_stage(rs, &draft));
    let thread_id = draft.thread_id();
    // Begun by another worker on this shared phone: shown, not changed
    // or filed by this one.
    let other = state.draft_of_another(&draft);
    // A first record its thread's later records follow: a fix of a refused
    // 首报 they wait for, or a 首报 draft she logged a call from (the call
    // is filed at once; without its 首报 it would reach the office alone).
    // Watched: the call is logged while this page is open.
    let draft_id = draft.id;
    let followed = Memo::new(move |_| state.reports.with(|rs| rs.iter().any(|r| r.thread == Some(draft_id))));
    let other_held = other.is_some();
    // Where the thread's first record said it is.
    let about = draft.thread.and_then(|first| {
        state.reports.with_untracked(|rs| {
            rs.iter()
                .find(|r| r.id == first)
                .and_then(|r| r.answers.get("place").filter(|p| !p.trim().is_empty()).cloned())
        })
    });
    // What the stage before this one said, for "what changed".
    let previous = state
        .reports
        .with_untracked(|rs| crate::threads::thread_of(rs, thread_id))
        .and_then(|t| {
            t.before(id)
                .filter(|p| p.template_id == draft.template_id)
                .map(|p| p.answers.clone())
        });
    let answers = RwSignal::new(draft.answers.clone());
    let own_grade = RwSignal::new(draft.grade.clone());
    // The server's reasons for refusing this draft's last submission, each
    // until its blank is changed.
    let refused = RwSignal::new(draft.refused.clone());
    // A picture added or taken away at a blank answers the server's reason
    // there, as typing does at any other blank (`on_edit`).
    let count_at = move |blank: &str| {
        state
            .photos
            .with(|ps| ps.iter().filter(|p| p.report_id == id && p.blank == blank).count())
    };
    let refused_at_photos: Vec<(&'static str, usize)> = template
        .blanks
        .iter()
        .filter(|b| matches!(b.kind, BlankKind::Photos { .. }) && draft.refused.iter().any(|e| e.field == b.id))
        .map(|b| (b.id, untrack(|| count_at(b.id))))
        .collect();
    if !draft.refused.is_empty() {
        let reasons = draft.refused.clone();
        Effect::new(move |_| focus_first(template, &reasons));
    }
    // The blanks the user has left, each once (a few dozen at most).
    let left: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let tried_submit = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let snapshot = {
        let draft = draft.clone();
        move || LocalReport {
            answers: answers.get_untracked(),
            grade: own_grade.get_untracked(),
            updated_ms: platform::now_ms(),
            refused: refused.get_untracked(),
            ..draft.clone()
        }
    };
    // The same judgement as at submit and on the server.
    let all_errors = Memo::new(move |_| {
        let mut r = LocalReport {
            answers: answers.get(),
            grade: own_grade.get(),
            ..draft.clone()
        };
        r.grade = decide_grade(template, &r.answers, r.grade.as_ref());
        r.photos = state.photos.with(|ps| {
            ps.iter()
                .filter(|p| p.report_id == id)
                .map(LocalPhoto::to_ref)
                .collect()
        });
        // Times judged by the clock corrected with its offset, as at submit.
        r.clock_offset_ms = state.clock.with(|c| c.map(|c| c.offset_ms));
        let mut errors = state.admit(&r, platform::now_local()).err().unwrap_or_default();
        errors.extend(state.adding.with(|a| crate::state::still_adding(a, id)));
        errors
    });
    // Errors show at a blank once the user has left it, or after a submit.
    // The server's reasons show from the start, where the phone found none.
    let shown: Signal<Vec<FieldError>> = Signal::derive(move || {
        let all = all_errors.get();
        let mut shown = if tried_submit.get() {
            all
        } else {
            left.with(|l| {
                let seen = |e: &FieldError| l.contains(&e.field) || e.field == "grade_reason";
                // Two blanks that contradict each other are marked together
                // once either has been left (their errors share a message).
                let pair_seen =
                    |e: &FieldError| e.code == ErrorCode::Inconsistent && all.iter().any(|o| o.zh == e.zh && seen(o));
                all.iter().filter(|e| seen(e) || pair_seen(e)).cloned().collect()
            })
        };
        refused.with(|r| {
            let theirs: Vec<FieldError> = r
                .iter()
                .filter(|e| shown.iter().all(|s| s.field != e.field))
                .cloned()
                .collect();
            shown.extend(theirs);
        });
        shown
    });
    let save = {
        let snapshot = snapshot.clone();
        move || state.edit(snapshot())
    };
    if !refused_at_photos.is_empty() {
        let save = save.clone();
        // The blanks whose count changed: a memo, so an upload's progress
        // (every photo record's write) wakes nothing.
        let changed = Memo::new(move |_| {
            refused_at_photos
                .iter()
                .filter(|&&(blank, at_open)| count_at(blank) != at_open)
                .map(|&(blank, _)| blank)
                .collect::<Vec<_>>()
        });
        Effect::new(move |_| {
            for blank in changed.get() {
                if refused.with_untracked(|r| r.iter().any(|e| e.field == blank)) {
                    refused.update(|r| r.retain(|e| e.field != blank));
                    save();
                }
            }
        });
    }
    let on_edit = {
        let save = save.clone();
        Callback::new(move |(key, value): (String, String)| {
            // By blank: a position's `gps.lat` clears a reason at `gps`.
            // Told only when one goes (most drafts have none).
            let blank = key.split('.').next().unwrap_or_default();
            // A figure corrected answers a refusal of the grade it decides
            // (below a work-safety accident's figures: "correct the figure").
            let grading_figure = matches!(template.family, Family::Incident { grading, .. } if grading.reads(blank));
            let answered = |e: &FieldError| e.field == blank || (grading_figure && e.field == "grade");
            if refused.with_untracked(|r| r.iter().any(answered)) {
                refused.update(|r| r.retain(|e| !answered(e)));
            }
            answers.update(|a| {
                if value.is_empty() {
                    a.remove(&key);
                } else {
                    a.insert(key, value);
                }
            });
            save();
        })
    };
    let on_leave = Callback::new(move |id: String| {
        // `try_`: see `BlankInput`'s `leave`.
        left.try_update(|l| {
            if !l.contains(&id) {
                l.push(id);
            }
        });
    });
    let on_grade = Callback::new(move |()| {
        if refused.with_untracked(|r| r.iter().any(|e| e.field.starts_with("grade"))) {
            refused.update(|r| r.retain(|e| !e.field.starts_with("grade")));
        }
        save();
    });
    let submit = move |_| {
        tried_submit.set(true);
        let report = snapshot();
        leptos::task::spawn_local(async move {
            if let Err(errors) = state.submit(report).await {
                focus_first(template, &errors);
            }
        });
    };
    let save_note = move || match state.save_state().get() {
        SaveState::Saved => state.t(words::SAVED).to_owned(),
        SaveState::Unsaved => state.t(words::UNSAVED).to_owned(),
        SaveState::Saving => state.t(words::SAVING).to_owned(),
        SaveState::Failed(e) => crate::components::save_failed_words(state, &e),
        SaveState::FiledElsewhere => state.t(words::FILED_ELSEWHERE).to_owned(),
    };
    let is_incident = matches!(template.family, Family::Incident { .. });
    // A verbal or phone report still owed: the clock and the call button go
    // to the top, and stay in sight while the worker fills in.
    let call_open = Memo::new(move |_| {
        let Some(now) = state.ticking_now() else {
            return false;
        };
        let Some(thread) = state.thread(thread_id) else {
            return false;
        };
        state.rules.with(|rules| {
            thread.deadlines(rules, now).iter().any(|(due, standing)| {
                due.rule.obligation.met_by_call()
                    && matches!(standing, Standing::Left { .. } | Standing::Overdue { .. })
            })
        })
    });
    view! {
        {heading(state, template, stage)}
        // A later stage names the incident or hazard it continues: a
        // worker with several open must see she picked the right one.
        {about.map(|place| view! { <p class="about" data-testid="thread-about">{state.tr(words::ABOUT)}{place}</p> })}
        {other.clone().map(|who| view! {
            <p class="form-error" role="alert" data-testid="draft-other">{state.t(words::DRAFT_OF_ANOTHER).replace("{who}", &who)}</p>
        })}
        // Not a live region: it changes at every pause in typing, and a
        // screen reader would cut into the worker's own typing each time.
        // Only a failure is said aloud.
        <p class="save-state" data-testid="save-state"
            role=move || state.save_state().with(|s| matches!(s, SaveState::Failed(_) | SaveState::FiledElsewhere)).then_some("alert")
            data-state=move || state.save_state().with(SaveState::name)>{save_note}</p>
        {is_incident.then(|| view! {
            <Shown when=move || call_open.get()>
                <div class="urgent" data-testid="urgent">
                    <DeadlineList thread_id compact=true testid="deadlines-urgent"/>
                    <CallButton thread_id/>
                </div>
            </Shown>
        })}
        <form class="sentence" on:submit=|ev| ev.prevent_default()>
            <SentenceForm template stage report_id=id answers previous=Signal::derive(move || previous.clone()) errors=shown on_edit on_leave readonly=other.is_some()/>
        </form>
        {is_incident.then(|| view! {
            <GradePanel template answers own=own_grade errors=shown on_change=on_grade readonly=other.is_some()/>
            <Shown when=move || !call_open.get()>
                <CallButton thread_id/>
            </Shown>
            <DeadlineList thread_id/>
        })}
        <Shown when=move || tried_submit.get() && all_errors.with(|es| es.iter().any(|e| shown_at_a_blank(template, e)))>
            <p class="form-error" role="alert">{state.tr(words::FIX_ERRORS)}</p>
        </Shown>
        <ErrorsElsewhere template errors=shown/>
        <div class="actions">
            <button type="button" class="primary big" disabled=other.is_some() on:click=on(submit)>{state.tr(words::SUBMIT)}</button>
        </div>
        // Well away from 提交报告, and asked twice: a filled draft is not
        // lost to a slip of the thumb. Not a first record its thread's
        // later records follow (a fix they wait for, `sync::outbox`; a
        // draft a call was logged from): without it they would go under an
        // id the office never gets.
        <div class="discard" data-testid="discard" hidden=move || other_held || followed.get()>
            <Shown when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" class="danger" on:click=on(move |_| confirming.set(true))>{state.tr(words::DISCARD)}</button>
                }>
                <p class="warn" role="alert">{state.tr(words::DISCARD_ASK)}</p>
                <button type="button" class="secondary" on:click=on(move |_| confirming.set(false))>{state.tr(words::DISCARD_KEEP)}</button>
                <button type="button" class="danger confirm" on:click=on(move |_| state.discard(id))>{state.tr(words::DISCARD_CONFIRM)}</button>
            </Shown>
        </div>
    }
    .into_any()
}

/// Takes the worker to the first blank to fix, or else to the list of the
/// errors no blank shows.
fn focus_first(template: &Template, errors: &[FieldError]) {
    match errors.iter().find(|e| shown_at_a_blank(template, e)) {
        Some(first) => focus(&format!("blank-{}", first.field)),
        None if !errors.is_empty() => focus(ERRORS_ELSEWHERE_ID),
        None => {}
    }
}

fn focus(element_id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(element_id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _focus_is_a_courtesy = el.focus();
    }
}

/// A record that left the draft state: its sentence, read-only; its three
/// times; its thread with deadlines; what may be filed next; and for a
/// rejected one the reasons at the blanks and a way to fix it.
#[component]
fn SubmittedReport(id: ReportId) -> impl IntoView {
    let state = expect_context::<AppState>();
    let report = Memo::new(move |_| state.reports.with(|rs| rs.iter().find(|r| r.id == id).cloned()));
    dynamic(move || {
        let Some(report) = report.get() else {
            return ().into_any();
        };
        let Some(template) = report.template() else {
            return view! { <p class="error" role="alert">{state.tr(words::TEMPLATE_MISSING)}</p> }.into_any();
        };
        let errors = match &report.status {
            Status::Rejected { fields, .. } => fields.clone(),
            _ => Vec::new(),
        };
        let thread_id = report.thread_id();
        // Looked up once: each look-up groups the whole list.
        let thread = state.thread(thread_id);
        let previous = thread.as_ref().and_then(|t| {
            t.before(id)
                .filter(|p| p.template_id == report.template_id)
                .map(|p| p.answers.clone())
        });
        let rejected = matches!(report.status, Status::Rejected { .. }).then(|| report.clone());
        let answers = report.answers.clone();
        let grade = RwSignal::new(report.grade.clone().filter(|g| g.chosen != g.suggested));
        let is_incident = matches!(template.family, Family::Incident { .. });
        let (account, role) = state
            .session
            .with_untracked(|s| {
                s.as_ref()
                    .map(|s| (s.session.account.id.clone(), s.session.account.role))
            })
            .unwrap_or_else(|| (String::new(), Role::Reporter));
        let now = state.server_now_beijing();
        // A colleague's thread on a shared phone: nothing to file, and whose.
        let others = thread
            .as_ref()
            .and_then(|t| t.held_by_another(&account, role))
            .map(|a| a.username.clone());
        let held_by_another = others.is_some();
        let (next, awaits_office) = state.rules.with_untracked(|rules| match &thread {
            Some(t) if others.is_none() => (t.next_stages(role, rules, now), t.awaits_office(role, rules, now)),
            _ => (Vec::new(), false),
        });
        let kind = thread.as_ref().map_or(ThreadKind::Incident, |t| t.kind());
        view! {
            {heading(state, template, report.stage)}
            <StatusLine report=report.clone()/>
            <SaveFailed/>
            <SmsButton report=report.clone()/>
            <OfficeRequests thread_id/>
            <Times report=report.clone()/>
            <div class="sentence readonly">
                <SentenceForm template stage=report.stage report_id=id answers=Signal::derive(move || answers.clone())
                    previous=Signal::derive(move || previous.clone()) errors=Signal::derive(move || errors.clone())
                    on_edit=Callback::new(|_| {}) on_leave=Callback::new(|_| {}) readonly=true/>
            </div>
            {is_incident.then(|| {
                let answers = report.answers.clone();
                view! {
                    <GradePanel template answers=Signal::derive(move || answers.clone()) own=grade
                        errors=Signal::derive(Vec::new) on_change=Callback::new(|_| {}) readonly=true/>
                }
            })}
            {rejected.map(|r| view! {
                <button type="button" class="primary big" on:click=on(move |_| state.reopen(r.clone()))>
                    {state.tr(words::FIX_AND_RESEND)}
                </button>
            })}
            {awaits_office.then(|| view! {
                <p class="next-step" data-testid="awaits-office">{state.tr(words::AWAITS_OFFICE)}</p>
            })}
            {others.map(|who| view! {
                <p class="next-step" data-testid="thread-of-another">
                    {move || state.t(words::THREAD_OF_ANOTHER).replace("{who}", &who)}
                </p>
            })}
            <div class="actions next">
                {next.into_iter().map(|stage| view! {
                    <button type="button" class="primary big"
                        on:click=on(move |_| state.new_stage(thread_id, stage))>
                        {state.tr(words::FILE_NEXT)}{state.tr_stage(stage.name_for(kind))}
                    </button>
                }).collect_view()}
            </div>
            <ThreadChain thread_id current=id/>
            // A call logged into a colleague's thread would be refused like
            // a 续报: his to make.
            {(is_incident && !held_by_another).then(|| view! { <CallButton thread_id/> })}
            <DeadlineList thread_id/>
        }
        .into_any()
    })
}

/// The three times every record keeps: when the event happened, when the
/// report was written on the phone, when the duty office received it.
#[component]
fn Times(report: LocalReport) -> impl IntoView {
    let state = expect_context::<AppState>();
    let event = report.answers.get("occurred_at").map(|t| t.replace('T', " "));
    let written = report
        .written_at()
        .map(|t| crate::timefmt::ymd_hms(&t.with_timezone(&beijing()).naive_local()))
        .unwrap_or_default();
    let received = match &report.status {
        Status::Delivered { receipt, .. } => Some(crate::timefmt::ymd_hms(
            &receipt.received_at.with_timezone(&beijing()).naive_local(),
        )),
        _ => None,
    };
    view! {
        <dl class="times" data-testid="times">
            {event.map(|e| view! { <dt>{state.tr(words::EVENT_TIME)}</dt><dd data-time="event">{e}</dd> })}
            <dt>{state.tr(words::WRITTEN_AT)}</dt><dd data-time="written">{written}</dd>
            <dt>{state.tr(words::RECEIVED_AT)}</dt>
            <dd data-time="received">{received.unwrap_or_else(|| state.t(words::NOT_RECEIVED).to_owned())}</dd>
        </dl>
    }
}
