//! `midi_buffer` and its two ends, on one thread.

use bbx_midi::{MidiMessage, midi_buffer};

fn note(n: u8) -> MidiMessage {
    MidiMessage::note_on(0, n, 100).unwrap()
}

#[test]
fn capacity_is_exactly_what_was_asked() {
    let (mut producer, consumer) = midi_buffer(3);
    assert_eq!(producer.capacity(), 3);
    assert_eq!(consumer.capacity(), 3);
    assert!(producer.try_send(note(1)));
    assert!(producer.try_send(note(2)));
    assert!(producer.try_send(note(3)));
    assert!(!producer.try_send(note(4)));
    assert!(producer.is_full());
    assert_eq!(consumer.len(), 3);
}

#[test]
#[should_panic(expected = "capacity must be at least 1")]
fn zero_capacity_panics() {
    let _ = midi_buffer(0);
}

#[test]
fn messages_arrive_in_order_once() {
    let (mut producer, mut consumer) = midi_buffer(4);
    for round in 0..10u8 {
        for i in 0..4 {
            assert!(producer.try_send(note(round * 4 + i)));
        }
        for i in 0..4 {
            assert_eq!(consumer.try_pop(), Some(note(round * 4 + i)));
        }
        assert_eq!(consumer.try_pop(), None);
    }
}

#[test]
fn a_refused_message_is_not_stored() {
    let (mut producer, mut consumer) = midi_buffer(1);
    assert!(producer.try_send(note(1)));
    assert!(!producer.try_send(note(2)));
    assert_eq!(consumer.try_pop(), Some(note(1)));
    assert_eq!(consumer.try_pop(), None);
}

#[test]
fn is_empty_len_and_slots_follow_the_contents() {
    let (mut producer, mut consumer) = midi_buffer(2);
    assert!(consumer.is_empty());
    assert_eq!((consumer.len(), producer.slots()), (0, 2));
    producer.try_send(note(1));
    assert!(!consumer.is_empty());
    assert_eq!((consumer.len(), producer.slots()), (1, 1));
    consumer.try_pop();
    assert!(consumer.is_empty());
    assert_eq!((consumer.len(), producer.slots()), (0, 2));
}

#[test]
fn pop_into_fills_the_front_of_the_slice() {
    let (mut producer, mut consumer) = midi_buffer(8);
    for n in 0..5 {
        producer.try_send(note(n));
    }
    let mut block = [MidiMessage::INVALID; 3];
    assert_eq!(consumer.pop_into(&mut block), 3);
    assert_eq!(block, [note(0), note(1), note(2)]);
    assert_eq!(consumer.pop_into(&mut block), 2);
    assert_eq!(block[..2], [note(3), note(4)]);
    assert_eq!(block[2], note(2), "slots past the count are untouched");
    assert_eq!(consumer.pop_into(&mut block), 0);
}

#[test]
fn drain_into_appends_everything_waiting() {
    let (mut producer, mut consumer) = midi_buffer(200);
    for n in 0..150u8 {
        producer.try_send(note(n % 128));
    }
    let mut messages = vec![MidiMessage::START];
    assert_eq!(consumer.drain_into(&mut messages), 150);
    assert_eq!(messages.len(), 151);
    assert_eq!(messages[0], MidiMessage::START);
    for (i, msg) in messages[1..].iter().enumerate() {
        assert_eq!(*msg, note((i % 128) as u8));
    }
    assert!(consumer.is_empty());
    assert_eq!(consumer.drain_into(&mut messages), 0);
}

#[test]
fn drain_into_works_across_the_wrap_point() {
    let (mut producer, mut consumer) = midi_buffer(5);
    for n in 0..3 {
        producer.try_send(note(n));
    }
    assert_eq!(consumer.pop_into(&mut [MidiMessage::INVALID; 3]), 3);
    for n in 10..15 {
        assert!(producer.try_send(note(n)));
    }
    let mut messages = Vec::new();
    assert_eq!(consumer.drain_into(&mut messages), 5);
    assert_eq!(messages, (10..15).map(note).collect::<Vec<_>>());
}

#[test]
fn invalid_messages_travel_like_any_other() {
    let (mut producer, mut consumer) = midi_buffer(2);
    assert!(producer.try_send(MidiMessage::from(&[0xF0, 0x01, 0xF7][..])));
    let msg = consumer.try_pop().unwrap();
    assert!(!msg.is_valid());
}

#[test]
fn each_end_learns_when_the_other_is_dropped() {
    let (producer, consumer) = midi_buffer(2);
    assert!(!producer.is_abandoned() && !consumer.is_abandoned());
    drop(consumer);
    assert!(producer.is_abandoned());

    let (mut producer, mut consumer) = midi_buffer(2);
    producer.try_send(note(9));
    drop(producer);
    assert!(consumer.is_abandoned());
    assert_eq!(
        consumer.try_pop(),
        Some(note(9)),
        "sent before the drop: still delivered"
    );
}

#[test]
fn debug_output_names_the_ends() {
    let (producer, consumer) = midi_buffer(4);
    assert_eq!(
        format!("{producer:?}"),
        "MidiBufferProducer { producer: Producer { capacity: 4, slots: 4, .. } }"
    );
    assert_eq!(
        format!("{consumer:?}"),
        "MidiBufferConsumer { consumer: Consumer { capacity: 4, len: 0, .. } }"
    );
}

#[test]
fn try_send_slice_sends_what_fits_in_order() {
    let (mut producer, mut consumer) = midi_buffer(5);
    assert!(producer.try_send(note(0)));
    let batch: Vec<MidiMessage> = (1..8).map(note).collect();
    assert_eq!(producer.try_send_slice(&batch), 4);
    assert!(producer.is_full());
    assert_eq!(producer.try_send_slice(&batch), 0);
    let mut received = Vec::new();
    consumer.drain_into(&mut received);
    assert_eq!(received, (0..5).map(note).collect::<Vec<_>>());
    assert_eq!(
        producer.try_send_slice(&batch[4..]),
        3,
        "room again, across the wrap"
    );
    assert_eq!(consumer.pop_into(&mut [MidiMessage::INVALID; 8]), 3);
}
