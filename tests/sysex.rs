//! `midi_sysex_buffer`: SysEx and short messages, whole and in order.

use std::thread;

use bbx_midi::{MidiError, MidiMessage, Received, SendError, midi_sysex_buffer};

fn note(n: u8) -> MidiMessage {
    MidiMessage::note_on(0, n, 100).unwrap()
}

/// A SysEx message of `len` bytes in all, its data counting from `seed`.
fn sysex(len: usize, seed: u8) -> Vec<u8> {
    assert!(len >= 2);
    let mut bytes = vec![0xF0];
    bytes.extend((0..len - 2).map(|i| (seed as usize + i) as u8 & 0x7F));
    bytes.push(0xF7);
    bytes
}

/// What the consumer received, owned, for comparisons.
#[derive(Debug, PartialEq)]
enum Got {
    Message(MidiMessage),
    SysEx(Vec<u8>),
    TooLarge(usize),
}

fn recv_all(consumer: &mut bbx_midi::MidiSysExConsumer, buf: &mut [u8]) -> Vec<Got> {
    let mut got = Vec::new();
    while let Some(received) = consumer.try_recv(buf) {
        got.push(match received {
            Received::Message(m) => Got::Message(m),
            Received::SysEx(bytes) => Got::SysEx(bytes.to_vec()),
            Received::SysExTooLarge { len } => Got::TooLarge(len),
        });
    }
    got
}

#[test]
fn short_messages_and_sysex_come_out_in_the_order_sent() {
    let (mut producer, mut consumer) = midi_sysex_buffer(16, 256);
    assert!(producer.try_send(note(60)));
    producer.try_send_sysex(&sysex(10, 1)).unwrap();
    assert!(producer.try_send(note(61)));
    producer.try_send_sysex(&sysex(2, 0)).unwrap();
    producer.try_send_sysex(&sysex(5, 9)).unwrap();
    assert!(producer.try_send(note(62)));
    let mut buf = [0u8; 256];
    assert_eq!(
        recv_all(&mut consumer, &mut buf),
        [
            Got::Message(note(60)),
            Got::SysEx(sysex(10, 1)),
            Got::Message(note(61)),
            Got::SysEx(sysex(2, 0)),
            Got::SysEx(sysex(5, 9)),
            Got::Message(note(62)),
        ]
    );
}

#[test]
fn a_sysex_longer_than_the_capacity_is_refused_and_nothing_is_sent() {
    let (mut producer, mut consumer) = midi_sysex_buffer(4, 8);
    assert_eq!(
        producer.try_send_sysex(&sysex(9, 0)),
        Err(SendError::TooLarge { len: 9, max: 8 })
    );
    assert!(consumer.is_empty());
    assert_eq!(producer.sysex_slots(), 8);
    producer.try_send_sysex(&sysex(8, 0)).unwrap();
    assert_eq!(
        recv_all(&mut consumer, &mut [0; 8]),
        [Got::SysEx(sysex(8, 0))]
    );
}

#[test]
fn a_sysex_without_room_now_is_refused_whole() {
    let (mut producer, mut consumer) = midi_sysex_buffer(4, 10);
    producer.try_send_sysex(&sysex(6, 1)).unwrap();
    assert_eq!(producer.try_send_sysex(&sysex(5, 2)), Err(SendError::Full));
    assert_eq!(
        producer.sysex_slots(),
        4,
        "no byte of the refused one written"
    );
    assert_eq!(
        recv_all(&mut consumer, &mut [0; 10]),
        [Got::SysEx(sysex(6, 1))]
    );
    producer.try_send_sysex(&sysex(5, 2)).unwrap();
    assert_eq!(
        recv_all(&mut consumer, &mut [0; 10]),
        [Got::SysEx(sysex(5, 2))]
    );
}

#[test]
fn a_sysex_without_a_free_entry_is_refused_whole() {
    let (mut producer, mut consumer) = midi_sysex_buffer(1, 64);
    assert!(producer.try_send(note(1)));
    assert!(producer.is_full());
    assert_eq!(producer.try_send_sysex(&sysex(4, 0)), Err(SendError::Full));
    assert_eq!(producer.sysex_slots(), 64);
    assert_eq!(
        recv_all(&mut consumer, &mut [0; 64]),
        [Got::Message(note(1))]
    );
}

#[test]
fn malformed_sysex_is_refused_with_the_reason() {
    let (mut producer, consumer) = midi_sysex_buffer(4, 64);
    let cases: [(&[u8], MidiError); 5] = [
        (&[], MidiError::NotSysEx { first: None }),
        (&[0x90, 1, 0xF7], MidiError::NotSysEx { first: Some(0x90) }),
        (&[0xF0], MidiError::UnterminatedSysEx { len: 1 }),
        (&[0xF0, 1, 2], MidiError::UnterminatedSysEx { len: 3 }),
        (
            &[0xF0, 1, 0xF8, 2, 0xF7],
            MidiError::InvalidDataByte {
                index: 2,
                byte: 0xF8,
            },
        ),
    ];
    for (bytes, err) in cases {
        assert_eq!(
            producer.try_send_sysex(bytes),
            Err(SendError::Invalid(err)),
            "{bytes:02X?}"
        );
    }
    assert!(consumer.is_empty());
}

#[test]
fn try_send_bytes_takes_short_messages_and_sysex() {
    let (mut producer, mut consumer) = midi_sysex_buffer(8, 64);
    producer.try_send_bytes(&[0x80, 60, 0]).unwrap();
    producer.try_send_bytes(&sysex(4, 3)).unwrap();
    producer.try_send_bytes(&[0xF8]).unwrap();
    assert_eq!(
        producer.try_send_bytes(&[0x3C]),
        Err(SendError::Invalid(MidiError::MissingStatus { byte: 0x3C }))
    );
    assert_eq!(
        producer.try_send_bytes(&[0xF0, 1]),
        Err(SendError::Invalid(MidiError::UnterminatedSysEx { len: 2 }))
    );
    assert_eq!(
        recv_all(&mut consumer, &mut [0; 64]),
        [
            Got::Message(MidiMessage::new([0x80, 60, 0])),
            Got::SysEx(sysex(4, 3)),
            Got::Message(MidiMessage::TIMING_CLOCK),
        ]
    );
}

#[test]
fn try_send_bytes_reports_full_for_short_messages() {
    let (mut producer, _consumer) = midi_sysex_buffer(1, 8);
    producer.try_send_bytes(&[0xFA]).unwrap();
    assert_eq!(producer.try_send_bytes(&[0xFC]), Err(SendError::Full));
}

#[test]
fn a_sysex_that_does_not_fit_the_slice_is_reported_and_skipped() {
    let (mut producer, mut consumer) = midi_sysex_buffer(8, 300);
    producer.try_send_sysex(&sysex(200, 0)).unwrap();
    assert!(producer.try_send(note(5)));
    producer.try_send_sysex(&sysex(3, 7)).unwrap();
    assert_eq!(
        recv_all(&mut consumer, &mut [0; 16]),
        [
            Got::TooLarge(200),
            Got::Message(note(5)),
            Got::SysEx(sysex(3, 7)),
        ]
    );
    assert_eq!(producer.sysex_slots(), 300, "the skipped bytes were freed");
}

#[test]
fn the_sysex_ring_wraps_around_many_times() {
    let (mut producer, mut consumer) = midi_sysex_buffer(4, 37);
    let mut buf = [0u8; 37];
    for round in 0..500usize {
        let len = 2 + round % 30;
        producer.try_send_sysex(&sysex(len, round as u8)).unwrap();
        assert!(producer.try_send(note((round % 128) as u8)));
        assert_eq!(
            recv_all(&mut consumer, &mut buf),
            [
                Got::SysEx(sysex(len, round as u8)),
                Got::Message(note((round % 128) as u8)),
            ],
            "round {round}"
        );
    }
}

#[test]
fn capacities_and_counts_are_reported() {
    let (mut producer, consumer) = midi_sysex_buffer(3, 100);
    assert_eq!(producer.capacity(), 3);
    assert_eq!(consumer.capacity(), 3);
    assert_eq!(producer.sysex_capacity(), 100);
    assert_eq!(consumer.sysex_capacity(), 100);
    producer.try_send_sysex(&sysex(10, 0)).unwrap();
    producer.try_send(note(1));
    assert_eq!(consumer.len(), 2);
    assert_eq!(producer.sysex_slots(), 90);
    assert!(!producer.is_abandoned() && !consumer.is_abandoned());
    drop(consumer);
    assert!(producer.is_abandoned());
}

#[test]
#[should_panic(expected = "capacity must be at least 1")]
fn zero_sysex_capacity_panics() {
    let _ = midi_sysex_buffer(4, 0);
}

#[test]
fn errors_say_what_went_wrong() {
    assert_eq!(
        SendError::Full.to_string(),
        "MIDI buffer full, message not sent"
    );
    assert_eq!(
        SendError::TooLarge { len: 9, max: 8 }.to_string(),
        "System Exclusive of 9 bytes exceeds the buffer's 8-byte SysEx capacity"
    );
    let invalid = SendError::Invalid(MidiError::UnterminatedSysEx { len: 3 });
    assert_eq!(
        invalid.to_string(),
        "not a MIDI message: System Exclusive of 3 bytes does not end with 0xf7"
    );
    let err: &dyn std::error::Error = &invalid;
    assert!(err.source().is_some());
    assert_eq!(
        MidiError::NotSysEx { first: None }.to_string(),
        "System Exclusive must start with 0xf0, found nothing"
    );
    assert_eq!(
        MidiError::NotSysEx { first: Some(0x90) }.to_string(),
        "System Exclusive must start with 0xf0, found 0x90"
    );
    assert_eq!(
        MidiError::Invalid.to_string(),
        "MidiMessage::INVALID has no MIDI bytes"
    );
}

/// Messages per run natively; Miri is ~10⁵ times slower.
const MESSAGES: usize = if cfg!(miri) { 300 } else { 200_000 };

#[test]
fn two_threads_keep_order_and_content() {
    let (mut producer, mut consumer) = midi_sysex_buffer(64, 512);
    let sender = thread::spawn(move || {
        for i in 0..MESSAGES {
            loop {
                let result = if i % 3 == 0 {
                    producer.try_send_sysex(&sysex(2 + i % 97, i as u8))
                } else if producer.try_send(note((i % 128) as u8)) {
                    Ok(())
                } else {
                    Err(SendError::Full)
                };
                match result {
                    Ok(()) => break,
                    Err(SendError::Full) => thread::yield_now(),
                    Err(err) => panic!("message {i}: {err}"),
                }
            }
        }
    });
    let mut buf = [0u8; 512];
    let mut i = 0;
    while i < MESSAGES {
        match consumer.try_recv(&mut buf) {
            Some(Received::SysEx(bytes)) => {
                assert_eq!(i % 3, 0, "message {i}");
                assert_eq!(bytes, &sysex(2 + i % 97, i as u8)[..], "message {i}");
                i += 1;
            }
            Some(Received::Message(m)) => {
                assert_eq!(m, note((i % 128) as u8), "message {i}");
                i += 1;
            }
            Some(Received::SysExTooLarge { len }) => panic!("message {i}: {len} bytes too large"),
            None => thread::yield_now(),
        }
    }
    sender.join().unwrap();
    assert!(consumer.try_recv(&mut buf).is_none());
}

#[test]
fn sysex_producers_count_refusals_unless_they_retry() {
    let (mut producer, mut consumer) = midi_sysex_buffer(1, 8);
    assert!(producer.try_send(note(1)));
    assert!(!producer.try_send(note(2)));
    assert_eq!(producer.try_send_sysex(&sysex(3, 0)), Err(SendError::Full));
    assert_eq!(producer.try_push(note(3)), Err(note(3)));
    assert_eq!(
        producer.dropped(),
        2,
        "try_send and try_send_sysex count, try_push does not"
    );
    assert_eq!(consumer.take_dropped(), 2);
    producer.add_dropped(1);
    assert_eq!(consumer.take_dropped(), 1);
}
