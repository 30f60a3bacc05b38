//! Rate limits keyed by client address, visitor or email (threats.md #30, #33, #34).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock as _;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::error::ApiError;

/// The app's clock as governor reads it, so limits refill by the time use cases
/// see (and tests that move a manual clock decide when they refill).
#[derive(Clone)]
pub struct AppClock(app::SharedClock);

impl governor::clock::Clock for AppClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.0 .0.now()).unwrap_or(0))
    }
}

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, AppClock, NoOpMiddleware<Duration>>;

/// One keyed limit. `None` inside means the limit is switched off (set to 0).
#[derive(Clone)]
pub struct Limit {
    limiter: Option<Arc<Keyed>>,
    clock: AppClock,
}

impl Limit {
    fn new(quota: Option<Quota>, clock: &AppClock) -> Limit {
        let limiter = quota.map(|q| Arc::new(RateLimiter::dashmap_with_clock(q, clock.clone())));
        Limit { limiter, clock: clock.clone() }
    }

    /// `per_minute` requests a minute per key, with bursts of the same size.
    pub fn per_minute(per_minute: u32, clock: &AppClock) -> Limit {
        Limit::new(NonZeroU32::new(per_minute).map(|n| Quota::per_minute(n).allow_burst(n)), clock)
    }

    /// `per_second` a second per key, bursts of `burst`.
    pub fn per_second(per_second: u32, burst: u32, clock: &AppClock) -> Limit {
        let quota = NonZeroU32::new(per_second).map(|n| {
            let burst = NonZeroU32::new(burst.max(1)).unwrap_or(n);
            Quota::per_second(n).allow_burst(burst)
        });
        Limit::new(quota, clock)
    }

    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
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
    /// A visitor's other writes (contact updates, seen markers, typing): a
    /// budget of their own, so they neither crowd out its messages nor,
    /// unbounded, everyone else's.
    pub visitor_writes: Limit,
}

impl Limits {
    pub fn new(c: LimitConfig, clock: app::SharedClock) -> Limits {
        let clock = AppClock(clock);
        let per_second = c.visitor_messages_per_second;
        Limits {
            login_ip: Limit::per_minute(c.login_per_minute, &clock),
            login_email: Limit::per_minute(c.login_per_minute, &clock),
            new_visitor: Limit::per_minute(c.visitors_per_minute, &clock),
            visitor_messages: Limit::per_second(per_second, per_second * 4, &clock),
            visitor_writes: Limit::per_second(per_second * 2, per_second * 4, &clock),
        }
    }

    pub fn prune(&self) {
        for l in [&self.login_ip, &self.login_email, &self.new_visitor, &self.visitor_messages, &self.visitor_writes] {
            l.prune();
        }
    }
}
