//! What the audio callback pays, per block, to take the MIDI due in it
//! from N sources, merged in time order: `MidiStream` with a
//! `BlockScheduler` against what a user would otherwise write.
//!
//! * **ours**: a `StreamSource` per input, `BlockScheduler::begin_block`
//!   and `next_event` until `None`.
//! * **rtrb merge**: an `rtrb` ring per input; per event, the user peeks
//!   every ring's head and pops the earliest if it is due (the obvious
//!   k-way merge), until it is not.
//! * **mpsc sort**: one `std::sync::mpsc` channel for every input (the
//!   standard library's, crossbeam's design since Rust 1.67); per block the
//!   callback drains it into a pending list allocated before the run, sorts
//!   it by stamp (unstable, by stamp, source and sequence), and takes the
//!   due prefix.
//! * **mutex sort**: JUCE's `MidiMessageCollector` design: each input
//!   locks a `Mutex<Vec>` and pushes; per block the callback swaps the
//!   vector out under the lock, appends it to its pending list, sorts, and
//!   takes the due prefix.
//!
//! Every implementation places events with a `BlockScheduler` (ours
//! through `next_event`, the others through `schedule`, which is there
//! for events kept elsewhere), each event `latency` after its stamp (a
//! block plus 1 ms), so the figures differ by the queues and the merge
//! only; each event taken is checked
//! after the timed region (per source, in order, none lost, none twice:
//! an implementation that loses cannot post a figure).
//!
//! **Threads.** One producer thread, pinned to core 0, owns every input:
//! it sends at the total rate (1 k or 30 k msg/s), evenly spaced, to the
//! inputs in turn, stamping each message with the shared clock as it
//! sends; it spins on the clock between sends. (One thread per input
//! would put N threads on the machine's other core anyway: it has two.)
//! The audio thread, pinned to core 1, wakes once per block of 64 or 256
//! frames at 48 kHz (sleeps until 200 µs before the block, spins the
//! rest, as `callback.rs` does) and takes everything due; only the take is
//! timed, between two `Instant::now()` reads whose own cost is printed and
//! is in every figure.
//!
//! **Figures.** Per block: median and p99 of the take over every counted
//! block of every round; per event: the sum of the takes over the events
//! taken (empty blocks included: what the callback pays per message).
//! The machine is a shared 2-vCPU VM that moves between fast and slow
//! phases: every round runs every configuration, each implementation once
//! in a rotating order, and ratios are medians of per-round ratios.
//!
//! **One thread.** First, the measurement issue 26 quoted: one thread,
//! every source empty but the first, 32 (or 4) events per 256-frame
//! block, sent just before the block, median take per block.
//!
//! ```text
//! cargo bench -p bbx_midi_benches --bench stream          # about 3 min
//! BENCH_QUICK=1 cargo bench -p bbx_midi_benches --bench stream   # CI, ~15 s
//! cargo bench -p bbx_midi_benches --bench stream one-thread   # the first table only
//! ```

use std::hint::{black_box, spin_loop};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bbx_midi::{BlockScheduler, Event, MidiMessage, MidiStream, StreamSource};

const SAMPLE_RATE: u64 = 48_000;
/// Room per input: far more than waits at 30 k msg/s on one input.
const CAPACITY: usize = 4096;
const SPIN: Duration = Duration::from_micros(200);
/// From the threads' start to the first message and block.
const LEAD: Duration = Duration::from_millis(3);
/// Blocks at the start of a run that are checked but not counted.
const WARMUP: usize = 4;
const SOURCES: [usize; 4] = [1, 4, 16, 64];
const RATES: [u64; 2] = [1_000, 30_000];
const FRAMES: [u64; 2] = [64, 256];
/// Sequence numbers travel in a Pitch Bend's 14 bits.
const SEQ_MASK: u32 = (1 << 14) - 1;

fn quick() -> bool {
    std::env::var_os("BENCH_QUICK").is_some()
}

/// One message as the alternatives carry it: stamp, input, sequence
/// number within the input, and the MIDI bytes.
#[derive(Clone, Copy, Debug, Default)]
struct Msg {
    time: u32,
    source: u16,
    seq: u16,
    bytes: [u8; 3],
}

/// An event taken, for the check after the timed region.
#[derive(Clone, Copy, Debug, Default)]
struct Taken {
    source: u32,
    seq: u32,
    frame: u32,
}

/// A Pitch Bend carrying `seq` in its 14 bits.
fn note(seq: u32) -> MidiMessage {
    MidiMessage::pitch_bend_change(0, (seq & SEQ_MASK) as u16).expect("14 bits")
}

fn seq_of(message: MidiMessage) -> u32 {
    u32::from(message.pitch_bend().unwrap_or(u16::MAX))
}

/// The shared clock, in microseconds modulo 2³².
#[derive(Clone, Copy)]
struct Clock(Instant);

impl Clock {
    fn now_us(&self) -> u32 {
        self.0.elapsed().as_micros() as u32
    }
    fn at_us(&self, t: Instant) -> u32 {
        t.saturating_duration_since(self.0).as_micros() as u32
    }
}

/// An implementation: its inputs' sending ends and the audio thread's end.
trait Merge: Send + 'static {
    type Tx: Send + 'static;
    const NAME: &'static str;
    fn make(sources: usize, latency: u32) -> (Vec<Self::Tx>, Self);
    fn send(tx: &mut Self::Tx, source: u16, seq: u32, time: u32);
    /// Takes everything due in the block starting at `now` into `out`.
    fn take(&mut self, now: u64, frames: usize, out: &mut Vec<Taken>);
}

struct Ours {
    stream: MidiStream,
    scheduler: BlockScheduler,
}

impl Merge for Ours {
    type Tx = StreamSource;
    const NAME: &'static str = "ours";
    fn make(sources: usize, latency: u32) -> (Vec<StreamSource>, Self) {
        let (txs, stream) = MidiStream::builder()
            .capacity(CAPACITY)
            .build_sources(sources);
        let scheduler = BlockScheduler::new(SAMPLE_RATE as f64, latency);
        (txs, Self { stream, scheduler })
    }
    fn send(tx: &mut StreamSource, _: u16, seq: u32, time: u32) {
        assert!(tx.try_send_at(note(seq), u64::from(time)), "full");
    }
    #[inline]
    fn take(&mut self, now: u64, frames: usize, out: &mut Vec<Taken>) {
        self.scheduler.begin_block(now, frames);
        while let Some(s) = self.scheduler.next_event(&mut self.stream) {
            if let Event::Message(m) = s.event {
                out.push(Taken {
                    source: s.source as u32,
                    seq: seq_of(m),
                    frame: s.frame as u32,
                });
            }
        }
    }
}

struct RtrbMerge {
    rings: Vec<rtrb::Consumer<Msg>>,
    scheduler: BlockScheduler,
}

impl Merge for RtrbMerge {
    type Tx = rtrb::Producer<Msg>;
    const NAME: &'static str = "rtrb merge";
    fn make(sources: usize, latency: u32) -> (Vec<Self::Tx>, Self) {
        let (txs, rings) = (0..sources)
            .map(|_| rtrb::RingBuffer::new(CAPACITY))
            .unzip();
        let scheduler = BlockScheduler::new(SAMPLE_RATE as f64, latency);
        (txs, Self { rings, scheduler })
    }
    fn send(tx: &mut Self::Tx, source: u16, seq: u32, time: u32) {
        assert!(tx.push(msg(source, seq, time)).is_ok(), "full");
    }
    #[inline]
    fn take(&mut self, now: u64, frames: usize, out: &mut Vec<Taken>) {
        self.scheduler.begin_block(now, frames);
        loop {
            // The earliest head of all rings (the lower ring on a tie).
            let mut best: Option<(usize, u32)> = None;
            for (i, ring) in self.rings.iter().enumerate() {
                if let Ok(m) = ring.peek() {
                    if best.is_none_or(|(_, t)| (m.time.wrapping_sub(t) as i32) < 0) {
                        best = Some((i, m.time));
                    }
                }
            }
            let Some((i, time)) = best else { break };
            // Due in this block, or left in its ring.
            let Some(frame) = self.scheduler.schedule(time) else {
                break;
            };
            let Ok(m) = self.rings[i].pop() else { break };
            out.push(Taken {
                source: u32::from(m.source),
                seq: seq_of(MidiMessage::parse(&m.bytes).expect("a message")),
                frame: frame as u32,
            });
        }
    }
}

/// What the sorting alternatives share: the events received and not yet
/// due, sorted per block, placed by a `BlockScheduler` as ours are.
struct Pending {
    list: Vec<Msg>,
    scheduler: BlockScheduler,
}

impl Pending {
    fn new(latency: u32) -> Self {
        Self {
            list: Vec::with_capacity(1 << 16),
            scheduler: BlockScheduler::new(SAMPLE_RATE as f64, latency),
        }
    }
    #[inline]
    fn take_due(&mut self, now: u64, frames: usize, out: &mut Vec<Taken>) {
        self.scheduler.begin_block(now, frames);
        // Stamps of one run do not wrap: a plain sort; ties by input, then
        // in the input's order.
        self.list
            .sort_unstable_by_key(|m| (m.time, m.source, m.seq));
        let mut due = 0;
        for m in &self.list {
            let Some(frame) = self.scheduler.schedule(m.time) else {
                break;
            };
            out.push(Taken {
                source: u32::from(m.source),
                seq: seq_of(MidiMessage::parse(&m.bytes).expect("a message")),
                frame: frame as u32,
            });
            due += 1;
        }
        self.list.drain(..due);
    }
}

fn msg(source: u16, seq: u32, time: u32) -> Msg {
    let message = note(seq);
    let b = message.as_bytes();
    Msg {
        time,
        source,
        seq: seq as u16,
        bytes: [b[0], b[1], b[2]],
    }
}

struct MpscSort {
    rx: mpsc::Receiver<Msg>,
    pending: Pending,
}

impl Merge for MpscSort {
    type Tx = mpsc::Sender<Msg>;
    const NAME: &'static str = "mpsc sort";
    fn make(sources: usize, latency: u32) -> (Vec<Self::Tx>, Self) {
        let (tx, rx) = mpsc::channel();
        let txs = (0..sources).map(|_| tx.clone()).collect();
        (
            txs,
            Self {
                rx,
                pending: Pending::new(latency),
            },
        )
    }
    fn send(tx: &mut Self::Tx, source: u16, seq: u32, time: u32) {
        tx.send(msg(source, seq, time)).expect("the receiver lives");
    }
    #[inline]
    fn take(&mut self, now: u64, frames: usize, out: &mut Vec<Taken>) {
        while let Ok(m) = self.rx.try_recv() {
            self.pending.list.push(m);
        }
        self.pending.take_due(now, frames, out);
    }
}

struct MutexSort {
    shared: Arc<Mutex<Vec<Msg>>>,
    incoming: Vec<Msg>,
    pending: Pending,
}

impl Merge for MutexSort {
    type Tx = Arc<Mutex<Vec<Msg>>>;
    const NAME: &'static str = "mutex sort";
    fn make(sources: usize, latency: u32) -> (Vec<Self::Tx>, Self) {
        let shared = Arc::new(Mutex::new(Vec::with_capacity(1 << 16)));
        let txs = (0..sources).map(|_| Arc::clone(&shared)).collect();
        (
            txs,
            Self {
                shared,
                incoming: Vec::with_capacity(1 << 16),
                pending: Pending::new(latency),
            },
        )
    }
    fn send(tx: &mut Self::Tx, source: u16, seq: u32, time: u32) {
        tx.lock()
            .expect("not poisoned")
            .push(msg(source, seq, time));
    }
    #[inline]
    fn take(&mut self, now: u64, frames: usize, out: &mut Vec<Taken>) {
        std::mem::swap(
            &mut *self.shared.lock().expect("not poisoned"),
            &mut self.incoming,
        );
        self.pending.list.append(&mut self.incoming);
        self.pending.take_due(now, frames, out);
    }
}

/// One configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Config {
    sources: usize,
    rate: u64,
    frames: u64,
}

impl Config {
    fn block_ns(&self) -> u64 {
        self.frames * 1_000_000_000 / SAMPLE_RATE
    }
    fn latency_us(&self) -> u32 {
        (self.block_ns() / 1_000) as u32 + 1_000
    }
}

/// What a run measured: each counted block's take (ns) and events.
#[derive(Default, Clone)]
struct Run {
    blocks: Vec<(f64, u32)>,
}

impl Run {
    fn events(&self) -> u64 {
        self.blocks.iter().map(|&(_, n)| u64::from(n)).sum()
    }
    fn per_event(&self) -> f64 {
        let total: f64 = self.blocks.iter().map(|&(ns, _)| ns).sum();
        total / self.events().max(1) as f64
    }
    fn median(&self) -> f64 {
        percentile(
            &mut self.blocks.iter().map(|&(ns, _)| ns).collect::<Vec<_>>(),
            0.5,
        )
    }
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

fn pin(core: usize) {
    if let Some(cores) = core_affinity::get_core_ids() {
        if let Some(&id) = cores.get(core % cores.len().max(1)) {
            core_affinity::set_for_current(id);
        }
    }
}

/// Runs one implementation in one configuration for `seconds`.
fn run<M: Merge>(config: Config, seconds: f64) -> Run {
    let (mut txs, mut merge) = M::make(config.sources, config.latency_us());
    let clock = Clock(Instant::now());
    let barrier = Arc::new(Barrier::new(2));
    let period = Duration::from_nanos(1_000_000_000 / config.rate);
    let block = Duration::from_nanos(config.block_ns());
    let blocks = (seconds * 1e9 / config.block_ns() as f64) as usize + WARMUP;
    let start = Instant::now() + LEAD;
    let end = start + block * blocks as u32;
    let sources = config.sources;
    let producer = {
        let barrier = Arc::clone(&barrier);
        thread::spawn(move || {
            pin(0);
            barrier.wait();
            let mut seqs = vec![0u32; sources];
            let mut k = 0u64;
            loop {
                let due = start + period * k as u32;
                if due >= end {
                    break;
                }
                while Instant::now() < due {
                    spin_loop();
                }
                let source = (k % sources as u64) as usize;
                let seq = seqs[source];
                M::send(&mut txs[source], source as u16, seq, clock.now_us());
                seqs[source] = (seq + 1) & SEQ_MASK;
                k += 1;
            }
            (k, txs)
        })
    };
    let consumer = thread::spawn(move || {
        pin(1);
        barrier.wait();
        let mut out: Vec<Taken> = Vec::with_capacity(1 << 16);
        let mut expected = vec![0u32; sources];
        let mut received = 0u64;
        let mut result = Run::default();
        result.blocks.reserve(blocks);
        let check = |out: &mut Vec<Taken>, expected: &mut Vec<u32>| {
            for t in out.iter() {
                let e = &mut expected[t.source as usize];
                assert_eq!(
                    t.seq,
                    *e,
                    "{}: input {} out of order or lost",
                    M::NAME,
                    t.source
                );
                assert!(
                    u64::from(t.frame) < config.frames,
                    "{}: frame {}",
                    M::NAME,
                    t.frame
                );
                *e = (*e + 1) & SEQ_MASK;
            }
            let n = out.len() as u64;
            out.clear();
            n
        };
        for b in 0..blocks {
            let due = start + block * b as u32;
            if let Some(wait) = due.checked_duration_since(Instant::now() + SPIN) {
                thread::sleep(wait);
            }
            while Instant::now() < due {
                spin_loop();
            }
            let t0 = Instant::now();
            let now = clock.at_us(t0);
            merge.take(u64::from(now), config.frames as usize, &mut out);
            let ns = t0.elapsed().as_nanos() as f64;
            let n = out.len() as u32;
            received += check(&mut out, &mut expected);
            if b >= WARMUP {
                result.blocks.push((ns, n));
            }
        }
        (received, result, merge)
    });
    let (sent, txs) = producer.join().expect("producer");
    let (mut received, result, mut merge) = consumer.join().expect("consumer");
    // Drain what is left (not timed), with the inputs still alive, and
    // check that nothing was lost.
    let mut out = Vec::new();
    let clock_end = clock.now_us();
    for i in 1..=64u64 {
        // A block every second, past every stamp: all is due.
        merge.take(
            u64::from(clock_end) + i * 1_000_000,
            config.frames as usize,
            &mut out,
        );
    }
    received += out.len() as u64;
    assert_eq!(received, sent, "{}: {config:?} lost messages", M::NAME);
    drop(txs);
    result
}

const NAMES: [&str; 4] = [Ours::NAME, RtrbMerge::NAME, MpscSort::NAME, MutexSort::NAME];

fn run_nth(i: usize, config: Config, seconds: f64) -> Run {
    match i {
        0 => run::<Ours>(config, seconds),
        1 => run::<RtrbMerge>(config, seconds),
        2 => run::<MpscSort>(config, seconds),
        _ => run::<MutexSort>(config, seconds),
    }
}

/// The issue's measurement: one thread, every source empty but the first,
/// `events` events per 256-frame block; median take per block.
fn one_thread(sources: usize, events: usize, blocks: usize) -> f64 {
    let (mut txs, mut stream) = MidiStream::builder().capacity(256).build_sources(sources);
    let mut scheduler = BlockScheduler::new(48_000.0, 0);
    let block_us = 256 * 1_000_000 / 48_000u64;
    let mut takes = Vec::with_capacity(blocks);
    for b in 0..blocks as u64 + 50 {
        let start = 1_000_000 + b * block_us;
        for e in 0..events as u64 {
            txs[0].try_send_at(
                MidiMessage::TIMING_CLOCK,
                start + e * block_us / events as u64,
            );
        }
        let t0 = Instant::now();
        scheduler.begin_block(start, 256);
        let mut n = 0;
        while let Some(s) = scheduler.next_event(&mut stream) {
            n += s.frame;
        }
        let ns = t0.elapsed().as_nanos() as f64;
        black_box(n);
        if b >= 50 {
            takes.push(ns);
        }
    }
    percentile(&mut takes, 0.5)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    let quick = quick();
    let rounds = if quick { 1 } else { 5 };
    let seconds = if quick { 0.06 } else { 0.4 };
    println!("load average at start: {}", load());
    let clock_cost = {
        let mut v: Vec<f64> = (0..10_000)
            .map(|_| {
                let t = Instant::now();
                t.elapsed().as_nanos() as f64
            })
            .collect();
        percentile(&mut v, 0.5)
    };
    println!("two clock reads back to back: {clock_cost:.0} ns (in every figure)\n");

    // One thread, as issue 26 measured it.
    let only = std::env::var("STREAM_ONLY").ok();
    println!(
        "one thread, sources empty but the first, 256-frame blocks: median take per block (per event)"
    );
    println!(
        "{:>8} {:>22} {:>22}",
        "sources", "32 events a block", "4 events a block"
    );
    let st_blocks = if quick { 300 } else { 3_000 };
    let mut st = Vec::new();
    for sources in [1, 8, 16, 32, 64] {
        if only.is_some() {
            break;
        }
        let a = one_thread(sources, 32, st_blocks);
        let b = one_thread(sources, 4, st_blocks);
        st.push((sources, a, b));
        println!(
            "{sources:>8} {:>11.0} ns ({:>4.1}) {:>11.0} ns ({:>5.1})",
            a,
            a / 32.0,
            b,
            b / 4.0
        );
    }
    if let (Some(&(_, a1, b1)), Some(&(_, a64, b64))) = (st.first(), st.last()) {
        println!(
            "64 sources / 1 source, per event: {:.2}x (32 a block), {:.2}x (4 a block)\n",
            a64 / a1,
            b64 / b1
        );
    }

    if std::env::args().any(|a| a == "one-thread") {
        return;
    }
    let mut configs = Vec::new();
    for &rate in &RATES {
        for &frames in &FRAMES {
            for &sources in &SOURCES {
                configs.push(Config {
                    sources,
                    rate,
                    frames,
                });
            }
        }
    }
    // `STREAM_ONLY=sources:rate:frames` (e.g. 64:30000:256) runs one
    // configuration, and that with one input beside it for the ratio.
    if let Some(only) = &only {
        let v: Vec<u64> = only.split(':').filter_map(|x| x.parse().ok()).collect();
        if let [sources, rate, frames] = v[..] {
            configs.retain(|c| {
                c.rate == rate && c.frames == frames && [1, sources as usize].contains(&c.sources)
            });
        }
    }
    // results[config][impl]: pooled runs and per-round figures.
    let mut pooled: Vec<Vec<Run>> = vec![vec![Run::default(); 4]; configs.len()];
    let mut rounds_of: Vec<Vec<[(f64, f64); 4]>> = vec![Vec::new(); configs.len()];
    for round in 0..rounds {
        eprintln!("round {} of {rounds} (load {})", round + 1, load());
        for (c, &config) in configs.iter().enumerate() {
            let mut figures = [(0.0, 0.0); 4];
            for k in 0..4 {
                let i = (k + round + c) % 4;
                let r = run_nth(i, config, seconds);
                figures[i] = (r.median(), r.per_event());
                pooled[c][i].blocks.extend_from_slice(&r.blocks);
            }
            rounds_of[c].push(figures);
        }
    }

    println!(
        "{rounds} round(s) of {seconds} s a run; take per block: median / p99 ns; per event: ns"
    );
    for &rate in &RATES {
        for &frames in &FRAMES {
            let Some(one) = configs
                .iter()
                .position(|c| c.rate == rate && c.frames == frames && c.sources == 1)
            else {
                continue;
            };
            println!(
                "\n{} msg/s, {frames}-frame blocks",
                if rate == 1_000 { "1 k" } else { "30 k" }
            );
            print!("{:>7} {:>7}", "sources", "ev/blk");
            for name in NAMES {
                print!(" {:>24}", name);
            }
            println!(" {:>10} {:>10}", "ours/best", "ours/N=1");
            for (c, config) in configs.iter().enumerate() {
                if config.rate != rate || config.frames != frames {
                    continue;
                }
                let runs = &pooled[c];
                let blocks = runs[0].blocks.len().max(1);
                print!(
                    "{:>7} {:>7.2}",
                    config.sources,
                    runs[0].events() as f64 / blocks as f64
                );
                for run in runs {
                    let mut v: Vec<f64> = run.blocks.iter().map(|&(ns, _)| ns).collect();
                    let med = percentile(&mut v, 0.5);
                    let p99 = percentile(&mut v, 0.99);
                    print!(" {:>7.0} /{:>7.0} ({:>5.0})", med, p99, run.per_event());
                }
                // Per round: ours' median block over the best other's.
                let mut vs_best: Vec<f64> = rounds_of[c]
                    .iter()
                    .map(|f| f[0].0 / f[1..].iter().map(|x| x.0).fold(f64::INFINITY, f64::min))
                    .collect();
                // Per round: ours per event here over ours per event with one input.
                let mut vs_one: Vec<f64> = rounds_of[c]
                    .iter()
                    .zip(&rounds_of[one])
                    .map(|(f, g)| f[0].1 / g[0].1)
                    .collect();
                println!(
                    " {:>9.2}x {:>9.2}x",
                    percentile(&mut vs_best, 0.5),
                    percentile(&mut vs_one, 0.5)
                );
            }
        }
    }
    println!("\nload average at end: {}", load());
}
