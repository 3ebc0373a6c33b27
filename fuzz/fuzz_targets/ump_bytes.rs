//! MIDI 1.0 bytes to UMP and back (`Midi1ToUmp`, `UmpToMidi1`) on arbitrary bytes.
#![no_main]

#[allow(dead_code, reason = "each target uses part of the shared properties")]
#[path = "../../tests/support/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::check_ump_bytes(data));
