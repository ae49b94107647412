//! What a user types to install from the repository: fetch the key into
//! `/etc/apt/keyrings/`, then one `deb [signed-by=…]` line or the deb822 `.sources` form
//! (<https://manpages.debian.org/sources.list.5>); and the job summary built around them.

use serde_json::{json, Value};

use super::index::Outcome;
use super::Args;

/// The setup lines for one suite and component.
#[derive(Debug, Clone)]
pub struct Lines {
    /// The repository's URL as users reach it (a placeholder without --url).
    pub url: String,
    /// Where the key goes on the user's machine.
    pub keyring: String,
    /// The command fetching the key (none for an unsigned repository).
    pub keyring_command: Option<String>,
    /// The one-line `sources.list` entry.
    pub deb_line: String,
    /// The deb822 `.sources` file.
    pub sources: String,
    /// The file the sources go to.
    pub sources_file: String,
    /// The one-line entry's file.
    pub list_file: String,
}

impl Lines {
    /// The lines for `args`; `signed` says whether the repository is signed.
    pub fn new(args: &Args, signed: bool) -> Lines {
        let url = args
            .url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| "https://REPLACE-WITH-THE-REPOSITORY-URL".to_string());
        let keyring = format!("/etc/apt/keyrings/{}.gpg", args.name);
        let (option, field) = if signed {
            (
                format!("signed-by={keyring}"),
                format!("Signed-By: {keyring}"),
            )
        } else {
            ("trusted=yes".to_string(), "Trusted: yes".to_string())
        };
        Lines {
            keyring_command: signed
                .then(|| format!("curl -fsSL {url}/KEY.gpg | sudo tee {keyring} > /dev/null")),
            deb_line: format!("deb [{option}] {url} {} {}", args.suite, args.component),
            sources: format!(
                "Types: deb\nURIs: {url}\nSuites: {}\nComponents: {}\n{field}\n",
                args.suite, args.component
            ),
            sources_file: format!("/etc/apt/sources.list.d/{}.sources", args.name),
            list_file: format!("/etc/apt/sources.list.d/{}.list", args.name),
            keyring,
            url,
        }
    }

    /// The lines as JSON.
    pub fn json(&self) -> Value {
        json!({
            "url": self.url,
            "keyring": self.keyring,
            "keyring_command": self.keyring_command,
            "deb_line": self.deb_line,
            "sources": self.sources,
            "sources_file": self.sources_file,
            "list_file": self.list_file,
        })
    }

    /// The lines as shell a user pastes.
    pub fn text(&self) -> String {
        let mut out = String::from("To install from this repository:\n");
        if let Some(cmd) = &self.keyring_command {
            out.push_str(&format!(
                "  sudo install -d -m 0755 /etc/apt/keyrings\n  {cmd}\n"
            ));
        }
        out.push_str(&format!(
            "  echo '{}' | sudo tee {}\n",
            self.deb_line, self.list_file
        ));
        out.push_str("  sudo apt-get update && sudo apt-get install <package>\n");
        out.push_str(&format!(
            "or, deb822 style, in {}:\n{}",
            self.sources_file,
            self.sources
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect::<String>()
        ));
        out
    }
}

/// The job summary: what changed, the packages, and the setup lines.
pub fn summary(args: &Args, outcome: &Outcome, fingerprint: Option<&str>, lines: &Lines) -> String {
    let mut md = format!(
        "### apt-repo: {} `{}/{}`\n\n",
        if outcome.changed {
            "updated"
        } else {
            "unchanged"
        },
        args.suite,
        args.component
    );
    md.push_str(&format!(
        "{} package(s) for {}; added {}, removed {}, unchanged {}.\n\n",
        outcome.packages,
        outcome.architectures.join(", "),
        outcome.added.len(),
        outcome.removed.len(),
        outcome.unchanged.len()
    ));
    if !outcome.added.is_empty() || !outcome.removed.is_empty() {
        md.push_str("| Package | Version | Architecture | Change |\n|---|---|---|---|\n");
        for (list, change) in [(&outcome.added, "added"), (&outcome.removed, "removed")] {
            for k in list {
                md.push_str(&format!(
                    "| `{}` | `{}` | {} | {change} |\n",
                    k.name, k.version, k.arch
                ));
            }
        }
        md.push('\n');
    }
    match fingerprint {
        Some(fp) => md.push_str(&format!("Signed by `{fp}`.\n\n")),
        None => md.push_str("**Not signed**: clients need `[trusted=yes]`.\n\n"),
    }
    md.push_str("Install:\n\n```sh\n");
    if let Some(cmd) = &lines.keyring_command {
        md.push_str(&format!(
            "sudo install -d -m 0755 /etc/apt/keyrings\n{cmd}\n"
        ));
    }
    md.push_str(&format!(
        "echo '{}' | sudo tee {}\nsudo apt-get update\n```\n\nor `{}`:\n\n```\n{}```\n",
        lines.deb_line, lines.list_file, lines.sources_file, lines.sources
    ));
    md
}
