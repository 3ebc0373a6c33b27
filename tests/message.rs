//! `MidiMessage`, `MessageKind` and `MidiError`, item by item.

use std::collections::HashSet;
use std::mem::{align_of, size_of};

use bbx_midi::{MessageKind, MidiError, MidiMessage};

#[test]
fn a_message_is_four_bytes_and_four_aligned() {
    assert_eq!(size_of::<MidiMessage>(), 4);
    assert_eq!(align_of::<MidiMessage>(), 4);
    assert_eq!(64 / size_of::<MidiMessage>(), 16);
}

/// The length of the short message each status byte starts, per the MIDI 1.0
/// specification (Table I: summary of status bytes); `None` for SysEx and
/// undefined status bytes.
fn spec_len(status: u8) -> Option<usize> {
    match status {
        0x80..=0xBF | 0xE0..=0xEF => Some(3),
        0xC0..=0xDF => Some(2),
        0xF1 | 0xF3 => Some(2),
        0xF2 => Some(3),
        0xF6 | 0xF8 | 0xFA | 0xFB | 0xFC | 0xFE | 0xFF => Some(1),
        _ => None,
    }
}

#[test]
fn parse_accepts_every_status_with_its_exact_length() {
    for status in 0x80..=0xFFu8 {
        let Some(len) = spec_len(status) else {
            continue;
        };
        let bytes = [status, 0x12, 0x34];
        let msg = MidiMessage::parse(&bytes[..len]).unwrap();
        assert_eq!(msg.as_bytes(), &bytes[..len]);
        assert_eq!(msg.status(), status);
        assert!(msg.is_valid());
        assert_ne!(msg.kind(), MessageKind::Invalid);
    }
}

#[test]
fn parse_rejects_each_status_with_a_wrong_length() {
    for status in 0x80..=0xFFu8 {
        let Some(len) = spec_len(status) else {
            continue;
        };
        let bytes = [status, 1, 2, 3];
        for found in 1..=4 {
            let expected = match found.cmp(&len) {
                std::cmp::Ordering::Less => Err(MidiError::TooShort {
                    status,
                    expected: len,
                    found,
                }),
                std::cmp::Ordering::Greater => Err(MidiError::TrailingBytes {
                    status,
                    expected: len,
                    found,
                }),
                std::cmp::Ordering::Equal => continue,
            };
            assert_eq!(MidiMessage::parse(&bytes[..found]), expected);
        }
    }
}

#[test]
fn parse_rejects_empty_input() {
    assert_eq!(MidiMessage::parse(&[]), Err(MidiError::Empty));
}

#[test]
fn parse_rejects_a_data_byte_in_first_place() {
    for byte in 0..0x80u8 {
        assert_eq!(
            MidiMessage::parse(&[byte, 1, 2]),
            Err(MidiError::MissingStatus { byte })
        );
    }
}

#[test]
fn parse_rejects_sysex_start_and_end() {
    assert_eq!(
        MidiMessage::parse(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7]),
        Err(MidiError::SysEx { status: 0xF0 })
    );
    assert_eq!(
        MidiMessage::parse(&[0xF7]),
        Err(MidiError::SysEx { status: 0xF7 })
    );
}

#[test]
fn parse_rejects_the_undefined_status_bytes() {
    for status in [0xF4, 0xF5, 0xF9, 0xFD] {
        assert_eq!(
            MidiMessage::parse(&[status]),
            Err(MidiError::UndefinedStatus { status })
        );
    }
}

#[test]
fn parse_rejects_a_status_byte_where_data_belongs() {
    assert_eq!(
        MidiMessage::parse(&[0x90, 60, 0xF8]),
        Err(MidiError::InvalidDataByte {
            index: 2,
            byte: 0xF8
        })
    );
    // The first bad data byte is reported even when the input is also short.
    assert_eq!(
        MidiMessage::parse(&[0xB0, 0x80]),
        Err(MidiError::InvalidDataByte {
            index: 1,
            byte: 0x80
        })
    );
}

#[test]
fn every_three_byte_array_is_a_message_or_invalid() {
    for status in 0..=255u8 {
        for data1 in 0..=255u8 {
            for data2 in [0u8, 1, 0x40, 0x7F, 0x80, 0xFF] {
                let bytes = [status, data1, data2];
                let msg = MidiMessage::new(bytes);
                if msg == MidiMessage::INVALID {
                    let len = spec_len(status).unwrap_or(3);
                    assert!(MidiMessage::parse(&bytes[..len]).is_err(), "{bytes:02X?}");
                } else {
                    let wire = msg.as_bytes();
                    assert_eq!(wire, &bytes[..wire.len()], "{bytes:02X?}");
                    assert_eq!(MidiMessage::parse(wire), Ok(msg));
                }
            }
        }
    }
}

#[test]
fn new_ignores_bytes_past_the_message() {
    assert_eq!(
        MidiMessage::new([0xC0, 5, 0]),
        MidiMessage::new([0xC0, 5, 99])
    );
    assert_eq!(MidiMessage::new([0xF8, 1, 2]), MidiMessage::TIMING_CLOCK);
}

#[test]
fn try_from_slice_is_parse_and_never_panics() {
    let alphabet = [
        0x00, 0x3C, 0x7F, 0x80, 0x90, 0xB0, 0xC0, 0xE0, 0xF0, 0xF1, 0xF2, 0xF4, 0xF7, 0xF8, 0xF9,
        0xFF,
    ];
    let mut inputs: Vec<Vec<u8>> = vec![vec![]];
    for _ in 0..4 {
        let longer: Vec<Vec<u8>> = inputs
            .iter()
            .filter(|input| input.len() == inputs.last().unwrap().len())
            .flat_map(|input| {
                alphabet.iter().map(move |&b| {
                    let mut next = input.clone();
                    next.push(b);
                    next
                })
            })
            .collect();
        inputs.extend(longer);
    }
    assert_eq!(inputs.len(), 1 + 16 + 256 + 4096 + 65536);
    for input in &inputs {
        assert_eq!(
            MidiMessage::try_from(input.as_slice()),
            MidiMessage::parse(input),
            "{input:02X?}"
        );
    }
}

#[test]
fn try_from_slice_of_non_messages_errs_and_new_gives_invalid() {
    let cases: [&[u8]; 7] = [
        &[],
        &[60, 100],
        &[0x90, 60],
        &[0x90, 60, 100, 0x90],
        &[0xF0, 0x41, 0xF7],
        &[0xF4],
        &[0x90, 0xF8, 100],
    ];
    for case in cases {
        assert!(MidiMessage::try_from(case).is_err(), "{case:02X?}");
    }
    // The padded three-byte form has no room for a length: what is not a
    // message there becomes INVALID.
    for case in [
        [0xF0, 0x41, 0xF7],
        [0xF4, 0, 0],
        [0x90, 0xF8, 100],
        [60, 100, 0],
    ] {
        let msg = MidiMessage::new(case);
        assert_eq!(msg, MidiMessage::INVALID, "{case:02X?}");
        assert!(!msg.is_valid());
        assert_eq!(msg.kind(), MessageKind::Invalid);
        assert_eq!(msg.as_bytes(), &[] as &[u8]);
        assert_eq!(msg.status(), 0);
    }
}

/// What each accessor should return for one message.
#[derive(Debug, Default, PartialEq)]
struct Fields {
    channel: Option<u8>,
    note: Option<u8>,
    velocity: Option<u8>,
    controller: Option<u8>,
    value: Option<u8>,
    program: Option<u8>,
    pressure: Option<u8>,
    pitch_bend: Option<u16>,
    song_position: Option<u16>,
    song: Option<u8>,
    quarter_frame: Option<(u8, u8)>,
}

fn fields(msg: &MidiMessage) -> Fields {
    Fields {
        channel: msg.channel(),
        note: msg.note(),
        velocity: msg.velocity(),
        controller: msg.controller(),
        value: msg.value(),
        program: msg.program(),
        pressure: msg.pressure(),
        pitch_bend: msg.pitch_bend(),
        song_position: msg.song_position(),
        song: msg.song(),
        quarter_frame: msg.quarter_frame(),
    }
}

#[test]
fn accessors_answer_only_for_the_messages_they_belong_to() {
    let none = Fields::default();
    let cases: Vec<(&[u8], MessageKind, Fields)> = vec![
        (
            &[0x83, 60, 40],
            MessageKind::NoteOff,
            Fields {
                channel: Some(3),
                note: Some(60),
                velocity: Some(40),
                ..Fields::default()
            },
        ),
        (
            &[0x9F, 61, 100],
            MessageKind::NoteOn,
            Fields {
                channel: Some(15),
                note: Some(61),
                velocity: Some(100),
                ..Fields::default()
            },
        ),
        (
            &[0x90, 62, 0],
            MessageKind::NoteOff,
            Fields {
                channel: Some(0),
                note: Some(62),
                velocity: Some(0),
                ..Fields::default()
            },
        ),
        (
            &[0xA1, 63, 20],
            MessageKind::PolyPressure,
            Fields {
                channel: Some(1),
                note: Some(63),
                pressure: Some(20),
                ..Fields::default()
            },
        ),
        (
            &[0xB2, 7, 99],
            MessageKind::ControlChange,
            Fields {
                channel: Some(2),
                controller: Some(7),
                value: Some(99),
                ..Fields::default()
            },
        ),
        (
            &[0xB2, 123, 0],
            MessageKind::AllNotesOff,
            Fields {
                channel: Some(2),
                controller: Some(123),
                value: Some(0),
                ..Fields::default()
            },
        ),
        (
            &[0xC4, 12],
            MessageKind::ProgramChange,
            Fields {
                channel: Some(4),
                program: Some(12),
                ..Fields::default()
            },
        ),
        (
            &[0xD5, 77],
            MessageKind::ChannelPressure,
            Fields {
                channel: Some(5),
                pressure: Some(77),
                ..Fields::default()
            },
        ),
        (
            &[0xE6, 0x01, 0x40],
            MessageKind::PitchBend,
            Fields {
                channel: Some(6),
                pitch_bend: Some(8193),
                ..Fields::default()
            },
        ),
        (
            &[0xF1, 0x7F],
            MessageKind::TimeCodeQuarterFrame,
            Fields {
                quarter_frame: Some((7, 15)),
                ..Fields::default()
            },
        ),
        (
            &[0xF2, 0x7F, 0x7F],
            MessageKind::SongPosition,
            Fields {
                song_position: Some(16383),
                ..Fields::default()
            },
        ),
        (
            &[0xF3, 9],
            MessageKind::SongSelect,
            Fields {
                song: Some(9),
                ..Fields::default()
            },
        ),
    ];
    for (bytes, kind, expected) in cases {
        let msg = MidiMessage::parse(bytes).unwrap();
        assert_eq!(msg.kind(), kind, "{bytes:02X?}");
        assert_eq!(fields(&msg), expected, "{bytes:02X?}");
    }
    for msg in [
        MidiMessage::TUNE_REQUEST,
        MidiMessage::TIMING_CLOCK,
        MidiMessage::START,
        MidiMessage::CONTINUE,
        MidiMessage::STOP,
        MidiMessage::ACTIVE_SENSING,
        MidiMessage::SYSTEM_RESET,
        MidiMessage::INVALID,
    ] {
        assert_eq!(fields(&msg), none, "{msg:?}");
    }
}

#[test]
fn kind_names_every_short_message() {
    let cases: [(&[u8], MessageKind); 26] = [
        (&[0x80, 1, 1], MessageKind::NoteOff),
        (&[0x90, 1, 1], MessageKind::NoteOn),
        (&[0xA0, 1, 1], MessageKind::PolyPressure),
        (&[0xB0, 119, 1], MessageKind::ControlChange),
        (&[0xC0, 1], MessageKind::ProgramChange),
        (&[0xD0, 1], MessageKind::ChannelPressure),
        (&[0xE0, 1, 1], MessageKind::PitchBend),
        (&[0xB0, 120, 0], MessageKind::AllSoundOff),
        (&[0xB0, 121, 0], MessageKind::ResetAllControllers),
        (&[0xB0, 122, 127], MessageKind::LocalControl),
        (&[0xB0, 123, 0], MessageKind::AllNotesOff),
        (&[0xB0, 124, 0], MessageKind::OmniOff),
        (&[0xB0, 125, 0], MessageKind::OmniOn),
        (&[0xB0, 126, 1], MessageKind::MonoOn),
        (&[0xB0, 127, 0], MessageKind::PolyOn),
        (&[0xF1, 1], MessageKind::TimeCodeQuarterFrame),
        (&[0xF2, 1, 1], MessageKind::SongPosition),
        (&[0xF3, 1], MessageKind::SongSelect),
        (&[0xF6], MessageKind::TuneRequest),
        (&[0xF8], MessageKind::TimingClock),
        (&[0xFA], MessageKind::Start),
        (&[0xFB], MessageKind::Continue),
        (&[0xFC], MessageKind::Stop),
        (&[0xFE], MessageKind::ActiveSensing),
        (&[0xFF], MessageKind::SystemReset),
        (&[0x90, 1, 0], MessageKind::NoteOff),
    ];
    for (bytes, kind) in cases {
        assert_eq!(
            MidiMessage::parse(bytes).unwrap().kind(),
            kind,
            "{bytes:02X?}"
        );
    }
}

#[test]
fn kind_categories_partition_the_kinds() {
    let kinds = [
        MessageKind::NoteOff,
        MessageKind::NoteOn,
        MessageKind::PolyPressure,
        MessageKind::ControlChange,
        MessageKind::ProgramChange,
        MessageKind::ChannelPressure,
        MessageKind::PitchBend,
        MessageKind::AllSoundOff,
        MessageKind::ResetAllControllers,
        MessageKind::LocalControl,
        MessageKind::AllNotesOff,
        MessageKind::OmniOff,
        MessageKind::OmniOn,
        MessageKind::MonoOn,
        MessageKind::PolyOn,
        MessageKind::TimeCodeQuarterFrame,
        MessageKind::SongPosition,
        MessageKind::SongSelect,
        MessageKind::TuneRequest,
        MessageKind::TimingClock,
        MessageKind::Start,
        MessageKind::Continue,
        MessageKind::Stop,
        MessageKind::ActiveSensing,
        MessageKind::SystemReset,
    ];
    let counts = kinds.map(|k| {
        [
            k.is_channel_voice(),
            k.is_channel_mode(),
            k.is_system_common(),
            k.is_system_real_time(),
        ]
    });
    for (kind, flags) in kinds.iter().zip(counts) {
        assert_eq!(flags.iter().filter(|f| **f).count(), 1, "{kind:?}");
    }
    let per_category: Vec<usize> = (0..4)
        .map(|i| counts.iter().filter(|f| f[i]).count())
        .collect();
    assert_eq!(per_category, [7, 8, 4, 6]);
    let invalid = MessageKind::Invalid;
    assert!(
        !(invalid.is_channel_voice()
            || invalid.is_channel_mode()
            || invalid.is_system_common()
            || invalid.is_system_real_time())
    );
}

#[test]
fn note_on_with_velocity_zero_is_a_note_off() {
    let msg = MidiMessage::new([0x90, 60, 0]);
    assert!(!msg.is_note_on());
    assert!(msg.is_note_off());
    assert_eq!(msg.kind(), MessageKind::NoteOff);
    assert_eq!(msg.as_bytes(), &[0x90, 60, 0], "the wire bytes are kept");
    assert!(MidiMessage::new([0x90, 60, 1]).is_note_on());
    assert!(MidiMessage::new([0x80, 60, 0]).is_note_off());
    assert!(!MidiMessage::new([0xB0, 60, 0]).is_note_off());
}

#[test]
fn constructors_build_exact_bytes() {
    let cases: [(Result<MidiMessage, MidiError>, &[u8]); 14] = [
        (MidiMessage::note_on(15, 127, 127), &[0x9F, 127, 127]),
        (MidiMessage::note_off(0, 0, 0), &[0x80, 0, 0]),
        (MidiMessage::poly_pressure(3, 60, 1), &[0xA3, 60, 1]),
        (MidiMessage::control_change(4, 1, 64), &[0xB4, 1, 64]),
        (MidiMessage::program_change(5, 127), &[0xC5, 127]),
        (MidiMessage::channel_pressure(6, 2), &[0xD6, 2]),
        (MidiMessage::pitch_bend_change(7, 0), &[0xE7, 0, 0]),
        (
            MidiMessage::pitch_bend_change(7, 16383),
            &[0xE7, 0x7F, 0x7F],
        ),
        (MidiMessage::all_sound_off(8), &[0xB8, 120, 0]),
        (MidiMessage::reset_all_controllers(9), &[0xB9, 121, 0]),
        (MidiMessage::all_notes_off(10), &[0xBA, 123, 0]),
        (MidiMessage::time_code_quarter_frame(7, 15), &[0xF1, 0x7F]),
        (
            MidiMessage::song_position_pointer(16383),
            &[0xF2, 0x7F, 0x7F],
        ),
        (MidiMessage::song_select(127), &[0xF3, 127]),
    ];
    for (built, bytes) in cases {
        let built = built.unwrap();
        assert_eq!(built.as_bytes(), bytes);
        assert_eq!(MidiMessage::parse(bytes), Ok(built));
    }
}

#[test]
fn real_time_constants_are_their_status_bytes() {
    let cases = [
        (MidiMessage::TUNE_REQUEST, 0xF6),
        (MidiMessage::TIMING_CLOCK, 0xF8),
        (MidiMessage::START, 0xFA),
        (MidiMessage::CONTINUE, 0xFB),
        (MidiMessage::STOP, 0xFC),
        (MidiMessage::ACTIVE_SENSING, 0xFE),
        (MidiMessage::SYSTEM_RESET, 0xFF),
    ];
    for (msg, status) in cases {
        assert_eq!(msg.as_bytes(), &[status]);
        assert_eq!(MidiMessage::parse(&[status]), Ok(msg));
    }
}

fn out_of_range(field: &'static str, value: u16, max: u16) -> Result<MidiMessage, MidiError> {
    Err(MidiError::ValueOutOfRange { field, value, max })
}

#[test]
fn constructors_refuse_out_of_range_arguments_instead_of_masking() {
    let channel = Err(MidiError::ChannelOutOfRange { channel: 16 });
    assert_eq!(MidiMessage::note_on(16, 60, 100), channel);
    assert_eq!(MidiMessage::note_off(16, 60, 100), channel);
    assert_eq!(MidiMessage::poly_pressure(16, 60, 1), channel);
    assert_eq!(MidiMessage::control_change(16, 1, 1), channel);
    assert_eq!(MidiMessage::program_change(16, 1), channel);
    assert_eq!(MidiMessage::channel_pressure(16, 1), channel);
    assert_eq!(MidiMessage::pitch_bend_change(16, 1), channel);
    assert_eq!(MidiMessage::all_sound_off(16), channel);
    assert_eq!(MidiMessage::reset_all_controllers(16), channel);
    assert_eq!(
        MidiMessage::all_notes_off(255),
        Err(MidiError::ChannelOutOfRange { channel: 255 })
    );

    assert_eq!(
        MidiMessage::note_on(0, 128, 1),
        out_of_range("note", 128, 127)
    );
    assert_eq!(
        MidiMessage::note_on(0, 1, 200),
        out_of_range("velocity", 200, 127)
    );
    assert_eq!(
        MidiMessage::note_off(0, 255, 1),
        out_of_range("note", 255, 127)
    );
    assert_eq!(
        MidiMessage::note_off(0, 1, 128),
        out_of_range("velocity", 128, 127)
    );
    assert_eq!(
        MidiMessage::poly_pressure(0, 128, 1),
        out_of_range("note", 128, 127)
    );
    assert_eq!(
        MidiMessage::poly_pressure(0, 1, 128),
        out_of_range("pressure", 128, 127)
    );
    assert_eq!(
        MidiMessage::control_change(0, 128, 1),
        out_of_range("controller", 128, 127)
    );
    assert_eq!(
        MidiMessage::control_change(0, 1, 128),
        out_of_range("value", 128, 127)
    );
    assert_eq!(
        MidiMessage::program_change(0, 128),
        out_of_range("program", 128, 127)
    );
    assert_eq!(
        MidiMessage::channel_pressure(0, 128),
        out_of_range("pressure", 128, 127)
    );
    assert_eq!(
        MidiMessage::pitch_bend_change(0, 16384),
        out_of_range("pitch bend", 16384, 16383)
    );
    assert_eq!(
        MidiMessage::time_code_quarter_frame(8, 0),
        out_of_range("quarter frame piece", 8, 7)
    );
    assert_eq!(
        MidiMessage::time_code_quarter_frame(0, 16),
        out_of_range("quarter frame value", 16, 15)
    );
    assert_eq!(
        MidiMessage::song_position_pointer(16384),
        out_of_range("song position", 16384, 16383)
    );
    assert_eq!(
        MidiMessage::song_select(128),
        out_of_range("song", 128, 127)
    );
}

#[test]
fn display_describes_each_kind() {
    let cases: [(&[u8], &str); 27] = [
        (&[0x90, 60, 100], "NoteOn ch1 C4 vel 100"),
        (&[0x8F, 61, 64], "NoteOff ch16 C#4 vel 64"),
        (&[0x90, 0, 0], "NoteOff ch1 C-1 vel 0"),
        (&[0x90, 127, 1], "NoteOn ch1 G9 vel 1"),
        (&[0xA1, 69, 30], "PolyPressure ch2 A4 pressure 30"),
        (&[0xB0, 7, 100], "ControlChange ch1 cc7 value 100"),
        (&[0xC9, 0], "ProgramChange ch10 program 0"),
        (&[0xD0, 5], "ChannelPressure ch1 pressure 5"),
        (&[0xE0, 0, 0x40], "PitchBend ch1 8192"),
        (&[0xB0, 120, 0], "AllSoundOff ch1"),
        (&[0xB0, 121, 0], "ResetAllControllers ch1"),
        (&[0xB0, 122, 0], "LocalControl ch1 value 0"),
        (&[0xB0, 123, 0], "AllNotesOff ch1"),
        (&[0xB0, 124, 0], "OmniOff ch1"),
        (&[0xB0, 125, 0], "OmniOn ch1"),
        (&[0xB0, 126, 4], "MonoOn ch1 value 4"),
        (&[0xB0, 127, 0], "PolyOn ch1"),
        (&[0xF1, 0x25], "TimeCodeQuarterFrame piece 2 value 5"),
        (&[0xF2, 0, 1], "SongPosition 128"),
        (&[0xF3, 3], "SongSelect 3"),
        (&[0xF6], "TuneRequest"),
        (&[0xF8], "TimingClock"),
        (&[0xFA], "Start"),
        (&[0xFB], "Continue"),
        (&[0xFC], "Stop"),
        (&[0xFE], "ActiveSensing"),
        (&[0xFF], "SystemReset"),
    ];
    for (bytes, text) in cases {
        assert_eq!(MidiMessage::parse(bytes).unwrap().to_string(), text);
    }
    assert_eq!(MidiMessage::INVALID.to_string(), "Invalid");
}

#[test]
fn debug_shows_the_description_and_the_wire_bytes() {
    assert_eq!(
        format!("{:?}", MidiMessage::new([0x90, 60, 100])),
        "MidiMessage(NoteOn ch1 C4 vel 100 [90 3C 64])"
    );
    assert_eq!(
        format!("{:?}", MidiMessage::INVALID),
        "MidiMessage(Invalid [])"
    );
}

#[test]
fn equal_messages_hash_alike_and_distinct_ones_differ() {
    let mut set = HashSet::new();
    set.insert(MidiMessage::new([0xC0, 5, 0]));
    assert!(set.contains(&MidiMessage::new([0xC0, 5, 77])));
    assert!(!set.contains(&MidiMessage::new([0xC0, 6, 0])));
    assert_ne!(
        MidiMessage::new([0x90, 60, 0]),
        MidiMessage::new([0x80, 60, 0])
    );
}

#[test]
fn default_is_invalid() {
    assert_eq!(MidiMessage::default(), MidiMessage::INVALID);
}

#[test]
fn errors_display_what_went_wrong() {
    let cases = [
        (MidiError::Empty, "empty MIDI message"),
        (
            MidiError::MissingStatus { byte: 0x3C },
            "expected a status byte, found data byte 0x3c",
        ),
        (
            MidiError::SysEx { status: 0xF0 },
            "status 0xf0 belongs to System Exclusive, not a short message",
        ),
        (
            MidiError::UndefinedStatus { status: 0xF4 },
            "status 0xf4 is undefined in MIDI 1.0",
        ),
        (
            MidiError::TooShort {
                status: 0x90,
                expected: 3,
                found: 1,
            },
            "status 0x90 needs 3 bytes, found 1",
        ),
        (
            MidiError::TrailingBytes {
                status: 0xC0,
                expected: 2,
                found: 3,
            },
            "1 byte follows a whole message (status 0xc0 takes 2 bytes); \
             one call takes one message: a byte stream goes through parser::MidiParser",
        ),
        (
            MidiError::TrailingBytes {
                status: 0xF0,
                expected: 3,
                found: 4,
            },
            "1 byte follows a whole System Exclusive message (its 0xf7 is byte 2); \
             one call takes one message: a byte stream goes through parser::MidiParser",
        ),
        (
            MidiError::InvalidDataByte {
                index: 2,
                byte: 0x80,
            },
            "byte 2 is 0x80, not a data byte (0x00..=0x7f)",
        ),
        (
            MidiError::ChannelOutOfRange { channel: 16 },
            "channel 16 is out of range (0..=15)",
        ),
        (
            MidiError::ValueOutOfRange {
                field: "note",
                value: 128,
                max: 127,
            },
            "note 128 is out of range (0..=127)",
        ),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), text);
    }
}

#[test]
fn errors_are_std_errors() {
    let err: Box<dyn std::error::Error + Send + Sync> = Box::new(MidiError::Empty);
    assert_eq!(err.to_string(), "empty MIDI message");
    assert!(err.source().is_none());
}
