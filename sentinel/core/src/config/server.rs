//! Applying one ordinary (non-`sentinel`) directive to [`ServerConfig`], with the messages of
//! Redis 7.0's config table (`config.c`).

use super::directives::{self, Arity, Kind};
use super::model::{LogLevel, ServerConfig, Supervised};
use super::tls::AuthClients;
use crate::acl::{UNKNOWN_NAME, User};

/// Redis's message for a name it does not know, or a non-standard directive with a bad count.
pub(crate) const BAD_DIRECTIVE: &str = "Bad directive or wrong number of arguments";

fn yes_no(v: &str) -> Result<bool, String> {
    if v.eq_ignore_ascii_case("yes") {
        Ok(true)
    } else if v.eq_ignore_ascii_case("no") {
        Ok(false)
    } else {
        Err("argument must be 'yes' or 'no'".into())
    }
}

fn bounded(v: &str, min: i64, max: i64) -> Result<i64, String> {
    let n: i64 = v
        .parse()
        .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
    if n < min || n > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(n)
}

fn non_empty(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_owned())
}

/// Apply `name args...` (name already lowercased, not `sentinel`).
pub(crate) fn apply(cfg: &mut ServerConfig, name: &str, args: &[String]) -> Result<(), String> {
    if name == "include" {
        return Err(
            "include is not supported in sentinel.conf: the file is rewritten as \
                    state, so keep every directive in this one file"
                .into(),
        );
    }
    let arity = match directives::classify(name) {
        Kind::Unknown => return Err(BAD_DIRECTIVE.into()),
        Kind::Deprecated => return Ok(()),
        Kind::Legal(arity) => arity,
    };
    if !arity.accepts(args.len()) {
        return Err(match arity {
            Arity::One => "wrong number of arguments".into(),
            _ => BAD_DIRECTIVE.into(),
        });
    }
    let first = args.first().map(String::as_str).unwrap_or_default();
    match name {
        // port is 0..65535 in Redis; the range makes the cast lossless.
        "port" => cfg.port = bounded(first, 0, 65535)? as u16,
        "bind" => cfg.bind = args.to_vec(),
        "protected-mode" => cfg.protected_mode = yes_no(first)?,
        "daemonize" => cfg.daemonize = yes_no(first)?,
        "dir" => cfg.dir = non_empty(first),
        "logfile" => cfg.logfile = non_empty(first),
        "pidfile" => cfg.pidfile = non_empty(first),
        "requirepass" => cfg.requirepass = non_empty(first),
        "aclfile" => cfg.aclfile = non_empty(first),
        "loglevel" => {
            cfg.loglevel = LogLevel::parse(first).ok_or_else(|| {
                "argument(s) must be one of the following: debug, verbose, notice, warning"
                    .to_string()
            })?
        }
        // The range makes the cast lossless.
        "maxclients" => cfg.maxclients = bounded(first, 1, i64::from(u32::MAX))? as u32,
        "user" => {
            check_user(cfg, args)?;
            cfg.users.push(args.to_vec());
        }
        // Sentinel sets hz itself every tick and never persists it (sentinelFlushConfig);
        // validated, then dropped.
        "hz" => {
            bounded(first, 0, i64::from(i32::MAX))?;
        }
        // Never written back in sentinel mode (rewriteConfigSaveOption): accepted, dropped.
        "save" => {}
        // Kept verbatim (see `tls.rs`), but a bad value is fatal at load as in Redis.
        "tls-port" => {
            bounded(first, 0, 65535)?;
            keep(cfg, name, args);
        }
        "tls-replication" | "tls-cluster" | "tls-prefer-server-ciphers" | "tls-session-caching" => {
            yes_no(first)?;
            keep(cfg, name, args);
        }
        "tls-auth-clients" => {
            AuthClients::parse(first).ok_or_else(|| {
                "argument(s) must be one of the following: no, yes, optional".to_string()
            })?;
            keep(cfg, name, args);
        }
        // Kept verbatim (the driver reads it through `ServerConfig::unixsocketperm`).
        "unixsocketperm" => {
            parse_octal_perm(first)?;
            keep(cfg, name, args);
        }
        // Kept verbatim too (the driver reads it through `ServerConfig::supervised`).
        "supervised" => {
            Supervised::parse(first).ok_or_else(|| {
                "argument(s) must be one of the following: upstart, systemd, auto, no".to_string()
            })?;
            keep(cfg, name, args);
        }
        _ => keep(cfg, name, args),
    }
    Ok(())
}

/// A file mode in octal, 0 to 0777 (config.c octal configs).
pub(crate) fn parse_octal_perm(text: &str) -> Result<u32, String> {
    let value = u32::from_str_radix(text, 8)
        .ok()
        .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| "argument couldn't be parsed as an octal number".to_string())?;
    if value > 0o777 {
        return Err("argument must be between 0 and 777 inclusive".into());
    }
    Ok(value)
}

/// Redis's load-time check of a `user <name> <rules>...` line (`ACLAppendUserForLoading`): a
/// name declared twice, or a rule that is wrong in itself, is a fatal config error. A rule that
/// only names an unknown command or category passes here; start-up refuses it later, as Redis
/// does (see `Acl::load_configured_users`).
fn check_user(cfg: &ServerConfig, args: &[String]) -> Result<(), String> {
    let name = &args[0];
    let declaration = |word: &str, why: &str| format!("Error in user declaration '{word}': {why}");
    if cfg.users.iter().any(|u| u.first() == Some(name)) {
        return Err(declaration(
            name,
            "Duplicate user found. A user can only be defined once in config files",
        ));
    }
    let mut fake = User::new(name);
    for (j, op) in args[1..].iter().enumerate() {
        match fake.apply(op) {
            Ok(()) => {}
            Err(why) if why == UNKNOWN_NAME => {}
            Err(why) => {
                // Redis 7.0 names the word at the rule's index counted from the start of the
                // line (`user`, the name, then the rules), not the rule itself: `user alice on
                // bogus` says 'alice'. Operators and scripts see that text, so it is kept.
                let word = if j == 0 { "user" } else { &args[j - 1] };
                return Err(declaration(word, why));
            }
        }
    }
    Ok(())
}

/// Whether a later `name` line with `new` arguments replaces the earlier one with `old`.
/// Single-value directives: always. `rename-command` and `loadmodule` lines each do their own
/// thing, so Redis keeps them all. `client-output-buffer-limit` sets one client class per
/// group of four: a later line for the same class replaces the earlier one (`slave` is
/// `replica`); lines setting several classes at once are kept as they are. `user`, `bind`
/// and `save` are modelled apart.
fn replaces(name: &str, old: &[String], new: &[String]) -> bool {
    match name {
        "rename-command" | "loadmodule" => false,
        "client-output-buffer-limit" => {
            let class = |args: &[String]| match args {
                [class, _, _, _] if class.eq_ignore_ascii_case("slave") => Some("replica".into()),
                [class, _, _, _] => Some(class.to_ascii_lowercase()),
                _ => None,
            };
            class(old).is_some() && class(old) == class(new)
        }
        _ => true,
    }
}

/// Keeps an ordinary directive for the rewrite. A single-value directive given again (say in
/// the file and on the command line) replaces the earlier value where it stands, so the model
/// holds the effective value once and the rewrite writes one line in place of the first, as
/// Redis's `CONFIG REWRITE` does. An alias is kept under the config's own name, which the
/// rewrite writes (`slave-priority 5` becomes `replica-priority 5`, as in Redis).
fn keep(cfg: &mut ServerConfig, name: &str, args: &[String]) {
    let name = directives::canonical(name);
    if let Some((_, old)) = cfg
        .other
        .iter_mut()
        .find(|(n, old)| n == name && replaces(name, old, args))
    {
        *old = args.to_vec();
        return;
    }
    cfg.other.push((name.to_owned(), args.to_vec()));
}
