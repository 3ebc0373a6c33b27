//! Typed views of the MIDI 1.0 protocol (types 1 and 2), utility (type 0)
//! and data (types 3 and 5) packets.
//!
//! Each view wraps a [`Ump`] whose fields it has checked, so it converts
//! back to exactly the same words. Constructors refuse out-of-range values
//! instead of masking them.

use core::fmt;

use super::error::UmpError;
use super::packet::{PacketBytes, Ump, byte_at, debug_view, put_byte};
use super::{check_group, expect_type, reserved};
use crate::error::MidiError;
use crate::message::{Group, MidiMessage, message_len, write_data};

/// The status byte and data bytes of a MIDI 1.0 message carried in a type
/// 1 or 2 packet, checked: a defined status in `statuses`, data bytes below
/// `0x80`, the bytes the status does not use zero.
fn midi1_in_packet(packet: &Ump, message_type: u8) -> Result<MidiMessage, UmpError> {
    expect_type(packet, message_type)?;
    let word = packet.word(0);
    let [_, status, data1, data2] = word.to_be_bytes();
    let belongs = match message_type {
        0x2 => matches!(status, 0x80..=0xEF),
        _ => matches!(status, 0xF1..=0xF3 | 0xF6 | 0xF8 | 0xFA..=0xFC | 0xFE | 0xFF),
    };
    if !belongs {
        return Err(UmpError::UnknownStatus {
            message_type,
            status: u16::from(status),
        });
    }
    let len = match message_len(status) {
        Ok(len) => len,
        Err(err) => return Err(UmpError::Midi(err)),
    };
    for (index, byte) in [data1, data2].into_iter().enumerate().take(len - 1) {
        if byte >= 0x80 {
            return Err(UmpError::InvalidDataByte { index, byte });
        }
    }
    let unused = match len {
        1 => 0x0000_FFFF,
        2 => 0x0000_00FF,
        _ => 0,
    };
    reserved(word, 0, unused)?;
    Ok(MidiMessage::from_valid(status, data1, data2, len))
}

/// The type 1 or 2 packet for a MIDI 1.0 message already checked to
/// belong to that type.
const fn midi1_packet(message_type: u8, group: u8, message: &MidiMessage) -> Ump {
    let mut word = (message_type as u32) << 28 | (group as u32) << 24;
    let bytes = message.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        word |= (bytes[i] as u32) << (16 - 8 * i);
        i += 1;
    }
    Ump::one(word)
}

/// A MIDI 1.0 channel voice (or channel mode) message in a UMP: message
/// type `0x2`, one word, the MIDI 1.0 protocol in UMP format.
///
/// The word is the group and the wire bytes of the message: `0x2G` then
/// status, data 1, data 2 (M2-104-UM v1.1, "MIDI 1.0 Channel Voice
/// Messages"). The message is a [`MidiMessage`], with all its accessors.
///
/// ```
/// use bbx_midi::MidiMessage;
/// use bbx_midi::ump::{Midi1ChannelVoice, Ump};
///
/// let note = Midi1ChannelVoice::new(3, MidiMessage::note_on(1, 60, 100)?)?;
/// assert_eq!(note.packet().words(), &[0x2391_3C64]);
/// let read = Midi1ChannelVoice::try_from(Ump::parse(&[0x2391_3C64])?)?;
/// assert_eq!((read.group(), read.message().note()), (3, Some(60)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct Midi1ChannelVoice(Ump);

impl Midi1ChannelVoice {
    /// Carries `message`, a channel voice or channel mode message, on
    /// `group`.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`] if `group > 15`;
    /// [`UmpError::Midi`] with [`MidiError::Invalid`] for
    /// [`MidiMessage::INVALID`]; [`UmpError::UnknownStatus`] for a system
    /// message (those travel as [`SystemMessage`]).
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::Midi1ChannelVoice;
    ///
    /// assert!(Midi1ChannelVoice::new(0, MidiMessage::TIMING_CLOCK).is_err());
    /// assert!(Midi1ChannelVoice::new(16, MidiMessage::note_off(0, 1, 2)?).is_err());
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    pub const fn new(group: u8, message: MidiMessage) -> Result<Self, UmpError> {
        if let Err(err) = check_group(group) {
            return Err(err);
        }
        match message.status() {
            0x80..=0xEF => Ok(Self(midi1_packet(0x2, group, &message))),
            _ if !message.is_valid() => Err(UmpError::Midi(MidiError::Invalid)),
            status => Err(UmpError::UnknownStatus {
                message_type: 0x2,
                status: status as u16,
            }),
        }
    }

    /// The group, 0 to 15.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::Midi1ChannelVoice;
    ///
    /// assert_eq!(Midi1ChannelVoice::new(7, MidiMessage::program_change(0, 1)?)?.group(), 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub const fn group(&self) -> u8 {
        ((self.0.word(0) >> 24) & 0xF) as u8
    }

    /// The MIDI 1.0 message.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::{Midi1ChannelVoice, Ump};
    ///
    /// let cc = Midi1ChannelVoice::try_from(Ump::parse(&[0x20B0_0740])?)?;
    /// assert_eq!(cc.message(), MidiMessage::control_change(0, 7, 64)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn message(&self) -> MidiMessage {
        let [_, status, data1, data2] = self.0.word(0).to_be_bytes();
        let len = message_len(status).unwrap_or(3);
        MidiMessage::from_valid(status, data1, data2, len)
    }

    /// The packet.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::Midi1ChannelVoice;
    ///
    /// let m = Midi1ChannelVoice::new(0, MidiMessage::channel_pressure(1, 2)?)?;
    /// assert_eq!(m.packet().words(), &[0x20D1_0200]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub const fn packet(&self) -> Ump {
        self.0
    }
}

impl TryFrom<Ump> for Midi1ChannelVoice {
    type Error = UmpError;

    /// Checks the packet: type `0x2`, a channel status, data bytes below
    /// `0x80`, and zero where a two-byte message has no second data byte.
    fn try_from(packet: Ump) -> Result<Self, UmpError> {
        midi1_in_packet(&packet, 0x2).map(|_| Self(packet))
    }
}

impl From<Midi1ChannelVoice> for Ump {
    #[inline]
    fn from(view: Midi1ChannelVoice) -> Ump {
        view.0
    }
}

impl fmt::Display for Midi1ChannelVoice {
    /// The message as [`MidiMessage`] shows it, with the group after its
    /// kind, counted from 1 like the channel: `NoteOn g4 ch2 C4 vel 100`.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::Midi1ChannelVoice;
    ///
    /// let note = Midi1ChannelVoice::new(3, MidiMessage::note_on(1, 60, 100)?)?;
    /// assert_eq!(note.to_string(), "NoteOn g4 ch2 C4 vel 100");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().describe(f, Some(self.group()))
    }
}

impl fmt::Debug for Midi1ChannelVoice {
    /// The description and the word:
    /// `Midi1ChannelVoice(NoteOn g4 ch2 C4 vel 100 [23913C64])`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_view(f, "Midi1ChannelVoice", &self.0, |f| {
            fmt::Display::fmt(self, f)
        })
    }
}

/// A MIDI 1.0 system common or system real-time message in a UMP:
/// message type `0x1`, one word (M2-104-UM v1.1, "System Common and System
/// Real Time Messages").
///
/// The word is the group and the wire bytes, as for
/// [`Midi1ChannelVoice`]; unused bytes are zero. System Exclusive travels
/// as [`SysEx7`] instead.
///
/// ```
/// use bbx_midi::MidiMessage;
/// use bbx_midi::ump::SystemMessage;
///
/// assert_eq!(SystemMessage::new(0, MidiMessage::TIMING_CLOCK)?.packet().words(), &[0x10F8_0000]);
/// let spp = SystemMessage::new(1, MidiMessage::new([0xF2, 0x10, 0x20]))?;
/// assert_eq!(spp.packet().words(), &[0x11F2_1020]);
/// assert_eq!(spp.message().song_position(), Some(0x20 << 7 | 0x10));
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct SystemMessage(Ump);

impl SystemMessage {
    /// Carries `message`, a system common or real-time message, on `group`.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`] if `group > 15`;
    /// [`UmpError::Midi`] with [`MidiError::Invalid`] for
    /// [`MidiMessage::INVALID`]; [`UmpError::UnknownStatus`] for a channel
    /// message.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::SystemMessage;
    ///
    /// assert!(SystemMessage::new(0, MidiMessage::STOP).is_ok());
    /// assert!(SystemMessage::new(0, MidiMessage::note_on(0, 1, 2)?).is_err());
    /// assert!(SystemMessage::new(0, MidiMessage::INVALID).is_err());
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    pub const fn new(group: u8, message: MidiMessage) -> Result<Self, UmpError> {
        if let Err(err) = check_group(group) {
            return Err(err);
        }
        match message.status() {
            0xF1..=0xFF => Ok(Self(midi1_packet(0x1, group, &message))),
            _ if !message.is_valid() => Err(UmpError::Midi(MidiError::Invalid)),
            status => Err(UmpError::UnknownStatus {
                message_type: 0x1,
                status: status as u16,
            }),
        }
    }

    /// The group, 0 to 15.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::SystemMessage;
    ///
    /// assert_eq!(SystemMessage::new(4, MidiMessage::START)?.group(), 4);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn group(&self) -> u8 {
        ((self.0.word(0) >> 24) & 0xF) as u8
    }

    /// The MIDI 1.0 message.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::{SystemMessage, Ump};
    ///
    /// let m = SystemMessage::try_from(Ump::parse(&[0x10F3_0500])?)?;
    /// assert_eq!(m.message().song(), Some(5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn message(&self) -> MidiMessage {
        let [_, status, data1, data2] = self.0.word(0).to_be_bytes();
        let len = message_len(status).unwrap_or(1);
        MidiMessage::from_valid(status, data1, data2, len)
    }

    /// The packet.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::SystemMessage;
    ///
    /// assert_eq!(SystemMessage::new(0, MidiMessage::TUNE_REQUEST)?.packet().words(), &[0x10F6_0000]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn packet(&self) -> Ump {
        self.0
    }
}

impl TryFrom<Ump> for SystemMessage {
    type Error = UmpError;

    /// Checks the packet: type `0x1`, a defined system common or real-time
    /// status (not `0xF0`/`0xF7`), data bytes below `0x80`, unused bytes
    /// zero.
    fn try_from(packet: Ump) -> Result<Self, UmpError> {
        midi1_in_packet(&packet, 0x1).map(|_| Self(packet))
    }
}

impl From<SystemMessage> for Ump {
    #[inline]
    fn from(view: SystemMessage) -> Ump {
        view.0
    }
}

impl fmt::Display for SystemMessage {
    /// The message as [`MidiMessage`] shows it, with the group after its
    /// kind: `TimingClock g1`, `SongPosition g2 4112`.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::SystemMessage;
    ///
    /// assert_eq!(SystemMessage::new(0, MidiMessage::TIMING_CLOCK)?.to_string(), "TimingClock g1");
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().describe(f, Some(self.group()))
    }
}

impl fmt::Debug for SystemMessage {
    /// The description and the word: `SystemMessage(TimingClock g1 [10F80000])`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_view(f, "SystemMessage", &self.0, |f| fmt::Display::fmt(self, f))
    }
}

/// Which utility message a [`Utility`] packet is (the status nibble).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum UtilityKind {
    /// `0x0`: no operation.
    Noop,
    /// `0x1`: jitter reduction clock, the sender's clock time.
    JrClock,
    /// `0x2`: jitter reduction timestamp of the message that follows.
    JrTimestamp,
    /// `0x3`: delta clockstamp ticks per quarter note.
    DeltaClockstampTicksPerQuarterNote,
    /// `0x4`: delta clockstamp, ticks since the last event.
    DeltaClockstamp,
}

/// A utility message: message type `0x0`, one word, groupless in UMP 1.1
/// (M2-104-UM v1.1, "Utility Messages").
///
/// Bits 27–24 (a group in UMP 1.0) are reserved, the status is bits
/// 23–20. JR Clock, JR Timestamp and Delta Clockstamp Ticks Per Quarter
/// Note carry 16 bits (15–0, bits 19–16 reserved); Delta Clockstamp
/// carries 20 bits (19–0).
///
/// ```
/// use bbx_midi::ump::{Utility, UtilityKind};
///
/// assert_eq!(Utility::jr_timestamp(0x1234).packet().words(), &[0x0020_1234]);
/// let dc = Utility::delta_clockstamp(0xF_FFFF)?;
/// assert_eq!(dc.packet().words(), &[0x004F_FFFF]);
/// assert_eq!((dc.kind(), dc.value()), (UtilityKind::DeltaClockstamp, 0xF_FFFF));
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct Utility(Ump);

impl Utility {
    /// NOOP: the all-zero word.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Utility::noop().packet().words(), &[0]);
    /// ```
    #[inline]
    pub const fn noop() -> Self {
        Self(Ump::one(0))
    }

    /// JR Clock with the sender's clock time (units of 1/31 250 s).
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Utility::jr_clock(0xABCD).packet().words(), &[0x0010_ABCD]);
    /// ```
    #[inline]
    pub const fn jr_clock(time: u16) -> Self {
        Self(Ump::one(0x0010_0000 | time as u32))
    }

    /// JR Timestamp: when the next message was sent (1/31 250 s).
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Utility::jr_timestamp(0x8000).packet().words(), &[0x0020_8000]);
    /// ```
    #[inline]
    pub const fn jr_timestamp(time: u16) -> Self {
        Self(Ump::one(0x0020_0000 | time as u32))
    }

    /// Delta Clockstamp Ticks Per Quarter Note.
    ///
    /// ```
    /// let tpqn = bbx_midi::ump::Utility::ticks_per_quarter_note(960);
    /// assert_eq!(tpqn.packet().words(), &[0x0030_03C0]);
    /// ```
    #[inline]
    pub const fn ticks_per_quarter_note(ticks: u16) -> Self {
        Self(Ump::one(0x0030_0000 | ticks as u32))
    }

    /// Delta Clockstamp: ticks since the last event, 20 bits.
    ///
    /// # Errors
    ///
    /// [`UmpError::ValueOutOfRange`] if `ticks` is above `0xF_FFFF`.
    ///
    /// ```
    /// assert!(bbx_midi::ump::Utility::delta_clockstamp(0x10_0000).is_err());
    /// ```
    #[inline]
    pub const fn delta_clockstamp(ticks: u32) -> Result<Self, UmpError> {
        check_max!("ticks", ticks, 0xF_FFFF);
        Ok(Self(Ump::one(0x0040_0000 | ticks)))
    }

    /// Which utility message this is.
    ///
    /// ```
    /// use bbx_midi::ump::{Utility, UtilityKind};
    ///
    /// assert_eq!(Utility::jr_clock(1).kind(), UtilityKind::JrClock);
    /// ```
    #[inline]
    pub const fn kind(&self) -> UtilityKind {
        match (self.0.word(0) >> 20) & 0xF {
            0x0 => UtilityKind::Noop,
            0x1 => UtilityKind::JrClock,
            0x2 => UtilityKind::JrTimestamp,
            0x3 => UtilityKind::DeltaClockstampTicksPerQuarterNote,
            _ => UtilityKind::DeltaClockstamp,
        }
    }

    /// The time or tick count: 16 bits, or 20 for Delta Clockstamp; 0 for
    /// NOOP.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Utility::ticks_per_quarter_note(96).value(), 96);
    /// ```
    #[inline]
    pub const fn value(&self) -> u32 {
        self.0.word(0) & 0xF_FFFF
    }

    /// The packet.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Utility::noop().packet().words(), &[0]);
    /// ```
    #[inline]
    pub const fn packet(&self) -> Ump {
        self.0
    }
}

impl TryFrom<Ump> for Utility {
    type Error = UmpError;

    /// Checks the packet: type `0x0`, a defined status (0 to 4), reserved
    /// bits zero.
    fn try_from(packet: Ump) -> Result<Self, UmpError> {
        expect_type(&packet, 0x0)?;
        let word = packet.word(0);
        let status = (word >> 20) & 0xF;
        let unused = match status {
            0x0 => 0x0F0F_FFFF,
            0x1..=0x3 => 0x0F0F_0000,
            0x4 => 0x0F00_0000,
            _ => {
                return Err(UmpError::UnknownStatus {
                    message_type: 0x0,
                    status: status as u16,
                });
            }
        };
        reserved(word, 0, unused)?;
        Ok(Self(packet))
    }
}

impl From<Utility> for Ump {
    #[inline]
    fn from(view: Utility) -> Ump {
        view.0
    }
}

impl fmt::Display for Utility {
    /// The kind and its value in decimal (a time in units of 1/31 250 s,
    /// or a number of ticks); utility messages have no group:
    /// `Noop`, `JrClock time 43981`, `JrTimestamp time 32768`,
    /// `DeltaClockstampTicksPerQuarterNote ticks 960`,
    /// `DeltaClockstamp ticks 1048575`.
    ///
    /// ```
    /// use bbx_midi::ump::Utility;
    ///
    /// assert_eq!(Utility::noop().to_string(), "Noop");
    /// assert_eq!(Utility::jr_timestamp(0x8000).to_string(), "JrTimestamp time 32768");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, value) = (self.kind(), self.value());
        match kind {
            UtilityKind::Noop => write!(f, "{kind:?}"),
            UtilityKind::JrClock | UtilityKind::JrTimestamp => write!(f, "{kind:?} time {value}"),
            UtilityKind::DeltaClockstampTicksPerQuarterNote | UtilityKind::DeltaClockstamp => {
                write!(f, "{kind:?} ticks {value}")
            }
        }
    }
}

impl fmt::Debug for Utility {
    /// The description and the word: `Utility(JrClock time 43981 [0010ABCD])`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_view(f, "Utility", &self.0, |f| fmt::Display::fmt(self, f))
    }
}

/// Where a packet sits in a message that spans several: the status of
/// SysEx7 and SysEx8 packets, and the format of flex data and UMP stream
/// packets, which share these four values.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SysExStatus {
    /// `0x0`: the whole message in one packet.
    Complete,
    /// `0x1`: the first packet of several.
    Start,
    /// `0x2`: a packet between the first and the last.
    Continue,
    /// `0x3`: the last packet.
    End,
}

impl SysExStatus {
    /// The 2- or 4-bit field value.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::SysExStatus::End.bits(), 3);
    /// ```
    #[inline]
    pub const fn bits(self) -> u8 {
        match self {
            SysExStatus::Complete => 0,
            SysExStatus::Start => 1,
            SysExStatus::Continue => 2,
            SysExStatus::End => 3,
        }
    }

    /// The status for a field value 0 to 3.
    ///
    /// ```
    /// use bbx_midi::ump::SysExStatus;
    ///
    /// assert_eq!(SysExStatus::from_bits(1), Some(SysExStatus::Start));
    /// assert_eq!(SysExStatus::from_bits(4), None);
    /// ```
    #[inline]
    pub const fn from_bits(bits: u8) -> Option<Self> {
        match bits {
            0 => Some(SysExStatus::Complete),
            1 => Some(SysExStatus::Start),
            2 => Some(SysExStatus::Continue),
            3 => Some(SysExStatus::End),
            _ => None,
        }
    }
}

/// One packet of a 7-bit System Exclusive message: message type `0x3`,
/// two words, 0 to 6 data bytes (M2-104-UM v1.1, "System Exclusive (7-Bit)
/// Messages").
///
/// Word 0: `0x3`, group, status (bits 23–20), number of bytes (19–16),
/// then bytes 1 and 2; word 1: bytes 3 to 6. The `0xF0` and `0xF7` of the
/// MIDI 1.0 wire form are not carried: the status says where the packet
/// sits. Unused bytes are zero.
///
/// ```
/// use bbx_midi::ump::{SysEx7, SysExStatus};
///
/// let start = SysEx7::new(0, SysExStatus::Start, &[1, 2, 3, 4, 5, 6])?;
/// assert_eq!(start.packet().words(), &[0x3016_0102, 0x0304_0506]);
/// let end = SysEx7::new(0, SysExStatus::End, &[7])?;
/// assert_eq!(end.packet().words(), &[0x3031_0700, 0]);
/// assert_eq!((end.status(), &*end.data()), (SysExStatus::End, &[7][..]));
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct SysEx7(Ump);

impl SysEx7 {
    /// The packet for `data` (at most 6 bytes, each below `0x80`) at
    /// `status` in a SysEx message on `group`.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ByteCount`] for more than
    /// 6 bytes, [`UmpError::InvalidDataByte`] for a byte of `0x80` or above.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx7, SysExStatus};
    ///
    /// assert!(SysEx7::new(0, SysExStatus::Complete, &[0x80]).is_err());
    /// assert!(SysEx7::new(0, SysExStatus::Complete, &[0; 7]).is_err());
    /// ```
    pub const fn new(group: u8, status: SysExStatus, data: &[u8]) -> Result<Self, UmpError> {
        if let Err(err) = check_group(group) {
            return Err(err);
        }
        if data.len() > 6 {
            return Err(UmpError::ByteCount {
                found: data.len(),
                min: 0,
                max: 6,
            });
        }
        let mut words = [0u32; 4];
        words[0] = 0x3 << 28
            | (group as u32) << 24
            | (status.bits() as u32) << 20
            | (data.len() as u32) << 16;
        let mut i = 0;
        while i < data.len() {
            if data[i] >= 0x80 {
                return Err(UmpError::InvalidDataByte {
                    index: i,
                    byte: data[i],
                });
            }
            let index = 2 + i;
            words[index / 4] |= (data[i] as u32) << (24 - 8 * (index % 4));
            i += 1;
        }
        Ok(Self(Ump::from_words_unchecked(words)))
    }

    /// The group, 0 to 15.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx7, SysExStatus};
    ///
    /// assert_eq!(SysEx7::new(11, SysExStatus::Complete, &[])?.group(), 11);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn group(&self) -> u8 {
        ((self.0.word(0) >> 24) & 0xF) as u8
    }

    /// Where the packet sits in its message.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx7, SysExStatus};
    ///
    /// assert_eq!(SysEx7::new(0, SysExStatus::Continue, &[1])?.status(), SysExStatus::Continue);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn status(&self) -> SysExStatus {
        match SysExStatus::from_bits(((self.0.word(0) >> 20) & 0xF) as u8) {
            Some(status) => status,
            None => SysExStatus::Complete,
        }
    }

    /// The data bytes, 0 to 6, each below `0x80`.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx7, Ump};
    ///
    /// let p = SysEx7::try_from(Ump::parse(&[0x3003_0102, 0x0300_0000])?)?;
    /// assert_eq!(&*p.data(), &[1, 2, 3]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub fn data(&self) -> PacketBytes {
        PacketBytes::gather(&self.0, 2, ((self.0.word(0) >> 16) & 0xF) as usize)
    }

    /// The packet.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx7, SysExStatus};
    ///
    /// assert_eq!(SysEx7::new(0, SysExStatus::Complete, &[])?.packet().words(), &[0x3000_0000, 0]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn packet(&self) -> Ump {
        self.0
    }
}

impl TryFrom<Ump> for SysEx7 {
    type Error = UmpError;

    /// Checks the packet: type `0x3`, status 0 to 3, at most 6 bytes, each
    /// below `0x80`, the unused bytes zero.
    fn try_from(packet: Ump) -> Result<Self, UmpError> {
        expect_type(&packet, 0x3)?;
        let word = packet.word(0);
        let status = ((word >> 20) & 0xF) as u8;
        if SysExStatus::from_bits(status).is_none() {
            return Err(UmpError::UnknownStatus {
                message_type: 0x3,
                status: u16::from(status),
            });
        }
        let count = ((word >> 16) & 0xF) as usize;
        if count > 6 {
            return Err(UmpError::ByteCount {
                found: count,
                min: 0,
                max: 6,
            });
        }
        for index in 0..count {
            let byte = byte_at(&packet, 2 + index);
            if byte >= 0x80 {
                return Err(UmpError::InvalidDataByte { index, byte });
            }
        }
        unused_bytes_zero(&packet, 2 + count, 8)?;
        Ok(Self(packet))
    }
}

impl From<SysEx7> for Ump {
    #[inline]
    fn from(view: SysEx7) -> Ump {
        view.0
    }
}

impl SysEx7 {
    /// `g1 Start 01 02`, after `SysEx7 ` if `named`.
    pub(crate) fn describe(&self, f: &mut fmt::Formatter<'_>, named: bool) -> fmt::Result {
        if named {
            f.write_str("SysEx7 ")?;
        }
        write!(f, "{} {:?}", Group(self.group()), self.status())?;
        write_data(f, &self.data())
    }
}

impl fmt::Display for SysEx7 {
    /// One packet of a SysEx: the group, where the packet sits
    /// ([`SysExStatus`]) and its data bytes in hexadecimal:
    /// `SysEx7 g1 Start 7E 7F 06 01`.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx7, SysExStatus};
    ///
    /// let start = SysEx7::new(0, SysExStatus::Start, &[0x7E, 0x7F, 0x06, 0x01])?;
    /// assert_eq!(start.to_string(), "SysEx7 g1 Start 7E 7F 06 01");
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f, true)
    }
}

impl fmt::Debug for SysEx7 {
    /// The description and the words:
    /// `SysEx7(g1 Start 7E 7F 06 01 [30147E7F 06010000])`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_view(f, "SysEx7", &self.0, |f| self.describe(f, false))
    }
}

/// Checks that bytes `from..to` of the packet (big-endian numbering) are
/// zero.
fn unused_bytes_zero(packet: &Ump, from: usize, to: usize) -> Result<(), UmpError> {
    for index in from..to {
        let byte = byte_at(packet, index);
        if byte != 0 {
            let word = index / 4;
            return reserved(
                packet.word(word),
                word,
                0xFF << (24 - 8 * (index % 4) as u32),
            );
        }
    }
    Ok(())
}

/// One packet of an 8-bit System Exclusive message: message type `0x5`
/// with status 0 to 3, four words (M2-104-UM v1.1, "System Exclusive 8
/// (8-Bit) Messages").
///
/// Word 0: `0x5`, group, status (23–20), number of bytes (19–16, 1 to 14,
/// counting the stream ID), stream ID (15–8), data byte 1 (7–0); words 1–3:
/// data bytes 2 to 13. Unused bytes are zero.
///
/// ```
/// use bbx_midi::ump::{SysEx8, SysExStatus};
///
/// let packet = SysEx8::new(2, SysExStatus::Complete, 7, &[0xF0, 0x80, 0xFF])?;
/// assert_eq!(packet.packet().words(), &[0x5204_07F0, 0x80FF_0000, 0, 0]);
/// assert_eq!((packet.stream_id(), &*packet.data()), (7, &[0xF0, 0x80, 0xFF][..]));
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct SysEx8(Ump);

impl SysEx8 {
    /// The packet for `data` (at most 13 bytes, any value) of stream
    /// `stream_id` at `status` on `group`.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ByteCount`] for more than
    /// 13 bytes.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx8, SysExStatus};
    ///
    /// assert!(SysEx8::new(0, SysExStatus::Complete, 0, &[0xFF; 13]).is_ok());
    /// assert!(SysEx8::new(0, SysExStatus::Complete, 0, &[0xFF; 14]).is_err());
    /// ```
    pub fn new(
        group: u8,
        status: SysExStatus,
        stream_id: u8,
        data: &[u8],
    ) -> Result<Self, UmpError> {
        check_group(group)?;
        if data.len() > 13 {
            return Err(UmpError::ByteCount {
                found: data.len(),
                min: 0,
                max: 13,
            });
        }
        let mut words = [0u32; 4];
        words[0] = 0x5 << 28
            | u32::from(group) << 24
            | u32::from(status.bits()) << 20
            | (data.len() as u32 + 1) << 16
            | u32::from(stream_id) << 8;
        for (i, byte) in data.iter().enumerate() {
            put_byte(&mut words, 3 + i, *byte);
        }
        Ok(Self(Ump::from_words_unchecked(words)))
    }

    /// The group, 0 to 15.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx8, SysExStatus};
    ///
    /// assert_eq!(SysEx8::new(6, SysExStatus::End, 0, &[])?.group(), 6);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn group(&self) -> u8 {
        ((self.0.word(0) >> 24) & 0xF) as u8
    }

    /// Where the packet sits in its message.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx8, SysExStatus};
    ///
    /// assert_eq!(SysEx8::new(0, SysExStatus::End, 0, &[])?.status(), SysExStatus::End);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn status(&self) -> SysExStatus {
        match SysExStatus::from_bits(((self.0.word(0) >> 20) & 0xF) as u8) {
            Some(status) => status,
            None => SysExStatus::Complete,
        }
    }

    /// The stream ID, which tells apart SysEx8 messages sent at once.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx8, SysExStatus};
    ///
    /// assert_eq!(SysEx8::new(0, SysExStatus::Start, 0xAB, &[1])?.stream_id(), 0xAB);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn stream_id(&self) -> u8 {
        (self.0.word(0) >> 8) as u8
    }

    /// The data bytes, 0 to 13 (the byte count less the stream ID).
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx8, Ump};
    ///
    /// let p = SysEx8::try_from(Ump::parse(&[0x5003_0080, 0xFF00_0000, 0, 0])?)?;
    /// assert_eq!((p.stream_id(), &*p.data()), (0, &[0x80, 0xFF][..]));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub fn data(&self) -> PacketBytes {
        let count = ((self.0.word(0) >> 16) & 0xF) as usize;
        PacketBytes::gather(&self.0, 3, count.saturating_sub(1))
    }

    /// The packet.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx8, SysExStatus};
    ///
    /// assert_eq!(SysEx8::new(0, SysExStatus::Complete, 1, &[])?.packet().words(), &[0x5001_0100, 0, 0, 0]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn packet(&self) -> Ump {
        self.0
    }
}

impl TryFrom<Ump> for SysEx8 {
    type Error = UmpError;

    /// Checks the packet: type `0x5`, status 0 to 3, a byte count of 1 to
    /// 14, the unused bytes zero.
    fn try_from(packet: Ump) -> Result<Self, UmpError> {
        expect_type(&packet, 0x5)?;
        let word = packet.word(0);
        let status = ((word >> 20) & 0xF) as u8;
        if SysExStatus::from_bits(status).is_none() {
            return Err(UmpError::UnknownStatus {
                message_type: 0x5,
                status: u16::from(status),
            });
        }
        let count = ((word >> 16) & 0xF) as usize;
        if !(1..=14).contains(&count) {
            return Err(UmpError::ByteCount {
                found: count,
                min: 1,
                max: 14,
            });
        }
        unused_bytes_zero(&packet, 2 + count, 16)?;
        Ok(Self(packet))
    }
}

impl From<SysEx8> for Ump {
    #[inline]
    fn from(view: SysEx8) -> Ump {
        view.0
    }
}

impl SysEx8 {
    /// `g1 Complete stream 7 F0 80 FF`, after `SysEx8 ` if `named`.
    pub(crate) fn describe(&self, f: &mut fmt::Formatter<'_>, named: bool) -> fmt::Result {
        if named {
            f.write_str("SysEx8 ")?;
        }
        write!(
            f,
            "{} {:?} stream {}",
            Group(self.group()),
            self.status(),
            self.stream_id()
        )?;
        write_data(f, &self.data())
    }
}

impl fmt::Display for SysEx8 {
    /// One packet of a SysEx8: the group, where the packet sits, the
    /// stream ID in decimal and the data bytes in hexadecimal:
    /// `SysEx8 g3 Complete stream 7 F0 80 FF`.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx8, SysExStatus};
    ///
    /// let packet = SysEx8::new(2, SysExStatus::Complete, 7, &[0xF0, 0x80, 0xFF])?;
    /// assert_eq!(packet.to_string(), "SysEx8 g3 Complete stream 7 F0 80 FF");
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f, true)
    }
}

impl fmt::Debug for SysEx8 {
    /// The description and the words:
    /// `SysEx8(g3 Complete stream 7 F0 80 FF [520407F0 80FF0000 00000000 00000000])`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_view(f, "SysEx8", &self.0, |f| self.describe(f, false))
    }
}

/// The header of a chunk of a Mixed Data Set: message type `0x5`, status
/// `0x8`, four words; its raw fields (M2-104-UM v1.1, "Mixed Data Set
/// Message").
///
/// Word 0: `0x5`, group, `0x8`, MDS ID (19–16), number of valid bytes in
/// this chunk (15–0); word 1: number of chunks in the set (31–16), number
/// of this chunk (15–0); word 2: manufacturer ID, device ID; word 3: sub
/// ID 1, sub ID 2 (16 bits each).
///
/// ```
/// use bbx_midi::ump::{MixedDataSetHeader, Ump};
///
/// let header = MixedDataSetHeader {
///     group: 1, mds_id: 2, valid_bytes: 100, chunks: 3, chunk: 1,
///     manufacturer_id: 0x0041, device_id: 0x0010, sub_id_1: 5, sub_id_2: 6,
/// };
/// let packet = header.to_ump()?;
/// assert_eq!(packet.words(), &[0x5182_0064, 0x0003_0001, 0x0041_0010, 0x0005_0006]);
/// assert_eq!(MixedDataSetHeader::try_from(packet)?, header);
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct MixedDataSetHeader {
    /// The group, 0 to 15.
    pub group: u8,
    /// Which Mixed Data Set, 0 to 15.
    pub mds_id: u8,
    /// The valid bytes in this chunk.
    pub valid_bytes: u16,
    /// The number of chunks in the set.
    pub chunks: u16,
    /// The number of this chunk.
    pub chunk: u16,
    /// Manufacturer ID.
    pub manufacturer_id: u16,
    /// Device ID.
    pub device_id: u16,
    /// Sub ID #1.
    pub sub_id_1: u16,
    /// Sub ID #2.
    pub sub_id_2: u16,
}

impl MixedDataSetHeader {
    /// The packet.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ValueOutOfRange`] if
    /// `mds_id > 15`.
    ///
    /// ```
    /// use bbx_midi::ump::MixedDataSetHeader;
    ///
    /// let header = MixedDataSetHeader {
    ///     group: 0, mds_id: 16, valid_bytes: 0, chunks: 1, chunk: 1,
    ///     manufacturer_id: 0, device_id: 0, sub_id_1: 0, sub_id_2: 0,
    /// };
    /// assert!(header.to_ump().is_err());
    /// ```
    pub fn to_ump(&self) -> Result<Ump, UmpError> {
        check_group(self.group)?;
        check_max!("MDS ID", self.mds_id, 15);
        Ok(Ump::from_words_unchecked([
            0x5080_0000
                | u32::from(self.group) << 24
                | u32::from(self.mds_id) << 16
                | u32::from(self.valid_bytes),
            u32::from(self.chunks) << 16 | u32::from(self.chunk),
            u32::from(self.manufacturer_id) << 16 | u32::from(self.device_id),
            u32::from(self.sub_id_1) << 16 | u32::from(self.sub_id_2),
        ]))
    }
}

impl TryFrom<Ump> for MixedDataSetHeader {
    type Error = UmpError;

    /// Reads the fields of a type `0x5`, status `0x8` packet.
    fn try_from(packet: Ump) -> Result<Self, UmpError> {
        expect_mds(&packet, 0x8)?;
        let [w0, w1, w2, w3] = packet.to_array();
        Ok(Self {
            group: ((w0 >> 24) & 0xF) as u8,
            mds_id: ((w0 >> 16) & 0xF) as u8,
            valid_bytes: w0 as u16,
            chunks: (w1 >> 16) as u16,
            chunk: w1 as u16,
            manufacturer_id: (w2 >> 16) as u16,
            device_id: w2 as u16,
            sub_id_1: (w3 >> 16) as u16,
            sub_id_2: w3 as u16,
        })
    }
}

impl MixedDataSetHeader {
    /// The fields, after `MixedDataSetHeader ` if `named`.
    pub(crate) fn describe(&self, f: &mut fmt::Formatter<'_>, named: bool) -> fmt::Result {
        if named {
            f.write_str("MixedDataSetHeader ")?;
        }
        write!(
            f,
            "{} mds {} chunk {}/{} valid {} manufacturer 0x{:04X} device 0x{:04X} \
             sub-ids 0x{:04X} 0x{:04X}",
            Group(self.group),
            self.mds_id,
            self.chunk,
            self.chunks,
            self.valid_bytes,
            self.manufacturer_id,
            self.device_id,
            self.sub_id_1,
            self.sub_id_2
        )
    }
}

impl fmt::Display for MixedDataSetHeader {
    /// The group, the MDS ID, this chunk of how many, the valid bytes in
    /// it (decimal), then the IDs in hexadecimal:
    /// `MixedDataSetHeader g2 mds 2 chunk 1/3 valid 100 manufacturer 0x0041 device 0x0010 sub-ids 0x0005 0x0006`.
    ///
    /// ```
    /// use bbx_midi::ump::MixedDataSetHeader;
    ///
    /// let header = MixedDataSetHeader {
    ///     group: 1, mds_id: 2, valid_bytes: 100, chunks: 3, chunk: 1,
    ///     manufacturer_id: 0x0041, device_id: 0x0010, sub_id_1: 5, sub_id_2: 6,
    /// };
    /// assert_eq!(
    ///     header.to_string(),
    ///     "MixedDataSetHeader g2 mds 2 chunk 1/3 valid 100 \
    ///      manufacturer 0x0041 device 0x0010 sub-ids 0x0005 0x0006"
    /// );
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f, true)
    }
}

/// Checks a Mixed Data Set packet's type and status.
fn expect_mds(packet: &Ump, status: u32) -> Result<(), UmpError> {
    expect_type(packet, 0x5)?;
    let found = (packet.word(0) >> 20) & 0xF;
    if found != status {
        return Err(UmpError::UnknownStatus {
            message_type: 0x5,
            status: found as u16,
        });
    }
    Ok(())
}

/// The payload of a chunk of a Mixed Data Set: message type `0x5`, status
/// `0x9`, four words: `0x5`, group, `0x9`, MDS ID, then 14 bytes.
///
/// ```
/// use bbx_midi::ump::MixedDataSetPayload;
///
/// let payload = MixedDataSetPayload { group: 0, mds_id: 1, bytes: [0xAB; 14] };
/// let packet = payload.to_ump()?;
/// assert_eq!(packet.words(), &[0x5091_ABAB, 0xABAB_ABAB, 0xABAB_ABAB, 0xABAB_ABAB]);
/// assert_eq!(MixedDataSetPayload::try_from(packet)?, payload);
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct MixedDataSetPayload {
    /// The group, 0 to 15.
    pub group: u8,
    /// Which Mixed Data Set, 0 to 15.
    pub mds_id: u8,
    /// The 14 payload bytes.
    pub bytes: [u8; 14],
}

impl MixedDataSetPayload {
    /// The packet.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ValueOutOfRange`] if
    /// `mds_id > 15`.
    ///
    /// ```
    /// use bbx_midi::ump::MixedDataSetPayload;
    ///
    /// let payload = MixedDataSetPayload { group: 16, mds_id: 0, bytes: [0; 14] };
    /// assert!(payload.to_ump().is_err());
    /// ```
    pub fn to_ump(&self) -> Result<Ump, UmpError> {
        check_group(self.group)?;
        check_max!("MDS ID", self.mds_id, 15);
        let mut words = [
            0x5090_0000 | u32::from(self.group) << 24 | u32::from(self.mds_id) << 16,
            0,
            0,
            0,
        ];
        for (i, byte) in self.bytes.iter().enumerate() {
            put_byte(&mut words, 2 + i, *byte);
        }
        Ok(Ump::from_words_unchecked(words))
    }
}

impl TryFrom<Ump> for MixedDataSetPayload {
    type Error = UmpError;

    /// Reads the fields of a type `0x5`, status `0x9` packet.
    fn try_from(packet: Ump) -> Result<Self, UmpError> {
        expect_mds(&packet, 0x9)?;
        let mut bytes = [0u8; 14];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = byte_at(&packet, 2 + i);
        }
        Ok(Self {
            group: ((packet.word(0) >> 24) & 0xF) as u8,
            mds_id: ((packet.word(0) >> 16) & 0xF) as u8,
            bytes,
        })
    }
}

impl MixedDataSetPayload {
    /// `g1 mds 1 AB …`, after `MixedDataSetPayload ` if `named`.
    pub(crate) fn describe(&self, f: &mut fmt::Formatter<'_>, named: bool) -> fmt::Result {
        if named {
            f.write_str("MixedDataSetPayload ")?;
        }
        write!(f, "{} mds {}", Group(self.group), self.mds_id)?;
        write_data(f, &self.bytes)
    }
}

impl fmt::Display for MixedDataSetPayload {
    /// The group, the MDS ID and the 14 bytes in hexadecimal:
    /// `MixedDataSetPayload g1 mds 1 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D`.
    ///
    /// ```
    /// use bbx_midi::ump::MixedDataSetPayload;
    ///
    /// let payload = MixedDataSetPayload { group: 0, mds_id: 1, bytes: [0xAB; 14] };
    /// assert_eq!(
    ///     payload.to_string(),
    ///     "MixedDataSetPayload g1 mds 1 AB AB AB AB AB AB AB AB AB AB AB AB AB AB"
    /// );
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f, true)
    }
}
