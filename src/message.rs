//! The MIDI 1.0 short message: a status byte and up to two data bytes.

use core::fmt;

use crate::error::MidiError;

/// One MIDI 1.0 short message, in 4 bytes.
///
/// A `MidiMessage` is either a valid short message (every channel voice,
/// channel mode, system common and system real-time message) or
/// [`MidiMessage::INVALID`], the one value that the infallible
/// [`MidiMessage::new`] produces for bytes that are not a short message
/// (the strict [`MidiMessage::parse`] and `TryFrom<&[u8]>` say why instead).
/// System Exclusive is not a short message. No buffer accepts `INVALID`.
///
/// It is `Copy`, 4 bytes, 4-aligned, so a 64-byte cache line carries 16 of
/// them, and equality is equality of the wire bytes.
///
/// ```
/// use bbx_midi::{MessageKind, MidiMessage};
///
/// let msg = MidiMessage::note_on(0, 60, 100)?;
/// assert_eq!(msg.as_bytes(), &[0x90, 60, 100]);
/// assert_eq!(msg.kind(), MessageKind::NoteOn);
/// assert_eq!((msg.channel(), msg.note(), msg.velocity()), (Some(0), Some(60), Some(100)));
/// assert_eq!(msg.to_string(), "NoteOn ch1 C4 vel 100");
/// assert_eq!(MidiMessage::parse(&[0x90, 60, 100]), Ok(msg));
/// # Ok::<(), bbx_midi::MidiError>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
#[repr(C, align(4))]
pub struct MidiMessage {
    /// Status byte, then the data bytes; bytes past `len` are 0, so that the
    /// derived equality compares wire bytes.
    bytes: [u8; 3],
    /// Number of wire bytes, 1 to 3; 0 only in [`MidiMessage::INVALID`].
    len: u8,
}

/// Which MIDI 1.0 short message a [`MidiMessage`] is.
///
/// Channel mode messages travel as Control Change with controllers 120–127;
/// they get their own kinds here because a synthesizer must treat them
/// differently. A Note On with velocity 0 means Note Off (MIDI 1.0, "Note
/// Off"), so its kind is [`MessageKind::NoteOff`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// `0x8n`, and `0x9n` with velocity 0.
    NoteOff,
    /// `0x9n` with velocity 1 to 127.
    NoteOn,
    /// `0xAn`: polyphonic key pressure (aftertouch).
    PolyPressure,
    /// `0xBn` with controller 0 to 119.
    ControlChange,
    /// `0xCn`.
    ProgramChange,
    /// `0xDn`: channel pressure (aftertouch).
    ChannelPressure,
    /// `0xEn`.
    PitchBend,
    /// `0xBn` controller 120.
    AllSoundOff,
    /// `0xBn` controller 121.
    ResetAllControllers,
    /// `0xBn` controller 122.
    LocalControl,
    /// `0xBn` controller 123.
    AllNotesOff,
    /// `0xBn` controller 124.
    OmniOff,
    /// `0xBn` controller 125.
    OmniOn,
    /// `0xBn` controller 126.
    MonoOn,
    /// `0xBn` controller 127.
    PolyOn,
    /// `0xF1`: MIDI Time Code quarter frame.
    TimeCodeQuarterFrame,
    /// `0xF2`: song position pointer.
    SongPosition,
    /// `0xF3`.
    SongSelect,
    /// `0xF6`.
    TuneRequest,
    /// `0xF8`: timing clock, 24 per quarter note.
    TimingClock,
    /// `0xFA`.
    Start,
    /// `0xFB`.
    Continue,
    /// `0xFC`.
    Stop,
    /// `0xFE`.
    ActiveSensing,
    /// `0xFF`.
    SystemReset,
    /// [`MidiMessage::INVALID`]: not a MIDI message.
    Invalid,
}

impl MessageKind {
    /// Note Off to Pitch Bend: the messages that carry a channel, apart from
    /// channel mode.
    ///
    /// ```
    /// assert!(bbx_midi::MessageKind::PitchBend.is_channel_voice());
    /// assert!(!bbx_midi::MessageKind::AllNotesOff.is_channel_voice());
    /// ```
    #[inline]
    pub const fn is_channel_voice(self) -> bool {
        matches!(
            self,
            Self::NoteOff
                | Self::NoteOn
                | Self::PolyPressure
                | Self::ControlChange
                | Self::ProgramChange
                | Self::ChannelPressure
                | Self::PitchBend
        )
    }

    /// Controllers 120–127: All Sound Off to Poly On.
    ///
    /// ```
    /// assert!(bbx_midi::MessageKind::AllNotesOff.is_channel_mode());
    /// assert!(!bbx_midi::MessageKind::ControlChange.is_channel_mode());
    /// ```
    #[inline]
    pub const fn is_channel_mode(self) -> bool {
        matches!(
            self,
            Self::AllSoundOff
                | Self::ResetAllControllers
                | Self::LocalControl
                | Self::AllNotesOff
                | Self::OmniOff
                | Self::OmniOn
                | Self::MonoOn
                | Self::PolyOn
        )
    }

    /// `0xF1`, `0xF2`, `0xF3` and `0xF6`.
    ///
    /// ```
    /// assert!(bbx_midi::MessageKind::SongPosition.is_system_common());
    /// ```
    #[inline]
    pub const fn is_system_common(self) -> bool {
        matches!(
            self,
            Self::TimeCodeQuarterFrame | Self::SongPosition | Self::SongSelect | Self::TuneRequest
        )
    }

    /// `0xF8` to `0xFF`: single bytes that may appear anywhere in a stream.
    ///
    /// ```
    /// assert!(bbx_midi::MessageKind::TimingClock.is_system_real_time());
    /// ```
    #[inline]
    pub const fn is_system_real_time(self) -> bool {
        matches!(
            self,
            Self::TimingClock
                | Self::Start
                | Self::Continue
                | Self::Stop
                | Self::ActiveSensing
                | Self::SystemReset
        )
    }
}

/// The length, status byte included, of the short message `status` starts.
#[inline]
pub(crate) const fn message_len(status: u8) -> Result<usize, MidiError> {
    match status {
        0x00..=0x7F => Err(MidiError::MissingStatus { byte: status }),
        0x80..=0xBF | 0xE0..=0xEF | 0xF2 => Ok(3),
        0xC0..=0xDF | 0xF1 | 0xF3 => Ok(2),
        0xF6 | 0xF8 | 0xFA..=0xFC | 0xFE | 0xFF => Ok(1),
        0xF0 | 0xF7 => Err(MidiError::SysEx { status }),
        0xF4 | 0xF5 | 0xF9 | 0xFD => Err(MidiError::UndefinedStatus { status }),
    }
}

/// For each status byte, what [`MidiMessage::new`] keeps of the four bytes
/// `[status, data1, data2, 0xFF]` read as a little-endian `u32`: the wire
/// bytes of the message it starts and the length (`message_len`) in the top
/// byte, so that the result is the message's stored form. 0 where no short
/// message starts (data bytes, SysEx, undefined statuses).
///
/// Below `0xF0`, `new` reads only the entry of the status with its low four
/// bits cleared; the build fails unless every entry there equals it.
const STATUS_MASK: [u32; 256] = {
    let mut table = [0; 256];
    let mut status = 0;
    while status < 256 {
        if let Ok(len) = message_len(status as u8) {
            let wire = (1u32 << (8 * len)) - 1;
            table[status] = (len as u32) << 24 | wire;
        }
        status += 1;
    }
    let mut status = 0;
    while status < 0xF0 {
        assert!(
            table[status] == table[status & 0xF0],
            "a status below 0xF0 whose entry depends on its low four bits"
        );
        status += 1;
    }
    table
};

/// Returns early from a `const fn` with the error if `$value` is above `$max`.
macro_rules! ensure_max {
    ($field:literal, $value:expr, $max:expr) => {
        if $value > $max {
            return Err(MidiError::ValueOutOfRange {
                field: $field,
                value: $value as u16,
                max: $max,
            });
        }
    };
}

impl MidiMessage {
    /// The value for bytes that are not a short message.
    ///
    /// Its [`kind`](Self::kind) is [`MessageKind::Invalid`], its
    /// [`as_bytes`](Self::as_bytes) is empty, its [`status`](Self::status)
    /// is `0x00` (not a status byte) and every other accessor returns `None`.
    pub const INVALID: Self = Self {
        bytes: [0; 3],
        len: 0,
    };
    /// Tune Request, `0xF6`.
    pub const TUNE_REQUEST: Self = Self::single(0xF6);
    /// Timing Clock, `0xF8`.
    pub const TIMING_CLOCK: Self = Self::single(0xF8);
    /// Start, `0xFA`.
    pub const START: Self = Self::single(0xFA);
    /// Continue, `0xFB`.
    pub const CONTINUE: Self = Self::single(0xFB);
    /// Stop, `0xFC`.
    pub const STOP: Self = Self::single(0xFC);
    /// Active Sensing, `0xFE`.
    pub const ACTIVE_SENSING: Self = Self::single(0xFE);
    /// System Reset, `0xFF`.
    pub const SYSTEM_RESET: Self = Self::single(0xFF);

    #[inline]
    const fn single(status: u8) -> Self {
        Self {
            bytes: [status, 0, 0],
            len: 1,
        }
    }

    /// Builds a message from already validated parts.
    #[inline]
    pub(crate) const fn from_valid(status: u8, data1: u8, data2: u8, len: usize) -> Self {
        Self {
            bytes: [
                status,
                if len > 1 { data1 } else { 0 },
                if len > 2 { data2 } else { 0 },
            ],
            len: len as u8,
        }
    }

    /// The message's four bytes as stored: the wire bytes padded with 0,
    /// then the length (0 only for `INVALID`). A buffer can keep these in
    /// a slot of its own layout and give the message back with
    /// [`from_stored`](Self::from_stored).
    #[inline]
    pub(crate) const fn to_stored(self) -> [u8; 4] {
        let [a, b, c] = self.bytes;
        [a, b, c, self.len]
    }

    /// [`to_stored`](Self::to_stored) as a little-endian `u32`: the length
    /// is the top byte, so a message is valid exactly when this is at least
    /// `1 << 24`. One load where many messages are tested at once.
    #[inline]
    pub(crate) const fn stored_word(self) -> u32 {
        u32::from_le_bytes(self.to_stored())
    }

    /// The message [`to_stored`](Self::to_stored) stored. Only ever given
    /// what that returned or a stored form built by [`new`](Self::new) from
    /// `STATUS_MASK`, so the invariants hold.
    #[inline]
    pub(crate) const fn from_stored(stored: [u8; 4]) -> Self {
        let [a, b, c, len] = stored;
        Self {
            bytes: [a, b, c],
            len,
        }
    }

    /// The message that the first bytes of `bytes` form, in the padded form
    /// some APIs use: a status byte followed by as many data bytes as it
    /// needs; the bytes after those are ignored.
    ///
    /// Returns [`MidiMessage::INVALID`] when they are not a short message
    /// (a data byte in first place, SysEx, an undefined status, a data byte
    /// of `0x80` or above). Use [`MidiMessage::parse`] to learn why.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    ///
    /// assert_eq!(MidiMessage::new([0x90, 60, 100]).as_bytes(), &[0x90, 60, 100]);
    /// assert_eq!(MidiMessage::new([0xC0, 5, 0]).as_bytes(), &[0xC0, 5]);
    /// assert_eq!(MidiMessage::new([0x90, 200, 100]), MidiMessage::INVALID);
    /// ```
    #[inline]
    pub const fn new(bytes: [u8; 3]) -> Self {
        // The same rules as `parse`, without its branches. One table
        // lookup gives the length and clears the data bytes the status
        // does not take; nothing is kept where no short message starts.
        // A data byte of 0x80 or above clears the rest. So the length
        // byte is 0 exactly for `INVALID`, and the one test a buffer makes
        // (`is_valid`), inlined after this, is the only branch. For any
        // three bytes a select (the clearing) stays before it; where the
        // caller's data bytes are known to be below 0x80 that goes too.
        // Checked against `parse` for every status byte and every class of
        // data byte in tests/message.rs.
        //
        // Below 0xF0 the entry depends on the top four bits only (the
        // channel does not change the length), so the lookup drops the
        // channel. Where the compiler knows those four bits, as in
        // `new([0x90 | channel, note, velocity])`, the index is a constant,
        // the entry is folded in and the whole call is a few shifts and
        // ors, which vectorise in a fill loop. For statuses only known at
        // run time it costs an and, a compare and a conditional move more
        // (`benches/message_new.rs`: about 0.5 ns a message in a fill loop).
        let [status, data1, data2] = bytes;
        let index = if status >= 0xF0 {
            status
        } else {
            status & 0xF0
        };
        let stored = u32::from_le_bytes([status, data1, data2, 0xFF]) & STATUS_MASK[index as usize];
        let stored = if stored & 0x0080_8000 != 0 { 0 } else { stored };
        Self::from_stored(stored.to_le_bytes())
    }

    /// Parses exactly one short message: a status byte followed by exactly
    /// the data bytes it requires.
    ///
    /// Never allocates, never panics.
    ///
    /// # Errors
    ///
    /// [`MidiError::Empty`], [`MissingStatus`](MidiError::MissingStatus),
    /// [`SysEx`](MidiError::SysEx),
    /// [`UndefinedStatus`](MidiError::UndefinedStatus),
    /// [`InvalidDataByte`](MidiError::InvalidDataByte) (checked first, in
    /// order), [`TooShort`](MidiError::TooShort) and
    /// [`TrailingBytes`](MidiError::TrailingBytes).
    ///
    /// ```
    /// use bbx_midi::{MidiError, MidiMessage};
    ///
    /// assert_eq!(MidiMessage::parse(&[0xF8]), Ok(MidiMessage::TIMING_CLOCK));
    /// assert_eq!(MidiMessage::parse(&[]), Err(MidiError::Empty));
    /// assert_eq!(MidiMessage::parse(&[60, 100]), Err(MidiError::MissingStatus { byte: 60 }));
    /// assert_eq!(
    ///     MidiMessage::parse(&[0xF0, 0x7E, 0xF7]),
    ///     Err(MidiError::SysEx { status: 0xF0 })
    /// );
    /// assert_eq!(
    ///     MidiMessage::parse(&[0x90, 0x80, 1]),
    ///     Err(MidiError::InvalidDataByte { index: 1, byte: 0x80 })
    /// );
    /// ```
    #[inline]
    pub const fn parse(bytes: &[u8]) -> Result<Self, MidiError> {
        let [status, ..] = *bytes else {
            return Err(MidiError::Empty);
        };
        let len = match message_len(status) {
            Ok(len) => len,
            Err(err) => return Err(err),
        };
        let mut index = 1;
        while index < len && index < bytes.len() {
            if bytes[index] >= 0x80 {
                return Err(MidiError::InvalidDataByte {
                    index,
                    byte: bytes[index],
                });
            }
            index += 1;
        }
        if bytes.len() < len {
            return Err(MidiError::TooShort {
                status,
                expected: len,
                found: bytes.len(),
            });
        }
        if bytes.len() > len {
            return Err(MidiError::TrailingBytes {
                status,
                expected: len,
                found: bytes.len(),
            });
        }
        let data1 = if len > 1 { bytes[1] } else { 0 };
        let data2 = if len > 2 { bytes[2] } else { 0 };
        Ok(Self::from_valid(status, data1, data2, len))
    }

    /// Builds a channel message, checking the channel and the data bytes.
    #[inline]
    const fn channel_message(
        kind: u8,
        channel: u8,
        data1: u8,
        data2: u8,
    ) -> Result<Self, MidiError> {
        if channel > 15 {
            return Err(MidiError::ChannelOutOfRange { channel });
        }
        let status = kind | channel;
        let len = match message_len(status) {
            Ok(len) => len,
            Err(err) => return Err(err),
        };
        Ok(Self::from_valid(status, data1, data2, len))
    }

    /// Note On. A velocity of 0 is allowed and means Note Off.
    ///
    /// # Errors
    ///
    /// [`MidiError::ChannelOutOfRange`] if `channel > 15`,
    /// [`MidiError::ValueOutOfRange`] if `note` or `velocity` is above 127.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    ///
    /// assert_eq!(MidiMessage::note_on(1, 64, 90)?.as_bytes(), &[0x91, 64, 90]);
    /// assert!(MidiMessage::note_on(16, 64, 90).is_err());
    /// assert!(MidiMessage::note_on(1, 128, 90).is_err());
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn note_on(channel: u8, note: u8, velocity: u8) -> Result<Self, MidiError> {
        ensure_max!("note", note, 127);
        ensure_max!("velocity", velocity, 127);
        Self::channel_message(0x90, channel, note, velocity)
    }

    /// Note Off with a release velocity (64 when the sender has none).
    ///
    /// # Errors
    ///
    /// [`MidiError::ChannelOutOfRange`] if `channel > 15`,
    /// [`MidiError::ValueOutOfRange`] if `note` or `velocity` is above 127.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::note_off(0, 60, 64)?.as_bytes(), &[0x80, 60, 64]);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn note_off(channel: u8, note: u8, velocity: u8) -> Result<Self, MidiError> {
        ensure_max!("note", note, 127);
        ensure_max!("velocity", velocity, 127);
        Self::channel_message(0x80, channel, note, velocity)
    }

    /// Polyphonic key pressure (aftertouch) on one note.
    ///
    /// # Errors
    ///
    /// [`MidiError::ChannelOutOfRange`] if `channel > 15`,
    /// [`MidiError::ValueOutOfRange`] if `note` or `pressure` is above 127.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::poly_pressure(0, 60, 30)?.as_bytes(), &[0xA0, 60, 30]);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn poly_pressure(channel: u8, note: u8, pressure: u8) -> Result<Self, MidiError> {
        ensure_max!("note", note, 127);
        ensure_max!("pressure", pressure, 127);
        Self::channel_message(0xA0, channel, note, pressure)
    }

    /// Control Change. Controllers 120–127 make channel mode messages.
    ///
    /// # Errors
    ///
    /// [`MidiError::ChannelOutOfRange`] if `channel > 15`,
    /// [`MidiError::ValueOutOfRange`] if `controller` or `value` is above 127.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::control_change(2, 7, 100)?.as_bytes(), &[0xB2, 7, 100]);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn control_change(channel: u8, controller: u8, value: u8) -> Result<Self, MidiError> {
        ensure_max!("controller", controller, 127);
        ensure_max!("value", value, 127);
        Self::channel_message(0xB0, channel, controller, value)
    }

    /// Program Change.
    ///
    /// # Errors
    ///
    /// [`MidiError::ChannelOutOfRange`] if `channel > 15`,
    /// [`MidiError::ValueOutOfRange`] if `program` is above 127.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::program_change(0, 5)?.as_bytes(), &[0xC0, 5]);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn program_change(channel: u8, program: u8) -> Result<Self, MidiError> {
        ensure_max!("program", program, 127);
        Self::channel_message(0xC0, channel, program, 0)
    }

    /// Channel pressure (aftertouch).
    ///
    /// # Errors
    ///
    /// [`MidiError::ChannelOutOfRange`] if `channel > 15`,
    /// [`MidiError::ValueOutOfRange`] if `pressure` is above 127.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::channel_pressure(0, 90)?.as_bytes(), &[0xD0, 90]);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn channel_pressure(channel: u8, pressure: u8) -> Result<Self, MidiError> {
        ensure_max!("pressure", pressure, 127);
        Self::channel_message(0xD0, channel, pressure, 0)
    }

    /// Pitch Bend Change (the MIDI 1.0 name, which also keeps it apart from
    /// the [`pitch_bend`](Self::pitch_bend) accessor), `value` from 0 to 16383
    /// with the centre (no bend) at 8192.
    ///
    /// # Errors
    ///
    /// [`MidiError::ChannelOutOfRange`] if `channel > 15`,
    /// [`MidiError::ValueOutOfRange`] if `value` is above 16383.
    ///
    /// ```
    /// let bend = bbx_midi::MidiMessage::pitch_bend_change(0, 8192)?;
    /// assert_eq!(bend.as_bytes(), &[0xE0, 0x00, 0x40]);
    /// assert_eq!(bend.pitch_bend(), Some(8192));
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn pitch_bend_change(channel: u8, value: u16) -> Result<Self, MidiError> {
        ensure_max!("pitch bend", value, 16383);
        Self::channel_message(0xE0, channel, (value & 0x7F) as u8, (value >> 7) as u8)
    }

    /// All Sound Off (controller 120): silence now, release tails included.
    ///
    /// # Errors
    ///
    /// [`MidiError::ChannelOutOfRange`] if `channel > 15`.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::all_sound_off(0)?.as_bytes(), &[0xB0, 120, 0]);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn all_sound_off(channel: u8) -> Result<Self, MidiError> {
        Self::channel_message(0xB0, channel, 120, 0)
    }

    /// Reset All Controllers (controller 121).
    ///
    /// # Errors
    ///
    /// [`MidiError::ChannelOutOfRange`] if `channel > 15`.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::reset_all_controllers(0)?.as_bytes(), &[0xB0, 121, 0]);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn reset_all_controllers(channel: u8) -> Result<Self, MidiError> {
        Self::channel_message(0xB0, channel, 121, 0)
    }

    /// All Notes Off (controller 123): release every sounding note.
    ///
    /// # Errors
    ///
    /// [`MidiError::ChannelOutOfRange`] if `channel > 15`.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::all_notes_off(9)?.as_bytes(), &[0xB9, 123, 0]);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn all_notes_off(channel: u8) -> Result<Self, MidiError> {
        Self::channel_message(0xB0, channel, 123, 0)
    }

    /// The messages that release every note on every channel: for each of
    /// the 16 channels, Sustain (controller 64) off, then All Notes Off.
    ///
    /// What a synthesizer should apply when it learns that messages were
    /// lost (see [`take_dropped`](crate::MidiBufferConsumer::take_dropped)):
    /// a lost Note Off leaves a note hanging, and All Notes Off alone does
    /// not end notes held by the sustain pedal. Sounds already in their
    /// release phase finish naturally; nothing is cut off abruptly.
    ///
    /// ```
    /// use bbx_midi::{MessageKind, MidiMessage};
    ///
    /// let release = MidiMessage::release_all_notes();
    /// assert_eq!(release.len(), 32);
    /// assert_eq!(release[0].as_bytes(), &[0xB0, 64, 0]);
    /// assert_eq!(release[1].kind(), MessageKind::AllNotesOff);
    /// assert_eq!(release[31].channel(), Some(15));
    /// ```
    pub const fn release_all_notes() -> [MidiMessage; 32] {
        let mut messages = [Self::INVALID; 32];
        let mut channel = 0;
        while channel < 16 {
            let status = 0xB0 | channel as u8;
            messages[2 * channel] = Self::from_valid(status, 64, 0, 3);
            messages[2 * channel + 1] = Self::from_valid(status, 123, 0, 3);
            channel += 1;
        }
        messages
    }

    /// MIDI Time Code quarter frame: `piece` 0–7 says which nibble of the
    /// time code `value` (0–15) carries.
    ///
    /// # Errors
    ///
    /// [`MidiError::ValueOutOfRange`] if `piece > 7` or `value > 15`.
    ///
    /// ```
    /// let qf = bbx_midi::MidiMessage::time_code_quarter_frame(3, 9)?;
    /// assert_eq!(qf.as_bytes(), &[0xF1, 0x39]);
    /// assert_eq!(qf.quarter_frame(), Some((3, 9)));
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn time_code_quarter_frame(piece: u8, value: u8) -> Result<Self, MidiError> {
        ensure_max!("quarter frame piece", piece, 7);
        ensure_max!("quarter frame value", value, 15);
        Ok(Self::from_valid(0xF1, (piece << 4) | value, 0, 2))
    }

    /// Song Position Pointer, in MIDI beats (sixteenth notes) from the
    /// start, 0 to 16383. (The accessor for the position is
    /// [`song_position`](Self::song_position).)
    ///
    /// # Errors
    ///
    /// [`MidiError::ValueOutOfRange`] if `beats > 16383`.
    ///
    /// ```
    /// let sp = bbx_midi::MidiMessage::song_position_pointer(300)?;
    /// assert_eq!(sp.as_bytes(), &[0xF2, 44, 2]); // 300 = 2 * 128 + 44
    /// assert_eq!(sp.song_position(), Some(300));
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn song_position_pointer(beats: u16) -> Result<Self, MidiError> {
        ensure_max!("song position", beats, 16383);
        Ok(Self::from_valid(
            0xF2,
            (beats & 0x7F) as u8,
            (beats >> 7) as u8,
            3,
        ))
    }

    /// Song Select.
    ///
    /// # Errors
    ///
    /// [`MidiError::ValueOutOfRange`] if `song > 127`.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::song_select(4)?.as_bytes(), &[0xF3, 4]);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub const fn song_select(song: u8) -> Result<Self, MidiError> {
        ensure_max!("song", song, 127);
        Ok(Self::from_valid(0xF3, song, 0, 2))
    }

    /// Exactly the wire bytes: 1, 2 or 3 of them (none for
    /// [`MidiMessage::INVALID`]).
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::STOP.as_bytes(), &[0xFC]);
    /// ```
    #[inline]
    pub const fn as_bytes(&self) -> &[u8] {
        // `len` is at most 3; the mask says so to the compiler, which then
        // drops the bounds check of `split_at`.
        self.bytes.split_at((self.len & 3) as usize).0
    }

    /// Whether this is a MIDI message, i.e. not [`MidiMessage::INVALID`].
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    ///
    /// assert!(MidiMessage::START.is_valid());
    /// assert!(!MidiMessage::new([0xF0, 0x7E, 0xF7]).is_valid());
    /// ```
    #[inline]
    pub const fn is_valid(&self) -> bool {
        self.len != 0
    }

    /// The status byte, channel included (`0x00` for
    /// [`MidiMessage::INVALID`]).
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::new([0x93, 60, 1]).status(), 0x93);
    /// ```
    #[inline]
    pub const fn status(&self) -> u8 {
        self.bytes[0]
    }

    /// Which message this is.
    ///
    /// ```
    /// use bbx_midi::{MessageKind, MidiMessage};
    ///
    /// assert_eq!(MidiMessage::new([0xB0, 123, 0]).kind(), MessageKind::AllNotesOff);
    /// assert_eq!(MidiMessage::new([0x90, 60, 0]).kind(), MessageKind::NoteOff);
    /// assert_eq!(MidiMessage::INVALID.kind(), MessageKind::Invalid);
    /// ```
    #[inline]
    pub const fn kind(&self) -> MessageKind {
        let [status, data1, data2] = self.bytes;
        if !self.is_valid() {
            return MessageKind::Invalid;
        }
        match status & 0xF0 {
            0x80 => MessageKind::NoteOff,
            0x90 if data2 == 0 => MessageKind::NoteOff,
            0x90 => MessageKind::NoteOn,
            0xA0 => MessageKind::PolyPressure,
            0xB0 => match data1 {
                120 => MessageKind::AllSoundOff,
                121 => MessageKind::ResetAllControllers,
                122 => MessageKind::LocalControl,
                123 => MessageKind::AllNotesOff,
                124 => MessageKind::OmniOff,
                125 => MessageKind::OmniOn,
                126 => MessageKind::MonoOn,
                127 => MessageKind::PolyOn,
                _ => MessageKind::ControlChange,
            },
            0xC0 => MessageKind::ProgramChange,
            0xD0 => MessageKind::ChannelPressure,
            0xE0 => MessageKind::PitchBend,
            _ => match status {
                0xF1 => MessageKind::TimeCodeQuarterFrame,
                0xF2 => MessageKind::SongPosition,
                0xF3 => MessageKind::SongSelect,
                0xF6 => MessageKind::TuneRequest,
                0xF8 => MessageKind::TimingClock,
                0xFA => MessageKind::Start,
                0xFB => MessageKind::Continue,
                0xFC => MessageKind::Stop,
                0xFE => MessageKind::ActiveSensing,
                0xFF => MessageKind::SystemReset,
                // Every constructor rejects the other status bytes.
                _ => MessageKind::Invalid,
            },
        }
    }

    /// The upper nibble of a channel message's status, or 0.
    #[inline]
    const fn channel_status(&self) -> u8 {
        match self.bytes[0] {
            status @ 0x80..=0xEF => status & 0xF0,
            _ => 0,
        }
    }

    /// The channel, 0 to 15, of a channel voice or channel mode message.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    ///
    /// assert_eq!(MidiMessage::new([0x9F, 60, 1]).channel(), Some(15));
    /// assert_eq!(MidiMessage::TIMING_CLOCK.channel(), None);
    /// ```
    #[inline]
    pub const fn channel(&self) -> Option<u8> {
        match self.channel_status() {
            0 => None,
            _ => Some(self.bytes[0] & 0x0F),
        }
    }

    /// The note number of a Note On, Note Off or polyphonic pressure message.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::new([0xA0, 61, 5]).note(), Some(61));
    /// ```
    #[inline]
    pub const fn note(&self) -> Option<u8> {
        match self.channel_status() {
            0x80 | 0x90 | 0xA0 => Some(self.bytes[1]),
            _ => None,
        }
    }

    /// The velocity of a Note On or Note Off (0 for a Note On meaning Note
    /// Off).
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::new([0x90, 60, 0]).velocity(), Some(0));
    /// ```
    #[inline]
    pub const fn velocity(&self) -> Option<u8> {
        match self.channel_status() {
            0x80 | 0x90 => Some(self.bytes[2]),
            _ => None,
        }
    }

    /// The controller number of a Control Change, channel mode messages
    /// (120–127) included.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::new([0xB0, 64, 127]).controller(), Some(64));
    /// ```
    #[inline]
    pub const fn controller(&self) -> Option<u8> {
        match self.channel_status() {
            0xB0 => Some(self.bytes[1]),
            _ => None,
        }
    }

    /// The value of a Control Change, channel mode messages included.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::new([0xB0, 64, 127]).value(), Some(127));
    /// ```
    #[inline]
    pub const fn value(&self) -> Option<u8> {
        match self.channel_status() {
            0xB0 => Some(self.bytes[2]),
            _ => None,
        }
    }

    /// The program number of a Program Change.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::new([0xC3, 9, 0]).program(), Some(9));
    /// ```
    #[inline]
    pub const fn program(&self) -> Option<u8> {
        match self.channel_status() {
            0xC0 => Some(self.bytes[1]),
            _ => None,
        }
    }

    /// The pressure of a polyphonic or channel pressure (aftertouch) message.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    ///
    /// assert_eq!(MidiMessage::new([0xA0, 60, 33]).pressure(), Some(33));
    /// assert_eq!(MidiMessage::new([0xD0, 44, 0]).pressure(), Some(44));
    /// ```
    #[inline]
    pub const fn pressure(&self) -> Option<u8> {
        match self.channel_status() {
            0xA0 => Some(self.bytes[2]),
            0xD0 => Some(self.bytes[1]),
            _ => None,
        }
    }

    /// The 14-bit value of a Pitch Bend, 0 to 16383, centre 8192.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::new([0xE0, 0x7F, 0x7F]).pitch_bend(), Some(16383));
    /// ```
    #[inline]
    pub const fn pitch_bend(&self) -> Option<u16> {
        match self.channel_status() {
            0xE0 => Some(self.fourteen_bits()),
            _ => None,
        }
    }

    /// The position of a Song Position Pointer, in MIDI beats.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::new([0xF2, 0, 1]).song_position(), Some(128));
    /// ```
    #[inline]
    pub const fn song_position(&self) -> Option<u16> {
        match self.bytes[0] {
            0xF2 => Some(self.fourteen_bits()),
            _ => None,
        }
    }

    /// The song number of a Song Select.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::new([0xF3, 7, 0]).song(), Some(7));
    /// ```
    #[inline]
    pub const fn song(&self) -> Option<u8> {
        match self.bytes[0] {
            0xF3 => Some(self.bytes[1]),
            _ => None,
        }
    }

    /// The `(piece, value)` nibbles of a MIDI Time Code quarter frame.
    ///
    /// ```
    /// assert_eq!(bbx_midi::MidiMessage::new([0xF1, 0x52, 0]).quarter_frame(), Some((5, 2)));
    /// ```
    #[inline]
    pub const fn quarter_frame(&self) -> Option<(u8, u8)> {
        match self.bytes[0] {
            0xF1 => Some((self.bytes[1] >> 4, self.bytes[1] & 0x0F)),
            _ => None,
        }
    }

    /// Whether this is a Note On with a velocity above 0.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    ///
    /// assert!(MidiMessage::new([0x90, 60, 1]).is_note_on());
    /// assert!(!MidiMessage::new([0x90, 60, 0]).is_note_on());
    /// ```
    #[inline]
    pub const fn is_note_on(&self) -> bool {
        matches!(self.kind(), MessageKind::NoteOn)
    }

    /// Whether this is a Note Off, or a Note On with velocity 0.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    ///
    /// assert!(MidiMessage::new([0x80, 60, 64]).is_note_off());
    /// assert!(MidiMessage::new([0x90, 60, 0]).is_note_off());
    /// ```
    #[inline]
    pub const fn is_note_off(&self) -> bool {
        matches!(self.kind(), MessageKind::NoteOff)
    }

    #[inline]
    const fn fourteen_bits(&self) -> u16 {
        self.bytes[1] as u16 | (self.bytes[2] as u16) << 7
    }
}

impl Default for MidiMessage {
    /// [`MidiMessage::INVALID`], so that a zeroed buffer of messages holds
    /// nothing that a synthesizer would act on.
    #[inline]
    fn default() -> Self {
        Self::INVALID
    }
}

impl TryFrom<&[u8]> for MidiMessage {
    type Error = MidiError;

    /// Reads exactly one short message, as `midir` delivers it: the same as
    /// [`MidiMessage::parse`]. System Exclusive, a partial or an overlong
    /// message is an error that says why, never
    /// [`MidiMessage::INVALID`]. Never panics, never allocates.
    ///
    /// ```
    /// use bbx_midi::{MidiError, MidiMessage};
    ///
    /// let bytes: &[u8] = &[0x80, 60, 0];
    /// assert_eq!(MidiMessage::try_from(bytes)?.as_bytes(), bytes);
    /// assert_eq!(
    ///     MidiMessage::try_from(&[0xF0, 0x7E, 0xF7][..]),
    ///     Err(MidiError::SysEx { status: 0xF0 })
    /// );
    /// assert_eq!(MidiMessage::try_from(&[][..]), Err(MidiError::Empty));
    /// # Ok::<(), MidiError>(())
    /// ```
    #[inline]
    fn try_from(bytes: &[u8]) -> Result<Self, MidiError> {
        Self::parse(bytes)
    }
}

/// A note number written as a name, with middle C (60) as `C4`.
pub(crate) struct NoteName(pub(crate) u8);

impl fmt::Display for NoteName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 12] = [
            "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
        ];
        let octave = i16::from(self.0 / 12) - 1;
        write!(f, "{}{}", NAMES[usize::from(self.0 % 12)], octave)
    }
}

/// A UMP group, 0 to 15 in the API, written `g1` to `g16` as channels are
/// written `ch1` to `ch16`.
pub(crate) struct Group(pub(crate) u8);

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Widened: a group from a public field may be any `u8`.
        write!(f, "g{}", u16::from(self.0) + 1)
    }
}

/// How many data bytes a `Display` shows before it abbreviates: enough for
/// the header of any SysEx (IDs, sub-IDs, the first parameters), few enough
/// for one log line.
pub(crate) const SHOWN_BYTES: usize = 16;

/// Writes ` F0 7E 7F…`, each byte after a space, in hexadecimal as MIDI
/// documentation writes them. Past [`SHOWN_BYTES`] it stops and writes the
/// count, ` ... (300 bytes)`, unless the alternate flag (`{:#}`) asks for
/// every byte.
pub(crate) fn write_data(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    let shown = if f.alternate() {
        bytes
    } else {
        &bytes[..bytes.len().min(SHOWN_BYTES)]
    };
    for byte in shown {
        write!(f, " {byte:02X}")?;
    }
    if shown.len() < bytes.len() {
        write!(f, " ... ({} bytes)", bytes.len())?;
    }
    Ok(())
}

/// Bytes as `Debug` shows them: all of them, in hexadecimal, `[F0 7E F7]`.
pub(crate) struct HexBytes<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for HexBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, byte) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            write!(f, "{sep}{byte:02X}")?;
        }
        f.write_str("]")
    }
}

impl MidiMessage {
    /// The description, with `group` after the kind when the message
    /// travels in a UMP: `NoteOn g1 ch1 C4 vel 100`.
    pub(crate) fn describe(&self, f: &mut fmt::Formatter<'_>, group: Option<u8>) -> fmt::Result {
        let kind = self.kind();
        write!(f, "{kind:?}")?;
        if let Some(group) = group {
            write!(f, " {}", Group(group))?;
        }
        let [status, data1, data2] = self.bytes;
        let ch = (status & 0x0F) + 1;
        match kind {
            MessageKind::NoteOn | MessageKind::NoteOff => {
                write!(f, " ch{ch} {} vel {data2}", NoteName(data1))
            }
            MessageKind::PolyPressure => {
                write!(f, " ch{ch} {} pressure {data2}", NoteName(data1))
            }
            MessageKind::ControlChange => write!(f, " ch{ch} cc{data1} value {data2}"),
            MessageKind::ProgramChange => write!(f, " ch{ch} program {data1}"),
            MessageKind::ChannelPressure => write!(f, " ch{ch} pressure {data1}"),
            MessageKind::PitchBend => write!(f, " ch{ch} {}", self.fourteen_bits()),
            MessageKind::LocalControl | MessageKind::MonoOn => {
                write!(f, " ch{ch} value {data2}")
            }
            MessageKind::AllSoundOff
            | MessageKind::ResetAllControllers
            | MessageKind::AllNotesOff
            | MessageKind::OmniOff
            | MessageKind::OmniOn
            | MessageKind::PolyOn => write!(f, " ch{ch}"),
            MessageKind::TimeCodeQuarterFrame => {
                write!(f, " piece {} value {}", data1 >> 4, data1 & 0x0F)
            }
            MessageKind::SongPosition => write!(f, " {}", self.fourteen_bits()),
            MessageKind::SongSelect => write!(f, " {data1}"),
            MessageKind::TuneRequest
            | MessageKind::TimingClock
            | MessageKind::Start
            | MessageKind::Continue
            | MessageKind::Stop
            | MessageKind::ActiveSensing
            | MessageKind::SystemReset
            | MessageKind::Invalid => Ok(()),
        }
    }

    /// What `Debug` shows inside its parentheses: the description, then
    /// the wire bytes, `NoteOn ch1 C4 vel 100 [90 3C 64]`.
    pub(crate) fn debug_body(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f, None)?;
        write!(f, " {:?}", HexBytes(self.as_bytes()))
    }
}

impl fmt::Display for MidiMessage {
    /// A one-line description for logs, such as `NoteOn ch1 C4 vel 100`.
    ///
    /// Channels are shown 1 to 16, as on instruments; middle C (60) is `C4`.
    /// Writes straight to the formatter, so it allocates nothing itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f, None)
    }
}

impl fmt::Debug for MidiMessage {
    /// The description and the wire bytes: `MidiMessage(NoteOn ch1 C4 vel 100 [90 3C 64])`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MidiMessage(")?;
        self.debug_body(f)?;
        f.write_str(")")
    }
}
