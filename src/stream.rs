//! One ordered, timed stream of MIDI from every source into one audio
//! callback: short messages and System Exclusive together, losses reported
//! where they happened.
//!
//! A synthesizer or host usually has several inputs (a `midir` port or two,
//! an on-screen keyboard, a sequencer thread) and one audio callback. Each
//! input gets a [`StreamSource`]; the audio callback holds the one
//! [`MidiStream`], which merges the sources in timestamp order and hands
//! out [`Event`]s: messages, whole SysEx, and [`Event::Lost`] at the place
//! in the stream where messages were lost. With a
//! [`BlockScheduler`](crate::BlockScheduler) each event comes at its frame.
//!
//! ```
//! use bbx_midi::{Event, MidiMessage, MidiStream};
//!
//! let ([mut port, mut keyboard], mut stream) =
//!     MidiStream::builder().capacity(256).sysex_bytes(1024).build_merged();
//!
//! // Each input's thread, stamping what arrives (a `MidiClock` does it):
//! port.try_send_bytes_at(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7], 1_000)?;
//! keyboard.try_send_at(MidiMessage::note_on(0, 60, 100)?, 900);
//!
//! // The audio callback: everything, in time order.
//! let first = stream.try_recv().unwrap();
//! assert_eq!((first.source, first.time), (1, 900));
//! assert_eq!(first.event, Event::Message(MidiMessage::note_on(0, 60, 100)?));
//! let second = stream.try_recv().unwrap();
//! assert_eq!(second.event, Event::SysEx(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7]));
//! assert!(stream.try_recv().is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Guarantees
//!
//! * **Order.** Events of one source come out in the order it sent them.
//!   Across sources the stream takes, each time, the earliest stamped of
//!   the sources' next events (the lower source index on a tie). A
//!   scheduler takes an event only when it is due, by which time the
//!   earlier events of every source have normally arrived.
//! * **SysEx whole or lost.** A SysEx may arrive in pieces (`midir` on
//!   Windows cuts those over 1024 bytes; serial and BLE deliver bytes as
//!   they come): the pieces are gathered out of the audio thread's sight
//!   and published at once when the `0xF7` comes. A SysEx that does not
//!   arrive whole (no room, too long, cut off) is reported lost. Real-time
//!   bytes inside a SysEx are delivered at once as messages, as MIDI 1.0
//!   says a receiver must treat them.
//! * **Losses in order.** A message refused for lack of room is reported as
//!   [`Event::Lost`] after every event its source sent before it and before
//!   any it sent after, also when nothing is sent after it. Every `try_send…`
//!   has a `try_push…` form that leaves the message with the caller and
//!   counts nothing, for a producer that retries.
//! * **Real-time.** Every method of both ends is wait-free and never
//!   allocates; [`MidiStream`]'s are bounded by the number of sources.
//!   Allocation happens in [`StreamBuilder::build`] and its siblings only.
//!
//! # How it works
//!
//! Each source is a pair of [`spsc`](crate::spsc) rings: one of 8-byte
//! entries (a message and its time; "a SysEx of `n` bytes"; "`n` messages
//! lost here"), one of SysEx bytes. This module adds no atomics and no
//! `unsafe`: the bytes of a SysEx are staged in the byte ring and published
//! before its entry, so the entry ring's happens-before edge covers them;
//! a loss with nothing sent after it is read from the ring's drop report
//! ([`Consumer::dropped_at_end`](crate::spsc::Consumer::dropped_at_end)).
//! The entry ring has two slots more than the capacity needs (an entry a
//! MIDI 1.0 message, two a packet of up to 64 bits), kept free so that a
//! loss report (one entry, two for a count beyond 2²⁴ − 1) can always be
//! written before the next message.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use crate::error::{MidiError, SendError};
use crate::event::{Event, MidiEvent, Received};
use crate::message::MidiMessage;
use crate::parser::{Parsed, SysExEnd};
use crate::spsc::{Consumer, Producer, SpscRingBuffer};
use crate::ump::{
    Midi1ChannelVoice, Midi1ToMidi2, Midi2ChannelVoice, Midi2ToMidi1, SysEx7, SysEx8, SysExStatus,
    SystemMessage, TranslationStats, Ump,
};

/// The largest SysEx capacity a stream can have, in bytes: a SysEx's length
/// travels in 24 bits (16 MiB).
pub const MAX_SYSEX_BYTES: usize = 0xFF_FFFF;

/// An entry tag (the byte where a message keeps its length, 1 to 3):
/// a SysEx of the entry's 24-bit length waits in the byte ring.
const TAG_SYSEX: u8 = 0x80;
/// An entry tag: the entry's 24-bit count of messages were lost here.
const TAG_LOST: u8 = 0x81;
/// An entry tag: messages were lost here, more than 24 bits count; the
/// entry holds the low 24 bits, and a [`TAG_MORE`] entry written with it
/// (in the same commit) the next 56 in its number and time.
const TAG_LOST_WIDE: u8 = 0x82;
/// An entry tag: the continuation of the entry before it.
const TAG_MORE: u8 = 0x83;
/// Entry tags `0x91` to `0x94`: a Universal MIDI Packet of 1 to 4 words,
/// in the entries after this one, two words each (written in one commit).
const TAG_UMP: u8 = 0x90;
/// Entry tags `0xA0 | group`: a SysEx of 7-bit data on that group waits in
/// the byte ring, `0xF0` to `0xF7` (a stream of the MIDI 2.0 protocol).
const TAG_SYSEX7: u8 = 0xA0;
/// Entry tags `0xB0 | group`: a SysEx8 on that group waits in the byte
/// ring: its stream ID, then its data.
const TAG_SYSEX8: u8 = 0xB0;
/// The most messages a one-entry loss report counts.
const MAX_LOST_NARROW: usize = 0xFF_FFFF;
/// Entries kept free for a loss report and, before a message is written,
/// the most a loss report takes: a message can always follow the report in
/// a ring that has been emptied.
const RESERVE: usize = 2;

/// One slot of a source's entry ring.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    /// A message as [`MidiMessage::to_stored`] keeps it (the fourth byte,
    /// its length, 1 to 3), or a 24-bit little-endian number and a tag.
    data: [u8; 4],
    /// Microseconds, modulo 2³².
    time: u32,
}

impl Entry {
    #[inline]
    fn message(message: MidiMessage, time: u32) -> Self {
        Self {
            data: message.to_stored(),
            time,
        }
    }

    /// A tagged entry carrying `n` (below 2²⁴).
    #[inline]
    fn tagged(tag: u8, n: usize, time: u32) -> Self {
        debug_assert!(n <= 0xFF_FFFF);
        let [a, b, c, _] = (n as u32).to_le_bytes();
        Self {
            data: [a, b, c, tag],
            time,
        }
    }

    #[inline]
    fn tag(&self) -> u8 {
        self.data[3]
    }

    /// The loss report for `n` messages lost, the last at `time`: one
    /// entry, or two for a count beyond 24 bits.
    fn losses(n: usize, time: u32) -> ([Entry; 2], usize) {
        if n <= MAX_LOST_NARROW {
            return ([Self::tagged(TAG_LOST, n, time), Self::default()], 1);
        }
        let n = n as u64;
        let [a, b, _, _] = ((n >> 56) as u32).to_le_bytes();
        let more = Self {
            data: [a, b, 0, TAG_MORE],
            time: (n >> 24) as u32,
        };
        let low = (n & 0xFF_FFFF) as usize;
        ([Self::tagged(TAG_LOST_WIDE, low, time), more], 2)
    }

    /// The entries of `packet` stamped `time`: a head, then its words two
    /// an entry.
    fn packet(packet: &Ump, time: u32) -> ([Entry; 3], usize) {
        let words = packet.to_array();
        let len = packet.len();
        let head = Self {
            data: [0, 0, 0, TAG_UMP + len as u8],
            time,
        };
        let pair = |i: usize| Self {
            data: words[i].to_le_bytes(),
            time: words[i + 1],
        };
        ([head, pair(0), pair(2)], 1 + len.div_ceil(2))
    }

    /// The count of a two-entry loss report: this entry's 24 bits and the
    /// next 56 from its continuation.
    #[inline]
    fn wide_count(&self, more: &Entry) -> usize {
        let high = u64::from(u16::from_le_bytes([more.data[0], more.data[1]]));
        let count = (high << 56) | (u64::from(more.time) << 24) | self.number() as u64;
        usize::try_from(count).unwrap_or(usize::MAX)
    }

    /// The 24-bit number of a tagged entry.
    #[inline]
    fn number(&self) -> usize {
        let [a, b, c, _] = self.data;
        u32::from_le_bytes([a, b, c, 0]) as usize
    }
}

/// Decides which events [`MidiStream::next_for`] takes, by their stamps.
pub(crate) trait Picker {
    /// What taking an event gives besides the event.
    type Out;
    /// Whether an event stamped `time` is taken now. Does not change the
    /// picker.
    fn takes(&self, time: u32) -> bool;
    /// Takes an event stamped `time`, which [`takes`](Self::takes) said yes
    /// to.
    fn take(&mut self, time: u32) -> Self::Out;
}

/// Takes every event, as it comes.
struct Everything;

impl Picker for Everything {
    type Out = ();
    fn takes(&self, _: u32) -> bool {
        true
    }
    fn take(&mut self, _: u32) {}
}

/// Whether `a` is later than `b` on a clock that wraps at 2³² µs.
#[inline]
fn later(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// The real-time status bytes MIDI 1.0 defines (`0xF9` and `0xFD` are
/// undefined).
#[inline]
fn is_real_time(byte: u8) -> bool {
    matches!(byte, 0xF8 | 0xFA..=0xFC | 0xFE | 0xFF)
}

/// The MIDI 1.0 status byte of a packet that carries a MIDI 1.0 message
/// or its MIDI 2.0 form (system, MIDI 1.0 and MIDI 2.0 channel voice);
/// `None` for the others (utility, SysEx, flex data, UMP stream…).
fn midi1_status(packet: &Ump) -> Option<u8> {
    match packet.message_type() {
        0x1 | 0x2 | 0x4 => Some((packet.words()[0] >> 16) as u8),
        _ => None,
    }
}

/// Where a source is in a System Exclusive message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Assembly {
    /// Not in a SysEx.
    Idle,
    /// Gathering a SysEx: its bytes so far are staged in the byte ring.
    Assembling,
    /// The SysEx under way was lost; its remaining pieces are discarded.
    Discarding,
}

/// What bytes handed to a source are.
enum Input<'a> {
    Message(MidiMessage),
    /// A SysEx or a piece of one: `body` holds its data bytes and any
    /// real-time bytes among them, without `0xF0` and `0xF7`.
    SysEx {
        start: bool,
        body: &'a [u8],
        end: bool,
    },
}

/// Reads `bytes` as one short message, one whole SysEx, or (when a SysEx
/// is under way) the next piece of one.
fn classify(bytes: &[u8], in_sysex: bool) -> Result<Input<'_>, MidiError> {
    let Some((&first, rest)) = bytes.split_first() else {
        return Err(MidiError::Empty);
    };
    let (start, body) = if first == 0xF0 {
        (true, rest)
    } else if in_sysex
        && (first < 0x80 || first == 0xF7 || (is_real_time(first) && !rest.is_empty()))
    {
        (false, bytes)
    } else {
        return MidiMessage::parse(bytes).map(Input::Message);
    };
    let offset = usize::from(start);
    // The first byte that is neither data nor real-time: the `0xF7` that
    // ends the SysEx if it is the last byte, else what breaks it.
    let (body, end) = match body.iter().position(|&b| b >= 0x80 && !is_real_time(b)) {
        None => (body, false),
        Some(i) if body[i] == 0xF7 && i + 1 == body.len() => (&body[..i], true),
        // A whole SysEx, or its last piece, and then more: one call takes
        // one message, and the `0xF7` is right where it is.
        Some(i) if body[i] == 0xF7 => {
            return Err(MidiError::TrailingBytes {
                status: 0xF0,
                expected: offset + i + 1,
                found: bytes.len(),
            });
        }
        Some(i) => {
            return Err(MidiError::InvalidDataByte {
                index: offset + i,
                byte: body[i],
            });
        }
    };
    Ok(Input::SysEx { start, body, end })
}

/// The protocol a [`MidiStream`] delivers to the audio thread. Its sources
/// take both and translate, by the MIDI 2.0 specification's default
/// translation ([`ump`](crate::ump)), on the thread that sends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// MIDI 1.0: [`Event::Message`], [`Event::SysEx`] and [`Event::Lost`].
    /// Packets of a UMP source lose their group; what has no MIDI 1.0 form
    /// is refused with [`SendError::NoEquivalent`] and counted.
    #[default]
    Midi1,
    /// MIDI 2.0: [`Event::Ump`], [`Event::SysEx7`], [`Event::SysEx8`] and
    /// [`Event::Lost`]. MIDI 1.0 input arrives on group 0, translated to
    /// MIDI 2.0 channel voice messages; a Data Entry MSB is sent at once,
    /// and again with its LSB when Data Entry LSB follows.
    Midi2,
}

/// Creates streams; from [`MidiStream::builder`].
///
/// ```
/// let (source, stream) = bbx_midi::MidiStream::builder()
///     .capacity(128)
///     .sysex_bytes(4096)
///     .build();
/// assert_eq!((source.capacity(), stream.sysex_capacity()), (128, 4096));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StreamBuilder {
    capacity: usize,
    sysex_bytes: usize,
    protocol: Protocol,
}

impl Default for StreamBuilder {
    fn default() -> Self {
        Self {
            capacity: 256,
            sysex_bytes: 0,
            protocol: Protocol::Midi1,
        }
    }
}

impl StreamBuilder {
    /// Room for `messages` messages per source (default 256): MIDI 1.0
    /// short messages, or in a MIDI 2.0 stream packets of 32 or 64 bits (a
    /// 96- or 128-bit packet takes the room of one and a half). A SysEx
    /// takes the room of one (of half a packet in a MIDI 2.0 stream), plus
    /// its bytes.
    ///
    /// # Sizing
    ///
    /// The room bounds everything a source has waiting at once: what the
    /// audio thread has not taken yet, and with a
    /// [`BlockScheduler`](crate::BlockScheduler) every event not yet due,
    /// which it leaves in the source until its frame. So a source must
    /// hold its peak rate times the scheduler's latency plus a block: a
    /// keyboard sending 20 messages a millisecond (a burst of controllers)
    /// into a scheduler with 11 ms of latency and 10 ms blocks keeps up to
    /// 20 × (11 + 10) = 420 messages waiting, so `capacity(512)`; with
    /// `capacity(8)` it would lose 19 of every 20. A source's
    /// [`stats`](StreamSource::stats) tell the most it ever had waiting
    /// (`peak_messages`), to size it from a real session.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, MidiStream};
    ///
    /// let (mut source, _stream) = MidiStream::builder().capacity(2).build();
    /// assert!(source.try_send_at(MidiMessage::START, 0));
    /// assert!(source.try_send_at(MidiMessage::STOP, 0));
    /// assert!(!source.try_send_at(MidiMessage::CONTINUE, 0), "full: lost");
    /// ```
    pub fn capacity(mut self, messages: usize) -> Self {
        self.capacity = messages;
        self
    }

    /// Room for `bytes` bytes of SysEx per source, which is also the
    /// longest SysEx the stream carries (default 0: every SysEx is
    /// refused as too large). At most [`MAX_SYSEX_BYTES`].
    ///
    /// Like [`capacity`](Self::capacity), it bounds all the SysEx waiting
    /// at once, not only the longest: two 3000-byte SysEx sent within the
    /// scheduler's latency of each other need 6000 bytes (a SysEx being
    /// gathered counts too), so `sysex_bytes(8192)`; in 4096 the second is
    /// lost. [`SourceStats::peak_sysex_bytes`] tells the most a session
    /// had waiting. The stream allocates and writes a buffer of this size
    /// once, when it is built, to lend each SysEx out whole.
    ///
    /// ```
    /// use bbx_midi::{MidiStream, SendError};
    ///
    /// let (mut source, _stream) = MidiStream::builder().sysex_bytes(4).build();
    /// assert_eq!(source.try_send_bytes_at(&[0xF0, 1, 2, 0xF7], 0), Ok(()));
    /// let five = source.try_send_bytes_at(&[0xF0, 1, 2, 3, 0xF7], 0);
    /// assert_eq!(five, Err(SendError::TooLarge { len: 5, max: 4 }));
    /// ```
    pub fn sysex_bytes(mut self, bytes: usize) -> Self {
        self.sysex_bytes = bytes;
        self
    }

    /// The protocol the audio thread receives (default [`Protocol::Midi1`]).
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream, Protocol};
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// let (mut source, mut stream) = MidiStream::builder().protocol(Protocol::Midi2).build();
    /// source.try_send_at(MidiMessage::note_on(0, 60, 64)?, 0); // a MIDI 1.0 keyboard...
    /// let expected = Midi2ChannelVoice::note_on(0, 0, 60, 0x8000, 0, 0)?.packet();
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Ump(expected)); // ...a MIDI 2.0 synth
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// A stream with one source.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().build();
    /// assert_eq!((source.index(), stream.sources()), (0, 1));
    /// source.try_send_at(MidiMessage::START, 0);
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Message(MidiMessage::START));
    /// ```
    ///
    /// # Panics
    ///
    /// If the capacity is 0, the SysEx capacity above
    /// [`MAX_SYSEX_BYTES`], or either too large to allocate.
    pub fn build(self) -> (StreamSource, MidiStream) {
        let (mut sources, stream) = self.build_sources(1);
        let source = sources.pop().expect("one source was made");
        (source, stream)
    }

    /// A stream merging `N` sources, numbered 0 to `N - 1` in the array.
    ///
    /// ```
    /// let ([a, b, c], stream) = bbx_midi::MidiStream::builder().build_merged();
    /// assert_eq!((a.index(), b.index(), c.index(), stream.sources()), (0, 1, 2, 3));
    /// ```
    ///
    /// # Panics
    ///
    /// As [`build`](Self::build), and if `N` is 0.
    pub fn build_merged<const N: usize>(self) -> ([StreamSource; N], MidiStream) {
        let (sources, stream) = self.build_sources(N);
        let mut sources = sources.into_iter();
        let sources = core::array::from_fn(|_| sources.next().expect("N sources were made"));
        (sources, stream)
    }

    /// A stream merging `n` sources, for a number known only at run time.
    ///
    /// ```
    /// let (sources, stream) = bbx_midi::MidiStream::builder().build_sources(4);
    /// assert_eq!((sources.len(), stream.sources()), (4, 4));
    /// ```
    ///
    /// # Panics
    ///
    /// As [`build`](Self::build), and if `n` is 0.
    pub fn build_sources(self, n: usize) -> (Vec<StreamSource>, MidiStream) {
        let Self {
            capacity,
            sysex_bytes,
            protocol,
        } = self;
        assert!(n > 0, "MidiStream: at least one source is needed, got 0");
        assert!(
            capacity > 0,
            "MidiStream: capacity must be at least 1, got 0"
        );
        assert!(
            sysex_bytes <= MAX_SYSEX_BYTES,
            "MidiStream: sysex_bytes {sysex_bytes} exceeds the maximum, {MAX_SYSEX_BYTES}"
        );
        // Entries: one a MIDI 1.0 message; two a 64-bit packet, and room for
        // the largest packet (three) even at capacity 1.
        let entries = match protocol {
            Protocol::Midi1 => Some(capacity),
            Protocol::Midi2 => capacity.checked_mul(2).map(|e| e.max(3)),
        };
        let Some(slots) = entries.and_then(|e| e.checked_add(RESERVE)) else {
            panic!("MidiStream: capacity {capacity} is too large")
        };
        let mut producers = Vec::with_capacity(n);
        let mut consumers = Vec::with_capacity(n);
        for index in 0..n {
            let (entries_tx, entries_rx) = SpscRingBuffer::new(slots);
            let (bytes_tx, bytes_rx) = match sysex_bytes {
                0 => (None, None),
                bytes => {
                    let (tx, rx) = SpscRingBuffer::new(bytes);
                    (Some(tx), Some(rx))
                }
            };
            producers.push(StreamSource {
                entries: entries_tx,
                bytes: bytes_tx,
                index,
                capacity,
                protocol,
                up: match protocol {
                    Protocol::Midi1 => None,
                    Protocol::Midi2 => Some(Box::new(Midi1ToMidi2::new())),
                },
                down: Midi2ToMidi1::new(),
                pending: 0,
                pending_time: 0,
                last_time: 0,
                assembly: Assembly::Idle,
                kind: SysExKind::Bytes,
                sent: 0,
                peak_entries: 0,
                peak_sysex_bytes: 0,
            });
            consumers.push(SourceRx {
                entries: entries_rx,
                bytes: bytes_rx,
                reported: 0,
                committed: 0,
            });
        }
        let stream = MidiStream {
            sources: consumers.into_boxed_slice(),
            // Filled with a byte other than 0, which makes it a write of
            // every page here rather than zeroed pages the kernel maps on
            // first touch: the audio thread, which copies each SysEx into
            // it, must take no page fault.
            scratch: alloc::vec![0xF7; sysex_bytes].into_boxed_slice(),
            capacity,
            protocol,
            lost: 0,
        };
        (producers, stream)
    }
}

/// What a SysEx under way is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SysExKind {
    /// MIDI 1.0 bytes (from `try_send_bytes_at`, or a parser): 7-bit data,
    /// real-time bytes taken out, on group 0.
    Bytes,
    /// SysEx7 packets of this group.
    Seven(u8),
    /// SysEx8 packets of this group and stream ID.
    Eight(u8, u8),
}

/// Up to eight entries written in one commit: what one call sends.
struct Batch {
    entries: [Entry; 8],
    len: usize,
}

impl Batch {
    fn new() -> Self {
        Self {
            entries: [Entry::default(); 8],
            len: 0,
        }
    }

    fn push(&mut self, entries: &[Entry]) {
        // The most one call sends is four MIDI 1.0 messages (a MIDI 2.0
        // registered controller) or one 128-bit packet (three entries).
        let end = self.len + entries.len();
        debug_assert!(end <= self.entries.len());
        if let Some(slots) = self.entries.get_mut(self.len..end) {
            slots.copy_from_slice(entries);
            self.len = end;
        }
    }

    fn push_packet(&mut self, packet: &Ump, time: u32) {
        let (entries, len) = Entry::packet(packet, time);
        self.push(&entries[..len]);
    }

    fn as_slice(&self) -> &[Entry] {
        &self.entries[..self.len]
    }
}

/// One input of a [`MidiStream`], for the thread that receives it (a
/// `midir` callback, a GUI keyboard, a sequencer).
///
/// `Send`, not `Sync`. Every method is wait-free and never allocates.
/// Times are microseconds on a clock all sources and the audio thread
/// share (a [`MidiClock`](crate::MidiClock), or any other), kept modulo
/// 2³²; a source's stamps should not go backwards.
///
/// It takes MIDI 1.0 (messages, bytes, parser output) and MIDI 2.0
/// (Universal MIDI Packets), and translates what it is given into the
/// stream's [`Protocol`].
///
/// Every way of sending comes in two forms: `try_send…` for a MIDI
/// callback, which cannot wait (what finds no room is lost, and reported
/// in the stream), and `try_push…` for a producer that keeps the message
/// and tries again (nothing is counted, nothing changes). Input that is not
/// MIDI ([`MidiMessage::INVALID`] included) is never sent and never counted.
pub struct StreamSource {
    entries: Producer<Entry>,
    /// `None` when the stream carries no SysEx.
    bytes: Option<Producer<u8>>,
    index: usize,
    capacity: usize,
    protocol: Protocol,
    /// MIDI 1.0 to 2.0, for a stream of the MIDI 2.0 protocol.
    up: Option<Box<Midi1ToMidi2>>,
    /// MIDI 2.0 to 1.0, for a stream of the MIDI 1.0 protocol (stateless
    /// but for its counters).
    down: Midi2ToMidi1,
    /// Messages lost since the last loss report was written: a report for
    /// them goes in before the next thing sent.
    pending: usize,
    /// The latest time among the `pending` losses.
    pending_time: u32,
    /// The time of the latest call, for a SysEx cut off by the source's
    /// drop.
    last_time: u32,
    assembly: Assembly,
    /// What the SysEx under way (or being discarded) is made of.
    kind: SysExKind,
    /// Events sent so far (see [`SourceStats::sent`]).
    sent: u64,
    /// The most entries waiting at once, seen after each write.
    peak_entries: usize,
    /// The most SysEx bytes waiting at once, staged ones included.
    peak_sysex_bytes: usize,
}

/// What a [`StreamSource`] has seen so far: for sizing its
/// [`capacity`](StreamBuilder::capacity) and
/// [`sysex_bytes`](StreamBuilder::sysex_bytes) from a session's real
/// traffic. From [`StreamSource::stats`].
///
/// ```
/// use bbx_midi::{MidiMessage, MidiStream};
///
/// let (mut source, mut stream) = MidiStream::builder().capacity(8).sysex_bytes(64).build();
/// for note in 60..65 {
///     source.try_send_at(MidiMessage::note_on(0, note, 100)?, 0);
/// }
/// source.try_send_bytes_at(&[0xF0, 0x7D, 1, 2, 0xF7], 0)?;
/// while stream.try_recv().is_some() {} // the audio thread catches up
/// source.try_send_at(MidiMessage::STOP, 1);
/// let stats = source.stats();
/// assert_eq!((stats.sent, stats.lost), (7, 0));
/// // Five notes and the SysEx waited at once: 6 of the 8 messages' room,
/// // and 5 of the 64 SysEx bytes.
/// assert_eq!((stats.peak_messages, stats.peak_sysex_bytes), (6, 5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SourceStats {
    /// Events sent: each message, packet or whole SysEx a `try_send…` or
    /// `try_push…` call delivered into the stream (one, even where the
    /// translation into the stream's protocol makes several), and each
    /// real-time byte taken out of a SysEx.
    pub sent: u64,
    /// Messages lost (as [`StreamSource::dropped`]).
    pub lost: usize,
    /// The most of the [`capacity`](StreamSource::capacity) in use at
    /// once: messages (in a MIDI 2.0 stream, packets of up to 64 bits)
    /// waiting for the audio thread, taken or not yet due, loss reports
    /// and SysEx announcements among them. At the capacity or above (loss
    /// reports have room kept for them) the source ran full.
    pub peak_messages: usize,
    /// The most SysEx bytes waiting at once, a SysEx still being gathered
    /// included: at [`sysex_capacity`](StreamSource::sysex_capacity) a
    /// SysEx found no room.
    pub peak_sysex_bytes: usize,
}

impl StreamSource {
    /// Whether `n` entries can be written now: after them, the
    /// [`RESERVE`] stays free, unless the loss report owed, which it is
    /// kept for, is written first.
    #[inline]
    fn has_room(&self, n: usize) -> bool {
        // Nothing to write always fits (a middle piece of a SysEx, a
        // controller the translator holds).
        n == 0 || self.entries.has_slots(n + RESERVE)
    }

    /// Writes `entries` in one commit, after the loss report owed. The
    /// caller has checked [`has_room`](Self::has_room) for them.
    #[inline]
    fn emit(&mut self, entries: &[Entry]) {
        if entries.is_empty() {
            // The loss report owed waits for the next entry, which it must
            // precede; until then the audio thread sees it at the end.
            return;
        }
        if self.pending > 0 {
            let (report, len) = Entry::losses(self.pending, self.pending_time);
            let written = self.entries.push_slice(&report[..len]);
            debug_assert_eq!(written, len);
            self.pending = 0;
        }
        if let [entry] = entries {
            let written = self.entries.try_push(*entry);
            debug_assert!(written.is_ok());
        } else {
            // One commit: the audio thread never sees part of them.
            let written = self.entries.push_slice(entries);
            debug_assert_eq!(written, entries.len());
        }
        self.sent = self.sent.wrapping_add(1);
        // Entries only ever pile up here, so the most waiting at once is
        // seen right after a write. `slots` loads the audio thread's index:
        // one load of a shared line a send, on the sending thread.
        let waiting = self.entries.capacity() - self.entries.slots();
        self.peak_entries = self.peak_entries.max(waiting);
    }

    /// Notes the SysEx bytes waiting now, staged ones included.
    fn note_sysex_bytes(&mut self) {
        if let Some(bytes) = &self.bytes {
            let waiting = bytes.capacity() - bytes.slots() + bytes.staged();
            self.peak_sysex_bytes = self.peak_sysex_bytes.max(waiting);
        }
    }

    /// Counts `n` messages lost at `time`: they will be reported after
    /// everything sent so far and before anything sent next.
    fn lose(&mut self, n: usize, time: u32) {
        if n == 0 {
            return;
        }
        if self.pending == 0 || later(time, self.pending_time) {
            self.pending_time = time;
        }
        self.pending = self.pending.saturating_add(n);
        self.entries.add_dropped_marked(n, self.pending_time);
    }

    /// Bytes of the SysEx under way, staged so far.
    #[inline]
    fn staged(&self) -> usize {
        self.bytes.as_ref().map_or(0, Producer::staged)
    }

    /// Forgets the SysEx under way (its bytes were never published).
    fn discard_sysex(&mut self) {
        if let Some(bytes) = &mut self.bytes {
            bytes.discard_staged();
        }
    }

    /// A message whose MIDI 1.0 status byte is not real-time ends a SysEx
    /// of MIDI 1.0 bytes under way, as on the wire: the SysEx is lost, and
    /// its remaining pieces, should they come, are refused with
    /// [`SendError::SysExLost`]. The same message sent by any call does the
    /// same. A SysEx gathered from packets is not ended: UMP lets other
    /// packets come between a SysEx's packets.
    fn end_sysex_by(&mut self, status: u8, time: u32) {
        if self.assembly != Assembly::Assembling
            || self.kind != SysExKind::Bytes
            || is_real_time(status)
        {
            return;
        }
        self.discard_sysex();
        self.lose(1, time);
        self.assembly = Assembly::Discarding;
    }

    /// Sends `entries` in one commit, or, when there is no room, loses
    /// `lost` (`counted`) or nothing.
    fn send_batch(
        &mut self,
        entries: &[Entry],
        time: u32,
        counted: bool,
        lost: usize,
    ) -> Result<(), SendError> {
        if self.has_room(entries.len()) {
            self.emit(entries);
            Ok(())
        } else {
            if counted {
                self.lose(lost, time);
            }
            Err(SendError::Full)
        }
    }

    /// The entries a MIDI 1.0 message becomes in a MIDI 2.0 stream, and
    /// the translator's state before: `saved` puts it back.
    fn translate_up(
        up: &mut Midi1ToMidi2,
        message: MidiMessage,
        time: u32,
    ) -> (Batch, Option<crate::ump::Saved>) {
        let mut batch = Batch::new();
        if message.status() >= 0xF0 {
            if let Ok(system) = SystemMessage::new(0, message) {
                batch.push_packet(&system.packet(), time);
            }
            return (batch, None);
        }
        let saved = up.save(0, message.status() & 0x0F);
        if let Ok(packet) = Midi1ChannelVoice::new(0, message) {
            let mut out = |packet: Ump| batch.push_packet(&packet, time);
            up.push(packet.packet(), &mut out);
            // A lone Data Entry MSB is sent at once (and again with its LSB,
            // if that follows): the stream cannot wait for what may never come.
            up.flush(&mut out);
        }
        (batch, Some(saved))
    }

    /// Sends a MIDI 1.0 message, translated into the stream's protocol.
    fn message_at(
        &mut self,
        message: MidiMessage,
        time: u32,
        counted: bool,
    ) -> Result<(), SendError> {
        if !message.is_valid() {
            return Err(SendError::Invalid(MidiError::Invalid));
        }
        self.last_time = time;
        if counted {
            self.end_sysex_by(message.status(), time);
        }
        // A MIDI 1.0 stream takes the message as it is, in one entry.
        let single = [Entry::message(message, time)];
        let (batch, saved) = match &mut self.up {
            Some(up) => {
                let (batch, saved) = Self::translate_up(up, message, time);
                (Some(batch), saved)
            }
            None => (None, None),
        };
        let entries = batch.as_ref().map_or(&single[..], Batch::as_slice);
        if !counted && !self.has_room(entries.len()) {
            if let (Some(up), Some(saved)) = (&mut self.up, saved) {
                up.restore(saved);
            }
            return Err(SendError::Full);
        }
        if !counted {
            self.end_sysex_by(message.status(), time);
        }
        self.send_batch(entries, time, counted, 1)
    }

    /// Sends `message` stamped with `time_us`; returns `false` when there
    /// is no room, in which case it is lost, and reported in the stream
    /// (an [`Event::Lost`] after everything sent before it).
    /// [`MidiMessage::INVALID`] is refused (`false`) and not counted.
    ///
    /// A message other than real-time ends a SysEx of MIDI 1.0 bytes this
    /// source had under way (MIDI 1.0: any status byte but real-time ends a
    /// SysEx); that SysEx is lost and its remaining pieces are refused with
    /// [`SendError::SysExLost`]. A SysEx gathered from packets goes on (UMP
    /// lets other messages come between its packets). Wait-free; never
    /// allocates.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().capacity(1).build();
    /// assert!(source.try_send_at(MidiMessage::START, 10));
    /// assert!(!source.try_send_at(MidiMessage::STOP, 20)); // full: lost
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Message(MidiMessage::START));
    /// let loss = stream.try_recv().unwrap();
    /// assert_eq!((loss.event, loss.time), (Event::Lost { count: 1 }, 20));
    /// ```
    #[inline]
    pub fn try_send_at(&mut self, message: MidiMessage, time_us: u64) -> bool {
        self.message_at(message, time_us as u32, true).is_ok()
    }

    /// Sends `message` stamped with `time_us`, or gives it back in `Err`
    /// when there is no room (or it is [`MidiMessage::INVALID`]), counting
    /// nothing and changing nothing: for a producer that keeps it and tries
    /// again.
    ///
    /// # Errors
    ///
    /// `Err(message)` when the stream is full or `message` is `INVALID`.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().capacity(1).build();
    /// source.try_push_at(MidiMessage::START, 0).unwrap();
    /// assert_eq!(source.try_push_at(MidiMessage::STOP, 1), Err(MidiMessage::STOP));
    /// stream.try_recv();
    /// assert!(stream.try_recv().is_none(), "nothing was lost");
    /// ```
    #[inline]
    pub fn try_push_at(&mut self, message: MidiMessage, time_us: u64) -> Result<(), MidiMessage> {
        self.message_at(message, time_us as u32, false)
            .map_err(|_| message)
    }

    /// Sends `bytes` as a MIDI API delivers them, stamped with `time_us`:
    /// one short message, one whole SysEx (`0xF0` … `0xF7`), or a piece of
    /// a SysEx (the first piece starts with `0xF0`, the last ends with
    /// `0xF7`, those between are data bytes). The pieces are gathered and
    /// the SysEx delivered whole when its last piece comes, stamped with
    /// that piece's time. Real-time bytes inside a SysEx are sent at once
    /// as messages of their own. What cannot be delivered is lost and
    /// reported in the stream.
    ///
    /// Wait-free (bounded by the length of `bytes`); never allocates.
    ///
    /// # Errors
    ///
    /// * [`SendError::Invalid`]: not MIDI; nothing sent. Nothing counted,
    ///   except that a SysEx under way is lost (and counted), since what
    ///   came for it is broken: its remaining pieces are discarded. Empty
    ///   `bytes` change nothing.
    /// * [`SendError::Full`]: no room; everything in `bytes` is lost and
    ///   counted, and so is a SysEx under way.
    /// * [`SendError::TooLarge`]: the SysEx is longer than the
    ///   [`sysex_capacity`](Self::sysex_capacity); lost and counted.
    /// * [`SendError::SysExLost`]: a piece of a SysEx already lost (no
    ///   room, too large, or cut off by a status byte, whichever call sent
    ///   it); discarded (real-time bytes in it are still sent), counted no
    ///   more. A piece that ends with `0xF7` ends the discarding.
    ///
    /// Bytes after a whole message or SysEx in one call are
    /// [`MidiError::TrailingBytes`] (one call takes one message; a byte
    /// stream goes through a [`MidiParser`](crate::parser::MidiParser)).
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().sysex_bytes(64).build();
    /// // A SysEx in two pieces, a clock byte inside the second.
    /// source.try_send_bytes_at(&[0xF0, 0x43, 0x10], 100)?;
    /// source.try_send_bytes_at(&[0x4C, 0xF8, 0x00, 0xF7], 200)?;
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Message(MidiMessage::TIMING_CLOCK));
    /// let sysex = stream.try_recv().unwrap();
    /// assert_eq!(sysex.event, Event::SysEx(&[0xF0, 0x43, 0x10, 0x4C, 0x00, 0xF7]));
    /// assert_eq!(sysex.time, 200);
    /// # Ok::<(), bbx_midi::SendError>(())
    /// ```
    pub fn try_send_bytes_at(&mut self, bytes: &[u8], time_us: u64) -> Result<(), SendError> {
        self.bytes_at(bytes, time_us as u32, true)
    }

    /// [`try_send_bytes_at`](Self::try_send_bytes_at) for a producer that
    /// retries: when there is no room, nothing happens and nothing is
    /// counted (a SysEx under way stays as it was, so the same piece can be
    /// sent again).
    ///
    /// # Errors
    ///
    /// As [`try_send_bytes_at`](Self::try_send_bytes_at), except that
    /// [`SendError::Full`] counts nothing and changes nothing.
    /// [`SendError::TooLarge`] is still a loss: no retry can deliver it.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiStream, SendError};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().sysex_bytes(8).build();
    /// source.try_send_bytes_at(&[0xF0, 1, 2, 3, 4, 0xF7], 0)?; // 6 of the 8 bytes
    /// source.try_push_bytes_at(&[0xF0, 5], 1)?;
    /// assert_eq!(source.try_push_bytes_at(&[6, 0xF7], 2), Err(SendError::Full));
    /// assert_eq!(stream.try_recv().unwrap().event, Event::SysEx(&[0xF0, 1, 2, 3, 4, 0xF7]));
    /// source.try_push_bytes_at(&[6, 0xF7], 2)?; // the same piece again, now that there is room
    /// assert_eq!(stream.try_recv().unwrap().event, Event::SysEx(&[0xF0, 5, 6, 0xF7]));
    /// assert!(stream.try_recv().is_none(), "nothing was lost");
    /// # Ok::<(), SendError>(())
    /// ```
    pub fn try_push_bytes_at(&mut self, bytes: &[u8], time_us: u64) -> Result<(), SendError> {
        self.bytes_at(bytes, time_us as u32, false)
    }

    fn bytes_at(&mut self, bytes: &[u8], time: u32, counted: bool) -> Result<(), SendError> {
        let input = match classify(bytes, self.assembly != Assembly::Idle) {
            Ok(input) => input,
            Err(error) => {
                if error != MidiError::Empty && self.assembly == Assembly::Assembling {
                    // A status byte inside a SysEx, or another message
                    // that is not MIDI: on the wire the SysEx is broken
                    // there. Lost, never delivered with a hole.
                    self.last_time = time;
                    self.discard_sysex();
                    self.lose(1, time);
                    self.assembly = Assembly::Discarding;
                }
                return Err(SendError::Invalid(error));
            }
        };
        match input {
            Input::Message(message) => self.message_at(message, time, counted),
            Input::SysEx { start, body, end } => {
                self.sysex_piece(SysExKind::Bytes, start, body, end, time, counted)
            }
        }
    }

    /// The entry that publishes a whole SysEx of `len` bytes in the byte
    /// ring.
    fn sysex_entry(&self, kind: SysExKind, len: usize, time: u32) -> Entry {
        let tag = match (self.protocol, kind) {
            (Protocol::Midi1, _) => TAG_SYSEX,
            (Protocol::Midi2, SysExKind::Bytes) => TAG_SYSEX7,
            (Protocol::Midi2, SysExKind::Seven(group)) => TAG_SYSEX7 | group,
            (Protocol::Midi2, SysExKind::Eight(group, _)) => TAG_SYSEX8 | group,
        };
        Entry::tagged(tag, len, time)
    }

    /// Takes a piece of a SysEx. For MIDI 1.0 bytes, `body` holds its data
    /// bytes and any real-time bytes among them; for packets, data only.
    fn sysex_piece(
        &mut self,
        kind: SysExKind,
        start: bool,
        body: &[u8],
        end: bool,
        time: u32,
        counted: bool,
    ) -> Result<(), SendError> {
        self.last_time = time;
        let real_time = match kind {
            SysExKind::Bytes => body.iter().filter(|&&b| b >= 0x80).count(),
            _ => 0,
        };
        // Whether this piece's data goes into a SysEx being gathered, and
        // that SysEx's length with it: `0xF0` and `0xF7` around 7-bit data,
        // the stream ID before 8-bit data.
        let same = self.kind == kind;
        let gathering = start || (self.assembly == Assembly::Assembling && same);
        let staged = if start { 0 } else { self.staged() };
        let framing = match kind {
            SysExKind::Eight(..) => usize::from(start),
            _ => usize::from(start) + usize::from(end),
        };
        let len = staged + (body.len() - real_time) + framing;
        let max = self.sysex_capacity();
        let fits = gathering && len <= max;
        let entries = real_time + usize::from(fits && end);
        let room = self.has_room(entries)
            && (!fits || self.bytes.as_ref().is_some_and(|b| b.has_slots(len)));
        if !room && !counted {
            return Err(SendError::Full);
        }
        if start {
            if self.assembly == Assembly::Assembling {
                // Cut off by this new one.
                self.discard_sysex();
                self.lose(1, time);
            }
            self.assembly = Assembly::Assembling;
            self.kind = kind;
        }
        let after = if end {
            Assembly::Idle
        } else {
            Assembly::Discarding
        };
        if !room {
            self.lose(real_time, time);
            if gathering {
                self.discard_sysex();
                self.lose(1, time);
            }
            if gathering || same {
                self.assembly = after;
            }
            return Err(SendError::Full);
        }
        if kind == SysExKind::Bytes {
            for &byte in body.iter().filter(|&&b| b >= 0x80) {
                self.emit(&[Entry::message(MidiMessage::from_valid(byte, 0, 0, 1), time)]);
            }
        }
        if !gathering {
            // A piece of a SysEx already lost, or of one never started (a
            // packet of another group or kind than the one under way).
            if same {
                self.assembly = after;
            }
            return Err(SendError::SysExLost);
        }
        if !fits {
            self.discard_sysex();
            self.lose(1, time);
            self.assembly = after;
            return Err(SendError::TooLarge { len, max });
        }
        let Some(ring) = &mut self.bytes else {
            unreachable!("a SysEx fits only where there is a byte ring");
        };
        // Every `stage` fits: the ring has room for all `len` bytes.
        let mut staged_all = true;
        if start {
            let first = match kind {
                SysExKind::Eight(_, stream_id) => stream_id,
                _ => 0xF0,
            };
            staged_all &= ring.stage(&[first]);
        }
        for run in body.split(|&b| b >= 0x80 && kind == SysExKind::Bytes) {
            staged_all &= ring.stage(run);
        }
        if end && !matches!(kind, SysExKind::Eight(..)) {
            staged_all &= ring.stage(&[0xF7]);
        }
        debug_assert!(staged_all);
        if end {
            // The bytes first, then the entry that lets the consumer read them.
            ring.commit_staged();
        }
        self.note_sysex_bytes();
        if end {
            let entry = self.sysex_entry(kind, len, time);
            self.emit(&[entry]);
            self.assembly = Assembly::Idle;
        }
        Ok(())
    }

    /// Sends what a [`MidiParser`](crate::parser::MidiParser) delivers
    /// (serial, BLE, a `.syx` file), stamped with `time_us`: a message, or
    /// a chunk of a SysEx, gathered until its end as with
    /// [`try_send_bytes_at`](Self::try_send_bytes_at). A SysEx the parser
    /// saw cut off by another status byte is lost.
    ///
    /// # Errors
    ///
    /// As [`try_send_bytes_at`](Self::try_send_bytes_at); a SysEx that
    /// ended unterminated gives [`SendError::SysExLost`] (counted once).
    ///
    /// ```
    /// use bbx_midi::parser::MidiParser;
    /// use bbx_midi::{Event, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().sysex_bytes(64).build();
    /// let mut parser = MidiParser::<4>::new();
    /// for &byte in &[0xF0, 0x7D, 1, 2, 3, 4, 5, 0xF7] {
    ///     for parsed in parser.push(byte) {
    ///         source.try_send_parsed_at(parsed, 0)?;
    ///     }
    /// }
    /// assert_eq!(stream.try_recv().unwrap().event, Event::SysEx(&[0xF0, 0x7D, 1, 2, 3, 4, 5, 0xF7]));
    /// # Ok::<(), bbx_midi::SendError>(())
    /// ```
    pub fn try_send_parsed_at(
        &mut self,
        parsed: Parsed<'_>,
        time_us: u64,
    ) -> Result<(), SendError> {
        self.parsed_at(parsed, time_us as u32, true)
    }

    /// [`try_send_parsed_at`](Self::try_send_parsed_at) for a producer that
    /// retries: when there is no room, nothing happens and nothing is
    /// counted, so the same message or chunk can be sent again.
    ///
    /// # Errors
    ///
    /// As [`try_send_parsed_at`](Self::try_send_parsed_at), except that
    /// [`SendError::Full`] counts nothing and changes nothing. A SysEx the
    /// parser saw cut off is still a loss: no retry can deliver it.
    ///
    /// ```
    /// use bbx_midi::parser::{MidiParser, Parsed};
    /// use bbx_midi::{Event, MidiMessage, MidiStream, SendError};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().capacity(1).build();
    /// let mut parser = MidiParser::<4>::new();
    /// let mut refused = 0;
    /// for &byte in &[0xF8, 0xFA] {
    ///     for parsed in parser.push(byte) {
    ///         while let Err(SendError::Full) = source.try_push_parsed_at(parsed, 0) {
    ///             refused += 1;
    ///             stream.try_recv(); // the audio thread, in another thread really
    ///         }
    ///     }
    /// }
    /// assert_eq!(refused, 1);
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Message(MidiMessage::START));
    /// assert_eq!(source.dropped(), 0);
    /// ```
    pub fn try_push_parsed_at(
        &mut self,
        parsed: Parsed<'_>,
        time_us: u64,
    ) -> Result<(), SendError> {
        self.parsed_at(parsed, time_us as u32, false)
    }

    fn parsed_at(&mut self, parsed: Parsed<'_>, time: u32, counted: bool) -> Result<(), SendError> {
        match parsed {
            Parsed::Message(message) => self.message_at(message, time, counted),
            Parsed::SysEx(chunk) => {
                let start = chunk.is_start();
                if !start && self.assembly == Assembly::Idle {
                    return Err(SendError::Invalid(MidiError::NotSysEx {
                        first: chunk.data().first().copied(),
                    }));
                }
                match chunk.end() {
                    Some(SysExEnd::Unterminated) => {
                        // This SysEx, if it started here, and the one under
                        // way, which it ends or cuts off.
                        let lost =
                            usize::from(start) + usize::from(self.assembly == Assembly::Assembling);
                        self.discard_sysex();
                        self.lose(lost, time);
                        self.assembly = Assembly::Idle;
                        Err(SendError::SysExLost)
                    }
                    end => self.sysex_piece(
                        SysExKind::Bytes,
                        start,
                        chunk.data(),
                        end == Some(SysExEnd::Terminated),
                        time,
                        counted,
                    ),
                }
            }
        }
    }

    /// Sends a Universal MIDI Packet stamped with `time_us`, translated
    /// into the stream's protocol: in a MIDI 2.0 stream MIDI 1.0 channel
    /// voice packets (message type 2) become MIDI 2.0 ones and the others
    /// go through whole; in a MIDI 1.0 stream MIDI 2.0 channel voice
    /// packets become MIDI 1.0 messages (a registered controller becomes
    /// four, sent together) and system and MIDI 1.0 packets their message.
    /// SysEx7 and SysEx8 packets are gathered like SysEx pieces and
    /// delivered whole; one SysEx is gathered at a time: a start on another
    /// group cuts off the one under way (lost), like a new `0xF0`, and
    /// pieces of a SysEx whose start was not taken give
    /// [`SendError::SysExLost`].
    ///
    /// Wait-free; never allocates.
    ///
    /// # Errors
    ///
    /// * [`SendError::InvalidUmp`]: a packet its view refuses (reserved
    ///   status or bits); nothing sent, nothing counted.
    /// * [`SendError::NoEquivalent`]: no form in the stream's protocol
    ///   (per-note controllers, SysEx8, utility, flex data… for MIDI 1.0);
    ///   dropped, counted in [`translation_stats`](Self::translation_stats).
    /// * [`SendError::Full`], [`SendError::TooLarge`],
    ///   [`SendError::SysExLost`]: as for
    ///   [`try_send_bytes_at`](Self::try_send_bytes_at).
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// // A MIDI 2.0 controller into a MIDI 1.0 stream: Pitch Bend Sensitivity.
    /// let (mut source, mut stream) = MidiStream::builder().build();
    /// let rpn = Midi2ChannelVoice::registered_controller(0, 0, 0, 0, 0x0400_0000)?;
    /// source.try_send_ump_at(rpn.packet(), 5)?;
    /// let mut got = Vec::new();
    /// while let Some(r) = stream.try_recv() {
    ///     if let Event::Message(m) = r.event { got.push((m.controller(), m.value())); }
    /// }
    /// assert_eq!(got, [(Some(101), Some(0)), (Some(100), Some(0)), (Some(6), Some(2)), (Some(38), Some(0))]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_send_ump_at(&mut self, packet: Ump, time_us: u64) -> Result<(), SendError> {
        self.ump_at(packet, time_us as u32, true)
    }

    /// [`try_send_ump_at`](Self::try_send_ump_at) for a producer that
    /// retries: when there is no room, nothing happens and nothing is
    /// counted.
    ///
    /// # Errors
    ///
    /// As [`try_send_ump_at`](Self::try_send_ump_at), except that
    /// [`SendError::Full`] counts nothing and changes nothing.
    ///
    /// ```
    /// use bbx_midi::{MidiStream, Protocol, SendError};
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// let (mut source, _stream) = MidiStream::builder().capacity(1).protocol(Protocol::Midi2).build();
    /// let note = Midi2ChannelVoice::note_on(0, 0, 60, 0xFFFF, 0, 0)?.packet();
    /// source.try_push_ump_at(note, 0)?;
    /// assert_eq!(source.try_push_ump_at(note, 1), Err(SendError::Full));
    /// assert_eq!(source.dropped(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_push_ump_at(&mut self, packet: Ump, time_us: u64) -> Result<(), SendError> {
        self.ump_at(packet, time_us as u32, false)
    }

    fn ump_at(&mut self, packet: Ump, time: u32, counted: bool) -> Result<(), SendError> {
        self.last_time = time;
        let mut batch = Batch::new();
        match (packet.message_type(), self.protocol) {
            (0x1, _) => {
                let message = SystemMessage::try_from(packet)
                    .map_err(SendError::InvalidUmp)?
                    .message();
                match self.protocol {
                    Protocol::Midi1 => batch.push(&[Entry::message(message, time)]),
                    Protocol::Midi2 => batch.push_packet(&packet, time),
                }
            }
            (0x2, Protocol::Midi1) => {
                let message = Midi1ChannelVoice::try_from(packet)
                    .map_err(SendError::InvalidUmp)?
                    .message();
                batch.push(&[Entry::message(message, time)]);
            }
            (0x2, Protocol::Midi2) => {
                let view = Midi1ChannelVoice::try_from(packet).map_err(SendError::InvalidUmp)?;
                if let Some(up) = &mut self.up {
                    let saved = up.save(view.group(), view.message().status() & 0x0F);
                    let mut out = |packet: Ump| batch.push_packet(&packet, time);
                    up.push(packet, &mut out);
                    up.flush(&mut out);
                    if !counted && !self.has_room(batch.len) {
                        if let Some(up) = &mut self.up {
                            up.restore(saved);
                        }
                        return Err(SendError::Full);
                    }
                }
            }
            (0x4, Protocol::Midi2) => {
                Midi2ChannelVoice::try_from(packet).map_err(SendError::InvalidUmp)?;
                batch.push_packet(&packet, time);
            }
            (0x4, Protocol::Midi1) => {
                Midi2ChannelVoice::try_from(packet).map_err(SendError::InvalidUmp)?;
                let before = self.down.stats();
                let mut out = |packet: Ump| {
                    if let Ok(view) = Midi1ChannelVoice::try_from(packet) {
                        batch.push(&[Entry::message(view.message(), time)]);
                    }
                };
                self.down.push(packet, &mut out);
                if !counted && !self.has_room(batch.len) {
                    self.down.set_stats(before);
                    return Err(SendError::Full);
                }
                if batch.len == 0 {
                    return Err(SendError::NoEquivalent);
                }
            }
            (0x3, _) => {
                let sysex = SysEx7::try_from(packet).map_err(SendError::InvalidUmp)?;
                let kind = SysExKind::Seven(sysex.group());
                return self.packet_piece(kind, sysex.status(), &sysex.data(), time, counted);
            }
            (0x5, Protocol::Midi2) if packet.words()[0] >> 20 & 0xF <= 3 => {
                let sysex = SysEx8::try_from(packet).map_err(SendError::InvalidUmp)?;
                let kind = SysExKind::Eight(sysex.group(), sysex.stream_id());
                return self.packet_piece(kind, sysex.status(), &sysex.data(), time, counted);
            }
            (_, Protocol::Midi2) => batch.push_packet(&packet, time),
            (_, Protocol::Midi1) => {
                let mut stats = self.down.stats();
                stats.no_midi1_form = stats.no_midi1_form.saturating_add(1);
                self.down.set_stats(stats);
                return Err(SendError::NoEquivalent);
            }
        }
        if !counted && !self.has_room(batch.len) {
            return Err(SendError::Full);
        }
        if let Some(status) = midi1_status(&packet) {
            self.end_sysex_by(status, time);
        }
        self.send_batch(batch.as_slice(), time, counted, 1)
    }

    /// A SysEx7 or SysEx8 packet, as a piece of its SysEx.
    fn packet_piece(
        &mut self,
        kind: SysExKind,
        status: SysExStatus,
        data: &[u8],
        time: u32,
        counted: bool,
    ) -> Result<(), SendError> {
        let (start, end) = match status {
            SysExStatus::Complete => (true, true),
            SysExStatus::Start => (true, false),
            SysExStatus::Continue => (false, false),
            SysExStatus::End => (false, true),
        };
        if !start && (self.assembly == Assembly::Idle || self.kind != kind) {
            return Err(SendError::SysExLost);
        }
        self.sysex_piece(kind, start, data, end, time, counted)
    }

    /// What the translation into the stream's protocol has dropped or could
    /// not translate so far (see [`TranslationStats`]).
    ///
    /// ```
    /// use bbx_midi::{MidiStream, SendError};
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// let (mut source, _stream) = MidiStream::builder().build();
    /// let per_note = Midi2ChannelVoice::per_note_pitch_bend(0, 0, 60, 0x8000_0000)?;
    /// assert_eq!(source.try_send_ump_at(per_note.packet(), 0), Err(SendError::NoEquivalent));
    /// assert_eq!(source.translation_stats().per_note_pitch_bends, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn translation_stats(&self) -> TranslationStats {
        match &self.up {
            Some(up) => up.stats(),
            None => self.down.stats(),
        }
    }

    /// Reports `n` messages this source gave up on at `time_us` (a
    /// retrying producer that stops retrying), as a loss in the stream
    /// after everything it sent so far. The `try_send…` methods report
    /// their losses themselves.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().build();
    /// source.add_dropped_at(2, 50);
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Lost { count: 2 });
    /// ```
    pub fn add_dropped_at(&mut self, n: usize, time_us: u64) {
        self.lose(n, time_us as u32);
    }

    /// Whether a message sent now would find no room.
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().capacity(1).build();
    /// source.try_send_at(bbx_midi::MidiMessage::START, 0);
    /// assert!(source.is_full());
    /// ```
    #[inline]
    pub fn is_full(&self) -> bool {
        !self.has_room(self.entries_per_message())
    }

    /// Entries a message takes: one MIDI 1.0 message, or a 64-bit packet.
    #[inline]
    fn entries_per_message(&self) -> usize {
        match self.protocol {
            Protocol::Midi1 => 1,
            Protocol::Midi2 => 2,
        }
    }

    /// How many messages can be sent right now (the audio thread may make
    /// room for more at any moment): MIDI 1.0 messages, or in a MIDI 2.0
    /// stream packets of up to 64 bits.
    ///
    /// ```
    /// let (source, _stream) = bbx_midi::MidiStream::builder().capacity(8).build();
    /// assert_eq!(source.slots(), 8);
    /// ```
    #[inline]
    pub fn slots(&self) -> usize {
        self.entries.slots().saturating_sub(RESERVE) / self.entries_per_message()
    }

    /// Free SysEx bytes right now, after the SysEx under way.
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().sysex_bytes(16).build();
    /// source.try_send_bytes_at(&[0xF0, 1, 2], 0)?;
    /// assert_eq!(source.sysex_slots(), 13);
    /// # Ok::<(), bbx_midi::SendError>(())
    /// ```
    #[inline]
    pub fn sysex_slots(&self) -> usize {
        self.bytes
            .as_ref()
            .map_or(0, |b| b.slots().saturating_sub(b.staged()))
    }

    /// Whether a SysEx is under way: pieces have come, its end has not.
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().sysex_bytes(16).build();
    /// source.try_send_bytes_at(&[0xF0, 1, 2], 0)?;
    /// assert!(source.sysex_in_progress());
    /// source.try_send_bytes_at(&[3, 0xF7], 1)?;
    /// assert!(!source.sysex_in_progress());
    /// # Ok::<(), bbx_midi::SendError>(())
    /// ```
    #[inline]
    pub fn sysex_in_progress(&self) -> bool {
        self.assembly == Assembly::Assembling
    }

    /// Messages this source holds when the audio thread takes nothing (see
    /// [`StreamBuilder::capacity`]).
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().capacity(2).build();
    /// assert_eq!(source.capacity(), 2);
    /// source.try_send_at(bbx_midi::MidiMessage::START, 0);
    /// source.try_send_at(bbx_midi::MidiMessage::STOP, 0);
    /// assert!(source.is_full());
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The longest SysEx this source carries, in bytes, counting `0xF0` and
    /// `0xF7` (for a SysEx8, its stream ID).
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().sysex_bytes(3).build();
    /// assert_eq!(source.sysex_capacity(), 3);
    /// assert_eq!(source.try_send_bytes_at(&[0xF0, 0x7D, 0xF7], 0), Ok(()));
    /// ```
    #[inline]
    pub fn sysex_capacity(&self) -> usize {
        self.bytes.as_ref().map_or(0, Producer::capacity)
    }

    /// The protocol of the stream this source sends into.
    #[inline]
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// What this source has sent and lost, and the most of its room it
    /// used at once (see [`SourceStats`]): for sizing a source from what a
    /// session really sent. Wait-free; never allocates.
    pub fn stats(&self) -> SourceStats {
        SourceStats {
            sent: self.sent,
            lost: self.dropped(),
            peak_messages: self.peak_entries.div_ceil(self.entries_per_message()),
            peak_sysex_bytes: self.peak_sysex_bytes,
        }
    }

    /// Messages lost so far, in total (wrapping at `usize::MAX`).
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().capacity(1).build();
    /// source.try_send_at(bbx_midi::MidiMessage::START, 0);
    /// source.try_send_at(bbx_midi::MidiMessage::STOP, 0);
    /// assert_eq!(source.dropped(), 1);
    /// ```
    #[inline]
    pub fn dropped(&self) -> usize {
        self.entries.dropped()
    }

    /// This source's number in the stream, as [`Received::source`] gives it.
    ///
    /// ```
    /// let ([_a, mut b], mut stream) = bbx_midi::MidiStream::builder().build_merged();
    /// b.try_send_at(bbx_midi::MidiMessage::START, 0);
    /// assert_eq!(b.index(), 1);
    /// assert_eq!(stream.try_recv().unwrap().source, b.index());
    /// ```
    #[inline]
    pub fn index(&self) -> usize {
        self.index
    }

    /// Whether the [`MidiStream`] has been dropped: nobody will read what
    /// is sent.
    ///
    /// ```
    /// let (source, stream) = bbx_midi::MidiStream::builder().build();
    /// assert!(!source.is_abandoned());
    /// drop(stream);
    /// assert!(source.is_abandoned());
    /// ```
    #[inline]
    pub fn is_abandoned(&self) -> bool {
        self.entries.is_abandoned()
    }
}

impl Drop for StreamSource {
    fn drop(&mut self) {
        if self.assembly == Assembly::Assembling {
            // A SysEx that will never end: reported lost.
            self.lose(1, self.last_time);
        }
    }
}

impl fmt::Debug for StreamSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamSource")
            .field("index", &self.index)
            .field("protocol", &self.protocol)
            .field("capacity", &self.capacity)
            .field("sysex_capacity", &self.sysex_capacity())
            .field("dropped", &self.dropped())
            .field("sysex_in_progress", &self.sysex_in_progress())
            .finish_non_exhaustive()
    }
}

/// What a source's next event is.
#[derive(Clone, Copy, Debug)]
enum Head {
    Entry(Entry),
    /// Losses after everything the source sent: nothing came after them.
    Trailing {
        count: usize,
        time: u32,
    },
}

impl Head {
    #[inline]
    fn time(&self) -> u32 {
        match *self {
            Head::Entry(entry) => entry.time,
            Head::Trailing { time, .. } => time,
        }
    }
}

/// The audio thread's end of one source.
#[derive(Debug)]
struct SourceRx {
    entries: Consumer<Entry>,
    bytes: Option<Consumer<u8>>,
    /// The source's loss total (wrapping) up to the last loss handed out.
    reported: usize,
    /// The loss total covered by the loss entries taken so far.
    committed: usize,
}

impl SourceRx {
    /// The next event, without taking it. Loss entries for losses already
    /// handed out (as trailing losses) are passed over.
    fn head(&mut self) -> Option<Head> {
        loop {
            let Some(&entry) = self.entries.peek() else {
                let report = self.entries.dropped_at_end()?;
                let count = report.total.wrapping_sub(self.reported);
                return (count != 0).then_some(Head::Trailing {
                    count,
                    time: report.mark,
                });
            };
            if let Some((count, len)) = self.loss_report(&entry) {
                // Handed out already, as trailing losses: `reported` runs
                // ahead of `committed` by what trailing reports gave before
                // the entries for it came (never behind, so the wrapping
                // difference is that amount, for any counts).
                if count <= self.reported.wrapping_sub(self.committed) {
                    self.committed = self.committed.wrapping_add(count);
                    self.entries.skip(len);
                    continue;
                }
            }
            return Some(Head::Entry(entry));
        }
    }

    /// If `entry`, the oldest, is a loss report: its count and how many
    /// entries it takes. The continuation of a wide one was committed with
    /// it.
    #[inline]
    fn loss_report(&self, entry: &Entry) -> Option<(usize, usize)> {
        match entry.tag() {
            TAG_LOST => Some((entry.number(), 1)),
            TAG_LOST_WIDE => {
                let more = self.entries.peek_nth(1);
                debug_assert!(more.is_some_and(|m| m.tag() == TAG_MORE));
                Some((more.map_or(0, |more| entry.wide_count(more)), 2))
            }
            _ => None,
        }
    }

    /// Takes `head`, which [`head`](Self::head) just returned. A SysEx is
    /// copied into `scratch`.
    fn take<'a>(&mut self, head: Head, scratch: &'a mut [u8]) -> Event<'a> {
        let entry = match head {
            Head::Trailing { count, .. } => {
                self.reported = self.reported.wrapping_add(count);
                return Event::Lost { count };
            }
            Head::Entry(entry) => entry,
        };
        if let Some((count, len)) = self.loss_report(&entry) {
            self.entries.skip(len);
            self.committed = self.committed.wrapping_add(count);
            let count = self.committed.wrapping_sub(self.reported);
            self.reported = self.committed;
            return Event::Lost { count };
        }
        match entry.tag() {
            tag @ 0x91..=0x94 => {
                // A packet: its words follow, two an entry, committed with
                // the head.
                let len = usize::from(tag - TAG_UMP);
                let mut words = [0u32; 4];
                for (i, pair) in words.chunks_mut(2).take(len.div_ceil(2)).enumerate() {
                    if let Some(entry) = self.entries.peek_nth(1 + i) {
                        pair[0] = u32::from_le_bytes(entry.data);
                        pair[1] = entry.time;
                    }
                }
                self.entries.skip(1 + len.div_ceil(2));
                Event::Ump(Ump::from_words_unchecked(words))
            }
            tag if tag == TAG_SYSEX || tag & 0xE0 == TAG_SYSEX7 => {
                // TAG_SYSEX7 and TAG_SYSEX8 share the top three bits.
                self.entries.try_pop();
                let len = entry.number();
                let out = &mut scratch[..len];
                // The source published these bytes before the entry we took.
                let read = self.bytes.as_mut().map_or(0, |bytes| bytes.pop_slice(out));
                debug_assert_eq!(read, len);
                let group = tag & 0x0F;
                match tag & 0xF0 {
                    TAG_SYSEX7 => Event::SysEx7 {
                        group,
                        data: out.get(1..len.saturating_sub(1)).unwrap_or_default(),
                    },
                    TAG_SYSEX8 => match out.split_first() {
                        Some((&stream_id, data)) => Event::SysEx8 {
                            group,
                            stream_id,
                            data,
                        },
                        None => Event::SysEx8 {
                            group,
                            stream_id: 0,
                            data: &[],
                        },
                    },
                    _ => Event::SysEx(out),
                }
            }
            _ => {
                self.entries.try_pop();
                Event::Message(MidiMessage::from_stored(entry.data))
            }
        }
    }
}

/// The audio thread's end of a stream: every source's events, merged in
/// time order. Made by [`MidiStream::builder`].
///
/// `Send`, not `Sync`. Every method is wait-free, bounded by the number of
/// sources, and never allocates.
pub struct MidiStream {
    sources: Box<[SourceRx]>,
    /// Where a SysEx is copied to be lent out: the SysEx capacity.
    scratch: Box<[u8]>,
    capacity: usize,
    protocol: Protocol,
    /// Messages reported lost so far.
    lost: usize,
}

impl MidiStream {
    /// A builder: capacity (messages per source), SysEx bytes, number of
    /// sources.
    ///
    /// ```
    /// let (source, stream) = bbx_midi::MidiStream::builder().build();
    /// assert_eq!((source.capacity(), stream.sysex_capacity()), (256, 0));
    /// ```
    pub fn builder() -> StreamBuilder {
        StreamBuilder::default()
    }

    /// The source whose next event is the earliest, and that event.
    #[inline]
    fn select(&mut self) -> Option<(usize, Head)> {
        let mut best: Option<(usize, Head)> = None;
        for (index, source) in self.sources.iter_mut().enumerate() {
            if let Some(head) = source.head() {
                if best.is_none_or(|(_, b)| later(b.time(), head.time())) {
                    best = Some((index, head));
                }
            }
        }
        best
    }

    /// Takes the next event `picker` takes: the earliest stamped of the
    /// sources' next events if the picker takes it; if not, the first
    /// other source's next event the picker takes (a misdated stamp must
    /// not wait behind events that are not due yet).
    #[inline]
    pub(crate) fn next_for<P: Picker>(&mut self, picker: &mut P) -> Option<(P::Out, Received<'_>)> {
        let (mut source, mut head) = self.select()?;
        if !picker.takes(head.time()) {
            (source, head) = self
                .sources
                .iter_mut()
                .enumerate()
                .find_map(|(index, source)| {
                    source
                        .head()
                        .filter(|head| picker.takes(head.time()))
                        .map(|head| (index, head))
                })?;
        }
        let time = head.time();
        let picked = picker.take(time);
        let event = self.sources[source].take(head, &mut self.scratch);
        if let Event::Lost { count } = event {
            self.lost = self.lost.wrapping_add(count);
        }
        Some((
            picked,
            Received {
                time,
                source,
                event,
            },
        ))
    }

    /// Takes the next event of the stream: the earliest stamped of the
    /// sources' next events, or `None` if there is none. A SysEx is lent
    /// until the next call.
    ///
    /// Wait-free (bounded by the number of sources; a SysEx costs a copy of
    /// its bytes); never allocates.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    ///
    /// let ([mut a, mut b], mut stream) = MidiStream::builder().build_merged();
    /// a.try_send_at(MidiMessage::STOP, 30);
    /// b.try_send_at(MidiMessage::START, 20);
    /// let times: Vec<_> = std::iter::from_fn(|| stream.try_recv().map(|r| (r.source, r.time))).collect();
    /// assert_eq!(times, [(1, 20), (0, 30)]);
    /// ```
    pub fn try_recv(&mut self) -> Option<Received<'_>> {
        self.next_for(&mut Everything)
            .map(|((), received)| received)
    }

    /// The time of the event [`try_recv`](Self::try_recv) would take, or
    /// `None` if there is none.
    ///
    /// ```
    /// let (mut source, mut stream) = bbx_midi::MidiStream::builder().build();
    /// assert_eq!(stream.peek_time(), None);
    /// source.try_send_at(bbx_midi::MidiMessage::START, 7);
    /// assert_eq!(stream.peek_time(), Some(7));
    /// ```
    pub fn peek_time(&mut self) -> Option<u32> {
        self.select().map(|(_, head)| head.time())
    }

    /// Moves the next short messages, with their times, into the front of
    /// `out`, in stream order, and returns how many. Stops early before a
    /// SysEx or a loss, which [`try_recv`](Self::try_recv) takes.
    ///
    /// For a [`Protocol::Midi1`] stream only: a MIDI 2.0 stream delivers
    /// packets, which a [`MidiEvent`] cannot hold, so there it takes
    /// nothing and returns 0 (take its events with
    /// [`try_recv`](Self::try_recv)).
    ///
    /// Wait-free; never allocates.
    ///
    /// ```
    /// use bbx_midi::{MidiEvent, MidiMessage, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().build();
    /// source.try_send_at(MidiMessage::START, 1);
    /// source.try_send_at(MidiMessage::STOP, 2);
    /// let mut block = [MidiEvent::default(); 8];
    /// assert_eq!(stream.pop_into(&mut block), 2);
    /// assert_eq!(block[1], MidiEvent::new(MidiMessage::STOP, 2));
    /// ```
    pub fn pop_into(&mut self, out: &mut [MidiEvent]) -> usize {
        let mut n = 0;
        while n < out.len() {
            let Some((source, Head::Entry(entry))) = self.select() else {
                break;
            };
            if entry.tag() >= TAG_SYSEX {
                break;
            }
            self.sources[source].entries.try_pop();
            out[n] = MidiEvent {
                message: MidiMessage::from_stored(entry.data),
                time: entry.time,
            };
            n += 1;
        }
        n
    }

    /// The protocol this stream delivers.
    ///
    /// ```
    /// let (_source, stream) = bbx_midi::MidiStream::builder().build();
    /// assert_eq!(stream.protocol(), bbx_midi::Protocol::Midi1);
    /// ```
    #[inline]
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The number of sources.
    ///
    /// ```
    /// let (_sources, stream) = bbx_midi::MidiStream::builder().build_sources(3);
    /// assert_eq!(stream.sources(), 3);
    /// ```
    #[inline]
    pub fn sources(&self) -> usize {
        self.sources.len()
    }

    /// Messages each source holds when the audio thread takes nothing (see
    /// [`StreamBuilder::capacity`]).
    ///
    /// ```
    /// let ([a, b], stream) = bbx_midi::MidiStream::builder().capacity(64).build_merged();
    /// assert_eq!((stream.capacity(), a.capacity(), b.capacity()), (64, 64, 64));
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The longest SysEx the stream carries, in bytes: each source's
    /// [`sysex_capacity`](StreamSource::sysex_capacity).
    ///
    /// ```
    /// let (source, stream) = bbx_midi::MidiStream::builder().sysex_bytes(512).build();
    /// assert_eq!((stream.sysex_capacity(), source.sysex_capacity()), (512, 512));
    /// ```
    #[inline]
    pub fn sysex_capacity(&self) -> usize {
        self.scratch.len()
    }

    /// Messages reported lost so far, in [`Event::Lost`] events (wrapping
    /// at `usize::MAX`).
    ///
    /// ```
    /// let (mut source, mut stream) = bbx_midi::MidiStream::builder().build();
    /// source.add_dropped_at(3, 0);
    /// stream.try_recv();
    /// assert_eq!(stream.lost(), 3);
    /// ```
    #[inline]
    pub fn lost(&self) -> usize {
        self.lost
    }

    /// Whether every source has been dropped. Once it is `true`, taking
    /// events until `None` empties the stream for good.
    ///
    /// ```
    /// let (source, stream) = bbx_midi::MidiStream::builder().build();
    /// drop(source);
    /// assert!(stream.is_abandoned());
    /// ```
    pub fn is_abandoned(&self) -> bool {
        self.sources.iter().all(|s| s.entries.is_abandoned())
    }
}

impl fmt::Debug for MidiStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MidiStream")
            .field("sources", &self.sources.len())
            .field("capacity", &self.capacity)
            .field("sysex_capacity", &self.scratch.len())
            .field("lost", &self.lost)
            .finish_non_exhaustive()
    }
}
