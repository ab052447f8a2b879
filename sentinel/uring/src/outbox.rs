//! Per-connection output: the shard appends encoded bytes, a writer task drains them. Everything
//! appended during one pass of the shard loop goes out as one write, because the writer only
//! runs when the loop yields.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use bytes::BytesMut;
use tokio::sync::Notify;

use crate::stream::Stream;

/// What the writer does once the buffer is empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Open,
    /// Write what is queued, then shut the socket down.
    CloseAfterFlush,
    /// Drop what is queued and shut the socket down now.
    Aborted,
}

/// Bytes waiting for a socket.
#[derive(Debug)]
pub(crate) struct Outbox {
    buf: RefCell<BytesMut>,
    state: Cell<State>,
    notify: Notify,
}

impl Outbox {
    pub(crate) fn new() -> Rc<Outbox> {
        Rc::new(Outbox {
            buf: RefCell::new(BytesMut::new()),
            state: Cell::new(State::Open),
            notify: Notify::new(),
        })
    }

    /// Appends with `fill` and wakes the writer; returns the bytes now queued.
    pub(crate) fn push(&self, fill: impl FnOnce(&mut BytesMut)) -> usize {
        if self.state.get() != State::Open {
            return 0;
        }
        let len = {
            let mut buf = self.buf.borrow_mut();
            fill(&mut buf);
            buf.len()
        };
        self.notify.notify_one();
        len
    }

    /// Flush what is queued, then close.
    pub(crate) fn close_after_flush(&self) {
        if self.state.get() == State::Open {
            self.state.set(State::CloseAfterFlush);
        }
        self.notify.notify_one();
    }

    /// Wakes the writer with nothing new queued: a TLS session has records of its own to send.
    pub(crate) fn kick(&self) {
        self.notify.notify_one();
    }

    /// Close now, dropping what is queued.
    pub(crate) fn abort(&self) {
        self.state.set(State::Aborted);
        self.buf.borrow_mut().clear();
        self.notify.notify_one();
    }

    /// Whether `abort` was called (a connect in progress should give up).
    pub(crate) fn is_aborted(&self) -> bool {
        self.state.get() == State::Aborted
    }

    fn take(&self) -> BytesMut {
        self.buf.borrow_mut().split()
    }
}

/// Writes whatever the outbox collects to `stream` until the outbox is closed or a write
/// fails; then shuts the socket down so the reader sees EOF.
pub(crate) async fn pump(stream: Rc<Stream>, outbox: Rc<Outbox>) {
    loop {
        let Some(wire) = stream.wire(outbox.take()) else {
            break;
        };
        if wire.is_empty() {
            match outbox.state.get() {
                State::Open => {
                    outbox.notify.notified().await;
                    continue;
                }
                State::CloseAfterFlush => {
                    let bye = stream.farewell();
                    if !bye.is_empty() {
                        let _ = stream.write_all(bye).await;
                    }
                    break;
                }
                State::Aborted => break,
            }
        }
        if outbox.is_aborted() {
            break;
        }
        if stream.write_all(wire).await.is_err() {
            break;
        }
    }
    // The socket may already be gone (peer reset); nothing else to do then.
    let _ = stream.shutdown();
}
