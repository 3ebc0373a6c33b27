//! The block time of a `cpal` output callback, for the scheduler.

use cpal::OutputCallbackInfo;

use super::CardClock;
use crate::MidiClock;

/// The time each `cpal` output callback's block will be heard, on the
/// [`MidiClock`] the MIDI inputs stamp with: the device's playback
/// timestamp where the host gives one, put on that clock by a
/// [`CardClock`], so that the [`BlockScheduler`](crate::BlockScheduler)
/// follows the card rather than the moment the callback's thread woke.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use bbx_midi::io::cpal::CpalClock;
/// use bbx_midi::{BlockScheduler, MidiClock};
/// use cpal::traits::{DeviceTrait, HostTrait};
///
/// let clock = MidiClock::new(); // the one the MIDI inputs stamp with
/// let device = cpal::default_host().default_output_device().ok_or("no device")?;
/// let config = device.default_output_config()?.config();
/// let mut card = CpalClock::new(clock);
/// let mut scheduler = BlockScheduler::new(f64::from(config.sample_rate), 12_000);
/// let channels = usize::from(config.channels);
/// let _stream = device.build_output_stream(
///     config,
///     move |data: &mut [f32], info: &cpal::OutputCallbackInfo| {
///         scheduler.begin_block(card.block_start_us(info), data.len() / channels);
///         // ... take the events due and render ...
///     },
///     |err| eprintln!("{err}"),
///     None,
/// )?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct CpalClock {
    card: CardClock,
    clock: MidiClock,
}

impl CpalClock {
    /// A clock for the callbacks of one output stream.
    pub fn new(clock: MidiClock) -> Self {
        Self {
            card: CardClock::new(),
            clock,
        }
    }

    /// In the output callback, first thing: when this block will be heard,
    /// in µs on the MIDI clock. Wait-free; never allocates.
    pub fn block_start_us(&mut self, info: &OutputCallbackInfo) -> u64 {
        let now = self.clock.now_us();
        let stamp = info.timestamp();
        self.card.block_start_us(
            now,
            stamp.callback.as_nanos() as u64,
            stamp.playback.as_nanos() as u64,
        )
    }

    /// How far ahead of the callback its block is heard, in µs: add it to
    /// the scheduler's latency (see [`CardClock::ahead_us`]).
    pub fn ahead_us(info: &OutputCallbackInfo) -> u64 {
        let stamp = info.timestamp();
        CardClock::ahead_us(
            stamp.callback.as_nanos() as u64,
            stamp.playback.as_nanos() as u64,
        )
    }
}
