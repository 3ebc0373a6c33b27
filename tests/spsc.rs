//! Single-thread behaviour of every public item of `bbx_midi::spsc`.

use std::cell::RefCell;
use std::rc::Rc;

use bbx_midi::spsc::{DropReport, SpscRingBuffer};

#[test]
fn capacity_is_exactly_what_was_asked() {
    for capacity in [1, 2, 3, 5, 63, 64, 65, 100, 1000] {
        let (mut producer, consumer) = SpscRingBuffer::new(capacity);
        assert_eq!(producer.capacity(), capacity);
        assert_eq!(consumer.capacity(), capacity);
        for i in 0..capacity {
            assert_eq!(producer.try_push(i), Ok(()), "push {i} of {capacity}");
        }
        assert_eq!(producer.try_push(capacity), Err(capacity));
        assert_eq!(consumer.len(), capacity);
    }
}

#[test]
#[should_panic(expected = "SpscRingBuffer capacity must be at least 1, got 0")]
fn zero_capacity_panics_with_a_message() {
    let _ = SpscRingBuffer::new::<u32>(0);
}

#[test]
#[should_panic(expected = "is too large to allocate")]
fn unallocatable_capacity_panics_with_a_message() {
    let _ = SpscRingBuffer::new::<u64>(usize::MAX / 4);
}

#[test]
// 2^58 bytes needs a 64-bit address space; Miri stops the whole run on an
// allocation it cannot serve instead of returning null.
#[cfg(all(target_pointer_width = "64", not(miri)))]
#[should_panic(expected = "is too large to allocate")]
fn capacity_the_allocator_refuses_panics_with_a_message() {
    // 2^58 bytes: a valid layout that no allocator can provide.
    let _ = SpscRingBuffer::new::<u64>(1 << 55);
}

#[test]
fn zero_sized_items_can_use_any_capacity() {
    let (mut producer, mut consumer) = SpscRingBuffer::new::<()>(usize::MAX);
    assert_eq!(producer.try_push(()), Ok(()));
    assert_eq!(producer.slots(), usize::MAX - 1);
    assert_eq!(consumer.try_pop(), Some(()));
    assert_eq!(consumer.try_pop(), None);
}

#[test]
fn try_push_returns_the_value_when_full() {
    let (mut producer, _consumer) = SpscRingBuffer::new(1);
    producer.try_push(String::from("kept")).unwrap();
    assert_eq!(
        producer.try_push(String::from("refused")),
        Err(String::from("refused"))
    );
}

#[test]
fn try_pop_returns_none_when_empty() {
    let (_producer, mut consumer) = SpscRingBuffer::new::<u8>(4);
    assert_eq!(consumer.try_pop(), None);
}

#[test]
fn items_come_out_in_order_across_many_wraps() {
    let (mut producer, mut consumer) = SpscRingBuffer::new(3);
    let mut next_out = 0u32;
    for next_in in 0..100u32 {
        producer.try_push(next_in).unwrap();
        if next_in % 3 == 2 {
            while let Some(value) = consumer.try_pop() {
                assert_eq!(value, next_out);
                next_out += 1;
            }
        }
    }
    while let Some(value) = consumer.try_pop() {
        assert_eq!(value, next_out);
        next_out += 1;
    }
    assert_eq!(next_out, 100);
}

#[test]
fn a_popped_slot_can_be_reused_at_once() {
    let (mut producer, mut consumer) = SpscRingBuffer::new(2);
    producer.try_push(1).unwrap();
    producer.try_push(2).unwrap();
    assert_eq!(producer.try_push(3), Err(3));
    assert_eq!(consumer.try_pop(), Some(1));
    assert_eq!(producer.try_push(3), Ok(()));
    assert_eq!(consumer.try_pop(), Some(2));
    assert_eq!(consumer.try_pop(), Some(3));
}

#[test]
fn push_slice_pushes_what_fits_in_order() {
    let (mut producer, mut consumer) = SpscRingBuffer::new(4);
    assert_eq!(producer.push_slice(&[1, 2, 3, 4, 5, 6]), 4);
    assert_eq!(producer.push_slice(&[7]), 0);
    let mut out = [0; 6];
    assert_eq!(consumer.pop_slice(&mut out), 4);
    assert_eq!(out, [1, 2, 3, 4, 0, 0]);
}

#[test]
fn push_slice_of_nothing_does_nothing() {
    let (mut producer, consumer) = SpscRingBuffer::new::<u8>(2);
    assert_eq!(producer.push_slice(&[]), 0);
    assert!(consumer.is_empty());
}

#[test]
fn push_slice_and_pop_slice_wrap_around_the_end() {
    let (mut producer, mut consumer) = SpscRingBuffer::new(5);
    // Move both positions to slot 3, so the next run of 4 wraps after 2.
    assert_eq!(producer.push_slice(&[0, 0, 0]), 3);
    assert_eq!(consumer.pop_slice(&mut [0; 3]), 3);

    assert_eq!(producer.push_slice(&[10, 11, 12, 13]), 4);
    assert_eq!(consumer.peek(), Some(&10));
    let mut out = [0; 4];
    assert_eq!(consumer.pop_slice(&mut out), 4);
    assert_eq!(out, [10, 11, 12, 13]);
    assert!(consumer.is_empty());
}

#[test]
fn slices_and_single_items_interleave_in_order() {
    let (mut producer, mut consumer) = SpscRingBuffer::new(7);
    let mut sent = 0u32;
    let mut received = 0u32;
    for round in 0..50usize {
        let batch: Vec<u32> = (sent..sent + (round % 5) as u32).collect();
        sent += producer.push_slice(&batch) as u32;
        if producer.try_push(sent).is_ok() {
            sent += 1;
        }
        let mut out = [0u32; 3];
        let n = consumer.pop_slice(&mut out[..round % 4]);
        for value in &out[..n] {
            assert_eq!(*value, received);
            received += 1;
        }
        if let Some(value) = consumer.try_pop() {
            assert_eq!(value, received);
            received += 1;
        }
        assert_eq!(consumer.len(), (sent - received) as usize);
    }
}

#[test]
fn pop_slice_takes_what_is_there() {
    let (mut producer, mut consumer) = SpscRingBuffer::new(8);
    producer.push_slice(&[1, 2]);
    let mut out = [9; 5];
    assert_eq!(consumer.pop_slice(&mut out), 2);
    assert_eq!(out, [1, 2, 9, 9, 9]);
    assert_eq!(consumer.pop_slice(&mut out), 0);
}

#[test]
fn peek_shows_the_oldest_item_without_removing_it() {
    let (mut producer, mut consumer) = SpscRingBuffer::new(4);
    assert_eq!(consumer.peek(), None);
    producer.try_push('x').unwrap();
    producer.try_push('y').unwrap();
    assert_eq!(consumer.peek(), Some(&'x'));
    assert_eq!(consumer.peek(), Some(&'x'));
    assert_eq!(consumer.len(), 2);
    assert_eq!(consumer.try_pop(), Some('x'));
    assert_eq!(consumer.peek(), Some(&'y'));
}

#[test]
fn len_slots_is_full_is_empty_track_the_contents() {
    let (mut producer, mut consumer) = SpscRingBuffer::new(3);
    assert_eq!((consumer.len(), producer.slots()), (0, 3));
    assert!(consumer.is_empty() && !producer.is_full());
    producer.try_push(1).unwrap();
    assert_eq!((consumer.len(), producer.slots()), (1, 2));
    assert!(!consumer.is_empty() && !producer.is_full());
    producer.push_slice(&[2, 3]);
    assert_eq!((consumer.len(), producer.slots()), (3, 0));
    assert!(producer.is_full());
    consumer.try_pop().unwrap();
    assert_eq!((consumer.len(), producer.slots()), (2, 1));
    assert!(!producer.is_full());
}

#[test]
fn is_full_sees_space_freed_after_the_cached_check() {
    let (mut producer, mut consumer) = SpscRingBuffer::new(1);
    producer.try_push(1).unwrap();
    assert!(producer.is_full()); // caches head = 0
    consumer.try_pop().unwrap();
    assert!(!producer.is_full());
    assert_eq!(producer.try_push(2), Ok(()));
}

#[test]
fn is_abandoned_reports_the_other_side_dropping() {
    let (producer, consumer) = SpscRingBuffer::new::<u8>(1);
    assert!(!producer.is_abandoned());
    assert!(!consumer.is_abandoned());
    drop(producer);
    assert!(consumer.is_abandoned());

    let (producer, consumer) = SpscRingBuffer::new::<u8>(1);
    drop(consumer);
    assert!(producer.is_abandoned());
}

#[test]
fn pushing_after_the_consumer_is_gone_still_works() {
    let (mut producer, consumer) = SpscRingBuffer::new(2);
    drop(consumer);
    assert_eq!(producer.try_push(1), Ok(()));
    assert_eq!(producer.try_push(2), Ok(()));
    assert_eq!(producer.try_push(3), Err(3));
}

#[test]
fn debug_shows_capacity_and_fill() {
    let (mut producer, consumer) = SpscRingBuffer::new(4);
    producer.try_push(1u8).unwrap();
    assert_eq!(
        format!("{producer:?}"),
        "Producer { capacity: 4, slots: 3, .. }"
    );
    assert_eq!(
        format!("{consumer:?}"),
        "Consumer { capacity: 4, len: 1, .. }"
    );
}

/// An item that records its drop in a shared log.
struct Tracked {
    id: u32,
    log: Rc<RefCell<Vec<u32>>>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.log.borrow_mut().push(self.id);
    }
}

fn tracked(id: u32, log: &Rc<RefCell<Vec<u32>>>) -> Tracked {
    Tracked {
        id,
        log: Rc::clone(log),
    }
}

#[test]
fn items_left_inside_are_dropped_once_when_both_ends_drop() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let (mut producer, mut consumer) = SpscRingBuffer::new(3);
    // Wrap the positions so that the leftovers straddle the end of the slots.
    for id in 0..2 {
        producer
            .try_push(tracked(id, &log))
            .unwrap_or_else(|_| panic!());
    }
    drop(consumer.try_pop());
    drop(consumer.try_pop());
    assert_eq!(*log.borrow(), [0, 1]);
    for id in 2..5 {
        producer
            .try_push(tracked(id, &log))
            .unwrap_or_else(|_| panic!());
    }
    drop(consumer);
    assert_eq!(
        *log.borrow(),
        [0, 1],
        "nothing dropped while the producer lives"
    );
    drop(producer);
    assert_eq!(*log.borrow(), [0, 1, 2, 3, 4]);
}

#[test]
fn leftovers_are_dropped_whichever_end_goes_last() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let (mut producer, mut consumer) = SpscRingBuffer::new(4);
    for id in 0..3 {
        producer
            .try_push(tracked(id, &log))
            .unwrap_or_else(|_| panic!());
    }
    drop(consumer.try_pop());
    drop(producer);
    assert_eq!(*log.borrow(), [0]);
    drop(consumer);
    assert_eq!(*log.borrow(), [0, 1, 2]);
}

#[test]
fn a_refused_item_is_not_dropped_by_the_buffer() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let (mut producer, consumer) = SpscRingBuffer::new(1);
    producer
        .try_push(tracked(1, &log))
        .unwrap_or_else(|_| panic!());
    let refused = producer.try_push(tracked(2, &log)).unwrap_err();
    assert!(log.borrow().is_empty());
    drop((producer, consumer));
    assert_eq!(*log.borrow(), [1]);
    drop(refused);
    assert_eq!(*log.borrow(), [1, 2]);
}

/// An item whose `Drop` panics when its id is `panicking`.
struct PanicsOnDrop {
    id: u32,
    panicking: u32,
    log: Rc<RefCell<Vec<u32>>>,
}

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        self.log.borrow_mut().push(self.id);
        if self.id == self.panicking {
            panic!("item {} panics in drop", self.id);
        }
    }
}

/// Pushes items `ids` after moving the positions `offset` slots in, drops
/// both ends, and returns the drop log and whether the drop panicked.
fn drop_leftovers_with_a_panic(
    capacity: usize,
    offset: usize,
    ids: &[u32],
    panicking: u32,
) -> (Vec<u32>, bool) {
    let log = Rc::new(RefCell::new(Vec::new()));
    let (mut producer, mut consumer) = SpscRingBuffer::new(capacity);
    for _ in 0..offset {
        producer.try_push(None).unwrap_or_else(|_| panic!());
        assert!(consumer.try_pop().is_some());
    }
    for &id in ids {
        let item = PanicsOnDrop {
            id,
            panicking,
            log: Rc::clone(&log),
        };
        producer.try_push(Some(item)).unwrap_or_else(|_| panic!());
    }
    drop(consumer);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(producer)));
    let log = log.borrow().clone();
    (log, result.is_err())
}

#[test]
fn a_panicking_drop_does_not_stop_the_other_leftovers_being_dropped() {
    // No wrap: one run; item 2 panics, item 3 is still dropped.
    assert_eq!(
        drop_leftovers_with_a_panic(4, 0, &[1, 2, 3], 2),
        (vec![1, 2, 3], true)
    );
    // Leftovers in slots 2, 0, 1: the first run panics, the second is still dropped.
    assert_eq!(
        drop_leftovers_with_a_panic(3, 2, &[1, 2, 3], 1),
        (vec![1, 2, 3], true)
    );
    // The second run panics after the first was dropped.
    assert_eq!(
        drop_leftovers_with_a_panic(3, 2, &[1, 2, 3], 3),
        (vec![1, 2, 3], true)
    );
}

#[test]
fn dropped_reports_reach_the_consumer_once() {
    let (mut producer, mut consumer) = SpscRingBuffer::new::<u8>(1);
    assert_eq!(consumer.take_dropped(), 0);
    producer.add_dropped(2);
    producer.add_dropped(3);
    assert_eq!(producer.dropped(), 5);
    assert_eq!(consumer.take_dropped(), 5);
    assert_eq!(consumer.take_dropped(), 0);
    producer.add_dropped(usize::MAX);
    assert_eq!(
        consumer.take_dropped(),
        usize::MAX,
        "wrapping counts still add up"
    );
}

#[test]
fn a_drop_report_is_seen_at_the_end_only_after_the_items_before_it() {
    let (mut producer, mut consumer) = SpscRingBuffer::new(2);
    assert_eq!(
        consumer.dropped_at_end(),
        Some(DropReport { total: 0, mark: 0 })
    );
    producer.push_slice(&[1, 2]);
    producer.add_dropped_marked(1, 30);
    assert_eq!(consumer.dropped_at_end(), None);
    consumer.try_pop();
    assert_eq!(
        consumer.dropped_at_end(),
        None,
        "item 2 came before the drop"
    );
    consumer.try_pop();
    assert_eq!(
        consumer.dropped_at_end(),
        Some(DropReport { total: 1, mark: 30 })
    );
    // Two more drops in the same place: the latest mark, the new total.
    producer.add_dropped_marked(2, 40);
    assert_eq!(
        consumer.dropped_at_end(),
        Some(DropReport { total: 3, mark: 40 })
    );
    // Unmarked reports count too, and keep the last mark.
    producer.add_dropped(1);
    assert_eq!(
        consumer.dropped_at_end(),
        Some(DropReport { total: 4, mark: 40 })
    );
    // take_dropped is independent of it.
    assert_eq!(consumer.take_dropped(), 4);
    assert_eq!(
        consumer.dropped_at_end(),
        Some(DropReport { total: 4, mark: 40 })
    );
}
