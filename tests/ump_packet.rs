//! The UMP packet model and every typed view's bit layout, from the
//! tables of M2-104-UM v1.1: constructing a message gives exactly these
//! words, and parsing these words gives exactly these fields.

use bbx_midi::MidiMessage;
use bbx_midi::ump::*;

fn packet(words: &[u32]) -> Ump {
    Ump::parse(words).unwrap()
}

#[test]
fn each_message_type_has_the_size_the_specification_gives() {
    let sizes = [1, 1, 1, 2, 2, 4, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4];
    for (mt, words) in sizes.into_iter().enumerate() {
        assert_eq!(packet_len(mt as u8), words, "MT {mt:#x}");
        let mut input = vec![0u32; words];
        input[0] = (mt as u32) << 28 | 0x0123_4567;
        let p = Ump::parse(&input).unwrap();
        assert_eq!(
            (p.message_type(), p.len(), p.words()),
            (mt as u8, words, &input[..])
        );
    }
}

#[test]
fn reserved_message_types_pass_through_whole() {
    for words in [
        &[0x6123_4567][..],
        &[0x9FFF_FFFF, 1],
        &[0xB000_0001, 2, 3],
        &[0xE000_0000, 4, 5, 6],
    ] {
        let p = packet(words);
        assert_eq!(p.words(), words);
        assert_eq!(p.message(), UmpMessage::Other(p));
    }
}

#[test]
fn a_packet_is_16_bytes_and_copy() {
    fn is_copy<T: Copy + Send + Sync + 'static>() {}
    is_copy::<Ump>();
    assert_eq!((size_of::<Ump>(), align_of::<Ump>()), (16, 4));
    assert_eq!(packet(&[0x2090_3C64]).to_array(), [0x2090_3C64, 0, 0, 0]);
}

#[test]
fn parse_refuses_empty_short_and_long_input() {
    assert_eq!(Ump::parse(&[]), Err(UmpError::Empty));
    assert_eq!(
        Ump::parse(&[0x5000_0000, 0, 0]),
        Err(UmpError::Truncated {
            message_type: 5,
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        Ump::parse(&[0x3000_0000, 0, 0]),
        Err(UmpError::TooLong {
            message_type: 3,
            expected: 2,
            found: 3
        })
    );
}

#[test]
fn the_reader_yields_each_packet_then_reports_a_truncated_tail_once() {
    let words = [0x0000_0000, 0x4090_3C00, 0x8000_0000, 0xB000_0000, 0x1];
    let got: Vec<_> = UmpReader::new(&words).collect();
    assert_eq!(
        got,
        [
            Ok(packet(&[0])),
            Ok(packet(&[0x4090_3C00, 0x8000_0000])),
            Err(UmpError::Truncated {
                message_type: 0xB,
                expected: 3,
                found: 2
            }),
        ]
    );
    assert_eq!(UmpReader::new(&[]).next(), None);
}

#[test]
fn group_is_bits_27_to_24_except_for_the_groupless_types() {
    assert_eq!(packet(&[0x2A90_3C64]).group(), Some(0xA));
    assert_eq!(packet(&[0x3F00_0000, 0]).group(), Some(0xF));
    assert_eq!(packet(&[0x0010_0000]).group(), None);
    assert_eq!(packet(&[0xF000_0101, 0, 0, 0]).group(), None);
}

#[test]
fn errors_display_and_have_a_source() {
    use std::error::Error;
    let err = UmpError::Midi(bbx_midi::MidiError::Invalid);
    assert!(err.source().is_some());
    assert_eq!(
        UmpError::GroupOutOfRange { group: 16 }.to_string(),
        "group 16 is out of range (0..=15)"
    );
}

// --- Message type 0x2: MIDI 1.0 channel voice ---

#[test]
fn midi1_channel_voice_words_are_group_and_wire_bytes() {
    let cases: [(MidiMessage, u32); 7] = [
        (MidiMessage::note_off(1, 60, 64).unwrap(), 0x2581_3C40),
        (MidiMessage::note_on(1, 60, 127).unwrap(), 0x2591_3C7F),
        (MidiMessage::poly_pressure(2, 61, 3).unwrap(), 0x25A2_3D03),
        (MidiMessage::control_change(3, 7, 100).unwrap(), 0x25B3_0764),
        (MidiMessage::program_change(4, 9).unwrap(), 0x25C4_0900),
        (MidiMessage::channel_pressure(5, 90).unwrap(), 0x25D5_5A00),
        (
            MidiMessage::pitch_bend_change(15, 0x2001).unwrap(),
            0x25EF_0140,
        ),
    ];
    for (message, word) in cases {
        let view = Midi1ChannelVoice::new(5, message).unwrap();
        assert_eq!(view.packet().words(), &[word]);
        let read = Midi1ChannelVoice::try_from(packet(&[word])).unwrap();
        assert_eq!((read.group(), read.message()), (5, message));
    }
}

#[test]
fn midi1_channel_voice_refuses_what_is_not_a_channel_message() {
    assert!(matches!(
        Midi1ChannelVoice::try_from(packet(&[0x20F8_0000])),
        Err(UmpError::UnknownStatus {
            message_type: 2,
            status: 0xF8
        })
    ));
    assert_eq!(
        Midi1ChannelVoice::try_from(packet(&[0x2090_8040])),
        Err(UmpError::InvalidDataByte {
            index: 0,
            byte: 0x80
        })
    );
    // The unused byte of a Program Change is reserved.
    assert_eq!(
        Midi1ChannelVoice::try_from(packet(&[0x20C0_0501])),
        Err(UmpError::ReservedBits { word: 0, bits: 1 })
    );
    assert!(Midi1ChannelVoice::try_from(packet(&[0x1090_3C64])).is_err());
}

// --- Message type 0x1: system ---

#[test]
fn system_messages_carry_their_bytes_with_unused_bytes_zero() {
    let cases: [(MidiMessage, u32); 10] = [
        (MidiMessage::new([0xF1, 0x35, 0]), 0x13F1_3500),
        (MidiMessage::new([0xF2, 0x01, 0x7F]), 0x13F2_017F),
        (MidiMessage::new([0xF3, 0x11, 0]), 0x13F3_1100),
        (MidiMessage::TUNE_REQUEST, 0x13F6_0000),
        (MidiMessage::TIMING_CLOCK, 0x13F8_0000),
        (MidiMessage::START, 0x13FA_0000),
        (MidiMessage::CONTINUE, 0x13FB_0000),
        (MidiMessage::STOP, 0x13FC_0000),
        (MidiMessage::ACTIVE_SENSING, 0x13FE_0000),
        (MidiMessage::SYSTEM_RESET, 0x13FF_0000),
    ];
    for (message, word) in cases {
        assert_eq!(
            SystemMessage::new(3, message).unwrap().packet().words(),
            &[word]
        );
        assert_eq!(
            SystemMessage::try_from(packet(&[word])).unwrap().message(),
            message
        );
    }
    for status in [0xF0, 0xF4, 0xF5, 0xF7, 0xF9, 0xFD] {
        assert!(SystemMessage::try_from(packet(&[0x1000_0000 | status << 16])).is_err());
    }
    assert!(SystemMessage::try_from(packet(&[0x10F8_0100])).is_err());
}

// --- Message type 0x0: utility ---

#[test]
fn utility_messages_have_their_status_in_bits_23_to_20() {
    assert_eq!(Utility::noop().packet().words(), &[0x0000_0000]);
    assert_eq!(Utility::jr_clock(0xFFFF).packet().words(), &[0x0010_FFFF]);
    assert_eq!(Utility::jr_timestamp(1).packet().words(), &[0x0020_0001]);
    assert_eq!(
        Utility::ticks_per_quarter_note(480).packet().words(),
        &[0x0030_01E0]
    );
    assert_eq!(
        Utility::delta_clockstamp(0xA_BCDE)
            .unwrap()
            .packet()
            .words(),
        &[0x004A_BCDE]
    );
    let read = Utility::try_from(packet(&[0x0030_01E0])).unwrap();
    assert_eq!(
        (read.kind(), read.value()),
        (UtilityKind::DeltaClockstampTicksPerQuarterNote, 480)
    );
    // Bits 19-16 are reserved except in Delta Clockstamp; 27-24 always.
    assert!(Utility::try_from(packet(&[0x0011_0000])).is_err());
    assert!(Utility::try_from(packet(&[0x0100_0000])).is_err());
    assert!(Utility::try_from(packet(&[0x0050_0000])).is_err());
    assert!(Utility::delta_clockstamp(1 << 20).is_err());
}

// --- Message type 0x3: SysEx7 ---

#[test]
fn sysex7_packets_carry_status_count_and_six_bytes() {
    let statuses = [
        (SysExStatus::Complete, 0x0),
        (SysExStatus::Start, 0x1),
        (SysExStatus::Continue, 0x2),
        (SysExStatus::End, 0x3),
    ];
    for (status, bits) in statuses {
        for len in 0..=6usize {
            let data: Vec<u8> = (1..=len as u8).collect();
            let p = SysEx7::new(9, status, &data).unwrap();
            let mut bytes = [0u8; 8];
            bytes[0] = 0x39;
            bytes[1] = bits << 4 | len as u8;
            bytes[2..2 + len].copy_from_slice(&data);
            let words = [
                u32::from_be_bytes(bytes[..4].try_into().unwrap()),
                u32::from_be_bytes(bytes[4..].try_into().unwrap()),
            ];
            assert_eq!(p.packet().words(), &words);
            let read = SysEx7::try_from(packet(&words)).unwrap();
            assert_eq!(
                (read.group(), read.status(), &*read.data()),
                (9, status, &data[..])
            );
        }
    }
}

#[test]
fn sysex7_refuses_bad_counts_bytes_and_statuses() {
    assert!(SysEx7::try_from(packet(&[0x3007_0000, 0])).is_err());
    assert!(SysEx7::try_from(packet(&[0x3041_0000, 0])).is_err());
    assert!(SysEx7::try_from(packet(&[0x3001_8000, 0])).is_err());
    // A byte past the count is reserved.
    assert!(SysEx7::try_from(packet(&[0x3001_0001, 0])).is_err());
}

// --- Message type 0x4: MIDI 2.0 channel voice ---

#[test]
fn midi2_channel_voice_layouts() {
    let g = 0xA;
    let cases: Vec<(Midi2ChannelVoice, [u32; 2])> = vec![
        (
            Midi2ChannelVoice::registered_per_note_controller(g, 1, 60, 0x80, 5).unwrap(),
            [0x4A01_3C80, 5],
        ),
        (
            Midi2ChannelVoice::assignable_per_note_controller(g, 1, 60, 0x7F, 6).unwrap(),
            [0x4A11_3C7F, 6],
        ),
        (
            Midi2ChannelVoice::registered_controller(g, 2, 0x7F, 0x01, 7).unwrap(),
            [0x4A22_7F01, 7],
        ),
        (
            Midi2ChannelVoice::assignable_controller(g, 2, 0x01, 0x7F, 8).unwrap(),
            [0x4A32_017F, 8],
        ),
        (
            Midi2ChannelVoice::relative_registered_controller(g, 3, 1, 2, -2).unwrap(),
            [0x4A43_0102, 0xFFFF_FFFE],
        ),
        (
            Midi2ChannelVoice::relative_assignable_controller(g, 3, 1, 2, 2).unwrap(),
            [0x4A53_0102, 2],
        ),
        (
            Midi2ChannelVoice::per_note_pitch_bend(g, 4, 60, 0x8000_0000).unwrap(),
            [0x4A64_3C00, 0x8000_0000],
        ),
        (
            Midi2ChannelVoice::note_off(g, 5, 60, 0x1234, 1, 0x5678).unwrap(),
            [0x4A85_3C01, 0x1234_5678],
        ),
        (
            Midi2ChannelVoice::note_on(g, 5, 127, 0xFFFF, 2, 1).unwrap(),
            [0x4A95_7F02, 0xFFFF_0001],
        ),
        (
            Midi2ChannelVoice::poly_pressure(g, 6, 1, 9).unwrap(),
            [0x4AA6_0100, 9],
        ),
        (
            Midi2ChannelVoice::control_change(g, 7, 127, 10).unwrap(),
            [0x4AB7_7F00, 10],
        ),
        (
            Midi2ChannelVoice::program_change(g, 8, 127, Some((127, 127))).unwrap(),
            [0x4AC8_0001, 0x7F00_7F7F],
        ),
        (
            Midi2ChannelVoice::program_change(g, 8, 0, None).unwrap(),
            [0x4AC8_0000, 0],
        ),
        (
            Midi2ChannelVoice::channel_pressure(g, 9, 11).unwrap(),
            [0x4AD9_0000, 11],
        ),
        (
            Midi2ChannelVoice::pitch_bend(g, 15, 12).unwrap(),
            [0x4AEF_0000, 12],
        ),
        (
            Midi2ChannelVoice::per_note_management(g, 0, 60, true, true).unwrap(),
            [0x4AF0_3C03, 0],
        ),
    ];
    for (message, words) in cases {
        assert_eq!(message.packet().words(), &words, "{:?}", message.kind());
        assert_eq!(Midi2ChannelVoice::try_from(packet(&words)), Ok(message));
    }
}

#[test]
fn midi2_accessors_read_exact_fields() {
    let on = Midi2ChannelVoice::try_from(packet(&[0x4395_3C03, 0xABCD_7900])).unwrap();
    assert_eq!(on.kind(), Midi2Kind::NoteOn);
    assert_eq!((on.group(), on.channel(), on.note()), (3, 5, Some(60)));
    assert_eq!(
        (on.velocity(), on.attribute_type(), on.attribute()),
        (Some(0xABCD), Some(3), Some(0x7900))
    );
    assert_eq!((on.value(), on.index(), on.program()), (None, None, None));
    let rc = Midi2ChannelVoice::try_from(packet(&[0x4020_0506, 0xDEAD_BEEF])).unwrap();
    assert_eq!(
        (rc.controller(), rc.value(), rc.note()),
        (Some((5, 6)), Some(0xDEAD_BEEF), None)
    );
    let rel = Midi2ChannelVoice::try_from(packet(&[0x4050_0506, 0x8000_0000])).unwrap();
    assert_eq!((rel.delta(), rel.value()), (Some(i32::MIN), None));
    let pc = Midi2ChannelVoice::try_from(packet(&[0x40C0_0001, 0x2A00_0102])).unwrap();
    assert_eq!((pc.program(), pc.bank()), (Some(42), Some((1, 2))));
    let m = Midi2ChannelVoice::try_from(packet(&[0x40F0_3C01, 0])).unwrap();
    assert_eq!(m.management(), Some((false, true)));
}

#[test]
fn midi2_checked_constructors_refuse_out_of_range_values() {
    assert_eq!(
        Midi2ChannelVoice::note_on(16, 0, 0, 0, 0, 0),
        Err(UmpError::GroupOutOfRange { group: 16 })
    );
    assert_eq!(
        Midi2ChannelVoice::note_on(0, 16, 0, 0, 0, 0),
        Err(UmpError::ChannelOutOfRange { channel: 16 })
    );
    assert_eq!(
        Midi2ChannelVoice::control_change(0, 0, 128, 0),
        Err(UmpError::ValueOutOfRange {
            field: "index",
            value: 128,
            max: 127
        })
    );
    assert!(Midi2ChannelVoice::registered_controller(0, 0, 128, 0, 0).is_err());
    assert!(Midi2ChannelVoice::assignable_controller(0, 0, 0, 128, 0).is_err());
    assert!(Midi2ChannelVoice::program_change(0, 0, 0, Some((0, 128))).is_err());
    assert!(Midi2ChannelVoice::per_note_management(0, 0, 128, false, false).is_err());
}

#[test]
fn midi2_views_refuse_reserved_opcodes_and_bits() {
    assert!(Midi2ChannelVoice::try_from(packet(&[0x4070_0000, 0])).is_err());
    // Bank bytes without the Bank Valid flag.
    assert!(Midi2ChannelVoice::try_from(packet(&[0x40C0_0000, 0x0000_0100])).is_err());
    // Per-note management's word 1 is reserved.
    assert!(Midi2ChannelVoice::try_from(packet(&[0x40F0_3C00, 1])).is_err());
    // The top bit of a note is reserved.
    assert!(Midi2ChannelVoice::try_from(packet(&[0x4090_BC00, 0])).is_err());
}

// --- Message type 0x5: SysEx8 and mixed data set ---

#[test]
fn sysex8_counts_the_stream_id_among_its_bytes() {
    let data: Vec<u8> = (0xF0..=0xFC).collect();
    let p = SysEx8::new(1, SysExStatus::Start, 0x42, &data).unwrap();
    assert_eq!(
        p.packet().words(),
        &[0x511E_42F0, 0xF1F2_F3F4, 0xF5F6_F7F8, 0xF9FA_FBFC]
    );
    let read = SysEx8::try_from(p.packet()).unwrap();
    assert_eq!(
        (read.status(), read.stream_id(), &*read.data()),
        (SysExStatus::Start, 0x42, &data[..])
    );
    assert!(SysEx8::new(0, SysExStatus::End, 0, &[0; 14]).is_err());
    assert!(SysEx8::try_from(packet(&[0x5000_0000, 0, 0, 0])).is_err());
    assert!(SysEx8::try_from(packet(&[0x500F_0000, 0, 0, 0])).is_err());
}

#[test]
fn mixed_data_set_packets_classify_by_status() {
    assert!(matches!(
        packet(&[0x5080_0000, 0, 0, 0]).message(),
        UmpMessage::MixedDataSetHeader(_)
    ));
    assert!(matches!(
        packet(&[0x5090_0000, 0, 0, 0]).message(),
        UmpMessage::MixedDataSetPayload(_)
    ));
    assert!(matches!(
        packet(&[0x5001_0000, 0, 0, 0]).message(),
        UmpMessage::SysEx8(_)
    ));
    assert!(matches!(
        packet(&[0x5040_0000, 0, 0, 0]).message(),
        UmpMessage::Other(_)
    ));
}

// --- Message type 0xD: flex data ---

#[test]
fn flex_data_header_fields() {
    let p = packet(&[0xD5D0_0203, 1, 2, 3]);
    let flex = FlexData::try_from(p).unwrap();
    assert_eq!(flex.group(), 5);
    assert_eq!(flex.format(), SysExStatus::End);
    assert_eq!(flex.address(), FlexAddress::Group);
    assert!(FlexData::try_from(packet(&[0xD520_0000, 0, 0, 0])).is_err());
    // Group-addressed with channel bits set.
    assert!(FlexData::try_from(packet(&[0xD011_0000, 0, 0, 0])).is_err());
    let channel = FlexData::try_from(packet(&[0xD00C_0102, 0, 0, 0])).unwrap();
    assert_eq!(
        (channel.address(), channel.bank(), channel.status()),
        (FlexAddress::Channel(12), 1, 2)
    );
}

#[test]
fn flex_data_setup_and_text_messages() {
    assert_eq!(
        FlexData::set_tempo(2, 0x0102_0304)
            .unwrap()
            .packet()
            .words(),
        &[0xD210_0000, 0x0102_0304, 0, 0]
    );
    let four_four = FlexData::set_time_signature(0, 4, 2, 8).unwrap();
    assert_eq!(
        four_four.packet().words(),
        &[0xD010_0001, 0x0402_0800, 0, 0]
    );
    let sharps = FlexData::set_key_signature(0, FlexAddress::Channel(1), 7, 3).unwrap();
    assert_eq!(sharps.packet().words(), &[0xD001_0005, 0x7300_0000, 0, 0]);
    assert_eq!(sharps.key_signature(), Some((7, 3)));
    let odd = FlexData::try_from(packet(&[0xD010_0005, 0x8000_0000, 0, 0])).unwrap();
    assert_eq!(odd.key_signature(), Some((-8, 0)));
    assert!(FlexData::set_key_signature(0, FlexAddress::Group, 8, 0).is_err());
    assert!(FlexData::set_key_signature(0, FlexAddress::Group, 0, 8).is_err());
    let lyric = FlexData::text_message(
        0,
        SysExStatus::Start,
        FlexAddress::Channel(0),
        2,
        1,
        b"Hello, world",
    )
    .unwrap();
    assert_eq!(
        lyric.packet().words(),
        &[0xD040_0201, 0x4865_6C6C, 0x6F2C_2077, 0x6F72_6C64]
    );
    assert_eq!(&*lyric.text().unwrap(), b"Hello, world");
    assert_eq!(lyric.tempo(), None);
    assert!(
        FlexData::text_message(0, SysExStatus::Complete, FlexAddress::Group, 1, 1, &[0; 13])
            .is_err()
    );
}

// --- Message type 0xF: UMP stream ---

#[test]
fn stream_messages_have_a_ten_bit_status() {
    let p = packet(&[0xFC12_AB05, 1, 2, 3]);
    let m = StreamMessage::try_from(p).unwrap();
    assert_eq!(
        (m.format(), m.status(), m.low16(), m.data()),
        (SysExStatus::End, 0x012, 0xAB05, [1, 2, 3])
    );
    assert!(StreamMessage::new(SysExStatus::Complete, 0x400, 0, [0; 3]).is_err());
}

#[test]
fn endpoint_and_function_block_discovery_and_info() {
    let discovery = packet(&[0xF000_0101, 0x0000_001F, 0, 0]);
    assert_eq!(
        StreamMessage::try_from(discovery)
            .unwrap()
            .endpoint_discovery_request(),
        Some((1, 1, 0x1F))
    );
    let info = StreamMessage::try_from(packet(&[0xF001_0101, 0x8500_0203, 0, 0])).unwrap();
    assert_eq!(
        info.endpoint_info(),
        Some(EndpointInfo {
            ump_version_major: 1,
            ump_version_minor: 1,
            static_function_blocks: true,
            function_blocks: 5,
            midi2: true,
            midi1: false,
            receives_jr_timestamps: true,
            sends_jr_timestamps: true,
        })
    );
    assert_eq!(info.function_block_info(), None);
    let block = StreamMessage::try_from(packet(&[0xF011_8526, 0x0304_0102, 0, 0])).unwrap();
    assert_eq!(
        block.function_block_info(),
        Some(FunctionBlockInfo {
            active: true,
            number: 5,
            ui_hint: 2,
            midi1: 1,
            direction: 2,
            first_group: 3,
            groups: 4,
            midi_ci_version: 1,
            max_sysex8_streams: 2,
        })
    );
    assert_eq!(
        StreamMessage::function_block_info_notification(block.function_block_info().unwrap())
            .unwrap()
            .packet(),
        block.packet()
    );
    assert_eq!(
        StreamMessage::function_block_discovery(3, 1)
            .packet()
            .words(),
        &[0xF010_0301, 0, 0, 0]
    );
    let name = packet(&[0xF403_4142, 0x4344_4546, 0x4748_494A, 0x4B4C_4D4E]);
    assert_eq!(
        &*StreamMessage::try_from(name).unwrap().payload(),
        b"ABCDEFGHIJKLMN"
    );
}

#[test]
fn every_view_converts_back_to_its_packet() {
    let packets = [
        packet(&[0x0020_1234]),
        packet(&[0x11F2_0102]),
        packet(&[0x2290_3C64]),
        packet(&[0x3316_0102, 0x0304_0506]),
        packet(&[0x4490_3C00, 0x8000_0000]),
        packet(&[0x5504_0102, 0x0300_0000, 0, 0]),
        packet(&[0x5580_0010, 1, 2, 3]),
        packet(&[0x5590_0102, 3, 4, 5]),
        packet(&[0xD010_0000, 5, 0, 0]),
        packet(&[0xF000_0101, 0x1F, 0, 0]),
    ];
    for p in packets {
        let message = p.message();
        assert!(!matches!(message, UmpMessage::Other(_)), "{p:?}");
        assert_eq!(message.packet(), p);
    }
}
