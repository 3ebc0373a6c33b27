//! A `MidiStream` with several sources, each in its own thread, and the
//! audio thread taking events as they come: what was accepted arrives once,
//! in each source's order, SysEx whole; and every loss is reported at its
//! place among that source's events. Also run under Miri and
//! ThreadSanitizer.

use std::collections::BTreeMap;
use std::thread;

#[allow(
    dead_code,
    reason = "each test file uses part of the shared support code"
)]
mod support;

use bbx_midi::{Event, MidiMessage, MidiStream, Received, SendError, StreamSource};
use support::backoff;

/// Events per source natively; Miri is ~10⁵ times slower.
const EVENTS: u32 = if cfg!(miri) { 120 } else { 100_000 };

/// Event `seq` of a source, its low 18 bits in the bytes: a Note On, or
/// every seventh one a SysEx of varying length.
fn item(seq: u32) -> Vec<u8> {
    let (top, hi, lo) = (
        ((seq >> 14) & 0x0F) as u8,
        ((seq >> 7) & 0x7F) as u8,
        (seq & 0x7F) as u8,
    );
    if seq % 7 == 3 {
        let mut sysex = vec![0xF0, top, hi, lo];
        sysex.extend((0..seq % 23).map(|i| i as u8));
        sysex.push(0xF7);
        sysex
    } else {
        vec![0x90 | top, hi, lo]
    }
}

/// The sequence number an item carries.
fn seq_of(bytes: &[u8]) -> u32 {
    let (top, hi, lo) = match bytes[0] {
        0xF0 => (bytes[1], bytes[2], bytes[3]),
        status => (status & 0x0F, bytes[1], bytes[2]),
    };
    (u32::from(top) << 14) | (u32::from(hi) << 7) | u32::from(lo)
}

/// How an item is sent: a message whole, a SysEx in two pieces with a
/// clock byte inside the second (as a MIDI driver may deliver it).
fn pieces(seq: u32) -> Vec<Vec<u8>> {
    let bytes = item(seq);
    if bytes[0] != 0xF0 {
        return vec![bytes];
    }
    let (first, rest) = bytes.split_at(3);
    let mut second = rest.to_vec();
    second.insert(1, 0xF8);
    vec![first.to_vec(), second]
}

/// Sends every item: a retrying source waits for room (`try_push…`), a
/// lossy one moves on (`try_send…`). Returns its losses, keyed by how many
/// of its events the audio thread is to see before them.
fn send_all(mut source: StreamSource, lossy: bool) -> BTreeMap<u32, usize> {
    let mut delivered = 0u32;
    let mut losses = BTreeMap::new();
    for seq in 0..EVENTS {
        for piece in pieces(seq) {
            let before = source.dropped();
            let mut spins = 0;
            let result = loop {
                let result = if lossy {
                    source.try_send_bytes_at(&piece, u64::from(seq))
                } else {
                    source.try_push_bytes_at(&piece, u64::from(seq))
                };
                if result != Err(SendError::Full) || lossy {
                    break result;
                }
                backoff(&mut spins);
            };
            let lost = source.dropped() - before;
            if lost > 0 {
                *losses.entry(delivered).or_default() += lost;
            }
            let clocks = piece.iter().filter(|&&b| b == 0xF8).count() as u32;
            delivered += match result {
                Ok(()) if piece[0] == 0xF0 => clocks,
                Ok(()) => clocks + 1, // a message, or the SysEx completed
                Err(SendError::SysExLost) => clocks,
                Err(SendError::Full) => 0,
                Err(err) => panic!("{err}"),
            };
        }
    }
    losses
}

/// What the audio thread saw of one source.
#[derive(Default)]
struct Seen {
    delivered: u32,
    last_seq: Option<u32>,
    losses: BTreeMap<u32, usize>,
    /// Its end came: nothing may follow.
    ended: bool,
}

/// Takes events as the audio thread would until every source is gone and
/// nothing is left, backing off while the stream is empty.
fn receive_all(stream: &mut MidiStream, mut each: impl FnMut(Received<'_>)) {
    let mut idle = 0u32;
    let mut finished = false;
    loop {
        let Some(received) = stream.try_recv() else {
            if finished {
                break;
            }
            // Abandoned: one more pass sees everything the sources did.
            finished = stream.is_abandoned();
            backoff(&mut idle);
            continue;
        };
        idle = 0;
        each(received);
    }
}

fn three_sources(capacity: usize) {
    let ([retrying, lossy_a, lossy_b], mut stream) = MidiStream::builder()
        .capacity(capacity)
        .sysex_bytes(64)
        .build_merged();
    let senders = [
        thread::spawn(move || send_all(retrying, false)),
        thread::spawn(move || send_all(lossy_a, true)),
        thread::spawn(move || send_all(lossy_b, true)),
    ];
    let mut seen: [Seen; 3] = Default::default();
    let mut taken = 0u32;
    receive_all(&mut stream, |received| {
        taken += 1;
        if taken % 32 == 0 {
            // Like an audio callback: take a block's worth, then render.
            for _ in 0..2_000 {
                std::hint::spin_loop();
            }
        }
        let source = &mut seen[received.source];
        assert!(
            !source.ended,
            "source {}: an event after its end",
            received.source
        );
        let bytes = match received.event {
            Event::Ended => {
                source.ended = true;
                return;
            }
            Event::Lost { count } => {
                *source.losses.entry(source.delivered).or_default() += count;
                return;
            }
            Event::Message(MidiMessage::TIMING_CLOCK) => {
                source.delivered += 1;
                return;
            }
            Event::Message(message) => message.as_bytes().to_vec(),
            Event::SysEx(bytes) => bytes.to_vec(),
            other => panic!("not in a MIDI 1.0 stream: {other:?}"),
        };
        let seq = seq_of(&bytes);
        assert_eq!(bytes, item(seq), "source {}", received.source);
        assert_eq!(received.time, seq, "stamped with its number");
        assert!(
            source.last_seq.is_none_or(|last| seq > last),
            "source {} out of order: {seq} after {:?}",
            received.source,
            source.last_seq
        );
        source.last_seq = Some(seq);
        source.delivered += 1;
    });
    for (index, sender) in senders.into_iter().enumerate() {
        let losses = sender.join().unwrap();
        assert_eq!(
            seen[index].losses, losses,
            "source {index}: losses in place"
        );
    }
    // Every item, and the clock byte inside each SysEx.
    let everything = EVENTS + (0..EVENTS).filter(|seq| item(*seq)[0] == 0xF0).count() as u32;
    assert_eq!(
        seen[0].delivered, everything,
        "the retrying source lost nothing"
    );
    assert!(seen[0].losses.is_empty());
    assert!(seen.iter().all(|source| source.ended), "every source ended");
    for source in &seen[1..] {
        let lost: usize = source.losses.values().sum();
        assert!(source.delivered + lost as u32 >= everything);
        if !cfg!(miri) {
            assert!(lost > 0, "the lossy sources overflowed");
        }
    }
}

#[test]
fn three_sources_through_capacity_4() {
    three_sources(4);
}

#[test]
fn three_sources_through_capacity_64() {
    three_sources(64);
}

/// A loss with nothing sent after it must still reach the audio thread,
/// after everything sent before it: the report crosses threads without an
/// entry in the ring.
#[test]
fn a_last_loss_reaches_the_audio_thread_after_what_came_before() {
    let rounds = if cfg!(miri) { 20 } else { 20_000 };
    for _ in 0..rounds {
        let (mut source, mut stream) = MidiStream::builder().capacity(2).build();
        let sender = thread::spawn(move || {
            assert!(source.try_send_at(MidiMessage::START, 1));
            assert!(source.try_send_at(MidiMessage::CONTINUE, 2) || source.dropped() == 1);
            // Full unless the audio thread took something meanwhile.
            let third = source.try_send_at(MidiMessage::STOP, 3);
            (source.dropped(), third)
        });
        // (time, messages lost) of each event, owned.
        let mut got: Vec<(u32, usize)> = Vec::new();
        let lost_in = |event: Event<'_>| match event {
            Event::Lost { count } => count,
            _ => 0,
        };
        let mut ended = 0;
        loop {
            if let Some(received) = stream.try_recv() {
                assert_eq!(ended, 0, "an event after the source's end");
                match received.event {
                    Event::Ended => ended += 1,
                    event => got.push((received.time, lost_in(event))),
                }
                continue;
            }
            if stream.is_abandoned() {
                // Abandoned: one more look sees everything it did.
                match stream.try_recv() {
                    Some(received) if received.event == Event::Ended => ended += 1,
                    Some(received) => got.push((received.time, lost_in(received.event))),
                    None => break,
                }
            } else {
                std::hint::spin_loop();
            }
        }
        assert_eq!(ended, 1, "its end, once, last");
        let (dropped, _) = sender.join().unwrap();
        let lost: usize = got.iter().map(|(_, n)| n).sum();
        assert_eq!(lost, dropped);
        // In time order: whatever was lost comes after what came before it.
        let times: Vec<u32> = got.iter().map(|(t, _)| *t).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{got:?}");
    }
}

/// The same with the source alive: the sender waits, its ring empty, until
/// the audio thread has seen every loss it counted. The report of the last
/// loss reaches the audio thread with nothing sent after it and no drop.
#[test]
fn a_last_loss_reaches_the_audio_thread_while_its_source_lives() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let rounds = if cfg!(miri) { 10 } else { 5_000 };
    for _ in 0..rounds {
        let (mut source, mut stream) = MidiStream::builder().capacity(1).build();
        // usize::MAX until the sender is done sending.
        let dropped = Arc::new(AtomicUsize::new(usize::MAX));
        let seen_all = Arc::new(AtomicBool::new(false));
        let sender = {
            let (dropped, seen_all) = (Arc::clone(&dropped), Arc::clone(&seen_all));
            thread::spawn(move || {
                for (time, message) in [(1, MidiMessage::START), (2, MidiMessage::STOP)] {
                    source.try_send_at(message, time);
                }
                dropped.store(source.dropped(), Ordering::Release);
                let mut spins = 0;
                while !seen_all.load(Ordering::Acquire) {
                    backoff(&mut spins);
                }
                assert!(!source.is_abandoned());
            })
        };
        let (mut lost, mut times) = (0usize, Vec::new());
        let mut spins = 0;
        let began = std::time::Instant::now();
        loop {
            if let Some(received) = stream.try_recv() {
                times.push(received.time);
                if let Event::Lost { count } = received.event {
                    lost += count;
                }
                continue;
            }
            let counted = dropped.load(Ordering::Acquire);
            if counted != usize::MAX && lost == counted && times.len() == 2 {
                break;
            }
            assert!(lost <= counted, "more reported than lost");
            // A guard against hanging, not a speed target.
            assert!(
                began.elapsed() < std::time::Duration::from_secs(60),
                "the loss never reached the audio thread: {times:?}"
            );
            backoff(&mut spins);
        }
        assert!(!stream.is_abandoned(), "the source is still there");
        assert_eq!(times, [1, 2], "the loss of STOP at its time, after START");
        seen_all.store(true, Ordering::Release);
        sender.join().unwrap();
    }
}

/// A MIDI 2.0 stream with two threads: one sends packets of 64 and 128
/// bits and SysEx7 in packets, one sends MIDI 1.0 notes, translated. Each
/// retries when full; everything arrives whole, in each source's order.
#[test]
fn midi2_packets_and_translated_midi1_from_two_threads() {
    use bbx_midi::Protocol;
    use bbx_midi::ump::{FlexData, Midi2ChannelVoice, SysEx7Packets, Ump};
    let events: u32 = if cfg!(miri) { 60 } else { 50_000 };
    let ([mut packets, mut notes], mut stream) = MidiStream::builder()
        .protocol(Protocol::Midi2)
        .capacity(3)
        .sysex_bytes(32)
        .build_merged();
    // Event `seq` of the packet source: a note (its number in the velocity),
    // a tempo (in the value), or a SysEx (in its first two bytes).
    let packet_item = |seq: u32| -> Vec<Ump> {
        match seq % 3 {
            0 => vec![
                Midi2ChannelVoice::note_on(0, 0, 60, seq as u16, 0, 0)
                    .unwrap()
                    .packet(),
            ],
            1 => vec![FlexData::set_tempo(0, seq).unwrap().packet()],
            _ => {
                let seven = |shift: u32| (seq >> shift & 0x7F) as u8;
                let sysex = [0xF0, seven(14), seven(7), seven(0), 1, 2, 3, 4, 5, 0xF7];
                SysEx7Packets::new(&sysex, 0).unwrap().collect()
            }
        }
    };
    let sender = thread::spawn(move || {
        for seq in 0..events {
            for packet in packet_item(seq) {
                let mut spins = 0;
                while packets.try_push_ump_at(packet, u64::from(seq)).is_err() {
                    backoff(&mut spins);
                }
            }
        }
    });
    let keyboard = thread::spawn(move || {
        for seq in 0..events {
            let note = MidiMessage::note_on(1, (seq % 128) as u8, 1 + (seq % 127) as u8).unwrap();
            let mut spins = 0;
            while notes.try_push_at(note, u64::from(seq)).is_err() {
                backoff(&mut spins);
            }
        }
    });
    let (mut next, mut next_note) = (0u32, 0u32);
    receive_all(&mut stream, |received| {
        match (received.source, received.event) {
            (0, Event::Ump(packet)) => {
                assert_eq!(vec![packet], packet_item(next), "packet {next}");
                next += 1;
            }
            (0, Event::SysEx7 { group: 0, data }) => {
                let seq = u32::from(data[0]) << 14 | u32::from(data[1]) << 7 | u32::from(data[2]);
                assert_eq!((seq, next % 3, &data[3..]), (next, 2, &[1, 2, 3, 4, 5][..]));
                next += 1;
            }
            (1, Event::Ump(packet)) => {
                let seq = next_note;
                let velocity = bbx_midi::ump::scale_up(1 + seq % 127, 7, 16).unwrap() as u16;
                let expected = Midi2ChannelVoice::note_on(0, 1, (seq % 128) as u8, velocity, 0, 0)
                    .unwrap()
                    .packet();
                assert_eq!(packet, expected, "note {seq}");
                next_note += 1;
            }
            (_, Event::Ended) => {}
            (source, event) => panic!("source {source}: {event:?}"),
        }
    });
    sender.join().unwrap();
    keyboard.join().unwrap();
    assert_eq!((next, next_note), (events, events));
}

/// Eight sources in eight threads, stamped by one clock, taken block by
/// block through a `BlockScheduler` as an audio callback takes them: every
/// message once, in its source's order, and within each block in time
/// order across sources (the block takes what its look saw, earliest
/// first, ties to the lower source).
#[test]
fn eight_sources_in_threads_come_block_by_block_in_time_order() {
    use bbx_midi::{BlockScheduler, MidiClock};
    const SOURCES: usize = 8;
    let per_source: u32 = if cfg!(miri) { 20 } else { 2_000 };
    let clock = MidiClock::new();
    let (sources, mut stream) = MidiStream::builder().capacity(4096).build_sources(SOURCES);
    let senders: Vec<_> = sources
        .into_iter()
        .map(|mut source| {
            thread::spawn(move || {
                for seq in 0..per_source {
                    let message = MidiMessage::pitch_bend_change(0, seq as u16).unwrap();
                    while !source.try_send_at(message, clock.now_us()) {
                        thread::yield_now();
                    }
                    // About one message every 20 µs from each source, so
                    // that the sources' stamps interleave (not under Miri,
                    // whose clock crawls).
                    let until = clock.now_us() + 20;
                    while !cfg!(miri) && clock.now_us() < until {
                        std::hint::spin_loop();
                    }
                    if seq % 16 == 0 {
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    // 64-frame blocks at 48 kHz, played 2 ms after their stamps.
    let mut scheduler = BlockScheduler::new(48_000.0, 2_000);
    let mut next = [0u32; SOURCES];
    let mut taken = 0u32;
    let mut block_start = clock.now_us();
    let mut idle_blocks = 0;
    while taken < per_source * SOURCES as u32 && idle_blocks < 100_000 {
        // A callback on time: the block begins when the clock says so.
        while !cfg!(miri) && clock.now_us() < block_start {
            thread::yield_now();
        }
        scheduler.begin_block(block_start, 64);
        block_start += 1_333;
        let mut last: Option<(u32, usize)> = None;
        let mut any = false;
        while let Some(s) = scheduler.next_event(&mut stream) {
            if s.event == Event::Ended {
                continue;
            }
            let Event::Message(m) = s.event else {
                panic!("nothing is lost: {:?}", s.event);
            };
            assert_eq!(
                u32::from(m.pitch_bend().unwrap()),
                next[s.source],
                "source {}",
                s.source
            );
            next[s.source] += 1;
            if let Some((time, source)) = last {
                let in_order = (s.time.wrapping_sub(time) as i32) > 0
                    || (s.time == time && s.source >= source);
                assert!(
                    in_order,
                    "block out of order: ({time}, {source}) then ({}, {})",
                    s.time, s.source
                );
            }
            last = Some((s.time, s.source));
            taken += 1;
            any = true;
        }
        idle_blocks = if any { 0 } else { idle_blocks + 1 };
        if !any {
            thread::yield_now();
        }
    }
    for sender in senders {
        sender.join().unwrap();
    }
    assert_eq!(taken, per_source * SOURCES as u32);
}

/// Sources that come and go: three threads share an adder, each adding a
/// source, sending a session of 64 numbered messages (retrying, so none is
/// lost), dropping it, and again, through a stream of at most four
/// sources, so slots are freed and given out again while the audio thread
/// takes. Each session arrives whole, in order, under one index, and ends
/// once; no event of a new session comes before the end of the one that
/// held its slot.
#[test]
fn sources_added_and_dropped_from_several_threads_arrive_whole_and_end_once() {
    use std::sync::{Arc, Mutex};
    const THREADS: u16 = 3;
    const SESSIONS: u16 = if cfg!(miri) { 3 } else { 200 };
    const PER_SESSION: u16 = 64;
    let (first, mut stream) = MidiStream::builder().capacity(8).max_sources(4).build();
    drop(first);
    let adder = Arc::new(Mutex::new(stream.adder().unwrap()));
    let threads: Vec<_> = (0..THREADS)
        .map(|thread| {
            let adder = Arc::clone(&adder);
            thread::spawn(move || {
                for session in 0..SESSIONS {
                    let mut source = loop {
                        // Full while the audio thread has not taken the end
                        // of a source that held a slot: wait for it.
                        if let Ok(source) = adder.lock().unwrap().add() {
                            break source;
                        }
                        thread::yield_now();
                    };
                    for seq in 0..PER_SESSION {
                        let value = session * PER_SESSION + seq;
                        let mut message =
                            MidiMessage::pitch_bend_change(thread as u8, value).unwrap();
                        let mut spins = 0;
                        while let Err(back) = source.try_push_at(message, u64::from(seq)) {
                            message = back;
                            backoff(&mut spins);
                        }
                    }
                }
            })
        })
        .collect();
    drop(adder);
    // Per slot: the session it carries now, (thread, session), and the
    // next message expected in it. Across slots the merge goes by stamp,
    // so sessions of one thread may interleave; within a slot, one session
    // whole, then its end.
    let mut current: [Option<(u8, u16, u16)>; 4] = [None; 4];
    let mut finished = std::collections::BTreeSet::new();
    let mut ends = 0;
    receive_all(&mut stream, |received| {
        let slot = &mut current[received.source];
        match received.event {
            Event::Ended => {
                ends += 1;
                let Some((thread, session, next)) = slot.take() else {
                    return; // the source built with the stream, which sent nothing
                };
                assert_eq!(
                    next, PER_SESSION,
                    "thread {thread} session {session} ended early"
                );
                assert!(
                    finished.insert((thread, session)),
                    "{thread}/{session} twice"
                );
            }
            Event::Message(m) => {
                let thread = m.channel().unwrap();
                let value = m.pitch_bend().unwrap();
                let (session, seq) = (value / PER_SESSION, value % PER_SESSION);
                let state = slot.get_or_insert((thread, session, 0));
                assert_eq!(*state, (thread, session, seq), "slot {}", received.source);
                state.2 += 1;
            }
            other => panic!("nothing is lost: {other:?}"),
        }
    });
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(finished.len(), usize::from(THREADS * SESSIONS));
    assert_eq!(ends, usize::from(THREADS * SESSIONS) + 1);
}
