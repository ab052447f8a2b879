//! What wakes a shard: messages from its own link and client tasks (same thread, so they may
//! carry `Rc`s) and control messages from other threads.

use std::rc::Rc;

use bytes::Bytes;
use sentinel_core::link::LinkId;
use sentinel_core::resp::Frame;
use sentinel_core::{ClientId, ClientOrigin};

use crate::outbox::Outbox;

/// An input from a task of the shard's own thread. `conn` is the driver's serial number of the
/// connection attempt, so news from a connection the core already closed is ignored.
#[derive(Debug)]
pub(crate) enum Input {
    LinkUp {
        link: LinkId,
        conn: u64,
        local_ip: Option<String>,
    },
    LinkReply {
        link: LinkId,
        conn: u64,
        frame: Frame,
    },
    LinkDown {
        link: LinkId,
        conn: u64,
    },
    ClientNew {
        client: ClientId,
        outbox: Rc<Outbox>,
        origin: ClientOrigin,
    },
    ClientCommand {
        client: ClientId,
        args: Vec<Bytes>,
    },
    /// The client sent bytes that are not RESP; `text` is the error Redis replies with before
    /// closing the connection.
    ClientProtocolError {
        client: ClientId,
        text: String,
    },
    ClientGone {
        client: ClientId,
    },
    Control(Control),
    /// This host's addresses changed (read again every `vip::LOCAL_ADDRESSES_REFRESH`).
    LocalAddresses(Vec<String>),
}

/// An input from another thread (the persister, the ACL file worker, the signal handler, other
/// shards).
#[derive(Debug)]
pub enum Control {
    /// A config write finished; `batch` is the number the shard gave the job.
    Persisted { batch: u64, ok: bool },
    /// Stop: write the config one last time and return.
    Shutdown,
    /// A script the shard started ended (its waiter thread reports).
    ScriptExited {
        id: u64,
        exit: sentinel_core::ScriptExit,
    },
    /// From the front: run a client command (thread-per-core, see `router`).
    Forward { request: u64, args: Vec<Bytes> },
    /// To the front: shard `shard`'s answer to forwarded `request`.
    ForwardReply {
        shard: usize,
        request: u64,
        frame: Frame,
    },
    /// To the front: an event another shard published, for its subscribers.
    Event(sentinel_core::event::Event),
    /// The ACL file worker read the file for `ACL LOAD` (or the strerror text of why not).
    AclFileRead {
        token: u64,
        contents: Result<Vec<u8>, String>,
    },
    /// The ACL file worker wrote the file for `ACL SAVE` (`ok`) or failed and logged why.
    AclFileWritten { token: u64, ok: bool },
}
