//! Bounded retries shared by the tools that talk to web APIs (asset-upload, vuln-check): the
//! exponential backoff with jitter, the `Retry-After` header, and the attempt/deadline budget.

use std::time::{Duration, Instant};

/// Exponential backoff: `base * 2^attempt`, capped, the upper half of it random (so that many
/// clients retrying at once spread out).
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// First backoff.
    pub base: Duration,
    /// Longest backoff between two attempts.
    pub cap: Duration,
}

impl Backoff {
    /// The wait before attempt `attempt + 1`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let full = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
            .min(self.cap);
        let half = full / 2;
        half + half.mul_f64(random_unit())
    }
}

/// A uniformly random number in [0, 1), from the OS (0.5 if it has none to give).
pub fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// A `Retry-After` header value in seconds (the HTTP-date form is not used by the APIs relkit
/// talks to, and is treated as absent).
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The retry budget of one request: at most `attempts` tries, and no wait that would end past
/// the deadline.
#[derive(Debug, Clone)]
pub struct Budget {
    /// Tries, the first included.
    pub attempts: u32,
    /// When the request started.
    pub start: Instant,
    /// Total time the request may take, retries included.
    pub deadline: Duration,
}

impl Budget {
    /// Whether another try after `delay` fits, given `tried` tries so far.
    pub fn allows(&self, tried: u32, delay: Duration) -> bool {
        tried < self.attempts && self.start.elapsed() + delay <= self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let b = Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(8),
        };
        for (attempt, full) in [(0, 1), (1, 2), (2, 4), (3, 8), (9, 8)] {
            let d = b.delay(attempt);
            let full = Duration::from_secs(full);
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(retry_after(Some(" 3 ")), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(retry_after(None), None);
    }

    #[test]
    fn budget_counts_attempts_and_time() {
        let b = Budget {
            attempts: 3,
            start: Instant::now(),
            deadline: Duration::from_secs(60),
        };
        assert!(b.allows(2, Duration::from_secs(1)));
        assert!(!b.allows(3, Duration::from_secs(1)));
        assert!(!b.allows(1, Duration::from_secs(61)));
    }
}
