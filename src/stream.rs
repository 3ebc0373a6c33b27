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
//! The entry ring has two slots more than the capacity, so that a loss
//! report (one entry, two for a count beyond 2²⁴ − 1) can always be written
//! before the next message.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use crate::error::{MidiError, SendError};
use crate::event::{Event, MidiEvent, Received};
use crate::message::MidiMessage;
use crate::parser::{Parsed, SysExEnd};
use crate::spsc::{Consumer, Producer, SpscRingBuffer};

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
    let (body, end) = match body.split_last() {
        Some((0xF7, init)) => (init, true),
        _ => (body, false),
    };
    if let Some(i) = body.iter().position(|&b| b >= 0x80 && !is_real_time(b)) {
        return Err(MidiError::InvalidDataByte {
            index: i + usize::from(start),
            byte: body[i],
        });
    }
    Ok(Input::SysEx { start, body, end })
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
}

impl Default for StreamBuilder {
    fn default() -> Self {
        Self {
            capacity: 256,
            sysex_bytes: 0,
        }
    }
}

impl StreamBuilder {
    /// Room for `messages` messages per source (default 256). A SysEx takes
    /// one of them, plus its bytes.
    pub fn capacity(mut self, messages: usize) -> Self {
        self.capacity = messages;
        self
    }

    /// Room for `bytes` bytes of SysEx per source, which is also the
    /// longest SysEx the stream carries (default 0: every SysEx is
    /// refused as too large). At most [`MAX_SYSEX_BYTES`].
    pub fn sysex_bytes(mut self, bytes: usize) -> Self {
        self.sysex_bytes = bytes;
        self
    }

    /// A stream with one source.
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
        let Some(slots) = capacity.checked_add(RESERVE) else {
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
                pending: 0,
                pending_time: 0,
                last_time: 0,
                assembly: Assembly::Idle,
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
            scratch: alloc::vec![0; sysex_bytes].into_boxed_slice(),
            capacity,
            lost: 0,
        };
        (producers, stream)
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
/// Every way of sending comes in two forms: `try_send…` for a MIDI
/// callback, which cannot wait (what finds no room is lost, and reported
/// in the stream), and `try_push…` for a producer that keeps the message
/// and tries again (nothing is counted). [`MidiMessage::INVALID`] and bytes
/// that are not MIDI are never sent and never counted.
pub struct StreamSource {
    entries: Producer<Entry>,
    /// `None` when the stream carries no SysEx.
    bytes: Option<Producer<u8>>,
    index: usize,
    /// Messages the entry ring takes: one slot fewer than it has.
    capacity: usize,
    /// Messages lost since the last loss entry was written: an entry for
    /// them goes in before the next thing sent.
    pending: usize,
    /// The latest time among the `pending` losses.
    pending_time: u32,
    /// The time of the latest call, for a SysEx cut off by the source's
    /// drop.
    last_time: u32,
    assembly: Assembly,
}

impl StreamSource {
    /// Whether `n` entries can be written now: after them, the
    /// [`RESERVE`] stays free, unless the loss report owed, which it is
    /// kept for, is written first.
    #[inline]
    fn has_room(&self, n: usize) -> bool {
        self.entries.has_slots(n + RESERVE)
    }

    /// Writes `entry`, after the loss report owed. The caller has checked
    /// [`has_room`](Self::has_room) for it and every entry it writes next
    /// in the same call.
    #[inline]
    fn emit(&mut self, entry: Entry) {
        if self.pending > 0 {
            let (report, len) = Entry::losses(self.pending, self.pending_time);
            // One commit: the consumer never sees half a report.
            let written = self.entries.push_slice(&report[..len]);
            debug_assert_eq!(written, len);
            self.pending = 0;
        }
        let written = self.entries.try_push(entry);
        debug_assert!(written.is_ok());
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

    /// A status byte other than real-time ends a SysEx under way: an
    /// assembled one never completed, a discarded one was counted already.
    fn end_sysex_by(&mut self, message: MidiMessage, time: u32) {
        if self.assembly == Assembly::Idle || is_real_time(message.status()) {
            return;
        }
        if self.assembly == Assembly::Assembling {
            self.discard_sysex();
            self.lose(1, time);
        }
        self.assembly = Assembly::Idle;
    }

    /// Sends `message` stamped with `time_us`; returns `false` when there
    /// is no room, in which case it is lost, and reported in the stream
    /// (an [`Event::Lost`] after everything sent before it).
    /// [`MidiMessage::INVALID`] is refused (`false`) and not counted.
    ///
    /// A message other than real-time ends a SysEx this source had under
    /// way (MIDI 1.0: any status byte but real-time ends a SysEx); that
    /// SysEx is lost. Wait-free; never allocates.
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
        if !message.is_valid() {
            return false;
        }
        let time = time_us as u32;
        self.last_time = time;
        self.end_sysex_by(message, time);
        if self.has_room(1) {
            self.emit(Entry::message(message, time));
            true
        } else {
            self.lose(1, time);
            false
        }
    }

    /// Sends `message` stamped with `time_us`, or gives it back in `Err`
    /// when there is no room (or it is [`MidiMessage::INVALID`]), counting
    /// nothing: for a producer that keeps it and tries again.
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
        if !message.is_valid() {
            return Err(message);
        }
        let time = time_us as u32;
        self.last_time = time;
        if !self.has_room(1) {
            return Err(message);
        }
        self.end_sysex_by(message, time);
        self.emit(Entry::message(message, time));
        Ok(())
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
    /// * [`SendError::Invalid`]: not MIDI; nothing sent, nothing counted,
    ///   a SysEx under way left as it was.
    /// * [`SendError::Full`]: no room; everything in `bytes` is lost and
    ///   counted, and so is a SysEx under way.
    /// * [`SendError::TooLarge`]: the SysEx is longer than the
    ///   [`sysex_capacity`](Self::sysex_capacity); lost and counted.
    /// * [`SendError::SysExLost`]: a piece of a SysEx already lost;
    ///   discarded (real-time bytes in it are still sent).
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
        match classify(bytes, self.assembly != Assembly::Idle).map_err(SendError::Invalid)? {
            Input::Message(message) => {
                let sent = if counted {
                    self.try_send_at(message, u64::from(time))
                } else {
                    self.try_push_at(message, u64::from(time)).is_ok()
                };
                if sent { Ok(()) } else { Err(SendError::Full) }
            }
            Input::SysEx { start, body, end } => self.sysex_piece(start, body, end, time, counted),
        }
    }

    /// Takes a piece of a SysEx: `body` holds its data bytes and any
    /// real-time bytes among them.
    fn sysex_piece(
        &mut self,
        start: bool,
        body: &[u8],
        end: bool,
        time: u32,
        counted: bool,
    ) -> Result<(), SendError> {
        self.last_time = time;
        let real_time = body.iter().filter(|&&b| b >= 0x80).count();
        // Whether this piece's data goes into a SysEx being gathered, and
        // that SysEx's length with it.
        let gathering = start || self.assembly == Assembly::Assembling;
        let staged = if start { 0 } else { self.staged() };
        let len = staged + (body.len() - real_time) + usize::from(start) + usize::from(end);
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
            self.assembly = after;
            return Err(SendError::Full);
        }
        for &byte in body.iter().filter(|&&b| b >= 0x80) {
            self.emit(Entry::message(MidiMessage::from_valid(byte, 0, 0, 1), time));
        }
        if !gathering {
            self.assembly = after;
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
        let mut staged_all = !start || ring.stage(&[0xF0]);
        for run in body.split(|&b| b >= 0x80) {
            staged_all &= ring.stage(run);
        }
        if end {
            staged_all &= ring.stage(&[0xF7]);
        }
        debug_assert!(staged_all);
        if end {
            // The bytes first, then the entry that lets the consumer read them.
            ring.commit_staged();
            self.emit(Entry::tagged(TAG_SYSEX, len, time));
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
        let time = time_us as u32;
        match parsed {
            Parsed::Message(message) => {
                if self.try_send_at(message, time_us) {
                    Ok(())
                } else {
                    Err(SendError::Full)
                }
            }
            Parsed::SysEx(chunk) => {
                let start = chunk.is_start();
                if start || self.assembly != Assembly::Idle {
                    match chunk.end() {
                        Some(SysExEnd::Unterminated) => {
                            if start || self.assembly == Assembly::Assembling {
                                self.discard_sysex();
                                self.lose(1, time);
                            }
                            self.assembly = Assembly::Idle;
                            Err(SendError::SysExLost)
                        }
                        end => self.sysex_piece(
                            start,
                            chunk.data(),
                            end == Some(SysExEnd::Terminated),
                            time,
                            true,
                        ),
                    }
                } else {
                    Err(SendError::Invalid(MidiError::NotSysEx {
                        first: chunk.data().first().copied(),
                    }))
                }
            }
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
        !self.has_room(1)
    }

    /// How many messages can be sent right now (the audio thread may make
    /// room for more at any moment).
    ///
    /// ```
    /// let (source, _stream) = bbx_midi::MidiStream::builder().capacity(8).build();
    /// assert_eq!(source.slots(), 8);
    /// ```
    #[inline]
    pub fn slots(&self) -> usize {
        self.entries.slots().saturating_sub(RESERVE)
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
    #[inline]
    pub fn sysex_in_progress(&self) -> bool {
        self.assembly == Assembly::Assembling
    }

    /// Messages this source holds when the audio thread takes nothing.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The longest SysEx this source carries, in bytes.
    #[inline]
    pub fn sysex_capacity(&self) -> usize {
        self.bytes.as_ref().map_or(0, Producer::capacity)
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
    #[inline]
    pub fn index(&self) -> usize {
        self.index
    }

    /// Whether the [`MidiStream`] has been dropped: nobody will read what
    /// is sent.
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
                let covered = self.committed.wrapping_add(count);
                if covered.wrapping_sub(self.reported) as isize <= 0 {
                    self.committed = covered;
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
        self.entries.try_pop();
        match entry.tag() {
            TAG_SYSEX => {
                let len = entry.number();
                let out = &mut scratch[..len];
                // The source published these bytes before the entry we took.
                let read = self.bytes.as_mut().map_or(0, |bytes| bytes.pop_slice(out));
                debug_assert_eq!(read, len);
                Event::SysEx(out)
            }
            _ => Event::Message(MidiMessage::from_stored(entry.data)),
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

    /// Takes the next event if `accept` returns something for its time.
    #[inline]
    pub(crate) fn next_if<R>(
        &mut self,
        accept: impl FnOnce(u32) -> Option<R>,
    ) -> Option<(R, Received<'_>)> {
        let (source, head) = self.select()?;
        let time = head.time();
        let accepted = accept(time)?;
        let event = self.sources[source].take(head, &mut self.scratch);
        if let Event::Lost { count } = event {
            self.lost = self.lost.wrapping_add(count);
        }
        Some((
            accepted,
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
        self.next_if(|_| Some(())).map(|((), received)| received)
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

    /// The number of sources.
    #[inline]
    pub fn sources(&self) -> usize {
        self.sources.len()
    }

    /// Messages each source holds when the audio thread takes nothing.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The longest SysEx the stream carries, in bytes.
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
