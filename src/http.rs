//! A small blocking HTTP client (ureq) with the shared retry budget of crate::retry: one request
//! is retried on transport errors, timeouts, 429, 5xx and GitHub's rate-limit 403s, with backoff
//! or the server's `Retry-After`, within a number of attempts and a deadline. Callers read every
//! other status themselves. URLs in messages are the caller's *shown* form, so a secret URL
//! (a webhook) never reaches a log.

use std::time::{Duration, Instant};

use crate::retry::{retry_after, Backoff, Budget};

/// How one request is retried.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Deadline of one attempt (connect, send, answer).
    pub timeout: Duration,
    /// Tries, the first included.
    pub attempts: u32,
    /// Total time one request may take, retries included.
    pub deadline: Duration,
    /// Backoff between tries when the server names no `Retry-After`.
    pub backoff: Backoff,
}

/// One request.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// Where it goes.
    pub url: &'a str,
    /// What messages call the URL (the URL itself, or a redacted form of a secret one).
    pub shown: &'a str,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    /// A body (sent as given; set `content-type` in `headers`).
    pub body: Option<&'a [u8]>,
}

/// A final answer: 2xx, or a status retrying does not fix.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossily decoded).
    pub body: String,
    /// Tries it took.
    pub attempts: u32,
    /// The body's bytes when they are not UTF-8 (`body` is then a lossy copy): binary
    /// downloads (a `.deb`, a `Packages.gz`) come back exactly as sent.
    not_utf8: Option<Vec<u8>>,
}

impl Response {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `rel="next"` target of an RFC 8288 `Link` header (GitHub's pagination).
    pub fn next_link(&self) -> Option<String> {
        next_link(self.header("link")?)
    }

    /// The body exactly as the server sent it.
    pub fn into_bytes(self) -> Vec<u8> {
        self.not_utf8.unwrap_or_else(|| self.body.into_bytes())
    }
}

/// Retries were used up.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{method} {url}: gave up after {attempts} attempt(s) in {elapsed}: {last}")]
pub struct GaveUp {
    /// HTTP method.
    pub method: &'static str,
    /// The shown URL.
    pub url: String,
    /// Attempts made.
    pub attempts: u32,
    /// Time spent.
    pub elapsed: String,
    /// The last failure.
    pub last: String,
}

/// A blocking client.
pub struct Client {
    agent: ureq::Agent,
    policy: Policy,
}

enum Outcome {
    Done(Response),
    Retry {
        reason: String,
        wait: Option<Duration>,
    },
    Fatal(String),
}

impl Client {
    /// A client sending `user_agent`, trusting the system's root certificates.
    pub fn new(policy: Policy, user_agent: &str) -> Client {
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(root_certs())
            .build();
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .timeout_global(Some(policy.timeout))
            .user_agent(user_agent)
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            policy,
        }
    }

    /// Sends `req`, retrying as the policy allows; `log` receives one line per retry.
    pub fn send(&self, req: &Request, log: &dyn Fn(&str)) -> Result<Response, GaveUp> {
        let budget = Budget {
            attempts: self.policy.attempts.max(1),
            start: Instant::now(),
            deadline: self.policy.deadline,
        };
        let mut tried = 0;
        loop {
            tried += 1;
            let (reason, wait) = match self.once(req) {
                Outcome::Done(mut r) => {
                    r.attempts = tried;
                    return Ok(r);
                }
                Outcome::Retry { reason, wait } => (reason.replace(req.url, req.shown), wait),
                Outcome::Fatal(reason) => {
                    return Err(GaveUp {
                        method: req.method,
                        url: req.shown.to_string(),
                        attempts: tried,
                        elapsed: crate::cli::human_duration(budget.start.elapsed()),
                        last: reason.replace(req.url, req.shown),
                    })
                }
            };
            let delay = wait.unwrap_or_else(|| self.policy.backoff.delay(tried - 1));
            if !budget.allows(tried, delay) {
                return Err(GaveUp {
                    method: req.method,
                    url: req.shown.to_string(),
                    attempts: tried,
                    elapsed: crate::cli::human_duration(budget.start.elapsed()),
                    last: reason,
                });
            }
            log(&format!(
                "{} {}: {reason}; retrying in {} (attempt {} of {})",
                req.method,
                req.shown,
                crate::cli::human_duration(delay),
                tried + 1,
                budget.attempts
            ));
            std::thread::sleep(delay);
        }
    }

    fn once(&self, req: &Request) -> Outcome {
        let timeout = crate::cli::human_duration(self.policy.timeout);
        let builder = http::Request::builder().method(req.method).uri(req.url);
        let builder = req
            .headers
            .iter()
            .fold(builder, |b, (name, value)| b.header(*name, value.as_str()));
        let result = match builder.body(req.body.unwrap_or_default().to_vec()) {
            Ok(request) => self.agent.run(request),
            Err(e) => return Outcome::Fatal(format!("cannot build the request: {e}")),
        };
        let mut resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Timeout(_)) => {
                return Outcome::Retry {
                    reason: format!("no answer within {timeout}"),
                    wait: None,
                }
            }
            Err(e) => {
                return Outcome::Retry {
                    reason: e.to_string(),
                    wait: None,
                }
            }
        };
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let text = resp.body_mut().with_config().limit(256 << 20).read_to_vec();
        let (body, not_utf8) = match text {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => (text, None),
                Err(e) => (
                    String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    Some(e.into_bytes()),
                ),
            },
            Err(ureq::Error::Timeout(_)) => {
                return Outcome::Retry {
                    reason: format!("the answer did not arrive within {timeout}"),
                    wait: None,
                }
            }
            Err(e) => {
                return Outcome::Retry {
                    reason: format!("reading the answer failed: {e}"),
                    wait: None,
                }
            }
        };
        let response = Response {
            status,
            headers,
            body,
            attempts: 0,
            not_utf8,
        };
        let wait = retry_after(response.header("retry-after"));
        // GitHub answers a rate limit with 403 (or 429) and either Retry-After (secondary
        // limits) or x-ratelimit-remaining: 0 with a reset time (primary limits):
        // https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
        let primary_limit = status == 403 && response.header("x-ratelimit-remaining") == Some("0");
        if status == 429 || status >= 500 || (status == 403 && wait.is_some()) || primary_limit {
            let wait = wait.or_else(|| primary_limit.then(|| reset_wait(&response)).flatten());
            return Outcome::Retry {
                reason: format!("HTTP {status}"),
                wait,
            };
        }
        Outcome::Done(response)
    }
}

/// The root certificates: the system's (`SSL_CERT_FILE`/`SSL_CERT_DIR`, else the platform's
/// store), as cargo, curl and git trust them, so a company's or a proxy's CA works; Mozilla's
/// bundled roots when the system has none (a minimal container).
fn root_certs() -> ureq::tls::RootCerts {
    let certs: Vec<ureq::tls::Certificate<'static>> = rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    if certs.is_empty() {
        ureq::tls::RootCerts::WebPki
    } else {
        ureq::tls::RootCerts::Specific(std::sync::Arc::new(certs))
    }
}

/// The wait until a primary rate limit resets (`x-ratelimit-reset`, Unix seconds).
fn reset_wait(response: &Response) -> Option<Duration> {
    let reset: u64 = response.header("x-ratelimit-reset")?.trim().parse().ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now) + 1))
}

/// The `rel="next"` target of a `Link` header value (RFC 8288).
pub fn next_link(value: &str) -> Option<String> {
    value.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let is_next = params.split(';').any(|p| {
            p.trim()
                .strip_prefix("rel=")
                .is_some_and(|r| r.trim_matches('"').split(' ').any(|r| r == "next"))
        });
        is_next.then(|| target.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_from_github_link_header() {
        let v = "<https://ghe.example/api/v3/repos/o/r/deployments?per_page=2&page=3>; rel=\"next\", \
                 <https://ghe.example/api/v3/repos/o/r/deployments?per_page=2&page=5>; rel=\"last\"";
        assert_eq!(
            next_link(v).as_deref(),
            Some("https://ghe.example/api/v3/repos/o/r/deployments?per_page=2&page=3")
        );
        assert_eq!(next_link("<https://x/?page=1>; rel=\"prev\""), None);
        assert_eq!(next_link("garbage"), None);
    }
}
