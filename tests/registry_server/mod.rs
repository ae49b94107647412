//! A package registry for tests, on 127.0.0.1, answering the three read-only endpoints sbom asks
//! with the documented shapes: crates.io `GET /api/v1/crates/{name}/{version}` (`{"version":
//! {…, "license": …}}`, 404 `{"errors": [{"detail": …}]}`), PyPI's JSON API
//! `GET /pypi/{name}/{version}/json` (`{"info": {…, "license", "license_expression",
//! "classifiers"}, "urls": […]}`, 404 `{"message": "Not Found"}`) and the npm registry
//! `GET /{name}/{version}` with scoped names as `@scope%2Fname` (the version document, 404
//! `{"error": "Not found"}`). Faults can be scripted per path: answered once before the real
//! answer (429 with `Retry-After: 0`, 503), or always (500, a 200 whose body is HTML). Every
//! request is recorded; dropping the server closes its port.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

/// A scripted fault.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// This status once, then the real answer (429 carries `Retry-After: 0`).
    Once(u16),
    /// This status on every request.
    Always(u16),
    /// 200 with an HTML page instead of JSON, every time (a captive portal, a proxy's error page).
    NotJson,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The raw request path.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// The `user-agent` header.
    pub user_agent: String,
}

#[derive(Default)]
struct Data {
    /// crates.io: (name, version) → `license` (null when the crate declares none).
    crates: HashMap<(String, String), Option<String>>,
    /// PyPI: (name, version) → `info` fields.
    pypi: HashMap<(String, String), Value>,
    /// npm: (name, version) → `license`.
    npm: HashMap<(String, String), Value>,
    faults: HashMap<String, Fault>,
    received: Vec<Received>,
}

/// A running registry; stops when dropped.
pub struct Registry {
    /// Where it listens.
    pub addr: SocketAddr,
    data: Arc<Mutex<Data>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Registry {
    /// Starts an empty registry.
    pub fn start() -> Registry {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let data = Arc::new(Mutex::new(Data::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (d, s) = (data.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let d = d.clone();
                        std::thread::spawn(move || serve(stream, &d));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Registry {
            addr,
            data,
            stop,
            thread: Some(thread),
        }
    }

    /// The base URL (for all three registries).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Publishes a crate version.
    pub fn add_crate(&self, name: &str, version: &str, license: Option<&str>) -> &Self {
        self.data
            .lock()
            .unwrap()
            .crates
            .insert((name.into(), version.into()), license.map(str::to_string));
        self
    }

    /// Publishes a PyPI release with these `info` fields (`license`, `license_expression`,
    /// `classifiers`).
    pub fn add_pypi(&self, name: &str, version: &str, info: Value) -> &Self {
        self.data
            .lock()
            .unwrap()
            .pypi
            .insert((name.into(), version.into()), info);
        self
    }

    /// Publishes an npm version with this `license` value (a string, an object, or null).
    pub fn add_npm(&self, name: &str, version: &str, license: Value) -> &Self {
        self.data
            .lock()
            .unwrap()
            .npm
            .insert((name.into(), version.into()), license);
        self
    }

    /// Scripts a fault on a request path.
    pub fn fault(&self, path: &str, fault: Fault) -> &Self {
        self.data.lock().unwrap().faults.insert(path.into(), fault);
        self
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.data.lock().unwrap().received.clone()
    }

    /// Stops listening and waits until the port is closed.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Decodes `%XX` escapes in a path segment.
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The documented answer to `path`: status and JSON body.
fn answer(data: &Data, path: &str) -> (u16, String) {
    let segs: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let key = |n: &str, v: &str| (n.to_string(), v.to_string());
    match segs.as_slice() {
        ["api", "v1", "crates", name, version] => match data.crates.get(&key(name, version)) {
            Some(license) => (
                200,
                json!({"version": {
                    "id": 1, "crate": name, "num": version,
                    "dl_path": format!("/api/v1/crates/{name}/{version}/download"),
                    "license": license, "yanked": false, "crate_size": 1000,
                }})
                .to_string(),
            ),
            None => (
                404,
                json!({"errors": [{"detail": format!("crate `{name}` does not have a version `{version}`")}]})
                    .to_string(),
            ),
        },
        ["pypi", name, version, "json"] => match data.pypi.get(&key(name, version)) {
            Some(fields) => {
                let mut info = json!({
                    "name": name, "version": version, "summary": "",
                    "license": null, "license_expression": null, "classifiers": [],
                });
                if let (Some(i), Some(f)) = (info.as_object_mut(), fields.as_object()) {
                    for (k, v) in f {
                        i.insert(k.clone(), v.clone());
                    }
                }
                (
                    200,
                    json!({"info": info, "last_serial": 1, "urls": [], "vulnerabilities": []})
                        .to_string(),
                )
            }
            None => (404, json!({"message": "Not Found"}).to_string()),
        },
        [name, version] => match data.npm.get(&key(name, version)) {
            Some(license) => (
                200,
                json!({
                    "name": name, "version": version, "license": license,
                    "_id": format!("{name}@{version}"),
                    "dist": {"tarball": format!("/{name}/-/x-{version}.tgz"), "shasum": "0"},
                })
                .to_string(),
            ),
            None => (404, json!({"error": "Not found"}).to_string()),
        },
        _ => (404, json!({"error": "Not found"}).to_string()),
    }
}

fn serve(stream: TcpStream, data: &Mutex<Data>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut write) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut user_agent = String::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                if n.trim().eq_ignore_ascii_case("user-agent") {
                    user_agent = v.trim().to_string();
                }
            }
        }
        let (status, body, content_type, extra) = {
            let mut d = data.lock().unwrap();
            let fault = d.faults.get(&path).cloned();
            let (status, body, ct, extra) = match fault {
                Some(Fault::Once(code)) => {
                    d.faults.remove(&path);
                    let extra = if code == 429 {
                        "retry-after: 0\r\n"
                    } else {
                        ""
                    };
                    (
                        code,
                        "{\"errors\": [{\"detail\": \"try again\"}]}".to_string(),
                        "application/json",
                        extra,
                    )
                }
                Some(Fault::Always(code)) => (
                    code,
                    "<html><body>Internal Server Error</body></html>".to_string(),
                    "text/html",
                    "",
                ),
                Some(Fault::NotJson) => (
                    200,
                    "<html><body>Please log in to the network</body></html>".to_string(),
                    "text/html",
                    "",
                ),
                None => {
                    let (s, b) = answer(&d, &path);
                    (s, b, "application/json", "")
                }
            };
            d.received.push(Received {
                path: path.clone(),
                status,
                user_agent: user_agent.clone(),
            });
            (status, body, ct, extra)
        };
        let reply = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n{extra}\r\n{body}",
            body.len()
        );
        if write.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}
