//! Thread-per-core: which shard runs a client command. Clients only talk to shard 0 (the
//! front), which owns sessions, auth, ACL and pub/sub; masters are hashed by name to shards
//! (`shard_of`). After the usual checks the front runs a command itself, forwards it to the
//! shard of the master it names, or sends it to every shard and merges the answers
//! (shard_merge.rs). A forwarded command runs on its shard for a pseudo-client with full
//! rights; its answer comes back with the request number, and the client's later replies wait
//! behind it, so replies keep command order. With one shard nothing is forwarded.

use std::collections::HashMap;

use bytes::Bytes;

use super::shard_merge::{Merge, merge};
use super::{Sentinel, arity_error, sanitize, unknown_command_error};
use crate::action::{Action, ClientId};
use crate::command_table::{self, Resolved};
use crate::epoch::shard_of;
use crate::event::Event;
use crate::hello::HELLO_CHANNEL;
use crate::resp::Frame;
use crate::sentinel::Gate;
use crate::time::Instant;

/// Client ids with this bit are pseudo-clients running a forwarded request (the driver numbers
/// real clients from 0 up).
const FORWARDED: u64 = 1 << 63;

/// The request a pseudo-client runs, if `client` is one.
pub(crate) fn forwarded_request(client: ClientId) -> Option<u64> {
    (client.0 & FORWARDED != 0).then_some(client.0 & !FORWARDED)
}

fn pseudo_client(request: u64) -> ClientId {
    ClientId(FORWARDED | request)
}

/// What the other shards are asked for an `INFO` the front merges: the sections that hold
/// masters (sentinel, and VIP when asked for); the rest is the front's own.
fn other_shard_info(args: &[Bytes]) -> Vec<Bytes> {
    let mut a = vec![Bytes::from_static(b"INFO")];
    if super::info::selected_sections(&args[1..]).contains(&"sentinel") {
        a.push(Bytes::from_static(b"sentinel"));
    }
    if Sentinel::info_wants_vip(&args[1..]) {
        a.push(Bytes::from_static(b"vip"));
    }
    a
}

/// Where a command runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// Here, on the front.
    Local,
    /// On this shard only.
    One(usize),
    /// On every shard, answers merged.
    All(Merge),
}

/// The route of a command (`name` is the command table's name; arity already checked) when
/// there are `shards` shards.
pub(crate) fn route_of(name: &str, args: &[Bytes], shards: usize) -> Route {
    if shards <= 1 {
        return Route::Local;
    }
    let one = |i: usize| {
        args.get(i)
            .map_or(Route::Local, |n| Route::One(shard_of(n, shards)))
    };
    match name {
        "info"
            if super::info::selected_sections(&args[1..]).contains(&"sentinel")
                || Sentinel::info_wants_vip(&args[1..]) =>
        {
            Route::All(Merge::Info)
        }
        "role" => Route::All(Merge::Role),
        "publish"
            if args
                .get(1)
                .is_some_and(|c| c.as_ref() == HELLO_CHANNEL.as_bytes()) =>
        {
            args.get(2)
                .and_then(|p| p.split(|b| *b == b',').nth(4))
                .map_or(Route::Local, |n| Route::One(shard_of(n, shards)))
        }
        "sentinel" => {
            let Some(sub) = args.get(1).map(|s| s.to_ascii_lowercase()) else {
                return Route::Local;
            };
            match sub.as_slice() {
                b"master"
                | b"replicas"
                | b"slaves"
                | b"sentinels"
                | b"get-master-addr-by-name"
                | b"ckquorum"
                | b"failover"
                | b"monitor"
                | b"remove"
                | b"set" => one(2),
                b"info-cache" if args.len() == 3 => one(2),
                b"info-cache" => Route::All(Merge::InfoCache),
                b"masters" => Route::All(Merge::Masters),
                b"pending-scripts" => Route::All(Merge::Concat),
                b"reset" => Route::All(Merge::Sum),
                b"is-master-down-by-addr" => Route::All(Merge::MasterDown),
                b"flushconfig" | b"simulate-failure" => Route::All(Merge::Same),
                b"config" if args.get(2).is_some_and(|o| o.eq_ignore_ascii_case(b"set")) => {
                    Route::All(Merge::Same)
                }
                b"debug" if args.len() > 2 => Route::All(Merge::Same),
                _ => Route::Local,
            }
        }
        _ => Route::Local,
    }
}

/// This core's place among the shards and the requests it is gathering answers for.
#[derive(Debug, Default)]
pub(crate) struct Shards {
    index: usize,
    /// 0 or 1: a sentinel alone.
    count: usize,
    next_request: u64,
    gathers: HashMap<u64, Gather>,
}

/// A forwarded request the front waits on.
#[derive(Debug)]
struct Gather {
    /// Who gets the merged reply (`None`: `CLIENT REPLY OFF/SKIP`, it is dropped).
    client: Option<ClientId>,
    merge: Merge,
    parts: Vec<(usize, Frame)>,
    missing: usize,
}

impl Sentinel {
    /// Sets which shard this core is (`index`) out of `count`. Shard 0 serves clients and
    /// forwards what other shards own; the default is one shard, which forwards nothing.
    pub fn set_shards(&mut self, index: usize, count: usize) {
        self.shards.index = index;
        self.shards.count = count;
    }

    pub fn shard_index(&self) -> usize {
        self.shards.index
    }

    /// Runs `name` where it belongs: here, or forwarded (the reply then comes later).
    pub(super) fn route_sharded(
        &mut self,
        now: Instant,
        client: ClientId,
        name: &str,
        args: &[Bytes],
    ) -> Option<Frame> {
        let count = self.shards.count;
        let here = self.shards.index;
        match route_of(name, args, count) {
            Route::Local => self.route(now, client, name, args),
            Route::One(shard) if shard == here => self.route(now, client, name, args),
            Route::One(shard) => {
                // PUBLISH checks channel rights in its handler; the pseudo-client has them all.
                if name == "publish"
                    && let Some(denied) = self.publish_denied(now, client, &args[1])
                {
                    return Some(denied);
                }
                self.forward(now, client, Merge::Same, vec![(shard, args.to_vec())]);
                None
            }
            Route::All(kind) => {
                let targets = (0..count)
                    .map(|shard| {
                        let a = if kind == Merge::Info && shard != here {
                            other_shard_info(args)
                        } else {
                            args.to_vec()
                        };
                        (shard, a)
                    })
                    .collect();
                self.forward(now, client, kind, targets);
                None
            }
        }
    }

    /// Sends `targets` their commands, holding `client`'s replies until all have answered.
    /// This shard's own part runs at once.
    fn forward(
        &mut self,
        now: Instant,
        client: ClientId,
        merge: Merge,
        targets: Vec<(usize, Vec<Bytes>)>,
    ) {
        self.shards.next_request += 1;
        let request = self.shards.next_request;
        let suppressed = self.front.clients.get(client).is_some_and(|s| s.suppress);
        if !suppressed {
            self.held.push(super::super::HeldReply {
                gate: Gate::Forward(request),
                client,
                ok: Frame::NullBulk,
                failed: Frame::NullBulk,
            });
        }
        self.shards.gathers.insert(
            request,
            Gather {
                client: (!suppressed).then_some(client),
                merge,
                parts: Vec::with_capacity(targets.len()),
                missing: targets.len(),
            },
        );
        let here = self.shards.index;
        for (shard, args) in targets {
            if shard == here {
                self.handle_forwarded(now, request, args);
            } else {
                self.actions.push_back(Action::Forward {
                    shard,
                    request,
                    args,
                });
            }
        }
    }

    /// Runs a command the front forwarded, for a pseudo-client with full rights. The answer
    /// comes out as `Action::ForwardReply` (on the front itself, it joins the gathering).
    pub fn handle_forwarded(&mut self, now: Instant, request: u64, args: Vec<Bytes>) {
        let pseudo = pseudo_client(request);
        let reply = match command_table::resolve(&args) {
            Resolved::Found { spec, parent } if spec.arity_ok(args.len()) => {
                self.route(now, pseudo, parent.unwrap_or(spec).name, &args)
            }
            Resolved::Found { spec, parent } => {
                Some(arity_error(&command_table::fullname(spec, parent)))
            }
            _ => Some(unknown_command_error(&args)),
        };
        if let Some(frame) = reply {
            self.send_reply(pseudo, sanitize(frame));
        }
    }

    /// A pseudo-client's reply is ready: on the front it is a part of a gathering, elsewhere
    /// it goes back to the front.
    pub(in crate::sentinel) fn forwarded_answer(&mut self, request: u64, frame: Frame) {
        if self.shards.gathers.contains_key(&request) {
            let here = self.shards.index;
            self.gather_part(request, here, frame);
        } else {
            self.actions
                .push_back(Action::ForwardReply { request, frame });
        }
    }

    /// Shard `shard` answered forwarded `request`.
    pub fn handle_forwarded_reply(
        &mut self,
        _now: Instant,
        request: u64,
        shard: usize,
        frame: Frame,
    ) {
        self.gather_part(request, shard, frame);
    }

    fn gather_part(&mut self, request: u64, shard: usize, frame: Frame) {
        let Some(g) = self.shards.gathers.get_mut(&request) else {
            return;
        };
        g.parts.push((shard, frame));
        g.missing = g.missing.saturating_sub(1);
        if g.missing > 0 {
            return;
        }
        let Some(mut g) = self.shards.gathers.remove(&request) else {
            return;
        };
        g.parts.sort_by_key(|(shard, _)| *shard);
        let reply = merge(g.merge, g.parts.into_iter().map(|(_, f)| f).collect());
        if reply.is_error() {
            self.front.clients.total_error_replies += 1;
        }
        let Some(client) = g.client else {
            return;
        };
        if let Some(h) = self
            .held
            .iter_mut()
            .find(|h| h.client == client && h.gate == Gate::Forward(request))
        {
            h.gate = Gate::Ready;
            h.ok = reply;
            self.release_held();
        }
    }

    /// An event another shard published: its subscribers are here, on the front.
    pub fn handle_shard_event(&mut self, event: &Event) {
        if event.is_published() {
            self.deliver_event(event);
        }
    }
}
