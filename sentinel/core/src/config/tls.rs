//! The TLS directives a sentinel uses (Redis `tls.c`, `config.c`). They stay verbatim in
//! [`ServerConfig::other`] so a rewrite writes them back as given; the loader validates their
//! values (see `server.rs`) and [`ServerConfig::tls`] reads them out for the driver, which
//! builds the TLS contexts from the files they name.

use super::model::ServerConfig;

/// `tls-auth-clients`: whether a TLS client must present a certificate the CA signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthClients {
    #[default]
    Yes,
    No,
    /// A client may present none; one it presents must verify.
    Optional,
}

impl AuthClients {
    /// Parses the file spelling (case-insensitive, as Redis enum configs are).
    pub fn parse(s: &str) -> Option<AuthClients> {
        [
            ("yes", AuthClients::Yes),
            ("no", AuthClients::No),
            ("optional", AuthClients::Optional),
        ]
        .into_iter()
        .find_map(|(name, v)| name.eq_ignore_ascii_case(s).then_some(v))
    }
}

/// What the `tls-*` directives say.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsSettings {
    /// `tls-port`: the TLS client port; 0 = none.
    pub port: u16,
    /// `tls-replication yes`: every outgoing link (masters, replicas, other sentinels) is TLS.
    pub replication: bool,
    pub auth_clients: AuthClients,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub key_file_pass: Option<String>,
    /// The certificate shown on outgoing links; `cert_file` when unset.
    pub client_cert_file: Option<String>,
    pub client_key_file: Option<String>,
    pub client_key_file_pass: Option<String>,
    pub ca_cert_file: Option<String>,
    pub ca_cert_dir: Option<String>,
    /// `tls-protocols`, e.g. `"TLSv1.2 TLSv1.3"`; `None` = both.
    pub protocols: Option<String>,
    /// `tls-ciphers` / `tls-ciphersuites`: OpenSSL cipher lists, which only mean something
    /// to OpenSSL; kept so the driver can say it does not apply them.
    pub ciphers: Option<String>,
    pub ciphersuites: Option<String>,
}

impl TlsSettings {
    /// Redis configures TLS at start-up when it listens on a TLS port or dials out with TLS.
    pub fn enabled(&self) -> bool {
        self.port != 0 || self.replication
    }
}

impl ServerConfig {
    /// The port other sentinels reach this one on when `announce-port` is not set
    /// (sentinel.c `sentinelSendHello`): the TLS port when links are TLS, else `port`.
    pub fn peer_port(&self) -> u16 {
        let t = self.tls();
        if t.replication && t.port != 0 {
            t.port
        } else {
            self.port
        }
    }

    /// The TLS settings; for a directive given twice the last one wins, as in Redis.
    pub fn tls(&self) -> TlsSettings {
        let mut t = TlsSettings::default();
        for (name, args) in &self.other {
            let Some(v) = args.first() else { continue };
            let text = (!v.is_empty()).then(|| v.clone());
            match name.as_str() {
                "tls-port" => t.port = v.parse().unwrap_or(0),
                "tls-replication" => t.replication = v.eq_ignore_ascii_case("yes"),
                "tls-auth-clients" => t.auth_clients = AuthClients::parse(v).unwrap_or_default(),
                "tls-cert-file" => t.cert_file = text,
                "tls-key-file" => t.key_file = text,
                "tls-key-file-pass" => t.key_file_pass = text,
                "tls-client-cert-file" => t.client_cert_file = text,
                "tls-client-key-file" => t.client_key_file = text,
                "tls-client-key-file-pass" => t.client_key_file_pass = text,
                "tls-ca-cert-file" => t.ca_cert_file = text,
                "tls-ca-cert-dir" => t.ca_cert_dir = text,
                "tls-protocols" => t.protocols = text,
                "tls-ciphers" => t.ciphers = text,
                "tls-ciphersuites" => t.ciphersuites = text,
                _ => {}
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LoadOptions, load};

    fn settings(text: &str) -> TlsSettings {
        load(text, &LoadOptions::permissive())
            .expect("loads")
            .server
            .tls()
    }

    #[test]
    fn off_by_default() {
        let t = settings("port 26379\n");
        assert_eq!(t, TlsSettings::default());
        assert!(!t.enabled());
    }

    #[test]
    fn reads_every_directive_last_wins() {
        let t = settings(
            "tls-port 1\ntls-port 26380\ntls-replication yes\ntls-auth-clients optional\n\
             tls-cert-file s.crt\ntls-key-file s.key\ntls-client-cert-file c.crt\n\
             tls-client-key-file c.key\ntls-ca-cert-file ca.crt\ntls-ca-cert-dir /etc/ca\n\
             tls-protocols \"TLSv1.2 TLSv1.3\"\ntls-ciphers DEFAULT\n",
        );
        assert_eq!(t.port, 26380);
        assert!(t.replication && t.enabled());
        assert_eq!(t.auth_clients, AuthClients::Optional);
        assert_eq!(t.cert_file.as_deref(), Some("s.crt"));
        assert_eq!(t.key_file.as_deref(), Some("s.key"));
        assert_eq!(t.client_cert_file.as_deref(), Some("c.crt"));
        assert_eq!(t.client_key_file.as_deref(), Some("c.key"));
        assert_eq!(t.ca_cert_file.as_deref(), Some("ca.crt"));
        assert_eq!(t.ca_cert_dir.as_deref(), Some("/etc/ca"));
        assert_eq!(t.protocols.as_deref(), Some("TLSv1.2 TLSv1.3"));
        assert_eq!(t.ciphers.as_deref(), Some("DEFAULT"));
    }

    #[test]
    fn replication_alone_enables_tls() {
        let t = settings("tls-replication yes\n");
        assert!(t.enabled());
        assert_eq!(t.port, 0);
    }

    #[test]
    fn peers_reach_the_tls_port_only_when_links_are_tls() {
        let port = |text: &str| {
            load(text, &LoadOptions::permissive())
                .expect("loads")
                .server
                .peer_port()
        };
        assert_eq!(port("port 26379\n"), 26379);
        assert_eq!(port("port 26379\ntls-port 26380\n"), 26379);
        assert_eq!(
            port("port 26379\ntls-port 26380\ntls-replication yes\n"),
            26380
        );
        assert_eq!(port("port 26379\ntls-replication yes\n"), 26379);
    }

    #[test]
    fn empty_strings_are_unset() {
        let t = settings("tls-cert-file \"\"\n");
        assert_eq!(t.cert_file, None);
    }
}
