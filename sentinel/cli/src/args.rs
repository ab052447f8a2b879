//! Command line, the way `redis-server`/`redis-sentinel` read it (server.c `main`): an optional
//! config file first, then `--<directive> <args>...` groups that are applied after the file
//! as extra config lines. `--sentinel` only selects sentinel mode, which is all we are.

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(Args),
    Version,
    Help,
}

/// A run request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Args {
    pub config: Option<String>,
    /// Extra config lines built from `--name value...` groups, in order.
    pub overrides: Vec<String>,
}

/// Quotes an argument so the config tokenizer (`sdssplitargs` rules) reads it back verbatim.
fn quote(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('"');
    for c in arg.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parses the arguments after the program name.
pub fn parse(argv: &[String]) -> Command {
    match argv.first().map(String::as_str) {
        Some("-v" | "--version") => return Command::Version,
        Some("-h" | "--help") => return Command::Help,
        _ => {}
    }
    let mut args = Args::default();
    let mut rest = argv;
    if let Some(first) = argv.first()
        && !first.starts_with("--")
    {
        args.config = Some(first.clone());
        rest = &argv[1..];
    }
    let mut current: Option<String> = None;
    for arg in rest {
        if let Some(name) = arg.strip_prefix("--")
            && !name.is_empty()
        {
            if let Some(line) = current.take() {
                args.overrides.push(line);
            }
            if name != "sentinel" {
                current = Some(name.to_string());
            }
            continue;
        }
        match &mut current {
            Some(line) => {
                line.push(' ');
                line.push_str(&quote(arg));
            }
            // A value with no `--name` before it: Redis would treat it as part of the
            // options string too; keep it as its own line so the loader reports it.
            None => args.overrides.push(quote(arg)),
        }
    }
    if let Some(line) = current {
        args.overrides.push(line);
    }
    Command::Run(args)
}

pub const USAGE: &str = "Usage: sentinel /path/to/sentinel.conf [--port <port>] [--<directive> <args>...]\n       \
sentinel /path/to/sentinel.conf --sentinel\n       sentinel -v or --version\n       sentinel -h or --help";

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn config_then_overrides() {
        let cmd = parse(&argv(&[
            "sentinel.conf",
            "--port",
            "26380",
            "--sentinel",
            "--bind",
            "127.0.0.1",
            "::1",
        ]));
        assert_eq!(
            cmd,
            Command::Run(Args {
                config: Some("sentinel.conf".into()),
                overrides: vec!["port \"26380\"".into(), "bind \"127.0.0.1\" \"::1\"".into()],
            })
        );
    }

    #[test]
    fn debian_unit_arguments() {
        // redis-sentinel.service: `sentinel.conf --supervised systemd --daemonize no`.
        let cmd = parse(&argv(&[
            "/etc/redis/sentinel.conf",
            "--supervised",
            "systemd",
            "--daemonize",
            "no",
        ]));
        assert_eq!(
            cmd,
            Command::Run(Args {
                config: Some("/etc/redis/sentinel.conf".into()),
                overrides: vec!["supervised \"systemd\"".into(), "daemonize \"no\"".into()],
            })
        );
    }

    #[test]
    fn no_config() {
        assert_eq!(
            parse(&argv(&["--port", "1"])),
            Command::Run(Args {
                config: None,
                overrides: vec!["port \"1\"".into()],
            })
        );
        assert_eq!(parse(&[]), Command::Run(Args::default()));
    }

    #[test]
    fn version_help_and_quoting() {
        assert_eq!(parse(&argv(&["-v"])), Command::Version);
        assert_eq!(parse(&argv(&["--help"])), Command::Help);
        let Command::Run(a) = parse(&argv(&["c", "--logfile", "a \"b\"\\"])) else {
            panic!("expected run");
        };
        assert_eq!(a.overrides, vec!["logfile \"a \\\"b\\\"\\\\\"".to_string()]);
    }
}
