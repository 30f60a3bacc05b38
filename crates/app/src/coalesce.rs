//! Marks that only say "still here" (a seen marker, a typing sign) are kept to
//! one a second per conversation and actor: a client repeating them hundreds
//! of times a second then costs a map lookup, not a write or a broadcast
//! (issue 11: one visitor's 1,900 seen writes a second slowed every message).

use std::collections::HashMap;
use std::sync::Mutex;

use domain::{ConversationId, Millis};

/// The window within which a repeat of the same mark is dropped.
const WINDOW: Millis = 1000;
/// Past this many remembered marks, the stale ones are forgotten.
const PRUNE_ABOVE: usize = 50_000;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Mark {
    Seen,
    Typing,
}

/// Who made the mark: a contact or a user, by id.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Who {
    Contact(i64),
    User(i64),
}

type Key = (ConversationId, Who, Mark);

#[derive(Default)]
pub(crate) struct Coalescer(Mutex<HashMap<Key, (bool, Millis)>>);

impl Coalescer {
    /// Whether to act on this mark now: not when the same actor made the same
    /// mark with the same `state` (typing on or off) in this conversation less
    /// than a second ago. A change of state always passes.
    pub(crate) fn admit(&self, conversation: ConversationId, who: Who, mark: Mark, state: bool, now: Millis) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let key = (conversation, who, mark);
        if let Some((last, at)) = map.get(&key) {
            if *last == state && now - *at < WINDOW && now >= *at {
                return false;
            }
        }
        if map.len() > PRUNE_ABOVE {
            map.retain(|_, (_, at)| now - *at < WINDOW);
        }
        map.insert(key, (state, now));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_within_a_second_are_dropped_and_changes_pass() {
        let c = Coalescer::default();
        let (conv, who) = (ConversationId(1), Who::Contact(7));
        assert!(c.admit(conv, who, Mark::Seen, true, 1_000));
        assert!(!c.admit(conv, who, Mark::Seen, true, 1_999));
        assert!(c.admit(conv, who, Mark::Seen, true, 2_000));
        assert!(c.admit(conv, Who::User(7), Mark::Seen, true, 2_001), "another actor");
        assert!(c.admit(ConversationId(2), who, Mark::Seen, true, 2_001), "another conversation");
        assert!(c.admit(conv, who, Mark::Typing, true, 2_002));
        assert!(c.admit(conv, who, Mark::Typing, false, 2_003), "typing stopped: a change passes");
        assert!(c.admit(conv, who, Mark::Typing, true, 2_004), "and started again");
        assert!(!c.admit(conv, who, Mark::Typing, true, 2_500));
    }
}
