//! MIDI 2.0: the Universal MIDI Packet (UMP) and the specification's
//! translation between the MIDI 1.0 and MIDI 2.0 protocols.
//!
//! Everything here follows "Universal MIDI Packet (UMP) Format and MIDI 2.0
//! Protocol", M2-104-UM, version 1.1 (the MIDI Association and AMEI),
//! called *the specification* below; each item names the part it follows.
//!
//! * [`Ump`]: one packet of 1 to 4 words, sized by its message type,
//!   `Copy` and 16 bytes so a ring buffer can carry it in one slot.
//!   [`Ump::parse`] reads exactly one packet, [`UmpReader`] a stream of
//!   words; both refuse what is not a packet with a typed [`UmpError`],
//!   never a panic. Reserved message types pass through whole.
//! * Typed views, each a checked wrapper of a packet with checked
//!   constructors: [`Midi1ChannelVoice`] (type 2), [`SystemMessage`] (1),
//!   [`Midi2ChannelVoice`] (4), [`SysEx7`] (3), [`SysEx8`],
//!   [`MixedDataSetHeader`] and [`MixedDataSetPayload`] (5), [`Utility`]
//!   (0), [`FlexData`] (0xD), [`StreamMessage`] (0xF); [`Ump::message`]
//!   classifies a packet into an [`UmpMessage`].
//! * Translation, allocation-free state machines for the MIDI or audio
//!   thread (no allocation, no panic, no `unsafe`):
//!   [`Midi1ToUmp`] and [`UmpToMidi1`] between MIDI 1.0 bytes and the MIDI
//!   1.0 protocol in UMP (lossless; SysEx in SysEx7 packets),
//!   [`Midi1ToMidi2`] and [`Midi2ToMidi1`] between the MIDI 1.0 and MIDI
//!   2.0 protocols by the specification's default translation, with
//!   [`scale_up`] and [`scale_down`] for the values.
//!
//! # Formatting
//!
//! Every packet and view has a `Display` for logs, one line in the style
//! of [`MidiMessage`](crate::MidiMessage)'s (`NoteOn ch1 C4 vel 100`):
//!
//! * the kind first, then the group and the channel, both counted from 1:
//!   `g1` is group 0 as `ch1` is channel 0 (the API takes and returns 0 to
//!   15, see [`Ump::group`]);
//! * notes by name, middle C (60) as `C4`;
//! * the MIDI 2.0 protocol's 16- and 32-bit values in hexadecimal at their
//!   full width (`vel 0x8000`, `value 0x80000000`), where the bits and the
//!   centre are plain to see; counts, numbers and indices in decimal;
//! * data bytes in hexadecimal, text quoted;
//! * a packet no view accepts as `Other` and its words: `Other [60000000]`.
//!
//! `Debug` shows the same description, then the packet's words in
//! hexadecimal: `Ump(NoteOn g1 ch1 C4 vel 0x8000 [40903C00 80000000])`; a
//! view's names the view instead of `Ump`, with no packet nested inside.
//! Both write straight to the formatter with `core::fmt` alone: nothing
//! allocates, and they work without `std`.
//!
//! ```
//! use bbx_midi::ump::{Midi1ToMidi2, Midi1ToUmp, Midi2Kind, UmpMessage};
//!
//! // A MIDI 1.0 keyboard's bytes, as a serial port delivers them...
//! let mut to_ump = Midi1ToUmp::new(0)?;
//! let mut to_midi2 = Midi1ToMidi2::new();
//! let mut notes = Vec::new();
//! to_ump.parse(&[0x90, 60, 127], |packet| {
//!     // ...become MIDI 1.0 in UMP, then the MIDI 2.0 protocol.
//!     to_midi2.push(packet, |packet| {
//!         if let UmpMessage::Midi2ChannelVoice(m) = packet.message() {
//!             notes.push((m.kind(), m.note(), m.velocity()));
//!         }
//!     });
//! });
//! assert_eq!(notes, [(Midi2Kind::NoteOn, Some(60), Some(0xFFFF))]);
//! # Ok::<(), bbx_midi::ump::UmpError>(())
//! ```

/// Returns early from a `const fn` with [`UmpError::ValueOutOfRange`] if
/// `$value` is above `$max`.
macro_rules! check_max {
    ($field:literal, $value:expr, $max:expr) => {
        if $value as u32 > $max {
            return Err($crate::ump::UmpError::ValueOutOfRange {
                field: $field,
                value: $value as u32,
                max: $max,
            });
        }
    };
}

mod bytes;
mod channel_voice2;
mod error;
mod flex;
#[cfg(feature = "midi2")]
mod interop;
mod message;
mod packet;
mod protocol;
mod ump_stream;
mod views;

pub use bytes::{Midi1Event, Midi1ToUmp, SysEx7Packets, UmpToMidi1, UmpToMidi1Stats, to_ump};
pub use channel_voice2::{Midi2ChannelVoice, Midi2Kind};
pub use error::UmpError;
pub use flex::{FlexAddress, FlexData};
pub use message::UmpMessage;
pub use packet::{PacketBytes, Ump, UmpReader, packet_len};
#[cfg(feature = "alloc")]
pub(crate) use protocol::Saved;
pub use protocol::{Midi1ToMidi2, Midi2ToMidi1, TranslationStats};
pub use ump_stream::{EndpointInfo, FunctionBlockInfo, StreamMessage};
pub use views::{
    Midi1ChannelVoice, MixedDataSetHeader, MixedDataSetPayload, SysEx7, SysEx8, SysExStatus,
    SystemMessage, Utility, UtilityKind,
};

/// Refuses a group above 15.
#[inline]
const fn check_group(group: u8) -> Result<(), UmpError> {
    if group > 15 {
        Err(UmpError::GroupOutOfRange { group })
    } else {
        Ok(())
    }
}

/// Refuses a channel above 15.
#[inline]
const fn check_channel(channel: u8) -> Result<(), UmpError> {
    if channel > 15 {
        Err(UmpError::ChannelOutOfRange { channel })
    } else {
        Ok(())
    }
}

/// Refuses a packet of another message type than `expected`.
#[inline]
const fn expect_type(packet: &Ump, expected: u8) -> Result<(), UmpError> {
    let found = packet.message_type();
    if found != expected {
        Err(UmpError::WrongMessageType { expected, found })
    } else {
        Ok(())
    }
}

/// Refuses word `index` (value `word`) if any of the reserved bits `mask`
/// is set.
#[inline]
const fn reserved(word: u32, index: usize, mask: u32) -> Result<(), UmpError> {
    if word & mask != 0 {
        Err(UmpError::ReservedBits {
            word: index,
            bits: word & mask,
        })
    } else {
        Ok(())
    }
}

/// Scales `value`, of `src_bits` bits, up to `dst_bits` bits by the
/// min-center-max algorithm of the default translation (M2-104-UM v1.1,
/// Appendix D; also "MIDI 2.0 Bit Scaling and Resolution", M2-115-U): a
/// plain shift up to the center value, and above it the bits below the top
/// one repeated into the empty low bits.
///
/// The minimum stays the minimum, the center the center and the maximum
/// the maximum: 7-bit 0, 64 and 127 become `0x0000`, `0x8000` and `0xFFFF`
/// in 16 bits, `0`, `0x8000_0000` and `0xFFFF_FFFF` in 32. And
/// [`scale_down`] undoes it exactly: `scale_down(scale_up(v))` is `v` for
/// every `v`.
///
/// Returns `None` unless `1 <= src_bits < dst_bits <= 32` and `value` fits
/// in `src_bits`.
///
/// ```
/// use bbx_midi::ump::scale_up;
///
/// assert_eq!(scale_up(64, 7, 16), Some(0x8000));
/// assert_eq!(scale_up(127, 7, 16), Some(0xFFFF));
/// assert_eq!(scale_up(127, 7, 32), Some(0xFFFF_FFFF));
/// assert_eq!(scale_up(0x2000, 14, 32), Some(0x8000_0000));
/// assert_eq!(scale_up(128, 7, 16), None);
/// ```
pub const fn scale_up(value: u32, src_bits: u32, dst_bits: u32) -> Option<u32> {
    if src_bits == 0 || src_bits >= dst_bits || dst_bits > 32 || value >> src_bits != 0 {
        return None;
    }
    let scale_bits = dst_bits - src_bits;
    let shifted = value << scale_bits;
    let center = 1 << (src_bits - 1);
    if value <= center {
        return Some(shifted);
    }
    // Above the center, the bits below the top bit repeat down the empty
    // low bits, so that the maximum reaches the maximum.
    let repeat_bits = src_bits - 1;
    let repeat_mask = (1 << repeat_bits) - 1;
    let mut repeat = value & repeat_mask;
    if scale_bits > repeat_bits {
        repeat <<= scale_bits - repeat_bits;
    } else {
        repeat >>= repeat_bits - scale_bits;
    }
    let mut result = shifted;
    while repeat != 0 {
        result |= repeat;
        repeat >>= repeat_bits;
    }
    Some(result)
}

/// Scales `value`, of `src_bits` bits, down to `dst_bits` bits by dropping
/// the low bits: the specification's rule for MIDI 2.0 to MIDI 1.0.
///
/// Returns `None` unless `1 <= dst_bits < src_bits <= 32` and `value` fits
/// in `src_bits`.
///
/// ```
/// use bbx_midi::ump::scale_down;
///
/// assert_eq!(scale_down(0x8000, 16, 7), Some(64));
/// assert_eq!(scale_down(0xFFFF_FFFF, 32, 14), Some(0x3FFF));
/// assert_eq!(scale_down(0x01FF, 16, 7), Some(0));
/// ```
pub const fn scale_down(value: u32, src_bits: u32, dst_bits: u32) -> Option<u32> {
    if dst_bits == 0 || dst_bits >= src_bits || src_bits > 32 {
        return None;
    }
    if src_bits < 32 && value >> src_bits != 0 {
        return None;
    }
    Some(value >> (src_bits - dst_bits))
}

/// The exact-width scalings the translators use: the arguments are in
/// range by construction.
#[inline]
pub(crate) const fn up_7_to_16(value: u8) -> u16 {
    match scale_up(value as u32, 7, 16) {
        Some(v) => v as u16,
        None => 0,
    }
}

#[inline]
pub(crate) const fn up_7_to_32(value: u8) -> u32 {
    match scale_up(value as u32, 7, 32) {
        Some(v) => v,
        None => 0,
    }
}

#[inline]
pub(crate) const fn up_14_to_32(value: u16) -> u32 {
    match scale_up(value as u32, 14, 32) {
        Some(v) => v,
        None => 0,
    }
}
