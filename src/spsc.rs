//! A bounded single-producer single-consumer ring buffer, generic over `T`.
//!
//! The guarantees, in plain words:
//!
//! * **Allocation at construction only.** [`SpscRingBuffer::new`] makes two
//!   allocations: the shared indices, and room for exactly `capacity` items
//!   (not rounded up). Nothing afterwards allocates or frees, until the last
//!   handle is dropped.
//! * **Lock-free and wait-free.** Every operation on either handle finishes
//!   in a bounded number of its own steps, whatever the other thread does:
//!   there are no locks, no retry loops, no system calls.
//! * **Full and empty are answers, not waits.** [`Producer::try_push`] hands
//!   the value back when the buffer is full; [`Consumer::try_pop`] returns
//!   `None` when it is empty.
//! * **Exactly once.** Every pushed item is popped once, or dropped once
//!   when both handles are gone.
//! * **Any number of items.** Indices are free-running counters that wrap
//!   around at `usize::MAX`, and every comparison is a wrapping difference, so
//!   a buffer keeps working after 2³² items on 32-bit targets.
//!
//! Each handle is [`Send`] (when `T` is) so it can move to its thread, but not
//! [`Sync`]: sharing one handle between threads would break the single-producer
//! single-consumer contract that the algorithm relies on.
//!
//! ```
//! use bbx_midi::spsc::SpscRingBuffer;
//!
//! let (mut producer, mut consumer) = SpscRingBuffer::new(2);
//! assert_eq!(producer.try_push(1), Ok(()));
//! assert_eq!(producer.try_push(2), Ok(()));
//! assert_eq!(producer.try_push(3), Err(3)); // full: the value comes back
//!
//! let audio = std::thread::spawn(move || {
//!     let mut received = Vec::new();
//!     while received.len() < 2 {
//!         if let Some(value) = consumer.try_pop() {
//!             received.push(value);
//!         }
//!     }
//!     received
//! });
//! assert_eq!(audio.join().unwrap(), [1, 2]);
//! ```
//!
//! # How it works
//!
//! `head` and `tail` always mean the same thing in this module: **`head`
//! counts the items the consumer has popped, `tail` the items the producer has
//! pushed.** Both only grow (modulo `usize::MAX + 1`), each is written by one
//! side only, and `tail - head` (wrapping) is the number of items in the
//! buffer, always in `0..=capacity`. Each side keeps its own counter in its
//! handle, together with the counter its current lap of the slots began at
//! (the value it had at slot 0), and a cached copy of the other side's
//! counter that it reloads only when the cached value says "full" or
//! "empty". A counter's slot position is then one subtraction (no division
//! is ever needed), and a push or pop writes one field of its handle: the
//! counter. The lap start moves only when a side passes the end of the
//! slots.

use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
#[cfg(feature = "alloc")]
use core::mem::size_of;
use core::ptr::NonNull;

use crossbeam_utils::CachePadded;

#[cfg(feature = "alloc")]
use crate::sync::{Arc, SlotAlloc};
use crate::sync::{Ordering, Slot, copy_from_slots, copy_to_slots};

/// Namespace for the ring buffer's heap constructor.
///
/// It holds no state; the buffer lives behind the [`Producer`] and
/// [`Consumer`] that [`SpscRingBuffer::new`] returns. Without an allocator,
/// [`StaticRing`] is the same ring with its storage in a `static`.
#[derive(Debug)]
pub enum SpscRingBuffer {}

#[cfg(feature = "alloc")]
impl SpscRingBuffer {
    /// Creates a ring buffer holding at most `capacity` items and returns its
    /// two ends.
    ///
    /// It allocates twice, here: the shared indices and the slots; the
    /// buffer never allocates again. Needs the `alloc` feature (on by
    /// default).
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 (a buffer that can hold nothing cannot move
    /// anything), or if `capacity` items of `T` are too large to allocate.
    ///
    /// # Examples
    ///
    /// ```
    /// use bbx_midi::spsc::{Consumer, Producer, SpscRingBuffer};
    ///
    /// let (producer, consumer): (Producer<u32>, Consumer<u32>) = SpscRingBuffer::new(100);
    /// assert_eq!(producer.capacity(), 100);
    /// assert_eq!(consumer.capacity(), 100);
    /// ```
    ///
    /// ```should_panic
    /// let _ = bbx_midi::spsc::SpscRingBuffer::new::<u8>(0);
    /// ```
    #[expect(
        clippy::new_ret_no_self,
        reason = "the buffer is its two ends; `SpscRingBuffer::new` is the name users of ring buffers expect"
    )]
    pub fn new<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
        Self::with_counters_at(capacity, 0)
    }

    /// `new`, with both counters starting at `start` instead of 0, so that
    /// tests can put the wrap-around of the counters a few items away.
    fn with_counters_at<T>(capacity: usize, start: usize) -> (Producer<T>, Consumer<T>) {
        assert!(
            capacity > 0,
            "SpscRingBuffer capacity must be at least 1, got 0"
        );
        let Some(slots) = SlotAlloc::<T>::new(capacity) else {
            panic!(
                "SpscRingBuffer capacity {capacity} is too large to allocate \
                 ({} bytes per item)",
                size_of::<T>()
            )
        };
        let first = slots.first();
        let ring = Heap {
            ring: Arc::new(HeapRing {
                state: RingState::starting_at(start),
                slots,
                capacity,
            }),
        };
        // SAFETY: a new ring: its slots are `capacity` uninitialised slots
        // kept alive by `ring`, and no handle of it exists yet.
        unsafe { handles(ring.clone(), ring, first, capacity) }
    }
}

pub use storage::Storage;
pub(crate) use storage::{RingState, Sealed};

/// Where a ring keeps its indices and slots: the parameter `S` of
/// [`Producer`] and [`Consumer`].
///
/// The trait is sealed: the crate's own storages are the only ones.
///
/// * [`Heap`] (the default): allocated by [`SpscRingBuffer::new`] and freed
///   with the last handle. Needs the `alloc` feature and atomic
///   compare-and-swap (an `Arc`).
/// * `&'a` [`StaticRing`]: a ring in a `static` or any other place the
///   user chooses, borrowed by its handles; [`StaticRing::split`] makes them.
///   Needs neither an allocator nor compare-and-swap: it runs on
///   `thumbv6m` (Cortex-M0/M0+).
/// * `&'a` [`StaticMidiBuffer`](crate::StaticMidiBuffer): the same, typed
///   for MIDI.
///
/// Both kinds share every line of the ring's code; only where the memory
/// lives differs.
mod storage {
    use super::CachePadded;
    use crate::sync::{AtomicBool, AtomicU32, AtomicUsize, Ordering, Slot};

    /// The state both handles of one ring share, apart from the slots.
    ///
    /// Public only so that the sealed trait can name it; not reachable from
    /// outside the crate.
    pub struct RingState {
        /// Items popped so far, wrapping. Written only by the consumer,
        /// with `Release`, after it has finished reading the slots it gives
        /// back; read by the producer with `Acquire` before it overwrites
        /// them.
        pub(crate) head: CachePadded<AtomicUsize>,
        /// Items pushed so far, wrapping. Written only by the producer,
        /// with `Release`, after it has written the slots it hands over;
        /// read by the consumer with `Acquire` before it reads them.
        pub(crate) tail: CachePadded<AtomicUsize>,
        /// Set by each handle as it is dropped, with `Release`, so the
        /// handle that sees it (with `Acquire`) also sees everything the
        /// other side did.
        pub(crate) abandoned: AtomicBool,
        /// The consumer's slot position, stored when the consumer is
        /// dropped: the wrapping counters alone cannot say where the oldest
        /// item sits, and dropping the items left, or splitting a static
        /// ring again, needs it.
        pub(crate) head_slot_at_drop: AtomicUsize,
        /// The consumer's `dropped_seen`, stored when it is dropped, so that
        /// a new consumer of a static ring neither repeats nor misses a
        /// drop report.
        pub(crate) dropped_seen_at_drop: AtomicUsize,
        /// Whether the two fields above are current: true until a split
        /// hands out a consumer, true again once that consumer is dropped.
        /// A consumer leaked (`mem::forget`) leaves it false, and then the
        /// ring can be neither split again nor have its leftovers dropped:
        /// it would not know where they are.
        pub(crate) consumer_saved: AtomicBool,
        /// Items the producer reported dropped, in total, wrapping. Written
        /// only by the producer (`Release`), read by the consumer
        /// (`Acquire`); both rarely, so it shares the cold line. A single
        /// writer and a plain store keep both sides wait-free on every
        /// architecture (no read-modify-write).
        pub(crate) dropped: AtomicUsize,
        /// The mark of the producer's latest drop report
        /// ([`Producer::add_dropped_marked`](super::Producer::add_dropped_marked)).
        /// Written only by the producer, before `dropped` and with
        /// `Release`, so that a consumer that loads `dropped` and then this
        /// sees a mark at least as recent as that total.
        pub(crate) dropped_mark: AtomicU32,
    }

    impl RingState {
        crate::sync::const_fn_unless_loom! {
            /// A ring that has never been used, both counters at `start`.
            pub(crate) fn starting_at(start: usize) -> Self {
                Self {
                    head: CachePadded::new(AtomicUsize::new(start)),
                    tail: CachePadded::new(AtomicUsize::new(start)),
                    abandoned: AtomicBool::new(false),
                    head_slot_at_drop: AtomicUsize::new(0),
                    dropped_seen_at_drop: AtomicUsize::new(0),
                    consumer_saved: AtomicBool::new(true),
                    dropped: AtomicUsize::new(0),
                    dropped_mark: AtomicU32::new(0),
                }
            }
        }

        /// Drops the items pushed and never popped.
        ///
        /// # Safety
        /// `slots` must be the ring's `capacity` slots, and no handle of the
        /// ring may remain; whatever ended the handles must happen-before
        /// this call (a join, the end of a borrow, the last `Arc` drop).
        pub(crate) unsafe fn drop_leftovers<T>(&self, slots: *const Slot<T>, capacity: usize) {
            // Relaxed: the handles' final stores happen-before this call by
            // the contract.
            if !self.consumer_saved.load(Ordering::Relaxed) {
                // A consumer was leaked: where the items start is unknown.
                // Leaking them too is safe; guessing is not.
                return;
            }
            let len = self
                .tail
                .load(Ordering::Relaxed)
                .wrapping_sub(self.head.load(Ordering::Relaxed));
            let start = self.head_slot_at_drop.load(Ordering::Relaxed);
            let first = len.min(capacity - start);
            // The `len` items pushed and never popped sit in the slots from
            // the consumer's last position `start`, wrapping once: `first` of
            // them up to the end, the rest from slot 0. A tuple drops its
            // fields in order, oldest run first, and goes on to the second
            // run even if the first panics.
            // SAFETY: those slots are initialised, and no handle remains to
            // touch them.
            let _leftovers = unsafe {
                (
                    crate::sync::DropSlots::new(slots.add(start), first),
                    crate::sync::DropSlots::new(slots, len - first),
                )
            };
        }
    }

    /// The sealed half of [`Storage`]: what the handles need from their
    /// storage.
    pub trait Sealed<T> {
        /// The indices and reports both handles share.
        fn state(&self) -> &RingState;
    }

    /// Where a ring keeps its indices and slots. See
    /// [`Storage`](super::Storage)'s re-export for the kinds there are.
    pub trait Storage<T>: Sealed<T> {}

    impl<T, S: Sealed<T>> Storage<T> for S {}
}

/// Makes the two handles of a ring from its storage, taking up where the
/// last handles left it (for a new ring: empty, no drops).
///
/// # Panics
///
/// If a consumer of an earlier split was leaked (`mem::forget`): its
/// position in the slots was never saved.
///
/// # Safety
/// `slots` must point to the ring's `capacity` slots (`capacity > 0`), which
/// `producer` and `consumer` (two references to one storage) keep alive and
/// in place; no other handle of the ring may exist, and whatever ended the
/// earlier ones must happen-before this call.
pub(crate) unsafe fn handles<T, S: Storage<T>>(
    producer: S,
    consumer: S,
    slots: NonNull<Slot<T>>,
    capacity: usize,
) -> (Producer<T, S>, Consumer<T, S>) {
    let state = producer.state();
    // Relaxed: the last handles' stores happen-before this by the contract.
    assert!(
        state.consumer_saved.load(Ordering::Relaxed),
        "StaticRing split again after a consumer of the last split was leaked \
         (mem::forget): where its items are is unknown"
    );
    state.consumer_saved.store(false, Ordering::Relaxed);
    let head = state.head.load(Ordering::Relaxed);
    let tail = state.tail.load(Ordering::Relaxed);
    let head_slot = state.head_slot_at_drop.load(Ordering::Relaxed);
    let dropped = state.dropped.load(Ordering::Relaxed);
    let dropped_seen = state.dropped_seen_at_drop.load(Ordering::Relaxed);
    state.abandoned.store(false, Ordering::Relaxed);
    // The items left sit after the consumer's position, in order.
    let tail_slot = slot_after(head_slot, tail.wrapping_sub(head), capacity);
    let producer = Producer {
        storage: ManuallyDrop::new(producer),
        slots,
        capacity,
        tail,
        lap_start: tail.wrapping_sub(tail_slot),
        cached_head: Cell::new(head),
        staged: 0,
        dropped,
        _invariant: PhantomData,
    };
    let consumer = Consumer {
        storage: ManuallyDrop::new(consumer),
        slots,
        capacity,
        head,
        lap_start: head.wrapping_sub(head_slot),
        cached_tail: Cell::new(head),
        dropped_seen,
        _invariant: PhantomData,
    };
    (producer, consumer)
}

/// The storage of a ring made by [`SpscRingBuffer::new`]: indices and
/// slots on the heap, shared by the two handles and freed with the last.
///
/// Without the `alloc` feature there is no way to make one.
pub struct Heap<T> {
    #[cfg(feature = "alloc")]
    ring: Arc<HeapRing<T>>,
    #[cfg(not(feature = "alloc"))]
    never: core::convert::Infallible,
    #[cfg(not(feature = "alloc"))]
    _item: PhantomData<T>,
}

/// What a [`Heap`] points to.
#[cfg(feature = "alloc")]
struct HeapRing<T> {
    state: RingState,
    /// `capacity` slots. The ones at positions `head .. tail` (taken modulo
    /// `capacity`, starting from the consumer's slot position) are
    /// initialised; the others are not. Freed after the items left in them.
    slots: SlotAlloc<T>,
    /// Number of slots; never 0.
    capacity: usize,
}

#[cfg(feature = "alloc")]
impl<T> Clone for Heap<T> {
    fn clone(&self) -> Self {
        Self {
            ring: Arc::clone(&self.ring),
        }
    }
}

impl<T> Sealed<T> for Heap<T> {
    #[inline(always)]
    fn state(&self) -> &RingState {
        #[cfg(feature = "alloc")]
        return &self.ring.state;
        #[cfg(not(feature = "alloc"))]
        match self.never {}
    }
}

// SAFETY: a `Heap<T>` is one handle's share of the ring; the handles' own
// `Send` impls require `T: Send`, and `Arc<HeapRing<T>>` is only ever touched
// through the state's atomics and under the ring protocol.
unsafe impl<T: Send> Send for Heap<T> {}

impl<T> fmt::Debug for Heap<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Heap").finish_non_exhaustive()
    }
}

#[cfg(feature = "alloc")]
impl<T> Drop for HeapRing<T> {
    fn drop(&mut self) {
        // SAFETY: these are the ring's slots, and both handles are gone: the
        // last `Arc` drop synchronised with the other one.
        unsafe {
            self.state
                .drop_leftovers(self.slots.first().as_ptr(), self.capacity)
        };
    }
}

/// A ring buffer of `N` items whose indices and slots live in the value
/// itself: in a `static`, on the stack, in a struct, wherever the user puts
/// it. No allocator is involved, and no atomic read-modify-write: it works
/// on `thumbv6m` (Cortex-M0/M0+) as on any target with atomic loads and
/// stores.
///
/// [`split`](Self::split) hands out the same [`Producer`] and [`Consumer`]
/// as [`SpscRingBuffer::new`], borrowing the ring: every line of the ring's
/// code is shared between the two kinds of storage. The slots take
/// `N * size_of::<T>()` bytes (rounded up to a cache line), the indices
/// three cache lines (as `CachePadded` sizes them for the target).
///
/// `new` is a `const fn`, so a ring can be a `static` initialiser; a
/// `&'static mut` to one (from `cortex_m::singleton!`, `static_cell`, or
/// `Box::leak`) splits into handles that live forever.
///
/// ```
/// use bbx_midi::spsc::StaticRing;
///
/// let mut ring = StaticRing::<u32, 4>::new();
/// let (mut producer, mut consumer) = ring.split();
/// std::thread::scope(|s| {
///     s.spawn(move || {
///         for i in 0..100 {
///             while producer.try_push(i).is_err() {}
///         }
///     });
///     let mut next = 0;
///     while next < 100 {
///         if let Some(i) = consumer.try_pop() {
///             assert_eq!(i, next);
///             next += 1;
///         }
///     }
/// });
/// ```
///
/// Splitting again after the handles are gone takes up where they left
/// off: items pushed and not popped are still there, in order.
///
/// ```
/// let mut ring = bbx_midi::spsc::StaticRing::<char, 2>::new();
/// let (mut producer, _) = ring.split();
/// producer.try_push('a').unwrap();
/// drop(producer);
/// let (_, mut consumer) = ring.split();
/// assert_eq!(consumer.try_pop(), Some('a'));
/// ```
#[repr(C)]
pub struct StaticRing<T, const N: usize> {
    state: RingState,
    /// `N` slots, on cache lines of their own; initialised as described on
    /// [`HeapRing::slots`] for the heap.
    slots: CachePadded<[Slot<T>; N]>,
}

// SAFETY: `&StaticRing` gives nothing but `capacity`; the slots are reached
// only through the handles, which move items of `T` between threads (hence
// `T: Send`) under the ring protocol, one handle per thread.
unsafe impl<T: Send, const N: usize> Sync for StaticRing<T, N> {}

impl<T, const N: usize> StaticRing<T, N> {
    crate::sync::const_fn_unless_loom! {
        /// An empty ring of `N` slots.
        ///
        /// # Panics
        ///
        /// If `N` is 0; in a `static` initialiser that is a compile error.
        ///
        /// ```compile_fail
        /// static RING: bbx_midi::spsc::StaticRing<u8, 0> = bbx_midi::spsc::StaticRing::new();
        /// ```
        pub fn new() -> Self {
            assert!(N > 0, "StaticRing capacity N must be at least 1, got 0");
            Self {
                state: RingState::starting_at(0),
                slots: CachePadded::new(crate::sync::uninit_slots()),
            }
        }
    }

    /// The number of items the ring holds at most: `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The producer and consumer of this ring, borrowing it.
    ///
    /// The `&mut` borrow guarantees that no other handle of the ring
    /// exists; the first split finds the ring empty, later ones find it as
    /// the last handles left it. Never allocates.
    ///
    /// # Panics
    ///
    /// If the consumer of an earlier split was leaked (`mem::forget`)
    /// instead of dropped: it saves its position in the slots when it is
    /// dropped, and without it the items left cannot be found. (The items
    /// left in such a ring are leaked with it, never dropped.)
    ///
    /// ```should_panic
    /// let mut ring = bbx_midi::spsc::StaticRing::<u8, 4>::new();
    /// let (producer, consumer) = ring.split();
    /// drop(producer);
    /// core::mem::forget(consumer);
    /// let _ = ring.split(); // panics: the consumer's position was lost
    /// ```
    pub fn split(&mut self) -> (Producer<T, &Self>, Consumer<T, &Self>) {
        let ring: &Self = self;
        let (slots, capacity) = ring.slots_and_capacity();
        // SAFETY: the `N` slots of this ring, alive and in place while the
        // handles borrow it; `&mut self` means no other handle exists and
        // the end of the last ones' borrow happened before this.
        unsafe { handles(ring, ring, slots, capacity) }
    }

    /// The first slot and the number of slots.
    pub(crate) fn slots_and_capacity(&self) -> (NonNull<Slot<T>>, usize) {
        (NonNull::from(&self.slots[..]).cast(), N)
    }

    /// The indices and reports, for the MIDI layer's storage.
    pub(crate) fn state(&self) -> &RingState {
        &self.state
    }
}

impl<T, const N: usize> Default for StaticRing<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> Sealed<T> for &StaticRing<T, N> {
    #[inline(always)]
    fn state(&self) -> &RingState {
        &self.state
    }
}

impl<T, const N: usize> Drop for StaticRing<T, N> {
    fn drop(&mut self) {
        let (slots, capacity) = self.slots_and_capacity();
        // SAFETY: these are the ring's slots; `&mut self` means no handle
        // borrows it any more.
        unsafe { self.state.drop_leftovers(slots.as_ptr(), capacity) };
    }
}

impl<T, const N: usize> fmt::Debug for StaticRing<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticRing")
            .field("capacity", &N)
            .finish_non_exhaustive()
    }
}

/// The writing end of a ring buffer, for the one thread that pushes.
///
/// Created by [`SpscRingBuffer::new`].
///
/// A handle is invariant in `T`: it cannot be made to accept shorter-lived
/// items than its consumer hands out.
///
/// ```compile_fail
/// use bbx_midi::spsc::Producer;
/// fn shorten<'a>(producer: Producer<&'static str>) -> Producer<&'a str> {
///     producer
/// }
/// ```
pub struct Producer<T, S: Storage<T> = Heap<T>> {
    /// Where the indices live, and what keeps the slots alive. Dropped
    /// from a copy in `drop`, so that dropping the handle never passes the
    /// handle's own address to the storage's drop: a handle that lives in
    /// one function's locals then has its fields kept in registers, and a
    /// push or pop in a loop stores none of them.
    storage: ManuallyDrop<S>,
    /// The first slot, to save a dependent load on every push.
    slots: NonNull<Slot<T>>,
    /// Number of slots; never 0.
    capacity: usize,
    /// Our own `tail`. We are its only writer, so we never load it.
    tail: usize,
    /// The `tail` that slot 0 has in the current lap of the slots, so that
    /// `tail - lap_start` (wrapping) is `tail`'s slot position, always in
    /// `0 .. capacity` between calls. It moves on by `capacity` only when a
    /// push reaches the end of the slots (in `push_slice` just before the
    /// copies, `tail` right after them, nothing between that can panic);
    /// every other push writes one field of the handle, `tail`.
    lap_start: usize,
    /// The last `head` we loaded. It may be stale, but only ever behind the
    /// real one, so `capacity - (tail - cached_head)` is a lower bound on the
    /// free slots and a push it allows is always safe.
    cached_head: Cell<usize>,
    /// Items written ahead of `tail` by [`stage`](Self::stage) and not yet
    /// published: the slots `tail .. tail + staged`, all free and unseen by
    /// the consumer.
    staged: usize,
    /// Our own count of dropped items; we are the only writer of `dropped`.
    dropped: usize,
    /// Invariant in `T`: were `Producer<&'static str>` a subtype of
    /// `Producer<&'a str>`, short-lived references could reach a consumer
    /// that hands them out as `'static`.
    _invariant: PhantomData<fn(T) -> T>,
}

// SAFETY: values of `T` move to the thread that pops or drops them: `T: Send`.
// `slots` is dereferenced only under the head/tail protocol, and `&mut self`
// with `!Sync` (from the `Cell` and the pointer) keeps it on one thread.
unsafe impl<T: Send, S: Storage<T> + Send> Send for Producer<T, S> {}

/// The slot `n` places after `slot`, wrapped once: both are at most
/// `capacity` and `slot` is below it, so one subtraction is enough (no
/// division on the hot path).
#[inline(always)]
fn slot_after(slot: usize, n: usize, capacity: usize) -> usize {
    let to_end = capacity - slot;
    if n < to_end { slot + n } else { n - to_end }
}

impl<T, S: Storage<T>> Producer<T, S> {
    /// The indices and reports both handles share.
    #[inline(always)]
    fn state(&self) -> &RingState {
        self.storage.state()
    }

    /// Free slots according to the cached `head`: never more than the truth.
    #[inline(always)]
    fn cached_free(&self) -> usize {
        self.capacity - self.tail.wrapping_sub(self.cached_head.get())
    }

    /// Whether at least one slot is free: answered from the cached `head`
    /// when it can be, else from the consumer's current one.
    #[inline(always)]
    fn has_room(&self) -> bool {
        // Read once: the compiler may not carry them across the atomic load.
        let (tail, capacity) = (self.tail, self.capacity);
        if tail.wrapping_sub(self.cached_head.get()) != capacity {
            return true;
        }
        // Acquire pairs with the consumer's Release store of `head`: its reads
        // of the slots it freed happen-before we overwrite them.
        let head = self.state().head.load(Ordering::Acquire);
        if tail.wrapping_sub(head) == capacity {
            // Still full, so `head` equals the cached value: nothing to store.
            return false;
        }
        self.cached_head.set(head);
        true
    }

    /// Loads the consumer's `head` and returns the exact free slots now.
    #[inline]
    fn refresh_free(&self) -> usize {
        // Acquire pairs with the consumer's Release store of `head`: its reads
        // of the slots it freed happen-before we overwrite them.
        let head = self.state().head.load(Ordering::Acquire);
        self.cached_head.set(head);
        self.capacity - self.tail.wrapping_sub(head)
    }

    /// `tail` as a slot position, in `0 .. capacity`.
    #[inline(always)]
    fn tail_slot(&self) -> usize {
        self.tail.wrapping_sub(self.lap_start)
    }

    /// Publishes to the consumer the `n` slots written from
    /// [`tail_slot`](Self::tail_slot); `n` is at most the free slots, so at
    /// most `capacity`. `next_lap` says whether they reach the end of the
    /// slots: `tail_slot() + n >= capacity`.
    #[inline(always)]
    fn commit(&mut self, n: usize, next_lap: bool) {
        if next_lap {
            // `tail` moves into the next lap, to slot
            // `tail_slot() + n - capacity`, below `capacity` as `n` is.
            self.lap_start = self.lap_start.wrapping_add(self.capacity);
        }
        self.publish(n);
    }

    /// The end of [`commit`](Self::commit): moves `tail` on by `n` and
    /// publishes it, once `lap_start` is where `tail + n` needs it.
    #[inline(always)]
    fn publish(&mut self, n: usize) {
        let tail = self.tail.wrapping_add(n);
        // Release pairs with the consumer's Acquire load of `tail`: our slot
        // writes happen-before its reads.
        self.state().tail.store(tail, Ordering::Release);
        // The handle's copy after the shared store, as `rtrb` orders them:
        // the consumer sees the new index a few cycles sooner (benches/README.md).
        self.tail = tail;
    }

    /// Appends `value`, or gives it back in `Err` if the buffer is full.
    ///
    /// Wait-free; never allocates.
    ///
    /// # Errors
    ///
    /// `Err(value)` when the consumer holds `capacity` unread items.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut producer, _consumer) = bbx_midi::spsc::SpscRingBuffer::new(1);
    /// assert_eq!(producer.try_push("first"), Ok(()));
    /// assert_eq!(producer.try_push("second"), Err("second"));
    /// ```
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), T> {
        debug_assert_eq!(self.staged, 0, "push while items are staged");
        if !self.has_room() {
            return Err(value);
        }
        let slot = self.tail_slot();
        // SAFETY: `slot < capacity` (the invariant of `lap_start`), and at
        // least one slot is free, so the one at `slot` is not visible to the
        // consumer until `commit`.
        unsafe {
            (*self.slots.as_ptr().add(slot)).with_mut(|p| (*p).write(value));
        }
        // `slot + 1 == capacity` by the invariant of `lap_start` (both sides
        // taken modulo `usize::MAX + 1`), written so that the compiler adds
        // once instead of computing the slot again: two instructions fewer.
        let next_lap = self.tail.wrapping_add(1) == self.lap_start.wrapping_add(self.capacity);
        self.commit(1, next_lap);
        Ok(())
    }

    /// Appends as many items from the front of `items` as there are free
    /// slots, in order, and returns how many it appended.
    ///
    /// Wait-free; never allocates; at most two `memcpy`s.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut producer, mut consumer) = bbx_midi::spsc::SpscRingBuffer::new(3);
    /// assert_eq!(producer.push_slice(&[1, 2, 3, 4, 5]), 3);
    /// let mut out = [0; 5];
    /// assert_eq!(consumer.pop_slice(&mut out), 3);
    /// assert_eq!(out, [1, 2, 3, 0, 0]);
    /// ```
    #[inline]
    pub fn push_slice(&mut self, items: &[T]) -> usize
    where
        T: Copy,
    {
        debug_assert_eq!(self.staged, 0, "push while items are staged");
        let mut free = self.cached_free();
        if free < items.len() {
            free = self.refresh_free();
        }
        let n = free.min(items.len());
        let slot = self.tail_slot();
        let to_end = self.capacity - slot;
        // Run one from `slot` to the end of the slots at most, run two from
        // slot 0.
        let (one, two) = items[..n].split_at(n.min(to_end));
        // SAFETY: `slot < capacity`.
        let at = unsafe { self.slots.as_ptr().add(slot) };
        // `n >= to_end` is `slot + n >= capacity` without the overflow the
        // sum could have for a capacity near `usize::MAX`. Moved into the
        // next lap here, before the copies, where nothing after it needs
        // `to_end` (else it is kept across their `memcpy` calls: a stack
        // store more); `tail` follows in `publish`, and nothing between
        // can panic.
        if n >= to_end {
            self.lap_start = self.lap_start.wrapping_add(self.capacity);
        }
        // SAFETY: the `n` slots from `slot` (wrapping once) are free and
        // unseen by the consumer until `publish`; run one ends by
        // `capacity`, run two starts at slot 0 and ends by `slot`.
        unsafe {
            copy_to_slots(at, one);
            copy_to_slots(self.slots.as_ptr(), two);
        }
        if n > 0 {
            self.publish(n);
        }
        n
    }

    /// Whether at least `n` slots are free: answered from the cached `head`
    /// when it can be, else from the consumer's current one. Wait-free.
    #[inline]
    pub(crate) fn has_slots(&self, n: usize) -> bool {
        self.cached_free() >= n || self.refresh_free() >= n
    }

    /// Writes `items` into the free slots after those already staged,
    /// without publishing them: the consumer sees nothing until
    /// [`commit_staged`](Self::commit_staged). Returns `false`, and writes
    /// nothing, if the free slots cannot hold every staged item.
    ///
    /// For a layer that assembles one item from pieces arriving in separate
    /// calls (a System Exclusive message cut in pieces by a MIDI driver) and
    /// must publish it whole or not at all. While items are staged, the
    /// producer must not [`try_push`](Self::try_push) or
    /// [`push_slice`](Self::push_slice). Wait-free; never allocates.
    pub(crate) fn stage(&mut self, items: &[T]) -> bool
    where
        T: Copy,
    {
        let Some(end) = self.staged.checked_add(items.len()) else {
            return false;
        };
        if !self.has_slots(end) {
            return false;
        }
        // Where the staged run ends (`staged` is at most `capacity`).
        let at = slot_after(self.tail_slot(), self.staged, self.capacity);
        let first = items.len().min(self.capacity - at);
        // `at..at + first` and `0..items.len() - first` are the last
        // `items.len()` of the `end` slots from `tail_slot()`.
        // SAFETY: those `end` slots are free (checked above) and unseen by
        // the consumer until `commit`; both runs are in bounds.
        unsafe {
            copy_to_slots(self.slots.as_ptr().add(at), &items[..first]);
            copy_to_slots(self.slots.as_ptr(), &items[first..]);
        }
        self.staged = end;
        true
    }

    /// The number of items staged and not yet published.
    #[inline]
    pub(crate) fn staged(&self) -> usize {
        self.staged
    }

    /// Publishes every staged item, in the order staged, in one step.
    #[inline]
    pub(crate) fn commit_staged(&mut self) {
        let n = core::mem::take(&mut self.staged);
        if n > 0 {
            // `n` is at most the free slots: `stage` checked them.
            self.commit(n, n >= self.capacity - self.tail_slot());
        }
    }

    /// Forgets the staged items; their slots are free again.
    #[inline]
    pub(crate) fn discard_staged(&mut self) {
        self.staged = 0;
    }

    /// Whether a push would fail right now.
    ///
    /// The consumer may pop at any moment, so `true` can be out of date by
    /// the time it is read; `false` stays true until this handle pushes.
    /// Wait-free; never allocates.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut producer, _consumer) = bbx_midi::spsc::SpscRingBuffer::new(1);
    /// assert!(!producer.is_full());
    /// producer.try_push(0u8).unwrap();
    /// assert!(producer.is_full());
    /// ```
    #[inline]
    pub fn is_full(&self) -> bool {
        !self.has_room()
    }

    /// The number of free slots right now.
    ///
    /// A lower bound: the consumer may free more at any moment.
    /// Wait-free; never allocates.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut producer, _consumer) = bbx_midi::spsc::SpscRingBuffer::new(4);
    /// producer.try_push(0u8).unwrap();
    /// assert_eq!(producer.slots(), 3);
    /// ```
    #[inline]
    pub fn slots(&self) -> usize {
        self.refresh_free()
    }

    /// The number of items the buffer can hold, exactly as requested.
    ///
    /// # Examples
    ///
    /// ```
    /// let (producer, _consumer) = bbx_midi::spsc::SpscRingBuffer::new::<u8>(100);
    /// assert_eq!(producer.capacity(), 100);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Reports `n` items that this side gave up on, typically because the
    /// buffer was full, so that the consumer learns of the loss through
    /// [`Consumer::take_dropped`].
    ///
    /// The ring buffer never drops anything by itself; this is for layers
    /// above it that do. Wait-free (one plain store); never allocates.
    ///
    /// ```
    /// let (mut producer, mut consumer) = bbx_midi::spsc::SpscRingBuffer::new(1);
    /// producer.try_push(1).unwrap();
    /// if producer.try_push(2).is_err() {
    ///     producer.add_dropped(1);
    /// }
    /// assert_eq!(producer.dropped(), 1);
    /// assert_eq!(consumer.take_dropped(), 1);
    /// assert_eq!(consumer.take_dropped(), 0);
    /// ```
    #[inline]
    pub fn add_dropped(&mut self, n: usize) {
        self.dropped = self.dropped.wrapping_add(n);
        // Release: a consumer that sees the new total also sees everything
        // this side did before the loss, the pushes before it included.
        self.state().dropped.store(self.dropped, Ordering::Release);
    }

    /// Reports `n` items given up on, as [`add_dropped`](Self::add_dropped)
    /// does, together with a `mark` of the caller's choosing (the time of
    /// the last item given up, say) that the consumer reads with
    /// [`Consumer::dropped_at_end`].
    ///
    /// Wait-free (two plain stores); never allocates.
    ///
    /// ```
    /// let (mut producer, consumer) = bbx_midi::spsc::SpscRingBuffer::new(1);
    /// producer.try_push(1).unwrap();
    /// producer.add_dropped_marked(1, 500);
    /// assert_eq!(consumer.dropped_at_end(), None, "item 1 was pushed before the drop");
    /// ```
    #[inline]
    pub fn add_dropped_marked(&mut self, n: usize, mark: u32) {
        // Release, and before the total: a consumer that sees this mark
        // also sees every push that came before it (`dropped_at_end` relies
        // on that to notice a report newer than the items it has seen).
        self.state().dropped_mark.store(mark, Ordering::Release);
        self.add_dropped(n);
    }

    /// The total of [`add_dropped`](Self::add_dropped) and
    /// [`add_dropped_marked`](Self::add_dropped_marked) reports so far
    /// (wrapping at `usize::MAX`).
    ///
    /// ```
    /// let (mut producer, _consumer) = bbx_midi::spsc::SpscRingBuffer::new::<u8>(1);
    /// producer.add_dropped(2);
    /// producer.add_dropped_marked(3, 7);
    /// assert_eq!(producer.dropped(), 5);
    /// ```
    #[inline]
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// Whether the [`Consumer`] has been dropped.
    ///
    /// Once it returns `true`, everything the consumer did before it was
    /// dropped is visible to this thread. Pushing still works; the items are
    /// dropped with the buffer. Wait-free; never allocates.
    ///
    /// # Examples
    ///
    /// ```
    /// let (producer, consumer) = bbx_midi::spsc::SpscRingBuffer::new::<u8>(1);
    /// assert!(!producer.is_abandoned());
    /// drop(consumer);
    /// assert!(producer.is_abandoned());
    /// ```
    #[inline]
    pub fn is_abandoned(&self) -> bool {
        // Acquire pairs with the Release in the consumer's `drop`.
        self.state().abandoned.load(Ordering::Acquire)
    }
}

impl<T, S: Storage<T>> Drop for Producer<T, S> {
    fn drop(&mut self) {
        // Release: everything this thread did is visible to a consumer that
        // sees the flag.
        self.state().abandoned.store(true, Ordering::Release);
        // SAFETY: `storage` is taken once, here, and not touched again.
        drop(unsafe { ManuallyDrop::take(&mut self.storage) });
    }
}

impl<T, S: Storage<T>> fmt::Debug for Producer<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("capacity", &self.capacity)
            .field("slots", &self.slots())
            .finish_non_exhaustive()
    }
}

/// What [`Consumer::dropped_at_end`] found: a loss at the end of what has
/// been pushed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DropReport {
    /// Every drop reported so far, in total (wrapping at `usize::MAX`).
    pub total: usize,
    /// The mark given with the latest report
    /// ([`Producer::add_dropped_marked`]); 0 if none had one.
    pub mark: u32,
}

/// The reading end of a ring buffer, for the one thread that pops.
///
/// Created by [`SpscRingBuffer::new`].
///
/// Invariant in `T`, like [`Producer`]:
///
/// ```compile_fail
/// use bbx_midi::spsc::Consumer;
/// fn lengthen<'a>(consumer: Consumer<&'a str>) -> Consumer<&'static str> {
///     consumer
/// }
/// ```
pub struct Consumer<T, S: Storage<T> = Heap<T>> {
    /// Where the indices live, and what keeps the slots alive. Dropped
    /// from a copy in `drop`, so that dropping the handle never passes the
    /// handle's own address to the storage's drop: a handle that lives in
    /// one function's locals then has its fields kept in registers, and a
    /// push or pop in a loop stores none of them.
    storage: ManuallyDrop<S>,
    /// The first slot, to save a dependent load on every pop.
    slots: NonNull<Slot<T>>,
    /// Number of slots; never 0.
    capacity: usize,
    /// Our own `head`. We are its only writer, so we never load it.
    head: usize,
    /// The `head` that slot 0 has in the current lap of the slots, so that
    /// `head - lap_start` (wrapping) is `head`'s slot position, always in
    /// `0 .. capacity` between calls (`drop` saves that position). It moves
    /// on by `capacity` only when a pop reaches the end of the slots (in
    /// `pop_slice` just before the copies, `head` right after them, nothing
    /// between that can panic); every other pop writes one field of the
    /// handle, `head`.
    lap_start: usize,
    /// The last `tail` we loaded. It may be stale, but only ever behind the
    /// real one, so `cached_tail - head` is a lower bound on the items ready
    /// and a pop it allows is always safe.
    cached_tail: Cell<usize>,
    /// The producer's `dropped` total when we last took it.
    dropped_seen: usize,
    /// Invariant in `T`, for the reason given on [`Producer`].
    _invariant: PhantomData<fn(T) -> T>,
}

// SAFETY: values of `T` arrive from another thread and may be dropped here:
// `T: Send`; `&T` reaches only the owning thread (`peek` borrows the handle),
// so not `T: Sync`. `slots` is used as in `Producer`, on one thread at a time.
unsafe impl<T: Send, S: Storage<T> + Send> Send for Consumer<T, S> {}

impl<T, S: Storage<T>> Consumer<T, S> {
    /// The indices and reports both handles share.
    #[inline(always)]
    fn state(&self) -> &RingState {
        self.storage.state()
    }

    /// Items ready according to the cached `tail`: never more than the truth.
    #[inline(always)]
    fn cached_len(&self) -> usize {
        self.cached_tail.get().wrapping_sub(self.head)
    }

    /// Whether at least one item is ready: answered from the cached `tail`
    /// when it can be, else from the producer's current one.
    #[inline(always)]
    fn has_item(&self) -> bool {
        // Read once: the compiler may not carry it across the atomic load.
        let head = self.head;
        if self.cached_tail.get() != head {
            return true;
        }
        // Acquire pairs with the producer's Release store of `tail`: its
        // writes of the slots it handed over happen-before we read them.
        let tail = self.state().tail.load(Ordering::Acquire);
        if tail == head {
            // Still empty, so `tail` equals the cached value: nothing to store.
            return false;
        }
        self.cached_tail.set(tail);
        true
    }

    /// Loads the producer's `tail` and returns the exact items ready now.
    #[inline]
    fn refresh_len(&self) -> usize {
        // Acquire pairs with the producer's Release store of `tail`: its
        // writes of the slots it handed over happen-before we read them.
        let tail = self.state().tail.load(Ordering::Acquire);
        self.cached_tail.set(tail);
        tail.wrapping_sub(self.head)
    }

    /// `head` as a slot position, in `0 .. capacity`.
    #[inline(always)]
    fn head_slot(&self) -> usize {
        self.head.wrapping_sub(self.lap_start)
    }

    /// Gives back to the producer the `n` slots from
    /// [`head_slot`](Self::head_slot) that we have finished reading; `n` is
    /// at most the items ready, so at most `capacity`. `next_lap` says
    /// whether they reach the end of the slots: `head_slot() + n >=
    /// capacity`.
    #[inline(always)]
    fn release(&mut self, n: usize, next_lap: bool) {
        if next_lap {
            // `head` moves into the next lap, as `tail` does in
            // `Producer::commit`.
            self.lap_start = self.lap_start.wrapping_add(self.capacity);
        }
        self.give_back(n);
    }

    /// The end of [`release`](Self::release): moves `head` on by `n` and
    /// publishes it, once `lap_start` is where `head + n` needs it.
    #[inline(always)]
    fn give_back(&mut self, n: usize) {
        let head = self.head.wrapping_add(n);
        // Release pairs with the producer's Acquire load of `head`: our reads
        // of these slots happen-before it overwrites them.
        self.state().head.store(head, Ordering::Release);
        // The handle's copy after the shared store, as `rtrb` orders them:
        // the producer sees the new index a few cycles sooner (benches/README.md).
        self.head = head;
    }

    /// Removes and returns the oldest item, or `None` if the buffer is empty.
    ///
    /// Wait-free; never allocates.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut producer, mut consumer) = bbx_midi::spsc::SpscRingBuffer::new(4);
    /// assert_eq!(consumer.try_pop(), None);
    /// producer.try_push('a').unwrap();
    /// producer.try_push('b').unwrap();
    /// assert_eq!(consumer.try_pop(), Some('a'));
    /// assert_eq!(consumer.try_pop(), Some('b'));
    /// assert_eq!(consumer.try_pop(), None);
    /// ```
    #[inline]
    pub fn try_pop(&mut self) -> Option<T> {
        if !self.has_item() {
            return None;
        }
        let slot = self.head_slot();
        // SAFETY: an item is ready, so slot `slot` (< capacity, the invariant
        // of `lap_start`) is initialised and unwritten until `release`;
        // reading moves it out.
        let value = unsafe { (*self.slots.as_ptr().add(slot)).with(|p| (*p).assume_init_read()) };
        // `slot + 1 == capacity` by the invariant of `lap_start`, written
        // so that the compiler adds once instead of computing the slot again.
        let next_lap = self.head.wrapping_add(1) == self.lap_start.wrapping_add(self.capacity);
        self.release(1, next_lap);
        Some(value)
    }

    /// Returns a reference to the oldest item without removing it, or `None`
    /// if the buffer is empty.
    ///
    /// Wait-free; never allocates.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut producer, mut consumer) = bbx_midi::spsc::SpscRingBuffer::new(4);
    /// producer.try_push(7).unwrap();
    /// assert_eq!(consumer.peek(), Some(&7));
    /// assert_eq!(consumer.try_pop(), Some(7));
    /// assert_eq!(consumer.peek(), None);
    /// ```
    #[inline]
    pub fn peek(&self) -> Option<&T> {
        if !self.has_item() {
            return None;
        }
        // SAFETY: as in `try_pop`, the slot is initialised and stable; it
        // stays so while the returned borrow of `self` lives, because only
        // `&mut self` methods can release it.
        Some(unsafe {
            (*self.slots.as_ptr().add(self.head_slot())).with(|p| (*p).assume_init_ref())
        })
    }

    /// The item `n` places after the oldest (`peek_nth(0)` is
    /// [`peek`](Self::peek)), left in the buffer, or `None` if fewer than
    /// `n + 1` items are ready. For a layer that keeps one record in
    /// several consecutive items, pushed together. Wait-free.
    #[inline]
    pub(crate) fn peek_nth(&self, n: usize) -> Option<&T> {
        if self.cached_len() <= n && self.refresh_len() <= n {
            return None;
        }
        // `n < len <= capacity`.
        let at = slot_after(self.head_slot(), n, self.capacity);
        // SAFETY: `n` items past the oldest are ready, so slot `at`
        // (< capacity) is initialised and stays so while the borrow of
        // `self` lives, as in `peek`.
        Some(unsafe { (*self.slots.as_ptr().add(at)).with(|p| (*p).assume_init_ref()) })
    }

    /// Moves as many of the oldest items into the front of `out` as are
    /// ready and fit, in order, and returns how many it moved.
    ///
    /// Wait-free; never allocates; at most two `memcpy`s.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut producer, mut consumer) = bbx_midi::spsc::SpscRingBuffer::new(8);
    /// producer.push_slice(&[1, 2, 3]);
    /// let mut out = [0; 2];
    /// assert_eq!(consumer.pop_slice(&mut out), 2);
    /// assert_eq!(out, [1, 2]);
    /// assert_eq!(consumer.pop_slice(&mut out), 1);
    /// assert_eq!(out[0], 3);
    /// ```
    #[inline]
    pub fn pop_slice(&mut self, out: &mut [T]) -> usize
    where
        T: Copy,
    {
        let mut ready = self.cached_len();
        if ready < out.len() {
            ready = self.refresh_len();
        }
        let n = ready.min(out.len());
        let slot = self.head_slot();
        let to_end = self.capacity - slot;
        let (one, two) = out[..n].split_at_mut(n.min(to_end));
        // SAFETY: `slot < capacity`.
        let at = unsafe { self.slots.as_ptr().add(slot) };
        // Into the next lap before the copies, as in `push_slice`; `head`
        // follows in `give_back`, and nothing between can panic.
        if n >= to_end {
            self.lap_start = self.lap_start.wrapping_add(self.capacity);
        }
        // SAFETY: the `n` slots from `slot` (wrapping once) are initialised
        // and the producer will not touch them before `give_back`; the two
        // runs are in bounds as in `push_slice`.
        unsafe {
            copy_from_slots(at, one);
            copy_from_slots(self.slots.as_ptr(), two);
        }
        if n > 0 {
            self.give_back(n);
        }
        n
    }

    /// Removes up to `n` of the oldest items without reading them, and
    /// returns how many it removed.
    ///
    /// For `Copy` items, which need no drop: wait-free and constant time,
    /// whatever `n`. Never allocates.
    ///
    /// ```
    /// let (mut producer, mut consumer) = bbx_midi::spsc::SpscRingBuffer::new(8);
    /// producer.push_slice(&[1, 2, 3, 4]);
    /// assert_eq!(consumer.skip(3), 3);
    /// assert_eq!(consumer.try_pop(), Some(4));
    /// assert_eq!(consumer.skip(10), 0);
    /// ```
    #[inline]
    pub fn skip(&mut self, n: usize) -> usize
    where
        T: Copy,
    {
        let mut ready = self.cached_len();
        if ready < n {
            ready = self.refresh_len();
        }
        let n = ready.min(n);
        if n > 0 {
            self.release(n, n >= self.capacity - self.head_slot());
        }
        n
    }

    /// The number of items ready to pop right now.
    ///
    /// A lower bound: the producer may push more at any moment.
    /// Wait-free; never allocates.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut producer, consumer) = bbx_midi::spsc::SpscRingBuffer::new(4);
    /// producer.push_slice(&[1, 2]);
    /// assert_eq!(consumer.len(), 2);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.refresh_len()
    }

    /// Whether a pop would return `None` right now.
    ///
    /// The producer may push at any moment, so `true` can be out of date by
    /// the time it is read; `false` stays true until this handle pops.
    /// Wait-free; never allocates.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut producer, consumer) = bbx_midi::spsc::SpscRingBuffer::new(4);
    /// assert!(consumer.is_empty());
    /// producer.try_push(1).unwrap();
    /// assert!(!consumer.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        !self.has_item()
    }

    /// The number of items the buffer can hold, exactly as requested.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_producer, consumer) = bbx_midi::spsc::SpscRingBuffer::new::<u8>(100);
    /// assert_eq!(consumer.capacity(), 100);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of items the producer reported dropped (with
    /// [`Producer::add_dropped`] or [`Producer::add_dropped_marked`]) since
    /// the last call.
    ///
    /// Wait-free (one load); never allocates.
    ///
    /// ```
    /// let (mut producer, mut consumer) = bbx_midi::spsc::SpscRingBuffer::new::<u8>(1);
    /// producer.add_dropped(2);
    /// assert_eq!(consumer.take_dropped(), 2);
    /// producer.add_dropped_marked(1, 0);
    /// assert_eq!(consumer.take_dropped(), 1, "only what came since the last call");
    /// ```
    #[inline]
    pub fn take_dropped(&mut self) -> usize {
        // Acquire pairs with the Release in `add_dropped`.
        let total = self.state().dropped.load(Ordering::Acquire);
        let new = total.wrapping_sub(self.dropped_seen);
        self.dropped_seen = total;
        new
    }

    /// The producer's drop total and the mark of its latest report, if
    /// every item it pushed before that report has been popped; `None`
    /// while such items are still waiting (or the producer pushed again
    /// while this ran).
    ///
    /// This places a loss in the stream of items: a report returned here
    /// came after every item popped so far and before any item still to
    /// come, so a consumer can act on a loss at the point where it
    /// happened, even when nothing is pushed after it. The total counts
    /// every drop reported so far (wrapping), those with marks and those
    /// without. Wait-free (at most four loads); never allocates.
    ///
    /// ```
    /// let (mut producer, mut consumer) = bbx_midi::spsc::SpscRingBuffer::new(1);
    /// producer.try_push('a').unwrap();
    /// assert!(producer.try_push('b').is_err());
    /// producer.add_dropped_marked(1, 42);
    /// assert_eq!(consumer.dropped_at_end(), None, "'a' came before the drop");
    /// assert_eq!(consumer.try_pop(), Some('a'));
    /// let report = consumer.dropped_at_end().unwrap();
    /// assert_eq!((report.total, report.mark), (1, 42));
    /// ```
    #[inline]
    pub fn dropped_at_end(&self) -> Option<DropReport> {
        // Acquire pairs with the Release stores in `add_dropped`: the pushes
        // made before the reports in `total` happen-before what follows, so
        // the `tail` loaded next includes them.
        let total = self.state().dropped.load(Ordering::Acquire);
        // Relaxed: coherence with the edge above is all this needs (it sees
        // at least the `tail` of those pushes), and no slot is read here.
        let tail = self.state().tail.load(Ordering::Relaxed);
        if tail != self.head {
            // Items are waiting; some may have been pushed before the drops.
            return None;
        }
        // Acquire pairs with the Release store in `add_dropped_marked`. The
        // mark may be newer than `total`: from a later drop with no push in
        // between, which is the same place in the stream, or from a drop
        // after a later push, which the second `tail` load then sees.
        let mark = self.state().dropped_mark.load(Ordering::Acquire);
        // Relaxed: the edge through the mark already makes the later push's
        // `tail` store visible; nothing is read through this load.
        if self.state().tail.load(Ordering::Relaxed) != tail {
            return None;
        }
        Some(DropReport { total, mark })
    }

    /// Whether the [`Producer`] has been dropped.
    ///
    /// Once it returns `true`, everything the producer did before it was
    /// dropped is visible to this thread, including its last pushes: after
    /// `is_abandoned()` returns `true`, popping until `None` drains the buffer
    /// for good. Wait-free; never allocates.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut producer, mut consumer) = bbx_midi::spsc::SpscRingBuffer::new(4);
    /// producer.try_push(1).unwrap();
    /// drop(producer);
    /// assert!(consumer.is_abandoned());
    /// assert_eq!(consumer.try_pop(), Some(1));
    /// assert_eq!(consumer.try_pop(), None);
    /// ```
    #[inline]
    pub fn is_abandoned(&self) -> bool {
        // Acquire pairs with the Release in the producer's `drop`.
        self.state().abandoned.load(Ordering::Acquire)
    }
}

impl<T, S: Storage<T>> Drop for Consumer<T, S> {
    fn drop(&mut self) {
        // Relaxed: published by the Release below, and by whatever ends the
        // ring's use before its leftovers are dropped or it is split again
        // (the last `Arc` drop, the end of the borrow of a static ring).
        let state = self.state();
        state
            .head_slot_at_drop
            .store(self.head_slot(), Ordering::Relaxed);
        state
            .dropped_seen_at_drop
            .store(self.dropped_seen, Ordering::Relaxed);
        state.consumer_saved.store(true, Ordering::Relaxed);
        // Release: everything this thread did is visible to a producer that
        // sees the flag.
        self.state().abandoned.store(true, Ordering::Release);
        // SAFETY: `storage` is taken once, here, and not touched again.
        drop(unsafe { ManuallyDrop::take(&mut self.storage) });
    }
}

impl<T, S: Storage<T>> fmt::Debug for Consumer<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::SpscRingBuffer;

    /// Starts the counters `before_wrap` items short of `usize::MAX + 1`.
    fn near_wrap<T>(
        capacity: usize,
        before_wrap: usize,
    ) -> (super::Producer<T>, super::Consumer<T>) {
        SpscRingBuffer::with_counters_at(capacity, 0usize.wrapping_sub(before_wrap))
    }

    #[test]
    fn counters_wrap_around_without_losing_or_repeating_items() {
        for capacity in [1, 2, 3, 7, 64] {
            let (mut producer, mut consumer) = near_wrap::<u32>(capacity, 5);
            let (mut next_in, mut next_out) = (0, 0);
            while next_out < 200 {
                // Keep the buffer full, so both full and empty edges cross the wrap.
                while producer.try_push(next_in).is_ok() {
                    next_in += 1;
                }
                assert_eq!(consumer.len(), capacity);
                assert_eq!(producer.slots(), 0);
                assert_eq!(consumer.try_pop(), Some(next_out));
                next_out += 1;
            }
        }
    }

    /// The invariant of `lap_start`: after every operation, whatever its
    /// size, each side's slot is its count since the start modulo the
    /// capacity, through many laps and across the counters' wrap-around;
    /// the items come out in order. Runs that end exactly at the last slot
    /// (where the side moves into its next lap) are counted, and must occur.
    #[test]
    fn slot_positions_follow_the_counters_through_every_lap() {
        for capacity in [1, 2, 3, 5] {
            let (mut producer, mut consumer) = near_wrap::<u32>(capacity, 7);
            let (mut pushed, mut popped) = (0usize, 0usize);
            let (mut producer_ends, mut consumer_ends) = (0, 0);
            for step in 0..400 {
                let size = step / 4 % (capacity + 2);
                let (before_push, before_pop) = (producer.tail_slot(), consumer.head_slot());
                let (n_pushed, n_popped) = match step % 4 {
                    0 => {
                        let items: Vec<u32> = (0..size).map(|i| (pushed + i) as u32).collect();
                        (producer.push_slice(&items), 0)
                    }
                    1 => (usize::from(producer.try_push(pushed as u32).is_ok()), 0),
                    2 => {
                        let mut out = vec![u32::MAX; size];
                        let n = consumer.pop_slice(&mut out);
                        for (i, &value) in out[..n].iter().enumerate() {
                            assert_eq!(value, (popped + i) as u32, "capacity {capacity}");
                        }
                        (0, n)
                    }
                    _ if step % 8 == 3 => (0, consumer.skip(size)),
                    _ => match consumer.try_pop() {
                        Some(value) => {
                            assert_eq!(value, popped as u32, "capacity {capacity}");
                            (0, 1)
                        }
                        None => (0, 0),
                    },
                };
                if n_pushed > 0 && before_push + n_pushed == capacity {
                    producer_ends += 1;
                }
                if n_popped > 0 && before_pop + n_popped == capacity {
                    consumer_ends += 1;
                }
                pushed += n_pushed;
                popped += n_popped;
                assert_eq!(
                    producer.tail_slot(),
                    pushed % capacity,
                    "capacity {capacity}"
                );
                assert_eq!(
                    consumer.head_slot(),
                    popped % capacity,
                    "capacity {capacity}"
                );
                assert_eq!(consumer.len(), pushed - popped, "capacity {capacity}");
            }
            assert!(
                pushed > 4 * capacity,
                "capacity {capacity}: only {pushed} pushed"
            );
            assert!(
                producer_ends > 0 && consumer_ends > 0,
                "capacity {capacity}"
            );
        }
    }

    /// Zero-sized items allow any capacity, `usize::MAX` included; a run
    /// that passes the end of the slots from near the end must move the
    /// slot into the next lap although `slot + n` overflows.
    #[test]
    fn a_run_past_the_end_of_a_capacity_of_usize_max_moves_into_the_next_lap() {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<()>(usize::MAX);
        let almost_all = usize::MAX - 3;
        // SAFETY: a slice of a zero-sized type takes no memory, so a
        // dangling, aligned, non-null pointer is valid for any length.
        let many: &[()] = unsafe {
            core::slice::from_raw_parts(core::ptr::NonNull::dangling().as_ptr(), almost_all)
        };
        assert_eq!(producer.push_slice(many), almost_all);
        assert_eq!(consumer.skip(almost_all), almost_all);
        assert_eq!(
            (producer.tail_slot(), consumer.head_slot()),
            (almost_all, almost_all)
        );
        // Slot `usize::MAX - 3` plus 5: slot 2 of the next lap.
        assert_eq!(producer.push_slice(&[(); 5]), 5);
        assert_eq!(producer.tail_slot(), 2);
        assert_eq!(consumer.pop_slice(&mut [(); 5]), 5);
        assert_eq!(consumer.head_slot(), 2);
        assert_eq!(producer.try_push(()), Ok(()));
        assert_eq!(consumer.try_pop(), Some(()));
        assert_eq!((producer.tail_slot(), consumer.head_slot()), (3, 3));
        assert!(consumer.is_empty());
        assert_eq!(producer.slots(), usize::MAX);
    }

    #[test]
    fn slots_start_on_a_cache_line_of_their_own() {
        let line = core::mem::align_of::<crossbeam_utils::CachePadded<u8>>();
        for capacity in [1, 3, 64, 100] {
            let (producer, _consumer) = SpscRingBuffer::new::<u8>(capacity);
            assert_eq!(
                producer.slots.as_ptr() as usize % line,
                0,
                "capacity {capacity}"
            );
        }
    }

    #[test]
    fn full_and_empty_are_right_across_the_wrap() {
        let (mut producer, mut consumer) = near_wrap::<u32>(4, 2);
        assert!(consumer.is_empty());
        assert_eq!(producer.push_slice(&[1, 2, 3, 4, 5]), 4); // tail wraps past 0
        assert!(producer.is_full());
        assert_eq!(consumer.len(), 4);
        let mut out = [0; 4];
        assert_eq!(consumer.pop_slice(&mut out), 4); // head wraps past 0
        assert_eq!(out, [1, 2, 3, 4]);
        assert!(consumer.is_empty());
        assert_eq!(producer.slots(), 4);
    }

    #[test]
    fn staged_items_are_unseen_until_committed_then_all_at_once_in_order() {
        for start in [0, 3, 5] {
            let (mut producer, mut consumer) = near_wrap::<u8>(6, start);
            // Move the slot positions so that the staged run wraps.
            for _ in 0..4 {
                producer.try_push(0).unwrap();
                consumer.try_pop().unwrap();
            }
            assert!(producer.stage(&[1, 2]));
            assert!(producer.stage(&[3, 4, 5]));
            assert_eq!(producer.staged(), 5);
            assert_eq!(consumer.try_pop(), None, "staged items are not published");
            assert_eq!(consumer.len(), 0);
            producer.commit_staged();
            assert_eq!(producer.staged(), 0);
            let mut out = [0; 6];
            assert_eq!(consumer.pop_slice(&mut out), 5);
            assert_eq!(out[..5], [1, 2, 3, 4, 5]);
        }
    }

    #[test]
    fn staging_what_does_not_fit_writes_nothing() {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u8>(4);
        producer.try_push(9).unwrap();
        assert!(producer.stage(&[1, 2]));
        assert!(!producer.stage(&[3, 4]), "only one slot is left");
        assert_eq!(producer.staged(), 2);
        assert!(producer.has_slots(3) && !producer.has_slots(4));
        producer.commit_staged();
        let mut out = [0; 4];
        assert_eq!(consumer.pop_slice(&mut out), 3);
        assert_eq!(out[..3], [9, 1, 2]);
    }

    #[test]
    fn discarded_staged_items_free_their_slots() {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u8>(3);
        assert!(producer.stage(&[1, 2, 3]));
        assert!(!producer.stage(&[4]));
        producer.discard_staged();
        assert_eq!(producer.staged(), 0);
        producer.commit_staged(); // nothing to publish
        assert_eq!(consumer.try_pop(), None);
        assert!(producer.stage(&[5, 6, 7]));
        producer.commit_staged();
        assert_eq!(consumer.try_pop(), Some(5));
    }

    #[test]
    fn staging_sees_room_the_consumer_made_since_the_last_look() {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u8>(2);
        producer.push_slice(&[1, 2]);
        assert!(!producer.stage(&[3]));
        consumer.try_pop();
        assert!(producer.stage(&[3]));
        producer.commit_staged();
        assert_eq!((consumer.try_pop(), consumer.try_pop()), (Some(2), Some(3)));
    }

    #[test]
    fn peek_nth_sees_the_items_behind_the_oldest_across_the_wrap() {
        let (mut producer, mut consumer) = near_wrap::<u8>(3, 1);
        producer.try_push(0).unwrap();
        consumer.try_pop();
        producer.try_push(0).unwrap();
        consumer.try_pop();
        // The positions now start at slot 2: items 1, 2, 3 sit in slots 2, 0, 1.
        assert_eq!(producer.push_slice(&[1, 2, 3]), 3);
        assert_eq!(
            (
                consumer.peek_nth(0),
                consumer.peek_nth(1),
                consumer.peek_nth(2)
            ),
            (Some(&1), Some(&2), Some(&3))
        );
        assert_eq!(consumer.peek_nth(3), None);
        consumer.try_pop();
        assert_eq!(
            (consumer.peek_nth(1), consumer.peek_nth(2)),
            (Some(&3), None)
        );
    }

    #[test]
    fn leftovers_straddling_the_wrap_are_dropped_once() {
        use alloc::rc::Rc;
        let witness = Rc::new(());
        let (mut producer, mut consumer) = near_wrap::<Rc<()>>(3, 1);
        for _ in 0..3 {
            assert!(producer.try_push(Rc::clone(&witness)).is_ok());
        }
        drop(consumer.try_pop());
        assert!(producer.try_push(Rc::clone(&witness)).is_ok());
        assert_eq!(Rc::strong_count(&witness), 4);
        drop((producer, consumer));
        assert_eq!(Rc::strong_count(&witness), 1);
    }

    #[test]
    fn a_static_ring_s_slots_start_on_a_cache_line_of_their_own() {
        let line = core::mem::align_of::<crossbeam_utils::CachePadded<u8>>();
        let mut ring = super::StaticRing::<u8, 3>::new();
        let (producer, _consumer) = ring.split();
        assert_eq!(producer.slots.as_ptr() as usize % line, 0);
    }

    #[test]
    fn a_static_ring_drops_leftovers_straddling_the_wrap_once_with_itself() {
        use alloc::rc::Rc;
        let witness = Rc::new(());
        let mut ring = super::StaticRing::<Rc<()>, 3>::new();
        {
            let (mut producer, mut consumer) = ring.split();
            for _ in 0..3 {
                assert!(producer.try_push(Rc::clone(&witness)).is_ok());
            }
            drop(consumer.try_pop());
            drop(consumer.try_pop());
            assert!(producer.try_push(Rc::clone(&witness)).is_ok());
            assert!(producer.try_push(Rc::clone(&witness)).is_ok());
        }
        assert_eq!(Rc::strong_count(&witness), 4, "the handles drop nothing");
        drop(ring);
        assert_eq!(Rc::strong_count(&witness), 1);
    }

    #[test]
    fn a_leaked_producer_leaves_a_static_ring_that_splits_again() {
        let mut ring = super::StaticRing::<u8, 3>::new();
        let (mut producer, mut consumer) = ring.split();
        assert_eq!(producer.push_slice(&[1, 2, 3]), 3);
        assert_eq!(consumer.try_pop(), Some(1));
        producer.add_dropped(1);
        core::mem::forget(producer);
        drop(consumer);
        let (mut producer, mut consumer) = ring.split();
        assert_eq!(producer.dropped(), 1);
        assert!(producer.try_push(4).is_ok(), "across the wrap");
        assert_eq!(consumer.take_dropped(), 1);
        let mut out = [0; 4];
        assert_eq!(consumer.pop_slice(&mut out), 3);
        assert_eq!(out[..3], [2, 3, 4]);
    }

    #[test]
    fn a_static_ring_whose_consumer_leaked_leaks_its_items_and_refuses_to_split() {
        use core::sync::atomic::{AtomicUsize, Ordering};
        // Counts its drops in a static of this test's own; owns no memory,
        // so the items leaked on purpose leak nothing Miri would report.
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct Item;
        impl Drop for Item {
            fn drop(&mut self) {
                DROPS.fetch_add(1, Ordering::Relaxed);
            }
        }
        let mut ring = super::StaticRing::<Item, 3>::new();
        let (mut producer, mut consumer) = ring.split();
        for _ in 0..3 {
            assert!(producer.try_push(Item).is_ok());
        }
        drop(consumer.try_pop());
        core::mem::forget(consumer);
        drop(producer);
        let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = ring.split();
        }));
        assert!(again.is_err(), "the consumer's position is unknown");
        // Dropping the ring must not guess where the two items left are:
        // they are leaked, never dropped from the wrong slots.
        drop(ring);
        assert_eq!(DROPS.load(Ordering::Relaxed), 1, "only the item popped");
    }
}
