//! MIDI 2.0 through a `MidiStream`: Universal MIDI Packets in order and
//! whole, SysEx7 and SysEx8 whole or lost, and MIDI 1.0 and MIDI 2.0 meeting
//! through the specification's translation, both ways.

use bbx_midi::ump::{
    FlexData, Midi1ChannelVoice, Midi2ChannelVoice, SysEx7, SysEx7Packets, SysEx8, SysExStatus,
    SystemMessage, Ump, Utility,
};
use bbx_midi::{
    BlockScheduler, Event, MidiError, MidiMessage, MidiStream, Protocol, SendError, StreamSource,
};

/// What the stream delivered, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Got {
    Msg(MidiMessage),
    SysEx(Vec<u8>),
    Ump(Ump),
    SysEx7(u8, Vec<u8>),
    SysEx8(u8, u8, Vec<u8>),
    Lost(usize),
    Ended,
}

/// A way of sending something into a source.
type Sender = fn(&mut StreamSource);

fn take_all(stream: &mut MidiStream) -> Vec<(u32, Got)> {
    let mut got = Vec::new();
    while let Some(received) = stream.try_recv() {
        let what = match received.event {
            Event::Message(m) => Got::Msg(m),
            Event::SysEx(bytes) => Got::SysEx(bytes.to_vec()),
            Event::Ump(packet) => Got::Ump(packet),
            Event::SysEx7 { group, data } => Got::SysEx7(group, data.to_vec()),
            Event::SysEx8 {
                group,
                stream_id,
                data,
            } => Got::SysEx8(group, stream_id, data.to_vec()),
            Event::Lost { count } => Got::Lost(count),
            Event::Ended => Got::Ended,
        };
        got.push((received.time, what));
    }
    got
}

fn events(stream: &mut MidiStream) -> Vec<Got> {
    take_all(stream).into_iter().map(|(_, g)| g).collect()
}

fn midi2(capacity: usize, sysex_bytes: usize) -> (StreamSource, MidiStream) {
    MidiStream::builder()
        .protocol(Protocol::Midi2)
        .capacity(capacity)
        .sysex_bytes(sysex_bytes)
        .build()
}

fn midi1(capacity: usize, sysex_bytes: usize) -> (StreamSource, MidiStream) {
    MidiStream::builder()
        .capacity(capacity)
        .sysex_bytes(sysex_bytes)
        .build()
}

fn note_on2(note: u8, velocity: u16) -> Ump {
    Midi2ChannelVoice::note_on(0, 0, note, velocity, 0, 0)
        .unwrap()
        .packet()
}

fn cc(controller: u8, value: u8) -> MidiMessage {
    MidiMessage::control_change(0, controller, value).unwrap()
}

// --------------------------------------------------- MIDI 2.0 streams

#[test]
fn packets_come_out_whole_in_order_with_their_times() {
    let (mut source, mut stream) = midi2(16, 0);
    let tempo = FlexData::set_tempo(0, 10_000_000).unwrap().packet(); // 128 bits
    let clock = SystemMessage::new(2, MidiMessage::TIMING_CLOCK)
        .unwrap()
        .packet(); // 32
    let jr = Utility::jr_timestamp(1234).packet(); // 32, no group
    for (t, packet) in [note_on2(60, 0x1234), tempo, clock, jr].iter().enumerate() {
        source.try_send_ump_at(*packet, t as u64).unwrap();
    }
    assert_eq!(
        take_all(&mut stream),
        [
            (0, Got::Ump(note_on2(60, 0x1234))),
            (1, Got::Ump(tempo)),
            (2, Got::Ump(clock)),
            (3, Got::Ump(jr)),
        ]
    );
}

#[test]
fn packets_of_every_size_keep_whole_across_the_wrap() {
    // Capacity 2: four entries of packets and two kept free; packets of
    // two and three entries wrap around the end again and again.
    let (mut source, mut stream) = midi2(2, 0);
    let tempo = |n: u32| FlexData::set_tempo(0, 1_000 + n).unwrap().packet();
    let mut sent = Vec::new();
    let mut got = Vec::new();
    for n in 0..500u32 {
        let packet = if n % 3 == 0 {
            tempo(n)
        } else {
            note_on2((n % 128) as u8, n as u16)
        };
        while source.try_push_ump_at(packet, u64::from(n)).is_err() {
            got.extend(events(&mut stream));
        }
        sent.push(Got::Ump(packet));
    }
    got.extend(events(&mut stream));
    assert_eq!(got, sent);
}

#[test]
fn the_capacity_counts_64_bit_packets() {
    for capacity in [1, 2, 5] {
        let (mut source, _stream) = midi2(capacity, 0);
        assert_eq!(source.slots(), capacity);
        for n in 0..capacity {
            assert!(source.try_send_ump_at(note_on2(n as u8, 1), 0).is_ok());
        }
        assert!(source.is_full());
        assert_eq!(
            source.try_send_ump_at(note_on2(0, 1), 0),
            Err(SendError::Full)
        );
    }
    // A 128-bit packet fits even at capacity 1.
    let (mut source, mut stream) = midi2(1, 0);
    let tempo = FlexData::set_tempo(0, 500).unwrap().packet();
    source.try_send_ump_at(tempo, 0).unwrap();
    assert_eq!(events(&mut stream), [Got::Ump(tempo)]);
}

#[test]
fn midi1_messages_are_translated_to_midi2_on_group_0() {
    let (mut source, mut stream) = midi2(16, 0);
    source.try_send_at(MidiMessage::note_on(3, 60, 64).unwrap(), 10);
    source.try_send_at(MidiMessage::note_on(3, 60, 0).unwrap(), 20); // a Note Off
    source.try_send_at(MidiMessage::TIMING_CLOCK, 30);
    source.try_send_bytes_at(&[0xE0, 0x00, 0x40], 40).unwrap(); // centred bend
    assert_eq!(
        take_all(&mut stream),
        [
            (
                10,
                Got::Ump(
                    Midi2ChannelVoice::note_on(0, 3, 60, 0x8000, 0, 0)
                        .unwrap()
                        .packet()
                )
            ),
            (
                20,
                Got::Ump(
                    Midi2ChannelVoice::note_off(0, 3, 60, 0, 0, 0)
                        .unwrap()
                        .packet()
                )
            ),
            (
                30,
                Got::Ump(
                    SystemMessage::new(0, MidiMessage::TIMING_CLOCK)
                        .unwrap()
                        .packet()
                )
            ),
            (
                40,
                Got::Ump(
                    Midi2ChannelVoice::pitch_bend(0, 0, 0x8000_0000)
                        .unwrap()
                        .packet()
                )
            ),
        ]
    );
}

#[test]
fn midi1_packets_keep_their_group_when_translated() {
    let (mut source, mut stream) = midi2(16, 0);
    let packet = Midi1ChannelVoice::new(5, cc(7, 127)).unwrap().packet();
    source.try_send_ump_at(packet, 0).unwrap();
    let expected = Midi2ChannelVoice::control_change(5, 0, 7, 0xFFFF_FFFF)
        .unwrap()
        .packet();
    assert_eq!(events(&mut stream), [Got::Ump(expected)]);
}

#[test]
fn a_registered_parameter_from_midi1_is_one_midi2_controller() {
    let (mut source, mut stream) = midi2(16, 0);
    for (c, v) in [(101, 0), (100, 0), (6, 12), (38, 0)] {
        assert!(source.try_send_at(cc(c, v), 0));
    }
    let rpn = |value| {
        Got::Ump(
            Midi2ChannelVoice::registered_controller(0, 0, 0, 0, value)
                .unwrap()
                .packet(),
        )
    };
    // The Data Entry MSB goes out at once (LSB 0); its LSB sends the full
    // value again: the stream cannot hold a message for one that may never
    // come.
    let value = bbx_midi::ump::scale_up(12 << 7, 14, 32).unwrap();
    assert_eq!(events(&mut stream), [rpn(value), rpn(value)]);
    assert!(source.try_send_at(cc(38, 5), 0));
    let value = bbx_midi::ump::scale_up(12 << 7 | 5, 14, 32).unwrap();
    assert_eq!(events(&mut stream), [rpn(value)]);
}

#[test]
fn bank_select_and_program_change_become_one_program_change() {
    let (mut source, mut stream) = midi2(16, 0);
    assert!(source.try_send_at(cc(0, 1), 0));
    assert!(source.try_send_at(cc(32, 2), 0));
    assert!(stream.try_recv().is_none(), "held for the Program Change");
    assert!(source.try_send_at(MidiMessage::program_change(0, 9).unwrap(), 5));
    let expected = Midi2ChannelVoice::program_change(0, 0, 9, Some((1, 2)))
        .unwrap()
        .packet();
    assert_eq!(take_all(&mut stream), [(5, Got::Ump(expected))]);
}

#[test]
fn a_refused_push_leaves_the_translator_as_it_was() {
    let (mut source, mut stream) = midi2(1, 0);
    assert!(source.try_send_at(cc(0, 3), 0)); // bank MSB, held
    source.try_send_ump_at(note_on2(60, 1), 1).unwrap(); // fills the stream
    let program = MidiMessage::program_change(0, 4).unwrap();
    assert_eq!(source.try_push_at(program, 2), Err(program));
    assert_eq!(events(&mut stream).len(), 1);
    assert_eq!(source.try_push_at(program, 3), Ok(()));
    let expected = Midi2ChannelVoice::program_change(0, 0, 4, Some((3, 0)))
        .unwrap()
        .packet();
    assert_eq!(
        events(&mut stream),
        [Got::Ump(expected)],
        "the bank is still there"
    );
    assert_eq!(source.dropped(), 0);
}

#[test]
fn sysex7_packets_are_gathered_into_one_sysex_on_their_group() {
    let (mut source, mut stream) = midi2(4, 256);
    let whole: Vec<u8> = [0xF0]
        .into_iter()
        .chain((0..40).map(|i| i as u8))
        .chain([0xF7])
        .collect();
    let packets: Vec<Ump> = SysEx7Packets::new(&whole, 6).unwrap().collect();
    assert_eq!(packets.len(), 7);
    for (i, packet) in packets.iter().enumerate() {
        source.try_send_ump_at(*packet, i as u64).unwrap();
        if i + 1 < packets.len() {
            assert!(stream.try_recv().is_none(), "nothing before the end");
        }
    }
    assert_eq!(
        take_all(&mut stream),
        [(6, Got::SysEx7(6, whole[1..41].to_vec()))]
    );
}

#[test]
fn a_midi1_sysex_arrives_as_sysex7_on_group_0() {
    let (mut source, mut stream) = midi2(4, 64);
    source
        .try_send_bytes_at(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7], 0)
        .unwrap();
    assert_eq!(
        events(&mut stream),
        [Got::SysEx7(0, vec![0x7E, 0x7F, 0x06, 0x01])]
    );
}

#[test]
fn sysex8_packets_are_gathered_with_their_stream_id() {
    let (mut source, mut stream) = midi2(4, 64);
    let data: Vec<u8> = (0..30).map(|i| 0xE0 ^ i).collect(); // 8-bit data
    let chunks: Vec<&[u8]> = data.chunks(13).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let status = match (i, chunks.len() - 1 - i) {
            (0, _) => SysExStatus::Start,
            (_, 0) => SysExStatus::End,
            _ => SysExStatus::Continue,
        };
        let packet = SysEx8::new(2, status, 0x42, chunk).unwrap().packet();
        source.try_send_ump_at(packet, i as u64).unwrap();
    }
    assert_eq!(events(&mut stream), [Got::SysEx8(2, 0x42, data)]);
}

#[test]
fn a_sysex8_too_large_is_lost_and_its_other_packets_discarded() {
    let (mut source, mut stream) = midi2(4, 20);
    let chunk = [0xAA; 13];
    let packet = |status| SysEx8::new(0, status, 1, &chunk).unwrap().packet();
    source
        .try_send_ump_at(packet(SysExStatus::Start), 0)
        .unwrap();
    assert_eq!(
        source.try_send_ump_at(packet(SysExStatus::Continue), 1),
        Err(SendError::TooLarge { len: 27, max: 20 })
    );
    assert_eq!(
        source.try_send_ump_at(packet(SysExStatus::End), 2),
        Err(SendError::SysExLost)
    );
    assert_eq!(events(&mut stream), [Got::Lost(1)]);
    assert_eq!(source.dropped(), 1);
}

#[test]
fn a_sysex_start_on_another_group_cuts_off_the_one_under_way() {
    let (mut source, mut stream) = midi2(8, 64);
    let p = |group, status, data: &[u8]| SysEx7::new(group, status, data).unwrap().packet();
    source
        .try_send_ump_at(p(1, SysExStatus::Start, &[1, 2]), 0)
        .unwrap();
    source
        .try_send_ump_at(p(2, SysExStatus::Start, &[3]), 1)
        .unwrap();
    assert_eq!(
        source.try_send_ump_at(p(1, SysExStatus::End, &[4]), 2),
        Err(SendError::SysExLost)
    );
    source
        .try_send_ump_at(p(2, SysExStatus::End, &[5]), 3)
        .unwrap();
    assert_eq!(
        events(&mut stream),
        [Got::Lost(1), Got::SysEx7(2, vec![3, 5])]
    );
    // A piece with no start at all.
    assert_eq!(
        source.try_send_ump_at(p(4, SysExStatus::Continue, &[6]), 4),
        Err(SendError::SysExLost)
    );
    assert_eq!(source.dropped(), 1);
}

#[test]
fn other_packets_pass_a_sysex_under_way_untouched() {
    let (mut source, mut stream) = midi2(8, 64);
    let p = |status, data: &[u8]| SysEx7::new(0, status, data).unwrap().packet();
    source
        .try_send_ump_at(p(SysExStatus::Start, &[1]), 0)
        .unwrap();
    source.try_send_ump_at(note_on2(60, 9), 1).unwrap();
    source
        .try_send_ump_at(p(SysExStatus::End, &[2]), 2)
        .unwrap();
    assert_eq!(
        events(&mut stream),
        [Got::Ump(note_on2(60, 9)), Got::SysEx7(0, vec![1, 2])]
    );
}

/// One rule for a message between a SysEx's packets, whichever call sends
/// it: UMP lets other messages come between them, so a SysEx7 or SysEx8
/// gathered from packets goes on, whether the message comes as a packet or
/// as MIDI 1.0 (a message, bytes).
#[test]
fn a_message_by_any_call_leaves_a_sysex_of_packets_whole() {
    let senders: [(&str, Sender); 3] = [
        ("try_send_at", |s| assert!(s.try_send_at(cc(7, 1), 1))),
        ("try_send_bytes_at", |s| {
            s.try_send_bytes_at(&[0xB0, 7, 1], 1).unwrap()
        }),
        ("try_send_ump_at", |s| {
            let packet = Midi1ChannelVoice::new(0, cc(7, 1)).unwrap().packet();
            s.try_send_ump_at(packet, 1).unwrap()
        }),
    ];
    for (call, send) in senders {
        let (mut source, mut stream) = midi2(8, 64);
        let eight = |status, data: &[u8]| SysEx8::new(3, status, 0x42, data).unwrap().packet();
        source
            .try_send_ump_at(eight(SysExStatus::Start, &[0xE1, 0x82]), 0)
            .unwrap();
        send(&mut source);
        source
            .try_send_ump_at(eight(SysExStatus::End, &[0x83]), 2)
            .unwrap();
        let seven = |status, data: &[u8]| SysEx7::new(1, status, data).unwrap().packet();
        source
            .try_send_ump_at(seven(SysExStatus::Start, &[1]), 3)
            .unwrap();
        send(&mut source);
        source
            .try_send_ump_at(seven(SysExStatus::End, &[2]), 4)
            .unwrap();
        let got = events(&mut stream);
        assert_eq!(got.len(), 4, "{call}: {got:?}");
        assert_eq!(
            got[1],
            Got::SysEx8(3, 0x42, vec![0xE1, 0x82, 0x83]),
            "{call}"
        );
        assert_eq!(got[3], Got::SysEx7(1, vec![1, 2]), "{call}");
        assert!(
            matches!(got[0], Got::Ump(_)) && got[0] == got[2],
            "{call}: {got:?}"
        );
        assert_eq!(source.dropped(), 0, "{call}");
    }
}

/// `pop_into` fills `MidiEvent`s, MIDI 1.0 messages: on a MIDI 2.0 stream
/// it takes nothing, as documented, and leaves every packet to `try_recv`.
#[test]
fn pop_into_takes_nothing_from_a_midi2_stream() {
    let (mut source, mut stream) = midi2(8, 0);
    assert!(source.try_send_at(cc(7, 1), 0));
    source.try_send_ump_at(note_on2(60, 9), 1).unwrap();
    let mut block = [bbx_midi::MidiEvent::default(); 4];
    assert_eq!(stream.pop_into(&mut block), 0);
    assert_eq!(events(&mut stream).len(), 2);
}

#[test]
fn a_packet_a_view_refuses_is_refused_and_changes_nothing() {
    let (mut source, mut stream) = midi2(8, 0);
    // A MIDI 1.0 Program Change with its unused byte set.
    let bad = Ump::parse(&[0x20C0_0501]).unwrap();
    assert!(matches!(
        source.try_send_ump_at(bad, 0),
        Err(SendError::InvalidUmp(_))
    ));
    assert!(stream.try_recv().is_none());
    assert_eq!(source.dropped(), 0);
}

#[test]
fn reserved_message_types_pass_through_a_midi2_stream_whole() {
    let (mut source, mut stream) = midi2(8, 0);
    let reserved = Ump::parse(&[0xE000_0001, 2, 3, 4]).unwrap();
    source.try_send_ump_at(reserved, 0).unwrap();
    assert_eq!(events(&mut stream), [Got::Ump(reserved)]);
}

#[test]
fn midi2_packets_go_through_the_scheduler_at_their_frames() {
    let (mut source, mut stream) = midi2(16, 0);
    let mut scheduler = BlockScheduler::new(50_000.0, 10_000); // 20 µs a frame
    source
        .try_send_ump_at(note_on2(60, 0xABCD), 1_000_200)
        .unwrap();
    scheduler.begin_block(1_010_000, 500);
    let scheduled = scheduler.next_event(&mut stream).unwrap();
    assert_eq!(
        (scheduled.frame, scheduled.event),
        (10, Event::Ump(note_on2(60, 0xABCD)))
    );
}

// --------------------------------------------------- MIDI 1.0 streams

#[test]
fn midi2_notes_reach_a_midi1_stream_with_7_bit_velocities() {
    let (mut source, mut stream) = midi1(16, 0);
    source.try_send_ump_at(note_on2(60, 0x8000), 0).unwrap();
    source.try_send_ump_at(note_on2(61, 0x0100), 0).unwrap(); // would be 0: becomes 1
    assert_eq!(
        events(&mut stream),
        [
            Got::Msg(MidiMessage::note_on(0, 60, 64).unwrap()),
            Got::Msg(MidiMessage::note_on(0, 61, 1).unwrap()),
        ]
    );
}

#[test]
fn a_midi2_registered_controller_is_four_midi1_messages_sent_together() {
    let (mut source, mut stream) = midi1(4, 0);
    let rpn = Midi2ChannelVoice::registered_controller(0, 1, 0, 0, 0x0400_0000)
        .unwrap()
        .packet();
    source.try_send_ump_at(rpn, 7).unwrap();
    let expected: Vec<_> = [(101, 0), (100, 0), (6, 2), (38, 0)]
        .into_iter()
        .map(|(c, v)| (7, Got::Msg(MidiMessage::control_change(1, c, v).unwrap())))
        .collect();
    assert_eq!(take_all(&mut stream), expected);
    // Four messages need room for four: none are sent in part.
    let (mut small, mut stream) = midi1(3, 0);
    assert_eq!(small.try_send_ump_at(rpn, 0), Err(SendError::Full));
    assert_eq!(events(&mut stream), [Got::Lost(1)]);
}

#[test]
fn program_change_with_bank_is_three_midi1_messages() {
    let (mut source, mut stream) = midi1(8, 0);
    let pc = Midi2ChannelVoice::program_change(0, 0, 5, Some((1, 2)))
        .unwrap()
        .packet();
    source.try_send_ump_at(pc, 0).unwrap();
    assert_eq!(
        events(&mut stream),
        [
            Got::Msg(cc(0, 1)),
            Got::Msg(cc(32, 2)),
            Got::Msg(MidiMessage::program_change(0, 5).unwrap()),
        ]
    );
}

#[test]
fn midi1_and_system_packets_reach_a_midi1_stream_as_messages() {
    let (mut source, mut stream) = midi1(8, 0);
    let note = MidiMessage::note_on(2, 64, 100).unwrap();
    source
        .try_send_ump_at(Midi1ChannelVoice::new(9, note).unwrap().packet(), 0)
        .unwrap();
    source
        .try_send_ump_at(
            SystemMessage::new(3, MidiMessage::START).unwrap().packet(),
            1,
        )
        .unwrap();
    assert_eq!(
        events(&mut stream),
        [Got::Msg(note), Got::Msg(MidiMessage::START)]
    );
}

#[test]
fn what_has_no_midi1_form_is_refused_and_counted() {
    let (mut source, mut stream) = midi1(8, 64);
    let per_note = Midi2ChannelVoice::per_note_pitch_bend(0, 0, 60, 1)
        .unwrap()
        .packet();
    let sysex8 = SysEx8::new(0, SysExStatus::Complete, 1, &[0xFF])
        .unwrap()
        .packet();
    let jr = Utility::jr_clock(5).packet();
    let tempo = FlexData::set_tempo(0, 500).unwrap().packet();
    for packet in [per_note, sysex8, jr, tempo] {
        assert_eq!(
            source.try_send_ump_at(packet, 0),
            Err(SendError::NoEquivalent),
            "{packet:?}"
        );
    }
    let stats = source.translation_stats();
    assert_eq!((stats.per_note_pitch_bends, stats.no_midi1_form), (1, 3));
    assert!(stream.try_recv().is_none());
    assert_eq!(source.dropped(), 0, "not a loss of room");
}

#[test]
fn sysex7_packets_reach_a_midi1_stream_as_sysex_bytes() {
    let (mut source, mut stream) = midi1(8, 64);
    let whole = [0xF0, 0x43, 0x10, 0x4C, 0x00, 0x00, 0x7E, 0x00, 0xF7];
    for packet in SysEx7Packets::new(&whole, 0).unwrap() {
        source.try_send_ump_at(packet, 0).unwrap();
    }
    assert_eq!(events(&mut stream), [Got::SysEx(whole.to_vec())]);
}

#[test]
fn both_ways_meet_in_one_stream_each_source_in_its_own_protocol() {
    // A MIDI 1.0 keyboard and a MIDI 2.0 controller into one MIDI 2.0 synth.
    let ([mut old, mut new], mut stream) = MidiStream::builder()
        .protocol(Protocol::Midi2)
        .build_merged();
    old.try_send_at(MidiMessage::note_on(0, 60, 127).unwrap(), 10);
    new.try_send_ump_at(note_on2(64, 0x1234), 20).unwrap();
    assert_eq!(
        events(&mut stream),
        [
            Got::Ump(note_on2(60, 0xFFFF)),
            Got::Ump(note_on2(64, 0x1234))
        ]
    );
    assert_eq!(
        old.try_send_bytes_at(&[0x90, 60], 0),
        Err(SendError::Invalid(MidiError::TooShort {
            status: 0x90,
            expected: 3,
            found: 2
        }))
    );
}
