//! Strategies shared by the property tests.

/// MIDI 1.0 bytes biased towards what makes parsers trip: status bytes of
/// every class, SysEx framing and real-time bytes among plain data.
pub fn midi_byte() -> impl proptest::strategy::Strategy<Value = u8> {
    use proptest::prelude::*;
    prop_oneof![
        6 => 0x00u8..0x80,
        2 => 0x80u8..0xF0,
        1 => Just(0xF0u8),
        1 => Just(0xF7u8),
        1 => 0xF1u8..0xF7,
        1 => 0xF8u8..=0xFF,
    ]
}
