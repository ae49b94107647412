//! A GitHub Releases REST API server for tests, on 127.0.0.1 (axum on hyper, with its own accept
//! loop so a fault can reset a connection mid-body). It follows GitHub's documented shapes:
//! <https://docs.github.com/en/rest/releases/releases> and
//! <https://docs.github.com/en/rest/releases/assets> — release by tag (drafts are not returned
//! there), list with `Link` pagination, create (422 `already_exists` when the tag has a release),
//! update, delete; assets list, update (rename), delete; uploads on a separate base taken from the
//! release's `upload_url` (laid out like GitHub Enterprise Server: API under `/api/v3`, uploads
//! under `/api/uploads`). It checks `Authorization`, `Accept`, `Content-Type` and `Content-Length`,
//! stores what it receives, and injects faults per request.
//!
//! It also serves the Deployments API (<https://docs.github.com/en/rest/deployments/deployments>,
//! <https://docs.github.com/en/rest/deployments/statuses>): create (a ref must resolve, 409 when a
//! required commit status context is not `success`; `required_contexts` absent means every
//! context), get, list newest first with `sha`/`ref`/`task`/`environment` filters and `Link`
//! pagination, statuses (the documented states only; `auto_inactive`, default true, adds an
//! `inactive` status to every earlier deployment of the environment that had a `success` one and
//! is neither transient nor production, as the REST reference words it), statuses listed newest
//! first, also paged.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// Repository owner.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// The token every request must carry (`Bearer` or `token`).
    pub token: String,
    /// Keep uploaded bytes (tests compare them); off, only size and digest are kept.
    pub keep_bytes: bool,
    /// Largest page of a list (GitHub: 100); tests lower it to exercise pagination.
    pub max_per_page: usize,
    /// Publishing a release makes it immutable (GitHub's immutable releases setting).
    pub immutable_on_publish: bool,
    /// Include the `digest` field on assets (GitHub added it in 2025; GHES may lack it).
    pub digests: bool,
    /// Let a draft be created for a tag whose only releases are drafts (github.com does: drafts
    /// have no tag yet), instead of answering 422 `already_exists`.
    pub duplicate_drafts: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            owner: "octo-org".to_string(),
            repo: "tool".to_string(),
            token: "ghs_testtoken0123456789abcdefSECRET".to_string(),
            keep_bytes: true,
            max_per_page: 100,
            immutable_on_publish: false,
            digests: true,
            duplicate_drafts: false,
        }
    }
}

/// A fault injected into matching requests.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status (500, 502, …) and GitHub's error body.
    Status(u16),
    /// Read about half of the request body, then reset the connection (uploads).
    ResetMidBody,
    /// 403 secondary rate limit, with `retry-after: N` or (None) without it, when clients must
    /// wait at least a minute.
    SecondaryRateLimit {
        /// Seconds in `retry-after`.
        retry_after: Option<u64>,
    },
    /// 403 primary rate limit: `x-ratelimit-remaining: 0` and `x-ratelimit-reset` this many
    /// seconds from now.
    PrimaryRateLimit {
        /// Seconds until the reset.
        reset_in: u64,
    },
    /// Create release: another job creates the release first; this request gets 422
    /// `already_exists`.
    AlreadyExists,
    /// Upload: the body is read but the asset stays an empty `starter` and the answer is 502, as
    /// GitHub documents for an upstream failure.
    Starter,
    /// Wait this long before handling the request normally.
    Slow(Duration),
    /// List releases: answer as if there were none yet (a lagging read replica, or another
    /// job's release created just after this one looked).
    StaleList,
}

/// A fault and which requests it hits.
#[derive(Debug, Clone)]
pub struct FaultRule {
    /// HTTP method, or any.
    pub method: Option<Method>,
    /// A substring of the path and query.
    pub path_contains: String,
    /// The fault.
    pub fault: Fault,
    /// How many matching requests it hits.
    pub times: u32,
}

/// One stored asset.
#[derive(Debug, Clone)]
pub struct AssetRec {
    pub id: u64,
    pub name: String,
    pub label: Option<String>,
    pub state: String,
    pub content_type: String,
    pub size: u64,
    pub digest: String,
    pub data: Vec<u8>,
}

/// One stored release.
#[derive(Debug, Clone)]
pub struct ReleaseRec {
    pub id: u64,
    pub tag: String,
    pub name: Option<String>,
    pub body: Option<String>,
    pub target: String,
    pub draft: bool,
    pub prerelease: bool,
    pub immutable: bool,
    pub make_latest: Option<String>,
    pub published: bool,
    pub assets: Vec<AssetRec>,
    /// Asset states observed when the release was published (draft → published), by name.
    pub assets_at_publish: Option<Vec<(String, String)>>,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct RequestRec {
    pub method: Method,
    pub path: String,
    pub status: u16,
}

/// One deployment status.
#[derive(Debug, Clone)]
pub struct StatusRec {
    pub id: u64,
    pub state: String,
    pub description: String,
    pub environment: String,
    pub log_url: String,
    pub environment_url: String,
    pub created_at: String,
    /// When the server stored it (tests measure notification latency from here).
    pub at: std::time::Instant,
}

/// One deployment.
#[derive(Debug, Clone)]
pub struct DeploymentRec {
    pub id: u64,
    pub sha: String,
    pub git_ref: String,
    pub task: String,
    pub payload: Value,
    pub environment: String,
    pub original_environment: String,
    pub description: Option<String>,
    pub transient: bool,
    pub production: bool,
    pub created_at: String,
    /// Oldest first.
    pub statuses: Vec<StatusRec>,
}

impl DeploymentRec {
    /// The state of its newest status (`None`: no status yet).
    pub fn latest(&self) -> Option<&str> {
        self.statuses.last().map(|s| s.state.as_str())
    }
}

/// Everything the server knows; tests read and change it.
#[derive(Debug, Default)]
pub struct State {
    pub releases: Vec<ReleaseRec>,
    pub deployments: Vec<DeploymentRec>,
    /// Branches and tags the repository has, and their commits (SHAs resolve to themselves).
    pub refs: HashMap<String, String>,
    /// Commit statuses by SHA: `(context, state)`.
    pub commit_statuses: HashMap<String, Vec<(String, String)>>,
    pub requests: Vec<RequestRec>,
    pub faults: Vec<FaultRule>,
    /// Completed uploads per asset name (counting renames as the final name).
    pub completed_uploads: HashMap<String, u32>,
    next_id: u64,
}

type Shared = Arc<(Config, Mutex<State>)>;

/// A running server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    shared: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Clone)]
struct Killer(Arc<Notify>);

impl Server {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start(config: Config) -> Server {
        Server::start_on(config, 0)
    }

    /// Starts a server on `port` of 127.0.0.1 (0: any free port).
    pub fn start_on(config: Config, port: u16) -> Server {
        let shared: Shared = Arc::new((config, Mutex::new(State::default())));
        let std_listener =
            std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("local addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app_shared = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
                let app = Router::new().fallback(handle).with_state(app_shared);
                let mut rx = rx;
                loop {
                    let accepted = tokio::select! {
                        _ = &mut rx => break,
                        a = listener.accept() => a,
                    };
                    let Ok((stream, _)) = accepted else { continue };
                    let kill = Arc::new(Notify::new());
                    let svc = hyper_util::service::TowerToHyperService::new(
                        app.clone().layer(Extension(Killer(kill.clone()))),
                    );
                    tokio::spawn(async move {
                        let conn = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), svc);
                        // Dropping the connection with unread data makes the kernel send a
                        // reset: what a client sees when GitHub's edge drops an upload.
                        tokio::select! {
                            _ = conn => {}
                            _ = kill.notified() => {}
                        }
                    });
                }
            });
        });
        Server {
            addr,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// The API root to pass as `--api-url` (GHES layout).
    pub fn api_url(&self) -> String {
        format!("http://{}/api/v3", self.addr)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.0
    }

    /// Locks the state.
    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.1.lock().unwrap()
    }

    /// Injects a fault for the next `times` requests matching method and path.
    pub fn inject(&self, method: Option<Method>, path_contains: &str, fault: Fault, times: u32) {
        self.state().faults.push(FaultRule {
            method,
            path_contains: path_contains.to_string(),
            fault,
            times,
        });
    }

    /// Adds a release; returns its id.
    pub fn add_release(&self, tag: &str, draft: bool) -> u64 {
        let mut state = self.state();
        new_release(&mut state, tag, draft, false, None, None, "main")
    }

    /// Adds an asset to a release in the given state; returns its id.
    pub fn add_asset(&self, release_id: u64, name: &str, data: &[u8], state_name: &str) -> u64 {
        let mut state = self.state();
        state.next_id += 1;
        let id = state.next_id;
        let release = state
            .releases
            .iter_mut()
            .find(|r| r.id == release_id)
            .expect("release");
        release.assets.push(AssetRec {
            id,
            name: name.to_string(),
            label: None,
            state: state_name.to_string(),
            content_type: "application/octet-stream".to_string(),
            size: data.len() as u64,
            digest: format!("sha256:{}", hex(&Sha256::digest(data))),
            data: data.to_vec(),
        });
        id
    }

    /// Makes `name` (a branch or tag) point at `sha`.
    pub fn add_ref(&self, name: &str, sha: &str) {
        self.state().refs.insert(name.to_string(), sha.to_string());
    }

    /// A copy of every deployment, oldest first.
    pub fn deployments(&self) -> Vec<DeploymentRec> {
        self.state().deployments.clone()
    }

    /// A copy of every release.
    pub fn releases(&self) -> Vec<ReleaseRec> {
        self.state().releases.clone()
    }

    /// A copy of every request received.
    pub fn requests(&self) -> Vec<RequestRec> {
        self.state().requests.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Connections still open die with the runtime when the thread ends; not joined so a
        // hung client cannot hang the test.
        drop(self.thread.take());
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_release(
    state: &mut State,
    tag: &str,
    draft: bool,
    prerelease: bool,
    name: Option<String>,
    body: Option<String>,
    target: &str,
) -> u64 {
    state.next_id += 1;
    let id = state.next_id;
    state.releases.push(ReleaseRec {
        id,
        tag: tag.to_string(),
        name,
        body,
        target: target.to_string(),
        draft,
        prerelease,
        immutable: false,
        make_latest: None,
        published: !draft,
        assets: Vec::new(),
        assets_at_publish: None,
    });
    id
}

/// GitHub's error body.
fn error(status: u16, message: &str, errors: Option<Value>) -> Response {
    let mut body = json!({
        "message": message,
        "documentation_url": "https://docs.github.com/rest/releases",
        "status": status.to_string(),
    });
    if let Some(errors) = errors {
        body["errors"] = errors;
    }
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, json_headers(), body.to_string()).into_response()
}

fn json_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        "x-github-api-version-selected",
        HeaderValue::from_static("2022-11-28"),
    );
    h
}

fn ok(status: u16, body: Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (code, json_headers(), body.to_string()).into_response()
}

fn user(base: &str) -> Value {
    json!({
        "login": "github-actions[bot]", "id": 41898282, "node_id": "MDM6Qm90NDE4OTgyODI=",
        "avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4", "gravatar_id": "",
        "url": format!("{base}/users/github-actions%5Bbot%5D"),
        "html_url": "https://github.com/apps/github-actions",
        "followers_url": format!("{base}/users/github-actions%5Bbot%5D/followers"),
        "following_url": format!("{base}/users/github-actions%5Bbot%5D/following{{/other_user}}"),
        "gists_url": format!("{base}/users/github-actions%5Bbot%5D/gists{{/gist_id}}"),
        "starred_url": format!("{base}/users/github-actions%5Bbot%5D/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{base}/users/github-actions%5Bbot%5D/subscriptions"),
        "organizations_url": format!("{base}/users/github-actions%5Bbot%5D/orgs"),
        "repos_url": format!("{base}/users/github-actions%5Bbot%5D/repos"),
        "events_url": format!("{base}/users/github-actions%5Bbot%5D/events{{/privacy}}"),
        "received_events_url": format!("{base}/users/github-actions%5Bbot%5D/received_events"),
        "type": "Bot", "user_view_type": "public", "site_admin": false
    })
}

struct Urls {
    api: String,
    web: String,
    uploads: String,
    repo: String,
}

fn asset_json(u: &Urls, release: &ReleaseRec, a: &AssetRec, digests: bool) -> Value {
    json!({
        "url": format!("{}/repos/{}/releases/assets/{}", u.api, u.repo, a.id),
        "browser_download_url": format!("{}/{}/releases/download/{}/{}", u.web, u.repo, release.tag, a.name),
        "id": a.id,
        "node_id": format!("RA_kwDOtest{}", a.id),
        "name": a.name,
        "label": a.label.clone().unwrap_or_default(),
        "state": a.state,
        "content_type": a.content_type,
        "size": a.size,
        "digest": if digests && a.state == "uploaded" { Value::from(a.digest.clone()) } else { Value::Null },
        "download_count": 0,
        "created_at": "2026-11-21T12:00:00Z",
        "updated_at": "2026-11-21T12:00:00Z",
        "uploader": user(&u.api),
    })
}

fn release_json(u: &Urls, r: &ReleaseRec, digests: bool) -> Value {
    let html_tag = if r.draft {
        format!("untagged-{:020x}", r.id)
    } else {
        r.tag.clone()
    };
    json!({
        "url": format!("{}/repos/{}/releases/{}", u.api, u.repo, r.id),
        "html_url": format!("{}/{}/releases/tag/{}", u.web, u.repo, html_tag),
        "assets_url": format!("{}/repos/{}/releases/{}/assets", u.api, u.repo, r.id),
        "upload_url": format!("{}/repos/{}/releases/{}/assets{{?name,label}}", u.uploads, u.repo, r.id),
        "tarball_url": format!("{}/repos/{}/tarball/{}", u.api, u.repo, r.tag),
        "zipball_url": format!("{}/repos/{}/zipball/{}", u.api, u.repo, r.tag),
        "discussion_url": Value::Null,
        "id": r.id,
        "node_id": format!("RE_kwDOtest{}", r.id),
        "tag_name": r.tag,
        "target_commitish": r.target,
        "name": r.name,
        "body": r.body,
        "draft": r.draft,
        "prerelease": r.prerelease,
        "immutable": r.immutable,
        "created_at": "2026-11-21T12:00:00Z",
        "published_at": if r.published { Value::from("2026-11-21T12:00:00Z") } else { Value::Null },
        "author": user(&u.api),
        "assets": r.assets.iter().map(|a| asset_json(u, r, a, digests)).collect::<Vec<_>>(),
    })
}

fn query_map(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn handle(
    AxState(shared): AxState<Shared>,
    Extension(killer): Extension<Killer>,
    req: Request,
) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let full = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let response = route(&shared, &killer, req).await;
    shared.1.lock().unwrap().requests.push(RequestRec {
        method,
        path: full,
        status: response.status().as_u16(),
    });
    response
}

fn take_fault(shared: &Shared, method: &Method, path: &str) -> Option<Fault> {
    let mut state = shared.1.lock().unwrap();
    let rule = state.faults.iter_mut().find(|f| {
        f.times > 0
            && f.method.as_ref().is_none_or(|m| m == method)
            && path.contains(&f.path_contains)
    })?;
    rule.times -= 1;
    Some(rule.fault.clone())
}

async fn route(shared: &Shared, killer: &Killer, req: Request) -> Response {
    let config = &shared.0;
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = query_map(req.uri().query());
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let urls = Urls {
        api: format!("http://{host}/api/v3"),
        web: format!("http://{host}"),
        uploads: format!("http://{host}/api/uploads"),
        repo: format!("{}/{}", config.owner, config.repo),
    };

    // Authentication first, as GitHub does: a bad token is 401 whatever else is wrong.
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token_ok = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("token "))
        == Some(config.token.as_str());
    if !token_ok {
        return error(401, "Bad credentials", None);
    }
    let accept = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(accept.contains("application/vnd.github") || accept.contains("application/json")) {
        return error(
            415,
            "Unsupported 'Accept' header; use application/vnd.github+json",
            None,
        );
    }

    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_string());
    let fault = take_fault(shared, &method, &path_and_query);
    match &fault {
        Some(Fault::Status(code)) => return error(*code, "Server Error", None),
        Some(Fault::SecondaryRateLimit { retry_after }) => {
            let mut resp = error(
                403,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
                None,
            );
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert("retry-after", HeaderValue::from(*secs));
            }
            return resp;
        }
        Some(Fault::PrimaryRateLimit { reset_in }) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let mut resp = error(403, "API rate limit exceeded for installation ID 1.", None);
            let headers = resp.headers_mut();
            headers.insert("x-ratelimit-limit", HeaderValue::from(5000));
            headers.insert("x-ratelimit-remaining", HeaderValue::from(0));
            headers.insert("x-ratelimit-reset", HeaderValue::from(now + reset_in));
            return resp;
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(*d).await,
        _ => {}
    }

    let api_prefix = format!("/api/v3/repos/{}/", urls.repo);
    let upload_prefix = format!("/api/uploads/repos/{}/", urls.repo);
    if let Some(rest) = path.strip_prefix(&upload_prefix) {
        let segs: Vec<&str> = rest.split('/').collect();
        return match (&method, segs.as_slice()) {
            (&Method::POST, ["releases", id, "assets"]) => {
                upload(shared, killer, &urls, id, &query, fault, req).await
            }
            _ => error(404, "Not Found", None),
        };
    }
    let Some(rest) = path.strip_prefix(&api_prefix) else {
        return error(404, "Not Found", None);
    };
    let segs: Vec<String> = rest.split('/').map(str::to_string).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let body: Value = if method == Method::POST || method == Method::PATCH {
        let bytes = match req.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return error(400, "Problems parsing JSON", None),
        };
        match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(_) => return error(400, "Problems parsing JSON", None),
        }
    } else {
        Value::Null
    };
    let digests = config.digests;
    let mut state = shared.1.lock().unwrap();
    match (&method, segs.as_slice()) {
        (&Method::POST, ["deployments"]) => create_deployment(&mut state, &urls, &body),
        (&Method::GET, ["deployments"]) => {
            let mut all: Vec<&DeploymentRec> = state
                .deployments
                .iter()
                .filter(|d| {
                    ["sha", "ref", "task", "environment"].iter().all(|k| {
                        let field = match *k {
                            "sha" => &d.sha,
                            "ref" => &d.git_ref,
                            "task" => &d.task,
                            _ => &d.environment,
                        };
                        query.get(*k).is_none_or(|want| want == field)
                    })
                })
                .collect();
            all.sort_by_key(|d| std::cmp::Reverse(d.id));
            let items = all.iter().map(|d| deployment_json(&urls, d)).collect();
            paged(
                &urls,
                &format!("/repos/{}/deployments", urls.repo),
                &query,
                items,
                config,
            )
        }
        (&Method::GET, ["deployments", id]) => match find_deployment(&state, id) {
            Some(i) => ok(200, deployment_json(&urls, &state.deployments[i])),
            None => error(404, "Not Found", None),
        },
        (&Method::POST, ["deployments", id, "statuses"]) => {
            let Some(i) = find_deployment(&state, id) else {
                return error(404, "Not Found", None);
            };
            create_status(&mut state, &urls, i, &body)
        }
        (&Method::GET, ["deployments", id, "statuses"]) => match find_deployment(&state, id) {
            Some(i) => {
                let d = &state.deployments[i];
                let items = d
                    .statuses
                    .iter()
                    .rev()
                    .map(|s| status_json(&urls, d, s))
                    .collect();
                paged(
                    &urls,
                    &format!("/repos/{}/deployments/{}/statuses", urls.repo, d.id),
                    &query,
                    items,
                    config,
                )
            }
            None => error(404, "Not Found", None),
        },
        (&Method::GET, ["releases", "tags", tag]) => {
            let tag = decode(tag);
            // Drafts have no tag yet: GitHub does not return them here.
            match state.releases.iter().find(|r| r.tag == tag && !r.draft) {
                Some(r) => ok(200, release_json(&urls, r, digests)),
                None => error(404, "Not Found", None),
            }
        }
        (&Method::GET, ["releases"]) => {
            let stale = matches!(fault, Some(Fault::StaleList));
            let mut all: Vec<&ReleaseRec> = state.releases.iter().filter(|_| !stale).collect();
            all.sort_by_key(|r| std::cmp::Reverse(r.id));
            let items: Vec<Value> = all
                .iter()
                .map(|r| release_json(&urls, r, digests))
                .collect();
            paged(
                &urls,
                &format!("/repos/{}/releases", urls.repo),
                &query,
                items,
                config,
            )
        }
        (&Method::POST, ["releases"]) => {
            let Some(tag) = body["tag_name"].as_str().map(str::to_string) else {
                return error(
                    422,
                    "Validation Failed",
                    Some(
                        json!([{"resource": "Release", "code": "missing_field", "field": "tag_name"}]),
                    ),
                );
            };
            let draft = body["draft"].as_bool().unwrap_or(false);
            let exists = state
                .releases
                .iter()
                .any(|r| r.tag == tag && !(config.duplicate_drafts && draft && r.draft));
            if matches!(fault, Some(Fault::AlreadyExists)) && !exists {
                new_release(
                    &mut state,
                    &tag,
                    body["draft"].as_bool().unwrap_or(false),
                    false,
                    None,
                    None,
                    "main",
                );
            }
            if exists || matches!(fault, Some(Fault::AlreadyExists)) {
                return error(
                    422,
                    "Validation Failed",
                    Some(
                        json!([{"resource": "Release", "code": "already_exists", "field": "tag_name"}]),
                    ),
                );
            }
            let id = new_release(
                &mut state,
                &tag,
                body["draft"].as_bool().unwrap_or(false),
                body["prerelease"].as_bool().unwrap_or(false),
                body["name"].as_str().map(str::to_string),
                body["body"].as_str().map(str::to_string),
                body["target_commitish"].as_str().unwrap_or("main"),
            );
            let r = state.releases.iter_mut().find(|r| r.id == id).unwrap();
            r.make_latest = body["make_latest"].as_str().map(str::to_string);
            if r.published && config.immutable_on_publish {
                r.immutable = true;
            }
            ok(201, release_json(&urls, r, digests))
        }
        (&Method::GET, ["releases", id]) => match find(&state, id) {
            Some(i) => ok(200, release_json(&urls, &state.releases[i], digests)),
            None => error(404, "Not Found", None),
        },
        (&Method::PATCH, ["releases", id]) => {
            let Some(i) = find(&state, id) else {
                return error(404, "Not Found", None);
            };
            let r = &mut state.releases[i];
            if let Some(draft) = body["draft"].as_bool() {
                if r.draft && !draft {
                    r.published = true;
                    r.assets_at_publish = Some(
                        r.assets
                            .iter()
                            .map(|a| (a.name.clone(), a.state.clone()))
                            .collect(),
                    );
                    if config.immutable_on_publish {
                        r.immutable = true;
                    }
                }
                r.draft = draft;
            }
            if let Some(m) = body["make_latest"].as_str() {
                r.make_latest = Some(m.to_string());
            }
            if let Some(n) = body["name"].as_str() {
                r.name = Some(n.to_string());
            }
            ok(200, release_json(&urls, r, digests))
        }
        (&Method::DELETE, ["releases", id]) => match find(&state, id) {
            Some(i) => {
                state.releases.remove(i);
                StatusCode::NO_CONTENT.into_response()
            }
            None => error(404, "Not Found", None),
        },
        (&Method::GET, ["releases", id, "assets"]) => match find(&state, id) {
            Some(i) => {
                let r = &state.releases[i];
                let items: Vec<Value> = r
                    .assets
                    .iter()
                    .map(|a| asset_json(&urls, r, a, digests))
                    .collect();
                paged(
                    &urls,
                    &format!("/repos/{}/releases/{}/assets", urls.repo, r.id),
                    &query,
                    items,
                    config,
                )
            }
            None => error(404, "Not Found", None),
        },
        (&Method::GET, ["releases", "assets", id]) => match find_asset(&state, id) {
            Some((i, j)) => {
                let r = &state.releases[i];
                ok(200, asset_json(&urls, r, &r.assets[j], digests))
            }
            None => error(404, "Not Found", None),
        },
        (&Method::PATCH, ["releases", "assets", id]) => {
            let Some((i, j)) = find_asset(&state, id) else {
                return error(404, "Not Found", None);
            };
            if let Some(name) = body["name"].as_str() {
                let taken = state.releases[i]
                    .assets
                    .iter()
                    .enumerate()
                    .any(|(k, a)| k != j && a.name == name);
                if taken {
                    return error(
                        422,
                        "Validation Failed",
                        Some(
                            json!([{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}]),
                        ),
                    );
                }
                let old = state.releases[i].assets[j].name.clone();
                if let Some(n) = state.completed_uploads.remove(&old) {
                    *state.completed_uploads.entry(name.to_string()).or_default() += n;
                }
                state.releases[i].assets[j].name = name.to_string();
            }
            if let Some(label) = body["label"].as_str() {
                state.releases[i].assets[j].label = Some(label.to_string());
            }
            let r = &state.releases[i];
            ok(200, asset_json(&urls, r, &r.assets[j], digests))
        }
        (&Method::DELETE, ["releases", "assets", id]) => match find_asset(&state, id) {
            Some((i, j)) => {
                state.releases[i].assets.remove(j);
                StatusCode::NO_CONTENT.into_response()
            }
            None => error(404, "Not Found", None),
        },
        _ => error(404, "Not Found", None),
    }
}

fn find_deployment(state: &State, id: &str) -> Option<usize> {
    let id: u64 = id.parse().ok()?;
    state.deployments.iter().position(|d| d.id == id)
}

/// A timestamp that grows with the ids, so records sort as they were made.
fn stamp(id: u64) -> String {
    format!(
        "2026-11-21T{:02}:{:02}:{:02}Z",
        10 + id / 3600 % 12,
        id / 60 % 60,
        id % 60
    )
}

fn validation(resource: &str, field: &str, code: &str) -> Response {
    error(
        422,
        "Validation Failed",
        Some(json!([{"resource": resource, "code": code, "field": field}])),
    )
}

fn create_deployment(state: &mut State, urls: &Urls, body: &Value) -> Response {
    let Some(git_ref) = body["ref"].as_str().filter(|r| !r.is_empty()) else {
        return validation("Deployment", "ref", "missing_field");
    };
    let is_sha = git_ref.len() == 40 && git_ref.chars().all(|c| c.is_ascii_hexdigit());
    let sha = match state.refs.get(git_ref) {
        Some(sha) => sha.clone(),
        None if is_sha => git_ref.to_string(),
        None => return error(422, &format!("No ref found for: {git_ref}"), None),
    };
    // Absent `required_contexts` means every context of the commit must be `success`.
    let statuses = state.commit_statuses.get(&sha).cloned().unwrap_or_default();
    let required: Vec<String> = match body.get("required_contexts") {
        None | Some(Value::Null) => statuses.iter().map(|(c, _)| c.clone()).collect(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect(),
        Some(_) => return validation("Deployment", "required_contexts", "invalid"),
    };
    let failing: Vec<&String> = required
        .iter()
        .filter(|c| !statuses.iter().any(|(n, s)| n == *c && s == "success"))
        .collect();
    if !failing.is_empty() {
        return error(
            409,
            &format!(
                "Conflict: Commit status checks failed for {git_ref}. {}",
                failing
                    .iter()
                    .map(|c| format!("{c}: not success"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None,
        );
    }
    let payload = match body.get("payload") {
        None | Some(Value::Null) => json!({}),
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or_else(|_| json!(s)),
        Some(v) => v.clone(),
    };
    let environment = body["environment"]
        .as_str()
        .unwrap_or("production")
        .to_string();
    let production = body["production_environment"]
        .as_bool()
        .unwrap_or(environment == "production");
    state.next_id += 1;
    let id = state.next_id;
    let rec = DeploymentRec {
        id,
        sha,
        git_ref: git_ref.to_string(),
        task: body["task"].as_str().unwrap_or("deploy").to_string(),
        payload,
        original_environment: environment.clone(),
        environment,
        description: body["description"].as_str().map(str::to_string),
        transient: body["transient_environment"].as_bool().unwrap_or(false),
        production,
        created_at: stamp(id),
        statuses: Vec::new(),
    };
    let json = deployment_json(urls, &rec);
    state.deployments.push(rec);
    ok(201, json)
}

const STATES: &[&str] = &[
    "error",
    "failure",
    "inactive",
    "in_progress",
    "queued",
    "pending",
    "success",
];

fn create_status(state: &mut State, urls: &Urls, index: usize, body: &Value) -> Response {
    let Some(new_state) = body["state"].as_str().filter(|s| STATES.contains(s)) else {
        return validation("DeploymentStatus", "state", "invalid");
    };
    let text = |k: &str| body[k].as_str().unwrap_or("").to_string();
    if let Some(env) = body["environment"].as_str().filter(|e| !e.is_empty()) {
        state.deployments[index].environment = env.to_string();
    }
    state.next_id += 1;
    let id = state.next_id;
    let environment = state.deployments[index].environment.clone();
    let rec = StatusRec {
        id,
        state: new_state.to_string(),
        description: text("description"),
        environment: environment.clone(),
        log_url: text("log_url"),
        environment_url: text("environment_url"),
        created_at: stamp(id),
        at: std::time::Instant::now(),
    };
    let json = status_json(urls, &state.deployments[index], &rec);
    state.deployments[index].statuses.push(rec);
    let this = state.deployments[index].id;
    if new_state == "success" && body["auto_inactive"].as_bool().unwrap_or(true) {
        let earlier: Vec<usize> = (0..state.deployments.len())
            .filter(|&j| {
                let d = &state.deployments[j];
                d.id < this
                    && d.environment == environment
                    && !d.transient
                    && !d.production
                    && d.latest() != Some("inactive")
                    && d.statuses.iter().any(|s| s.state == "success")
            })
            .collect();
        for j in earlier {
            state.next_id += 1;
            let id = state.next_id;
            state.deployments[j].statuses.push(StatusRec {
                id,
                state: "inactive".to_string(),
                description: String::new(),
                environment: environment.clone(),
                log_url: String::new(),
                environment_url: String::new(),
                created_at: stamp(id),
                at: std::time::Instant::now(),
            });
        }
    }
    ok(201, json)
}

fn deployment_json(u: &Urls, d: &DeploymentRec) -> Value {
    let url = format!("{}/repos/{}/deployments/{}", u.api, u.repo, d.id);
    json!({
        "url": url,
        "id": d.id,
        "node_id": format!("DE_kwDOtest{}", d.id),
        "sha": d.sha,
        "ref": d.git_ref,
        "task": d.task,
        "payload": d.payload,
        "original_environment": d.original_environment,
        "environment": d.environment,
        "description": d.description,
        "creator": user(&u.api),
        "created_at": d.created_at,
        "updated_at": d.statuses.last().map_or(&d.created_at, |s| &s.created_at),
        "statuses_url": format!("{url}/statuses"),
        "repository_url": format!("{}/repos/{}", u.api, u.repo),
        "transient_environment": d.transient,
        "production_environment": d.production,
    })
}

fn status_json(u: &Urls, d: &DeploymentRec, s: &StatusRec) -> Value {
    let deployment_url = format!("{}/repos/{}/deployments/{}", u.api, u.repo, d.id);
    json!({
        "url": format!("{deployment_url}/statuses/{}", s.id),
        "id": s.id,
        "node_id": format!("DES_kwDOtest{}", s.id),
        "state": s.state,
        "creator": user(&u.api),
        "description": s.description,
        "environment": s.environment,
        "target_url": s.log_url,
        "created_at": s.created_at,
        "updated_at": s.created_at,
        "deployment_url": deployment_url,
        "repository_url": format!("{}/repos/{}", u.api, u.repo),
        "environment_url": s.environment_url,
        "log_url": s.log_url,
    })
}

fn find(state: &State, id: &str) -> Option<usize> {
    let id: u64 = id.parse().ok()?;
    state.releases.iter().position(|r| r.id == id)
}

fn find_asset(state: &State, id: &str) -> Option<(usize, usize)> {
    let id: u64 = id.parse().ok()?;
    state
        .releases
        .iter()
        .enumerate()
        .find_map(|(i, r)| r.assets.iter().position(|a| a.id == id).map(|j| (i, j)))
}

/// A page of a list with GitHub's `Link` header (`next`, `last`, `first`, `prev`).
fn paged(
    urls: &Urls,
    path: &str,
    query: &HashMap<String, String>,
    items: Vec<Value>,
    config: &Config,
) -> Response {
    let per_page = query
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, config.max_per_page.max(1));
    let page = query
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    // GitHub's links keep the request's filters (`environment=…`); sorted for stable output.
    let mut filters: Vec<(&String, &String)> = query
        .iter()
        .filter(|(k, _)| *k != "page" && *k != "per_page")
        .collect();
    filters.sort();
    let filters: String = filters
        .iter()
        .map(|(k, v)| {
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair(k, v)
                .finish()
                + "&"
        })
        .collect();
    let link = |p: usize, rel: &str| {
        format!(
            "<{}{path}?{filters}per_page={per_page}&page={p}>; rel=\"{rel}\"",
            urls.api
        )
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link(page - 1, "prev"));
        links.push(link(1, "first"));
    }
    if page < last {
        links.push(link(page + 1, "next"));
        links.push(link(last, "last"));
    }
    let mut resp = ok(200, Value::Array(slice));
    if !links.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&links.join(", ")) {
            resp.headers_mut().insert("link", v);
        }
    }
    resp
}

#[allow(clippy::too_many_arguments)]
async fn upload(
    shared: &Shared,
    killer: &Killer,
    urls: &Urls,
    id: &str,
    query: &HashMap<String, String>,
    fault: Option<Fault>,
    req: Request,
) -> Response {
    let config = &shared.0;
    let Some(name) = query.get("name").filter(|n| !n.is_empty()) else {
        return error(
            422,
            "Validation Failed",
            Some(json!([{"resource": "ReleaseAsset", "code": "missing_field", "field": "name"}])),
        );
    };
    // GitHub renames unsafe names (see relkit's plan::github_name for the observed rules).
    let name = relkit::upload::plan::github_name(name);
    let label = query.get("label").cloned();
    let Some(content_type) = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return error(400, "Bad Content-Type header value", None);
    };
    let Some(length) = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return error(
            411,
            "Length Required: uploads need a Content-Length header",
            None,
        );
    };
    let asset_id = {
        let mut state = shared.1.lock().unwrap();
        let Some(i) = find(&state, id) else {
            return error(404, "Not Found", None);
        };
        if state.releases[i].assets.iter().any(|a| a.name == name) {
            return error(
                422,
                "Validation Failed",
                Some(
                    json!([{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}]),
                ),
            );
        }
        state.next_id += 1;
        let asset_id = state.next_id;
        // GitHub creates the asset as `starter` when the upload begins; a broken upload leaves it.
        state.releases[i].assets.push(AssetRec {
            id: asset_id,
            name: name.clone(),
            label,
            state: "starter".to_string(),
            content_type,
            size: 0,
            digest: String::new(),
            data: Vec::new(),
        });
        asset_id
    };
    let mut body = req.into_body();
    let mut hasher = Sha256::new();
    let mut data = Vec::new();
    let mut received: u64 = 0;
    let reset = matches!(fault, Some(Fault::ResetMidBody));
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            // The client went away: the asset stays `starter`, as on GitHub.
            return error(400, "upload aborted", None);
        };
        if let Ok(chunk) = frame.into_data() {
            received += chunk.len() as u64;
            hasher.update(&chunk);
            if config.keep_bytes {
                data.extend_from_slice(&chunk);
            }
        }
        if reset && received >= length / 2 {
            killer.0.notify_one();
            std::future::pending::<()>().await;
        }
    }
    if received != length {
        return error(400, "Content-Length does not match the body", None);
    }
    let mut state = shared.1.lock().unwrap();
    let Some((i, j)) = find_asset(&state, &asset_id.to_string()) else {
        return error(404, "Not Found", None);
    };
    if matches!(fault, Some(Fault::Starter)) {
        // "When an upstream failure occurs, you will receive a 502 Bad Gateway status. This may
        // leave an empty asset with a state of starter." (Upload a release asset, REST docs)
        return error(502, "Bad Gateway", None);
    }
    let asset = &mut state.releases[i].assets[j];
    asset.size = received;
    asset.digest = format!("sha256:{}", hex(&hasher.finalize()));
    asset.data = data;
    asset.state = "uploaded".to_string();
    *state.completed_uploads.entry(name.clone()).or_default() += 1;
    let r = &state.releases[i];
    ok(201, asset_json(urls, r, &r.assets[j], config.digests))
}
