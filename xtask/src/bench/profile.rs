//! The two profiles. `quick` must finish within 15 minutes on a clean clone (the
//! build included, which alone takes several minutes on 2 cores), so it measures
//! shorter and seeds less; every figure it writes carries `"profile":"quick"` and,
//! where it used a smaller size than the budget names, that size.

pub struct Profile {
    pub name: &'static str,
    /// `pg_test_fsync -s`: seconds per test (it runs 16 tests).
    pub fsync_secs: u32,
    /// M1: idle visitor sockets held at each step (cumulative).
    pub m1_steps: [usize; 3],
    /// M2/M2b: seconds of load at 1,000 msgs/s after a warm-up.
    pub m2_secs: u64,
    pub m2_visitors: usize,
    /// M3: seconds per rate step, and the rates tried (msgs/s), lowest first.
    pub m3_step_secs: u64,
    pub m3_rates: &'static [u64],
    /// Enough that each visitor's socket stays under the server's 10 frames a
    /// second (a token bucket per socket) at the highest rate: visitors send
    /// over their sockets, and a faster one would be closed with 1008.
    pub m3_visitors: usize,
    /// M4: visitors that drop and resume, and over how many seconds they come back.
    pub m4_visitors: usize,
    pub m4_reconnect_spread_s: f64,
    /// M5: seeded conversations and messages per conversation.
    pub m5_conversations: usize,
    pub m5_messages_per_conversation: usize,
    /// M5: seconds of probing, probes per second per endpoint.
    pub m5_secs: u64,
    pub m5_probe_rate: f64,
    /// Peers: seconds per latency run and per rate step.
    pub peer_secs: u64,
}

pub const QUICK: Profile = Profile {
    name: "quick",
    fsync_secs: 1,
    m1_steps: [5_000, 10_000, 19_000],
    m2_secs: 15,
    m2_visitors: 200,
    m3_step_secs: 4,
    m3_rates: &[100, 250, 500, 750, 1_000, 1_500, 2_000, 3_000, 4_000, 6_000, 8_000, 12_000, 16_000, 20_000, 25_000],
    m3_visitors: 3_000,
    m4_visitors: 3_000,
    m4_reconnect_spread_s: 2.0,
    m5_conversations: 10_000,
    m5_messages_per_conversation: 50,
    m5_secs: 10,
    m5_probe_rate: 20.0,
    peer_secs: 4,
};

pub const FULL: Profile = Profile {
    name: "full",
    fsync_secs: 2,
    m1_steps: [5_000, 10_000, 19_000],
    m2_secs: 30,
    m2_visitors: 200,
    m3_step_secs: 10,
    m3_rates: &[
        100, 250, 500, 750, 1_000, 1_500, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 12_000, 16_000, 20_000,
        25_000, 30_000,
    ],
    m3_visitors: 4_000,
    m4_visitors: 15_000,
    m4_reconnect_spread_s: 5.0,
    m5_conversations: 100_000,
    m5_messages_per_conversation: 50,
    m5_secs: 30,
    m5_probe_rate: 40.0,
    peer_secs: 10,
};
