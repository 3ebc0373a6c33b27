//! The live parts' logic without a MIDI system or a sound card: the card
//! clock, and the thread that sends a stream's events when they are due.

use std::sync::{Arc, Mutex};

use bbx_midi::io::{CardClock, Sender};
use bbx_midi::ump::Midi2ChannelVoice;
use bbx_midi::{MidiClock, MidiMessage, MidiStream, Protocol};

/// A stream clock that drifts 300 ppm against the MIDI clock, callbacks
/// that wake up to 2 ms late (one in ten at once): the block start follows
/// the playback instants, not the wake-ups, within the relaxation.
#[test]
fn the_card_clock_follows_the_playback_instants_not_the_wake_ups() {
    let mut card = CardClock::new();
    let mut rng = 0x1234_5678_u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let block_ns = 1_333_333u64; // 64 frames at 48 kHz, on the stream's clock
    let offset_us = 7_000_000u64; // the MIDI clock's origin is 7 s earlier
    let mut worst = 0i64;
    // The most callbacks in a row that woke late: the clock relaxes by
    // 1 µs at each, until a timely one pins it again.
    let (mut run, mut longest) = (0i64, 0i64);
    for block in 0..20_000u64 {
        let callback_ns = 1_000_000 + block * block_ns;
        let playback_ns = callback_ns + 10_000_000;
        // On the MIDI clock, the stream's time runs 300 ppm slow.
        let on_midi = |ns: u64| offset_us + (ns as f64 * (1.0 + 300e-6) / 1_000.0) as u64;
        let late_us = if next() % 10 == 0 { 0 } else { next() % 2_000 };
        let start = card.block_start_us(on_midi(callback_ns) + late_us, callback_ns, playback_ns);
        run = if late_us == 0 { 0 } else { run + 1 };
        longest = longest.max(run);
        if block > 100 {
            worst = worst.max((start as i64 - on_midi(playback_ns) as i64).abs());
        }
    }
    // Off by at most the relaxation since the last timely callback, plus
    // the drift over the 10 ms to the playback instant (3 µs) and rounding;
    // the wake-ups themselves, up to 2 000 µs, are gone.
    assert!(
        longest < 100,
        "the generator gave {longest} late callbacks in a row"
    );
    assert!(
        worst <= longest + 4,
        "block starts off by up to {worst} µs, {longest} late callbacks in a row"
    );
}

#[test]
fn the_card_clock_is_exact_when_the_callbacks_run_at_once() {
    let mut card = CardClock::new();
    for block in 0..100u64 {
        let callback_ns = block * 5_000_000;
        assert_eq!(
            card.block_start_us(
                1_000_000 + block * 5_000,
                callback_ns,
                callback_ns + 2_000_000
            ),
            1_002_000 + block * 5_000
        );
    }
}

/// Everything sent goes out in order, none before it is due.
#[test]
fn the_sender_sends_each_event_in_order_never_before_it_is_due() {
    let clock = MidiClock::new();
    let (mut source, stream) = MidiStream::builder().capacity(64).sysex_bytes(64).build();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let port = Arc::clone(&sent);
    let delay = 2_000;
    let sender = Sender::spawn(stream, clock, delay, move |bytes: &[u8]| {
        port.lock().unwrap().push((clock.now_us(), bytes.to_vec()));
        true
    });
    let start = clock.now_us();
    let mut due = Vec::new();
    for i in 0..20u64 {
        let stamp = start + 1_000 + i * 700;
        let note = MidiMessage::note_on(0, 40 + i as u8, 100).unwrap();
        assert!(source.try_send_at(note, stamp));
        due.push((stamp + u64::from(delay), note.as_bytes().to_vec()));
    }
    let sysex = [0xF0, 0x7D, 1, 2, 0xF7];
    source.try_send_bytes_at(&sysex, start + 20_000).unwrap();
    due.push((start + 20_000 + u64::from(delay), sysex.to_vec()));
    drop(source);
    let stats = sender.join();
    let sent = sent.lock().unwrap();
    assert_eq!(
        sent.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>(),
        due.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>()
    );
    for ((at, _), (due, _)) in sent.iter().zip(&due) {
        assert!(at >= due, "sent at {at}, due at {due}");
    }
    assert_eq!((stats.sent, stats.lost, stats.refused), (21, 0, 0));
    assert_eq!(stats.lateness.count(), 21);
}

/// A full sending end on the audio thread loses messages; the sender
/// counts the loss the stream reports.
#[test]
fn the_sender_counts_what_the_audio_thread_lost() {
    let clock = MidiClock::new();
    let (mut source, stream) = MidiStream::builder().capacity(4).build();
    let now = clock.now_us();
    let mut accepted = 0;
    for i in 0..10 {
        accepted += usize::from(source.try_send_at(MidiMessage::TIMING_CLOCK, now + i));
    }
    assert_eq!(accepted, 4);
    let sender = Sender::spawn(stream, clock, 0, |_: &[u8]| true);
    drop(source);
    let stats = sender.join();
    assert_eq!((stats.sent, stats.lost), (4, 6));
}

/// Packets of a MIDI 2.0 stream have no MIDI 1.0 bytes: refused, counted.
#[test]
fn the_sender_refuses_packets() {
    let clock = MidiClock::new();
    let (mut source, stream) = MidiStream::builder().protocol(Protocol::Midi2).build();
    let packet = Midi2ChannelVoice::note_on(0, 0, 60, 0x8000, 0, 0)
        .unwrap()
        .packet();
    source.try_send_ump_at(packet, clock.now_us()).unwrap();
    let sender = Sender::spawn(stream, clock, 0, |_: &[u8]| true);
    drop(source);
    let stats = sender.join();
    assert_eq!((stats.sent, stats.refused), (0, 1));
}

/// `stop` ends the thread at once: what is not due yet is not sent.
#[test]
fn stopping_the_sender_leaves_what_is_not_due() {
    let clock = MidiClock::new();
    let (mut source, stream) = MidiStream::builder().build();
    assert!(source.try_send_at(MidiMessage::START, clock.now_us() + 60_000_000));
    let sender = Sender::spawn(stream, clock, 0, |_: &[u8]| true);
    let stats = sender.stop();
    assert_eq!(stats.sent, 0);
}
