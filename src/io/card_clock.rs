//! A sound card's stream clock, put on the clock MIDI is stamped with.

/// Puts the times a sound card's stream gives its output callback (when
/// the callback was invoked, when its block will be heard: `cpal`'s
/// `OutputStreamTimestamp`, Core Audio's host time…) on the clock MIDI is
/// stamped with (a [`MidiClock`](crate::MidiClock)), so that a
/// [`BlockScheduler`](crate::BlockScheduler) follows the card, not the
/// moment the callback's thread woke up.
///
/// The two clocks have different origins. Each callback reads the MIDI
/// clock first thing, which is never before the stream's own instant of
/// invocation, so the offset between the clocks is at most the difference
/// of the two readings, and equal to it when the thread ran at once: the
/// clock keeps the least difference seen. It relaxes by
/// [`RELAX_NS`](Self::RELAX_NS) a callback, so that a stream clock that
/// drifts against the MIDI clock (one driven by the card's crystal) is
/// followed, up to 750 ppm with blocks of 64 frames at 48 kHz.
///
/// Wait-free, constant time, never allocates: for the audio callback.
///
/// ```
/// use bbx_midi::io::CardClock;
///
/// let mut card = CardClock::new();
/// // The stream's clock is 5 s behind the MIDI clock. The first callback
/// // ran 200 µs late; the second at once. Each block is heard 10 ms after
/// // its callback was invoked.
/// let first = card.block_start_us(5_000_000 + 1_200, 1_000_000, 11_000_000);
/// let second = card.block_start_us(5_000_000 + 6_333, 6_333_000, 16_333_000);
/// assert_eq!(first, 5_011_200); // the late wake-up is in it, at first...
/// assert_eq!(second, 5_016_333); // ...and gone once a timely callback is seen
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct CardClock {
    /// The MIDI clock's time minus the stream's, in ns: the least seen,
    /// relaxed by `RELAX_NS` a callback. `None` before the first callback.
    offset_ns: Option<i128>,
}

impl CardClock {
    /// How far the offset may rise each callback: 1 µs.
    pub const RELAX_NS: i128 = 1_000;

    /// A clock that has seen no callback yet.
    pub const fn new() -> Self {
        Self { offset_ns: None }
    }

    /// When the current block will be heard, on the MIDI clock, in µs:
    /// what [`BlockScheduler::begin_block`](crate::BlockScheduler::begin_block)
    /// takes. `now_us` is the MIDI clock read as the callback began;
    /// `callback_ns` and `playback_ns` are the stream's instants, in ns on
    /// its own clock, of the callback's invocation and of its block's first
    /// frame being heard.
    pub fn block_start_us(&mut self, now_us: u64, callback_ns: u64, playback_ns: u64) -> u64 {
        let sample = i128::from(now_us) * 1_000 - i128::from(callback_ns);
        let offset = match self.offset_ns {
            Some(offset) => (offset + Self::RELAX_NS).min(sample),
            None => sample,
        };
        self.offset_ns = Some(offset);
        let start_ns = i128::from(playback_ns) + offset;
        // Rounded to the nearest µs; a time before the clock's origin is 0.
        u64::try_from((start_ns + 500).div_euclid(1_000)).unwrap_or(0)
    }

    /// How far ahead of the callback's invocation its block is heard, in
    /// µs: what to add to a scheduler's latency when it is given
    /// [`block_start_us`](Self::block_start_us), since an event stamped
    /// just after a callback must still find its frame in a later block.
    pub fn ahead_us(callback_ns: u64, playback_ns: u64) -> u64 {
        playback_ns.saturating_sub(callback_ns) / 1_000
    }
}
