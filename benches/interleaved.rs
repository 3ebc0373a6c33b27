//! Two-thread throughput with the queues taking turns.
//!
//! Criterion measures one queue after another, so on a shared machine whose
//! speed drifts over minutes, a slow spell can land on one queue only. Here
//! every round runs each queue once, in a rotating order, on a fresh buffer,
//! and each round yields a ratio "ours / best peer in this round": drift
//! between rounds cancels out of the ratio. Prints the median of those
//! ratios with their spread, and each queue's median throughput.
//!
//! ```text
//! cargo bench --bench interleaved
//! ```

use std::time::Instant;

mod common;
use common::{CORES, Consumer, Queue, pop_checked, push_all, queues};

/// Rounds and messages per queue per round; `BENCH_QUICK=1` (used by CI to
/// check that the harness runs and every queue passes its checks) makes it
/// a few seconds.
fn rounds_and_messages() -> (usize, u64) {
    if std::env::var_os("BENCH_QUICK").is_some() {
        (3, 20_000)
    } else {
        (101, 1_000_000)
    }
}

/// One queue's result in one round, in messages per second.
fn run<Q: Queue>(capacity: usize, messages: u64) -> f64 {
    let (mut tx, mut rx) = Q::channel(capacity);
    let consumer = Consumer::spawn(move |received| pop_checked::<Q>(&mut rx, received));
    consumer.expect(messages);
    let start = Instant::now();
    push_all::<Q>(&mut tx, 0..messages);
    consumer.wait_for(messages);
    messages as f64 / start.elapsed().as_secs_f64()
}

struct Row {
    name: &'static str,
    ours: bool,
    run: fn(usize, u64) -> f64,
    results: Vec<f64>,
}

fn row<Q: Queue>() -> Row {
    Row {
        name: Q::NAME,
        ours: Q::NAME.starts_with("bbx_midi::"),
        run: run::<Q>,
        results: Vec::new(),
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    CORES.get_or_init(|| core_affinity::get_core_ids().unwrap_or_default());
    let (rounds, messages) = rounds_and_messages();
    for capacity in [64, 4096] {
        let mut rows = [
            row::<queues::Ours>(),
            row::<queues::OursMidi>(),
            row::<queues::Rtrb>(),
            row::<queues::Ringbuf>(),
            row::<queues::ArrayQueue>(),
            row::<queues::StdSync>(),
            row::<queues::Upstream>(),
        ];
        let mut ratios = Vec::new();
        for round in 0..rounds {
            for turn in 0..rows.len() {
                let row = &mut rows[(round + turn) % rows.len()];
                let result = (row.run)(capacity, messages);
                row.results.push(result);
            }
            let best_peer = rows
                .iter()
                .filter(|r| !r.ours)
                .map(|r| r.results[round])
                .fold(0.0, f64::max);
            ratios.push(rows[0].results[round] / best_peer);
        }
        let ratio = median(&mut ratios);
        println!(
            "\ntwo-thread throughput, capacity {capacity}: {rounds} rounds of {messages} messages, each queue once per round"
        );
        for row in &mut rows {
            let mark = if row.ours { '*' } else { ' ' };
            let m = median(&mut row.results) / 1e6;
            println!(" {mark} {:<42} {m:>8.0} M/s (median)", row.name);
        }
        println!(
            "   {} / best peer, per round: median {ratio:.2}×, range {:.2}× to {:.2}×",
            queues::Ours::NAME,
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
}
