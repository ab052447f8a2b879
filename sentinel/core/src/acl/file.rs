//! The ACL file (`aclfile`): one `user <name> <rules...>` per line, taken whole or not at all
//! (acl.c `ACLLoadFromFile`), and written back one `ACL LIST` line per user (`ACLSaveToFile`).
//! Text in, text out: the driver (or the binary at start-up) reads and writes the file.

use std::collections::BTreeMap;

use super::{Acl, UNKNOWN_NAME, User};

/// Why Redis refuses to start with both `user` lines and `aclfile` (acl.c
/// `ACLLoadUsersAtStartup`).
pub const USERS_AND_ACLFILE: &str = "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.";

/// How start-up reports a file that does not load (followed by the errors).
pub const STARTUP_ABORT: &str = "Aborting Redis startup because of ACL errors: ";

/// The reply of an `ACL SAVE` whose write failed (the driver logs why).
pub const SAVE_FAILED: &str = "ERR There was an error trying to save the ACLs. Please check the server logs for more information";

/// Closes the list of errors of a file that did not load.
const NO_CHANGE: &str =
    "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";

/// The error for a file that could not be read; `reason` is the strerror text.
pub fn open_error(filename: &str, reason: &str) -> String {
    format!("Error loading ACLs, opening file '{filename}': {reason}")
}

/// C `isspace`, plus NUL: what acl.c `ACLStringHasSpaces` refuses in a user name.
fn invalid_name_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0)
}

/// Parses a whole ACL file; `filename` is the `aclfile` as configured, which the errors name.
/// Each line is split on single spaces (no quoting, as 7.0.15) and every user starts empty
/// (off, no passwords, commands, keys or channels) before its rules apply. A file without a
/// `default` user gets the stock one (`on nopass ~* &* +@all`), whatever `requirepass` said.
///
/// The error lists every problem found, each as Redis words it, then Redis's closing warning.
pub fn parse(filename: &str, text: &str) -> Result<Acl, String> {
    let mut users: BTreeMap<String, User> = BTreeMap::new();
    let mut errors = String::new();
    for (index, raw) in text.split('\n').enumerate() {
        let n = index + 1;
        let line = raw.trim_matches([' ', '\t', '\r', '\n']);
        if line.is_empty() {
            continue;
        }
        let argv: Vec<&str> = line.split(' ').collect();
        let (Some(&"user"), Some(&name)) = (argv.first(), argv.get(1)) else {
            errors.push_str(&format!(
                "{filename}:{n} should start with user keyword followed by the username. "
            ));
            continue;
        };
        // Redis accepts an empty name here (`user  on`); no client could log in as it, so it
        // is refused like one with spaces.
        if name.is_empty() || name.bytes().any(invalid_name_byte) {
            // The stray leading quote is Redis's.
            errors.push_str(&format!(
                "'{filename}:{n}: username '{name}' contains invalid characters. "
            ));
            continue;
        }
        if users.contains_key(name) {
            errors.push_str(&format!(
                "WARNING: Duplicate user '{name}' found on line {n}. "
            ));
            continue;
        }
        let mut user = User::new(name);
        // Past the first, errors other than unknown names are not listed: they may only be
        // consequences of the first one.
        let mut reported = false;
        for op in &argv[2..] {
            let op = op.trim_matches(['\t', '\r', '\n']);
            match user.apply(op) {
                Ok(()) => {}
                Err(why) if why == UNKNOWN_NAME => errors.push_str(&format!(
                    "{filename}:{n}: Error in applying operation '{op}': {why}. "
                )),
                Err(why) if !reported => {
                    errors.push_str(&format!("{filename}:{n}: {why}. "));
                    reported = true;
                }
                Err(_) => {}
            }
        }
        // Kept even after an error, so a later line with the same name is a duplicate.
        users.insert(name.to_string(), user);
    }
    if !errors.is_empty() {
        errors.push_str(NO_CHANGE);
        return Err(errors);
    }
    users
        .entry("default".to_string())
        .or_insert_with(User::default_user);
    Ok(Acl { users })
}

/// The file `ACL SAVE` writes: every user as its `ACL LIST` line, in name order.
pub fn render(acl: &Acl) -> String {
    acl.users().map(|u| u.describe() + "\n").collect()
}

/// Fuzz entry: must never panic, and whatever loads renders to a file that loads again to
/// users that render the same (what `ACL SAVE` writes, `ACL LOAD` takes back unchanged).
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    let Ok(acl) = parse("fuzz.acl", &String::from_utf8_lossy(data)) else {
        return;
    };
    let text = render(&acl);
    match parse("fuzz.acl", &text) {
        Ok(again) => assert_eq!(render(&again), text, "a saved file loads differently"),
        Err(e) => panic!("a saved file does not load: {e}\n{text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fuzz entry over many files made of rule-like words (a cheap stand-in for the
    /// libFuzzer run, on stable).
    #[test]
    fn generated_files_never_panic_and_round_trip() {
        const WORDS: &[&str] = &[
            "user",
            "user",
            "user",
            "alice",
            "bob",
            "default",
            "on",
            "off",
            ">pw",
            "<pw",
            "#30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4",
            "#bad",
            "!30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4",
            "nopass",
            "resetpass",
            "~*",
            "~k*",
            "%R~x",
            "%RW~*",
            "%~",
            "%X~y",
            "&*",
            "&c",
            "&",
            "allkeys",
            "resetkeys",
            "allchannels",
            "resetchannels",
            "+@all",
            "-@all",
            "+ping",
            "-PING",
            "+sentinel|myid",
            "+sentinel|nosuch",
            "+@admin",
            "-@dangerous",
            "+@nosuch",
            "allcommands",
            "nocommands",
            "reset",
            "sanitize-payload",
            "skip-sanitize-payload",
            "",
            "\t",
            "\r",
            "bogus",
            "+nosuch",
            "(",
            ")",
            "\u{a0}",
            "\u{0}",
            "\u{b}",
        ];
        let mut rng = crate::rng::Prng::new(0xac1f);
        let mut loaded = 0;
        for _ in 0..5_000 {
            let mut text = String::new();
            for _ in 0..rng.below(4) {
                let words = 1 + rng.below(8);
                if rng.below(4) > 0 {
                    text.push_str("user ");
                }
                for w in 0..words {
                    if w > 0 {
                        text.push(if rng.below(10) == 0 { '\t' } else { ' ' });
                    }
                    text.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
                }
                text.push('\n');
            }
            fuzz(text.as_bytes());
            loaded += usize::from(parse("f", &text).is_ok());
        }
        assert!(
            loaded > 100,
            "too few generated files load ({loaded}) to test much"
        );
    }

    fn list(acl: &Acl) -> Vec<String> {
        acl.users().map(User::describe).collect()
    }

    #[test]
    fn users_start_empty_and_default_is_added() {
        let acl = parse(
            "users.acl",
            "user alice on >pw +@all ~*\n\n  user bob on nopass  +ping\t\r\n",
        )
        .unwrap();
        // As redis-server 7.0.15 lists them after loading this file.
        assert_eq!(
            list(&acl),
            [
                "user alice on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~* resetchannels +@all",
                "user bob on nopass resetchannels -@all +ping",
                "user default on nopass ~* &* +@all",
            ]
        );
        assert!(acl.authenticate("alice", b"pw").is_ok());
        assert!(acl.default_is_open());
    }

    #[test]
    fn a_default_line_replaces_the_stock_default_user() {
        let acl = parse("a", "user default on >secret +@all").unwrap();
        assert!(!acl.default_is_open());
        assert!(acl.authenticate("default", b"secret").is_ok());
        assert_eq!(acl.users().count(), 1);
        assert_eq!(parse("a", "").unwrap().users().count(), 1);
    }

    #[test]
    fn every_error_is_listed_as_redis_words_it() {
        let text = "user alice on >pw +@all ~*\n\nuser bob on +nosuch bogus -foo\nfoo bar\nuser\nuser bob\tx on\nuser alice off\nuser dave on <nopw bogus2\nuser \"a b\" on\n";
        // redis-server 7.0.15 says exactly this for the same file (its `"a b"` line fails the
        // same way: no quoting, so `b"` is a rule).
        assert_eq!(
            parse("bad.acl", text).unwrap_err(),
            "bad.acl:3: Error in applying operation '+nosuch': Unknown command or category name in ACL. \
             bad.acl:3: Syntax error. \
             bad.acl:3: Error in applying operation '-foo': Unknown command or category name in ACL. \
             bad.acl:4 should start with user keyword followed by the username. \
             bad.acl:5 should start with user keyword followed by the username. \
             'bad.acl:6: username 'bob\tx' contains invalid characters. \
             WARNING: Duplicate user 'alice' found on line 7. \
             bad.acl:8: The password you are trying to remove from the user does not exist. \
             bad.acl:9: Syntax error. \
             WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
        );
    }

    #[test]
    fn a_failed_line_still_makes_a_later_one_a_duplicate() {
        let err = parse("f", "user a +nosuch\nuser a on").unwrap_err();
        assert!(
            err.contains("WARNING: Duplicate user 'a' found on line 2. "),
            "{err}"
        );
        let err = parse("f", "User a on").unwrap_err();
        assert!(
            err.starts_with("f:1 should start with user keyword"),
            "{err}"
        );
        let err = parse("f", "user  on").unwrap_err();
        assert!(err.contains("contains invalid characters"), "{err}");
    }

    #[test]
    fn render_round_trips() {
        let mut acl = Acl::default();
        acl.set_user(
            "ops",
            &[
                ">pw",
                "on",
                "%R~k*",
                "&chan*",
                "-@all",
                "+ping",
                "+sentinel|myid",
            ]
            .map(String::from),
        )
        .unwrap();
        acl.set_user(
            "flags",
            &["reset", "skip-sanitize-payload", "nopass"].map(String::from),
        )
        .unwrap();
        let text = render(&acl);
        assert_eq!(text.lines().count(), 3);
        assert!(text.ends_with('\n'));
        let again = parse("f", &text).unwrap();
        assert_eq!(list(&again), list(&acl));
        assert_eq!(render(&again), text);
    }
}
