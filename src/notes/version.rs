//! The next version from the commits since the last stable release: major for breaking changes,
//! minor for features, patch otherwise; below 1.0.0 a breaking change bumps the minor version;
//! pre-release channels count up (`1.3.0-rc.1`, `1.3.0-rc.2`, then `1.3.0`).

use semver::{Prerelease, Version};

/// How much the commits move the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Fixes and everything else.
    Patch,
    /// At least one feature.
    Minor,
    /// At least one breaking change.
    Major,
}

impl Level {
    /// The level of one commit.
    pub fn of(ty: Option<&str>, breaking: bool) -> Level {
        if breaking {
            Level::Major
        } else if ty == Some("feat") {
            Level::Minor
        } else {
            Level::Patch
        }
    }
}

fn core(v: &Version) -> Version {
    Version::new(v.major, v.minor, v.patch)
}

/// Bumps a stable version by `level` (0.x: breaking bumps minor).
pub fn bump(base: &Version, level: Level) -> Version {
    match level {
        Level::Major if base.major > 0 => Version::new(base.major + 1, 0, 0),
        Level::Major | Level::Minor => Version::new(base.major, base.minor + 1, 0),
        Level::Patch => Version::new(base.major, base.minor, base.patch + 1),
    }
}

/// The next version.
///
/// `stable` is the last stable release (none for a first release, which gets `initial`);
/// `previous_pre` is the previous tag when it is a pre-release newer than `stable` (its version
/// is kept when the commits would not go beyond it); `pre` is the channel (`rc`), numbered one
/// past the highest `channel.N` among `existing` versions of the same target.
pub fn next<'a>(
    stable: Option<&Version>,
    previous_pre: Option<&Version>,
    level: Level,
    initial: &Version,
    pre: Option<&str>,
    existing: impl IntoIterator<Item = &'a Version>,
) -> Version {
    let mut target = stable.map_or_else(|| core(initial), |b| bump(b, level));
    if let Some(p) = previous_pre {
        target = target.max(core(p));
    }
    if let Some(channel) = pre {
        let prefix = format!("{channel}.");
        let n = existing
            .into_iter()
            .filter(|v| core(v) == target)
            .filter_map(|v| v.pre.as_str().strip_prefix(&prefix)?.parse::<u64>().ok())
            .max()
            .map_or(1, |n| n + 1);
        // The channel was validated by the caller; an invalid one leaves the version stable.
        target.pre = Prerelease::new(&format!("{channel}.{n}")).unwrap_or(Prerelease::EMPTY);
    }
    target
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn levels_and_zero_x_rules() {
        assert_eq!(bump(&v("1.2.3"), Level::Major), v("2.0.0"));
        assert_eq!(bump(&v("1.2.3"), Level::Minor), v("1.3.0"));
        assert_eq!(bump(&v("1.2.3"), Level::Patch), v("1.2.4"));
        assert_eq!(bump(&v("0.4.1"), Level::Major), v("0.5.0"));
        assert_eq!(bump(&v("0.4.1"), Level::Minor), v("0.5.0"));
        assert_eq!(Level::of(Some("fix"), true), Level::Major);
        assert_eq!(Level::of(Some("feat"), false), Level::Minor);
        assert_eq!(Level::of(None, false), Level::Patch);
    }

    #[test]
    fn pre_release_channels_count_up_then_release() {
        let init = v("0.1.0");
        let base = v("1.2.0");
        let none: [Version; 0] = [];
        assert_eq!(
            next(Some(&base), None, Level::Minor, &init, Some("rc"), &none),
            v("1.3.0-rc.1")
        );
        let tags = [v("1.3.0-rc.1"), v("1.3.0-beta.4"), v("1.2.0")];
        let rc1 = v("1.3.0-rc.1");
        assert_eq!(
            next(
                Some(&base),
                Some(&rc1),
                Level::Patch,
                &init,
                Some("rc"),
                &tags
            ),
            v("1.3.0-rc.2")
        );
        assert_eq!(
            next(Some(&base), Some(&rc1), Level::Patch, &init, None, &tags),
            v("1.3.0")
        );
        assert_eq!(next(None, None, Level::Major, &init, None, &none), init);
        assert_eq!(
            next(
                None,
                Some(&v("1.0.0-rc.1")),
                Level::Patch,
                &init,
                None,
                &none
            ),
            v("1.0.0")
        );
    }
}
