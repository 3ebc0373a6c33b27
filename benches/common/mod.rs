//! What both benchmark programs share: the [`Queue`] trait that puts every
//! queue behind the same measurement code, the adapters for ours and the
//! peers, thread pinning and the checking consumer thread.

#![allow(dead_code)] // each benchmark program uses a different part

use std::hint::spin_loop;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::thread;
use std::time::Instant;

use crossbeam_utils::CachePadded;

/// The median of `values` (the upper one of an even count); sorts them.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The bits of a sequence number that one message carries: channel, note
/// and velocity of a Note On (see [`note_bytes`]).
pub const SEQ_MASK: u32 = (1 << 18) - 1;

/// The low 18 bits of `seq` as a Note On: channel, note, velocity. Every
/// queue carries these three bytes, as a MIDI callback would hand them over.
#[inline]
pub fn note_bytes(seq: u32) -> [u8; 3] {
    [
        0x90 | ((seq >> 14) & 0x0F) as u8,
        ((seq >> 7) & 0x7F) as u8,
        (seq & 0x7F) as u8,
    ]
}

/// The sequence number [`note_bytes`] put in a message's three bytes.
#[inline]
pub fn seq_of([status, note, velocity]: [u8; 3]) -> u32 {
    u32::from(status & 0x0F) << 14 | u32::from(note) << 7 | u32::from(velocity)
}

/// What a queue's row carries: rows compare like for like only with rows
/// that carry the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carries {
    /// The three wire bytes as `[u8; 3]`: our generic ring and the peers.
    WireBytes,
    /// `MidiMessage` (4 bytes), built by `MidiMessage::new` and read by
    /// `as_bytes`: what the typed `midi_buffer` carries, and the peers too.
    Message,
    /// Anything else: our ring carrying `[u8; 4]` (a part of the typed
    /// layer's cost), the upstream crate's own 12-byte message.
    Other,
}

/// One queue, seen by the harness as a channel of sequence numbers, each
/// sent as the 3-byte MIDI message [`note_bytes`] makes of it, carried as
/// [`CARRIES`](Self::CARRIES) says: the raw `[u8; 3]`, or a `MidiMessage`
/// built and read the way a user's code does.
pub trait Queue: 'static {
    /// The row's name in the report; ours start with `bbx_midi::`.
    const NAME: &'static str;
    /// What the row carries (which rows it compares with like for like).
    const CARRIES: Carries;
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx);
    fn push(tx: &mut Self::Tx, seq: u32) -> bool;
    fn pop(rx: &mut Self::Rx) -> Option<u32>;
}

/// A queue that can move a slice of items in one call.
pub trait BatchQueue: Queue {
    /// The item type as the queue stores it.
    type Item: Copy + Default + Send + 'static;
    fn encode(seq: u32) -> Self::Item;
    fn decode(item: Self::Item) -> u32;
    fn push_slice(tx: &mut Self::Tx, items: &[Self::Item]) -> usize;
    fn pop_slice(rx: &mut Self::Rx, out: &mut [Self::Item]) -> usize;
}

pub mod queues {
    use super::{BatchQueue, Carries, Queue, note_bytes, seq_of};
    use bbx_midi::MidiMessage;
    use core::marker::PhantomData;

    /// The rows' names for one item type, one per queue.
    pub struct Names {
        pub spsc: &'static str,
        pub rtrb: &'static str,
        pub ringbuf: &'static str,
        pub array_queue: &'static str,
        pub sync_channel: &'static str,
    }

    /// An item the generic queues (ours and the peers) carry here: how a
    /// sequence number goes in and comes out, and the rows' names.
    pub trait Carried: Copy + Default + Send + 'static {
        const NAMES: Names;
        const CARRIES: Carries;
        fn encode(seq: u32) -> Self;
        fn decode(self) -> u32;
    }
    impl Carried for [u8; 3] {
        const NAMES: Names = Names {
            spsc: "bbx_midi::spsc<[u8; 3]>",
            rtrb: "rtrb<[u8; 3]>",
            ringbuf: "ringbuf<[u8; 3]>",
            array_queue: "crossbeam ArrayQueue<[u8; 3]>",
            sync_channel: "std sync_channel<[u8; 3]>",
        };
        const CARRIES: Carries = Carries::WireBytes;
        #[inline]
        fn encode(seq: u32) -> Self {
            note_bytes(seq)
        }
        #[inline]
        fn decode(self) -> u32 {
            seq_of(self)
        }
    }
    /// The three bytes and a length byte, as `MidiMessage` lays them out,
    /// built without a check: what the typed batch pays for 4 bytes.
    impl Carried for [u8; 4] {
        const NAMES: Names = Names {
            spsc: "bbx_midi::spsc<[u8; 4]>",
            rtrb: "rtrb<[u8; 4]>",
            ringbuf: "ringbuf<[u8; 4]>",
            array_queue: "crossbeam ArrayQueue<[u8; 4]>",
            sync_channel: "std sync_channel<[u8; 4]>",
        };
        const CARRIES: Carries = Carries::Other;
        #[inline]
        fn encode(seq: u32) -> Self {
            let [status, note, velocity] = note_bytes(seq);
            [status, note, velocity, 3]
        }
        #[inline]
        fn decode(self) -> u32 {
            let [status, note, velocity, _] = self;
            seq_of([status, note, velocity])
        }
    }
    /// `MidiMessage` built and read as users do (`MidiMessage::new`,
    /// `as_bytes`): the typed buffer's item, in the peers (like for like)
    /// and in our ring without the typed buffer's refusal of `INVALID`
    /// (what the typed layer adds).
    impl Carried for MidiMessage {
        const NAMES: Names = Names {
            spsc: "bbx_midi::spsc<MidiMessage>",
            rtrb: "rtrb<MidiMessage>",
            ringbuf: "ringbuf<MidiMessage>",
            array_queue: "crossbeam ArrayQueue<MidiMessage>",
            sync_channel: "std sync_channel<MidiMessage>",
        };
        const CARRIES: Carries = Carries::Message;
        #[inline]
        fn encode(seq: u32) -> Self {
            MidiMessage::new(note_bytes(seq))
        }
        #[inline]
        fn decode(self) -> u32 {
            match *self.as_bytes() {
                [status, note, velocity] => seq_of([status, note, velocity]),
                _ => u32::MAX,
            }
        }
    }

    /// Our generic ring carrying `T`.
    pub struct Spsc<T>(PhantomData<T>);
    impl<T: Carried> Queue for Spsc<T> {
        const NAME: &'static str = T::NAMES.spsc;
        const CARRIES: Carries = T::CARRIES;
        type Tx = bbx_midi::spsc::Producer<T>;
        type Rx = bbx_midi::spsc::Consumer<T>;
        fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
            bbx_midi::spsc::SpscRingBuffer::new(capacity)
        }
        #[inline]
        fn push(tx: &mut Self::Tx, seq: u32) -> bool {
            tx.try_push(T::encode(seq)).is_ok()
        }
        #[inline]
        fn pop(rx: &mut Self::Rx) -> Option<u32> {
            rx.try_pop().map(T::decode)
        }
    }
    impl<T: Carried> BatchQueue for Spsc<T> {
        type Item = T;
        #[inline]
        fn encode(seq: u32) -> T {
            T::encode(seq)
        }
        #[inline]
        fn decode(item: T) -> u32 {
            item.decode()
        }
        #[inline]
        fn push_slice(tx: &mut Self::Tx, items: &[T]) -> usize {
            tx.push_slice(items)
        }
        #[inline]
        fn pop_slice(rx: &mut Self::Rx, out: &mut [T]) -> usize {
            rx.pop_slice(out)
        }
    }

    /// Our generic ring carrying the raw 3 bytes.
    pub type Ours = Spsc<[u8; 3]>;

    /// Our typed buffer as users call it: `MidiMessage::new` on the wire
    /// bytes, `as_bytes` on the way out.
    pub struct OursMidi;
    impl Queue for OursMidi {
        const NAME: &'static str = "bbx_midi::midi_buffer";
        const CARRIES: Carries = Carries::Message;
        type Tx = bbx_midi::MidiBufferProducer;
        type Rx = bbx_midi::MidiBufferConsumer;
        fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
            bbx_midi::midi_buffer(capacity)
        }
        #[inline]
        fn push(tx: &mut Self::Tx, seq: u32) -> bool {
            // The harness retries; `try_push` does not count a refusal as a loss.
            tx.try_push(Self::encode(seq)).is_ok()
        }
        #[inline]
        fn pop(rx: &mut Self::Rx) -> Option<u32> {
            rx.try_pop().map(Self::decode)
        }
    }
    impl BatchQueue for OursMidi {
        type Item = MidiMessage;
        #[inline]
        fn encode(seq: u32) -> MidiMessage {
            MidiMessage::encode(seq)
        }
        #[inline]
        fn decode(msg: MidiMessage) -> u32 {
            msg.decode()
        }
        #[inline]
        fn push_slice(tx: &mut Self::Tx, items: &[MidiMessage]) -> usize {
            // The harness retries what did not fit: not a loss, not counted.
            tx.try_push_slice(items)
        }
        #[inline]
        fn pop_slice(rx: &mut Self::Rx, out: &mut [MidiMessage]) -> usize {
            rx.pop_into(out)
        }
    }

    pub struct Upstream;
    impl Queue for Upstream {
        const NAME: &'static str = "bbx_midi 0.5.1 (upstream) midi_buffer";
        const CARRIES: Carries = Carries::Other;
        type Tx = bbx_midi_upstream::MidiBufferProducer;
        type Rx = bbx_midi_upstream::MidiBufferConsumer;
        fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
            bbx_midi_upstream::midi_buffer(capacity)
        }
        #[inline]
        fn push(tx: &mut Self::Tx, seq: u32) -> bool {
            tx.try_send(bbx_midi_upstream::MidiMessage::new(note_bytes(seq)))
        }
        #[inline]
        fn pop(rx: &mut Self::Rx) -> Option<u32> {
            rx.try_pop().map(|msg| {
                // Its channel is 1-based; velocity 0 still reads as 0.
                u32::from(msg.get_channel() - 1) << 14
                    | u32::from(msg.get_note_number().unwrap_or(0xFF)) << 7
                    | u32::from(msg.get_velocity().unwrap_or(0xFF))
            })
        }
    }

    pub struct Rtrb<T>(PhantomData<T>);
    impl<T: Carried> Queue for Rtrb<T> {
        const NAME: &'static str = T::NAMES.rtrb;
        const CARRIES: Carries = T::CARRIES;
        type Tx = rtrb::Producer<T>;
        type Rx = rtrb::Consumer<T>;
        fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
            rtrb::RingBuffer::new(capacity)
        }
        #[inline]
        fn push(tx: &mut Self::Tx, seq: u32) -> bool {
            tx.push(T::encode(seq)).is_ok()
        }
        #[inline]
        fn pop(rx: &mut Self::Rx) -> Option<u32> {
            rx.pop().ok().map(T::decode)
        }
    }
    impl<T: Carried> BatchQueue for Rtrb<T> {
        type Item = T;
        #[inline]
        fn encode(seq: u32) -> T {
            T::encode(seq)
        }
        #[inline]
        fn decode(item: T) -> u32 {
            item.decode()
        }
        #[inline]
        fn push_slice(tx: &mut Self::Tx, items: &[T]) -> usize {
            tx.push_partial_slice(items).0.len()
        }
        #[inline]
        fn pop_slice(rx: &mut Self::Rx, out: &mut [T]) -> usize {
            rx.pop_partial_slice(out).0.len()
        }
    }

    pub struct Ringbuf<T>(PhantomData<T>);
    impl<T: Carried> Queue for Ringbuf<T> {
        const NAME: &'static str = T::NAMES.ringbuf;
        const CARRIES: Carries = T::CARRIES;
        type Tx = ringbuf::HeapProd<T>;
        type Rx = ringbuf::HeapCons<T>;
        fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
            use ringbuf::traits::Split;
            ringbuf::HeapRb::new(capacity).split()
        }
        #[inline]
        fn push(tx: &mut Self::Tx, seq: u32) -> bool {
            ringbuf::traits::Producer::try_push(tx, T::encode(seq)).is_ok()
        }
        #[inline]
        fn pop(rx: &mut Self::Rx) -> Option<u32> {
            ringbuf::traits::Consumer::try_pop(rx).map(T::decode)
        }
    }
    impl<T: Carried> BatchQueue for Ringbuf<T> {
        type Item = T;
        #[inline]
        fn encode(seq: u32) -> T {
            T::encode(seq)
        }
        #[inline]
        fn decode(item: T) -> u32 {
            item.decode()
        }
        #[inline]
        fn push_slice(tx: &mut Self::Tx, items: &[T]) -> usize {
            ringbuf::traits::Producer::push_slice(tx, items)
        }
        #[inline]
        fn pop_slice(rx: &mut Self::Rx, out: &mut [T]) -> usize {
            ringbuf::traits::Consumer::pop_slice(rx, out)
        }
    }

    pub struct ArrayQueue<T>(PhantomData<T>);
    impl<T: Carried> Queue for ArrayQueue<T> {
        const NAME: &'static str = T::NAMES.array_queue;
        const CARRIES: Carries = T::CARRIES;
        type Tx = std::sync::Arc<crossbeam_queue::ArrayQueue<T>>;
        type Rx = std::sync::Arc<crossbeam_queue::ArrayQueue<T>>;
        fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
            let queue = std::sync::Arc::new(crossbeam_queue::ArrayQueue::new(capacity));
            (std::sync::Arc::clone(&queue), queue)
        }
        #[inline]
        fn push(tx: &mut Self::Tx, seq: u32) -> bool {
            tx.push(T::encode(seq)).is_ok()
        }
        #[inline]
        fn pop(rx: &mut Self::Rx) -> Option<u32> {
            rx.pop().map(T::decode)
        }
    }

    pub struct StdSync<T>(PhantomData<T>);
    impl<T: Carried> Queue for StdSync<T> {
        const NAME: &'static str = T::NAMES.sync_channel;
        const CARRIES: Carries = T::CARRIES;
        type Tx = std::sync::mpsc::SyncSender<T>;
        type Rx = std::sync::mpsc::Receiver<T>;
        fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
            std::sync::mpsc::sync_channel(capacity)
        }
        #[inline]
        fn push(tx: &mut Self::Tx, seq: u32) -> bool {
            tx.try_send(T::encode(seq)).is_ok()
        }
        #[inline]
        fn pop(rx: &mut Self::Rx) -> Option<u32> {
            rx.try_recv().ok().map(T::decode)
        }
    }
}

/// The cores this process may run on, read once before anything is pinned:
/// `core_affinity::get_core_ids` reports only the calling thread's current
/// mask, so asked from a pinned thread it would see a single core.
pub static CORES: OnceLock<Vec<core_affinity::CoreId>> = OnceLock::new();

/// Pins the calling thread to core `index` (modulo the cores there are), so
/// producer and consumer run on different cores.
pub fn pin(index: usize) {
    let cores = CORES.get().expect("CORES is read at start-up");
    if !cores.is_empty() {
        core_affinity::set_for_current(cores[index % cores.len()]);
    }
}

/// Round trips between the two cores of at most this many ns are the
/// host's fast phase: about 100 ns there in issue 27's measurements.
pub const FAST_NS: f64 = 200.0;
/// Round trips of at least this many ns are its slow phase: 450–510 ns.
pub const SLOW_NS: f64 = 350.0;

/// The phase the host is in now: a padded atomic bounced between this
/// thread, pinned to core 0, and a thread pinned to core 1; the median of
/// 5 batches of 200, in ns per round trip. About 0.1–0.5 ms and a thread
/// start, so it can run once per round.
pub fn round_trip_ns() -> f64 {
    const BATCHES: u64 = 5;
    const TRIPS: u64 = 200;
    pin(0);
    let ball = CachePadded::new(AtomicU64::new(0));
    let ready = Barrier::new(2);
    thread::scope(|s| {
        s.spawn(|| {
            pin(1);
            ready.wait();
            for b in (1..2 * BATCHES * TRIPS).step_by(2) {
                while ball.load(Ordering::Acquire) != b {
                    spin_loop();
                }
                ball.store(b + 1, Ordering::Release);
            }
        });
        // Blocking here lets the new thread, born on this core, move to core 1.
        ready.wait();
        let mut per_trip = Vec::with_capacity(BATCHES as usize);
        let mut b = 1;
        for _ in 0..BATCHES {
            let start = Instant::now();
            for _ in 0..TRIPS {
                ball.store(b, Ordering::Release);
                while ball.load(Ordering::Acquire) != b + 1 {
                    spin_loop();
                }
                b += 2;
            }
            per_trip.push(start.elapsed().as_nanos() as f64 / TRIPS as f64);
        }
        median(&mut per_trip)
    })
}

/// The host's phase over a run, from the round trips measured in it
/// ([`round_trip_ns`] or the like): fast, slow or between by their median,
/// with their range and how many fell in each phase.
pub fn phase(round_trips_ns: &[f64]) -> String {
    let mut sorted = round_trips_ns.to_vec();
    let m = median(&mut sorted);
    let count = |keep: fn(f64) -> bool| sorted.iter().filter(|&&ns| keep(ns)).count();
    let fast = count(|ns| ns <= FAST_NS);
    let slow = count(|ns| ns >= SLOW_NS);
    let label = if m <= FAST_NS {
        "fast"
    } else if m >= SLOW_NS {
        "slow"
    } else {
        "between"
    };
    format!(
        "host phase {label}: round trip between the cores {m:.0} ns median, {:.0} to {:.0} ns; \
         {fast} fast (<= {FAST_NS:.0} ns), {} between, {slow} slow (>= {SLOW_NS:.0} ns) of {}",
        sorted[0],
        sorted[sorted.len() - 1],
        sorted.len() - fast - slow,
        sorted.len()
    )
}

/// A consumer thread that lives for one benchmark (pinned to core 1,
/// spawned once, so thread start-up never lands inside a measurement) and
/// checks every item's sequence number.
///
/// Each measurement tells it, through `target`, how many items it will have
/// received when the measurement is over; it answers through `done` when it
/// sees the queue empty with that many received. Both are touched only on
/// an empty poll and once per measurement, never per item.
pub struct Consumer {
    // Padded, so that they share no cache line with the queue under test.
    target: Arc<CachePadded<AtomicU64>>,
    done: Arc<CachePadded<AtomicU64>>,
    thread: Option<thread::JoinHandle<()>>,
}

const STOP: u64 = u64::MAX;

impl Consumer {
    pub fn spawn(mut pop_checked: impl FnMut(u64) -> u64 + Send + 'static) -> Self {
        let target = Arc::new(CachePadded::new(AtomicU64::new(0)));
        let done = Arc::new(CachePadded::new(AtomicU64::new(0)));
        let (target2, done2) = (Arc::clone(&target), Arc::clone(&done));
        let pinned = Arc::new(Barrier::new(2));
        let pinned2 = Arc::clone(&pinned);
        let thread = thread::spawn(move || {
            pin(1);
            pinned2.wait();
            let mut received = 0u64;
            loop {
                // Pops and checks what is there; 0 when the queue was empty.
                let n = pop_checked(received);
                if n > 0 {
                    received += n;
                    continue;
                }
                let goal = target2.load(Ordering::Acquire);
                if goal == STOP {
                    break;
                }
                if received == goal && done2.load(Ordering::Relaxed) != goal {
                    done2.store(goal, Ordering::Release);
                }
                spin_loop();
            }
        });
        // Blocking here lets the new thread run and move itself to core 1
        // even when this thread is pinned to the core it was born on.
        pinned.wait();
        pin(0);
        Self {
            target,
            done,
            thread: Some(thread),
        }
    }

    /// Announces that `total` items will have been sent once the producer
    /// has finished this measurement.
    pub fn expect(&self, total: u64) {
        self.target.store(total, Ordering::Release);
    }

    /// Waits until the consumer has received and checked all `total` items.
    pub fn wait_for(&self, total: u64) {
        while self.done.load(Ordering::Acquire) != total {
            spin_loop();
        }
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        self.target.store(STOP, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() && !thread::panicking() {
                panic!("the consumer thread panicked");
            }
        }
    }
}

/// The producer's loop: pushes every number of `seqs`, spinning while full.
///
/// Not inlined into the harness, so that every queue's handle arrives as a
/// plain `&mut` argument and gets the same code generation, whatever the
/// closures around it capture.
#[inline(never)]
pub fn push_all<Q: Queue>(tx: &mut Q::Tx, seqs: std::ops::Range<u64>) {
    for seq in seqs {
        while !Q::push(tx, seq as u32) {
            spin_loop();
        }
    }
}

/// Panics unless item number `seq` came out as `expected`.
///
/// Takes its arguments by value and keeps the panic out of line: an
/// `assert_eq!` takes references, and made the compiler spill the compared
/// values to the stack on every item for some queues and not for others.
#[inline(always)]
pub fn check<Q: Queue>(seq: u64, got: Option<u32>, expected: u32) {
    #[cold]
    #[inline(never)]
    fn mismatch(queue: &str, seq: u64, got: Option<u32>, expected: u32) -> ! {
        panic!("{queue}: item {seq} came out as {got:?}, expected {expected}")
    }
    if got != Some(expected) {
        mismatch(Q::NAME, seq, got, expected);
    }
}

/// The consumer's loop: pops and checks items until the queue is empty;
/// returns how many. `received` is the number checked before.
#[inline(never)]
pub fn pop_checked<Q: Queue>(rx: &mut Q::Rx, received: u64) -> u64 {
    let mut seq = received;
    while let Some(got) = Q::pop(rx) {
        let expected = seq as u32 & SEQ_MASK;
        check::<Q>(seq, Some(got), expected);
        seq += 1;
    }
    seq - received
}

/// Items per slice in the batch benchmarks.
pub const SLICE: usize = 64;

/// The batch consumer's step: pops up to [`SLICE`] items into `out` and
/// checks each; returns how many. `received` is the number checked before.
#[inline(never)]
pub fn pop_slice_checked<Q: BatchQueue>(
    rx: &mut Q::Rx,
    out: &mut [Q::Item; SLICE],
    received: u64,
) -> u64 {
    let n = Q::pop_slice(rx, out);
    for (i, item) in out[..n].iter().enumerate() {
        let seq = received + i as u64;
        check::<Q>(seq, Some(Q::decode(*item)), seq as u32 & SEQ_MASK);
    }
    n as u64
}

/// The batch producer's loop: sends the numbers of `seqs` (a multiple of
/// [`SLICE`] long) in slices of [`SLICE`], spinning while full.
#[inline(never)]
pub fn push_slices<Q: BatchQueue>(tx: &mut Q::Tx, seqs: std::ops::Range<u64>) {
    let mut chunk = [Q::Item::default(); SLICE];
    for first in seqs.step_by(SLICE) {
        for (i, item) in chunk.iter_mut().enumerate() {
            *item = Q::encode((first + i as u64) as u32);
        }
        let mut pushed = 0;
        while pushed < SLICE {
            let sent = Q::push_slice(tx, &chunk[pushed..]);
            pushed += sent;
            if sent == 0 {
                spin_loop();
            }
        }
    }
}
