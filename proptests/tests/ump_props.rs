//! Properties of the UMP parser and translators over random input (the
//! same ones the fuzz targets check, in `tests/support/properties.rs`):
//! every word stream parses or errs and never panics, every packet
//! re-encodes to its words, the translators never panic and keep what they
//! promise, and SysEx of any length survives bytes → UMP → bytes.

mod strategies;
#[allow(
    dead_code,
    reason = "each test file uses part of the shared support code"
)]
#[path = "../../tests/support/mod.rs"]
mod support;

use bbx_midi::ump::{
    Midi1ToUmp, Midi2ChannelVoice, SysEx7, SysEx7Packets, SysEx8, SysExStatus, Ump, UmpMessage,
    UmpToMidi1,
};
use proptest::collection::vec;
use proptest::prelude::*;
use support::properties::{check_ump_bytes, check_ump_protocol, check_ump_words};

/// Words biased towards every message type and the statuses that matter.
fn word() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => any::<u32>(),
        4 => (0u32..16, 0u32..16, any::<u16>()).prop_map(|(mt, hi, lo)| mt << 28 | hi << 20 | u32::from(lo)),
        2 => (0x80u32..0xF0, 0u32..0x80, 0u32..0x80).prop_map(|(s, a, b)| 0x2000_0000 | s << 16 | a << 8 | b),
        1 => Just(0),
    ]
}

fn words_as_bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 2000 }))]

    #[test]
    fn every_word_stream_parses_or_errs_and_each_packet_reencodes(words in vec(word(), 0..40)) {
        check_ump_words(&words_as_bytes(&words));
    }

    #[test]
    fn every_single_packet_reencodes_to_its_words(mt in 0u32..16, words in vec(any::<u32>(), 4)) {
        let mut words = words;
        words[0] = mt << 28 | words[0] & 0x0FFF_FFFF;
        let packet = Ump::read(&words).unwrap();
        prop_assert_eq!(packet.words(), &words[..packet.len()]);
        prop_assert_eq!(packet.message().packet(), packet);
    }

    #[test]
    fn midi1_bytes_survive_ump_and_back(bytes in vec(strategies::midi_byte(), 0..300)) {
        check_ump_bytes(&bytes);
    }

    #[test]
    fn the_protocol_translators_never_panic_and_keep_their_promises(words in vec(word(), 0..60)) {
        check_ump_protocol(&words_as_bytes(&words));
    }

    #[test]
    fn sysex_of_any_data_comes_back_unchanged(data in vec(0u8..0x80, 0..200), group in 0u8..16) {
        let mut sysex = vec![0xF0];
        sysex.extend(&data);
        sysex.push(0xF7);
        let mut to_ump = Midi1ToUmp::new(group).unwrap();
        let mut streamed = Vec::new();
        to_ump.parse(&sysex, |p| streamed.push(p));
        let packed: Vec<Ump> = SysEx7Packets::new(&sysex, group).unwrap().collect();
        prop_assert_eq!(&streamed, &packed);
        let mut back = Vec::new();
        let mut to_bytes = UmpToMidi1::<256>::new();
        for p in packed {
            to_bytes.push(p, |g, e| {
                assert_eq!(g, group);
                back.extend_from_slice(e.as_bytes());
            });
        }
        prop_assert_eq!(back, sysex);
    }

    #[test]
    fn midi2_constructors_give_back_exactly_their_fields(
        group in 0u8..16, channel in 0u8..16, note in 0u8..128, index in 0u8..128,
        byte in any::<u8>(), velocity in any::<u16>(), attribute in any::<u16>(), value in any::<u32>(),
    ) {
        let on = Midi2ChannelVoice::note_on(group, channel, note, velocity, byte, attribute).unwrap();
        prop_assert_eq!((on.group(), on.channel(), on.note()), (group, channel, Some(note)));
        prop_assert_eq!((on.velocity(), on.attribute_type(), on.attribute()), (Some(velocity), Some(byte), Some(attribute)));
        let rc = Midi2ChannelVoice::assignable_controller(group, channel, note, index, value).unwrap();
        prop_assert_eq!((rc.controller(), rc.value()), (Some((note, index)), Some(value)));
        let pnc = Midi2ChannelVoice::registered_per_note_controller(group, channel, note, byte, value).unwrap();
        prop_assert_eq!((pnc.note(), pnc.index(), pnc.value()), (Some(note), Some(byte), Some(value)));
        let pc = Midi2ChannelVoice::program_change(group, channel, index, Some((note, index))).unwrap();
        prop_assert_eq!((pc.program(), pc.bank()), (Some(index), Some((note, index))));
        for view in [on, rc, pnc, pc] {
            prop_assert_eq!(view.packet().message(), UmpMessage::Midi2ChannelVoice(view));
        }
    }

    #[test]
    fn sysex_packets_give_back_exactly_their_bytes(
        group in 0u8..16, status in 0u8..4, seven in vec(0u8..0x80, 0..=6), eight in vec(any::<u8>(), 0..=13), id in any::<u8>(),
    ) {
        let status = SysExStatus::from_bits(status).unwrap();
        let p7 = SysEx7::new(group, status, &seven).unwrap();
        prop_assert_eq!((p7.group(), p7.status(), &*p7.data()), (group, status, &seven[..]));
        prop_assert_eq!(SysEx7::try_from(p7.packet()), Ok(p7));
        let p8 = SysEx8::new(group, status, id, &eight).unwrap();
        prop_assert_eq!((p8.group(), p8.status(), p8.stream_id(), &*p8.data()), (group, status, id, &eight[..]));
        prop_assert_eq!(SysEx8::try_from(p8.packet()), Ok(p8));
    }
}
