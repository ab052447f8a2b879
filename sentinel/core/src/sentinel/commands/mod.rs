//! The client-facing command surface of a 7.0.15 sentinel (server.c `processCommand` in
//! sentinel mode): lookup in the command table, arity, the authentication gate, ACL checks,
//! the RESP2 pub/sub context, then one handler per command, each in the file of its area.
//!
//! The driver's side of the contract:
//! - `handle_client_connected` when a connection is accepted (it may answer
//!   `-ERR max number of clients reached` and ask to close it), `handle_client_closed` when it
//!   is gone (a client never announced gets a default session on its first command);
//! - every request goes to `handle_client_command`, pub/sub commands and HELLO included;
//! - `Action::Reply` frames are encoded with `client_protocol(client)` at the time they are
//!   written (pub/sub messages are already arrays or pushes as the client's protocol wants);
//!   `Action::Publish` is only logged: the core delivers events to subscribers itself;
//! - `set_process_info` feeds INFO, `set_executable_check` the script path checks, and
//!   `apply_client_config` / `snapshot_client_config` carry options, `requirepass` and `user`
//!   lines to and from the config file.

mod acl_cmd;
mod client_cmd;
mod command_cmd;
mod config_sync;
mod connection;
mod help;
mod info;
mod instance_map;
mod pubsub;
mod sentinel_admin;
mod sentinel_config;
mod sentinel_query;
mod sentinel_set;
mod server;
mod shard_merge;
pub(crate) mod shards;
pub(crate) mod state;

#[cfg(test)]
mod tests;

use bytes::Bytes;

use super::Sentinel;
use super::SimulateFailure;
use super::clients::{ClientOrigin, ReplyMode, Session};
use crate::acl::Acl;
use crate::acl::log::Denial;
use crate::action::{Action, ClientId};
use crate::command_table::{self, Resolved};
use crate::resp::{Frame, Protocol};
use crate::time::Instant;
pub use state::{ProcessInfo, SentinelOptions};

/// Redis's reply to a command it does not know (`processCommand`): the name cut to 128 bytes,
/// then quoted arguments while the list is shorter than 128 bytes, each cut to what is left.
pub fn unknown_command_error(args: &[Bytes]) -> Frame {
    let name = args
        .first()
        .map(|n| text(&n[..n.len().min(128)]))
        .unwrap_or_default();
    let mut rest: Vec<u8> = Vec::new();
    for a in args.iter().skip(1) {
        if rest.len() >= 128 {
            break;
        }
        let room = 128 - rest.len();
        rest.push(b'\'');
        rest.extend_from_slice(&a[..a.len().min(room)]);
        rest.extend_from_slice(b"' ");
    }
    Frame::error(format!(
        "ERR unknown command '{name}', with args beginning with: {}",
        text(&rest)
    ))
}

/// Error texts carry user input; like `addReplyErrorFormat`, CR and LF become spaces so the
/// reply stays one line.
fn sanitize(frame: Frame) -> Frame {
    match frame {
        Frame::Error(e) if e.iter().any(|b| *b == b'\r' || *b == b'\n') => Frame::Error(
            e.iter()
                .map(|b| if *b == b'\r' || *b == b'\n' { b' ' } else { *b })
                .collect::<Vec<u8>>()
                .into(),
        ),
        other => other,
    }
}

/// `ERR wrong number of arguments for '<fullname>' command`.
pub(crate) fn arity_error(fullname: &str) -> Frame {
    Frame::error(format!(
        "ERR wrong number of arguments for '{fullname}' command"
    ))
}

pub(crate) fn syntax_error() -> Frame {
    Frame::error("ERR syntax error")
}

/// An argument as (lossy) text.
pub(crate) fn text(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

/// An integer argument as Redis parses it (`string2ll`): optional minus sign, digits, no
/// spaces, no leading `+`, no leading zeros.
pub(crate) fn parse_int(arg: &[u8]) -> Option<i64> {
    let negative = arg.starts_with(b"-");
    let digits = if negative { &arg[1..] } else { arg };
    if digits.is_empty() || (digits[0] == b'0' && (digits.len() > 1 || negative)) {
        return None;
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(arg).ok()?.parse().ok()
}

/// Whether `arg` has control characters. Names and paths that end up unquoted in the config
/// file refuse them (newer Redis does the same against config injection).
pub(crate) fn has_control(arg: &[u8]) -> bool {
    arg.iter().any(|b| *b < 0x20 || *b == 0x7f)
}

/// `yes` / `no`, case-insensitively (config.c `yesnotoi`).
pub(crate) fn yes_no(arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"yes") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"no") {
        Some(false)
    } else {
        None
    }
}

/// A bulk string of a number (instance maps send every number as a bulk string).
pub(crate) fn bulk_num(n: impl std::fmt::Display) -> Frame {
    Frame::bulk(n.to_string())
}

/// What protected mode answers a non-local client before closing it (7.0.15's text, typos
/// included).
pub const PROTECTED_MODE_DENIED: &str = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.";

/// Commands a RESP2 client with subscriptions may still run.
const PUBSUB_CONTEXT_ALLOWED: &[&str] = &[
    "ping",
    "subscribe",
    "unsubscribe",
    "psubscribe",
    "punsubscribe",
];

impl Sentinel {
    /// A client connected from `origin`. Over `Limits::clients_max` the client gets
    /// `-ERR max number of clients reached` and is closed; with `protected-mode yes` and no
    /// password for the default user, one that is not local gets `-DENIED ...` and is closed
    /// (networking.c `clientAcceptHandler`).
    pub fn handle_client_connected(
        &mut self,
        now: Instant,
        client: ClientId,
        origin: ClientOrigin,
    ) {
        if self.front.clients.sessions.len() >= self.params.limits.clients_max {
            self.front.clients.rejected_connections += 1;
            self.actions.push_back(Action::Reply {
                client,
                frame: Frame::error("ERR max number of clients reached"),
            });
            self.actions.push_back(Action::CloseClient { client });
            return;
        }
        self.front.clients.total_connections += 1;
        if self.front.protected_mode && self.front.acl.default_is_nopass() && !origin.is_local() {
            self.front.clients.rejected_connections += 1;
            self.actions.push_back(Action::Reply {
                client,
                frame: Frame::error(PROTECTED_MODE_DENIED),
            });
            self.actions.push_back(Action::CloseClient { client });
            return;
        }
        let open = self.front.acl.default_is_open();
        self.front
            .clients
            .sessions
            .insert(client, Session::new(now, &origin, open));
    }

    /// A client's connection is gone: its session, subscriptions and held replies go too.
    pub fn handle_client_closed(&mut self, _now: Instant, client: ClientId) {
        self.front.clients.sessions.remove(&client);
        self.held.retain(|h| h.client != client);
    }

    /// The protocol to encode `client`'s replies with (RESP2 until `HELLO 3`).
    pub fn client_protocol(&self, client: ClientId) -> Protocol {
        self.front
            .clients
            .get(client)
            .map_or(Protocol::Resp2, |s| s.protocol)
    }

    /// Sets what INFO reports about the process (see [`ProcessInfo`]).
    pub fn set_process_info(&mut self, info: ProcessInfo) {
        self.front.process = info;
    }

    /// The global options `SENTINEL CONFIG` reads and writes.
    pub fn options(&self) -> &SentinelOptions {
        &self.front.options
    }

    /// Sets the global options (from the config file).
    pub fn set_options(&mut self, options: SentinelOptions) {
        self.front.options = options;
    }

    /// `SENTINEL SIMULATE-FAILURE` flags, for the failover code.
    pub fn simulate_failure(&self) -> SimulateFailure {
        self.simulate_failure
    }

    /// The ACL users (for `requirepass` and `user` config lines, and the config rewrite).
    pub fn acl(&self) -> &Acl {
        &self.front.acl
    }

    pub fn acl_mut(&mut self) -> &mut Acl {
        &mut self.front.acl
    }

    /// `requirepass`: the default user's password (empty = none), also used to authenticate
    /// to other sentinels when `sentinel-pass` is not set.
    pub fn set_requirepass(&mut self, pass: &str) {
        self.front.acl.set_requirepass(pass);
        self.front.requirepass = (!pass.is_empty()).then(|| pass.to_string());
    }

    /// The `AUTH` to send on a link to another sentinel: `sentinel-user`/`sentinel-pass` when
    /// set, else `requirepass` as the default user (sentinel.c `sentinelSendAuthIfNeeded`).
    pub fn peer_auth_args(&self) -> Option<Vec<Bytes>> {
        let o = &self.front.options;
        let (user, pass) = match &o.sentinel_pass {
            Some(pass) => (o.sentinel_user.as_deref(), pass.as_str()),
            None => (None, self.front.requirepass.as_deref()?),
        };
        let mut args = vec![Bytes::from_static(b"AUTH")];
        if let Some(user) = user {
            args.push(Bytes::copy_from_slice(user.as_bytes()));
        }
        args.push(Bytes::copy_from_slice(pass.as_bytes()));
        Some(args)
    }

    /// Installs the check `SENTINEL SET notification-script/client-reconfig-script` use to
    /// refuse paths that are missing or not executable (the driver's `access(X_OK)`).
    pub fn set_executable_check(&mut self, check: fn(&str) -> bool) {
        self.front.executable_check = check;
    }

    /// Sets how hostnames are resolved to IPs for what clients and events see when
    /// `announce-hostnames` is off (sentinel.c keeps both and shows one of them).
    pub fn set_resolver(&mut self, resolve: fn(&str) -> Option<String>) {
        self.front.resolver = resolve;
    }

    /// The host to show for an instance: as written with `announce-hostnames yes`, else its
    /// IP (a hostname is resolved; an IP is shown as it is).
    pub(crate) fn shown_host(&self, host: &str) -> String {
        if self.front.options.announce_hostnames || host.parse::<std::net::IpAddr>().is_ok() {
            return host.to_string();
        }
        (self.front.resolver)(host).unwrap_or_else(|| host.to_string())
    }

    /// Whether `client` must authenticate before running commands (server.c `authRequired`):
    /// it has not authenticated and the default user is not open (on and nopass) right now.
    /// Checked per command, so a client that connected under a password is let in, as the
    /// default user, once the default user becomes nopass, and locked out again if it gets a
    /// password back. The driver may use it for the request decoder's unauthenticated limits.
    pub fn client_auth_required(&self, client: ClientId) -> bool {
        self.front
            .clients
            .get(client)
            .is_none_or(|s| self.session_needs_auth(s))
    }

    fn session_needs_auth(&self, session: &Session) -> bool {
        !session.authenticated && !self.front.acl.default_is_open()
    }

    /// A client (or a peer sentinel) sent a command. The reply comes out as `Action::Reply`.
    pub fn handle_client_command(&mut self, now: Instant, client: ClientId, args: Vec<Bytes>) {
        if !self.front.clients.sessions.contains_key(&client) {
            // The driver did not announce this client (the simulator, tests): a default session.
            let open = self.front.acl.default_is_open();
            self.front
                .clients
                .sessions
                .insert(client, Session::new(now, &ClientOrigin::Unknown, open));
        }
        let Some(session) = self.front.clients.get_mut(client) else {
            return;
        };
        if session.killed || args.is_empty() {
            return;
        }
        if session.waits_for_acl_file {
            if session.deferred.len() < self.params.limits.deferred_commands_max {
                session.deferred.push_back(args);
            } else {
                self.kill_clients(&[client]);
            }
            return;
        }
        session.last_interaction = now;
        session.suppress = session.reply_mode != ReplyMode::On;
        if session.reply_mode == ReplyMode::Skip {
            session.reply_mode = ReplyMode::On;
        }
        self.front.clients.total_commands += 1;
        if let Some(frame) = self.dispatch(now, client, &args) {
            self.respond(client, frame);
        }
    }

    /// Runs the commands `client` sent while it waited for the ACL file, in order, until one
    /// waits again (another `ACL LOAD`) or the client is disconnected.
    pub(crate) fn run_deferred(&mut self, now: Instant, client: ClientId) {
        loop {
            let Some(session) = self.front.clients.get_mut(client) else {
                return;
            };
            if session.killed || session.waits_for_acl_file {
                return;
            }
            let Some(args) = session.deferred.pop_front() else {
                return;
            };
            self.handle_client_command(now, client, args);
        }
    }

    /// Queues a command reply, honouring `CLIENT REPLY OFF/SKIP`.
    pub(crate) fn respond(&mut self, client: ClientId, frame: Frame) {
        if frame.is_error() {
            self.front.clients.total_error_replies += 1;
        }
        if self.front.clients.get(client).is_some_and(|s| s.suppress) {
            return;
        }
        self.send_reply(client, sanitize(frame));
    }

    /// Queues a frame that is not a command reply (pub/sub messages), behind the client's held
    /// replies like any reply.
    pub(crate) fn push_to(&mut self, client: ClientId, frame: Frame) {
        self.send_reply(client, frame);
    }

    /// The reply, or `None` when it comes later (held for a config write) or not at all.
    fn dispatch(&mut self, now: Instant, client: ClientId, args: &[Bytes]) -> Option<Frame> {
        let (spec, parent) = match command_table::resolve(args) {
            Resolved::Found { spec, parent } => (spec, parent),
            Resolved::UnknownCommand => return Some(unknown_command_error(args)),
            Resolved::UnknownSubcommand { parent } => {
                let sub = &args[1];
                return Some(Frame::error(format!(
                    "ERR unknown subcommand '{}'. Try {} HELP.",
                    text(&sub[..sub.len().min(128)]),
                    parent.name.to_ascii_uppercase()
                )));
            }
        };
        let full = command_table::fullname(spec, parent);
        if !spec.arity_ok(args.len()) {
            return Some(arity_error(&full));
        }
        let session = self.front.clients.get(client)?;
        let top = parent.unwrap_or(spec);
        let auth_required = self.session_needs_auth(session);
        if auth_required && !top.has_flag("no_auth") {
            return Some(Frame::error("NOAUTH Authentication required."));
        }
        if !auth_required
            && !self
                .front
                .acl
                .user(&session.user)
                .is_some_and(|u| u.can_run(spec, parent))
        {
            let user = session.user.clone();
            self.acl_denied(now, client, Denial::Command, &full, &user);
            return Some(Frame::error(format!(
                "NOPERM this user has no permissions to run the '{full}' command"
            )));
        }
        if session.in_pubsub_context() && !PUBSUB_CONTEXT_ALLOWED.contains(&top.name) {
            return Some(Frame::error(format!(
                "ERR Can't execute '{full}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
            )));
        }
        if let Some(s) = self.front.clients.get_mut(client) {
            s.last_command = full;
        }
        self.route_sharded(now, client, top.name, args)
    }

    fn route(
        &mut self,
        now: Instant,
        client: ClientId,
        name: &str,
        args: &[Bytes],
    ) -> Option<Frame> {
        match name {
            "acl" => self.acl_command(now, client, args),
            "auth" => Some(self.auth_command(now, client, args)),
            "client" => self.client_command(now, client, args),
            "command" => Some(self.command_command(args)),
            "hello" => Some(self.hello_command(now, client, args)),
            "info" => Some(self.info_command(now, args)),
            "ping" => Some(self.ping_command(client, args)),
            "psubscribe" | "subscribe" | "unsubscribe" | "punsubscribe" => {
                self.pubsub_command(now, client, name, args);
                None
            }
            "publish" => Some(self.publish_command(now, client, args)),
            "role" => Some(self.role_command()),
            "sentinel" => self.sentinel_command(now, client, args),
            "shutdown" => self.shutdown_command(args),
            _ => Some(unknown_command_error(args)),
        }
    }

    fn sentinel_command(
        &mut self,
        now: Instant,
        client: ClientId,
        args: &[Bytes],
    ) -> Option<Frame> {
        let sub = args[1].to_ascii_lowercase();
        let reply = match sub.as_slice() {
            b"masters" => self.sentinel_masters(now),
            b"master" => self.sentinel_master(now, &args[2]),
            b"replicas" | b"slaves" => self.sentinel_replicas(now, &args[2]),
            b"sentinels" => self.sentinel_sentinels(now, &args[2]),
            b"get-master-addr-by-name" => self.get_master_addr_by_name(&args[2]),
            b"ckquorum" => self.ckquorum(&args[2]),
            b"info-cache" => self.info_cache(now, &args[2..]),
            b"pending-scripts" => self.pending_scripts(now),
            b"help" => help::sentinel(),
            b"myid" => Frame::bulk(self.params.myid.as_bytes()),
            b"flushconfig" => {
                self.reply_after_persist(client, Frame::ok(), save_failed());
                return None;
            }
            b"is-master-down-by-addr" => return self.is_master_down_command(now, client, args),
            b"failover" => self.failover_command(now, &args[2]),
            b"monitor" => return self.monitor_command(now, client, args),
            b"remove" => return self.remove_command(now, client, &args[2]),
            b"reset" => self.reset_command(now, &args[2]),
            b"set" => return self.set_command(now, client, args),
            b"config" => return self.config_command(now, client, args),
            b"debug" => self.debug_command(now, args),
            b"simulate-failure" => self.simulate_failure_command(args),
            _ => unknown_command_error(args),
        };
        Some(reply)
    }
}

/// The reply when a config write failed.
pub(crate) fn save_failed() -> Frame {
    Frame::error("ERR Failed to save config file. Check server logs.")
}
