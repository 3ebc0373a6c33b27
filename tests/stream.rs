//! `MidiStream` and its sources on one thread: order, SysEx whole or lost,
//! losses in place, the merge of several sources.

use bbx_midi::parser::MidiParser;
use bbx_midi::{Event, MidiError, MidiMessage, MidiStream, SendError, StreamSource};

/// A way of sending something into a source.
type Sender = fn(&mut StreamSource);

fn note(n: u8) -> MidiMessage {
    MidiMessage::note_on(0, n, 100).unwrap()
}

/// What the stream delivered, owned, for comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Got {
    Msg(MidiMessage),
    SysEx(Vec<u8>),
    Lost(usize),
    Ended,
}

/// Everything the stream has now, as (time, source, what).
fn take_all(stream: &mut MidiStream) -> Vec<(u32, usize, Got)> {
    let mut got = Vec::new();
    while let Some(received) = stream.try_recv() {
        let what = match received.event {
            Event::Message(m) => Got::Msg(m),
            Event::SysEx(bytes) => Got::SysEx(bytes.to_vec()),
            Event::Lost { count } => Got::Lost(count),
            Event::Ended => Got::Ended,
            other => panic!("not in a MIDI 1.0 stream: {other:?}"),
        };
        got.push((received.time, received.source, what));
    }
    got
}

/// Only what was delivered, without times and sources.
fn events(stream: &mut MidiStream) -> Vec<Got> {
    take_all(stream).into_iter().map(|(_, _, g)| g).collect()
}

/// A SysEx of `len` bytes in all, its data counting from `seed`.
fn sysex(len: usize, seed: u8) -> Vec<u8> {
    assert!(len >= 2);
    let mut bytes = vec![0xF0];
    bytes.extend((0..len - 2).map(|i| (seed as usize + i) as u8 & 0x7F));
    bytes.push(0xF7);
    bytes
}

fn one(capacity: usize, sysex_bytes: usize) -> (StreamSource, MidiStream) {
    MidiStream::builder()
        .capacity(capacity)
        .sysex_bytes(sysex_bytes)
        .build()
}

// ---------------------------------------------------------------- messages

#[test]
fn messages_come_out_in_the_order_sent_with_their_times() {
    let (mut source, mut stream) = one(8, 0);
    for i in 0..5 {
        assert!(source.try_send_at(note(i), 100 + u64::from(i)));
    }
    let got = take_all(&mut stream);
    let expected: Vec<_> = (0..5)
        .map(|i| (100 + u32::from(i), 0, Got::Msg(note(i))))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(stream.try_recv(), None);
}

#[test]
fn capacity_is_exactly_the_messages_a_source_holds() {
    for capacity in [1, 2, 3, 64] {
        let (mut source, mut stream) = one(capacity, 0);
        assert_eq!(source.slots(), capacity);
        for i in 0..capacity {
            assert!(source.try_send_at(note(i as u8 % 128), 0), "{capacity}");
        }
        assert!(source.is_full());
        assert_eq!(source.slots(), 0);
        assert!(!source.try_send_at(note(0), 0));
        assert_eq!(
            events(&mut stream).len(),
            capacity + 1,
            "messages and one loss"
        );
    }
}

#[test]
fn invalid_is_refused_and_not_counted() {
    let (mut source, mut stream) = one(4, 0);
    assert!(!source.try_send_at(MidiMessage::INVALID, 0));
    assert_eq!(
        source.try_push_at(MidiMessage::INVALID, 0),
        Err(MidiMessage::INVALID)
    );
    assert_eq!(source.dropped(), 0);
    assert_eq!(stream.try_recv(), None);
}

#[test]
fn times_are_kept_modulo_two_to_the_32() {
    let (mut source, mut stream) = one(4, 0);
    assert!(source.try_send_at(note(1), (1 << 32) + 7));
    assert_eq!(take_all(&mut stream), [(7, 0, Got::Msg(note(1)))]);
}

#[test]
fn pop_into_takes_messages_and_stops_before_a_sysex_or_a_loss() {
    let (mut source, mut stream) = one(4, 16);
    source.try_send_at(note(1), 1);
    source.try_send_bytes_at(&[0xF0, 1, 0xF7], 2).unwrap();
    source.try_send_at(note(2), 3);
    let mut out = [bbx_midi::MidiEvent::default(); 8];
    assert_eq!(stream.pop_into(&mut out), 1);
    assert_eq!(out[0], bbx_midi::MidiEvent::new(note(1), 1));
    assert_eq!(stream.pop_into(&mut out), 0, "a SysEx is next");
    assert_eq!(
        events(&mut stream),
        [Got::SysEx(vec![0xF0, 1, 0xF7]), Got::Msg(note(2))]
    );
}

// ------------------------------------------------------------------- SysEx

#[test]
fn sysex_and_messages_come_out_in_the_order_sent() {
    let (mut source, mut stream) = one(16, 256);
    source.try_send_at(note(1), 0);
    source.try_send_bytes_at(&sysex(10, 1), 1).unwrap();
    source.try_send_bytes_at(&[0x90, 62, 100], 2).unwrap();
    source.try_send_bytes_at(&sysex(2, 0), 3).unwrap();
    assert_eq!(
        events(&mut stream),
        [
            Got::Msg(note(1)),
            Got::SysEx(sysex(10, 1)),
            Got::Msg(note(62)),
            Got::SysEx(vec![0xF0, 0xF7]),
        ]
    );
}

#[test]
fn a_sysex_in_pieces_is_delivered_whole_when_its_last_piece_comes() {
    // As midir on Windows delivers a SysEx longer than 1024 bytes.
    let (mut source, mut stream) = one(8, 4096);
    let whole = sysex(3000, 5);
    let pieces: Vec<&[u8]> = whole.chunks(1024).collect();
    for (i, piece) in pieces.iter().enumerate() {
        source.try_send_bytes_at(piece, 10 * i as u64).unwrap();
        let last = i == pieces.len() - 1;
        assert_eq!(source.sysex_in_progress(), !last);
        if !last {
            assert_eq!(stream.try_recv(), None, "nothing before the last piece");
        }
    }
    assert_eq!(take_all(&mut stream), [(20, 0, Got::SysEx(whole))]);
}

#[test]
fn a_piece_may_be_the_end_byte_alone_or_the_start_byte_alone() {
    let (mut source, mut stream) = one(8, 64);
    source.try_send_bytes_at(&[0xF0], 0).unwrap();
    source.try_send_bytes_at(&[1, 2, 3], 0).unwrap();
    source.try_send_bytes_at(&[0xF7], 0).unwrap();
    assert_eq!(events(&mut stream), [Got::SysEx(vec![0xF0, 1, 2, 3, 0xF7])]);
}

#[test]
fn real_time_bytes_inside_a_sysex_are_delivered_at_once_and_left_out_of_it() {
    let (mut source, mut stream) = one(8, 64);
    source
        .try_send_bytes_at(&[0xF0, 0x7D, 0xF8, 1, 0xFE, 2, 0xF7], 0)
        .unwrap();
    assert_eq!(
        events(&mut stream),
        [
            Got::Msg(MidiMessage::TIMING_CLOCK),
            Got::Msg(MidiMessage::ACTIVE_SENSING),
            Got::SysEx(vec![0xF0, 0x7D, 1, 2, 0xF7]),
        ]
    );
}

#[test]
fn a_real_time_message_between_pieces_leaves_the_sysex_whole() {
    let (mut source, mut stream) = one(8, 64);
    source.try_send_bytes_at(&[0xF0, 1], 0).unwrap();
    source.try_send_bytes_at(&[0xFA], 1).unwrap();
    source.try_send_at(MidiMessage::TIMING_CLOCK, 2);
    source.try_send_bytes_at(&[2, 0xF7], 3).unwrap();
    assert_eq!(
        events(&mut stream),
        [
            Got::Msg(MidiMessage::START),
            Got::Msg(MidiMessage::TIMING_CLOCK),
            Got::SysEx(vec![0xF0, 1, 2, 0xF7]),
        ]
    );
}

#[test]
fn another_status_byte_ends_a_sysex_under_way_which_is_lost() {
    let (mut source, mut stream) = one(8, 64);
    source.try_send_bytes_at(&[0xF0, 1, 2], 10).unwrap();
    source.try_send_bytes_at(&[0x90, 60, 100], 20).unwrap();
    assert!(!source.sysex_in_progress());
    assert_eq!(source.dropped(), 1);
    assert_eq!(
        take_all(&mut stream),
        [(20, 0, Got::Lost(1)), (20, 0, Got::Msg(note(60)))]
    );
    // Its remaining pieces are refused as what they are, pieces of a lost
    // SysEx, and counted no more; then the source takes a SysEx again.
    assert_eq!(
        source.try_send_bytes_at(&[3, 4], 30),
        Err(SendError::SysExLost)
    );
    assert_eq!(
        source.try_send_bytes_at(&[5, 0xF7], 40),
        Err(SendError::SysExLost)
    );
    assert_eq!(source.dropped(), 1);
    source.try_send_bytes_at(&[0xF0, 6, 0xF7], 50).unwrap();
    assert_eq!(
        take_all(&mut stream),
        [(50, 0, Got::SysEx(vec![0xF0, 6, 0xF7]))]
    );
}

/// Whichever call sends the status that cuts a SysEx of bytes off, the
/// SysEx is lost once and its remaining pieces are refused with
/// `SysExLost`: a message, bytes, a parsed message, or the message as a
/// packet.
#[test]
fn a_sysex_cut_off_by_any_call_refuses_its_remaining_pieces() {
    use bbx_midi::parser::Parsed;
    use bbx_midi::ump::Midi1ChannelVoice;
    let cutters: [(&str, Sender); 4] = [
        ("try_send_at", |s| assert!(s.try_send_at(note(60), 20))),
        ("try_send_bytes_at", |s| {
            s.try_send_bytes_at(&[0x90, 60, 100], 20).unwrap()
        }),
        ("try_send_parsed_at", |s| {
            s.try_send_parsed_at(Parsed::Message(note(60)), 20).unwrap()
        }),
        ("try_send_ump_at", |s| {
            let packet = Midi1ChannelVoice::new(0, note(60)).unwrap().packet();
            s.try_send_ump_at(packet, 20).unwrap()
        }),
    ];
    for (call, cut) in cutters {
        let (mut source, mut stream) = one(8, 64);
        source.try_send_bytes_at(&[0xF0, 1, 2], 10).unwrap();
        cut(&mut source);
        assert!(!source.sysex_in_progress(), "{call}");
        assert_eq!(
            source.try_send_bytes_at(&[3, 0xF7], 30),
            Err(SendError::SysExLost),
            "{call}"
        );
        assert_eq!(
            take_all(&mut stream),
            [(20, 0, Got::Lost(1)), (20, 0, Got::Msg(note(60)))],
            "{call}"
        );
        assert_eq!(source.dropped(), 1, "{call}");
    }
}

/// A real-time message does not cut a SysEx off, whichever call sends it
/// (MIDI 1.0 lets real-time bytes into a SysEx).
#[test]
fn a_real_time_message_by_any_call_leaves_a_sysex_whole() {
    use bbx_midi::ump::SystemMessage;
    let (mut source, mut stream) = one(8, 64);
    source.try_send_bytes_at(&[0xF0, 1], 10).unwrap();
    assert!(source.try_send_at(MidiMessage::TIMING_CLOCK, 11));
    source.try_send_bytes_at(&[0xFA], 12).unwrap();
    let clock = SystemMessage::new(0, MidiMessage::TIMING_CLOCK)
        .unwrap()
        .packet();
    source.try_send_ump_at(clock, 13).unwrap();
    source.try_send_bytes_at(&[2, 0xF7], 20).unwrap();
    assert_eq!(
        events(&mut stream),
        [
            Got::Msg(MidiMessage::TIMING_CLOCK),
            Got::Msg(MidiMessage::START),
            Got::Msg(MidiMessage::TIMING_CLOCK),
            Got::SysEx(vec![0xF0, 1, 2, 0xF7]),
        ]
    );
}

/// Bytes after a whole message or SysEx are refused with an error that
/// says so (and points to the parser), not as a bad data byte.
#[test]
fn bytes_after_a_whole_message_are_refused_as_trailing_bytes() {
    let (mut source, mut stream) = one(8, 64);
    let cases: [(&[u8], MidiError); 3] = [
        (
            &[0xF0, 9, 0xF7, 0xF8],
            MidiError::TrailingBytes {
                status: 0xF0,
                expected: 3,
                found: 4,
            },
        ),
        (
            &[0x90, 60, 100, 0x80, 60, 0],
            MidiError::TrailingBytes {
                status: 0x90,
                expected: 3,
                found: 6,
            },
        ),
        (
            &[0xF8, 0xF8],
            MidiError::TrailingBytes {
                status: 0xF8,
                expected: 1,
                found: 2,
            },
        ),
    ];
    for (bytes, err) in cases {
        let got = source.try_send_bytes_at(bytes, 0);
        assert_eq!(got, Err(SendError::Invalid(err)), "{bytes:02X?}");
        let text = got.unwrap_err().to_string();
        assert!(text.contains("parser::MidiParser"), "{text}");
    }
    // The last piece of a SysEx with something after its 0xF7: the 0xF7 is
    // counted from the piece's start.
    source.try_send_bytes_at(&[0xF0, 1], 0).unwrap();
    assert_eq!(
        source.try_send_bytes_at(&[2, 0xF7, 0x90, 60, 1], 0),
        Err(SendError::Invalid(MidiError::TrailingBytes {
            status: 0xF0,
            expected: 2,
            found: 5,
        }))
    );
    // That piece was broken: the SysEx is lost, nothing else.
    assert_eq!(take_all(&mut stream), [(0, 0, Got::Lost(1))]);
    assert_eq!(source.dropped(), 1);
}

#[test]
fn a_new_sysex_cuts_off_the_one_under_way() {
    let (mut source, mut stream) = one(8, 64);
    source.try_send_bytes_at(&[0xF0, 1, 2], 0).unwrap();
    source.try_send_bytes_at(&[0xF0, 3, 0xF7], 5).unwrap();
    assert_eq!(
        events(&mut stream),
        [Got::Lost(1), Got::SysEx(vec![0xF0, 3, 0xF7])]
    );
}

#[test]
fn a_sysex_too_large_is_lost_and_its_remaining_pieces_discarded() {
    let (mut source, mut stream) = one(8, 10);
    source.try_send_bytes_at(&[0xF0, 1, 2, 3, 4], 0).unwrap();
    assert_eq!(
        source.try_send_bytes_at(&[5, 6, 7, 8, 9, 10], 1),
        Err(SendError::TooLarge { len: 11, max: 10 })
    );
    assert_eq!(
        source.try_send_bytes_at(&[11, 0xF8, 12], 2),
        Err(SendError::SysExLost)
    );
    assert_eq!(
        source.try_send_bytes_at(&[13, 0xF7], 3),
        Err(SendError::SysExLost)
    );
    // Back to normal after its end.
    source.try_send_bytes_at(&sysex(10, 0), 4).unwrap();
    assert_eq!(source.dropped(), 1, "lost once");
    assert_eq!(
        events(&mut stream),
        [
            Got::Lost(1),
            Got::Msg(MidiMessage::TIMING_CLOCK),
            Got::SysEx(sysex(10, 0)),
        ]
    );
    // Whole, in one piece, too: refused without sending any of it.
    assert_eq!(
        source.try_send_bytes_at(&sysex(11, 0), 5),
        Err(SendError::TooLarge { len: 11, max: 10 })
    );
    assert_eq!(events(&mut stream), [Got::Lost(1)]);
}

#[test]
fn without_sysex_bytes_every_sysex_is_too_large() {
    let (mut source, mut stream) = one(8, 0);
    assert_eq!(
        source.try_send_bytes_at(&[0xF0, 0xF7], 0),
        Err(SendError::TooLarge { len: 2, max: 0 })
    );
    assert_eq!(source.sysex_capacity(), 0);
    assert_eq!(events(&mut stream), [Got::Lost(1)]);
}

#[test]
fn a_sysex_without_room_is_lost_whole_and_its_pieces_discarded() {
    let (mut source, mut stream) = one(8, 10);
    source.try_send_bytes_at(&sysex(8, 0), 0).unwrap(); // 8 of 10 bytes taken
    source.try_send_bytes_at(&[0xF0, 1], 1).unwrap(); // 2 staged: full
    assert_eq!(source.try_send_bytes_at(&[2], 2), Err(SendError::Full));
    assert_eq!(
        source.try_send_bytes_at(&[3, 0xF7], 3),
        Err(SendError::SysExLost)
    );
    assert_eq!(
        take_all(&mut stream),
        [(0, 0, Got::SysEx(sysex(8, 0))), (2, 0, Got::Lost(1))]
    );
    // The room came back; the next SysEx goes through.
    source.try_send_bytes_at(&sysex(10, 3), 4).unwrap();
    assert_eq!(events(&mut stream), [Got::SysEx(sysex(10, 3))]);
}

#[test]
fn a_sysex_without_a_free_entry_is_lost() {
    let (mut source, mut stream) = one(1, 64);
    source.try_send_at(note(1), 0);
    assert_eq!(
        source.try_send_bytes_at(&sysex(4, 0), 1),
        Err(SendError::Full)
    );
    assert_eq!(events(&mut stream), [Got::Msg(note(1)), Got::Lost(1)]);
}

#[test]
fn try_push_bytes_changes_nothing_when_full_so_the_piece_can_be_sent_again() {
    let (mut source, mut stream) = one(2, 6);
    source.try_push_bytes_at(&[0xF0, 1, 2], 0).unwrap();
    // Real-time messages leave the SysEx under way, and fill the entries.
    source.try_push_at(MidiMessage::TIMING_CLOCK, 1).unwrap();
    source.try_push_at(MidiMessage::TIMING_CLOCK, 2).unwrap();
    // No entry left for the SysEx: refused, kept under way, uncounted.
    assert_eq!(
        source.try_push_bytes_at(&[3, 0xF7], 3),
        Err(SendError::Full)
    );
    assert!(source.sysex_in_progress());
    assert_eq!(events(&mut stream).len(), 2);
    source.try_push_bytes_at(&[3, 0xF7], 4).unwrap();
    assert_eq!(events(&mut stream), [Got::SysEx(vec![0xF0, 1, 2, 3, 0xF7])]);
    assert_eq!(source.dropped(), 0);
    assert_eq!(stream.lost(), 0);
}

#[test]
fn bytes_that_are_not_midi_are_refused_with_the_reason_and_change_nothing() {
    let (mut source, mut stream) = one(8, 64);
    let cases: [(&[u8], MidiError); 5] = [
        (&[], MidiError::Empty),
        (&[60, 100], MidiError::MissingStatus { byte: 60 }),
        (&[0xF7], MidiError::SysEx { status: 0xF7 }),
        (
            &[0xF0, 1, 0x90, 2, 0xF7],
            MidiError::InvalidDataByte {
                index: 2,
                byte: 0x90,
            },
        ),
        (
            &[0xF0, 1, 0xF7, 2],
            MidiError::TrailingBytes {
                status: 0xF0,
                expected: 3,
                found: 4,
            },
        ),
    ];
    for (bytes, err) in cases {
        assert_eq!(
            source.try_send_bytes_at(bytes, 0),
            Err(SendError::Invalid(err)),
            "{bytes:02X?}"
        );
    }
    assert_eq!(take_all(&mut stream), []);
    assert_eq!(source.dropped(), 0);
}

/// Finding: a piece refused as invalid left the SysEx under way going, and
/// it was delivered without that piece's bytes. What came for it is
/// broken: the SysEx is lost, counted, and its remaining pieces discarded.
#[test]
fn an_invalid_piece_in_the_middle_of_a_sysex_loses_it_instead_of_leaving_a_hole() {
    let corrupt: [(&[u8], MidiError); 3] = [
        (
            &[2, 0x90, 3],
            MidiError::InvalidDataByte {
                index: 1,
                byte: 0x90,
            },
        ),
        (
            &[2, 0xF9, 3],
            MidiError::InvalidDataByte {
                index: 1,
                byte: 0xF9,
            },
        ),
        // A short message that is not one: the SysEx is broken as well.
        (
            &[0x90, 0x80, 1],
            MidiError::InvalidDataByte {
                index: 1,
                byte: 0x80,
            },
        ),
    ];
    for (piece, err) in corrupt {
        let (mut source, mut stream) = one(8, 64);
        source.try_send_bytes_at(&[0xF0, 0x7D, 1], 10).unwrap();
        assert_eq!(
            source.try_send_bytes_at(piece, 20),
            Err(SendError::Invalid(err))
        );
        assert!(!source.sysex_in_progress(), "{piece:02X?}");
        assert_eq!(
            source.try_send_bytes_at(&[4, 0xF7], 30),
            Err(SendError::SysExLost)
        );
        source.try_send_at(MidiMessage::START, 40);
        assert_eq!(
            take_all(&mut stream),
            [(20, 0, Got::Lost(1)), (40, 0, Got::Msg(MidiMessage::START))],
            "{piece:02X?}"
        );
        assert_eq!(source.dropped(), 1);
    }
    // Empty bytes are no piece at all: the SysEx goes on.
    let (mut source, mut stream) = one(8, 64);
    source.try_send_bytes_at(&[0xF0, 1], 0).unwrap();
    assert_eq!(
        source.try_send_bytes_at(&[], 0),
        Err(SendError::Invalid(MidiError::Empty))
    );
    source.try_send_bytes_at(&[2, 0xF7], 0).unwrap();
    assert_eq!(
        take_all(&mut stream),
        [(0, 0, Got::SysEx(vec![0xF0, 1, 2, 0xF7]))]
    );
}

/// A middle piece of a SysEx writes no entry: it needs no entry room, even
/// when the slots kept for loss reports are taken.
#[test]
fn a_middle_piece_needs_no_room_for_entries() {
    let (mut source, mut stream) = one(1, 64);
    assert!(source.try_send_at(MidiMessage::STOP, 0));
    assert!(!source.try_send_at(MidiMessage::STOP, 1)); // lost: a report owed
    assert_eq!(
        take_all(&mut stream).len(),
        2,
        "the message and the trailing loss"
    );
    source.try_send_bytes_at(&[0xF0, 1], 2).unwrap();
    // The report is written before the clock: the ring is full again.
    assert!(source.try_send_at(MidiMessage::TIMING_CLOCK, 3));
    assert_eq!(source.try_send_bytes_at(&[2, 3], 4), Ok(()));
    assert_eq!(
        take_all(&mut stream),
        [(3, 0, Got::Msg(MidiMessage::TIMING_CLOCK))],
        "the loss was handed out already"
    );
    source.try_send_bytes_at(&[0xF7], 5).unwrap();
    assert_eq!(
        take_all(&mut stream),
        [(5, 0, Got::SysEx(vec![0xF0, 1, 2, 3, 0xF7]))]
    );
    assert_eq!(source.dropped(), 1);
}

/// Loss counts of any size are reported once each, in place (a count of
/// half the range of `usize` or more once looked negative and was taken as
/// handed out already).
#[test]
fn loss_counts_beyond_half_the_range_are_reported() {
    for n in [usize::MAX / 2 + 1, usize::MAX] {
        let (mut source, mut stream) = one(4, 0);
        source.add_dropped_at(n, 5);
        assert!(source.try_send_at(MidiMessage::START, 10));
        assert_eq!(
            take_all(&mut stream),
            [(5, 0, Got::Lost(n)), (10, 0, Got::Msg(MidiMessage::START))]
        );
    }
}

#[test]
fn parser_chunks_are_gathered_into_whole_sysex() {
    let (mut source, mut stream) = one(8, 64);
    let mut parser = MidiParser::<3>::new();
    let wire = [0xF0, 1, 2, 3, 4, 5, 6, 7, 0xF7, 0xC0, 5];
    for &byte in &wire {
        for parsed in parser.push(byte) {
            source.try_send_parsed_at(parsed, 0).unwrap();
        }
    }
    assert_eq!(
        events(&mut stream),
        [
            Got::SysEx(vec![0xF0, 1, 2, 3, 4, 5, 6, 7, 0xF7]),
            Got::Msg(MidiMessage::program_change(0, 5).unwrap()),
        ]
    );
}

#[test]
fn a_sysex_the_parser_saw_cut_off_is_lost() {
    let (mut source, mut stream) = one(8, 64);
    let mut parser = MidiParser::<16>::new();
    let mut results = Vec::new();
    for &byte in &[0xF0, 1, 2, 0x90, 60, 100] {
        for parsed in parser.push(byte) {
            results.push(source.try_send_parsed_at(parsed, 0));
        }
    }
    assert_eq!(results, [Err(SendError::SysExLost), Ok(())]);
    assert_eq!(events(&mut stream), [Got::Lost(1), Got::Msg(note(60))]);
}

/// A SysEx the parser saw start and get cut off, while another was under
/// way from bytes: both are lost, and counted (the count was 1).
#[test]
fn a_cut_off_sysex_that_cuts_off_another_counts_both() {
    let (mut source, mut stream) = one(8, 64);
    source.try_send_bytes_at(&[0xF0, 1, 2], 0).unwrap();
    let mut parser = MidiParser::<16>::new();
    let mut results = Vec::new();
    for &byte in &[0xF0, 5, 6, 0x90, 60, 100] {
        for parsed in parser.push(byte) {
            results.push(source.try_send_parsed_at(parsed, 1));
        }
    }
    assert_eq!(results, [Err(SendError::SysExLost), Ok(())]);
    assert_eq!(events(&mut stream), [Got::Lost(2), Got::Msg(note(60))]);
    assert_eq!(source.dropped(), 2);
}

/// The retrying form of `try_send_parsed_at` gives back a chunk it has no
/// room for, uncounted, and the SysEx comes whole when it is sent again.
#[test]
fn parsed_chunks_pushed_again_after_full_arrive_whole() {
    let (mut source, mut stream) = one(1, 8);
    let mut parser = MidiParser::<3>::new();
    let mut got = Vec::new();
    let mut refused = 0;
    for &byte in &[0xF0, 1, 2, 3, 4, 5, 0xF7, 0xF0, 6, 7, 0xF7, 0xF8] {
        for parsed in parser.push(byte) {
            while let Err(err) = source.try_push_parsed_at(parsed, 0) {
                assert_eq!(err, SendError::Full);
                refused += 1;
                got.extend(events(&mut stream));
            }
        }
    }
    got.extend(events(&mut stream));
    assert!(refused > 0, "the 8-byte SysEx ring was full at times");
    assert_eq!(
        got,
        [
            Got::SysEx(vec![0xF0, 1, 2, 3, 4, 5, 0xF7]),
            Got::SysEx(vec![0xF0, 6, 7, 0xF7]),
            Got::Msg(MidiMessage::TIMING_CLOCK),
        ]
    );
    assert_eq!(source.dropped(), 0);
}

#[test]
fn dropping_a_source_in_the_middle_of_a_sysex_reports_it_lost() {
    let (mut source, mut stream) = one(8, 64);
    source.try_send_at(note(1), 5);
    source.try_send_bytes_at(&[0xF0, 1, 2], 9).unwrap();
    drop(source);
    assert!(stream.is_abandoned());
    assert_eq!(
        take_all(&mut stream),
        [
            (5, 0, Got::Msg(note(1))),
            (9, 0, Got::Lost(1)),
            (9, 0, Got::Ended)
        ]
    );
}

// ------------------------------------------------------------------ losses

#[test]
fn a_loss_comes_after_what_was_sent_before_it_and_before_what_came_after() {
    let (mut source, mut stream) = one(2, 0);
    assert!(source.try_send_at(note(1), 10));
    assert!(source.try_send_at(note(2), 20));
    assert!(!source.try_send_at(note(3), 30)); // lost
    assert_eq!(stream.try_recv().unwrap().event, Event::Message(note(1)));
    assert!(source.try_send_at(note(4), 40));
    assert_eq!(
        take_all(&mut stream),
        [
            (20, 0, Got::Msg(note(2))),
            (30, 0, Got::Lost(1)),
            (40, 0, Got::Msg(note(4))),
        ]
    );
    assert_eq!(stream.lost(), 1);
}

#[test]
fn a_loss_with_nothing_sent_after_it_is_reported_once_everything_before_is_taken() {
    let (mut source, mut stream) = one(2, 0);
    source.try_send_at(note(1), 10);
    source.try_send_at(note(2), 20);
    source.try_send_at(note(3), 30);
    assert_eq!(
        take_all(&mut stream),
        [
            (10, 0, Got::Msg(note(1))),
            (20, 0, Got::Msg(note(2))),
            (30, 0, Got::Lost(1)),
        ]
    );
    assert_eq!(stream.try_recv(), None, "reported once");
}

#[test]
fn consecutive_losses_are_one_report_at_the_time_of_the_last() {
    let (mut source, mut stream) = one(1, 0);
    source.try_send_at(note(1), 10);
    for t in [20, 30, 25] {
        assert!(!source.try_send_at(note(2), t));
    }
    assert_eq!(
        take_all(&mut stream),
        [(10, 0, Got::Msg(note(1))), (30, 0, Got::Lost(3))]
    );
}

#[test]
fn a_loss_reported_at_the_end_is_not_reported_again_when_the_next_message_comes() {
    let (mut source, mut stream) = one(1, 0);
    source.try_send_at(note(1), 10);
    source.try_send_at(note(2), 20); // lost
    assert_eq!(events(&mut stream), [Got::Msg(note(1)), Got::Lost(1)]);
    // The loss entry is written before this message; it is passed over.
    assert!(source.try_send_at(note(3), 30));
    assert_eq!(events(&mut stream), [Got::Msg(note(3))]);
    assert_eq!((source.dropped(), stream.lost()), (1, 1));
}

#[test]
fn losses_after_the_end_report_are_reported_in_place_too() {
    let (mut source, mut stream) = one(1, 0);
    source.try_send_at(note(1), 10);
    source.try_send_at(note(2), 20); // lost
    assert_eq!(events(&mut stream), [Got::Msg(note(1)), Got::Lost(1)]);
    source.try_send_at(note(3), 30); // fills the buffer again
    source.try_send_at(note(4), 40); // lost
    source.try_send_at(note(5), 50); // lost
    assert_eq!(stream.try_recv().unwrap().event, Event::Message(note(3)));
    source.try_send_at(note(6), 60);
    assert_eq!(
        take_all(&mut stream),
        [(50, 0, Got::Lost(2)), (60, 0, Got::Msg(note(6)))]
    );
    assert_eq!((source.dropped(), stream.lost()), (3, 3));
}

#[test]
fn a_run_of_losses_split_by_an_end_report_is_counted_exactly() {
    let (mut source, mut stream) = one(1, 0);
    source.try_send_at(note(1), 10);
    source.try_send_at(note(2), 20); // lost
    assert_eq!(events(&mut stream), [Got::Msg(note(1)), Got::Lost(1)]);
    // The buffer is empty but one slot is kept for the loss entry; the
    // run of losses goes on: the next send writes the entry and the note.
    assert!(source.try_send_at(note(3), 30));
    assert!(!source.try_send_at(note(4), 40));
    assert_eq!(events(&mut stream), [Got::Msg(note(3)), Got::Lost(1)]);
    assert_eq!(stream.lost(), source.dropped());
}

#[test]
fn a_source_of_capacity_1_recovers_after_losses() {
    let (mut source, mut stream) = one(1, 0);
    for round in 0..100u8 {
        assert!(source.try_send_at(note(round), 0), "round {round}");
        assert!(!source.try_send_at(note(round), 0));
        assert!(!source.try_send_at(note(round), 0));
        let got = events(&mut stream);
        assert_eq!(got, [Got::Msg(note(round)), Got::Lost(2)], "round {round}");
    }
    assert_eq!((source.dropped(), stream.lost()), (200, 200));
}

#[test]
fn losses_reported_by_the_source_come_in_place() {
    let (mut source, mut stream) = one(4, 0);
    source.try_send_at(note(1), 10);
    source.add_dropped_at(5, 15);
    source.try_send_at(note(2), 20);
    assert_eq!(
        take_all(&mut stream),
        [
            (10, 0, Got::Msg(note(1))),
            (15, 0, Got::Lost(5)),
            (20, 0, Got::Msg(note(2))),
        ]
    );
}

#[test]
fn retrying_producers_never_inflate_the_loss_count() {
    // Finding: a producer retrying `try_send_sysex` through a small buffer
    // reported millions of drops with no loss at all.
    let (mut source, mut stream) = one(4, 32);
    let rounds: u64 = if cfg!(miri) { 300 } else { 20_000 };
    let mut refusals = 0u64;
    let mut received = 0u64;
    for i in 0..rounds {
        let msg = note((i % 128) as u8);
        while source.try_push_at(msg, i).is_err() {
            refusals += 1;
            received += events(&mut stream).len() as u64;
        }
        while source.try_push_bytes_at(&sysex(12, i as u8), i) == Err(SendError::Full) {
            refusals += 1;
            received += events(&mut stream).len() as u64;
        }
    }
    received += events(&mut stream).len() as u64;
    assert!(
        refusals > rounds / 20,
        "the buffer was full often: {refusals}"
    );
    assert_eq!(received, 2 * rounds);
    assert_eq!((source.dropped(), stream.lost()), (0, 0));
}

// ------------------------------------------------------------------ sizing

#[test]
fn stats_count_what_was_sent_and_lost_and_the_most_waiting_at_once() {
    let (mut source, mut stream) = one(8, 0);
    for i in 0..20 {
        source.try_send_at(note(i), u64::from(i));
    }
    let stats = source.stats();
    assert_eq!((stats.sent, stats.lost, stats.peak_messages), (8, 12, 8));
    assert_eq!(take_all(&mut stream).len(), 9, "8 notes and the loss");
    // Fewer waiting later does not lower the mark.
    source.try_send_at(note(100), 30);
    assert_eq!(source.stats().peak_messages, 8);
    assert_eq!(source.stats().sent, 9);
}

#[test]
fn the_peak_counts_the_capacitys_units_in_a_midi2_stream() {
    let (mut source, _stream) = MidiStream::builder()
        .capacity(4)
        .protocol(bbx_midi::Protocol::Midi2)
        .build();
    for i in 0..3 {
        assert!(source.try_send_at(note(i), 0));
    }
    assert_eq!(source.stats().peak_messages, 3);
}

#[test]
fn the_sysex_peak_counts_bytes_still_being_gathered() {
    let (mut source, mut stream) = one(8, 4096);
    source.try_send_bytes_at(&sysex(3000, 0), 0).unwrap();
    assert_eq!(source.stats().peak_sysex_bytes, 3000);
    // A second one does not fit beside the first, which waits: lost.
    assert_eq!(
        source.try_send_bytes_at(&sysex(3000, 1), 1),
        Err(SendError::Full)
    );
    assert_eq!(source.stats().lost, 1);
    take_all(&mut stream);
    // Gathered in pieces: its staged bytes count while it comes.
    source.try_send_bytes_at(&[0xF0; 1], 2).unwrap();
    source.try_send_bytes_at(&[1; 3500], 3).unwrap();
    assert_eq!(source.stats().peak_sysex_bytes, 3501);
}

/// The docs' sizing rule, played: what waits at once is the rate times the
/// scheduler's latency (plus a block), not the longest burst. 20 messages
/// a millisecond with 11 ms of latency and 1 ms blocks keep about 240
/// waiting; a capacity of 8 loses almost all of them.
#[test]
fn a_source_must_hold_the_rate_times_the_latency() {
    for (capacity, lost_share) in [(512, 0.0), (8, 0.9)] {
        let (mut source, mut stream) = one(capacity, 0);
        let mut scheduler = bbx_midi::BlockScheduler::new(48_000.0, 11_000);
        let mut sent = 0u64;
        for ms in 0..100u64 {
            for i in 0..20 {
                source.try_send_at(note((i % 100) as u8), 1_000_000 + ms * 1_000 + i * 50);
                sent += 1;
            }
            scheduler.begin_block(1_000_000 + ms * 1_000, 48);
            while scheduler.next_event(&mut stream).is_some() {}
        }
        let stats = source.stats();
        let lost = stats.lost as f64 / sent as f64;
        if lost_share == 0.0 {
            assert_eq!(stats.lost, 0);
            assert!(
                (220..=260).contains(&stats.peak_messages),
                "peak {}",
                stats.peak_messages
            );
        } else {
            assert!(lost > lost_share, "lost {lost}");
            // Full, and a loss report in the room kept for it.
            assert_eq!(stats.peak_messages, capacity + 1);
        }
    }
}

// --------------------------------------------------- sources come and go

#[test]
fn a_dropped_source_ends_after_everything_it_sent_and_its_losses() {
    let ([mut a, mut b], mut stream) = MidiStream::builder().capacity(1).build_merged();
    assert!(a.try_send_at(note(1), 10));
    assert!(!a.try_send_at(note(2), 20), "full: lost");
    assert!(b.try_send_at(note(3), 15));
    drop(a);
    assert_eq!(
        take_all(&mut stream),
        [
            (10, 0, Got::Msg(note(1))),
            (15, 1, Got::Msg(note(3))),
            (20, 0, Got::Lost(1)),
            (20, 0, Got::Ended),
        ]
    );
    assert_eq!(stream.sources(), 1, "its slot is freed");
    assert!(!stream.is_abandoned());
    drop(b);
    assert_eq!(take_all(&mut stream), [(15, 1, Got::Ended)]);
    assert!(stream.is_abandoned());
}

/// The scheduler's path through an end: a block's look finds the source
/// still queued with an event not yet due, and already ended (it looks
/// once a block, so it notes the end without taking it). The next block
/// plays that event; the source then runs dry and is visited again, and
/// its end comes after it, once, within the block after; the other source
/// plays on undisturbed.
#[test]
fn a_source_that_ends_while_queued_ends_through_the_scheduler_after_its_last_event() {
    use bbx_midi::BlockScheduler;
    // 48 frames of 1 ms blocks at 48 kHz, 1 ms of latency: an event
    // stamped t plays at t + 1000 µs.
    let block = |scheduler: &mut BlockScheduler, stream: &mut MidiStream, start: u64| {
        scheduler.begin_block(start, 48);
        let mut got = Vec::new();
        while let Some(s) = scheduler.next_event(stream) {
            let what = match s.event {
                Event::Message(m) => Got::Msg(m),
                Event::Ended => Got::Ended,
                other => panic!("not sent: {other:?}"),
            };
            got.push((s.frame, s.source, what));
        }
        got
    };
    let ([mut a, mut b], mut stream) = MidiStream::builder().capacity(8).build_merged();
    let mut scheduler = BlockScheduler::new(48_000.0, 1_000);
    assert!(a.try_send_at(note(1), 1_000_000));
    assert!(a.try_send_at(note(2), 1_001_500));
    assert_eq!(
        block(&mut scheduler, &mut stream, 1_001_000),
        [(0, 0, Got::Msg(note(1)))],
        "the second note is not due yet: the source stays queued"
    );
    drop(a);
    assert!(b.try_send_at(note(3), 1_002_250));
    let mut after = block(&mut scheduler, &mut stream, 1_002_000);
    assert_eq!(after[0], (24, 0, Got::Msg(note(2))), "{after:?}");
    after.extend(block(&mut scheduler, &mut stream, 1_003_000));
    let rest: Vec<_> = after[1..]
        .iter()
        .map(|(_, source, what)| (*source, what.clone()))
        .collect();
    assert_eq!(
        rest,
        [(0, Got::Ended), (1, Got::Msg(note(3)))],
        "the end once, after the last note, by the block after: {after:?}"
    );
    assert_eq!(after[2].0, 12, "the other source's note at its frame");
    assert!(block(&mut scheduler, &mut stream, 1_004_000).is_empty());
    assert_eq!(stream.sources(), 1, "its slot is freed");
    assert!(!stream.is_abandoned());
}

#[test]
fn a_source_that_sent_nothing_ends_at_the_streams_latest_time() {
    let ([mut a, b], mut stream) = MidiStream::builder().build_merged();
    assert!(a.try_send_at(note(1), 500));
    stream.try_recv();
    drop(b);
    assert_eq!(take_all(&mut stream), [(500, 1, Got::Ended)]);
}

#[test]
fn an_added_source_takes_the_lowest_free_slot_and_is_merged_by_time() {
    let ([mut a, b], mut stream) = MidiStream::builder().max_sources(4).build_merged();
    let mut adder = stream.adder().expect("the first call gives it");
    assert!(stream.adder().is_none(), "only once");
    let mut c = adder.add().unwrap();
    assert_eq!(c.index(), 2);
    assert!(c.try_send_at(note(7), 5));
    assert!(a.try_send_at(note(1), 10));
    assert_eq!(
        take_all(&mut stream),
        [(5, 2, Got::Msg(note(7))), (10, 0, Got::Msg(note(1)))]
    );
    assert_eq!(stream.sources(), 3);
    // Slot 1 comes back only once its source's end was taken.
    drop(b);
    let e = adder.add().unwrap();
    assert_eq!(e.index(), 3);
    // It sent nothing: its end is stamped with the stream's latest time.
    assert_eq!(take_all(&mut stream), [(10, 1, Got::Ended)]);
    let mut d = adder.add().unwrap();
    assert_eq!(d.index(), 1);
    assert!(d.try_send_at(note(9), 20));
    assert_eq!(take_all(&mut stream), [(20, 1, Got::Msg(note(9)))]);
}

#[test]
fn adding_past_the_most_sources_is_refused_until_one_ends() {
    use bbx_midi::stream::AddError;
    let (a, mut stream) = MidiStream::builder().max_sources(2).build();
    let mut adder = stream.adder().unwrap();
    let b = adder.add().unwrap();
    assert_eq!(adder.add().unwrap_err(), AddError::Full { max: 2 });
    assert_eq!(adder.room(), 0);
    drop(a);
    assert_eq!(
        adder.add().unwrap_err(),
        AddError::Full { max: 2 },
        "not ended yet"
    );
    assert_eq!(take_all(&mut stream), [(0, 0, Got::Ended)]);
    assert_eq!(adder.room(), 1);
    assert_eq!(adder.add().unwrap().index(), 0);
    drop(b);
}

#[test]
fn an_added_source_has_its_own_room() {
    use bbx_midi::stream::AddError;
    let (_a, mut stream) = MidiStream::builder()
        .capacity(4)
        .sysex_bytes(16)
        .max_sources(3)
        .build();
    let mut adder = stream.adder().unwrap();
    let mut small = adder.add_with(1, 0).unwrap();
    assert_eq!((small.capacity(), small.sysex_capacity()), (1, 0));
    assert!(small.try_send_at(note(1), 0));
    assert!(!small.try_send_at(note(2), 0), "room for one");
    assert_eq!(
        small.try_send_bytes_at(&[0xF0, 1, 0xF7], 0),
        Err(SendError::TooLarge { len: 3, max: 0 })
    );
    assert_eq!(adder.add_with(0, 0).unwrap_err(), AddError::ZeroCapacity);
    assert_eq!(
        adder.add_with(8, 17).unwrap_err(),
        AddError::SysExTooLarge { asked: 17, max: 16 }
    );
    let mut big = adder.add_with(8, 16).unwrap();
    big.try_send_bytes_at(&sysex(16, 0), 1).unwrap();
    assert_eq!(
        events(&mut stream),
        [Got::Msg(note(1)), Got::Lost(2), Got::SysEx(sysex(16, 0))]
    );
}

#[test]
fn the_adder_says_when_the_stream_is_gone_and_keeps_it_open_while_it_lives() {
    use bbx_midi::stream::AddError;
    let (a, mut stream) = MidiStream::builder().max_sources(2).build();
    let mut adder = stream.adder().unwrap();
    drop(a);
    stream.try_recv();
    assert!(!stream.is_abandoned(), "the adder may still add");
    drop(stream);
    assert_eq!(adder.add().unwrap_err(), AddError::Closed);
    let (a, mut stream) = MidiStream::builder().max_sources(2).build();
    let adder = stream.adder().unwrap();
    drop((a, adder));
    assert_eq!(take_all(&mut stream), [(0, 0, Got::Ended)]);
    assert!(stream.is_abandoned());
}

#[test]
fn a_monitor_reads_a_sources_stats_from_another_thread() {
    let (mut source, _stream) = MidiStream::builder().capacity(4).sysex_bytes(8).build();
    let monitor = source.monitor();
    assert_eq!(monitor.stats(), bbx_midi::SourceStats::default());
    let sender = std::thread::spawn(move || {
        for i in 0..6 {
            source.try_send_at(note(i), 0);
        }
        source.try_send_bytes_at(&[0xF0, 1, 2, 0xF7], 0).ok();
        source.stats()
    });
    let own = sender.join().unwrap();
    assert_eq!(monitor.stats(), own);
    assert_eq!((own.sent, own.lost, own.peak_messages), (4, 3, 4));
}

// ------------------------------------------------------------------- merge

#[test]
fn sources_are_merged_in_time_order() {
    let ([mut a, mut b, mut c], mut stream) = MidiStream::builder().build_merged();
    a.try_send_at(note(1), 10);
    a.try_send_at(note(4), 40);
    b.try_send_at(note(2), 20);
    c.try_send_at(note(3), 30);
    c.try_send_at(note(5), 50);
    let got = take_all(&mut stream);
    let order: Vec<_> = got.iter().map(|(t, s, _)| (*t, *s)).collect();
    assert_eq!(order, [(10, 0), (20, 1), (30, 2), (40, 0), (50, 2)]);
}

#[test]
fn equal_times_go_to_the_lower_source_first() {
    let ([mut a, mut b], mut stream) = MidiStream::builder().build_merged();
    b.try_send_at(note(2), 10);
    a.try_send_at(note(1), 10);
    assert_eq!(
        take_all(&mut stream),
        [(10, 0, Got::Msg(note(1))), (10, 1, Got::Msg(note(2)))]
    );
}

#[test]
fn each_source_keeps_its_own_order_whatever_its_stamps() {
    let ([mut a, mut b], mut stream) = MidiStream::builder().build_merged();
    a.try_send_at(note(1), 50);
    a.try_send_at(note(2), 10); // stamped out of order: stays behind note 1
    b.try_send_at(note(3), 30);
    let order: Vec<_> = take_all(&mut stream)
        .into_iter()
        .map(|(t, s, _)| (t, s))
        .collect();
    assert_eq!(order, [(30, 1), (50, 0), (10, 0)]);
}

#[test]
fn the_merge_compares_times_across_the_wrap_of_the_clock() {
    let ([mut a, mut b], mut stream) = MidiStream::builder().build_merged();
    a.try_send_at(note(1), (1 << 32) + 5); // just after the wrap
    b.try_send_at(note(2), (1 << 32) - 5); // just before
    let order: Vec<_> = take_all(&mut stream)
        .into_iter()
        .map(|(_, s, _)| s)
        .collect();
    assert_eq!(order, [1, 0]);
}

#[test]
fn a_loss_in_one_source_sits_between_that_sources_events() {
    let ([mut a, mut b], mut stream) = MidiStream::builder().capacity(1).build_merged();
    a.try_send_at(note(1), 10);
    a.try_send_at(note(2), 25); // lost
    b.try_send_at(note(3), 20);
    assert_eq!(
        take_all(&mut stream),
        [
            (10, 0, Got::Msg(note(1))),
            (20, 1, Got::Msg(note(3))),
            (25, 0, Got::Lost(1)),
        ]
    );
}

/// A small xorshift, so that the cases are the same on every run.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Many sources, random stamps: the merge gives them sorted by stamp, the
/// lower source first on a tie, at every size the queue takes.
#[test]
fn many_sources_come_out_sorted_ties_by_source() {
    let mut state = 0x9E37_79B9_7F4A_7C15;
    for n in [1, 2, 3, 7, 16, 33, 64] {
        let (mut sources, mut stream) = MidiStream::builder().build_sources(n);
        let mut expected = Vec::new();
        for (index, source) in sources.iter_mut().enumerate() {
            // Each source's stamps go up; few distinct values, many ties.
            let mut time = 0u32;
            for _ in 0..(xorshift(&mut state) % 6) {
                time += (xorshift(&mut state) % 3) as u32;
                assert!(source.try_send_at(note(index as u8), u64::from(time)));
                expected.push((time, index));
            }
        }
        expected.sort();
        let got: Vec<_> = take_all(&mut stream)
            .into_iter()
            .map(|(t, s, _)| (t, s))
            .collect();
        assert_eq!(got, expected, "{n} sources");
    }
}

/// The stream looks at its sources when it has taken everything it saw:
/// an event published after a look waits for the next one, behind what
/// the look saw even when stamped earlier, and is neither lost nor put
/// out of its source's order.
#[test]
fn an_event_published_after_a_look_comes_at_the_next_look() {
    let ([mut a, mut b], mut stream) = MidiStream::builder().build_merged();
    a.try_send_at(note(1), 10);
    a.try_send_at(note(2), 40);
    assert_eq!(stream.try_recv().unwrap().time, 10); // a look: a's two seen
    b.try_send_at(note(3), 20); // after the look
    a.try_send_at(note(4), 30); // after the look, behind a's 40
    let got: Vec<_> = take_all(&mut stream)
        .into_iter()
        .map(|(t, s, _)| (t, s))
        .collect();
    // 40 was seen; then the next look finds b's 20 and a's 30.
    assert_eq!(got, [(40, 0), (20, 1), (30, 0)]);
    // peek_time looks as try_recv does, and agrees with it.
    b.try_send_at(note(5), 60);
    a.try_send_at(note(6), 50);
    assert_eq!(stream.peek_time(), Some(50));
    assert_eq!(stream.try_recv().unwrap().time, 50);
}

/// A loss at the end of a source (nothing sent after it) comes after
/// everything that source sent and in time order with the other sources:
/// found when the source's last event is taken, not at the next look
/// (which comes only after b's 40, seen at this one).
#[test]
fn a_loss_at_the_end_of_a_source_comes_in_time_order_with_the_others() {
    let ([mut a, mut b], mut stream) = MidiStream::builder().capacity(2).build_merged();
    a.try_send_at(note(1), 10);
    a.try_send_at(note(6), 12);
    assert!(!a.try_send_at(note(2), 30)); // lost, nothing after it
    b.try_send_at(note(3), 20);
    b.try_send_at(note(4), 40);
    assert_eq!(
        take_all(&mut stream),
        [
            (10, 0, Got::Msg(note(1))),
            (12, 0, Got::Msg(note(6))),
            (20, 1, Got::Msg(note(3))),
            (30, 0, Got::Lost(1)),
            (40, 1, Got::Msg(note(4))),
        ]
    );
    // Then the source sends again: the loss entry it writes first was
    // reported already, and is not reported twice.
    assert!(a.try_send_at(note(5), 50));
    assert_eq!(take_all(&mut stream), [(50, 0, Got::Msg(note(5)))]);
    assert_eq!(stream.lost(), 1);
}

/// A loss that happens after a look, while the stream still holds the
/// source's earlier event, is reported right after that event (before the
/// source's later events), exactly once.
#[test]
fn a_loss_after_a_look_is_reported_right_after_the_event_before_it() {
    let ([mut a, mut b], mut stream) = MidiStream::builder().capacity(1).build_merged();
    a.try_send_at(note(1), 10);
    b.try_send_at(note(2), 5);
    assert_eq!(stream.try_recv().unwrap().time, 5); // a look: a's 10 seen
    assert!(!a.try_send_at(note(3), 15)); // lost: a's 10 fills it
    let first = stream.try_recv().unwrap();
    assert_eq!((first.time, first.source), (10, 0));
    assert!(a.try_send_at(note(4), 20)); // the loss entry, then this
    assert_eq!(
        take_all(&mut stream),
        [(15, 0, Got::Lost(1)), (20, 0, Got::Msg(note(4)))]
    );
    assert_eq!(stream.lost(), 1);
}

/// A look passes over a source whose activity counter has not changed
/// since it last visited it. Whatever the source does next (a message, a
/// loss with nothing after it, its end) changes the counter, so it is
/// found at the very next look, whichever look that is.
#[test]
fn a_source_passed_over_at_looks_delivers_what_it_does_next_at_the_next_look() {
    let ([mut a, mut b, c], mut stream) = MidiStream::builder().capacity(4).build_merged();
    // Two looks a round (the second finds nothing): 200 in all, each going
    // by the counters (the sweep comes to these slots at the first three
    // and then not before the 1025th).
    for round in 0..100u32 {
        let t = round * 10;
        assert!(a.try_send_at(note(1), t.into()));
        let mut expected = vec![(t, 0, Got::Msg(note(1)))];
        match round % 3 {
            0 => {
                assert!(b.try_send_at(note(2), (t + 1).into()));
                expected.push((t + 1, 1, Got::Msg(note(2))));
            }
            1 => {
                b.add_dropped_at(1, (t + 2).into());
                expected.push((t + 2, 1, Got::Lost(1)));
            }
            _ => {}
        }
        assert_eq!(take_all(&mut stream), expected, "round {round}");
    }
    // c never sent anything: its end is stamped with the latest event's
    // time (b's, in the last round).
    drop(c);
    assert_eq!(take_all(&mut stream), [(991, 2, Got::Ended)]);
    assert_eq!(stream.lost(), 33);
}

/// A source dropped before the look that finds its last events: that look
/// queues them, and once they are taken the next look visits the source
/// again, though its counter has not changed since, and finds its end.
#[test]
fn a_source_whose_end_came_before_the_look_that_saw_its_last_event_ends_next() {
    let ([mut a, b], mut stream) = MidiStream::builder().build_merged();
    assert!(a.try_send_at(note(1), 10));
    drop(a);
    let first = stream.try_recv().unwrap(); // the look: a's note, a ended
    assert_eq!((first.time, first.event), (10, Event::Message(note(1))));
    assert_eq!(take_all(&mut stream), [(10, 0, Got::Ended)]);
    drop(b);
    assert_eq!(take_all(&mut stream), [(10, 1, Got::Ended)]);
    assert!(stream.is_abandoned());
}

/// `pop_into` takes what the stream saw and looks once more when it runs
/// out, at most once a call.
#[test]
fn pop_into_takes_everything_published_before_it_in_order() {
    use bbx_midi::MidiEvent;
    let ([mut a, mut b, mut c], mut stream) = MidiStream::builder().build_merged();
    a.try_send_at(note(1), 30);
    b.try_send_at(note(2), 10);
    assert_eq!(stream.peek_time(), Some(10)); // a look
    c.try_send_at(note(3), 20);
    let mut out = [MidiEvent::default(); 8];
    assert_eq!(stream.pop_into(&mut out), 3);
    let times: Vec<_> = out[..3].iter().map(|e| e.time).collect();
    assert_eq!(times, [10, 30, 20], "seen first, then the next look");
    assert_eq!(stream.pop_into(&mut out), 0);
}

#[test]
fn sysex_from_several_sources_come_whole_each() {
    let ([mut a, mut b], mut stream) = MidiStream::builder().sysex_bytes(64).build_merged();
    a.try_send_bytes_at(&[0xF0, 1], 0).unwrap();
    b.try_send_bytes_at(&[0xF0, 2], 1).unwrap();
    b.try_send_bytes_at(&[3, 0xF7], 2).unwrap();
    a.try_send_bytes_at(&[4, 0xF7], 3).unwrap();
    assert_eq!(
        take_all(&mut stream),
        [
            (2, 1, Got::SysEx(vec![0xF0, 2, 3, 0xF7])),
            (3, 0, Got::SysEx(vec![0xF0, 1, 4, 0xF7])),
        ]
    );
}

#[test]
fn the_stream_is_abandoned_when_every_source_is_dropped() {
    let ([a, b], stream) = MidiStream::builder().build_merged();
    drop(a);
    assert!(!stream.is_abandoned());
    drop(b);
    assert!(stream.is_abandoned());
}

#[test]
fn sources_learn_when_the_stream_is_dropped() {
    let (source, stream) = one(4, 0);
    assert!(!source.is_abandoned());
    drop(stream);
    assert!(source.is_abandoned());
}

#[test]
fn builder_settings_are_reported() {
    let (sources, stream) = MidiStream::builder()
        .capacity(100)
        .sysex_bytes(300)
        .build_sources(3);
    assert_eq!(stream.sources(), 3);
    assert_eq!((stream.capacity(), stream.sysex_capacity()), (100, 300));
    for (i, source) in sources.iter().enumerate() {
        assert_eq!(source.index(), i);
        assert_eq!((source.capacity(), source.sysex_capacity()), (100, 300));
        assert_eq!((source.slots(), source.sysex_slots()), (100, 300));
    }
    let text = format!("{:?} {:?}", sources[0], stream);
    assert!(
        text.contains("StreamSource") && text.contains("MidiStream"),
        "{text}"
    );
}

#[test]
#[should_panic(expected = "capacity must be at least 1")]
fn a_zero_capacity_panics() {
    let _ = MidiStream::builder().capacity(0).build();
}

#[test]
#[should_panic(expected = "at least one source")]
fn zero_sources_panic() {
    let _ = MidiStream::builder().build_sources(0);
}

#[test]
#[should_panic(expected = "exceeds the maximum")]
fn a_sysex_capacity_beyond_24_bits_panics() {
    let _ = MidiStream::builder()
        .sysex_bytes(bbx_midi::stream::MAX_SYSEX_BYTES + 1)
        .build();
}

#[test]
fn errors_say_what_went_wrong() {
    assert_eq!(
        SendError::Full.to_string(),
        "MIDI buffer full, nothing sent"
    );
    assert_eq!(
        SendError::TooLarge { len: 11, max: 10 }.to_string(),
        "System Exclusive of 11 bytes exceeds the 10-byte SysEx capacity"
    );
    assert_eq!(
        SendError::SysExLost.to_string(),
        "the System Exclusive message these bytes belong to is lost"
    );
    let invalid = SendError::Invalid(MidiError::Empty);
    assert_eq!(
        invalid.to_string(),
        "not a MIDI message: empty MIDI message"
    );
    assert!(std::error::Error::source(&invalid).is_some());
}

#[test]
fn more_losses_than_24_bits_count_are_reported_exactly() {
    let (mut source, mut stream) = one(1, 0);
    let huge = (1 << 24) + 5;
    source.add_dropped_at(huge, 10);
    assert_eq!(take_all(&mut stream), [(10, 0, Got::Lost(huge))]);
    source.add_dropped_at(huge, 20);
    // Written with the next message as a two-entry report: never seen in
    // half, and not reported twice.
    assert!(source.try_send_at(note(1), 30));
    assert!(!source.try_send_at(note(2), 40));
    assert_eq!(
        take_all(&mut stream),
        [
            (20, 0, Got::Lost(huge)),
            (30, 0, Got::Msg(note(1))),
            (40, 0, Got::Lost(1))
        ]
    );
    assert_eq!(stream.lost(), 2 * huge + 1);
}

#[test]
fn a_source_of_capacity_1_is_never_stuck_behind_a_wide_loss_report() {
    let (mut source, mut stream) = one(1, 64);
    source.try_send_bytes_at(&[0xF0, 1], 0).unwrap();
    // As many losses as one entry counts; then a message that cuts off the
    // SysEx, one loss more: the report needs two entries, and fits.
    source.add_dropped_at(0xFF_FFFF, 5);
    assert!(source.try_push_at(note(1), 10).is_ok());
    assert_eq!(
        take_all(&mut stream),
        [(10, 0, Got::Lost(0x100_0000)), (10, 0, Got::Msg(note(1)))]
    );
    for round in 0..10u8 {
        source.add_dropped_at(1 << 30, 20);
        assert!(source.try_send_at(note(round), 30), "round {round}");
        assert!(source.is_full());
        assert_eq!(
            events(&mut stream),
            [Got::Lost(1 << 30), Got::Msg(note(round))]
        );
    }
}
