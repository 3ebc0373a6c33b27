//! `midi_buffer` and its two ends, on one thread.

#[allow(
    dead_code,
    reason = "each test file uses part of the shared support code"
)]
mod support;

use bbx_midi::{MidiError, MidiMessage, SendError, StaticMidiBuffer, midi_buffer};
use support::Notes;

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
fn invalid_is_refused_and_not_counted() {
    let (mut producer, mut consumer) = midi_buffer(2);
    let not_a_message = MidiMessage::new([0xF0, 0x01, 0xF7]);
    assert!(!producer.try_send(not_a_message));
    assert_eq!(producer.try_push(not_a_message), Err(MidiMessage::INVALID));
    assert_eq!(producer.dropped(), 0);
    assert_eq!(consumer.take_dropped(), 0);
    assert_eq!(consumer.try_pop(), None);
    assert_eq!(producer.slots(), 2, "no slot was used");
}

#[test]
fn an_invalid_message_ends_a_slice() {
    let (mut producer, mut consumer) = midi_buffer(8);
    let slice = [note(1), note(2), MidiMessage::INVALID, note(3)];
    assert_eq!(producer.try_send_slice(&slice), 2);
    assert_eq!(producer.try_push_slice(&slice[2..]), 0);
    assert_eq!(producer.dropped(), 0);
    let mut out = [MidiMessage::INVALID; 8];
    assert_eq!(consumer.pop_into(&mut out), 2);
    assert_eq!(&out[..2], &[note(1), note(2)]);
}

#[test]
fn an_invalid_message_ends_a_slice_wherever_it_stands() {
    // The `INVALID` at every position of a slice longer than a cache line
    // of messages, and nowhere: the prefix before it is sent, nothing after
    // it, whatever way the search for it is written. The valid messages
    // take every length, with data bytes up to 0x7F, for a search that
    // tests the stored bytes as words.
    const LEN: usize = 53;
    let valid = [
        note(7),
        MidiMessage::new([0xC3, 0x7F, 0]),
        MidiMessage::TIMING_CLOCK,
        MidiMessage::new([0x9F, 0x7F, 0x7F]),
    ];
    for at in 0..=LEN {
        let mut slice: [MidiMessage; LEN] = core::array::from_fn(|i| valid[i % valid.len()]);
        if at < LEN {
            slice[at] = MidiMessage::INVALID;
        }
        let (mut producer, consumer) = midi_buffer(64);
        assert_eq!(producer.try_send_slice(&slice), at, "INVALID at {at}");
        let (mut retrying, _rx) = midi_buffer(64);
        assert_eq!(retrying.try_push_slice(&slice), at, "INVALID at {at}");
        assert_eq!(consumer.len(), at);
        assert_eq!(producer.dropped(), 0);
    }
}

#[test]
fn try_send_bytes_parses_strictly_and_counts_only_lack_of_room() {
    let (mut producer, mut consumer) = midi_buffer(1);
    assert_eq!(
        producer.try_send_bytes(&[0x90, 60]),
        Err(SendError::Invalid(MidiError::TooShort {
            status: 0x90,
            expected: 3,
            found: 2
        }))
    );
    assert_eq!(
        producer.try_send_bytes(&[0xF0, 0x7E, 0xF7]),
        Err(SendError::Invalid(MidiError::SysEx { status: 0xF0 }))
    );
    assert_eq!(producer.try_send_bytes(&[0x90, 60, 100]), Ok(()));
    assert_eq!(producer.try_push_bytes(&[0xF8]), Err(SendError::Full));
    assert_eq!(producer.dropped(), 0, "try_push_bytes counts nothing");
    assert_eq!(producer.try_send_bytes(&[0xF8]), Err(SendError::Full));
    assert_eq!(producer.dropped(), 1);
    assert_eq!(consumer.try_pop(), Some(note(60)));
    assert_eq!(consumer.take_dropped(), 1);
}

#[test]
fn try_push_slice_leaves_the_rest_with_the_caller_uncounted() {
    let (mut producer, mut consumer) = midi_buffer(3);
    let chord: Vec<_> = (1..=5).map(note).collect();
    let sent = producer.try_push_slice(&chord);
    assert_eq!(sent, 3);
    assert_eq!(consumer.take_dropped(), 0);
    consumer.try_pop();
    consumer.try_pop();
    assert_eq!(producer.try_push_slice(&chord[sent..]), 2);
    let mut out = [MidiMessage::INVALID; 3];
    assert_eq!(consumer.pop_into(&mut out), 3);
    assert_eq!(out, [note(3), note(4), note(5)]);
    assert_eq!(consumer.take_dropped(), 0);
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

#[test]
fn a_refused_send_is_counted_as_dropped_and_the_consumer_learns_it_once() {
    let (mut producer, mut consumer) = midi_buffer(2);
    assert!(producer.try_send(note(1)));
    assert!(producer.try_send(note(2)));
    for n in 3..8 {
        assert!(!producer.try_send(note(n)));
    }
    assert_eq!(producer.dropped(), 5);
    assert_eq!(consumer.take_dropped(), 5);
    assert_eq!(consumer.take_dropped(), 0);
    assert_eq!(consumer.try_pop(), Some(note(1)), "what was sent is intact");
    assert!(producer.try_send(note(9)));
    assert!(!producer.try_send(note(10)));
    assert_eq!(consumer.take_dropped(), 1);
    assert_eq!(producer.dropped(), 6);
}

#[test]
fn the_unsent_part_of_a_slice_is_counted_as_dropped() {
    let (mut producer, mut consumer) = midi_buffer(3);
    let batch: Vec<MidiMessage> = (0..5).map(note).collect();
    assert_eq!(producer.try_send_slice(&batch), 3);
    assert_eq!(consumer.take_dropped(), 2);
    assert_eq!(producer.try_send_slice(&batch[..0]), 0);
    assert_eq!(consumer.take_dropped(), 0);
}

#[test]
fn release_all_notes_ends_notes_whose_note_off_was_lost() {
    let (mut producer, mut consumer) = midi_buffer(8);
    let mut synth = Notes::default();
    // Pedal down on channel 2, notes on channels 0 and 2, then a flood.
    let sent = [
        MidiMessage::control_change(2, 64, 127).unwrap(),
        MidiMessage::note_on(0, 60, 100).unwrap(),
        MidiMessage::note_on(2, 64, 100).unwrap(),
        MidiMessage::note_on(2, 67, 100).unwrap(),
    ];
    for msg in sent {
        assert!(producer.try_send(msg));
    }
    while let Some(msg) = consumer.try_pop() {
        synth.apply(msg);
    }
    for value in 0..8 {
        producer.try_send(MidiMessage::control_change(0, 1, value).unwrap());
    }
    // The Note Offs and the pedal release are lost in the overflow.
    assert!(!producer.try_send(MidiMessage::note_off(0, 60, 0).unwrap()));
    assert!(!producer.try_send(MidiMessage::note_off(2, 64, 0).unwrap()));
    assert!(!producer.try_send(MidiMessage::control_change(2, 64, 0).unwrap()));
    while let Some(msg) = consumer.try_pop() {
        synth.apply(msg);
    }
    assert_eq!(synth.sounding(), 3, "three notes hang");
    assert_eq!(consumer.take_dropped(), 3);
    for msg in MidiMessage::release_all_notes() {
        synth.apply(msg);
    }
    assert_eq!(synth.sounding(), 0);
}

#[test]
fn all_notes_off_alone_would_leave_pedalled_notes_hanging() {
    let mut synth = Notes::default();
    synth.apply(MidiMessage::control_change(5, 64, 127).unwrap());
    synth.apply(MidiMessage::note_on(5, 50, 90).unwrap());
    synth.apply(MidiMessage::all_notes_off(5).unwrap());
    assert_eq!(synth.sounding(), 1, "the model honours the pedal");
    for msg in MidiMessage::release_all_notes() {
        synth.apply(msg);
    }
    assert_eq!(synth.sounding(), 0);
}

#[test]
fn release_all_notes_covers_every_channel_pedal_first() {
    let release = MidiMessage::release_all_notes();
    for ch in 0..16u8 {
        assert_eq!(
            release[2 * usize::from(ch)],
            MidiMessage::control_change(ch, 64, 0).unwrap()
        );
        assert_eq!(
            release[2 * usize::from(ch) + 1],
            MidiMessage::all_notes_off(ch).unwrap()
        );
    }
}

#[test]
fn try_push_gives_the_message_back_and_counts_nothing() {
    let (mut producer, mut consumer) = midi_buffer(1);
    assert_eq!(producer.try_push(note(1)), Ok(()));
    assert_eq!(producer.try_push(note(2)), Err(note(2)));
    assert_eq!(producer.dropped(), 0);
    assert_eq!(consumer.take_dropped(), 0);
    producer.add_dropped(1); // gave up on it after all
    assert_eq!(consumer.take_dropped(), 1);
    assert_eq!(consumer.try_pop(), Some(note(1)));
}

/// The static buffer runs the same code: the same sends, refusals, counts
/// and order as `midi_buffer`, side by side.
#[test]
fn a_static_buffer_answers_every_call_as_the_heap_one_does() {
    let mut storage = StaticMidiBuffer::<3>::new();
    let (mut heap_tx, mut heap_rx) = midi_buffer(3);
    let (mut static_tx, mut static_rx) = storage.split();
    let mut out_heap = [MidiMessage::INVALID; 4];
    let mut out_static = [MidiMessage::INVALID; 4];
    for round in 0..20u8 {
        let bytes = [0x90, round, 1];
        assert_eq!(
            heap_tx.try_send(note(round)),
            static_tx.try_send(note(round))
        );
        assert_eq!(
            heap_tx.try_send_bytes(&bytes),
            static_tx.try_send_bytes(&bytes)
        );
        assert_eq!(
            heap_tx.try_send(MidiMessage::INVALID),
            static_tx.try_send(MidiMessage::INVALID)
        );
        assert_eq!(heap_tx.is_full(), static_tx.is_full());
        assert_eq!(heap_tx.slots(), static_tx.slots());
        assert_eq!(heap_tx.dropped(), static_tx.dropped());
        assert_eq!(
            heap_rx.take_dropped(),
            static_rx.take_dropped(),
            "round {round}"
        );
        assert_eq!(heap_rx.peek(), static_rx.peek());
        if round % 3 == 0 {
            assert_eq!(heap_rx.try_pop(), static_rx.try_pop());
        }
        let n = usize::from(round % 2);
        assert_eq!(
            heap_rx.pop_into(&mut out_heap[..n]),
            static_rx.pop_into(&mut out_static[..n])
        );
        assert_eq!(out_heap, out_static);
        assert_eq!(heap_rx.len(), static_rx.len());
    }
    assert!(heap_tx.dropped() > 0, "the run filled the buffers");
}

#[test]
fn a_static_buffer_split_again_keeps_its_messages_and_its_loss_reports_once() {
    let mut buffer = StaticMidiBuffer::<2>::new();
    {
        let (mut producer, consumer) = buffer.split();
        assert!(producer.try_send(note(1)));
        assert!(producer.try_send(note(2)));
        assert!(!producer.try_send(note(3)), "full: lost and counted");
        drop(consumer);
        assert!(producer.is_abandoned());
    }
    {
        let (mut producer, mut consumer) = buffer.split();
        assert!(!producer.is_abandoned(), "a new split has both ends again");
        assert_eq!(producer.dropped(), 1, "the producer's total goes on");
        assert_eq!(consumer.take_dropped(), 1);
        assert_eq!(consumer.try_pop(), Some(note(1)));
        assert!(
            producer.try_send(note(4)),
            "the slot freed is reused, across the wrap"
        );
    }
    let (_, mut consumer) = buffer.split();
    assert_eq!(
        consumer.take_dropped(),
        0,
        "a loss taken is not reported again"
    );
    assert_eq!(consumer.try_pop(), Some(note(2)));
    assert_eq!(consumer.try_pop(), Some(note(4)));
    assert_eq!(consumer.try_pop(), None);
}

/// The static buffer's constructor is `const`: it can initialise a `static`.
#[test]
fn a_static_buffer_can_be_a_static() {
    static BUFFER: StaticMidiBuffer<16> = StaticMidiBuffer::new();
    assert_eq!(BUFFER.capacity(), 16);
}

#[test]
#[should_panic(expected = "capacity N must be at least 1, got 0")]
fn a_static_buffer_of_0_messages_panics_at_run_time_too() {
    let _ = StaticMidiBuffer::<0>::new();
}
