//! INFO and ROLE replies in redis-server 7.0's shapes.

use std::fmt::Write;

use bytes::Bytes;
use sentinel_core::resp::Frame;

use super::instance::Role;
use super::model::Fleet;

/// Sections a real redis-server also sends with a bare `INFO`, so that a sentinel parses
/// replies of a realistic size. Values are static; sentinels ignore them.
const PADDING: &str = "\
# Clients\r\nconnected_clients:7\r\ncluster_connections:0\r\nmaxclients:10000\r\n\
client_recent_max_input_buffer:20480\r\nclient_recent_max_output_buffer:0\r\n\
blocked_clients:0\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n\r\n\
# Memory\r\nused_memory:1083472\r\nused_memory_human:1.03M\r\nused_memory_rss:9437184\r\n\
used_memory_rss_human:9.00M\r\nused_memory_peak:1141720\r\nused_memory_peak_human:1.09M\r\n\
used_memory_peak_perc:94.90%\r\nused_memory_overhead:1004168\r\nused_memory_startup:862112\r\n\
used_memory_dataset:79304\r\nused_memory_dataset_perc:35.83%\r\nallocator_allocated:1247616\r\n\
allocator_active:1540096\r\nallocator_resident:4091904\r\ntotal_system_memory:24598765568\r\n\
total_system_memory_human:22.91G\r\nused_memory_lua:31744\r\nused_memory_vm_eval:31744\r\n\
used_memory_lua_human:31.00K\r\nused_memory_scripts_eval:0\r\nnumber_of_cached_scripts:0\r\n\
number_of_functions:0\r\nnumber_of_libraries:0\r\nused_memory_vm_functions:32768\r\n\
used_memory_vm_total:64512\r\nused_memory_vm_total_human:63.00K\r\nused_memory_functions:184\r\n\
used_memory_scripts:184\r\nused_memory_scripts_human:184B\r\nmaxmemory:0\r\n\
maxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\nallocator_frag_ratio:1.23\r\n\
allocator_frag_bytes:292480\r\nallocator_rss_ratio:2.66\r\nallocator_rss_bytes:2551808\r\n\
rss_overhead_ratio:2.31\r\nrss_overhead_bytes:5345280\r\nmem_fragmentation_ratio:9.19\r\n\
mem_fragmentation_bytes:8410400\r\nmem_not_counted_for_evict:0\r\nmem_replication_backlog:20508\r\n\
mem_total_replication_buffers:20504\r\nmem_clients_slaves:0\r\nmem_clients_normal:120552\r\n\
mem_cluster_links:0\r\nmem_aof_buffer:0\r\nmem_allocator:jemalloc-5.3.0\r\n\
active_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n\r\n\
# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\n\
current_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\n\
current_save_keys_total:0\r\nrdb_changes_since_last_save:0\r\nrdb_bgsave_in_progress:0\r\n\
rdb_last_save_time:1700000000\r\nrdb_last_bgsave_status:ok\r\nrdb_last_bgsave_time_sec:0\r\n\
rdb_current_bgsave_time_sec:-1\r\nrdb_saves:1\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\n\
aof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\n\
aof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\naof_last_write_status:ok\r\n\r\n\
# Stats\r\ntotal_connections_received:120\r\ntotal_commands_processed:4500\r\n\
instantaneous_ops_per_sec:5\r\ntotal_net_input_bytes:250000\r\ntotal_net_output_bytes:900000\r\n\
instantaneous_input_kbps:0.30\r\ninstantaneous_output_kbps:1.20\r\nrejected_connections:0\r\n\
sync_full:1\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_keys:0\r\nevicted_keys:0\r\n\
keyspace_hits:0\r\nkeyspace_misses:0\r\npubsub_channels:1\r\npubsub_patterns:0\r\n\
latest_fork_usec:300\r\ntotal_forks:1\r\nmigrate_cached_sockets:0\r\n\r\n\
# CPU\r\nused_cpu_sys:0.500000\r\nused_cpu_user:0.400000\r\nused_cpu_sys_children:0.000000\r\n\
used_cpu_user_children:0.000000\r\n\r\n\
# Cluster\r\ncluster_enabled:0\r\n\r\n\
# Keyspace\r\n";

/// The reply to `INFO [section]` from instance `index`.
pub fn info(fleet: &Fleet, index: usize, section: Option<&[u8]>) -> Frame {
    let Some(inst) = fleet.get(index) else {
        return Frame::bulk("");
    };
    let wants = |name: &str| match section {
        None => true,
        Some(s) => {
            s.eq_ignore_ascii_case(name.as_bytes())
                || s.eq_ignore_ascii_case(b"all")
                || s.eq_ignore_ascii_case(b"everything")
                || s.eq_ignore_ascii_case(b"default")
        }
    };
    let link = fleet.link_view(index);
    let offset = fleet.offset();
    let replicas = fleet.replicas_of(index);
    let inst = inst.borrow();
    let mut out = String::with_capacity(4096);
    if wants("server") {
        let uptime = inst.started.elapsed().as_secs();
        let _ = write!(
            out,
            "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\n\
             redis_git_dirty:0\r\nredis_build_id:fleet\r\nredis_mode:standalone\r\n\
             os:Linux x86_64\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\n\
             multiplexing_api:epoll\r\nprocess_id:{}\r\nprocess_supervised:no\r\n\
             run_id:{}\r\ntcp_port:{}\r\nuptime_in_seconds:{uptime}\r\n\
             uptime_in_days:{}\r\nhz:10\r\nconfigured_hz:10\r\nexecutable:/fleet\r\n\
             config_file:\r\nio_threads_active:0\r\n\r\n",
            std::process::id(),
            inst.run_id,
            inst.port,
            uptime / 86_400,
        );
    }
    if section.is_none() && fleet.info_padding {
        out.push_str(PADDING);
        out.push_str("\r\n");
    }
    if wants("replication") {
        out.push_str("# Replication\r\n");
        match &inst.role {
            Role::Master => {
                out.push_str("role:master\r\n");
            }
            Role::Replica { host, port } => {
                let status = if link.up { "up" } else { "down" };
                let _ = write!(
                    out,
                    "role:slave\r\nmaster_host:{host}\r\nmaster_port:{port}\r\n\
                     master_link_status:{status}\r\nmaster_last_io_seconds_ago:{}\r\n\
                     master_sync_in_progress:0\r\n",
                    if link.up { 0 } else { -1 },
                );
                if let Some(since) = link.down_since {
                    let _ = write!(
                        out,
                        "master_link_down_since_seconds:{}\r\n",
                        since.elapsed().as_secs()
                    );
                }
                let _ = write!(
                    out,
                    "slave_read_repl_offset:{offset}\r\nslave_repl_offset:{offset}\r\n\
                     slave_priority:100\r\nslave_read_only:1\r\nreplica_announced:1\r\n",
                );
            }
        }
        let _ = write!(out, "connected_slaves:{}\r\n", replicas.len());
        for (i, (ip, port)) in replicas.iter().enumerate() {
            let _ = write!(
                out,
                "slave{i}:ip={ip},port={port},state=online,offset={offset},lag=0\r\n"
            );
        }
        let _ = write!(
            out,
            "master_failover_state:no-failover\r\nmaster_replid:{}\r\n\
             master_replid2:0000000000000000000000000000000000000000\r\n\
             master_repl_offset:{offset}\r\nsecond_repl_offset:-1\r\n\
             repl_backlog_active:1\r\nrepl_backlog_size:1048576\r\n\
             repl_backlog_first_byte_offset:1\r\nrepl_backlog_histlen:{}\r\n",
            inst.replid,
            offset.min(1_048_576),
        );
    }
    Frame::Bulk(Bytes::from(out))
}

/// The reply to `ROLE`.
pub fn role(fleet: &Fleet, index: usize) -> Frame {
    let Some(inst) = fleet.get(index) else {
        return Frame::Array(Vec::new());
    };
    let offset = fleet.offset() as i64;
    let link = fleet.link_view(index);
    let replicas = fleet.replicas_of(index);
    let inst = inst.borrow();
    match &inst.role {
        Role::Master => Frame::Array(vec![
            Frame::bulk("master"),
            Frame::Integer(offset),
            Frame::Array(
                replicas
                    .iter()
                    .map(|(ip, port)| {
                        Frame::Array(vec![
                            Frame::bulk(ip.to_string()),
                            Frame::bulk(port.to_string()),
                            Frame::bulk(offset.to_string()),
                        ])
                    })
                    .collect(),
            ),
        ]),
        Role::Replica { host, port } => Frame::Array(vec![
            Frame::bulk("slave"),
            Frame::bulk(host),
            Frame::Integer(i64::from(*port)),
            Frame::bulk(if link.up { "connected" } else { "connect" }),
            Frame::Integer(if link.up { offset } else { -1 }),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Scenario, instance_ip};
    use sentinel_core::info::InfoReport;

    fn text(f: Frame) -> Vec<u8> {
        match f {
            Frame::Bulk(b) => b.to_vec(),
            other => panic!("not a bulk: {other:?}"),
        }
    }

    #[test]
    fn info_is_what_the_core_parser_expects() {
        let s = Scenario::parse("name='t'\n[fleet]\nmasters=1\nreplicas=2\n").unwrap();
        let f = Fleet::new(&s, 3, 0, 1);
        let master = InfoReport::parse(&text(info(&f, 0, None)));
        assert_eq!(master.role, sentinel_core::info::Role::Master);
        assert_eq!(master.replicas.len(), 2);
        assert_eq!(master.run_id.as_deref().map(str::len), Some(40));
        let replica = InfoReport::parse(&text(info(&f, 1, None)));
        let sentinel_core::info::Role::Replica(state) = replica.role else {
            panic!("replica reports {:?}", replica.role)
        };
        assert_eq!(state.master_port, Some(6379));
        assert_eq!(replica.master_link_down_since_seconds, None);
        let replica = text(info(&f, 1, Some(b"replication")));
        let replica = String::from_utf8(replica).unwrap();
        assert!(replica.contains("role:slave\r\n"));
        assert!(replica.contains(&format!("master_host:{}\r\n", instance_ip(3, 0))));
        assert!(replica.contains("master_link_status:up\r\n"));
        assert!(!replica.contains("run_id"));
    }

    #[test]
    fn role_follows_promotion() {
        let s = Scenario::parse("name='t'\n[fleet]\nmasters=1\nreplicas=1\n").unwrap();
        let f = Fleet::new(&s, 3, 0, 1);
        let Frame::Array(r) = role(&f, 1) else {
            panic!()
        };
        assert_eq!(r[0], Frame::bulk("slave"));
        f.slaveof(1, None);
        let Frame::Array(r) = role(&f, 1) else {
            panic!()
        };
        assert_eq!(r[0], Frame::bulk("master"));
    }
}
