//! Autosave: every edit of a draft is written to IndexedDB shortly after the
//! last keystroke, and at once when the page is hidden, closed or updated.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use leptos::prelude::*;

use crate::store::{LocalReport, Store, StoreError};

/// Write this long after the first unsaved keystroke: the keystrokes of
/// that moment share one write, and none waits longer than this (plus the
/// write itself) to be safe. The timer is not restarted by later
/// keystrokes, so steady typing is saved every tenth of a second rather
/// than only when it pauses. (At 250 ms, restarted per keystroke, the
/// benchmark's p99 keystroke → committed was 270 ms against a 150 ms
/// budget; a small draft's write takes about 10 ms at 4× CPU throttling.)
pub const DEBOUNCE_MS: u32 = 100;

/// After a failed write (a full phone, say), the edit is written again this
/// long after, without waiting for another keystroke: the text stays on
/// screen and pending meanwhile, and goes in as soon as there is room.
pub const RETRY_MS: u32 = 3_000;

#[derive(Debug, Clone, PartialEq)]
pub enum SaveState {
    Saved,
    Unsaved,
    Saving,
    Failed(StoreError),
    /// The draft was submitted in another window (tab) meanwhile: what is
    /// typed here is not written over it.
    FiledElsewhere,
}

impl SaveState {
    /// The state's name for the page (`data-state`), which tests and
    /// benchmarks wait on.
    pub fn name(&self) -> &'static str {
        match self {
            SaveState::Saved => "saved",
            SaveState::Unsaved => "unsaved",
            SaveState::Saving => "saving",
            SaveState::Failed(_) => "failed",
            SaveState::FiledElsewhere => "filed-elsewhere",
        }
    }
}

pub struct Autosaver {
    store: Store,
    /// The latest edit not yet written of each draft: one per draft, so an
    /// edit that could not be written (a full phone) is not dropped when
    /// the worker goes on in another draft.
    pending: RefCell<Vec<LocalReport>>,
    timer: RefCell<Option<Timeout>>,
    pub state: RwSignal<SaveState>,
    /// Told of every record written, for the list on screen.
    on_saved: Box<dyn Fn(&LocalReport)>,
}

impl Autosaver {
    pub fn new(store: Store, on_saved: Box<dyn Fn(&LocalReport)>) -> Rc<Autosaver> {
        Rc::new(Autosaver {
            store,
            pending: RefCell::new(Vec::new()),
            timer: RefCell::new(None),
            state: RwSignal::new(SaveState::Saved),
            on_saved,
        })
    }

    /// Records an edit; it is written at most [`DEBOUNCE_MS`] after the
    /// first edit not yet written.
    pub fn edit(self: &Rc<Self>, report: LocalReport) {
        keep_latest(&mut self.pending.borrow_mut(), report);
        // A failure, or the draft filed in another window, stays said
        // (and heard once by a screen reader) while she goes on typing.
        if !matches!(
            self.state.get_untracked(),
            SaveState::Failed(_) | SaveState::FiledElsewhere
        ) {
            self.state.set(SaveState::Unsaved);
        }
        self.write_in(DEBOUNCE_MS);
    }

    /// Writes the pending edits `ms` from now, unless a write is already
    /// due (it will take these edits along).
    fn write_in(self: &Rc<Self>, ms: u32) {
        if self.timer.borrow().is_some() {
            return;
        }
        let this = Rc::clone(self);
        let timer = Timeout::new(ms, move || {
            leptos::task::spawn_local(async move {
                let _retried_by_flush = this.flush().await;
            });
        });
        *self.timer.borrow_mut() = Some(timer);
    }

    /// A write outside the autosaver (a new draft, a fix) went in: a
    /// failure an earlier one showed is over, unless edits still wait.
    pub fn wrote_elsewhere(&self) {
        if self.pending.borrow().is_empty() && matches!(self.state.get_untracked(), SaveState::Failed(_)) {
            self.state.set(SaveState::Saved);
        }
    }

    /// The edits not written yet, the latest of each draft.
    pub fn pending(&self) -> Vec<LocalReport> {
        self.pending.borrow().clone()
    }

    /// Writes the pending edits now. One that fails stays pending (unless
    /// a newer edit of its draft came meanwhile), its failure shown by
    /// `state`, and is written again [`RETRY_MS`] later by itself.
    pub async fn flush(self: &Rc<Self>) -> Result<(), StoreError> {
        self.timer.borrow_mut().take();
        let reports = std::mem::take(&mut *self.pending.borrow_mut());
        if reports.is_empty() {
            return Ok(());
        }
        self.state.set(SaveState::Saving);
        let mut failed = None;
        let mut filed_elsewhere = false;
        for report in reports {
            match self.store.put_over_draft(&report).await {
                Ok(true) => (self.on_saved)(&report),
                Ok(false) => filed_elsewhere = true,
                Err(e) => {
                    let mut pending = self.pending.borrow_mut();
                    if !pending.iter().any(|p| p.id == report.id) {
                        pending.push(report);
                    }
                    failed = Some(e);
                }
            }
        }
        match failed {
            None => {
                if filed_elsewhere {
                    self.state.set(SaveState::FiledElsewhere);
                } else if self.pending.borrow().is_empty() {
                    self.state.set(SaveState::Saved);
                }
                Ok(())
            }
            Some(e) => {
                self.state.set(SaveState::Failed(e.clone()));
                self.write_in(RETRY_MS);
                Err(e)
            }
        }
    }
}

/// Puts `report` among `pending` edits in place of an earlier edit of it.
fn keep_latest(pending: &mut Vec<LocalReport>, report: LocalReport) {
    match pending.iter_mut().find(|p| p.id == report.id) {
        Some(earlier) => *earlier = report,
        None => pending.push(report),
    }
}
