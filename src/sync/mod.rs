//! Getting reports to the duty office: the outbox (what to send, and what an
//! answer means for each report), photo uploads (after the text, over tus),
//! the transports (how bytes travel) and the scheduler (when to try).

mod outbox;
mod scheduler;
mod transport;
mod tus;
mod uploads;

pub use outbox::{DrainSummary, Outbox};
pub use scheduler::SyncEngine;
pub use transport::{HttpAnswer, HttpTransport, NetError, Transport};
pub use tus::{HttpTus, TusAnswer, TusTransport};
pub use uploads::{UploadSummary, Uploader, CHUNK_BYTES};
