//! A request body that streams a file from disk in fixed-size chunks, hashing and counting the
//! bytes as they go, so an upload never holds the file in memory (octocrab's own upload helper
//! takes the whole body as one buffer).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::{BufMut, Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};

use crate::digest::algo::{Algorithm, Hasher};

/// Bytes read per chunk. Large enough for loopback speed, small enough that a few concurrent
/// uploads stay far below the memory budget.
const CHUNK: usize = 256 * 1024;

/// What an upload body reports while and after it is sent.
pub struct Tally {
    /// Bytes handed to the connection so far.
    pub sent: AtomicU64,
    hasher: Mutex<Option<Hasher>>,
}

impl Tally {
    /// A fresh tally.
    pub fn new() -> Arc<Self> {
        Arc::new(Tally {
            sent: AtomicU64::new(0),
            hasher: Mutex::new(Some(Algorithm::Sha256.hasher())),
        })
    }

    /// The SHA-256 of everything sent, as `sha256:<hex>`; `None` if taken already or poisoned.
    pub fn digest(&self) -> Option<String> {
        let hasher = self.hasher.lock().ok()?.take()?;
        Some(format!("sha256:{}", hasher.finish_hex()))
    }

    fn add(&self, chunk: &[u8]) {
        self.sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        if let Ok(mut guard) = self.hasher.lock() {
            if let Some(h) = guard.as_mut() {
                h.update(chunk);
            }
        }
    }
}

/// A file streamed as an HTTP body of exactly `len` bytes.
pub struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
    buf: BytesMut,
    tally: Arc<Tally>,
}

impl FileBody {
    /// Streams `len` bytes of `file` from its current position.
    pub fn new(file: tokio::fs::File, len: u64, tally: Arc<Tally>) -> Self {
        FileBody {
            file,
            remaining: len,
            buf: BytesMut::new(),
            tally,
        }
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(this.remaining).map_or(CHUNK, |r| r.min(CHUNK));
        if this.buf.capacity() < want {
            this.buf.reserve(want);
        }
        let mut limited = (&mut this.buf).limit(want);
        match tokio_util::io::poll_read_buf(Pin::new(&mut this.file), cx, &mut limited) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Ready(Ok(0)) => Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the file ended {} bytes early (did it change during the upload?)",
                    this.remaining
                ),
            )))),
            Poll::Ready(Ok(n)) => {
                let chunk = this.buf.split_to(n).freeze();
                this.remaining -= n as u64;
                this.tally.add(&chunk);
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn streams_the_file_in_chunks_and_hashes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..(CHUNK * 2 + 17)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let tally = Tally::new();
        let file = tokio::fs::File::open(&path).await.unwrap();
        let mut body = FileBody::new(file, data.len() as u64, tally.clone());
        let mut got = Vec::new();
        let mut frames = 0;
        while let Some(frame) = body.frame().await {
            let chunk = frame.unwrap().into_data().unwrap();
            assert!(chunk.len() <= CHUNK);
            got.extend_from_slice(&chunk);
            frames += 1;
        }
        assert_eq!(got, data);
        assert!(frames >= 3);
        assert_eq!(tally.sent.load(Ordering::Relaxed), data.len() as u64);
        assert_eq!(
            tally.digest().unwrap(),
            super::super::plan::file_digest(&path, &mut [0u8; 4096]).unwrap()
        );
    }

    #[tokio::test]
    async fn a_file_that_shrank_is_an_error_not_a_short_body() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"abc").unwrap();
        let file = tokio::fs::File::open(&path).await.unwrap();
        let mut body = FileBody::new(file, 10, Tally::new());
        assert_eq!(
            body.frame()
                .await
                .unwrap()
                .unwrap()
                .into_data()
                .unwrap()
                .len(),
            3
        );
        assert!(body.frame().await.unwrap().is_err());
    }
}
