//! The script queue: bounds, retries, timeouts, what clients see, and which events run the
//! notification script.

use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::action::ClientId;
use crate::addr::Addr;
use crate::instance::MasterParams;
use crate::sentinel::SentinelParams;
use crate::{Limits, Timing};

const PATH: &str = "/bin/notify.sh";

fn sentinel_with(limits: Limits) -> Sentinel {
    Sentinel::new(SentinelParams {
        myid: "00000000000000000000000000000000000000ab".into(),
        port: 26379,
        announce_ip: None,
        current_epoch: 0,
        timing: Timing::default(),
        limits,
        seed: 3,
    })
}

fn sentinel() -> Sentinel {
    sentinel_with(Limits::default())
}

fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

fn drain(s: &mut Sentinel) -> Vec<Action> {
    std::iter::from_fn(|| s.poll_action()).collect()
}

fn argv(tag: &str) -> Vec<String> {
    vec![PATH.to_owned(), tag.to_owned()]
}

/// The `RunScript` actions among `actions`: (id, argv).
fn runs(actions: &[Action]) -> Vec<(u64, Vec<String>)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::RunScript { id, argv } => Some((*id, argv.clone())),
            _ => None,
        })
        .collect()
}

fn published(actions: &[Action], level: Level) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Publish(e) if e.level == level => Some(e.to_string()),
            _ => None,
        })
        .collect()
}

fn command(s: &mut Sentinel, now: Instant, a: &[&str]) -> Frame {
    let args = a
        .iter()
        .map(|x| Bytes::copy_from_slice(x.as_bytes()))
        .collect();
    s.handle_client_command(now, ClientId(1), args);
    let mut reply = None;
    while let Some(action) = s.poll_action() {
        match action {
            Action::Persist { token } => s.handle_persisted(now, token, true),
            Action::Reply { frame, .. } => reply = reply.or(Some(frame)),
            _ => {}
        }
    }
    reply.expect("a reply")
}

/// Starts the one queued script at `now` and returns its id.
fn start_one(s: &mut Sentinel, now: Instant) -> u64 {
    assert!(s.poll_timeout().is_some_and(|t| t <= now));
    s.handle_timeout(now);
    let started = runs(&drain(s));
    assert_eq!(started.len(), 1, "{started:?}");
    started[0].0
}

#[test]
fn queue_is_bounded_and_drops_the_oldest_waiting_job() {
    let mut s = sentinel_with(Limits {
        script_queue_max: 4,
        scripts_running_max: 2,
        ..Limits::default()
    });
    s.schedule_script(argv("1"));
    s.schedule_script(argv("2"));
    s.schedule_script(argv("3"));
    // A queued job with a free slot is due at once.
    assert_eq!(s.poll_timeout(), Some(Instant::ZERO));
    s.handle_timeout(ms(10));
    let started = runs(&drain(&mut s));
    assert_eq!(
        started.iter().map(|r| r.1[1].as_str()).collect::<Vec<_>>(),
        ["1", "2"],
        "oldest first, no more than scripts_running_max"
    );
    assert_eq!(s.script_counts(), (2, 3));
    // No free slot: the next deadline is the running jobs' timeout, not "now".
    assert_eq!(s.poll_timeout(), Some(ms(10) + Duration::from_secs(60)));
    for tag in ["4", "5", "6"] {
        s.schedule_script(argv(tag));
    }
    // 3 and 4 were dropped (oldest waiting); running ones never are.
    assert_eq!(s.script_counts(), (2, 4));
    let Frame::Array(jobs) = s.pending_scripts(ms(20)) else {
        panic!()
    };
    let tags: Vec<Frame> = jobs
        .iter()
        .map(|j| match j {
            Frame::Map(kv) => match &kv[0].1 {
                Frame::Array(a) => a[1].clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        tags,
        ["1", "2", "5", "6"].map(Frame::bulk).to_vec(),
        "queue order kept"
    );
    // A job ending frees a slot for the oldest waiting one.
    s.handle_script_exited(ms(30), started[0].0, ScriptExit::Code(0));
    let next = runs(&drain(&mut s));
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].1, argv("5"));
    assert_eq!(s.script_counts(), (2, 3));
}

#[test]
fn exit_one_and_signals_are_retried_with_a_doubling_delay_up_to_ten_runs() {
    let mut s = sentinel();
    s.schedule_script(argv("x"));
    let mut now = ms(0);
    let id = start_one(&mut s, now);
    let base = Duration::from_secs(30);
    for run in 1..MAX_RUNS {
        now = now + Duration::from_millis(5);
        let exit = if run % 2 == 0 {
            ScriptExit::Signal(15)
        } else {
            ScriptExit::Code(1)
        };
        s.handle_script_exited(now, id, exit);
        let out = drain(&mut s);
        assert!(runs(&out).is_empty());
        assert!(published(&out, Level::Warning).is_empty(), "{out:?}");
        let delay = base * (1u32 << (run - 1));
        assert_eq!(retry_delay(base, run), delay);
        assert_eq!(s.poll_timeout(), Some(now + delay), "run {run}");
        // Not before the delay...
        s.handle_timeout(now + delay.saturating_sub(Duration::from_millis(1)));
        assert!(runs(&drain(&mut s)).is_empty());
        // ...then the same job runs again, its retry count showing.
        now = now + delay;
        assert_eq!(start_one(&mut s, now), id);
        let Frame::Array(jobs) = s.pending_scripts(now) else {
            panic!()
        };
        let Frame::Map(kv) = &jobs[0] else { panic!() };
        assert_eq!(kv[4].1, Frame::bulk((run + 1).to_string()));
    }
    assert_eq!(retry_delay(base, 9), Duration::from_secs(30 * 256));
    // The tenth failure is final.
    s.handle_script_exited(now, id, ScriptExit::Code(1));
    let out = drain(&mut s);
    assert_eq!(
        published(&out, Level::Warning),
        [format!("-script-error {PATH} 0 1")]
    );
    assert_eq!(s.script_counts(), (0, 0));
    assert_eq!(s.poll_timeout(), s.next_wall_check());
}

#[test]
fn exit_two_or_more_is_not_retried_and_success_is_silent() {
    let mut s = sentinel();
    s.schedule_script(argv("a"));
    let id = start_one(&mut s, ms(0));
    s.handle_script_exited(ms(1), id, ScriptExit::Code(2));
    let out = drain(&mut s);
    assert_eq!(
        published(&out, Level::Warning),
        [format!("-script-error {PATH} 0 2")]
    );
    assert_eq!(s.script_counts(), (0, 0));

    s.schedule_script(argv("b"));
    let id = start_one(&mut s, ms(2));
    s.handle_script_started(ms(2), id, 4242);
    s.handle_script_exited(ms(3), id, ScriptExit::Code(0));
    let out = drain(&mut s);
    assert!(published(&out, Level::Warning).is_empty());
    assert_eq!(
        published(&out, Level::Debug),
        ["+script-child 4242", "-script-child 4242 0 0"]
    );
    assert_eq!(s.script_counts(), (0, 0));
    // Unknown ids (already gone) are ignored.
    s.handle_script_exited(ms(4), id, ScriptExit::Code(1));
    assert!(drain(&mut s).is_empty());
}

#[test]
fn a_script_past_its_max_runtime_is_killed_once_then_retried() {
    let mut s = sentinel();
    s.schedule_script(argv("slow"));
    let id = start_one(&mut s, ms(100));
    s.handle_script_started(ms(101), id, 777);
    drain(&mut s);
    let deadline = ms(100) + Duration::from_secs(60);
    assert_eq!(s.poll_timeout(), Some(deadline));
    s.handle_timeout(ms(100) + Duration::from_millis(59_999));
    assert!(drain(&mut s).is_empty());
    s.handle_timeout(deadline);
    let out = drain(&mut s);
    assert_eq!(
        published(&out, Level::Warning),
        [format!("-script-timeout {PATH} 777")]
    );
    assert!(out.contains(&Action::KillScript { id }));
    // Asked once: no new deadline for it, no second kill.
    assert_ne!(s.poll_timeout(), Some(deadline));
    s.handle_timeout(deadline + Duration::from_secs(1));
    assert!(
        !drain(&mut s)
            .iter()
            .any(|a| matches!(a, Action::KillScript { .. }))
    );
    // Killed by SIGKILL: retried like any signal.
    let end = deadline + Duration::from_millis(5);
    s.handle_script_exited(end, id, ScriptExit::Signal(9));
    assert!(published(&drain(&mut s), Level::Warning).is_empty());
    assert_eq!(s.script_counts(), (0, 1));
    assert_eq!(s.poll_timeout(), Some(end + Duration::from_secs(30)));
}

#[test]
fn pending_scripts_and_info_show_the_queue() {
    let mut s = sentinel_with(Limits {
        scripts_running_max: 1,
        ..Limits::default()
    });
    assert_eq!(
        command(&mut s, ms(0), &["SENTINEL", "PENDING-SCRIPTS"]),
        Frame::Array(vec![])
    );
    s.schedule_script(argv("run"));
    s.schedule_script(argv("wait"));
    let id = start_one(&mut s, ms(1_000));
    s.handle_script_started(ms(1_000), id, 99);
    let reply = command(&mut s, ms(1_250), &["SENTINEL", "PENDING-SCRIPTS"]);
    let map = |argv: &str, flags: &str, pid: &str, key: &str, time: &str, retry: &str| {
        Frame::Map(vec![
            (
                Frame::bulk("argv"),
                Frame::Array(vec![Frame::bulk(PATH), Frame::bulk(argv)]),
            ),
            (Frame::bulk("flags"), Frame::bulk(flags)),
            (Frame::bulk("pid"), Frame::bulk(pid)),
            (Frame::bulk(key), Frame::bulk(time)),
            (Frame::bulk("retry-num"), Frame::bulk(retry)),
        ])
    };
    assert_eq!(
        reply,
        Frame::Array(vec![
            map("run", "running", "99", "run-time", "250", "1"),
            map("wait", "scheduled", "0", "run-delay", "0", "0"),
        ])
    );
    let Frame::Bulk(info) = command(&mut s, ms(1_300), &["INFO", "sentinel"]) else {
        panic!()
    };
    let info = String::from_utf8_lossy(&info);
    assert!(info.contains("sentinel_running_scripts:1\r\n"), "{info}");
    assert!(
        info.contains("sentinel_scripts_queue_length:2\r\n"),
        "{info}"
    );
    // A retry waiting shows its remaining delay.
    s.handle_script_exited(ms(2_000), id, ScriptExit::Code(1));
    drain(&mut s);
    s.handle_timeout(ms(2_000));
    drain(&mut s);
    let Frame::Array(jobs) = command(&mut s, ms(12_000), &["SENTINEL", "PENDING-SCRIPTS"]) else {
        panic!()
    };
    assert_eq!(jobs.len(), 2);
    assert!(jobs.contains(&map("run", "scheduled", "0", "run-delay", "20000", "1")));
}

#[test]
fn warning_events_about_an_instance_run_the_masters_notification_script() {
    let mut s = sentinel();
    let mut p = MasterParams::new("mymaster", Addr::new("127.0.0.1", 6379), 2);
    p.notification_script = Some(PATH.into());
    let mid = s.monitor(ms(0), p).unwrap();
    s.emit_about(Owner::Master(mid), Level::Notice, "+reboot", "");
    assert_eq!(s.script_counts(), (0, 0), "not WARNING: no script");
    s.emit_about(Owner::Master(mid), Level::Warning, "+sdown", "");
    s.handle_timeout(ms(5));
    let started = runs(&drain(&mut s));
    assert_eq!(
        started.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
        [vec![
            PATH.to_owned(),
            "+sdown".to_owned(),
            "master mymaster 127.0.0.1 6379".to_owned()
        ]]
    );
    // Through a command: `+set` is WARNING and about the master.
    command(
        &mut s,
        ms(10),
        &["SENTINEL", "SET", "mymaster", "quorum", "3"],
    );
    assert_eq!(s.script_counts(), (1, 2));
    // Events without an instance (TILT, script errors) run nothing.
    s.emit(event::plain(Level::Warning, "+tilt", "#tilt mode entered"));
    assert_eq!(s.script_counts(), (1, 2));
}

#[test]
fn client_reconfig_script_gets_role_and_both_addresses() {
    let mut s = sentinel();
    let mut p = MasterParams::new("mymaster", Addr::new("127.0.0.1", 6379), 2);
    p.client_reconfig_script = Some("/bin/reconf.sh".into());
    let mid = s.monitor(ms(0), p).unwrap();
    s.client_reconfig_script(
        mid,
        false,
        &Addr::new("127.0.0.1", 6379),
        &Addr::new("127.0.0.2", 6380),
    );
    s.handle_timeout(ms(1));
    let started = runs(&drain(&mut s));
    assert_eq!(
        started[0].1,
        [
            "/bin/reconf.sh",
            "mymaster",
            "observer",
            "start",
            "127.0.0.1",
            "6379",
            "127.0.0.2",
            "6380"
        ]
    );
}
