//! Deployment notifications: the message from a template, and its body for a Slack incoming
//! webhook (Block Kit), a Microsoft Teams workflow webhook (an Adaptive Card in the
//! `type: message` envelope) or any URL as plain JSON, with an optional
//! `X-Relkit-Signature-256: sha256=<hex HMAC-SHA256 of the body>` header. Webhook URLs are
//! secrets: messages show only their scheme and host.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// Where the notification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Slack incoming webhook: Block Kit `blocks` with a `text` fallback.
    Slack,
    /// Microsoft Teams workflow ("Post to a channel when a webhook request is received"): an
    /// Adaptive Card 1.4 in a `message` envelope.
    Teams,
    /// Any URL: one JSON object with every field.
    Json,
}

/// What a notification says.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Event {
    /// The repository (OWNER/NAME).
    pub repository: String,
    /// The environment.
    pub environment: String,
    /// The version deployed.
    pub version: String,
    /// The commit.
    pub sha: String,
    /// Who started it.
    pub actor: String,
    /// The final state (`success`, `failure`, `error`, …).
    pub state: String,
    /// Seconds the deployment took, when known.
    pub duration_seconds: Option<u64>,
    /// The run's log.
    pub log_url: String,
    /// Where the deployed service is.
    pub environment_url: String,
    /// The deployment id, when known.
    pub deployment_id: Option<u64>,
    /// The rollback's outcome (`success`, `failure`, `none`), when one was tried.
    pub rollback_state: Option<String>,
    /// The version rolled back to.
    pub rollback_version: Option<String>,
}

/// The default message template.
pub const DEFAULT_TEMPLATE: &str =
    "{state_emoji} {repository}: {version} ({sha7}) to {environment}: {state} in {duration} by {actor}{rollback}";

impl Event {
    fn duration(&self) -> String {
        self.duration_seconds.map_or_else(
            || "unknown time".to_string(),
            |s| crate::cli::human_duration(std::time::Duration::from_secs(s)),
        )
    }

    fn emoji(&self) -> &'static str {
        match self.state.as_str() {
            "success" => "✅",
            "failure" | "error" => "❌",
            _ => "ℹ️",
        }
    }

    fn rollback_text(&self) -> String {
        match (&self.rollback_state, &self.rollback_version) {
            (Some(state), Some(v)) => format!("; rollback to {v}: {state}"),
            (Some(state), None) => format!("; rollback: {state}"),
            _ => String::new(),
        }
    }

    /// Fills `template`: `{environment}`, `{version}`, `{sha}`, `{sha7}`, `{actor}`,
    /// `{duration}`, `{state}`, `{state_emoji}`, `{log_url}`, `{environment_url}`,
    /// `{repository}`, `{deployment_id}`, `{rollback}`, `{rollback_state}`,
    /// `{rollback_version}`. An unknown placeholder is an error naming it.
    pub fn render(&self, template: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                return Err(format!("unclosed '{{' at byte {open} of the template"));
            };
            let name = &after[..close];
            let value = match name {
                "environment" => self.environment.clone(),
                "version" => self.version.clone(),
                "sha" => self.sha.clone(),
                "sha7" => self.sha.chars().take(7).collect(),
                "actor" => self.actor.clone(),
                "duration" => self.duration(),
                "state" => self.state.clone(),
                "state_emoji" => self.emoji().to_string(),
                "log_url" => self.log_url.clone(),
                "environment_url" => self.environment_url.clone(),
                "repository" => self.repository.clone(),
                "deployment_id" => self.deployment_id.map(|i| i.to_string()).unwrap_or_default(),
                "rollback" => self.rollback_text(),
                "rollback_state" => self.rollback_state.clone().unwrap_or_default(),
                "rollback_version" => self.rollback_version.clone().unwrap_or_default(),
                other => {
                    return Err(format!(
                        "unknown placeholder {{{other}}}; known: environment, version, sha, sha7, actor, duration, state, state_emoji, log_url, environment_url, repository, deployment_id, rollback, rollback_state, rollback_version"
                    ))
                }
            };
            out.push_str(&value);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = vec![
            ("Environment", self.environment.clone()),
            ("Version", self.version.clone()),
            ("Commit", self.sha.clone()),
            ("State", self.state.clone()),
            ("Actor", self.actor.clone()),
            ("Duration", self.duration()),
        ];
        if let Some(state) = &self.rollback_state {
            facts.push(("Rollback", state.clone()));
        }
        if let Some(v) = &self.rollback_version {
            facts.push(("Rolled back to", v.clone()));
        }
        facts.retain(|(_, v)| !v.is_empty());
        facts
    }

    fn links(&self) -> Vec<(&'static str, &str)> {
        [
            ("Log", self.log_url.as_str()),
            ("Environment", self.environment_url.as_str()),
        ]
        .into_iter()
        .filter(|(_, u)| !u.is_empty())
        .collect()
    }

    /// The request body for `kind`, with `message` as the headline.
    pub fn body(&self, kind: Kind, message: &str) -> Value {
        match kind {
            // https://api.slack.com/messaging/webhooks, https://api.slack.com/block-kit
            Kind::Slack => {
                let fields: Vec<Value> = self
                    .facts()
                    .iter()
                    .map(|(k, v)| json!({"type": "mrkdwn", "text": format!("*{k}*\n{v}")}))
                    .collect();
                let mut blocks = vec![
                    json!({"type": "section", "text": {"type": "mrkdwn", "text": message}}),
                    // A section holds at most 10 fields.
                    json!({"type": "section", "fields": fields.into_iter().take(10).collect::<Vec<_>>()}),
                ];
                let buttons: Vec<Value> = self
                    .links()
                    .iter()
                    .map(|(t, u)| json!({"type": "button", "text": {"type": "plain_text", "text": t}, "url": u}))
                    .collect();
                if !buttons.is_empty() {
                    blocks.push(json!({"type": "actions", "elements": buttons}));
                }
                json!({"text": message, "blocks": blocks})
            }
            // https://learn.microsoft.com/en-us/connectors/teams/ (workflow webhook trigger)
            // and https://adaptivecards.io/explorer/
            Kind::Teams => {
                let facts: Vec<Value> = self
                    .facts()
                    .iter()
                    .map(|(k, v)| json!({"title": k, "value": v}))
                    .collect();
                let actions: Vec<Value> = self
                    .links()
                    .iter()
                    .map(|(t, u)| json!({"type": "Action.OpenUrl", "title": t, "url": u}))
                    .collect();
                json!({
                    "type": "message",
                    "attachments": [{
                        "contentType": "application/vnd.microsoft.card.adaptive",
                        "contentUrl": null,
                        "content": {
                            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                            "type": "AdaptiveCard",
                            "version": "1.4",
                            "body": [
                                {"type": "TextBlock", "text": message, "wrap": true, "weight": "Bolder"},
                                {"type": "FactSet", "facts": facts},
                            ],
                            "actions": actions,
                        },
                    }],
                })
            }
            Kind::Json => {
                let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
                v["event"] = json!("deployment");
                v["message"] = json!(message);
                v
            }
        }
    }
}

/// `sha256=<hex>` of the HMAC-SHA256 of `body` under `secret` (RFC 2104).
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length, so new_from_slice cannot fail here.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// What messages show of a secret URL: scheme and host only.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}/…",
            u.scheme(),
            u.host_str().unwrap_or("?"),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "<webhook URL>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn event() -> Event {
        Event {
            repository: "octo/app".into(),
            environment: "production".into(),
            version: "v1.4.2".into(),
            sha: "0123456789abcdef".into(),
            actor: "mona".into(),
            state: "failure".into(),
            duration_seconds: Some(75),
            rollback_state: Some("success".into()),
            rollback_version: Some("v1.4.1".into()),
            ..Event::default()
        }
    }

    #[test]
    fn template_fills_every_field_and_names_unknown_ones() {
        assert_eq!(
            event().render(DEFAULT_TEMPLATE).unwrap(),
            "❌ octo/app: v1.4.2 (0123456) to production: failure in 1m15s by mona; rollback to v1.4.1: success"
        );
        assert!(event().render("{nope}").unwrap_err().contains("{nope}"));
        assert!(event().render("{state").unwrap_err().contains("unclosed"));
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn redacted_urls_keep_only_the_host() {
        assert_eq!(
            redact("https://hooks.slack.com/services/T0/B0/XYZ"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(redact("http://127.0.0.1:9/x?sig=1"), "http://127.0.0.1:9/…");
        assert_eq!(redact("not a url"), "<webhook URL>");
    }
}
