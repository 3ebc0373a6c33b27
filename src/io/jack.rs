//! MIDI in and out through JACK's own MIDI ports, each event at its frame,
//! from the process callback, without allocating.
//!
//! JACK counts frames; these ports stamp with the frame clock in µs at the
//! nominal rate ([`FrameClock`]), and the audio callback begins its block
//! with the cycle's first frame on the same clock, so the
//! [`BlockScheduler`](crate::BlockScheduler) sees a perfectly regular
//! clock: an event read at frame `f` of a cycle plays at frame `f`, a
//! latency later, and an event sent out at frame `f` of a block (stamped
//! [`time_at(f)`](crate::BlockScheduler::time_at)) is written at frame `f`
//! of the cycle it falls in. JACK's µs times would not do: JACK re-anchors
//! them to the system clock after a late cycle, which moved events queued
//! across it by up to 29 frames in a test here; frames never move.

use std::time::{Duration, Instant};

use jack::{Client, MidiIn, MidiOut, Port, PortId, ProcessScope, RawMidi};

use super::{SwapReceiver, SwapSender, source_swap};
use crate::stream::SourceAdder;
use crate::{Event, MidiStream, StreamSource};

/// JACK's frame counter, unwrapped to 64 bits, and turned into µs at the
/// nominal rate and back, exactly (rounded to the nearest either way, a
/// round trip gives the frame back at any rate up to 1 MHz).
///
/// Each holder (the MIDI ports, the audio callback) keeps its own: they
/// read the same counter every cycle, so they agree.
#[derive(Clone, Copy, Debug)]
pub struct FrameClock {
    rate: u64,
    /// The counter's last reading and the laps it made before it.
    last: u32,
    laps: u64,
    started: bool,
}

impl FrameClock {
    /// A clock at `sample_rate` frames a second (JACK's `sample_rate()`).
    ///
    /// # Panics
    ///
    /// If `sample_rate` is 0.
    pub fn new(sample_rate: u32) -> Self {
        assert!(
            sample_rate > 0,
            "FrameClock: the sample rate must be above 0"
        );
        Self {
            rate: u64::from(sample_rate),
            last: 0,
            laps: 0,
            started: false,
        }
    }

    /// JACK's 32-bit frame count as a 64-bit one (it wraps after 2³²
    /// frames, about a day at 48 kHz). Read it at least every 2³¹ frames;
    /// every cycle does.
    pub fn frames(&mut self, jack_frames: u32) -> u64 {
        if self.started && jack_frames < self.last && self.last - jack_frames > 1 << 31 {
            self.laps += 1;
        }
        self.started = true;
        self.last = jack_frames;
        (self.laps << 32) | u64::from(jack_frames)
    }

    /// `frames` in µs, to the nearest.
    ///
    /// ```
    /// let clock = bbx_midi::io::jack::FrameClock::new(48_000);
    /// assert_eq!(clock.to_us(48_000), 1_000_000);
    /// assert_eq!(clock.to_us(1), 21); // 20.83 µs
    /// assert_eq!(clock.to_frames(clock.to_us(123_457)), 123_457);
    /// ```
    pub fn to_us(&self, frames: u64) -> u64 {
        ((u128::from(frames) * 1_000_000 + u128::from(self.rate / 2)) / u128::from(self.rate))
            as u64
    }

    /// `us` in frames, to the nearest.
    pub fn to_frames(&self, us: u64) -> u64 {
        ((u128::from(us) * u128::from(self.rate) + 500_000) / 1_000_000) as u64
    }

    /// In a process callback: the cycle's first frame, in µs: what the
    /// audio callback gives [`BlockScheduler::begin_block`](crate::BlockScheduler::begin_block).
    pub fn cycle_start_us(&mut self, scope: &ProcessScope) -> u64 {
        let frames = self.frames(scope.last_frame_time());
        self.to_us(frames)
    }

    /// Where an event stamped `stamp_us` (kept modulo 2³² µs) falls in a
    /// cycle of `n_frames` that starts at `cycle_start_us`.
    ///
    /// ```
    /// use bbx_midi::io::jack::{FrameClock, InCycle};
    ///
    /// let clock = FrameClock::new(48_000);
    /// let start = clock.to_us(96_000); // the cycle from frame 96 000
    /// let at = |frame: u64| clock.to_us(96_000 + frame) as u32;
    /// assert_eq!(clock.place(at(37), start, 256), InCycle::At(37));
    /// assert_eq!(clock.place(at(256), start, 256), InCycle::Later);
    /// assert_eq!(clock.place(start as u32 - 100, start, 256), InCycle::Late);
    /// ```
    pub fn place(&self, stamp_us: u32, cycle_start_us: u64, n_frames: u32) -> InCycle {
        let since = stamp_us.wrapping_sub(cycle_start_us as u32) as i32;
        if since < 0 {
            return InCycle::Late;
        }
        let frame = self.to_frames(since as u64);
        if frame < u64::from(n_frames) {
            InCycle::At(frame as u32)
        } else {
            InCycle::Later
        }
    }
}

/// Where an event falls in a JACK cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InCycle {
    /// At this frame of the cycle.
    At(u32),
    /// It was due before the cycle began.
    Late,
    /// In a later cycle.
    Later,
}

/// A JACK MIDI input port feeding a [`StreamSource`], each event stamped
/// with its frame on the [`FrameClock`]. Call [`read`](Self::read) once
/// per cycle from the process callback: wait-free (bounded by the events
/// of the cycle) and allocation-free.
pub struct JackMidiIn {
    port: Port<MidiIn>,
    source: StreamSource,
    clock: FrameClock,
    refused: u64,
    /// New sources from a [`JackMidiWatch`], taken at the next read.
    swap: Option<SwapReceiver>,
}

impl JackMidiIn {
    /// Registers the input port `name` on `client`.
    ///
    /// # Errors
    ///
    /// What JACK says when it refuses the port.
    pub fn register(
        client: &Client,
        name: &str,
        source: StreamSource,
    ) -> Result<Self, jack::Error> {
        Ok(Self {
            port: client.register_port(name, MidiIn::default())?,
            source,
            clock: FrameClock::new(client.sample_rate()),
            refused: 0,
            swap: None,
        })
    }

    /// The port, and a watch that ends its source when a sender goes away
    /// (see [`JackMidiWatch`]); new sources come from `adder`.
    ///
    /// # Errors
    ///
    /// What JACK says when it refuses the port.
    pub fn register_watched(
        client: &Client,
        name: &str,
        source: StreamSource,
        adder: SourceAdder,
    ) -> Result<(Self, JackMidiWatch), jack::Error> {
        let mut input = Self::register(client, name, source)?;
        let (offer, take) = source_swap();
        input.swap = Some(take);
        let watch = JackMidiWatch {
            port: input.port.name()?,
            adder,
            offer,
            ends: 0,
        };
        Ok((input, watch))
    }

    /// Sends this cycle's events into the source, each stamped with its
    /// frame; returns how many the port delivered. A full source reports
    /// the loss in the stream; bytes that are not MIDI are refused and
    /// counted ([`refused`](Self::refused)).
    pub fn read(&mut self, scope: &ProcessScope) -> usize {
        if let Some(swap) = &mut self.swap {
            swap.swap(&mut self.source);
        }
        let start = self.clock.frames(scope.last_frame_time());
        let mut events = 0;
        for event in self.port.iter(scope) {
            let stamp = self.clock.to_us(start + u64::from(event.time));
            events += 1;
            if let Err(crate::SendError::Invalid(_)) =
                self.source.try_send_bytes_at(event.bytes, stamp)
            {
                self.refused += 1;
            }
        }
        events
    }

    /// Events the port delivered that were not MIDI.
    pub fn refused(&self) -> u64 {
        self.refused
    }

    /// Puts `source` in place of the one it sends into (a sender came back
    /// as a new source) and gives the old one back, to be dropped away
    /// from the process callback: dropping a source can free its rings.
    pub fn replace_source(&mut self, source: StreamSource) -> StreamSource {
        core::mem::replace(&mut self.source, source)
    }

    /// The port, to connect it or read its name.
    pub fn port(&self) -> &Port<MidiIn> {
        &self.port
    }
}

/// Ends a watched [`JackMidiIn`]'s source when a connection to its port
/// goes away, so that the audio thread sees the sender leave: the stream
/// delivers [`Event::Ended`] after everything the port delivered, and a
/// synthesizer releases the notes it started (a sequencer stopped or a
/// keyboard unplugged mid-note leaves none hanging). A new source, from
/// the stream's [`SourceAdder`], takes its place for whoever connects
/// next. A JACK port mixes its senders, so the end stands for all of them.
///
/// Call [`ports_connected`](Self::ports_connected) from the client's
/// `NotificationHandler` (JACK's notification thread, which may allocate
/// and wait: it makes the new source there, and drops the old one once
/// the process callback has handed it back).
pub struct JackMidiWatch {
    port: String,
    adder: SourceAdder,
    offer: SwapSender,
    ends: u64,
}

impl JackMidiWatch {
    /// How long [`ports_connected`](Self::ports_connected) waits for the
    /// process callback to take the new source: two cycles are enough; a
    /// stopped server never takes it.
    pub const SWAP_WAIT: Duration = Duration::from_millis(500);

    /// What the client's `NotificationHandler::ports_connected` was told:
    /// when `a` or `b` is the watched port and they were disconnected,
    /// ends the port's source; returns whether it did.
    pub fn ports_connected(
        &mut self,
        client: &Client,
        a: PortId,
        b: PortId,
        connected: bool,
    ) -> bool {
        if connected {
            return false;
        }
        let ours = [a, b].into_iter().any(|id| {
            client
                .port_by_id(id)
                .and_then(|port| port.name().ok())
                .is_some_and(|name| name == self.port)
        });
        ours && self.end_source()
    }

    /// Ends the port's source now: a new one is offered to the process
    /// callback, and the old one dropped when it comes back.
    pub fn end_source(&mut self) -> bool {
        self.offer.collect();
        let Ok(source) = self.adder.add() else {
            return false;
        };
        if self.offer.offer(source).is_err() {
            return false;
        }
        let deadline = Instant::now() + Self::SWAP_WAIT;
        while Instant::now() < deadline && !self.offer.is_abandoned() {
            if self.offer.collect() > 0 {
                self.ends += 1;
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        false
    }

    /// Sources ended so far.
    pub fn ends(&self) -> u64 {
        self.ends
    }

    /// The watched port's name.
    pub fn port_name(&self) -> &str {
        &self.port
    }
}

/// What a [`JackMidiOut`] has written so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JackOutStats {
    /// Events written at their frame.
    pub written: u64,
    /// Events that were due before the cycle they were taken in, written
    /// at its frame 0.
    pub late: u64,
    /// Messages the stream reported lost on the way (its sending end was
    /// full).
    pub lost: u64,
    /// Events JACK refused (the port's buffer full) or with no MIDI 1.0
    /// bytes (packets of a MIDI 2.0 stream).
    pub refused: u64,
}

/// A JACK MIDI output port written from a [`MidiStream`] that the audio
/// thread sends into, each event at its frame of the cycle it falls in.
/// Call [`write`](Self::write) once per cycle from the process callback,
/// after the audio thread's sends of the cycle: wait-free (bounded by the
/// events due) and allocation-free.
pub struct JackMidiOut {
    port: Port<MidiOut>,
    clock: FrameClock,
    stats: JackOutStats,
}

impl JackMidiOut {
    /// Registers the output port `name` on `client`.
    ///
    /// # Errors
    ///
    /// What JACK says when it refuses the port.
    pub fn register(client: &Client, name: &str) -> Result<Self, jack::Error> {
        Ok(Self {
            port: client.register_port(name, MidiOut::default())?,
            clock: FrameClock::new(client.sample_rate()),
            stats: JackOutStats::default(),
        })
    }

    /// Writes every event of `stream` due before this cycle ends, each at
    /// its frame (those due before it began at frame 0, counted late);
    /// returns how many it wrote. A stream built for MIDI 1.0
    /// ([`Protocol::Midi1`](crate::Protocol)): JACK MIDI carries MIDI 1.0
    /// bytes.
    pub fn write(&mut self, stream: &mut MidiStream, scope: &ProcessScope) -> usize {
        let start = self.clock.cycle_start_us(scope);
        let n_frames = scope.n_frames();
        let mut writer = self.port.writer(scope);
        let mut written = 0;
        while let Some(stamp) = stream.peek_time() {
            let frame = match self.clock.place(stamp, start, n_frames) {
                InCycle::Later => break,
                InCycle::At(frame) => frame,
                InCycle::Late => {
                    self.stats.late += 1;
                    0
                }
            };
            let Some(received) = stream.try_recv() else {
                break;
            };
            let held;
            let bytes = match received.event {
                Event::Message(message) => {
                    held = message;
                    held.as_bytes()
                }
                Event::SysEx(bytes) => bytes,
                Event::Lost { count } => {
                    self.stats.lost = self.stats.lost.saturating_add(count as u64);
                    continue;
                }
                Event::Ended => continue,
                _ => {
                    self.stats.refused += 1;
                    continue;
                }
            };
            match writer.write(&RawMidi { time: frame, bytes }) {
                Ok(()) => {
                    self.stats.written += 1;
                    written += 1;
                }
                Err(_) => self.stats.refused += 1,
            }
        }
        written
    }

    /// What it has written so far.
    pub fn stats(&self) -> JackOutStats {
        self.stats
    }

    /// The port, to connect it or read its name.
    pub fn port(&self) -> &Port<MidiOut> {
        &self.port
    }
}

#[cfg(test)]
mod tests {
    use super::{FrameClock, InCycle};

    #[test]
    fn frames_unwrap_past_two_to_the_32() {
        let mut clock = FrameClock::new(48_000);
        assert_eq!(clock.frames(u32::MAX - 255), u64::from(u32::MAX) - 255);
        assert_eq!(clock.frames(0), 1 << 32);
        assert_eq!(clock.frames(256), (1 << 32) + 256);
    }

    #[test]
    fn every_frame_round_trips_through_microseconds_at_every_usual_rate() {
        for rate in [22_050, 44_100, 48_000, 88_200, 96_000, 192_000] {
            let clock = FrameClock::new(rate);
            for start in [0u64, 123_456_789, 1 << 33] {
                let cycle = clock.to_us(start);
                for frame in 0..1024u64 {
                    let stamp = clock.to_us(start + frame) as u32;
                    assert_eq!(
                        clock.place(stamp, cycle, 1024),
                        InCycle::At(frame as u32),
                        "rate {rate}, frame {frame} after {start}"
                    );
                }
            }
        }
    }
}
