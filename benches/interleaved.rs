//! Every comparison column with the queues taking turns.
//!
//! Criterion measures one queue after another, so on a shared machine whose
//! speed drifts over minutes, a slow spell can land on one queue only. Here
//! every round runs each queue once per column, in a rotating order, on a
//! fresh buffer, and each round yields the ratios "ours / best peer in this
//! round", "ours / the run's best peer" (the peer with the highest median)
//! and "typed `midi_buffer` / generic `spsc`": drift between rounds cancels
//! out of them. Prints, per column, each queue's median figure and
//! the median ratios with their spread.
//!
//! Every queue carries the 3-byte Note On of `common::note_bytes`; the
//! consumer checks every item's sequence number.
//!
//! ```text
//! cargo bench -p bbx_midi_benches --bench interleaved
//! ```

use std::hint::{black_box, spin_loop};
use std::time::Instant;

use bbx_midi::MidiMessage;

mod common;
use common::{
    BatchQueue, CORES, Consumer, Queue, SEQ_MASK, SLICE, check, median, pop_checked,
    pop_slice_checked, push_all, push_slices, queues,
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
    run: fn(u64) -> f64,
    results: Vec<f64>,
}

fn row<Q: Queue>(run: fn(u64) -> f64) -> Row {
    Row {
        name: Q::NAME,
        run,
        results: Vec::new(),
    }
}

const GENERIC: &str = queues::Ours::NAME;
const TYPED: &str = queues::OursMidi::NAME;

/// Every queue's row for `$run`; the first two are ours.
macro_rules! all_queues {
    ($run:ident $(, $capacity:literal)?) => {
        vec![
            row::<queues::Ours>($run::<queues::Ours $(, $capacity)?>),
            row::<queues::OursMidi>($run::<queues::OursMidi $(, $capacity)?>),
            row::<queues::Rtrb>($run::<queues::Rtrb $(, $capacity)?>),
            row::<queues::Ringbuf>($run::<queues::Ringbuf $(, $capacity)?>),
            row::<queues::ArrayQueue>($run::<queues::ArrayQueue $(, $capacity)?>),
            row::<queues::StdSync>($run::<queues::StdSync $(, $capacity)?>),
            row::<queues::Upstream>($run::<queues::Upstream $(, $capacity)?>),
        ]
    };
}

/// A median ratio and its range, as printed.
fn spread(ratios: &mut [f64]) -> String {
    let m = median(ratios);
    format!(
        "median {m:.2}×, range {:.2}× to {:.2}×",
        ratios[0],
        ratios[ratios.len() - 1]
    )
}

/// Runs one column: `rounds` rounds, each queue once per round in a
/// rotating order, `n` operations each; prints the figures and ratios.
fn column(title: &str, unit: &str, scale: f64, rounds: usize, n: u64, mut rows: Vec<Row>) {
    let index = |name: &str| rows.iter().position(|r| r.name == name).expect("our row");
    let (generic, typed) = (index(GENERIC), index(TYPED));
    let (mut generic_ratio, mut typed_ratio, mut typed_cost) = (Vec::new(), Vec::new(), Vec::new());
    // The batch column's extra rows of our ring split the typed layer's
    // cost into its parts: the refusal of `INVALID`, `MidiMessage::new`,
    // 4 bytes instead of 3.
    let parts: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].name.starts_with("bbx_midi::spsc<"))
        .collect();
    let mut part_ratios = vec![Vec::new(); parts.len()];
    for round in 0..rounds {
        let count = rows.len();
        for turn in 0..count {
            let row = &mut rows[(round + turn) % count];
            let figure = (row.run)(n);
            row.results.push(figure);
        }
        let best_peer = rows
            .iter()
            .filter(|r| !r.name.starts_with("bbx_midi::"))
            .map(|r| r.results[round])
            .fold(0.0, f64::max);
        generic_ratio.push(rows[generic].results[round] / best_peer);
        typed_ratio.push(rows[typed].results[round] / best_peer);
        typed_cost.push(rows[typed].results[round] / rows[generic].results[round]);
        for (&part, ratios) in parts.iter().zip(&mut part_ratios) {
            ratios.push(rows[typed].results[round] / rows[part].results[round]);
        }
    }
    // The same ratios against one queue, the run's best peer (highest
    // median), in every round. The best peer of each round is the fastest
    // of several noisy figures, which the run's best peer is not: where the
    // peers are close, it is pushed up by the noise alone. Both are
    // printed; see benches/README.md.
    let run_best = (0..rows.len())
        .filter(|&i| !rows[i].name.starts_with("bbx_midi::"))
        .max_by(|&a, &b| {
            median(&mut rows[a].results.clone()).total_cmp(&median(&mut rows[b].results.clone()))
        })
        .expect("a peer row");
    let against_run_best = |row: usize| -> Vec<f64> {
        (0..rounds)
            .map(|round| rows[row].results[round] / rows[run_best].results[round])
            .collect()
    };
    let (mut typed_run, mut generic_run) = (against_run_best(typed), against_run_best(generic));
    let run_best_name = rows[run_best].name;
    println!("\n{title}: {rounds} rounds of {n}, each queue once per round (higher is better)");
    for row in &mut rows {
        let mark = if row.name.starts_with("bbx_midi::") {
            '*'
        } else {
            ' '
        };
        let m = median(&mut row.results) * scale;
        println!(" {mark} {:<42} {m:>10.2} {unit} (median)", row.name);
    }
    println!("   {TYPED} / best peer: {}", spread(&mut typed_ratio));
    println!("   {GENERIC} / best peer: {}", spread(&mut generic_ratio));
    println!(
        "   {TYPED} / {run_best_name} (the run's best peer): {}",
        spread(&mut typed_run)
    );
    println!(
        "   {GENERIC} / {run_best_name} (the run's best peer): {}",
        spread(&mut generic_run)
    );
    println!("   {TYPED} / {GENERIC}: {}", spread(&mut typed_cost));
    for (&part, ratios) in parts.iter().zip(&mut part_ratios) {
        println!("   {TYPED} / {}: {}", rows[part].name, spread(ratios));
    }
}

fn main() {
    CORES.get_or_init(|| core_affinity::get_core_ids().unwrap_or_default());
    // Quick mode only checks that it all runs: 3 rounds, 1/50 of the work.
    let rounds = if quick() { 3 } else { 101 };
    let n = |full: u64| if quick() { full / 50 } else { full };
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let wanted = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    if wanted("throughput") {
        column(
            "two-thread throughput, capacity 64",
            "M msg/s",
            1e-6,
            rounds,
            n(1_000_000),
            all_queues!(throughput, 64),
        );
        column(
            "two-thread throughput, capacity 4096",
            "M msg/s",
            1e-6,
            rounds,
            n(1_000_000),
            all_queues!(throughput, 4096),
        );
    }
    if wanted("batch") {
        column(
            "batch: 64-message slices, two threads, capacity 4096",
            "M msg/s",
            1e-6,
            rounds,
            n(1_000_000),
            vec![
                row::<queues::Ours>(batch::<queues::Ours>),
                row::<queues::OursMidi>(batch::<queues::OursMidi>),
                row::<queues::Spsc<MidiMessage>>(batch::<queues::Spsc<MidiMessage>>),
                row::<queues::Spsc<[u8; 4]>>(batch::<queues::Spsc<[u8; 4]>>),
                row::<queues::Rtrb>(batch::<queues::Rtrb>),
                row::<queues::Ringbuf>(batch::<queues::Ringbuf>),
            ],
        );
    }
    if wanted("round_trip") {
        column(
            "round trip between the two cores",
            "k trips/s",
            1e-3,
            rounds,
            n(20_000),
            all_queues!(round_trip),
        );
    }
    if wanted("burst") {
        column(
            "single thread: push 64, then pop and check 64",
            "M msg/s",
            1e-6,
            rounds,
            n(20_000),
            all_queues!(burst),
        );
    }
    if wanted("empty") {
        column(
            "try_pop on an empty queue",
            "M polls/s",
            1e-6,
            rounds,
            n(2_000_000),
            all_queues!(empty_poll),
        );
    }
}
