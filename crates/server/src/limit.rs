//! A fixed-window rate limiter per client address: at most `limit` requests per `window`
//! seconds; past that, the number of seconds until the window ends (for `Retry-After`). The
//! table is bounded: when it holds `MAX_CLIENTS` addresses, windows that have ended are
//! dropped, and if none has, the oldest are.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_CLIENTS: usize = 100_000;

/// Requests per client per window.
#[derive(Debug)]
pub struct Limiter {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Limiter {
    pub fn new(limit: u32, window_secs: u64) -> Limiter {
        Limiter {
            limit,
            window: Duration::from_secs(window_secs.max(1)),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Count a request from `client` at `now`: `Ok` if allowed, else `Err(seconds to wait)`.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MAX_CLIENTS && !seen.contains_key(&client) {
            let window = self.window;
            seen.retain(|_, (start, _)| now.duration_since(*start) < window);
            if seen.len() >= MAX_CLIENTS {
                let mut starts: Vec<Instant> = seen.values().map(|v| v.0).collect();
                starts.sort();
                let cut = starts[starts.len() / 2];
                seen.retain(|_, (start, _)| *start > cut);
            }
        }
        let entry = seen.entry(client).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_until_the_window_ends() {
        let l = Limiter::new(2, 60);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        assert_eq!(l.check(a, t0), Ok(()));
        assert_eq!(l.check(a, t0), Ok(()));
        assert_eq!(l.check(a, t0 + Duration::from_secs(15)), Err(45));
        assert_eq!(l.check(b, t0), Ok(()), "another client has its own window");
        assert_eq!(l.check(a, t0 + Duration::from_secs(60)), Ok(()));
    }
}
