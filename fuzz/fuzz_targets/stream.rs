//! A `MidiStream` source fed arbitrary bytes as a MIDI driver's deliveries.
#![no_main]

#[allow(dead_code, reason = "each target uses part of the shared properties")]
#[path = "../../tests/support/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::check_stream(data));
