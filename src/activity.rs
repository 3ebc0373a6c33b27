//! Activity counters: one per source slot of a stream, packed side by side,
//! so that the audio thread learns which of many sources changed since it
//! last looked from a few cache lines (sixteen 32-bit counters a 64-byte
//! line), instead of loading two or three lines of every source.
//! The stream layers above use them through these types and touch no
//! atomics themselves.
//!
//! Each counter has one writer at a time, its slot's producer: plain
//! stores, no read-modify-write, wait-free on every target. Its value says
//! two things:
//!
//! * it **changes** after every change of the producer's that the reader
//!   must notice, stored with `Release` after that change; a reader that
//!   loads it with `Acquire` and finds a value other than the one it had
//!   sees at least everything the producer did before the store it read;
//! * it is **odd** once the producer has ended (was dropped), and even
//!   while it lives: a change adds 2, the end adds 1, and a new producer in
//!   an ended slot adds 1 before it is handed out. So the reader learns of
//!   an end from the counter itself, with everything before it visible.
//!
//! Sources whose slots share a group (32 on x86-64, 16 where a line's
//! padding is 64 bytes) share its line: producers of those sources on
//! different threads (two `midir` callbacks, say) take the line from each
//! other at their sends, a transfer between cores per send (tens to a
//! hundred-odd nanoseconds on the sending thread, still one plain store,
//! still wait-free), never on the audio thread, which only loads it.
//! Sources fed from one thread, or sending a few thousand messages a
//! second, do not notice.
//!
//! A counter has 32 bits on every target, so that a line holds sixteen,
//! and wraps after 2³¹ changes: a reader must not rely on an unchanged
//! value alone for ever (the merge visits every source in full at least
//! once every 1024 looks, whatever its counter).

use crate::sync::{Arc, AtomicU32, Ordering};
use alloc::boxed::Box;
use crossbeam_utils::CachePadded;

/// Counters in one group: as many as fill the space `CachePadded` gives a
/// value on this target (32 on x86-64, whose padding is 128 bytes for the
/// adjacent-line prefetcher; 16 where it is 64), at least one.
const GROUP: usize = {
    let n = core::mem::align_of::<CachePadded<u8>>() / core::mem::size_of::<AtomicU32>();
    if n == 0 { 1 } else { n }
};

/// The counters of every slot of one stream, shared by the stream and its
/// sources' producers. Groups are aligned to the cache-line padding, so
/// that no other allocation shares their lines.
#[derive(Debug)]
pub(crate) struct Activity {
    groups: Box<[CachePadded<[AtomicU32; GROUP]>]>,
}

impl Activity {
    /// Counters for `slots` slots, all 0: even, no producer ended.
    pub(crate) fn new(slots: usize) -> Self {
        let groups = (0..slots.div_ceil(GROUP))
            .map(|_| CachePadded::new(core::array::from_fn(|_| AtomicU32::new(0))))
            .collect();
        Self { groups }
    }

    #[inline]
    fn counter(&self, slot: usize) -> &AtomicU32 {
        self.counters().counter(slot)
    }

    /// The counter of `slot`. Acquire pairs with the Release of the
    /// producer's store: everything the producer did before the store read
    /// is visible after this load.
    #[inline]
    pub(crate) fn load(&self, slot: usize) -> u32 {
        self.counters().load(slot)
    }

    /// The counters, borrowed for a look: a loop that loads many keeps
    /// the slice's pointer and length in registers, where each
    /// [`load`](Self::load) goes through the `Arc` and the `Box` again
    /// (the compiler may not carry what it read before an Acquire load
    /// past it).
    #[inline]
    pub(crate) fn counters(&self) -> Counters<'_> {
        Counters(&self.groups)
    }

    /// Sets the counter of `slot`, for tests that imitate a counter coming
    /// back to a value the reader saw (wrapping).
    #[cfg(test)]
    pub(crate) fn set(&self, slot: usize, value: u32) {
        self.counter(slot).store(value, Ordering::Release);
    }
}

/// The counters of an [`Activity`], borrowed (see [`Activity::counters`]).
#[derive(Clone, Copy)]
pub(crate) struct Counters<'a>(&'a [CachePadded<[AtomicU32; GROUP]>]);

impl<'a> Counters<'a> {
    #[inline]
    fn counter(self, slot: usize) -> &'a AtomicU32 {
        &self.0[slot / GROUP][slot % GROUP]
    }

    /// The counter of `slot`. Acquire pairs with the Release of the
    /// producer's store: everything the producer did before the store read
    /// is visible after this load.
    #[inline]
    pub(crate) fn load(self, slot: usize) -> u32 {
        self.counter(slot).load(Ordering::Acquire)
    }
}

/// Whether a counter's value says that its slot's producer ended.
#[inline]
pub(crate) fn is_end(count: u32) -> bool {
    count & 1 == 1
}

/// The writing end of one slot's counter, held by the slot's producer;
/// dropping it stores the producer's end. Place it after every other part
/// of the producer whose drop the reader must see (fields are dropped in
/// the order they are declared).
#[derive(Debug)]
pub(crate) struct ActivityWriter {
    activity: Arc<Activity>,
    slot: usize,
    /// Our own copy of the counter: we are its only writer, so we never
    /// load it (after `claim`).
    count: u32,
}

impl ActivityWriter {
    /// Becomes the writer of `slot`'s counter.
    ///
    /// The slot's previous writer, if it had one, must have been dropped
    /// and its drop must happen-before this call. The stream makes sure of
    /// it: a slot is handed out again only after the audio thread took
    /// its source's end, which it does only after loading the odd value the
    /// old writer stored last (`Acquire`, pairing with that store's
    /// `Release`), and the slot comes back to the adding thread through a
    /// ring (`Release` push, `Acquire` pop). So this load reads that last
    /// value (no other store comes after it), and this thread is then the
    /// only writer: a load and a store, no read-modify-write needed.
    pub(crate) fn claim(activity: Arc<Activity>, slot: usize) -> Self {
        let counter = activity.counter(slot);
        // Relaxed: the edge above orders it after the old writer's last
        // store.
        let mut count = counter.load(Ordering::Relaxed);
        if is_end(count) {
            // Live again. Relaxed: the producer's receiving end reaches the
            // audio thread through a ring whose Release/Acquire pair orders
            // this store before its first load of the counter, so it never
            // takes the new source for ended.
            count = count.wrapping_add(1);
            counter.store(count, Ordering::Relaxed);
        }
        Self {
            activity,
            slot,
            count,
        }
    }

    /// Tells the reader that something changed: call it after the change.
    #[inline]
    pub(crate) fn changed(&mut self) {
        self.count = self.count.wrapping_add(2);
        // Release: a reader that loads this value (Acquire) sees the change
        // made before it.
        self.activity
            .counter(self.slot)
            .store(self.count, Ordering::Release);
    }
}

impl Drop for ActivityWriter {
    fn drop(&mut self) {
        // The end: odd. Release, as in `changed`: a reader that loads it
        // sees everything the producer did, the parts dropped before this
        // one included.
        self.count = self.count.wrapping_add(1);
        self.activity
            .counter(self.slot)
            .store(self.count, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::{Activity, ActivityWriter, GROUP, is_end};
    use crate::sync::Arc;

    #[test]
    fn a_group_fills_the_padding_of_a_cache_line() {
        use crate::sync::AtomicU32;
        use crossbeam_utils::CachePadded;
        let padding = core::mem::align_of::<CachePadded<u8>>();
        assert_eq!(GROUP * core::mem::size_of::<AtomicU32>(), padding);
        assert_eq!(
            core::mem::size_of::<CachePadded<[AtomicU32; GROUP]>>(),
            padding
        );
    }

    #[test]
    fn changes_keep_a_counter_even_and_the_end_makes_it_odd() {
        let activity = Arc::new(Activity::new(GROUP + 1));
        let mut writer = ActivityWriter::claim(Arc::clone(&activity), GROUP);
        assert_eq!(activity.load(GROUP), 0);
        writer.changed();
        writer.changed();
        assert_eq!((activity.load(GROUP), activity.load(0)), (4, 0));
        drop(writer);
        assert_eq!(activity.load(GROUP), 5);
        assert!(is_end(activity.load(GROUP)));
    }

    #[test]
    fn a_writer_in_an_ended_slot_goes_on_from_its_value_live_again() {
        let activity = Arc::new(Activity::new(1));
        let mut first = ActivityWriter::claim(Arc::clone(&activity), 0);
        first.changed();
        drop(first);
        let mut second = ActivityWriter::claim(Arc::clone(&activity), 0);
        assert_eq!(activity.load(0), 4, "3, the end, then live again");
        second.changed();
        assert_eq!(activity.load(0), 6);
        drop(second);
        assert_eq!(activity.load(0), 7);
    }
}
