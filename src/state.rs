//! The app's state and the actions on it. Components read the signals and
//! call these actions; the deciding happens here and in the core crate.

use kuaibao_core::desk::office::FollowUpRequest;
use std::rc::Rc;

use kuaibao_core::account::LoginRequest;
use kuaibao_core::{FieldError, Lang, ReportId, Stage, Template, Text};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::drafts::{Autosaver, SaveState};
use crate::pages::LIST_PAGE;
use crate::photo;
use crate::platform;
use crate::pwa::{service_worker, storage};
use crate::route::Route;
use crate::session::api::{self as session_api, LoginError};
use crate::session::{self, Standing};
use crate::store::{
    Author, ClockReading, LocalPhoto, LocalReport, Partial, Status, Store, StoreError, StoredSession, LANG_KEY,
};
use crate::sync::{DrainSummary, Listeners, SyncEngine};
use crate::threads;
use crate::timefmt::beijing_at;
use crate::words;
use kuaibao_core::rules::deadlines::RuleSet;
use kuaibao_core::rules::stage::StageName;

#[derive(Clone, Copy)]
pub struct AppState {
    pub lang: RwSignal<Lang>,
    /// Every report on the phone, oldest first; while [`AppState::partial`]
    /// holds, those of the list's first page and every one not yet
    /// delivered.
    pub reports: RwSignal<Vec<LocalReport>>,
    /// While only the list's first page is read (the app opened on the
    /// list): how many threads the phone holds, which the list counts. 0
    /// once every report is read, a moment after the list is drawn. (A
    /// count, not an `Option`: a signal of a type of its own would add
    /// its own copy of the signals' code to the download.)
    pub partial: RwSignal<u32>,
    /// Every photo record on the phone (metadata and upload progress).
    pub photos: RwSignal<Vec<LocalPhoto>>,
    /// How many records have left the phone, receipts kept
    /// (`store::Archived`).
    pub archived: RwSignal<u32>,
    /// A photo being processed, or why the last one failed.
    pub photo_note: RwSignal<Option<String>>,
    /// The drafts' blanks taking files in just now (a video being made
    /// smaller takes as long as it runs): such a draft is not submitted
    /// until they are in, or the report would go without them.
    pub adding: RwSignal<Vec<(ReportId, &'static str)>>,
    pub route: RwSignal<Route>,
    pub online: RwSignal<bool>,
    pub syncing: RwSignal<bool>,
    pub storage: RwSignal<storage::StorageInfo>,
    pub update_ready: RwSignal<bool>,
    /// A newer release took the database over from another tab while what
    /// was typed here could not be saved: this tab keeps it on screen and
    /// says so (`Store::give_way`).
    pub replaced_unsaved: RwSignal<bool>,
    pub offline_ready: RwSignal<Option<bool>>,
    /// The phone's clock, ticking each second: countdowns read it.
    pub now_ms: RwSignal<f64>,
    /// The login kept on this phone, if any.
    pub session: RwSignal<Option<StoredSession>>,
    /// The username of the last login, to pre-fill the form.
    pub last_username: RwSignal<Option<String>>,
    /// The latest measurement of the phone's clock against the server's.
    pub clock: RwSignal<Option<ClockReading>>,
    /// The duty office's follow-up requests on this account's threads, as
    /// last read from the server.
    pub requests: RwSignal<Vec<FollowUpRequest>>,
    /// The deadline rules of this phone's server, as last read; the
    /// national set before the first read.
    pub rules: RwSignal<RuleSet>,
    /// Whether the phone may send, from the three above (reactive; changes
    /// by itself when the session's end passes).
    pub standing: Memo<Standing>,
    store: StoredValue<Store, LocalStorage>,
    engine: StoredValue<Rc<SyncEngine>, LocalStorage>,
    autosaver: StoredValue<Rc<Autosaver>, LocalStorage>,
    /// A new draft being saved before it opens: a second tap meanwhile (a
    /// hurried double tap) must not make a second draft.
    opening: StoredValue<bool>,
    /// The records being filed: a second tap meanwhile must not file one
    /// twice (the second would find it filed, and say so wrongly); another
    /// record (a call logged meanwhile) goes on.
    filing: StoredValue<Vec<ReportId>>,
}

impl AppState {
    /// Loads what the phone holds and starts the background work: sync,
    /// autosave on hide, storage persistence, the service worker.
    pub async fn start(store: Store) -> AppState {
        // What the phone holds, read at once: each read is a round trip
        // to the browser's database, and one after another they add up
        // (issue 19: the list's opening at 4× CPU).
        let (reports_read, session, last_username, clock, requests, rules, archived, lang) = futures::join!(
            first_reports(&store),
            store.session(),
            store.last_username(),
            store.clock(),
            store.requests(),
            store.rules(),
            store.archived_count(),
            store.meta(LANG_KEY),
        );
        let (reports, photos, partial) = reports_read;
        let partial = RwSignal::new(partial.map_or(0, |p| p.threads as u32));
        let (reports, photos) = (RwSignal::new(reports), RwSignal::new(photos));
        let archived = RwSignal::new(log_failure(archived, "count the archived reports").unwrap_or(0));
        let session = RwSignal::new(log_failure(session, "read the session").flatten());
        let last_username = RwSignal::new(log_failure(last_username, "read the username").flatten());
        let clock = RwSignal::new(log_failure(clock, "read the clock").flatten());
        let requests = RwSignal::new(log_failure(requests, "read the office's requests").unwrap_or_default());
        let rules = RwSignal::new(
            log_failure(rules, "read the deadline rules")
                .flatten()
                .unwrap_or_else(RuleSet::national),
        );
        let syncing = RwSignal::new(false);
        let on_change = Box::new(move |r: &LocalReport| {
            if matches!(r.status, Status::Sending { .. }) {
                syncing.set(true);
            }
            upsert(reports, r);
        });
        let settle = {
            let store = StoredValue::new_local(store.clone());
            move || {
                leptos::task::spawn_local(let_go_of_settled(
                    store.get_value(),
                    Kept {
                        reports,
                        photos,
                        archived,
                    },
                    session,
                    clock,
                ))
            }
        };
        let on_pass = {
            let store = store.clone();
            Box::new(move |result: &Result<DrainSummary, StoreError>| {
                syncing.set(false);
                match result {
                    // The server refused the session: the prompt must show
                    // now, from what the engine stored.
                    Ok(summary) if summary.refused => {
                        let store = store.clone();
                        leptos::task::spawn_local(async move {
                            if let Some(stored) = log_failure(store.session().await, "read the session") {
                                session.set(stored);
                            }
                        });
                    }
                    // What the pass delivered may finish a thread.
                    Ok(_) => settle(),
                    Err(e) => leptos::logging::error!("sync pass failed: {e}"),
                }
            })
        };
        let listeners = Listeners {
            on_change,
            on_photo: Box::new(move |p: &LocalPhoto| upsert_photo(photos, p)),
            on_clock: Box::new(move |reading: &ClockReading| clock.set(Some(*reading))),
            on_requests: Box::new(move |list: &[FollowUpRequest]| requests.set(list.to_vec())),
            on_rules: Box::new(move |set: &RuleSet| {
                if rules.with_untracked(|r| r != set) {
                    rules.set(set.clone());
                }
            }),
            on_pass,
        };
        let engine = SyncEngine::new(store.clone(), listeners);
        let autosaver = Autosaver::new(store.clone(), Box::new(move |r| upsert(reports, r)));
        let lang = match lang {
            Ok(Some(tag)) if tag == Lang::En.tag() => Lang::En,
            _ => Lang::Zh,
        };
        let now_ms = RwSignal::new(platform::now_ms());
        let standing = Memo::new(move |_| {
            let server_now = clock.with(|c| session::server_now_ms(now_ms.get(), c.as_ref()));
            session.with(|s| session::standing(s.as_ref(), server_now))
        });
        let state = AppState {
            lang: RwSignal::new(lang),
            reports,
            partial,
            photos,
            archived,
            photo_note: RwSignal::new(None),
            adding: RwSignal::new(Vec::new()),
            route: RwSignal::new(Route::current()),
            online: RwSignal::new(web_sys::window().is_none_or(|w| w.navigator().on_line())),
            syncing,
            storage: RwSignal::new(storage::StorageInfo::default()),
            update_ready: RwSignal::new(false),
            replaced_unsaved: RwSignal::new(false),
            offline_ready: RwSignal::new(None),
            now_ms,
            session,
            last_username,
            clock,
            requests,
            rules,
            standing,
            store: StoredValue::new_local(store),
            engine: StoredValue::new_local(engine),
            autosaver: StoredValue::new_local(autosaver),
            opening: StoredValue::new(false),
            filing: StoredValue::new(Vec::new()),
        };
        state.listen();
        // A newer release opened in another tab upgrades the database: this
        // tab saves what is typed, lets go, and starts again on the new
        // release, drafts and all (the worker's old tab would otherwise
        // hold the new one at its start).
        state.store.get_value().give_way(
            move || async move { state.autosaver.get_value().flush().await.is_ok() },
            move |saved| {
                // Not saved (a full phone): the text stays on screen, with
                // what to do, for the worker to keep, not reloaded away.
                if !saved {
                    state.replaced_unsaved.set(true);
                } else if let Some(w) = web_sys::window() {
                    let _page_unloads_either_way = w.location().reload();
                }
            },
        );
        // Lives as long as the page.
        gloo_timers::callback::Interval::new(1_000, move || state.now_ms.set(platform::now_ms())).forget();
        let begin = move || {
            state.engine.get_value().start();
            // Offline too, but after the list is on screen: opening comes first.
            gloo_timers::callback::Timeout::new(SETTLE_AFTER_START_MS, settle).forget();
            // What the device panel says of the phone's storage, at the
            // bottom of the list: asked for once the list is on screen, not
            // in the moments it takes to draw it (issue 19).
            leptos::task::spawn_local(async move {
                storage::request_persistence(|info| state.storage.set(info)).await;
            });
        };
        if state.partial.get_untracked() == 0 {
            begin();
        } else {
            leptos::task::spawn_local(async move {
                after_paint().await;
                let store = state.store.get_value();
                let (all, photos) = futures::join!(store.all(), store.photos());
                // Should the rest fail to read, the first page stays on
                // screen rather than an empty list.
                if let Some(all) = log_failure(all, "list reports") {
                    state.reports.set(all);
                }
                if let Some(photos) = log_failure(photos, "list photos") {
                    state.photos.set(photos);
                }
                state.partial.set(0);
                // The outbox and the let-go of settled threads read every
                // record: never from the first page alone.
                begin();
            });
        }
        let supported = service_worker::register(move || state.update_ready.set(true));
        state.offline_ready.set(Some(supported));
        state
    }

    fn listen(self) {
        let state = self;
        on_window("hashchange", move || {
            state.route.set(Route::current());
            // Each page opens at its top: back on the list after a submit,
            // the new report is in sight, not scrolled away.
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        });
        on_window("online", move || state.online.set(true));
        on_window("offline", move || state.online.set(false));
        // Hidden is the last moment a phone reliably gives us: save then.
        let flush = move || leptos::task::spawn_local(async move { state.saved().await });
        on_window("pagehide", flush);
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            let cb = Closure::<dyn Fn()>::new(flush);
            if let Err(e) = doc.add_event_listener_with_callback("visibilitychange", cb.as_ref().unchecked_ref()) {
                leptos::logging::warn!("cannot listen for visibilitychange: {}", crate::platform::js_error(&e));
            }
            cb.forget();
        }
    }

    /// The very check the server makes of a new record, evidence included,
    /// for `report` written at `written_at`: what its thread's sent records
    /// announced counts with its own (the evidence is the event's).
    pub fn admit(
        &self,
        report: &LocalReport,
        written_at: chrono::DateTime<chrono::FixedOffset>,
    ) -> Result<&'static Template, Vec<FieldError>> {
        let earlier = self
            .reports
            .with_untracked(|rs| threads::thread_of(rs, report.thread_id()))
            .map(|t| t.earlier_media(report.id))
            .unwrap_or_default();
        kuaibao_core::rules::evidence::admit(&report.as_report(written_at), earlier)
    }

    /// One thread, from the reports on the phone (reactive).
    pub fn thread(&self, id: ReportId) -> Option<threads::Thread> {
        self.reports.with(|rs| threads::thread_of(rs, id))
    }

    /// A word in the current language (reactive).
    pub fn t(&self, text: Text) -> &'static str {
        text.get(self.lang.get())
    }

    /// A fixed word for a view, redrawn when the language changes. Every
    /// call returns the same closure type, so the code that draws and
    /// redraws it exists once in the wasm rather than once per word (a
    /// `move || state.t(…)` in each view is a type, and code, of its own).
    pub fn tr(&self, text: Text) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        let lang = self.lang;
        move || text.get(lang.get())
    }

    /// `yes` while `flag` holds, else `no`, for a view: one closure type
    /// for every such pair, as [`AppState::tr`].
    pub fn tr_if(
        &self,
        flag: RwSignal<bool>,
        yes: Text,
        no: Text,
    ) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        let lang = self.lang;
        move || {
            let text = if flag.get() { yes } else { no };
            text.get(lang.get())
        }
    }

    /// A stage's name for a view, as [`AppState::tr`]: one closure type for
    /// every stage name on every screen.
    pub fn tr_stage(&self, name: StageName) -> impl Fn() -> String + Copy + Send + Sync + 'static {
        let lang = self.lang;
        move || name.get(lang.get())
    }

    /// Switches the screen language and remembers it on this phone.
    pub fn set_lang(&self, lang: Lang) {
        self.lang.set(lang);
        let store = self.store.get_value();
        leptos::task::spawn_local(async move {
            if let Err(e) = store.set_meta(LANG_KEY, lang.tag()).await {
                leptos::logging::warn!("cannot remember the language: {e}");
            }
        });
    }

    pub fn save_state(&self) -> RwSignal<SaveState> {
        self.autosaver.with_value(|a| a.state)
    }

    /// Starts a new draft of `template` and opens it. Where the template
    /// asks when the event became known, it starts as now: when the worker
    /// opened the draft. Its 报告人 blanks start from the account's profile.
    pub fn new_draft(&self, template: &'static Template) {
        let (id, key) = platform::new_thread();
        let mut draft = LocalReport::new_thread(id, key, template, platform::now_ms());
        draft.answers = kuaibao_core::rules::deadlines::known::new_draft_answers(template, &self.server_now_answer());
        // Its 报告人 blanks start from the account's profile, and from what
        // the worker typed in them on her last report on this phone.
        self.session.with_untracked(|s| {
            if let Some(s) = s {
                let account = &s.session.account;
                let last = self.reports.with_untracked(|rs| {
                    rs.iter()
                        .filter(|r| r.status != Status::Draft)
                        .filter(|r| r.author.as_ref().is_some_and(|a| a.account_id == account.id))
                        // A logged call has no 报告人 blanks.
                        .filter(|r| r.answers.contains_key("reporter"))
                        .max_by(|a, b| a.updated_ms.total_cmp(&b.updated_ms))
                        .map(|r| r.answers.clone())
                });
                for (key, value) in kuaibao_core::rules::prefill::with_last(account, last.as_ref(), template) {
                    draft.answers.insert(key, value);
                }
            }
        });
        self.open_draft(draft);
    }

    /// Now in Beijing time as a date-and-time answer (`YYYY-MM-DDTHH:MM`),
    /// by the server's clock where the phone has measured its own against
    /// it.
    pub fn server_now_answer(&self) -> String {
        crate::timefmt::ymd_t_hm(&self.server_now_beijing())
    }

    /// Now in Beijing time by the server's clock, where the phone has
    /// measured its own against it (else the phone's own).
    pub fn server_now_beijing(&self) -> chrono::NaiveDateTime {
        let ms = self
            .clock
            .with_untracked(|c| session::server_now_ms(platform::now_ms(), c.as_ref()));
        beijing_at(ms)
            .or_else(|| beijing_at(platform::now_ms()))
            .unwrap_or_default()
    }

    /// As [`AppState::server_now_beijing`], ticking each second (reactive):
    /// what countdowns and overdue marks read, since the deadlines are
    /// anchored in the server's time (a phone two hours slow must not say
    /// two hours are left of fifteen minutes).
    pub fn ticking_now(&self) -> Option<chrono::NaiveDateTime> {
        beijing_at(
            self.clock
                .with(|c| session::server_now_ms(self.now_ms.get(), c.as_ref())),
        )
    }

    /// Logs a call to the duty office in `thread_id` (the 「电话报告值班室」
    /// button, as the phone dials): a record of its own, filed at once and
    /// sent like any other, offline too.
    pub fn log_call(&self, thread_id: ReportId) {
        let Some(thread) = self.thread(thread_id) else {
            return;
        };
        let duty = self
            .session
            .with_untracked(|s| s.as_ref().and_then(|s| s.session.duty_phone.clone()));
        let n = kuaibao_core::rules::calls::next_call(thread.records.iter().map(|r| r.stage));
        let mut call = LocalReport::new_draft(
            platform::new_report_id(),
            kuaibao_core::rules::catalogue::call(),
            platform::now_ms(),
        );
        call.thread = Some(thread_id);
        call.stage = Stage::Call { n };
        call.answers = kuaibao_core::rules::calls::call_answers(
            &thread.first().answers,
            &self.server_now_answer(),
            duty.as_deref(),
        );
        let state = *self;
        leptos::task::spawn_local(async move {
            if let Err(errors) = state.file(call).await {
                leptos::logging::warn!("cannot log the call: {} errors", errors.len());
            }
        });
    }

    /// Starts the next stage of a thread (a 续报, the 终报, a hazard step).
    pub fn new_stage(&self, thread_id: ReportId, stage: Stage) {
        let thread = self
            .reports
            .with_untracked(|rs| threads::threads(rs).into_iter().find(|t| t.id == thread_id));
        // A draft of the thread is open already (the next steps are offered
        // only once it is sent): that one, not a second.
        if let Some(open) = thread
            .as_ref()
            .and_then(|t| t.records.iter().find(|r| r.status == Status::Draft))
        {
            Route::Report(open.id).go();
            return;
        }
        if let Some(draft) = thread.and_then(|t| t.next_draft(stage, platform::new_report_id(), platform::now_ms())) {
            self.open_draft(draft);
        }
    }

    fn open_draft(&self, mut draft: LocalReport) {
        if self.opening.get_value() {
            return;
        }
        self.opening.set_value(true);
        // Whose draft it is, from its first moment: on a phone shared by a
        // grid, the next worker to log in must not file it as his.
        draft.author = self
            .session
            .with_untracked(|s| s.as_ref().map(|s| Author::from(&s.session.account)));
        let state = *self;
        leptos::task::spawn_local(async move {
            match state.store.get_value().put_over_draft(&draft).await {
                Ok(_) => {
                    state.autosaver.with_value(|a| a.wrote_elsewhere());
                    upsert(state.reports, &draft);
                    Route::Report(draft.id).go();
                }
                Err(e) => state.save_state().set(SaveState::Failed(e)),
            }
            state.opening.set_value(false);
        });
    }

    /// Records an edit of a draft; autosave writes it.
    pub fn edit(&self, draft: LocalReport) {
        self.autosaver.get_value().edit(draft);
    }

    /// The phone's store, for components that read photo bytes.
    pub fn store(&self) -> Store {
        self.store.get_value()
    }

    /// The photos of one report (reactive).
    pub fn photos_of(&self, report_id: ReportId) -> Vec<LocalPhoto> {
        self.photos
            .with(|ps| ps.iter().filter(|p| p.report_id == report_id).cloned().collect())
    }

    /// Takes the user's files into a draft's photo blank, one at a time (a
    /// phone's memory holds one decoded 12-megapixel image comfortably, not
    /// five).
    pub fn add_photos(&self, report_id: ReportId, blank: &'static str, files: Vec<web_sys::File>) {
        let state = *self;
        state.adding.update(|a| a.push((report_id, blank)));
        leptos::task::spawn_local(async move {
            state.take_files(report_id, blank, files).await;
            state.adding.update(|a| {
                if let Some(i) = a.iter().position(|&(r, b)| r == report_id && b == blank) {
                    a.remove(i);
                }
            });
            // Photos are the heaviest thing on the phone: show the new usage
            // (persistence was asked at the start; asked again, Firefox
            // would prompt again).
            state.storage.set(storage::read().await);
        });
    }

    async fn take_files(&self, report_id: ReportId, blank: &'static str, files: Vec<web_sys::File>) {
        let state = *self;
        let store = state.store.get_value();
        let max = kuaibao_core::photo::MAX_PHOTOS_PER_REPORT;
        for file in files {
            // Checked per photo: the server refuses a report with more.
            let have = state
                .photos
                .with_untracked(|ps| ps.iter().filter(|p| p.report_id == report_id).count());
            if have >= max {
                let note = state.t(words::TOO_MANY_PHOTOS).replace("{max}", &max.to_string());
                state.photo_note.set(Some(note));
                return;
            }
            state.photo_note.set(Some(file.name()));
            let added = if photo::media::is_media(&file) {
                let (name, said) = (file.name(), state.t(words::MAKING_SMALLER));
                let shown = std::cell::Cell::new(-1);
                let on_progress = move |done: f64| {
                    // In tens of percent: the note is a live region.
                    let tens = (done * 10.0).floor() as i32;
                    if tens != shown.replace(tens) {
                        let note = said.replace("{pct}", &(tens * 10).to_string()).replace("{name}", &name);
                        state.photo_note.try_set(Some(note));
                    }
                };
                photo::media::add_media(&store, report_id, blank, &file, on_progress).await
            } else {
                photo::add_photo(&store, report_id, blank, &file).await
            };
            match added {
                Ok(p) => upsert_photo(state.photos, &p),
                Err(e) => {
                    leptos::logging::warn!("adding a photo: {e:?}");
                    state.photo_note.set(Some(e.message(state.lang.get_untracked())));
                    return;
                }
            }
        }
        state.photo_note.set(None);
    }

    /// Removes a photo from a draft.
    pub fn remove_photo(&self, id: kuaibao_core::PhotoId) {
        let state = *self;
        leptos::task::spawn_local(async move {
            match state.store.get_value().delete_photo(id).await {
                Ok(()) => state.photos.update(|ps| ps.retain(|p| p.id != id)),
                Err(e) => state.photo_note.set(Some(e.message(state.lang.get_untracked()))),
            }
        });
    }

    /// The draft's editor is closing (Back, another page): its last edit,
    /// if not written yet, is what the rest of the app sees of the draft
    /// from now on (a draft opened again at once must not show the text
    /// before it, and then save over it), and is written now.
    pub fn leave_draft(&self, id: ReportId) {
        let pending = self.autosaver.get_value().pending();
        for latest in &pending {
            // Never over a record that has left the drafts meanwhile.
            let still_draft = self
                .reports
                .with_untracked(|rs| rs.iter().any(|r| r.id == latest.id && r.status == Status::Draft));
            if still_draft {
                upsert(self.reports, latest);
            }
        }
        let state = *self;
        leptos::task::spawn_local(async move {
            if !pending.is_empty() {
                state.saved().await;
            }
            state.filed_elsewhere(id).await;
        });
    }

    /// The draft `id` as stored, if another window has submitted it
    /// meanwhile: the list then shows it as it is (sent, with its receipt),
    /// not as the draft this window last saw. Only while this window still
    /// holds it as a draft: one this window submitted is the outbox's to
    /// show, and a read made before its latest write would show it older.
    /// A draft is left as this window holds it (a write that failed keeps
    /// her text on screen).
    async fn filed_elsewhere(&self, id: ReportId) {
        let draft_here = || {
            self.reports
                .with_untracked(|rs| rs.iter().any(|r| r.id == id && r.status == Status::Draft))
        };
        if !draft_here() {
            return;
        }
        if let Ok(Some(stored)) = self.store.get_value().get(id).await {
            if stored.status != Status::Draft && draft_here() {
                upsert(self.reports, &stored);
            }
        }
    }

    /// Once every pending edit is written (or its failure shown).
    pub async fn saved(&self) {
        // A failure stays visible in the save state and the edit pending.
        let _shown_on_screen = self.autosaver.get_value().flush().await;
    }

    /// Record `id` as stored, into the list: what this window holds may be
    /// older than what another window wrote since. Its own pending edits
    /// are written first.
    pub async fn reread(&self, id: ReportId) {
        self.saved().await;
        if let Ok(Some(stored)) = self.store.get_value().get(id).await {
            upsert(self.reports, &stored);
        }
    }

    /// Submits a draft if every blank is acceptable; otherwise returns the
    /// errors to show. The report then waits in the outbox.
    pub async fn submit(&self, report: LocalReport) -> Result<(), Vec<FieldError>> {
        self.file(report).await?;
        Route::Home.go();
        Ok(())
    }

    /// Submits a record where the user is: checked as the server will,
    /// stamped with its writing time and the clock offset, stored, sent.
    async fn file(&self, report: LocalReport) -> Result<(), Vec<FieldError>> {
        let id = report.id;
        if self.filing.with_value(|f| f.contains(&id)) {
            return Err(Vec::new());
        }
        self.filing.update_value(|f| f.push(id));
        let filed = self.file_once(report).await;
        self.filing.update_value(|f| f.retain(|&other| other != id));
        filed
    }

    async fn file_once(&self, mut report: LocalReport) -> Result<(), Vec<FieldError>> {
        let Some(template) = report.template() else {
            return Err(Vec::new());
        };
        let now = platform::now_local();
        // The server judges it afresh; the last refusal is history.
        report.refused.clear();
        report.grade = threads::decide_grade(template, &report.answers, report.grade.as_ref());
        report.photos = self.photos.with_untracked(|ps| {
            ps.iter()
                .filter(|p| p.report_id == report.id)
                .map(LocalPhoto::to_ref)
                .collect()
        });
        // How far off the phone's clock was, fixed now with the time
        // written (every replay must send the very same record); the check
        // below judges times by the clock corrected with it, as the server
        // does.
        report.clock_offset_ms = self.clock.with_untracked(|c| c.map(|c| c.offset_ms));
        // A photo or clip still being taken in would be left out.
        if let Some(busy) = self.adding.with_untracked(|a| still_adding(a, report.id)) {
            return Err(vec![busy]);
        }
        // Another worker's draft, typed on this shared phone: hers to file.
        if let Some(owner) = self.draft_of_another(&report) {
            return Err(vec![FieldError::new(
                "author",
                kuaibao_core::ErrorCode::NotPermitted,
                words::DRAFT_OF_ANOTHER.zh.replace("{who}", &owner),
                words::DRAFT_OF_ANOTHER.en.replace("{who}", &owner),
            )]);
        }
        report.stage = self.reports.with_untracked(|rs| threads::filed_stage(rs, &report));
        // The very check the server will make of a new record, evidence
        // included.
        self.admit(&report, now)?;
        self.saved().await;
        report.updated_ms = platform::now_ms();
        // Who sent it, fixed with it too.
        report.author = self
            .session
            .with_untracked(|s| s.as_ref().map(|s| Author::from(&s.session.account)));
        report.status = Status::Waiting {
            written_at: now,
            attempts: 0,
            next_try_ms: report.updated_ms,
            last_error: None,
        };
        let store = self.store.get_value();
        match store.put_over_draft(&report).await {
            Ok(true) => {}
            // Submitted in another window meanwhile: that one stands, with
            // its receipt if sent; this window's text stays on screen until
            // the editor closes (`leave_draft` then shows it as stored).
            Ok(false) => {
                self.save_state().set(SaveState::FiledElsewhere);
                return Err(Vec::new());
            }
            Err(e) => {
                // Nothing is lost: the draft is still stored; say why it stays.
                self.save_state().set(SaveState::Failed(e));
                return Err(Vec::new());
            }
        }
        upsert(self.reports, &report);
        self.sync_now();
        Ok(())
    }

    /// A rejected report becomes a draft again with the same answers, opened
    /// for the user to fix: under its own id, which the server holds nothing
    /// under (so a 续报 or call already sent in its thread still finds its
    /// 首报), or a new one where the server holds other content under it
    /// (`LocalReport::fix_keeps_id`). It stays the submitter's: on a shared phone the next worker cannot file
    /// it as his. Its photos go with it, in the same write.
    pub fn reopen(&self, rejected: LocalReport) {
        // A hurried double tap must not make two drafts of one report.
        if self.opening.get_value() {
            return;
        }
        self.opening.set_value(true);
        // A first record under a new id needs a new key: the key proves
        // the id it made.
        let (id, thread_key) = match (rejected.fix_keeps_id(), rejected.thread) {
            (true, _) => (rejected.id, rejected.thread_key.clone()),
            (false, None) => {
                let (id, key) = platform::new_thread();
                (id, Some(key))
            }
            (false, Some(_)) => (platform::new_report_id(), None),
        };
        let draft = LocalReport {
            id,
            thread_key,
            answers: rejected.answers.clone(),
            grade: rejected.grade.clone().filter(|g| g.chosen != g.suggested),
            photos: Vec::new(),
            updated_ms: platform::now_ms(),
            author: rejected.author.clone(),
            clock_offset_ms: None,
            status: Status::Draft,
            refused: rejected.refusal_to_fix(),
            ..rejected.clone()
        };
        let state = *self;
        leptos::task::spawn_local(async move {
            let store = state.store.get_value();
            let moved: Vec<LocalPhoto> = state.photos.with_untracked(|ps| {
                ps.iter()
                    .filter(|p| p.report_id == rejected.id)
                    .map(|p| LocalPhoto {
                        report_id: draft.id,
                        upload: crate::store::Upload::fresh(),
                        ..p.clone()
                    })
                    .collect()
            });
            let mut written = vec![draft.clone()];
            if draft.id != rejected.id && rejected.thread.is_none() {
                written.extend(
                    state
                        .reports
                        .with_untracked(|rs| threads::follow_the_fix(rs, rejected.id, draft.id)),
                );
            }
            match store.replace(rejected.id, &written, &moved).await {
                Ok(()) => {
                    state.autosaver.with_value(|a| a.wrote_elsewhere());
                    for p in &moved {
                        upsert_photo(state.photos, p);
                    }
                    state.reports.update(|rs| rs.retain(|r| r.id != rejected.id));
                    for r in &written {
                        upsert(state.reports, r);
                    }
                    Route::Report(draft.id).go();
                }
                Err(e) => state.save_state().set(SaveState::Failed(e)),
            }
            state.opening.set_value(false);
        });
    }

    /// Throws a draft away, with its photos, and goes back to the list.
    /// The draft first, checked in its own transaction: one submitted
    /// meanwhile (in another tab) is not deleted, and neither are the
    /// photos it now carries.
    pub fn discard(&self, id: ReportId) {
        let state = *self;
        leptos::task::spawn_local(async move {
            let store = state.store.get_value();
            match store.delete_draft(id).await {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    state.save_state().set(SaveState::Failed(e));
                    return;
                }
            }
            state
                .reports
                .update(|rs| rs.retain(|r| r.id != id || r.status != Status::Draft));
            for p in state
                .photos
                .with_untracked(|ps| ps.iter().filter(|p| p.report_id == id).cloned().collect::<Vec<_>>())
            {
                // A photo left behind by a failure here is only space: its
                // draft is gone, and nothing sends it.
                if let Err(e) = store.delete_photo(p.id).await {
                    leptos::logging::warn!("a discarded draft's photo stays: {e}");
                    continue;
                }
                state.photos.update(|ps| ps.retain(|q| q.id != p.id));
            }
            Route::Home.go();
        });
    }

    /// How many submitted reports wait to be sent (reactive).
    pub fn waiting_count(&self) -> usize {
        self.reports.with(|rs| {
            rs.iter()
                .filter(|r| matches!(r.status, Status::Waiting { .. } | Status::Sending { .. }))
                .count()
        })
    }

    /// Whether the phone holds a report the duty office does not have, a
    /// draft or a refused one included.
    pub fn holds_unsent(&self) -> bool {
        self.reports
            .with(|rs| rs.iter().any(|r| !matches!(r.status, Status::Delivered { .. })))
    }

    /// The username of the worker who began `report` on this phone, when
    /// that is not the one logged in now.
    pub fn draft_of_another(&self, report: &LocalReport) -> Option<String> {
        let owner = report.author.as_ref()?;
        let mine = self
            .session
            .with(|s| s.as_ref().is_some_and(|s| s.session.account.id == owner.account_id));
        (!mine).then(|| owner.username.clone())
    }

    /// Photos and clips of submitted reports not yet on the server: the
    /// report's text may be delivered while its evidence still waits.
    pub fn photos_waiting_count(&self) -> usize {
        // The drafts are few: photos are checked against them, not against
        // every report (the list opens with hundreds).
        let drafts: Vec<ReportId> = self
            .reports
            .with(|rs| rs.iter().filter(|r| r.status == Status::Draft).map(|r| r.id).collect());
        self.photos.with(|ps| {
            ps.iter()
                .filter(|p| matches!(p.upload, crate::store::Upload::Waiting { .. }))
                .filter(|p| !drafts.contains(&p.report_id))
                .count()
        })
    }

    /// Logs in (needs signal), keeps the session on the phone, and lets the
    /// waiting reports go.
    pub async fn login(&self, username: String, password: String) -> Result<(), LoginError> {
        let store = self.store.get_value();
        let device_id = store.device_id().await.map_err(LoginError::Storage)?;
        let form = LoginRequest {
            username: username.trim().to_owned(),
            password,
            device_id,
        };
        let new = session_api::login(&form).await?;
        store.save_session(&new).await.map_err(LoginError::Storage)?;
        self.last_username.set(Some(new.account.username.clone()));
        self.session.set(Some(StoredSession {
            session: new,
            refused_ms: None,
        }));
        // The queue goes by itself: reports, then photos.
        self.sync_now();
        Ok(())
    }

    /// Logs out: the phone forgets the session (and tells the server when it
    /// can). Reports, drafts and photos all stay, and go after the next
    /// login.
    pub fn logout(&self) {
        let state = *self;
        leptos::task::spawn_local(async move {
            // Nothing typed may be lost on the way out.
            state.saved().await;
            let token = state
                .session
                .with_untracked(|s| s.as_ref().map(|s| s.session.token.clone()));
            if let Err(e) = state.store.get_value().clear_session().await {
                leptos::logging::error!("cannot forget the session: {e}");
                return;
            }
            state.session.set(None);
            Route::Home.go();
            if let Some(token) = token {
                if let Err(e) = session_api::logout(&token).await {
                    // The token simply runs out on the server.
                    leptos::logging::warn!("cannot end the session on the server: {e}");
                }
            }
        });
    }

    pub fn sync_now(&self) {
        self.engine.get_value().request();
    }

    /// Saves the open draft, then lets the new version take over.
    pub fn update_app(&self) {
        let state = *self;
        leptos::task::spawn_local(async move {
            if state.autosaver.get_value().flush().await.is_ok() {
                service_worker::apply_update().await;
            }
        });
    }
}

/// How long after start the phone looks for threads to let go: the list is
/// shown by then.
const SETTLE_AFTER_START_MS: u32 = 3_000;

/// The lists a thread leaves.
#[derive(Clone, Copy)]
struct Kept {
    reports: RwSignal<Vec<LocalReport>>,
    photos: RwSignal<Vec<LocalPhoto>>,
    archived: RwSignal<u32>,
}

/// Lets the threads settled longer than the server's `keep_days` (by the
/// server's clock, as the phone last measured it) leave the phone, keeping
/// their receipts (`store::Archived`). One transaction per thread: one that
/// fails stays whole and is tried again after the next sync pass.
async fn let_go_of_settled(
    store: Store,
    kept: Kept,
    session: RwSignal<Option<StoredSession>>,
    clock: RwSignal<Option<ClockReading>>,
) {
    let keep_days = session
        .with_untracked(|s| s.as_ref().and_then(|s| s.session.keep_days))
        .unwrap_or(kuaibao_core::account::DEFAULT_KEEP_DAYS);
    let now_ms = clock.with_untracked(|c| session::server_now_ms(platform::now_ms(), c.as_ref()));
    let Some(cutoff) = chrono::DateTime::from_timestamp_millis(now_ms as i64 - i64::from(keep_days) * 86_400_000)
    else {
        return;
    };
    let leaving = kept
        .reports
        .with_untracked(|rs| kept.photos.with_untracked(|ps| threads::settled(rs, ps, cutoff)));
    if leaving.is_empty() {
        return;
    }
    for thread in leaving {
        let ids: Vec<ReportId> = thread.records.iter().map(|r| r.id).collect();
        let photo_ids: Vec<kuaibao_core::PhotoId> = kept
            .photos
            .with_untracked(|ps| ps.iter().filter(|p| ids.contains(&p.report_id)).map(|p| p.id).collect());
        match store.archive(&thread.records, &photo_ids).await {
            Ok(()) => {
                kept.reports.update(|rs| rs.retain(|r| !ids.contains(&r.id)));
                kept.photos.update(|ps| ps.retain(|p| !photo_ids.contains(&p.id)));
            }
            Err(e) => leptos::logging::warn!("cannot let a finished thread go: {e}"),
        }
    }
    // Counted from the store, not added up: two passes may settle the same
    // thread at once (the second's writes change nothing).
    if let Some(n) = log_failure(store.archived_count().await, "count the archived reports") {
        kept.archived.set(n);
    }
}

/// The reports and photos to open with, and how the list stands: opened
/// on the list, its first page (the newest threads are read first and the
/// rest once the list is drawn: decoding every record first made a phone
/// with 500 reports open in a second, issue 19); else every record.
async fn first_reports(store: &Store) -> (Vec<LocalReport>, Vec<LocalPhoto>, Option<Partial>) {
    if Route::current() == Route::Home {
        if let Some(first) = log_failure(store.first_page(LIST_PAGE).await, "read the newest threads").flatten() {
            return (first.records, first.photos, Some(first.partial));
        }
    }
    let (reports, photos) = futures::join!(all_reports(store), all_photos(store));
    (reports, photos, None)
}

/// Every report on the phone; none after logging why, for the app must
/// start even then.
async fn all_reports(store: &Store) -> Vec<LocalReport> {
    log_failure(store.all().await, "list reports").unwrap_or_default()
}

/// Every photo record on the phone; none after logging why, as above.
async fn all_photos(store: &Store) -> Vec<LocalPhoto> {
    log_failure(store.photos().await, "list photos").unwrap_or_default()
}

/// Resolves once the screen drawn before it was called is painted: after
/// the next animation frame, or after 100 ms where no frame comes (a page
/// started hidden paints none).
async fn after_paint() {
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _drawn_anyway_by_the_timeout = w.request_animation_frame(&resolve);
        }
    });
    let fallback = js_sys::Promise::new(&mut |resolve, _| {
        gloo_timers::callback::Timeout::new(100, move || {
            let _resolving_a_promise_cannot_fail = resolve.call0(&JsValue::NULL);
        })
        .forget();
    });
    let _either_way =
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::race(&js_sys::Array::of2(&frame, &fallback))).await;
    // The frame's callbacks run before its paint: one more turn after it.
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// The value, or `None` after logging why: for reads whose failure must not
/// stop the app from starting.
fn log_failure<T>(result: Result<T, StoreError>, what: &str) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            leptos::logging::error!("cannot {what}: {e}");
            None
        }
    }
}

/// Replaces or appends one report in the list on screen.
fn upsert(reports: RwSignal<Vec<LocalReport>>, report: &LocalReport) {
    reports.update(|rs| match rs.iter_mut().find(|r| r.id == report.id) {
        Some(r) => *r = report.clone(),
        None => rs.push(report.clone()),
    });
}

fn upsert_photo(photos: RwSignal<Vec<LocalPhoto>>, photo: &LocalPhoto) {
    photos.update(|ps| match ps.iter_mut().find(|p| p.id == photo.id) {
        Some(p) => *p = photo.clone(),
        None => ps.push(photo.clone()),
    });
}

fn on_window(event: &str, f: impl Fn() + 'static) {
    let cb = Closure::<dyn Fn()>::new(f);
    if let Some(w) = web_sys::window() {
        if let Err(e) = w.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref()) {
            leptos::logging::warn!("cannot listen for {event}: {}", crate::platform::js_error(&e));
        }
    }
    // Listens for the life of the page.
    cb.forget();
}

/// The error at a draft's blank that is still taking files in (`adding`,
/// as [`AppState::adding`] holds them), if one is: submitted now, the report
/// would go without them.
pub fn still_adding(adding: &[(ReportId, &'static str)], report_id: ReportId) -> Option<FieldError> {
    let &(_, blank) = adding.iter().find(|(r, _)| *r == report_id)?;
    let text = words::STILL_ADDING;
    Some(FieldError::new(
        blank,
        kuaibao_core::ErrorCode::PhotosMissing,
        text.get(Lang::Zh),
        text.get(Lang::En),
    ))
}
