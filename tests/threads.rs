//! Two threads, millions of items: nothing lost, nothing duplicated, nothing
//! reordered, at the capacities that stress the full and empty paths hardest.

use std::thread;

#[allow(
    dead_code,
    reason = "each test file uses part of the shared support code"
)]
mod support;

use bbx_midi::spsc::{Consumer, Producer, SpscRingBuffer, StaticRing, Storage};
use bbx_midi::{
    MidiBufferConsumer, MidiBufferProducer, MidiMessage, StaticMidiBuffer, midi_buffer,
};
use support::backoff;

/// Ten million per run natively; Miri is ~10⁵ times slower.
const MESSAGES: u64 = if cfg!(miri) { 1_000 } else { 10_000_000 };

/// Packs the low 18 bits of `seq` into channel, note and velocity, so that
/// the consumer can check every message's position in the sequence.
fn numbered(seq: u64) -> MidiMessage {
    let s = (seq % (1 << 18)) as u32;
    MidiMessage::note_on((s >> 14) as u8, ((s >> 7) & 0x7F) as u8, (s & 0x7F) as u8).unwrap()
}

fn midi_two_threads(capacity: usize) {
    midi_pair_two_threads(midi_buffer(capacity));
}

/// The heap buffer and the static one are the same code over two storages:
/// the same run checks both.
fn midi_pair_two_threads<S: Storage<MidiMessage> + Send>(
    (mut producer, mut consumer): (MidiBufferProducer<S>, MidiBufferConsumer<S>),
) {
    thread::scope(|scope| {
        let sender = scope.spawn(move || {
            for seq in 0..MESSAGES {
                let msg = numbered(seq);
                let mut spins = 0;
                // Retried, not dropped: `try_push` counts nothing.
                while producer.try_push(msg).is_err() {
                    backoff(&mut spins);
                }
            }
            // Dropping the producer tells the consumer that no more will come.
        });
        let mut received = 0u64;
        let mut spins = 0;
        loop {
            match consumer.try_pop() {
                Some(msg) => {
                    assert_eq!(msg, numbered(received), "message {received}");
                    received += 1;
                    spins = 0;
                }
                // Abandoned and then empty: everything sent has been seen.
                None if consumer.is_abandoned() && consumer.is_empty() => break,
                None => backoff(&mut spins),
            }
        }
        sender.join().unwrap();
        assert_eq!(received, MESSAGES);
        assert_eq!(consumer.take_dropped(), 0);
    });
}

#[test]
fn ten_million_messages_through_a_static_buffer_of_1_and_of_64() {
    midi_pair_two_threads(StaticMidiBuffer::<1>::new().split());
    midi_pair_two_threads(StaticMidiBuffer::<64>::new().split());
}

#[test]
fn ten_million_messages_through_capacity_1() {
    midi_two_threads(1);
}

#[test]
fn ten_million_messages_through_capacity_64() {
    midi_two_threads(64);
}

#[test]
fn ten_million_messages_through_capacity_256() {
    midi_two_threads(256);
}

#[test]
// Pure arithmetic, nothing for Miri to check, and 2^18 hashes take it hours.
#[cfg(not(miri))]
fn numbering_tells_neighbours_apart() {
    let distinct: std::collections::HashSet<_> = (0..1 << 18).map(numbered).collect();
    assert_eq!(distinct.len(), 1 << 18);
}

/// Slices of varying length on both sides, exact `u64` sequence numbers.
fn slices_two_threads(capacity: usize) {
    let (mut producer, mut consumer) = SpscRingBuffer::new::<u64>(capacity);
    let sender = thread::spawn(move || {
        let mut next = 0u64;
        let mut chunk = [0u64; 37];
        let mut spins = 0;
        while next < MESSAGES {
            let len = ((next % 37) as usize + 1).min((MESSAGES - next) as usize);
            for (i, slot) in chunk[..len].iter_mut().enumerate() {
                *slot = next + i as u64;
            }
            let mut sent = 0;
            while sent < len {
                let pushed = producer.push_slice(&chunk[sent..len]);
                sent += pushed;
                if pushed == 0 {
                    backoff(&mut spins);
                } else {
                    spins = 0;
                }
            }
            next += len as u64;
        }
    });
    let mut expected = 0u64;
    let mut out = [0u64; 29];
    let mut spins = 0;
    loop {
        let want = (expected % 29) as usize + 1;
        let n = consumer.pop_slice(&mut out[..want]);
        for value in &out[..n] {
            assert_eq!(*value, expected);
            expected += 1;
        }
        if n > 0 {
            spins = 0;
        } else if consumer.is_abandoned() && consumer.is_empty() {
            break;
        } else {
            backoff(&mut spins);
        }
    }
    sender.join().unwrap();
    assert_eq!(expected, MESSAGES);
}

#[test]
fn slices_through_capacity_1() {
    slices_two_threads(1);
}

#[test]
fn slices_through_capacity_64() {
    slices_two_threads(64);
}

#[test]
fn slices_through_capacity_256() {
    slices_two_threads(256);
}

/// Single items and slices of every length up to the capacity mixed on
/// both sides, and skips on the consumer's: each side passes the end of the
/// slots by every path it has, at every slot, while the other side runs.
fn mixed_two_threads<S: Storage<u64> + Send>(
    (mut producer, mut consumer): (Producer<u64, S>, Consumer<u64, S>),
) {
    let capacity = producer.capacity();
    thread::scope(|scope| {
        scope.spawn(move || {
            let mut next = 0u64;
            let mut chunk = vec![0u64; capacity];
            let (mut step, mut spins) = (0usize, 0);
            while next < MESSAGES {
                step += 1;
                let pushed = if step % 3 == 0 {
                    usize::from(producer.try_push(next).is_ok())
                } else {
                    let len = (step % capacity + 1).min((MESSAGES - next) as usize);
                    for (i, slot) in chunk[..len].iter_mut().enumerate() {
                        *slot = next + i as u64;
                    }
                    producer.push_slice(&chunk[..len])
                };
                next += pushed as u64;
                if pushed == 0 {
                    backoff(&mut spins);
                } else {
                    spins = 0;
                }
            }
        });
        let mut expected = 0u64;
        let mut out = vec![0u64; capacity];
        let (mut step, mut skipped, mut spins) = (0usize, 0u64, 0);
        loop {
            step += 1;
            let n = match step % 4 {
                0 => match consumer.try_pop() {
                    Some(value) => {
                        assert_eq!(value, expected);
                        1
                    }
                    None => 0,
                },
                1 if step % 8 == 1 => {
                    let n = consumer.skip(step % capacity + 1);
                    skipped += n as u64;
                    n
                }
                _ => {
                    let want = step % capacity + 1;
                    let n = consumer.pop_slice(&mut out[..want]);
                    for (i, value) in out[..n].iter().enumerate() {
                        assert_eq!(*value, expected + i as u64);
                    }
                    n
                }
            };
            expected += n as u64;
            if n > 0 {
                spins = 0;
            } else if consumer.is_abandoned() && consumer.is_empty() {
                break;
            } else {
                backoff(&mut spins);
            }
        }
        assert_eq!(expected, MESSAGES);
        assert!(skipped > 0 && skipped < MESSAGES / 2, "skipped {skipped}");
    });
}

#[test]
fn single_items_slices_and_skips_mixed_through_capacity_7() {
    mixed_two_threads(SpscRingBuffer::new(7));
}

#[test]
fn single_items_slices_and_skips_mixed_through_a_static_ring_of_5() {
    mixed_two_threads(StaticRing::<u64, 5>::new().split());
}

/// Items with heap data cross threads intact, and the leftovers of an
/// interrupted run are freed (checked by Miri and the sanitizers).
#[test]
fn owned_items_cross_threads_intact() {
    owned_items_two_threads(SpscRingBuffer::new::<Box<u64>>(16));
}

/// The same through a static ring: its leftovers are dropped with the ring,
/// after the handles, once (Miri reports a leak or a double free).
#[test]
fn owned_items_cross_threads_intact_through_a_static_ring() {
    let mut ring = StaticRing::<Box<u64>, 16>::new();
    owned_items_two_threads(ring.split());
    // Split again: the 16 left are still there, in order, and are dropped
    // with the ring at the end of the test.
    let (_, consumer) = ring.split();
    assert_eq!(consumer.len(), 16);
    assert_eq!(consumer.peek().map(|b| **b), Some(u64::MAX));
}

fn owned_items_two_threads<S: Storage<Box<u64>> + Send>(
    (mut producer, mut consumer): (Producer<Box<u64>, S>, Consumer<Box<u64>, S>),
) {
    let count = MESSAGES.min(200_000);
    thread::scope(|scope| {
        let sender = scope.spawn(move || {
            for seq in 0..count {
                let mut item = Box::new(seq);
                let mut spins = 0;
                while let Err(back) = producer.try_push(item) {
                    item = back;
                    backoff(&mut spins);
                }
            }
            // Once the consumer has taken everything, fill the buffer and
            // leave the items there on purpose: they are dropped with it.
            let mut spins = 0;
            while producer.slots() < 16 {
                backoff(&mut spins);
            }
            for _ in 0..16 {
                assert!(producer.try_push(Box::new(u64::MAX)).is_ok());
            }
        });
        for seq in 0..count {
            let mut spins = 0;
            let item = loop {
                if let Some(item) = consumer.try_pop() {
                    break item;
                }
                backoff(&mut spins);
            };
            assert_eq!(*item, seq);
        }
        sender.join().unwrap();
        assert_eq!(consumer.len(), 16);
        assert_eq!(consumer.peek().map(|b| **b), Some(u64::MAX));
    });
}
