//! The GitHub Releases REST calls asset-upload makes, on octocrab's client: one retry loop for all
//! of them (exponential backoff with jitter, GitHub's rate-limit headers, bounded in count and
//! time, a deadline on every request) and one shared budget for content-creating requests.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use bytes::Bytes;
use http::header::{HeaderName, ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, Method};
use http_body_util::BodyExt;
use octocrab::models::repos::{Asset, Release};
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::{OctoBody, Octocrab};
use serde::Deserialize;

use super::body::{FileBody, Tally};
use super::plan::{ExistingAsset, LocalFile};
use crate::exit::{Exit, ToolError};

/// The media type GitHub recommends for REST requests.
const GITHUB_JSON: &str = "application/vnd.github+json";

/// Errors from the GitHub API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: the token was refused.
    #[error("{method} {url}: 401 Bad credentials: the token in ${token_env} was refused; use a valid token with `contents: write` (in a workflow: `permissions: contents: write` and GITHUB_TOKEN)")]
    Unauthorized {
        /// HTTP method.
        method: String,
        /// The URL (never with credentials).
        url: String,
        /// The environment variable the token came from.
        token_env: String,
    },
    /// 404 where the thing must exist: the repository is missing or invisible to the token.
    #[error("{method} {url}: 404 Not Found: {repo} does not exist or the token cannot see it; check --repo and give the token `contents: write` on it (in a workflow: `permissions: contents: write`)")]
    NotFound {
        /// HTTP method.
        method: String,
        /// The URL.
        url: String,
        /// OWNER/NAME.
        repo: String,
    },
    /// 403 that is not a rate limit: the token lacks the permission.
    #[error("{method} {url}: 403 Forbidden ({message}): the token lacks `contents: write` on {repo}; add `permissions: contents: write` to the job or use a token that has it")]
    Forbidden {
        /// HTTP method.
        method: String,
        /// The URL.
        url: String,
        /// OWNER/NAME.
        repo: String,
        /// GitHub's message.
        message: String,
    },
    /// Any other status that retrying cannot fix.
    #[error("{method} {url}: HTTP {status}: {message}")]
    Status {
        /// HTTP method.
        method: String,
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
        /// GitHub's message and error codes.
        message: String,
    },
    /// Transient failures went on past the retry budget.
    #[error("{method} {url}: gave up after {attempts} attempts in {elapsed}: {last}; re-run the job (finished assets are skipped)")]
    GaveUp {
        /// HTTP method.
        method: String,
        /// The URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent.
        elapsed: String,
        /// The last failure.
        last: String,
    },
    /// The response was not the JSON GitHub documents.
    #[error("{method} {url}: unexpected response: {reason}")]
    Decode {
        /// HTTP method.
        method: String,
        /// The URL.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// The upload was refused because an asset of that name appeared meanwhile (another job).
    #[error("{url}: an asset named '{name}' appeared while uploading (another job uploading the same release?); re-run to skip or replace it")]
    AssetExists {
        /// The upload URL.
        url: String,
        /// The asset name.
        name: String,
    },
    /// The uploaded asset did not match the file.
    #[error("{name}: the uploaded asset does not match the file ({reason})")]
    Verify {
        /// The asset name.
        name: String,
        /// The mismatch.
        reason: String,
    },
    /// The local file could not be read.
    #[error("{path}: cannot read: {source}")]
    File {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The upload task of a file stopped without a result (a panic: a bug in asset-upload).
    #[error("{path}: the upload stopped unexpectedly ({reason}); re-run the job and report this as a bug")]
    Aborted {
        /// The file.
        path: String,
        /// What the runtime said.
        reason: String,
    },
    /// The client could not be set up (bad API URL).
    #[error("{url}: cannot use this API URL: {reason}; pass --api-url like https://api.github.com or https://HOST/api/v3")]
    Setup {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

impl ToolError for ApiError {
    fn exit(&self) -> Exit {
        match self {
            ApiError::File { .. } | ApiError::Setup { .. } => Exit::Usage,
            ApiError::AssetExists { .. } | ApiError::Verify { .. } => Exit::Failed,
            _ => Exit::Env,
        }
    }
}

/// How failures are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// Total time one request may spend retrying.
    pub max_total: Duration,
    /// First backoff; doubles each attempt, with jitter.
    pub base: Duration,
    /// Longest backoff between two attempts (server-directed waits may be longer).
    pub cap: Duration,
    /// Least wait after a secondary rate limit without `retry-after` (GitHub says one minute).
    pub secondary_floor: Duration,
    /// Deadline of one API request.
    pub timeout: Duration,
}

impl RetryPolicy {
    /// The backoff before attempt `attempt + 1`: `base * 2^attempt` capped, half of it random.
    pub fn backoff(&self, attempt: u32) -> Duration {
        crate::retry::Backoff {
            base: self.base,
            cap: self.cap,
        }
        .delay(attempt)
    }
}

/// GitHub's limits on content-creating requests shared by every upload of the run (about 80 a
/// minute and 500 an hour), and a pause everyone honours after a rate-limit response.
/// <https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits>
#[derive(Debug)]
pub struct RateBudget {
    windows: Vec<(usize, Duration)>,
    state: tokio::sync::Mutex<BudgetState>,
}

#[derive(Debug, Default)]
struct BudgetState {
    recent: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

impl RateBudget {
    /// A budget allowing `count` requests per `window` for each pair.
    pub fn new(windows: Vec<(usize, Duration)>) -> Self {
        RateBudget {
            windows,
            state: tokio::sync::Mutex::new(BudgetState::default()),
        }
    }

    /// GitHub's documented content-creation limits.
    pub fn github() -> Self {
        RateBudget::new(vec![
            (80, Duration::from_secs(60)),
            (500, Duration::from_secs(3600)),
        ])
    }

    /// Waits until a content-creating request may go out, and counts it.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut state = self.state.lock().await;
                let now = Instant::now();
                let longest = self.windows.iter().map(|w| w.1).max().unwrap_or_default();
                while state
                    .recent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= longest)
                {
                    state.recent.pop_front();
                }
                let mut wait = state
                    .paused_until
                    .map(|p| p.saturating_duration_since(now))
                    .unwrap_or_default();
                for (count, window) in &self.windows {
                    let in_window: Vec<&Instant> = state
                        .recent
                        .iter()
                        .filter(|t| now.duration_since(**t) < *window)
                        .collect();
                    if in_window.len() >= *count {
                        let oldest = in_window[in_window.len() - count];
                        wait = wait.max((*oldest + *window).saturating_duration_since(now));
                    }
                }
                if wait.is_zero() {
                    state.recent.push_back(now);
                    return;
                }
                wait
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Waits out a pause set by a rate-limit response (for requests that are not counted).
    pub async fn wait_unpaused(&self) {
        let until = self.state.lock().await.paused_until;
        if let Some(until) = until {
            tokio::time::sleep(until.saturating_duration_since(Instant::now())).await;
        }
    }

    /// Pauses every request until `until`.
    pub async fn pause(&self, until: Instant) {
        let mut state = self.state.lock().await;
        state.paused_until = Some(state.paused_until.map_or(until, |p| p.max(until)));
    }
}

/// One attempt's outcome, for the retry loop.
pub enum Attempt<T> {
    /// Finished.
    Done(T),
    /// A transient failure; `wait` is the server-directed wait, if any.
    Retry {
        /// What failed.
        reason: String,
        /// The wait GitHub asked for.
        wait: Option<Duration>,
    },
    /// A failure retrying cannot fix.
    Fatal(ApiError),
}

/// A response with its whole (small, JSON) body.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

#[derive(Deserialize, Default)]
struct GitHubError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<GitHubErrorItem>,
}

#[derive(Deserialize, Default)]
struct GitHubErrorItem {
    #[serde(default)]
    code: String,
}

impl Response {
    fn error(&self) -> GitHubError {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    /// True when GitHub said `already_exists` (422 on create release or upload).
    pub fn already_exists(&self) -> bool {
        self.status == 422
            && self
                .error()
                .errors
                .iter()
                .any(|e| e.code == "already_exists")
    }

    fn message(&self) -> String {
        let err = self.error();
        let codes: Vec<String> = err.errors.into_iter().map(|e| e.code).collect();
        match (err.message.is_empty(), codes.is_empty()) {
            (true, _) => String::from_utf8_lossy(&self.body)
                .chars()
                .take(200)
                .collect(),
            (false, true) => err.message,
            (false, false) => format!("{} ({})", err.message, codes.join(", ")),
        }
    }

    /// When a response is a transient failure, the wait GitHub asked for (`Some(None)`: none).
    /// `retry-after` first, then `x-ratelimit-reset` when the quota is spent, then at least
    /// `floor` for a secondary limit that named no time.
    /// <https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately>
    pub fn transient(&self, floor: Duration) -> Option<Option<Duration>> {
        let header = |name: &str| {
            self.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let retry_after = header("retry-after").and_then(|v| v.parse::<u64>().ok());
        let spent = header("x-ratelimit-remaining") == Some("0");
        let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok());
        match self.status {
            500 | 502 | 503 | 504 => Some(retry_after.map(Duration::from_secs)),
            403 | 429 => {
                let limited = self.status == 429
                    || retry_after.is_some()
                    || spent
                    || self.message().to_ascii_lowercase().contains("rate limit");
                if !limited {
                    return None;
                }
                if let Some(secs) = retry_after {
                    return Some(Some(Duration::from_secs(secs)));
                }
                if let (true, Some(reset)) = (spent, reset) {
                    let now = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0);
                    return Some(Some(Duration::from_secs(reset.saturating_sub(now).max(1))));
                }
                Some(Some(floor))
            }
            _ => None,
        }
    }
}

/// The API client of one run.
pub struct Client {
    api: Octocrab,
    uploads: Mutex<HashMap<String, Octocrab>>,
    token: Option<String>,
    token_env: String,
    api_url: String,
    /// OWNER/NAME.
    pub repo: String,
    /// The retry policy.
    pub policy: RetryPolicy,
    /// The shared budget for content-creating requests.
    pub budget: Arc<RateBudget>,
    /// Where retry messages go.
    log: fn(&str),
}

fn build_octocrab(base: &str, token: Option<&str>) -> Result<Octocrab, ApiError> {
    let setup = |reason: String| ApiError::Setup {
        url: base.to_string(),
        reason,
    };
    let mut builder = Octocrab::builder()
        .base_uri(base)
        .map_err(|e| setup(e.to_string()))?
        // Our own loop retries, with GitHub's headers and a shared budget; octocrab's retry
        // layer cannot replay a streamed body anyway.
        .add_retry_config(RetryConfig::None)
        .set_connect_timeout(Some(Duration::from_secs(30)))
        .add_header(ACCEPT, GITHUB_JSON.to_string())
        .add_header(
            HeaderName::from_static("user-agent"),
            concat!("relkit-asset-upload/", env!("CARGO_PKG_VERSION")).to_string(),
        );
    if let Some(token) = token {
        builder = builder.personal_token(token.to_string());
    }
    builder.build().map_err(|e| setup(e.to_string()))
}

/// The URL text of a path on the API, for messages.
fn join(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}

impl Client {
    /// A client for `api_url` (e.g. `https://api.github.com`, `https://HOST/api/v3`).
    pub fn new(
        api_url: &str,
        token: Option<String>,
        token_env: &str,
        repo: &str,
        policy: RetryPolicy,
        log: fn(&str),
    ) -> Result<Self, ApiError> {
        Ok(Client {
            api: build_octocrab(api_url, token.as_deref())?,
            uploads: Mutex::new(HashMap::new()),
            token,
            token_env: token_env.to_string(),
            api_url: api_url.trim_end_matches('/').to_string(),
            repo: repo.to_string(),
            policy,
            budget: Arc::new(RateBudget::github()),
            log,
        })
    }

    /// The API path prefix of the repository.
    pub fn repo_path(&self) -> String {
        format!("/repos/{}", self.repo)
    }

    /// Maps a final non-success response to an error.
    pub fn status_error(&self, method: &Method, url: &str, resp: &Response) -> ApiError {
        let method = method.to_string();
        let url = url.to_string();
        match resp.status {
            401 => ApiError::Unauthorized {
                method,
                url,
                token_env: self.token_env.clone(),
            },
            404 => ApiError::NotFound {
                method,
                url,
                repo: self.repo.clone(),
            },
            403 => ApiError::Forbidden {
                method,
                url,
                repo: self.repo.clone(),
                message: resp.message(),
            },
            status => ApiError::Status {
                method,
                url,
                status,
                message: resp.message(),
            },
        }
    }

    /// Runs `attempt` until it is done, fails for good, or the retry budget is spent.
    pub async fn retrying<T, F, Fut>(
        &self,
        method: &Method,
        url: &str,
        mut attempt: F,
    ) -> Result<T, ApiError>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Attempt<T>>,
    {
        let start = Instant::now();
        let mut n = 0;
        loop {
            self.budget.wait_unpaused().await;
            let (reason, wait) = match attempt(n).await {
                Attempt::Done(t) => return Ok(t),
                Attempt::Fatal(e) => return Err(e),
                Attempt::Retry { reason, wait } => (reason, wait),
            };
            n += 1;
            let delay = match wait {
                Some(wait) => {
                    // A rate limit holds for every request of this token, not just this one.
                    self.budget.pause(Instant::now() + wait).await;
                    wait
                }
                None => self.policy.backoff(n - 1),
            };
            if n >= self.policy.attempts || start.elapsed() + delay > self.policy.max_total {
                return Err(ApiError::GaveUp {
                    method: method.to_string(),
                    url: url.to_string(),
                    attempts: n,
                    elapsed: crate::cli::human_duration(start.elapsed()),
                    last: reason,
                });
            }
            (self.log)(&format!(
                "{method} {url}: {reason}; retrying in {} (attempt {} of {})",
                crate::cli::human_duration(delay),
                n + 1,
                self.policy.attempts
            ));
            tokio::time::sleep(delay).await;
        }
    }

    async fn send_once(
        &self,
        api: &Octocrab,
        request: http::Request<OctoBody>,
        deadline: Duration,
    ) -> Result<Response, String> {
        let call = async {
            let resp = api.execute(request).await.map_err(|e| error_chain(&e))?;
            let (parts, body) = resp.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| error_chain(&e))?
                .to_bytes();
            Ok(Response {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        match tokio::time::timeout(deadline, call).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "no response within {}",
                crate::cli::human_duration(deadline)
            )),
        }
    }

    /// Sends a JSON API request with retries; returns the final response whatever its status
    /// (callers decide what a 404 or 422 means). `path` is relative to the API root.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, ApiError> {
        let url = join(&self.api_url, path);
        let creates = method != Method::GET;
        self.retrying(&method, &url, |_| async {
            if creates {
                self.budget.acquire().await;
            }
            let builder = http::Request::builder()
                .method(method.clone())
                .uri(path)
                .header(ACCEPT, GITHUB_JSON);
            let request = match self.api.build_request(builder, body) {
                Ok(r) => r,
                Err(e) => {
                    return Attempt::Fatal(ApiError::Setup {
                        url: url.clone(),
                        reason: e.to_string(),
                    })
                }
            };
            match self
                .send_once(&self.api, request, self.policy.timeout)
                .await
            {
                Err(reason) => Attempt::Retry { reason, wait: None },
                Ok(resp) => match resp.transient(self.policy.secondary_floor) {
                    Some(wait) => Attempt::Retry {
                        reason: format!("HTTP {}: {}", resp.status, resp.message()),
                        wait,
                    },
                    None => Attempt::Done(resp),
                },
            }
        })
        .await
    }

    /// Sends a request and decodes a success body as JSON, mapping other statuses to errors.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, ApiError> {
        let resp = self.request(method.clone(), path, body).await?;
        self.decode(&method, path, &resp)
    }

    /// Decodes a 2xx response, or maps its status to an error.
    pub fn decode<T: serde::de::DeserializeOwned>(
        &self,
        method: &Method,
        path: &str,
        resp: &Response,
    ) -> Result<T, ApiError> {
        let url = join(&self.api_url, path);
        if !(200..300).contains(&resp.status) {
            return Err(self.status_error(method, &url, resp));
        }
        serde_json::from_slice(&resp.body).map_err(|e| ApiError::Decode {
            method: method.to_string(),
            url,
            reason: e.to_string(),
        })
    }

    /// Every page of a list endpoint, following `Link: <…>; rel="next"`.
    pub async fn list<T: serde::de::DeserializeOwned>(
        &self,
        first: &str,
    ) -> Result<Vec<T>, ApiError> {
        let mut items = Vec::new();
        let mut next = Some(first.to_string());
        let mut pages = 0;
        while let Some(path) = next.take() {
            let resp = self.request(Method::GET, &path, None).await?;
            let page: Vec<T> = self.decode(&Method::GET, &path, &resp)?;
            items.extend(page);
            pages += 1;
            next = next_link(&resp.headers).and_then(|u| self.relative(&u));
            if pages > 1000 {
                break;
            }
        }
        Ok(items)
    }

    /// A `Link` URL as a path under the API root; other hosts are never followed (the token must
    /// not leave the API host).
    fn relative(&self, link: &str) -> Option<String> {
        let link = url::Url::parse(link).ok()?;
        let base = url::Url::parse(&self.api_url).ok()?;
        if link.origin() != base.origin() {
            return None;
        }
        let base_path = base.path().trim_end_matches('/');
        let path = link.path().strip_prefix(base_path).unwrap_or(link.path());
        Some(match link.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        })
    }

    /// The release's assets, every page.
    pub async fn assets(&self, release_id: u64) -> Result<Vec<Asset>, ApiError> {
        self.list(&format!(
            "{}/releases/{release_id}/assets?per_page=100",
            self.repo_path()
        ))
        .await
    }

    /// Deletes an asset; an asset already gone counts as deleted.
    pub async fn delete_asset(&self, asset_id: u64) -> Result<(), ApiError> {
        let path = format!("{}/releases/assets/{asset_id}", self.repo_path());
        let resp = self.request(Method::DELETE, &path, None).await?;
        match resp.status {
            204 | 404 => Ok(()),
            _ => Err(self.status_error(&Method::DELETE, &join(&self.api_url, &path), &resp)),
        }
    }

    /// Renames an asset (and sets its label) with the update-asset endpoint.
    pub async fn rename_asset(
        &self,
        asset_id: u64,
        name: &str,
        label: Option<&str>,
    ) -> Result<Asset, ApiError> {
        let mut body = serde_json::json!({ "name": name });
        if let Some(label) = label {
            body["label"] = label.into();
        }
        let path = format!("{}/releases/assets/{asset_id}", self.repo_path());
        self.json(Method::PATCH, &path, Some(&body)).await
    }

    /// The octocrab client for an uploads origin. octocrab joins its base path onto every path,
    /// so the uploads host (`https://uploads.github.com`, GHES `https://HOST/api/uploads/…`)
    /// gets its own client rooted at the bare origin.
    fn upload_client(&self, origin: &str) -> Result<Octocrab, ApiError> {
        let mut clients = self.uploads.lock().map_err(|_| ApiError::Setup {
            url: origin.to_string(),
            reason: "client cache poisoned".to_string(),
        })?;
        if let Some(client) = clients.get(origin) {
            return Ok(client.clone());
        }
        let client = build_octocrab(origin, self.token.as_deref())?;
        clients.insert(origin.to_string(), client.clone());
        Ok(client)
    }

    /// One upload attempt of `file` as `name`, streamed from disk; verifies the returned asset
    /// against what was sent (size, state and, when GitHub gives it, the SHA-256 digest).
    pub async fn upload_once(
        &self,
        upload_url: &str,
        file: &LocalFile,
        name: &str,
        tally: Arc<Tally>,
    ) -> Attempt<Asset> {
        let target = match upload_target(upload_url, name, file.label.as_deref()) {
            Ok(t) => t,
            Err(reason) => {
                return Attempt::Fatal(ApiError::Setup {
                    url: upload_url.to_string(),
                    reason,
                })
            }
        };
        let client = match self.upload_client(&target.origin) {
            Ok(c) => c,
            Err(e) => return Attempt::Fatal(e),
        };
        let handle = match tokio::fs::File::open(&file.path).await {
            Ok(h) => h,
            Err(source) => {
                return Attempt::Fatal(ApiError::File {
                    path: file.display.clone(),
                    source,
                })
            }
        };
        self.budget.acquire().await;
        let body = OctoBody::new(FileBody::new(handle, file.size, tally.clone()));
        let request = http::Request::builder()
            .method(Method::POST)
            .uri(&target.path_and_query)
            .header(ACCEPT, GITHUB_JSON)
            .header(CONTENT_TYPE, file.content_type)
            .header(CONTENT_LENGTH, file.size)
            .body(body);
        let request = match request {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Fatal(ApiError::Setup {
                    url: target.url.clone(),
                    reason: e.to_string(),
                })
            }
        };
        // A deadline that grows with the file: the API timeout plus 1 MiB/s.
        let deadline = self.policy.timeout + Duration::from_secs(file.size / (1 << 20));
        let resp = match self.send_once(&client, request, deadline).await {
            Ok(resp) => resp,
            Err(reason) => return Attempt::Retry { reason, wait: None },
        };
        if resp.status == 201 {
            let asset: Asset = match serde_json::from_slice(&resp.body) {
                Ok(a) => a,
                Err(e) => {
                    return Attempt::Retry {
                        reason: format!("unreadable upload response: {e}"),
                        wait: None,
                    }
                }
            };
            return match verify(&asset, file.size, tally.digest().as_deref()) {
                Ok(()) => Attempt::Done(asset),
                Err(reason) => Attempt::Retry {
                    reason: format!("verification failed: {reason}"),
                    wait: None,
                },
            };
        }
        if resp.already_exists() {
            return Attempt::Fatal(ApiError::AssetExists {
                url: target.url,
                name: name.to_string(),
            });
        }
        match resp.transient(self.policy.secondary_floor) {
            Some(wait) => Attempt::Retry {
                reason: format!("HTTP {}: {}", resp.status, resp.message()),
                wait,
            },
            None => Attempt::Fatal(self.status_error(&Method::POST, &target.url, &resp)),
        }
    }
}

/// Checks an asset GitHub returned against what was sent.
pub fn verify(asset: &Asset, size: u64, digest: Option<&str>) -> Result<(), String> {
    if asset.state != "uploaded" {
        return Err(format!("state is '{}', not 'uploaded'", asset.state));
    }
    if u64::try_from(asset.size).ok() != Some(size) {
        return Err(format!("GitHub has {} bytes, the file {size}", asset.size));
    }
    if let (Some(remote), Some(local)) = (asset.digest.as_deref(), digest) {
        if !remote.eq_ignore_ascii_case(local) {
            return Err(format!("GitHub has {remote}, sent {local}"));
        }
    }
    Ok(())
}

/// An existing asset as the planner sees it.
pub fn existing(asset: &Asset) -> ExistingAsset {
    ExistingAsset {
        id: asset.id.0,
        name: asset.name.clone(),
        size: u64::try_from(asset.size).unwrap_or(0),
        state: asset.state.clone(),
        digest: asset.digest.clone(),
        browser_download_url: asset.browser_download_url.to_string(),
    }
}

/// Where one upload goes.
#[derive(Debug, PartialEq, Eq)]
pub struct UploadTarget {
    /// `scheme://host[:port]`.
    pub origin: String,
    /// Path and query, with `name` (and `label`) encoded.
    pub path_and_query: String,
    /// The whole URL, for messages.
    pub url: String,
}

/// Expands a release's `upload_url` template (`…/assets{?name,label}`) for one asset. The
/// template is used as given, so GitHub Enterprise Server's `https://HOST/api/uploads/…` works.
pub fn upload_target(
    template: &str,
    name: &str,
    label: Option<&str>,
) -> Result<UploadTarget, String> {
    let bare = template.split('{').next().unwrap_or(template);
    let mut url = url::Url::parse(bare).map_err(|e| format!("bad upload_url '{bare}': {e}"))?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("name", name);
        if let Some(label) = label {
            query.append_pair("label", label);
        }
    }
    let origin = url.origin().ascii_serialization();
    if origin == "null" {
        return Err(format!("bad upload_url '{bare}': no host"));
    }
    let path_and_query = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    Ok(UploadTarget {
        origin,
        path_and_query,
        url: url.to_string(),
    })
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all("link") {
        let text = value.to_str().ok()?;
        for part in text.split(',') {
            let mut pieces = part.split(';');
            let target = pieces.next()?.trim();
            if pieces.any(|p| p.trim() == "rel=\"next\"") {
                return Some(
                    target
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string(),
                );
            }
        }
    }
    None
}

/// An error and its sources on one line (transport errors hide the cause in the chain).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// Decodes a release from JSON.
pub fn release_from(value: &Response) -> Result<Release, String> {
    serde_json::from_slice(&value.body).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        Response {
            status,
            headers: map,
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn upload_targets_keep_the_template_host_and_path() {
        let t = upload_target(
            "https://ghe.example.com/api/uploads/repos/o/r/releases/5/assets{?name,label}",
            "a b+c.zip",
            Some("Linux x64"),
        )
        .unwrap();
        assert_eq!(t.origin, "https://ghe.example.com");
        assert_eq!(
            t.path_and_query,
            "/api/uploads/repos/o/r/releases/5/assets?name=a+b%2Bc.zip&label=Linux+x64"
        );
    }

    #[test]
    fn link_headers_give_the_next_page() {
        let r = resp(
            200,
            &[(
                "link",
                "<https://api.github.com/repositories/1/releases?page=2>; rel=\"next\", <https://api.github.com/repositories/1/releases?page=5>; rel=\"last\"",
            )],
            "[]",
        );
        assert_eq!(
            next_link(&r.headers).unwrap(),
            "https://api.github.com/repositories/1/releases?page=2"
        );
        assert!(next_link(&resp(200, &[], "[]").headers).is_none());
    }

    #[test]
    fn rate_limits_follow_githubs_order() {
        let floor = Duration::from_secs(60);
        assert_eq!(
            resp(403, &[("retry-after", "7")], "{}").transient(floor),
            Some(Some(Duration::from_secs(7)))
        );
        let secondary = resp(
            403,
            &[],
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        );
        assert_eq!(secondary.transient(floor), Some(Some(floor)));
        let reset = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 30;
        let primary = resp(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset.to_string()),
            ],
            "{}",
        );
        let wait = primary.transient(floor).unwrap().unwrap();
        assert!(wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28));
        assert_eq!(
            resp(
                403,
                &[],
                r#"{"message":"Resource not accessible by integration"}"#
            )
            .transient(floor),
            None
        );
        assert_eq!(resp(502, &[], "").transient(floor), Some(None));
        assert_eq!(resp(404, &[], "").transient(floor), None);
    }

    #[test]
    fn already_exists_is_read_from_the_errors_array() {
        let r = resp(
            422,
            &[],
            r#"{"message":"Validation Failed","errors":[{"resource":"Release","code":"already_exists","field":"tag_name"}]}"#,
        );
        assert!(r.already_exists());
        assert_eq!(r.message(), "Validation Failed (already_exists)");
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let p = RetryPolicy {
            attempts: 5,
            max_total: Duration::from_secs(600),
            base: Duration::from_secs(1),
            cap: Duration::from_secs(8),
            secondary_floor: Duration::from_secs(60),
            timeout: Duration::from_secs(60),
        };
        for (attempt, full) in [(0, 1), (1, 2), (2, 4), (3, 8), (9, 8)] {
            let d = p.backoff(attempt);
            let full = Duration::from_secs(full);
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
    }

    #[tokio::test]
    async fn the_budget_holds_requests_over_the_window() {
        let window = Duration::from_millis(300);
        let budget = RateBudget::new(vec![(2, window)]);
        let start = Instant::now();
        budget.acquire().await;
        budget.acquire().await;
        budget.acquire().await;
        // The third request had to wait for the first to leave the window.
        assert!(start.elapsed() >= window);
    }
}
