//! Between the config model and the client-facing state: the global options SENTINEL CONFIG
//! changes, `requirepass` and the `user` lines in at start-up, and back out for the rewrite
//! (config.c `rewriteConfigUserOption`, sentinel.c `rewriteConfigSentinelOption`).

use crate::config::ConfigFile;

use super::{Sentinel, SentinelOptions};

impl Sentinel {
    /// Takes the options, `requirepass` and `user` lines of a loaded file. `user` lines are
    /// applied after `requirepass`, as Redis loads configured users after the config, so a
    /// `user default ...` line wins. The error names the first bad rule as Redis logs it
    /// (the driver refuses to start on it before any shard runs).
    pub fn apply_client_config(&mut self, cfg: &ConfigFile) -> Result<(), String> {
        let s = &cfg.sentinel;
        self.front.options = SentinelOptions {
            resolve_hostnames: s.resolve_hostnames,
            announce_hostnames: s.announce_hostnames,
            announce_port: s.announce_port,
            sentinel_user: s.sentinel_user.clone(),
            sentinel_pass: s.sentinel_pass.clone(),
            deny_scripts_reconfig: s.deny_scripts_reconfig,
        };
        if s.announce_ip.is_some() {
            self.params.announce_ip = s.announce_ip.clone();
        }
        self.front.listen_port = cfg.server.peer_port();
        self.front.protected_mode = cfg.server.protected_mode;
        // Hellos carry `announce-port`, else the port peers reach us on.
        self.params.port = if s.announce_port != 0 {
            s.announce_port
        } else {
            self.front.listen_port
        };
        self.set_requirepass(cfg.server.requirepass.as_deref().unwrap_or(""));
        self.front.aclfile = cfg.server.aclfile.clone();
        // With `aclfile` the users come from the file (`acl::file::parse`, then `acl_mut`);
        // Redis refuses to start with `user` lines too, which the binary checks.
        if self.front.aclfile.is_some() {
            return Ok(());
        }
        self.front.acl.load_configured_users(&cfg.server.users)
    }

    /// Writes the runtime options and the ACL users into a snapshot about to be rewritten.
    pub fn snapshot_client_config(&self, out: &mut ConfigFile) {
        let o = &self.front.options;
        let s = &mut out.sentinel;
        s.resolve_hostnames = o.resolve_hostnames;
        s.announce_hostnames = o.announce_hostnames;
        s.announce_port = o.announce_port;
        s.sentinel_user = o.sentinel_user.clone();
        s.sentinel_pass = o.sentinel_pass.clone();
        s.deny_scripts_reconfig = o.deny_scripts_reconfig;
        s.announce_ip = self.params.announce_ip.clone();
        if out.server.aclfile.is_none() {
            out.server.users = self
                .front
                .acl
                .users()
                .map(|u| {
                    u.describe()
                        .split(' ')
                        .skip(1)
                        .map(str::to_string)
                        .collect()
                })
                .collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{reply, reply_as, sentinel};
    use crate::config::ConfigFile;
    use crate::resp::Frame;

    #[test]
    fn options_users_and_requirepass_round_trip() {
        let mut cfg = ConfigFile::default();
        cfg.server.requirepass = Some("rp".into());
        cfg.server.users = vec![
            vec!["admin".into(), "on".into(), ">pw".into(), "+@all".into()],
            vec!["bad".into(), "+nosuch".into()],
        ];
        cfg.sentinel.resolve_hostnames = true;
        cfg.sentinel.deny_scripts_reconfig = false;
        cfg.sentinel.sentinel_pass = Some("sp".into());
        let mut s = sentinel();
        assert_eq!(
            s.apply_client_config(&cfg),
            Err("Error loading ACL rule '+nosuch' for the user named 'bad': Unknown command or category name in ACL".into())
        );
        cfg.server.users.pop();
        let mut s = sentinel();
        s.apply_client_config(&cfg).unwrap();
        assert!(s.options().resolve_hostnames && !s.options().deny_scripts_reconfig);
        assert_eq!(s.params.port, 26379);
        assert_eq!(
            reply(&mut s, &["PING"]),
            Frame::error("NOAUTH Authentication required.")
        );
        assert_eq!(reply(&mut s, &["AUTH", "admin", "pw"]), Frame::ok());
        assert_eq!(reply_as(&mut s, 2, &["AUTH", "rp"]), Frame::ok());
        reply(
            &mut s,
            &["SENTINEL", "CONFIG", "SET", "announce-port", "26999"],
        );
        let mut out = cfg.clone();
        s.snapshot_client_config(&mut out);
        assert_eq!(out.sentinel.announce_port, 26999);
        assert_eq!(s.params.port, 26999);
        assert_eq!(out.sentinel.sentinel_pass.as_deref(), Some("sp"));
        assert_eq!(out.server.users.len(), 2);
        assert_eq!(out.server.users[0][0], "admin");
        assert!(out.server.users[0].iter().any(|t| t.starts_with('#')));
        assert_eq!(out.server.users[1][..2], ["default", "on"]);
        assert!(out.server.users[1][2].starts_with('#'));
        // Loading the snapshot again gives the same users.
        let mut again = sentinel();
        again.apply_client_config(&out).unwrap();
        assert_eq!(reply(&mut again, &["AUTH", "admin", "pw"]), Frame::ok());
        let mut out2 = out.clone();
        again.snapshot_client_config(&mut out2);
        // A loaded line is applied after `reset`, which adds sanitize-payload (redis-server
        // 7.0.15 does the same), so the default user gains it once; after that it is stable.
        assert_eq!(out2.server.users[0], out.server.users[0]);
        assert_eq!(
            out2.server.users[1][..3],
            ["default", "on", "sanitize-payload"]
        );
        let mut third = sentinel();
        third.apply_client_config(&out2).unwrap();
        let mut out3 = out2.clone();
        third.snapshot_client_config(&mut out3);
        assert_eq!(out3.server.users, out2.server.users);
    }

    #[test]
    fn hellos_carry_the_tls_port_when_links_are_tls() {
        let mut cfg = ConfigFile::default();
        cfg.server.port = 20001;
        for (k, v) in [("tls-port", "20000"), ("tls-replication", "yes")] {
            cfg.server.other.push((k.into(), vec![v.into()]));
        }
        let mut s = sentinel();
        s.apply_client_config(&cfg).unwrap();
        assert_eq!(s.params.port, 20000);
        let set = |s: &mut crate::Sentinel, port: &str| {
            reply(s, &["SENTINEL", "CONFIG", "SET", "announce-port", port])
        };
        assert_eq!(set(&mut s, "26999"), Frame::ok());
        assert_eq!(s.params.port, 26999);
        // Unsetting announce-port goes back to the TLS port, not the plain one.
        assert_eq!(set(&mut s, "0"), Frame::ok());
        assert_eq!(s.params.port, 20000);
    }

    #[test]
    fn with_an_aclfile_users_are_neither_loaded_from_nor_written_to_the_config() {
        let mut cfg = ConfigFile::default();
        cfg.server.aclfile = Some("users.acl".into());
        cfg.server.users = vec![vec!["bob".into(), "on".into(), "nopass".into()]];
        let mut s = sentinel();
        s.apply_client_config(&cfg).unwrap();
        assert!(s.acl().user("bob").is_none());
        assert_eq!(
            reply(&mut s, &["ACL", "SETUSER", "carol", "on", "nopass"]),
            Frame::ok()
        );
        let mut out = cfg.clone();
        out.server.users.clear();
        s.snapshot_client_config(&mut out);
        assert!(out.server.users.is_empty(), "{:?}", out.server.users);
    }
}
