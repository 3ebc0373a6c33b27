//! Counters one thread writes and any thread reads: a source's statistics,
//! for the application. The layers above use them through this type and
//! touch no atomics themselves.

use crate::sync::{AtomicUsize, Ordering};

/// Four counters, each written only by one thread (plain stores, no
/// read-modify-write: wait-free on every target) and read by any.
/// `Relaxed` everywhere: each is a statistic read on its own; no other
/// memory is read through them.
#[derive(Debug, Default)]
pub(crate) struct Counters([AtomicUsize; 4]);

impl Counters {
    /// Stores the writer's current values.
    #[inline]
    pub(crate) fn publish(&self, values: [usize; 4]) {
        for (counter, value) in self.0.iter().zip(values) {
            counter.store(value, Ordering::Relaxed);
        }
    }

    /// The values last published.
    pub(crate) fn read(&self) -> [usize; 4] {
        let mut values = [0; 4];
        for (value, counter) in values.iter_mut().zip(&self.0) {
            *value = counter.load(Ordering::Relaxed);
        }
        values
    }
}
