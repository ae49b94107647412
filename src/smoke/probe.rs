//! One attempt of an HTTP or TCP check: the request, what counts as a pass (status, body regex,
//! JSON fields, latency), and `localhost` tried on both IPv4 and IPv6.

use std::fmt;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::str::FromStr;
use std::time::{Duration, Instant};

use regex::Regex;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use super::poll::Seen;
use crate::cli::human_duration;

/// Bodies are read up to this size for `--body` and `--json`.
const BODY_LIMIT: u64 = 1024 * 1024;

/// Accepted HTTP statuses: `200`, `2xx`, or several joined by `,` or `|` (`200|204`, `2xx,301`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSpec(Vec<StatusPattern>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusPattern {
    Exact(u16),
    Class(u16),
}

impl StatusSpec {
    /// Any 2xx status, the default.
    pub fn success() -> Self {
        StatusSpec(vec![StatusPattern::Class(2)])
    }

    /// Whether `status` is accepted.
    pub fn accepts(&self, status: u16) -> bool {
        self.0.iter().any(|p| match *p {
            StatusPattern::Exact(s) => s == status,
            StatusPattern::Class(c) => status / 100 == c,
        })
    }
}

impl FromStr for StatusSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not a status; write e.g. '200', '2xx' or '200|204'");
        let mut patterns = Vec::new();
        for part in s.split([',', '|']).map(str::trim) {
            let lower = part.to_ascii_lowercase();
            let pattern = match lower.strip_suffix("xx") {
                Some(class) => match class.parse::<u16>() {
                    Ok(c @ 1..=5) if class.len() == 1 => StatusPattern::Class(c),
                    _ => return Err(bad()),
                },
                None => match part.parse::<u16>() {
                    Ok(code @ 100..=599) => StatusPattern::Exact(code),
                    _ => return Err(bad()),
                },
            };
            patterns.push(pattern);
        }
        Ok(StatusSpec(patterns))
    }
}

impl fmt::Display for StatusSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|p| match p {
                StatusPattern::Exact(s) => s.to_string(),
                StatusPattern::Class(c) => format!("{c}xx"),
            })
            .collect();
        f.write_str(&parts.join("|"))
    }
}

/// `--json FIELD=VALUE`: a field of the JSON body, by a dotted path (`checks.db.ok`, `items.0`),
/// must equal a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonExpect {
    /// The dotted path.
    pub path: String,
    /// The expected value as written.
    pub value: String,
}

impl FromStr for JsonExpect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once('=') {
            Some((path, value)) if !path.trim().is_empty() => Ok(JsonExpect {
                path: path.trim().to_string(),
                value: value.to_string(),
            }),
            _ => Err(format!(
                "'{s}' is not FIELD=VALUE; write e.g. 'status=ok' or 'checks.db.ok=true'"
            )),
        }
    }
}

impl JsonExpect {
    /// Checks the field in `doc`; on a mismatch says what was found.
    pub fn check(&self, doc: &serde_json::Value) -> Result<(), String> {
        let mut node = doc;
        for key in self.path.split('.') {
            let next = match node {
                serde_json::Value::Object(map) => map.get(key),
                serde_json::Value::Array(items) => {
                    key.parse::<usize>().ok().and_then(|i| items.get(i))
                }
                _ => None,
            };
            node = next.ok_or_else(|| format!("JSON field {} is missing", self.path))?;
        }
        // The value matches as JSON (`true`, `1`, `"x"`, `null`) or, for a string field, as the
        // raw text, so `status=ok` needs no quotes.
        let as_json = serde_json::from_str::<serde_json::Value>(&self.value).ok();
        let matches = as_json.as_ref() == Some(node)
            || matches!(node, serde_json::Value::String(text) if *text == self.value);
        if matches {
            Ok(())
        } else {
            Err(format!(
                "JSON field {} is {node}, expected {}",
                self.path, self.value
            ))
        }
    }
}

/// `--header K:V`.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    /// The name.
    pub name: String,
    /// The value (never printed: it may be a token).
    pub value: String,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Header({}: ***)", self.name)
    }
}

impl FromStr for Header {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() => Ok(Header {
                name: name.trim().to_string(),
                value: value.trim().to_string(),
            }),
            _ => Err("a header is NAME:VALUE, e.g. 'Accept: application/json'".to_string()),
        }
    }
}

/// The HTTP method of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Method {
    /// GET (the default).
    #[default]
    Get,
    /// HEAD: status only, no body.
    Head,
}

/// Resolves `localhost` to both 127.0.0.1 and ::1 whatever `/etc/hosts` says, so a server
/// listening on only one of them is found; other names go to the system resolver.
#[derive(Debug, Default)]
struct LocalhostResolver(DefaultResolver);

impl Resolver for LocalhostResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if uri
            .host()
            .is_some_and(|h| h.eq_ignore_ascii_case("localhost"))
        {
            let https = uri.scheme_str() == Some("https");
            let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
            let mut addrs = self.empty();
            for ip in localhost_ips() {
                addrs.push(SocketAddr::new(ip, port));
            }
            return Ok(addrs);
        }
        self.0.resolve(uri, config, timeout)
    }
}

/// 127.0.0.1 first (most servers), then ::1.
fn localhost_ips() -> [IpAddr; 2] {
    [
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ]
}

/// An HTTP probe: what to ask and what to accept.
#[derive(Debug, Clone)]
pub struct HttpProbe {
    agent: ureq::Agent,
    /// The URL.
    pub url: String,
    /// GET or HEAD.
    pub method: Method,
    /// Request headers.
    pub headers: Vec<Header>,
    /// Accepted statuses.
    pub status: StatusSpec,
    /// A regex the body must match.
    pub body: Option<Regex>,
    /// JSON fields the body must have.
    pub json: Vec<JsonExpect>,
    /// Slower answers fail.
    pub max_latency: Option<Duration>,
}

impl HttpProbe {
    /// A GET probe of `url` accepting any 2xx.
    pub fn new(url: impl Into<String>) -> Self {
        let config = ureq::Agent::config_builder()
            // Statuses are judged here, not turned into errors.
            .http_status_as_error(false)
            // The status of the URL given is checked, not of wherever it redirects.
            .max_redirects(0)
            // Each attempt opens a fresh connection, as a client after a restart would.
            .max_idle_connections(0)
            .user_agent(concat!("relkit-smoke-check/", env!("CARGO_PKG_VERSION")))
            .build();
        HttpProbe {
            agent: ureq::Agent::with_parts(
                config,
                DefaultConnector::default(),
                LocalhostResolver::default(),
            ),
            url: url.into(),
            method: Method::Get,
            headers: Vec::new(),
            status: StatusSpec::success(),
            body: None,
            json: Vec::new(),
            max_latency: None,
        }
    }

    /// One attempt within `timeout` (and within `--max-latency`, which cuts it shorter).
    pub fn attempt(&self, timeout: Duration) -> Seen {
        let budget = self.max_latency.map_or(timeout, |m| m.min(timeout));
        let started = Instant::now();
        let mut request = match self.method {
            Method::Get => self.agent.get(&self.url),
            Method::Head => self.agent.head(&self.url),
        };
        for h in &self.headers {
            request = request.header(&h.name, &h.value);
        }
        let result = request.config().timeout_global(Some(budget)).build().call();
        let mut response = match result {
            Ok(r) => r,
            Err(ureq::Error::Timeout(_)) => {
                return Seen::fail(None, self.timeout_text(budget, started.elapsed()))
            }
            Err(e) => return Seen::fail(None, describe_error(&e)),
        };
        let status = response.status();
        let code = status.as_u16();
        let reason = status.canonical_reason().unwrap_or("");
        let line = format!("{code} {reason}").trim_end().to_string();
        let needs_body = self.body.is_some() || !self.json.is_empty();
        let mut body = Vec::new();
        if needs_body && self.method == Method::Get {
            let read = response
                .body_mut()
                .as_reader()
                .take(BODY_LIMIT)
                .read_to_end(&mut body);
            if let Err(e) = read {
                let text = if started.elapsed() >= budget {
                    self.timeout_text(budget, started.elapsed())
                } else {
                    format!("{line}, body unreadable: {e}")
                };
                return Seen::fail(Some(code), text);
            }
        }
        let latency = started.elapsed();
        if let Some(max) = self.max_latency.filter(|&m| latency > m) {
            return Seen::fail(
                Some(code),
                format!(
                    "{line} in {}, over --max-latency {}",
                    human_duration(latency),
                    human_duration(max)
                ),
            );
        }
        if !self.status.accepts(code) {
            return Seen::fail(Some(code), format!("{line}, expected {}", self.status));
        }
        let text = String::from_utf8_lossy(&body);
        if let Some(re) = &self.body {
            if !re.is_match(&text) {
                return Seen::fail(
                    Some(code),
                    format!("{line}, body does not match /{re}/: {}", excerpt(&text)),
                );
            }
        }
        if !self.json.is_empty() {
            let doc: serde_json::Value = match serde_json::from_str(&text) {
                Ok(doc) => doc,
                Err(e) => {
                    return Seen::fail(
                        Some(code),
                        format!("{line}, body is not JSON ({e}): {}", excerpt(&text)),
                    )
                }
            };
            for expect in &self.json {
                if let Err(why) = expect.check(&doc) {
                    return Seen::fail(Some(code), format!("{line}, {why}"));
                }
            }
        }
        Seen::pass(Some(code), line)
    }

    fn timeout_text(&self, budget: Duration, took: Duration) -> String {
        match self.max_latency {
            Some(max) if max <= budget => {
                format!("no answer within --max-latency {}", human_duration(max))
            }
            _ => format!("no answer within {}", human_duration(budget.max(took))),
        }
    }
}

/// The start of a body, on one line, for error messages.
fn excerpt(text: &str) -> String {
    let flat: String = text.trim().chars().take(120).collect();
    let flat = flat.replace(['\n', '\r'], " ");
    if text.trim().chars().count() > 120 {
        format!("{flat}…")
    } else {
        flat
    }
}

/// Short words for the errors that mean "not up yet".
fn describe_error(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => describe_io(io),
        ureq::Error::HostNotFound => "host not found".to_string(),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        other => other.to_string(),
    }
}

fn describe_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => "connection refused".to_string(),
        ConnectionReset => "connection reset".to_string(),
        ConnectionAborted => "connection aborted".to_string(),
        UnexpectedEof => "connection closed before an answer".to_string(),
        TimedOut | WouldBlock => "timed out".to_string(),
        _ => e.to_string(),
    }
}

/// A TCP probe of `HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpProbe {
    /// The host as given.
    pub host: String,
    /// The port.
    pub port: u16,
}

impl FromStr for TcpProbe {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not HOST:PORT; write e.g. 'localhost:5432' or '[::1]:80'");
        let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port = port.parse::<u16>().map_err(|_| bad())?;
        if host.is_empty() || port == 0 {
            return Err(bad());
        }
        Ok(TcpProbe {
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for TcpProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Resolves `host` with the system resolver, giving up after `timeout`: `getaddrinfo` has no
/// timeout of its own, and a dead DNS server would otherwise hold an attempt for far longer than
/// its budget. A lookup that times out finishes on its own thread and is dropped.
fn resolve_within(host: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let result = (name.as_str(), port)
            .to_socket_addrs()
            .map(|addrs| addrs.collect::<Vec<_>>());
        // The receiver is gone when the lookup took too long; nothing is left to tell.
        let _ = tx.send(result);
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(format!("cannot resolve {host}: {e}")),
        Err(_) => Err(format!(
            "resolving {host} took longer than {}",
            crate::cli::human_duration(timeout)
        )),
    }
}

impl TcpProbe {
    /// One connection attempt to each address of the host, within `timeout` in all.
    pub fn attempt(&self, timeout: Duration) -> Seen {
        let addrs: Vec<SocketAddr> = if self.host.eq_ignore_ascii_case("localhost") {
            localhost_ips()
                .iter()
                .map(|&ip| SocketAddr::new(ip, self.port))
                .collect()
        } else {
            match resolve_within(&self.host, self.port, timeout) {
                Ok(addrs) => addrs,
                Err(message) => return Seen::fail(None, message),
            }
        };
        if addrs.is_empty() {
            return Seen::fail(None, format!("{} has no address", self.host));
        }
        let per_addr =
            (timeout / u32::try_from(addrs.len()).unwrap_or(1)).max(Duration::from_millis(1));
        let mut errors: Vec<(SocketAddr, String)> = Vec::new();
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, per_addr) {
                Ok(_) => return Seen::pass(None, format!("connected to {addr}")),
                Err(e) => errors.push((addr, describe_io(&e))),
            }
        }
        // The same error everywhere is said once; different ones are told apart by address.
        let first = errors.first().map(|(_, e)| e.clone()).unwrap_or_default();
        if errors.iter().all(|(_, e)| *e == first) {
            Seen::fail(None, first)
        } else {
            let each: Vec<String> = errors.iter().map(|(a, e)| format!("{a}: {e}")).collect();
            Seen::fail(None, each.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bounded_resolution_answers_from_literals_and_the_hosts_file() {
        // Only names that never reach a DNS server: tests talk to loopback alone.
        assert_eq!(
            resolve_within("127.0.0.1", 80, Duration::from_secs(5)),
            Ok(vec![SocketAddr::from(([127, 0, 0, 1], 80))])
        );
        let local = resolve_within("localhost", 8080, Duration::from_secs(5)).unwrap();
        assert!(
            !local.is_empty()
                && local
                    .iter()
                    .all(|a| a.ip().is_loopback() && a.port() == 8080),
            "{local:?}"
        );
    }

    #[test]
    fn status_specs() {
        let spec: StatusSpec = "200|3xx".parse().unwrap();
        assert!(spec.accepts(200) && spec.accepts(302) && !spec.accepts(204));
        assert_eq!(spec.to_string(), "200|3xx");
        assert_eq!(
            "2XX, 404".parse::<StatusSpec>().unwrap().to_string(),
            "2xx|404"
        );
        for bad in ["", "20", "6xx", "abc", "2xxx", "200|"] {
            assert!(bad.parse::<StatusSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn json_fields_by_dotted_path() {
        let doc = json!({"status": "ok", "checks": {"db": {"ok": true}}, "n": 3, "items": ["a"]});
        let check = |s: &str| s.parse::<JsonExpect>().unwrap().check(&doc);
        assert_eq!(check("status=ok"), Ok(()));
        assert_eq!(check("status=\"ok\""), Ok(()));
        assert_eq!(check("checks.db.ok=true"), Ok(()));
        assert_eq!(check("n=3"), Ok(()));
        assert_eq!(check("items.0=a"), Ok(()));
        assert_eq!(
            check("checks.db.ok=false"),
            Err("JSON field checks.db.ok is true, expected false".into())
        );
        assert_eq!(
            check("checks.cache.ok=true"),
            Err("JSON field checks.cache.ok is missing".into())
        );
        assert!("=x".parse::<JsonExpect>().is_err());
        assert!("novalue".parse::<JsonExpect>().is_err());
    }

    #[test]
    fn headers_hide_their_values() {
        let h: Header = "Authorization: Bearer s3cret".parse().unwrap();
        assert_eq!(h.name, "Authorization");
        assert_eq!(h.value, "Bearer s3cret");
        assert!(!format!("{h:?}").contains("s3cret"));
        assert!("nocolon".parse::<Header>().is_err());
    }

    #[test]
    fn tcp_targets() {
        let t: TcpProbe = "[::1]:8080".parse().unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 8080));
        assert_eq!(t.to_string(), "[::1]:8080");
        assert_eq!(
            "localhost:5432".parse::<TcpProbe>().unwrap().to_string(),
            "localhost:5432"
        );
        for bad in ["localhost", ":80", "host:0", "host:http"] {
            assert!(bad.parse::<TcpProbe>().is_err(), "{bad}");
        }
    }

    #[test]
    fn localhost_is_tried_on_ipv6_too() {
        let Ok(listener) = std::net::TcpListener::bind("[::1]:0") else {
            return; // no IPv6 loopback on this machine
        };
        let port = listener.local_addr().unwrap().port();
        let probe = TcpProbe {
            host: "localhost".into(),
            port,
        };
        let seen = probe.attempt(Duration::from_secs(2));
        assert_eq!(seen, Seen::pass(None, format!("connected to [::1]:{port}")));
    }
}
