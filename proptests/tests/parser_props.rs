//! Properties of the stream parser over random byte streams (the same ones
//! the fuzz target checks, in `tests/support/properties.rs`): it never
//! panics, what it delivers is well formed and re-encodes to itself, every
//! data byte is accounted for, and neither the chunk size nor the way the
//! input is split changes what comes out.

mod strategies;
#[allow(
    dead_code,
    reason = "each test file uses part of the shared support code"
)]
#[path = "../../tests/support/mod.rs"]
mod support;

use proptest::collection::vec;
use proptest::prelude::*;
use support::properties::{check_parser, collect};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 2000 }))]

    #[test]
    fn every_stream_keeps_the_properties(bytes in vec(strategies::midi_byte(), 0..200)) {
        check_parser(&bytes);
    }

    #[test]
    fn splitting_the_input_anywhere_does_not_change_the_events(
        bytes in vec(strategies::midi_byte(), 0..120),
        cuts in vec(0usize..120, 0..6),
    ) {
        let (whole, whole_stats) = collect::<3>(&[&bytes]);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
        cuts.sort_unstable();
        let mut pieces = Vec::new();
        let mut from = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            pieces.push(&bytes[from..cut]);
            from = cut;
        }
        let (split, split_stats) = collect::<3>(&pieces);
        prop_assert_eq!(split, whole);
        prop_assert_eq!(split_stats, whole_stats);
    }
}
