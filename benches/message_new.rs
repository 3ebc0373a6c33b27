//! What `MidiMessage::new` costs a producer that fills a block of 64
//! messages, in the two ways it is called:
//!
//! * **status known where it is called**, as in
//!   `MidiMessage::new([0x90 | channel, note, velocity])` (a sequencer, an
//!   on-screen keyboard, the benchmarks' `note_bytes`). The lookup's index
//!   is then a constant and the call folds into shifts and ors; compared
//!   with filling raw `[u8; 3]` the same way, which is what users of the
//!   byte queues write;
//! * **status known only at run time** (bytes from another API): a block of
//!   pseudo-random statuses `0x80..=0xFF` with data bytes below `0x80`.
//!   Compared with a model of the plain 256-entry lookup `new` made before
//!   it dropped the channel from the index (its stored form as a `u32`).
//!
//! Every round runs each fill once, in a rotating order; prints the median
//! ns per message of each and the median of the per-round ratios.
//!
//! ```text
//! cargo bench -p bbx_midi_benches --bench message_new     # about 10 s
//! ```

use std::hint::black_box;
use std::time::Instant;

use bbx_midi::MidiMessage;

mod common;
use common::{median, note_bytes};

const BLOCK: usize = 64;

/// The plain lookup: for each status, the stored form's mask (length in
/// the top byte, the wire bytes below it), built from `new` itself.
fn table() -> [u32; 256] {
    let mut table = [0; 256];
    for (status, entry) in table.iter_mut().enumerate() {
        let msg = MidiMessage::new([status as u8, 0, 0]);
        let len = msg.as_bytes().len() as u32;
        if len > 0 {
            *entry = len << 24 | ((1u64 << (8 * len)) - 1) as u32;
        }
    }
    table
}

#[inline(never)]
fn known_typed(out: &mut [MidiMessage; BLOCK], first: u32) {
    for (i, msg) in out.iter_mut().enumerate() {
        *msg = MidiMessage::new(note_bytes(first.wrapping_add(i as u32)));
    }
}

#[inline(never)]
fn known_raw(out: &mut [[u8; 3]; BLOCK], first: u32) {
    for (i, bytes) in out.iter_mut().enumerate() {
        *bytes = note_bytes(first.wrapping_add(i as u32));
    }
}

#[inline(never)]
fn runtime_typed(out: &mut [MidiMessage; BLOCK], input: &[[u8; 3]; BLOCK]) {
    for (msg, &bytes) in out.iter_mut().zip(input) {
        *msg = MidiMessage::new(bytes);
    }
}

#[inline(never)]
fn runtime_table(out: &mut [u32; BLOCK], input: &[[u8; 3]; BLOCK], table: &[u32; 256]) {
    for (stored, &[status, data1, data2]) in out.iter_mut().zip(input) {
        let word = u32::from_le_bytes([status, data1, data2, 0xFF]) & table[status as usize];
        *stored = if word & 0x0080_8000 != 0 { 0 } else { word };
    }
}

/// Seconds for `blocks` calls of `fill`.
fn time(blocks: u32, mut fill: impl FnMut(u32)) -> f64 {
    let start = Instant::now();
    for block in 0..blocks {
        fill(block.wrapping_mul(BLOCK as u32));
    }
    start.elapsed().as_secs_f64()
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let (rounds, blocks) = if quick { (3, 10_000) } else { (41, 1_000_000) };
    let table = table();
    let mut input = [[0u8; 3]; BLOCK];
    let mut x = 0x2545_F491_u32;
    for bytes in &mut input {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let [_, a, b, c] = x.to_le_bytes();
        *bytes = [c | 0x80, a & 0x7F, b & 0x7F];
    }
    // The model and `new` must agree, or the comparison means nothing.
    for bytes in &input {
        let mut one = [0; BLOCK];
        runtime_table(&mut one, &[*bytes; BLOCK], &table);
        let msg = MidiMessage::new(*bytes);
        let mut stored = [0u8; 4];
        stored[..msg.as_bytes().len()].copy_from_slice(msg.as_bytes());
        stored[3] = msg.as_bytes().len() as u8;
        assert_eq!(one[0], u32::from_le_bytes(stored), "{bytes:02X?}");
    }

    let mut typed = [MidiMessage::INVALID; BLOCK];
    let mut raw = [[0u8; 3]; BLOCK];
    let mut words = [0u32; BLOCK];
    let mut ns = [const { Vec::new() }; 4];
    let (mut known_ratio, mut runtime_ratio) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut t = [0.0; 4];
        for turn in 0..4 {
            let which = (round + turn) % 4;
            t[which] = match which {
                0 => time(blocks, |first| known_typed(black_box(&mut typed), first)),
                1 => time(blocks, |first| known_raw(black_box(&mut raw), first)),
                2 => time(blocks, |_| {
                    runtime_typed(black_box(&mut typed), black_box(&input))
                }),
                _ => time(blocks, |_| {
                    runtime_table(black_box(&mut words), black_box(&input), &table)
                }),
            };
        }
        for (seconds, all) in t.iter().zip(&mut ns) {
            all.push(seconds * 1e9 / (f64::from(blocks) * BLOCK as f64));
        }
        known_ratio.push(t[1] / t[0]);
        runtime_ratio.push(t[3] / t[2]);
    }
    let names = [
        "new, status known where called",
        "raw [u8; 3], the same bytes",
        "new, status known at run time",
        "plain 256-entry lookup (model)",
    ];
    println!("filling {BLOCK}-message blocks, {rounds} rounds of {blocks} blocks:");
    for (name, all) in names.iter().zip(&mut ns) {
        println!("  {name:<32} {:.3} ns/msg (median)", median(all));
    }
    println!(
        "  known status: new / raw bytes, speed: median {:.2}×",
        median(&mut known_ratio)
    );
    println!(
        "  run-time status: new / plain lookup, speed: median {:.2}×",
        median(&mut runtime_ratio)
    );
}
