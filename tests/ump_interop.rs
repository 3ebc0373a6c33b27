//! Conversions to and from the `midi2` crate (`--features midi2`): every
//! kind of packet it models goes there and back unchanged, and it reads our
//! SysEx7 packing as the same SysEx.
#![cfg(feature = "midi2")]

use bbx_midi::MidiMessage;
use bbx_midi::ump::*;
use midi2::Data as _;
use midi2::Sysex as _;

/// One packet of each message type `midi2` models, several statuses each.
fn packets() -> Vec<Ump> {
    let mut all = vec![
        Utility::noop().packet(),
        Utility::jr_clock(0x1234).packet(),
        Utility::jr_timestamp(7).packet(),
        SystemMessage::new(1, MidiMessage::TIMING_CLOCK)
            .unwrap()
            .packet(),
        SystemMessage::new(2, MidiMessage::new([0xF2, 1, 2]))
            .unwrap()
            .packet(),
        SysEx7::new(3, SysExStatus::Complete, &[1, 2, 3])
            .unwrap()
            .packet(),
        SysEx8::new(4, SysExStatus::Complete, 9, &[0xFF, 0x80])
            .unwrap()
            .packet(),
        FlexData::set_tempo(5, 50_000_000).unwrap().packet(),
        FlexData::set_time_signature(5, 3, 2, 8).unwrap().packet(),
        StreamMessage::endpoint_discovery(1, 1, 0x1F).packet(),
        StreamMessage::function_block_discovery(0xFF, 3).packet(),
    ];
    for status in [0x80u8, 0x90, 0xA0, 0xB0, 0xC0, 0xD0, 0xE0] {
        let bytes = [status | 3, 60, 100];
        let len = if matches!(status, 0xC0 | 0xD0) { 2 } else { 3 };
        all.push(to_ump(&MidiMessage::parse(&bytes[..len]).unwrap(), 6).unwrap());
    }
    all.extend(
        [
            Midi2ChannelVoice::note_on(7, 1, 60, 0xC000, 0, 0),
            Midi2ChannelVoice::note_off(7, 1, 60, 0x4000, 0, 0),
            Midi2ChannelVoice::poly_pressure(7, 1, 60, 5),
            Midi2ChannelVoice::control_change(7, 1, 74, u32::MAX),
            Midi2ChannelVoice::registered_controller(7, 1, 0, 0, 0x0400_0000),
            Midi2ChannelVoice::assignable_controller(7, 1, 1, 2, 3),
            Midi2ChannelVoice::relative_registered_controller(7, 1, 1, 2, -3),
            Midi2ChannelVoice::program_change(7, 1, 5, Some((1, 2))),
            Midi2ChannelVoice::channel_pressure(7, 1, 9),
            Midi2ChannelVoice::pitch_bend(7, 1, 0x8000_0000),
            Midi2ChannelVoice::per_note_pitch_bend(7, 1, 60, 1),
            Midi2ChannelVoice::registered_per_note_controller(7, 1, 60, 3, 4),
            Midi2ChannelVoice::per_note_management(7, 1, 60, true, true),
        ]
        .map(|m| m.unwrap().packet()),
    );
    all
}

/// Converts to `midi2`'s packet type for `$module` and back.
macro_rules! there_and_back {
    ($packet:expr, $($mt:literal => $module:ident),*) => {
        match $packet.message_type() {
            $($mt => {
                let theirs = midi2::$module::Packet::try_from($packet).unwrap();
                assert_eq!(&theirs[..], $packet.words());
                assert_eq!(Ump::try_from(&theirs), Ok($packet));
            })*
            other => panic!("no midi2 packet type for {other:#x}"),
        }
    };
}

#[test]
fn every_packet_goes_to_its_midi2_packet_type_and_back() {
    for ours in packets() {
        there_and_back!(ours,
            0x0 => utility, 0x1 => system_common, 0x2 => channel_voice1, 0x3 => sysex7,
            0x4 => channel_voice2, 0x5 => sysex8, 0xD => flex_data, 0xF => ump_stream);
    }
}

#[test]
fn every_single_packet_message_goes_to_a_midi2_message_and_back() {
    for ours in packets() {
        let theirs = midi2::UmpMessage::try_from(&ours).unwrap_or_else(|e| panic!("{ours:?}: {e}"));
        if ours.message_type() == 0xF && ours.words()[0] >> 16 & 0x3FF == 0x010 {
            // midi2 0.11.1 keeps a Function Block Discovery in one word
            // (`MinSizeUmp(1)`), a UMP stream packet has four: its message
            // is refused whole, not padded; the packet types convert.
            assert_eq!(theirs.data(), &ours.words()[..1]);
            assert_eq!(
                Ump::try_from(&theirs),
                Err(UmpError::Truncated {
                    message_type: 0xF,
                    expected: 4,
                    found: 1
                })
            );
            continue;
        }
        assert_eq!(theirs.data(), ours.words());
        assert_eq!(Ump::try_from(&theirs), Ok(ours));
    }
}

#[test]
fn a_packet_of_another_type_or_a_reserved_type_is_refused_with_midi2_s_reason() {
    let note = Midi2ChannelVoice::pitch_bend(0, 0, 0).unwrap().packet();
    assert!(matches!(
        midi2::sysex7::Packet::try_from(note),
        Err(UmpError::Foreign { .. })
    ));
    let reserved = Ump::parse(&[0x6000_0000]).unwrap();
    assert!(matches!(
        midi2::UmpMessage::try_from(&reserved),
        Err(UmpError::Foreign { .. })
    ));
}

#[test]
fn midi2_reads_our_sysex7_packets_as_the_same_sysex() {
    for len in [0usize, 1, 6, 7, 12, 13, 100] {
        let mut sysex = vec![0xF0];
        sysex.extend((0..len).map(|i| (i % 128) as u8));
        sysex.push(0xF7);
        let words: Vec<u32> = SysEx7Packets::new(&sysex, 0)
            .unwrap()
            .flat_map(|p| p.words().to_vec())
            .collect();
        let theirs = midi2::UmpMessage::try_from(&words[..]).unwrap();
        let midi2::UmpMessage::Sysex7(theirs) = theirs else {
            panic!("{theirs:?}")
        };
        let payload: Vec<u8> = theirs.payload().map(u8::from).collect();
        assert_eq!(payload, sysex[1..sysex.len() - 1], "{len}");
        // A message of several packets converts packet by packet.
        let back: Vec<Ump> = UmpReader::new(theirs.data()).map(Result::unwrap).collect();
        let ours: Vec<Ump> = SysEx7Packets::new(&sysex, 0).unwrap().collect();
        assert_eq!(back, ours);
    }
}
