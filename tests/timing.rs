//! The block scheduler against synthetic clocks: exact offsets, order, late
//! and early events, clock drift and jitter, missed callbacks, settings.

#[allow(
    dead_code,
    reason = "each test file uses part of the shared support code"
)]
mod support;

use bbx_midi::{BlockScheduler, Event, MidiMessage, MidiStream, StreamSource};
use support::Notes;

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

/// A stream with one source holding `capacity` messages.
fn midi_event_buffer(capacity: usize) -> (StreamSource, MidiStream) {
    MidiStream::builder().capacity(capacity).build()
}

/// Every message the scheduler hands out in one block, with its frame.
fn take_block(
    scheduler: &mut BlockScheduler,
    stream: &mut MidiStream,
    start_us: u64,
    frames: usize,
) -> Vec<(usize, MidiMessage)> {
    scheduler.begin_block(start_us, frames);
    let mut got = Vec::new();
    while let Some(scheduled) = scheduler.next_event(stream) {
        match scheduled.event {
            Event::Message(message) => got.push((scheduled.frame, message)),
            other => panic!("not a message: {other:?}"),
        }
    }
    got
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
    assert_eq!(consumer.peek_time(), Some(t0 as u32 + 100));
    let got = take_block(&mut scheduler, &mut consumer, t0 + BLOCK_US, FRAMES);
    assert_eq!(got, [(5, note(1))]);
    assert_eq!(
        consumer.peek_time(),
        Some((t0 + BLOCK_US + 60) as u32),
        "the later event waits"
    );
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
        while let Some(scheduled) = scheduler.next_event(&mut consumer) {
            let offset = scheduled.frame;
            let at = sent[(scheduler.stats().events - 1) as usize] as f64;
            assert_eq!(at as u64 as u32, scheduled.time, "the event's own stamp");
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
fn events_are_eight_bytes() {
    assert_eq!(std::mem::size_of::<bbx_midi::MidiEvent>(), 8);
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

/// Finding: a stamp a minute ahead on one source was never played while
/// another source kept sending: the other source always had an earlier
/// event, not yet due, in front of it.
#[test]
fn a_misdated_stamp_does_not_wait_behind_another_sources_traffic() {
    let ([mut wrong, mut steady], mut stream) = MidiStream::builder().capacity(1024).build_merged();
    // 500-frame blocks of 10 ms; 1 ms of margin.
    let mut scheduler = BlockScheduler::new(RATE, LATENCY + 1_000);
    let t0: u64 = 1_000_000;
    assert!(wrong.try_send_at(note(1), t0 + 60_000_000)); // a clock mix-up
    assert!(wrong.try_send_at(note(2), t0 + 100));
    // A timing clock every millisecond from the other source, in real time.
    let mut next_clock = t0 - 50_000;
    let mut from_wrong = Vec::new();
    for block in 0..50 {
        let start = t0 + block * BLOCK_US;
        while next_clock < start {
            assert!(steady.try_send_at(MidiMessage::TIMING_CLOCK, next_clock));
            next_clock += 1_000;
        }
        scheduler.begin_block(start, FRAMES);
        while let Some(scheduled) = scheduler.next_event(&mut stream) {
            if let (0, Event::Message(message)) = (scheduled.source, scheduled.event) {
                from_wrong.push((block, message));
            }
        }
    }
    assert_eq!(
        from_wrong,
        [(0, note(1)), (1, note(2))],
        "played in the first block, and the next one on time"
    );
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
    assert!(
        consumer.peek_time().is_some(),
        "two seconds ahead is within ten"
    );
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

// ------------------------------------------------ missed callbacks (xruns)

/// A sound card at `rate` Hz with `frames`-frame blocks and ideal clocks,
/// whose callbacks for the blocks in `missed` never come (the card plays
/// silence there, and its timeline goes on). An event every 1.37 ms, sent
/// before the first callback after its stamp. Returns, for each block that
/// had a callback, its index and the error of each event it played, in
/// frames from stamp + latency on the card's timeline; and the stats.
fn run_with_missed_callbacks(
    rate: f64,
    frames: usize,
    missed: std::ops::Range<u64>,
    blocks: u64,
) -> (Vec<(u64, Vec<f64>)>, bbx_midi::SchedulerStats) {
    run_callbacks(rate, frames, missed, blocks, |_| 0.0)
}

/// [`run_with_missed_callbacks`] with each callback `late(block)` µs after
/// its block's start on the card's timeline (callbacks are never early).
fn run_callbacks(
    rate: f64,
    frames: usize,
    missed: std::ops::Range<u64>,
    blocks: u64,
    mut late: impl FnMut(u64) -> f64,
) -> (Vec<(u64, Vec<f64>)>, bbx_midi::SchedulerStats) {
    let (mut source, mut stream) = midi_event_buffer(4096);
    let block_us = frames as f64 * 1e6 / rate;
    let latency = block_us as u32 + 1_000;
    let mut scheduler = BlockScheduler::new(rate, latency);
    let t0 = 3_000_000.0;
    let mut next_stamp = t0;
    let mut played = Vec::new();
    for block in 0..blocks {
        let callback = t0 + block as f64 * block_us;
        while next_stamp < callback {
            assert!(source.try_send_at(note(60), next_stamp as u64));
            next_stamp += 1_370.0;
        }
        if missed.contains(&block) {
            continue;
        }
        scheduler.begin_block((callback + late(block)) as u64, frames);
        let mut errors = Vec::new();
        while let Some(scheduled) = scheduler.next_event(&mut stream) {
            let truth = (f64::from(scheduled.time) + f64::from(latency) - t0) * rate / 1e6;
            let got = (block * frames as u64) as f64 + scheduled.frame as f64;
            errors.push(got - truth);
        }
        played.push((block, errors));
    }
    (played, scheduler.stats())
}

/// Asserts that every event played in the blocks `blocks` is within
/// `frames` of where it belongs, and that many were played.
fn assert_accurate(played: &[(u64, Vec<f64>)], blocks: std::ops::Range<u64>, frames: f64) {
    let mut checked = 0;
    for (block, errors) in played.iter().filter(|(block, _)| blocks.contains(block)) {
        for error in errors {
            assert!(
                error.abs() <= frames,
                "block {block}: an event {error:.1} frames off"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} events checked");
}

#[test]
fn one_missed_callback_at_48_khz_and_256_frames_is_corrected_at_once() {
    // Finding: events after one missed callback came 232-244 frames late,
    // then ~40 frames early for seconds; `resyncs: 0, late: 0`.
    let (played, stats) = run_with_missed_callbacks(48_000.0, 256, 200..201, 800);
    assert_accurate(&played, 0..200, 0.5 + 1e-9);
    // The second block after the gap on: within 2 frames asked; exact here.
    assert_accurate(&played, 202..800, 0.5 + 1e-9);
    // The first block after the gap too, but for the events that fell due
    // in the silence, played late at frame 0.
    let (block, errors) = &played[200];
    assert_eq!(*block, 201);
    let on_time: Vec<_> = errors.iter().filter(|e| e.abs() <= 0.5 + 1e-9).collect();
    assert_eq!(
        on_time.len() + stats.late as usize,
        errors.len(),
        "{errors:?}"
    );
    assert_eq!((stats.resyncs, stats.spikes), (1, 0));
    assert_eq!(stats.misdated, 0);
}

#[test]
fn three_missed_callbacks_at_64_frames_are_corrected_at_once() {
    // Finding: 54 frames off.
    let (played, stats) = run_with_missed_callbacks(48_000.0, 64, 1000..1003, 4000);
    assert_accurate(&played, 0..1000, 0.5 + 1e-9);
    assert_accurate(&played, 1004..4000, 0.5 + 1e-9);
    assert_eq!((stats.resyncs, stats.spikes), (1, 0));
}

#[test]
fn a_late_wake_up_after_missed_callbacks_does_not_shift_the_notes_after_them() {
    // Callbacks wake 0-100 µs after their block starts (0-5 frames at
    // 48 kHz). One is missed; the one after the gap wakes 300 µs late.
    // The card kept its cycle, so the jump is two whole blocks: the notes
    // from the second block after the gap on belong where they were
    // before it, not 300 µs (14 frames) later, decaying over a second.
    let mut jitter = Jitter(11);
    let lateness = |block: u64| {
        if block == 201 {
            300.0
        } else {
            50.0 + jitter.next(50) as f64
        }
    };
    let (played, stats) = run_callbacks(48_000.0, 256, 200..201, 800, lateness);
    let worst = |blocks: std::ops::Range<u64>| {
        played
            .iter()
            .filter(|(block, _)| blocks.contains(block))
            .flat_map(|(_, errors)| errors.iter().map(|e| e.abs()))
            .fold(0.0f64, f64::max)
    };
    let before = worst(100..200);
    let after = worst(202..260);
    assert!(
        after <= before + 1.0,
        "after the gap {after:.1} frames off, before it {before:.1}"
    );
    assert_eq!((stats.resyncs, stats.spikes), (1, 0));
}

#[test]
fn returning_to_the_cards_cycle_after_a_gap_makes_nothing_late() {
    // Callbacks wake 200 µs after their block starts; block 100 is missed
    // and block 101's wakes on time. Block 102's callback, 200 µs late
    // again, shows that the card kept its cycle, and the timeline moves on
    // by those 200 µs: an event due in them is on time, not late.
    let (mut producer, mut consumer) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    let card = |block: u64| t0 + block * BLOCK_US;
    for block in 0..100 {
        assert!(take_block(&mut scheduler, &mut consumer, card(block) + 200, FRAMES).is_empty());
    }
    assert!(take_block(&mut scheduler, &mut consumer, card(101), FRAMES).is_empty());
    assert_eq!(scheduler.stats().resyncs, 1);
    let due = card(102) + 100;
    assert!(producer.try_send_at(note(1), due - u64::from(LATENCY)));
    let got = take_block(&mut scheduler, &mut consumer, card(102) + 200, FRAMES);
    assert_eq!(got, [(0, note(1))]);
    let stats = scheduler.stats();
    assert_eq!((stats.late, stats.resyncs, stats.spikes), (0, 1, 0));
}

#[test]
fn events_due_while_callbacks_were_missed_are_played_first_and_counted_late() {
    let (played, stats) = run_with_missed_callbacks(48_000.0, 256, 200..203, 400);
    // 3 blocks of 5.33 ms: 11 or 12 events fell due in the silence.
    let (block, errors) = &played[200];
    assert_eq!(*block, 203);
    let late = errors.iter().filter(|e| **e > 2.0).count();
    assert!((11..=12).contains(&late), "{errors:?}");
    assert_eq!(stats.late, late as u64);
}

#[test]
fn one_late_callback_is_not_taken_for_a_missed_one() {
    // A callback 0.6 block late, the next one on time: the timeline did
    // not jump, and the scheduler comes back to it.
    let (mut source, mut stream) = midi_event_buffer(4096);
    let frames = 256;
    let block_us = frames as f64 * 1e6 / 48_000.0;
    let latency = block_us as u32 + 1_000;
    let mut scheduler = BlockScheduler::new(48_000.0, latency);
    let t0 = 3_000_000.0;
    let mut next_stamp = t0;
    let mut worst_after = 0f64;
    for block in 0..600u64 {
        let ideal = t0 + block as f64 * block_us;
        let callback = if block == 300 {
            ideal + 0.6 * block_us
        } else {
            ideal
        };
        while next_stamp < callback {
            source.try_send_at(note(60), next_stamp as u64);
            next_stamp += 1_370.0;
        }
        scheduler.begin_block(callback as u64, frames);
        while let Some(scheduled) = scheduler.next_event(&mut stream) {
            let truth = (f64::from(scheduled.time) + f64::from(latency) - t0) * 48_000.0 / 1e6;
            let error = (block * frames as u64) as f64 + scheduled.frame as f64 - truth;
            if block > 300 {
                worst_after = worst_after.max(error.abs());
            }
        }
    }
    assert!(worst_after <= 0.5 + 1e-9, "{worst_after}");
    let stats = scheduler.stats();
    assert_eq!((stats.resyncs, stats.spikes), (0, 1));
}

/// Callbacks in pairs, as from a driver whose period is two of the
/// application's blocks: the second of each pair comes `early` blocks
/// before its time. The card's timeline is regular. Returns the worst
/// error, in frames, of the events played from block 1000 on, and the
/// stats. `first` is the block of the first callback: 0 starts the
/// scheduler on a callback on time, 1 on an early one.
fn bunched(frames: usize, early: f64, first: u64) -> (f64, bbx_midi::SchedulerStats) {
    let (mut source, mut stream) = midi_event_buffer(4096);
    let block_us = frames as f64 * 1e6 / 48_000.0;
    // Two blocks (a pair) and a millisecond.
    let latency = (2.0 * block_us) as u32 + 1_000;
    let mut scheduler = BlockScheduler::new(48_000.0, latency);
    let t0 = 3_000_000.0;
    let mut next_stamp = t0;
    let mut worst = 0f64;
    for block in first..4_000 {
        let ideal = t0 + block as f64 * block_us;
        let callback = if block % 2 == 1 {
            ideal - early * block_us
        } else {
            ideal
        };
        while next_stamp < callback {
            assert!(source.try_send_at(note(60), next_stamp as u64));
            next_stamp += 700.0;
        }
        scheduler.begin_block(callback as u64, frames);
        while let Some(scheduled) = scheduler.next_event(&mut stream) {
            let truth = (f64::from(scheduled.time) + f64::from(latency) - t0) * 48e3 / 1e6;
            let error = (block * frames as u64) as f64 + scheduled.frame as f64 - truth;
            if block >= 1_000 {
                worst = worst.max(error.abs());
            }
        }
    }
    (worst, scheduler.stats())
}

/// Finding: an early callback was taken for a jump of the timeline at
/// once, and its block played up to 244 frames off.
#[test]
fn callbacks_in_bunches_keep_the_cards_timeline() {
    for (frames, early) in [(256, 0.95), (256, 0.6), (64, 0.9)] {
        let (worst, stats) = bunched(frames, early, 0);
        assert!(
            worst <= 0.5 + 1e-9,
            "{frames} frames, {early}: {worst:.1} frames off"
        );
        assert_eq!(stats.late, 0, "{frames} frames, {early}");
        assert_eq!(stats.resyncs, 0, "{frames} frames, {early}");
    }
}

#[test]
fn callbacks_in_bunches_find_the_cards_timeline_when_started_on_an_early_one() {
    for (frames, early) in [(256, 0.95), (256, 0.6), (64, 0.9)] {
        let (worst, stats) = bunched(frames, early, 1);
        assert!(
            worst <= 0.5 + 1e-9,
            "{frames} frames, {early}: {worst:.1} frames off"
        );
        assert_eq!(stats.resyncs, 1, "{frames} frames, {early}: moved once");
    }
}

/// Callbacks far more erratic than any real driver's: alternately early
/// and late, by 0.3 ms growing 1 % every block. The rate estimate stays
/// within 10 % of the card's, and every frame given out is in the block.
#[test]
fn wild_callbacks_cannot_run_the_loop_away() {
    for bandwidth in [0.5, 10.0, 100.0] {
        let mut scheduler = BlockScheduler::new(48_000.0, 3_000).with_bandwidth(bandwidth);
        let block_us = 64.0 * 1e6 / 48_000.0;
        let mut swing = 300.0;
        let mut estimates = (f64::INFINITY, 0f64);
        for block in 0..1_500u64 {
            let ideal = 1e9 + block as f64 * block_us;
            let now = if block % 2 == 0 {
                ideal + swing
            } else {
                ideal - swing
            };
            swing *= 1.01;
            scheduler.begin_block(now as u64, 64);
            let estimate = scheduler.sample_rate_estimate();
            estimates = (estimates.0.min(estimate), estimates.1.max(estimate));
            if let Some(frame) = scheduler.schedule((now as u32).wrapping_sub(3_000)) {
                assert!(frame < 64);
            }
        }
        let (low, high) = estimates;
        assert!(
            low >= 48_000.0 / 1.1 - 1e-6 && high <= 48_000.0 / 0.9 + 1e-6,
            "{bandwidth} Hz: {low}..{high}"
        );
    }
}

#[test]
fn jitter_does_not_trigger_jumps() {
    for (frames, jitter) in [(256, 1_000), (512, 2_000), (2048, 5_000)] {
        let (_, stats) = simulate(frames, 0.5, 50.0, jitter, 30, 5);
        assert_eq!(
            (stats.resyncs, stats.spikes),
            (0, 0),
            "{frames} frames, ±{jitter} µs"
        );
    }
}

// ---------------------------------------------------------------- settings

#[test]
#[should_panic(expected = "sample rate must be between 1000 and 2000000 Hz")]
fn a_zero_sample_rate_panics() {
    let _ = BlockScheduler::new(0.0, 0);
}

#[test]
#[should_panic(expected = "sample rate must be between")]
fn a_subnormal_sample_rate_panics() {
    // Finding: it passed the check and the state turned NaN.
    let _ = BlockScheduler::new(f64::MIN_POSITIVE / 4.0, 0);
}

#[test]
fn absurd_sample_rates_panic() {
    for rate in [f64::NAN, f64::INFINITY, -48_000.0, 999.0, 2_000_001.0, 1e12] {
        let result = std::panic::catch_unwind(|| BlockScheduler::new(rate, 0));
        assert!(result.is_err(), "{rate} accepted");
    }
    for rate in [1_000.0, 8_000.0, 44_100.0, 48_000.0, 192_000.0, 2_000_000.0] {
        let _ = BlockScheduler::new(rate, 0);
    }
}

#[test]
#[should_panic(expected = "bandwidth must be between 0 and 100 Hz, got 1000000000")]
fn a_bandwidth_that_cannot_lock_panics() {
    let _ = BlockScheduler::new(48_000.0, 0).with_bandwidth(1e9);
}

#[test]
fn negative_and_nan_bandwidths_panic() {
    for hz in [-1.0, f64::NAN, f64::INFINITY] {
        let result =
            std::panic::catch_unwind(|| BlockScheduler::new(48_000.0, 0).with_bandwidth(hz));
        assert!(result.is_err(), "{hz} accepted");
    }
}

#[test]
#[should_panic(expected = "latency must be at most 60000000 µs")]
fn a_latency_above_a_minute_panics() {
    let _ = BlockScheduler::new(48_000.0, 60_000_001);
}

#[test]
#[should_panic(expected = "latency must be at most")]
fn setting_a_latency_above_a_minute_panics() {
    BlockScheduler::new(48_000.0, 0).set_latency_us(u32::MAX);
}

#[test]
#[should_panic(expected = "horizon must be at most 600000000 µs")]
fn a_horizon_above_ten_minutes_panics() {
    let _ = BlockScheduler::new(48_000.0, 0).with_horizon(600_000_001);
}

#[test]
fn a_latency_longer_than_the_horizon_places_events_after_their_stamp() {
    // Finding: with a latency at or above the horizon, every event came at
    // frame 0 as misdated.
    let (mut source, mut stream) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, 1_500_000);
    let t0 = 1_000_000;
    source.try_send_at(note(1), t0 + 100);
    for block in 0..150 {
        let got = take_block(&mut scheduler, &mut stream, t0 + block * BLOCK_US, FRAMES);
        assert!(got.is_empty(), "block {block}: {got:?}");
    }
    let got = take_block(&mut scheduler, &mut stream, t0 + 150 * BLOCK_US, FRAMES);
    assert_eq!(got, [(5, note(1))]);
    assert_eq!((scheduler.stats().misdated, scheduler.stats().late), (0, 0));
}

#[test]
fn a_stamp_two_hours_ahead_is_misdated_not_late() {
    // Two hours wrap around 2^32 µs to look 23 minutes old.
    let (mut source, mut stream) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    source.try_send_at(note(1), t0 + 2 * 3600 * 1_000_000);
    let got = take_block(&mut scheduler, &mut stream, t0, FRAMES);
    assert_eq!(got, [(0, note(1))]);
    assert_eq!((scheduler.stats().misdated, scheduler.stats().late), (1, 0));
}

#[test]
fn an_event_due_seconds_ago_is_late_not_misdated() {
    // An audio thread that stalled for 30 s: late, with a stamp that is right.
    let (mut source, mut stream) = midi_event_buffer(8);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 100_000_000;
    take_block(&mut scheduler, &mut stream, t0, FRAMES);
    source.try_send_at(note(1), t0 + 5_000);
    let got = take_block(&mut scheduler, &mut stream, t0 + 30_000_000, FRAMES);
    assert_eq!(got, [(0, note(1))]);
    assert_eq!((scheduler.stats().misdated, scheduler.stats().late), (0, 1));
}

// ----------------------------------------------------------- several sources

#[test]
fn events_of_several_sources_each_get_their_own_frame() {
    // Finding: one scheduler over two buffers gave an event due at frame
    // 24 at frame 192, not counted late.
    let ([mut a, mut b], mut stream) = MidiStream::builder().build_merged();
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    a.try_send_at(note(1), t0 + 192 * US_PER_FRAME);
    b.try_send_at(note(2), t0 + 24 * US_PER_FRAME);
    take_block(&mut scheduler, &mut stream, t0, FRAMES);
    let got = take_block(&mut scheduler, &mut stream, t0 + BLOCK_US, FRAMES);
    assert_eq!(got, [(24, note(2)), (192, note(1))]);
    assert_eq!(scheduler.stats().late, 0);
}

#[test]
fn an_event_that_arrives_after_a_later_one_was_played_is_counted_late() {
    let ([mut a, mut b], mut stream) = MidiStream::builder().build_merged();
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    take_block(&mut scheduler, &mut stream, t0, FRAMES);
    a.try_send_at(note(1), t0 + 192 * US_PER_FRAME);
    scheduler.begin_block(t0 + BLOCK_US, FRAMES);
    let first = scheduler.next_event(&mut stream).unwrap();
    assert_eq!(first.frame, 192);
    // A straggler from the other source, stamped before the one just
    // played, published after the block's first event was taken: the
    // stream looked at its sources then, so it comes in the next block.
    b.try_send_at(note(2), t0 + 24 * US_PER_FRAME);
    assert!(
        scheduler.next_event(&mut stream).is_none(),
        "one look a block"
    );
    scheduler.begin_block(t0 + 2 * BLOCK_US, FRAMES);
    let second = scheduler.next_event(&mut stream).unwrap();
    assert_eq!(
        (second.frame, second.source),
        (0, 1),
        "at the start of the next"
    );
    assert_eq!(scheduler.stats().late, 1);
}

/// What a block takes is what was published before its first event was
/// taken, whichever source sent it: a source whose not-yet-due event the
/// stream knew is still looked at, so what it sent after that event and
/// is due comes in this block.
#[test]
fn a_block_takes_everything_due_that_was_published_before_it() {
    let ([mut a, mut b], mut stream) = MidiStream::builder().build_merged();
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    a.try_send_at(note(1), t0 + 10 * US_PER_FRAME);
    // The stream sees a's first event, not due in this block.
    assert!(take_block(&mut scheduler, &mut stream, t0, FRAMES).is_empty());
    a.try_send_at(note(2), t0 + 20 * US_PER_FRAME);
    b.try_send_at(note(3), t0 + 15 * US_PER_FRAME);
    let got = take_block(&mut scheduler, &mut stream, t0 + BLOCK_US, FRAMES);
    assert_eq!(got, [(10, note(1)), (15, note(3)), (20, note(2))]);
}

// ------------------------------------------------- losses with the scheduler

#[test]
fn a_lost_note_off_never_leaves_its_note_sounding() {
    // Finding 1, exactly: latency 7 ms; within 1 ms a Note On, 300 CCs and
    // the Note Off, which finds the buffer full. The README's recipe ran
    // the release in block 0, before the Note On was played in block 1:
    // the note was still sounding 20 blocks later.
    let (mut source, mut stream) = midi_event_buffer(256);
    let mut scheduler = BlockScheduler::new(48_000.0, 7_000);
    let t0: u64 = 10_000_000;
    let note_on = MidiMessage::note_on(0, 60, 100).unwrap();
    assert!(source.try_send_at(note_on, t0 + 100));
    for i in 0..300u64 {
        let cc = MidiMessage::control_change(0, 1, (i % 128) as u8).unwrap();
        source.try_send_at(cc, t0 + 100 + i * 3);
    }
    let note_off = MidiMessage::note_off(0, 60, 0).unwrap();
    assert!(
        !source.try_send_at(note_off, t0 + 1_000),
        "the buffer is full"
    );
    let mut notes = Notes::default();
    let mut note_on_frame = None;
    let mut loss = None;
    for block in 0..21u64 {
        scheduler.begin_block(t0 + block * 5_333, 256);
        while let Some(scheduled) = scheduler.next_event(&mut stream) {
            let at = (block, scheduled.frame);
            match scheduled.event {
                Event::Message(message) => {
                    if message == note_on {
                        note_on_frame = Some(at);
                    }
                    notes.apply(message);
                }
                Event::Lost { count } => {
                    assert_eq!(
                        notes.sounding(),
                        1,
                        "note 60 is playing when the loss comes"
                    );
                    MidiMessage::release_all_notes()
                        .into_iter()
                        .for_each(|m| notes.apply(m));
                    loss = Some((at, count));
                }
                other => panic!("not in this stream: {other:?}"),
            }
        }
    }
    let (loss_at, count) = loss.expect("the loss was reported");
    assert_eq!(count, 46, "45 CCs and the Note Off");
    assert!(note_on_frame.unwrap() < loss_at);
    assert_eq!(notes.sounding(), 0, "no note left sounding");
    assert_eq!(stream.lost(), 46);
}

#[test]
fn a_loss_is_played_at_the_frame_of_the_message_lost() {
    let (mut source, mut stream) = midi_event_buffer(1);
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    source.try_send_at(note(1), t0 + 100 * US_PER_FRAME);
    source.try_send_at(note(2), t0 + 300 * US_PER_FRAME); // lost
    scheduler.begin_block(t0, FRAMES);
    assert!(scheduler.next_event(&mut stream).is_none());
    scheduler.begin_block(t0 + BLOCK_US, FRAMES);
    let first = scheduler.next_event(&mut stream).unwrap();
    assert_eq!((first.frame, first.event), (100, Event::Message(note(1))));
    let loss = scheduler.next_event(&mut stream).unwrap();
    assert_eq!(
        (loss.frame, loss.time, loss.event),
        (
            300,
            (t0 + 300 * US_PER_FRAME) as u32,
            Event::Lost { count: 1 }
        )
    );
}

#[test]
fn sysex_is_played_at_its_frame_in_order_with_the_notes() {
    let (mut source, mut stream) = MidiStream::builder().sysex_bytes(64).build();
    let mut scheduler = BlockScheduler::new(RATE, LATENCY);
    let t0 = 1_000_000;
    source.try_send_at(note(1), t0 + 10 * US_PER_FRAME);
    let volume = [0xF0, 0x7F, 0x7F, 0x04, 0x01, 0x00, 0x40, 0xF7];
    source
        .try_send_bytes_at(&volume, t0 + 250 * US_PER_FRAME)
        .unwrap();
    source.try_send_at(note(2), t0 + 251 * US_PER_FRAME);
    scheduler.begin_block(t0, FRAMES);
    assert!(scheduler.next_event(&mut stream).is_none());
    scheduler.begin_block(t0 + BLOCK_US, FRAMES);
    let mut got = Vec::new();
    while let Some(s) = scheduler.next_event(&mut stream) {
        got.push((s.frame, format!("{:?}", s.event)));
    }
    assert_eq!(
        got,
        [
            (10, format!("{:?}", Event::Message(note(1)))),
            (250, format!("{:?}", Event::SysEx(&volume))),
            (251, format!("{:?}", Event::Message(note(2)))),
        ]
    );
}
