//! The properties the fuzz targets check, shared with the regression tests
//! that replay the kept corpus (`tests/fuzz_regressions.rs`): the fuzz
//! targets include this file with `#[path]`.

use std::fmt::Write as _;

use bbx_midi::stream::{StreamEvent, StreamParser, SysExEnd};
use bbx_midi::{MessageKind, MidiMessage};

/// `MidiMessage::parse`, `From<&[u8]>` and `new` on arbitrary bytes: no
/// panic, and every message they yield re-encodes to bytes that parse to it.
pub fn check_message(data: &[u8]) {
    let parsed = MidiMessage::parse(data);
    let from = MidiMessage::from(data);
    assert_eq!(from, parsed.unwrap_or(MidiMessage::INVALID));
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

fn run<const N: usize>(
    data: &[u8],
    split: usize,
) -> (Vec<StreamEvent<N>>, bbx_midi::stream::StreamStats) {
    let mut parser = StreamParser::<N>::new();
    let (a, b) = data.split_at(split.min(data.len()));
    let mut events: Vec<_> = parser.parse(a).collect();
    events.extend(parser.parse(b));
    events.extend(parser.finish());
    (events, parser.stats())
}

/// The stream parser on arbitrary bytes, split in two at an arbitrary
/// point: no panic; every message re-encodes to bytes that parse to it;
/// chunks are well formed; chunk size and the split do not change the
/// meaning; every data byte is delivered or counted.
pub fn check_stream(data: &[u8]) {
    let split = data.first().map_or(0, |b| usize::from(*b));
    let (small, stats) = run::<3>(data, split);
    let (large, _) = run::<64>(data, 0);
    let mut meaning_small = Vec::new();
    let mut sysex: Option<Vec<u8>> = None;
    let mut delivered = 0u64;
    for event in &small {
        match event {
            StreamEvent::Message(message) => {
                assert!(message.is_valid());
                assert_eq!(MidiMessage::parse(message.as_bytes()), Ok(*message));
                delivered += message.as_bytes().len() as u64 - 1;
                meaning_small.push(Meaning::Message(*message));
            }
            StreamEvent::SysEx(chunk) => {
                assert!(chunk.data().len() <= 3);
                assert!(chunk.data().iter().all(|b| *b < 0x80));
                assert_eq!(chunk.is_start(), sysex.is_none());
                delivered += chunk.data().len() as u64;
                let bytes = sysex.get_or_insert_with(Vec::new);
                bytes.extend_from_slice(chunk.data());
                if let Some(end) = chunk.end() {
                    meaning_small.push(Meaning::SysEx(sysex.take().unwrap(), end));
                }
            }
        }
    }
    assert!(sysex.is_none(), "finish ends every SysEx");
    let data_bytes = data.iter().filter(|b| **b < 0x80).count() as u64;
    assert_eq!(
        delivered + stats.stray_data_bytes + stats.incomplete_messages,
        data_bytes
    );
    assert_eq!(meaning_small, meaning(&large));
}

pub fn meaning<const N: usize>(events: &[StreamEvent<N>]) -> Vec<Meaning> {
    let mut out = Vec::new();
    let mut sysex: Option<Vec<u8>> = None;
    for event in events {
        match event {
            StreamEvent::Message(message) => out.push(Meaning::Message(*message)),
            StreamEvent::SysEx(chunk) => {
                sysex
                    .get_or_insert_with(Vec::new)
                    .extend_from_slice(chunk.data());
                if let Some(end) = chunk.end() {
                    out.push(Meaning::SysEx(sysex.take().unwrap(), end));
                }
            }
        }
    }
    out
}
