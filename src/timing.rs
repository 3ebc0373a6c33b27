//! Sample-accurate timing: MIDI stamped when it arrives, played at the frame
//! it belongs to.
//!
//! Applying all the MIDI that arrived during an audio block at the start of
//! the next block moves every note by up to a block (11.6 ms at 512 frames
//! and 44.1 kHz), differently for each note: audible as jitter. Instead:
//!
//! 1. the MIDI thread stamps each message with its arrival time
//!    ([`MidiClock`], or any microsecond clock both threads share) and sends
//!    a [`MidiEvent`] through a [`midi_event_buffer`](crate::midi_event_buffer);
//! 2. the audio callback tells a [`BlockScheduler`] when its block starts on
//!    that clock, and takes the events due in the block with their frame
//!    offsets.
//!
//! **Policy.** Every event is played a fixed latency after it arrived (one
//! block plus a little is the usual choice): the spacing between events is
//! kept to the frame, at the price of that constant delay. An event whose time is
//! already past when its block is rendered (it arrived late, or the audio
//! thread stalled) is played at frame 0 and counted as late. An event due
//! in a later block stays queued, unless it is due further ahead than a
//! horizon (one second by default): such a stamp is wrong, and it is played
//! at frame 0 and counted rather than holding up every event behind it.
//! Events come out in the order they were sent, with non-decreasing offsets.
//!
//! **Two clocks.** The sound card's sample clock and the system clock drift
//! apart (tens of ppm is usual: a millisecond every minute), and callbacks
//! start with jitter. The scheduler follows the sound card with a
//! second-order delay-locked loop: it predicts each block's start from the
//! last one and the number of frames, and corrects the prediction and the
//! microseconds-per-frame rate by a small fraction of the measured error.
//! Jitter is smoothed away and drift is tracked; a gap far beyond jitter (an
//! xrun, a suspended device) resynchronises at once.
//!
//! ```
//! use bbx_midi::{BlockScheduler, MidiMessage, midi_event_buffer};
//!
//! let (mut producer, mut consumer) = midi_event_buffer(256);
//! // 48 kHz, 480-frame blocks (10 ms), played one block after arrival.
//! let mut scheduler = BlockScheduler::new(48_000.0, 10_000);
//!
//! // A note arrives at t = 1_004_000 µs ...
//! producer.try_send_at(MidiMessage::note_on(0, 60, 100)?, 1_004_000);
//! // ... and is played 10 ms later: 4 ms into the block starting at 1_010_000 µs.
//! scheduler.begin_block(1_000_000, 480);
//! assert_eq!(scheduler.next_event(&mut consumer), None);
//! scheduler.begin_block(1_010_000, 480);
//! let (frame, message) = scheduler.next_event(&mut consumer).unwrap();
//! assert_eq!((frame, message), (192, MidiMessage::note_on(0, 60, 100)?));
//! # Ok::<(), bbx_midi::MidiError>(())
//! ```

use crate::buffer::MidiBufferConsumer;
use crate::message::MidiMessage;

/// A MIDI message and the time it arrived, in 8 bytes.
///
/// The time is in microseconds, kept modulo 2³² (71.6 minutes): the
/// scheduler compares it with the block's start by wrapping difference, so
/// it works forever as long as an event is played within half an hour of
/// its time.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MidiEvent {
    /// The message.
    pub message: MidiMessage,
    /// Its arrival time in microseconds, modulo 2³².
    pub time: u32,
}

impl MidiEvent {
    /// `message` stamped with `time_us` (kept modulo 2³²).
    ///
    /// ```
    /// let event = bbx_midi::MidiEvent::new(bbx_midi::MidiMessage::STOP, (1 << 32) + 5);
    /// assert_eq!(event.time, 5);
    /// assert_eq!(std::mem::size_of_val(&event), 8);
    /// ```
    #[inline]
    pub const fn new(message: MidiMessage, time_us: u64) -> Self {
        Self {
            message,
            time: time_us as u32,
        }
    }
}

/// A monotonic microsecond clock that both threads can read: copy it into
/// the MIDI callback and the audio callback.
///
/// Reads `std::time::Instant`, which on Linux, macOS and Windows is a
/// user-space read of a hardware counter (vDSO, `mach_absolute_time`,
/// `QueryPerformanceCounter`), not a system call.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug)]
pub struct MidiClock {
    origin: std::time::Instant,
}

#[cfg(feature = "std")]
impl MidiClock {
    /// A clock reading 0 now.
    pub fn new() -> Self {
        Self {
            origin: std::time::Instant::now(),
        }
    }

    /// Microseconds since the clock was made.
    ///
    /// ```
    /// let clock = bbx_midi::MidiClock::new();
    /// let a = clock.now_us();
    /// assert!(clock.now_us() >= a);
    /// ```
    #[inline]
    pub fn now_us(&self) -> u64 {
        self.origin.elapsed().as_micros() as u64
    }
}

#[cfg(feature = "std")]
impl Default for MidiClock {
    fn default() -> Self {
        Self::new()
    }
}

/// What a [`BlockScheduler`] has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SchedulerStats {
    /// Events delivered.
    pub events: u64,
    /// Of those, events already past when their block was rendered, played
    /// at frame 0.
    pub late: u64,
    /// Events stamped further in the future than the scheduler's horizon
    /// (a clock mix-up, or stamps more than half an hour old, which wrap):
    /// played at frame 0 rather than holding up every event behind them.
    pub misdated: u64,
    /// Times the block clock jumped by more than jitter can explain and the
    /// scheduler started over from the measured time.
    pub resyncs: u64,
}

/// Turns the events of a [`midi_event_buffer`](crate::midi_event_buffer)
/// into frame offsets inside audio blocks. See the [module
/// documentation](self) for the policy.
///
/// Lives in the audio callback's state; never allocates, never blocks.
#[derive(Clone, Debug)]
pub struct BlockScheduler {
    /// Microseconds per frame at the nominal sample rate.
    nominal_us_per_frame: f64,
    /// The delay from an event's time to the time it is played.
    latency_us: f64,
    /// Loop bandwidth in Hz; 0 disables the drift correction.
    bandwidth_hz: f64,
    /// Events due later than this after the block's end are misdated.
    horizon_us: f64,
    /// Estimated start of the current block, on the events' clock.
    start_us: f64,
    /// Where the previous block's window ended, relative to `start_us`:
    /// the loop's corrections can open a small gap between the two, and an
    /// event due in it is on time, not late.
    gap_us: f64,
    /// Estimated microseconds per frame of the sound card, on that clock.
    us_per_frame: f64,
    /// Frames in the current block.
    frames: usize,
    /// Frames in the last block that had any, for predicting the next start.
    last_frames: usize,
    /// No offset below this is given out in the current block.
    next_offset: usize,
    synced: bool,
    stats: SchedulerStats,
}

impl BlockScheduler {
    /// A scheduler for blocks at `sample_rate` frames per second, playing
    /// each event `latency_us` microseconds after its time. The usual choice
    /// is one block's duration plus a margin for the callbacks' jitter (a
    /// millisecond or two): with no margin, an event that arrives just after
    /// a callback began can fall before the scheduler's smoothed estimate of
    /// that block's start, and come late. Drift is tracked with a loop
    /// bandwidth of 0.5 Hz: about two seconds to settle.
    ///
    /// # Panics
    ///
    /// If `sample_rate` is not a positive finite number.
    pub fn new(sample_rate: f64, latency_us: u32) -> Self {
        assert!(
            sample_rate.is_finite() && sample_rate > 0.0,
            "BlockScheduler: sample rate must be positive and finite, got {sample_rate}"
        );
        let nominal = 1e6 / sample_rate;
        Self {
            nominal_us_per_frame: nominal,
            latency_us: f64::from(latency_us),
            bandwidth_hz: 0.5,
            horizon_us: 1e6,
            start_us: 0.0,
            gap_us: 0.0,
            us_per_frame: nominal,
            frames: 0,
            last_frames: 0,
            next_offset: 0,
            synced: false,
            stats: SchedulerStats::default(),
        }
    }

    /// The same scheduler with another loop bandwidth: higher follows
    /// faster and smooths jitter less; 0 trusts the nominal sample rate and
    /// only resynchronises on large jumps.
    ///
    /// # Panics
    ///
    /// If `hz` is negative or not finite.
    pub fn with_bandwidth(mut self, hz: f64) -> Self {
        assert!(
            hz.is_finite() && hz >= 0.0,
            "BlockScheduler: bandwidth must be non-negative and finite, got {hz}"
        );
        self.bandwidth_hz = hz;
        self
    }

    /// The same scheduler with another horizon: an event due more than
    /// `horizon_us` after the end of the block being rendered is taken for
    /// misdated and played at frame 0 (and counted) instead of holding up
    /// the events behind it. The default is one second.
    pub fn with_horizon(mut self, horizon_us: u32) -> Self {
        self.horizon_us = f64::from(horizon_us);
        self
    }

    /// The delay from an event's time to the time it is played.
    pub fn latency_us(&self) -> u32 {
        self.latency_us as u32
    }

    /// Changes the latency, for example when the sound card's blocks turn
    /// out longer than expected: with a latency shorter than a block, events
    /// from the start of each block come late. Takes effect with the next
    /// event.
    pub fn set_latency_us(&mut self, latency_us: u32) {
        self.latency_us = f64::from(latency_us);
    }

    /// Starts a block of `frames` frames whose callback began at `now_us`
    /// on the events' clock. Call it once per block, before taking events.
    /// A block of 0 frames takes no events and leaves the clock model as it
    /// was.
    ///
    /// Never allocates; constant time.
    pub fn begin_block(&mut self, now_us: u64, frames: usize) {
        self.frames = frames;
        self.next_offset = 0;
        if frames == 0 {
            return;
        }
        let now = now_us as f64;
        if !self.synced {
            self.restart(now);
            self.synced = true;
        } else {
            let block_us = self.last_frames as f64 * self.us_per_frame;
            let predicted = self.start_us + block_us;
            let error = now - predicted;
            if abs(error) > (2.0 * block_us).max(10_000.0) {
                self.restart(now);
                self.stats.resyncs += 1;
            } else {
                // Second-order DLL (F. Adriaensen, "Using a DLL to filter
                // time", 2005): w = 2 pi B T, position gain sqrt(2) w, rate
                // gain w^2. The loop is stable for w below about 1; capping
                // w narrows the bandwidth for very long blocks or very high
                // settings instead of letting the estimate oscillate.
                let w = (core::f64::consts::TAU * self.bandwidth_hz * block_us / 1e6).min(0.5);
                self.start_us = predicted + core::f64::consts::SQRT_2 * w * error;
                self.us_per_frame += w * w * error / self.last_frames as f64;
                self.gap_us = (self.start_us - predicted).max(0.0);
            }
        }
        self.last_frames = frames;
    }

    fn restart(&mut self, now: f64) {
        self.start_us = now;
        self.us_per_frame = self.nominal_us_per_frame;
        self.gap_us = 0.0;
    }

    /// Takes the next event due in the current block and returns its frame
    /// offset (in `0..frames`, non-decreasing within the block) and message;
    /// `None` when the next event is due in a later block (it stays queued)
    /// or there is none.
    ///
    /// Wait-free; never allocates.
    pub fn next_event(
        &mut self,
        events: &mut MidiBufferConsumer<crate::MidiEvent>,
    ) -> Option<(usize, MidiMessage)> {
        if self.frames == 0 {
            return None;
        }
        let event = *events.peek()?;
        // The event's time relative to the block start, by wrapping
        // difference on 32 bits: exact for events within ±35 minutes.
        let anchor = floor(self.start_us);
        let since_anchor = event.time.wrapping_sub(anchor as i64 as u32) as i32;
        let due_us = f64::from(since_anchor) + (anchor - self.start_us) + self.latency_us;
        let frame = floor(due_us / self.us_per_frame + 0.5);
        let block_end = self.frames as f64;
        let misdated = due_us > block_end * self.us_per_frame + self.horizon_us;
        if frame >= block_end && !misdated {
            return None;
        }
        events.try_pop();
        self.stats.events += 1;
        let mut offset = if misdated {
            self.stats.misdated += 1;
            0
        } else if frame < 0.0 {
            // Late only if it was due before the previous block ended, not
            // in the gap a correction of the block clock opened.
            if due_us < -self.gap_us - self.us_per_frame / 2.0 {
                self.stats.late += 1;
            }
            0
        } else {
            frame as usize
        };
        offset = offset.max(self.next_offset);
        self.next_offset = offset;
        Some((offset, event.message))
    }

    /// The scheduler's estimate of the sound card's sample rate on the
    /// events' clock, in frames per second.
    pub fn sample_rate_estimate(&self) -> f64 {
        1e6 / self.us_per_frame
    }

    /// What the scheduler has done so far.
    pub fn stats(&self) -> SchedulerStats {
        self.stats
    }
}

/// `f64::floor`, which `core` lacks (`no_std` builds have no libm), for the
/// magnitudes used here (well inside `i64`).
fn floor(x: f64) -> f64 {
    let truncated = x as i64 as f64;
    if truncated > x {
        truncated - 1.0
    } else {
        truncated
    }
}

/// `f64::abs`, likewise.
fn abs(x: f64) -> f64 {
    if x < 0.0 { -x } else { x }
}
