//! The stream parser against the MIDI 1.0 rules, one rule per test, and the
//! cases other parsers get wrong.

#[allow(
    dead_code,
    reason = "each test file uses part of the shared support code"
)]
mod support;

use bbx_midi::parser::{MidiParser, ParserStats, SysExEnd};
use bbx_midi::{MidiError, MidiMessage};
use support::properties::{Event, own};

fn feed<const N: usize>(parser: &mut MidiParser<N>, bytes: &[u8]) -> Vec<Event> {
    let mut events = Vec::new();
    parser.parse(bytes, |event| events.push(own(event)));
    events
}

fn parse(bytes: &[u8]) -> (Vec<Event>, ParserStats) {
    let mut parser = MidiParser::<64>::new();
    let events = feed(&mut parser, bytes);
    (events, parser.stats())
}

fn msg(bytes: &[u8]) -> Event {
    Event::Message(MidiMessage::parse(bytes).unwrap())
}

fn messages(list: &[&[u8]]) -> Vec<Event> {
    list.iter().map(|bytes| msg(bytes)).collect()
}

/// The SysEx chunks of `events`, as (data, start, end).
fn chunks(events: &[Event]) -> Vec<(Vec<u8>, bool, Option<SysExEnd>)> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Chunk(data, start, end) => Some((data.clone(), *start, *end)),
            Event::Message(_) => None,
        })
        .collect()
}

fn stats(f: impl FnOnce(&mut ParserStats)) -> ParserStats {
    let mut stats = ParserStats::default();
    f(&mut stats);
    stats
}

#[test]
fn a_channel_message_with_its_status_byte() {
    let (events, skipped) = parse(&[0x93, 60, 100]);
    assert_eq!(events, messages(&[&[0x93, 60, 100]]));
    assert_eq!(skipped, ParserStats::default());
}

#[test]
fn every_short_message_comes_out_as_itself() {
    for status in 0x80..=0xFFu8 {
        for data in [[0u8, 0], [1, 2], [0x7F, 0x7F], [60, 0]] {
            let bytes = [status, data[0], data[1]];
            let Some(len) = (1..=3).find(|&n| MidiMessage::parse(&bytes[..n]).is_ok()) else {
                continue;
            };
            let (events, _) = parse(&bytes[..len]);
            assert_eq!(events, messages(&[&bytes[..len]]), "{bytes:02X?}");
        }
    }
}

#[test]
fn running_status_repeats_a_channel_status() {
    let (events, _) = parse(&[0x90, 60, 100, 64, 90, 67, 0]);
    assert_eq!(
        events,
        messages(&[&[0x90, 60, 100], &[0x90, 64, 90], &[0x90, 67, 0]])
    );
}

#[test]
fn running_status_works_for_two_byte_messages() {
    let (events, _) = parse(&[0xC2, 5, 6, 7]);
    assert_eq!(events, messages(&[&[0xC2, 5], &[0xC2, 6], &[0xC2, 7]]));
}

#[test]
fn a_new_channel_status_replaces_the_running_status() {
    let (events, _) = parse(&[0x90, 60, 100, 0x80, 60, 0, 62, 0]);
    assert_eq!(
        events,
        messages(&[&[0x90, 60, 100], &[0x80, 60, 0], &[0x80, 62, 0]])
    );
}

#[test]
fn a_clock_byte_between_the_data_bytes_comes_out_first_and_leaves_the_message_whole() {
    let (events, skipped) = parse(&[0x90, 60, 0xF8, 100]);
    assert_eq!(events, messages(&[&[0xF8], &[0x90, 60, 100]]));
    assert_eq!(skipped, ParserStats::default());
}

#[test]
fn a_clock_byte_between_running_status_data_bytes_keeps_the_running_status() {
    let (events, skipped) = parse(&[0x90, 60, 100, 64, 0xF8, 90, 0xFE, 67, 0xFA, 80]);
    assert_eq!(
        events,
        messages(&[
            &[0x90, 60, 100],
            &[0xF8],
            &[0x90, 64, 90],
            &[0xFE],
            &[0xFA],
            &[0x90, 67, 80],
        ])
    );
    assert_eq!(skipped, ParserStats::default());
}

#[test]
fn every_real_time_byte_is_a_message_on_its_own() {
    let bytes = [0xF8, 0xFA, 0xFB, 0xFC, 0xFE, 0xFF];
    let (events, _) = parse(&bytes);
    let expected: Vec<Event> = bytes.iter().map(|b| msg(&[*b])).collect();
    assert_eq!(events, expected);
}

#[test]
fn system_common_cancels_running_status() {
    let (events, skipped) = parse(&[0x90, 60, 100, 0xF3, 1, 64, 90]);
    assert_eq!(events, messages(&[&[0x90, 60, 100], &[0xF3, 1]]));
    assert_eq!(skipped, stats(|s| s.stray_data_bytes = 2));
}

#[test]
fn tune_request_is_delivered_at_once_and_cancels_running_status() {
    let (events, skipped) = parse(&[0x90, 60, 100, 0xF6, 64, 90]);
    assert_eq!(events, messages(&[&[0x90, 60, 100], &[0xF6]]));
    assert_eq!(skipped, stats(|s| s.stray_data_bytes = 2));
}

#[test]
fn system_common_messages_carry_their_data_bytes() {
    let (events, _) = parse(&[0xF1, 0x25, 0xF2, 0, 1, 0xF3, 5]);
    assert_eq!(
        events,
        messages(&[&[0xF1, 0x25], &[0xF2, 0, 1], &[0xF3, 5]])
    );
}

#[test]
fn system_common_messages_do_not_run_on() {
    let (events, skipped) = parse(&[0xF3, 5, 6]);
    assert_eq!(events, messages(&[&[0xF3, 5]]));
    assert_eq!(skipped, stats(|s| s.stray_data_bytes = 1));
}

#[test]
fn undefined_real_time_bytes_are_skipped_without_disturbing_the_message() {
    let (events, skipped) = parse(&[0x90, 60, 0xF9, 100, 0xFD, 64, 90]);
    assert_eq!(events, messages(&[&[0x90, 60, 100], &[0x90, 64, 90]]));
    assert_eq!(skipped, stats(|s| s.undefined_status_bytes = 2));
}

#[test]
fn undefined_system_common_bytes_and_their_data_are_skipped_until_the_next_status() {
    let (events, skipped) = parse(&[0x90, 60, 100, 0xF4, 1, 2, 0xF5, 3, 0x80, 60, 0]);
    assert_eq!(events, messages(&[&[0x90, 60, 100], &[0x80, 60, 0]]));
    assert_eq!(
        skipped,
        stats(|s| {
            s.undefined_status_bytes = 2;
            s.stray_data_bytes = 3;
        })
    );
}

#[test]
fn data_bytes_before_any_status_are_skipped_and_counted() {
    let (events, skipped) = parse(&[60, 100, 0x90, 60, 100]);
    assert_eq!(events, messages(&[&[0x90, 60, 100]]));
    assert_eq!(skipped, stats(|s| s.stray_data_bytes = 2));
}

#[test]
fn a_lone_end_of_exclusive_is_skipped_counted_and_cancels_running_status() {
    let (events, skipped) = parse(&[0x90, 60, 100, 0xF7, 64, 90]);
    assert_eq!(events, messages(&[&[0x90, 60, 100]]));
    assert_eq!(
        skipped,
        stats(|s| {
            s.stray_end_of_exclusive = 1;
            s.stray_data_bytes = 2;
        })
    );
}

#[test]
fn a_message_cut_short_by_a_status_byte_is_counted_as_incomplete() {
    let (events, skipped) = parse(&[0x90, 60, 0x80, 60, 0]);
    assert_eq!(events, messages(&[&[0x80, 60, 0]]));
    assert_eq!(skipped, stats(|s| s.incomplete_messages = 1));
}

#[test]
fn a_short_sysex_comes_as_one_chunk_that_starts_and_ends() {
    let (events, skipped) = parse(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7]);
    assert_eq!(
        chunks(&events),
        [(
            vec![0x7E, 0x7F, 0x06, 0x01],
            true,
            Some(SysExEnd::Terminated)
        )]
    );
    assert_eq!(events.len(), 1);
    assert_eq!(skipped, ParserStats::default());
}

#[test]
fn an_empty_sysex_is_one_empty_chunk() {
    let (events, _) = parse(&[0xF0, 0xF7]);
    assert_eq!(
        chunks(&events),
        [(vec![], true, Some(SysExEnd::Terminated))]
    );
}

#[test]
fn a_long_sysex_comes_in_chunks_of_n_bytes() {
    let mut parser = MidiParser::<4>::new();
    let mut bytes = vec![0xF0];
    bytes.extend(0..10u8);
    bytes.push(0xF7);
    let events = feed(&mut parser, &bytes);
    assert_eq!(
        chunks(&events),
        [
            (vec![0, 1, 2, 3], true, None),
            (vec![4, 5, 6, 7], false, None),
            (vec![8, 9], false, Some(SysExEnd::Terminated)),
        ]
    );
}

#[test]
fn a_sysex_of_exactly_n_bytes_ends_with_an_empty_chunk() {
    let mut parser = MidiParser::<3>::new();
    let events = feed(&mut parser, &[0xF0, 1, 2, 3, 0xF7]);
    assert_eq!(
        chunks(&events),
        [
            (vec![1, 2, 3], true, None),
            (vec![], false, Some(SysExEnd::Terminated)),
        ]
    );
}

#[test]
fn real_time_bytes_inside_sysex_come_out_at_once_and_the_sysex_stays_whole() {
    let (events, skipped) = parse(&[0xF0, 0x43, 0xF8, 0x10, 0xFE, 0x4C, 0xF7]);
    assert_eq!(events[0], msg(&[0xF8]));
    assert_eq!(events[1], msg(&[0xFE]));
    assert_eq!(
        chunks(&events),
        [(vec![0x43, 0x10, 0x4C], true, Some(SysExEnd::Terminated))]
    );
    assert_eq!(skipped, ParserStats::default());
}

#[test]
fn a_status_byte_ends_a_sysex_as_unterminated_then_starts_its_message() {
    let (events, skipped) = parse(&[0xF0, 0x41, 0x10, 0x90, 60, 100]);
    assert_eq!(
        chunks(&events),
        [(vec![0x41, 0x10], true, Some(SysExEnd::Unterminated))]
    );
    assert_eq!(events[1], msg(&[0x90, 60, 100]));
    assert_eq!(skipped, stats(|s| s.unterminated_sysex = 1));
}

#[test]
fn tune_request_inside_sysex_yields_two_events_from_one_byte() {
    let mut parser = MidiParser::<8>::new();
    assert!(feed(&mut parser, &[0xF0, 1]).is_empty());
    let events: Vec<_> = parser.push(0xF6).map(own).collect();
    assert_eq!(events.len(), 2);
    assert_eq!(
        chunks(&events),
        [(vec![1], true, Some(SysExEnd::Unterminated))]
    );
    assert_eq!(events[1], Event::Message(MidiMessage::TUNE_REQUEST));
}

#[test]
fn a_new_sysex_start_ends_the_previous_one_as_unterminated() {
    let (events, skipped) = parse(&[0xF0, 1, 0xF0, 2, 0xF7]);
    assert_eq!(
        chunks(&events),
        [
            (vec![1], true, Some(SysExEnd::Unterminated)),
            (vec![2], true, Some(SysExEnd::Terminated)),
        ]
    );
    assert_eq!(skipped, stats(|s| s.unterminated_sysex = 1));
}

#[test]
fn sysex_cancels_running_status() {
    let (events, skipped) = parse(&[0x90, 60, 100, 0xF0, 1, 0xF7, 64, 90]);
    assert_eq!(events[0], msg(&[0x90, 60, 100]));
    assert_eq!(events.len(), 2);
    assert_eq!(skipped, stats(|s| s.stray_data_bytes = 2));
}

#[test]
fn finish_delivers_a_sysex_in_progress_as_unterminated() {
    let mut parser = MidiParser::<8>::new();
    assert!(feed(&mut parser, &[0xF0, 0x7D, 1]).is_empty());
    let last = own(parser.finish().expect("the SysEx in progress"));
    assert_eq!(
        chunks(&[last]),
        [(vec![0x7D, 1], true, Some(SysExEnd::Unterminated))]
    );
    assert_eq!(parser.stats(), stats(|s| s.unterminated_sysex = 1));
    assert_eq!(parser.finish(), None);
}

#[test]
fn finish_counts_an_incomplete_message_and_forgets_running_status() {
    let mut parser = MidiParser::<8>::new();
    assert_eq!(feed(&mut parser, &[0x90, 60, 100, 64]).len(), 1);
    assert_eq!(parser.finish(), None);
    assert_eq!(parser.stats(), stats(|s| s.incomplete_messages = 1));
    assert_eq!(
        feed(&mut parser, &[64, 90]).len(),
        0,
        "no running status after finish"
    );
    assert_eq!(parser.stats().stray_data_bytes, 2);
}

#[test]
fn reset_forgets_the_stream_and_the_counters() {
    let mut parser = MidiParser::<8>::new();
    assert!(feed(&mut parser, &[1, 0x90, 60]).is_empty());
    parser.reset();
    assert_eq!(parser.stats(), ParserStats::default());
    assert!(feed(&mut parser, &[100]).is_empty());
    assert_eq!(parser.stats().stray_data_bytes, 1);
}

#[test]
fn state_carries_over_between_reads() {
    let mut parser = MidiParser::<2>::new();
    let bytes = [0xF0, 1, 2, 3, 0xF7, 0x90, 60, 100, 64, 90];
    let whole = feed(&mut MidiParser::<2>::new(), &bytes);
    for split in 0..bytes.len() {
        parser.reset();
        let (a, b) = bytes.split_at(split);
        let mut events = feed(&mut parser, a);
        events.extend(feed(&mut parser, b));
        assert_eq!(events, whole, "split at {split}");
    }
}

#[test]
fn push_and_parse_agree() {
    let bytes = [0xF0, 1, 0xF8, 0xF6, 0x90, 60, 100, 61, 0xF4, 1, 0xF7];
    let mut by_push = Vec::new();
    let mut parser = MidiParser::<4>::new();
    for &byte in &bytes {
        by_push.extend(parser.push(byte).map(own));
    }
    let by_parse = feed(&mut MidiParser::<4>::new(), &bytes);
    assert_eq!(by_push, by_parse);
    assert_eq!(by_push.len(), 4);
}

#[test]
fn debug_output_shows_the_data_not_the_buffer() {
    let mut parser = MidiParser::<64>::new();
    assert_eq!(parser.push(0xF0).count(), 0);
    assert_eq!(parser.push(1).count(), 0);
    let event = parser.push(0xF7).next().unwrap();
    assert_eq!(
        format!("{event:?}"),
        "SysEx(SysExChunk { data: [1], start: true, end: Some(Terminated) })"
    );
    assert_eq!(
        format!("{parser:?}"),
        "MidiParser { chunk_size: 64, running_status: 0, in_sysex: false, stats: \
         ParserStats { stray_data_bytes: 0, undefined_status_bytes: 0, stray_end_of_exclusive: 0, \
         incomplete_messages: 0, unterminated_sysex: 0 }, .. }"
    );
}

#[test]
fn a_status_byte_whose_message_never_came_is_counted_as_incomplete() {
    let (events, skipped) = parse(&[0x90, 0xC0, 5]);
    assert_eq!(events, messages(&[&[0xC0, 5]]));
    assert_eq!(skipped, stats(|s| s.incomplete_messages = 1));
    let mut parser = MidiParser::<8>::new();
    assert!(feed(&mut parser, &[0xF2]).is_empty());
    assert_eq!(parser.finish(), None);
    assert_eq!(parser.stats(), stats(|s| s.incomplete_messages = 1));
}

#[test]
fn running_status_left_unused_is_not_counted_as_incomplete() {
    let (_, skipped) = parse(&[0x90, 60, 100, 0x80, 60, 0, 0xF6]);
    assert_eq!(skipped, ParserStats::default());
}

#[test]
fn a_large_chunk_size_costs_nothing_per_byte() {
    // The events borrow the parser, so push copies no chunk: a parser with
    // 64 KiB chunks takes the same path as one with 8-byte chunks.
    let mut small = MidiParser::<8>::new();
    let mut large = Box::new(MidiParser::<65536>::new());
    let bytes: Vec<u8> = (0..10_000u32)
        .flat_map(|i| [0x90, (i % 128) as u8, 64])
        .collect();
    assert_eq!(feed(&mut small, &bytes), feed(&mut *large, &bytes));
    assert!(std::mem::size_of::<bbx_midi::parser::ParsedEvents<'_>>() <= 48);
}

/// A sanity anchor for the property test below: the re-encoding of a
/// delivered message parses back to it.
#[test]
fn delivered_messages_reencode_to_themselves() -> Result<(), MidiError> {
    let (events, _) = parse(&[0xB0, 7, 100, 8, 0xF8, 90, 0xE0, 0, 0x40]);
    for event in events {
        if let Event::Message(message) = event {
            assert_eq!(MidiMessage::parse(message.as_bytes())?, message);
        }
    }
    Ok(())
}
