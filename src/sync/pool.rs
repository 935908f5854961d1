//! Running a queue's sends a few at a time. On a slow link with a long
//! round trip, one request at a time leaves the link idle while each answer
//! travels back (a third of a second per request at 300 ms); with a few in
//! flight the link carries bytes the whole time.
//!
//! The first send of a pass goes alone: its answer tells whether the link
//! and the session work, so a dead link or a refused session costs one
//! request, not one per slot.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

/// What one item's task did: `Ok(true)` when it sent a request and had its
/// outcome (an answer or a failure), `Ok(false)` when it had nothing to send
/// (not due, held for a login, the link already known to be down).
pub type Task<'a, E> = Pin<Box<dyn Future<Output = Result<bool, E>> + 'a>>;

/// Runs the tasks `tasks` yields, starting them in order, at most `width` at
/// a time once a first task has sent (one at a time before). Each task is
/// made only when a slot frees, so it decides at its start what the ones
/// before it learnt (a 401, a dead link). Stops at the first error, dropping
/// the tasks still running: their items keep the state last stored, which
/// is always safe to resume from.
pub async fn run<'a, E>(width: usize, tasks: impl Iterator<Item = Task<'a, E>>) -> Result<(), E> {
    let mut tasks = tasks.fuse();
    let mut running: Vec<Task<'a, E>> = Vec::new();
    let mut opened = false;
    poll_fn(move |cx| loop {
        let limit = if opened { width.max(1) } else { 1 };
        while running.len() < limit {
            match tasks.next() {
                Some(task) => running.push(task),
                None => break,
            }
        }
        if running.is_empty() {
            return Poll::Ready(Ok(()));
        }
        let before = running.len();
        let mut failed = None;
        running.retain_mut(|task| match task.as_mut().poll(cx) {
            Poll::Pending => true,
            Poll::Ready(Ok(sent)) => {
                opened |= sent;
                false
            }
            Poll::Ready(Err(e)) => {
                failed.get_or_insert(e);
                false
            }
        });
        if let Some(e) = failed {
            return Poll::Ready(Err(e));
        }
        // Nothing finished: every task waits on something that will wake
        // this one.
        if running.len() == before {
            return Poll::Pending;
        }
    })
    .await
}
