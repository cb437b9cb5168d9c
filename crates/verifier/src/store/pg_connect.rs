//! How the PostgreSQL store reaches its database without weakening what the
//! verifier promises.
//!
//! - Durability: an outcome is reported only after its commit, which means
//!   nothing if the server acknowledges commits before they are on disk.
//!   `synchronous_commit = off` does exactly that, so every new connection
//!   checks it and the store refuses to work over one that has it off.
//!   (`local` is accepted: the commit is on the primary's disk; with
//!   synchronous replicas, `on` or `remote_apply` also survive a failover.)
//! - Transport: credential ids, audit rows and sealed seeds cross the
//!   network. A database on another host must be reached over TLS
//!   (`sslmode=require`), with the server certificate verified (rustls,
//!   against the public web roots, or only the CA in `MOBIPASS_PG_CA_FILE`).
//!   Without `sslmode=require` only a loopback address or a Unix socket is
//!   accepted.

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use deadpool_postgres::{HookError, Manager, ManagerConfig, RecyclingMethod};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres::NoTls;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::VerifierError;

/// Environment variable naming a PEM file of the CA(s) that sign the
/// database server's certificate; when set, only these are trusted.
pub const PG_CA_FILE_ENV: &str = "MOBIPASS_PG_CA_FILE";

/// The pool's connection manager for `url`, with TLS when the URL asks for
/// it, after refusing a remote host without TLS.
pub(crate) fn manager(url: &str) -> Result<Manager, VerifierError> {
    let config = tokio_postgres::Config::from_str(url)
        .map_err(|_| VerifierError::InvalidInput("not a valid postgres:// URL".into()))?;
    let recycling = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    if config.get_ssl_mode() == SslMode::Require {
        return Ok(Manager::from_config(config, rustls_connector()?, recycling));
    }
    if !is_on_this_machine(&config) {
        return Err(VerifierError::InvalidInput(
            "the database is on another host and the URL does not ask for TLS: add \
             sslmode=require (the server certificate is verified against the public web \
             roots, or against the CA file named by MOBIPASS_PG_CA_FILE)"
                .into(),
        ));
    }
    Ok(Manager::from_config(config, NoTls, recycling))
}

/// Whether every address the URL names is a loopback address or a Unix socket.
fn is_on_this_machine(config: &tokio_postgres::Config) -> bool {
    // `hostaddr` overrides `host` for where the connection goes.
    let addresses = config.get_hostaddrs();
    if !addresses.is_empty() {
        return addresses.iter().all(IpAddr::is_loopback);
    }
    config.get_hosts().iter().all(|host| match host {
        Host::Tcp(name) => {
            name.eq_ignore_ascii_case("localhost")
                || name
                    .trim_matches(|c| c == '[' || c == ']')
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    })
}

fn tls_error(what: &str, detail: impl std::fmt::Display) -> VerifierError {
    VerifierError::Storage(format!("TLS to PostgreSQL: {what}: {detail}"))
}

fn rustls_connector() -> Result<MakeRustlsConnect, VerifierError> {
    let mut roots = rustls::RootCertStore::empty();
    match std::env::var_os(PG_CA_FILE_ENV) {
        Some(path) => {
            let shown = std::path::Path::new(&path).display().to_string();
            for cert in CertificateDer::pem_file_iter(&path)
                .map_err(|e| tls_error(&format!("cannot read {shown}"), e))?
            {
                let cert = cert.map_err(|e| tls_error(&format!("cannot parse {shown}"), e))?;
                roots
                    .add(cert)
                    .map_err(|e| tls_error(&format!("unusable CA in {shown}"), e))?;
            }
            if roots.is_empty() {
                return Err(tls_error(&shown, "holds no certificate"));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("setup", e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// Refuses a connection whose commits are acknowledged before they are durable.
pub(crate) async fn check_durable(client: &tokio_postgres::Client) -> Result<(), HookError> {
    let setting: String = client
        .query_one("SHOW synchronous_commit", &[])
        .await
        .map_err(HookError::Backend)?
        .get(0);
    if setting.eq_ignore_ascii_case("off") {
        return Err(HookError::message(NOT_DURABLE));
    }
    Ok(())
}

/// Why the store refuses `synchronous_commit = off`.
pub(crate) const NOT_DURABLE: &str = "PostgreSQL runs with synchronous_commit = off: a crash \
    could lose commits the verifier already reported (a used challenge, a failure count); \
    set it to on (postgresql.conf, or ALTER DATABASE/ROLE ... SET synchronous_commit = on)";

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> tokio_postgres::Config {
        tokio_postgres::Config::from_str(url).unwrap()
    }

    #[test]
    fn loopback_and_sockets_count_as_this_machine_and_other_hosts_do_not() {
        for url in [
            "postgres://u@127.0.0.1/db",
            "postgres://u@localhost:5433/db",
            "postgres://u@[::1]/db",
            "host=/var/run/postgresql user=u dbname=db",
            "postgres://u@db.example/db?hostaddr=127.0.0.1",
        ] {
            assert!(is_on_this_machine(&config(url)), "{url}");
        }
        for url in [
            "postgres://u@10.0.0.5/db",
            "postgres://u@db.example/db",
            "postgres://u@127.0.0.1,db.example/db",
            "postgres://u@localhost/db?hostaddr=10.0.0.5",
        ] {
            assert!(!is_on_this_machine(&config(url)), "{url}");
        }
    }

    #[test]
    fn remote_host_without_tls_is_refused_with_advice() {
        for url in [
            "postgres://u:secret@db.example/db",
            "postgres://u:secret@db.example/db?sslmode=prefer",
        ] {
            let Err(error) = manager(url) else {
                panic!("{url} was accepted");
            };
            let error = error.to_string();
            assert!(error.contains("sslmode=require"), "{error}");
            assert!(!error.contains("secret"), "{error}");
        }
        assert!(manager("postgres://u@db.example/db?sslmode=require").is_ok());
        assert!(manager("postgres://u@127.0.0.1/db").is_ok());
    }
}
