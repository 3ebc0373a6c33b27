//! What `Display` and `Debug` write for events, packets and every view of a
//! packet. The expected strings follow the formats the impls document:
//! channels and groups counted from 1 (`ch1`, `g1`), notes by name (60 is
//! `C4`), MIDI 2.0 values in hexadecimal at their full width, data bytes in
//! hexadecimal, a SysEx longer than 16 bytes abbreviated unless `{:#}`.

use bbx_midi::ump::{
    EndpointInfo, FlexAddress, FlexData, FunctionBlockInfo, Midi1ChannelVoice, Midi2ChannelVoice,
    MixedDataSetHeader, MixedDataSetPayload, StreamMessage, SysEx7, SysEx8, SysExStatus,
    SystemMessage, Ump, UmpMessage, Utility,
};
use bbx_midi::{Event, MidiEvent, MidiMessage, Received, Scheduled};

fn note_on() -> MidiMessage {
    MidiMessage::note_on(0, 60, 100).unwrap()
}

fn midi2_note() -> Ump {
    Midi2ChannelVoice::note_on(0, 0, 60, 0x8000, 0, 0)
        .unwrap()
        .packet()
}

fn ump(words: &[u32]) -> Ump {
    Ump::parse(words).unwrap()
}

fn flex(format: SysExStatus, address: FlexAddress, bank: u8, status: u8, data: [u32; 3]) -> String {
    FlexData::new(0, format, address, bank, status, data)
        .unwrap()
        .to_string()
}

fn stream(status: u16, low16: u16, data: [u32; 3]) -> String {
    StreamMessage::new(SysExStatus::Complete, status, low16, data)
        .unwrap()
        .to_string()
}

// ------------------------------------------------------------------ Event

#[test]
fn a_message_event_shows_the_message() {
    assert_eq!(
        Event::Message(note_on()).to_string(),
        "NoteOn ch1 C4 vel 100"
    );
}

#[test]
fn a_sysex_event_shows_its_bytes_in_hex_with_f0_and_f7() {
    let identity = [0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7];
    assert_eq!(
        Event::SysEx(&identity).to_string(),
        "SysEx F0 7E 7F 06 01 F7"
    );
}

#[test]
fn a_sysex_of_16_bytes_is_shown_whole() {
    let mut bytes = [0u8; 16];
    bytes[0] = 0xF0;
    for (i, byte) in bytes[1..15].iter_mut().enumerate() {
        *byte = i as u8;
    }
    bytes[15] = 0xF7;
    assert_eq!(
        Event::SysEx(&bytes).to_string(),
        "SysEx F0 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D F7"
    );
}

#[test]
fn a_sysex_of_17_bytes_shows_the_first_16_and_its_length() {
    let mut bytes = [0x22u8; 17];
    bytes[0] = 0xF0;
    bytes[16] = 0xF7;
    assert_eq!(
        Event::SysEx(&bytes).to_string(),
        "SysEx F0 22 22 22 22 22 22 22 22 22 22 22 22 22 22 22 ... (17 bytes)"
    );
}

#[test]
fn a_long_sysex_shows_the_first_16_bytes_and_its_length() {
    let mut dump = [0x55u8; 300];
    dump[0] = 0xF0;
    dump[299] = 0xF7;
    assert_eq!(
        Event::SysEx(&dump).to_string(),
        "SysEx F0 55 55 55 55 55 55 55 55 55 55 55 55 55 55 55 ... (300 bytes)"
    );
}

#[test]
fn the_alternate_form_shows_every_byte_of_a_long_sysex() {
    let bytes: Vec<u8> = [0xF0].into_iter().chain(1..=18).chain([0xF7]).collect();
    assert_eq!(
        format!("{:#}", Event::SysEx(&bytes)),
        "SysEx F0 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 F7"
    );
}

#[test]
fn a_ump_event_shows_the_decoded_packet() {
    assert_eq!(
        Event::Ump(midi2_note()).to_string(),
        "NoteOn g1 ch1 C4 vel 0x8000"
    );
}

#[test]
fn a_sysex7_event_shows_its_group_from_1_and_its_data() {
    let event = Event::SysEx7 {
        group: 0,
        data: &[0x7E, 0x7F, 0x06, 0x01],
    };
    assert_eq!(event.to_string(), "SysEx7 g1 7E 7F 06 01");
}

#[test]
fn an_empty_sysex7_event_shows_only_its_group() {
    let event = Event::SysEx7 {
        group: 2,
        data: &[],
    };
    assert_eq!(event.to_string(), "SysEx7 g3");
}

#[test]
fn a_long_sysex7_event_is_abbreviated_like_a_sysex() {
    let data = [0x11u8; 20];
    let event = Event::SysEx7 {
        group: 0,
        data: &data,
    };
    assert_eq!(
        event.to_string(),
        "SysEx7 g1 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 ... (20 bytes)"
    );
}

#[test]
fn a_sysex8_event_shows_its_group_stream_and_data() {
    let event = Event::SysEx8 {
        group: 15,
        stream_id: 7,
        data: &[0xFF, 0x80],
    };
    assert_eq!(event.to_string(), "SysEx8 g16 stream 7 FF 80");
}

#[test]
fn a_group_above_15_in_a_public_field_is_shown_without_overflowing() {
    let event = Event::SysEx7 {
        group: 255,
        data: &[],
    };
    assert_eq!(event.to_string(), "SysEx7 g256");
}

#[test]
fn one_lost_message_is_singular() {
    assert_eq!(Event::Lost { count: 1 }.to_string(), "Lost 1 message");
}

#[test]
fn several_lost_messages_are_plural() {
    assert_eq!(Event::Lost { count: 3 }.to_string(), "Lost 3 messages");
}

#[test]
fn received_shows_the_time_in_microseconds_and_the_source() {
    let received = Received {
        time: 1_002_000,
        source: 1,
        event: Event::Message(note_on()),
    };
    assert_eq!(
        received.to_string(),
        "1002000us src 1: NoteOn ch1 C4 vel 100"
    );
}

#[test]
fn received_passes_the_alternate_form_to_its_event() {
    let bytes: Vec<u8> = [0xF0].into_iter().chain(1..=18).chain([0xF7]).collect();
    let received = Received {
        time: 5,
        source: 0,
        event: Event::SysEx(&bytes),
    };
    assert_eq!(
        format!("{received:#}"),
        "5us src 0: SysEx F0 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 F7"
    );
}

#[test]
fn scheduled_shows_the_frame_the_time_and_the_source() {
    let scheduled = Scheduled {
        frame: 96,
        time: 1_002_000,
        source: 0,
        event: Event::Message(note_on()),
    };
    assert_eq!(
        scheduled.to_string(),
        "frame 96 1002000us src 0: NoteOn ch1 C4 vel 100"
    );
}

#[test]
fn scheduled_passes_the_alternate_form_to_its_event() {
    let data = [0x11u8; 17];
    let scheduled = Scheduled {
        frame: 0,
        time: 0,
        source: 2,
        event: Event::SysEx7 {
            group: 0,
            data: &data,
        },
    };
    assert_eq!(
        format!("{scheduled:#}"),
        "frame 0 0us src 2: SysEx7 g1 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11"
    );
}

#[test]
fn a_midi_event_shows_its_time_and_message() {
    let event = MidiEvent::new(note_on(), 1_002_000);
    assert_eq!(event.to_string(), "1002000us: NoteOn ch1 C4 vel 100");
}

#[test]
fn a_message_event_debugs_as_the_message_debug_without_nesting() {
    assert_eq!(
        format!("{:?}", Event::Message(note_on())),
        "Message(NoteOn ch1 C4 vel 100 [90 3C 64])"
    );
}

#[test]
fn a_sysex_event_debugs_every_byte_in_hex() {
    let bytes: Vec<u8> = [0xF0].into_iter().chain(1..=18).chain([0xF7]).collect();
    assert_eq!(
        format!("{:?}", Event::SysEx(&bytes)),
        "SysEx([F0 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 F7])"
    );
}

#[test]
fn a_ump_event_debugs_as_the_packet_once() {
    assert_eq!(
        format!("{:?}", Event::Ump(midi2_note())),
        "Ump(NoteOn g1 ch1 C4 vel 0x8000 [40903C00 80000000])"
    );
}

#[test]
fn a_sysex7_event_debugs_its_raw_fields_and_hex_data() {
    let event = Event::SysEx7 {
        group: 0,
        data: &[0x7E, 0x7F],
    };
    assert_eq!(format!("{event:?}"), "SysEx7 { group: 0, data: [7E 7F] }");
}

#[test]
fn a_sysex8_event_debugs_its_raw_fields_and_hex_data() {
    let event = Event::SysEx8 {
        group: 0,
        stream_id: 7,
        data: &[0xFF, 0x80],
    };
    assert_eq!(
        format!("{event:?}"),
        "SysEx8 { group: 0, stream_id: 7, data: [FF 80] }"
    );
}

#[test]
fn a_lost_event_debugs_its_count() {
    assert_eq!(
        format!("{:?}", Event::Lost { count: 3 }),
        "Lost { count: 3 }"
    );
}

#[test]
fn received_debugs_its_fields_with_the_event_debug() {
    let received = Received {
        time: 5,
        source: 0,
        event: Event::Lost { count: 1 },
    };
    assert_eq!(
        format!("{received:?}"),
        "Received { time: 5, source: 0, event: Lost { count: 1 } }"
    );
}

// -------------------------------------------------------------------- Ump

#[test]
fn a_packet_displays_as_its_view() {
    assert_eq!(
        ump(&[0x4090_3C00, 0xC924_0000]).to_string(),
        "NoteOn g1 ch1 C4 vel 0xC924"
    );
}

#[test]
fn a_packet_of_a_reserved_type_shows_other_and_its_words() {
    assert_eq!(ump(&[0x6000_0000]).to_string(), "Other [60000000]");
    assert_eq!(
        ump(&[0xB000_0001, 2, 3]).to_string(),
        "Other [B0000001 00000002 00000003]"
    );
}

#[test]
fn a_packet_its_view_refuses_shows_other_and_its_words() {
    // Opcode 0x7 of MIDI 2.0 channel voice is reserved.
    assert_eq!(
        ump(&[0x4070_0000, 0]).to_string(),
        "Other [40700000 00000000]"
    );
}

#[test]
fn a_packet_debugs_its_description_and_its_words() {
    assert_eq!(
        format!("{:?}", ump(&[0x4090_3C00, 0xC924_0000])),
        "Ump(NoteOn g1 ch1 C4 vel 0xC924 [40903C00 C9240000])"
    );
}

#[test]
fn a_packet_no_view_accepts_debugs_as_other_and_its_words() {
    assert_eq!(
        format!("{:?}", ump(&[0x6000_0000])),
        "Ump(Other [60000000])"
    );
}

// ------------------------------------------------------------- UmpMessage

#[test]
fn a_ump_message_displays_as_its_view() {
    let packet = SysEx7::new(0, SysExStatus::Complete, &[1, 2])
        .unwrap()
        .packet();
    assert_eq!(packet.message().to_string(), "SysEx7 g1 Complete 01 02");
}

#[test]
fn other_displays_its_words() {
    assert_eq!(
        UmpMessage::Other(ump(&[0x7123_4567])).to_string(),
        "Other [71234567]"
    );
}

#[test]
fn a_ump_message_debugs_the_variant_once_with_the_description_and_words() {
    assert_eq!(
        format!("{:?}", midi2_note().message()),
        "Midi2ChannelVoice(NoteOn g1 ch1 C4 vel 0x8000 [40903C00 80000000])"
    );
}

#[test]
fn a_ump_message_debug_uses_the_variant_name_not_the_view_type() {
    assert_eq!(
        format!("{:?}", ump(&[0x10F8_0000]).message()),
        "System(TimingClock g1 [10F80000])"
    );
    assert_eq!(
        format!("{:?}", ump(&[0xF000_0101, 0x1F, 0, 0]).message()),
        "Stream(EndpointDiscovery ump 1.1 filter 0x1F [F0000101 0000001F 00000000 00000000])"
    );
}

#[test]
fn a_sysex7_ump_message_does_not_repeat_its_name_in_debug() {
    let packet = SysEx7::new(0, SysExStatus::End, &[7]).unwrap().packet();
    assert_eq!(
        format!("{:?}", packet.message()),
        "SysEx7(g1 End 07 [30310700 00000000])"
    );
}

#[test]
fn other_debugs_its_words_only() {
    assert_eq!(
        format!("{:?}", ump(&[0x6000_0000]).message()),
        "Other([60000000])"
    );
}

#[test]
fn a_mixed_data_set_ump_message_debugs_its_fields_and_words() {
    let packet = ump(&[0x5182_0064, 0x0003_0001, 0x0041_0010, 0x0005_0006]);
    assert_eq!(
        format!("{:?}", packet.message()),
        "MixedDataSetHeader(g2 mds 2 chunk 1/3 valid 100 manufacturer 0x0041 device 0x0010 \
         sub-ids 0x0005 0x0006 [51820064 00030001 00410010 00050006])"
    );
}

#[test]
fn a_hand_made_header_that_does_not_encode_debugs_without_words() {
    let header = MixedDataSetHeader {
        group: 16,
        mds_id: 0,
        valid_bytes: 0,
        chunks: 1,
        chunk: 1,
        manufacturer_id: 0,
        device_id: 0,
        sub_id_1: 0,
        sub_id_2: 0,
    };
    assert_eq!(
        format!("{:?}", UmpMessage::MixedDataSetHeader(header)),
        "MixedDataSetHeader(g17 mds 0 chunk 1/1 valid 0 manufacturer 0x0000 device 0x0000 \
         sub-ids 0x0000 0x0000)"
    );
}

// ------------------------------------------ MIDI 1.0 in UMP (types 1, 2)

#[test]
fn a_midi1_channel_voice_packet_shows_the_group_after_the_kind() {
    let note = Midi1ChannelVoice::new(3, MidiMessage::note_on(1, 60, 100).unwrap()).unwrap();
    assert_eq!(note.to_string(), "NoteOn g4 ch2 C4 vel 100");
}

#[test]
fn a_midi1_control_change_packet_shows_its_values_in_decimal() {
    let cc = Midi1ChannelVoice::new(0, MidiMessage::control_change(0, 7, 64).unwrap()).unwrap();
    assert_eq!(cc.to_string(), "ControlChange g1 ch1 cc7 value 64");
}

#[test]
fn a_midi1_channel_voice_packet_debugs_its_description_and_word() {
    let note = Midi1ChannelVoice::new(3, MidiMessage::note_on(1, 60, 100).unwrap()).unwrap();
    assert_eq!(
        format!("{note:?}"),
        "Midi1ChannelVoice(NoteOn g4 ch2 C4 vel 100 [23913C64])"
    );
}

#[test]
fn a_system_packet_shows_the_group_after_the_kind() {
    let clock = SystemMessage::new(0, MidiMessage::TIMING_CLOCK).unwrap();
    assert_eq!(clock.to_string(), "TimingClock g1");
}

#[test]
fn a_song_position_packet_shows_its_position() {
    // 0x20 << 7 | 0x10 = 4112 MIDI beats.
    let spp = SystemMessage::new(1, MidiMessage::new([0xF2, 0x10, 0x20])).unwrap();
    assert_eq!(spp.to_string(), "SongPosition g2 4112");
}

#[test]
fn a_system_packet_debugs_its_description_and_word() {
    let clock = SystemMessage::new(0, MidiMessage::TIMING_CLOCK).unwrap();
    assert_eq!(
        format!("{clock:?}"),
        "SystemMessage(TimingClock g1 [10F80000])"
    );
}

#[test]
fn midi_message_display_and_debug_are_unchanged_by_the_group() {
    assert_eq!(note_on().to_string(), "NoteOn ch1 C4 vel 100");
    assert_eq!(format!("{:?}", MidiMessage::STOP), "MidiMessage(Stop [FC])");
}

// ----------------------------------------------------- utility (type 0)

#[test]
fn noop_shows_its_kind() {
    assert_eq!(Utility::noop().to_string(), "Noop");
}

#[test]
fn jr_clock_shows_its_time_in_decimal() {
    assert_eq!(Utility::jr_clock(0xABCD).to_string(), "JrClock time 43981");
}

#[test]
fn jr_timestamp_shows_its_time_in_decimal() {
    assert_eq!(
        Utility::jr_timestamp(0x8000).to_string(),
        "JrTimestamp time 32768"
    );
}

#[test]
fn ticks_per_quarter_note_shows_its_ticks() {
    assert_eq!(
        Utility::ticks_per_quarter_note(960).to_string(),
        "DeltaClockstampTicksPerQuarterNote ticks 960"
    );
}

#[test]
fn delta_clockstamp_shows_its_20_bit_ticks() {
    assert_eq!(
        Utility::delta_clockstamp(0xF_FFFF).unwrap().to_string(),
        "DeltaClockstamp ticks 1048575"
    );
}

#[test]
fn a_utility_packet_debugs_its_description_and_word() {
    assert_eq!(
        format!("{:?}", Utility::jr_clock(0xABCD)),
        "Utility(JrClock time 43981 [0010ABCD])"
    );
}

// ------------------------------------------- MIDI 2.0 channel voice (type 4)

fn midi2(m: Result<Midi2ChannelVoice, bbx_midi::ump::UmpError>) -> String {
    m.unwrap().to_string()
}

#[test]
fn midi2_note_on_shows_group_channel_note_and_16_bit_velocity() {
    assert_eq!(
        midi2(Midi2ChannelVoice::note_on(0, 0, 60, 0x8000, 0, 0)),
        "NoteOn g1 ch1 C4 vel 0x8000"
    );
}

#[test]
fn midi2_note_on_with_velocity_0_stays_a_note_on() {
    assert_eq!(
        midi2(Midi2ChannelVoice::note_on(0, 0, 60, 0, 0, 0)),
        "NoteOn g1 ch1 C4 vel 0x0000"
    );
}

#[test]
fn midi2_note_off_shows_its_release_velocity() {
    assert_eq!(
        midi2(Midi2ChannelVoice::note_off(1, 2, 60, 0x8000, 0, 0)),
        "NoteOff g2 ch3 C4 vel 0x8000"
    );
}

#[test]
fn midi2_note_attribute_is_shown_as_type_and_data() {
    // Pitch 7.9: note 60 plus half a semitone.
    assert_eq!(
        midi2(Midi2ChannelVoice::note_on(
            0,
            0,
            60,
            0xFFFF,
            3,
            60 << 9 | 0x100
        )),
        "NoteOn g1 ch1 C4 vel 0xFFFF attr 3 0x7900"
    );
}

#[test]
fn midi2_attribute_data_without_a_type_is_shown_not_hidden() {
    assert_eq!(
        midi2(Midi2ChannelVoice::note_on(0, 0, 60, 1, 0, 5)),
        "NoteOn g1 ch1 C4 vel 0x0001 attr 0 0x0005"
    );
}

#[test]
fn midi2_group_16_and_channel_16_are_the_last() {
    assert_eq!(
        midi2(Midi2ChannelVoice::pitch_bend(15, 15, 0x8000_0000)),
        "PitchBend g16 ch16 0x80000000"
    );
}

#[test]
fn midi2_notes_are_named_from_c_minus_1_to_g9() {
    assert_eq!(
        midi2(Midi2ChannelVoice::note_on(0, 0, 0, 1, 0, 0)),
        "NoteOn g1 ch1 C-1 vel 0x0001"
    );
    assert_eq!(
        midi2(Midi2ChannelVoice::note_on(0, 0, 127, 1, 0, 0)),
        "NoteOn g1 ch1 G9 vel 0x0001"
    );
}

#[test]
fn midi2_poly_pressure_shows_32_bits() {
    assert_eq!(
        midi2(Midi2ChannelVoice::poly_pressure(0, 0, 60, 0x1234_5678)),
        "PolyPressure g1 ch1 C4 pressure 0x12345678"
    );
}

#[test]
fn midi2_control_change_shows_the_controller_and_32_bits() {
    assert_eq!(
        midi2(Midi2ChannelVoice::control_change(0, 3, 74, 0x8000_0000)),
        "ControlChange g1 ch4 cc74 value 0x80000000"
    );
}

#[test]
fn midi2_registered_controller_shows_bank_index_and_value() {
    assert_eq!(
        midi2(Midi2ChannelVoice::registered_controller(
            0,
            0,
            0,
            0,
            0x0400_0000
        )),
        "RegisteredController g1 ch1 bank 0 index 0 value 0x04000000"
    );
}

#[test]
fn midi2_assignable_controller_shows_bank_index_and_value() {
    assert_eq!(
        midi2(Midi2ChannelVoice::assignable_controller(0, 1, 2, 3, 4)),
        "AssignableController g1 ch2 bank 2 index 3 value 0x00000004"
    );
}

#[test]
fn midi2_relative_registered_controller_shows_a_signed_delta() {
    assert_eq!(
        midi2(Midi2ChannelVoice::relative_registered_controller(
            0, 0, 0, 1, -1
        )),
        "RelativeRegisteredController g1 ch1 bank 0 index 1 delta -1"
    );
}

#[test]
fn midi2_relative_assignable_controller_shows_a_signed_delta() {
    assert_eq!(
        midi2(Midi2ChannelVoice::relative_assignable_controller(
            0, 0, 1, 2, 100
        )),
        "RelativeAssignableController g1 ch1 bank 1 index 2 delta 100"
    );
}

#[test]
fn midi2_registered_per_note_controller_shows_note_index_and_value() {
    assert_eq!(
        midi2(Midi2ChannelVoice::registered_per_note_controller(
            0, 0, 60, 255, 7
        )),
        "RegisteredPerNoteController g1 ch1 C4 index 255 value 0x00000007"
    );
}

#[test]
fn midi2_assignable_per_note_controller_shows_note_index_and_value() {
    assert_eq!(
        midi2(Midi2ChannelVoice::assignable_per_note_controller(
            0, 0, 61, 1, 2
        )),
        "AssignablePerNoteController g1 ch1 C#4 index 1 value 0x00000002"
    );
}

#[test]
fn midi2_program_change_without_a_bank_shows_the_program() {
    assert_eq!(
        midi2(Midi2ChannelVoice::program_change(0, 0, 5, None)),
        "ProgramChange g1 ch1 program 5"
    );
}

#[test]
fn midi2_program_change_with_a_bank_shows_msb_and_lsb() {
    assert_eq!(
        midi2(Midi2ChannelVoice::program_change(0, 0, 5, Some((1, 2)))),
        "ProgramChange g1 ch1 program 5 bank 1:2"
    );
}

#[test]
fn midi2_channel_pressure_shows_32_bits() {
    assert_eq!(
        midi2(Midi2ChannelVoice::channel_pressure(0, 0, u32::MAX)),
        "ChannelPressure g1 ch1 pressure 0xFFFFFFFF"
    );
}

#[test]
fn midi2_per_note_pitch_bend_shows_the_note_and_32_bits() {
    assert_eq!(
        midi2(Midi2ChannelVoice::per_note_pitch_bend(0, 0, 60, 1)),
        "PerNotePitchBend g1 ch1 C4 0x00000001"
    );
}

#[test]
fn midi2_per_note_management_lists_the_flags_set() {
    let m = |detach, reset| {
        midi2(Midi2ChannelVoice::per_note_management(
            0, 0, 60, detach, reset,
        ))
    };
    assert_eq!(m(false, false), "PerNoteManagement g1 ch1 C4");
    assert_eq!(m(true, false), "PerNoteManagement g1 ch1 C4 detach");
    assert_eq!(m(false, true), "PerNoteManagement g1 ch1 C4 reset");
    assert_eq!(m(true, true), "PerNoteManagement g1 ch1 C4 detach reset");
}

#[test]
fn a_midi2_packet_debugs_its_description_and_words() {
    let note = Midi2ChannelVoice::note_on(0, 0, 60, 0x8000, 0, 0).unwrap();
    assert_eq!(
        format!("{note:?}"),
        "Midi2ChannelVoice(NoteOn g1 ch1 C4 vel 0x8000 [40903C00 80000000])"
    );
}

// ------------------------------------------------- data (types 3 and 5)

#[test]
fn a_sysex7_packet_shows_group_status_and_data() {
    let start = SysEx7::new(0, SysExStatus::Start, &[0x7E, 0x7F, 0x06, 0x01]).unwrap();
    assert_eq!(start.to_string(), "SysEx7 g1 Start 7E 7F 06 01");
}

#[test]
fn a_sysex7_packet_without_data_shows_group_and_status() {
    let empty = SysEx7::new(11, SysExStatus::Continue, &[]).unwrap();
    assert_eq!(empty.to_string(), "SysEx7 g12 Continue");
}

#[test]
fn a_sysex7_packet_debugs_without_repeating_its_name() {
    let start = SysEx7::new(0, SysExStatus::Start, &[0x7E, 0x7F, 0x06, 0x01]).unwrap();
    assert_eq!(
        format!("{start:?}"),
        "SysEx7(g1 Start 7E 7F 06 01 [30147E7F 06010000])"
    );
}

#[test]
fn a_sysex8_packet_shows_group_status_stream_and_data() {
    let packet = SysEx8::new(2, SysExStatus::Complete, 7, &[0xF0, 0x80, 0xFF]).unwrap();
    assert_eq!(packet.to_string(), "SysEx8 g3 Complete stream 7 F0 80 FF");
}

#[test]
fn a_sysex8_packet_debugs_without_repeating_its_name() {
    let packet = SysEx8::new(2, SysExStatus::Complete, 7, &[0xF0, 0x80, 0xFF]).unwrap();
    assert_eq!(
        format!("{packet:?}"),
        "SysEx8(g3 Complete stream 7 F0 80 FF [520407F0 80FF0000 00000000 00000000])"
    );
}

#[test]
fn a_mixed_data_set_header_shows_its_fields() {
    let header = MixedDataSetHeader {
        group: 1,
        mds_id: 2,
        valid_bytes: 100,
        chunks: 3,
        chunk: 1,
        manufacturer_id: 0x0041,
        device_id: 0x0010,
        sub_id_1: 5,
        sub_id_2: 6,
    };
    assert_eq!(
        header.to_string(),
        "MixedDataSetHeader g2 mds 2 chunk 1/3 valid 100 manufacturer 0x0041 device 0x0010 \
         sub-ids 0x0005 0x0006"
    );
}

#[test]
fn a_mixed_data_set_payload_shows_its_14_bytes() {
    let mut bytes = [0u8; 14];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = i as u8;
    }
    let payload = MixedDataSetPayload {
        group: 0,
        mds_id: 1,
        bytes,
    };
    assert_eq!(
        payload.to_string(),
        "MixedDataSetPayload g1 mds 1 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D"
    );
    assert_eq!(
        format!("{:?}", UmpMessage::MixedDataSetPayload(payload)),
        "MixedDataSetPayload(g1 mds 1 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D \
         [50910001 02030405 06070809 0A0B0C0D])"
    );
}

// ------------------------------------------------------ flex data (0xD)

#[test]
fn set_tempo_shows_the_field_and_the_bpm() {
    assert_eq!(
        FlexData::set_tempo(0, 50_000_000).unwrap().to_string(),
        "SetTempo g1 50000000 (120.00 bpm)"
    );
}

#[test]
fn set_tempo_rounds_the_bpm_to_hundredths() {
    // 6e9 / 41_666_667 = 143.99999...
    assert_eq!(
        FlexData::set_tempo(3, 41_666_667).unwrap().to_string(),
        "SetTempo g4 41666667 (144.00 bpm)"
    );
}

#[test]
fn set_tempo_of_zero_shows_no_bpm() {
    assert_eq!(
        FlexData::set_tempo(0, 0).unwrap().to_string(),
        "SetTempo g1 0"
    );
}

#[test]
fn set_time_signature_shows_the_denominator_as_a_note_value() {
    assert_eq!(
        FlexData::set_time_signature(0, 6, 3, 8)
            .unwrap()
            .to_string(),
        "SetTimeSignature g1 6/8 (8 32nds per quarter)"
    );
}

#[test]
fn a_time_signature_denominator_past_2_to_the_31_is_shown_as_a_power() {
    let data = [4 << 24 | 32 << 16 | 8 << 8, 0, 0];
    assert_eq!(
        flex(SysExStatus::Complete, FlexAddress::Group, 0, 0x01, data),
        "SetTimeSignature g1 4/2^32 (8 32nds per quarter)"
    );
}

#[test]
fn set_key_signature_counts_flats_and_names_the_tonic() {
    let e_flat = FlexData::set_key_signature(0, FlexAddress::Group, -3, 5).unwrap();
    assert_eq!(e_flat.to_string(), "SetKeySignature g1 3 flats tonic E");
}

#[test]
fn set_key_signature_to_a_channel_shows_the_channel() {
    let a_major = FlexData::set_key_signature(0, FlexAddress::Channel(2), 3, 1).unwrap();
    assert_eq!(
        a_major.to_string(),
        "SetKeySignature g1 ch3 3 sharps tonic A"
    );
}

#[test]
fn set_key_signature_says_one_sharp_and_one_flat_in_the_singular() {
    let key = |sharps_flats, tonic| {
        FlexData::set_key_signature(0, FlexAddress::Group, sharps_flats, tonic)
            .unwrap()
            .to_string()
    };
    assert_eq!(key(1, 7), "SetKeySignature g1 1 sharp tonic G");
    assert_eq!(key(-1, 6), "SetKeySignature g1 1 flat tonic F");
}

#[test]
fn set_key_signature_without_accidentals_says_so() {
    let c = FlexData::set_key_signature(0, FlexAddress::Group, 0, 3).unwrap();
    assert_eq!(
        c.to_string(),
        "SetKeySignature g1 no sharps or flats tonic C"
    );
}

#[test]
fn a_non_standard_key_with_an_unknown_tonic_says_so() {
    let odd = FlexData::set_key_signature(0, FlexAddress::Group, -8, 0).unwrap();
    assert_eq!(
        odd.to_string(),
        "SetKeySignature g1 non-standard tonic unknown"
    );
}

#[test]
fn an_undefined_tonic_is_shown_as_its_number() {
    assert_eq!(
        flex(
            SysExStatus::Complete,
            FlexAddress::Group,
            0,
            0x05,
            [0x0900_0000, 0, 0]
        ),
        "SetKeySignature g1 no sharps or flats tonic 9"
    );
}

#[test]
fn metadata_text_shows_its_status_format_and_quoted_text() {
    let name = FlexData::text_message(0, SysExStatus::Complete, FlexAddress::Group, 1, 2, b"Song")
        .unwrap();
    assert_eq!(
        name.to_string(),
        "MetadataText g1 status 0x02 Complete \"Song\""
    );
}

#[test]
fn performance_text_to_a_channel_shows_the_channel() {
    let lyric = FlexData::text_message(0, SysExStatus::Start, FlexAddress::Channel(0), 2, 1, b"la")
        .unwrap();
    assert_eq!(
        lyric.to_string(),
        "PerformanceText g1 ch1 status 0x01 Start \"la\""
    );
}

fn text(bytes: &[u8]) -> String {
    FlexData::text_message(0, SysExStatus::Complete, FlexAddress::Group, 1, 1, bytes)
        .unwrap()
        .to_string()
}

#[test]
fn text_escapes_quotes_backslashes_and_control_characters() {
    assert_eq!(
        text(b"a\"b\\c\nd"),
        r#"MetadataText g1 status 0x01 Complete "a\"b\\c\nd""#
    );
}

#[test]
fn text_keeps_apostrophes_and_non_ascii_characters() {
    assert_eq!(
        text("it's é".as_bytes()),
        "MetadataText g1 status 0x01 Complete \"it's é\""
    );
}

#[test]
fn text_shows_a_character_split_between_packets_as_hex_bytes() {
    // "é" is C3 A9; this packet ends after its first byte.
    assert_eq!(
        text(b"caf\xC3"),
        r#"MetadataText g1 status 0x01 Complete "caf\xC3""#
    );
}

#[test]
fn other_flex_data_shows_its_raw_fields() {
    assert_eq!(
        flex(
            SysExStatus::Complete,
            FlexAddress::Group,
            0,
            0x03,
            [1, 0, 0]
        ),
        "FlexData g1 Complete bank 0x00 status 0x03 data 00000001 00000000 00000000"
    );
}

#[test]
fn a_tempo_split_across_packets_is_shown_raw() {
    assert_eq!(
        flex(
            SysExStatus::Start,
            FlexAddress::Channel(15),
            0,
            0x00,
            [5, 0, 0]
        ),
        "FlexData g1 ch16 Start bank 0x00 status 0x00 data 00000005 00000000 00000000"
    );
}

#[test]
fn flex_data_debugs_its_description_and_words() {
    assert_eq!(
        format!("{:?}", FlexData::set_tempo(0, 50_000_000).unwrap()),
        "FlexData(SetTempo g1 50000000 (120.00 bpm) [D0100000 02FAF080 00000000 00000000])"
    );
}

#[test]
fn other_flex_data_debugs_without_repeating_its_name() {
    let m = FlexData::new(
        0,
        SysExStatus::Complete,
        FlexAddress::Group,
        0,
        0x03,
        [1, 0, 0],
    )
    .unwrap();
    assert_eq!(
        format!("{m:?}"),
        "FlexData(g1 Complete bank 0x00 status 0x03 data 00000001 00000000 00000000 \
         [D0100003 00000001 00000000 00000000])"
    );
}

// ------------------------------------------------------ UMP stream (0xF)

#[test]
fn endpoint_discovery_shows_the_version_and_filter() {
    assert_eq!(
        StreamMessage::endpoint_discovery(1, 1, 0x1F).to_string(),
        "EndpointDiscovery ump 1.1 filter 0x1F"
    );
}

fn endpoint_info() -> EndpointInfo {
    EndpointInfo {
        ump_version_major: 1,
        ump_version_minor: 1,
        static_function_blocks: true,
        function_blocks: 2,
        midi2: true,
        midi1: true,
        receives_jr_timestamps: false,
        sends_jr_timestamps: true,
    }
}

#[test]
fn endpoint_info_shows_the_version_the_blocks_and_the_flags_set() {
    let m = StreamMessage::endpoint_info_notification(endpoint_info()).unwrap();
    assert_eq!(
        m.to_string(),
        "EndpointInfo ump 1.1 blocks 2 static midi2 midi1 jr-tx"
    );
}

#[test]
fn endpoint_info_without_flags_shows_none() {
    assert_eq!(
        EndpointInfo::default().to_string(),
        "EndpointInfo ump 0.0 blocks 0"
    );
}

#[test]
fn endpoint_info_lists_every_flag_in_bit_order() {
    let info = EndpointInfo {
        receives_jr_timestamps: true,
        ..endpoint_info()
    };
    assert_eq!(
        info.to_string(),
        "EndpointInfo ump 1.1 blocks 2 static midi2 midi1 jr-rx jr-tx"
    );
}

#[test]
fn endpoint_name_shows_the_text_without_its_padding() {
    let name = StreamMessage::try_from(ump(&[0xF003_5379, 0x6E74_6800, 0, 0])).unwrap();
    assert_eq!(name.to_string(), "EndpointName Complete \"Synth\"");
}

#[test]
fn a_name_of_14_bytes_split_across_packets_shows_its_format() {
    let name = ump(&[0xF403_4142, 0x4344_4546, 0x4748_494A, 0x4B4C_4D4E]);
    assert_eq!(name.to_string(), "EndpointName Start \"ABCDEFGHIJKLMN\"");
}

#[test]
fn product_instance_id_shows_the_text() {
    assert_eq!(
        ump(&[0xF004_3132, 0x3300_0000, 0, 0]).to_string(),
        "ProductInstanceId Complete \"123\""
    );
}

#[test]
fn function_block_discovery_of_every_block_says_all() {
    assert_eq!(
        StreamMessage::function_block_discovery(0xFF, 0b11).to_string(),
        "FunctionBlockDiscovery block all filter 0x03"
    );
}

#[test]
fn function_block_discovery_of_one_block_shows_its_number() {
    assert_eq!(
        StreamMessage::function_block_discovery(2, 1).to_string(),
        "FunctionBlockDiscovery block 2 filter 0x01"
    );
}

#[test]
fn function_block_info_shows_every_field() {
    let block = FunctionBlockInfo {
        active: true,
        number: 0,
        ui_hint: 3,
        midi1: 0,
        direction: 3,
        first_group: 0,
        groups: 1,
        midi_ci_version: 1,
        max_sysex8_streams: 0,
    };
    let expected = "FunctionBlockInfo block 0 active first g1 groups 1 direction 3 ui-hint 3 \
                    midi1 0 midi-ci 1 sysex8-streams 0";
    assert_eq!(block.to_string(), expected);
    let m = StreamMessage::function_block_info_notification(block).unwrap();
    assert_eq!(m.to_string(), expected);
}

#[test]
fn an_inactive_function_block_says_so() {
    let block = FunctionBlockInfo {
        number: 5,
        first_group: 2,
        groups: 3,
        direction: 1,
        ..FunctionBlockInfo::default()
    };
    assert_eq!(
        block.to_string(),
        "FunctionBlockInfo block 5 inactive first g3 groups 3 direction 1 ui-hint 0 midi1 0 \
         midi-ci 0 sysex8-streams 0"
    );
}

#[test]
fn function_block_name_shows_the_block_and_the_text() {
    assert_eq!(
        ump(&[0xF012_0150, 0x6961_6E6F, 0, 0]).to_string(),
        "FunctionBlockName block 1 Complete \"Piano\""
    );
}

#[test]
fn clip_messages_show_their_names() {
    assert_eq!(
        stream(StreamMessage::START_OF_CLIP, 0, [0; 3]),
        "StartOfClip"
    );
    assert_eq!(stream(StreamMessage::END_OF_CLIP, 0, [0; 3]), "EndOfClip");
}

#[test]
fn device_identity_shows_its_raw_fields() {
    assert_eq!(
        stream(
            StreamMessage::DEVICE_IDENTITY,
            0,
            [0x0000_0041, 0x0102_0304, 0x0001_0000]
        ),
        "DeviceIdentity Complete 0x0000 data 00000041 01020304 00010000"
    );
}

#[test]
fn stream_configuration_messages_show_their_raw_fields() {
    assert_eq!(
        stream(StreamMessage::STREAM_CONFIGURATION_REQUEST, 0x0200, [0; 3]),
        "StreamConfigurationRequest Complete 0x0200 data 00000000 00000000 00000000"
    );
    assert_eq!(
        stream(
            StreamMessage::STREAM_CONFIGURATION_NOTIFICATION,
            0x0103,
            [0; 3]
        ),
        "StreamConfigurationNotification Complete 0x0103 data 00000000 00000000 00000000"
    );
}

#[test]
fn a_stream_status_without_a_name_shows_its_number() {
    assert_eq!(
        stream(0x3FF, 0x1234, [1, 2, 3]),
        "Stream status 0x3FF Complete 0x1234 data 00000001 00000002 00000003"
    );
}

#[test]
fn a_stream_message_debugs_its_description_and_words() {
    assert_eq!(
        format!("{:?}", StreamMessage::endpoint_discovery(1, 1, 0x1F)),
        "StreamMessage(EndpointDiscovery ump 1.1 filter 0x1F [F0000101 0000001F 00000000 00000000])"
    );
}

#[test]
fn a_stream_status_without_a_name_debugs_without_repeating_stream() {
    let m = StreamMessage::new(SysExStatus::Complete, 0x3FF, 0x1234, [1, 2, 3]).unwrap();
    assert_eq!(
        format!("{m:?}"),
        "StreamMessage(status 0x3FF Complete 0x1234 data 00000001 00000002 00000003 \
         [F3FF1234 00000001 00000002 00000003])"
    );
}
