//! A loopback HTTPS server for tests (feature `test-server`): a throw-away CA, a certificate
//! for `127.0.0.1`, and fixed routes, including pathological ones (a 200 MB streamed body, a
//! server that never answers, redirect loops). Never used by the library itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a route answers.
#[derive(Debug, Clone)]
pub enum Reply {
    Body {
        status: u16,
        content_type: String,
        body: Vec<u8>,
    },
    Redirect(String),
    /// `size` bytes of `x`, streamed in 64 KiB chunks with a Content-Length.
    Stream {
        size: u64,
    },
    /// Read the request, then say nothing for this long.
    Hang(Duration),
}

impl Reply {
    pub fn text(body: &str) -> Reply {
        Reply::Body {
            status: 200,
            content_type: "text/plain; charset=utf-8".into(),
            body: body.as_bytes().to_vec(),
        }
    }
    pub fn html(body: &str) -> Reply {
        Reply::Body {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            body: body.as_bytes().to_vec(),
        }
    }
    pub fn status(status: u16) -> Reply {
        Reply::Body {
            status,
            content_type: "text/html".into(),
            body: b"<html><body>no</body></html>".to_vec(),
        }
    }
}

/// A running server; it stops serving when dropped (the accept thread then exits on the next
/// connection or with the process).
#[derive(Debug)]
pub struct Server {
    pub port: u16,
    /// The CA certificate (PEM) to trust.
    pub ca_pem: String,
    routes: Arc<Mutex<BTreeMap<String, Reply>>>,
    /// Request paths seen, in order, with their User-Agent.
    pub log: Arc<Mutex<Vec<(String, String)>>>,
}

impl Server {
    pub fn start() -> Server {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "baseline test CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let leaf_params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![rustls::pki_types::CertificateDer::from(leaf.der().to_vec())],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<Mutex<BTreeMap<String, Reply>>> = Arc::default();
        let log: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let (r2, l2) = (routes.clone(), log.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (cfg, routes, log) = (config.clone(), r2.clone(), l2.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, cfg, &routes, &log);
                });
            }
        });
        Server {
            port,
            ca_pem: ca.pem(),
            routes,
            log,
        }
    }

    /// `https://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{}", self.port, path)
    }

    pub fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_owned(), reply);
    }
}

fn serve(
    tcp: TcpStream,
    cfg: Arc<rustls::ServerConfig>,
    routes: &Mutex<BTreeMap<String, Reply>>,
    log: &Mutex<Vec<(String, String)>>,
) -> std::io::Result<()> {
    tcp.set_read_timeout(Some(Duration::from_secs(20)))?;
    let conn = rustls::ServerConnection::new(cfg).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 16 * 1024 {
        let n = tls.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        req.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&req).into_owned();
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_owned();
    let ua = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("user-agent:")
                .then(|| l[11..].trim().to_owned())
        })
        .unwrap_or_default();
    log.lock().unwrap().push((path.clone(), ua));
    let route_path = path.split('?').next().unwrap_or("/").to_owned();
    let reply = routes
        .lock()
        .unwrap()
        .get(&route_path)
        .cloned()
        .unwrap_or(Reply::status(404));
    match reply {
        Reply::Body {
            status,
            content_type,
            body,
        } => {
            write!(
                tls,
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            tls.write_all(&body)?;
        }
        Reply::Redirect(to) => {
            write!(
                tls,
                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )?;
        }
        Reply::Stream { size } => {
            write!(
                tls,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
            )?;
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0u64;
            while sent < size {
                tls.write_all(&chunk)?;
                sent += chunk.len() as u64;
            }
        }
        Reply::Hang(d) => {
            std::thread::sleep(d);
            return Ok(());
        }
    }
    tls.flush()?;
    tls.conn.send_close_notify();
    let _ = tls.flush();
    Ok(())
}
