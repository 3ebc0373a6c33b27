//! Replays the inputs kept from fuzzing (`tests/corpus/<target>/`)
//! through the same properties the fuzz targets check.

#[allow(
    dead_code,
    reason = "each test file uses part of the shared support code"
)]
mod support;

use std::fs;
use std::path::Path;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(target);
    let mut inputs: Vec<Vec<u8>> = fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| fs::read(entry.unwrap().path()).unwrap())
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn the_message_corpus_still_holds() {
    let inputs = corpus("message");
    assert!(inputs.len() >= 10, "{} inputs", inputs.len());
    for input in &inputs {
        support::properties::check_message(input);
    }
}

#[test]
fn the_parser_corpus_still_holds() {
    let inputs = corpus("parser");
    assert!(inputs.len() >= 10, "{} inputs", inputs.len());
    for input in &inputs {
        support::properties::check_parser(input);
    }
}

#[test]
fn the_stream_corpus_still_holds() {
    let inputs = corpus("stream");
    assert!(inputs.len() >= 10, "{} inputs", inputs.len());
    for input in &inputs {
        support::properties::check_stream(input);
    }
}

#[test]
fn the_ump_words_corpus_still_holds() {
    let inputs = corpus("ump_words");
    assert!(inputs.len() >= 10, "{} inputs", inputs.len());
    for input in &inputs {
        support::properties::check_ump_words(input);
    }
}

#[test]
fn the_ump_bytes_corpus_still_holds() {
    let inputs = corpus("ump_bytes");
    assert!(inputs.len() >= 10, "{} inputs", inputs.len());
    for input in &inputs {
        support::properties::check_ump_bytes(input);
    }
}

#[test]
fn the_ump_protocol_corpus_still_holds() {
    let inputs = corpus("ump_protocol");
    assert!(inputs.len() >= 10, "{} inputs", inputs.len());
    for input in &inputs {
        support::properties::check_ump_protocol(input);
    }
}
