//! COMMAND and its 7 subcommands, answered from the 7.0.15 sentinel command table.

use bytes::Bytes;

use super::{Sentinel, help, syntax_error, text};
use crate::acl::glob::glob_match;
use crate::command_table::{self, CommandSpec, Resolved};
use crate::resp::Frame;

fn status(s: &str) -> Frame {
    Frame::Simple(Bytes::copy_from_slice(s.as_bytes()))
}

/// One `COMMAND INFO` entry: name, arity, flags, first key, last key, step, ACL categories,
/// tips, key specs, subcommands.
fn info_entry(spec: &CommandSpec, parent: Option<&CommandSpec>) -> Frame {
    Frame::Array(vec![
        Frame::bulk(command_table::fullname(spec, parent)),
        Frame::Integer(i64::from(spec.arity)),
        Frame::Set(spec.flags.iter().map(|f| status(f)).collect()),
        Frame::Integer(0),
        Frame::Integer(0),
        Frame::Integer(0),
        Frame::Set(spec.acl.iter().map(|c| status(&format!("@{c}"))).collect()),
        Frame::Set(Vec::new()),
        Frame::Set(Vec::new()),
        Frame::Array(
            spec.subcommands
                .iter()
                .map(|s| info_entry(s, Some(spec)))
                .collect(),
        ),
    ])
}

/// One `COMMAND DOCS` entry: summary, since, group, and the subcommands' docs.
fn docs_entry(spec: &CommandSpec, parent: Option<&CommandSpec>) -> Frame {
    let mut m = vec![
        (Frame::bulk("summary"), Frame::bulk(spec.summary)),
        (Frame::bulk("since"), Frame::bulk(spec.since)),
        (Frame::bulk("group"), Frame::bulk(spec.group)),
    ];
    if !spec.subcommands.is_empty() {
        m.push((
            Frame::bulk("subcommands"),
            Frame::Map(
                spec.subcommands
                    .iter()
                    .map(|s| {
                        (
                            Frame::bulk(command_table::fullname(s, Some(spec))),
                            docs_entry(s, Some(spec)),
                        )
                    })
                    .collect(),
            ),
        ));
    }
    if let Some(p) = parent {
        m.push((Frame::bulk("container"), Frame::bulk(p.name)));
    }
    Frame::Map(m)
}

impl Sentinel {
    pub(super) fn command_command(&self, args: &[Bytes]) -> Frame {
        if args.len() == 1 {
            return Frame::Array(
                command_table::COMMANDS
                    .iter()
                    .map(|c| info_entry(c, None))
                    .collect(),
            );
        }
        match args[1].to_ascii_lowercase().as_slice() {
            b"count" => Frame::Integer(command_table::COMMANDS.len() as i64),
            b"list" => command_list(args),
            b"info" => {
                if args.len() == 2 {
                    return self.command_command(&args[..1]);
                }
                Frame::Array(
                    args[2..]
                        .iter()
                        .map(|n| match command_table::lookup_fullname(n) {
                            Some((spec, parent)) => info_entry(spec, parent),
                            // `$-1` in RESP2 (`_` in RESP3), as 7.0.15 replies.
                            None => Frame::NullBulk,
                        })
                        .collect(),
                )
            }
            b"docs" => {
                let specs: Vec<(&CommandSpec, Option<&CommandSpec>)> = if args.len() == 2 {
                    command_table::COMMANDS.iter().map(|c| (c, None)).collect()
                } else {
                    args[2..]
                        .iter()
                        .filter_map(|n| command_table::lookup_fullname(n))
                        .collect()
                };
                Frame::Map(
                    specs
                        .into_iter()
                        .map(|(s, p)| {
                            (Frame::bulk(command_table::fullname(s, p)), docs_entry(s, p))
                        })
                        .collect(),
                )
            }
            // No sentinel command has keys, and 7.0.15 says so before it looks at the
            // command's arity (`COMMAND GETKEYS role x` is "no key arguments").
            b"getkeys" | b"getkeysandflags" => match command_table::resolve(&args[2..]) {
                Resolved::Found { .. } => Frame::error("ERR The command has no key arguments"),
                _ => Frame::error("ERR Invalid command specified"),
            },
            b"help" => help::command(),
            _ => super::unknown_command_error(args),
        }
    }
}

/// `COMMAND LIST [FILTERBY MODULE <name> | ACLCAT <category> | PATTERN <pattern>]`.
fn command_list(args: &[Bytes]) -> Frame {
    let names = |keep: &dyn Fn(&CommandSpec, &str) -> bool| {
        Frame::Array(
            command_table::all_specs()
                .into_iter()
                .filter_map(|(spec, parent)| {
                    let full = command_table::fullname(spec, parent);
                    keep(spec, &full).then(|| Frame::bulk(full))
                })
                .collect(),
        )
    };
    match args.len() {
        2 => names(&|_, _| true),
        5 if args[2].eq_ignore_ascii_case(b"filterby") => {
            let value = args[4].clone();
            match args[3].to_ascii_lowercase().as_slice() {
                b"module" => Frame::Array(Vec::new()),
                b"aclcat" => {
                    let cat = text(&value).to_ascii_lowercase();
                    names(&|spec, _| spec.acl.contains(&cat.as_str()))
                }
                b"pattern" => names(&|_, full| glob_match(&value, full.as_bytes(), true)),
                _ => syntax_error(),
            }
        }
        _ => syntax_error(),
    }
}
