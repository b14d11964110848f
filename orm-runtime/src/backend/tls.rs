//! TLS for PostgreSQL connections, from the URL's `sslmode` and `sslrootcert` with libpq's
//! meanings, over rustls (ring provider) through `tokio-postgres-rustls` (feature `tls`).
//!
//! | `sslmode` | TLS | certificate checked |
//! | --- | --- | --- |
//! | `disable` | never | — |
//! | `prefer` (default) | when the server accepts it, else plaintext | no; with a root certificate, the chain |
//! | `require` | always | no; with a root certificate, the chain (as libpq) |
//! | `verify-ca` | always | the chain, to the root certificate |
//! | `verify-full` | always | the chain and the host name |
//!
//! The root certificate, as libpq: `sslrootcert=PATH` (a PEM file), `sslrootcert=system`
//! (the system's trusted roots; only with `verify-full`), else `~/.postgresql/root.crt` if
//! it exists. `verify-*` without any of them is an error when the engine is built.
//!
//! One connector per engine, made when the engine is built (the root certificates are read
//! then), used for every connection and for every cancel request of those connections.

use crate::backend::url::SslMode;
use crate::error::{Error, Result};

/// How an engine's PostgreSQL connections (and their cancel requests) do TLS.
#[derive(Clone)]
pub(crate) struct PgTls {
    mode: SslMode,
    #[cfg(feature = "tls")]
    connector: Option<tokio_postgres_rustls::MakeRustlsConnect>,
}

impl std::fmt::Debug for PgTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTls").field("sslmode", &self.mode).finish_non_exhaustive()
    }
}

impl PgTls {
    /// The connector for `mode`, trusting the roots of `root_cert` (a PEM file, or `system`)
    /// when given. Fails when the roots cannot be read, or, without the `tls` feature, when
    /// the mode requires TLS.
    pub(crate) fn new(mode: SslMode, root_cert: Option<&str>) -> Result<PgTls> {
        #[cfg(feature = "tls")]
        {
            let connector = match mode {
                SslMode::Disable => None,
                _ => Some(imp::connector(mode, root_cert)?),
            };
            Ok(PgTls { mode, connector })
        }
        #[cfg(not(feature = "tls"))]
        {
            let _ = root_cert;
            if mode.requires_tls() {
                return Err(Error::Tls {
                    sslmode: mode.as_str(),
                    message: "this build has no TLS support (the `tls` feature of orm is off)".into(),
                });
            }
            Ok(PgTls { mode })
        }
    }

    /// Set the driver's own TLS mode for `self` (it negotiates; the connector verifies).
    pub(crate) fn configure(&self, config: &mut postgres::Config) {
        use postgres::config::SslMode as Driver;
        config.ssl_mode(match self.mode {
            SslMode::Disable => Driver::Disable,
            SslMode::Prefer => Driver::Prefer,
            _ => Driver::Require,
        });
    }

    /// Open a connection with `config` (already [`configured`](PgTls::configure)). Under
    /// `prefer`, a failed TLS handshake (a certificate that does not verify against a given
    /// root, a protocol the server does not share) is tried again in plaintext, as libpq
    /// does; the connection's cancel requests then go in plaintext too.
    pub(crate) fn connect(&self, config: &postgres::Config) -> std::result::Result<postgres::Client, postgres::Error> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.connector {
            return match config.connect(tls.clone()) {
                Err(e) if self.mode == SslMode::Prefer && handshake_failed(&e) => {
                    let mut plain = config.clone();
                    plain.ssl_mode(postgres::config::SslMode::Disable);
                    plain.connect(postgres::NoTls)
                }
                r => r,
            };
        }
        config.connect(postgres::NoTls)
    }

    /// Send a cancel request for `token`'s connection, with the same TLS as the connection.
    pub(crate) fn cancel(&self, token: &postgres::CancelToken) -> std::result::Result<(), postgres::Error> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.connector {
            return token.cancel_query(tls.clone());
        }
        token.cancel_query(postgres::NoTls)
    }

    /// The typed error for a connect that failed at TLS ([`Error::TlsRefused`],
    /// [`Error::Tls`]); any other failure is handed back.
    pub(crate) fn connect_error(&self, e: postgres::Error) -> std::result::Result<Error, postgres::Error> {
        let Some(cause) = std::error::Error::source(&e).filter(|_| is_tls_error(&e)) else { return Err(e) };
        if cause.to_string() == REFUSED {
            return Ok(Error::TlsRefused { sslmode: self.mode.as_str() });
        }
        if is_network_failure(cause) {
            // The network failed mid-handshake (a reset, an EOF): a disconnect the pool
            // retries, not a verdict on the TLS setting.
            return Err(e);
        }
        #[cfg(feature = "tls")]
        let message = match imp::hint(cause) {
            Some(hint) => format!("{cause}: {hint}"),
            None => cause.to_string(),
        };
        #[cfg(not(feature = "tls"))]
        let message = cause.to_string();
        Ok(Error::Tls { sslmode: self.mode.as_str(), message })
    }
}

/// An I/O error that carries no TLS library error: the connection broke during the
/// handshake, nothing about certificates or protocol was decided.
fn is_network_failure(cause: &(dyn std::error::Error + 'static)) -> bool {
    let Some(io) = cause.downcast_ref::<std::io::Error>() else { return false };
    #[cfg(feature = "tls")]
    if io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
        return false;
    }
    #[cfg(not(feature = "tls"))]
    let _ = io;
    true
}

/// The driver's cause when the server answers the TLS request with "no".
const REFUSED: &str = "server does not support TLS";

/// The driver reports a refusal and a failed handshake alike, as its TLS kind:
/// "error performing TLS handshake: <cause>".
fn is_tls_error(e: &postgres::Error) -> bool {
    e.to_string().starts_with("error performing TLS handshake")
}

/// A TLS handshake that started and failed (not a refusal).
#[cfg(feature = "tls")]
fn handshake_failed(e: &postgres::Error) -> bool {
    is_tls_error(e) && std::error::Error::source(e).is_some_and(|cause| cause.to_string() != REFUSED)
}

#[cfg(feature = "tls")]
mod imp {
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::client::WebPkiServerVerifier;
    use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
    use tokio_postgres_rustls::MakeRustlsConnect;

    use crate::backend::url::SslMode;
    use crate::error::{Error, Result};

    /// The rustls connector for `mode`.
    pub(super) fn connector(mode: SslMode, root_cert: Option<&str>) -> Result<MakeRustlsConnect> {
        let fail = |message: String| Error::Tls { sslmode: mode.as_str(), message };
        // The ring provider, named here rather than installed process-wide: nothing depends
        // on which provider another crate of the program installs. rustls 0.23.48 deprecates
        // it for lacking post-quantum key exchange; aws-lc-rs has that, but builds a large C
        // library (cmake-era build times on a 2-core machine) for a key exchange PostgreSQL
        // servers do not negotiate by default. Revisit when ring gains ML-KEM.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        // libpq's default root file.
        let home_root = std::env::var_os("HOME")
            .map(|home| std::path::Path::new(&home).join(".postgresql/root.crt"))
            .filter(|p| p.is_file())
            .map(|p| p.to_string_lossy().into_owned());
        let root_cert = root_cert.or(home_root.as_deref());
        // libpq: `require` (and `prefer`) verify the chain when a root certificate is given.
        let verify_chain = matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) || root_cert.is_some();
        let verifier: Arc<dyn ServerCertVerifier> = if verify_chain {
            let roots = Arc::new(roots(root_cert).map_err(fail)?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| fail(e.to_string()))?;
            match mode {
                SslMode::VerifyFull => webpki,
                _ => Arc::new(ChainOnly(webpki)),
            }
        } else {
            Arc::new(EncryptOnly(provider.clone()))
        };
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| fail(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        // What libpq 17 sends; required by servers for `sslnegotiation=direct`.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        Ok(MakeRustlsConnect::new(config))
    }

    /// The trusted roots: the certificates of the PEM file `root_cert`, or the system's for
    /// `system`.
    fn roots(root_cert: Option<&str>) -> std::result::Result<RootCertStore, String> {
        let mut roots = RootCertStore::empty();
        match root_cert {
            None => {
                return Err("no root certificate to verify the server's against: give the server's CA as \
                            sslrootcert=PATH, or sslrootcert=system (with sslmode=verify-full) for the system's \
                            trusted roots (libpq's default, ~/.postgresql/root.crt, does not exist)"
                    .into())
            }
            Some(path) if path != "system" => {
                let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                    .and_then(|it| it.collect())
                    .map_err(|e| format!("cannot read sslrootcert `{path}`: {e}"))?;
                for cert in certs {
                    roots.add(cert).map_err(|e| format!("sslrootcert `{path}`: {e}"))?;
                }
                if roots.is_empty() {
                    return Err(format!("sslrootcert `{path}` holds no certificate"));
                }
            }
            Some(_) => {
                let found = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(found.certs);
                if roots.is_empty() {
                    return Err("sslrootcert=system, but no trusted root certificates were found on this system".into());
                }
            }
        }
        Ok(roots)
    }

    /// A hint for the common certificate failures.
    pub(super) fn hint(cause: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
        let io = cause.downcast_ref::<std::io::Error>()?;
        match io.get_ref()?.downcast_ref::<rustls::Error>()? {
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
                Some("the certificate does not lead to a trusted root; give the server's CA as sslrootcert=PATH")
            }
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => {
                Some("the certificate does not name the host connected to (verify-full checks it; verify-ca does not)")
            }
            _ => None,
        }
    }

    /// `require` / `prefer` without `sslrootcert`: encrypt, accept any certificate (the
    /// handshake's signatures are still checked against the certificate's key).
    #[derive(Debug)]
    struct EncryptOnly(Arc<CryptoProvider>);

    impl ServerCertVerifier for EncryptOnly {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> std::result::Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    /// `verify-ca`: the chain must lead to a trusted root; the host name is not checked.
    /// webpki checks the chain first and the name last, so a name error means the chain
    /// verified.
    #[derive(Debug)]
    struct ChainOnly(Arc<WebPkiServerVerifier>);

    impl ServerCertVerifier for ChainOnly {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp_response: &[u8],
            now: UnixTime,
        ) -> std::result::Result<ServerCertVerified, rustls::Error> {
            match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
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
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            self.0.verify_tls12_signature(message, cert, dss)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            self.0.verify_tls13_signature(message, cert, dss)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.supported_verify_schemes()
        }
    }
}
