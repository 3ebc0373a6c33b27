//! Loom model of the typed layer: `midi_buffer` adds no synchronisation of
//! its own, so its guarantees are the ring buffer's; this checks the wiring.
#![cfg(loom)]

use bbx_midi::{MidiMessage, midi_buffer};
use bbx_midi_loom_tests::explore;
use loom::thread;

#[test]
fn messages_arrive_in_order_through_pop_into() {
    explore(Some(4), || {
        let (mut producer, mut consumer) = midi_buffer(2);
        let sent: Vec<MidiMessage> = (60..64)
            .map(|note| MidiMessage::note_on(0, note, 100).unwrap())
            .collect();
        let to_send = sent.clone();
        let sender = thread::spawn(move || {
            for msg in to_send {
                while producer.try_push(msg).is_err() {
                    assert!(producer.is_full() || producer.slots() > 0);
                    thread::yield_now();
                }
            }
        });
        let mut received = Vec::new();
        let mut block = [MidiMessage::INVALID; 3];
        while received.len() < sent.len() {
            let n = consumer.pop_into(&mut block);
            if n == 0 {
                thread::yield_now();
            }
            received.extend_from_slice(&block[..n]);
        }
        sender.join().unwrap();
        assert_eq!(received, sent);
        assert!(consumer.is_empty() && consumer.is_abandoned());
    });
}
