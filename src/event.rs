//! What a [`MidiStream`](crate::MidiStream) delivers: the types that the
//! stream and the [`BlockScheduler`](crate::BlockScheduler) share, kept
//! below both.

use core::fmt;

use crate::message::{Group, HexBytes, MidiMessage, write_data};
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
#[derive(Clone, Copy, PartialEq, Eq)]
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
    /// The source ended: dropped (an input closed, a device unplugged, a
    /// JACK sender gone), after everything it sent, which all came before
    /// this. A synthesizer releases the notes it started. Its index may be
    /// given to a source added later, never before this event. Stamped with
    /// the source's last event's time.
    Ended,
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

impl fmt::Display for MidiEvent {
    /// The time in microseconds, then the message:
    /// `1002000us: NoteOn ch1 C4 vel 100`.
    ///
    /// ```
    /// use bbx_midi::{MidiEvent, MidiMessage};
    ///
    /// let event = MidiEvent::new(MidiMessage::note_on(0, 60, 100)?, 1_002_000);
    /// assert_eq!(event.to_string(), "1002000us: NoteOn ch1 C4 vel 100");
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}us: ", self.time)?;
        fmt::Display::fmt(&self.message, f)
    }
}

impl fmt::Display for Event<'_> {
    /// One line for a log, in the style of [`MidiMessage`]'s: channels and
    /// groups counted from 1 (`ch1`, `g1`), bytes in hexadecimal.
    ///
    /// * [`Message`](Event::Message): the message, `NoteOn ch1 C4 vel 100`.
    /// * [`SysEx`](Event::SysEx): `SysEx F0 7E 7F 06 01 F7`, `0xF0` and
    ///   `0xF7` included as they are in the slice.
    /// * [`Ump`](Event::Ump): the packet's [`Display`](fmt::Display),
    ///   such as `NoteOn g1 ch1 C4 vel 0x8000`.
    /// * [`SysEx7`](Event::SysEx7): `SysEx7 g1 7E 7F 06 01`.
    /// * [`SysEx8`](Event::SysEx8): `SysEx8 g1 stream 7 FF 80`.
    /// * [`Lost`](Event::Lost): `Lost 3 messages` (`Lost 1 message`).
    /// * [`Ended`](Event::Ended): `Ended`.
    ///
    /// A SysEx longer than 16 bytes shows its first 16 and its length,
    /// `SysEx F0 43 10 ... (300 bytes)`, so that a bulk dump stays one
    /// line; the alternate form (`{:#}`) shows every byte. Apart from text
    /// that packets carry (names, lyrics), the output is ASCII (`us`,
    /// `...`), for logs read on a serial console as much as in a terminal.
    /// Writes straight to the formatter: no allocation, and it works
    /// without `std`.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage};
    ///
    /// let note = Event::Message(MidiMessage::note_on(0, 60, 100)?);
    /// assert_eq!(note.to_string(), "NoteOn ch1 C4 vel 100");
    /// let identity = Event::SysEx(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7]);
    /// assert_eq!(identity.to_string(), "SysEx F0 7E 7F 06 01 F7");
    /// assert_eq!(Event::Lost { count: 3 }.to_string(), "Lost 3 messages");
    ///
    /// let dump = [0x11; 20];
    /// let seven = Event::SysEx7 { group: 0, data: &dump };
    /// assert_eq!(
    ///     seven.to_string(),
    ///     "SysEx7 g1 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 ... (20 bytes)"
    /// );
    /// assert_eq!(format!("{seven:#}").len(), "SysEx7 g1".len() + 20 * 3);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Event::Message(message) => fmt::Display::fmt(&message, f),
            Event::SysEx(bytes) => {
                f.write_str("SysEx")?;
                write_data(f, bytes)
            }
            Event::Ump(packet) => fmt::Display::fmt(&packet, f),
            Event::SysEx7 { group, data } => {
                write!(f, "SysEx7 {}", Group(group))?;
                write_data(f, data)
            }
            Event::SysEx8 {
                group,
                stream_id,
                data,
            } => {
                write!(f, "SysEx8 {} stream {stream_id}", Group(group))?;
                write_data(f, data)
            }
            Event::Lost { count: 1 } => f.write_str("Lost 1 message"),
            Event::Lost { count } => write!(f, "Lost {count} messages"),
            Event::Ended => f.write_str("Ended"),
        }
    }
}

impl fmt::Debug for Event<'_> {
    /// The variant and its fields, with the contents decoded as their own
    /// `Debug` shows them and every byte in hexadecimal (never
    /// abbreviated): `Message(NoteOn ch1 C4 vel 100 [90 3C 64])`,
    /// `SysEx([F0 7E 7F 06 01 F7])`,
    /// `Ump(NoteOn g1 ch1 C4 vel 0x8000 [40903C00 80000000])`,
    /// `SysEx7 { group: 0, data: [7E 7F] }`, `Lost { count: 3 }`.
    /// Fields are raw, as stored: `group: 0` is the group shown `g1`.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage};
    ///
    /// let note = Event::Message(MidiMessage::note_on(0, 60, 100)?);
    /// assert_eq!(format!("{note:?}"), "Message(NoteOn ch1 C4 vel 100 [90 3C 64])");
    /// assert_eq!(format!("{:?}", Event::SysEx(&[0xF0, 0x7E, 0xF7])), "SysEx([F0 7E F7])");
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Event::Message(message) => {
                f.write_str("Message(")?;
                message.debug_body(f)?;
                f.write_str(")")
            }
            Event::SysEx(bytes) => f.debug_tuple("SysEx").field(&HexBytes(bytes)).finish(),
            // The variant and the type share the name: `Ump(...)` once.
            Event::Ump(packet) => fmt::Debug::fmt(&packet, f),
            Event::SysEx7 { group, data } => f
                .debug_struct("SysEx7")
                .field("group", &group)
                .field("data", &HexBytes(data))
                .finish(),
            Event::SysEx8 {
                group,
                stream_id,
                data,
            } => f
                .debug_struct("SysEx8")
                .field("group", &group)
                .field("stream_id", &stream_id)
                .field("data", &HexBytes(data))
                .finish(),
            Event::Lost { count } => f.debug_struct("Lost").field("count", &count).finish(),
            Event::Ended => f.write_str("Ended"),
        }
    }
}

impl fmt::Display for Received<'_> {
    /// The time in microseconds and the source's index (counted from 0,
    /// in the order the builder made the sources), then the event:
    /// `1002000us src 1: NoteOn ch1 C4 vel 100`. The alternate form
    /// (`{:#}`) reaches the event: every byte of a SysEx.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, Received};
    ///
    /// let received = Received {
    ///     time: 1_002_000,
    ///     source: 1,
    ///     event: Event::Message(MidiMessage::note_on(0, 60, 100)?),
    /// };
    /// assert_eq!(received.to_string(), "1002000us src 1: NoteOn ch1 C4 vel 100");
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}us src {}: ", self.time, self.source)?;
        fmt::Display::fmt(&self.event, f)
    }
}

impl fmt::Display for Scheduled<'_> {
    /// The frame, the time in microseconds and the source's index, then
    /// the event: `frame 96 1002000us src 0: NoteOn ch1 C4 vel 100`. The
    /// alternate form (`{:#}`) reaches the event.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, Scheduled};
    ///
    /// let scheduled = Scheduled {
    ///     frame: 96,
    ///     time: 1_002_000,
    ///     source: 0,
    ///     event: Event::Message(MidiMessage::note_on(0, 60, 100)?),
    /// };
    /// assert_eq!(scheduled.to_string(), "frame 96 1002000us src 0: NoteOn ch1 C4 vel 100");
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "frame {} {}us src {}: ",
            self.frame, self.time, self.source
        )?;
        fmt::Display::fmt(&self.event, f)
    }
}
