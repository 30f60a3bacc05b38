//! Presence (X2): which agents and which visitors have a socket open, shown to
//! the account's agents as `presence.update` frames.
//!
//! Each process counts its own sockets. With several processes, each sends its
//! changes over the bus and, every few seconds, everything it holds; a process
//! not heard from for [`REMOTE_TTL`] (killed, cut off) is forgotten, so its
//! visitors go offline elsewhere. Changes are sent in batches every
//! [`FLUSH_EVERY`]: a reconnect inside one batch (the usual flaky-network
//! case) is no change at all, and a storm of new visitors costs one frame per
//! agent per batch, not one per visitor.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use domain::*;

use crate::App;

/// How long changes are gathered before they are sent.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// How often a process sends everything it holds to the others.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(5);
/// After this long without a word from a process, its sockets count as gone.
const REMOTE_TTL: Duration = Duration::from_secs(15);

/// Someone who can be online. A visitor is known with the inbox it came
/// through: agents only hear about visitors of inboxes they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "who", rename_all = "snake_case")]
pub enum Present {
    User { id: i64 },
    Contact { id: i64, inbox: i64 },
}

/// One account's presence changes (or, first, its whole online set), as sent
/// to agents.
#[derive(Debug, Clone, PartialEq)]
pub struct PresenceUpdate {
    pub account_id: AccountId,
    /// Whether this is everyone online (a socket's first update) rather than
    /// changes since the last one.
    pub full: bool,
    pub changes: Vec<(Present, bool)>,
}

/// Who is online, here and (by the bus) on the other processes.
#[derive(Default)]
pub struct Presence {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Sockets open on this process, per person.
    local: HashMap<(AccountId, Present), u32>,
    /// What the other processes last said they hold, by their bus origin.
    remote: HashMap<u64, Remote>,
    /// Online as last told to agents (here and in `full` updates).
    shown: HashSet<(AccountId, Present)>,
    /// People whose state may have changed since the last flush.
    dirty: HashSet<(AccountId, Present)>,
    /// This process's own changes since the last flush, for the bus.
    local_changes: HashMap<(AccountId, Present), bool>,
}

struct Remote {
    heard: Instant,
    online: HashSet<(AccountId, Present)>,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl State {
    fn online(&self, key: &(AccountId, Present)) -> bool {
        self.local.contains_key(key) || self.remote.values().any(|r| r.online.contains(key))
    }
}

/// What a flush hands on: updates for this process's agents, and this
/// process's changes for the others.
pub(crate) struct Flushed {
    pub updates: Vec<PresenceUpdate>,
    pub local_changes: Vec<(AccountId, Present, bool)>,
}

impl Presence {
    /// A socket of `who` opened. Keep the guard as long as the socket.
    pub fn arrive(self: &Arc<Self>, account: AccountId, who: Present) -> PresenceGuard {
        let key = (account, who);
        let mut s = lock(&self.state);
        let n = s.local.entry(key).or_insert(0);
        *n += 1;
        if *n == 1 {
            s.local_changes.insert(key, true);
            s.dirty.insert(key);
        }
        PresenceGuard { presence: self.clone(), key }
    }

    fn leave(&self, key: (AccountId, Present)) {
        let mut s = lock(&self.state);
        if let Some(n) = s.local.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                s.local.remove(&key);
                s.local_changes.insert(key, false);
                s.dirty.insert(key);
            }
        }
    }

    /// Whether `who` has a socket open in the account, on any process.
    pub fn is_online(&self, account: AccountId, who: Present) -> bool {
        lock(&self.state).online(&(account, who))
    }

    /// Everyone of the account online now, for a socket's first update.
    pub fn everyone(&self, account: AccountId) -> PresenceUpdate {
        let s = lock(&self.state);
        let mut changes: Vec<(Present, bool)> =
            s.shown.iter().filter(|(a, _)| *a == account).map(|(_, who)| (*who, true)).collect();
        changes.sort_by_key(|(who, _)| who_order(who));
        PresenceUpdate { account_id: account, full: true, changes }
    }

    /// Another process's changes.
    pub(crate) fn remote_changes(&self, origin: u64, changes: &[(AccountId, Present, bool)]) {
        let mut s = lock(&self.state);
        let remote = s.remote.entry(origin).or_insert_with(|| Remote { heard: Instant::now(), online: HashSet::new() });
        remote.heard = Instant::now();
        for (account, who, on) in changes {
            let key = (*account, *who);
            if *on {
                remote.online.insert(key);
            } else {
                remote.online.remove(&key);
            }
        }
        s.dirty.extend(changes.iter().map(|(a, w, _)| (*a, *w)));
    }

    /// Everything another process holds: replaces what was known of it.
    pub(crate) fn remote_snapshot(&self, origin: u64, online: HashSet<(AccountId, Present)>) {
        let mut s = lock(&self.state);
        let before = s.remote.insert(origin, Remote { heard: Instant::now(), online }).map(|r| r.online);
        let now = &s.remote[&origin].online;
        let changed: Vec<_> = match before {
            Some(before) => before.symmetric_difference(now).copied().collect(),
            None => now.iter().copied().collect(),
        };
        s.dirty.extend(changed);
    }

    /// What this process holds, for the others.
    pub(crate) fn local_snapshot(&self) -> Vec<(AccountId, Present)> {
        lock(&self.state).local.keys().copied().collect()
    }

    /// Forgets processes not heard from for `ttl`, then turns what changed into
    /// updates (one per account) and this process's changes for the bus.
    pub(crate) fn flush(&self, now: Instant, ttl: Duration) -> Flushed {
        let mut s = lock(&self.state);
        let silent: Vec<u64> =
            s.remote.iter().filter(|(_, r)| now.duration_since(r.heard) > ttl).map(|(o, _)| *o).collect();
        for origin in silent {
            if let Some(r) = s.remote.remove(&origin) {
                s.dirty.extend(r.online);
            }
        }
        let dirty = std::mem::take(&mut s.dirty);
        let mut by_account: HashMap<AccountId, Vec<(Present, bool)>> = HashMap::new();
        for key in dirty {
            let on = s.online(&key);
            if on != s.shown.contains(&key) {
                if on {
                    s.shown.insert(key);
                } else {
                    s.shown.remove(&key);
                }
                by_account.entry(key.0).or_default().push((key.1, on));
            }
        }
        let mut updates: Vec<PresenceUpdate> = by_account
            .into_iter()
            .map(|(account_id, mut changes)| {
                changes.sort_by_key(|(who, _)| who_order(who));
                PresenceUpdate { account_id, full: false, changes }
            })
            .collect();
        updates.sort_by_key(|u| u.account_id.0);
        let local_changes = s.local_changes.drain().map(|((a, who), on)| (a, who, on)).collect();
        Flushed { updates, local_changes }
    }
}

/// A stable order for frames and tests: users first, then contacts, by id.
fn who_order(who: &Present) -> (u8, i64) {
    match who {
        Present::User { id } => (0, *id),
        Present::Contact { id, .. } => (1, *id),
    }
}

/// Held by a socket; dropping it counts the socket gone.
pub struct PresenceGuard {
    presence: Arc<Presence>,
    key: (AccountId, Present),
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        self.presence.leave(self.key);
    }
}

impl App {
    /// Sends presence and viewer changes every [`FLUSH_EVERY`], and this
    /// process's whole presence set to the others every [`SNAPSHOT_EVERY`],
    /// until `stop` turns true.
    pub async fn run_presence_until(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_snapshot = Instant::now();
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        return;
                    }
                }
            }
            let flushed = self.presence().flush(Instant::now(), REMOTE_TTL);
            if let Some(bus) = self.bus() {
                if !flushed.local_changes.is_empty() {
                    bus.send_presence(&flushed.local_changes).await;
                }
                if last_snapshot.elapsed() >= SNAPSHOT_EVERY {
                    last_snapshot = Instant::now();
                    bus.send_presence_snapshot(&self.presence().local_snapshot()).await;
                }
            }
            for update in flushed.updates {
                // An agent who came online may take waiting conversations.
                for (who, on) in &update.changes {
                    if let (Present::User { id }, true) = (who, on) {
                        let (app, account, user) = (self.clone(), update.account_id, UserId(*id));
                        tokio::spawn(async move { app.agent_arrived(account, user).await });
                    }
                }
                self.hub().publish_presence(update);
            }
            let (viewers, sightings) = self.viewers().flush(Instant::now());
            if let Some(bus) = self.bus() {
                if !sightings.is_empty() {
                    bus.send_viewing(sightings).await;
                }
            }
            for update in viewers {
                self.hub().publish_viewers(update);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: AccountId = AccountId(1);
    const VISITOR: Present = Present::Contact { id: 5, inbox: 1 };
    const AGENT: Present = Present::User { id: 2 };

    fn flush(p: &Presence) -> Vec<PresenceUpdate> {
        p.flush(Instant::now(), REMOTE_TTL).updates
    }

    #[test]
    fn the_first_socket_arriving_and_the_last_leaving_are_the_changes() {
        let p = Arc::new(Presence::default());
        let one = p.arrive(A, VISITOR);
        let two = p.arrive(A, VISITOR);
        let _agent = p.arrive(A, AGENT);
        assert_eq!(
            flush(&p),
            [PresenceUpdate { account_id: A, full: false, changes: vec![(AGENT, true), (VISITOR, true)] }]
        );
        drop(one);
        assert!(flush(&p).is_empty(), "another socket of the visitor is open");
        drop(two);
        assert_eq!(flush(&p), [PresenceUpdate { account_id: A, full: false, changes: vec![(VISITOR, false)] }]);
        assert_eq!(p.everyone(A).changes, [(AGENT, true)]);
    }

    #[test]
    fn a_reconnect_within_one_batch_is_no_change() {
        let p = Arc::new(Presence::default());
        let first = p.arrive(A, VISITOR);
        flush(&p);
        drop(first);
        let _again = p.arrive(A, VISITOR);
        assert!(flush(&p).is_empty());
    }

    #[test]
    fn another_process_counts_until_it_goes_silent() {
        let p = Arc::new(Presence::default());
        p.remote_changes(7, &[(A, VISITOR, true)]);
        assert_eq!(flush(&p)[0].changes, [(VISITOR, true)]);
        // Here too, then gone from there: still online (here).
        let here = p.arrive(A, VISITOR);
        p.remote_snapshot(7, HashSet::new());
        assert!(flush(&p).is_empty());
        drop(here);
        p.remote_snapshot(7, HashSet::from([(A, VISITOR)]));
        assert!(flush(&p).is_empty(), "still online over there");
        let later = Instant::now() + REMOTE_TTL + Duration::from_secs(1);
        assert_eq!(p.flush(later, REMOTE_TTL).updates[0].changes, [(VISITOR, false)]);
    }
}
