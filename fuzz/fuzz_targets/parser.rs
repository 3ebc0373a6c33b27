//! The stream parser on arbitrary byte streams.
#![no_main]

#[allow(dead_code, reason = "each target uses part of the shared properties")]
#[path = "../../tests/support/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::check_parser(data));
