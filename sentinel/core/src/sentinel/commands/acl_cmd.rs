//! ACL and its 13 subcommands of 7.0 over the pure engine in `crate::acl`. With `aclfile`,
//! LOAD and SAVE hand the file IO to the driver (`Action::ReadAclFile` / `WriteAclFile`) and
//! answer when it reports back; the asking client's later commands wait until then, as behind
//! a synchronous command in Redis. Without `aclfile` they fail as Redis does.

use bytes::Bytes;

use super::state::AclFileOp;
use super::{Sentinel, help, parse_int, text};
use crate::acl::file;
use crate::acl::log::Denial;
use crate::action::{Action, ClientId};
use crate::command_table::{self, Resolved};
use crate::resp::Frame;
use crate::time::Instant;

const NO_ACLFILE: &str = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

impl Sentinel {
    /// Records a denial in the ACL log.
    pub(super) fn acl_denied(
        &mut self,
        now: Instant,
        client: ClientId,
        reason: Denial,
        object: &str,
        username: &str,
    ) {
        let info = self.client_line(now, client).unwrap_or_default();
        self.front
            .acl_log
            .record(now, reason, object, username, info);
    }

    pub(super) fn acl_command(
        &mut self,
        now: Instant,
        client: ClientId,
        args: &[Bytes],
    ) -> Option<Frame> {
        let sub = args[1].to_ascii_lowercase();
        let reply = match sub.as_slice() {
            b"setuser" => {
                let ops: Vec<String> = args[3..].iter().map(|a| text(a)).collect();
                match self.front.acl.set_user(&text(&args[2]), &ops) {
                    Ok(()) => Frame::ok(),
                    Err(e) => Frame::error(e),
                }
            }
            b"deluser" => {
                let names: Vec<String> = args[2..].iter().map(|a| text(a)).collect();
                let deleted = match self.front.acl.delete_users(&names) {
                    Ok(deleted) => deleted,
                    Err(e) => return Some(Frame::error(e)),
                };
                // Clients authenticated as a deleted user are disconnected (acl.c
                // `ACLFreeUserAndKillClients`).
                let victims: Vec<ClientId> = self
                    .front
                    .clients
                    .sessions
                    .iter()
                    .filter(|(_, s)| deleted.contains(&s.user))
                    .map(|(id, _)| *id)
                    .collect();
                let reply = Frame::Integer(i64::try_from(deleted.len()).unwrap_or(i64::MAX));
                self.respond(client, reply);
                self.kill_clients(&victims);
                return None;
            }
            b"getuser" => match self.front.acl.user(&text(&args[2])) {
                None => Frame::NullBulk,
                Some(u) => Frame::Map(vec![
                    (
                        Frame::bulk("flags"),
                        Frame::Array(u.flags().into_iter().map(Frame::bulk).collect()),
                    ),
                    (
                        Frame::bulk("passwords"),
                        Frame::Array(u.passwords.iter().map(Frame::bulk).collect()),
                    ),
                    (Frame::bulk("commands"), Frame::bulk(u.describe_commands())),
                    (Frame::bulk("keys"), Frame::bulk(u.describe_keys())),
                    (Frame::bulk("channels"), Frame::bulk(u.describe_channels())),
                    (Frame::bulk("selectors"), Frame::Array(Vec::new())),
                ]),
            },
            b"list" => Frame::Array(
                self.front
                    .acl
                    .users()
                    .map(|u| Frame::bulk(u.describe()))
                    .collect(),
            ),
            b"users" => Frame::Array(
                self.front
                    .acl
                    .users()
                    .map(|u| Frame::bulk(&u.name))
                    .collect(),
            ),
            b"whoami" => Frame::bulk(
                self.front
                    .clients
                    .get(client)
                    .map_or("default", |s| s.user.as_str()),
            ),
            b"cat" => match args.get(2) {
                None => Frame::Array(
                    command_table::ACL_CATEGORIES
                        .iter()
                        .map(Frame::bulk)
                        .collect(),
                ),
                Some(given) => {
                    // Looked up in any case; the error echoes the name as given (7.0.15).
                    let cat = text(given).to_ascii_lowercase();
                    if !command_table::ACL_CATEGORIES.contains(&cat.as_str()) {
                        return Some(Frame::error(format!(
                            "ERR Unknown category '{}'",
                            text(given)
                        )));
                    }
                    Frame::Array(
                        command_table::all_specs()
                            .into_iter()
                            .filter(|(spec, _)| spec.acl.contains(&cat.as_str()))
                            .map(|(spec, parent)| {
                                Frame::bulk(command_table::fullname(spec, parent))
                            })
                            .collect(),
                    )
                }
            },
            b"genpass" => {
                let bits = match args.get(2) {
                    None => 256,
                    Some(b) => match parse_int(b).filter(|v| (1..=4096).contains(v)) {
                        Some(v) => v as usize,
                        None => {
                            return Some(Frame::error(
                                "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096",
                            ));
                        }
                    },
                };
                let chars = bits.div_ceil(4);
                let mut s = String::with_capacity(chars + 16);
                while s.len() < chars {
                    s.push_str(&format!("{:016x}", self.front.rng.next_u64()));
                }
                s.truncate(chars);
                Frame::bulk(s)
            }
            b"log" => {
                let count = match args.get(2) {
                    None => 10,
                    Some(a) if a.eq_ignore_ascii_case(b"reset") => {
                        self.front.acl_log.reset();
                        return Some(Frame::ok());
                    }
                    Some(a) => match parse_int(a).and_then(|n| usize::try_from(n).ok()) {
                        Some(n) => n,
                        None => {
                            return Some(Frame::error(
                                "ERR value is out of range, must be positive",
                            ));
                        }
                    },
                };
                Frame::Array(
                    self.front
                        .acl_log
                        .latest(count)
                        .map(|e| {
                            let age = now.millis_since(e.created) as f64 / 1000.0;
                            Frame::Map(vec![
                                (
                                    Frame::bulk("count"),
                                    Frame::Integer(i64::try_from(e.count).unwrap_or(i64::MAX)),
                                ),
                                (Frame::bulk("reason"), Frame::bulk(e.reason.reason())),
                                (Frame::bulk("context"), Frame::bulk("toplevel")),
                                (Frame::bulk("object"), Frame::bulk(&e.object)),
                                (Frame::bulk("username"), Frame::bulk(&e.username)),
                                (Frame::bulk("age-seconds"), Frame::Double(age)),
                                (Frame::bulk("client-info"), Frame::bulk(&e.client_info)),
                            ])
                        })
                        .collect(),
                )
            }
            b"load" | b"save" => {
                let Some(path) = self.front.aclfile.clone() else {
                    return Some(Frame::error(NO_ACLFILE));
                };
                self.front.acl_file_token += 1;
                let token = self.front.acl_file_token;
                self.actions.push_back(if sub.as_slice() == b"load" {
                    Action::ReadAclFile {
                        token,
                        path: path.clone(),
                    }
                } else {
                    Action::WriteAclFile {
                        token,
                        path: path.clone(),
                        // What is saved is the users as they are now, at the command.
                        contents: file::render(&self.front.acl),
                    }
                });
                self.front
                    .acl_file_ops
                    .insert(token, AclFileOp { client, path });
                if let Some(s) = self.front.clients.get_mut(client) {
                    s.waits_for_acl_file = true;
                }
                return None;
            }
            b"dryrun" => self.acl_dryrun(args),
            b"help" => help::acl(),
            _ => super::unknown_command_error(args),
        };
        Some(reply)
    }

    /// The driver read the ACL file for `ACL LOAD` (or says why it could not). A file that
    /// loads replaces every user at once; one with any error changes nothing and the reply
    /// lists the errors (acl.c `ACLLoadFromFile`). On success every client logged in as a
    /// user other than `default` is disconnected, the asking one after its reply: 7.0.15
    /// frees all the old users, and with them their clients, even those whose user the file
    /// left unchanged (`ACLFreeUsersSet`); `default` is updated in place.
    pub fn handle_acl_file_read(
        &mut self,
        now: Instant,
        token: u64,
        contents: Result<&[u8], &str>,
    ) {
        let Some(op) = self.front.acl_file_ops.remove(&token) else {
            return;
        };
        let loaded = match contents {
            Ok(bytes) => file::parse(&op.path, &String::from_utf8_lossy(bytes)),
            Err(reason) => Err(file::open_error(&op.path, reason)),
        };
        let (reply, victims) = match loaded {
            Ok(acl) => {
                self.front.acl = acl;
                let victims: Vec<ClientId> = self
                    .front
                    .clients
                    .sessions
                    .iter()
                    .filter(|(_, s)| s.user != "default" && !s.killed)
                    .map(|(id, _)| *id)
                    .collect();
                (Frame::ok(), victims)
            }
            Err(errors) => (Frame::error(format!("ERR {errors}")), Vec::new()),
        };
        self.acl_file_done(now, op.client, reply, &victims);
    }

    /// The driver wrote the ACL file for `ACL SAVE` (`ok`) or failed (and logged why).
    pub fn handle_acl_file_written(&mut self, now: Instant, token: u64, ok: bool) {
        let Some(op) = self.front.acl_file_ops.remove(&token) else {
            return;
        };
        let reply = if ok {
            Frame::ok()
        } else {
            Frame::error(file::SAVE_FAILED)
        };
        self.acl_file_done(now, op.client, reply, &[]);
    }

    /// Answers the client whose ACL file operation is done, disconnects `victims`, then runs
    /// the commands the client sent meanwhile (unless it is one of them).
    fn acl_file_done(
        &mut self,
        now: Instant,
        client: ClientId,
        reply: Frame,
        victims: &[ClientId],
    ) {
        // A client gone (or going) meanwhile has nobody to answer; a loaded file still applies,
        // as it would have in Redis.
        let Some(session) = self.front.clients.get_mut(client).filter(|s| !s.killed) else {
            self.kill_clients(victims);
            return;
        };
        session.waits_for_acl_file = false;
        self.respond(client, reply);
        self.kill_clients(victims);
        self.run_deferred(now, client);
    }

    /// `ACL DRYRUN <user> <command> [args...]`.
    fn acl_dryrun(&self, args: &[Bytes]) -> Frame {
        let name = text(&args[2]);
        let Some(user) = self.front.acl.user(&name) else {
            return Frame::error(format!("ERR User '{name}' not found"));
        };
        let (spec, parent) = match command_table::resolve(&args[3..]) {
            Resolved::Found { spec, parent } => (spec, parent),
            _ => return Frame::error(format!("ERR Command '{}' not found", text(&args[3]))),
        };
        let full = command_table::fullname(spec, parent);
        if !spec.arity_ok(args.len() - 3) {
            return super::arity_error(&full);
        }
        if user.can_run(spec, parent) {
            Frame::ok()
        } else {
            Frame::bulk(format!(
                "This user has no permissions to run the '{full}' command"
            ))
        }
    }
}
