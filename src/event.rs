//! What a [`MidiStream`](crate::MidiStream) delivers: the types that the
//! stream and the [`BlockScheduler`](crate::BlockScheduler) share, kept
//! below both.

use crate::message::MidiMessage;
use crate::ump::Ump;

/// A MIDI message and the time it arrived, in 8 bytes.
///
/// The time is in microseconds, kept modulo 2³² (71.6 minutes): streams and
/// the scheduler compare times by wrapping difference, so they work forever
/// as long as events are taken within half an hour of their time.
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

/// One thing a [`MidiStream`](crate::MidiStream) delivers, in the order of
/// the stream.
///
/// A stream of the MIDI 1.0 protocol ([`Protocol::Midi1`](crate::Protocol),
/// the default) delivers [`Message`](Self::Message), [`SysEx`](Self::SysEx)
/// and [`Lost`](Self::Lost); one of the MIDI 2.0 protocol delivers
/// [`Ump`](Self::Ump), [`SysEx7`](Self::SysEx7), [`SysEx8`](Self::SysEx8)
/// and [`Lost`](Self::Lost). Sources translate what they are given into the
/// stream's protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A MIDI 1.0 short message.
    Message(MidiMessage),
    /// A whole MIDI 1.0 System Exclusive message, `0xF0` to `0xF7`, lent by
    /// the stream until the next call.
    SysEx(&'a [u8]),
    /// A Universal MIDI Packet: MIDI 2.0 channel voice (message type 4),
    /// system (1), utility (0), flex data (0xD), UMP stream (0xF), mixed
    /// data sets and reserved types, whole.
    Ump(Ump),
    /// A whole System Exclusive message of 7-bit data on `group`, from its
    /// SysEx7 packets (or a MIDI 1.0 SysEx, on group 0): the data bytes,
    /// without `0xF0` and `0xF7`, lent until the next call.
    SysEx7 {
        /// The UMP group, 0 to 15.
        group: u8,
        /// The data bytes, each below `0x80`.
        data: &'a [u8],
    },
    /// A whole System Exclusive 8 message from its SysEx8 packets, lent
    /// until the next call.
    SysEx8 {
        /// The UMP group, 0 to 15.
        group: u8,
        /// The stream ID of its packets.
        stream_id: u8,
        /// The data bytes.
        data: &'a [u8],
    },
    /// `count` messages were lost here: refused for lack of room, a SysEx
    /// that never arrived whole, or losses the source reported. Every event
    /// its source sent before the loss came before this one, every event it
    /// sent after comes after. Note Offs may be among them, so a
    /// synthesizer releases its notes here
    /// ([`MidiMessage::release_all_notes`]).
    Lost {
        /// How many messages, at least 1.
        count: usize,
    },
}

/// An [`Event`] with its time and the source that sent it, as
/// [`MidiStream::try_recv`](crate::MidiStream::try_recv) returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received<'a> {
    /// The time it was stamped with, in microseconds modulo 2³² (for a
    /// loss: the time of the last message lost).
    pub time: u32,
    /// The index of the source that sent it, in the order the builder made
    /// the sources.
    pub source: usize,
    /// What arrived.
    pub event: Event<'a>,
}

/// An [`Event`] placed in an audio block by a
/// [`BlockScheduler`](crate::BlockScheduler).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scheduled<'a> {
    /// The frame in the current block at which to apply it: in
    /// `0..frames`, never below the frame of the event before it in the
    /// same block.
    pub frame: usize,
    /// The time it was stamped with, in microseconds modulo 2³².
    pub time: u32,
    /// The index of the source that sent it.
    pub source: usize,
    /// What arrived.
    pub event: Event<'a>,
}
