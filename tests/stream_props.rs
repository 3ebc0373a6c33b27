//! Properties of the stream parser over random byte streams: it never
//! panics, what it delivers is well formed, and the chunk size and the way
//! the input is split never change what comes out.

use bbx_midi::MidiMessage;
use bbx_midi::stream::{StreamEvent, StreamParser, SysExEnd};
use proptest::collection::vec;
use proptest::prelude::*;

/// Bytes biased towards what makes parsers trip: status bytes of every
/// class, SysEx framing and real-time bytes among plain data.
fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        6 => 0x00u8..0x80,
        2 => 0x80u8..0xF0,
        1 => Just(0xF0u8),
        1 => Just(0xF7u8),
        1 => 0xF1u8..0xF7,
        1 => 0xF8u8..=0xFF,
    ]
}

/// What a stream means, whatever the chunk size: the messages, and each
/// SysEx as its whole data with how it ended, in order.
#[derive(Debug, PartialEq)]
enum Meaning {
    Message(MidiMessage),
    SysEx(Vec<u8>, SysExEnd),
}

fn meaning<const N: usize>(events: &[StreamEvent<N>]) -> Vec<Meaning> {
    let mut out = Vec::new();
    let mut sysex: Option<Vec<u8>> = None;
    for event in events {
        match event {
            StreamEvent::Message(message) => out.push(Meaning::Message(*message)),
            StreamEvent::SysEx(chunk) => {
                let data = sysex.get_or_insert_with(Vec::new);
                data.extend_from_slice(chunk.data());
                if let Some(end) = chunk.end() {
                    out.push(Meaning::SysEx(sysex.take().unwrap(), end));
                }
            }
        }
    }
    out
}

fn run<const N: usize>(bytes: &[u8]) -> Vec<StreamEvent<N>> {
    let mut parser = StreamParser::<N>::new();
    let mut events: Vec<_> = parser.parse(bytes).collect();
    events.extend(parser.finish());
    events
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 2000 }))]

    #[test]
    fn delivered_events_are_well_formed(bytes in vec(byte(), 0..200)) {
        let events = run::<5>(&bytes);
        let mut in_sysex = false;
        for event in &events {
            match event {
                StreamEvent::Message(message) => {
                    prop_assert!(message.is_valid());
                    prop_assert_eq!(MidiMessage::parse(message.as_bytes()), Ok(*message));
                }
                StreamEvent::SysEx(chunk) => {
                    prop_assert!(chunk.data().len() <= 5);
                    prop_assert!(chunk.data().iter().all(|b| *b < 0x80));
                    // A start chunk only outside a SysEx, a continuation only inside.
                    prop_assert_eq!(chunk.is_start(), !in_sysex);
                    in_sysex = chunk.end().is_none();
                }
            }
        }
        prop_assert!(!in_sysex, "finish ends every SysEx");
    }

    #[test]
    fn the_chunk_size_does_not_change_the_meaning(bytes in vec(byte(), 0..200)) {
        prop_assert_eq!(meaning(&run::<1>(&bytes)), meaning(&run::<64>(&bytes)));
    }

    #[test]
    fn splitting_the_input_does_not_change_the_events(
        bytes in vec(byte(), 0..120),
        cuts in vec(0usize..120, 0..6),
    ) {
        let whole = run::<3>(&bytes);
        let mut parser = StreamParser::<3>::new();
        let mut events = Vec::new();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
        cuts.sort_unstable();
        let mut from = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            events.extend(parser.parse(&bytes[from..cut]));
            from = cut;
        }
        events.extend(parser.finish());
        prop_assert_eq!(events, whole);
    }

    #[test]
    fn every_byte_is_delivered_or_counted(bytes in vec(byte(), 0..200)) {
        let mut parser = StreamParser::<4>::new();
        let mut events: Vec<_> = parser.parse(&bytes).collect();
        events.extend(parser.finish());
        let stats = parser.stats();
        // Every data byte of the input is delivered (in a message or a
        // SysEx chunk), counted as stray, or went with an incomplete message.
        let data_in = bytes.iter().filter(|b| **b < 0x80).count() as u64;
        let delivered: u64 = events
            .iter()
            .map(|event| match event {
                StreamEvent::Message(m) => m.as_bytes().len() as u64 - 1,
                StreamEvent::SysEx(chunk) => chunk.data().len() as u64,
            })
            .sum();
        // A message is only ever cut short after its first of two data
        // bytes, so each incomplete message took exactly one with it.
        prop_assert_eq!(delivered + stats.stray_data_bytes + stats.incomplete_messages, data_in);
    }
}
