//! Tests of the command surface, driven through `handle_client_command` as a client would,
//! one file per area; the helpers below are shared.

mod acl;
mod client;
mod dispatch;
mod info;
mod no_panic;
mod pubsub;
mod sentinel_admin;
mod sentinel_config;
mod sentinel_maps;
mod shards;

use std::time::Duration;

use bytes::Bytes;

use crate::action::{Action, ClientId};
use crate::addr::Addr;
use crate::instance::{Failover, MasterParams, Replica};
use crate::link::LinkId;
use crate::resp::{Frame, Protocol};
use crate::sentinel::{ClientOrigin, Sentinel, SentinelParams};
use crate::time::Instant;
use crate::{Limits, Timing};

pub(super) const MYID: &str = "00000000000000000000000000000000000000aa";

pub(super) fn sentinel_with(limits: Limits) -> Sentinel {
    Sentinel::new(SentinelParams {
        myid: MYID.into(),
        port: 26379,
        announce_ip: None,
        current_epoch: 0,
        timing: Timing::default(),
        limits,
        seed: 7,
    })
}

pub(super) fn sentinel() -> Sentinel {
    sentinel_with(Limits::default())
}

/// A TCP origin from `ip:port` texts.
pub(super) fn tcp(peer: String, local: String) -> ClientOrigin {
    ClientOrigin::Tcp {
        peer: peer.parse().expect("peer addr"),
        local: local.parse().expect("local addr"),
    }
}

pub(super) fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

pub(super) fn args(a: &[&str]) -> Vec<Bytes> {
    a.iter()
        .map(|s| Bytes::copy_from_slice(s.as_bytes()))
        .collect()
}

/// Runs a command and returns every action it produced (persists completed successfully).
pub(super) fn run(s: &mut Sentinel, client: u64, a: &[&str]) -> Vec<Action> {
    s.handle_client_command(ms(1_000), ClientId(client), args(a));
    let mut out = Vec::new();
    while let Some(action) = s.poll_action() {
        if let Action::Persist { token } = action {
            s.handle_persisted(ms(1_000), token, true);
        }
        out.push(action);
    }
    out
}

/// A sentinel monitoring master `h` at `db.example:6379` with resolve-hostnames, the name
/// resolving to `ip`.
pub(super) fn monitoring_a_hostname(ip: fn(&str) -> Option<String>) -> Sentinel {
    let mut s = sentinel();
    s.set_resolver(ip);
    reply(
        &mut s,
        &["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "yes"],
    );
    reply(
        &mut s,
        &["SENTINEL", "MONITOR", "h", "db.example", "6379", "1"],
    );
    s
}

/// The replies to `client` among `actions`.
pub(super) fn replies_to(actions: &[Action], client: u64) -> Vec<Frame> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Reply { client: c, frame } if c.0 == client => Some(frame.clone()),
            _ => None,
        })
        .collect()
}

/// The single reply to a command from client 1.
pub(super) fn reply(s: &mut Sentinel, a: &[&str]) -> Frame {
    reply_as(s, 1, a)
}

pub(super) fn reply_as(s: &mut Sentinel, client: u64, a: &[&str]) -> Frame {
    let r = replies_to(&run(s, client, a), client);
    assert_eq!(r.len(), 1, "{a:?} gave {r:?}");
    r.into_iter().next().unwrap()
}

pub(super) fn err(text: &str) -> Frame {
    Frame::error(text)
}

pub(super) fn bulk(text: &str) -> Frame {
    Frame::bulk(text)
}

/// A map or flat array as (key, value) text pairs.
pub(super) fn pairs(f: &Frame) -> Vec<(String, Frame)> {
    let s = |f: &Frame| String::from_utf8_lossy(f.as_bytes().unwrap_or_default()).into_owned();
    match f {
        Frame::Map(m) => m.iter().map(|(k, v)| (s(k), v.clone())).collect(),
        Frame::Array(a) => a.chunks(2).map(|kv| (s(&kv[0]), kv[1].clone())).collect(),
        other => panic!("not a map: {other:?}"),
    }
}

pub(super) fn field(f: &Frame, key: &str) -> Option<String> {
    pairs(f)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned())
}

pub(super) fn text_of(f: &Frame) -> String {
    String::from_utf8_lossy(f.as_bytes().unwrap_or_default()).into_owned()
}

pub(super) fn add_master(s: &mut Sentinel, name: &str, port: u16) {
    let mut p = MasterParams::new(name, Addr::new("127.0.0.1", port), 2);
    p.down_after = std::time::Duration::from_millis(30_000);
    s.monitor(ms(0), p).unwrap();
}

/// A master with both links up, as a healthy monitored master looks.
pub(super) fn connected_master(s: &mut Sentinel, name: &str, port: u16) -> Vec<LinkId> {
    add_master(s, name, port);
    s.handle_timeout(ms(0));
    let links: Vec<LinkId> = std::iter::from_fn(|| s.poll_action())
        .filter_map(|a| match a {
            Action::Connect { link, .. } => Some(link),
            _ => None,
        })
        .collect();
    for l in &links {
        s.handle_link_up(ms(1), *l, Some("127.0.0.1".into()));
    }
    while s.poll_action().is_some() {}
    links
}

pub(super) fn hello(s: &mut Sentinel, runid: &str, port: u16, master: &str, master_port: u16) {
    let payload = format!("127.0.0.1,{port},{runid},0,{master},127.0.0.1,{master_port},0");
    s.handle_client_command(
        ms(5),
        ClientId(900),
        vec![
            Bytes::from_static(b"PUBLISH"),
            Bytes::from_static(b"__sentinel__:hello"),
            Bytes::from(payload),
        ],
    );
    while s.poll_action().is_some() {}
}

pub(super) fn add_replica(s: &mut Sentinel, master: &str, port: u16) -> crate::instance::ReplicaId {
    let mid = s.master_by_name[master];
    let m = s.masters.get_mut(mid).unwrap();
    let addr = Addr::new("127.0.0.1", port);
    let rid = m.replicas.insert(Replica::new(addr.clone(), ms(0)));
    m.replica_by_addr.insert(addr, rid);
    rid
}

pub(super) fn events(actions: &[Action]) -> Vec<(String, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Publish(e) => Some((e.channel.to_string(), e.message.clone())),
            _ => None,
        })
        .collect()
}

pub(super) const PEER: &str = "00000000000000000000000000000000000000bb";
