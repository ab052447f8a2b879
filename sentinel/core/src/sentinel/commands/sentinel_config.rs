//! SENTINEL CONFIG SET/GET (7.0's single-parameter form), SENTINEL DEBUG and
//! SENTINEL SIMULATE-FAILURE.

use std::time::Duration;

use bytes::Bytes;

use super::{Sentinel, bulk_num, has_control, parse_int, save_failed, text, yes_no};
use crate::acl::glob::glob_match;
use crate::action::ClientId;
use crate::resp::Frame;
use crate::time::Instant;
use crate::timing::Timing;

/// The 13 knobs of `SENTINEL DEBUG`: reply name, parameter name, field.
type Knob = (&'static str, &'static str, fn(&mut Timing) -> &mut Duration);

const KNOBS: [Knob; 13] = [
    ("INFO-PERIOD", "info-period", |t| &mut t.info_period),
    ("PING-PERIOD", "ping-period", |t| &mut t.ping_period),
    ("ASK-PERIOD", "ask-period", |t| &mut t.ask_period),
    ("PUBLISH-PERIOD", "publish-period", |t| {
        &mut t.publish_period
    }),
    ("DEFAULT-DOWN-AFTER", "default-down-after", |t| {
        &mut t.default_down_after
    }),
    (
        "DEFAULT-FAILOVER-TIMEOUT",
        "default-failover-timeout",
        |t| &mut t.default_failover_timeout,
    ),
    ("TILT-TRIGGER", "tilt-trigger", |t| &mut t.tilt_trigger),
    ("TILT-PERIOD", "tilt-period", |t| &mut t.tilt_period),
    ("SLAVE-RECONF-TIMEOUT", "slave-reconf-timeout", |t| {
        &mut t.slave_reconf_timeout
    }),
    (
        "MIN-LINK-RECONNECT-PERIOD",
        "min-link-reconnect-period",
        |t| &mut t.min_link_reconnect_period,
    ),
    ("ELECTION-TIMEOUT", "election-timeout", |t| {
        &mut t.election_timeout
    }),
    ("SCRIPT-MAX-RUNTIME", "script-max-runtime", |t| {
        &mut t.script_max_runtime
    }),
    ("SCRIPT-RETRY-DELAY", "script-retry-delay", |t| {
        &mut t.script_retry_delay
    }),
];

impl Sentinel {
    pub(super) fn config_command(
        &mut self,
        now: Instant,
        client: ClientId,
        args: &[Bytes],
    ) -> Option<Frame> {
        let op = args[2].to_ascii_lowercase();
        match (op.as_slice(), args.len()) {
            (b"set", 5) => self.config_set(now, client, &args[3], &args[4]),
            (b"get", 4) => Some(self.config_get(&args[3])),
            _ => Some(Frame::error(
                "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.",
            )),
        }
    }

    /// sentinel.c `sentinelConfigSetCommand` (7.0): one parameter, flushed before the reply;
    /// new sentinel credentials drop every sentinel link.
    fn config_set(
        &mut self,
        now: Instant,
        client: ClientId,
        param: &[u8],
        value: &[u8],
    ) -> Option<Frame> {
        let bad_value = || {
            Frame::error(format!(
                "ERR Invalid value '{}' to SENTINEL CONFIG SET '{}'",
                text(value),
                text(param)
            ))
        };
        let opts = &mut self.front.options;
        let mut drop_peers = false;
        match param.to_ascii_lowercase().as_slice() {
            b"resolve-hostnames" => match yes_no(value) {
                Some(v) => opts.resolve_hostnames = v,
                None => return Some(bad_value()),
            },
            b"announce-hostnames" => match yes_no(value) {
                Some(v) => opts.announce_hostnames = v,
                None => return Some(bad_value()),
            },
            b"announce-ip" => {
                if has_control(value) {
                    return Some(Frame::error(
                        "ERR announce-ip must not contain control characters",
                    ));
                }
                self.params.announce_ip = (!value.is_empty()).then(|| text(value));
            }
            b"announce-port" => {
                let Some(port) = parse_int(value).and_then(|p| u16::try_from(p).ok()) else {
                    return Some(bad_value());
                };
                opts.announce_port = port;
                self.params.port = if port == 0 {
                    self.front.listen_port
                } else {
                    port
                };
            }
            b"sentinel-user" => {
                opts.sentinel_user = (!value.is_empty()).then(|| text(value));
                drop_peers = true;
            }
            b"sentinel-pass" => {
                opts.sentinel_pass = (!value.is_empty()).then(|| text(value));
                drop_peers = true;
            }
            _ => {
                return Some(Frame::error(format!(
                    "ERR Invalid argument '{}' to SENTINEL CONFIG SET",
                    text(param)
                )));
            }
        }
        self.reply_after_persist(client, Frame::ok(), save_failed());
        if drop_peers {
            let links: Vec<_> = self
                .peers
                .iter()
                .flat_map(|(_, p)| [p.node.cmd, p.node.pubsub])
                .flatten()
                .collect();
            for link in links {
                self.close_link(now, link);
            }
        }
        None
    }

    /// sentinel.c `sentinelConfigGetCommand` (7.0): a map of the parameters matching the
    /// pattern, case-insensitively.
    fn config_get(&self, pattern: &[u8]) -> Frame {
        let o = &self.front.options;
        let yn = |b: bool| Frame::bulk(if b { "yes" } else { "no" });
        let opt = |s: &Option<String>| Frame::bulk(s.as_deref().unwrap_or(""));
        let all = [
            ("resolve-hostnames", yn(o.resolve_hostnames)),
            ("announce-hostnames", yn(o.announce_hostnames)),
            ("announce-ip", opt(&self.params.announce_ip)),
            ("announce-port", bulk_num(o.announce_port)),
            ("sentinel-user", opt(&o.sentinel_user)),
            ("sentinel-pass", opt(&o.sentinel_pass)),
        ];
        Frame::Map(
            all.into_iter()
                .filter(|(name, _)| glob_match(pattern, name.as_bytes(), true))
                .map(|(name, v)| (Frame::bulk(name), v))
                .collect(),
        )
    }

    /// `SENTINEL DEBUG [<param> <value> ...]`: without arguments the 13 timing knobs in ms;
    /// with them, each applied in turn (no rollback on a later error, as in Redis).
    pub(super) fn debug_command(&mut self, now: Instant, args: &[Bytes]) -> Frame {
        if args.len() == 2 {
            let t = &mut self.params.timing;
            return Frame::Map(
                KNOBS
                    .iter()
                    .map(|(name, _, field)| (Frame::bulk(name), bulk_num(field(t).as_millis())))
                    .collect(),
            );
        }
        let mut j = 2;
        while j < args.len() {
            let more = args.len() - 1 - j;
            let knob = KNOBS
                .iter()
                .find(|(_, param, _)| param.as_bytes().eq_ignore_ascii_case(&args[j]));
            let Some((_, _, field)) = knob.filter(|_| more > 0) else {
                return Frame::error(format!(
                    "ERR Unknown option or number of arguments for SENTINEL DEBUG '{}'",
                    text(&args[j])
                ));
            };
            let Some(ms) = parse_int(&args[j + 1])
                .filter(|v| *v > 0)
                .and_then(|v| u64::try_from(v).ok())
            else {
                return Frame::error(format!(
                    "ERR Invalid argument '{}' for SENTINEL DEBUG '{}'",
                    text(&args[j + 1]),
                    text(&args[j])
                ));
            };
            *field(&mut self.params.timing) = Duration::from_millis(ms);
            j += 2;
        }
        // New periods apply to deadlines already set, not just to the next ones.
        for mid in self.masters.keys() {
            self.wake_group(now, mid);
        }
        Frame::ok()
    }

    /// `SENTINEL SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]`.
    pub(super) fn simulate_failure_command(&mut self, args: &[Bytes]) -> Frame {
        // Like Redis: cleared first, then set flag by flag (an unknown flag keeps the earlier ones).
        self.simulate_failure = super::SimulateFailure::default();
        let flags = &mut self.simulate_failure;
        for a in &args[2..] {
            match a.to_ascii_lowercase().as_slice() {
                b"crash-after-election" => flags.crash_after_election = true,
                b"crash-after-promotion" => flags.crash_after_promotion = true,
                b"help" => {
                    return Frame::Array(vec![
                        Frame::bulk("crash-after-election"),
                        Frame::bulk("crash-after-promotion"),
                    ]);
                }
                _ => return Frame::error("ERR Unknown failure simulation specified"),
            }
        }
        Frame::ok()
    }
}
