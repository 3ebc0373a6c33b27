//! The crate's error type.

use core::fmt;

/// Why bytes are not a MIDI short message, or why a constructor refused its
/// arguments.
///
/// Returned by [`MidiMessage::parse`](crate::MidiMessage::parse) and by the
/// checked constructors such as
/// [`MidiMessage::note_on`](crate::MidiMessage::note_on).
///
/// ```
/// use bbx_midi::{MidiError, MidiMessage};
///
/// let err = MidiMessage::parse(&[0x90, 60]).unwrap_err();
/// assert_eq!(err, MidiError::TooShort { status: 0x90, expected: 3, found: 2 });
/// assert_eq!(err.to_string(), "status 0x90 needs 3 bytes, found 2");
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MidiError {
    /// The input held no bytes at all.
    Empty,
    /// The first byte is a data byte (below `0x80`), not a status byte.
    /// Running status is not accepted for single messages.
    MissingStatus {
        /// The byte found where the status byte belongs.
        byte: u8,
    },
    /// The status byte starts (`0xF0`) or ends (`0xF7`) a System Exclusive
    /// message, which is not a short message.
    SysEx {
        /// `0xF0` or `0xF7`.
        status: u8,
    },
    /// The status byte is one the MIDI 1.0 specification leaves undefined:
    /// `0xF4`, `0xF5`, `0xF9` or `0xFD`.
    UndefinedStatus {
        /// The undefined status byte.
        status: u8,
    },
    /// The message has fewer bytes than its status byte requires.
    TooShort {
        /// The status byte.
        status: u8,
        /// The length, status byte included, that the status requires.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// The input goes on past the end of a whole message: its first
    /// `expected` bytes are one message (a short message, or a System
    /// Exclusive message up to its `0xF7`) and more bytes follow. One call
    /// takes one message; a byte stream that holds several (a serial port,
    /// a `.syx` file) goes through [`MidiParser`](crate::parser::MidiParser).
    TrailingBytes {
        /// The status byte of the whole message: `0xF0` for System
        /// Exclusive (also when the bytes were its last piece).
        status: u8,
        /// The length of the whole message, status byte included (for a
        /// SysEx piece, up to and including its `0xF7`).
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A byte where a data byte belongs is `0x80` or above.
    InvalidDataByte {
        /// Its position in the input (the status byte is at 0).
        index: usize,
        /// The byte.
        byte: u8,
    },
    /// Bytes given as a System Exclusive message do not start with `0xF0`.
    NotSysEx {
        /// The first byte, or `None` if there was none.
        first: Option<u8>,
    },
    /// A System Exclusive message does not end with `0xF7`.
    UnterminatedSysEx {
        /// Its length, `0xF0` included.
        len: usize,
    },
    /// [`MidiMessage::INVALID`](crate::MidiMessage::INVALID) was given where
    /// a MIDI message is needed: it has no wire bytes.
    Invalid,
    /// A channel number above 15 was given to a constructor. Channels are
    /// numbered 0 to 15 here (shown as 1 to 16 to musicians).
    ChannelOutOfRange {
        /// The channel given.
        channel: u8,
    },
    /// A value above its maximum was given to a constructor.
    ValueOutOfRange {
        /// Which argument: `"note"`, `"velocity"`, `"controller"`, …
        field: &'static str,
        /// The value given.
        value: u16,
        /// The largest value allowed.
        max: u16,
    },
}

impl fmt::Display for MidiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MidiError::Empty => f.write_str("empty MIDI message"),
            MidiError::MissingStatus { byte } => {
                write!(f, "expected a status byte, found data byte {byte:#04x}")
            }
            MidiError::SysEx { status } => write!(
                f,
                "status {status:#04x} belongs to System Exclusive, not a short message"
            ),
            MidiError::UndefinedStatus { status } => {
                write!(f, "status {status:#04x} is undefined in MIDI 1.0")
            }
            MidiError::TooShort {
                status,
                expected,
                found,
            } => write!(
                f,
                "status {status:#04x} needs {expected} bytes, found {found}"
            ),
            MidiError::TrailingBytes {
                status,
                expected,
                found,
            } => {
                match found.saturating_sub(expected) {
                    1 => f.write_str("1 byte follows")?,
                    n => write!(f, "{n} bytes follow")?,
                }
                if status == 0xF0 {
                    write!(
                        f,
                        " a whole System Exclusive message (its 0xf7 is byte {})",
                        expected.saturating_sub(1)
                    )?;
                } else {
                    write!(
                        f,
                        " a whole message (status {status:#04x} takes {expected} bytes)"
                    )?;
                }
                f.write_str(
                    "; one call takes one message: a byte stream goes through parser::MidiParser",
                )
            }
            MidiError::InvalidDataByte { index, byte } => {
                write!(
                    f,
                    "byte {index} is {byte:#04x}, not a data byte (0x00..=0x7f)"
                )
            }
            MidiError::NotSysEx { first: Some(byte) } => {
                write!(
                    f,
                    "System Exclusive must start with 0xf0, found {byte:#04x}"
                )
            }
            MidiError::NotSysEx { first: None } => {
                f.write_str("System Exclusive must start with 0xf0, found nothing")
            }
            MidiError::UnterminatedSysEx { len } => {
                write!(f, "System Exclusive of {len} bytes does not end with 0xf7")
            }
            MidiError::Invalid => f.write_str("MidiMessage::INVALID has no MIDI bytes"),
            MidiError::ChannelOutOfRange { channel } => {
                write!(f, "channel {channel} is out of range (0..=15)")
            }
            MidiError::ValueOutOfRange { field, value, max } => {
                write!(f, "{field} {value} is out of range (0..={max})")
            }
        }
    }
}

impl core::error::Error for MidiError {}

/// Why a send did not deliver a message, from a
/// [`MidiBufferProducer`](crate::MidiBufferProducer) or a
/// [`StreamSource`](crate::StreamSource).
///
/// Which of these are counted as lost (and reported to the audio side)
/// depends on the form of the call: `try_send…` counts what it could not
/// deliver, `try_push…` leaves a message it could not take with the caller,
/// uncounted. Bytes that are not MIDI are never counted: they are not a
/// message.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SendError {
    /// No room right now; the consumer may make some. Nothing of the call
    /// was sent.
    Full,
    /// The bytes are not MIDI: not a short message, nor a System Exclusive
    /// message or a piece of one. Nothing was sent. A SysEx a stream source
    /// was gathering from bytes is lost and counted (what came for it is
    /// broken), unless the bytes were empty.
    Invalid(MidiError),
    /// A System Exclusive message longer than the stream's SysEx capacity:
    /// it can never be delivered whole, is not delivered in part, and is
    /// counted as lost.
    TooLarge {
        /// Its length in bytes so far, `0xF0` (and `0xF7`, if it came)
        /// included.
        len: usize,
        /// The stream's SysEx capacity, in bytes.
        max: usize,
    },
    /// The packet is not a Universal MIDI Packet its view accepts (a
    /// reserved status or reserved bits set): nothing was sent.
    InvalidUmp(crate::ump::UmpError),
    /// The message has no form in the stream's protocol (a MIDI 2.0
    /// per-note controller to a MIDI 1.0 stream, say): it is dropped, and
    /// counted in the source's translation statistics, never sent as
    /// something else.
    NoEquivalent,
    /// The System Exclusive message these bytes belong to is lost: an
    /// earlier piece found no room or made it too large, or it was cut off
    /// before its `0xF7`. It was counted once, when it was lost; its pieces
    /// are discarded (real-time bytes among them are still delivered).
    SysExLost,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Full => f.write_str("MIDI buffer full, nothing sent"),
            SendError::Invalid(err) => write!(f, "not a MIDI message: {err}"),
            SendError::TooLarge { len, max } => write!(
                f,
                "System Exclusive of {len} bytes exceeds the {max}-byte SysEx capacity"
            ),
            SendError::InvalidUmp(err) => write!(f, "not a valid packet: {err}"),
            SendError::NoEquivalent => {
                f.write_str("no equivalent in the stream's protocol; dropped and counted")
            }
            SendError::SysExLost => {
                f.write_str("the System Exclusive message these bytes belong to is lost")
            }
        }
    }
}

impl core::error::Error for SendError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            SendError::Invalid(err) => Some(err),
            SendError::InvalidUmp(err) => Some(err),
            _ => None,
        }
    }
}
