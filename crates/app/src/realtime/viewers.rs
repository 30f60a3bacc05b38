//! Who is looking at a conversation, and who is composing in it (I4): the
//! avatars above the reply editor, "Ben is replying…", and the reply guard
//! (`check_collision`).
//!
//! Nothing is stored. An agent's inbox says `viewing` every few seconds while
//! a conversation is open and visible; an entry lives [`VIEW_TTL`] past its
//! last frame, so a closed tab or a dropped network clears itself. Each process
//! hands the frames it received to the others over the bus (the same frames,
//! the same expiry there), and changes reach agents in batches with presence's
//! [`crate::presence::FLUSH_EVERY`].

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use domain::*;
use serde::{Deserialize, Serialize};

/// How long a viewer counts after its last `viewing` frame. The inbox sends
/// one every 4 s, so one lost frame does not make an agent flicker away.
pub const VIEW_TTL: Duration = Duration::from_secs(10);

/// What a viewer is writing, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Composing {
    Reply,
    Comment,
}

impl Composing {
    pub fn parse(s: &str) -> Option<Composing> {
        match s {
            "reply" => Some(Composing::Reply),
            "comment" => Some(Composing::Comment),
            _ => None,
        }
    }
}

/// The conversation a frame is about, as the socket resolved it (scoped to
/// the agent) once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewed {
    pub conversation_id: ConversationId,
    pub inbox_id: InboxId,
    pub display_id: DisplayId,
}

/// One agent's state in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: UserId,
    pub composing: Option<Composing>,
}

/// One `viewing` frame (or a leave: `on` false), as it travels to the other
/// processes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Sighting {
    pub account_id: AccountId,
    pub user_id: UserId,
    pub viewed: Viewed,
    pub composing: Option<Composing>,
    pub on: bool,
}

/// A conversation's viewers now (empty: nobody any more).
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationViewers {
    pub viewed: Viewed,
    pub viewers: Vec<Viewer>,
}

/// One account's viewer changes, or (`full`) every conversation with viewers.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewersUpdate {
    pub account_id: AccountId,
    pub full: bool,
    pub conversations: Vec<ConversationViewers>,
}

#[derive(Default)]
pub struct Viewers {
    state: Mutex<State>,
}

type Key = (AccountId, ConversationId);
/// Each viewer of a conversation: what they write, and until when they count.
type Seen = HashMap<UserId, (Option<Composing>, Instant)>;

#[derive(Default)]
struct State {
    /// Per conversation: its routing ids and each viewer's state and expiry.
    map: HashMap<Key, (Viewed, Seen)>,
    dirty: HashSet<Key>,
    /// This process's sightings since the last flush, for the bus.
    outgoing: Vec<Sighting>,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl State {
    fn apply(&mut self, s: &Sighting, now: Instant) {
        let key = (s.account_id, s.viewed.conversation_id);
        if s.on {
            let (_, users) = self.map.entry(key).or_insert_with(|| (s.viewed, HashMap::new()));
            let before = users.insert(s.user_id, (s.composing, now + VIEW_TTL));
            if before.map(|(c, _)| c) != Some(s.composing) {
                self.dirty.insert(key);
            }
        } else if let Some((_, users)) = self.map.get_mut(&key) {
            // An emptied conversation stays until the flush has said "nobody".
            if users.remove(&s.user_id).is_some() {
                self.dirty.insert(key);
            }
        }
    }

    fn viewers_of(&self, key: &Key) -> Vec<Viewer> {
        let mut list: Vec<Viewer> = self
            .map
            .get(key)
            .map(|(_, users)| users.iter().map(|(u, (c, _))| Viewer { user_id: *u, composing: *c }).collect())
            .unwrap_or_default();
        list.sort_by_key(|v| v.user_id.0);
        list
    }
}

impl Viewers {
    /// A `viewing` frame from a socket of this process (`on` false: the agent
    /// left the conversation or closed the socket).
    pub fn sighted(&self, s: Sighting, now: Instant) {
        let mut state = lock(&self.state);
        state.apply(&s, now);
        state.outgoing.push(s);
    }

    /// Sightings another process received.
    pub(crate) fn remote(&self, sightings: &[Sighting], now: Instant) {
        let mut state = lock(&self.state);
        for s in sightings {
            state.apply(s, now);
        }
    }

    /// Someone other than `me` composing a reply in the conversation, if any
    /// (the lowest user id, for a stable answer).
    pub fn replying(&self, account: AccountId, conversation: ConversationId, me: UserId) -> Option<UserId> {
        let state = lock(&self.state);
        let now = Instant::now();
        let (_, users) = state.map.get(&(account, conversation))?;
        users
            .iter()
            .filter(|(u, (c, until))| **u != me && *c == Some(Composing::Reply) && *until > now)
            .map(|(u, _)| *u)
            .min_by_key(|u| u.0)
    }

    /// Every conversation of the account with viewers, for a socket's first update.
    pub fn everyone(&self, account: AccountId) -> ViewersUpdate {
        let state = lock(&self.state);
        let mut conversations: Vec<ConversationViewers> = state
            .map
            .iter()
            .filter(|((a, _), (_, users))| *a == account && !users.is_empty())
            .map(|(key, (viewed, _))| ConversationViewers { viewed: *viewed, viewers: state.viewers_of(key) })
            .collect();
        conversations.sort_by_key(|c| c.viewed.display_id.0);
        ViewersUpdate { account_id: account, full: true, conversations }
    }

    /// Drops viewers whose last frame is older than [`VIEW_TTL`], then turns
    /// the changed conversations into one update per account, and hands over
    /// this process's sightings for the bus.
    pub(crate) fn flush(&self, now: Instant) -> (Vec<ViewersUpdate>, Vec<Sighting>) {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        for (key, (_, users)) in state.map.iter_mut() {
            let before = users.len();
            users.retain(|_, (_, until)| *until > now);
            if users.len() != before {
                state.dirty.insert(*key);
            }
        }
        let mut by_account: HashMap<AccountId, Vec<ConversationViewers>> = HashMap::new();
        for key in std::mem::take(&mut state.dirty) {
            let Some((viewed, _)) = state.map.get(&key) else { continue };
            let entry = ConversationViewers { viewed: *viewed, viewers: state.viewers_of(&key) };
            by_account.entry(key.0).or_default().push(entry);
        }
        state.map.retain(|_, (_, users)| !users.is_empty());
        let mut updates: Vec<ViewersUpdate> = by_account
            .into_iter()
            .map(|(account_id, mut conversations)| {
                conversations.sort_by_key(|c| c.viewed.display_id.0);
                ViewersUpdate { account_id, full: false, conversations }
            })
            .collect();
        updates.sort_by_key(|u| u.account_id.0);
        (updates, std::mem::take(&mut state.outgoing))
    }
}

impl crate::App {
    /// The conversation an agent's `viewing` frame names, if the agent may see
    /// it (anything else is `NotFound`, as everywhere).
    pub async fn viewed(&self, agent: &crate::AgentCtx, display_id: DisplayId) -> crate::Result<Viewed> {
        let view = self.conversation(agent, display_id).await?;
        let c = &view.conversation;
        Ok(Viewed { conversation_id: c.id, inbox_id: c.inbox_id, display_id: c.display_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: AccountId = AccountId(1);
    const CONV: Viewed = Viewed { conversation_id: ConversationId(7), inbox_id: InboxId(2), display_id: DisplayId(3) };

    fn sight(user: i64, composing: Option<Composing>, on: bool) -> Sighting {
        Sighting { account_id: A, user_id: UserId(user), viewed: CONV, composing, on }
    }

    #[test]
    fn a_viewer_shows_changes_what_it_composes_and_leaves() {
        let v = Viewers::default();
        let now = Instant::now();
        v.sighted(sight(1, None, true), now);
        v.sighted(sight(2, Some(Composing::Reply), true), now);
        let (updates, outgoing) = v.flush(now);
        assert_eq!(outgoing.len(), 2);
        assert_eq!(updates.len(), 1);
        assert_eq!(
            updates[0].conversations[0].viewers,
            [
                Viewer { user_id: UserId(1), composing: None },
                Viewer { user_id: UserId(2), composing: Some(Composing::Reply) }
            ]
        );
        assert_eq!(v.replying(A, CONV.conversation_id, UserId(1)), Some(UserId(2)));
        assert_eq!(v.replying(A, CONV.conversation_id, UserId(2)), None, "not against oneself");
        // The same frame again is no change.
        v.sighted(sight(1, None, true), now);
        assert!(v.flush(now).0.is_empty());
        v.sighted(sight(2, None, false), now);
        let (updates, _) = v.flush(now);
        assert_eq!(updates[0].conversations[0].viewers, [Viewer { user_id: UserId(1), composing: None }]);
        assert_eq!(v.replying(A, CONV.conversation_id, UserId(1)), None);
        v.sighted(sight(1, None, false), now);
        assert_eq!(v.flush(now).0[0].conversations[0].viewers, [], "the last one leaving says nobody");
        assert!(v.everyone(A).conversations.is_empty());
    }

    #[test]
    fn a_silent_viewer_expires_and_the_conversation_says_nobody() {
        let v = Viewers::default();
        let now = Instant::now();
        v.remote(&[sight(4, Some(Composing::Comment), true)], now);
        assert_eq!(v.flush(now).0[0].conversations[0].viewers.len(), 1);
        assert!(v.flush(now + VIEW_TTL - Duration::from_millis(1)).0.is_empty());
        let (updates, outgoing) = v.flush(now + VIEW_TTL + Duration::from_millis(1));
        assert!(outgoing.is_empty(), "remote sightings are not sent on again");
        assert_eq!(updates[0].conversations[0].viewers, []);
        assert!(v.everyone(A).conversations.is_empty());
    }
}
