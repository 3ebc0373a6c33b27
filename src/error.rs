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
    /// The input goes on past the end of the message its status byte starts.
    TooLong {
        /// The status byte.
        status: u8,
        /// The length, status byte included, that the status requires.
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
            MidiError::TooLong {
                status,
                expected,
                found,
            } => write!(
                f,
                "status {status:#04x} takes {expected} bytes, found {found}"
            ),
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

/// Why a message was not sent through a
/// [`MidiSysExProducer`](crate::MidiSysExProducer). Nothing was sent: the
/// buffer is exactly as before the call.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SendError {
    /// No room right now; the consumer may make some. The message was not
    /// sent, like a `false` from `try_send`.
    Full,
    /// The bytes are not a MIDI message: not a short message, or not a
    /// well-formed System Exclusive message (`0xF0`, data bytes, `0xF7`).
    Invalid(MidiError),
    /// A System Exclusive message larger than the buffer's SysEx capacity:
    /// it could never be sent whole, and is not sent in part.
    TooLarge {
        /// The message's length in bytes, `0xF0` and `0xF7` included.
        len: usize,
        /// The SysEx capacity of the buffer, in bytes.
        max: usize,
    },
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Full => f.write_str("MIDI buffer full, message not sent"),
            SendError::Invalid(err) => write!(f, "not a MIDI message: {err}"),
            SendError::TooLarge { len, max } => write!(
                f,
                "System Exclusive of {len} bytes exceeds the buffer's {max}-byte SysEx capacity"
            ),
        }
    }
}

impl core::error::Error for SendError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            SendError::Invalid(err) => Some(err),
            _ => None,
        }
    }
}
