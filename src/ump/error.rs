//! Why words are not a Universal MIDI Packet, or why a constructor refused
//! its arguments.

use core::fmt;

use crate::error::MidiError;

/// Why words are not a Universal MIDI Packet, why a packet is not the
/// message a typed view expects, or why a constructor refused its
/// arguments.
///
/// Returned by [`Ump::parse`](super::Ump::parse), by
/// [`UmpReader`](super::UmpReader), by the `TryFrom<Ump>` conversions of the
/// typed views and by their checked constructors. Nothing is ever masked
/// into range: a value that does not fit its field is an error.
///
/// ```
/// use bbx_midi::ump::{Ump, UmpError};
///
/// // A MIDI 2.0 Channel Voice message (type 4) takes two words.
/// let err = Ump::parse(&[0x4090_3C00]).unwrap_err();
/// assert_eq!(err, UmpError::Truncated { message_type: 4, expected: 2, found: 1 });
/// assert_eq!(err.to_string(), "message type 0x4 takes 2 words, found 1");
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UmpError {
    /// No words at all.
    Empty,
    /// Fewer words than the message type of the first word requires.
    Truncated {
        /// The message type, the top four bits of the first word.
        message_type: u8,
        /// The words a packet of this type has (1 to 4).
        expected: usize,
        /// The words found.
        found: usize,
    },
    /// More words than one packet of this message type: given where exactly
    /// one packet was expected.
    TooLong {
        /// The message type, the top four bits of the first word.
        message_type: u8,
        /// The words a packet of this type has (1 to 4).
        expected: usize,
        /// The words found.
        found: usize,
    },
    /// The packet is of another message type than the view asked for.
    WrongMessageType {
        /// The message type the view reads.
        expected: u8,
        /// The message type of the packet.
        found: u8,
    },
    /// The status (or opcode, or format) of the packet is one the
    /// specification leaves reserved, or one the view does not read.
    UnknownStatus {
        /// The message type of the packet.
        message_type: u8,
        /// The status found.
        status: u16,
    },
    /// Bits the specification reserves (to be sent as zero) are set. The
    /// views are strict, so that a view re-encodes to exactly its words.
    ReservedBits {
        /// Which word of the packet, from 0.
        word: usize,
        /// The reserved bits that are set, in place.
        bits: u32,
    },
    /// A byte of a 7-bit field (a MIDI 1.0 data byte, a SysEx7 byte) is
    /// `0x80` or above.
    InvalidDataByte {
        /// Its position among the bytes given or read, from 0.
        index: usize,
        /// The byte.
        byte: u8,
    },
    /// A payload of a length the packet cannot carry: more bytes than fit,
    /// or a byte count field outside its range.
    ByteCount {
        /// The bytes given, or the count the packet claims.
        found: usize,
        /// The fewest bytes allowed.
        min: usize,
        /// The most bytes allowed.
        max: usize,
    },
    /// A group above 15 was given.
    GroupOutOfRange {
        /// The group given.
        group: u8,
    },
    /// A channel above 15 was given.
    ChannelOutOfRange {
        /// The channel given.
        channel: u8,
    },
    /// A value above its maximum was given to a constructor.
    ValueOutOfRange {
        /// Which argument: `"note"`, `"velocity"`, `"bank"`, …
        field: &'static str,
        /// The value given.
        value: u32,
        /// The largest value allowed.
        max: u32,
    },
    /// The MIDI 1.0 message or bytes given are not what the conversion
    /// takes (for example [`MidiMessage::INVALID`](crate::MidiMessage::INVALID),
    /// or SysEx bytes without their `0xF0 … 0xF7` frame).
    Midi(MidiError),
    /// Another crate's type refused the packet (with the optional interop
    /// features); its reason.
    Foreign {
        /// What the other crate said.
        reason: &'static str,
    },
}

impl From<MidiError> for UmpError {
    fn from(err: MidiError) -> Self {
        UmpError::Midi(err)
    }
}

impl fmt::Display for UmpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            UmpError::Empty => f.write_str("no UMP words"),
            UmpError::Truncated {
                message_type,
                expected,
                found,
            } => write!(
                f,
                "message type {message_type:#x} takes {expected} words, found {found}"
            ),
            UmpError::TooLong {
                message_type,
                expected,
                found,
            } => write!(
                f,
                "message type {message_type:#x} takes {expected} words, found {found} (more than one packet)"
            ),
            UmpError::WrongMessageType { expected, found } => {
                write!(f, "expected message type {expected:#x}, found {found:#x}")
            }
            UmpError::UnknownStatus {
                message_type,
                status,
            } => write!(
                f,
                "status {status:#x} is reserved or unknown in message type {message_type:#x}"
            ),
            UmpError::ReservedBits { word, bits } => {
                write!(f, "reserved bits {bits:#010x} are set in word {word}")
            }
            UmpError::InvalidDataByte { index, byte } => {
                write!(
                    f,
                    "byte {index} is {byte:#04x}, not a 7-bit value (0x00..=0x7f)"
                )
            }
            UmpError::ByteCount { found, min, max } => {
                write!(
                    f,
                    "{found} payload bytes, the packet carries {min} to {max}"
                )
            }
            UmpError::GroupOutOfRange { group } => {
                write!(f, "group {group} is out of range (0..=15)")
            }
            UmpError::ChannelOutOfRange { channel } => {
                write!(f, "channel {channel} is out of range (0..=15)")
            }
            UmpError::ValueOutOfRange { field, value, max } => {
                write!(f, "{field} {value} is out of range (0..={max})")
            }
            UmpError::Midi(err) => write!(f, "MIDI 1.0: {err}"),
            UmpError::Foreign { reason } => write!(f, "refused by the other crate: {reason}"),
        }
    }
}

impl core::error::Error for UmpError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            UmpError::Midi(err) => Some(err),
            _ => None,
        }
    }
}
