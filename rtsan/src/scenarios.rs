//! The audio thread's side of each part of `bbx_midi`, under load.
//!
//! Each scenario builds what a host builds, starts producer threads that
//! send everything its kind of source can, and runs the audio callback
//! block after block in real-time regions ([`AudioThread`]). Afterwards it
//! checks that the run was real: every kind of event came through, intact
//! and in order, and every loss was reported; a run that saw no SysEx
//! would prove nothing about taking SysEx.
//!
//! To check a new audio-side path (the live parts' callbacks, sources
//! coming and going), add a function here in the same shape (call
//! [`prepare`] first, build, start producers that wait on the [`Gate`],
//! run the callback body with [`AudioThread::run`], check the tally) and
//! a test in `tests/audio_thread.rs` that calls it.

use std::hint::black_box;
use std::thread;
use std::time::Duration;

use bbx_midi::spsc::Storage;
use bbx_midi::{
    BlockScheduler, Event, MidiBufferConsumer, MidiBufferProducer, MidiClock, MidiEvent,
    MidiMessage, MidiStream, Protocol, StaticMidiBuffer, StreamSource, midi_buffer,
};

use crate::audio::{AudioThread, Block, Flow, Gate, Report};
use crate::runtime::prepare;
use crate::traffic::{self, Plan, Sent, Tally, Way};

/// How long the producers of a scenario send.
const RUN_FOR: Duration = Duration::from_millis(1500);

/// Capacity of the buffers (and of each stream source): small, so that the
/// bursts overflow it.
const CAPACITY: usize = 64;

/// SysEx capacity of the streams: large enough that the stream's SysEx
/// buffers are fresh pages from the kernel, which the library must touch
/// before the audio thread does (a page the audio thread touches first
/// faults, and the counters fail the block).
const SYSEX_BYTES: usize = 256 * 1024;

// ------------------------------------------------------------ midi_buffer

/// A heap `midi_buffer`: every `MidiBufferConsumer` method on the audio
/// thread, while a producer sends, overflows and reports losses.
pub fn midi_buffer_consumer() {
    prepare();
    let (producer, consumer) = midi_buffer(CAPACITY);
    buffer_scenario("midi_buffer consumer", producer, consumer);
}

/// The same with a `StaticMidiBuffer`, the no-allocator buffer (leaked
/// here to get the `'static` borrow a `static` would give).
pub fn static_midi_buffer_consumer() {
    prepare();
    let buffer: &'static mut StaticMidiBuffer<CAPACITY> =
        Box::leak(Box::new(StaticMidiBuffer::new()));
    let (producer, consumer) = buffer.split();
    buffer_scenario("StaticMidiBuffer consumer", producer, consumer);
}

/// Bits of a message's number that [`numbered`] keeps.
const NUMBER_BITS: u32 = 18;

/// Message `seq`, modulo 2^18: a Polyphonic Key Pressure, whose channel,
/// note and pressure carry it.
fn numbered(seq: u32) -> MidiMessage {
    MidiMessage::poly_pressure(
        ((seq >> 14) & 0xF) as u8,
        ((seq >> 7) & 0x7F) as u8,
        (seq & 0x7F) as u8,
    )
    .expect("a valid message")
}

/// The number [`numbered`] put in a message.
fn number_of(message: MidiMessage) -> u32 {
    let bytes = message.as_bytes();
    (u32::from(bytes[0] & 0x0F) << 14) | (u32::from(bytes[1]) << 7) | u32::from(bytes[2])
}

/// What the buffer's audio side counted.
#[derive(Default)]
struct BufferTally {
    received: u64,
    dropped: u64,
    /// Messages that did not follow the one before: a gap of 1 to 2^17
    /// (modulo 2^18) is in order, since losses leave gaps; 0 is a message
    /// twice, more is one from the past.
    out_of_order: u64,
    /// A `peek` that the next `try_pop` contradicted, a `len` that
    /// `is_empty` contradicted, a wrong `capacity`.
    inconsistent: u64,
    last: Option<u32>,
}

impl BufferTally {
    fn take(&mut self, message: MidiMessage) {
        let seq = number_of(message);
        if let Some(last) = self.last {
            let gap = seq.wrapping_sub(last) & ((1 << NUMBER_BITS) - 1);
            self.out_of_order += u64::from(gap == 0 || gap > 1 << (NUMBER_BITS - 1));
        }
        self.last = Some(seq);
        self.received += 1;
    }
}

fn buffer_scenario<S>(
    name: &str,
    mut producer: MidiBufferProducer<S>,
    mut consumer: MidiBufferConsumer<S>,
) where
    S: Storage<MidiMessage>,
    MidiBufferProducer<S>: Send,
    MidiBufferConsumer<S>: Send,
{
    let gate = Gate::new();
    let mut tally = BufferTally::default();
    // Made outside the callback: the audio thread's block array, and a Vec
    // with room for everything the buffer holds, so that `drain_into`
    // never has to grow it (it allocates when the Vec lacks room).
    let mut block = [MidiMessage::INVALID; 16];
    let mut drained: Vec<MidiMessage> = Vec::with_capacity(CAPACITY);
    let (sent, report) = thread::scope(|scope| {
        let sender = scope.spawn(|| {
            // Messages handed over (received or counted dropped) and drops
            // reported by hand: what the audio side must account for.
            let mut expected = 0u64;
            if !gate.wait_open() {
                return expected;
            }
            let start = std::time::Instant::now();
            let (mut seq, mut round) = (0u32, 0u32);
            let mut burst = [MidiMessage::INVALID; 3 * CAPACITY];
            while start.elapsed() < RUN_FOR && !gate.aborted() {
                round += 1;
                let n = match round % 5 {
                    0 | 1 => {
                        producer.try_send(numbered(seq));
                        1
                    }
                    2 => {
                        let _ = producer.try_send_bytes(numbered(seq).as_bytes());
                        1
                    }
                    3 => {
                        gate.retry(|| producer.try_push(numbered(seq)).is_ok());
                        1
                    }
                    _ => {
                        // A few at once; now and then three buffers'
                        // worth, most of it lost.
                        let n = if round % 256 == 4 { burst.len() } else { 8 };
                        for (k, slot) in burst[..n].iter_mut().enumerate() {
                            *slot = numbered(seq + k as u32);
                        }
                        producer.try_send_slice(&burst[..n]);
                        n
                    }
                };
                seq += n as u32;
                expected += n as u64;
                if round % 97 == 0 {
                    producer.add_dropped(3);
                    expected += 3;
                }
                black_box((producer.is_full(), producer.slots(), producer.capacity()));
                black_box((producer.dropped(), producer.is_abandoned()));
                if round % 16 == 0 {
                    thread::sleep(Duration::from_micros(100));
                }
            }
            drop(producer);
            expected
        });
        let report = AudioThread::new(name).run(&gate, |b: Block| {
            // The documented order: the loss count first, then what waits.
            let abandoned = consumer.is_abandoned();
            let dropped = consumer.take_dropped();
            tally.dropped += dropped as u64;
            let before = tally.received;
            // Nothing in the region may panic (a panic's message is
            // allocated before any hook runs): disagreements are counted.
            tally.inconsistent += u64::from(consumer.capacity() != CAPACITY);
            let len = consumer.len();
            // The consumer alone takes: what it saw waiting stays.
            tally.inconsistent += u64::from(len > 0 && consumer.is_empty());
            if let Some(&next) = consumer.peek() {
                let popped = consumer.try_pop();
                tally.inconsistent += u64::from(popped != Some(next));
                if let Some(message) = popped {
                    tally.take(message);
                }
            }
            match b.index % 3 {
                0 => {
                    while let Some(message) = consumer.try_pop() {
                        tally.take(message);
                    }
                }
                1 => loop {
                    let n = consumer.pop_into(&mut block);
                    for &message in &block[..n] {
                        tally.take(message);
                    }
                    if n < block.len() {
                        break;
                    }
                },
                _ => {
                    drained.clear();
                    consumer.drain_into(&mut drained);
                    for &message in &drained {
                        tally.take(message);
                    }
                }
            }
            if abandoned && dropped == 0 && tally.received == before && consumer.is_empty() {
                Flow::Stop
            } else {
                Flow::Continue
            }
        });
        (sender.join().expect("the producer"), report)
    });
    println!("{report}");
    println!(
        "  {} messages received, {} counted dropped, {} expected",
        tally.received, tally.dropped, sent
    );
    assert_eq!(tally.out_of_order, 0, "{name}: messages out of order");
    assert_eq!(
        tally.inconsistent, 0,
        "{name}: peek/try_pop or len/is_empty disagreed"
    );
    assert_eq!(
        tally.received + tally.dropped,
        sent,
        "{name}: every message received or counted dropped"
    );
    assert!(
        tally.received > 0 && tally.dropped > 0,
        "{name}: messages and losses both came"
    );
}

// ------------------------------------------------------------- MidiStream

/// A stream of four sources, one for each kind of producer.
fn four_sources(protocol: Protocol, capacity: usize) -> (MidiStream, [StreamSource; 4]) {
    prepare();
    let (sources, stream) = MidiStream::builder()
        .protocol(protocol)
        .capacity(capacity)
        .sysex_bytes(SYSEX_BYTES)
        .build_merged::<4>();
    (stream, sources)
}

/// Runs the producers of [`four_sources`] and `audio` (the audio thread);
/// returns what each producer sent and the audio thread's report.
fn with_producers(
    sources: [StreamSource; 4],
    plan: Plan<'_>,
    audio: impl FnOnce() -> Report + Send,
) -> (Vec<Sent>, Report) {
    thread::scope(|scope| {
        let [keyboard, port, serial, device] = sources;
        let senders = [
            scope.spawn(move || traffic::keyboard(keyboard, plan)),
            scope.spawn(move || traffic::port(port, plan)),
            scope.spawn(move || traffic::serial(serial, plan)),
            scope.spawn(move || traffic::ump_device(device, plan)),
        ];
        let report = audio();
        let sent = senders
            .into_iter()
            .map(|sender| sender.join().expect("a producer"))
            .collect();
        (sent, report)
    })
}

/// Checks what a stream's audio side took against what was sent.
fn check_stream(
    name: &str,
    protocol: Protocol,
    stream: &MidiStream,
    tally: &Tally,
    sent: &[Sent],
    report: &Report,
) {
    println!("{report}");
    println!("  took: {tally}");
    for s in sent {
        println!("  source {}: {} lost, {:?}", s.index, s.dropped, s.stats);
    }
    if protocol == Protocol::Midi2 && tally.messages > 0 {
        println!(
            "  note: this MIDI 2.0 stream delivered {} Event::Message (the real-time bytes inside \
             SysEx pieces, sent as MIDI 1.0 messages while the same byte alone comes as a packet): \
             a protocol matter of StreamSource, not of real-time safety",
            tally.messages
        );
    }
    if tally.vanished > 0 {
        println!(
            "  note: {} time(s) peek_time saw an event that the try_recv right after it did not \
             take (a source's trailing loss report, looked at while the source sent again; it \
             came later): a consistency matter of MidiStream, not of real-time safety",
            tally.vanished
        );
    }
    assert_eq!(tally.damaged, 0, "{name}: SysEx bytes damaged");
    assert_eq!(
        tally.inconsistent, 0,
        "{name}: sources() or protocol() wrong"
    );
    assert_eq!(
        tally.out_of_order, 0,
        "{name}: a source's events out of order"
    );
    assert_eq!(tally.ends, 4, "{name}: each source's end, once");
    let dropped: usize = sent.iter().map(|s| s.dropped).sum();
    assert_eq!(
        tally.lost,
        stream.lost(),
        "{name}: Lost events against MidiStream::lost"
    );
    assert_eq!(
        tally.lost, dropped,
        "{name}: Lost events against the sources' drops"
    );
    assert!(tally.loss_reports > 0, "{name}: no loss came through");
    assert!(
        tally.clocks > 0 || tally.packets > 0,
        "{name}: no message came through"
    );
    for way in [
        Way::Whole,
        Way::Pieces,
        Way::Parser,
        Way::Packets,
        Way::Pushed,
    ] {
        assert!(
            tally.sysex_sent(way) > 0,
            "{name}: no SysEx sent {way:?} came through"
        );
    }
    match protocol {
        Protocol::Midi1 => {
            assert!(tally.messages > 0 && tally.clocks > 0, "{name}: messages");
            assert!(tally.sysex1 > 0, "{name}: SysEx");
        }
        _ => {
            assert!(tally.packets > 0, "{name}: packets");
            assert!(tally.sysex7 > 0, "{name}: SysEx7");
            assert!(
                tally.sysex8 > 0 && tally.sysex_sent(Way::Eight) > 0,
                "{name}: SysEx8"
            );
        }
    }
}

/// A stream's audio side taking events as they come: `try_recv`,
/// `pop_into` (with `try_recv` for the SysEx or loss it stops before) and
/// `peek_time`, a different way each block, and every query.
pub fn stream_as_they_come(protocol: Protocol) {
    let name = format!("MidiStream ({protocol:?}): try_recv, pop_into, peek_time");
    let (mut stream, sources) = four_sources(protocol, CAPACITY);
    let gate = Gate::new();
    let plan = Plan {
        gate: &gate,
        clock: MidiClock::new(),
        run_for: RUN_FOR,
        pause: Duration::from_micros(100),
    };
    let mut tally = Tally::default();
    let mut events = [MidiEvent::default(); 16];
    let (sent, report) = with_producers(sources, plan, || {
        AudioThread::new(&name).run(&gate, |block| {
            let abandoned = stream.is_abandoned();
            let mut taken = 0u32;
            match block.index % 3 {
                0 => {
                    while let Some(received) = stream.try_recv() {
                        tally.record(received.source, received.time, &received.event);
                        taken += 1;
                    }
                }
                1 => loop {
                    let n = stream.pop_into(&mut events);
                    for event in &events[..n] {
                        tally.record_unsourced(&Event::Message(event.message));
                    }
                    taken += n as u32;
                    if n == events.len() {
                        continue;
                    }
                    // What it stopped before (a SysEx, a loss, or in a
                    // MIDI 2.0 stream anything: there it takes nothing).
                    match stream.try_recv() {
                        Some(received) => {
                            tally.record(received.source, received.time, &received.event);
                            taken += 1;
                        }
                        None => break,
                    }
                },
                _ => {
                    while stream.peek_time().is_some() {
                        let Some(received) = stream.try_recv() else {
                            tally.vanished += 1;
                            break;
                        };
                        tally.record(received.source, received.time, &received.event);
                        taken += 1;
                    }
                }
            }
            // Nothing in the region may panic: a panic's message is
            // formatted (allocated) before any hook runs. Disagreements
            // are counted and checked afterwards.
            // Four sources until their ends are taken, then fewer.
            tally.inconsistent += u64::from(stream.sources() > 4 || stream.protocol() != protocol);
            black_box((stream.capacity(), stream.sysex_capacity(), stream.lost()));
            if abandoned && taken == 0 {
                Flow::Stop
            } else {
                Flow::Continue
            }
        })
    });
    check_stream(&name, protocol, &stream, &tally, &sent, &report);
}

/// A stream's audio side as a synthesizer plays it: a `BlockScheduler`
/// places each event at its frame (`begin_block` with the clock read in the
/// callback, `next_event`, now and then `set_latency_us`), blocks paced
/// like a sound card's (64 frames at 48 kHz); a second scheduler places the
/// same times with `schedule`, as for events kept elsewhere.
pub fn stream_scheduled(protocol: Protocol) {
    const FRAMES: usize = 64;
    let name = format!("MidiStream ({protocol:?}): BlockScheduler begin_block, next_event");
    // Room for what waits for its frame (latency plus a block) at the
    // producers' pace, so that mostly the bursts overflow.
    let (mut stream, sources) = four_sources(protocol, 256);
    let gate = Gate::new();
    let clock = MidiClock::new();
    let plan = Plan {
        gate: &gate,
        clock,
        run_for: RUN_FOR,
        pause: Duration::from_millis(1),
    };
    let mut scheduler = BlockScheduler::new(48_000.0, 3_000);
    let mut elsewhere = BlockScheduler::new(48_000.0, 3_000);
    let mut tally = Tally::default();
    let mut misplaced = 0u64;
    let period = Duration::from_nanos(1_000_000_000 * FRAMES as u64 / 48_000);
    let (sent, report) = with_producers(sources, plan, || {
        AudioThread::new(&name).paced(period).run(&gate, |block| {
            let abandoned = stream.is_abandoned();
            if block.index % 256 == 0 {
                // A host that learns its sound card's real block size
                // resets the latency from the callback.
                scheduler.set_latency_us(3_000);
            }
            let now = clock.now_us();
            scheduler.begin_block(now, FRAMES);
            elsewhere.begin_block(now, FRAMES);
            let mut frame = 0;
            while let Some(event) = scheduler.next_event(&mut stream) {
                misplaced += u64::from(event.frame < frame || event.frame >= FRAMES);
                frame = event.frame;
                tally.record(event.source, event.time, &event.event);
                black_box(elsewhere.schedule(event.time));
            }
            black_box((
                scheduler.stats(),
                scheduler.sample_rate_estimate(),
                scheduler.latency_us(),
            ));
            if abandoned && stream.peek_time().is_none() {
                Flow::Stop
            } else {
                Flow::Continue
            }
        })
    });
    assert_eq!(
        misplaced, 0,
        "{name}: frames outside the block or going back"
    );
    println!("  {:?}", scheduler.stats());
    check_stream(&name, protocol, &stream, &tally, &sent, &report);
}

/// Sources that come and go, and MIDI out from the audio thread: a
/// producer adds sources through the stream's adder, sends a session of
/// numbered messages through each and drops it, so that the audio thread
/// places new sources, takes their ends and hands their rings back; the
/// audio thread echoes every message to a MIDI out stream at the frame it
/// plays (`time_at`), into a source that another thread replaces now and
/// then through a `source_swap`, draining the echoes like a MIDI out
/// sender; the block's time comes through a `CardClock`.
pub fn sources_come_and_go() {
    use bbx_midi::io::{CardClock, source_swap};
    use std::sync::atomic::{AtomicBool, Ordering};

    const FRAMES: usize = 64;
    const SESSION: u16 = 32;
    let name =
        "MidiStream: sources added and dropped, a swapped MIDI out source, CardClock, time_at";
    let (first, mut stream) = MidiStream::builder()
        .capacity(64)
        .sysex_bytes(SYSEX_BYTES)
        .max_sources(4)
        .build();
    let adder = stream.adder().expect("a new stream's adder");
    drop(first);
    let (mut echo, mut echoes) = MidiStream::builder().capacity(4096).max_sources(8).build();
    let mut echo_adder = echoes.adder().expect("a new stream's adder");
    let (mut offer, mut take) = source_swap();
    let gate = Gate::new();
    let clock = MidiClock::new();
    let done = AtomicBool::new(false);
    let mut scheduler = BlockScheduler::new(48_000.0, 3_000);
    let mut card = CardClock::new();
    let (mut taken, mut ends, mut echoed, mut swaps) = (0u64, 0u64, 0u64, 0u64);
    let mut out_of_order = 0u64;
    let mut next: [Option<u16>; 4] = [None; 4];
    let period = Duration::from_nanos(1_000_000_000 * FRAMES as u64 / 48_000);
    let (sessions, (echoes_taken, report)) = thread::scope(|scope| {
        let (gate, clock) = (&gate, clock);
        let producer = scope.spawn(move || {
            // Owned here: when it is dropped, at the end, the stream knows
            // no source can come any more.
            let mut adder = adder;
            if !gate.wait_open() {
                return 0u16;
            }
            let mut sessions = 0u16;
            let start = std::time::Instant::now();
            while start.elapsed() < RUN_FOR && !gate.aborted() {
                let Ok(mut source) = adder.add() else {
                    thread::sleep(Duration::from_micros(200));
                    continue;
                };
                for seq in 0..SESSION {
                    let message =
                        MidiMessage::pitch_bend_change((sessions % 16) as u8, seq).unwrap();
                    if !gate.retry(|| source.try_push_at(message, clock.now_us()).is_ok()) {
                        break;
                    }
                }
                sessions += 1;
                drop(source);
                thread::sleep(Duration::from_millis(1));
            }
            sessions
        });
        let done = &done;
        let out_side = scope.spawn(move || {
            // The MIDI out side: new echo sources offered now and then,
            // the old ones dropped here; the echoes taken as a sender would.
            let mut taken = 0u64;
            let mut last_offer = std::time::Instant::now();
            while !done.load(Ordering::Acquire) {
                while let Some(received) = echoes.try_recv() {
                    taken += u64::from(matches!(received.event, Event::Message(_)));
                }
                if last_offer.elapsed() > Duration::from_millis(20) {
                    offer.collect();
                    if let Ok(source) = echo_adder.add() {
                        let _ = offer.offer(source);
                    }
                    last_offer = std::time::Instant::now();
                }
                thread::sleep(Duration::from_micros(500));
            }
            offer.collect();
            while let Some(received) = echoes.try_recv() {
                taken += u64::from(matches!(received.event, Event::Message(_)));
            }
            taken
        });
        let report = AudioThread::new(name).paced(period).run(gate, |block| {
            let now = clock.now_us();
            // A stream clock 7 s ahead of the MIDI clock, the block heard a
            // block after the callback.
            let callback_ns = now * 1_000 + 7_000_000_000;
            let start = card.block_start_us(now, callback_ns, callback_ns + 1_333_000);
            swaps += u64::from(take.swap(&mut echo));
            scheduler.begin_block(start, FRAMES);
            while let Some(event) = scheduler.next_event(&mut stream) {
                taken += 1;
                match event.event {
                    Event::Ended => {
                        ends += 1;
                        next[event.source] = None;
                    }
                    Event::Message(message) => {
                        let seq = message.pitch_bend().unwrap_or(u16::MAX);
                        let expected = next[event.source].unwrap_or(0);
                        out_of_order += u64::from(seq != expected);
                        next[event.source] = Some(seq + 1);
                        echoed +=
                            u64::from(echo.try_send_at(message, scheduler.time_at(event.frame)));
                    }
                    _ => {}
                }
            }
            black_box((stream.sources(), stream.lost(), scheduler.stats()));
            if block.producing
                && producer.is_finished()
                && stream.is_abandoned()
                && stream.peek_time().is_none()
            {
                Flow::Stop
            } else {
                Flow::Continue
            }
        });
        done.store(true, Ordering::Release);
        let sessions = producer.join().expect("the producer");
        (
            sessions,
            (out_side.join().expect("the MIDI out side"), report),
        )
    });
    println!(
        "  {} sessions added and dropped, {ends} ends taken, {taken} events; {echoed} echoed ({echoes_taken} taken on the out side), {swaps} out sources swapped in; {} blocks",
        sessions, report.blocks
    );
    assert!(
        sessions >= 20,
        "{name}: only {sessions} sessions: the run proves little"
    );
    assert_eq!(
        ends,
        u64::from(sessions) + 1,
        "{name}: every source's end, once"
    );
    assert_eq!(out_of_order, 0, "{name}: a session out of order");
    assert_eq!(taken, u64::from(sessions) * u64::from(SESSION) + ends);
    assert!(swaps > 0, "{name}: no MIDI out source was swapped in");
    assert_eq!(echoes_taken, echoed, "{name}: echoes lost on the way out");
}
