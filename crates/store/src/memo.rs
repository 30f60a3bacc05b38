//! Answers that rarely or never change, kept in memory: an inbox by its
//! website token (an edit forgets it here, and on every other process over
//! the bus: `Store::forget_inbox`), and which inbox session a visitor's
//! contact identifier names. Every visitor request asks both before anything
//! else; from memory they cost a hash lookup instead of two database reads.
//! Only rows that exist are kept, so guessing tokens fills nothing, and the map
//! starts over when full rather than growing without bound.

use std::collections::HashMap;
use std::sync::Mutex;

pub(crate) struct Memo<V> {
    map: Mutex<HashMap<String, V>>,
    cap: usize,
}

impl<V: Clone> Memo<V> {
    pub(crate) fn new(cap: usize) -> Self {
        Memo { map: Mutex::new(HashMap::new()), cap }
    }

    pub(crate) fn get(&self, key: &str) -> Option<V> {
        self.map.lock().ok()?.get(key).cloned()
    }

    pub(crate) fn forget(&self, key: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(key);
        }
    }

    pub(crate) fn put(&self, key: &str, value: V) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= self.cap {
                map.clear();
            }
            map.insert(key.to_owned(), value);
        }
    }
}
