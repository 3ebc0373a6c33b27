//! A byte-at-a-time parser for raw MIDI 1.0 streams: serial (DIN) ports,
//! BLE-MIDI and USB-MIDI payloads, `.syx` files, anything that delivers the
//! wire bytes without framing.
//!
//! [`MidiParser::push`] takes one byte and returns the events it completes
//! (at most two); [`MidiParser::parse`] does the same over a slice, calling
//! a closure with each event. Neither allocates, and nothing panics whatever
//! the input.
//!
//! The rules, from the MIDI 1.0 specification:
//!
//! * **Running status.** After a channel message, data bytes without a new
//!   status byte repeat that status. System common messages (`0xF0`–`0xF7`)
//!   cancel it; real-time bytes leave it alone.
//! * **Real-time bytes** (`0xF8`–`0xFF`) may appear anywhere, even between
//!   the data bytes of another message or inside SysEx. They are emitted at
//!   once and do not disturb the message around them (inside SysEx, that is
//!   before the chunk holding the SysEx bytes around them).
//! * **System Exclusive** (`0xF0` … `0xF7`) is delivered in chunks of at most
//!   `N` data bytes, marked start/continue/end. It ends at `0xF7`, or at any
//!   other non-real-time status byte, in which case the last chunk says it
//!   was unterminated (and the status byte then starts its own message).
//! * **Garbage is skipped and counted, never fatal.** Data bytes with no
//!   status to belong to, the undefined status bytes `0xF4`, `0xF5`, `0xF9`,
//!   `0xFD`, a `0xF7` outside SysEx and messages cut short by a new status
//!   byte (with or without some of their data bytes) are counted in
//!   [`ParserStats`]; the parser picks up again at the next status byte.
//!
//! ```
//! use bbx_midi::parser::{Parsed, MidiParser};
//! use bbx_midi::MidiMessage;
//!
//! let mut parser = MidiParser::<64>::new();
//! // A Note On, a second one by running status, with a clock byte inside it.
//! let mut messages = Vec::new();
//! parser.parse(&[0x90, 60, 100, 64, 0xF8, 90], |event| {
//!     if let Parsed::Message(message) = event {
//!         messages.push(message);
//!     }
//! });
//! assert_eq!(
//!     messages,
//!     [
//!         MidiMessage::note_on(0, 60, 100)?,
//!         MidiMessage::TIMING_CLOCK,
//!         MidiMessage::note_on(0, 64, 90)?,
//!     ]
//! );
//! # Ok::<(), bbx_midi::MidiError>(())
//! ```
//!
//! Events borrow the parser: a SysEx chunk's bytes are read in place, never
//! copied, so each byte costs the same whatever the chunk size `N`.

use core::fmt;

use crate::message::{MidiMessage, message_len};

/// What a [`MidiParser`] delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// A complete short message (channel, system common or real-time).
    Message(MidiMessage),
    /// A piece of a System Exclusive message.
    SysEx(SysExChunk<'a>),
}

/// How a System Exclusive message ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SysExEnd {
    /// By its End of Exclusive byte, `0xF7`.
    Terminated,
    /// By another status byte, or by [`MidiParser::finish`], before any
    /// `0xF7`: the message is probably incomplete.
    Unterminated,
}

/// Up to `N` data bytes of a System Exclusive message, read in place in the
/// parser, with where they sit in the message.
///
/// The data bytes exclude the `0xF0` and `0xF7` framing bytes. A message that
/// fits in one chunk comes as a single chunk that is both
/// [start](Self::is_start) and [end](Self::end). An end chunk may be empty,
/// when the message ended right after a full chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SysExChunk<'a> {
    data: &'a [u8],
    start: bool,
    end: Option<SysExEnd>,
}

impl<'a> SysExChunk<'a> {
    /// The data bytes of this chunk, all below `0x80`.
    #[inline]
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Whether this is the first chunk of a message (it follows the `0xF0`).
    #[inline]
    pub fn is_start(&self) -> bool {
        self.start
    }

    /// How the message ended, if this is its last chunk; `None` when more
    /// chunks follow.
    #[inline]
    pub fn end(&self) -> Option<SysExEnd> {
        self.end
    }
}

/// What a [`MidiParser`] skipped, by reason. Every byte the parser does
/// not deliver is counted here; the counters saturate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ParserStats {
    /// Data bytes with no status byte to belong to (the stream started in
    /// the middle of a message, or followed an undefined status byte).
    pub stray_data_bytes: u64,
    /// The undefined status bytes `0xF4`, `0xF5`, `0xF9` and `0xFD`.
    pub undefined_status_bytes: u64,
    /// `0xF7` bytes outside a System Exclusive message.
    pub stray_end_of_exclusive: u64,
    /// Messages cut short by a status byte before all their data bytes came
    /// (their data bytes are dropped with them).
    pub incomplete_messages: u64,
    /// System Exclusive messages ended without `0xF7` (still delivered, with
    /// [`SysExEnd::Unterminated`]).
    pub unterminated_sysex: u64,
}

/// The events one byte completes: none, one or two (a status byte that cuts
/// a SysEx short ends it and may itself be the one-byte Tune Request). They
/// borrow the parser until they are dropped.
#[derive(Clone, Debug)]
pub struct ParsedEvents<'a> {
    chunk: Option<SysExChunk<'a>>,
    message: Option<MidiMessage>,
}

impl<'a> Iterator for ParsedEvents<'a> {
    type Item = Parsed<'a>;

    /// The SysEx chunk first, if any, then the message.
    #[inline]
    fn next(&mut self) -> Option<Parsed<'a>> {
        if let Some(chunk) = self.chunk.take() {
            return Some(Parsed::SysEx(chunk));
        }
        self.message.take().map(Parsed::Message)
    }
}

/// What one byte did to the parser, before it is lent out as [`ParsedEvents`].
#[derive(Clone, Copy)]
struct Outcome {
    /// A SysEx chunk of this length, with these marks, sits at the start of
    /// the parser's buffer.
    chunk: Option<(usize, bool, Option<SysExEnd>)>,
    message: Option<MidiMessage>,
}

/// The parser: feed it bytes, get messages and SysEx chunks.
///
/// `N` is the SysEx chunk size, at least 1. The parser is `N + 64` bytes or
/// so, holds no references and never allocates, and each byte costs the same
/// whatever `N`, so it can live in an interrupt handler or on an embedded
/// target.
///
/// ```
/// use bbx_midi::parser::{Parsed, MidiParser, SysExEnd};
///
/// let mut parser = MidiParser::<4>::new();
/// let mut data = Vec::new();
/// parser.parse(&[0xF0, 0x7E, 1, 2, 3, 4, 5, 0xF7], |event| {
///     if let Parsed::SysEx(chunk) = event {
///         data.extend_from_slice(chunk.data());
///         if let Some(end) = chunk.end() {
///             assert_eq!(end, SysExEnd::Terminated);
///         }
///     }
/// });
/// assert_eq!(data, [0x7E, 1, 2, 3, 4, 5]);
/// ```
#[derive(Clone)]
pub struct MidiParser<const N: usize> {
    /// The status the next data bytes belong to: a channel status (kept as
    /// running status), a system common status waiting for its data, or 0.
    status: u8,
    /// Data bytes `status` takes (1 or 2).
    needed: u8,
    /// Data bytes received for the current message.
    data: [u8; 2],
    have: u8,
    /// A status byte arrived and no message has used it yet: a new status
    /// byte now would leave a message behind incomplete.
    pending: bool,
    /// Inside `0xF0` … `0xF7`.
    in_sysex: bool,
    /// No chunk of the current SysEx delivered yet.
    sysex_start: bool,
    sysex: [u8; N],
    sysex_len: usize,
    stats: ParserStats,
}

impl<const N: usize> Default for MidiParser<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> MidiParser<N> {
    /// A parser at the start of a stream: no running status, not in SysEx.
    ///
    /// A chunk size `N` of 0 is a compile-time error.
    pub const fn new() -> Self {
        const { assert!(N > 0, "the SysEx chunk size N must be at least 1") };
        Self {
            status: 0,
            needed: 0,
            data: [0; 2],
            have: 0,
            pending: false,
            in_sysex: false,
            sysex_start: false,
            sysex: [0; N],
            sysex_len: 0,
            stats: ParserStats {
                stray_data_bytes: 0,
                undefined_status_bytes: 0,
                stray_end_of_exclusive: 0,
                incomplete_messages: 0,
                unterminated_sysex: 0,
            },
        }
    }

    /// What has been skipped since the parser was made or [reset](Self::reset).
    pub fn stats(&self) -> ParserStats {
        self.stats
    }

    /// Forgets the stream so far (running status, a SysEx in progress, the
    /// counters), as after a cable was plugged in again.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Takes the next byte of the stream and returns the events it completes.
    ///
    /// Never allocates, never panics; constant time, whatever `N`.
    ///
    /// ```
    /// use bbx_midi::parser::{Parsed, MidiParser};
    /// use bbx_midi::MidiMessage;
    ///
    /// let mut parser = MidiParser::<16>::new();
    /// assert_eq!(parser.push(0xC0).count(), 0);
    /// let events: Vec<_> = parser.push(5).collect();
    /// assert_eq!(events, [Parsed::Message(MidiMessage::program_change(0, 5)?)]);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    pub fn push(&mut self, byte: u8) -> ParsedEvents<'_> {
        let outcome = self.step(byte);
        self.lend(outcome)
    }

    /// Turns an outcome into events that borrow the SysEx buffer.
    fn lend(&self, outcome: Outcome) -> ParsedEvents<'_> {
        ParsedEvents {
            chunk: outcome.chunk.map(|(len, start, end)| SysExChunk {
                data: &self.sysex[..len],
                start,
                end,
            }),
            message: outcome.message,
        }
    }

    /// Processes one byte.
    fn step(&mut self, byte: u8) -> Outcome {
        let mut outcome = Outcome {
            chunk: None,
            message: None,
        };
        match byte {
            0xF8 | 0xFA..=0xFC | 0xFE | 0xFF => {
                outcome.message = Some(MidiMessage::from_valid(byte, 0, 0, 1));
            }
            0xF9 | 0xFD => count(&mut self.stats.undefined_status_bytes),
            0x80..=0xF7 => self.status_byte(byte, &mut outcome),
            0x00..=0x7F if self.in_sysex => {
                self.sysex[self.sysex_len] = byte;
                self.sysex_len += 1;
                if self.sysex_len == N {
                    outcome.chunk = Some(self.take_chunk(None));
                }
            }
            0x00..=0x7F if self.status == 0 => count(&mut self.stats.stray_data_bytes),
            0x00..=0x7F => {
                self.data[usize::from(self.have)] = byte;
                self.have += 1;
                if self.have == self.needed {
                    let [data1, data2] = self.data;
                    let len = usize::from(self.needed) + 1;
                    outcome.message = Some(MidiMessage::from_valid(self.status, data1, data2, len));
                    self.have = 0;
                    self.pending = false;
                    if self.status >= 0xF0 {
                        // System common messages do not run on.
                        self.status = 0;
                    }
                }
            }
        }
        outcome
    }

    /// A status byte other than real-time: it ends a SysEx in progress or
    /// cuts short a message, then starts its own.
    fn status_byte(&mut self, byte: u8, outcome: &mut Outcome) {
        if self.in_sysex {
            let end = if byte == 0xF7 {
                SysExEnd::Terminated
            } else {
                count(&mut self.stats.unterminated_sysex);
                SysExEnd::Unterminated
            };
            outcome.chunk = Some(self.take_chunk(Some(end)));
            self.in_sysex = false;
            if byte == 0xF7 {
                return;
            }
        } else if self.pending || self.have > 0 {
            count(&mut self.stats.incomplete_messages);
        }
        self.have = 0;
        self.status = 0;
        self.pending = false;
        match byte {
            0x80..=0xEF | 0xF1..=0xF3 => {
                self.status = byte;
                self.pending = true;
                // Every status in these ranges starts a 2- or 3-byte message.
                self.needed = match message_len(byte) {
                    Ok(len) => len as u8 - 1,
                    Err(_) => 0,
                };
            }
            0xF0 => {
                self.in_sysex = true;
                self.sysex_start = true;
                self.sysex_len = 0;
            }
            0xF6 => outcome.message = Some(MidiMessage::TUNE_REQUEST),
            0xF7 => count(&mut self.stats.stray_end_of_exclusive),
            // 0xF4, 0xF5: undefined system common; the data bytes that may
            // follow are counted as stray.
            _ => count(&mut self.stats.undefined_status_bytes),
        }
    }

    /// Marks the SysEx bytes gathered so far as a chunk and starts the next
    /// one. The bytes stay at the start of the buffer, untouched until the
    /// next byte is pushed, which is what lets the events borrow them.
    fn take_chunk(&mut self, end: Option<SysExEnd>) -> (usize, bool, Option<SysExEnd>) {
        let chunk = (self.sysex_len, self.sysex_start, end);
        self.sysex_start = false;
        self.sysex_len = 0;
        chunk
    }

    /// Ends the stream: a SysEx in progress is delivered as unterminated,
    /// a message missing data bytes is counted as incomplete. The parser is
    /// then at the start of a new stream, with its counters kept.
    ///
    /// ```
    /// use bbx_midi::parser::{Parsed, MidiParser, SysExEnd};
    ///
    /// let mut parser = MidiParser::<8>::new();
    /// parser.parse(&[0xF0, 0x41, 0x10], |_| unreachable!());
    /// let Some(Parsed::SysEx(last)) = parser.finish() else { panic!() };
    /// assert_eq!((last.data(), last.end()), (&[0x41, 0x10][..], Some(SysExEnd::Unterminated)));
    /// ```
    pub fn finish(&mut self) -> Option<Parsed<'_>> {
        let chunk = if self.in_sysex {
            count(&mut self.stats.unterminated_sysex);
            Some(self.take_chunk(Some(SysExEnd::Unterminated)))
        } else {
            if self.pending || self.have > 0 {
                count(&mut self.stats.incomplete_messages);
            }
            None
        };
        // Back to the start of a stream, keeping the counters and the bytes
        // of the chunk being lent out.
        self.status = 0;
        self.needed = 0;
        self.have = 0;
        self.pending = false;
        self.in_sysex = false;
        self.sysex_start = false;
        let outcome = Outcome {
            chunk,
            message: None,
        };
        self.lend(outcome).next()
    }

    /// Parses `bytes`, continuing from (and updating) the parser's state,
    /// and calls `on_event` with each event in order.
    ///
    /// ```
    /// use bbx_midi::parser::MidiParser;
    ///
    /// let mut parser = MidiParser::<16>::new();
    /// let mut count = 0;
    /// // A stream cut between two reads: the state carries over.
    /// parser.parse(&[0x90, 60], |_| count += 1);
    /// parser.parse(&[100], |_| count += 1);
    /// assert_eq!(count, 1);
    /// ```
    pub fn parse(&mut self, bytes: &[u8], mut on_event: impl FnMut(Parsed<'_>)) {
        for &byte in bytes {
            for event in self.push(byte) {
                on_event(event);
            }
        }
    }
}

impl<const N: usize> fmt::Debug for MidiParser<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MidiParser")
            .field("chunk_size", &N)
            .field("running_status", &self.status)
            .field("in_sysex", &self.in_sysex)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

fn count(counter: &mut u64) {
    *counter = counter.saturating_add(1);
}
