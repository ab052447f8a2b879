//! TLS for the client port (`tls-port`) and for every outgoing link (`tls-replication yes`),
//! configured from the same directives and files as Redis's OpenSSL contexts (`tls.c`
//! `tlsConfigure`), with rustls. Like Redis, an outgoing link checks the peer's certificate
//! chain against the CA but not the name in it: instances are dialled by the address a master
//! reports, not by a name a certificate could carry.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig,
    SignatureScheme, SupportedProtocolVersion,
};
use sentinel_core::config::{AuthClients, TlsSettings};

use crate::error::DriverError;

/// The contexts a sentinel with TLS runs with.
#[derive(Clone, Debug)]
pub struct TlsContexts {
    /// For clients on `tls-port`; `None` without one.
    pub server: Option<Arc<ServerConfig>>,
    /// For outgoing links; `None` unless `tls-replication yes`.
    pub client: Option<Arc<ClientConfig>>,
    /// Settings that were read but mean nothing to rustls, for the log.
    pub warnings: Vec<String>,
}

fn fail(message: impl Into<String>) -> DriverError {
    DriverError::Tls(message.into())
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the contexts the settings ask for; `Ok(None)` when TLS is not enabled. The messages
/// of the checks Redis makes are Redis's.
pub fn configure(t: &TlsSettings) -> Result<Option<TlsContexts>, DriverError> {
    if !t.enabled() {
        return Ok(None);
    }
    let cert_file = t
        .cert_file
        .as_deref()
        .ok_or_else(|| fail("No tls-cert-file configured!"))?;
    let key_file = t
        .key_file
        .as_deref()
        .ok_or_else(|| fail("No tls-key-file configured!"))?;
    let needs_ca = t.auth_clients != AuthClients::No || t.replication;
    if needs_ca && t.ca_cert_file.is_none() && t.ca_cert_dir.is_none() {
        return Err(fail(
            "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, \
             tls-replication or tls-auth-clients are enabled!",
        ));
    }
    if t.key_file_pass.is_some() || t.client_key_file_pass.is_some() {
        return Err(fail(
            "tls-key-file-pass / tls-client-key-file-pass: encrypted private keys are not \
             supported by this sentinel; give it an unencrypted key file",
        ));
    }
    let versions = protocol_versions(t.protocols.as_deref())?;
    let mut warnings = Vec::new();
    for (name, value) in [
        ("tls-ciphers", &t.ciphers),
        ("tls-ciphersuites", &t.ciphersuites),
    ] {
        if value.is_some() {
            warnings.push(format!(
                "{name} is not applied: OpenSSL cipher lists do not apply to this sentinel's \
                 TLS library, which offers only its own modern suites"
            ));
        }
    }
    let roots = if needs_ca {
        Some(Arc::new(load_roots(
            t.ca_cert_file.as_deref(),
            t.ca_cert_dir.as_deref(),
        )?))
    } else {
        None
    };

    let server = if t.port != 0 {
        let builder = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&versions)
            .map_err(|e| fail(format!("tls-protocols: {e}")))?;
        let builder = match (&roots, t.auth_clients) {
            (Some(roots), AuthClients::Yes | AuthClients::Optional) => {
                let mut v = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider());
                if t.auth_clients == AuthClients::Optional {
                    v = v.allow_unauthenticated();
                }
                let v = v
                    .build()
                    .map_err(|e| fail(format!("tls-ca-cert-file: {e}")))?;
                builder.with_client_cert_verifier(v)
            }
            _ => builder.with_no_client_auth(),
        };
        let config = builder
            .with_single_cert(load_certs(cert_file)?, load_key(key_file)?)
            .map_err(|e| fail(format!("{cert_file} / {key_file}: {e}")))?;
        Some(Arc::new(config))
    } else {
        None
    };

    let client = match &roots {
        Some(roots) if t.replication => {
            let cert = t.client_cert_file.as_deref().unwrap_or(cert_file);
            let key = t.client_key_file.as_deref().unwrap_or(key_file);
            let verifier = ChainOnly::new(roots.clone())?;
            let config = ClientConfig::builder_with_provider(provider())
                .with_protocol_versions(&versions)
                .map_err(|e| fail(format!("tls-protocols: {e}")))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_client_auth_cert(load_certs(cert)?, load_key(key)?)
                .map_err(|e| fail(format!("{cert} / {key}: {e}")))?;
            Some(Arc::new(config))
        }
        _ => None,
    };
    Ok(Some(TlsContexts {
        server,
        client,
        warnings,
    }))
}

/// `tls-protocols`: a space-separated list; both TLS 1.2 and 1.3 when unset.
fn protocol_versions(
    spec: Option<&str>,
) -> Result<Vec<&'static SupportedProtocolVersion>, DriverError> {
    let Some(spec) = spec else {
        return Ok(vec![&rustls::version::TLS13, &rustls::version::TLS12]);
    };
    let mut out: Vec<&'static SupportedProtocolVersion> = Vec::new();
    for word in spec.split_whitespace() {
        let v = match word.to_ascii_lowercase().as_str() {
            "tlsv1.3" => &rustls::version::TLS13,
            "tlsv1.2" => &rustls::version::TLS12,
            "tlsv1" | "tlsv1.1" => {
                return Err(fail(format!(
                    "tls-protocols: {word} is not supported by this sentinel (TLSv1.2 and \
                     TLSv1.3 are)"
                )));
            }
            _ => {
                return Err(fail(
                    "Invalid tls-protocols specified. Use a combination of 'TLSv1', \
                     'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.",
                ));
            }
        };
        if !out.iter().any(|o| o.version == v.version) {
            out.push(v);
        }
    }
    if out.is_empty() {
        return Err(fail("tls-protocols names no protocol"));
    }
    Ok(out)
}

fn load_certs(path: &str) -> Result<Vec<CertificateDer<'static>>, DriverError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| fail(format!("Failed to load certificate: {path}: {e}")))?;
    if certs.is_empty() {
        return Err(fail(format!(
            "Failed to load certificate: {path}: no certificate in it"
        )));
    }
    Ok(certs)
}

fn load_key(path: &str) -> Result<PrivateKeyDer<'static>, DriverError> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| fail(format!("Failed to load private key: {path}: {e}")))
}

/// Every certificate in `file` and in the files of `dir` (OpenSSL's hashed-name directories
/// hold PEM files; anything that is not one is skipped).
fn load_roots(file: Option<&str>, dir: Option<&str>) -> Result<RootCertStore, DriverError> {
    let mut roots = RootCertStore::empty();
    let mut add = |certs: Vec<CertificateDer<'static>>, from: &str| {
        for c in certs {
            roots
                .add(c)
                .map_err(|e| fail(format!("Failed to configure CA certificate(s) {from}: {e}")))?;
        }
        Ok::<(), DriverError>(())
    };
    if let Some(f) = file {
        add(load_certs(f)?, f)?;
    }
    if let Some(d) = dir {
        let entries = std::fs::read_dir(d)
            .map_err(|e| fail(format!("Failed to configure CA certificate(s) {d}: {e}")))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file()
                && let Some(p) = path.to_str()
                && let Ok(certs) = load_certs(p)
            {
                add(certs, p)?;
            }
        }
    }
    if roots.is_empty() {
        return Err(fail("Failed to configure CA certificate(s): none found"));
    }
    Ok(roots)
}

/// The peer name an outgoing link gives rustls: the dialled IP (no SNI is sent for an IP, as
/// Redis sends none).
pub(crate) fn peer_name(ip: std::net::IpAddr) -> ServerName<'static> {
    ServerName::IpAddress(ip.into())
}

/// Verifies a server's chain and signatures with webpki, accepting a certificate whose names
/// do not include the address dialled (OpenSSL's `SSL_VERIFY_PEER` without a host check).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ChainOnly {
    fn new(roots: Arc<RootCertStore>) -> Result<ChainOnly, DriverError> {
        let inner = WebPkiServerVerifier::builder_with_provider(roots, provider())
            .build()
            .map_err(|e| fail(format!("tls-ca-cert-file: {e}")))?;
        Ok(ChainOnly(inner))
    }
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the name only once the chain verified, so this error means the chain
        // is good.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(spec: Option<&str>) -> Result<Vec<u16>, String> {
        protocol_versions(spec)
            .map(|vs| vs.iter().map(|v| u16::from(v.version)).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn tls_protocols_table() {
        let both = Ok(vec![0x0304, 0x0303]);
        assert_eq!(versions(None), both);
        assert_eq!(versions(Some("TLSv1.3 tlsv1.2 TLSv1.3")), both);
        assert_eq!(versions(Some("TLSv1.2")), Ok(vec![0x0303]));
        assert!(
            versions(Some("TLSv1.1 TLSv1.2"))
                .unwrap_err()
                .contains("not supported")
        );
        assert!(
            versions(Some("SSLv3"))
                .unwrap_err()
                .starts_with("Invalid tls-protocols")
        );
        assert!(versions(Some("  ")).is_err());
    }

    #[test]
    fn settings_checks_in_redis_order() {
        let err = |t: &TlsSettings| configure(t).unwrap_err().to_string();
        assert!(configure(&TlsSettings::default()).unwrap().is_none());
        let mut t = TlsSettings {
            port: 26380,
            ..TlsSettings::default()
        };
        assert_eq!(err(&t), "No tls-cert-file configured!");
        t.cert_file = Some("c.crt".into());
        assert_eq!(err(&t), "No tls-key-file configured!");
        t.key_file = Some("c.key".into());
        assert!(err(&t).starts_with("Either tls-ca-cert-file or tls-ca-cert-dir"));
        t.auth_clients = AuthClients::No;
        t.key_file_pass = Some("x".into());
        assert!(err(&t).contains("encrypted private keys are not supported"));
        t.key_file_pass = None;
        assert!(err(&t).starts_with("Failed to load certificate: c.crt"));
        t.replication = true;
        assert!(err(&t).starts_with("Either tls-ca-cert-file or tls-ca-cert-dir"));
        t.ca_cert_dir = Some("/nonexistent-ca-dir".into());
        assert!(err(&t).starts_with("Failed to configure CA certificate(s) /nonexistent"));
    }
}
