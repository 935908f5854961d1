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
        }
    }
}

pub struct Autosaver {
    store: Store,
    pending: RefCell<Option<LocalReport>>,
    timer: RefCell<Option<Timeout>>,
    pub state: RwSignal<SaveState>,
    /// Told of every record written, for the list on screen.
    on_saved: Box<dyn Fn(&LocalReport)>,
}

impl Autosaver {
    pub fn new(store: Store, on_saved: Box<dyn Fn(&LocalReport)>) -> Rc<Autosaver> {
        Rc::new(Autosaver {
            store,
            pending: RefCell::new(None),
            timer: RefCell::new(None),
            state: RwSignal::new(SaveState::Saved),
            on_saved,
        })
    }

    /// Records an edit; it is written at most [`DEBOUNCE_MS`] after the
    /// first edit not yet written.
    pub fn edit(self: &Rc<Self>, report: LocalReport) {
        *self.pending.borrow_mut() = Some(report);
        if !matches!(self.state.get_untracked(), SaveState::Failed(_)) {
            self.state.set(SaveState::Unsaved);
        }
        self.write_in(DEBOUNCE_MS);
    }

    /// Writes the pending edit `ms` from now, unless a write is already due
    /// (it will take this edit along). A failed write tries again
    /// [`RETRY_MS`] later, its failure shown by `state` meanwhile.
    fn write_in(self: &Rc<Self>, ms: u32) {
        if self.timer.borrow().is_some() {
            return;
        }
        let this = Rc::clone(self);
        let timer = Timeout::new(ms, move || {
            leptos::task::spawn_local(async move {
                if this.flush().await.is_err() {
                    this.write_in(RETRY_MS);
                }
            });
        });
        *self.timer.borrow_mut() = Some(timer);
    }

    /// The edit not written yet, if any.
    pub fn pending(&self) -> Option<LocalReport> {
        self.pending.borrow().clone()
    }

    /// Writes the pending edit now, if any.
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.timer.borrow_mut().take();
        let Some(report) = self.pending.borrow_mut().take() else {
            return Ok(());
        };
        self.state.set(SaveState::Saving);
        match self.store.save_draft(&report).await {
            Ok(written) => {
                if written {
                    (self.on_saved)(&report);
                }
                if self.pending.borrow().is_none() {
                    self.state.set(SaveState::Saved);
                }
                Ok(())
            }
            Err(e) => {
                // Keep the edit unless a newer one replaced it meanwhile.
                self.pending.borrow_mut().get_or_insert(report);
                self.state.set(SaveState::Failed(e.clone()));
                Err(e)
            }
        }
    }
}
