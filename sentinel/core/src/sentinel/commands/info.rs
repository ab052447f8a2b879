//! INFO in sentinel mode (sentinel.c `sentinelInfoCommand`): only the sections server, clients,
//! cpu, stats and sentinel exist; no argument, `default`, `all` and `everything` mean all five.
//! The reply is a plain bulk string.

use std::fmt::Write;

use bytes::Bytes;

use super::Sentinel;
use super::connection::REDIS_VERSION;
use crate::resp::Frame;
use crate::time::Instant;

const SECTIONS: [&str; 5] = ["server", "clients", "cpu", "stats", "sentinel"];

/// Which of the five sections a request selects (server.c `genInfoSectionDict` with the
/// sentinel sections as defaults, unknown names dropped).
pub(crate) fn selected_sections(args: &[Bytes]) -> Vec<&'static str> {
    if args.is_empty() {
        return SECTIONS.to_vec();
    }
    let mut wanted = Vec::new();
    for a in args {
        let a = a.to_ascii_lowercase();
        match a.as_slice() {
            b"all" | b"everything" | b"default" => return SECTIONS.to_vec(),
            _ => {
                if let Some(s) = SECTIONS.iter().find(|s| s.as_bytes() == a.as_slice()) {
                    wanted.push(*s);
                }
            }
        }
    }
    SECTIONS
        .iter()
        .copied()
        .filter(|s| wanted.contains(s))
        .collect()
}

impl Sentinel {
    pub(super) fn info_command(&self, now: Instant, args: &[Bytes]) -> Frame {
        let sections = selected_sections(&args[1..]);
        let mut out = String::new();
        for s in sections {
            if !out.is_empty() {
                out.push_str("\r\n");
            }
            match s {
                "server" => self.info_server(&mut out),
                "clients" => self.info_clients(&mut out),
                "cpu" => self.info_cpu(&mut out),
                "stats" => self.info_stats(&mut out),
                _ => self.info_sentinel(now, &mut out),
            }
        }
        if Self::info_wants_vip(&args[1..]) {
            if !out.is_empty() {
                out.push_str("\r\n");
            }
            self.info_vip(now, &mut out);
        }
        Frame::Bulk(Bytes::from(out))
    }

    fn info_server(&self, out: &mut String) {
        let p = &self.front.process;
        let run_id = if p.run_id.is_empty() {
            self.params.myid.as_str()
        } else {
            p.run_id.as_str()
        };
        let _ = write!(
            out,
            "# Server\r\nredis_version:{REDIS_VERSION}\r\nredis_git_sha1:00000000\r\n\
             redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:sentinel\r\nos:{}\r\n\
             arch_bits:{}\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:{}\r\n\
             atomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\n\
             process_supervised:{}\r\nrun_id:{run_id}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\n\
             uptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:10\r\nconfigured_hz:10\r\n\
             lru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\n",
            p.os,
            p.arch_bits,
            p.multiplexing_api,
            p.process_id,
            p.supervised,
            p.tcp_port,
            p.server_time_usec,
            p.uptime_seconds,
            p.uptime_seconds / 86_400,
            (p.server_time_usec / 1_000_000) & ((1 << 24) - 1),
            p.executable,
            p.config_file,
        );
    }

    fn info_clients(&self, out: &mut String) {
        let c = &self.front.clients;
        let _ = write!(
            out,
            "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\n\
             client_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\n\
             blocked_clients:0\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n",
            c.sessions.len(),
            self.params.limits.clients_max,
        );
    }

    fn info_cpu(&self, out: &mut String) {
        let p = &self.front.process;
        let _ = write!(
            out,
            "# CPU\r\nused_cpu_sys:{:.6}\r\nused_cpu_user:{:.6}\r\nused_cpu_sys_children:{:.6}\r\n\
             used_cpu_user_children:{:.6}\r\n",
            p.used_cpu_sys, p.used_cpu_user, p.used_cpu_sys_children, p.used_cpu_user_children
        );
    }

    fn info_stats(&self, out: &mut String) {
        let c = &self.front.clients;
        let _ = write!(
            out,
            "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\n\
             instantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:0\r\ntotal_net_output_bytes:0\r\n\
             instantaneous_input_kbps:0.00\r\ninstantaneous_output_kbps:0.00\r\n\
             rejected_connections:{}\r\nsync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n\
             expired_keys:0\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\n\
             expire_cycle_cpu_milliseconds:0\r\nevicted_keys:0\r\nevicted_clients:0\r\n\
             total_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\n\
             keyspace_hits:0\r\nkeyspace_misses:0\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\n\
             latest_fork_usec:0\r\ntotal_forks:0\r\nmigrate_cached_sockets:0\r\n\
             slave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\n\
             active_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\n\
             total_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\n\
             tracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:0\r\n\
             unexpected_error_replies:0\r\ntotal_error_replies:{}\r\ndump_payload_sanitizations:0\r\n\
             total_reads_processed:0\r\ntotal_writes_processed:0\r\n\
             io_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\n\
             reply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
            c.total_connections,
            c.total_commands,
            c.rejected_connections,
            c.pubsub_channels(),
            c.pubsub_patterns(),
            c.total_error_replies,
        );
    }

    fn info_sentinel(&self, now: Instant, out: &mut String) {
        let sim = self.simulate_failure;
        let sim_bits =
            u32::from(sim.crash_after_election) | (u32::from(sim.crash_after_promotion) << 1);
        let tilt_since = self.tilt_since().map_or(-1, |t| {
            i64::try_from(now.millis_since(t) / 1000).unwrap_or(i64::MAX)
        });
        let (running, queued) = self.script_counts();
        let _ = write!(
            out,
            "# Sentinel\r\nsentinel_masters:{}\r\nsentinel_tilt:{}\r\nsentinel_tilt_since_seconds:{tilt_since}\r\n\
             sentinel_running_scripts:{running}\r\nsentinel_scripts_queue_length:{queued}\r\n\
             sentinel_simulate_failure_flags:{sim_bits}\r\n",
            self.master_by_name.len(),
            u8::from(self.in_tilt()),
        );
        for (i, mid) in self.master_by_name.values().enumerate() {
            let Some(m) = self.masters.get(*mid) else {
                continue;
            };
            let status = if m.odown_since.is_some() {
                "odown"
            } else if m.node.health.is_sdown() {
                "sdown"
            } else {
                "ok"
            };
            let _ = write!(
                out,
                "master{i}:name={},status={status},address={}:{},slaves={},sentinels={}\r\n",
                m.params.name,
                // sentinel.c `announceSentinelAddr`, from the IP resolved when the address was
                // set: no DNS lookup per master per INFO.
                self.master_wire_host(*mid, &m.node.addr.host),
                m.node.addr.port,
                m.replicas.len(),
                m.sentinels.len() + 1
            );
        }
    }
}
