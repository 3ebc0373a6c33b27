//! The UMP word-stream parser (`UmpReader`, `Ump::parse`, the typed views) on arbitrary words.
#![no_main]

#[allow(dead_code, reason = "each target uses part of the shared properties")]
#[path = "../../tests/support/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::check_ump_words(data));
