//! Conventional Commits parsing (<https://www.conventionalcommits.org/en/v1.0.0/>): the
//! `type(scope)!: description` header, footers, `BREAKING CHANGE`, and git's own revert commits.
//! Works on any message: empty, enormous, or decoded lossily from non-UTF-8 bytes.

/// The `type(scope)!` part of a conventional header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    /// The type, lower-cased (`feat`, `fix`, …); the spec makes types case-insensitive.
    pub ty: String,
    /// The scope between parentheses, if any.
    pub scope: Option<String>,
    /// True when the header has `!` before the colon.
    pub bang: bool,
}

/// One footer (git trailer): `Token: value` or `Token #value`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Footer {
    /// The token, as written (`Co-authored-by`, `BREAKING CHANGE`, `Refs`).
    pub token: String,
    /// The value, continuation lines joined with `\n`.
    pub value: String,
}

/// A parsed commit message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The conventional type and scope; `None` when the header is not conventional.
    pub kind: Option<Kind>,
    /// The description after `: `, or the whole first line of a non-conventional message.
    pub subject: String,
    /// The footers of the last paragraph.
    pub footers: Vec<Footer>,
    /// True for `!` or a `BREAKING CHANGE`/`BREAKING-CHANGE` footer.
    pub breaking: bool,
    /// The text of the `BREAKING CHANGE` footer, if there is one.
    pub breaking_description: Option<String>,
    /// For `git revert` commits (`Revert "…"` + `This reverts commit <sha>.`): the reverted SHA.
    pub reverts: Option<String>,
    /// Why the message is not a (clean) conventional commit, for the parse-failure list.
    pub problem: Option<String>,
}

/// Parses a commit message. Never fails: what cannot be parsed is kept as the subject and the
/// reason goes to [`Message::problem`].
pub fn parse(message: &str) -> Message {
    let mut lines = message.lines();
    let header = lines.next().unwrap_or("").trim();
    let (mut kind, mut subject, mut problem) = parse_header(header);
    let body = message.split_once('\n').map_or("", |(_, rest)| rest);
    let footers = parse_footers(body);
    let mut breaking_description = None;
    for footer in &footers {
        if footer.token == "BREAKING CHANGE" || footer.token == "BREAKING-CHANGE" {
            breaking_description.get_or_insert_with(|| footer.value.clone());
        }
    }
    if breaking_description.is_none() {
        breaking_description = breaking_paragraph(body);
    }
    let mut reverts = None;
    if kind.is_none() {
        if let Some(original) = header
            .strip_prefix("Revert \"")
            .and_then(|s| s.strip_suffix('"'))
        {
            reverts = reverted_sha(body);
            kind = Some(Kind {
                ty: "revert".to_string(),
                scope: None,
                bang: false,
            });
            subject = original.to_string();
            problem = None;
        }
    }
    let breaking = kind.as_ref().is_some_and(|k| k.bang) || breaking_description.is_some();
    Message {
        kind,
        subject,
        footers,
        breaking,
        breaking_description,
        reverts,
        problem,
    }
}

/// Splits `type(scope)!: description`. Returns the kind (when conventional), the subject and the
/// problem found, if any.
fn parse_header(header: &str) -> (Option<Kind>, String, Option<String>) {
    let not_conventional = |why: &str| (None, header.to_string(), Some(why.to_string()));
    if header.is_empty() {
        return not_conventional("empty message");
    }
    let Some((prefix, rest)) = header.split_once(':') else {
        return not_conventional("not a conventional commit (no `type: ` prefix)");
    };
    let ty_end = prefix
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(prefix.len());
    let ty = &prefix[..ty_end];
    if ty.is_empty() || !ty.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return not_conventional("not a conventional commit (no `type: ` prefix)");
    }
    let mut tail = &prefix[ty_end..];
    let mut scope = None;
    if let Some(after) = tail.strip_prefix('(') {
        let Some(close) = after.find(')') else {
            return not_conventional("malformed header: the scope's `(` is never closed");
        };
        let inner = after[..close].trim();
        if inner.is_empty() {
            return not_conventional("malformed header: empty scope `()`");
        }
        scope = Some(inner.to_string());
        tail = &after[close + 1..];
    }
    let bang = tail.starts_with('!');
    if bang {
        tail = &tail[1..];
    }
    if !tail.is_empty() {
        return not_conventional("not a conventional commit (no `type: ` prefix)");
    }
    let description = rest.trim();
    if description.is_empty() {
        return not_conventional("malformed header: empty description after `:`");
    }
    let problem = (!rest.starts_with([' ', '\t']))
        .then(|| "malformed header: no space after `:` (parsed anyway)".to_string());
    let kind = Kind {
        ty: ty.to_ascii_lowercase(),
        scope,
        bang,
    };
    (Some(kind), description.to_string(), problem)
}

/// The token of a footer line (`Token: ` or `Token #`), if the line starts a footer.
fn footer_token(line: &str) -> Option<(&str, &str)> {
    for breaking in ["BREAKING CHANGE", "BREAKING-CHANGE"] {
        if let Some(rest) = line.strip_prefix(breaking) {
            if let Some(value) = rest.strip_prefix(": ") {
                return Some((breaking, value));
            }
        }
    }
    let end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))?;
    let token = &line[..end];
    if token.is_empty() || !token.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let rest = &line[end..];
    if let Some(value) = rest.strip_prefix(": ") {
        Some((token, value))
    } else if rest.starts_with(" #") {
        Some((token, &rest[1..]))
    } else {
        None
    }
}

/// The footers: the body's last paragraph, when its first line is a footer. Lines that do not
/// start a footer continue the previous one.
fn parse_footers(body: &str) -> Vec<Footer> {
    let trimmed = body.trim_end();
    let last = trimmed
        .rfind("\n\n")
        .map_or(trimmed, |i| &trimmed[i + 2..])
        .trim_start_matches('\n');
    let mut footers: Vec<Footer> = Vec::new();
    for (i, line) in last.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        match footer_token(line) {
            Some((token, value)) => footers.push(Footer {
                token: token.to_string(),
                value: value.trim().to_string(),
            }),
            None if i == 0 => return Vec::new(),
            None => {
                if let Some(previous) = footers.last_mut() {
                    previous.value.push('\n');
                    previous.value.push_str(line.trim());
                }
            }
        }
    }
    footers
}

/// A `BREAKING CHANGE:` paragraph anywhere in the body (people often put it before other text,
/// so it is not always a footer): the paragraph from that line on.
fn breaking_paragraph(body: &str) -> Option<String> {
    let mut found: Option<Vec<&str>> = None;
    for line in body.lines() {
        let line = line.trim_end_matches('\r');
        match found.as_mut() {
            None => {
                for token in ["BREAKING CHANGE: ", "BREAKING-CHANGE: "] {
                    if let Some(rest) = line.strip_prefix(token) {
                        found = Some(vec![rest.trim()]);
                    }
                }
            }
            Some(_) if line.trim().is_empty() => break,
            Some(parts) => parts.push(line.trim()),
        }
    }
    found.map(|parts| parts.join("\n"))
}

/// The SHA in git's `This reverts commit <sha>.` line.
fn reverted_sha(body: &str) -> Option<String> {
    body.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("This reverts commit ")?;
        let sha: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
        (sha.len() >= 7).then_some(sha)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn kind(ty: &str, scope: Option<&str>, bang: bool) -> Option<Kind> {
        Some(Kind {
            ty: ty.to_string(),
            scope: scope.map(str::to_string),
            bang,
        })
    }

    #[test]
    fn headers_with_scope_and_bang() {
        let m = parse("feat(api)!: drop v1 endpoints");
        assert_eq!(m.kind, kind("feat", Some("api"), true));
        assert_eq!(m.subject, "drop v1 endpoints");
        assert!(m.breaking);
        assert_eq!(m.problem, None);
        let m = parse("Fix: Handle empty input");
        assert_eq!(m.kind, kind("fix", None, false));
        assert_eq!(m.subject, "Handle empty input");
    }

    #[test]
    fn non_conventional_messages_keep_their_first_line() {
        for (msg, why) in [
            ("Update README", "no `type: ` prefix"),
            ("Merge branch 'x': things", "no `type: ` prefix"),
            ("feat(api: x", "never closed"),
            ("feat(): x", "empty scope"),
            ("feat: ", "empty description"),
            ("", "empty message"),
            ("123: numbers", "no `type: ` prefix"),
        ] {
            let m = parse(msg);
            assert_eq!(m.kind, None, "{msg}");
            assert_eq!(m.subject, msg.trim(), "{msg}");
            assert!(m.problem.as_deref().unwrap().contains(why), "{msg}: {m:?}");
        }
    }

    #[test]
    fn missing_space_is_parsed_but_reported() {
        let m = parse("fix:typo");
        assert_eq!(m.kind, kind("fix", None, false));
        assert_eq!(m.subject, "typo");
        assert!(m.problem.unwrap().contains("no space"));
    }

    #[test]
    fn footers_and_breaking_change() {
        let m = parse(
            "feat: new config\n\nLong body.\n\nBREAKING CHANGE: the `x` key is gone,\n  use `y`.\nRefs: #12\nCo-authored-by: Bob <bob@example.com>\n",
        );
        assert!(m.breaking);
        assert_eq!(
            m.breaking_description.as_deref(),
            Some("the `x` key is gone,\nuse `y`.")
        );
        let tokens: Vec<&str> = m.footers.iter().map(|f| f.token.as_str()).collect();
        assert_eq!(tokens, vec!["BREAKING CHANGE", "Refs", "Co-authored-by"]);
        assert_eq!(m.footers[2].value, "Bob <bob@example.com>");
        let m = parse("fix: x\n\nBREAKING-CHANGE: hyphenated too");
        assert_eq!(m.breaking_description.as_deref(), Some("hyphenated too"));
        let m = parse("fix: x\n\nCloses #4");
        assert_eq!(m.footers[0].value, "#4");
    }

    #[test]
    fn body_paragraphs_are_not_footers() {
        let m = parse("fix: x\n\nThis is prose: with a colon.\nNote: not a footer block");
        assert_eq!(m.footers, vec![]);
        let m = parse("fix: x\n\nBREAKING CHANGE: moved things\n\nMore prose after it.");
        assert_eq!(m.breaking_description.as_deref(), Some("moved things"));
    }

    #[test]
    fn git_reverts() {
        let m = parse("Revert \"feat: add x\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n");
        assert_eq!(m.kind, kind("revert", None, false));
        assert_eq!(m.subject, "feat: add x");
        assert_eq!(
            m.reverts.as_deref(),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
        assert_eq!(m.problem, None);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let huge = format!("feat: {}\n\n{}", "x".repeat(1 << 20), "y\n".repeat(100_000));
        assert_eq!(parse(&huge).subject.len(), 1 << 20);
        parse("\u{FFFD}\u{FFFD}: é(: \n\n: \n#");
        parse("feat(é)!: ü\r\n\r\nBREAKING CHANGE: ü\r\n");
        proptest::proptest!(|(s in ".*")| { parse(&s); });
    }
}
