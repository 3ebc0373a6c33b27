//! The merge's queue: one key per source whose next event is known, its
//! stamp and its index, in a binary min-heap.
//!
//! A heap rather than a tournament tree over every source: its cost per
//! event is O(log k) in the k sources that have something waiting, which
//! in a rig of many inputs is usually a few of them (one when one
//! keyboard plays), where a tree pays log n for all of them every time.

use alloc::boxed::Box;
use alloc::vec;

use super::later;

/// A source in the queue: the stamp of its next event, and its index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Key {
    pub(super) time: u32,
    pub(super) source: u32,
}

impl Key {
    /// Whether `self` comes out before `other`: the earlier stamp on the
    /// wrapping clock, the lower source index on a tie. A total order on
    /// stamps within 2³¹ µs (35 minutes) of each other; a stamp further
    /// off (a clock mix-up) may come out of place across sources, never
    /// within one (the queue holds one key per source).
    #[inline]
    fn before(self, other: Key) -> bool {
        later(other.time, self.time) || (self.time == other.time && self.source < other.source)
    }
}

/// A binary min-heap of [`Key`]s in storage allocated once, with room for
/// every source: it never grows, so no operation allocates.
#[derive(Debug)]
pub(super) struct Queue {
    keys: Box<[Key]>,
    len: usize,
}

impl Queue {
    /// A queue with room for `sources` keys.
    pub(super) fn new(sources: usize) -> Self {
        Self {
            keys: vec![Key::default(); sources].into_boxed_slice(),
            len: 0,
        }
    }

    /// The keys, in heap order (the first is the earliest).
    #[inline]
    pub(super) fn keys(&self) -> &[Key] {
        &self.keys[..self.len]
    }

    /// The earliest key.
    #[inline]
    pub(super) fn first(&self) -> Option<Key> {
        self.keys().first().copied()
    }

    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `key`. The caller adds each source at most once, so there is
    /// always room.
    #[inline]
    pub(super) fn push(&mut self, key: Key) {
        debug_assert!(self.len < self.keys.len(), "a source queued twice");
        if self.len == self.keys.len() {
            return;
        }
        self.keys[self.len] = key;
        self.len += 1;
        self.sift_up(self.len - 1);
    }

    /// Puts `key` where the key at `at` was: the source's next event
    /// after the one just taken.
    ///
    /// Inlined into the merge, with the commonest case in line: a key that
    /// is not earlier than the one it replaces and has no key below it
    /// (one source waiting, or the last of a level) stays where it is.
    #[inline(always)]
    pub(super) fn replace(&mut self, at: usize, key: Key) {
        let old = self.keys[at];
        self.keys[at] = key;
        if key.before(old) {
            self.sift_up(at);
        } else if 2 * at + 1 < self.len {
            self.sift_down(at);
        }
    }

    /// Removes the key at `at`: a source that has nothing more the stream
    /// has seen.
    #[inline]
    pub(super) fn remove(&mut self, at: usize) {
        self.len -= 1;
        if at == self.len {
            return;
        }
        let last = self.keys[self.len];
        self.replace(at, last);
    }

    #[inline]
    fn sift_up(&mut self, mut at: usize) {
        let key = self.keys[at];
        while at > 0 {
            let parent = (at - 1) / 2;
            if !key.before(self.keys[parent]) {
                break;
            }
            self.keys[at] = self.keys[parent];
            at = parent;
        }
        self.keys[at] = key;
    }

    #[inline]
    fn sift_down(&mut self, mut at: usize) {
        let key = self.keys[at];
        loop {
            let left = 2 * at + 1;
            if left >= self.len {
                break;
            }
            let right = left + 1;
            let child = if right < self.len && self.keys[right].before(self.keys[left]) {
                right
            } else {
                left
            };
            if !self.keys[child].before(key) {
                break;
            }
            self.keys[at] = self.keys[child];
            at = child;
        }
        self.keys[at] = key;
    }
}

#[cfg(test)]
mod tests {
    use super::{Key, Queue};

    /// Every order of removal through the heap gives the keys sorted.
    #[test]
    fn keys_come_out_earliest_first_ties_by_source() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in 1..40usize {
            let mut queue = Queue::new(n);
            let mut keys: Vec<Key> = (0..n)
                .map(|source| Key {
                    time: (next() % 8) as u32,
                    source: source as u32,
                })
                .collect();
            for &key in &keys {
                queue.push(key);
            }
            // Replace and remove at random places, as the merge does.
            for _ in 0..n {
                let at = (next() as usize) % queue.keys().len();
                let key = queue.keys()[at];
                let new = Key {
                    time: key.time + (next() % 4) as u32,
                    ..key
                };
                queue.replace(at, new);
                let i = keys.iter().position(|k| k.source == key.source).unwrap();
                keys[i] = new;
            }
            keys.sort_by_key(|k| (k.time, k.source));
            let mut out = Vec::new();
            while let Some(first) = queue.first() {
                out.push(first);
                queue.remove(0);
            }
            assert_eq!(out, keys, "n = {n}");
        }
    }
}
