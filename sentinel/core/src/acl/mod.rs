//! A pure ACL engine with Redis 7.0's user model (acl.c): users with on/off, passwords kept as
//! SHA-256 hex, command rules applied in order, key and channel patterns. `requirepass` is the
//! default user's password; `user` config lines, the ACL file (`file`) and `ACL SETUSER` share
//! one rule parser.

pub mod file;
pub mod glob;
pub mod log;
pub mod sha256;

use std::collections::{BTreeMap, BTreeSet};

use crate::command_table::{self, CommandSpec};

/// A command rule target.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    All,
    Category(String),
    /// `name` or `container|sub`.
    Command(String),
}

/// A key pattern with the access it grants (`~p` both, `%R~p` read, `%W~p` write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPattern {
    pub pattern: String,
    pub read: bool,
    pub write: bool,
}

impl KeyPattern {
    /// As ACL LIST shows it.
    fn describe(&self) -> String {
        let prefix = match (self.read, self.write) {
            (true, false) => "%R~",
            (false, true) => "%W~",
            _ => "~",
        };
        format!("{prefix}{}", self.pattern)
    }
}

/// Why a key pattern is refused after `allkeys` / `~*` (7.0.15's text).
const KEYS_AFTER_ALLKEYS: &str = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
/// Why a channel pattern is refused after `allchannels` / `&*` (7.0.15's text).
const CHANNELS_AFTER_ALLCHANNELS: &str = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";

/// One user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub enabled: bool,
    pub nopass: bool,
    /// `sanitize-payload` (`Some(true)`), `skip-sanitize-payload` (`Some(false)`), or
    /// neither, as a user created by `ACL SETUSER` without `reset` has.
    pub sanitize_payload: Option<bool>,
    /// Hex SHA-256 of each password.
    pub passwords: BTreeSet<String>,
    /// (allow, target) in the order given; the last one that matches decides.
    rules: Vec<(bool, Target)>,
    pub all_keys: bool,
    /// Distinct patterns in the order first given; a repeated one adds its access.
    pub key_patterns: Vec<KeyPattern>,
    pub all_channels: bool,
    pub channel_patterns: Vec<String>,
}

impl User {
    /// A user as `ACL SETUSER` creates it: off, no passwords, no commands, keys or channels.
    pub fn new(name: &str) -> User {
        User {
            name: name.to_string(),
            enabled: false,
            nopass: false,
            sanitize_payload: None,
            passwords: BTreeSet::new(),
            rules: Vec::new(),
            all_keys: false,
            key_patterns: Vec::new(),
            all_channels: false,
            channel_patterns: Vec::new(),
        }
    }

    /// The default user: `on nopass ~* &* +@all`.
    pub fn default_user() -> User {
        let mut u = User::new("default");
        u.enabled = true;
        u.nopass = true;
        u.all_keys = true;
        u.all_channels = true;
        u.rules.push((true, Target::All));
        u
    }

    /// Applies one rule (acl.c `ACLSetUser`); the error is the reason Redis gives.
    pub fn apply(&mut self, op: &str) -> Result<(), &'static str> {
        let lower = op.to_ascii_lowercase();
        match lower.as_str() {
            // An empty rule does nothing (`ACL SETUSER u ""` is OK in 7.0.15, and an ACL file
            // line with two spaces in a row has one).
            "" => {}
            "on" => self.enabled = true,
            "off" => self.enabled = false,
            "nopass" => {
                self.nopass = true;
                self.passwords.clear();
            }
            "resetpass" => {
                self.nopass = false;
                self.passwords.clear();
            }
            "allkeys" | "~*" => {
                self.all_keys = true;
                self.key_patterns.clear();
            }
            "resetkeys" => {
                self.all_keys = false;
                self.key_patterns.clear();
            }
            "allchannels" | "&*" => {
                self.all_channels = true;
                self.channel_patterns.clear();
            }
            "resetchannels" => {
                self.all_channels = false;
                self.channel_patterns.clear();
            }
            "allcommands" | "+@all" => self.rules = vec![(true, Target::All)],
            "nocommands" | "-@all" => self.rules.clear(),
            "sanitize-payload" => self.sanitize_payload = Some(true),
            "skip-sanitize-payload" => self.sanitize_payload = Some(false),
            "reset" => {
                let name = std::mem::take(&mut self.name);
                *self = User::new(&name);
                self.all_channels = false;
                // `reset` includes `sanitize-payload` (a user loaded from a config line too).
                self.sanitize_payload = Some(true);
            }
            _ => return self.apply_prefixed(op),
        }
        Ok(())
    }

    fn apply_prefixed(&mut self, op: &str) -> Result<(), &'static str> {
        let Some(first) = op.chars().next() else {
            return Err("Syntax error");
        };
        let rest = &op[first.len_utf8()..];
        match first {
            '>' => {
                self.passwords
                    .insert(sha256::hex(&sha256::sha256(rest.as_bytes())));
                self.nopass = false;
            }
            '<' => {
                let h = sha256::hex(&sha256::sha256(rest.as_bytes()));
                if !self.passwords.remove(&h) {
                    return Err(
                        "The password you are trying to remove from the user does not exist",
                    );
                }
            }
            '#' | '!' => {
                let valid = rest.len() == 64
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if !valid {
                    return Err(
                        "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
                    );
                }
                if first == '#' {
                    self.passwords.insert(rest.to_string());
                    self.nopass = false;
                } else if !self.passwords.remove(rest) {
                    return Err(
                        "The password you are trying to remove from the user does not exist",
                    );
                }
            }
            '~' | '%' => {
                if self.all_keys {
                    return Err(KEYS_AFTER_ALLKEYS);
                }
                let (read, write, pattern) = if first == '~' {
                    (true, true, rest)
                } else {
                    parse_key_permissions(rest)?
                };
                // Only a literal `~*` (handled above) means allkeys; `%RW~*` is a pattern.
                match self.key_patterns.iter_mut().find(|k| k.pattern == pattern) {
                    Some(k) => {
                        k.read |= read;
                        k.write |= write;
                    }
                    None => self.key_patterns.push(KeyPattern {
                        pattern: pattern.to_string(),
                        read,
                        write,
                    }),
                }
            }
            '&' => {
                if self.all_channels {
                    return Err(CHANNELS_AFTER_ALLCHANNELS);
                }
                if !self.channel_patterns.iter().any(|p| p == rest) {
                    self.channel_patterns.push(rest.to_string());
                }
            }
            '+' | '-' => {
                let allow = first == '+';
                let target = parse_target(rest)?;
                self.rules.push((allow, target));
            }
            _ => return Err("Syntax error"),
        }
        Ok(())
    }

    /// Whether the user may run `spec` (acl.c `ACLCheckCommandPerm`).
    pub fn can_run(&self, spec: &CommandSpec, parent: Option<&CommandSpec>) -> bool {
        let full = command_table::fullname(spec, parent);
        let mut allowed = false;
        for (allow, target) in &self.rules {
            let hit = match target {
                Target::All => true,
                Target::Category(cat) => spec.acl.contains(&cat.as_str()),
                Target::Command(name) => *name == full || parent.is_some_and(|p| *name == p.name),
            };
            if hit {
                allowed = *allow;
            }
        }
        allowed
    }

    /// Whether the user may use `channel` (literal when `is_pattern`, as PSUBSCRIBE needs).
    pub fn can_use_channel(&self, channel: &[u8], is_pattern: bool) -> bool {
        self.all_channels
            || self.channel_patterns.iter().any(|p| {
                if is_pattern {
                    p.as_bytes() == channel
                } else {
                    glob::glob_match(p.as_bytes(), channel, false)
                }
            })
    }

    /// Flags as `ACL GETUSER` lists them.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            f.push("nopass");
        }
        match self.sanitize_payload {
            Some(true) => f.push("sanitize-payload"),
            Some(false) => f.push("skip-sanitize-payload"),
            None => {}
        }
        f
    }

    /// The command rules as text (`+@all`, `-@all +ping`).
    pub fn describe_commands(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut rules = self.rules.as_slice();
        if let Some(((true, Target::All), tail)) = rules.split_first() {
            parts.push("+@all".into());
            rules = tail;
        } else {
            parts.push("-@all".into());
        }
        for (allow, target) in rules {
            let sign = if *allow { '+' } else { '-' };
            parts.push(match target {
                Target::All => format!("{sign}@all"),
                Target::Category(c) => format!("{sign}@{c}"),
                Target::Command(c) => format!("{sign}{c}"),
            });
        }
        parts.join(" ")
    }

    pub fn describe_keys(&self) -> String {
        if self.all_keys {
            "~*".into()
        } else {
            self.key_patterns
                .iter()
                .map(KeyPattern::describe)
                .collect::<Vec<_>>()
                .join(" ")
        }
    }

    pub fn describe_channels(&self) -> String {
        if self.all_channels {
            "&*".into()
        } else if self.channel_patterns.is_empty() {
            String::new()
        } else {
            self.channel_patterns
                .iter()
                .map(|p| format!("&{p}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }

    /// The user as one `ACL LIST` / aclfile line.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("user {}", self.name)];
        parts.extend(self.flags().iter().map(|f| f.to_string()));
        parts.extend(self.passwords.iter().map(|h| format!("#{h}")));
        let keys = self.describe_keys();
        if !keys.is_empty() {
            parts.push(keys);
        }
        // As acl.c `ACLDescribeSelector`: `&*`, or `resetchannels` and then the patterns.
        if self.all_channels {
            parts.push("&*".into());
        } else {
            parts.push("resetchannels".into());
            parts.extend(self.channel_patterns.iter().map(|p| format!("&{p}")));
        }
        parts.push(self.describe_commands());
        parts.join(" ")
    }
}

/// The access letters of a `%<perms>~<pattern>` rule (after the `%`): each of R and W at most
/// once, in either case, up to the first `~`; what follows is the pattern (empty when there is
/// no `~`, as 7.0.15 takes `%R`). No letter at all is a syntax error.
fn parse_key_permissions(rest: &str) -> Result<(bool, bool, &str), &'static str> {
    let (mut read, mut write) = (false, false);
    let mut pattern = "";
    for (i, c) in rest.char_indices() {
        match c {
            'R' | 'r' if !read => read = true,
            'W' | 'w' if !write => write = true,
            '~' => {
                pattern = &rest[i + 1..];
                break;
            }
            _ => return Err("Syntax error"),
        }
    }
    if !read && !write {
        return Err("Syntax error");
    }
    Ok((read, write, pattern))
}

/// Why a `+`/`-` rule names no known command or category (Redis's `ENOENT` case). A `user`
/// line with only such errors still loads as config (Redis checks names only once modules could
/// have added commands) and fails at start-up instead, in [`Acl::load_configured_users`].
pub const UNKNOWN_NAME: &str = "Unknown command or category name in ACL";

fn parse_target(rest: &str) -> Result<Target, &'static str> {
    if let Some(cat) = rest.strip_prefix('@') {
        let cat = cat.to_ascii_lowercase();
        if cat == "all" {
            return Ok(Target::All);
        }
        if !command_table::ACL_CATEGORIES.contains(&cat.as_str()) {
            return Err(UNKNOWN_NAME);
        }
        return Ok(Target::Category(cat));
    }
    let lower = rest.to_ascii_lowercase();
    let (cmd, sub) = match lower.split_once('|') {
        Some((c, s)) => (c, Some(s)),
        None => (lower.as_str(), None),
    };
    let Some(spec) = command_table::lookup(cmd.as_bytes()) else {
        return Err(UNKNOWN_NAME);
    };
    if let Some(sub) = sub
        && spec.subcommand(sub.as_bytes()).is_none()
    {
        return Err(UNKNOWN_NAME);
    }
    Ok(Target::Command(lower))
}

/// Why authentication failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrongPass;

/// The users of this sentinel.
#[derive(Clone, Debug)]
pub struct Acl {
    users: BTreeMap<String, User>,
}

impl Default for Acl {
    fn default() -> Acl {
        let mut users = BTreeMap::new();
        users.insert("default".to_string(), User::default_user());
        Acl { users }
    }
}

impl Acl {
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.get(name)
    }

    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    pub fn default_user(&self) -> Option<&User> {
        self.users.get("default")
    }

    /// Whether a new connection starts authenticated (the default user is on and nopass).
    pub fn default_is_open(&self) -> bool {
        self.default_user().is_some_and(|u| u.enabled && u.nopass)
    }

    /// Whether the default user has the `nopass` flag (on or off): what protected mode looks at.
    pub fn default_is_nopass(&self) -> bool {
        self.default_user().is_some_and(|u| u.nopass)
    }

    /// `requirepass <pass>`: resets the default user's passwords to this one (empty = nopass).
    pub fn set_requirepass(&mut self, pass: &str) {
        let user = self
            .users
            .entry("default".into())
            .or_insert_with(User::default_user);
        if pass.is_empty() {
            let _ = user.apply("nopass");
        } else {
            let _ = user.apply("resetpass");
            let _ = user.apply(&format!(">{pass}"));
        }
    }

    /// Creates or modifies a user with `ops`, atomically: on error nothing changes. The error
    /// is the full reply text.
    pub fn set_user(&mut self, name: &str, ops: &[String]) -> Result<(), String> {
        if name.contains(' ') || name.is_empty() {
            return Err("ERR Usernames can't contain spaces or null characters".into());
        }
        let mut user = self
            .users
            .get(name)
            .cloned()
            .unwrap_or_else(|| User::new(name));
        for op in ops {
            user.apply(op)
                .map_err(|why| format!("ERR Error in ACL SETUSER modifier '{op}': {why}"))?;
        }
        self.users.insert(name.to_string(), user);
        Ok(())
    }

    /// A `user <name> <rules...>` config line.
    pub fn load_user_line(&mut self, name: &str, ops: &[String]) -> Result<(), String> {
        let mut all = vec!["reset".to_string()];
        all.extend_from_slice(ops);
        self.set_user(name, &all)
    }

    /// The config's `user` lines (each `name rules...`) at start-up, in order (acl.c
    /// `ACLLoadConfiguredUsers`): each user is reset and given its rules. All or nothing; the
    /// error is the line Redis logs before "Critical error while loading ACLs. Exiting.".
    pub fn load_configured_users(&mut self, lines: &[Vec<String>]) -> Result<(), String> {
        let mut next = self.clone();
        for line in lines {
            let Some((name, ops)) = line.split_first() else {
                continue;
            };
            if name.contains(' ') {
                return Err("Spaces not allowed in ACL usernames".into());
            }
            let mut user = User::new(name);
            user.apply("reset").map_err(str::to_string)?;
            for op in ops {
                user.apply(op).map_err(|why| {
                    format!("Error loading ACL rule '{op}' for the user named '{name}': {why}")
                })?;
            }
            next.users.insert(name.clone(), user);
        }
        *self = next;
        Ok(())
    }

    /// Removes `name`; the default user cannot be removed.
    pub fn delete_user(&mut self, name: &str) -> Result<bool, String> {
        self.delete_users(&[name]).map(|gone| !gone.is_empty())
    }

    /// `ACL DELUSER`: removes every user named, atomically: if one of them is `default`,
    /// nothing is removed (acl.c `aclCommand` checks all names before deleting any). Returns
    /// the names that existed and are gone, once each.
    pub fn delete_users<S: AsRef<str>>(&mut self, names: &[S]) -> Result<Vec<String>, String> {
        if names.iter().any(|n| n.as_ref() == "default") {
            return Err("ERR The 'default' user cannot be removed".into());
        }
        Ok(names
            .iter()
            .filter_map(|n| self.users.remove_entry(n.as_ref()).map(|(name, _)| name))
            .collect())
    }

    /// Checks a user name and password (acl.c `ACLCheckUserCredentials`).
    pub fn authenticate(&self, name: &str, pass: &[u8]) -> Result<(), WrongPass> {
        let user = self.users.get(name).ok_or(WrongPass)?;
        if !user.enabled {
            return Err(WrongPass);
        }
        if user.nopass {
            return Ok(());
        }
        let h = sha256::hex(&sha256::sha256(pass));
        if user.passwords.contains(&h) {
            Ok(())
        } else {
            Err(WrongPass)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn default_user_and_requirepass() {
        let mut acl = Acl::default();
        assert!(acl.default_is_open());
        assert_eq!(
            acl.user("default").unwrap().describe(),
            "user default on nopass ~* &* +@all"
        );
        assert!(acl.authenticate("default", b"anything").is_ok());
        // As redis-server 7.0.15: `reset` (and so a user loaded from a config line) adds
        // sanitize-payload; a user made by ACL SETUSER alone has neither flag.
        acl.set_user("plain", &ops("on nopass")).unwrap();
        acl.load_user_line("loaded", &ops("on nopass")).unwrap();
        assert_eq!(acl.user("plain").unwrap().flags(), ["on", "nopass"]);
        assert_eq!(
            acl.user("loaded").unwrap().flags(),
            ["on", "nopass", "sanitize-payload"]
        );
        acl.set_requirepass("secret");
        assert!(!acl.default_is_open());
        assert!(acl.authenticate("default", b"secret").is_ok());
        assert_eq!(acl.authenticate("default", b"nope"), Err(WrongPass));
        acl.set_requirepass("");
        assert!(acl.default_is_open());
    }

    #[test]
    fn configured_users_load_in_order_or_not_at_all() {
        let line = |s: &str| ops(s);
        let mut acl = Acl::default();
        acl.load_configured_users(&[line("default on >pw +@all"), line("alice on nopass")])
            .unwrap();
        assert!(!acl.default_is_open());
        assert!(acl.authenticate("default", b"pw").is_ok());
        assert!(acl.authenticate("alice", b"x").is_ok());
        assert_eq!(
            acl.load_configured_users(&[line("bob on nopass"), line("carol on +nosuch")]),
            Err(
                "Error loading ACL rule '+nosuch' for the user named 'carol': \
                 Unknown command or category name in ACL"
                    .into()
            )
        );
        assert!(acl.user("bob").is_none(), "nothing applied on error");
        assert_eq!(
            acl.load_configured_users(&[vec!["a b".into(), "on".into()]]),
            Err("Spaces not allowed in ACL usernames".into())
        );
    }

    #[test]
    fn setuser_rules_and_errors() {
        let mut acl = Acl::default();
        acl.set_user("alice", &ops("ON >pw allchannels +@all"))
            .unwrap();
        assert!(acl.authenticate("alice", b"pw").is_ok());
        assert!(acl.authenticate("bob", b"pw").is_err());
        let sentinel = command_table::lookup(b"sentinel").unwrap();
        let set = sentinel.subcommand(b"set").unwrap();
        assert!(acl.user("alice").unwrap().can_run(set, Some(sentinel)));
        acl.set_user("bob", &ops("on nopass -@all +ping +sentinel|myid"))
            .unwrap();
        let bob = acl.user("bob").unwrap();
        assert!(!bob.can_run(set, Some(sentinel)));
        assert!(bob.can_run(sentinel.subcommand(b"myid").unwrap(), Some(sentinel)));
        assert!(bob.can_run(command_table::lookup(b"ping").unwrap(), None));
        assert_eq!(bob.describe_commands(), "-@all +ping +sentinel|myid");
        assert_eq!(
            acl.set_user("bob", &ops("off +nosuchcmd")),
            Err("ERR Error in ACL SETUSER modifier '+nosuchcmd': Unknown command or category name in ACL".into())
        );
        assert!(
            acl.user("bob").unwrap().enabled,
            "failed SETUSER changes nothing"
        );
        assert_eq!(
            acl.set_user("bob", &ops("bogus")),
            Err("ERR Error in ACL SETUSER modifier 'bogus': Syntax error".into())
        );
        acl.set_user("carol", &ops("+@admin")).unwrap();
        let carol = acl.user("carol").unwrap();
        assert!(carol.can_run(set, Some(sentinel)));
        assert!(!carol.can_run(command_table::lookup(b"ping").unwrap(), None));
        assert_eq!(
            acl.delete_user("default"),
            Err("ERR The 'default' user cannot be removed".into())
        );
        assert_eq!(acl.delete_user("carol"), Ok(true));
        assert_eq!(acl.delete_user("carol"), Ok(false));
    }

    #[test]
    fn an_empty_rule_is_a_no_op() {
        let mut acl = Acl::default();
        acl.set_user("u", &ops("on  nopass")).unwrap();
        assert_eq!(
            acl.user("u").unwrap().describe(),
            "user u on nopass resetchannels -@all"
        );
    }

    #[test]
    fn deleting_default_among_others_deletes_nothing() {
        let mut acl = Acl::default();
        acl.set_user("a", &ops("on")).unwrap();
        acl.set_user("b", &ops("on")).unwrap();
        assert_eq!(
            acl.delete_users(&["a", "default", "b"]),
            Err("ERR The 'default' user cannot be removed".into())
        );
        assert!(acl.user("a").is_some() && acl.user("b").is_some());
        // A name given twice is deleted (and counted) once.
        assert_eq!(
            acl.delete_users(&["a", "a", "nobody", "b"]),
            Ok(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(acl.users().count(), 1);
    }

    #[test]
    fn channels_and_disabled_users() {
        let mut acl = Acl::default();
        acl.set_user("u", &ops("on >p &+switch-* resetkeys"))
            .unwrap();
        let u = acl.user("u").unwrap();
        assert!(u.can_use_channel(b"+switch-master", false));
        assert!(!u.can_use_channel(b"+sdown", false));
        assert!(u.can_use_channel(b"+switch-*", true));
        assert!(!u.can_use_channel(b"*", true));
        acl.set_user("default", &ops("off")).unwrap();
        assert!(!acl.default_is_open());
        assert!(acl.authenticate("default", b"").is_err());
    }
}
