//! bbx_midi against the queues its users would otherwise pick, in one run,
//! with one harness: every queue goes through the same measurement code via
//! the [`Queue`] trait.
//!
//! Every item is a 3-byte MIDI Note On carrying the low 18 bits of a
//! sequence number in channel, note and velocity, which the consumer checks:
//! a queue that loses, repeats or reorders an item panics instead of posting
//! a figure. Our generic `spsc` and every peer carry it twice, as the raw
//! `[u8; 3]` and as the 4-byte `MidiMessage` our typed `midi_buffer`
//! carries (built with `MidiMessage::new`, read with `as_bytes`, as users'
//! code does); the upstream `bbx_midi`'s `midi_buffer` builds its own
//! message type from the bytes. Criterion measures the queues one after
//! another: for a ranking, `interleaved.rs`.
//!
//! ```text
//! cargo bench -p bbx_midi_benches --bench spsc && python3 benches/report.py
//! ```

use std::hint::{black_box, spin_loop};
use std::time::{Duration, Instant};

use bbx_midi::MidiMessage;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};

mod common;
use common::{
    BatchQueue, CORES, Consumer, Queue, SEQ_MASK, SLICE, check, pop_checked, pop_slice_checked,
    push_all, push_slices, queues,
};

/// Two threads: the producer (this thread, core 0) pushes numbered items as
/// fast as it can, the consumer (core 1) pops and checks them one by one.
fn two_thread_throughput<Q: Queue>(group: &mut BenchmarkGroup<'_, WallTime>, capacity: usize) {
    // Set up once: criterion calls the closure below once per sample.
    let (mut tx, mut rx) = Q::channel(capacity);
    let consumer = Consumer::spawn(move |received| pop_checked::<Q>(&mut rx, received));
    let mut sent = 0u64;
    group.bench_function(Q::NAME, |b| {
        b.iter_custom(|iters| {
            let total = sent + iters;
            consumer.expect(total);
            let start = Instant::now();
            push_all::<Q>(&mut tx, sent..total);
            consumer.wait_for(total);
            sent = total;
            start.elapsed()
        });
    });
}

/// Ping-pong: this thread sends a number on one queue, an echo thread on the
/// other core sends it back on a second queue; the time per round trip.
fn round_trip<Q: Queue>(group: &mut BenchmarkGroup<'_, WallTime>) {
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
    let mut sent = 0u64;
    group.bench_function(Q::NAME, |b| {
        b.iter_custom(|iters| {
            let total = sent + iters;
            echo.expect(total);
            let start = Instant::now();
            for seq in sent..total {
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
            echo.wait_for(total);
            sent = total;
            elapsed
        });
    });
}

/// One thread, as an audio callback: push 64, then pop and check 64.
fn burst<Q: Queue>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let (mut tx, mut rx) = Q::channel(64);
    let mut next = 0u32;
    group.bench_function(Q::NAME, |b| {
        b.iter(|| {
            for i in 0..64 {
                assert!(Q::push(&mut tx, next.wrapping_add(i)));
            }
            for i in 0..64 {
                let expected = next.wrapping_add(i) & SEQ_MASK;
                check::<Q>(u64::from(i), Q::pop(&mut rx), expected);
            }
            next = next.wrapping_add(64);
        })
    });
}

/// What the audio thread pays every block when no MIDI came in.
fn empty_poll<Q: Queue>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let (_tx, mut rx) = Q::channel(64);
    group.bench_function(Q::NAME, |b| b.iter(|| Q::pop(black_box(&mut rx))));
}

/// Two threads moving 64-item slices through capacity 4096: the producer
/// pushes slices, the consumer pops up to 64 at a time and checks each item.
fn batch<Q: BatchQueue>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let (mut tx, mut rx) = Q::channel(4096);
    let mut out = [Q::Item::default(); SLICE];
    let consumer =
        Consumer::spawn(move |received| pop_slice_checked::<Q>(&mut rx, &mut out, received));
    let mut sent = 0u64;
    group.bench_function(Q::NAME, |b| {
        b.iter_custom(|iters| {
            let total = sent + iters * SLICE as u64;
            consumer.expect(total);
            let start = Instant::now();
            push_slices::<Q>(&mut tx, sent..total);
            consumer.wait_for(total);
            sent = total;
            start.elapsed()
        });
    });
}

type Bytes = [u8; 3];

/// Runs `$bench` for every queue, ours first, each generic one with both
/// items.
macro_rules! for_each_queue {
    ($bench:ident, $group:expr $(, $arg:expr)*) => {{
        $bench::<queues::Ours>($group $(, $arg)*);
        $bench::<queues::Spsc<MidiMessage>>($group $(, $arg)*);
        $bench::<queues::OursMidi>($group $(, $arg)*);
        $bench::<queues::Rtrb<Bytes>>($group $(, $arg)*);
        $bench::<queues::Rtrb<MidiMessage>>($group $(, $arg)*);
        $bench::<queues::Ringbuf<Bytes>>($group $(, $arg)*);
        $bench::<queues::Ringbuf<MidiMessage>>($group $(, $arg)*);
        $bench::<queues::ArrayQueue<Bytes>>($group $(, $arg)*);
        $bench::<queues::ArrayQueue<MidiMessage>>($group $(, $arg)*);
        $bench::<queues::StdSync<Bytes>>($group $(, $arg)*);
        $bench::<queues::StdSync<MidiMessage>>($group $(, $arg)*);
        $bench::<queues::Upstream>($group $(, $arg)*);
    }};
}

fn benches(c: &mut Criterion) {
    CORES.get_or_init(|| core_affinity::get_core_ids().unwrap_or_default());
    if CORES.get().map_or(0, Vec::len) < 2 {
        eprintln!("warning: fewer than 2 cores; the two-thread figures mean little");
    }
    for capacity in [64, 4096] {
        let mut group = c.benchmark_group(format!("two_thread_throughput/capacity_{capacity}"));
        group.throughput(Throughput::Elements(1));
        for_each_queue!(two_thread_throughput, &mut group, capacity);
        group.finish();
    }

    let mut group = c.benchmark_group("round_trip_latency");
    for_each_queue!(round_trip, &mut group);
    group.finish();

    let mut group = c.benchmark_group("single_thread_burst_64");
    group.throughput(Throughput::Elements(64));
    for_each_queue!(burst, &mut group);
    group.finish();

    let mut group = c.benchmark_group("empty_poll");
    for_each_queue!(empty_poll, &mut group);
    group.finish();

    let mut group = c.benchmark_group("batch_64_two_thread/capacity_4096");
    group.throughput(Throughput::Elements(64));
    batch::<queues::Ours>(&mut group);
    batch::<queues::Spsc<MidiMessage>>(&mut group);
    batch::<queues::OursMidi>(&mut group);
    batch::<queues::Rtrb<Bytes>>(&mut group);
    batch::<queues::Rtrb<MidiMessage>>(&mut group);
    batch::<queues::Ringbuf<Bytes>>(&mut group);
    batch::<queues::Ringbuf<MidiMessage>>(&mut group);
    group.finish();
}

criterion_group! {
    name = spsc;
    // A 2-core shared machine: enough samples for a stable median, and
    // every queue measured in the same run.
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(spsc);
