//! How shards reach each other: every shard's control channel, by index. The front (shard 0)
//! serves clients; it forwards commands to the shard that owns a master and gathers answers,
//! and the other shards send it their answers and the events its subscribers want. One
//! channel per receiving shard keeps each sender's messages in order.

use std::sync::Arc;

use bytes::Bytes;
use sentinel_core::event::Event;
use sentinel_core::resp::Frame;
use tokio::sync::mpsc::UnboundedSender;

use crate::input::Control;

/// The shard that serves clients.
pub const FRONT: usize = 0;

/// One shard's handle on all shards' control channels.
#[derive(Clone, Debug)]
pub(crate) struct Router {
    index: usize,
    shards: Arc<[UnboundedSender<Control>]>,
}

impl Router {
    pub(crate) fn new(index: usize, shards: Arc<[UnboundedSender<Control>]>) -> Router {
        Router { index, shards }
    }

    pub(crate) fn count(&self) -> usize {
        self.shards.len()
    }

    pub(crate) fn is_front(&self) -> bool {
        self.index == FRONT
    }

    /// False when the shard is gone (stopping) or does not exist.
    fn send(&self, shard: usize, msg: Control) -> bool {
        self.shards.get(shard).is_some_and(|s| s.send(msg).is_ok())
    }

    /// A command for `shard` to run for the front.
    pub(crate) fn forward(&self, shard: usize, request: u64, args: Vec<Bytes>) -> bool {
        self.send(shard, Control::Forward { request, args })
    }

    /// This shard's answer to the front's `request`.
    pub(crate) fn answer(&self, request: u64, frame: Frame) -> bool {
        self.send(
            FRONT,
            Control::ForwardReply {
                shard: self.index,
                request,
                frame,
            },
        )
    }

    /// An event for the front's subscribers.
    pub(crate) fn publish(&self, event: Event) -> bool {
        self.send(FRONT, Control::Event(event))
    }
}
