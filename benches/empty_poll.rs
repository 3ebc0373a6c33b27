//! A model of `try_pop` on an empty queue: what keeping a cached copy of the
//! producer's index costs a consumer that finds nothing, and what packing
//! that copy with its own index into one word would win back.
//!
//! Three consumers of the same shape as the real ones, stripped to the
//! empty check, each polled in turn in every round:
//!
//! * **no cache** (upstream `bbx_midi` 0.5.1): loads the ring's address,
//!   then the shared `head` and `tail`, and compares them;
//! * **cached** (our `spsc::Consumer`): loads its own `head` and the cached
//!   `tail` from the handle; only when they are equal, the ring's address
//!   and the shared `tail`. One load more than no cache when empty, none
//!   when items are waiting, which is what keeps it off the producer's line;
//! * **packed**: as cached, with the low 32 bits of `head` and of the
//!   cached `tail` as the two halves of one word, so the handle gives both
//!   in one load (exact while the capacity is at most `u32::MAX`). Tried in
//!   the ring and not kept: there the empty poll gained less than this
//!   model says and every pop paid for keeping the word up to date (see
//!   benches/README.md).
//!
//! The handle's address goes through `black_box` on every poll, as in
//! `interleaved.rs`, so the compiler cannot hoist any of the loads. Prints
//! the median of per-round ratios against no cache.
//!
//! ```text
//! cargo bench -p bbx_midi_benches --bench empty_poll     # about 10 s
//! ```

mod common;
use common::median;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use crossbeam_utils::CachePadded;

/// The shared indices, each on its own line, as in both rings.
struct Shared {
    head: CachePadded<AtomicUsize>,
    tail: CachePadded<AtomicUsize>,
}

fn shared() -> Box<Shared> {
    Box::new(Shared {
        head: CachePadded::new(AtomicUsize::new(0)),
        tail: CachePadded::new(AtomicUsize::new(0)),
    })
}

trait Poll {
    const NAME: &'static str;
    /// Whether an item is ready; the empty check only.
    fn ready(&mut self) -> bool;
}

struct NoCache {
    ring: Box<Shared>,
}

impl Poll for NoCache {
    const NAME: &'static str = "no cache (upstream's layout)";
    #[inline(always)]
    fn ready(&mut self) -> bool {
        let head = self.ring.head.load(Ordering::Relaxed);
        self.ring.tail.load(Ordering::Acquire) != head
    }
}

struct Cached {
    ring: Box<Shared>,
    head: usize,
    cached_tail: usize,
}

impl Poll for Cached {
    const NAME: &'static str = "cached (our layout)";
    #[inline(always)]
    fn ready(&mut self) -> bool {
        let head = self.head;
        if self.cached_tail != head {
            return true;
        }
        let tail = self.ring.tail.load(Ordering::Acquire);
        if tail == head {
            return false;
        }
        self.cached_tail = tail;
        true
    }
}

struct Packed {
    tail: Box<CachePadded<AtomicU64>>,
    /// `head` in the low half, the cached `tail` in the high half.
    both: u64,
}

impl Poll for Packed {
    const NAME: &'static str = "packed (one word for both)";
    #[inline(always)]
    fn ready(&mut self) -> bool {
        let both = self.both;
        let head = both as u32;
        if (both >> 32) as u32 != head {
            return true;
        }
        let tail = self.tail.load(Ordering::Acquire) as u32;
        if tail == head {
            return false;
        }
        self.both = u64::from(head) | u64::from(tail) << 32;
        true
    }
}

/// Polls `n` times; seconds taken. Panics if any poll finds an item.
#[inline(never)]
fn run<P: Poll>(consumer: &mut P, n: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        if black_box(&mut *consumer).ready() {
            panic!("{}: an empty queue had an item", P::NAME);
        }
    }
    start.elapsed().as_secs_f64()
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let (rounds, n) = if quick {
        (3, 100_000)
    } else {
        (41, 20_000_000)
    };
    let mut none = NoCache { ring: shared() };
    let mut cached = Cached {
        ring: shared(),
        head: 0,
        cached_tail: 0,
    };
    let mut packed = Packed {
        tail: Box::new(CachePadded::new(AtomicU64::new(0))),
        both: 0,
    };
    let (mut cached_ratio, mut packed_ratio) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Rotate the order, as interleaved.rs does.
        let mut t = [0.0; 3];
        for turn in 0..3 {
            match (round + turn) % 3 {
                0 => t[0] = run(&mut none, n),
                1 => t[1] = run(&mut cached, n),
                _ => t[2] = run(&mut packed, n),
            }
        }
        cached_ratio.push(t[0] / t[1]);
        packed_ratio.push(t[0] / t[2]);
    }
    println!(
        "empty poll, {rounds} rounds of {n} polls, speed against {} (higher is faster):",
        NoCache::NAME
    );
    println!(
        "  {:<28} median {:.2}×",
        Cached::NAME,
        median(&mut cached_ratio)
    );
    println!(
        "  {:<28} median {:.2}×",
        Packed::NAME,
        median(&mut packed_ratio)
    );
}
