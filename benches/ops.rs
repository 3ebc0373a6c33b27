//! What one push and one pop cost in instructions and stores: ours and
//! `rtrb`'s, each operation in a function of its own, called a million
//! times on its common path, to be counted by Cachegrind.
//!
//! Every probe below is `#[inline(never)]`, so the disassembly has each
//! one whole and Cachegrind counts it per function: `Ir` (instructions)
//! and `Dw` (data writes: the item, the handle, the shared index; for the
//! slice probes also the stack, around their `memcpy` calls, which are
//! counted apart). Each probe runs [`CALLS`] times through a ring of
//! capacity [`CAPACITY`], in passes of [`PASS`] pushes then [`PASS`] pops:
//! one reload of the other side's index and one lap per side per pass, so
//! the counts are the common path's to within 0.3 %, the rest amortised.
//!
//! ```text
//! cargo bench -p bbx_midi_benches --bench ops --no-run   # prints the binary's path: BIN
//! for group in spsc_u8x3 spsc_u8x4 spsc_midi static_midi typed_heap typed_static \
//!     rtrb_u8x3 rtrb_u8x4 rtrb_midi spsc_slice_midi static_slice_midi typed_slice rtrb_slice_midi; do
//!   valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=target/ops-$group.cg BIN $group >/dev/null
//!   cg_annotate --show=Ir,Dw target/ops-$group.cg | grep 'ops::probes::'
//! done
//! objdump -d -C --no-show-raw-insn BIN | less   # the listings: ops::probes::…
//! ```
//!
//! Divide by 1 000 000 calls (one item) or 62 500 (slices of 16). One
//! group per run: the compiler merges probes whose code is the same (the
//! typed buffer's `try_pop` and the ring's, say) into one symbol, which
//! then counts the calls of both.
//!
//! Run without Valgrind it only checks that every probe moves every item
//! in order (CI: `cargo bench -p bbx_midi_benches --bench ops`).

use std::hint::black_box;

use bbx_midi::MidiMessage;
use bbx_midi::spsc::StaticRing;

/// Calls of each probe.
const CALLS: usize = 1_000_000;
/// Items per pass: pushed, then popped.
const PASS: usize = 4_000;
/// Every ring's capacity: more than a pass, not a multiple of it, so the
/// slot positions move around the ring.
const CAPACITY: usize = 4_096;
/// Items per slice in the slice probes.
const SLICE: usize = 16;

/// The probes, one operation each, out of line.
mod probes {
    use bbx_midi::spsc::{Consumer, Producer, StaticRing};
    use bbx_midi::{MidiBufferConsumer, MidiBufferProducer, MidiMessage, StaticMidiBuffer};

    type Static<T> = &'static StaticRing<T, { super::CAPACITY }>;
    type StaticMidi = &'static StaticMidiBuffer<{ super::CAPACITY }>;

    macro_rules! one_item {
        ($push:ident, $pop:ident, $rtrb_push:ident, $rtrb_pop:ident, $item:ty) => {
            #[inline(never)]
            pub fn $push(producer: &mut Producer<$item>, item: $item) -> bool {
                producer.try_push(item).is_ok()
            }
            #[inline(never)]
            pub fn $pop(consumer: &mut Consumer<$item>) -> Option<$item> {
                consumer.try_pop()
            }
            #[inline(never)]
            pub fn $rtrb_push(producer: &mut rtrb::Producer<$item>, item: $item) -> bool {
                producer.push(item).is_ok()
            }
            #[inline(never)]
            pub fn $rtrb_pop(consumer: &mut rtrb::Consumer<$item>) -> Option<$item> {
                consumer.pop().ok()
            }
        };
    }
    one_item!(
        spsc_push_u8x3,
        spsc_pop_u8x3,
        rtrb_push_u8x3,
        rtrb_pop_u8x3,
        [u8; 3]
    );
    one_item!(
        spsc_push_u8x4,
        spsc_pop_u8x4,
        rtrb_push_u8x4,
        rtrb_pop_u8x4,
        [u8; 4]
    );
    one_item!(
        spsc_push_midi,
        spsc_pop_midi,
        rtrb_push_midi,
        rtrb_pop_midi,
        MidiMessage
    );

    #[inline(never)]
    pub fn static_push_midi(
        producer: &mut Producer<MidiMessage, Static<MidiMessage>>,
        item: MidiMessage,
    ) -> bool {
        producer.try_push(item).is_ok()
    }
    #[inline(never)]
    pub fn static_pop_midi(
        consumer: &mut Consumer<MidiMessage, Static<MidiMessage>>,
    ) -> Option<MidiMessage> {
        consumer.try_pop()
    }
    #[inline(never)]
    pub fn typed_push(producer: &mut MidiBufferProducer, item: MidiMessage) -> bool {
        producer.try_push(item).is_ok()
    }
    #[inline(never)]
    pub fn typed_pop(consumer: &mut MidiBufferConsumer) -> Option<MidiMessage> {
        consumer.try_pop()
    }
    #[inline(never)]
    pub fn typed_static_push(
        producer: &mut MidiBufferProducer<StaticMidi>,
        item: MidiMessage,
    ) -> bool {
        producer.try_push(item).is_ok()
    }
    #[inline(never)]
    pub fn typed_static_pop(consumer: &mut MidiBufferConsumer<StaticMidi>) -> Option<MidiMessage> {
        consumer.try_pop()
    }

    #[inline(never)]
    pub fn spsc_push_slice_midi(
        producer: &mut Producer<MidiMessage>,
        items: &[MidiMessage],
    ) -> usize {
        producer.push_slice(items)
    }
    #[inline(never)]
    pub fn spsc_pop_slice_midi(
        consumer: &mut Consumer<MidiMessage>,
        out: &mut [MidiMessage],
    ) -> usize {
        consumer.pop_slice(out)
    }
    #[inline(never)]
    pub fn static_push_slice_midi(
        producer: &mut Producer<MidiMessage, Static<MidiMessage>>,
        items: &[MidiMessage],
    ) -> usize {
        producer.push_slice(items)
    }
    #[inline(never)]
    pub fn static_pop_slice_midi(
        consumer: &mut Consumer<MidiMessage, Static<MidiMessage>>,
        out: &mut [MidiMessage],
    ) -> usize {
        consumer.pop_slice(out)
    }
    #[inline(never)]
    pub fn typed_push_slice(producer: &mut MidiBufferProducer, items: &[MidiMessage]) -> usize {
        producer.try_push_slice(items)
    }
    #[inline(never)]
    pub fn typed_pop_into(consumer: &mut MidiBufferConsumer, out: &mut [MidiMessage]) -> usize {
        consumer.pop_into(out)
    }
    #[inline(never)]
    pub fn rtrb_push_slice_midi(
        producer: &mut rtrb::Producer<MidiMessage>,
        items: &[MidiMessage],
    ) -> usize {
        producer.push_partial_slice(items).0.len()
    }
    #[inline(never)]
    pub fn rtrb_pop_slice_midi(
        consumer: &mut rtrb::Consumer<MidiMessage>,
        out: &mut [MidiMessage],
    ) -> usize {
        consumer.pop_partial_slice(out).0.len()
    }
}

/// Item number `i`, in each carried type.
trait Item: Copy + PartialEq + std::fmt::Debug {
    fn nth(i: usize) -> Self;
}
impl Item for [u8; 3] {
    fn nth(i: usize) -> Self {
        [
            0x90 | (i >> 14 & 0x0F) as u8,
            (i >> 7 & 0x7F) as u8,
            (i & 0x7F) as u8,
        ]
    }
}
impl Item for [u8; 4] {
    fn nth(i: usize) -> Self {
        let [status, note, velocity] = <[u8; 3]>::nth(i);
        [status, note, velocity, 3]
    }
}
impl Item for MidiMessage {
    fn nth(i: usize) -> Self {
        MidiMessage::new(<[u8; 3]>::nth(i))
    }
}

/// [`CALLS`] pushes through `push` and as many pops through `pop`, in
/// passes; checks that every item comes out once, in order.
fn one_by_one<P, C, T: Item>(
    name: &str,
    producer: &mut P,
    consumer: &mut C,
    push: fn(&mut P, T) -> bool,
    pop: fn(&mut C) -> Option<T>,
) {
    let (mut sent, mut received) = (0, 0);
    while received < CALLS {
        for _ in 0..PASS {
            assert!(
                push(black_box(&mut *producer), T::nth(sent)),
                "{name}: full"
            );
            sent += 1;
        }
        for _ in 0..PASS {
            assert_eq!(
                pop(black_box(&mut *consumer)),
                Some(T::nth(received)),
                "{name}"
            );
            received += 1;
        }
    }
    assert_eq!(pop(black_box(&mut *consumer)), None, "{name}");
    println!("{name}: {CALLS} calls of each probe, every item in order");
}

/// The same with [`SLICE`]-item slices: [`CALLS`] / [`SLICE`] calls each.
fn by_slices<P, C>(
    name: &str,
    producer: &mut P,
    consumer: &mut C,
    push: fn(&mut P, &[MidiMessage]) -> usize,
    pop: fn(&mut C, &mut [MidiMessage]) -> usize,
) {
    let (mut sent, mut received) = (0, 0);
    let mut out = [MidiMessage::INVALID; SLICE];
    while received < CALLS {
        for _ in 0..PASS / SLICE {
            let items: [MidiMessage; SLICE] = std::array::from_fn(|i| MidiMessage::nth(sent + i));
            assert_eq!(
                push(black_box(&mut *producer), black_box(&items)),
                SLICE,
                "{name}"
            );
            sent += SLICE;
        }
        for _ in 0..PASS / SLICE {
            assert_eq!(
                pop(black_box(&mut *consumer), black_box(&mut out)),
                SLICE,
                "{name}"
            );
            for (i, message) in out.iter().enumerate() {
                assert_eq!(*message, MidiMessage::nth(received + i), "{name}");
            }
            received += SLICE;
        }
    }
    println!(
        "{name}: {} calls of each probe ({SLICE} items each), every item in order",
        CALLS / SLICE
    );
}

/// One group of probes: a name to select it by, and its run.
type Group = (&'static str, fn());

/// Every group; run them all, or the ones whose names contain the argument.
const GROUPS: [Group; 13] = {
    use bbx_midi::spsc::SpscRingBuffer;
    use probes::*;
    use rtrb::RingBuffer;
    [
        ("spsc_u8x3", || {
            let (mut p, mut c) = SpscRingBuffer::new(CAPACITY);
            one_by_one::<_, _, [u8; 3]>("spsc_u8x3", &mut p, &mut c, spsc_push_u8x3, spsc_pop_u8x3);
        }),
        ("spsc_u8x4", || {
            let (mut p, mut c) = SpscRingBuffer::new(CAPACITY);
            one_by_one::<_, _, [u8; 4]>("spsc_u8x4", &mut p, &mut c, spsc_push_u8x4, spsc_pop_u8x4);
        }),
        ("spsc_midi", || {
            let (mut p, mut c) = SpscRingBuffer::new(CAPACITY);
            one_by_one("spsc_midi", &mut p, &mut c, spsc_push_midi, spsc_pop_midi);
        }),
        ("spsc_slice_midi", || {
            let (mut p, mut c) = SpscRingBuffer::new(CAPACITY);
            by_slices(
                "spsc_slice_midi",
                &mut p,
                &mut c,
                spsc_push_slice_midi,
                spsc_pop_slice_midi,
            );
        }),
        ("static_midi", || {
            let ring: &'static mut StaticRing<MidiMessage, CAPACITY> = Box::leak(Box::default());
            let (mut p, mut c) = ring.split();
            one_by_one(
                "static_midi",
                &mut p,
                &mut c,
                static_push_midi,
                static_pop_midi,
            );
        }),
        ("static_slice_midi", || {
            let ring: &'static mut StaticRing<MidiMessage, CAPACITY> = Box::leak(Box::default());
            let (mut p, mut c) = ring.split();
            by_slices(
                "static_slice_midi",
                &mut p,
                &mut c,
                static_push_slice_midi,
                static_pop_slice_midi,
            );
        }),
        ("typed_heap", || {
            let (mut p, mut c) = bbx_midi::midi_buffer(CAPACITY);
            one_by_one("typed_heap", &mut p, &mut c, typed_push, typed_pop);
        }),
        ("typed_static", || {
            let buffer: &'static mut bbx_midi::StaticMidiBuffer<CAPACITY> =
                Box::leak(Box::default());
            let (mut p, mut c) = buffer.split();
            one_by_one(
                "typed_static",
                &mut p,
                &mut c,
                typed_static_push,
                typed_static_pop,
            );
        }),
        ("typed_slice", || {
            let (mut p, mut c) = bbx_midi::midi_buffer(CAPACITY);
            by_slices(
                "typed_slice",
                &mut p,
                &mut c,
                typed_push_slice,
                typed_pop_into,
            );
        }),
        ("rtrb_u8x3", || {
            let (mut p, mut c) = RingBuffer::new(CAPACITY);
            one_by_one::<_, _, [u8; 3]>("rtrb_u8x3", &mut p, &mut c, rtrb_push_u8x3, rtrb_pop_u8x3);
        }),
        ("rtrb_u8x4", || {
            let (mut p, mut c) = RingBuffer::new(CAPACITY);
            one_by_one::<_, _, [u8; 4]>("rtrb_u8x4", &mut p, &mut c, rtrb_push_u8x4, rtrb_pop_u8x4);
        }),
        ("rtrb_midi", || {
            let (mut p, mut c) = RingBuffer::new(CAPACITY);
            one_by_one("rtrb_midi", &mut p, &mut c, rtrb_push_midi, rtrb_pop_midi);
        }),
        ("rtrb_slice_midi", || {
            let (mut p, mut c) = RingBuffer::new(CAPACITY);
            by_slices(
                "rtrb_slice_midi",
                &mut p,
                &mut c,
                rtrb_push_slice_midi,
                rtrb_pop_slice_midi,
            );
        }),
    ]
};

fn main() {
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    for (name, run) in GROUPS {
        if only.as_deref().is_none_or(|o| name.contains(o)) {
            run();
        }
    }
}
