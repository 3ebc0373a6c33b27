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

    /// Moves the key at `at`, which is not earlier than its parent's, down
    /// to where it belongs.
    ///
    /// A replaced key is a source's next event. Often it is still earlier
    /// than its children (at the top: a source playing a run of events
    /// before the others'): the textbook sift's first level says so, two
    /// comparisons (the children, then the key against the earlier), and
    /// it stays. Else it is usually later than most (sources taking
    /// turns), and belongs at or near a leaf: Floyd's way, it goes on down
    /// to a leaf along the earlier child of each level, moving each child
    /// up one level (one comparison a level, where the textbook sift makes
    /// two), then back up while it is earlier than the parent there (never
    /// as far as `at`, which now holds a key earlier than it).
    #[inline]
    fn sift_down(&mut self, at: usize) {
        // The live keys as one slice: `earlier_child`'s `get`s against its
        // length are both the test for a child and its bounds check.
        let keys = &mut self.keys[..self.len];
        let key = keys[at];
        let Some(child) = earlier_child(keys, at) else {
            return;
        };
        if !keys[child].before(key) {
            // Not after either child: it stays.
            return;
        }
        keys[at] = keys[child];
        let mut hole = child;
        while let Some(child) = earlier_child(keys, hole) {
            keys[hole] = keys[child];
            hole = child;
        }
        keys[hole] = key;
        // Back up as far as it must: never as far as `at`, which now holds
        // a key earlier than it.
        self.sift_up(hole);
    }
}

/// The earlier of the children of the key at `at` in the heap `keys`, if
/// it has any.
#[inline(always)]
fn earlier_child(keys: &[Key], at: usize) -> Option<usize> {
    let left = 2 * at + 1;
    let first = *keys.get(left)?;
    match keys.get(left + 1) {
        Some(&second) if second.before(first) => Some(left + 1),
        _ => Some(left),
    }
}

#[cfg(test)]
mod tests {
    use super::{Key, Queue};

    /// Whether every key comes after its parent's (or is its parent).
    fn is_heap(queue: &Queue) -> bool {
        let keys = queue.keys();
        (1..keys.len()).all(|i| !keys[i].before(keys[(i - 1) / 2]))
    }

    /// Keys replaced by earlier and by later ones (the merge replaces a
    /// source's key by its next event's), and removed, anywhere in the
    /// heap: it stays a heap after every step, and empties earliest first,
    /// ties by source.
    #[test]
    fn keys_come_out_earliest_first_through_any_replace_and_remove() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Under Miri, heaps of up to three levels: this is safe code, and
        // the larger sizes took Miri minutes.
        let sizes = if cfg!(miri) { 1..8usize } else { 1..70 };
        for n in sizes {
            let mut queue = Queue::new(n);
            let mut keys: Vec<Key> = (0..n)
                .map(|source| Key {
                    time: (next() % 16) as u32,
                    source: source as u32,
                })
                .collect();
            for &key in &keys {
                queue.push(key);
                assert!(is_heap(&queue), "n = {n}, after a push");
            }
            for _ in 0..3 * n {
                let at = (next() as usize) % queue.keys().len();
                let key = queue.keys()[at];
                let new = Key {
                    time: (next() % 16) as u32,
                    ..key
                };
                queue.replace(at, new);
                assert!(is_heap(&queue), "n = {n}, after a replace at {at}");
                let i = keys.iter().position(|k| k.source == key.source).unwrap();
                keys[i] = new;
            }
            // Remove a third of the keys from anywhere.
            for _ in 0..n / 3 {
                let at = (next() as usize) % queue.keys().len();
                let key = queue.keys()[at];
                queue.remove(at);
                assert!(is_heap(&queue), "n = {n}, after a remove at {at}");
                keys.retain(|k| k.source != key.source);
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
