//! The kinds of job (side effects written in the transaction that causes
//! them, ARCHITECTURE.md invariant 3), and how each is delivered.

/// Every kind of job Parlor runs. Closed: a stored kind this build does not
/// know is an error the runner records, never a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Opens a snoozed conversation again when its `snoozed_until` has passed.
    ReopenSnoozed,
    /// A bot's step in a conversation (the greeter's greeting): done only
    /// while the bot still has the conversation, under its lock.
    ChatflowStep,
    /// Calls the URL in its payload with its idempotency key: the tests'
    /// stand-in for mail and webhooks, compiled only for them.
    #[cfg(feature = "test-support")]
    Probe,
}

/// How a job is claimed and finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The effect is in the database: the job's row is deleted in the effect's
    /// own transaction, so it happens exactly once.
    InDatabase,
    /// The effect is outside (an email, an HTTP call): the job is leased, run
    /// outside any transaction, and finished or retried afterwards; at least
    /// once, with an idempotency key for the receiver.
    Leased,
}

impl JobKind {
    pub const ALL: &'static [JobKind] = &[
        JobKind::ReopenSnoozed,
        JobKind::ChatflowStep,
        #[cfg(feature = "test-support")]
        JobKind::Probe,
    ];

    pub fn name(self) -> &'static str {
        match self {
            JobKind::ReopenSnoozed => "reopen_snoozed",
            JobKind::ChatflowStep => "chatflow_step",
            #[cfg(feature = "test-support")]
            JobKind::Probe => "probe",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        Self::ALL.iter().copied().find(|k| k.name() == s)
    }

    pub fn delivery(self) -> Delivery {
        match self {
            JobKind::ReopenSnoozed | JobKind::ChatflowStep => Delivery::InDatabase,
            #[cfg(feature = "test-support")]
            JobKind::Probe => Delivery::Leased,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_back_from_its_name() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.name()), Some(*kind));
        }
        assert_eq!(JobKind::parse("nonsense"), None);
    }
}
