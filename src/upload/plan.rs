//! Planning an upload before any write request: asset names (and the names GitHub would rename),
//! content types, the up-front refusals, and what to do with each file given the assets the
//! release already has.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::digest::algo::Algorithm;
use crate::digest::hash::hash_file;

/// GitHub's per-asset limit: "Each file included in a release must be under 2 GiB."
/// <https://docs.github.com/en/repositories/releasing-projects-on-github/about-releases#storage-and-bandwidth-quotas>
pub const MAX_ASSET_SIZE: u64 = 2 * 1024 * 1024 * 1024;

/// GitHub's limit on the number of assets in one release.
pub const MAX_ASSETS: usize = 1000;

/// What to do when the release already has an asset with the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum OnExisting {
    /// Skip when size and SHA-256 match; fail when they differ.
    SkipIdentical,
    /// Upload under a temporary name, verify, delete the old asset, rename the new one.
    Replace,
    /// Always fail.
    Fail,
}

/// What happens to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Upload it; the release has no asset of that name.
    Upload,
    /// The release already has an identical asset.
    Skip,
    /// Upload under a temporary name, then swap it in for the existing asset.
    Replace,
    /// A broken asset of that name (state `starter`/`new`) is deleted, then the file is uploaded.
    Reupload,
    /// Not uploaded: the reason says why and what to do.
    Refuse,
}

/// A file to upload, as found on disk.
#[derive(Debug, Clone)]
pub struct LocalFile {
    /// Where it is.
    pub path: PathBuf,
    /// The path as shown to people.
    pub display: String,
    /// The asset name (the sanitised name when `--rename-unsafe` renamed it).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// The Content-Type it is uploaded with.
    pub content_type: &'static str,
    /// The asset label, from `--label NAME=LABEL`.
    pub label: Option<String>,
}

/// An asset the release already has (the fields of GitHub's release-asset object we use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingAsset {
    /// Asset id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// `uploaded`, or `starter`/`new` after a broken upload.
    pub state: String,
    /// `sha256:<hex>` when GitHub computed it.
    pub digest: Option<String>,
    /// Download URL.
    pub browser_download_url: String,
}

/// The decision for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// What happens.
    pub action: Action,
    /// Why, for people and the JSON plan.
    pub reason: String,
}

/// The name GitHub gives an uploaded asset. GitHub documents only that it "renames asset
/// filenames that have special characters, non-alphanumeric characters, and leading or trailing
/// periods"; observed behaviour (travis-ci/dpl#821, softprops/action-gh-release#159) keeps ASCII
/// letters, digits, `-`, `_` and `.`, turns every run of other characters into one `.`, collapses
/// runs of periods and strips leading and trailing ones. Non-ASCII letters are sometimes
/// transliterated, so they count as unsafe too.
pub fn github_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let keep = c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        let c = if keep { c } else { '.' };
        if c == '.' && out.ends_with('.') {
            continue;
        }
        out.push(c);
    }
    out.trim_matches('.').to_string()
}

/// The Content-Type for an asset name, from its extension.
pub fn content_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    const BY_SUFFIX: &[(&str, &str)] = &[
        (".tar.gz", "application/gzip"),
        (".tgz", "application/gzip"),
        (".gz", "application/gzip"),
        (".tar.xz", "application/x-xz"),
        (".xz", "application/x-xz"),
        (".tar.zst", "application/zstd"),
        (".zst", "application/zstd"),
        (".tar.bz2", "application/x-bzip2"),
        (".bz2", "application/x-bzip2"),
        (".tar", "application/x-tar"),
        (".zip", "application/zip"),
        (".7z", "application/x-7z-compressed"),
        (".deb", "application/vnd.debian.binary-package"),
        (".rpm", "application/x-rpm"),
        (".apk", "application/vnd.android.package-archive"),
        (".dmg", "application/x-apple-diskimage"),
        (".pkg", "application/octet-stream"),
        (".msi", "application/x-msi"),
        (".exe", "application/vnd.microsoft.portable-executable"),
        (".appimage", "application/vnd.appimage"),
        (".jar", "application/java-archive"),
        (".whl", "application/zip"),
        (".json", "application/json"),
        (".txt", "text/plain"),
        (".md", "text/markdown"),
        (".asc", "application/pgp-signature"),
        (".sig", "application/pgp-signature"),
        (".pem", "application/x-pem-file"),
        (".sbom", "application/json"),
        (".xml", "application/xml"),
        (".yaml", "application/yaml"),
        (".yml", "application/yaml"),
        (".html", "text/html"),
        (".pdf", "application/pdf"),
        (".png", "image/png"),
        (".svg", "image/svg+xml"),
    ];
    if let Some((_, ct)) = BY_SUFFIX.iter().find(|(ext, _)| lower.ends_with(ext)) {
        return ct;
    }
    // Checksum lists are text whatever their spelling: SHA256SUMS, sha512sums.txt, CHECKSUMS.
    if lower.contains("sums") || lower.starts_with("checksums") || lower.ends_with(".sha256") {
        return "text/plain";
    }
    "application/octet-stream"
}

/// SHA-256 of a file as `sha256:<hex>`, the form of GitHub's asset `digest` field; streamed
/// through `buf`, never read whole.
pub fn file_digest(path: &Path, buf: &mut [u8]) -> std::io::Result<String> {
    hash_file(Algorithm::Sha256, path, buf).map(|hashed| format!("sha256:{}", hashed.digest))
}

/// Refusals that hold whatever the release contains: size, duplicate names and unsafe names.
/// Returns one message per refused file, keyed by its index in `files`. A name `--rename-unsafe`
/// produced is already what GitHub keeps, so only names GitHub would still change are refused.
pub fn local_refusals(files: &[LocalFile]) -> HashMap<usize, String> {
    let mut refused = HashMap::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, file) in files.iter().enumerate() {
        if file.size >= MAX_ASSET_SIZE {
            refused.insert(
                i,
                format!(
                    "{}: {} bytes is at or over GitHub's 2 GiB per-asset limit ({MAX_ASSET_SIZE} bytes); split the file or publish it elsewhere",
                    file.display, file.size
                ),
            );
        }
        let safe = github_name(&file.name);
        if safe.is_empty() {
            refused.insert(
                i,
                format!(
                    "{}: GitHub would leave this file an empty asset name (it keeps only ASCII letters, digits, '-', '_' and inner '.'); rename the file",
                    file.display
                ),
            );
        } else if safe != file.name {
            refused.insert(
                i,
                format!(
                    "{}: GitHub would rename asset '{}' to '{safe}'; rename the file, or pass --rename-unsafe to upload it as '{safe}'",
                    file.display, file.name
                ),
            );
        }
        if let Some(&first) = by_name.get(file.name.as_str()) {
            refused.insert(
                i,
                format!(
                    "{}: asset name '{}' is also the name of {}; two files cannot share one asset name",
                    file.display, file.name, files[first].display
                ),
            );
        } else {
            by_name.insert(&file.name, i);
        }
    }
    refused
}

/// Decides what to do with one file given the release's asset of the same name, if any.
/// `local_digest` is only called when the existing asset has a digest to compare with.
pub fn decide(
    file: &LocalFile,
    existing: Option<&ExistingAsset>,
    policy: OnExisting,
    local_digest: impl FnOnce() -> std::io::Result<String>,
) -> Decision {
    let Some(existing) = existing else {
        return Decision {
            action: Action::Upload,
            reason: "new asset".to_string(),
        };
    };
    if existing.state != "uploaded" {
        return Decision {
            action: Action::Reupload,
            reason: format!(
                "existing asset is in state '{}' (a broken earlier upload); it is deleted and uploaded again",
                existing.state
            ),
        };
    }
    let same = match (&existing.digest, existing.size == file.size) {
        (_, false) => Sameness::Differs(format!(
            "existing asset has {} bytes, the file {}",
            existing.size, file.size
        )),
        (Some(remote), true) => match local_digest() {
            Ok(local) if local.eq_ignore_ascii_case(remote) => Sameness::Same("same size and SHA-256"),
            Ok(local) => Sameness::Differs(format!("existing asset is {remote}, the file {local}")),
            Err(e) => Sameness::Differs(format!("cannot read {}: {e}", file.display)),
        },
        (None, true) => Sameness::Same(
            "same size (GitHub gave no digest for the existing asset, so the content was not compared)",
        ),
    };
    match (policy, same) {
        (OnExisting::Fail, _) => Decision {
            action: Action::Refuse,
            reason: format!(
                "{}: the release already has an asset named '{}' and --on-existing is fail; delete it or choose --on-existing replace",
                file.display, file.name
            ),
        },
        (OnExisting::SkipIdentical, Sameness::Same(why)) => Decision {
            action: Action::Skip,
            reason: format!("already uploaded: {why}"),
        },
        (OnExisting::SkipIdentical, Sameness::Differs(why)) => Decision {
            action: Action::Refuse,
            reason: format!(
                "{}: the release already has a different asset named '{}' ({why}); pass --on-existing replace to replace it",
                file.display, file.name
            ),
        },
        (OnExisting::Replace, Sameness::Same(why)) => Decision {
            action: Action::Skip,
            reason: format!("already uploaded: {why}"),
        },
        (OnExisting::Replace, Sameness::Differs(why)) => Decision {
            action: Action::Replace,
            reason: format!("differs from the existing asset ({why}); replaced"),
        },
    }
}

enum Sameness {
    Same(&'static str),
    Differs(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64) -> LocalFile {
        LocalFile {
            path: PathBuf::from(name),
            display: name.to_string(),
            name: name.to_string(),
            size,
            content_type: content_type(name),
            label: None,
        }
    }

    fn asset(name: &str, size: u64, state: &str, digest: Option<&str>) -> ExistingAsset {
        ExistingAsset {
            id: 7,
            name: name.to_string(),
            size,
            state: state.to_string(),
            digest: digest.map(str::to_string),
            browser_download_url: String::new(),
        }
    }

    #[test]
    fn github_names_follow_observed_renaming() {
        assert_eq!(github_name("tool-1.0_amd64.deb"), "tool-1.0_amd64.deb");
        assert_eq!(github_name("My App 1.0 Setup.exe"), "My.App.1.0.Setup.exe");
        assert_eq!(github_name("pkg-1~buster.deb"), "pkg-1.buster.deb");
        assert_eq!(github_name("a (1).zip"), "a.1.zip");
        assert_eq!(github_name(".hidden."), "hidden");
        assert_eq!(
            github_name("a5_ !#$%&'()+,-.0123456789;=@ABC[]^_`abc{}~.txt"),
            "a5_.-.0123456789.ABC._.abc.txt"
        );
    }

    #[test]
    fn content_types_come_from_the_extension() {
        assert_eq!(content_type("x-1.0.tar.gz"), "application/gzip");
        assert_eq!(content_type("x.ZIP"), "application/zip");
        assert_eq!(
            content_type("x.deb"),
            "application/vnd.debian.binary-package"
        );
        assert_eq!(content_type("SHA256SUMS"), "text/plain");
        assert_eq!(content_type("notes.txt"), "text/plain");
        assert_eq!(content_type("blob.bin"), "application/octet-stream");
    }

    #[test]
    fn refusals_cover_size_duplicates_and_unsafe_names() {
        let mut dup = file("a.zip", 1);
        dup.display = "other/a.zip".to_string();
        let files = vec![
            file("a.zip", 1),
            dup,
            file("big.iso", MAX_ASSET_SIZE),
            file("a b.zip", 1),
        ];
        let refused = local_refusals(&files);
        assert_eq!(refused.len(), 3);
        assert!(refused[&1].contains("also the name of a.zip"));
        assert!(refused[&2].contains("2 GiB"));
        assert!(refused[&3].contains("'a.b.zip'"));
        assert!(!refused.contains_key(&0));
    }

    #[test]
    fn renamed_files_are_not_refused() {
        let mut f = file("a.b.zip", 1);
        f.display = "a b.zip".to_string();
        assert!(local_refusals(&[f]).is_empty());
        let mut emptied = file("", 1);
        emptied.display = "@@".to_string();
        emptied.name = github_name("@@");
        assert!(local_refusals(&[emptied])[&0]
            .contains("@@: GitHub would leave this file an empty asset name"));
    }

    #[test]
    fn decisions_follow_the_policy() {
        let f = file("a.zip", 3);
        let same = || Ok("sha256:ab".to_string());
        let up = asset("a.zip", 3, "uploaded", Some("sha256:ab"));
        let policy = OnExisting::SkipIdentical;
        assert_eq!(decide(&f, None, policy, same).action, Action::Upload);
        assert_eq!(decide(&f, Some(&up), policy, same).action, Action::Skip);
        let other = asset("a.zip", 3, "uploaded", Some("sha256:cd"));
        assert_eq!(
            decide(&f, Some(&other), policy, same).action,
            Action::Refuse
        );
        assert_eq!(
            decide(&f, Some(&other), OnExisting::Replace, same).action,
            Action::Replace
        );
        assert_eq!(
            decide(&f, Some(&up), OnExisting::Fail, same).action,
            Action::Refuse
        );
        let starter = asset("a.zip", 0, "starter", None);
        assert_eq!(
            decide(&f, Some(&starter), policy, same).action,
            Action::Reupload
        );
        let no_digest = asset("a.zip", 3, "uploaded", None);
        let d = decide(&f, Some(&no_digest), policy, || panic!("not needed"));
        assert_eq!(d.action, Action::Skip);
        assert!(d.reason.contains("no digest"));
        let smaller = asset("a.zip", 2, "uploaded", None);
        assert_eq!(
            decide(&f, Some(&smaller), policy, same).action,
            Action::Refuse
        );
    }

    #[test]
    fn digests_are_sha256_of_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(
            file_digest(&p, &mut [0u8; 2]).unwrap(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
