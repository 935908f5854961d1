//! An answer whose reader stops taking bytes ends its connection after a
//! while. hyper has no write timeout: an answer it cannot send waits for
//! ever, holding the connection's slot and whatever the answer holds (a
//! written report's page, a photo's file, an export's batch), so a client
//! that asks and never reads could hold every slot. Wrapped around a
//! connection's stream (under TLS, if any), [`SendStall`] fails a write, a
//! flush or a close that has waited its limit with no byte taken, which
//! ends the connection. A slow reader that takes a byte now and then is
//! never cut: each byte taken starts the wait again.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

pub struct SendStall<I> {
    inner: I,
    limit: Duration,
    /// While a write waits: when it fails.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<I> SendStall<I> {
    pub fn new(inner: I, limit: Duration) -> Self {
        SendStall {
            inner,
            limit,
            deadline: None,
        }
    }

    /// What a write that is not ready comes to: still waiting, or failed
    /// once it has waited the limit since the last byte was taken.
    fn waiting<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let limit = self.limit;
        let deadline = self.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the reader took no byte of the answer within the send-stall limit (KUAIBAO_SEND_STALL_SECS)",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// A write's outcome: progress (or an error) ends the wait.
    fn judged<T>(&mut self, cx: &mut Context<'_>, polled: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match polled {
            Poll::Pending => self.waiting(cx),
            ready => {
                self.deadline = None;
                ready
            }
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for SendStall<I> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for SendStall<I> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.judged(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.judged(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_flush(cx);
        this.judged(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.judged(cx, polled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const LIMIT: Duration = Duration::from_millis(300);

    #[tokio::test]
    async fn a_reader_that_takes_nothing_fails_the_write_at_the_limit() {
        // A pipe that holds 64 bytes: the rest waits for the reader.
        let (near, _far) = tokio::io::duplex(64);
        let mut writer = SendStall::new(near, LIMIT);
        let start = std::time::Instant::now();
        let err = writer.write_all(&[7; 1024]).await.expect_err("never read");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let took = start.elapsed();
        assert!(took >= LIMIT && took < LIMIT * 4, "{took:?}");
    }

    #[tokio::test]
    async fn a_slow_reader_that_keeps_taking_is_never_cut() {
        let (near, mut far) = tokio::io::duplex(64);
        let mut writer = SendStall::new(near, LIMIT);
        // 16 waits of a third of the limit each: far longer in all than
        // the limit, never that long without a byte taken.
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 64];
            loop {
                tokio::time::sleep(LIMIT / 3).await;
                match far.read(&mut buf).await.expect("read") {
                    0 => return got,
                    n => got.extend_from_slice(&buf[..n]),
                }
            }
        });
        let sent: Vec<u8> = (0..1024u32).map(|i| i as u8).collect();
        writer.write_all(&sent).await.expect("taken slowly, never stalled");
        writer.shutdown().await.expect("closed");
        drop(writer);
        assert_eq!(reader.await.expect("reader"), sent);
    }
}
