//! What the audio callback pays, per block, to take the MIDI that arrived.
//!
//! Throughput figures say how fast a queue moves messages when both sides
//! spin; an audio callback does something else. It wakes once per block,
//! takes everything waiting in one go, and goes back to rendering, and the
//! time that take costs comes out of its block budget. This program
//! measures that, for each queue with its own bulk API:
//!
//! * **Producer**, the MIDI input thread, pinned to core 0: sends 3-byte
//!   Note Ons carrying a sequence number (`common::note_bytes`) in bursts,
//!   as USB MIDI delivers them once per 1 ms frame and sequencers once per
//!   tick: 1 k msg/s as 4 every 4 ms, 30 k msg/s as 30 every 1 ms, 1 M msg/s
//!   as 1 000 every 1 ms. It spins on the clock until a burst is due, and
//!   writes each message's send time into a side table indexed by sequence
//!   number before pushing it, so nothing the measurement needs is carried
//!   by the queue or read inside the consumer's timed region. A full queue
//!   makes it retry (counted as a stall; capacity 8192 should see none).
//!   Its burst period is stretched by one period over the run (by 1/400 at
//!   1 ms and a 0.4 s run): the nominal periods share small multiples with
//!   the block periods (4 ms = 3 blocks of 64 frames, 16 ms = 3 of 256),
//!   so without the stretch every block would meet the bursts at the same
//!   three phases; with it, the phases sweep once through a whole burst
//!   period, as they do between a MIDI interface's clock and the audio
//!   clock.
//! * **Consumer**, the audio callback, pinned to core 1: one block of 64 or
//!   256 frames at 48 kHz (1.333 or 5.333 ms). It sleeps until 200 µs before
//!   the block's due time and spins the rest: a sleeping thread wakes
//!   50–100 µs late on Linux (timer slack and wake-up), and a late wake would
//!   shift when each queue is read. An audio driver wakes its callback on
//!   the period boundary, so spinning to it reproduces the timing without
//!   putting the wake-up, which is not the queue's cost, into the figure.
//!   The core is idle for most of each block, as a callback's is, so nothing
//!   polls the ring's cache lines warm between blocks. Then it takes every
//!   message into an array allocated (and touched) before the run: ours
//!   with `pop_into` and with a `try_pop` loop, `rtrb` with `read_chunk(slots())`
//!   and the two slices, `ringbuf` with `pop_slice`, upstream `bbx_midi`
//!   0.5.1 with `drain_into` a `Vec` with room for twice the capacity,
//!   cleared every block, `crossbeam-queue`'s `ArrayQueue` with a `pop`
//!   loop. Each peer but upstream runs twice: carrying the 4-byte
//!   `MidiMessage` our buffer carries (like for like), and the raw
//!   `[u8; 3]` (fewer lines to move). Only the take is timed, between two `Instant::now()` reads (on
//!   Linux x86-64 a vDSO read of the TSC); their cost back to back is
//!   measured and printed, and is in every figure once. After the timed
//!   region it checks every sequence number in order (loss, repetition or
//!   reordering panics: a queue that loses cannot post a figure) and
//!   records each message's latency, the block's wake time (the clock
//!   read that opens the timed region) minus the message's send time.
//!   The first [`WARMUP`] blocks of a run are checked but not counted.
//!
//! **The bound.** Taking `n` messages needs the producer's index line and
//! the lines holding the messages, each last written by the producer's
//! core: `lines = 1 + ceil(n × slot / 64)`, where `slot` is the queue's own
//! slot size: 4 bytes for our `MidiMessage` (so `1 + ceil(n / 16)`), 3 for
//! the `[u8; 3]` of `rtrb` and `ringbuf`, 16 for `ArrayQueue` (a stamp
//! beside each value), upstream's message size for upstream. Two costs are
//! measured before and after every run, and the smaller used, because the
//! VM's host moves the two vCPUs between physical cores and the costs move
//! with them: one line's trip (a cache-padded `AtomicU64` bounced between
//! the two pinned cores, round trip / 2), and the cost per line when core 1
//! reads [`STREAM_LINES`] lines that core 0 has just written. `serial` is
//! `lines` trips end to end; a take of more than a few lines beats it by
//! far, as the CPU keeps many misses in flight and prefetches ahead.
//! `bound` is what no take can beat: one trip for the index, which the take
//! must see before it knows how much to copy, then the data lines, which
//! take at least one trip and no less than streaming them. `drain/bound` is
//! the median over blocks of each take over its own bound (the costs
//! measured around its run, as the placement can change between runs).
//! No line count includes the
//! callback's own state (its handle, the code, their TLB entries) gone
//! cold while its core idled: the same for every queue, and at low rates
//! most of the take. An empty block's index line moves only if the
//! producer wrote since the last take, so at 1 k msg/s (most 64-frame
//! blocks empty) the bound overstates the empty take.
//!
//! **Drift.** The machine is a shared 2-core VM whose speed moves between
//! phases lasting seconds. Every round runs every rate × block size, each
//! queue once, each round starting one queue later, and "ours / best peer"
//! is taken per round from each run's median drain and then its median
//! over the rounds (never a ratio of medians), so a slow phase hits all
//! queues alike and cancels out of the ratio; the table pools every counted
//! block of every round. Like for like first (peers carrying `MidiMessage`,
//! and upstream), then against the peers carrying `[u8; 3]`. The host's
//! phase, the round trip of the line bounced around every run, is printed
//! beside every table.
//!
//! ```text
//! cargo bench -p bbx_midi_benches --bench callback [1k|30k|1M] [64|256]   # about 5 min for all
//! BENCH_QUICK=1 cargo bench -p bbx_midi_benches --bench callback          # 1 round of 30 blocks, CI
//! ```

use std::hint::spin_loop;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use bbx_midi::MidiMessage;
use crossbeam_utils::CachePadded;

mod common;
use common::{CORES, Carries, Queue, SEQ_MASK, median, phase, pin};

/// Every queue's capacity: room for more than a 256-frame block at 1 M
/// msg/s (5 334 messages), so a consumer that wakes on time never lets the
/// producer stall.
const CAPACITY: usize = 8192;
const SAMPLE_RATE: u64 = 48_000;
/// How long before a block's due time the consumer stops sleeping and
/// starts spinning: more than a sleep's usual oversleep.
const SPIN: Duration = Duration::from_micros(200);
/// From the two threads' start to the first burst: room for both to be
/// running on their cores.
const LEAD: Duration = Duration::from_millis(2);
/// Blocks at the start of each run that are checked but not counted: the
/// first takes meet a cold TLB and code path that a running callback has
/// long left behind.
const WARMUP: usize = 2;
/// Cache line size assumed by the bound.
const LINE: usize = 64;

/// `BENCH_QUICK=1` (CI): one round of a few blocks, every message checked.
fn quick() -> bool {
    std::env::var_os("BENCH_QUICK").is_some()
}

#[derive(Clone, Copy)]
struct Rate {
    label: &'static str,
    per_second: u64,
    burst: u64,
    every: Duration,
}

const RATES: [Rate; 3] = [
    Rate {
        label: "1k",
        per_second: 1_000,
        burst: 4,
        every: Duration::from_millis(4),
    },
    Rate {
        label: "30k",
        per_second: 30_000,
        burst: 30,
        every: Duration::from_millis(1),
    },
    Rate {
        label: "1M",
        per_second: 1_000_000,
        burst: 1_000,
        every: Duration::from_millis(1),
    },
];

/// Audio block sizes, in frames at [`SAMPLE_RATE`].
const FRAMES: [u64; 2] = [64, 256];

/// One rate × block size, and how many blocks each run of it lasts.
#[derive(Clone, Copy)]
struct Config {
    rate: Rate,
    frames: u64,
    blocks: usize,
}

impl Config {
    /// When block `j` is due, in ns after the run's start; exact, so the
    /// blocks do not drift from the audio clock.
    fn due_ns(&self, j: usize) -> u64 {
        (j as u64 + 1) * self.frames * 1_000_000_000 / SAMPLE_RATE
    }

    fn period_ns(&self) -> u64 {
        self.frames * 1_000_000_000 / SAMPLE_RATE
    }

    /// The last block's due time: bursts are sent before it.
    fn span_ns(&self) -> u64 {
        self.due_ns(self.blocks - 1)
    }

    /// The producer's burst period, stretched by one period over the run
    /// (see the top of the file).
    fn burst_every_ns(&self) -> u64 {
        let every = self.rate.every.as_nanos() as u64;
        every + every * every / self.span_ns()
    }

    fn bursts(&self) -> u64 {
        self.span_ns().div_ceil(self.burst_every_ns())
    }

    /// Messages one run sends.
    fn messages(&self) -> u64 {
        self.bursts() * self.rate.burst
    }
}

/// One row of the report: a queue from `common::queues` (built and pushed
/// one message at a time by the producer, as in the other benchmarks) and
/// the consumer's `take`, the queue's idiomatic bulk API, emptying it once
/// per block into a per-block array.
trait Callback: 'static {
    type Queue: Queue;
    /// The take, after the queue's name in the row's name.
    const TAKE: &'static str;
    /// Bytes one message takes in the queue's storage, for the bound.
    const SLOT_BYTES: usize;
    /// What the callback takes into, allocated and touched before the run.
    type Block: Send;
    fn block(capacity: usize) -> Self::Block;
    /// Takes every message waiting into `block`; returns how many.
    fn take(rx: &mut Rx<Self>, block: &mut Self::Block) -> usize;
    /// The sequence number the `i`-th message taken carries.
    fn seq(block: &Self::Block, i: usize) -> u32;
}

/// The sending and receiving handles of a row's queue.
type Tx<Q> = <<Q as Callback>::Queue as Queue>::Tx;
type Rx<Q> = <<Q as Callback>::Queue as Queue>::Rx;

mod adapters {
    use super::common::queues::{self, Carried};
    use super::{Callback, Rx};
    use bbx_midi::MidiMessage;

    /// A block of `capacity` copies of `fill`, its pages touched.
    fn boxed<T: Clone>(fill: T, capacity: usize) -> Box<[T]> {
        vec![fill; capacity].into_boxed_slice()
    }

    /// Our typed buffer, emptied with `pop_into`.
    pub struct OursPopInto;
    impl Callback for OursPopInto {
        type Queue = queues::OursMidi;
        const TAKE: &'static str = "pop_into";
        const SLOT_BYTES: usize = size_of::<MidiMessage>();
        type Block = Box<[MidiMessage]>;
        fn block(capacity: usize) -> Self::Block {
            boxed(MidiMessage::INVALID, capacity)
        }
        #[inline]
        fn take(rx: &mut Rx<Self>, block: &mut Self::Block) -> usize {
            rx.pop_into(block)
        }
        fn seq(block: &Self::Block, i: usize) -> u32 {
            block[i].decode()
        }
    }

    /// The same buffer, emptied one `try_pop` at a time.
    pub struct OursTryPop;
    impl Callback for OursTryPop {
        type Queue = queues::OursMidi;
        const TAKE: &'static str = "try_pop loop";
        const SLOT_BYTES: usize = size_of::<MidiMessage>();
        type Block = Box<[MidiMessage]>;
        fn block(capacity: usize) -> Self::Block {
            boxed(MidiMessage::INVALID, capacity)
        }
        #[inline]
        fn take(rx: &mut Rx<Self>, block: &mut Self::Block) -> usize {
            pop_loop(block, || rx.try_pop())
        }
        fn seq(block: &Self::Block, i: usize) -> u32 {
            block[i].decode()
        }
    }

    /// Fills `block` from the front with what `pop` gives until it gives
    /// nothing or `block` is full; returns how many.
    #[inline]
    fn pop_loop<T>(block: &mut [T], mut pop: impl FnMut() -> Option<T>) -> usize {
        let mut n = 0;
        for slot in block.iter_mut() {
            let Some(message) = pop() else { break };
            *slot = message;
            n += 1;
        }
        n
    }

    /// `rtrb` carrying `T`, emptied with `read_chunk(slots())`.
    pub struct Rtrb<T>(core::marker::PhantomData<T>);
    impl<T: Carried> Callback for Rtrb<T> {
        type Queue = queues::Rtrb<T>;
        const TAKE: &'static str = "read_chunk";
        const SLOT_BYTES: usize = size_of::<T>();
        type Block = Box<[T]>;
        fn block(capacity: usize) -> Self::Block {
            boxed(T::default(), capacity)
        }
        #[inline]
        fn take(rx: &mut Rx<Self>, block: &mut Self::Block) -> usize {
            let Ok(chunk) = rx.read_chunk(rx.slots()) else {
                unreachable!("read_chunk refused the slots it just reported")
            };
            let (first, second) = chunk.as_slices();
            let n = first.len() + second.len();
            block[..first.len()].copy_from_slice(first);
            block[first.len()..n].copy_from_slice(second);
            chunk.commit_all();
            n
        }
        fn seq(block: &Self::Block, i: usize) -> u32 {
            block[i].decode()
        }
    }

    /// `ringbuf` carrying `T`, emptied with `pop_slice`.
    pub struct Ringbuf<T>(core::marker::PhantomData<T>);
    impl<T: Carried> Callback for Ringbuf<T> {
        type Queue = queues::Ringbuf<T>;
        const TAKE: &'static str = "pop_slice";
        const SLOT_BYTES: usize = size_of::<T>();
        type Block = Box<[T]>;
        fn block(capacity: usize) -> Self::Block {
            boxed(T::default(), capacity)
        }
        #[inline]
        fn take(rx: &mut Rx<Self>, block: &mut Self::Block) -> usize {
            ringbuf::traits::Consumer::pop_slice(rx, block)
        }
        fn seq(block: &Self::Block, i: usize) -> u32 {
            block[i].decode()
        }
    }

    pub struct Upstream;
    impl Callback for Upstream {
        type Queue = queues::Upstream;
        const TAKE: &'static str = "drain_into";
        const SLOT_BYTES: usize = size_of::<bbx_midi_upstream::MidiMessage>();
        type Block = Vec<bbx_midi_upstream::MidiMessage>;
        fn block(capacity: usize) -> Self::Block {
            // Twice the capacity: `drain_into` pops until it finds the
            // buffer empty, so while the producer refills it, one call can
            // take more than the capacity. Filled once so that its pages
            // are mapped before the run.
            let mut block = vec![bbx_midi_upstream::MidiMessage::new([0x90, 0, 0]); 2 * capacity];
            block.clear();
            block
        }
        #[inline]
        fn take(rx: &mut Rx<Self>, block: &mut Self::Block) -> usize {
            block.clear();
            rx.drain_into(block)
        }
        fn seq(block: &Self::Block, i: usize) -> u32 {
            let message = block[i];
            // Its channel is 1-based.
            u32::from(message.get_channel().wrapping_sub(1)) << 14
                | u32::from(message.get_note_number().unwrap_or(0xFF)) << 7
                | u32::from(message.get_velocity().unwrap_or(0xFF))
        }
    }

    /// `crossbeam-queue`'s `ArrayQueue` carrying `T`, emptied with a `pop`
    /// loop.
    pub struct ArrayQueue<T>(core::marker::PhantomData<T>);
    impl<T: Carried> Callback for ArrayQueue<T> {
        type Queue = queues::ArrayQueue<T>;
        const TAKE: &'static str = "pop loop";
        // Each slot is a stamp (`AtomicUsize`) beside the value.
        const SLOT_BYTES: usize = size_of::<(usize, T)>();
        type Block = Box<[T]>;
        fn block(capacity: usize) -> Self::Block {
            boxed(T::default(), capacity)
        }
        #[inline]
        fn take(rx: &mut Rx<Self>, block: &mut Self::Block) -> usize {
            pop_loop(block, || rx.pop())
        }
        fn seq(block: &Self::Block, i: usize) -> u32 {
            block[i].decode()
        }
    }
}

/// Latencies in 1 µs buckets up to 65 ms, the last bucket holding
/// everything above; the maximum is kept exactly. A run at 1 M msg/s has
/// 400 000 latencies; this keeps every round's in 256 KB per row.
struct Histogram {
    counts: Vec<u32>,
    total: u64,
    max_ns: u64,
}

impl Histogram {
    fn new() -> Self {
        Self {
            counts: vec![0; 1 << 16],
            total: 0,
            max_ns: 0,
        }
    }

    #[inline]
    fn record(&mut self, ns: u64) {
        let bucket = ((ns / 1_000) as usize).min(self.counts.len() - 1);
        self.counts[bucket] += 1;
        self.total += 1;
        self.max_ns = self.max_ns.max(ns);
    }

    /// The `p` quantile in µs (bucket floor), or `None` with no samples.
    fn quantile_us(&self, p: f64) -> Option<u64> {
        let rank = rank(p, self.total as usize)? as u64;
        let mut seen = 0;
        for (us, &count) in self.counts.iter().enumerate() {
            seen += u64::from(count);
            if seen > rank {
                return Some(us as u64);
            }
        }
        None
    }
}

/// The 0-based nearest-rank index of quantile `p` among `len` samples.
fn rank(p: f64, len: usize) -> Option<usize> {
    (len > 0).then(|| ((p * len as f64).ceil() as usize).clamp(1, len) - 1)
}

/// Quantile `p` of `values`, sorting them.
fn quantile(values: &mut [u64], p: f64) -> Option<u64> {
    values.sort_unstable();
    rank(p, values.len()).map(|i| values[i])
}

/// What one run of one queue brings back, for its counted blocks.
struct Run {
    drain_ns: Vec<u64>,
    counts: Vec<u64>,
    late_ns: Vec<u64>,
    stalls: u64,
}

#[cold]
#[inline(never)]
fn mismatch(queue: &str, index: u64, got: u32, expected: u32) -> ! {
    panic!("{queue}: message {index} came out as {got}, expected {expected}")
}

/// Sleeps until [`SPIN`] before `deadline`, then spins to it.
fn wait_until(deadline: Instant) {
    if let Some(ahead) = deadline.checked_duration_since(Instant::now()) {
        if ahead > SPIN {
            thread::sleep(ahead - SPIN);
        }
    }
    while Instant::now() < deadline {
        spin_loop();
    }
}

fn ns_since(epoch: Instant, t: Instant) -> u64 {
    t.duration_since(epoch).as_nanos() as u64
}

/// What both threads of a run share.
struct Schedule<'a> {
    config: &'a Config,
    /// Each message's send time, in ns after `epoch`, by sequence number.
    sent_at: &'a [AtomicU64],
    epoch: Instant,
    /// The first burst's time, in ns after `epoch`; blocks are due from
    /// one period after it.
    start_ns: u64,
}

impl Schedule<'_> {
    /// The instant `ns` after the start.
    fn at(&self, ns: u64) -> Instant {
        self.epoch + Duration::from_nanos(self.start_ns + ns)
    }

    fn ns(&self, t: Instant) -> u64 {
        ns_since(self.epoch, t)
    }
}

/// The producer: every burst at its due time, each message's send time
/// into `sent_at` before its push; returns how many pushes found the queue
/// full.
#[inline(never)]
fn produce<Q: Callback>(tx: &mut Tx<Q>, schedule: &Schedule) -> u64 {
    let config = schedule.config;
    let mut seq = 0u64;
    let mut stalls = 0;
    for burst in 0..config.bursts() {
        let due = schedule.at(burst * config.burst_every_ns());
        while Instant::now() < due {
            spin_loop();
        }
        for _ in 0..config.rate.burst {
            let now = schedule.ns(Instant::now());
            schedule.sent_at[seq as usize].store(now, Ordering::Relaxed);
            if !Q::Queue::push(tx, seq as u32) {
                stalls += 1;
                while !Q::Queue::push(tx, seq as u32) {
                    spin_loop();
                }
            }
            seq += 1;
        }
    }
    stalls
}

/// The timed region's body, out of line so that every queue's take is one
/// call between the two clock reads.
#[inline(never)]
fn take_block<Q: Callback>(rx: &mut Rx<Q>, block: &mut Q::Block) -> usize {
    Q::take(rx, block)
}

/// Checks the `n` messages in `block`, the next after `received`; records
/// their latencies if `latency` is given. Returns the new `received`.
fn check_block<Q: Callback>(
    block: &Q::Block,
    n: usize,
    mut received: u64,
    total: u64,
    sent_at: &[AtomicU64],
    mut latency: Option<(&mut Histogram, u64)>,
) -> u64 {
    for i in 0..n {
        if received >= total {
            panic!(
                "{}: more messages came out than the {total} sent",
                name::<Q>()
            );
        }
        let (got, expected) = (Q::seq(block, i), received as u32 & SEQ_MASK);
        if got != expected {
            mismatch(&name::<Q>(), received, got, expected);
        }
        if let Some((histogram, wake_ns)) = latency.as_mut() {
            let sent = sent_at[received as usize].load(Ordering::Relaxed);
            // A message pushed between the wake read and the take is taken
            // "before" it was sent: latency 0.
            histogram.record(wake_ns.saturating_sub(sent));
        }
        received += 1;
    }
    received
}

/// The audio callback: `config.blocks` blocks, each a timed take followed
/// by the checks; then, untimed, whatever the last block left, until every
/// message sent has been seen.
fn consume<Q: Callback>(
    rx: &mut Rx<Q>,
    block: &mut Q::Block,
    schedule: &Schedule,
    producer_done: &AtomicBool,
    latency: &mut Histogram,
) -> Run {
    let (config, sent_at) = (schedule.config, schedule.sent_at);
    let counted = config.blocks - WARMUP;
    let mut run = Run {
        drain_ns: Vec::with_capacity(counted),
        counts: Vec::with_capacity(counted),
        late_ns: Vec::with_capacity(counted),
        stalls: 0,
    };
    let total = config.messages();
    let mut received = 0;
    for j in 0..config.blocks {
        let deadline = schedule.at(config.due_ns(j));
        wait_until(deadline);
        let wake = Instant::now();
        let n = take_block::<Q>(rx, block);
        let end = Instant::now();
        let wake_ns = schedule.ns(wake);
        let measured = j >= WARMUP;
        let latency = measured.then_some((&mut *latency, wake_ns));
        received = check_block::<Q>(block, n, received, total, sent_at, latency);
        if measured {
            run.drain_ns
                .push(end.duration_since(wake).as_nanos() as u64);
            run.counts.push(n as u64);
            run.late_ns
                .push(wake.duration_since(deadline).as_nanos() as u64);
        }
    }
    while received < total {
        // Read first: if the producer had finished, an empty take is a loss.
        let finished = producer_done.load(Ordering::Acquire);
        let n = Q::take(rx, block);
        received = check_block::<Q>(block, n, received, total, sent_at, None);
        if n == 0 {
            if finished {
                panic!("{}: {received} of {total} messages came out", name::<Q>());
            }
            spin_loop();
        }
    }
    run
}

/// One run of queue `Q` at `config`: producer here (core 0), callback on a
/// fresh thread pinned to core 1.
fn run<Q: Callback>(config: &Config, sent_at: &[AtomicU64], latency: &mut Histogram) -> Run {
    let (mut tx, mut rx) = Q::Queue::channel(CAPACITY);
    let mut block = Q::block(CAPACITY);
    let epoch = Instant::now();
    let start = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let ready = Barrier::new(2);
    thread::scope(|s| {
        let consumer = s.spawn(|| {
            pin(1);
            ready.wait();
            let start_ns = loop {
                match start.load(Ordering::Acquire) {
                    0 => spin_loop(),
                    ns => break ns,
                }
            };
            let schedule = Schedule {
                config,
                sent_at,
                epoch,
                start_ns,
            };
            consume::<Q>(&mut rx, &mut block, &schedule, &done, latency)
        });
        // Blocking here lets the new thread, born on this core, run and
        // move itself to core 1.
        ready.wait();
        let schedule = Schedule {
            config,
            sent_at,
            epoch,
            start_ns: ns_since(epoch, Instant::now() + LEAD),
        };
        start.store(schedule.start_ns, Ordering::Release);
        let stalls = produce::<Q>(&mut tx, &schedule);
        done.store(true, Ordering::Release);
        let mut run = consumer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        run.stalls = stalls;
        run
    })
}

/// What moving cache lines from core 0 to core 1 costs, measured around
/// each run.
#[derive(Clone, Copy)]
struct Lines {
    /// One line's trip: a padded `AtomicU64` bounced between the two
    /// cores, round trip / 2.
    trip_ns: f64,
    /// Per line, when core 1 reads [`STREAM_LINES`] lines that core 0 has
    /// just written, all at once: the loads overlap, and the prefetcher
    /// runs ahead of them.
    stream_ns: f64,
}

/// Lines per streamed batch: 16 KB, about what a 256-frame block takes at
/// 1 M msg/s.
const STREAM_LINES: usize = 256;

/// Measures [`Lines`]: `batches` batches of `trips` round trips, then
/// `batches` streamed batches; the median batch of each.
fn cross_core(batches: usize, trips: u64) -> Lines {
    let ball = CachePadded::new(AtomicU64::new(0));
    // Only the first word of each line is written and read; `skip` finds
    // the first word on a line boundary.
    let words: Vec<AtomicU64> = (0..(STREAM_LINES + 1) * LINE / 8)
        .map(|_| AtomicU64::new(0))
        .collect();
    let skip = (LINE - words.as_ptr() as usize % LINE) % LINE / 8;
    let line = |i: usize| &words[skip + i * LINE / 8];
    let ready = Barrier::new(2);
    let first_stream_ball = 2 * batches as u64 * trips + 1;
    thread::scope(|s| {
        let reader = s.spawn(|| {
            pin(1);
            ready.wait();
            for b in (1..first_stream_ball).step_by(2) {
                while ball.load(Ordering::Acquire) != b {
                    spin_loop();
                }
                ball.store(b + 1, Ordering::Release);
            }
            let mut per_line = Vec::with_capacity(batches);
            for b in (first_stream_ball..).step_by(2).take(batches) {
                while ball.load(Ordering::Acquire) != b {
                    spin_loop();
                }
                let start = Instant::now();
                let sum: u64 = (0..STREAM_LINES)
                    .map(|i| line(i).load(Ordering::Relaxed))
                    .sum();
                let elapsed = start.elapsed();
                assert_eq!(sum, b * STREAM_LINES as u64, "a stale line was read");
                per_line.push(elapsed.as_nanos() as f64 / STREAM_LINES as f64);
                ball.store(b + 1, Ordering::Release);
            }
            median(&mut per_line)
        });
        ready.wait();
        let mut one_way = Vec::with_capacity(batches);
        let mut b = 1;
        for _ in 0..batches {
            let start = Instant::now();
            for _ in 0..trips {
                ball.store(b, Ordering::Release);
                while ball.load(Ordering::Acquire) != b + 1 {
                    spin_loop();
                }
                b += 2;
            }
            one_way.push(start.elapsed().as_nanos() as f64 / trips as f64 / 2.0);
        }
        for _ in 0..batches {
            for i in 0..STREAM_LINES {
                line(i).store(b, Ordering::Relaxed);
            }
            ball.store(b, Ordering::Release);
            while ball.load(Ordering::Acquire) != b + 1 {
                spin_loop();
            }
            b += 2;
        }
        Lines {
            trip_ns: median(&mut one_way),
            stream_ns: reader
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        }
    })
}

/// Two `Instant::now()` back to back, `n` times: what the clock adds to
/// every drain figure.
fn clock_overhead_ns(n: usize) -> Vec<u64> {
    (0..n)
        .map(|_| {
            let a = Instant::now();
            let b = Instant::now();
            b.duration_since(a).as_nanos() as u64
        })
        .collect()
}

/// A row's name: its queue's, then its take.
fn name<Q: Callback>() -> String {
    format!("{} {}", <Q::Queue as Queue>::NAME, Q::TAKE)
}

/// A queue's row in the tables.
struct Row {
    name: String,
    ours: bool,
    carries: Carries,
    slot_bytes: usize,
    run: fn(&Config, &[AtomicU64], &mut Histogram) -> Run,
}

fn row<Q: Callback>() -> Row {
    Row {
        name: name::<Q>(),
        ours: <Q::Queue as Queue>::NAME.starts_with("bbx_midi::"),
        carries: <Q::Queue as Queue>::CARRIES,
        slot_bytes: Q::SLOT_BYTES,
        run: run::<Q>,
    }
}

/// One queue at one config, pooled over the rounds.
struct Pooled {
    drain_ns: Vec<u64>,
    nonempty_drain_ns: Vec<u64>,
    counts: Vec<u64>,
    /// Per block: cache lines the take needs, and the two conversions of
    /// them to time (see the top of the file).
    lines: Vec<u64>,
    serial_ns: Vec<f64>,
    bound_ns: Vec<f64>,
    /// Each block's drain over its own bound, the bound from the costs
    /// measured around that block's run: the host moves the vCPUs between
    /// runs, so a pooled drain over a pooled bound would mix placements.
    drain_over_bound: Vec<f64>,
    latency: Histogram,
    stalls: u64,
    /// Each round's median drain, for the per-round ratios.
    round_medians: Vec<u64>,
}

impl Pooled {
    fn new() -> Self {
        Self {
            drain_ns: Vec::new(),
            nonempty_drain_ns: Vec::new(),
            counts: Vec::new(),
            lines: Vec::new(),
            serial_ns: Vec::new(),
            bound_ns: Vec::new(),
            drain_over_bound: Vec::new(),
            latency: Histogram::new(),
            stalls: 0,
            round_medians: Vec::new(),
        }
    }

    fn add(&mut self, mut run: Run, slot_bytes: usize, cost: Lines) {
        for (&ns, &n) in run.drain_ns.iter().zip(&run.counts) {
            if n > 0 {
                self.nonempty_drain_ns.push(ns);
            }
            let data = (n as usize * slot_bytes).div_ceil(LINE);
            self.lines.push(1 + data as u64);
            self.serial_ns.push((1 + data) as f64 * cost.trip_ns);
            let copy = if data == 0 {
                0.0
            } else {
                cost.trip_ns.max(data as f64 * cost.stream_ns)
            };
            let bound = cost.trip_ns + copy;
            self.bound_ns.push(bound);
            self.drain_over_bound.push(ns as f64 / bound);
        }
        self.counts.extend_from_slice(&run.counts);
        self.drain_ns.extend_from_slice(&run.drain_ns);
        self.stalls += run.stalls;
        self.round_medians
            .push(quantile(&mut run.drain_ns, 0.5).unwrap_or(0));
    }
}

/// Everything measured at one config.
struct Results {
    config: Config,
    pooled: Vec<Pooled>,
    /// Measured around each run, the smaller of before and after.
    lines: Vec<Lines>,
    /// Runs whose trip before and after differed by more than 2×.
    moved: usize,
    late_ns: Vec<u64>,
}

fn fmt_opt(value: Option<u64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// "median M×, range A× to B×" of per-round ratios.
fn spread(ratios: &mut [f64]) -> String {
    let m = median(ratios);
    format!(
        "median {m:.2}×, range {:.2}× to {:.2}× over {} rounds",
        ratios[0],
        ratios[ratios.len() - 1],
        ratios.len()
    )
}

/// Median and range of `values`, as "M (A to B)" with one decimal.
fn median_range(mut values: Vec<f64>) -> String {
    let m = median(&mut values);
    format!(
        "{m:.1} ({:.1} to {:.1})",
        values[0],
        values[values.len() - 1]
    )
}

/// Ours against the peers `keep` selects: per round, each of our rows and
/// the better of them over the cheapest peer of that round, and our better
/// row over the run's cheapest peer; medians of those per-round ratios.
fn versus(rows: &[Row], results: &mut Results, title: &str, keep: impl Fn(&Row) -> bool) {
    let rounds = results.pooled[0].round_medians.len();
    let peers: Vec<usize> = (0..rows.len())
        .filter(|&i| !rows[i].ours && keep(&rows[i]))
        .collect();
    let ours: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].ours).collect();
    let best_peer_index = peers
        .iter()
        .copied()
        .min_by_key(|&i| quantile(&mut results.pooled[i].drain_ns, 0.5));
    let best_peer_pooled = best_peer_index.map_or("-", |i| rows[i].name.as_str());
    let our_best = ours
        .iter()
        .copied()
        .min_by_key(|&i| quantile(&mut results.pooled[i].drain_ns, 0.5))
        .expect("our rows");
    let round_median = |i: usize, r: usize| results.pooled[i].round_medians[r].max(1) as f64;
    let best_peer = |r: usize| {
        peers
            .iter()
            .map(|&i| round_median(i, r))
            .fold(f64::INFINITY, f64::min)
    };
    let mut better: Vec<f64> = (0..rounds)
        .map(|r| {
            ours.iter()
                .map(|&i| round_median(i, r))
                .fold(f64::INFINITY, f64::min)
                / best_peer(r)
        })
        .collect();
    println!(
        "  {title}: drain median, ours / cheapest peer of each round (< 1: ours cheaper; cheapest over all rounds: {best_peer_pooled})"
    );
    println!("    better of ours:{:>33}{}", "", spread(&mut better));
    for &i in &ours {
        let mut ratios: Vec<f64> = (0..rounds)
            .map(|r| round_median(i, r) / best_peer(r))
            .collect();
        println!("    {:<48}{}", rows[i].name, spread(&mut ratios));
    }
    // The same against one queue in every round, the run's best peer: the
    // cheapest of several noisy figures per round (above) is pulled down by
    // the noise alone where the peers are close, as at 1 k msg/s, where
    // every take is mostly cold state. Our better row is likewise chosen
    // once, by its pooled median.
    if let Some(peer) = best_peer_index {
        let mut ratios: Vec<f64> = (0..rounds)
            .map(|r| round_median(our_best, r) / round_median(peer, r))
            .collect();
        println!(
            "    {} / {best_peer_pooled} (the run's cheapest) in every round: {}",
            rows[our_best].name,
            spread(&mut ratios)
        );
    }
}

fn print_results(rows: &[Row], results: &mut Results) {
    let config = results.config;
    let rate = config.rate;
    let rounds = results.pooled[0].round_medians.len();
    println!(
        "\n== {} msg/s ({} every {:.4} ms), block {} frames at 48 kHz ({:.3} ms): {rounds} rounds × {} blocks ==",
        rate.per_second,
        rate.burst,
        config.burst_every_ns() as f64 / 1e6,
        config.frames,
        config.period_ns() as f64 / 1e6,
        config.blocks - WARMUP,
    );
    println!(
        "cache lines core 0 -> core 1, around each run: one trip {} ns, streamed {} ns/line; \
         trip changed > 2× during {} of {} runs",
        median_range(results.lines.iter().map(|l| l.trip_ns).collect()),
        median_range(results.lines.iter().map(|l| l.stream_ns).collect()),
        results.moved,
        results.lines.len(),
    );
    // The phase: the same bounce as the one-way trip above, as a round trip.
    let round_trips: Vec<f64> = results.lines.iter().map(|l| 2.0 * l.trip_ns).collect();
    println!("{}", phase(&round_trips));
    println!(
        "  {:<48}{:>29}  {:>11}  {:>20}  {:>26}  {:>6}",
        "", "drain per block, ns", "msgs/block", "latency, µs", "cache lines, median", ""
    );
    println!(
        "  {:<48}{:>7} {:>7} {:>7} {:>6}  {:>5} {:>5}  {:>6} {:>6} {:>6}  {:>5} {:>6} {:>6} {:>6}  {:>6}",
        "queue",
        "median",
        "p99",
        "max",
        "n>0",
        "med",
        "max",
        "median",
        "p99",
        "max",
        "lines",
        "serial",
        "bound",
        "drain/",
        "stalls"
    );
    println!(
        "  {:<48}{:>29}  {:>11}  {:>20}  {:>5} {:>6} {:>6} {:>6}",
        "", "", "", "", "", "ns", "ns", "bound"
    );
    for (row, pooled) in rows.iter().zip(&mut results.pooled) {
        let drain_med = quantile(&mut pooled.drain_ns, 0.5);
        let median_ns = |v: &mut Vec<f64>| (!v.is_empty()).then(|| median(v));
        let (serial, bound) = (
            median_ns(&mut pooled.serial_ns),
            median_ns(&mut pooled.bound_ns),
        );
        let ratio = median_ns(&mut pooled.drain_over_bound)
            .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}"));
        let ns = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.0}"));
        println!(
            "{} {:<48}{:>7} {:>7} {:>7} {:>6}  {:>5} {:>5}  {:>6} {:>6} {:>6}  {:>5} {:>6} {:>6} {:>6}  {:>6}",
            if row.ours { '*' } else { ' ' },
            row.name,
            fmt_opt(drain_med),
            fmt_opt(quantile(&mut pooled.drain_ns, 0.99)),
            fmt_opt(quantile(&mut pooled.drain_ns, 1.0)),
            fmt_opt(quantile(&mut pooled.nonempty_drain_ns, 0.5)),
            fmt_opt(quantile(&mut pooled.counts, 0.5)),
            fmt_opt(quantile(&mut pooled.counts, 1.0)),
            fmt_opt(pooled.latency.quantile_us(0.5)),
            fmt_opt(pooled.latency.quantile_us(0.99)),
            if pooled.latency.total == 0 {
                "-".to_owned()
            } else {
                (pooled.latency.max_ns / 1_000).to_string()
            },
            fmt_opt(quantile(&mut pooled.lines, 0.5)),
            ns(serial),
            ns(bound),
            ratio,
            pooled.stalls,
        );
    }

    // Like for like: against the peers carrying `MidiMessage` (and
    // upstream's own message); then against those carrying the 3 wire
    // bytes, which move fewer lines.
    versus(
        rows,
        results,
        "like for like, peers carrying MidiMessage (and upstream)",
        |row| row.carries != Carries::WireBytes,
    );
    versus(
        rows,
        results,
        "peers carrying [u8; 3] (and upstream)",
        |row| row.carries != Carries::Message,
    );
    let late = &mut results.late_ns;
    println!(
        "  callback woke after its due time by: median {} µs, p99 {} µs, max {} µs (every queue's blocks)",
        fmt_opt(quantile(late, 0.5).map(|ns| ns / 1_000)),
        fmt_opt(quantile(late, 0.99).map(|ns| ns / 1_000)),
        fmt_opt(quantile(late, 1.0).map(|ns| ns / 1_000)),
    );
}

type Bytes = [u8; 3];

fn main() {
    CORES.get_or_init(|| core_affinity::get_core_ids().unwrap_or_default());
    pin(0);
    let quick = quick();
    // 11 rounds: a median of 5 per-round ratios moved by 0.3× and more
    // between runs of the same code.
    let rounds = if quick { 1 } else { 11 };
    // About 0.4 s per run in full, 30 blocks in quick mode.
    let blocks = |frames: u64| {
        if quick {
            30
        } else {
            (400_000_000 / (frames * 1_000_000_000 / SAMPLE_RATE)) as usize
        }
    };

    // Arguments select rates ("1k", "30k", "1M") and block sizes ("64",
    // "256"); none selects all. `cargo bench` adds `--bench`.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    for arg in &args {
        let known = RATES.iter().any(|r| r.label.eq_ignore_ascii_case(arg))
            || FRAMES.iter().any(|f| f.to_string() == *arg);
        if !known {
            eprintln!("unknown argument {arg:?}: expected 1k, 30k, 1M, 64 or 256");
            std::process::exit(2);
        }
    }
    let wanted_rate = |r: &Rate| {
        !args
            .iter()
            .any(|a| RATES.iter().any(|r| r.label.eq_ignore_ascii_case(a)))
            || args.iter().any(|a| r.label.eq_ignore_ascii_case(a))
    };
    let wanted_frames = |f: u64| {
        !args
            .iter()
            .any(|a| FRAMES.iter().any(|f| f.to_string() == *a))
            || args.iter().any(|a| f.to_string() == *a)
    };

    let rows = vec![
        row::<adapters::OursPopInto>(),
        row::<adapters::OursTryPop>(),
        row::<adapters::Rtrb<Bytes>>(),
        row::<adapters::Rtrb<MidiMessage>>(),
        row::<adapters::Ringbuf<Bytes>>(),
        row::<adapters::Ringbuf<MidiMessage>>(),
        row::<adapters::Upstream>(),
        row::<adapters::ArrayQueue<Bytes>>(),
        row::<adapters::ArrayQueue<MidiMessage>>(),
    ];
    let mut results: Vec<Results> = RATES
        .iter()
        .filter(|r| wanted_rate(r))
        .flat_map(|&rate| {
            FRAMES
                .iter()
                .filter(|&&f| wanted_frames(f))
                .map(move |&frames| Config {
                    rate,
                    frames,
                    blocks: blocks(frames),
                })
        })
        .map(|config| Results {
            config,
            pooled: rows.iter().map(|_| Pooled::new()).collect(),
            lines: Vec::new(),
            moved: 0,
            late_ns: Vec::new(),
        })
        .collect();
    let longest = results
        .iter()
        .map(|r| r.config.messages())
        .max()
        .unwrap_or(0);
    let sent_at: Vec<AtomicU64> = (0..longest).map(|_| AtomicU64::new(0)).collect();

    // A few ms per measurement at most, before and after each run.
    let (batches, trips) = if quick { (5, 500) } else { (15, 1_000) };
    let mut clock = Vec::new();
    let began = Instant::now();
    for round in 0..rounds {
        clock.extend(clock_overhead_ns(if quick { 10_000 } else { 100_000 }));
        for (c, result) in results.iter_mut().enumerate() {
            for turn in 0..rows.len() {
                let i = (round + c + turn) % rows.len();
                // Around each run: the VM's host moves the two vCPUs
                // between physical cores, and the cost moves with them. The
                // smaller of the two keeps the bound a floor.
                let before = cross_core(batches, trips);
                let run = (rows[i].run)(&result.config, &sent_at, &mut result.pooled[i].latency);
                let after = cross_core(batches, trips);
                let ratio = before.trip_ns / after.trip_ns;
                if !(0.5..=2.0).contains(&ratio) {
                    result.moved += 1;
                }
                let cost = Lines {
                    trip_ns: before.trip_ns.min(after.trip_ns),
                    stream_ns: before.stream_ns.min(after.stream_ns),
                };
                result.lines.push(cost);
                result.late_ns.extend_from_slice(&run.late_ns);
                result.pooled[i].add(run, rows[i].slot_bytes, cost);
            }
        }
        eprintln!(
            "round {}/{rounds} done, {:.0} s",
            round + 1,
            began.elapsed().as_secs_f64()
        );
    }

    println!(
        "callback: what an audio callback pays per block to take its MIDI (capacity {CAPACITY}; \
         producer on core 0, callback on core 1; * = ours)"
    );
    println!(
        "clock: two Instant::now() back to back: median {} ns, p99 {} ns (in every drain figure once)",
        fmt_opt(quantile(&mut clock, 0.5)),
        fmt_opt(quantile(&mut clock, 0.99)),
    );
    println!(
        "lines = 1 + ceil(n × slot bytes / 64); serial = lines × one trip; bound = one trip, + max(one trip, (lines - 1) × streamed) if n > 0; \
         drain/bound = median over blocks of each take over its run's bound; \
         n>0 = drain median of the blocks that took messages"
    );
    for result in &mut results {
        print_results(&rows, result);
    }
}
