//! AUTH and HELLO against the sentinel's own ACL users.

use bytes::Bytes;

use super::{Sentinel, parse_int, syntax_error, text};
use crate::acl::log::Denial;
use crate::action::ClientId;
use crate::resp::{Frame, Protocol};
use crate::time::Instant;

/// The version HELLO and INFO report.
pub(crate) const REDIS_VERSION: &str = "7.0.15";

fn wrongpass() -> Frame {
    Frame::error("WRONGPASS invalid username-password pair or user is disabled.")
}

/// Whether a client name is acceptable (networking.c `validateClientName`).
pub(crate) fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

pub(crate) fn bad_client_name() -> Frame {
    Frame::error("ERR Client names cannot contain spaces, newlines or special characters.")
}

impl Sentinel {
    /// Authenticates `client` as `user`; the caller replies.
    fn authenticate(&mut self, now: Instant, client: ClientId, user: &[u8], pass: &[u8]) -> bool {
        let user = text(user);
        if self.front.acl.authenticate(&user, pass).is_err() {
            self.acl_denied(now, client, Denial::Auth, "AUTH", &user);
            return false;
        }
        if let Some(s) = self.front.clients.get_mut(client) {
            s.user = user;
            s.authenticated = true;
        }
        true
    }

    /// `AUTH [username] password`.
    pub(super) fn auth_command(&mut self, now: Instant, client: ClientId, args: &[Bytes]) -> Frame {
        if args.len() > 3 {
            return syntax_error();
        }
        let (user, pass) = if args.len() == 2 {
            if self.front.acl.default_user().is_some_and(|u| u.nopass) {
                return Frame::error(
                    "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
                );
            }
            (&b"default"[..], &args[1][..])
        } else {
            (&args[1][..], &args[2][..])
        };
        if self.authenticate(now, client, user, pass) {
            Frame::ok()
        } else {
            wrongpass()
        }
    }

    /// `HELLO [protover [AUTH user pass] [SETNAME name]]` (networking.c `helloCommand`): in
    /// sentinel mode the map has no `role` entry.
    ///
    /// As 7.0.15 does (seen on the real binary), the options take effect one by one in the
    /// order given: an `AUTH` authenticates at once and a `SETNAME` renames at once, even when
    /// a later option fails or the client turns out not to be authenticated; the first failing
    /// option is the error. Only the protocol switch waits for the whole command to succeed.
    pub(super) fn hello_command(
        &mut self,
        now: Instant,
        client: ClientId,
        args: &[Bytes],
    ) -> Frame {
        let mut version = None;
        let mut next = 1;
        if let Some(v) = args.get(1) {
            let Some(v) = parse_int(v) else {
                return Frame::error("ERR Protocol version is not an integer or out of range");
            };
            if !(2..=3).contains(&v) {
                return Frame::error("NOPROTO unsupported protocol version");
            }
            version = Some(v);
            next = 2;
        }
        let mut j = next;
        while j < args.len() {
            let more = args.len() - 1 - j;
            let opt = &args[j];
            if opt.eq_ignore_ascii_case(b"auth") && more >= 2 {
                if !self.authenticate(now, client, &args[j + 1], &args[j + 2]) {
                    return wrongpass();
                }
                j += 3;
            } else if opt.eq_ignore_ascii_case(b"setname") && more >= 1 {
                let name = &args[j + 1];
                if !valid_client_name(name) {
                    return bad_client_name();
                }
                if let Some(s) = self.front.clients.get_mut(client) {
                    s.name = (!name.is_empty()).then(|| name.clone());
                }
                j += 2;
            } else {
                return Frame::error(format!("ERR Syntax error in HELLO option '{}'", text(opt)));
            }
        }
        let Some(s) = self.front.clients.get_mut(client) else {
            return Frame::error("ERR no such client");
        };
        // The client's own state, not whether the default user is open now: 7.0.15 refuses
        // HELLO to a client that connected under a password even after `nopass`.
        if !s.authenticated {
            return Frame::error(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
            );
        }
        match version {
            Some(3) => s.protocol = Protocol::Resp3,
            Some(_) => s.protocol = Protocol::Resp2,
            None => {}
        }
        let proto = match s.protocol {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        };
        let id = i64::try_from(client.0).unwrap_or(i64::MAX);
        Frame::Map(vec![
            (Frame::bulk("server"), Frame::bulk("redis")),
            (Frame::bulk("version"), Frame::bulk(REDIS_VERSION)),
            (Frame::bulk("proto"), Frame::Integer(proto)),
            (Frame::bulk("id"), Frame::Integer(id)),
            (Frame::bulk("mode"), Frame::bulk("sentinel")),
            (Frame::bulk("modules"), Frame::Array(Vec::new())),
        ])
    }
}
