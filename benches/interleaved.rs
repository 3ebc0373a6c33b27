//! Every comparison column with the queues taking turns.
//!
//! Criterion measures one queue after another, so on a shared machine whose
//! speed moves between phases lasting seconds, a slow phase can land on one
//! queue only. Here every round runs each queue once per column on a fresh
//! buffer, each round starting one queue later than the last, and every
//! ratio is taken within a round and then its median over the rounds:
//! drift between rounds cancels out of them. Never a ratio of medians.
//!
//! Like for like: the typed `midi_buffer` carries the 4-byte
//! `MidiMessage`, so every peer runs twice, carrying `MidiMessage` (built
//! with `MidiMessage::new`, read with `as_bytes`, as the typed row is) and
//! carrying the raw `[u8; 3]`. The typed buffer is compared with the peers
//! carrying `MidiMessage`, our generic ring carrying `[u8; 3]` with the
//! peers carrying `[u8; 3]`; upstream `bbx_midi` (its own 12-byte message)
//! is a peer of both. Each comparison is printed against each round's best
//! peer and against the run's best peer (the highest median) in every
//! round; then the typed buffer against our own ring's other rows.
//!
//! The host's phase is measured at the start of every round (a round trip
//! between the two cores, `common::round_trip_ns`) and printed beside every
//! table; the last table sums the columns up with it. The consumer checks
//! every item's sequence number.
//!
//! ```text
//! cargo bench -p bbx_midi_benches --bench interleaved
//! ```

use std::hint::{black_box, spin_loop};
use std::time::Instant;

use bbx_midi::MidiMessage;

mod common;
use common::{
    BatchQueue, CORES, Carries, Consumer, FAST_NS, Queue, SEQ_MASK, SLICE, SLOW_NS, check, median,
    phase, pop_checked, pop_slice_checked, push_all, push_slices, queues, round_trip_ns,
};

/// `BENCH_QUICK=1` (used by CI to check that the harness runs and every
/// queue passes its checks) makes the whole run a few seconds.
fn quick() -> bool {
    std::env::var_os("BENCH_QUICK").is_some()
}

/// Two threads, each pinned: this one pushes `n` numbered messages as fast
/// as it can, the consumer pops and checks them one by one. Messages/s.
fn throughput<Q: Queue, const CAPACITY: usize>(n: u64) -> f64 {
    let (mut tx, mut rx) = Q::channel(CAPACITY);
    let consumer = Consumer::spawn(move |received| pop_checked::<Q>(&mut rx, received));
    consumer.expect(n);
    let start = Instant::now();
    push_all::<Q>(&mut tx, 0..n);
    consumer.wait_for(n);
    n as f64 / start.elapsed().as_secs_f64()
}

/// Ping-pong over two queues of capacity 64 between the two cores. Round
/// trips/s.
fn round_trip<Q: Queue>(n: u64) -> f64 {
    let (mut ping_tx, mut ping_rx) = Q::channel(64);
    let (mut pong_tx, mut pong_rx) = Q::channel(64);
    let echo = Consumer::spawn(move |_| match Q::pop(&mut ping_rx) {
        Some(seq) => {
            while !Q::push(&mut pong_tx, seq) {
                spin_loop();
            }
            1
        }
        None => 0,
    });
    echo.expect(n);
    let start = Instant::now();
    for seq in 0..n {
        assert!(Q::push(&mut ping_tx, seq as u32));
        let back = loop {
            if let Some(back) = Q::pop(&mut pong_rx) {
                break back;
            }
            spin_loop();
        };
        check::<Q>(seq, Some(back), seq as u32 & SEQ_MASK);
    }
    let elapsed = start.elapsed();
    echo.wait_for(n);
    n as f64 / elapsed.as_secs_f64()
}

/// One thread, as an audio callback would: push 64, pop and check 64, `n`
/// times over. Messages/s.
fn burst<Q: Queue>(n: u64) -> f64 {
    let (mut tx, mut rx) = Q::channel(64);
    let start = Instant::now();
    for burst in 0..n {
        let first = (burst * 64) as u32;
        for i in 0..64 {
            assert!(Q::push(&mut tx, first.wrapping_add(i)));
        }
        for i in 0..64 {
            let expected = first.wrapping_add(i) & SEQ_MASK;
            check::<Q>(u64::from(i), Q::pop(&mut rx), expected);
        }
    }
    (n * 64) as f64 / start.elapsed().as_secs_f64()
}

/// `try_pop` on an empty queue, `n` times: what the audio thread pays every
/// block with no MIDI. Polls/s.
fn empty_poll<Q: Queue>(n: u64) -> f64 {
    let (_tx, mut rx) = Q::channel(64);
    let start = Instant::now();
    for _ in 0..n {
        if Q::pop(black_box(&mut rx)).is_some() {
            panic!("{}: an empty queue gave an item", Q::NAME);
        }
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Two threads moving 64-message slices through capacity 4096: the
/// producer pushes slices, the consumer pops up to 64 at a time and checks
/// each. Messages/s.
fn batch<Q: BatchQueue>(n: u64) -> f64 {
    let n = n / SLICE as u64 * SLICE as u64;
    let (mut tx, mut rx) = Q::channel(4096);
    let mut out = [Q::Item::default(); SLICE];
    let consumer =
        Consumer::spawn(move |received| pop_slice_checked::<Q>(&mut rx, &mut out, received));
    consumer.expect(n);
    let start = Instant::now();
    push_slices::<Q>(&mut tx, 0..n);
    consumer.wait_for(n);
    n as f64 / start.elapsed().as_secs_f64()
}

struct Row {
    name: &'static str,
    carries: Carries,
    run: fn(u64) -> f64,
    results: Vec<f64>,
}

impl Row {
    fn ours(&self) -> bool {
        self.name.starts_with("bbx_midi::")
    }
}

fn row<Q: Queue>(run: fn(u64) -> f64) -> Row {
    Row {
        name: Q::NAME,
        carries: Q::CARRIES,
        run,
        results: Vec::new(),
    }
}

const GENERIC: &str = queues::Ours::NAME;
const TYPED: &str = queues::OursMidi::NAME;

/// Every queue's row for `$run`: ours first (the generic ring carrying the
/// wire bytes and `MidiMessage`, the typed buffer), then each peer carrying
/// the wire bytes and `MidiMessage`, then upstream with its own message.
macro_rules! all_queues {
    ($run:ident $(, $capacity:literal)?) => {
        vec![
            row::<queues::Ours>($run::<queues::Ours $(, $capacity)?>),
            row::<queues::Spsc<MidiMessage>>($run::<queues::Spsc<MidiMessage> $(, $capacity)?>),
            row::<queues::OursMidi>($run::<queues::OursMidi $(, $capacity)?>),
            row::<queues::Rtrb<Bytes>>($run::<queues::Rtrb<Bytes> $(, $capacity)?>),
            row::<queues::Rtrb<MidiMessage>>($run::<queues::Rtrb<MidiMessage> $(, $capacity)?>),
            row::<queues::Ringbuf<Bytes>>($run::<queues::Ringbuf<Bytes> $(, $capacity)?>),
            row::<queues::Ringbuf<MidiMessage>>($run::<queues::Ringbuf<MidiMessage> $(, $capacity)?>),
            row::<queues::ArrayQueue<Bytes>>($run::<queues::ArrayQueue<Bytes> $(, $capacity)?>),
            row::<queues::ArrayQueue<MidiMessage>>($run::<queues::ArrayQueue<MidiMessage> $(, $capacity)?>),
            row::<queues::StdSync<Bytes>>($run::<queues::StdSync<Bytes> $(, $capacity)?>),
            row::<queues::StdSync<MidiMessage>>($run::<queues::StdSync<MidiMessage> $(, $capacity)?>),
            row::<queues::Upstream>($run::<queues::Upstream $(, $capacity)?>),
        ]
    };
}

type Bytes = [u8; 3];

/// A median ratio and its range, as printed.
fn spread(ratios: &mut [f64]) -> String {
    let m = median(ratios);
    format!(
        "median {m:.2}×, range {:.2}× to {:.2}×",
        ratios[0],
        ratios[ratios.len() - 1]
    )
}

/// One comparison of ours against a group of peers, per round.
struct Versus {
    /// Ours / the best of the group in each round.
    each_round: Vec<f64>,
    /// Ours / the group's best over the run (highest median), every round.
    run_best: Vec<f64>,
    run_best_name: &'static str,
}

impl Versus {
    /// `ours` (a row index) against the peers `keep` selects.
    fn new(rows: &[Row], ours: usize, keep: impl Fn(&Row) -> bool) -> Self {
        let peers: Vec<usize> = (0..rows.len())
            .filter(|&i| !rows[i].ours() && keep(&rows[i]))
            .collect();
        let rounds = rows[ours].results.len();
        let each_round = (0..rounds)
            .map(|r| {
                let best = peers
                    .iter()
                    .map(|&i| rows[i].results[r])
                    .fold(0.0, f64::max);
                rows[ours].results[r] / best
            })
            .collect();
        // The best of several noisy figures in each round is pushed up by
        // the noise alone where peers are close; the run's best peer, one
        // queue in every round, is not. Both are printed (benches/README.md).
        let run_best = *peers
            .iter()
            .max_by(|&&a, &&b| {
                median(&mut rows[a].results.clone())
                    .total_cmp(&median(&mut rows[b].results.clone()))
            })
            .expect("a peer row");
        Self {
            each_round,
            run_best: (0..rounds)
                .map(|r| rows[ours].results[r] / rows[run_best].results[r])
                .collect(),
            run_best_name: rows[run_best].name,
        }
    }
}

/// What one column found, for the summary at the end.
struct Summary {
    title: &'static str,
    round_trips_ns: Vec<f64>,
    typed: (f64, f64, &'static str),
    generic: (f64, f64, &'static str),
}

/// Runs one column: `rounds` rounds, each queue once per round in a
/// rotating order (each round starts one queue later), `n` operations
/// each, and the host's phase measured at the start of every round; prints
/// the figures and the medians of per-round ratios.
fn column(
    title: &'static str,
    unit: &str,
    scale: f64,
    rounds: usize,
    n: u64,
    mut rows: Vec<Row>,
) -> Summary {
    let mut round_trips_ns = Vec::with_capacity(rounds);
    for round in 0..rounds {
        round_trips_ns.push(round_trip_ns());
        let count = rows.len();
        for turn in 0..count {
            let row = &mut rows[(round + turn) % count];
            let figure = (row.run)(n);
            row.results.push(figure);
        }
    }
    let index = |name: &str| rows.iter().position(|r| r.name == name).expect("our row");
    let (generic, typed) = (index(GENERIC), index(TYPED));
    // Like for like: the typed buffer against the peers carrying its
    // `MidiMessage`, the generic ring against those carrying the wire
    // bytes; upstream, with a message of its own, is a peer of both.
    let mut typed_vs = Versus::new(&rows, typed, |r| r.carries != Carries::WireBytes);
    let mut generic_vs = Versus::new(&rows, generic, |r| r.carries != Carries::Message);
    // The typed buffer against each of our other rows: what the typed layer
    // costs over the same ring carrying the same item, and the parts of it.
    let mut parts: Vec<(&str, Vec<f64>)> = (0..rows.len())
        .filter(|&i| rows[i].ours() && i != typed)
        .map(|i| {
            let ratios = (0..rounds)
                .map(|r| rows[typed].results[r] / rows[i].results[r])
                .collect();
            (rows[i].name, ratios)
        })
        .collect();

    println!(
        "\n{title}: {rounds} rounds of {n}, each queue once per round, each round starting one queue later (higher is better)"
    );
    println!("  {}", phase(&round_trips_ns));
    for row in &mut rows {
        let mark = if row.ours() { '*' } else { ' ' };
        let m = median(&mut row.results) * scale;
        println!(" {mark} {:<42} {m:>10.2} {unit} (median)", row.name);
    }
    println!(
        "  medians of per-round ratios; like for like, peers carrying MidiMessage (and upstream):"
    );
    println!(
        "    {TYPED} / best peer of each round: {}",
        spread(&mut typed_vs.each_round)
    );
    println!(
        "    {TYPED} / {} (the run's best peer): {}",
        typed_vs.run_best_name,
        spread(&mut typed_vs.run_best)
    );
    println!("  peers carrying [u8; 3] (and upstream):");
    println!(
        "    {GENERIC} / best peer of each round: {}",
        spread(&mut generic_vs.each_round)
    );
    println!(
        "    {GENERIC} / {} (the run's best peer): {}",
        generic_vs.run_best_name,
        spread(&mut generic_vs.run_best)
    );
    println!("  the typed layer over our own ring:");
    for (name, ratios) in &mut parts {
        println!("    {TYPED} / {name}: {}", spread(ratios));
    }
    Summary {
        title,
        round_trips_ns,
        typed: (
            median(&mut typed_vs.each_round),
            median(&mut typed_vs.run_best),
            typed_vs.run_best_name,
        ),
        generic: (
            median(&mut generic_vs.each_round),
            median(&mut generic_vs.run_best),
            generic_vs.run_best_name,
        ),
    }
}

fn main() {
    CORES.get_or_init(|| core_affinity::get_core_ids().unwrap_or_default());
    // Quick mode only checks that it all runs: 3 rounds, 1/50 of the work.
    let rounds = if quick() { 3 } else { 101 };
    let n = |full: u64| if quick() { full / 50 } else { full };
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let wanted = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    let mut summaries = Vec::new();
    if wanted("throughput") {
        summaries.push(column(
            "two-thread throughput, capacity 64",
            "M msg/s",
            1e-6,
            rounds,
            n(1_000_000),
            all_queues!(throughput, 64),
        ));
        summaries.push(column(
            "two-thread throughput, capacity 4096",
            "M msg/s",
            1e-6,
            rounds,
            n(1_000_000),
            all_queues!(throughput, 4096),
        ));
    }
    if wanted("batch") {
        summaries.push(column(
            "batch: 64-message slices, two threads, capacity 4096",
            "M msg/s",
            1e-6,
            rounds,
            n(1_000_000),
            vec![
                row::<queues::Ours>(batch::<queues::Ours>),
                row::<queues::Spsc<MidiMessage>>(batch::<queues::Spsc<MidiMessage>>),
                row::<queues::Spsc<[u8; 4]>>(batch::<queues::Spsc<[u8; 4]>>),
                row::<queues::OursMidi>(batch::<queues::OursMidi>),
                row::<queues::Rtrb<Bytes>>(batch::<queues::Rtrb<Bytes>>),
                row::<queues::Rtrb<MidiMessage>>(batch::<queues::Rtrb<MidiMessage>>),
                row::<queues::Ringbuf<Bytes>>(batch::<queues::Ringbuf<Bytes>>),
                row::<queues::Ringbuf<MidiMessage>>(batch::<queues::Ringbuf<MidiMessage>>),
            ],
        ));
    }
    if wanted("round_trip") {
        summaries.push(column(
            "round trip between the two cores",
            "k trips/s",
            1e-3,
            rounds,
            n(20_000),
            all_queues!(round_trip),
        ));
    }
    if wanted("burst") {
        summaries.push(column(
            "single thread: push 64, then pop and check 64",
            "M msg/s",
            1e-6,
            rounds,
            n(20_000),
            all_queues!(burst),
        ));
    }
    if wanted("empty") {
        summaries.push(column(
            "try_pop on an empty queue",
            "M polls/s",
            1e-6,
            rounds,
            n(2_000_000),
            all_queues!(empty_poll),
        ));
    }
    // The medians above, one line per column, as the README's table.
    println!(
        "\n| column | round trip, ns (phase) | {TYPED} / best peer (each round; run's best) | {GENERIC} / best peer (each round; run's best) |"
    );
    println!("|---|---|---|---|");
    for summary in &mut summaries {
        let m = median(&mut summary.round_trips_ns);
        let label = if m <= FAST_NS {
            "fast"
        } else if m >= SLOW_NS {
            "slow"
        } else {
            "between"
        };
        let (typed, typed_run, typed_name) = summary.typed;
        let (generic, generic_run, generic_name) = summary.generic;
        println!(
            "| {} | {m:.0} ({label}) | {typed:.2}×; {typed_run:.2}× ({typed_name}) | {generic:.2}×; {generic_run:.2}× ({generic_name}) |",
            summary.title
        );
    }
}
