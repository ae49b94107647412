//! `--from URL`: a published repository fetched into the empty `--repo` so a run can add to it
//! where no checkout holds the site (GitHub Pages deployed from an artifact). Nothing is taken
//! on trust: `InRelease` must carry a good signature by the key this run signs with, every index
//! must have the size and SHA-256 the signed Release lists, and every pool file the size and
//! SHA-256 its Packages entry lists, exactly the checks `apt-get` makes.

use std::fs;
use std::path::{Component, Path};
use std::time::Duration;

use super::index::{by_hash_copies, read_index, INDEX_NAMES};
use super::package::Digests;
use super::{Args, Error};
use crate::deb::parse_paragraphs;
use crate::exit::FileError;
use crate::fsutil::atomic_write_unsynced;
use crate::gha::Gha;
use crate::http::{Client, Policy, Request};
use crate::openpgp::SigningKey;
use crate::parallel::parallel_map;
use crate::retry::Backoff;

/// What was fetched.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The repository's URL.
    pub url: String,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

fn client() -> Client {
    Client::new(
        Policy {
            timeout: Duration::from_secs(120),
            attempts: 4,
            deadline: Duration::from_secs(900),
            backoff: Backoff {
                base: Duration::from_millis(500),
                cap: Duration::from_secs(10),
            },
        },
        concat!("relkit-apt-repo/", env!("CARGO_PKG_VERSION")),
    )
}

/// GETs `url`: the body on 200, `None` on 404 and 410, an error otherwise.
fn get(client: &Client, url: &str) -> Result<Option<Vec<u8>>, Error> {
    let req = Request {
        method: "GET",
        url,
        shown: url,
        headers: Vec::new(),
        body: None,
    };
    let resp = client
        .send(&req, &|line| eprintln!("apt-repo: {line}"))
        .map_err(|e| Error::Fetch(format!("{e}; check --from and the network")))?;
    match resp.status {
        200 => Ok(Some(resp.into_bytes())),
        404 | 410 => Ok(None),
        status => Err(Error::Fetch(format!(
            "GET {url}: HTTP {status}; check --from (the URL the repository is published at)"
        ))),
    }
}

/// A path from an index (`Filename:`, a Release entry) that stays inside the repository.
fn safe_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Fetches the repository at `url` into `args.repo`.
pub fn fetch(
    url: &str,
    args: &Args,
    key: Option<&SigningKey>,
    gha: &Gha,
) -> Result<Fetched, Error> {
    if super::index::exists(&args.repo, &args.suite) {
        return Err(Error::Usage(format!(
            "--from: {} already holds the suite '{}'; give an empty --repo to fetch into, or leave out --from to update the directory",
            args.repo.display(),
            args.suite
        )));
    }
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(Error::Usage(format!(
            "--from '{url}' is not an http(s) URL"
        )));
    }
    let base = url.trim_end_matches('/');
    let dists = format!("{base}/dists/{}", args.suite);
    let client = client();
    let suite_dir = args.repo.join("dists").join(&args.suite);
    let mut fetched = Fetched {
        url: base.to_string(),
        files: 0,
        bytes: 0,
    };
    let write = |rel: &Path, bytes: &[u8], fetched: &mut Fetched| -> Result<(), Error> {
        if let Some(dir) = rel.parent() {
            fs::create_dir_all(dir).map_err(|source| FileError::Write {
                path: dir.display().to_string(),
                source,
            })?;
        }
        atomic_write_unsynced(rel, bytes)?;
        fetched.files += 1;
        fetched.bytes += bytes.len() as u64;
        Ok(())
    };

    let in_release_url = format!("{dists}/InRelease");
    let release = match (get(&client, &in_release_url)?, key) {
        (Some(signed), Some(key)) => {
            let text = String::from_utf8(signed.clone()).map_err(|_| {
                Error::Untrusted(format!("{in_release_url}: not a cleartext-signed text"))
            })?;
            let (verified, release) = key
                .keyring()
                .verify_cleartext(&text, &in_release_url)
                .map_err(|e| {
                    Error::Untrusted(format!(
                        "{e}; the published repository must be signed by the key this run signs with ({})",
                        key.fingerprint()
                    ))
                })?;
            gha.group(&format!("apt-repo: fetching {base}"));
            eprintln!(
                "apt-repo: {in_release_url}: good signature by {}",
                verified.fingerprint
            );
            write(&suite_dir.join("InRelease"), &signed, &mut fetched)?;
            if let Some(sig) = get(&client, &format!("{dists}/Release.gpg"))? {
                write(&suite_dir.join("Release.gpg"), &sig, &mut fetched)?;
            }
            release
        }
        (None, Some(key)) => {
            if get(&client, &format!("{dists}/Release"))?.is_some() {
                return Err(Error::Untrusted(format!(
                    "{dists}/Release exists but InRelease does not: the published repository is not signed; this run signs with {}, so publish it anew or pass --no-sign",
                    key.fingerprint()
                )));
            }
            eprintln!("apt-repo: {base}: no repository published yet (404); starting a new one");
            return Ok(fetched);
        }
        (_, None) => match get(&client, &format!("{dists}/Release"))? {
            Some(bytes) => {
                eprintln!("apt-repo: {dists}/Release: not checked (--no-sign)");
                gha.group(&format!("apt-repo: fetching {base}"));
                String::from_utf8(bytes)
                    .map_err(|_| Error::Untrusted(format!("{dists}/Release: not UTF-8 text")))?
            }
            None => {
                eprintln!(
                    "apt-repo: {base}: no repository published yet (404); starting a new one"
                );
                return Ok(fetched);
            }
        },
    };
    write(&suite_dir.join("Release"), release.as_bytes(), &mut fetched)?;

    let para = parse_paragraphs(&release)
        .ok()
        .and_then(|mut p| (p.len() == 1).then(|| p.remove(0)))
        .ok_or_else(|| Error::Untrusted(format!("{dists}/Release: not a Release file")))?;
    let components: Vec<String> = para
        .get("Components")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let Some(listed) = para.get("SHA256") else {
        return Err(Error::Untrusted(format!(
            "{dists}/Release lists no SHA256 digests, so its indices cannot be checked"
        )));
    };
    for line in listed.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [sha256, size, path] = parts[..] else {
            return Err(Error::Untrusted(format!(
                "{dists}/Release: '{}' in SHA256 is not 'digest size path'",
                line.trim()
            )));
        };
        if !safe_relative(path) {
            return Err(Error::Untrusted(format!(
                "{dists}/Release lists '{path}', which leaves the repository"
            )));
        }
        // The binary indices apt-repo writes and reads (Contents, translations and other
        // index forms a Release may also list are not part of what it republishes).
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        let is_index = INDEX_NAMES.contains(&file)
            && dir
                .rsplit('/')
                .next()
                .is_some_and(|d| d.starts_with("binary-"));
        let in_component = components
            .iter()
            .any(|c| path.starts_with(&format!("{c}/")));
        if !is_index || !in_component {
            continue;
        }
        let file_url = format!("{dists}/{path}");
        let bytes = get(&client, &file_url)?.ok_or_else(|| {
            Error::Untrusted(format!(
                "{file_url}: listed in the signed Release but missing (404)"
            ))
        })?;
        let d = Digests::of_bytes(&bytes);
        if d.sha256 != sha256 || d.size.to_string() != size {
            return Err(Error::Untrusted(format!(
                "{file_url}: {} bytes with SHA256 {}, but the signed Release lists {size} bytes with {sha256}: the published index was changed",
                d.size, d.sha256
            )));
        }
        write(&suite_dir.join(path), &bytes, &mut fetched)?;
    }

    // Every pool file every index lists, once.
    let mut pool: Vec<(String, u64, String)> = Vec::new();
    for component in &components {
        let cdir = suite_dir.join(component);
        let Ok(items) = fs::read_dir(&cdir) else {
            continue;
        };
        for item in items {
            let item = item.map_err(|source| FileError::Read {
                path: cdir.display().to_string(),
                source,
            })?;
            let Some((path, text)) = read_index(&item.path())? else {
                continue;
            };
            let paragraphs = parse_paragraphs(&text)
                .map_err(|e| Error::Untrusted(format!("{}: {e}", path.display())))?;
            for p in paragraphs {
                let (Some(name), Some(size), Some(sha256)) =
                    (p.get("Filename"), p.get("Size"), p.get("SHA256"))
                else {
                    return Err(Error::Untrusted(format!(
                        "{}: an entry without Filename, Size or SHA256",
                        path.display()
                    )));
                };
                if !safe_relative(name) {
                    return Err(Error::Untrusted(format!(
                        "{}: Filename '{name}' leaves the repository",
                        path.display()
                    )));
                }
                let size: u64 = size.parse().map_err(|_| {
                    Error::Untrusted(format!(
                        "{}: Size '{size}' of {name} is not a number",
                        path.display()
                    ))
                })?;
                if !pool.iter().any(|(n, _, _)| n == name) {
                    pool.push((name.to_string(), size, sha256.to_string()));
                }
            }
        }
    }
    let results = parallel_map(&pool, |(name, size, sha256), _| -> Result<u64, Error> {
        let file_url = format!("{base}/{name}");
        let bytes = get(&client, &file_url)?.ok_or_else(|| {
            Error::Untrusted(format!("{file_url}: listed in Packages but missing (404)"))
        })?;
        let d = Digests::of_bytes(&bytes);
        if d.sha256 != *sha256 || d.size != *size {
            return Err(Error::Untrusted(format!(
                "{file_url}: {} bytes with SHA256 {}, but Packages lists {size} bytes with {sha256}",
                d.size, d.sha256
            )));
        }
        let target = args.repo.join(name);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).map_err(|source| FileError::Write {
                path: dir.display().to_string(),
                source,
            })?;
        }
        atomic_write_unsynced(&target, &bytes)?;
        Ok(d.size)
    });
    for r in results {
        fetched.bytes += r?;
        fetched.files += 1;
    }
    by_hash_copies(&suite_dir)?;
    gha.end_group();
    eprintln!("apt-repo: fetched {} file(s) from {base}", fetched.files);
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_stay_inside_the_repository() {
        assert!(safe_relative("pool/main/h/hello/hello_1_amd64.deb"));
        assert!(!safe_relative("../etc/passwd"));
        assert!(!safe_relative("/etc/passwd"));
        assert!(!safe_relative("pool/../../x"));
        assert!(!safe_relative(""));
    }
}
