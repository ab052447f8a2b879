//! `aclfile` end to end: users loaded from the file at start-up, `ACL LOAD` after the file
//! changed, `ACL SAVE` writing it back, and the start-up errors of 7.0.15.

mod support;

use std::process::{Command, Stdio};

use sentinel_core::resp::Frame;
use support::{Conn, eventually, start_sentinel_with_files, text};

fn users(c: &mut Conn) -> Vec<String> {
    match c.cmd(&["ACL", "USERS"]) {
        Frame::Array(names) => names.iter().map(text).collect(),
        other => panic!("ACL USERS gave {other:?}"),
    }
}

#[test]
fn users_come_from_the_aclfile_and_acl_load_and_save_use_it() {
    let s = start_sentinel_with_files(
        "aclfile users.acl\n",
        &[],
        &[(
            "users.acl",
            "user admin on >pw1 ~* &* +@all\nuser default on >defpw ~* &* +@all\n",
        )],
    );
    let acl_path = s.home().join("users.acl");
    let mut admin = s.conn();
    assert_eq!(
        admin.cmd(&["PING"]),
        Frame::error("NOAUTH Authentication required."),
        "the file's default user has a password"
    );
    assert_eq!(admin.cmd(&["AUTH", "admin", "pw1"]), Frame::ok());
    assert_eq!(text(&admin.cmd(&["ACL", "WHOAMI"])), "admin");
    let mut dflt = s.conn();
    assert_eq!(dflt.cmd(&["AUTH", "defpw"]), Frame::ok());

    // The file changes: ACL LOAD takes it, and disconnects the clients of users other than
    // default (the asking one after its reply), as redis-server 7.0.15 does.
    std::fs::write(
        &acl_path,
        "user admin on >pw2 ~* &* +@all\nuser ops on nopass -@all +ping\nuser default on >defpw ~* &* +@all\n",
    )
    .expect("rewrite the ACL file");
    assert_eq!(admin.cmd(&["ACL", "LOAD"]), Frame::ok());
    eventually("admin's client to be closed after the reply", || {
        admin.is_closed().then_some(())
    });
    assert_eq!(users(&mut dflt), ["admin", "default", "ops"]);
    let mut fresh = s.conn();
    assert_eq!(
        text(&fresh.cmd(&["AUTH", "admin", "pw1"])),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    assert_eq!(fresh.cmd(&["AUTH", "admin", "pw2"]), Frame::ok());

    // A file with an error changes nothing and says why; nobody is disconnected.
    std::fs::write(&acl_path, "user admin on >pw3 +@all\nuser ops on +nosuch\n")
        .expect("rewrite the ACL file");
    assert_eq!(
        text(&dflt.cmd(&["ACL", "LOAD"])),
        "ERR users.acl:2: Error in applying operation '+nosuch': Unknown command or category name in ACL. WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
    );
    assert_eq!(users(&mut fresh), ["admin", "default", "ops"]);

    // ACL SAVE writes the users as ACL LIST shows them, atomically (no temp file is left).
    assert_eq!(
        dflt.cmd(&["ACL", "SETUSER", "carol", "on", ">c", "+@all"]),
        Frame::ok()
    );
    assert_eq!(dflt.cmd(&["ACL", "SAVE"]), Frame::ok());
    let Frame::Array(list) = dflt.cmd(&["ACL", "LIST"]) else {
        panic!("ACL LIST")
    };
    let listed: String = list.iter().map(|l| text(l) + "\n").collect();
    assert_eq!(
        std::fs::read_to_string(&acl_path).expect("the saved file"),
        listed
    );
    assert!(listed.starts_with("user admin on #"), "{listed}");
    assert!(listed.contains("\nuser carol on #"), "{listed}");
    let mut names: Vec<String> = std::fs::read_dir(s.home())
        .expect("the sentinel's dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["log.txt", "sentinel.conf", "users.acl"]);
    // What was saved loads again.
    assert_eq!(dflt.cmd(&["ACL", "LOAD"]), Frame::ok());
    assert_eq!(users(&mut dflt), ["admin", "carol", "default", "ops"]);

    // The config rewrite leaves the users to the ACL file.
    assert_eq!(dflt.cmd(&["SENTINEL", "FLUSHCONFIG"]), Frame::ok());
    let conf = std::fs::read_to_string(s.conf_path()).expect("config");
    assert!(conf.contains("aclfile \"users.acl\""), "{conf}");
    assert!(!conf.lines().any(|l| l.starts_with("user ")), "{conf}");
}

/// Runs the binary on `conf` (with `files` beside it) and returns its exit code and stdout,
/// where the log goes without `logfile`.
fn start_fails(conf: &str, files: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = format!("port {}\nbind 127.0.0.1\n{conf}", support::free_port());
    std::fs::write(dir.path().join("sentinel.conf"), conf).expect("write conf");
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).expect("write file");
    }
    // The guard kills a sentinel that wrongly keeps running once the wait gives up.
    let mut child = support::Guard(
        Command::new(env!("CARGO_BIN_EXE_sentinel"))
            .arg("sentinel.conf")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run"),
    );
    let status = eventually("the sentinel to exit", || child.0.try_wait().ok().flatten());
    let mut out = String::new();
    if let Some(mut stdout) = child.0.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
    }
    (status.code(), out)
}

#[test]
fn aclfile_start_up_errors_exit_1_as_redis() {
    let (code, out) = start_fails(
        "aclfile users.acl\nuser bob on nopass\n",
        &[("users.acl", "")],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("# Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid."),
        "{out}"
    );

    let (code, out) = start_fails("aclfile missing.acl\n", &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("# Aborting Redis startup because of ACL errors: Error loading ACLs, opening file 'missing.acl': No such file or directory"),
        "{out}"
    );

    let (code, out) = start_fails(
        "aclfile bad.acl\n",
        &[("bad.acl", "user a on\nfoo bar\nuser a off\n")],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("# Aborting Redis startup because of ACL errors: bad.acl:2 should start with user keyword followed by the username. WARNING: Duplicate user 'a' found on line 3. WARNING: ACL errors detected, no change to the previously active ACL rules was performed"),
        "{out}"
    );
}
