//! Rate limits keyed by client address, visitor or email (threats.md #30, #33, #34).

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

/// One keyed limit. `None` inside means the limit is switched off (set to 0).
#[derive(Clone)]
pub struct Limit {
    limiter: Option<Arc<DefaultKeyedRateLimiter<String>>>,
}

impl Limit {
    /// `per_minute` requests a minute per key, with bursts of the same size.
    pub fn per_minute(per_minute: u32) -> Limit {
        Limit {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n).allow_burst(n)))),
        }
    }

    /// `per_second` a second per key, bursts of `burst`.
    pub fn per_second(per_second: u32, burst: u32) -> Limit {
        Limit {
            limiter: NonZeroU32::new(per_second).map(|n| {
                let burst = NonZeroU32::new(burst.max(1)).unwrap_or(n);
                Arc::new(RateLimiter::keyed(Quota::per_second(n).allow_burst(burst)))
            }),
        }
    }

    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
            ApiError::rate_limited(wait.as_secs() + 1)
        })
    }

    /// Forgets keys that are back to a full bucket, so memory does not grow.
    pub fn prune(&self) {
        if let Some(l) = &self.limiter {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// The key of `visitor_messages` for a visitor: its contact, so the Client API's
/// POST and the socket's `message` frames draw on one bucket.
pub fn visitor_key(contact: domain::ContactId) -> String {
    format!("contact:{}", contact.0)
}

/// The limits, configurable (see README: relaxing them for a benchmark).
#[derive(Clone, Copy, Debug)]
pub struct LimitConfig {
    /// Sign-in attempts per minute, per client address and per email.
    pub login_per_minute: u32,
    /// New visitors and new conversations per minute, per client address and inbox.
    pub visitors_per_minute: u32,
    /// Messages per second one visitor may send (bursts of 4×).
    pub visitor_messages_per_second: u32,
}

impl Default for LimitConfig {
    fn default() -> Self {
        LimitConfig { login_per_minute: 10, visitors_per_minute: 60, visitor_messages_per_second: 5 }
    }
}

#[derive(Clone)]
pub struct Limits {
    pub login_ip: Limit,
    pub login_email: Limit,
    pub new_visitor: Limit,
    pub visitor_messages: Limit,
    pub visitor_typing: Limit,
}

impl Limits {
    pub fn new(c: LimitConfig) -> Limits {
        Limits {
            login_ip: Limit::per_minute(c.login_per_minute),
            login_email: Limit::per_minute(c.login_per_minute),
            new_visitor: Limit::per_minute(c.visitors_per_minute),
            visitor_messages: Limit::per_second(c.visitor_messages_per_second, c.visitor_messages_per_second * 4),
            visitor_typing: Limit::per_second(c.visitor_messages_per_second * 2, c.visitor_messages_per_second * 4),
        }
    }

    pub fn prune(&self) {
        for l in [&self.login_ip, &self.login_email, &self.new_visitor, &self.visitor_messages, &self.visitor_typing] {
            l.prune();
        }
    }
}
