//! The properties the fuzz targets check, shared with the regression tests
//! that replay the kept corpus (`tests/fuzz_regressions.rs`): the fuzz
//! targets include this file with `#[path]`.

use std::fmt::Write as _;

use bbx_midi::parser::{MidiParser, Parsed, ParserStats, SysExEnd};
use bbx_midi::{MessageKind, MidiMessage};

/// `MidiMessage::parse`, `TryFrom<&[u8]>` and `new` on arbitrary bytes: no
/// panic, and every message they yield re-encodes to bytes that parse to it.
pub fn check_message(data: &[u8]) {
    let parsed = MidiMessage::parse(data);
    assert_eq!(MidiMessage::try_from(data), parsed);
    let from = parsed.unwrap_or(MidiMessage::INVALID);
    match parsed {
        Ok(message) => {
            assert!(message.is_valid());
            assert_eq!(message.as_bytes(), data);
            assert_eq!(MidiMessage::parse(message.as_bytes()), Ok(message));
        }
        Err(err) => {
            let mut text = String::new();
            write!(text, "{err}").unwrap();
            assert!(!text.is_empty());
        }
    }
    let mut three = [0u8; 3];
    for (slot, byte) in three.iter_mut().zip(data) {
        *slot = *byte;
    }
    let new = MidiMessage::new(three);
    if new.is_valid() {
        let wire = new.as_bytes();
        assert_eq!(wire, &three[..wire.len()]);
        assert_eq!(MidiMessage::parse(wire), Ok(new));
    } else {
        assert_eq!(new, MidiMessage::INVALID);
    }
    check_accessors(from);
    check_accessors(new);
}

/// Accessors and formatting agree with the message's kind and never panic.
fn check_accessors(message: MidiMessage) {
    let kind = message.kind();
    assert_eq!(message.is_valid(), kind != MessageKind::Invalid);
    assert_eq!(
        message.channel().is_some(),
        kind.is_channel_voice() || kind.is_channel_mode()
    );
    assert_eq!(message.is_note_on(), kind == MessageKind::NoteOn);
    assert_eq!(message.is_note_off(), kind == MessageKind::NoteOff);
    if let Some(bend) = message.pitch_bend() {
        assert!(bend <= 16383);
    }
    if let Some(channel) = message.channel() {
        assert!(channel <= 15);
    }
    let mut text = String::new();
    write!(text, "{message} {message:?}").unwrap();
}

/// What a stream means whatever the chunk size: messages and whole SysEx.
#[derive(Debug, PartialEq)]
pub enum Meaning {
    Message(MidiMessage),
    SysEx(Vec<u8>, SysExEnd),
}

/// An event the properties can keep: the parser lends SysEx bytes only
/// until the next byte.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Message(MidiMessage),
    Chunk(Vec<u8>, bool, Option<SysExEnd>),
}

/// Copies an event out of the parser.
pub fn own(event: Parsed<'_>) -> Event {
    match event {
        Parsed::Message(message) => Event::Message(message),
        Parsed::SysEx(chunk) => Event::Chunk(chunk.data().to_vec(), chunk.is_start(), chunk.end()),
    }
}

/// Feeds `pieces` one after the other to a fresh parser with chunk size
/// `N`, then finishes the stream; returns the events and the counters.
pub fn collect<const N: usize>(pieces: &[&[u8]]) -> (Vec<Event>, ParserStats) {
    let mut parser = MidiParser::<N>::new();
    let mut events = Vec::new();
    for piece in pieces {
        parser.parse(piece, |event| events.push(own(event)));
    }
    events.extend(parser.finish().map(own));
    (events, parser.stats())
}

/// The stream parser on arbitrary bytes, split in two at an arbitrary
/// point: no panic; every message re-encodes to bytes that parse to it;
/// chunks are well formed; chunk size and the split do not change the
/// meaning; every data byte is delivered or counted.
pub fn check_parser(data: &[u8]) {
    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let (small, stats) = collect::<3>(&[&data[..split], &data[split..]]);
    let (large, _) = collect::<64>(&[data]);
    let mut in_sysex = false;
    let mut delivered = 0u64;
    for event in &small {
        match event {
            Event::Message(message) => {
                assert!(message.is_valid());
                assert_eq!(MidiMessage::parse(message.as_bytes()), Ok(*message));
                delivered += message.as_bytes().len() as u64 - 1;
            }
            Event::Chunk(bytes, start, end) => {
                assert!(bytes.len() <= 3);
                assert!(bytes.iter().all(|b| *b < 0x80));
                // A start chunk only outside a SysEx, a continuation only inside.
                assert_eq!(*start, !in_sysex);
                in_sysex = end.is_none();
                delivered += bytes.len() as u64;
            }
        }
    }
    assert!(!in_sysex, "finish ends every SysEx");
    // Every data byte is delivered, counted as stray, or went with an
    // incomplete message (which takes at most one: the longest messages
    // have two data bytes).
    let data_bytes = data.iter().filter(|b| **b < 0x80).count() as u64;
    assert!(delivered + stats.stray_data_bytes <= data_bytes);
    assert!(delivered + stats.stray_data_bytes + stats.incomplete_messages >= data_bytes);
    assert_eq!(meaning(&small), meaning(&large));
}

/// The messages, and each SysEx whole with how it ended, in order.
pub fn meaning(events: &[Event]) -> Vec<Meaning> {
    let mut out = Vec::new();
    let mut sysex: Option<Vec<u8>> = None;
    for event in events {
        match event {
            Event::Message(message) => out.push(Meaning::Message(*message)),
            Event::Chunk(bytes, _, end) => {
                sysex.get_or_insert_with(Vec::new).extend_from_slice(bytes);
                if let Some(end) = end {
                    out.push(Meaning::SysEx(sysex.take().unwrap(), *end));
                }
            }
        }
    }
    out
}

/// A `StreamSource` fed arbitrary bytes as a MIDI driver's deliveries: the
/// first two bytes pick the capacity and the SysEx capacity; then each
/// delivery is a header byte (its length in the low 3 bits, `try_push…` when
/// bit 7 is set, the audio thread taking everything when bit 6 is) and that
/// many bytes. Nothing panics; every SysEx delivered is well formed and
/// within the capacity; every message is valid; every loss counted is
/// reported.
pub fn check_stream(data: &[u8]) {
    let [capacity, sysex, rest @ ..] = data else {
        return;
    };
    let capacity = 1 + usize::from(capacity % 8);
    let sysex_bytes = usize::from(sysex % 32);
    let (mut source, mut stream) = bbx_midi::MidiStream::builder()
        .capacity(capacity)
        .sysex_bytes(sysex_bytes)
        .build();
    let mut reported = 0usize;
    let mut ended = 0usize;
    let mut take_all = |stream: &mut bbx_midi::MidiStream| {
        while let Some(received) = stream.try_recv() {
            assert_eq!(ended, 0, "{:?} after the source's end", received.event);
            match received.event {
                bbx_midi::Event::Message(message) => assert!(message.is_valid()),
                bbx_midi::Event::SysEx(bytes) => {
                    assert!(
                        bytes.len() >= 2 && bytes.len() <= sysex_bytes,
                        "{bytes:02X?}"
                    );
                    assert_eq!((bytes[0], bytes[bytes.len() - 1]), (0xF0, 0xF7));
                    assert!(bytes[1..bytes.len() - 1].iter().all(|b| *b < 0x80));
                }
                bbx_midi::Event::Lost { count } => {
                    assert!(count > 0);
                    reported += count;
                }
                bbx_midi::Event::Ended => ended += 1,
                other => panic!("not in a MIDI 1.0 stream: {other:?}"),
            }
        }
    };
    let mut rest = rest;
    let mut time = 0u64;
    while let [header, tail @ ..] = rest {
        let len = usize::from(header & 7).min(tail.len());
        let (bytes, after) = tail.split_at(len);
        rest = after;
        time += 10;
        let result = if header & 0x80 != 0 {
            source.try_push_bytes_at(bytes, time)
        } else {
            source.try_send_bytes_at(bytes, time)
        };
        if let Err(err) = result {
            let mut text = String::new();
            write!(text, "{err}").unwrap();
            assert!(!text.is_empty());
        }
        if header & 0x40 != 0 {
            take_all(&mut stream);
        }
    }
    let dropped_before_drop = source.dropped();
    let in_progress = source.sysex_in_progress();
    drop(source);
    take_all(&mut stream);
    // Dropping a source in the middle of a SysEx loses that SysEx; its end
    // comes once, after everything.
    assert_eq!(reported, dropped_before_drop + usize::from(in_progress));
    assert_eq!(stream.lost(), reported);
    assert_eq!(ended, 1);
    assert!(stream.is_abandoned());
}

/// Little-endian words from fuzz bytes; a trailing partial word is dropped.
pub fn words_of(data: &[u8]) -> Vec<u32> {
    data.chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect()
}

/// The word-stream parser on arbitrary words: no panic; each packet is
/// exactly the words it was read from and re-encodes to them, through
/// `Ump::parse` and through its typed view; a stream ends in a packet or
/// in one `Truncated` error covering the words left.
pub fn check_ump_words(data: &[u8]) {
    use bbx_midi::ump::{Ump, UmpError, UmpReader, packet_len};

    let words = words_of(data);
    let mut reader = UmpReader::new(&words);
    let mut at = 0;
    let mut packets = 0;
    while let Some(result) = reader.next() {
        match result {
            Ok(packet) => {
                let len = packet_len(packet.message_type());
                assert_eq!(packet.len(), len);
                assert_eq!(packet.words(), &words[at..at + len]);
                assert_eq!(Ump::parse(packet.words()), Ok(packet));
                assert_eq!(packet.message().packet(), packet, "{packet:?}");
                let array = packet.to_array();
                assert!(array[len..].iter().all(|w| *w == 0));
                assert_eq!(
                    packet.group().is_none(),
                    matches!(packet.message_type(), 0x0 | 0xF)
                );
                let mut text = String::new();
                write!(text, "{packet:?} {:?}", packet.message()).unwrap();
                at += len;
                packets += 1;
            }
            Err(UmpError::Truncated {
                message_type,
                expected,
                found,
            }) => {
                assert_eq!(found, words.len() - at);
                assert!(found < expected);
                assert_eq!(u32::from(message_type), words[at] >> 28);
                assert_eq!(reader.next(), None);
                break;
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(reader.remaining(), &words[at..]);
    // Exactly one packet parses whole; anything else is an error.
    match Ump::parse(&words) {
        Ok(packet) => assert_eq!((packets, packet.words()), (1, &words[..])),
        Err(err) => assert!(
            words.is_empty() || packets != 1 || at != words.len(),
            "{err}"
        ),
    }
}

/// MIDI 1.0 bytes through `Midi1ToUmp` and back through `UmpToMidi1`: no
/// panic, only type 1, 2 and 3 packets, each a valid view, and the same
/// messages and SysEx data as the stream parser finds in the bytes.
pub fn check_ump_bytes(data: &[u8]) {
    use bbx_midi::ump::{Midi1Event, Midi1ToUmp, UmpMessage, UmpToMidi1};

    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let mut to_ump = Midi1ToUmp::new(data.len() as u8 % 16).unwrap();
    let mut packets = Vec::new();
    to_ump.parse(&data[..split], |p| packets.push(p));
    to_ump.parse(&data[split..], |p| packets.push(p));
    to_ump.finish(|p| packets.push(p));
    // Longer than any input the fuzzers make (-max_len=512), so no SysEx is
    // too long to join.
    assert!(data.len() < 4096, "input too long for this property");
    let mut to_bytes = UmpToMidi1::<4096>::new();
    let mut got = Vec::new();
    for packet in &packets {
        assert!(
            matches!(
                packet.message(),
                UmpMessage::System(_) | UmpMessage::Midi1ChannelVoice(_) | UmpMessage::SysEx7(_)
            ),
            "{packet:?}"
        );
        to_bytes.push(*packet, |_, event| {
            got.push(match event {
                Midi1Event::Message(m) => Meaning::Message(m),
                Midi1Event::SysEx(bytes) => {
                    assert_eq!((bytes[0], bytes[bytes.len() - 1]), (0xF0, 0xF7));
                    Meaning::SysEx(bytes[1..bytes.len() - 1].to_vec(), SysExEnd::Terminated)
                }
            })
        });
    }
    assert_eq!(to_bytes.stats(), Default::default());
    let (events, stats) = collect::<64>(&[data]);
    assert_eq!(to_ump.stats(), stats);
    // UMP has no unterminated SysEx: it is ended.
    let expected: Vec<Meaning> = meaning(&events)
        .into_iter()
        .map(|m| match m {
            Meaning::SysEx(bytes, _) => Meaning::SysEx(bytes, SysExEnd::Terminated),
            other => other,
        })
        .collect();
    assert_eq!(got, expected);
}

/// The protocol translators on arbitrary packets: no panic; MIDI 1.0 to
/// 2.0 leaves no type 2 packet and 2.0 to 1.0 no type 4 packet, each
/// output a valid view; a type 2 message that needs no state comes back
/// from 1.0 → 2.0 → 1.0 unchanged (a Note On with velocity 0 as a Note
/// Off with velocity 0).
pub fn check_ump_protocol(data: &[u8]) {
    use bbx_midi::ump::{
        Midi1ChannelVoice, Midi1ToMidi2, Midi2ChannelVoice, Midi2ToMidi1, UmpReader,
    };

    let words = words_of(data);
    let mut up = Midi1ToMidi2::new();
    let mut down = Midi2ToMidi1::new();
    for packet in UmpReader::new(&words).flatten() {
        let mut midi2 = Vec::new();
        up.push(packet, |p| midi2.push(p));
        if data.len() % 7 == 0 {
            up.flush(|p| midi2.push(p));
        }
        for p in &midi2 {
            assert_ne!(p.message_type(), 0x2);
            if packet.message_type() == 0x2 {
                // Made by the translator, not passed through.
                assert!(Midi2ChannelVoice::try_from(*p).is_ok());
            }
        }
        for p in midi2.iter().copied().chain([packet]) {
            let mut midi1 = Vec::new();
            down.push(p, |q| midi1.push(q));
            for q in &midi1 {
                assert_ne!(q.message_type(), 0x4);
                if p.message_type() == 0x4 {
                    // Made by the translator, not passed through.
                    assert!(Midi1ChannelVoice::try_from(*q).is_ok());
                }
            }
        }
        // Stateless messages round-trip through fresh translators.
        if let Ok(view) = Midi1ChannelVoice::try_from(packet) {
            let bytes = view.message();
            let stateful = matches!(bytes.controller(), Some(0 | 6 | 32 | 38 | 96..=101 | 121));
            if !stateful {
                let mut back = Vec::new();
                Midi1ToMidi2::new().push(packet, |p| {
                    Midi2ToMidi1::new().push(p, |q| back.push(q));
                });
                let expected = if bytes.is_note_off() && bytes.status() & 0xF0 == 0x90 {
                    let [status, note, _] = [bytes.status(), bytes.note().unwrap(), 0];
                    let off = MidiMessage::note_off(status & 0xF, note, 0).unwrap();
                    Midi1ChannelVoice::new(view.group(), off).unwrap().packet()
                } else {
                    packet
                };
                assert_eq!(back, [expected], "{bytes:?}");
            }
        }
    }
    let _ = (up.stats(), down.stats());
}
