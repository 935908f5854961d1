//! Getting reports to the duty office: the outbox (what to send, and what an
//! answer means for each report), the transport (how bytes travel) and the
//! scheduler (when to try).

mod outbox;
mod scheduler;
mod transport;

pub use outbox::{DrainSummary, Outbox};
pub use scheduler::SyncEngine;
pub use transport::{HttpAnswer, HttpTransport, NetError, Transport};
