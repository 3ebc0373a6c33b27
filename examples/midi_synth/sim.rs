//! A simulated sound card and simulated MIDI inputs, every irregularity
//! drawn from a fixed seed: the same run, to the sample, every time, on any
//! machine however busy. The audio callback and the sources are the same
//! code as in a real-time run; only their clocks are simulated.

use std::time::Duration;

/// A small deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }

    /// `true` once in `n` draws, on average.
    fn one_in(&mut self, n: u64) -> bool {
        self.next() % n == 0
    }
}

/// The simulated sound card: when each block's callback wakes, on the
/// system clock the MIDI inputs stamp with.
pub struct Card {
    /// The system clock's reading at the card's frame 0.
    pub origin_us: u64,
    /// Microseconds of the system clock per frame of the card: the card's
    /// crystal runs slow or fast against the system clock.
    pub us_per_frame: f64,
    /// When each block's callback wakes; `None` for the block whose
    /// callback never comes (an xrun: the card plays silence there).
    pub wakes_us: Vec<Option<u64>>,
    pub missed_block: usize,
}

impl Card {
    /// A card at `sample_rate` whose crystal is `drift_ppm` off, asking for
    /// `blocks` blocks of `frames`. Each callback wakes 30–150 µs after its
    /// block is due, one in 25 up to 1.5 ms late (a busy machine); the
    /// callback of one block, drawn between `missed_from` and 10 blocks
    /// later, never comes, and the one after the gap wakes 0.3–1.2 ms late
    /// on top: the card kept its cycle, the thread did not.
    pub fn draw(
        rng: &mut Rng,
        origin_us: u64,
        sample_rate: f64,
        drift_ppm: f64,
        frames: usize,
        blocks: usize,
        missed_from: usize,
    ) -> Self {
        let us_per_frame = 1e6 / sample_rate * (1.0 + drift_ppm * 1e-6);
        let missed_block = missed_from + (rng.uniform(0.0, 10.0) as usize);
        let wakes_us = (0..blocks)
            .map(|block| {
                let due = origin_us as f64 + (block * frames) as f64 * us_per_frame;
                let mut late = rng.uniform(30.0, 150.0);
                if rng.one_in(25) {
                    late += rng.uniform(300.0, 1_500.0);
                }
                if block == missed_block + 1 {
                    late += rng.uniform(300.0, 1_200.0);
                }
                (block != missed_block).then_some((due + late) as u64)
            })
            .collect();
        Self {
            origin_us,
            us_per_frame,
            wakes_us,
            missed_block,
        }
    }
}

/// When each item of a source reaches its thread's callback, where it is
/// stamped: `delay` after its time (a USB frame, a driver), never before
/// the item before it (a port delivers in order).
pub fn arrivals<T>(rng: &mut Rng, origin_us: u64, items: &[(Duration, T)]) -> Vec<u64> {
    let mut last = 0;
    items
        .iter()
        .map(|(at, _)| {
            let arrival = origin_us + at.as_micros() as u64 + rng.uniform(0.0, 250.0) as u64;
            last = arrival.max(last);
            last
        })
        .collect()
}
