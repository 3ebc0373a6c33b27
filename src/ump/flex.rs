//! Flex data (message type `0xD`) and UMP stream (message type `0xF`)
//! messages: their header fields raw, and typed accessors for the messages
//! a synthesizer or sequencer reads.

use super::error::UmpError;
use super::packet::{PacketBytes, Ump, byte_at, put_byte};
use super::views::SysExStatus;
use super::{check_channel, check_group, expect_type, reserved};

/// Whom a flex data message addresses: bits 21–20 of word 0 (0: a
/// channel, 1: the whole group; 2 and 3 are reserved).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FlexAddress {
    /// One channel of the group, 0 to 15.
    Channel(u8),
    /// The whole group.
    Group,
}

/// A flex data message: message type `0xD`, four words (M2-104-UM v1.1,
/// "Flex Data Messages").
///
/// Word 0: `0xD`, group, format (23–22, as [`SysExStatus`]: complete,
/// start, continue, end), address (21–20), channel (19–16), status bank
/// (15–8), status (7–0); words 1–3: the data. The header fields are read
/// raw; [`tempo`](Self::tempo), [`time_signature`](Self::time_signature),
/// [`key_signature`](Self::key_signature) and [`text`](Self::text) read
/// the messages of banks 0 (setup and performance), 1 (metadata text) and 2
/// (performance text: lyrics).
///
/// ```
/// use bbx_midi::ump::FlexData;
///
/// // 120 BPM: half a second per quarter note, in units of 10 ns.
/// let tempo = FlexData::set_tempo(0, 50_000_000)?;
/// assert_eq!(tempo.packet().words(), &[0xD010_0000, 50_000_000, 0, 0]);
/// assert_eq!(tempo.tempo(), Some(50_000_000));
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct FlexData(Ump);

impl FlexData {
    /// Status bank 0: setup and performance (tempo, time and key
    /// signatures, metronome, chord name).
    pub const SETUP_AND_PERFORMANCE: u8 = 0x00;
    /// Status bank 1: metadata text (project and clip names, copyright…).
    pub const METADATA_TEXT: u8 = 0x01;
    /// Status bank 2: performance text (lyrics, ruby).
    pub const PERFORMANCE_TEXT: u8 = 0x02;

    /// A flex data message from its raw fields.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], and
    /// [`UmpError::ChannelOutOfRange`] for a channel above 15.
    ///
    /// ```
    /// use bbx_midi::ump::{FlexAddress, FlexData, SysExStatus};
    ///
    /// let m = FlexData::new(1, SysExStatus::Complete, FlexAddress::Channel(2), 0, 2, [1, 2, 3])?;
    /// assert_eq!(m.packet().words(), &[0xD102_0002, 1, 2, 3]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn new(
        group: u8,
        format: SysExStatus,
        address: FlexAddress,
        bank: u8,
        status: u8,
        data: [u32; 3],
    ) -> Result<Self, UmpError> {
        if let Err(err) = check_group(group) {
            return Err(err);
        }
        let (address_bits, channel) = match address {
            FlexAddress::Channel(channel) => {
                if let Err(err) = check_channel(channel) {
                    return Err(err);
                }
                (0, channel)
            }
            FlexAddress::Group => (1, 0),
        };
        let word0 = 0xD << 28
            | (group as u32) << 24
            | (format.bits() as u32) << 22
            | address_bits << 20
            | (channel as u32) << 16
            | (bank as u32) << 8
            | status as u32;
        Ok(Self(Ump::from_words_unchecked([
            word0, data[0], data[1], data[2],
        ])))
    }

    /// Set Tempo (bank 0, status 0): the length of a quarter note in units
    /// of 10 nanoseconds, addressed to the group.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`].
    ///
    /// ```
    /// let tempo = bbx_midi::ump::FlexData::set_tempo(3, 50_000_000)?;
    /// assert_eq!(tempo.packet().words(), &[0xD310_0000, 50_000_000, 0, 0]);
    /// assert!(bbx_midi::ump::FlexData::set_tempo(16, 1).is_err());
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn set_tempo(group: u8, ten_ns_per_quarter_note: u32) -> Result<Self, UmpError> {
        Self::new(
            group,
            SysExStatus::Complete,
            FlexAddress::Group,
            0,
            0x00,
            [ten_ns_per_quarter_note, 0, 0],
        )
    }

    /// Set Time Signature (bank 0, status 1): `numerator`, `denominator`
    /// as a power of two (2 for a quarter note, as in a Standard MIDI
    /// File), and the number of 1/32 notes in a MIDI quarter note (8
    /// usually), addressed to the group.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`].
    ///
    /// ```
    /// let six_eight = bbx_midi::ump::FlexData::set_time_signature(0, 6, 3, 8)?;
    /// assert_eq!(six_eight.packet().words(), &[0xD010_0001, 0x0603_0800, 0, 0]);
    /// assert_eq!(six_eight.time_signature(), Some((6, 3, 8)));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn set_time_signature(
        group: u8,
        numerator: u8,
        denominator: u8,
        thirty_seconds_per_quarter: u8,
    ) -> Result<Self, UmpError> {
        Self::new(
            group,
            SysExStatus::Complete,
            FlexAddress::Group,
            0,
            0x01,
            [
                (numerator as u32) << 24
                    | (denominator as u32) << 16
                    | (thirty_seconds_per_quarter as u32) << 8,
                0,
                0,
            ],
        )
    }

    /// Set Key Signature (bank 0, status 5): `sharps_flats` from -7 (seven
    /// flats) to 7 (seven sharps), -8 for a non-standard key; `tonic` 1 to
    /// 7 for A to G, 0 for unknown or non-standard.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ChannelOutOfRange`],
    /// [`UmpError::ValueOutOfRange`] for `sharps_flats` outside -8..=7 or
    /// `tonic` above 7.
    ///
    /// ```
    /// use bbx_midi::ump::{FlexAddress, FlexData};
    ///
    /// // E flat major: three flats, tonic E (5).
    /// let key = FlexData::set_key_signature(0, FlexAddress::Group, -3, 5)?;
    /// assert_eq!(key.packet().words(), &[0xD010_0005, 0xD500_0000, 0, 0]);
    /// assert_eq!(key.key_signature(), Some((-3, 5)));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn set_key_signature(
        group: u8,
        address: FlexAddress,
        sharps_flats: i8,
        tonic: u8,
    ) -> Result<Self, UmpError> {
        if sharps_flats < -8 || sharps_flats > 7 {
            return Err(UmpError::ValueOutOfRange {
                field: "sharps/flats (+8)",
                value: (sharps_flats as i32 + 8) as u32,
                max: 15,
            });
        }
        check_max!("tonic", tonic, 7);
        Self::new(
            group,
            SysExStatus::Complete,
            address,
            0,
            0x05,
            [
                ((sharps_flats as u8 & 0xF) as u32) << 28 | (tonic as u32) << 24,
                0,
                0,
            ],
        )
    }

    /// A text message of bank 1 (metadata) or 2 (performance text, for
    /// example status 1: lyrics): up to 12 bytes of UTF-8 in words 1–3,
    /// unused bytes zero. Longer texts span several packets, marked by
    /// `format`.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ChannelOutOfRange`],
    /// [`UmpError::ByteCount`] for more than 12 bytes.
    ///
    /// ```
    /// use bbx_midi::ump::{FlexAddress, FlexData, SysExStatus};
    ///
    /// let lyric = FlexData::text_message(0, SysExStatus::Complete, FlexAddress::Channel(0), 2, 1, b"la")?;
    /// assert_eq!(lyric.packet().words(), &[0xD000_0201, 0x6C61_0000, 0, 0]);
    /// assert_eq!(&*lyric.text().unwrap(), b"la");
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub fn text_message(
        group: u8,
        format: SysExStatus,
        address: FlexAddress,
        bank: u8,
        status: u8,
        text: &[u8],
    ) -> Result<Self, UmpError> {
        if text.len() > 12 {
            return Err(UmpError::ByteCount {
                found: text.len(),
                min: 0,
                max: 12,
            });
        }
        let mut words = [0u32; 4];
        for (i, byte) in text.iter().enumerate() {
            put_byte(&mut words, 4 + i, *byte);
        }
        Self::new(
            group,
            format,
            address,
            bank,
            status,
            [words[1], words[2], words[3]],
        )
    }

    /// The group, 0 to 15.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::FlexData::set_tempo(3, 1)?.group(), 3);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn group(&self) -> u8 {
        ((self.0.word(0) >> 24) & 0xF) as u8
    }

    /// Where this packet sits in its message.
    ///
    /// ```
    /// use bbx_midi::ump::{FlexData, SysExStatus, Ump};
    ///
    /// let start = FlexData::try_from(Ump::parse(&[0xD050_0201, 0, 0, 0])?)?;
    /// assert_eq!(start.format(), SysExStatus::Start);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn format(&self) -> SysExStatus {
        match SysExStatus::from_bits(((self.0.word(0) >> 22) & 0x3) as u8) {
            Some(format) => format,
            None => SysExStatus::Complete,
        }
    }

    /// Whom the message addresses.
    ///
    /// ```
    /// use bbx_midi::ump::{FlexAddress, FlexData, Ump};
    ///
    /// let m = FlexData::try_from(Ump::parse(&[0xD005_0201, 0, 0, 0])?)?;
    /// assert_eq!(m.address(), FlexAddress::Channel(5));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn address(&self) -> FlexAddress {
        match (self.0.word(0) >> 20) & 0x3 {
            0 => FlexAddress::Channel(((self.0.word(0) >> 16) & 0xF) as u8),
            _ => FlexAddress::Group,
        }
    }

    /// The status bank (byte 3 of word 0).
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::FlexData::set_tempo(0, 1)?.bank(), bbx_midi::ump::FlexData::SETUP_AND_PERFORMANCE);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn bank(&self) -> u8 {
        (self.0.word(0) >> 8) as u8
    }

    /// The status (byte 4 of word 0).
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::FlexData::set_time_signature(0, 4, 2, 8)?.status(), 0x01);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn status(&self) -> u8 {
        self.0.word(0) as u8
    }

    /// Words 1 to 3, raw.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::FlexData::set_tempo(0, 9)?.data(), [9, 0, 0]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn data(&self) -> [u32; 3] {
        [self.0.word(1), self.0.word(2), self.0.word(3)]
    }

    /// Whether this is the complete message `(bank, status)`.
    #[inline]
    const fn is(&self, bank: u8, status: u8) -> bool {
        self.bank() == bank
            && self.status() == status
            && matches!(self.format(), SysExStatus::Complete)
    }

    /// The tempo of a Set Tempo message, in units of 10 ns per quarter
    /// note.
    ///
    /// ```
    /// use bbx_midi::ump::FlexData;
    ///
    /// assert_eq!(FlexData::set_tempo(0, 41_666_667)?.tempo(), Some(41_666_667));
    /// assert_eq!(FlexData::set_time_signature(0, 4, 2, 8)?.tempo(), None);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn tempo(&self) -> Option<u32> {
        if self.is(0, 0x00) {
            Some(self.0.word(1))
        } else {
            None
        }
    }

    /// `(numerator, denominator as a power of two, 1/32 notes per quarter)`
    /// of a Set Time Signature message.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::FlexData::set_time_signature(0, 7, 3, 8)?.time_signature(), Some((7, 3, 8)));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn time_signature(&self) -> Option<(u8, u8, u8)> {
        if self.is(0, 0x01) {
            let word = self.0.word(1);
            Some(((word >> 24) as u8, (word >> 16) as u8, (word >> 8) as u8))
        } else {
            None
        }
    }

    /// `(sharps_flats, tonic)` of a Set Key Signature message:
    /// `sharps_flats` from -8 to 7 (the 4-bit two's complement field).
    ///
    /// ```
    /// use bbx_midi::ump::{FlexAddress, FlexData};
    ///
    /// let a_major = FlexData::set_key_signature(0, FlexAddress::Group, 3, 1)?;
    /// assert_eq!(a_major.key_signature(), Some((3, 1)));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn key_signature(&self) -> Option<(i8, u8)> {
        if self.is(0, 0x05) {
            let word = self.0.word(1);
            Some(((word >> 24) as i8 >> 4, ((word >> 24) & 0xF) as u8))
        } else {
            None
        }
    }

    /// The text bytes of a bank 1 or bank 2 packet, up to 12, without the
    /// zero bytes that pad the end.
    ///
    /// ```
    /// use bbx_midi::ump::{FlexAddress, FlexData, SysExStatus};
    ///
    /// let name = FlexData::text_message(0, SysExStatus::Complete, FlexAddress::Group, 1, 2, b"Song")?;
    /// assert_eq!(&*name.text().unwrap(), b"Song");
    /// assert!(FlexData::set_tempo(0, 1)?.text().is_none());
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub fn text(&self) -> Option<PacketBytes> {
        if !matches!(self.bank(), 1 | 2) {
            return None;
        }
        let mut len = 12;
        while len > 0 && byte_at(&self.0, 4 + len - 1) == 0 {
            len -= 1;
        }
        Some(PacketBytes::gather(&self.0, 4, len))
    }

    /// The packet.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::FlexData::set_tempo(0, 1)?.packet().len(), 4);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn packet(&self) -> Ump {
        self.0
    }
}

impl TryFrom<Ump> for FlexData {
    type Error = UmpError;

    /// Checks the packet: type `0xD`, a defined address (0 or 1), and no
    /// channel bits when the message addresses the whole group.
    fn try_from(packet: Ump) -> Result<Self, UmpError> {
        expect_type(&packet, 0xD)?;
        let word = packet.word(0);
        match (word >> 20) & 0x3 {
            0 => {}
            1 => reserved(word, 0, 0x000F_0000)?,
            address => {
                return Err(UmpError::UnknownStatus {
                    message_type: 0xD,
                    status: address as u16,
                });
            }
        }
        Ok(Self(packet))
    }
}

impl From<FlexData> for Ump {
    #[inline]
    fn from(view: FlexData) -> Ump {
        view.0
    }
}

/// The fields of an Endpoint Info Notification (UMP stream status
/// `0x001`).
///
/// Word 0: UMP version major (15–8) and minor (7–0); word 1: static
/// function blocks (bit 31), number of function blocks (30–24), MIDI 2.0
/// protocol (bit 9), MIDI 1.0 protocol (bit 8), receives JR timestamps
/// (bit 1), sends JR timestamps (bit 0).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EndpointInfo {
    /// UMP version, major (1 for UMP 1.1).
    pub ump_version_major: u8,
    /// UMP version, minor (1 for UMP 1.1).
    pub ump_version_minor: u8,
    /// The function blocks never change.
    pub static_function_blocks: bool,
    /// How many function blocks, 0 to 127 (the field's range).
    pub function_blocks: u8,
    /// Supports the MIDI 2.0 protocol.
    pub midi2: bool,
    /// Supports the MIDI 1.0 protocol.
    pub midi1: bool,
    /// Can receive JR timestamps.
    pub receives_jr_timestamps: bool,
    /// Can send JR timestamps.
    pub sends_jr_timestamps: bool,
}

/// The fields of a Function Block Info Notification (UMP stream status
/// `0x011`).
///
/// Word 0: active (bit 15), function block number (14–8), UI hint (5–4),
/// MIDI 1.0 (3–2), direction (1–0); word 1: first group (31–24), number of
/// groups spanned (23–16), MIDI-CI version (15–8), maximum number of SysEx8
/// streams (7–0).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FunctionBlockInfo {
    /// The block is active.
    pub active: bool,
    /// The block's number, 0 to 127 (the field's range).
    pub number: u8,
    /// 0: unknown, 1: receiver, 2: sender, 3: both.
    pub ui_hint: u8,
    /// 0: not MIDI 1.0, 1: MIDI 1.0, 2: MIDI 1.0 limited to 31.25 kbit/s.
    pub midi1: u8,
    /// 1: input, 2: output, 3: both (0 is reserved).
    pub direction: u8,
    /// The first group the block spans, 0 to 15.
    pub first_group: u8,
    /// How many groups it spans.
    pub groups: u8,
    /// MIDI-CI message version/format.
    pub midi_ci_version: u8,
    /// The most SysEx8 streams the block handles at once.
    pub max_sysex8_streams: u8,
}

/// A UMP stream message: message type `0xF`, four words, groupless
/// (M2-104-UM v1.1, "UMP Stream Messages").
///
/// Word 0: `0xF`, format (27–26, as [`SysExStatus`]), status (25–16, 10
/// bits), then 16 bits that depend on the status; words 1–3 the rest. The
/// fields are read raw; endpoint discovery, endpoint info, function block
/// discovery and function block info have typed constructors and
/// accessors, the name notifications a [`payload`](Self::payload).
///
/// ```
/// use bbx_midi::ump::StreamMessage;
///
/// // Ask for everything (filter 0x1F) from a UMP 1.1 endpoint.
/// let discovery = StreamMessage::endpoint_discovery(1, 1, 0x1F);
/// assert_eq!(discovery.packet().words(), &[0xF000_0101, 0x0000_001F, 0, 0]);
/// assert_eq!(discovery.endpoint_discovery_request(), Some((1, 1, 0x1F)));
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct StreamMessage(Ump);

impl StreamMessage {
    /// Endpoint Discovery.
    pub const ENDPOINT_DISCOVERY: u16 = 0x000;
    /// Endpoint Info Notification.
    pub const ENDPOINT_INFO: u16 = 0x001;
    /// Device Identity Notification.
    pub const DEVICE_IDENTITY: u16 = 0x002;
    /// Endpoint Name Notification.
    pub const ENDPOINT_NAME: u16 = 0x003;
    /// Product Instance Id Notification.
    pub const PRODUCT_INSTANCE_ID: u16 = 0x004;
    /// Stream Configuration Request.
    pub const STREAM_CONFIGURATION_REQUEST: u16 = 0x005;
    /// Stream Configuration Notification.
    pub const STREAM_CONFIGURATION_NOTIFICATION: u16 = 0x006;
    /// Function Block Discovery.
    pub const FUNCTION_BLOCK_DISCOVERY: u16 = 0x010;
    /// Function Block Info Notification.
    pub const FUNCTION_BLOCK_INFO: u16 = 0x011;
    /// Function Block Name Notification.
    pub const FUNCTION_BLOCK_NAME: u16 = 0x012;
    /// Start of Clip.
    pub const START_OF_CLIP: u16 = 0x020;
    /// End of Clip.
    pub const END_OF_CLIP: u16 = 0x021;

    /// A UMP stream message from its raw fields: `low16` is bits 15–0 of
    /// word 0.
    ///
    /// # Errors
    ///
    /// [`UmpError::ValueOutOfRange`] if `status` is above `0x3FF`.
    ///
    /// ```
    /// use bbx_midi::ump::{StreamMessage, SysExStatus};
    ///
    /// let end = StreamMessage::new(SysExStatus::Complete, StreamMessage::END_OF_CLIP, 0, [0; 3])?;
    /// assert_eq!(end.packet().words(), &[0xF021_0000, 0, 0, 0]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn new(
        format: SysExStatus,
        status: u16,
        low16: u16,
        data: [u32; 3],
    ) -> Result<Self, UmpError> {
        check_max!("status", status, 0x3FF);
        Ok(Self(Ump::from_words_unchecked([
            0xF << 28 | (format.bits() as u32) << 26 | (status as u32) << 16 | low16 as u32,
            data[0],
            data[1],
            data[2],
        ])))
    }

    /// Endpoint Discovery: asks an endpoint to describe itself. `filter`
    /// bits: 0 endpoint info, 1 device identity, 2 endpoint name, 3 product
    /// instance id, 4 stream configuration.
    ///
    /// ```
    /// let m = bbx_midi::ump::StreamMessage::endpoint_discovery(1, 1, 0b1);
    /// assert_eq!(m.packet().words(), &[0xF000_0101, 1, 0, 0]);
    /// ```
    pub const fn endpoint_discovery(ump_major: u8, ump_minor: u8, filter: u8) -> Self {
        Self(Ump::from_words_unchecked([
            0xF000_0000 | (ump_major as u32) << 8 | ump_minor as u32,
            filter as u32,
            0,
            0,
        ]))
    }

    /// Endpoint Info Notification.
    ///
    /// # Errors
    ///
    /// [`UmpError::ValueOutOfRange`] if `info.function_blocks > 127`.
    ///
    /// ```
    /// use bbx_midi::ump::{EndpointInfo, StreamMessage};
    ///
    /// let info = EndpointInfo {
    ///     ump_version_major: 1, ump_version_minor: 1, static_function_blocks: true,
    ///     function_blocks: 2, midi2: true, midi1: true,
    ///     receives_jr_timestamps: false, sends_jr_timestamps: true,
    /// };
    /// let m = StreamMessage::endpoint_info_notification(info)?;
    /// assert_eq!(m.packet().words(), &[0xF001_0101, 0x8200_0301, 0, 0]);
    /// assert_eq!(m.endpoint_info(), Some(info));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn endpoint_info_notification(info: EndpointInfo) -> Result<Self, UmpError> {
        check_max!("function blocks", info.function_blocks, 127);
        Ok(Self(Ump::from_words_unchecked([
            0xF001_0000 | (info.ump_version_major as u32) << 8 | info.ump_version_minor as u32,
            (info.static_function_blocks as u32) << 31
                | (info.function_blocks as u32) << 24
                | (info.midi2 as u32) << 9
                | (info.midi1 as u32) << 8
                | (info.receives_jr_timestamps as u32) << 1
                | info.sends_jr_timestamps as u32,
            0,
            0,
        ])))
    }

    /// Function Block Discovery: asks about block `number` (`0xFF`: all).
    /// `filter` bits: 0 function block info, 1 function block name.
    ///
    /// ```
    /// let m = bbx_midi::ump::StreamMessage::function_block_discovery(0xFF, 0b11);
    /// assert_eq!(m.packet().words(), &[0xF010_FF03, 0, 0, 0]);
    /// assert_eq!(m.function_block_discovery_request(), Some((0xFF, 0b11)));
    /// ```
    pub const fn function_block_discovery(number: u8, filter: u8) -> Self {
        Self(Ump::from_words_unchecked([
            0xF010_0000 | (number as u32) << 8 | filter as u32,
            0,
            0,
            0,
        ]))
    }

    /// Function Block Info Notification.
    ///
    /// # Errors
    ///
    /// [`UmpError::ValueOutOfRange`] for a number above 127 or a 2-bit
    /// field above 3.
    ///
    /// ```
    /// use bbx_midi::ump::{FunctionBlockInfo, StreamMessage};
    ///
    /// let block = FunctionBlockInfo {
    ///     active: true, number: 0, ui_hint: 3, midi1: 0, direction: 3,
    ///     first_group: 0, groups: 1, midi_ci_version: 1, max_sysex8_streams: 0,
    /// };
    /// let m = StreamMessage::function_block_info_notification(block)?;
    /// assert_eq!(m.packet().words(), &[0xF011_8033, 0x0001_0100, 0, 0]);
    /// assert_eq!(m.function_block_info(), Some(block));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn function_block_info_notification(
        block: FunctionBlockInfo,
    ) -> Result<Self, UmpError> {
        check_max!("function block", block.number, 127);
        check_max!("UI hint", block.ui_hint, 3);
        check_max!("MIDI 1.0", block.midi1, 3);
        check_max!("direction", block.direction, 3);
        Ok(Self(Ump::from_words_unchecked([
            0xF011_0000
                | (block.active as u32) << 15
                | (block.number as u32) << 8
                | (block.ui_hint as u32) << 4
                | (block.midi1 as u32) << 2
                | block.direction as u32,
            (block.first_group as u32) << 24
                | (block.groups as u32) << 16
                | (block.midi_ci_version as u32) << 8
                | block.max_sysex8_streams as u32,
            0,
            0,
        ])))
    }

    /// Where this packet sits in its message.
    ///
    /// ```
    /// use bbx_midi::ump::{StreamMessage, SysExStatus, Ump};
    ///
    /// let m = StreamMessage::try_from(Ump::parse(&[0xF403_4142, 0, 0, 0])?)?;
    /// assert_eq!(m.format(), SysExStatus::Start);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn format(&self) -> SysExStatus {
        match SysExStatus::from_bits(((self.0.word(0) >> 26) & 0x3) as u8) {
            Some(format) => format,
            None => SysExStatus::Complete,
        }
    }

    /// The 10-bit status.
    ///
    /// ```
    /// use bbx_midi::ump::StreamMessage;
    ///
    /// assert_eq!(StreamMessage::function_block_discovery(0, 1).status(), StreamMessage::FUNCTION_BLOCK_DISCOVERY);
    /// ```
    #[inline]
    pub const fn status(&self) -> u16 {
        ((self.0.word(0) >> 16) & 0x3FF) as u16
    }

    /// Bits 15–0 of word 0, raw.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::StreamMessage::endpoint_discovery(1, 2, 0).low16(), 0x0102);
    /// ```
    #[inline]
    pub const fn low16(&self) -> u16 {
        self.0.word(0) as u16
    }

    /// Words 1 to 3, raw.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::StreamMessage::endpoint_discovery(1, 1, 3).data(), [3, 0, 0]);
    /// ```
    #[inline]
    pub const fn data(&self) -> [u32; 3] {
        [self.0.word(1), self.0.word(2), self.0.word(3)]
    }

    /// The 14 bytes after the status (bytes 3 to 16 of the packet): the
    /// text of an Endpoint Name or Product Instance Id Notification.
    /// (A Function Block Name Notification's text starts one byte later,
    /// after the block number.)
    ///
    /// ```
    /// use bbx_midi::ump::{StreamMessage, Ump};
    ///
    /// let name = StreamMessage::try_from(Ump::parse(&[0xF003_5379, 0x6E74_6800, 0, 0])?)?;
    /// assert_eq!(&name.payload()[..5], b"Synth");
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub fn payload(&self) -> PacketBytes {
        PacketBytes::gather(&self.0, 2, 14)
    }

    /// `(ump_major, ump_minor, filter)` of an Endpoint Discovery.
    ///
    /// ```
    /// use bbx_midi::ump::StreamMessage;
    ///
    /// assert_eq!(StreamMessage::endpoint_discovery(1, 1, 4).endpoint_discovery_request(), Some((1, 1, 4)));
    /// assert_eq!(StreamMessage::function_block_discovery(0, 1).endpoint_discovery_request(), None);
    /// ```
    #[inline]
    pub const fn endpoint_discovery_request(&self) -> Option<(u8, u8, u8)> {
        if self.status() == Self::ENDPOINT_DISCOVERY {
            Some((
                (self.0.word(0) >> 8) as u8,
                self.0.word(0) as u8,
                self.0.word(1) as u8,
            ))
        } else {
            None
        }
    }

    /// The fields of an Endpoint Info Notification.
    ///
    /// ```
    /// use bbx_midi::ump::{EndpointInfo, StreamMessage};
    ///
    /// let info = EndpointInfo { midi2: true, ..EndpointInfo::default() };
    /// assert_eq!(StreamMessage::endpoint_info_notification(info)?.endpoint_info(), Some(info));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn endpoint_info(&self) -> Option<EndpointInfo> {
        if self.status() != Self::ENDPOINT_INFO {
            return None;
        }
        let [w0, w1] = [self.0.word(0), self.0.word(1)];
        Some(EndpointInfo {
            ump_version_major: (w0 >> 8) as u8,
            ump_version_minor: w0 as u8,
            static_function_blocks: w1 >> 31 != 0,
            function_blocks: ((w1 >> 24) & 0x7F) as u8,
            midi2: w1 & 1 << 9 != 0,
            midi1: w1 & 1 << 8 != 0,
            receives_jr_timestamps: w1 & 2 != 0,
            sends_jr_timestamps: w1 & 1 != 0,
        })
    }

    /// `(number, filter)` of a Function Block Discovery.
    ///
    /// ```
    /// let m = bbx_midi::ump::StreamMessage::function_block_discovery(2, 1);
    /// assert_eq!(m.function_block_discovery_request(), Some((2, 1)));
    /// ```
    #[inline]
    pub const fn function_block_discovery_request(&self) -> Option<(u8, u8)> {
        if self.status() == Self::FUNCTION_BLOCK_DISCOVERY {
            Some(((self.0.word(0) >> 8) as u8, self.0.word(0) as u8))
        } else {
            None
        }
    }

    /// The fields of a Function Block Info Notification.
    ///
    /// ```
    /// use bbx_midi::ump::{FunctionBlockInfo, StreamMessage};
    ///
    /// let block = FunctionBlockInfo { active: true, direction: 3, groups: 1, ..FunctionBlockInfo::default() };
    /// assert_eq!(StreamMessage::function_block_info_notification(block)?.function_block_info(), Some(block));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn function_block_info(&self) -> Option<FunctionBlockInfo> {
        if self.status() != Self::FUNCTION_BLOCK_INFO {
            return None;
        }
        let [w0, w1] = [self.0.word(0), self.0.word(1)];
        Some(FunctionBlockInfo {
            active: w0 & 0x8000 != 0,
            number: ((w0 >> 8) & 0x7F) as u8,
            ui_hint: ((w0 >> 4) & 0x3) as u8,
            midi1: ((w0 >> 2) & 0x3) as u8,
            direction: (w0 & 0x3) as u8,
            first_group: (w1 >> 24) as u8,
            groups: (w1 >> 16) as u8,
            midi_ci_version: (w1 >> 8) as u8,
            max_sysex8_streams: w1 as u8,
        })
    }

    /// The packet.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::StreamMessage::endpoint_discovery(1, 1, 0).packet().message_type(), 0xF);
    /// ```
    #[inline]
    pub const fn packet(&self) -> Ump {
        self.0
    }
}

impl TryFrom<Ump> for StreamMessage {
    type Error = UmpError;

    /// Checks the message type, `0xF`. Every status is read raw.
    fn try_from(packet: Ump) -> Result<Self, UmpError> {
        expect_type(&packet, 0xF)?;
        Ok(Self(packet))
    }
}

impl From<StreamMessage> for Ump {
    #[inline]
    fn from(view: StreamMessage) -> Ump {
        view.0
    }
}
