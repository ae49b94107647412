//! Hashing files: streamed through bounded buffers (never a whole-file read), many files at once
//! on every core through a shared work queue, and a lone file with reading and hashing overlapped
//! on two cores.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::mpsc::sync_channel;

use super::algo::Algorithm;

pub use crate::parallel::{parallel_map, BUF_SIZE};

/// A file's digest and the number of bytes hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashed {
    /// Lowercase hex digest.
    pub digest: String,
    /// Bytes read, i.e. the file's size.
    pub size: u64,
}

/// Hashes everything `reader` yields.
pub fn hash_reader(algo: Algorithm, reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<Hashed> {
    let mut hasher = algo.hasher();
    let mut size = 0u64;
    loop {
        let n = match reader.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok(Hashed {
        digest: hasher.finish_hex(),
        size,
    })
}

/// Hashes the file at `path` (symbolic links are followed by `open`).
pub fn hash_file(algo: Algorithm, path: &Path, buf: &mut [u8]) -> io::Result<Hashed> {
    let mut file = File::open(path)?;
    hash_reader(algo, &mut file, buf)
}

/// Number of buffers in flight when one file is read ahead of its hashing.
const PIPELINE_BUFFERS: usize = 3;

/// Hashes one file with reading and hashing on two threads: the reader fills the next buffer
/// (a copy out of the page cache, or a wait on the disk) while the hasher works on the last one.
/// Memory stays at [`PIPELINE_BUFFERS`] × [`BUF_SIZE`].
pub fn hash_file_pipelined(algo: Algorithm, path: &Path) -> io::Result<Hashed> {
    let mut file = File::open(path)?;
    let (full_tx, full_rx) = sync_channel::<io::Result<(Vec<u8>, usize)>>(PIPELINE_BUFFERS);
    let (empty_tx, empty_rx) = sync_channel::<Vec<u8>>(PIPELINE_BUFFERS);
    for _ in 0..PIPELINE_BUFFERS {
        // Cannot fail: the channel has room for every buffer and its receiver is alive.
        let _ = empty_tx.send(vec![0u8; BUF_SIZE]);
    }
    // `move`: the hasher's channel ends are dropped when it returns, which ends the reader even
    // when hashing stops early, before the scope joins it.
    std::thread::scope(move |scope| {
        scope.spawn(move || {
            while let Ok(mut buf) = empty_rx.recv() {
                let read = loop {
                    match file.read(&mut buf) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                let last = !matches!(read, Ok(n) if n > 0);
                if full_tx.send(read.map(|n| (buf, n))).is_err() || last {
                    break;
                }
            }
        });
        let mut hasher = algo.hasher();
        let mut size = 0u64;
        loop {
            match full_rx.recv() {
                Ok(Ok((_, 0))) => break,
                Ok(Ok((buf, n))) => {
                    hasher.update(&buf[..n]);
                    size += n as u64;
                    let _ = empty_tx.send(buf);
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err(io::Error::other("the reader thread stopped")),
            }
        }
        Ok(Hashed {
            digest: hasher.finish_hex(),
            size,
        })
    })
}

/// Hashes every item's file on all cores; results in the items' order. `target` says which
/// algorithm and file an item stands for. A lone file gets two cores through
/// [`hash_file_pipelined`].
pub fn hash_all<T, F>(items: &[T], target: F) -> Vec<io::Result<Hashed>>
where
    T: Sync,
    F: Fn(&T) -> (Algorithm, &Path) + Sync,
{
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if let [item] = items {
        if cores > 1 {
            let (algo, path) = target(item);
            return vec![hash_file_pipelined(algo, path)];
        }
    }
    parallel_map(items, |item, buf| {
        let (algo, path) = target(item);
        hash_file(algo, path, buf)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_larger_than_the_buffer_hash_like_one_slice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let data: Vec<u8> = (0..(BUF_SIZE * 2 + 123)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let mut buf = vec![0u8; BUF_SIZE];
        let got = hash_file(Algorithm::Sha256, &path, &mut buf).unwrap();
        let mut h = Algorithm::Sha256.hasher();
        h.update(&data);
        assert_eq!(got.digest, h.finish_hex());
        assert_eq!(got.size, data.len() as u64);
    }

    #[test]
    fn pipelined_hashing_matches_and_reports_errors() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0, 1, BUF_SIZE, BUF_SIZE * 7 + 5] {
            let path = dir.path().join(format!("f{len}"));
            let data: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            std::fs::write(&path, &data).unwrap();
            let mut buf = vec![0u8; 4096];
            let plain = hash_file(Algorithm::Sha512, &path, &mut buf).unwrap();
            assert_eq!(
                hash_file_pipelined(Algorithm::Sha512, &path).unwrap(),
                plain,
                "{len}"
            );
        }
        // Reading a directory fails at the first read, after the open succeeded.
        let err = hash_file_pipelined(Algorithm::Sha256, dir.path()).unwrap_err();
        assert_ne!(err.kind(), io::ErrorKind::NotFound);
        let all = hash_all(&[dir.path().join("f1")], |p| {
            (Algorithm::Sha256, p.as_path())
        });
        assert_eq!(all[0].as_ref().unwrap().size, 1);
    }

    #[test]
    fn missing_files_are_io_errors() {
        let mut buf = vec![0u8; 16];
        let err = hash_file(Algorithm::Sha256, Path::new("/nonexistent/x"), &mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
