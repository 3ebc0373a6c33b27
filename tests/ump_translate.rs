//! The translations, rule by rule: value scaling (the specification's
//! examples, and exactness over every value), MIDI 1.0 bytes ⇄ UMP (every
//! short message, SysEx of 0 to 100 bytes and beyond), and MIDI 1.0 ⇄ 2.0
//! protocol (every MIDI 1.0 channel voice message, the stateful sequences,
//! what is dropped and counted).

use bbx_midi::MidiMessage;
use bbx_midi::ump::*;

// --- Scaling ---

#[test]
fn scaling_up_keeps_minimum_center_and_maximum() {
    assert_eq!(scale_up(0, 7, 16), Some(0));
    assert_eq!(scale_up(64, 7, 16), Some(0x8000));
    assert_eq!(scale_up(127, 7, 16), Some(0xFFFF));
    assert_eq!(scale_up(0, 7, 32), Some(0));
    assert_eq!(scale_up(64, 7, 32), Some(0x8000_0000));
    assert_eq!(scale_up(127, 7, 32), Some(0xFFFF_FFFF));
    assert_eq!(scale_up(0, 14, 32), Some(0));
    assert_eq!(scale_up(0x2000, 14, 32), Some(0x8000_0000));
    assert_eq!(scale_up(0x3FFF, 14, 32), Some(0xFFFF_FFFF));
}

#[test]
fn scaling_up_below_the_center_is_a_shift_and_above_repeats_bits() {
    assert_eq!(scale_up(1, 7, 16), Some(0x0200));
    assert_eq!(scale_up(63, 7, 16), Some(0x7E00));
    // 65 = 0b100_0001: the six low bits 000001 repeat below the shift.
    assert_eq!(scale_up(65, 7, 16), Some(0x8000 | 0x0200 | 0x0008));
    assert_eq!(scale_up(0x2001, 14, 32), Some(0x8004_0000 | 0x0000_0020));
}

#[test]
fn scaling_down_is_a_shift() {
    assert_eq!(scale_down(0x8000, 16, 7), Some(64));
    assert_eq!(scale_down(0xFFFF, 16, 7), Some(127));
    assert_eq!(scale_down(0x8000_0000, 32, 7), Some(64));
    assert_eq!(scale_down(0xFFFF_FFFF, 32, 7), Some(127));
    assert_eq!(scale_down(0x8000_0000, 32, 14), Some(0x2000));
    assert_eq!(scale_down(0x01FF, 16, 7), Some(0));
}

#[test]
fn scaling_down_undoes_scaling_up_for_every_value() {
    for (src, dst) in [(7, 16), (7, 32), (14, 32), (1, 8), (16, 32)] {
        let mut previous = None;
        for value in 0..(1u32 << src) {
            let up = scale_up(value, src, dst).unwrap();
            assert_eq!(
                scale_down(up, dst, src),
                Some(value),
                "{value} {src}->{dst}"
            );
            assert!(previous < Some(up), "monotonic");
            previous = Some(up);
        }
    }
}

#[test]
fn scaling_refuses_bad_widths_and_values() {
    assert_eq!(scale_up(0, 0, 8), None);
    assert_eq!(scale_up(0, 8, 8), None);
    assert_eq!(scale_up(0, 8, 33), None);
    assert_eq!(scale_up(256, 8, 16), None);
    assert_eq!(scale_down(0x1_0000, 16, 7), None);
    assert_eq!(scale_down(0, 7, 7), None);
}

// --- MIDI 1.0 bytes <-> UMP ---

/// Every valid short message: every status, data bytes at the edges and in
/// between.
fn every_short_message() -> Vec<MidiMessage> {
    let mut all = Vec::new();
    for status in 0x80..=0xFFu8 {
        for data in [
            [0u8, 0],
            [1, 0x40],
            [0x7F, 0x7F],
            [0x3C, 0],
            [0x40, 0x7F],
            [0x55, 0x2A],
        ] {
            let bytes = [status, data[0], data[1]];
            if let Some(m) = (1..=3).find_map(|n| MidiMessage::parse(&bytes[..n]).ok()) {
                all.push(m);
            }
        }
    }
    all
}

/// Feeds bytes through Midi1ToUmp, then the packets through UmpToMidi1,
/// and returns the packets and the bytes that come back.
fn bytes_round_trip(bytes: &[u8]) -> (Vec<Ump>, Vec<u8>) {
    let mut to_ump = Midi1ToUmp::new(0).unwrap();
    let mut packets = Vec::new();
    to_ump.parse(bytes, |p| packets.push(p));
    to_ump.finish(|p| packets.push(p));
    let mut to_bytes = UmpToMidi1::<512>::new();
    let mut back = Vec::new();
    for p in &packets {
        to_bytes.push(*p, |_, event| back.extend_from_slice(event.as_bytes()));
    }
    assert_eq!(to_bytes.stats(), UmpToMidi1Stats::default());
    (packets, back)
}

#[test]
fn every_short_message_is_one_packet_of_type_1_or_2_and_comes_back() {
    let messages = every_short_message();
    assert!(messages.len() > 700, "{}", messages.len());
    for m in messages {
        let (packets, back) = bytes_round_trip(m.as_bytes());
        let expected_type = if m.status() >= 0xF0 { 1 } else { 2 };
        assert_eq!(packets.len(), 1);
        assert_eq!(packets[0], to_ump(&m, 0).unwrap());
        assert_eq!(packets[0].message_type(), expected_type);
        assert_eq!(back, m.as_bytes());
    }
}

#[test]
fn to_ump_puts_the_group_in_bits_27_to_24() {
    for group in 0..16u8 {
        let p = to_ump(&MidiMessage::note_on(0, 1, 2).unwrap(), group).unwrap();
        assert_eq!(p.group(), Some(group));
    }
    assert_eq!(
        to_ump(&MidiMessage::TIMING_CLOCK, 16),
        Err(UmpError::GroupOutOfRange { group: 16 })
    );
}

fn sysex_of(len: usize) -> Vec<u8> {
    let mut bytes = vec![0xF0];
    bytes.extend((0..len).map(|i| (i * 37 % 128) as u8));
    bytes.push(0xF7);
    bytes
}

#[test]
fn sysex_of_every_length_to_300_comes_back_unchanged() {
    for len in 0..=300 {
        let sysex = sysex_of(len);
        let (packets, back) = bytes_round_trip(&sysex);
        assert_eq!(back, sysex, "{len}");
        let expected: Vec<Ump> = SysEx7Packets::new(&sysex, 0).unwrap().collect();
        assert_eq!(packets, expected, "{len}");
    }
}

#[test]
fn sysex_is_cut_in_packets_of_six_bytes_marked_start_continue_end() {
    for len in 0..=100usize {
        let sysex = sysex_of(len);
        let packets: Vec<SysEx7> = SysEx7Packets::new(&sysex, 2)
            .unwrap()
            .map(|p| SysEx7::try_from(p).unwrap())
            .collect();
        assert_eq!(packets.len(), len.div_ceil(6).max(1), "{len}");
        let statuses: Vec<SysExStatus> = packets.iter().map(SysEx7::status).collect();
        if packets.len() == 1 {
            assert_eq!(statuses, [SysExStatus::Complete]);
        } else {
            assert_eq!(statuses[0], SysExStatus::Start);
            assert!(
                statuses[1..statuses.len() - 1]
                    .iter()
                    .all(|s| *s == SysExStatus::Continue)
            );
            assert_eq!(statuses[statuses.len() - 1], SysExStatus::End);
        }
        assert!(
            packets[..packets.len() - 1]
                .iter()
                .all(|p| p.data().len() == 6)
        );
        let data: Vec<u8> = packets.iter().flat_map(|p| p.data().to_vec()).collect();
        assert_eq!(data, sysex[1..sysex.len() - 1]);
        assert!(packets.iter().all(|p| p.group() == 2));
    }
}

#[test]
fn sysex_packing_does_not_depend_on_how_the_bytes_arrive() {
    let sysex = sysex_of(12);
    let mut to_ump = Midi1ToUmp::new(0).unwrap();
    let mut packets = Vec::new();
    for byte in &sysex {
        to_ump.push(*byte, |p| packets.push(p));
    }
    // 12 bytes: a start and an end packet, not an empty end after two full ones.
    let expected: Vec<Ump> = SysEx7Packets::new(&sysex, 0).unwrap().collect();
    assert_eq!(packets, expected);
    assert_eq!(packets.len(), 2);
}

#[test]
fn real_time_bytes_inside_sysex_come_out_first_and_the_sysex_whole() {
    let mut stream = sysex_of(10);
    stream.insert(4, 0xF8);
    let (packets, back) = bytes_round_trip(&stream);
    assert_eq!(packets[0].words(), &[0x10F8_0000]);
    let mut expected = vec![0xF8];
    expected.extend(sysex_of(10));
    assert_eq!(back, expected);
}

#[test]
fn running_status_is_expanded() {
    let (packets, back) = bytes_round_trip(&[0x90, 60, 100, 62, 100]);
    assert_eq!(packets.len(), 2);
    assert_eq!(back, [0x90, 60, 100, 0x90, 62, 100]);
}

#[test]
fn sysex_packets_refuse_what_is_not_one_sysex_message() {
    assert!(SysEx7Packets::new(&[0xF0, 1], 0).is_err());
    assert!(SysEx7Packets::new(&[0x90, 1, 0xF7], 0).is_err());
    assert!(SysEx7Packets::new(&[0xF0, 0x80, 0xF7], 0).is_err());
    assert!(SysEx7Packets::new(&[0xF0, 0xF7], 16).is_err());
}

#[test]
fn ump_to_midi1_counts_what_it_cannot_join_or_has_no_bytes_for() {
    let mut to_bytes = UmpToMidi1::<8>::new();
    let mut out = Vec::new();
    let mut push =
        |t: &mut UmpToMidi1<8>, p: Ump| t.push(p, |_, e| out.push(e.as_bytes().to_vec()));
    let continue_alone = SysEx7::new(0, SysExStatus::Continue, &[1])
        .unwrap()
        .packet();
    push(&mut to_bytes, continue_alone);
    let long: Vec<Ump> = SysEx7Packets::new(&sysex_of(7), 0).unwrap().collect();
    for p in long {
        push(&mut to_bytes, p);
    }
    push(
        &mut to_bytes,
        Midi2ChannelVoice::pitch_bend(0, 0, 0).unwrap().packet(),
    );
    let start0 = SysEx7::new(0, SysExStatus::Start, &[1]).unwrap().packet();
    let start1 = SysEx7::new(1, SysExStatus::Start, &[2]).unwrap().packet();
    push(&mut to_bytes, start0);
    push(&mut to_bytes, start1);
    push(
        &mut to_bytes,
        SysEx7::new(0, SysExStatus::End, &[3]).unwrap().packet(),
    );
    assert_eq!(out, [vec![0xF0, 1, 3, 0xF7]]);
    assert_eq!(
        to_bytes.stats(),
        UmpToMidi1Stats {
            no_byte_form: 1,
            invalid: 0,
            sysex_out_of_sequence: 1,
            sysex_too_long: 1,
            sysex_interleaved: 1,
        }
    );
}

#[test]
fn an_unterminated_sysex_is_ended_and_counted() {
    let mut to_ump = Midi1ToUmp::new(0).unwrap();
    let mut packets = Vec::new();
    to_ump.parse(&[0xF0, 1, 2, 0x90, 60, 100], |p| packets.push(p));
    assert_eq!(
        packets[0],
        SysEx7::new(0, SysExStatus::Complete, &[1, 2])
            .unwrap()
            .packet()
    );
    assert_eq!(packets.len(), 2);
    assert_eq!(to_ump.stats().unterminated_sysex, 1);
}

// --- MIDI 1.0 protocol <-> MIDI 2.0 protocol ---

fn m1(message: MidiMessage) -> Ump {
    Midi1ChannelVoice::new(0, message).unwrap().packet()
}

fn up_all(translator: &mut Midi1ToMidi2, messages: &[MidiMessage]) -> Vec<Ump> {
    let mut out = Vec::new();
    for m in messages {
        translator.push(m1(*m), |p| out.push(p));
    }
    out
}

fn down_all(packets: &[Ump]) -> Vec<MidiMessage> {
    let mut down = Midi2ToMidi1::new();
    let mut out = Vec::new();
    for p in packets {
        down.push(*p, |q| {
            out.push(Midi1ChannelVoice::try_from(q).unwrap().message())
        });
    }
    out
}

fn cc(channel: u8, controller: u8, value: u8) -> MidiMessage {
    MidiMessage::control_change(channel, controller, value).unwrap()
}

/// The controllers whose meaning depends on the messages around them.
const STATEFUL: [u8; 9] = [0, 6, 32, 38, 96, 97, 98, 99, 100];

#[test]
fn every_midi1_channel_voice_message_survives_midi2_and_back() {
    let mut checked = 0;
    for status in 0x80..=0xEFu8 {
        for data1 in 0..=127u8 {
            for data2 in 0..=127u8 {
                let Ok(message) = MidiMessage::parse(&[status, data1, data2])
                    .or_else(|_| MidiMessage::parse(&[status, data1]))
                else {
                    continue;
                };
                if matches!(status & 0xF0, 0xC0 | 0xD0) && data2 > 0 {
                    continue;
                }
                let controller = message.controller();
                if controller.is_some_and(|c| STATEFUL.contains(&c) || c == 101) {
                    continue;
                }
                let midi2 = up_all(&mut Midi1ToMidi2::new(), &[message]);
                assert_eq!(midi2.len(), 1);
                let back = down_all(&midi2);
                if status & 0xF0 == 0x90 && data2 == 0 {
                    // The spec's rule: Note On velocity 0 is a Note Off.
                    let off = MidiMessage::note_off(status & 0xF, data1, 0).unwrap();
                    assert_eq!(back, [off]);
                    assert!(back[0].is_note_off() && message.is_note_off());
                } else {
                    assert_eq!(back, [message]);
                }
                checked += 1;
            }
        }
    }
    // 16 channels × (3 note/pressure kinds × 128² + 119 CCs × 128 + 128
    // programs + 128 pressures + 128² bends), less the stateful CCs.
    assert_eq!(checked, 16 * (4 * 128 * 128 + (128 - 10) * 128 + 2 * 128));
}

#[test]
fn note_on_with_velocity_0_becomes_a_midi2_note_off() {
    let out = up_all(
        &mut Midi1ToMidi2::new(),
        &[MidiMessage::note_on(3, 60, 0).unwrap()],
    );
    assert_eq!(
        out,
        [Midi2ChannelVoice::note_off(0, 3, 60, 0, 0, 0)
            .unwrap()
            .packet()]
    );
}

#[test]
fn velocities_and_values_scale_by_the_specification() {
    let out = up_all(
        &mut Midi1ToMidi2::new(),
        &[
            MidiMessage::note_on(0, 60, 64).unwrap(),
            MidiMessage::note_on(0, 60, 127).unwrap(),
            cc(0, 1, 64),
            cc(0, 1, 127),
            MidiMessage::pitch_bend_change(0, 0x2000).unwrap(),
            MidiMessage::channel_pressure(0, 0).unwrap(),
        ],
    );
    let views: Vec<Midi2ChannelVoice> = out
        .iter()
        .map(|p| Midi2ChannelVoice::try_from(*p).unwrap())
        .collect();
    assert_eq!(views[0].velocity(), Some(0x8000));
    assert_eq!(views[1].velocity(), Some(0xFFFF));
    assert_eq!(views[2].value(), Some(0x8000_0000));
    assert_eq!(views[3].value(), Some(0xFFFF_FFFF));
    assert_eq!(views[4].value(), Some(0x8000_0000));
    assert_eq!(views[5].value(), Some(0));
}

#[test]
fn a_midi2_note_on_that_shifts_to_velocity_0_becomes_velocity_1() {
    for velocity in [0u16, 1, 0x01FF] {
        let on = Midi2ChannelVoice::note_on(0, 0, 60, velocity, 0, 0).unwrap();
        assert_eq!(
            down_all(&[on.packet()]),
            [MidiMessage::note_on(0, 60, 1).unwrap()]
        );
    }
    let off = Midi2ChannelVoice::note_off(0, 0, 60, 0x01FF, 0, 0).unwrap();
    assert_eq!(
        down_all(&[off.packet()]),
        [MidiMessage::note_off(0, 60, 0).unwrap()]
    );
    let on = Midi2ChannelVoice::note_on(0, 0, 60, 0x0200, 0, 0).unwrap();
    assert_eq!(
        down_all(&[on.packet()]),
        [MidiMessage::note_on(0, 60, 1).unwrap()]
    );
}

#[test]
fn bank_select_and_program_change_become_one_program_change_and_back() {
    let sequence = [
        cc(1, 0, 5),
        cc(1, 32, 6),
        MidiMessage::program_change(1, 7).unwrap(),
    ];
    let mut up = Midi1ToMidi2::new();
    let midi2 = up_all(&mut up, &sequence);
    assert_eq!(
        midi2,
        [Midi2ChannelVoice::program_change(0, 1, 7, Some((5, 6)))
            .unwrap()
            .packet()]
    );
    assert_eq!(down_all(&midi2), sequence);
    // No Bank Select since: the next has Bank Valid clear (the receiver
    // stays on 5/6).
    let next = up_all(&mut up, &[MidiMessage::program_change(1, 8).unwrap()]);
    assert_eq!(
        next,
        [Midi2ChannelVoice::program_change(0, 1, 8, None)
            .unwrap()
            .packet()]
    );
}

#[test]
fn a_bank_msb_alone_is_sent_with_lsb_0() {
    let midi2 = up_all(
        &mut Midi1ToMidi2::new(),
        &[cc(0, 0, 3), MidiMessage::program_change(0, 1).unwrap()],
    );
    assert_eq!(
        midi2,
        [Midi2ChannelVoice::program_change(0, 0, 1, Some((3, 0)))
            .unwrap()
            .packet()]
    );
}

#[test]
fn bank_state_is_kept_per_group_and_channel() {
    let mut up = Midi1ToMidi2::new();
    let mut out = Vec::new();
    up.push(
        Midi1ChannelVoice::new(1, cc(0, 0, 9)).unwrap().packet(),
        |p| out.push(p),
    );
    up.push(m1(MidiMessage::program_change(0, 1).unwrap()), |p| {
        out.push(p)
    });
    up.push(m1(MidiMessage::program_change(1, 1).unwrap()), |p| {
        out.push(p)
    });
    up.push(
        Midi1ChannelVoice::new(1, MidiMessage::program_change(0, 2).unwrap())
            .unwrap()
            .packet(),
        |p| out.push(p),
    );
    assert_eq!(
        out,
        [
            Midi2ChannelVoice::program_change(0, 0, 1, None)
                .unwrap()
                .packet(),
            Midi2ChannelVoice::program_change(0, 1, 1, None)
                .unwrap()
                .packet(),
            Midi2ChannelVoice::program_change(1, 0, 2, Some((9, 0)))
                .unwrap()
                .packet(),
        ]
    );
}

#[test]
fn an_rpn_sequence_becomes_one_registered_controller_and_back() {
    for (msb_cc, lsb_cc) in [(101u8, 100u8), (99, 98)] {
        for (value_msb, value_lsb) in [(0, 0), (2, 0), (64, 0), (127, 127), (5, 99)] {
            let sequence = [
                cc(2, msb_cc, 0x11),
                cc(2, lsb_cc, 0x22),
                cc(2, 6, value_msb),
                cc(2, 38, value_lsb),
            ];
            let midi2 = up_all(&mut Midi1ToMidi2::new(), &sequence);
            let value = scale_up(u32::from(value_msb) << 7 | u32::from(value_lsb), 14, 32).unwrap();
            let expected = if msb_cc == 101 {
                Midi2ChannelVoice::registered_controller(0, 2, 0x11, 0x22, value)
            } else {
                Midi2ChannelVoice::assignable_controller(0, 2, 0x11, 0x22, value)
            };
            assert_eq!(midi2, [expected.unwrap().packet()]);
            assert_eq!(down_all(&midi2), sequence);
        }
    }
}

#[test]
fn a_data_entry_msb_waits_for_its_lsb() {
    let mut up = Midi1ToMidi2::new();
    assert!(up_all(&mut up, &[cc(0, 101, 0), cc(0, 100, 0), cc(0, 6, 12)]).is_empty());
    // A further CC 6 sends the one that waited, with LSB 0.
    let out = up_all(&mut up, &[cc(0, 6, 13)]);
    assert_eq!(
        out,
        [
            Midi2ChannelVoice::registered_controller(0, 0, 0, 0, 12 << 25)
                .unwrap()
                .packet()
        ]
    );
    // A new parameter number sends the one that waits.
    let out = up_all(&mut up, &[cc(0, 101, 0)]);
    assert_eq!(
        out,
        [
            Midi2ChannelVoice::registered_controller(0, 0, 0, 0, 13 << 25)
                .unwrap()
                .packet()
        ]
    );
}

#[test]
fn a_data_entry_lsb_alone_completes_the_last_msb() {
    let mut up = Midi1ToMidi2::new();
    let out = up_all(
        &mut up,
        &[
            cc(0, 101, 0),
            cc(0, 100, 1),
            cc(0, 6, 64),
            cc(0, 38, 1),
            cc(0, 38, 2),
        ],
    );
    let value = |lsb: u32| scale_up(64 << 7 | lsb, 14, 32).unwrap();
    assert_eq!(
        out,
        [
            Midi2ChannelVoice::registered_controller(0, 0, 0, 1, value(1))
                .unwrap()
                .packet(),
            Midi2ChannelVoice::registered_controller(0, 0, 0, 1, value(2))
                .unwrap()
                .packet(),
        ]
    );
}

#[test]
fn flush_sends_what_waits_and_nothing_twice() {
    let mut up = Midi1ToMidi2::new();
    up_all(&mut up, &[cc(3, 99, 1), cc(3, 98, 2), cc(3, 6, 127)]);
    let mut out = Vec::new();
    up.flush(|p| out.push(p));
    up.flush(|p| out.push(p));
    assert_eq!(
        out,
        [
            Midi2ChannelVoice::assignable_controller(
                0,
                3,
                1,
                2,
                scale_up(127 << 7, 14, 32).unwrap()
            )
            .unwrap()
            .packet()
        ]
    );
    assert_eq!(
        down_all(&out),
        [cc(3, 99, 1), cc(3, 98, 2), cc(3, 6, 127), cc(3, 38, 0)]
    );
}

#[test]
fn data_entry_without_a_parameter_is_dropped_and_counted() {
    let mut up = Midi1ToMidi2::new();
    let out = up_all(
        &mut up,
        &[
            cc(0, 6, 1),
            cc(0, 38, 1),
            cc(0, 96, 0),
            cc(0, 101, 127),
            cc(0, 100, 127),
            cc(0, 6, 1),
        ],
    );
    assert!(out.is_empty());
    assert_eq!(up.stats().data_entry_without_parameter, 4);
}

#[test]
fn reset_all_controllers_deselects_the_parameter() {
    let mut up = Midi1ToMidi2::new();
    let out = up_all(
        &mut up,
        &[cc(0, 101, 0), cc(0, 100, 0), cc(0, 121, 0), cc(0, 6, 1)],
    );
    assert_eq!(
        out,
        [Midi2ChannelVoice::control_change(0, 0, 121, 0)
            .unwrap()
            .packet()]
    );
    assert_eq!(up.stats().data_entry_without_parameter, 1);
}

#[test]
fn data_increment_and_decrement_are_relative_controllers_of_one_step() {
    for (controller, delta) in [(96u8, 1i32 << 18), (97, -(1 << 18))] {
        for (msb_cc, lsb_cc) in [(101u8, 100u8), (99, 98)] {
            let sequence = [cc(0, msb_cc, 3), cc(0, lsb_cc, 4), cc(0, controller, 0)];
            let midi2 = up_all(&mut Midi1ToMidi2::new(), &sequence);
            let expected = if msb_cc == 101 {
                Midi2ChannelVoice::relative_registered_controller(0, 0, 3, 4, delta)
            } else {
                Midi2ChannelVoice::relative_assignable_controller(0, 0, 3, 4, delta)
            };
            assert_eq!(midi2, [expected.unwrap().packet()]);
            assert_eq!(down_all(&midi2), sequence);
        }
    }
}

#[test]
fn what_has_no_midi1_form_is_dropped_and_counted() {
    let mut down = Midi2ToMidi1::new();
    let mut out = Vec::new();
    let dropped = [
        Midi2ChannelVoice::registered_per_note_controller(0, 0, 60, 1, 2).unwrap(),
        Midi2ChannelVoice::assignable_per_note_controller(0, 0, 60, 1, 2).unwrap(),
        Midi2ChannelVoice::per_note_pitch_bend(0, 0, 60, 0).unwrap(),
        Midi2ChannelVoice::per_note_management(0, 0, 60, true, false).unwrap(),
        Midi2ChannelVoice::relative_registered_controller(0, 0, 0, 0, 5).unwrap(),
    ];
    for m in dropped {
        down.push(m.packet(), |p| out.push(p));
    }
    assert!(out.is_empty());
    let with_attribute = Midi2ChannelVoice::note_on(0, 0, 60, 0xFFFF, 3, 0x7900).unwrap();
    down.push(with_attribute.packet(), |p| out.push(p));
    down.push(Ump::parse(&[0x4070_0000, 0]).unwrap(), |p| out.push(p));
    assert_eq!(out, [m1(MidiMessage::note_on(0, 60, 127).unwrap())]);
    assert_eq!(
        down.stats(),
        TranslationStats {
            per_note_controllers: 2,
            per_note_pitch_bends: 1,
            per_note_management: 1,
            note_attributes: 1,
            relative_controllers: 1,
            data_entry_without_parameter: 0,
            parameter_controllers: 0,
            invalid: 1,
            no_midi1_form: 0,
        }
    );
}

#[test]
fn midi2_control_changes_that_would_select_banks_or_parameters_are_dropped() {
    let mut down = Midi2ToMidi1::new();
    let mut out = Vec::new();
    for index in [0u8, 6, 32, 38, 96, 97, 98, 99, 100, 101] {
        down.push(
            Midi2ChannelVoice::control_change(0, 0, index, 0)
                .unwrap()
                .packet(),
            |p| out.push(p),
        );
    }
    assert!(out.is_empty());
    assert_eq!(down.stats().parameter_controllers, 10);
    for index in [1u8, 5, 7, 31, 33, 37, 39, 95, 102, 127] {
        down.push(
            Midi2ChannelVoice::control_change(0, 0, index, 0)
                .unwrap()
                .packet(),
            |p| out.push(p),
        );
    }
    assert_eq!(out.len(), 10);
}

#[test]
fn other_message_types_pass_through_both_protocol_translators() {
    let others = [
        Ump::parse(&[0x10F8_0000]).unwrap(),
        Ump::parse(&[0x3000_0000, 0]).unwrap(),
        Ump::parse(&[0x0010_0001]).unwrap(),
        Ump::parse(&[0xD010_0000, 1, 0, 0]).unwrap(),
        Ump::parse(&[0x6000_0000]).unwrap(),
    ];
    for p in others {
        let mut out = Vec::new();
        Midi1ToMidi2::new().push(p, |q| out.push(q));
        Midi2ToMidi1::new().push(p, |q| out.push(q));
        assert_eq!(out, [p, p]);
    }
}

#[test]
fn midi2_to_midi1_keeps_the_group() {
    let mut out = Vec::new();
    Midi2ToMidi1::new().push(
        Midi2ChannelVoice::control_change(9, 3, 1, u32::MAX)
            .unwrap()
            .packet(),
        |p| out.push(p),
    );
    assert_eq!(
        out,
        [Midi1ChannelVoice::new(9, cc(3, 1, 127)).unwrap().packet()]
    );
}

// --- Order and state (issue 26, item 1) ---
//
// The expected packets below are written out word by word from the
// specification (M2-104-UM): a MIDI 2.0 channel voice packet is
// `0x4` | group | opcode | channel, then its fields; 7- and 14-bit values
// are scaled up by its min-center-max rule (shift, and above the center
// repeat the bits below the top one). They are not copied from what the
// translator gives.

fn ump(words: &[u32]) -> Ump {
    Ump::parse(words).unwrap()
}

/// MIDI 1.0 messages as bytes, each on its group, through one translator.
fn up_bytes(translator: &mut Midi1ToMidi2, messages: &[(u8, &[u8])]) -> Vec<Ump> {
    let mut out = Vec::new();
    for (group, bytes) in messages {
        let message = MidiMessage::parse(bytes).unwrap();
        let packet = Midi1ChannelVoice::new(*group, message).unwrap().packet();
        translator.push(packet, |p| out.push(p));
    }
    out
}

/// Pitch bend sensitivity 12 semitones by Data Entry MSB alone:
/// RPN 0/0, value 12 << 7 | 0 = 0x0600, below the center, so shifted by
/// 18 bits: 0x1800_0000. Registered Controller is opcode 0x2.
const RPN_0_0_IS_12: [u32; 2] = [0x4020_0000, 0x1800_0000];
/// Pitch Bend 0x60 << 7 | 0x00 = 0x3000, above the center 0x2000: shifted,
/// 0xC000_0000, then the 13 bits below the top one (0x1000) repeated from
/// bit 17 down: 0x0002_0000 | 0x0000_0010. Pitch Bend is opcode 0xE.
const BEND_3000H: [u32; 2] = [0x40E0_0000, 0xC002_0010];

#[test]
fn a_waiting_data_entry_msb_goes_out_before_the_message_after_it() {
    let out = up_bytes(
        &mut Midi1ToMidi2::new(),
        &[
            (0, &[0xB0, 0x65, 0x00]),
            (0, &[0xB0, 0x64, 0x00]),
            (0, &[0xB0, 0x06, 0x0C]),
            (0, &[0xE0, 0x00, 0x60]),
        ],
    );
    assert_eq!(out, [ump(&RPN_0_0_IS_12), ump(&BEND_3000H)]);
}

#[test]
fn a_waiting_data_entry_msb_goes_out_before_another_controller() {
    let out = up_bytes(
        &mut Midi1ToMidi2::new(),
        &[
            (0, &[0xB0, 0x65, 0x00]),
            (0, &[0xB0, 0x64, 0x00]),
            (0, &[0xB0, 0x06, 0x0C]),
            // CC 7, value 64: the center, 0x8000_0000. Control Change is
            // opcode 0xB, the index in the third byte.
            (0, &[0xB0, 0x07, 0x40]),
            (0, &[0xE0, 0x00, 0x60]),
        ],
    );
    assert_eq!(
        out,
        [
            ump(&RPN_0_0_IS_12),
            ump(&[0x40B0_0700, 0x8000_0000]),
            ump(&BEND_3000H),
        ]
    );
}

#[test]
fn a_waiting_nrpn_value_goes_out_before_a_note() {
    let out = up_bytes(
        &mut Midi1ToMidi2::new(),
        &[
            (0, &[0xB0, 0x63, 0x01]),
            (0, &[0xB0, 0x62, 0x02]),
            (0, &[0xB0, 0x06, 0x40]),
            (0, &[0x90, 0x3C, 0x64]),
        ],
    );
    assert_eq!(
        out,
        [
            // Assignable Controller (opcode 0x3), bank 1, index 2, value
            // 64 << 7 = 0x2000, the center: 0x8000_0000.
            ump(&[0x4030_0102, 0x8000_0000]),
            // Note On 60, velocity 100 = 0x64 > 64: 0x64 << 9 = 0xC800,
            // then the 6 bits below the top one (0x24) repeated from bit 8
            // down: 0x0120 | 0x0004.
            ump(&[0x4090_3C00, 0xC924_0000]),
        ]
    );
}

#[test]
fn nothing_on_another_channel_or_group_overtakes_a_waiting_value() {
    // bbx_midi's choice: a waiting value is sent before any other packet,
    // whatever its group, channel or type, so the output keeps the input's
    // order everywhere. Its LSB, if it comes later, sends the full value.
    let out = up_bytes(
        &mut Midi1ToMidi2::new(),
        &[
            (0, &[0xB0, 0x65, 0x00]),
            (0, &[0xB0, 0x64, 0x00]),
            (0, &[0xB0, 0x06, 0x0C]),
            (0, &[0xB1, 0x07, 0x40]),
            (0, &[0xB0, 0x26, 0x05]),
            (0, &[0xB0, 0x06, 0x0C]),
            (3, &[0xB0, 0x07, 0x40]),
        ],
    );
    assert_eq!(
        out,
        [
            ump(&RPN_0_0_IS_12),
            ump(&[0x40B1_0700, 0x8000_0000]),
            // 12 << 7 | 5 = 0x0605, below the center: 0x0605 << 18.
            ump(&[0x4020_0000, 0x1814_0000]),
            ump(&RPN_0_0_IS_12),
            ump(&[0x43B0_0700, 0x8000_0000]),
        ]
    );
}

#[test]
fn a_packet_passed_through_does_not_overtake_a_waiting_value() {
    let mut up = Midi1ToMidi2::new();
    let mut out = up_bytes(
        &mut up,
        &[
            (0, &[0xB0, 0x65, 0x00]),
            (0, &[0xB0, 0x64, 0x00]),
            (0, &[0xB0, 0x06, 0x0C]),
        ],
    );
    let clock = ump(&[0x10F8_0000]);
    up.push(clock, |p| out.push(p));
    out.extend(up_bytes(&mut up, &[(0, &[0xB0, 0x26, 0x05])]));
    assert_eq!(
        out,
        [ump(&RPN_0_0_IS_12), clock, ump(&[0x4020_0000, 0x1814_0000])]
    );
}

#[test]
fn a_data_entry_lsb_right_after_its_msb_still_makes_one_controller() {
    let mut up = Midi1ToMidi2::new();
    let out = up_bytes(
        &mut up,
        &[
            (0, &[0xB0, 0x65, 0x00]),
            (0, &[0xB0, 0x64, 0x00]),
            (0, &[0xB0, 0x06, 0x0C]),
            (0, &[0xB0, 0x26, 0x05]),
            (0, &[0xE0, 0x00, 0x60]),
        ],
    );
    assert_eq!(out, [ump(&[0x4020_0000, 0x1814_0000]), ump(&BEND_3000H)]);
    up.flush(|_| panic!("nothing waits"));
}

#[test]
fn a_data_entry_lsb_on_another_channel_does_not_complete_the_waiting_msb() {
    let mut up = Midi1ToMidi2::new();
    let out = up_bytes(
        &mut up,
        &[
            (0, &[0xB0, 0x65, 0x00]),
            (0, &[0xB0, 0x64, 0x00]),
            (0, &[0xB0, 0x06, 0x0C]),
            (0, &[0xB1, 0x26, 0x05]),
            (1, &[0xB0, 0x26, 0x05]),
        ],
    );
    assert_eq!(out, [ump(&RPN_0_0_IS_12)]);
    // Channel 1 of group 0 and channel 0 of group 1 have no parameter.
    assert_eq!(up.stats().data_entry_without_parameter, 2);
}

// Program Change is opcode 0xC; bit 0 of the first word is Bank Valid; the
// second word is program << 24 | bank MSB << 8 | bank LSB. Bank Valid clear
// means the receiver keeps the bank it has.

#[test]
fn the_bank_halves_are_kept_across_program_changes() {
    let out = up_bytes(
        &mut Midi1ToMidi2::new(),
        &[
            (0, &[0xB0, 0x00, 0x01]),
            (0, &[0xC0, 0x0A]),
            (0, &[0xB0, 0x20, 0x05]),
            (0, &[0xC0, 0x0B]),
        ],
    );
    // A MIDI 1.0 receiver is on bank 1/0 (LSB never sent: 0), then 1/5.
    assert_eq!(
        out,
        [
            ump(&[0x40C0_0001, 0x0A00_0100]),
            ump(&[0x40C0_0001, 0x0B00_0105])
        ]
    );
}

#[test]
fn a_bank_msb_alone_selects_its_bank_once_and_later_programs_keep_it() {
    let out = up_bytes(
        &mut Midi1ToMidi2::new(),
        &[
            (0, &[0xB0, 0x00, 0x02]),
            (0, &[0xC0, 0x01]),
            (0, &[0xC0, 0x02]),
            (0, &[0xB0, 0x00, 0x03]),
            (0, &[0xC0, 0x04]),
        ],
    );
    assert_eq!(
        out,
        [
            ump(&[0x40C0_0001, 0x0100_0200]),
            // No Bank Select since the last Program Change: Bank Valid
            // clear, and the receiver stays on 2/0, as a MIDI 1.0 one does.
            ump(&[0x40C0_0000, 0x0200_0000]),
            ump(&[0x40C0_0001, 0x0400_0300]),
        ]
    );
}

#[test]
fn a_bank_lsb_alone_is_sent_with_the_msb_kept_or_0() {
    let out = up_bytes(
        &mut Midi1ToMidi2::new(),
        &[
            (0, &[0xB0, 0x20, 0x07]),
            (0, &[0xC0, 0x03]),
            (0, &[0xB0, 0x00, 0x09]),
            (0, &[0xB0, 0x20, 0x08]),
            (0, &[0xC0, 0x04]),
            (0, &[0xB0, 0x20, 0x06]),
            (0, &[0xC0, 0x05]),
        ],
    );
    assert_eq!(
        out,
        [
            ump(&[0x40C0_0001, 0x0300_0007]),
            ump(&[0x40C0_0001, 0x0400_0908]),
            ump(&[0x40C0_0001, 0x0500_0906]),
        ]
    );
}

#[test]
fn reset_all_controllers_keeps_the_bank() {
    // RP-015: Reset All Controllers leaves Bank Select alone.
    let out = up_bytes(
        &mut Midi1ToMidi2::new(),
        &[
            (0, &[0xB0, 0x00, 0x01]),
            (0, &[0xC0, 0x00]),
            (0, &[0xB0, 0x79, 0x00]),
            (0, &[0xB0, 0x20, 0x02]),
            (0, &[0xC0, 0x01]),
        ],
    );
    assert_eq!(
        out,
        [
            ump(&[0x40C0_0001, 0x0000_0100]),
            ump(&[0x40B0_7900, 0x0000_0000]),
            ump(&[0x40C0_0001, 0x0100_0102]),
        ]
    );
}

#[test]
fn kept_banks_stay_on_their_own_group_and_channel() {
    let out = up_bytes(
        &mut Midi1ToMidi2::new(),
        &[
            (0, &[0xB0, 0x00, 0x01]),
            (0, &[0xC0, 0x00]),
            (0, &[0xB1, 0x20, 0x02]),
            (0, &[0xC1, 0x00]),
            (2, &[0xB0, 0x20, 0x03]),
            (2, &[0xC0, 0x00]),
            (0, &[0xB0, 0x20, 0x04]),
            (0, &[0xC0, 0x00]),
        ],
    );
    assert_eq!(
        out,
        [
            ump(&[0x40C0_0001, 0x0000_0100]),
            ump(&[0x40C1_0001, 0x0000_0002]),
            ump(&[0x42C0_0001, 0x0000_0003]),
            ump(&[0x40C0_0001, 0x0000_0104]),
        ]
    );
}

// SysEx7 packets: 0x3 | group | status << 4 | byte count, then up to six
// data bytes; status 0 complete, 1 start, 2 continue, 3 end.

fn bytes_to_packets(bytes: &[u8]) -> Vec<Ump> {
    let mut to_ump = Midi1ToUmp::new(0).unwrap();
    let mut packets = Vec::new();
    to_ump.parse(bytes, |p| packets.push(p));
    to_ump.finish(|p| packets.push(p));
    packets
}

const CLOCK: [u32; 1] = [0x10F8_0000];

#[test]
fn a_real_time_byte_comes_after_the_sysex_packet_completed_before_it() {
    let packets = bytes_to_packets(&[0xF0, 1, 2, 3, 4, 5, 6, 7, 0xF8, 0xF7]);
    assert_eq!(
        packets,
        [
            ump(&[0x3016_0102, 0x0304_0506]),
            ump(&CLOCK),
            ump(&[0x3031_0700, 0]),
        ]
    );
}

#[test]
fn a_real_time_byte_at_each_place_in_the_first_packet() {
    let start = ump(&[0x3016_0102, 0x0304_0506]);
    let end = ump(&[0x3034_0708, 0x090A_0000]);
    for k in 0..=10 {
        let mut bytes = vec![0xF0];
        bytes.extend(1..=10u8);
        bytes.push(0xF7);
        bytes.insert(1 + k, 0xF8);
        let expected = if k < 6 {
            // The first packet's sixth byte came after the clock.
            [ump(&CLOCK), start, end]
        } else {
            [start, ump(&CLOCK), end]
        };
        assert_eq!(bytes_to_packets(&bytes), expected, "clock after {k} bytes");
    }
}

#[test]
fn a_real_time_byte_right_after_a_full_last_packet_leaves_an_empty_end() {
    for k in 0..=6 {
        let mut bytes = vec![0xF0, 1, 2, 3, 4, 5, 6, 0xF7];
        bytes.insert(1 + k, 0xF8);
        let expected = if k < 6 {
            vec![ump(&CLOCK), ump(&[0x3006_0102, 0x0304_0506])]
        } else {
            // bbx_midi's choice: the six bytes came before the clock, which
            // cannot wait to learn whether they are the last, so they go
            // out as a start and the 0xF7 ends the message with an empty
            // end packet.
            vec![
                ump(&[0x3016_0102, 0x0304_0506]),
                ump(&CLOCK),
                ump(&[0x3030_0000, 0]),
            ]
        };
        assert_eq!(bytes_to_packets(&bytes), expected, "clock after {k} bytes");
    }
}

#[test]
fn several_real_time_bytes_keep_their_order_and_their_place() {
    let packets = bytes_to_packets(&[
        0xF0, 0xFA, 1, 2, 3, 4, 5, 6, 0xF8, 0xFE, 7, 8, 0xF8, 0xF7, 0xFC,
    ]);
    assert_eq!(
        packets,
        [
            ump(&[0x10FA_0000]),
            ump(&[0x3016_0102, 0x0304_0506]),
            ump(&CLOCK),
            ump(&[0x10FE_0000]),
            ump(&CLOCK),
            ump(&[0x3032_0708, 0]),
            ump(&[0x10FC_0000]),
        ]
    );
}

#[test]
fn an_undefined_real_time_byte_is_skipped_and_splits_nothing() {
    let mut to_ump = Midi1ToUmp::new(0).unwrap();
    let mut packets = Vec::new();
    to_ump.parse(&[0xF0, 1, 2, 3, 4, 5, 6, 0xF9, 0xF7], |p| packets.push(p));
    assert_eq!(packets, [ump(&[0x3006_0102, 0x0304_0506])]);
    assert_eq!(to_ump.stats().undefined_status_bytes, 1);
}

/// For every SysEx of 0 to 20 data bytes and every place of one or two
/// real-time bytes in it: the packets before each real-time packet are
/// exactly the full six-byte packets whose bytes all came before it,
/// marked start or continue; the SysEx7 packets are the ones
/// `SysEx7Packets` makes, but for an empty end when a real-time byte sits
/// between a full last packet and the 0xF7; and the data joins back.
#[test]
fn real_time_bytes_anywhere_in_a_sysex_keep_the_order_of_arrival() {
    for len in 0..=20usize {
        let data: Vec<u8> = (1..=len as u8).collect();
        let canonical: Vec<Ump> = SysEx7Packets::new(&[&[0xF0][..], &data, &[0xF7]].concat(), 0)
            .unwrap()
            .collect();
        for first in 0..=len {
            for second in first..=len {
                let mut bytes = vec![0xF0];
                for (i, byte) in data.iter().enumerate() {
                    if i == first {
                        bytes.push(0xF8);
                    }
                    if i == second {
                        bytes.push(0xFE);
                    }
                    bytes.push(*byte);
                }
                if first == len {
                    bytes.push(0xF8);
                }
                if second == len {
                    bytes.push(0xFE);
                }
                bytes.push(0xF7);
                let packets = bytes_to_packets(&bytes);
                let context = format!("{len} bytes, real time after {first} and {second}");
                for (word, after) in [(0x10F8_0000, first), (0x10FE_0000, second)] {
                    let at = packets.iter().position(|p| p.words() == [word]).unwrap();
                    let before: Vec<SysEx7> = packets[..at]
                        .iter()
                        .filter_map(|p| SysEx7::try_from(*p).ok())
                        .collect();
                    assert_eq!(before.len(), after / 6, "{context}");
                    for (i, packet) in before.iter().enumerate() {
                        let status = if i == 0 {
                            SysExStatus::Start
                        } else {
                            SysExStatus::Continue
                        };
                        assert_eq!(packet.status(), status, "{context}");
                        assert_eq!(packet.data().len(), 6, "{context}");
                    }
                }
                let sysex: Vec<Ump> = packets
                    .iter()
                    .copied()
                    .filter(|p| p.message_type() == 0x3)
                    .collect();
                if second == len && len > 0 && len % 6 == 0 {
                    let mut expected = canonical.clone();
                    let last = expected.pop().unwrap();
                    let last_data = SysEx7::try_from(last).unwrap().data().to_vec();
                    let status = if expected.is_empty() {
                        SysExStatus::Start
                    } else {
                        SysExStatus::Continue
                    };
                    expected.push(SysEx7::new(0, status, &last_data).unwrap().packet());
                    expected.push(SysEx7::new(0, SysExStatus::End, &[]).unwrap().packet());
                    assert_eq!(sysex, expected, "{context}");
                } else {
                    assert_eq!(sysex, canonical, "{context}");
                }
                let mut to_bytes = UmpToMidi1::<64>::new();
                let mut joined = Vec::new();
                for p in &sysex {
                    to_bytes.push(*p, |_, event| joined.extend_from_slice(event.as_bytes()));
                }
                assert_eq!(joined[1..joined.len() - 1], data[..], "{context}");
            }
        }
    }
}
