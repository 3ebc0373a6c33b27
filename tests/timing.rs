//! The block scheduler against synthetic clocks: exact offsets, order, late
//! and early events, clock drift and jitter, resynchronisation.

use bbx_midi::{BlockScheduler, MidiBufferConsumer, MidiEvent, MidiMessage, midi_event_buffer};

/// 50 kHz: 20 µs per frame exactly, so expected offsets are exact integers.
const RATE: f64 = 50_000.0;
const US_PER_FRAME: u64 = 20;
/// 500-frame blocks: 10 ms.
const FRAMES: usize = 500;
const BLOCK_US: u64 = FRAMES as u64 * US_PER_FRAME;
/// One block of latency.
const LATENCY: u32 = BLOCK_US as u32;

fn note(n: u8) -> MidiMessage {
    MidiMessage::note_on(0, n % 128, 100).unwrap()
}

/// Every event the scheduler hands out in one block.
fn take_block(
    scheduler: &mut BlockScheduler,
    consumer: &mut MidiBufferConsumer<MidiEvent>,
    start_us: u64,
    frames: usize,
) -> Vec<(usize, MidiMessage)> {
    scheduler.begin_block(start_us, frames);
    std::iter::from_fn(|| scheduler.next_event(consumer)).collect()
}

#[test]
fn offsets_are_exact_for_events_spread_over_a_block() {
    let (mut producer, mut consumer) = midi_event_buffer(1024);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 5_000_000;
    // Events that arrive during block k are played in block k + 1, at the
    // same distance from its start as they arrived from block k's.
    let frames: Vec<usize> = (0..FRAMES).step_by(37).collect();
    for (i, frame) in frames.iter().enumerate() {
        assert!(producer.try_send_at(note(i as u8), t0 + *frame as u64 * US_PER_FRAME));
    }
    assert!(take_block(&mut scheduler, &mut consumer, t0, FRAMES).is_empty());
    let got = take_block(&mut scheduler, &mut consumer, t0 + BLOCK_US, FRAMES);
    let expected: Vec<_> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| (*f, note(i as u8)))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(scheduler.stats().events, frames.len() as u64);
    assert_eq!(scheduler.stats().late, 0);
}

#[test]
fn events_come_out_in_the_order_sent_with_non_decreasing_offsets() {
    let (mut producer, mut consumer) = midi_event_buffer(64);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    // Same timestamp twice, then one stamped earlier than its predecessor.
    for (i, at) in [100u64, 100, 300, 200, 400].into_iter().enumerate() {
        producer.try_send_at(note(i as u8), t0 + at);
    }
    take_block(&mut scheduler, &mut consumer, t0, FRAMES);
    let got = take_block(&mut scheduler, &mut consumer, t0 + BLOCK_US, FRAMES);
    assert_eq!(
        got,
        [
            (5, note(0)),
            (5, note(1)),
            (15, note(2)),
            (15, note(3)),
            (20, note(4))
        ]
    );
}

#[test]
fn late_events_are_played_at_frame_0_and_counted() {
    let (mut producer, mut consumer) = midi_event_buffer(64);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 2_000_000;
    take_block(&mut scheduler, &mut consumer, t0, FRAMES);
    // Stamped three blocks ago: due two blocks ago.
    producer.try_send_at(note(1), t0 - 2 * BLOCK_US);
    producer.try_send_at(note(2), t0 + 40);
    let got = take_block(&mut scheduler, &mut consumer, t0 + BLOCK_US, FRAMES);
    assert_eq!(got, [(0, note(1)), (2, note(2))]);
    assert_eq!(scheduler.stats().late, 1);
}

#[test]
fn events_for_a_later_block_stay_queued() {
    let (mut producer, mut consumer) = midi_event_buffer(64);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 3_000_000;
    producer.try_send_at(note(1), t0 + 100);
    producer.try_send_at(note(2), t0 + BLOCK_US + 60);
    assert!(take_block(&mut scheduler, &mut consumer, t0, FRAMES).is_empty());
    assert_eq!(consumer.len(), 2);
    let got = take_block(&mut scheduler, &mut consumer, t0 + BLOCK_US, FRAMES);
    assert_eq!(got, [(5, note(1))]);
    assert_eq!(consumer.len(), 1, "the later event waits");
    let got = take_block(&mut scheduler, &mut consumer, t0 + 2 * BLOCK_US, FRAMES);
    assert_eq!(got, [(3, note(2))]);
}

#[test]
fn an_event_on_the_boundary_belongs_to_the_next_block() {
    let (mut producer, mut consumer) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 4_000_000;
    producer.try_send_at(note(1), t0 + BLOCK_US);
    take_block(&mut scheduler, &mut consumer, t0, FRAMES);
    assert!(take_block(&mut scheduler, &mut consumer, t0 + BLOCK_US, FRAMES).is_empty());
    let got = take_block(&mut scheduler, &mut consumer, t0 + 2 * BLOCK_US, FRAMES);
    assert_eq!(got, [(0, note(1))]);
}

#[test]
fn timestamps_wrapping_past_u32_max_are_handled() {
    let (mut producer, mut consumer) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = (1u64 << 32) - 3 * US_PER_FRAME; // block starts just before the wrap
    producer.try_send_at(note(1), t0 + 10 * US_PER_FRAME); // stored after the wrap
    take_block(&mut scheduler, &mut consumer, t0, FRAMES);
    let got = take_block(&mut scheduler, &mut consumer, t0 + BLOCK_US, FRAMES);
    assert_eq!(got, [(10, note(1))]);
}

/// A deterministic jitter source: -max..=max microseconds.
struct Jitter(u64);

impl Jitter {
    fn next(&mut self, max: i64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % (2 * max as u64 + 1)) as i64 - max
    }
}

/// Simulates `seconds` of a sound card with `frames`-frame blocks whose
/// clock runs `ppm` fast against the events' clock, with callbacks starting
/// up to `jitter_us` early or late, and an event every 7.3 ms. Returns the
/// worst offset error, in frames, over the events after the first `settle`
/// seconds, and the scheduler's final stats.
fn simulate(
    frames: usize,
    bandwidth: f64,
    ppm: f64,
    jitter_us: i64,
    seconds: u64,
    settle: u64,
) -> (f64, bbx_midi::SchedulerStats) {
    let (mut producer, mut consumer) = midi_event_buffer(4096);
    let block_us = frames as f64 * US_PER_FRAME as f64;
    // One block, plus a margin for the jitter of the callbacks: an event
    // that arrives after its block's callback started is late otherwise.
    let latency = block_us as u32 + 2 * jitter_us as u32;
    let mut scheduler = BlockScheduler::new(RATE, latency).with_bandwidth(bandwidth);
    // Microseconds per frame of the card, on the events' clock.
    let card_us_per_frame = US_PER_FRAME as f64 / (1.0 + ppm * 1e-6);
    let t0 = 10_000_000.0;
    let mut jitter = Jitter(7);
    let mut next_event = t0 as u64;
    let mut sent = Vec::new();
    let mut worst: f64 = 0.0;
    let blocks = (seconds as f64 * 1e6 / block_us) as u64;
    for block in 0..blocks {
        let ideal_start = t0 + (block * frames as u64) as f64 * card_us_per_frame;
        // Events that arrived before this callback.
        while (next_event as f64) < ideal_start {
            assert!(producer.try_send_at(note(sent.len() as u8), next_event));
            sent.push(next_event);
            next_event += 7_300;
        }
        let callback = (ideal_start as i64 + jitter.next(jitter_us)) as u64;
        scheduler.begin_block(callback, frames);
        while let Some((offset, _)) = scheduler.next_event(&mut consumer) {
            let at = sent[(scheduler.stats().events - 1) as usize] as f64;
            // Where the event belongs on the card's own timeline.
            let truth = (at + f64::from(latency) - t0) / card_us_per_frame;
            let got = (block * frames as u64) as f64 + offset as f64;
            if ideal_start - t0 > settle as f64 * 1e6 {
                worst = worst.max((got - truth).abs());
            }
        }
    }
    (worst, scheduler.stats())
}

fn worst_error(bandwidth: f64, ppm: f64, jitter_us: i64, seconds: u64, settle: u64) -> f64 {
    simulate(FRAMES, bandwidth, ppm, jitter_us, seconds, settle).0
}

#[test]
fn the_loop_stays_stable_with_long_blocks_and_high_bandwidths() {
    // 16384-frame blocks (0.33 s) and a 20 Hz setting would both make an
    // uncapped loop oscillate; the error must stay near the jitter.
    for (frames, bandwidth) in [(16_384, 0.5), (32_768, 0.5), (500, 20.0), (2048, 50.0)] {
        let (worst, stats) = simulate(frames, bandwidth, 100.0, 500, 120, 30);
        assert!(
            worst < 60.0,
            "{frames} frames, {bandwidth} Hz: worst error {worst} frames"
        );
        assert_eq!(stats.resyncs, 0, "{frames} frames, {bandwidth} Hz");
        assert_eq!(stats.late, 0, "{frames} frames, {bandwidth} Hz");
    }
}

#[test]
fn without_drift_or_jitter_offsets_are_exact() {
    assert!(worst_error(0.5, 0.0, 0, 10, 0) <= 0.5);
}

#[test]
fn drift_between_the_clocks_is_tracked() {
    // 200 ppm for two minutes: 24 ms, 1200 frames, of accumulated drift.
    let tracked = worst_error(0.5, 200.0, 0, 120, 10);
    assert!(
        tracked <= 2.0,
        "worst error with tracking: {tracked} frames"
    );
    let untracked = worst_error(0.0, 200.0, 0, 120, 10);
    assert!(
        untracked > 100.0,
        "worst error without tracking: {untracked} frames"
    );
}

#[test]
fn callback_jitter_is_smoothed_away() {
    // Callbacks up to ±1 ms (50 frames) off their ideal time: taking each
    // callback time as it comes would put notes up to 50 frames off.
    let smoothed = worst_error(0.5, 50.0, 1_000, 60, 10);
    assert!(smoothed < 25.0, "worst error: {smoothed} frames");
    let raw = worst_error(50.0, 50.0, 1_000, 60, 10);
    assert!(
        raw > smoothed,
        "a loop following every callback does worse: {raw}"
    );
}

#[test]
fn a_gap_in_the_callbacks_resynchronises() {
    let (mut producer, mut consumer) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    take_block(&mut scheduler, &mut consumer, t0, FRAMES);
    // The device stalls for a second.
    let t1 = t0 + 1_000_000;
    producer.try_send_at(note(1), t1 - BLOCK_US + 100);
    let got = take_block(&mut scheduler, &mut consumer, t1, FRAMES);
    assert_eq!(got, [(5, note(1))]);
    assert_eq!(scheduler.stats().resyncs, 1);
}

#[test]
fn the_sample_rate_estimate_follows_the_card() {
    let (_producer, mut consumer) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let card_us_per_frame = US_PER_FRAME as f64 / (1.0 + 100e-6);
    for block in 0..6_000u64 {
        let start = 1_000_000.0 + (block * FRAMES as u64) as f64 * card_us_per_frame;
        scheduler.begin_block(start as u64, FRAMES);
        assert!(scheduler.next_event(&mut consumer).is_none());
    }
    let ppm = (scheduler.sample_rate_estimate() / RATE - 1.0) * 1e6;
    assert!((ppm - 100.0).abs() < 5.0, "estimated {ppm} ppm, true 100");
}

#[test]
#[should_panic(expected = "sample rate must be positive and finite")]
fn a_zero_sample_rate_panics() {
    let _ = BlockScheduler::new(0.0, 0);
}

#[test]
#[should_panic(expected = "bandwidth must be non-negative and finite")]
fn a_negative_bandwidth_panics() {
    let _ = BlockScheduler::new(48_000.0, 0).with_bandwidth(-1.0);
}

#[test]
fn events_are_eight_bytes() {
    assert_eq!(std::mem::size_of::<MidiEvent>(), 8);
}

#[test]
fn an_event_stamped_far_ahead_is_played_now_instead_of_holding_up_the_queue() {
    let (mut producer, mut consumer) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    producer.try_send_at(note(1), t0 + 60_000_000); // a minute ahead: a clock mix-up
    producer.try_send_at(note(2), t0 + 100);
    let first = take_block(&mut scheduler, &mut consumer, t0, FRAMES);
    assert_eq!(first, [(0, note(1))], "played at once");
    let got = take_block(&mut scheduler, &mut consumer, t0 + BLOCK_US, FRAMES);
    assert_eq!(got, [(5, note(2))], "and the next one is on time");
    assert_eq!(scheduler.stats().misdated, 1);
}

#[test]
fn the_horizon_can_be_widened() {
    let (mut producer, mut consumer) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY).with_horizon(10_000_000);
    let t0 = 1_000_000;
    producer.try_send_at(note(1), t0 + 2_000_000);
    assert!(take_block(&mut scheduler, &mut consumer, t0, FRAMES).is_empty());
    assert_eq!(scheduler.stats().misdated, 0);
    assert_eq!(consumer.len(), 1, "two seconds ahead is within ten");
}

#[test]
fn stamps_from_before_a_long_stall_are_delivered_not_stuck() {
    // After 40 minutes the old stamps wrap around and look 31 minutes ahead.
    let (mut producer, mut consumer) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    producer.try_send_at(note(1), t0 + 50);
    let later = t0 + 40 * 60 * 1_000_000;
    producer.try_send_at(note(2), later - 2_000);
    let got = take_block(&mut scheduler, &mut consumer, later, FRAMES);
    assert_eq!(got, [(0, note(1)), (400, note(2))]);
    assert_eq!(scheduler.stats().misdated, 1);
}

#[test]
fn an_empty_block_takes_nothing_and_keeps_the_clock() {
    let (mut producer, mut consumer) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    take_block(&mut scheduler, &mut consumer, t0, FRAMES);
    producer.try_send_at(note(1), t0 + 100);
    assert!(take_block(&mut scheduler, &mut consumer, t0 + 3_000, 0).is_empty());
    let got = take_block(&mut scheduler, &mut consumer, t0 + BLOCK_US, FRAMES);
    assert_eq!(got, [(5, note(1))]);
    assert_eq!(scheduler.stats().resyncs, 0);
}

#[test]
fn the_latency_can_be_raised_for_longer_blocks() {
    let (mut producer, mut consumer) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    assert_eq!(scheduler.latency_us(), LATENCY);
    // The card turns out to use 1000-frame (20 ms) blocks.
    scheduler.set_latency_us(20_000);
    let t0 = 1_000_000;
    producer.try_send_at(note(1), t0 + 100);
    take_block(&mut scheduler, &mut consumer, t0, 1000);
    let got = take_block(&mut scheduler, &mut consumer, t0 + 20_000, 1000);
    assert_eq!(
        got,
        [(5, note(1))],
        "spacing kept instead of landing late at 0"
    );
    assert_eq!(scheduler.stats().late, 0);
}
