//! One enum that classifies a packet into its typed view.

use core::fmt;

use super::channel_voice2::Midi2ChannelVoice;
use super::flex::FlexData;
use super::packet::{Ump, Words};
use super::ump_stream::StreamMessage;
use super::views::{
    Midi1ChannelVoice, MixedDataSetHeader, MixedDataSetPayload, SysEx7, SysEx8, SystemMessage,
    Utility,
};

/// What a packet is, as the typed view of its message type.
///
/// [`Ump::message`] classifies a packet: each packet whose message type
/// has a view, and whose fields that view accepts, comes out as that view;
/// everything else (the reserved message types, reserved statuses and
/// opcodes, reserved bits set, 7-bit fields with the top bit set) comes
/// out as [`UmpMessage::Other`] with the packet untouched, so it can still
/// be passed on.
///
/// ```
/// use bbx_midi::ump::{Midi2Kind, Ump, UmpMessage};
///
/// let packet = Ump::parse(&[0x4090_3C00, 0xFFFF_0000])?;
/// match packet.message() {
///     UmpMessage::Midi2ChannelVoice(m) if m.kind() == Midi2Kind::NoteOn => {
///         assert_eq!(m.velocity(), Some(0xFFFF));
///     }
///     other => panic!("{other:?}"),
/// }
/// assert!(matches!(Ump::parse(&[0x6000_0000])?.message(), UmpMessage::Other(_)));
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UmpMessage {
    /// Message type `0x0`.
    Utility(Utility),
    /// Message type `0x1`.
    System(SystemMessage),
    /// Message type `0x2`.
    Midi1ChannelVoice(Midi1ChannelVoice),
    /// Message type `0x3`.
    SysEx7(SysEx7),
    /// Message type `0x4`.
    Midi2ChannelVoice(Midi2ChannelVoice),
    /// Message type `0x5`, status 0 to 3.
    SysEx8(SysEx8),
    /// Message type `0x5`, status `0x8`.
    MixedDataSetHeader(MixedDataSetHeader),
    /// Message type `0x5`, status `0x9`.
    MixedDataSetPayload(MixedDataSetPayload),
    /// Message type `0xD`.
    FlexData(FlexData),
    /// Message type `0xF`.
    Stream(StreamMessage),
    /// A reserved message type, or a packet its type's view refuses.
    Other(Ump),
}

impl Ump {
    /// The packet's typed view, or [`UmpMessage::Other`].
    ///
    /// Never panics, whatever the words.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::{Ump, UmpMessage};
    ///
    /// let UmpMessage::Midi1ChannelVoice(m) = Ump::parse(&[0x2090_3C64])?.message() else {
    ///     panic!()
    /// };
    /// assert_eq!(m.message(), MidiMessage::note_on(0, 60, 100)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn message(&self) -> UmpMessage {
        let packet = *self;
        let view = match self.message_type() {
            0x0 => Utility::try_from(packet).map(UmpMessage::Utility),
            0x1 => SystemMessage::try_from(packet).map(UmpMessage::System),
            0x2 => Midi1ChannelVoice::try_from(packet).map(UmpMessage::Midi1ChannelVoice),
            0x3 => SysEx7::try_from(packet).map(UmpMessage::SysEx7),
            0x4 => Midi2ChannelVoice::try_from(packet).map(UmpMessage::Midi2ChannelVoice),
            0x5 => match (self.word(0) >> 20) & 0xF {
                0x8 => MixedDataSetHeader::try_from(packet).map(UmpMessage::MixedDataSetHeader),
                0x9 => MixedDataSetPayload::try_from(packet).map(UmpMessage::MixedDataSetPayload),
                _ => SysEx8::try_from(packet).map(UmpMessage::SysEx8),
            },
            0xD => FlexData::try_from(packet).map(UmpMessage::FlexData),
            0xF => StreamMessage::try_from(packet).map(UmpMessage::Stream),
            _ => Ok(UmpMessage::Other(packet)),
        };
        view.unwrap_or(UmpMessage::Other(packet))
    }
}

impl UmpMessage {
    /// The packet, whatever the view.
    ///
    /// The fields views ([`MixedDataSetHeader`], [`MixedDataSetPayload`])
    /// re-encode their fields, which they read whole.
    ///
    /// ```
    /// use bbx_midi::ump::Ump;
    ///
    /// let packet = Ump::parse(&[0x5091_0102, 3, 4, 5])?;
    /// assert_eq!(packet.message().packet(), packet);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub fn packet(&self) -> Ump {
        match self {
            UmpMessage::Utility(m) => m.packet(),
            UmpMessage::System(m) => m.packet(),
            UmpMessage::Midi1ChannelVoice(m) => m.packet(),
            UmpMessage::SysEx7(m) => m.packet(),
            UmpMessage::Midi2ChannelVoice(m) => m.packet(),
            UmpMessage::SysEx8(m) => m.packet(),
            UmpMessage::MixedDataSetHeader(m) => m.to_ump().unwrap_or(Ump::one(0)),
            UmpMessage::MixedDataSetPayload(m) => m.to_ump().unwrap_or(Ump::one(0)),
            UmpMessage::FlexData(m) => m.packet(),
            UmpMessage::Stream(m) => m.packet(),
            UmpMessage::Other(packet) => *packet,
        }
    }
}

impl UmpMessage {
    /// The variant's name, as `Debug` starts.
    fn variant_name(&self) -> &'static str {
        match self {
            UmpMessage::Utility(_) => "Utility",
            UmpMessage::System(_) => "System",
            UmpMessage::Midi1ChannelVoice(_) => "Midi1ChannelVoice",
            UmpMessage::SysEx7(_) => "SysEx7",
            UmpMessage::Midi2ChannelVoice(_) => "Midi2ChannelVoice",
            UmpMessage::SysEx8(_) => "SysEx8",
            UmpMessage::MixedDataSetHeader(_) => "MixedDataSetHeader",
            UmpMessage::MixedDataSetPayload(_) => "MixedDataSetPayload",
            UmpMessage::FlexData(_) => "FlexData",
            UmpMessage::Stream(_) => "Stream",
            UmpMessage::Other(_) => "Other",
        }
    }

    /// The description, without the words. `named`: start with the view's
    /// name where the description would otherwise not say what the packet
    /// is (`SysEx7 g1 …`); `Debug`, which writes the name already, leaves
    /// it out.
    pub(crate) fn describe(&self, f: &mut fmt::Formatter<'_>, named: bool) -> fmt::Result {
        match self {
            UmpMessage::Utility(m) => fmt::Display::fmt(m, f),
            UmpMessage::System(m) => fmt::Display::fmt(m, f),
            UmpMessage::Midi1ChannelVoice(m) => fmt::Display::fmt(m, f),
            UmpMessage::SysEx7(m) => m.describe(f, named),
            UmpMessage::Midi2ChannelVoice(m) => fmt::Display::fmt(m, f),
            UmpMessage::SysEx8(m) => m.describe(f, named),
            UmpMessage::MixedDataSetHeader(m) => m.describe(f, named),
            UmpMessage::MixedDataSetPayload(m) => m.describe(f, named),
            UmpMessage::FlexData(m) => m.describe(f, named),
            UmpMessage::Stream(m) => m.describe(f, named),
            UmpMessage::Other(_) if named => f.write_str("Other"),
            UmpMessage::Other(_) => Ok(()),
        }
    }
}

impl fmt::Display for UmpMessage {
    /// The view's [`Display`](fmt::Display), such as
    /// `NoteOn g1 ch1 C4 vel 0x8000` or `SysEx7 g1 Complete 7E 7F 06 01`;
    /// [`Other`](UmpMessage::Other) shows its words in hexadecimal,
    /// `Other [60000000]`, since nothing in them is known.
    ///
    /// ```
    /// use bbx_midi::ump::Ump;
    ///
    /// let tempo = Ump::parse(&[0xD010_0000, 50_000_000, 0, 0])?;
    /// assert_eq!(tempo.message().to_string(), "SetTempo g1 50000000 (120.00 bpm)");
    /// let reserved_opcode = Ump::parse(&[0x4070_0000, 0])?;
    /// assert_eq!(reserved_opcode.message().to_string(), "Other [40700000 00000000]");
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f, true)?;
        match self {
            UmpMessage::Other(packet) => write!(f, " {}", Words(packet.words())),
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for UmpMessage {
    /// The variant, then what the view's `Debug` shows inside its
    /// parentheses, not the view nested in the variant:
    /// `Midi2ChannelVoice(NoteOn g1 ch1 C4 vel 0x8000 [40903C00 80000000])`,
    /// `System(TimingClock g1 [10F80000])`, `Other([60000000])`.
    ///
    /// ```
    /// use bbx_midi::ump::Ump;
    ///
    /// let note = Ump::parse(&[0x4090_3C00, 0x8000_0000])?.message();
    /// assert_eq!(
    ///     format!("{note:?}"),
    ///     "Midi2ChannelVoice(NoteOn g1 ch1 C4 vel 0x8000 [40903C00 80000000])"
    /// );
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.variant_name())?;
        self.describe(f, false)?;
        let packet = match self {
            // Fields set by hand may not encode (a group above 15): then
            // there are no words to show, rather than `packet`'s stand-in.
            UmpMessage::MixedDataSetHeader(m) => m.to_ump().ok(),
            UmpMessage::MixedDataSetPayload(m) => m.to_ump().ok(),
            other => Some(other.packet()),
        };
        let sep = if matches!(self, UmpMessage::Other(_)) {
            ""
        } else {
            " "
        };
        match packet {
            Some(packet) => write!(f, "{sep}{})", Words(packet.words())),
            None => f.write_str(")"),
        }
    }
}
