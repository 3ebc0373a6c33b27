//! Model-based test: random sequences of every single-thread operation on a
//! ring buffer, compared step by step with a `VecDeque` bounded to the same
//! capacity.

use std::collections::VecDeque;

use bbx_midi::spsc::{Consumer, Producer, SpscRingBuffer, StaticRing, Storage};
use proptest::collection::vec;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Push(u16),
    PushSlice(Vec<u16>),
    Pop,
    PopSlice(usize),
    Skip(usize),
    Peek,
    Len,
    Slots,
    IsFull,
    IsEmpty,
    /// Static storage only: drop both handles and split the ring again.
    Resplit,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u16>().prop_map(Op::Push),
        2 => vec(any::<u16>(), 0..12).prop_map(Op::PushSlice),
        3 => Just(Op::Pop),
        2 => (0usize..12).prop_map(Op::PopSlice),
        1 => (0usize..12).prop_map(Op::Skip),
        1 => Just(Op::Peek),
        1 => Just(Op::Len),
        1 => Just(Op::Slots),
        1 => Just(Op::IsFull),
        1 => Just(Op::IsEmpty),
        1 => Just(Op::Resplit),
    ]
}

/// Applies `op` to the ring and to the model, and compares the answers.
fn apply<S: Storage<u16>>(
    producer: &mut Producer<u16, S>,
    consumer: &mut Consumer<u16, S>,
    model: &mut VecDeque<u16>,
    capacity: usize,
    op: Op,
    step: usize,
) -> Result<(), TestCaseError> {
    match op {
        Op::Push(value) => {
            let expected = if model.len() < capacity {
                model.push_back(value);
                Ok(())
            } else {
                Err(value)
            };
            prop_assert_eq!(producer.try_push(value), expected, "step {}", step);
        }
        Op::PushSlice(values) => {
            let fits = values.len().min(capacity - model.len());
            model.extend(&values[..fits]);
            prop_assert_eq!(producer.push_slice(&values), fits, "step {}", step);
        }
        Op::Pop => prop_assert_eq!(consumer.try_pop(), model.pop_front(), "step {}", step),
        Op::PopSlice(len) => {
            let mut out = vec![u16::MAX; len];
            let n = consumer.pop_slice(&mut out);
            let expected: Vec<u16> = model.drain(..len.min(model.len())).collect();
            prop_assert_eq!(&out[..n], &expected[..], "step {}", step);
            prop_assert!(out[n..].iter().all(|v| *v == u16::MAX), "step {}", step);
        }
        Op::Skip(n) => {
            let expected = n.min(model.len());
            model.drain(..expected);
            prop_assert_eq!(consumer.skip(n), expected, "step {}", step);
        }
        Op::Peek => prop_assert_eq!(consumer.peek(), model.front(), "step {}", step),
        Op::Len => prop_assert_eq!(consumer.len(), model.len(), "step {}", step),
        Op::Slots => prop_assert_eq!(producer.slots(), capacity - model.len(), "step {}", step),
        Op::IsFull => prop_assert_eq!(producer.is_full(), model.len() == capacity, "step {}", step),
        Op::IsEmpty => prop_assert_eq!(consumer.is_empty(), model.is_empty(), "step {}", step),
        // Nothing to split on the heap: the handles are the buffer.
        Op::Resplit => {}
    }
    Ok(())
}

/// The static ring under the same operations, with splits in between: each
/// split takes up exactly where the last handles left the ring.
fn static_ring_behaves_like_a_bounded_vecdeque<const N: usize>(
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    let mut ring = StaticRing::<u16, N>::new();
    let mut model: VecDeque<u16> = VecDeque::with_capacity(N);
    let mut ops = ops.into_iter().enumerate().peekable();
    while ops.peek().is_some() {
        let (mut producer, mut consumer) = ring.split();
        prop_assert!(!producer.is_abandoned() && !consumer.is_abandoned());
        for (step, op) in ops.by_ref() {
            if let Op::Resplit = op {
                break;
            }
            apply(&mut producer, &mut consumer, &mut model, N, op, step)?;
        }
        prop_assert_eq!(consumer.len(), model.len());
    }
    let (_, mut consumer) = ring.split();
    let left: Vec<u16> = core::iter::from_fn(|| consumer.try_pop()).collect();
    prop_assert_eq!(left, Vec::from(model));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 1000 }))]

    #[test]
    fn behaves_like_a_bounded_vecdeque(capacity in 1usize..10, ops in vec(op(), 0..300)) {
        let (mut producer, mut consumer) = SpscRingBuffer::new::<u16>(capacity);
        let mut model: VecDeque<u16> = VecDeque::with_capacity(capacity);
        for (step, op) in ops.into_iter().enumerate() {
            apply(&mut producer, &mut consumer, &mut model, capacity, op, step)?;
        }
        prop_assert_eq!(consumer.len(), model.len());
        prop_assert_eq!(producer.capacity(), capacity);
    }

    #[test]
    fn a_static_ring_split_again_and_again_behaves_like_a_bounded_vecdeque(
        ops in vec(op(), 0..300),
    ) {
        static_ring_behaves_like_a_bounded_vecdeque::<1>(ops.clone())?;
        static_ring_behaves_like_a_bounded_vecdeque::<3>(ops.clone())?;
        static_ring_behaves_like_a_bounded_vecdeque::<8>(ops)?;
    }
}
