//! The one retry policy and the timeouts of every Taskcluster call.

use std::time::Duration;

/// How failed calls are retried: `max_retries` more attempts after the first, sleeping
/// `base_delay * 2^(n-1)` (±25 % jitter, at most `max_delay`) before retry `n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Taskcluster clients' defaults: 5 retries, 100 ms doubling, at most 30 s.
    fn default() -> Self {
        RetryPolicy { max_retries: 5, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(30) }
    }
}

impl RetryPolicy {
    /// The sleep before retry `attempt` (1-based), with `unit` in [0, 1) choosing the jitter.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        if attempt == 0 {
            return Duration::ZERO;
        }
        let factor = 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
        let jitter = 1.0 + 0.25 * (unit.clamp(0.0, 1.0) * 2.0 - 1.0);
        let secs = self.base_delay.as_secs_f64() * factor * jitter;
        Duration::from_secs_f64(secs.min(self.max_delay.as_secs_f64()).max(0.0))
    }

    /// Sleep before retry `attempt` with a random jitter.
    pub fn sleep_before(&self, attempt: u32) {
        std::thread::sleep(self.delay(attempt, random_unit()));
    }
}

/// Timeouts of one HTTP attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// Whole request, from sending to the last byte of the answer.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(10), request: Duration::from_secs(60) }
    }
}

/// A uniform random number in [0, 1) for backoff jitter.
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        let p = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        assert_eq!(p.delay(0, 0.5), Duration::ZERO);
        assert_eq!(p.delay(1, 0.5), Duration::from_millis(100));
        assert_eq!(p.delay(2, 0.5), Duration::from_millis(200));
        assert_eq!(p.delay(3, 0.0), Duration::from_millis(300));
        assert_eq!(p.delay(3, 1.0), Duration::from_millis(500));
        assert_eq!(p.delay(10, 0.5), Duration::from_millis(500));
    }

    #[test]
    fn jitter_units_stay_in_range() {
        for _ in 0..100 {
            let u = random_unit();
            assert!((0.0..1.0).contains(&u), "{u}");
        }
    }
}
