//! End-to-end: notification scripts run by the `sentinel` binary.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use sentinel_core::resp::Frame;
use support::{eventually, free_port, start_sentinel, text};

/// Writes an executable `/bin/sh` script.
fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}")).expect("write script");
    let mut perm = std::fs::metadata(path).expect("stat").permissions();
    perm.set_mode(0o755);
    std::fs::set_permissions(path, perm).expect("chmod");
}

fn conf(port: u16, script: &Path) -> String {
    format!(
        "sentinel monitor mymaster 127.0.0.1 {port} 1\n\
         sentinel down-after-milliseconds mymaster 200\n\
         sentinel notification-script mymaster {}\n",
        script.display()
    )
}

#[test]
fn sdown_of_a_master_runs_its_notification_script_without_leaking_fds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("calls.txt");
    let fds = tmp.path().join("fds.txt");
    let path = tmp.path().join("notify.sh");
    script(
        &path,
        &format!(
            "echo \"$@\" >> {}\nls -l /proc/$$/fd > {}\nexit 0\n",
            out.display(),
            fds.display()
        ),
    );
    // Nothing listens on the master's port: it goes +sdown after 200 ms.
    let s = start_sentinel(&conf(free_port(), &path));
    let calls = eventually("the notification script to record +sdown", || {
        let calls = std::fs::read_to_string(&out).ok()?;
        calls
            .lines()
            .any(|l| l.starts_with("+sdown master mymaster 127.0.0.1 "))
            .then_some(calls)
    });
    // Only WARNING events run it: not the DEBUG link-reconnection ones.
    assert!(!calls.contains("link-reconnection"), "{calls}");
    // The script's descriptors: none of the sentinel's sockets, rings or pipes.
    let listing = eventually("the fd listing", || {
        std::fs::read_to_string(&fds).ok().filter(|l| !l.is_empty())
    });
    // Descriptors the sentinel itself inherited from this test process (cargo's jobserver
    // pipe) are not its own.
    let ours: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .map(|t| t.display().to_string())
        .collect();
    for line in listing.lines() {
        let Some((_, target)) = line.split_once(" -> ") else {
            continue;
        };
        let suspicious = ["socket:", "anon_inode:", "pipe:"]
            .iter()
            .any(|k| target.starts_with(k));
        assert!(
            !suspicious || ours.iter().any(|o| o == target),
            "leaked {target}:\n{listing}"
        );
    }
    // Finished and removed from the queue.
    let mut c = s.conn();
    eventually("an empty script queue", || {
        (c.cmd(&["SENTINEL", "PENDING-SCRIPTS"]) == Frame::Array(vec![])).then_some(())
    });
}

#[test]
fn a_script_asking_for_a_retry_waits_in_pending_scripts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("retry.sh");
    script(&path, "exit 1\n");
    let s = start_sentinel(&conf(free_port(), &path));
    let mut c = s.conn();
    // The `+sdown` run failed with exit 1: it waits for its retry.
    let kv = eventually("a scheduled retry of the +sdown script", || {
        let Frame::Array(jobs) = c.cmd(&["SENTINEL", "PENDING-SCRIPTS"]) else {
            return None;
        };
        jobs.into_iter().find_map(|j| {
            let Frame::Array(kv) = j else { return None };
            let has = |k: &str, v: &str| kv.chunks(2).any(|p| text(&p[0]) == k && text(&p[1]) == v);
            let argv_ok = kv.chunks(2).any(|p| {
                text(&p[0]) == "argv"
                    && matches!(&p[1], Frame::Array(a) if a.len() == 3
                        && text(&a[0]) == path.display().to_string()
                        && text(&a[1]) == "+sdown"
                        && text(&a[2]).starts_with("master mymaster 127.0.0.1 "))
            });
            (argv_ok && has("flags", "scheduled") && has("retry-num", "1")).then_some(kv)
        })
    });
    let field = |k: &str| {
        kv.chunks(2)
            .find(|p| text(&p[0]) == k)
            .map(|p| p[1].clone())
    };
    // The default retry delay is 30 s: it is still waiting.
    let delay: u64 = text(&field("run-delay").expect("run-delay"))
        .parse()
        .expect("a number");
    assert!(delay > 0 && delay <= 30_000, "{delay}");
    let info = text(&c.cmd(&["INFO", "sentinel"]));
    let queued: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("sentinel_scripts_queue_length:"))
        .expect("queue length")
        .trim()
        .parse()
        .expect("a number");
    assert!(queued >= 1, "{info}");
}
