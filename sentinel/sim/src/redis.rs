//! A modelled redis-server: enough of PING, INFO, AUTH, CLIENT, SUBSCRIBE/PUBLISH and the
//! MULTI/SLAVEOF/EXEC transaction for sentinels to monitor and reconfigure it.

use bytes::Bytes;
use sentinel_core::Addr;
use sentinel_core::resp::Frame;

/// The replication role of a modelled instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedisRole {
    Master,
    Replica { master: Addr },
}

/// Health of the modelled process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Process {
    Running,
    /// SIGSTOP: connections stay open, nothing is answered until it resumes.
    Frozen,
    /// Dead: connections are reset, connects are refused.
    Killed,
}

/// One modelled redis-server.
#[derive(Clone, Debug)]
pub struct ModelRedis {
    pub addr: Addr,
    pub run_id: String,
    pub role: RedisRole,
    pub priority: u32,
    pub repl_offset: u64,
    /// A replica whose sync with its master never completes: INFO says
    /// `master_link_status:down` whatever master it is pointed at.
    pub sync_stuck: bool,
    /// How many `SLAVEOF <host> <port>` to answer `+OK` without acting on (a replica that
    /// loses the command, so the sender's reconfiguration times out).
    pub ignore_slaveof: u32,
    pub(crate) process: Process,
}

/// What handling a command does besides replying.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    /// `PUBLISH`: deliver this message on this channel to subscribers.
    pub(crate) publish: Option<(Bytes, Bytes)>,
    /// `SUBSCRIBE`: the connection subscribed to these channels.
    pub(crate) subscribe: Vec<Bytes>,
}

/// Per-connection state the model needs (`MULTI` queueing).
#[derive(Debug, Default)]
pub(crate) struct ConnState {
    pub(crate) in_multi: bool,
    pub(crate) queued: Vec<Vec<Bytes>>,
}

impl ModelRedis {
    pub fn new(addr: Addr, run_id: String, role: RedisRole) -> ModelRedis {
        ModelRedis {
            addr,
            run_id,
            role,
            priority: 100,
            repl_offset: 0,
            sync_stuck: false,
            ignore_slaveof: 0,
            process: Process::Running,
        }
    }

    /// Handles one command; `replicas` are the addresses (and offsets) replicating from it.
    pub(crate) fn handle(
        &mut self,
        conn: &mut ConnState,
        args: &[Bytes],
        replicas: &[(Addr, u64)],
        subscribers: usize,
        effects: &mut Effects,
    ) -> Frame {
        let Some(name) = args.first() else {
            return Frame::error("ERR empty command");
        };
        let name = name.to_ascii_uppercase();
        if conn.in_multi && !matches!(name.as_slice(), b"EXEC" | b"DISCARD" | b"MULTI") {
            conn.queued.push(args.to_vec());
            return Frame::Simple(Bytes::from_static(b"QUEUED"));
        }
        match name.as_slice() {
            b"PING" => Frame::Simple(Bytes::from_static(b"PONG")),
            b"AUTH" | b"CLIENT" | b"CONFIG" | b"SCRIPT" => Frame::ok(),
            b"INFO" => Frame::Bulk(Bytes::from(self.info(replicas))),
            b"SUBSCRIBE" => {
                effects.subscribe.extend(args.iter().skip(1).cloned());
                let channel = args.get(1).cloned().unwrap_or_default();
                Frame::Array(vec![
                    Frame::bulk("subscribe"),
                    Frame::Bulk(channel),
                    Frame::Integer(1),
                ])
            }
            b"PUBLISH" if args.len() == 3 => {
                effects.publish = Some((args[1].clone(), args[2].clone()));
                Frame::Integer(i64::try_from(subscribers).unwrap_or(i64::MAX))
            }
            b"MULTI" => {
                conn.in_multi = true;
                conn.queued.clear();
                Frame::ok()
            }
            b"EXEC" => {
                conn.in_multi = false;
                let queued = std::mem::take(&mut conn.queued);
                let replies = queued
                    .iter()
                    .map(|cmd| self.handle(conn, cmd, replicas, subscribers, effects))
                    .collect();
                Frame::Array(replies)
            }
            b"SLAVEOF" | b"REPLICAOF" if args.len() == 3 => {
                let (host, port) = (&args[1], &args[2]);
                if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
                    self.role = RedisRole::Master;
                } else if self.ignore_slaveof > 0 {
                    self.ignore_slaveof -= 1;
                } else {
                    let port = std::str::from_utf8(port).ok().and_then(|p| p.parse().ok());
                    let Some(port) = port else {
                        return Frame::error("ERR Invalid master port");
                    };
                    let master = Addr::new(String::from_utf8_lossy(host).into_owned(), port);
                    self.role = RedisRole::Replica { master };
                }
                Frame::ok()
            }
            _ => Frame::error(format!(
                "ERR unknown command '{}', with args beginning with: ",
                String::from_utf8_lossy(&args[0])
            )),
        }
    }

    /// An INFO text shaped like redis 7.0's (server and replication sections).
    fn info(&self, replicas: &[(Addr, u64)]) -> String {
        let mut s = format!(
            "# Server\r\nredis_version:7.0.15\r\nrun_id:{}\r\ntcp_port:{}\r\n\r\n# Replication\r\n",
            self.run_id, self.addr.port
        );
        match &self.role {
            RedisRole::Master => {
                s.push_str(&format!(
                    "role:master\r\nconnected_slaves:{}\r\n",
                    replicas.len()
                ));
                for (i, (addr, offset)) in replicas.iter().enumerate() {
                    s.push_str(&format!(
                        "slave{i}:ip={},port={},state=online,offset={offset},lag=0\r\n",
                        addr.host, addr.port
                    ));
                }
            }
            RedisRole::Replica { master } => {
                s.push_str(&format!(
                    "role:slave\r\nmaster_host:{}\r\nmaster_port:{}\r\nmaster_link_status:{}\r\n\
                     master_last_io_seconds_ago:0\r\nmaster_sync_in_progress:0\r\n\
                     slave_read_repl_offset:{off}\r\nslave_repl_offset:{off}\r\n\
                     slave_priority:{}\r\nslave_read_only:1\r\nreplica_announced:1\r\nconnected_slaves:0\r\n",
                    master.host,
                    master.port,
                    if self.sync_stuck { "down" } else { "up" },
                    self.priority,
                    off = self.repl_offset
                ));
            }
        }
        s.push_str(&format!("master_repl_offset:{}\r\n", self.repl_offset));
        s
    }
}
