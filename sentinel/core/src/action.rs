//! What the core asks its driver to do. Drained with `Sentinel::poll_action`.

use std::net::Ipv4Addr;
use std::time::Duration;

use bytes::Bytes;

use crate::addr::Addr;
use crate::event::Event;
use crate::link::LinkId;
use crate::resp::Frame;

/// A client connection, numbered by the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(pub u64);

/// One output of the core.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Open a TCP connection for `link` to `addr`; answer with `handle_link_up` or
    /// `handle_link_down`.
    Connect { link: LinkId, addr: Addr },
    /// Send a command (already renamed per `rename-command`) on `link`. Replies come back, in
    /// order, through `handle_reply`.
    Send { link: LinkId, args: Vec<Bytes> },
    /// Close `link`; no `handle_link_down` is expected for it.
    Close { link: LinkId },
    /// Log the event and publish it on its channel to subscribed clients.
    Publish(Event),
    /// Send `frame` to a client (a reply, or a pub/sub message pushed to it). Encode it with
    /// the protocol `Sentinel::client_protocol` reports for that client.
    Reply { client: ClientId, frame: Frame },
    /// Close a client connection once the replies queued before this action are written
    /// (`CLIENT KILL`, protocol errors).
    CloseClient { client: ClientId },
    /// `SHUTDOWN`: flush the config, remove the pidfile, exit 0.
    Shutdown,
    /// Exit at once with this status (`SENTINEL SIMULATE-FAILURE`: 99).
    Exit { code: i32 },
    /// Write the configuration (a snapshot is taken with `Sentinel::config_text`-style calls by
    /// the driver) and then call `handle_persisted` with this token.
    Persist { token: u64 },
    /// Claim (or renew the claim on) a VIP: the kernel answers ARP for it and passes its
    /// traffic on `interface` for `lease` from now, then stops by itself. `announce` > 0: a
    /// takeover, send that many gratuitous ARPs.
    VipOwn {
        vip: Ipv4Addr,
        interface: String,
        lease: Duration,
        announce: u32,
    },
    /// Give up a VIP at once: no ARP answers, its traffic dropped (fenced).
    VipRelease { vip: Ipv4Addr, interface: String },
    /// The VIP is no longer configured (`SENTINEL REMOVE`, `SENTINEL SET <name> vip ""`):
    /// forget it in the kernel (after a `VipRelease` when it was owned) and undo its host setup.
    VipForget { vip: Ipv4Addr, interface: String },
    /// Run a script: `argv[0]` is the executable, with the sentinel's environment and no
    /// inherited descriptors. Report its pid with `handle_script_started` and its end with
    /// `handle_script_exited` (a failed spawn as exit code 2).
    RunScript { id: u64, argv: Vec<String> },
    /// Kill script `id` (SIGKILL); its end is still reported with `handle_script_exited`.
    KillScript { id: u64 },
    /// Run a client command on shard `shard` (thread-per-core: the master it names lives
    /// there, or it needs every shard): hand `args` to that shard's
    /// `Sentinel::handle_forwarded(request, args)`. Its answer comes back as `ForwardReply`.
    Forward {
        shard: usize,
        request: u64,
        args: Vec<Bytes>,
    },
    /// The answer to a command another shard forwarded: hand it to the front shard's
    /// `Sentinel::handle_forwarded_reply(request, this shard, frame)`.
    ForwardReply { request: u64, frame: Frame },
    /// `ACL LOAD`: read the ACL file at `path` (a relative path is from the working directory,
    /// as in Redis) and hand its bytes, or why it could not be opened (the strerror text), to
    /// `Sentinel::handle_acl_file_read(token, ..)`. The asking client's later commands wait.
    ReadAclFile { token: u64, path: String },
    /// `ACL SAVE`: replace the file at `path` with `contents` atomically (temp file, fsync,
    /// rename), log why if that fails, then call `Sentinel::handle_acl_file_written(token, ok)`.
    WriteAclFile {
        token: u64,
        path: String,
        contents: String,
    },
}

/// How a script ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptExit {
    /// It exited with this status.
    Code(i32),
    /// It was killed by this signal.
    Signal(i32),
}
