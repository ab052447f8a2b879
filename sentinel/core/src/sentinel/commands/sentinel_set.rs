//! `SENTINEL SET <name> <option> <value> [...]` (sentinel.c `sentinelSetCommand`): options are
//! applied one by one, each applied one emits `+set`; an error stops the walk but what was
//! already changed is still flushed (the command is not atomic).

use std::time::Duration;

use bytes::Bytes;

use super::sentinel_query::no_such_master;
use super::{Sentinel, has_control, parse_int, save_failed, text};
use crate::action::ClientId;
use crate::event::Level;
use crate::instance::{MasterId, Owner};
use crate::resp::Frame;
use crate::time::Instant;

const DENIED: &str = "ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration";

/// Why one option failed.
enum SetError {
    /// `Invalid argument '<val>' for SENTINEL SET '<opt>'`.
    BadArg(usize),
    /// Any other error reply.
    Reply(Frame),
}

impl Sentinel {
    pub(super) fn set_command(
        &mut self,
        now: Instant,
        client: ClientId,
        args: &[Bytes],
    ) -> Option<Frame> {
        let Some(mid) = self.master_id(&args[2]) else {
            return Some(no_such_master());
        };
        let mut changes = 0;
        let mut j = 3;
        while j < args.len() {
            let option = args[j].to_ascii_lowercase();
            let option_text = text(&args[j]);
            let more = args.len() - 1 - j;
            let start = j;
            let result = self.set_one(now, mid, &option, args, &mut j, more);
            match result {
                Ok(redacted) => {
                    changes += 1;
                    let shown: Vec<String> = args[start + 1..=j]
                        .iter()
                        .map(|a| if redacted { "******".into() } else { text(a) })
                        .collect();
                    let extra = format!("{option_text} {}", shown.join(" "));
                    self.emit_about(Owner::Master(mid), Level::Warning, "+set", &extra);
                }
                Err(e) => {
                    if changes > 0 {
                        self.request_persist();
                    }
                    return Some(match e {
                        SetError::BadArg(at) => Frame::error(format!(
                            "ERR Invalid argument '{}' for SENTINEL SET '{option_text}'",
                            text(&args[at])
                        )),
                        SetError::Reply(f) => f,
                    });
                }
            }
            j += 1;
        }
        self.reply_after_persist(client, Frame::ok(), save_failed());
        None
    }

    /// Applies the option at `args[*j]`, leaving `*j` on its last value. `Ok(true)` when the
    /// value must be redacted in the event.
    fn set_one(
        &mut self,
        now: Instant,
        mid: MasterId,
        option: &[u8],
        args: &[Bytes],
        j: &mut usize,
        more: usize,
    ) -> Result<bool, SetError> {
        let unknown_text = format!(
            "ERR Unknown option or number of arguments for SENTINEL SET '{}'",
            text(&args[*j])
        );
        let unknown = || SetError::Reply(Frame::error(&unknown_text));
        if more == 0 {
            return Err(unknown());
        }
        let positive_ms = |at: usize| -> Result<u64, SetError> {
            parse_int(&args[at])
                .filter(|v| *v > 0)
                .and_then(|v| u64::try_from(v).ok())
                .ok_or(SetError::BadArg(at))
        };
        if option == b"vip" {
            // Run time can only take a VIP away: the program is attached per interface at
            // start, so a new VIP goes in sentinel.conf (and a restart).
            let at = *j + 1;
            if !args[at].is_empty() {
                return Err(SetError::Reply(Frame::error(
                    "ERR SENTINEL SET vip only removes the VIP (value \"\"); add one in the config file",
                )));
            }
            let name = self.masters.get(mid).map(|m| m.params.name.clone());
            if let Some(name) = name {
                self.set_vip(now, &name, None);
            }
            *j = at;
            return Ok(false);
        }
        let deny = self.front.options.deny_scripts_reconfig;
        let executable = self.front.executable_check;
        let Some(m) = self.masters.get_mut(mid) else {
            return Err(SetError::Reply(no_such_master()));
        };
        let p = &mut m.params;
        let value_at = *j + 1;
        match option {
            b"down-after-milliseconds" => {
                // Replicas and peers of this master read the master's setting, so the change
                // reaches them as sentinel.c `sentinelPropagateDownAfterPeriod` does; their
                // deadlines are recomputed at once.
                p.down_after = Duration::from_millis(positive_ms(value_at)?);
                *j = value_at;
                self.wake_group(now, mid);
                return Ok(false);
            }
            b"failover-timeout" => {
                p.failover_timeout = Duration::from_millis(positive_ms(value_at)?);
            }
            b"parallel-syncs" => {
                p.parallel_syncs = u32::try_from(positive_ms(value_at)?).unwrap_or(u32::MAX);
            }
            b"quorum" => {
                p.quorum = u32::try_from(positive_ms(value_at)?).unwrap_or(u32::MAX);
            }
            b"notification-script" | b"client-reconfig-script" => {
                if deny {
                    return Err(SetError::Reply(Frame::error(DENIED)));
                }
                if has_control(&args[value_at]) {
                    return Err(SetError::Reply(Frame::error(
                        "ERR Script paths must not contain control characters",
                    )));
                }
                let path = text(&args[value_at]);
                if !path.is_empty() && !executable(&path) {
                    let what = if option == b"notification-script" {
                        "Notification script"
                    } else {
                        "Client reconfiguration script"
                    };
                    return Err(SetError::Reply(Frame::error(format!(
                        "ERR {what} seems non existing or non executable"
                    ))));
                }
                let slot = if option == b"notification-script" {
                    &mut p.notification_script
                } else {
                    &mut p.client_reconfig_script
                };
                *slot = (!path.is_empty()).then_some(path);
            }
            b"auth-pass" | b"auth-user" => {
                let value = text(&args[value_at]);
                let slot = if option == b"auth-pass" {
                    &mut p.auth_pass
                } else {
                    &mut p.auth_user
                };
                *slot = (!value.is_empty()).then_some(value);
                *j = value_at;
                self.drop_instance_links(now, mid);
                return Ok(option == b"auth-pass");
            }
            b"rename-command" if more >= 2 => {
                if has_control(&args[value_at]) || has_control(&args[value_at + 1]) {
                    return Err(SetError::Reply(Frame::error(
                        "ERR Command names must not contain control characters",
                    )));
                }
                let (old, new) = (text(&args[value_at]), text(&args[value_at + 1]));
                if old.is_empty() || new.is_empty() {
                    let bad = if new.is_empty() {
                        value_at + 1
                    } else {
                        value_at
                    };
                    return Err(SetError::BadArg(bad));
                }
                let key = old.to_ascii_uppercase();
                p.renamed_commands.remove(&key);
                if !old.eq_ignore_ascii_case(&new) {
                    p.renamed_commands.insert(key, new);
                }
                *j = value_at + 1;
                return Ok(false);
            }
            b"master-reboot-down-after-period" => {
                let v = parse_int(&args[value_at])
                    .and_then(|v| u64::try_from(v).ok())
                    .ok_or(SetError::BadArg(value_at))?;
                p.master_reboot_down_after_period = Duration::from_millis(v);
            }
            _ => return Err(unknown()),
        }
        *j = value_at;
        Ok(false)
    }

    /// Services a master, its replicas and its peers at `now`, so deadlines computed from old
    /// settings are recomputed.
    pub(super) fn wake_group(&mut self, now: Instant, mid: MasterId) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let mut owners = vec![Owner::Master(mid)];
        owners.extend(
            m.replicas
                .keys()
                .into_iter()
                .map(|rid| Owner::Replica(mid, rid)),
        );
        owners.extend(m.sentinels.values().map(|e| Owner::Peer(e.peer)));
        for owner in owners {
            self.schedule.set(owner, now);
        }
    }

    /// Closes the links of a master and its replicas so they reconnect with new credentials
    /// (sentinel.c `dropInstanceConnections`).
    fn drop_instance_links(&mut self, now: Instant, mid: MasterId) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let mut links = vec![m.node.cmd, m.node.pubsub];
        for (_, r) in m.replicas.iter() {
            links.push(r.node.cmd);
            links.push(r.node.pubsub);
        }
        for link in links.into_iter().flatten() {
            self.close_link(now, link);
        }
    }
}
