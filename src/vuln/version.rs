//! Version order per OSV ecosystem: PEP 440 (PyPI), SemVer 2.0 (npm, crates.io, Go module
//! versions incl. pseudo-versions and `+incompatible`), Maven's ComparableVersion and RubyGems'
//! Gem::Version, so that `ECOSYSTEM` and `SEMVER` ranges are evaluated the way each package
//! manager orders its releases.

use std::cmp::Ordering;

/// The OSV ecosystems vuln-check can match, with their version order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Ecosystem {
    /// Python distributions; PEP 440 order.
    PyPI,
    /// npm packages; SemVer order.
    #[serde(rename = "npm")]
    Npm,
    /// Rust crates; SemVer order.
    #[serde(rename = "crates.io")]
    CratesIo,
    /// Go modules; SemVer order of module versions (leading `v` optional).
    Go,
    /// Maven artifacts (`group:artifact`); ComparableVersion order.
    Maven,
    /// Ruby gems; Gem::Version order.
    RubyGems,
}

impl Ecosystem {
    /// Every ecosystem, in a fixed order.
    pub const ALL: [Ecosystem; 6] = [
        Ecosystem::PyPI,
        Ecosystem::Npm,
        Ecosystem::CratesIo,
        Ecosystem::Go,
        Ecosystem::Maven,
        Ecosystem::RubyGems,
    ];

    /// The ecosystem's name in OSV records and export paths.
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Go => "Go",
            Ecosystem::Maven => "Maven",
            Ecosystem::RubyGems => "RubyGems",
        }
    }

    /// The ecosystem an OSV `affected[].package.ecosystem` names (a `:suffix`, as in
    /// `Debian:12`, never matches these).
    pub fn from_osv(name: &str) -> Option<Ecosystem> {
        Ecosystem::ALL.into_iter().find(|e| e.osv_name() == name)
    }

    /// Parses a version in this ecosystem's syntax.
    pub fn parse(self, text: &str) -> Result<Version, String> {
        match self {
            Ecosystem::PyPI => Pep440::parse(text).map(Version::Pep440),
            Ecosystem::Npm | Ecosystem::CratesIo | Ecosystem::Go => {
                SemVer::parse(text).map(Version::SemVer)
            }
            Ecosystem::Maven => Ok(Version::Maven(Maven::parse(text))),
            Ecosystem::RubyGems => Gem::parse(text).map(Version::Gem),
        }
    }
}

/// A parsed version of one ecosystem; versions of different ecosystems never compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    /// PEP 440.
    Pep440(Pep440),
    /// SemVer 2.0 (build metadata ignored).
    SemVer(SemVer),
    /// Maven ComparableVersion.
    Maven(Maven),
    /// RubyGems.
    Gem(Gem),
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Version::Pep440(a), Version::Pep440(b)) => Some(a.cmp(b)),
            (Version::SemVer(a), Version::SemVer(b)) => Some(a.cmp(b)),
            (Version::Maven(a), Version::Maven(b)) => Some(a.cmp(b)),
            (Version::Gem(a), Version::Gem(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PEP 440 <https://peps.python.org/pep-0440/>

/// A PEP 440 version, normalised (case, separators, alternative spellings, implicit numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pep440 {
    epoch: u64,
    release: Vec<u64>,
    /// `a`/`b`/`rc` as 0/1/2, with its number.
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    local: Vec<LocalPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LocalPart {
    Num(u64),
    Text(String),
}

impl Ord for LocalPart {
    // PEP 440: numeric local segments sort above alphanumeric ones; text compares lexically.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (LocalPart::Num(a), LocalPart::Num(b)) => a.cmp(b),
            (LocalPart::Num(_), LocalPart::Text(_)) => Ordering::Greater,
            (LocalPart::Text(_), LocalPart::Num(_)) => Ordering::Less,
            (LocalPart::Text(a), LocalPart::Text(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for LocalPart {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A little cursor over the lowercased version text.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn number(&mut self) -> Option<u64> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if start == self.i {
            return None;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
    fn separator(&mut self) -> bool {
        if matches!(self.peek(), Some(b'.' | b'-' | b'_')) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        // Longest match first, so that `rc` is not read as `r` + `c`.
        let mut best: Option<(usize, usize)> = None;
        for (n, w) in words.iter().enumerate() {
            if self.s[self.i..].starts_with(w.as_bytes()) && best.is_none_or(|(_, l)| w.len() > l) {
                best = Some((n, w.len()));
            }
        }
        let (n, len) = best?;
        self.i += len;
        Some(n)
    }
}

/// The sort key of a PEP 440 version (see [`Pep440::key`]).
type Pep440Key<'a> = (u64, &'a [u64], (i8, u8, u64), (i8, u64), (i8, u64));

impl Pep440 {
    /// Parses a version the way `packaging.version.Version` accepts it.
    pub fn parse(text: &str) -> Result<Pep440, String> {
        let lower = text.trim().to_ascii_lowercase();
        let bad = || format!("'{text}' is not a PEP 440 version");
        let mut c = Cursor {
            s: lower.as_bytes(),
            i: 0,
        };
        if c.peek() == Some(b'v') {
            c.i += 1;
        }
        let mut first = c.number().ok_or_else(bad)?;
        let mut epoch = 0;
        if c.peek() == Some(b'!') {
            c.i += 1;
            epoch = first;
            first = c.number().ok_or_else(bad)?;
        }
        let mut release = vec![first];
        while c.peek() == Some(b'.') && c.s.get(c.i + 1).is_some_and(u8::is_ascii_digit) {
            c.i += 1;
            release.push(c.number().ok_or_else(bad)?);
        }
        // Pre-release: a, alpha, b, beta, c, rc, pre, preview, optionally separated.
        let mut pre = None;
        let save = c.i;
        c.separator();
        const PRE: [&str; 8] = ["a", "alpha", "b", "beta", "c", "rc", "pre", "preview"];
        if let Some(n) = c.word(&PRE) {
            let kind = match n {
                0 | 1 => 0,
                2 | 3 => 1,
                _ => 2,
            };
            c.separator();
            pre = Some((kind, c.number().unwrap_or(0)));
        } else {
            c.i = save;
        }
        // Post-release: `-N`, or post/rev/r with an optional number.
        let mut post = None;
        let save = c.i;
        if c.peek() == Some(b'-') && c.s.get(c.i + 1).is_some_and(u8::is_ascii_digit) {
            c.i += 1;
            post = c.number();
        } else {
            c.separator();
            if c.word(&["post", "rev", "r"]).is_some() {
                c.separator();
                post = Some(c.number().unwrap_or(0));
            } else {
                c.i = save;
            }
        }
        let mut dev = None;
        let save = c.i;
        c.separator();
        if c.word(&["dev"]).is_some() {
            c.separator();
            dev = Some(c.number().unwrap_or(0));
        } else {
            c.i = save;
        }
        let mut local = Vec::new();
        if c.peek() == Some(b'+') {
            let rest = &lower[c.i + 1..];
            for part in rest.split(['.', '-', '_']) {
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(bad());
                }
                local.push(match part.parse() {
                    Ok(n) => LocalPart::Num(n),
                    Err(_) => LocalPart::Text(part.to_string()),
                });
            }
            c.i = c.s.len();
        }
        if c.i != c.s.len() {
            return Err(bad());
        }
        Ok(Pep440 {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    /// The sort key of the PEP 440 ordering: epoch, release without trailing zeros, then a
    /// pre-release key where a dev release of a final version sorts before its pre-releases,
    /// post (absent lowest), dev (absent highest), local (absent lowest).
    fn key(&self) -> Pep440Key<'_> {
        let mut release = self.release.as_slice();
        while let [rest @ .., 0] = release {
            release = rest;
        }
        let pre = match (self.pre, self.post, self.dev) {
            (Some((k, n)), _, _) => (0, k, n),
            (None, None, Some(_)) => (-1, 0, 0),
            _ => (1, 0, 0),
        };
        let post = self.post.map_or((-1, 0), |n| (0, n));
        let dev = self.dev.map_or((1, 0), |n| (0, n));
        (self.epoch, release, pre, post, dev)
    }
}

impl Ord for Pep440 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key()
            .cmp(&other.key())
            .then_with(|| self.local.cmp(&other.local))
    }
}

impl PartialOrd for Pep440 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

// ---------------------------------------------------------------------------------------------
// SemVer 2.0 <https://semver.org/> for npm, crates.io and Go (<https://go.dev/ref/mod#versions>)

/// A SemVer version; build metadata (including Go's `+incompatible`) does not take part in the
/// order, as SemVer 2.0 §10 says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemVer(semver::Version);

impl SemVer {
    /// Parses `1.2.3`, `v1.2.3`, `=1.2.3`, `1.2.3-rc.1+build`, Go pseudo-versions
    /// (`v0.0.0-20210101000000-abcdef123456`) and `v2.0.0+incompatible`. OSV writes
    /// `introduced: "0"` for "from the first release".
    pub fn parse(text: &str) -> Result<SemVer, String> {
        let t = text.trim();
        let t = t.strip_prefix('=').unwrap_or(t).trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        if t == "0" {
            return Ok(SemVer(semver::Version::new(0, 0, 0)));
        }
        semver::Version::parse(t)
            .map(SemVer)
            .map_err(|e| format!("'{text}' is not a semantic version ({e})"))
    }
}

impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.0, &other.0);
        (a.major, a.minor, a.patch)
            .cmp(&(b.major, b.minor, b.patch))
            .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => a.pre.cmp(&b.pre),
            })
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

// ---------------------------------------------------------------------------------------------
// Maven <https://maven.apache.org/pom.html#version-order-specification>

/// A Maven version as ComparableVersion sees it: a list of items where `-` (and a switch
/// between digits and letters) opens a sub-list, trailing "null" items removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maven(Vec<MavenItem>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum MavenItem {
    /// A number, kept as digits without leading zeros so that any length compares.
    Int(String),
    /// A qualifier, lowercased, with the well-known aliases resolved.
    Text(String),
    /// A sub-list, opened by `-` or a digit/letter transition.
    List(Vec<MavenItem>),
}

/// The rank of a qualifier: alpha < beta < milestone < rc < snapshot < "" (release) < sp, then
/// unknown qualifiers after all of them, ordered lexically.
fn qualifier_rank(q: &str) -> (u8, &str) {
    match q {
        "alpha" => (0, ""),
        "beta" => (1, ""),
        "milestone" => (2, ""),
        "rc" => (3, ""),
        "snapshot" => (4, ""),
        "" => (5, ""),
        "sp" => (6, ""),
        other => (7, other),
    }
}

impl MavenItem {
    fn is_null(&self) -> bool {
        match self {
            MavenItem::Int(d) => d == "0",
            MavenItem::Text(t) => t.is_empty(),
            MavenItem::List(l) => l.is_empty(),
        }
    }

    /// Compares with an item, or with "nothing" (a missing item at the end of a shorter list).
    fn cmp_opt(&self, other: Option<&MavenItem>) -> Ordering {
        use MavenItem::*;
        match (self, other) {
            (Int(a), None) => cmp_digits(a, "0"),
            (Text(a), None) => qualifier_rank(a).cmp(&qualifier_rank("")),
            (List(a), None) => match a.first() {
                None => Ordering::Equal,
                Some(first) => first.cmp_opt(None),
            },
            (Int(a), Some(Int(b))) => cmp_digits(a, b),
            (Int(_), Some(_)) => Ordering::Greater,
            (Text(_), Some(Int(_))) => Ordering::Less,
            (Text(a), Some(Text(b))) => qualifier_rank(a).cmp(&qualifier_rank(b)),
            (Text(_), Some(List(_))) => Ordering::Less,
            (List(_), Some(Int(_))) => Ordering::Less,
            (List(_), Some(Text(_))) => Ordering::Greater,
            (List(a), Some(List(b))) => cmp_lists(a, b),
        }
    }
}

fn cmp_digits(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn cmp_lists(a: &[MavenItem], b: &[MavenItem]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let ord = match (a.get(i), b.get(i)) {
            (Some(x), y) => x.cmp_opt(y),
            (None, Some(y)) => y.cmp_opt(None).reverse(),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Removes trailing null items of a list (ComparableVersion's `normalize`).
fn trim_nulls(list: &mut Vec<MavenItem>) {
    while list.last().is_some_and(MavenItem::is_null) {
        list.pop();
    }
}

impl Maven {
    /// Parses any string, as Maven does: every version string has a place in the order.
    pub fn parse(text: &str) -> Maven {
        let lower = text.trim().to_ascii_lowercase();
        // Stack of open lists; the bottom one is the version itself.
        let mut stack: Vec<Vec<MavenItem>> = vec![Vec::new()];
        let mut token = String::new();
        let mut digit = false;
        let chars: Vec<char> = lower.chars().collect();
        let push_token = |stack: &mut Vec<Vec<MavenItem>>,
                          token: &mut String,
                          digit: bool,
                          next: Option<char>| {
            let item = if digit {
                let d = token.trim_start_matches('0');
                MavenItem::Int(if d.is_empty() { "0".into() } else { d.into() })
            } else {
                // Single letters directly followed by a digit are aliases.
                let followed_by_digit = next.is_some_and(|c| c.is_ascii_digit());
                let t = match token.as_str() {
                    "a" if followed_by_digit => "alpha",
                    "b" if followed_by_digit => "beta",
                    "m" if followed_by_digit => "milestone",
                    "cr" => "rc",
                    "ga" | "final" | "release" => "",
                    t => t,
                };
                MavenItem::Text(t.to_string())
            };
            if let Some(top) = stack.last_mut() {
                top.push(item);
            }
            token.clear();
        };
        let mut i = 0;
        while i < chars.len() {
            let ch = chars[i];
            match ch {
                '.' => {
                    if token.is_empty() {
                        if let Some(top) = stack.last_mut() {
                            top.push(MavenItem::Int("0".into()));
                        }
                    } else {
                        push_token(&mut stack, &mut token, digit, None);
                    }
                }
                '-' => {
                    if token.is_empty() {
                        if let Some(top) = stack.last_mut() {
                            top.push(MavenItem::Int("0".into()));
                        }
                    } else {
                        push_token(&mut stack, &mut token, digit, None);
                    }
                    if let Some(top) = stack.last_mut() {
                        trim_nulls(top);
                    }
                    stack.push(Vec::new());
                }
                c => {
                    let is_digit = c.is_ascii_digit();
                    if !token.is_empty() && is_digit != digit {
                        push_token(&mut stack, &mut token, digit, Some(c));
                        // A transition opens a sub-list, like `-`.
                        if let Some(top) = stack.last_mut() {
                            trim_nulls(top);
                        }
                        stack.push(Vec::new());
                    }
                    digit = is_digit;
                    token.push(c);
                }
            }
            i += 1;
        }
        if !token.is_empty() {
            push_token(&mut stack, &mut token, digit, None);
        }
        // Close the open lists from the innermost outwards.
        while stack.len() > 1 {
            let mut inner = stack.pop().unwrap_or_default();
            trim_nulls(&mut inner);
            if let Some(top) = stack.last_mut() {
                top.push(MavenItem::List(inner));
            }
        }
        let mut items = stack.pop().unwrap_or_default();
        trim_nulls(&mut items);
        Maven(items)
    }
}

impl Ord for Maven {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.0, &other.0)
    }
}

impl PartialOrd for Maven {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

// ---------------------------------------------------------------------------------------------
// RubyGems <https://github.com/rubygems/rubygems/blob/master/lib/rubygems/version.rb> semantics

/// A RubyGems version: segments split at dots and digit/letter switches; a letter makes it a
/// pre-release (`1.0.a` < `1.0`); `-` stands for `.pre.`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gem(Vec<GemSeg>);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum GemSeg {
    // Declared first: a string segment sorts below any number.
    Text(String),
    Num(u64),
}

impl Gem {
    /// Parses a version Gem::Version accepts.
    pub fn parse(text: &str) -> Result<Gem, String> {
        let t = text.trim();
        let valid = !t.is_empty()
            && t.chars().next().is_some_and(|c| c.is_ascii_digit())
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !valid {
            return Err(format!("'{text}' is not a RubyGems version"));
        }
        let t = t.replace('-', ".pre.");
        let mut segs = Vec::new();
        for part in t.split('.') {
            let mut cur = String::new();
            let mut digit = None;
            for c in part.chars() {
                let d = c.is_ascii_digit();
                if digit.is_some_and(|prev| prev != d) {
                    segs.push(gem_seg(&cur)?);
                    cur.clear();
                }
                digit = Some(d);
                cur.push(c);
            }
            if !cur.is_empty() {
                segs.push(gem_seg(&cur)?);
            }
        }
        // Canonical segments: trailing zeros of the release part and of the pre-release part
        // do not count (`1.0` == `1`, `1.0.a.0` == `1.a`).
        let split = segs
            .iter()
            .position(|s| matches!(s, GemSeg::Text(_)))
            .unwrap_or(segs.len());
        let (release, pre) = segs.split_at(split);
        let mut release = release.to_vec();
        while release.len() > 1 && release.last() == Some(&GemSeg::Num(0)) {
            release.pop();
        }
        let mut pre = pre.to_vec();
        while pre.last() == Some(&GemSeg::Num(0)) {
            pre.pop();
        }
        release.extend(pre);
        Ok(Gem(release))
    }
}

fn gem_seg(s: &str) -> Result<GemSeg, String> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse()
            .map(GemSeg::Num)
            .map_err(|_| format!("version segment '{s}' is too large"))
    } else {
        Ok(GemSeg::Text(s.to_string()))
    }
}

impl Ord for Gem {
    fn cmp(&self, other: &Self) -> Ordering {
        for i in 0..self.0.len().max(other.0.len()) {
            let zero = GemSeg::Num(0);
            let a = self.0.get(i).unwrap_or(&zero);
            let b = other.0.get(i).unwrap_or(&zero);
            let ord = a.cmp(b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for Gem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that every version sorts strictly before the next one.
    fn ascending(eco: Ecosystem, versions: &[&str]) {
        let parsed: Vec<Version> = versions
            .iter()
            .map(|v| eco.parse(v).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        for (i, pair) in parsed.windows(2).enumerate() {
            assert_eq!(
                pair[0].partial_cmp(&pair[1]),
                Some(Ordering::Less),
                "{eco:?}: {} < {}",
                versions[i],
                versions[i + 1]
            );
        }
    }

    fn equal(eco: Ecosystem, a: &str, b: &str) {
        assert_eq!(
            eco.parse(a).unwrap().partial_cmp(&eco.parse(b).unwrap()),
            Some(Ordering::Equal),
            "{eco:?}: {a} == {b}"
        );
    }

    #[test]
    fn pep440_order() {
        // The ordering example of PEP 440's "Summary of permitted suffixes and relative
        // ordering", plus epochs and local versions.
        ascending(
            Ecosystem::PyPI,
            &[
                "1.0.dev456",
                "1.0a1",
                "1.0a2.dev456",
                "1.0a12.dev456",
                "1.0a12",
                "1.0b1.dev456",
                "1.0b2",
                "1.0b2.post345.dev456",
                "1.0b2.post345",
                "1.0rc1.dev456",
                "1.0rc1",
                "1.0",
                "1.0+abc.5",
                "1.0+abc.7",
                "1.0+5",
                "1.0.post456.dev34",
                "1.0.post456",
                "1.0.15",
                "1.1.dev1",
                "2!0.1",
            ],
        );
        equal(Ecosystem::PyPI, "1.0", "1.0.0");
        equal(Ecosystem::PyPI, "1.0-1", "1.0.post1");
        equal(Ecosystem::PyPI, "1.0.ALPHA.1", "1.0a1");
        equal(Ecosystem::PyPI, "1.0c1", "1.0rc1");
        equal(Ecosystem::PyPI, "v2.31.0", "2.31");
        equal(Ecosystem::PyPI, "1.0-r4", "1.0.post4");
        assert!(Pep440::parse("1.0.x").is_err());
        assert!(Pep440::parse("").is_err());
        assert!(Pep440::parse("1.0+").is_err());
    }

    #[test]
    fn semver_order_for_npm_crates_and_go() {
        ascending(
            Ecosystem::Npm,
            &[
                "0",
                "1.0.0-alpha",
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "1.0.0-beta",
                "1.0.0-beta.2",
                "1.0.0-beta.11",
                "1.0.0-rc.1",
                "1.0.0",
                "4.17.20",
                "4.17.21",
            ],
        );
        equal(Ecosystem::CratesIo, "1.0.0+build.1", "1.0.0+build.2");
        // Go: pseudo-versions are pre-releases of the next patch; +incompatible is metadata.
        ascending(
            Ecosystem::Go,
            &[
                "v0.3.6",
                "v0.3.7-0.20210503195748-5c7c50ebbd4f",
                "v0.3.7",
                "v0.3.8-0.20211004125949-5bd84dd9b33b",
                "0.3.8",
                "v2.0.0+incompatible",
                "v2.1.0",
            ],
        );
        equal(Ecosystem::Go, "v2.0.0+incompatible", "2.0.0");
        assert!(SemVer::parse("1.2").is_err());
    }

    #[test]
    fn maven_order() {
        // The order of Maven's version-order specification and ComparableVersionTest.
        ascending(
            Ecosystem::Maven,
            &[
                "1-alpha-1",
                "1-alpha2",
                "1-beta-1",
                "1-milestone-1",
                "1-rc-1",
                "1-snapshot",
                "1",
                "1-sp",
                "1-abc",
                "1-1",
                "1.1",
                "1.2-alpha",
                "1.2",
                "1.10",
                "2.0.0-M1",
                "2.0.0",
            ],
        );
        equal(Ecosystem::Maven, "1", "1.0.0");
        equal(Ecosystem::Maven, "1.0-ga", "1");
        equal(Ecosystem::Maven, "1.0.FINAL", "1.0");
        equal(Ecosystem::Maven, "1-cr1", "1-rc1");
        equal(Ecosystem::Maven, "1a1", "1-alpha-1");
        ascending(Ecosystem::Maven, &["2.14.1", "2.15.0", "2.16.0", "2.17.0"]);
        ascending(Ecosystem::Maven, &["9", "10", "0010.1"]);
    }

    #[test]
    fn rubygems_order() {
        ascending(
            Ecosystem::RubyGems,
            &[
                "1.0.a", "1.0.a.1", "1.0.b1", "1.0.rc1", "1.0", "1.0.1", "1.1.a", "1.1", "1.10",
            ],
        );
        equal(Ecosystem::RubyGems, "1.0", "1");
        equal(Ecosystem::RubyGems, "1.0.0-rc1", "1.0.0.pre.rc1");
        assert!(Gem::parse("x1").is_err());
    }

    #[test]
    fn different_kinds_never_compare() {
        let a = Ecosystem::PyPI.parse("1.0").unwrap();
        let b = Ecosystem::Npm.parse("1.0.0").unwrap();
        assert_eq!(a.partial_cmp(&b), None);
    }

    #[test]
    fn any_text_parses_or_errs_without_panicking_and_orders_consistently() {
        proptest::proptest!(|(a in "[0-9a-zA-Z.+!_-]{0,16}", b in "[0-9a-zA-Z.+!_-]{0,16}")| {
            for eco in Ecosystem::ALL {
                let (x, y) = (eco.parse(&a), eco.parse(&b));
                if let (Ok(x), Ok(y)) = (x, y) {
                    proptest::prop_assert_eq!(x.partial_cmp(&x), Some(Ordering::Equal));
                    let xy = x.partial_cmp(&y);
                    let yx = y.partial_cmp(&x);
                    proptest::prop_assert_eq!(xy, yx.map(Ordering::reverse), "{:?}: {} vs {}", eco, a, b);
                }
            }
        });
    }
}
