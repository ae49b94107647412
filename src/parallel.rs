//! Work on many items at once on every core, each worker with its own read buffer: hashing
//! files (checksum, asset-upload) and reading packages (apt-repo).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Size of each worker's read buffer. Large enough that syscalls are a rounding error next to
/// hashing, small enough that memory stays flat however big the files are.
pub const BUF_SIZE: usize = 512 * 1024;

/// Applies `work` to every item on all cores and returns the results in the items' order.
///
/// Workers take the next item from a shared counter, so one large file never holds up the rest;
/// each worker owns one [`BUF_SIZE`] buffer for its whole life.
pub fn parallel_map<T, R, F>(items: &[T], work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T, &mut [u8]) -> R + Sync,
{
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if workers <= 1 {
        let mut buf = vec![0u8; BUF_SIZE];
        return items.iter().map(|item| work(item, &mut buf)).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut buf = vec![0u8; BUF_SIZE];
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    mine.push((i, work(item, &mut buf)));
                }
                // A worker that panicked poisons nothing we rely on: results are plain data.
                done.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .extend(mine);
            });
        }
    });
    let mut done = done
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<u32> = (0..1000).collect();
        let out = parallel_map(&items, |i, buf| {
            assert_eq!(buf.len(), BUF_SIZE);
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(parallel_map(&[] as &[u32], |i, _| *i).is_empty());
    }
}
