//! Loom model of `midi_sysex_buffer`: a SysEx's bytes live in a second ring,
//! made visible by the entry ring's happens-before edge. A consumer must see
//! a SysEx whole or not at all, in order with the short messages.
#![cfg(loom)]

use bbx_midi::{MidiMessage, Received, SendError, midi_sysex_buffer};
use bbx_midi_loom_tests::explore;
use loom::thread;

#[test]
fn a_sysex_is_seen_whole_and_in_order() {
    explore(Some(4), || {
        let (mut producer, mut consumer) = midi_sysex_buffer(2, 6);
        let sender = thread::spawn(move || {
            assert!(producer.try_send(MidiMessage::START));
            loop {
                match producer.try_send_sysex(&[0xF0, 1, 2, 0xF7]) {
                    Ok(()) => break,
                    Err(SendError::Full) => thread::yield_now(),
                    Err(err) => panic!("{err}"),
                }
            }
            while producer.try_push(MidiMessage::STOP).is_err() {
                thread::yield_now();
            }
        });
        let mut sysex = [0u8; 6];
        let mut got = Vec::new();
        while got.len() < 3 {
            match consumer.try_recv(&mut sysex) {
                Some(Received::Message(m)) => got.push(m.as_bytes().to_vec()),
                Some(Received::SysEx(bytes)) => got.push(bytes.to_vec()),
                Some(Received::SysExTooLarge { len }) => panic!("too large: {len}"),
                None => thread::yield_now(),
            }
        }
        sender.join().unwrap();
        assert_eq!(got, [vec![0xFA], vec![0xF0, 1, 2, 0xF7], vec![0xFC]]);
    });
}
