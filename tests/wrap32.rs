//! On a 32-bit target the ring buffer's counters are 32 bits wide: pass more
//! than 2³² messages through one `midi_buffer` and check that every one
//! arrives, in order, with `len` and `slots` right on both sides of the
//! wrap-around. (On 64-bit targets the wrap is exercised by the unit tests
//! in `src/spsc.rs`, which start the counters near `usize::MAX`.)
//!
//! Takes about a minute; CI runs it with
//! `cargo test --profile wrap-test --target i686-unknown-linux-gnu --test wrap32`.
#![cfg(target_pointer_width = "32")]

use bbx_midi::{MidiMessage, midi_buffer};

/// 2³² plus a margin, so the counters wrap and keep going.
const TOTAL: u64 = (1 << 32) + (1 << 20);

/// 2¹⁸ distinct messages: sequence number `n` is `TABLE[n % 2¹⁸]`.
fn table() -> Vec<MidiMessage> {
    (0..1u32 << 18)
        .map(|s| {
            MidiMessage::note_on((s >> 14) as u8, ((s >> 7) & 0x7F) as u8, (s & 0x7F) as u8)
                .unwrap()
        })
        .collect()
}

#[test]
fn more_than_two_to_the_32_messages_arrive_in_order() {
    let table = table();
    let mask = table.len() as u64 - 1;
    // Not a power of two: slot positions and counter wrap do not line up.
    let capacity = 100;
    let (mut producer, mut consumer) = midi_buffer(capacity);
    let mut block = [MidiMessage::INVALID; 64];
    let (mut sent, mut received) = (0u64, 0u64);
    while received < TOTAL {
        while sent < TOTAL && producer.try_send(table[(sent & mask) as usize]) {
            sent += 1;
        }
        let in_flight = (sent - received) as usize;
        assert_eq!(consumer.len(), in_flight, "after {received} messages");
        assert_eq!(
            producer.slots(),
            capacity - in_flight,
            "after {received} messages"
        );
        let n = consumer.pop_into(&mut block);
        for msg in &block[..n] {
            assert_eq!(
                *msg,
                table[(received & mask) as usize],
                "message {received}"
            );
            received += 1;
        }
        if let Some(msg) = consumer.try_pop() {
            assert_eq!(msg, table[(received & mask) as usize], "message {received}");
            received += 1;
        }
    }
    assert_eq!(sent, TOTAL);
    assert!(consumer.is_empty());
    assert_eq!(producer.slots(), capacity);
}
