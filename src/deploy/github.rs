//! The GitHub Deployments REST API (<https://docs.github.com/en/rest/deployments/deployments>
//! and <https://docs.github.com/en/rest/deployments/statuses>): create a deployment, add a
//! status, list deployments and statuses following `Link` pagination. Works on github.com and
//! GitHub Enterprise Server (`https://HOST/api/v3`); 401/403/404 name the permission the token
//! needs.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::exit::{Exit, ToolError};
use crate::http::{Client, GaveUp, Policy, Request, Response};

/// The permission every deployment call needs.
pub const PERMISSION: &str = "deployments: write";

/// Errors from the Deployments API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Retries were used up (network, 5xx, rate limits).
    #[error("{0}; check the network and GitHub's status, or raise --attempts/--deadline")]
    GaveUp(#[from] GaveUp),
    /// The token was rejected.
    #[error("{method} {url}: HTTP 401 {message}: the token was rejected; pass a valid token with `{PERMISSION}` (workflow: `permissions: {PERMISSION}`)")]
    Unauthorized {
        /// HTTP method.
        method: &'static str,
        /// The URL.
        url: String,
        /// GitHub's message.
        message: String,
    },
    /// The token may not do this.
    #[error("{method} {url}: HTTP 403 {message}: the token lacks `{PERMISSION}`; add `permissions: {PERMISSION}` to the job (a fine-grained token needs Deployments: read and write)")]
    Forbidden {
        /// HTTP method.
        method: &'static str,
        /// The URL.
        url: String,
        /// GitHub's message.
        message: String,
    },
    /// The repository or deployment does not exist, or the token cannot see it.
    #[error("{method} {url}: HTTP 404 {message}: {what} does not exist or the token cannot see it; check --repo and the id, and that the token has `{PERMISSION}` on the repository")]
    NotFound {
        /// HTTP method.
        method: &'static str,
        /// The URL.
        url: String,
        /// What was looked for.
        what: String,
        /// GitHub's message.
        message: String,
    },
    /// GitHub refused the deployment: required status checks failed, or a merge conflict.
    #[error("{url}: HTTP 409 {message}: GitHub refused the deployment (a required status check of the ref is not `success`, or it conflicts); fix the checks, or pass the contexts to require with --required-context")]
    Conflict {
        /// The URL.
        url: String,
        /// GitHub's message.
        message: String,
    },
    /// GitHub merged the default branch instead of creating a deployment (202).
    #[error("{url}: HTTP 202 {message}: GitHub auto-merged instead of deploying, although relkit sends auto_merge: false; deploy again from the merged ref")]
    AutoMerged {
        /// The URL.
        url: String,
        /// GitHub's message.
        message: String,
    },
    /// Validation failed (422) or another client error.
    #[error("{method} {url}: HTTP {status} {message}")]
    Rejected {
        /// HTTP method.
        method: &'static str,
        /// The URL.
        url: String,
        /// The status.
        status: u16,
        /// GitHub's message and errors.
        message: String,
    },
    /// The answer is not what the API documents.
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
        match self {
            ApiError::Conflict { .. } => Exit::Failed,
            ApiError::Rejected { status: 422, .. } => Exit::Usage,
            _ => Exit::Env,
        }
    }
}

/// A deployment, with the fields relkit reads.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Deployment {
    /// Its id.
    pub id: u64,
    /// The ref deployed (branch, tag or SHA).
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// The commit.
    pub sha: String,
    /// The environment.
    pub environment: String,
    /// What was passed as `payload` (relkit keeps the version in `payload.version`).
    #[serde(default)]
    pub payload: Value,
    /// When it was created.
    #[serde(default)]
    pub created_at: String,
    /// Its API URL.
    #[serde(default)]
    pub url: String,
}

impl Deployment {
    /// The version relkit recorded in the payload, if any.
    pub fn version(&self) -> Option<&str> {
        self.payload.get("version").and_then(Value::as_str)
    }
}

/// A deployment status.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Status {
    /// Its id.
    pub id: u64,
    /// `error`, `failure`, `inactive`, `in_progress`, `queued`, `pending` or `success`.
    pub state: String,
    /// When it was created.
    #[serde(default)]
    pub created_at: String,
}

/// A client for one repository.
pub struct Api {
    http: Client,
    base: String,
    repo: String,
    token: String,
    log: Box<dyn Fn(&str)>,
}

impl Api {
    /// A client for `repo` (OWNER/NAME) under the API root `base`.
    pub fn new(
        base: &str,
        repo: &str,
        token: String,
        policy: Policy,
        log: Box<dyn Fn(&str)>,
    ) -> Api {
        Api {
            http: Client::new(policy, concat!("relkit-deploy/", env!("CARGO_PKG_VERSION"))),
            base: base.trim_end_matches('/').to_string(),
            repo: repo.to_string(),
            token,
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/repos/{}{path}", self.base, self.repo)
    }

    fn call(
        &self,
        method: &'static str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Response, ApiError> {
        let text = body.map(Value::to_string);
        let mut headers = vec![
            ("accept", "application/vnd.github+json".to_string()),
            ("authorization", format!("Bearer {}", self.token)),
            ("x-github-api-version", "2022-11-28".to_string()),
        ];
        if text.is_some() {
            headers.push(("content-type", "application/json".to_string()));
        }
        let req = Request {
            method,
            url,
            shown: url,
            headers,
            body: text.as_deref().map(str::as_bytes),
        };
        Ok(self.http.send(&req, &*self.log)?)
    }

    fn check(
        &self,
        method: &'static str,
        url: &str,
        what: &str,
        resp: &Response,
    ) -> Result<(), ApiError> {
        let message = message(&resp.body);
        let url = url.to_string();
        match resp.status {
            200 | 201 => Ok(()),
            202 => Err(ApiError::AutoMerged { url, message }),
            401 => Err(ApiError::Unauthorized {
                method,
                url,
                message,
            }),
            403 => Err(ApiError::Forbidden {
                method,
                url,
                message,
            }),
            404 => Err(ApiError::NotFound {
                method,
                url,
                what: what.to_string(),
                message,
            }),
            409 => Err(ApiError::Conflict { url, message }),
            status => Err(ApiError::Rejected {
                method,
                url,
                status,
                message,
            }),
        }
    }

    fn parse<T: for<'de> Deserialize<'de>>(url: &str, resp: &Response) -> Result<T, ApiError> {
        serde_json::from_str(&resp.body).map_err(|e| ApiError::Protocol {
            url: url.to_string(),
            reason: format!("not the documented JSON ({e})"),
        })
    }

    /// `POST /repos/{owner}/{repo}/deployments`.
    pub fn create_deployment(&self, body: &Value) -> Result<Deployment, ApiError> {
        let url = self.url("/deployments");
        let resp = self.call("POST", &url, Some(body))?;
        self.check("POST", &url, &format!("repository {}", self.repo), &resp)?;
        Self::parse(&url, &resp)
    }

    /// `GET /repos/{owner}/{repo}/deployments/{id}`.
    pub fn deployment(&self, id: u64) -> Result<Deployment, ApiError> {
        let url = self.url(&format!("/deployments/{id}"));
        let resp = self.call("GET", &url, None)?;
        self.check("GET", &url, &format!("deployment {id}"), &resp)?;
        Self::parse(&url, &resp)
    }

    /// `POST /repos/{owner}/{repo}/deployments/{id}/statuses`.
    pub fn create_status(&self, id: u64, body: &Value) -> Result<Status, ApiError> {
        let url = self.url(&format!("/deployments/{id}/statuses"));
        let resp = self.call("POST", &url, Some(body))?;
        self.check("POST", &url, &format!("deployment {id}"), &resp)?;
        Self::parse(&url, &resp)
    }

    /// Every page of a list, following `Link: rel="next"`.
    fn list<T: for<'de> Deserialize<'de>>(
        &self,
        first: String,
        what: &str,
    ) -> Result<Vec<T>, ApiError> {
        let mut all = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > 1000 {
                return Err(ApiError::Protocol {
                    url,
                    reason: "more than 1000 pages; the Link header seems to loop".to_string(),
                });
            }
            let resp = self.call("GET", &url, None)?;
            self.check("GET", &url, what, &resp)?;
            let page: Vec<T> = Self::parse(&url, &resp)?;
            all.extend(page);
            next = resp.next_link();
        }
        Ok(all)
    }

    /// `GET /repos/{owner}/{repo}/deployments?environment=…`, every page (newest first).
    pub fn deployments(&self, environment: &str) -> Result<Vec<Deployment>, ApiError> {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("environment", environment)
            .append_pair("per_page", "100")
            .finish();
        self.list(
            format!("{}?{query}", self.url("/deployments")),
            &format!("repository {}", self.repo),
        )
    }

    /// `GET /repos/{owner}/{repo}/deployments/{id}/statuses`, every page (newest first).
    pub fn statuses(&self, id: u64) -> Result<Vec<Status>, ApiError> {
        self.list(
            format!(
                "{}?per_page=100",
                self.url(&format!("/deployments/{id}/statuses"))
            ),
            &format!("deployment {id}"),
        )
    }
}

/// GitHub's `message` (and the codes of `errors`) from an error body, or the body's start.
fn message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return body.chars().take(200).collect();
    };
    let mut text = v["message"].as_str().unwrap_or("").to_string();
    if let Some(errors) = v["errors"].as_array() {
        let parts: Vec<String> = errors
            .iter()
            .map(|e| {
                e.as_str().map(str::to_string).unwrap_or_else(|| {
                    [&e["field"], &e["code"], &e["message"]]
                        .iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
            })
            .collect();
        if !parts.is_empty() {
            text.push_str(&format!(" ({})", parts.join("; ")));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_the_validation_errors() {
        assert_eq!(
            message(
                r#"{"message":"Validation Failed","errors":[{"resource":"Deployment","field":"ref","code":"invalid"}]}"#
            ),
            "Validation Failed (ref invalid)"
        );
        assert_eq!(message("<html>"), "<html>");
    }
}
