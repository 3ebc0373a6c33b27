//! The MIDI 1.0 <-> 2.0 protocol translators on arbitrary packets.
#![no_main]

#[allow(dead_code, reason = "each target uses part of the shared properties")]
#[path = "../../tests/support/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::check_ump_protocol(data));
