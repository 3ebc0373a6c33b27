//! Loom models of `bbx_midi::spsc`. Every model asserts what it checks:
//! values, order, counts. Slots are `loom::cell::UnsafeCell` under loom, so a
//! missing happens-before edge on slot data fails a model as a data race.
#![cfg(loom)]

use bbx_midi::spsc::{SpscRingBuffer, StaticRing};
use bbx_midi_loom_tests::{Counted, explore};
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;

/// The consumer sees either nothing or exactly the value pushed; once it
/// sees the buffer non-empty, `try_pop` returns the value.
#[test]
fn one_value_is_seen_whole_or_not_at_all() {
    explore(None, || {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<String>(1);
        let sender = thread::spawn(move || {
            producer.try_push(String::from("note on")).unwrap();
        });
        let saw_an_item = !consumer.is_empty();
        let first = consumer.try_pop();
        if saw_an_item {
            assert_eq!(first.as_deref(), Some("note on"));
        } else {
            assert!(first.is_none() || first.as_deref() == Some("note on"));
        }
        sender.join().unwrap();
        match first {
            Some(_) => assert_eq!(consumer.try_pop(), None),
            None => assert_eq!(consumer.try_pop().as_deref(), Some("note on")),
        }
    });
}

/// A push that happens-before a `try_pop` (through an unrelated flag) is
/// always seen: the consumer's cached `tail` never hides it.
#[test]
fn a_push_that_happened_before_is_never_missed() {
    explore(None, || {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u32>(2);
        let pushed = Arc::new(AtomicBool::new(false));
        let pushed2 = Arc::clone(&pushed);
        // Prime the consumer's cache with "empty".
        assert_eq!(consumer.try_pop(), None);
        let sender = thread::spawn(move || {
            producer.try_push(7).unwrap();
            pushed2.store(true, Ordering::Release);
        });
        if pushed.load(Ordering::Acquire) {
            assert_eq!(consumer.try_pop(), Some(7));
        } else if let Some(value) = consumer.try_pop() {
            assert_eq!(value, 7);
        }
        sender.join().unwrap();
    });
}

fn fifo(capacity: usize, count: u32, preemptions: usize) {
    explore(Some(preemptions), move || {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<Box<u32>>(capacity);
        let sender = thread::spawn(move || {
            for value in 1..=count {
                let mut item = Box::new(value);
                while let Err(back) = producer.try_push(item) {
                    item = back;
                    assert_eq!(*item, value, "a refused value comes back intact");
                    thread::yield_now();
                }
            }
        });
        let mut received = Vec::new();
        while received.len() < count as usize {
            match consumer.try_pop() {
                Some(item) => received.push(*item),
                None => thread::yield_now(),
            }
        }
        sender.join().unwrap();
        assert_eq!(received, (1..=count).collect::<Vec<_>>());
        assert_eq!(consumer.try_pop(), None, "nothing duplicated");
    });
}

/// Capacity 1: every push after the first waits for a pop (full path).
#[test]
fn fifo_through_capacity_1() {
    fifo(1, 4, 4);
}

/// Capacity 2 with 4 items: the positions wrap past the end twice.
#[test]
fn fifo_through_capacity_2() {
    fifo(2, 5, 3);
}

/// A refused push means the consumer really held `capacity` items: once the
/// producer knows (through a flag) that a pop completed, its push succeeds.
#[test]
fn push_is_refused_only_when_really_full() {
    explore(None, || {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u32>(2);
        producer.try_push(1).unwrap();
        producer.try_push(2).unwrap();
        assert_eq!(producer.try_push(99), Err(99)); // caches "full"
        let popped = Arc::new(AtomicBool::new(false));
        let popped2 = Arc::clone(&popped);
        let receiver = thread::spawn(move || {
            assert_eq!(consumer.try_pop(), Some(1));
            popped2.store(true, Ordering::Release);
            consumer
        });
        let knew = popped.load(Ordering::Acquire);
        match producer.try_push(3) {
            Ok(()) => {}
            Err(value) => {
                assert!(!knew, "refused after the pop was known");
                assert_eq!(value, 3);
            }
        }
        let mut consumer = receiver.join().unwrap();
        assert_eq!(consumer.try_pop(), Some(2));
        let third = consumer.try_pop();
        assert!(third.is_none() || third == Some(3));
        if knew {
            assert_eq!(third, Some(3));
        }
    });
}

/// `push_slice`/`pop_slice` runs that straddle the end of the slots keep
/// their order, and loom checks every slot access on both runs.
#[test]
fn slices_keep_order_across_the_wrap_point() {
    explore(Some(4), || {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u32>(3);
        // Move both positions to slot 2, so any run of 2 or more wraps.
        assert_eq!(producer.push_slice(&[0, 0]), 2);
        assert_eq!(consumer.pop_slice(&mut [0; 2]), 2);
        let sender = thread::spawn(move || {
            let items = [10, 11, 12, 13, 14];
            let mut sent = 0;
            while sent < items.len() {
                let n = producer.push_slice(&items[sent..]);
                if n == 0 {
                    thread::yield_now();
                }
                sent += n;
            }
        });
        let mut received = Vec::new();
        while received.len() < 5 {
            let mut out = [0; 2];
            let n = consumer.pop_slice(&mut out);
            if n == 0 {
                thread::yield_now();
            }
            received.extend_from_slice(&out[..n]);
        }
        sender.join().unwrap();
        assert_eq!(received, [10, 11, 12, 13, 14]);
    });
}

/// Each handle moves into the next lap of the slots (the only time it
/// writes where its lap began) when a run reaches the last slot: slices of
/// two from slot 0 and single items through capacity 2, mixed on both
/// sides, arrive in order over three laps, and loom checks every slot
/// access, so a side whose slot position went wrong reads or overwrites a
/// slot the other side owns.
#[test]
fn runs_ending_at_the_last_slot_move_each_side_into_its_next_lap() {
    explore(Some(3), || {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u32>(2);
        let sender = thread::spawn(move || {
            let send_slice = |producer: &mut bbx_midi::spsc::Producer<u32>, items: &[u32]| {
                let mut sent = 0;
                while sent < items.len() {
                    let n = producer.push_slice(&items[sent..]);
                    if n == 0 {
                        thread::yield_now();
                    }
                    sent += n;
                }
            };
            send_slice(&mut producer, &[1, 2]);
            for value in [3, 4] {
                while producer.try_push(value).is_err() {
                    thread::yield_now();
                }
            }
            send_slice(&mut producer, &[5, 6]);
        });
        let mut received = Vec::new();
        while received.len() < 6 {
            let mut out = [0; 2];
            let n = if received.len() % 4 == 0 {
                consumer.pop_slice(&mut out)
            } else {
                usize::from(consumer.try_pop().map(|value| out[0] = value).is_some())
            };
            if n == 0 {
                thread::yield_now();
            }
            received.extend_from_slice(&out[..n]);
        }
        sender.join().unwrap();
        assert_eq!(received, [1, 2, 3, 4, 5, 6]);
        assert!(consumer.is_empty());
    });
}

/// Whatever `peek` shows is what the next `try_pop` returns.
#[test]
fn peek_then_pop_return_the_same_item() {
    explore(Some(4), || {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<String>(2);
        let sender = thread::spawn(move || {
            for text in ["a", "b", "c"] {
                let mut item = String::from(text);
                while let Err(back) = producer.try_push(item) {
                    item = back;
                    thread::yield_now();
                }
            }
        });
        let mut received = Vec::new();
        while received.len() < 3 {
            let peeked = consumer.peek().cloned();
            let popped = consumer.try_pop();
            match peeked {
                Some(text) => assert_eq!(popped.as_ref(), Some(&text)),
                None => {
                    if popped.is_none() {
                        thread::yield_now();
                    }
                }
            }
            received.extend(popped);
        }
        sender.join().unwrap();
        assert_eq!(received, ["a", "b", "c"]);
    });
}

/// `len` and `slots` stay within `0..=capacity` from either side, and are
/// consistent with what each side has done itself.
#[test]
fn len_and_slots_stay_in_range() {
    explore(Some(4), || {
        let capacity = 2;
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u32>(capacity);
        let sender = thread::spawn(move || {
            let mut pushed = 0;
            for value in 0..3 {
                let free = producer.slots();
                // Never more free slots than exist, never fewer than what
                // this side's own pushes leave.
                assert!(free <= capacity, "slots {free}");
                assert!(free + pushed.min(capacity) >= capacity, "slots {free}");
                if producer.try_push(value).is_ok() {
                    pushed += 1;
                } else {
                    assert!(producer.slots() <= capacity);
                }
            }
            pushed
        });
        let mut popped = 0;
        for _ in 0..3 {
            let len = consumer.len();
            assert!(len <= capacity, "len {len}");
            assert!(len + popped <= 3, "len {len} after {popped} pops");
            if consumer.try_pop().is_some() {
                popped += 1;
            }
        }
        let pushed = sender.join().unwrap();
        assert_eq!(consumer.len(), pushed - popped);
    });
}

/// Items left inside when both ends drop at the same time, one on each
/// thread, are dropped exactly once, and the shared state is freed once
/// (loom fails the model if its `Arc` leaks).
#[test]
fn leftovers_are_dropped_once_when_both_ends_drop_concurrently() {
    explore(None, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut producer, mut consumer) = SpscRingBuffer::new::<Counted>(2);
        producer.try_push(Counted::new(0, &drops)).unwrap();
        let drops2 = Arc::clone(&drops);
        let sender = thread::spawn(move || {
            let _ = producer.try_push(Counted::new(1, &drops2));
            drop(producer);
        });
        let receiver = thread::spawn(move || {
            if let Some(item) = consumer.try_pop() {
                assert_eq!(item.id, 0);
            }
            drop(consumer);
        });
        sender.join().unwrap();
        receiver.join().unwrap();
        // Bits 0 and 1 set exactly once each: 0b11. A double drop would carry.
        assert_eq!(drops.load(Ordering::Relaxed), 0b11);
    });
}

/// The same with the leftovers straddling the end of the slots, so the drop
/// loop has to wrap from the consumer's saved position.
#[test]
fn leftovers_across_the_wrap_are_dropped_once() {
    explore(None, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut producer, mut consumer) = SpscRingBuffer::new::<Counted>(3);
        for id in 0..2 {
            producer.try_push(Counted::new(id, &drops)).unwrap();
        }
        drop(consumer.try_pop());
        drop(consumer.try_pop());
        // Both positions are at slot 2 now.
        producer.try_push(Counted::new(2, &drops)).unwrap();
        producer.try_push(Counted::new(3, &drops)).unwrap();
        let drops2 = Arc::clone(&drops);
        let sender = thread::spawn(move || {
            let _ = producer.try_push(Counted::new(4, &drops2));
        });
        let receiver = thread::spawn(move || {
            assert_eq!(consumer.try_pop().map(|item| item.id), Some(2));
        });
        sender.join().unwrap();
        receiver.join().unwrap();
        assert_eq!(drops.load(Ordering::Relaxed), 0b11111);
    });
}

/// A refused item goes back to the caller and is dropped there, not by the
/// buffer.
#[test]
fn a_refused_item_is_dropped_by_its_owner_only() {
    explore(None, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut producer, consumer) = SpscRingBuffer::new::<Counted>(1);
        producer.try_push(Counted::new(0, &drops)).unwrap();
        let drops2 = Arc::clone(&drops);
        let sender = thread::spawn(move || {
            let refused = producer.try_push(Counted::new(1, &drops2)).unwrap_err();
            assert_eq!(refused.id, 1);
            drop(refused);
            assert_eq!(drops2.load(Ordering::Relaxed), 0b10);
        });
        drop(consumer);
        sender.join().unwrap();
        assert_eq!(drops.load(Ordering::Relaxed), 0b11);
    });
}

/// `is_abandoned` carries a happens-before edge: what the other side wrote
/// before dropping its handle is visible once `is_abandoned` returns true,
/// both plain memory and the items it pushed.
#[test]
fn is_abandoned_publishes_what_came_before_the_drop() {
    explore(None, || {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u32>(2);
        let note = Arc::new(loom::cell::UnsafeCell::new(0u32));
        let note2 = Arc::clone(&note);
        let sender = thread::spawn(move || {
            // SAFETY: the consumer reads `note` only after it has seen the
            // producer dropped, which this write happens-before.
            unsafe { note2.with_mut(|p| *p = 42) };
            producer.try_push(1).unwrap();
            drop(producer);
        });
        if consumer.is_abandoned() {
            // SAFETY: see above; loom reports a race if the edge is missing.
            assert_eq!(unsafe { note.with(|p| *p) }, 42);
            assert_eq!(consumer.try_pop(), Some(1));
            assert_eq!(consumer.try_pop(), None);
        }
        sender.join().unwrap();
        assert!(consumer.is_abandoned());
    });
}

/// The same edge from the consumer's side.
#[test]
fn the_producer_learns_the_consumer_is_gone() {
    explore(None, || {
        let (producer, mut consumer) = SpscRingBuffer::new::<u32>(1);
        let seen = Arc::new(loom::cell::UnsafeCell::new(0u32));
        let seen2 = Arc::clone(&seen);
        let receiver = thread::spawn(move || {
            let _ = consumer.try_pop();
            // SAFETY: read by the producer only after `is_abandoned`.
            unsafe { seen2.with_mut(|p| *p = 5) };
        });
        // `drop(consumer)` happens when the closure's captured handle drops,
        // after the write above.
        if producer.is_abandoned() {
            // SAFETY: see above.
            assert_eq!(unsafe { seen.with(|p| *p) }, 5);
        }
        receiver.join().unwrap();
        assert!(producer.is_abandoned());
    });
}

/// Drop reports are neither lost nor counted twice, and a report carries a
/// happens-before edge: pushes made before it are visible once it is seen.
#[test]
fn drop_reports_add_up_and_publish_what_came_before() {
    explore(None, || {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u32>(2);
        let sender = thread::spawn(move || {
            producer.try_push(7).unwrap();
            producer.add_dropped(1);
            producer.add_dropped(2);
        });
        let first = consumer.take_dropped();
        assert!(matches!(first, 0 | 1 | 3), "saw {first}");
        if first > 0 {
            assert_eq!(consumer.try_pop(), Some(7));
        }
        let second = consumer.take_dropped();
        sender.join().unwrap();
        let rest = consumer.take_dropped();
        assert_eq!(first + second + rest, 3);
    });
}

/// `skip` releases slots exactly like a pop: the producer can reuse them,
/// and what is left comes out in order.
#[test]
fn skipped_items_free_their_slots_and_the_rest_stay_in_order() {
    explore(Some(4), || {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u32>(2);
        let sender = thread::spawn(move || {
            let mut next = 1;
            while next <= 4 {
                if producer.try_push(next).is_ok() {
                    next += 1;
                } else {
                    thread::yield_now();
                }
            }
        });
        let mut seen = Vec::new();
        let mut skipped = 0;
        while seen.len() + skipped < 4 {
            if skipped == 0 {
                skipped += consumer.skip(1);
                if skipped == 0 {
                    thread::yield_now();
                }
                continue;
            }
            match consumer.try_pop() {
                Some(value) => seen.push(value),
                None => thread::yield_now(),
            }
        }
        sender.join().unwrap();
        assert_eq!(skipped, 1);
        assert_eq!(seen, [2, 3, 4]);
    });
}

/// A ring in memory of the model's own (a `static` on a microcontroller),
/// split for `'static` and freed by the model once every handle is gone.
struct Owned<T, const N: usize>(*mut StaticRing<T, N>);

impl<T, const N: usize> Owned<T, N> {
    fn new() -> Self {
        Self(Box::into_raw(Box::new(StaticRing::new())))
    }

    /// # Safety
    /// No handle of an earlier split may be alive, and `free` not called.
    unsafe fn ring(&self) -> &'static mut StaticRing<T, N> {
        // SAFETY: allocated in `new`, freed only by `free`; the caller
        // guarantees that no other reference to it is in use.
        unsafe { &mut *self.0 }
    }

    /// Drops the ring, and with it the items left in it.
    ///
    /// # Safety
    /// No handle of the ring may be alive.
    unsafe fn free(self) {
        // SAFETY: allocated in `new`, freed once, no handle left.
        drop(unsafe { Box::from_raw(self.0) });
    }
}

/// The static ring runs the same code as the heap one: values through
/// capacity 2 in order, with the positions wrapping; then a second split
/// finds the item left, and dropping the ring drops it, each item once.
#[test]
fn a_static_ring_keeps_order_and_drops_each_item_once() {
    explore(Some(3), || {
        let drops = Arc::new(AtomicUsize::new(0));
        let owned = Owned::<Counted, 2>::new();
        // SAFETY: the first split.
        let (mut producer, mut consumer) = unsafe { owned.ring() }.split();
        let drops2 = Arc::clone(&drops);
        let sender = thread::spawn(move || {
            for id in 0..4 {
                let mut item = Counted::new(id, &drops2);
                while let Err(back) = producer.try_push(item) {
                    item = back;
                    thread::yield_now();
                }
            }
        });
        for id in 0..3 {
            loop {
                if let Some(item) = consumer.try_pop() {
                    assert_eq!(item.id, id);
                    break;
                }
                thread::yield_now();
            }
        }
        sender.join().unwrap();
        drop(consumer);
        assert_eq!(drops.load(Ordering::Relaxed), 0b0111);
        // SAFETY: both handles are gone (the producer with its thread).
        let (_, consumer) = unsafe { owned.ring() }.split();
        assert_eq!(consumer.peek().map(|item| item.id), Some(3));
        drop(consumer);
        // SAFETY: the handles of the second split are gone too.
        unsafe { owned.free() };
        assert_eq!(drops.load(Ordering::Relaxed), 0b1111);
    });
}

/// Handles of a second split, on two threads again, take up exactly where
/// the first ones stopped: the consumer's position and the drop reports
/// carry over, nothing is seen twice or missed.
#[test]
fn a_static_ring_split_again_goes_on_where_it_stopped() {
    explore(Some(3), || {
        let owned = Owned::<u32, 2>::new();
        // SAFETY: the first split.
        let (mut producer, mut consumer) = unsafe { owned.ring() }.split();
        producer.try_push(1).unwrap();
        producer.add_dropped(1);
        let first = thread::spawn(move || {
            assert_eq!(consumer.take_dropped(), 1);
            assert_eq!(consumer.try_pop(), Some(1));
        });
        producer.try_push(2).unwrap();
        drop(producer);
        first.join().unwrap();
        // SAFETY: both handles of the first split are gone.
        let (mut producer, mut consumer) = unsafe { owned.ring() }.split();
        let second = thread::spawn(move || {
            producer.try_push(3).unwrap();
            producer.add_dropped(2);
        });
        let mut seen = Vec::new();
        let mut lost = 0;
        while seen.len() < 2 || lost < 2 {
            lost += consumer.take_dropped();
            seen.extend(consumer.try_pop());
            thread::yield_now();
        }
        second.join().unwrap();
        assert_eq!((seen, lost, consumer.take_dropped()), (vec![2, 3], 2, 0));
        drop(consumer);
        // SAFETY: every handle is gone.
        unsafe { owned.free() };
    });
}
