//! What both benchmark programs share: the [`Queue`] trait that puts every
//! queue behind the same measurement code, the adapters for ours and the
//! peers, thread pinning and the checking consumer thread.

#![allow(dead_code)] // each benchmark program uses a different part

use std::hint::spin_loop;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::thread;

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

/// One queue, seen by the harness as a channel of sequence numbers, each
/// sent as the 3-byte MIDI message [`note_bytes`] makes of it: the peers
/// carry `[u8; 3]`, the typed rows their MIDI message type, built and read
/// the way a user's code does.
pub trait Queue: 'static {
    /// The row's name in the report; ours start with `bbx_midi`.
    const NAME: &'static str;
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

/// The item part of a `BatchQueue` whose items are the raw 3 bytes.
macro_rules! byte_items {
    () => {
        type Item = [u8; 3];
        #[inline]
        fn encode(seq: u32) -> [u8; 3] {
            super::note_bytes(seq)
        }
        #[inline]
        fn decode(item: [u8; 3]) -> u32 {
            super::seq_of(item)
        }
    };
}

pub mod queues {
    use super::{BatchQueue, Queue, note_bytes, seq_of};
    use bbx_midi::MidiMessage;

    type Bytes = [u8; 3];

    /// An item our generic ring carries here: how a sequence number goes
    /// in and comes out, and the row's name.
    pub trait Carried: Copy + Default + Send + 'static {
        const NAME: &'static str;
        fn encode(seq: u32) -> Self;
        fn decode(self) -> u32;
    }
    impl Carried for Bytes {
        const NAME: &'static str = "bbx_midi::spsc";
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
        const NAME: &'static str = "bbx_midi::spsc<[u8; 4]>";
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
    /// `MidiMessage` built as users build it, in the ring without the
    /// typed buffer's refusal of `INVALID`: what the typed batch pays for
    /// `MidiMessage::new`, and, against the typed row, for that check.
    impl Carried for MidiMessage {
        const NAME: &'static str = "bbx_midi::spsc<MidiMessage>";
        #[inline]
        fn encode(seq: u32) -> Self {
            OursMidi::encode(seq)
        }
        #[inline]
        fn decode(self) -> u32 {
            OursMidi::decode(self)
        }
    }

    /// Our generic ring carrying `T`.
    pub struct Spsc<T>(core::marker::PhantomData<T>);
    impl<T: Carried> Queue for Spsc<T> {
        const NAME: &'static str = T::NAME;
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

    /// Our generic ring carrying the raw 3 bytes, as the peers do.
    pub type Ours = Spsc<Bytes>;

    /// Our typed buffer as users call it: `MidiMessage::new` on the wire
    /// bytes, `as_bytes` on the way out.
    pub struct OursMidi;
    impl Queue for OursMidi {
        const NAME: &'static str = "bbx_midi::midi_buffer";
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
            MidiMessage::new(note_bytes(seq))
        }
        #[inline]
        fn decode(msg: MidiMessage) -> u32 {
            match *msg.as_bytes() {
                [status, note, velocity] => seq_of([status, note, velocity]),
                _ => u32::MAX,
            }
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

    pub struct Rtrb;
    impl Queue for Rtrb {
        const NAME: &'static str = "rtrb";
        type Tx = rtrb::Producer<Bytes>;
        type Rx = rtrb::Consumer<Bytes>;
        fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
            rtrb::RingBuffer::new(capacity)
        }
        #[inline]
        fn push(tx: &mut Self::Tx, seq: u32) -> bool {
            tx.push(note_bytes(seq)).is_ok()
        }
        #[inline]
        fn pop(rx: &mut Self::Rx) -> Option<u32> {
            rx.pop().ok().map(seq_of)
        }
    }
    impl BatchQueue for Rtrb {
        byte_items!();
        #[inline]
        fn push_slice(tx: &mut Self::Tx, items: &[Bytes]) -> usize {
            tx.push_partial_slice(items).0.len()
        }
        #[inline]
        fn pop_slice(rx: &mut Self::Rx, out: &mut [Bytes]) -> usize {
            rx.pop_partial_slice(out).0.len()
        }
    }

    pub struct Ringbuf;
    impl Queue for Ringbuf {
        const NAME: &'static str = "ringbuf";
        type Tx = ringbuf::HeapProd<Bytes>;
        type Rx = ringbuf::HeapCons<Bytes>;
        fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
            use ringbuf::traits::Split;
            ringbuf::HeapRb::new(capacity).split()
        }
        #[inline]
        fn push(tx: &mut Self::Tx, seq: u32) -> bool {
            ringbuf::traits::Producer::try_push(tx, note_bytes(seq)).is_ok()
        }
        #[inline]
        fn pop(rx: &mut Self::Rx) -> Option<u32> {
            ringbuf::traits::Consumer::try_pop(rx).map(seq_of)
        }
    }
    impl BatchQueue for Ringbuf {
        byte_items!();
        #[inline]
        fn push_slice(tx: &mut Self::Tx, items: &[Bytes]) -> usize {
            ringbuf::traits::Producer::push_slice(tx, items)
        }
        #[inline]
        fn pop_slice(rx: &mut Self::Rx, out: &mut [Bytes]) -> usize {
            ringbuf::traits::Consumer::pop_slice(rx, out)
        }
    }

    pub struct ArrayQueue;
    impl Queue for ArrayQueue {
        const NAME: &'static str = "crossbeam-queue ArrayQueue";
        type Tx = std::sync::Arc<crossbeam_queue::ArrayQueue<Bytes>>;
        type Rx = std::sync::Arc<crossbeam_queue::ArrayQueue<Bytes>>;
        fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
            let queue = std::sync::Arc::new(crossbeam_queue::ArrayQueue::new(capacity));
            (std::sync::Arc::clone(&queue), queue)
        }
        #[inline]
        fn push(tx: &mut Self::Tx, seq: u32) -> bool {
            tx.push(note_bytes(seq)).is_ok()
        }
        #[inline]
        fn pop(rx: &mut Self::Rx) -> Option<u32> {
            rx.pop().map(seq_of)
        }
    }

    pub struct StdSync;
    impl Queue for StdSync {
        const NAME: &'static str = "std::sync::mpsc::sync_channel";
        type Tx = std::sync::mpsc::SyncSender<Bytes>;
        type Rx = std::sync::mpsc::Receiver<Bytes>;
        fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
            std::sync::mpsc::sync_channel(capacity)
        }
        #[inline]
        fn push(tx: &mut Self::Tx, seq: u32) -> bool {
            tx.try_send(note_bytes(seq)).is_ok()
        }
        #[inline]
        fn pop(rx: &mut Self::Rx) -> Option<u32> {
            rx.try_recv().ok().map(seq_of)
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
