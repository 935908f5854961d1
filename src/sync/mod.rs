//! Getting reports to the duty office: the outbox (what to send, and what an
//! answer means for each report), photo uploads (after the text, over tus),
//! the transports (how bytes travel), the clock measurement, the pool (a few
//! sends in flight at once) and the scheduler (when to try). Nothing is sent without a valid session.

pub mod clock;
pub mod history;
mod outbox;
mod pool;
mod recover;
mod requests;
mod rules;
mod scheduler;
mod thread_records;
mod transport;
mod tus;
mod uploads;

pub use outbox::{
    DrainSummary, Outbox, BUSY_NOTE, EARLY_NOTE, LATER_NOTE, NEED_LOGIN_NOTE, NOT_THE_SERVER_NOTE, REPORTS_IN_FLIGHT,
};
pub use scheduler::{Listeners, SyncEngine};
pub use transport::{bearer, with_timeout, HttpAnswer, HttpTransport, NetError, Transport, NO_ANSWER_NOTE};
pub use tus::{held_offset, send_chunks, ChunkStop, HttpTus, TusAnswer, TusTransport, CHUNK_BYTES};
pub use uploads::{UploadSummary, Uploader, PHOTOS_IN_FLIGHT, PHOTO_REFUSED_NEXT};
