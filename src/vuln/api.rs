//! The OSV API client (<https://google.github.io/osv.dev/api/>): `POST /v1/querybatch` in batches
//! of at most 1,000 queries, following `next_page_token` with `page_token`, then
//! `GET /v1/vulns/{id}` for the full records, cached on disk by id and `modified`. Every request
//! is retried on transport errors, 429 and 5xx with backoff, within a number of attempts and a
//! deadline (crate::http, on the shared budget of crate::retry).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::db::{add_record, Index};
use super::osv::{PackageKey, Record};
use crate::exit::{Exit, ToolError};
use crate::http::{Policy, Request};
use crate::retry::Backoff;

/// What an id keeps unencoded in a URL path: the unreserved characters.
const ID: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// OSV's limit on queries in one `querybatch` request.
pub const BATCH_LIMIT: usize = 1000;

/// Errors talking to the OSV API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Retries were used up.
    #[error("{method} {url}: gave up after {attempts} attempt(s) in {elapsed}: {last}; check the network or pass --db DIR to use an offline database")]
    GaveUp {
        /// HTTP method.
        method: &'static str,
        /// The URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent.
        elapsed: String,
        /// The last failure.
        last: String,
    },
    /// The API answered with an error that retrying does not fix.
    #[error("{method} {url}: HTTP {status}: {body}")]
    Status {
        /// HTTP method.
        method: &'static str,
        /// The URL.
        url: String,
        /// The status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The API's answer is not what its documentation says.
    #[error("{url}: unexpected answer: {reason}")]
    Protocol {
        /// The URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

impl ToolError for ApiError {
    fn exit(&self) -> Exit {
        Exit::Env
    }
}

/// How requests are retried and cached.
#[derive(Debug, Clone)]
pub struct Settings {
    /// API base URL, without the trailing `/v1`.
    pub base: String,
    /// Deadline of one HTTP request.
    pub timeout: Duration,
    /// Tries per request, the first included.
    pub attempts: u32,
    /// Total time one request may spend retrying.
    pub deadline: Duration,
    /// Backoff between tries.
    pub backoff: Backoff,
    /// Where full records are cached (`<id>.json`, reused while `modified` matches).
    pub cache: Option<PathBuf>,
}

/// The OSV API client.
pub struct Client {
    http: crate::http::Client,
    settings: Settings,
    log: Box<dyn Fn(&str)>,
}

#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    results: Vec<BatchResult>,
}

#[derive(Deserialize)]
struct BatchResult {
    #[serde(default)]
    vulns: Vec<VulnRef>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct VulnRef {
    id: String,
    #[serde(default)]
    modified: String,
}

/// What the online lookup found.
pub struct Found {
    /// The records by package.
    pub index: Index,
    /// Records fetched from the API.
    pub fetched: usize,
    /// Records taken from the cache.
    pub cached: usize,
    /// The ids the API reported for each package version asked about.
    pub reported: BTreeMap<(PackageKey, String), BTreeSet<String>>,
}

impl Client {
    /// A client; `log` receives one line per retry.
    pub fn new(settings: Settings, log: Box<dyn Fn(&str)>) -> Client {
        let policy = Policy {
            timeout: settings.timeout,
            attempts: settings.attempts.max(1),
            deadline: settings.deadline,
            backoff: settings.backoff,
        };
        Client {
            http: crate::http::Client::new(
                policy,
                concat!("relkit-vuln-check/", env!("CARGO_PKG_VERSION")),
            ),
            settings,
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.base.trim_end_matches('/'))
    }

    /// One request with retries (crate::http: transport errors, timeouts, 429 and 5xx); returns
    /// the body of a 2xx answer.
    fn request(
        &self,
        method: &'static str,
        url: &str,
        body: Option<&str>,
    ) -> Result<String, ApiError> {
        let mut headers = Vec::new();
        if body.is_some() {
            headers.push(("content-type", "application/json".to_string()));
        }
        let req = Request {
            method,
            url,
            shown: url,
            headers,
            body: body.map(str::as_bytes),
        };
        let resp = self
            .http
            .send(&req, &*self.log)
            .map_err(|e| ApiError::GaveUp {
                method,
                url: url.to_string(),
                attempts: e.attempts,
                elapsed: e.elapsed,
                last: e.last,
            })?;
        if (200..300).contains(&resp.status) {
            Ok(resp.body)
        } else {
            Err(ApiError::Status {
                method,
                url: url.to_string(),
                status: resp.status,
                body: resp.body.chars().take(300).collect(),
            })
        }
    }

    /// Queries every package version, then fetches (or reads from the cache) every record found.
    pub fn lookup(&self, packages: &[(PackageKey, String)]) -> Result<Found, ApiError> {
        let url = self.url("/v1/querybatch");
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        let mut reported: BTreeMap<(PackageKey, String), BTreeSet<String>> = BTreeMap::new();
        for chunk in packages.chunks(BATCH_LIMIT) {
            // Queries still to send, with their page token.
            let mut pending: Vec<(usize, Option<String>)> =
                (0..chunk.len()).map(|i| (i, None)).collect();
            let mut seen_tokens = BTreeSet::new();
            while !pending.is_empty() {
                let queries: Vec<serde_json::Value> = pending
                    .iter()
                    .map(|(i, token)| {
                        let (key, version) = &chunk[*i];
                        let mut q = json!({
                            "package": {"name": key.name, "ecosystem": key.ecosystem.osv_name()},
                            "version": version,
                        });
                        if let Some(t) = token {
                            q["page_token"] = json!(t);
                        }
                        q
                    })
                    .collect();
                let body = json!({ "queries": queries }).to_string();
                let text = self.request("POST", &url, Some(&body))?;
                let answer: BatchAnswer =
                    serde_json::from_str(&text).map_err(|e| ApiError::Protocol {
                        url: url.clone(),
                        reason: format!("not a querybatch answer ({e})"),
                    })?;
                if answer.results.len() != pending.len() {
                    return Err(ApiError::Protocol {
                        url: url.clone(),
                        reason: format!(
                            "{} results for {} queries",
                            answer.results.len(),
                            pending.len()
                        ),
                    });
                }
                let mut next = Vec::new();
                for ((i, _), result) in pending.iter().zip(answer.results) {
                    for v in result.vulns {
                        reported
                            .entry(chunk[*i].clone())
                            .or_default()
                            .insert(v.id.clone());
                        ids.insert(v.id, v.modified);
                    }
                    if let Some(token) = result.next_page_token.filter(|t| !t.is_empty()) {
                        // A token handed out twice for one query would page forever.
                        if !seen_tokens.insert((*i, token.clone())) {
                            return Err(ApiError::Protocol {
                                url: url.clone(),
                                reason: format!("page token '{token}' came back twice"),
                            });
                        }
                        next.push((*i, Some(token)));
                    }
                }
                pending = next;
            }
        }
        let mut index = Index::new();
        let (mut fetched, mut cached) = (0, 0);
        for (id, modified) in &ids {
            let record = match self.cached(id, modified) {
                Some(r) => {
                    cached += 1;
                    r
                }
                None => {
                    let url = self.url(&format!(
                        "/v1/vulns/{}",
                        percent_encoding::utf8_percent_encode(id, ID)
                    ));
                    let text = self.request("GET", &url, None)?;
                    let record: Record =
                        serde_json::from_str(&text).map_err(|e| ApiError::Protocol {
                            url: url.clone(),
                            reason: format!("not an OSV record ({e})"),
                        })?;
                    self.store(&record, &text);
                    fetched += 1;
                    record
                }
            };
            add_record(&mut index, Arc::new(record));
        }
        Ok(Found {
            reported,
            index,
            fetched,
            cached,
        })
    }

    fn cache_file(&self, id: &str) -> Option<PathBuf> {
        // Ids are [A-Za-z0-9-.]; anything else does not get a cache file.
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            || id.starts_with('.')
        {
            return None;
        }
        Some(self.settings.cache.as_ref()?.join(format!("{id}.json")))
    }

    fn cached(&self, id: &str, modified: &str) -> Option<Record> {
        let path = self.cache_file(id)?;
        let text = std::fs::read_to_string(path).ok()?;
        let record: Record = serde_json::from_str(&text).ok()?;
        (!modified.is_empty() && record.modified == modified).then_some(record)
    }

    fn store(&self, record: &Record, text: &str) {
        if let Some(path) = self.cache_file(&record.id) {
            let ok = path
                .parent()
                .is_some_and(|dir| std::fs::create_dir_all(dir).is_ok())
                && crate::fsutil::atomic_write(&path, text.as_bytes()).is_ok();
            if !ok {
                (self.log)(&format!(
                    "cannot write the cache file {}; continuing without it",
                    path.display()
                ));
            }
        }
    }
}
