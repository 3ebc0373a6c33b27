//! The MIDI 2.0 protocol's channel voice messages: message type `0x4`.

use core::fmt;

use super::error::UmpError;
use super::packet::{Ump, debug_view};
use super::{check_channel, check_group, expect_type, reserved};
use crate::message::{Group, NoteName};

/// Which MIDI 2.0 channel voice message a [`Midi2ChannelVoice`] is: its
/// opcode, bits 23–20 of word 0 (M2-104-UM v1.1, "MIDI 2.0 Channel Voice
/// Messages"). Opcode `0x7` is reserved.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Midi2Kind {
    /// `0x0`: a registered per-note controller (256 per note).
    RegisteredPerNoteController,
    /// `0x1`: an assignable per-note controller (256 per note).
    AssignablePerNoteController,
    /// `0x2`: a registered controller, the MIDI 1.0 RPN.
    RegisteredController,
    /// `0x3`: an assignable controller, the MIDI 1.0 NRPN.
    AssignableController,
    /// `0x4`: a relative change to a registered controller.
    RelativeRegisteredController,
    /// `0x5`: a relative change to an assignable controller.
    RelativeAssignableController,
    /// `0x6`: pitch bend of one note.
    PerNotePitchBend,
    /// `0x8`.
    NoteOff,
    /// `0x9`. Velocity 0 is a Note On, not a Note Off, in the MIDI 2.0
    /// protocol.
    NoteOn,
    /// `0xA`: polyphonic (per-note) pressure.
    PolyPressure,
    /// `0xB`: one of the 128 controllers of MIDI 1.0, with 32 bits.
    ControlChange,
    /// `0xC`, with an optional bank.
    ProgramChange,
    /// `0xD`.
    ChannelPressure,
    /// `0xE`: 32 bits, centre `0x8000_0000`.
    PitchBend,
    /// `0xF`: per-note management (detach, reset).
    PerNoteManagement,
}

impl Midi2Kind {
    /// The opcode.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Midi2Kind::NoteOn.opcode(), 0x9);
    /// ```
    #[inline]
    pub const fn opcode(self) -> u8 {
        match self {
            Midi2Kind::RegisteredPerNoteController => 0x0,
            Midi2Kind::AssignablePerNoteController => 0x1,
            Midi2Kind::RegisteredController => 0x2,
            Midi2Kind::AssignableController => 0x3,
            Midi2Kind::RelativeRegisteredController => 0x4,
            Midi2Kind::RelativeAssignableController => 0x5,
            Midi2Kind::PerNotePitchBend => 0x6,
            Midi2Kind::NoteOff => 0x8,
            Midi2Kind::NoteOn => 0x9,
            Midi2Kind::PolyPressure => 0xA,
            Midi2Kind::ControlChange => 0xB,
            Midi2Kind::ProgramChange => 0xC,
            Midi2Kind::ChannelPressure => 0xD,
            Midi2Kind::PitchBend => 0xE,
            Midi2Kind::PerNoteManagement => 0xF,
        }
    }

    /// The kind with opcode `opcode`; `None` for the reserved `0x7` and
    /// values above 15.
    ///
    /// ```
    /// use bbx_midi::ump::Midi2Kind;
    ///
    /// assert_eq!(Midi2Kind::from_opcode(0xF), Some(Midi2Kind::PerNoteManagement));
    /// assert_eq!(Midi2Kind::from_opcode(0x7), None);
    /// ```
    #[inline]
    pub const fn from_opcode(opcode: u8) -> Option<Self> {
        Some(match opcode {
            0x0 => Midi2Kind::RegisteredPerNoteController,
            0x1 => Midi2Kind::AssignablePerNoteController,
            0x2 => Midi2Kind::RegisteredController,
            0x3 => Midi2Kind::AssignableController,
            0x4 => Midi2Kind::RelativeRegisteredController,
            0x5 => Midi2Kind::RelativeAssignableController,
            0x6 => Midi2Kind::PerNotePitchBend,
            0x8 => Midi2Kind::NoteOff,
            0x9 => Midi2Kind::NoteOn,
            0xA => Midi2Kind::PolyPressure,
            0xB => Midi2Kind::ControlChange,
            0xC => Midi2Kind::ProgramChange,
            0xD => Midi2Kind::ChannelPressure,
            0xE => Midi2Kind::PitchBend,
            0xF => Midi2Kind::PerNoteManagement,
            _ => return None,
        })
    }

    /// The reserved bits of word 0 (its low 16 bits) and of word 1.
    const fn reserved_bits(self) -> (u32, u32) {
        match self {
            // r, note (7), index (8)
            Midi2Kind::RegisteredPerNoteController | Midi2Kind::AssignablePerNoteController => {
                (0x8000, 0)
            }
            // r, bank (7), r, index (7)
            Midi2Kind::RegisteredController
            | Midi2Kind::AssignableController
            | Midi2Kind::RelativeRegisteredController
            | Midi2Kind::RelativeAssignableController => (0x8080, 0),
            // r, note (7), reserved byte
            Midi2Kind::PerNotePitchBend | Midi2Kind::PolyPressure => (0x80FF, 0),
            // r, note (7), attribute type (8)
            Midi2Kind::NoteOff | Midi2Kind::NoteOn => (0x8000, 0),
            // r, index (7), reserved byte
            Midi2Kind::ControlChange => (0x80FF, 0),
            // 15 reserved bits and B; r, program, reserved byte, r, bank MSB, r, bank LSB
            Midi2Kind::ProgramChange => (0xFFFE, 0x80FF_8080),
            Midi2Kind::ChannelPressure | Midi2Kind::PitchBend => (0xFFFF, 0),
            // r, note (7), 6 reserved flag bits, D, S; word 1 reserved
            Midi2Kind::PerNoteManagement => (0x80FC, 0xFFFF_FFFF),
        }
    }
}

/// A MIDI 2.0 channel voice message: message type `0x4`, two words
/// (M2-104-UM v1.1, "MIDI 2.0 Channel Voice Messages").
///
/// Word 0 is `0x4`, group, opcode, channel, then two bytes that depend on
/// the opcode (a note, a controller index or bank and index, an attribute
/// type, flags); word 1 holds the value: 16-bit velocity and 16-bit
/// attribute, or 32 bits of data. One type for all fifteen messages, like
/// [`MidiMessage`](crate::MidiMessage): [`kind`](Self::kind) says which,
/// the accessors return `None` where a field does not apply.
///
/// The checked constructors refuse a group, channel, note, index, bank or
/// program out of range. The view is strict: a packet with a reserved
/// opcode or reserved bits set does not convert, so a view always
/// re-encodes to the words it came from.
///
/// ```
/// use bbx_midi::ump::{Midi2ChannelVoice, Midi2Kind, Ump};
///
/// let note = Midi2ChannelVoice::note_on(0, 0, 60, 0xC000, 0, 0)?;
/// assert_eq!(note.packet().words(), &[0x4090_3C00, 0xC000_0000]);
/// let read = Midi2ChannelVoice::try_from(Ump::parse(&[0x4090_3C00, 0xC000_0000])?)?;
/// assert_eq!(read.kind(), Midi2Kind::NoteOn);
/// assert_eq!((read.note(), read.velocity()), (Some(60), Some(0xC000)));
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct Midi2ChannelVoice(Ump);

/// Builds the packet from checked fields.
const fn build(
    group: u8,
    kind: Midi2Kind,
    channel: u8,
    low16: u32,
    word1: u32,
) -> Result<Midi2ChannelVoice, UmpError> {
    if let Err(err) = check_group(group) {
        return Err(err);
    }
    if let Err(err) = check_channel(channel) {
        return Err(err);
    }
    let word0 = 0x4 << 28
        | (group as u32) << 24
        | (kind.opcode() as u32) << 20
        | (channel as u32) << 16
        | low16;
    Ok(Midi2ChannelVoice(Ump::two(word0, word1)))
}

impl Midi2ChannelVoice {
    /// Note Off with a 16-bit release velocity and an attribute (type 0 and
    /// value 0 for none).
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ChannelOutOfRange`],
    /// [`UmpError::ValueOutOfRange`] if `note > 127`.
    ///
    /// ```
    /// let off = bbx_midi::ump::Midi2ChannelVoice::note_off(1, 2, 60, 0x8000, 0, 0)?;
    /// assert_eq!(off.packet().words(), &[0x4182_3C00, 0x8000_0000]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn note_off(
        group: u8,
        channel: u8,
        note: u8,
        velocity: u16,
        attribute_type: u8,
        attribute: u16,
    ) -> Result<Self, UmpError> {
        check_max!("note", note, 127);
        build(
            group,
            Midi2Kind::NoteOff,
            channel,
            (note as u32) << 8 | attribute_type as u32,
            (velocity as u32) << 16 | attribute as u32,
        )
    }

    /// Note On with a 16-bit velocity and an attribute (type 0 and value 0
    /// for none; 3 is Pitch 7.9). A velocity of 0 is a Note On here.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ChannelOutOfRange`],
    /// [`UmpError::ValueOutOfRange`] if `note > 127`.
    ///
    /// ```
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// // Pitch 7.9 attribute: note 60 plus half a semitone.
    /// let on = Midi2ChannelVoice::note_on(0, 0, 60, 0xFFFF, 3, 60 << 9 | 0x100)?;
    /// assert_eq!(on.packet().words(), &[0x4090_3C03, 0xFFFF_7900]);
    /// assert_eq!((on.attribute_type(), on.attribute()), (Some(3), Some(0x7900)));
    /// assert!(Midi2ChannelVoice::note_on(0, 0, 128, 1, 0, 0).is_err());
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn note_on(
        group: u8,
        channel: u8,
        note: u8,
        velocity: u16,
        attribute_type: u8,
        attribute: u16,
    ) -> Result<Self, UmpError> {
        check_max!("note", note, 127);
        build(
            group,
            Midi2Kind::NoteOn,
            channel,
            (note as u32) << 8 | attribute_type as u32,
            (velocity as u32) << 16 | attribute as u32,
        )
    }

    /// Polyphonic pressure on one note, 32 bits.
    ///
    /// # Errors
    ///
    /// As [`note_on`](Self::note_on).
    ///
    /// ```
    /// let p = bbx_midi::ump::Midi2ChannelVoice::poly_pressure(0, 0, 60, 0x1234_5678)?;
    /// assert_eq!(p.packet().words(), &[0x40A0_3C00, 0x1234_5678]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn poly_pressure(
        group: u8,
        channel: u8,
        note: u8,
        value: u32,
    ) -> Result<Self, UmpError> {
        check_max!("note", note, 127);
        build(
            group,
            Midi2Kind::PolyPressure,
            channel,
            (note as u32) << 8,
            value,
        )
    }

    /// Control Change: controller `index` (0 to 127), 32 bits.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ChannelOutOfRange`],
    /// [`UmpError::ValueOutOfRange`] if `index > 127`.
    ///
    /// ```
    /// let cc = bbx_midi::ump::Midi2ChannelVoice::control_change(0, 3, 74, 0x8000_0000)?;
    /// assert_eq!(cc.packet().words(), &[0x40B3_4A00, 0x8000_0000]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn control_change(
        group: u8,
        channel: u8,
        index: u8,
        value: u32,
    ) -> Result<Self, UmpError> {
        check_max!("index", index, 127);
        build(
            group,
            Midi2Kind::ControlChange,
            channel,
            (index as u32) << 8,
            value,
        )
    }

    /// The bank and index of a (relative) registered or assignable
    /// controller, checked.
    const fn controller_message(
        group: u8,
        kind: Midi2Kind,
        channel: u8,
        bank: u8,
        index: u8,
        value: u32,
    ) -> Result<Self, UmpError> {
        check_max!("bank", bank, 127);
        check_max!("index", index, 127);
        build(
            group,
            kind,
            channel,
            (bank as u32) << 8 | index as u32,
            value,
        )
    }

    /// Registered Controller: the MIDI 1.0 RPN `bank`/`index` (MSB/LSB),
    /// 32 bits.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ChannelOutOfRange`],
    /// [`UmpError::ValueOutOfRange`] if `bank` or `index` is above 127.
    ///
    /// ```
    /// // RPN 0/0, pitch bend sensitivity.
    /// let rc = bbx_midi::ump::Midi2ChannelVoice::registered_controller(0, 0, 0, 0, 0x0400_0000)?;
    /// assert_eq!(rc.packet().words(), &[0x4020_0000, 0x0400_0000]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn registered_controller(
        group: u8,
        channel: u8,
        bank: u8,
        index: u8,
        value: u32,
    ) -> Result<Self, UmpError> {
        Self::controller_message(
            group,
            Midi2Kind::RegisteredController,
            channel,
            bank,
            index,
            value,
        )
    }

    /// Assignable Controller: the MIDI 1.0 NRPN `bank`/`index`, 32 bits.
    ///
    /// # Errors
    ///
    /// As [`registered_controller`](Self::registered_controller).
    ///
    /// ```
    /// let ac = bbx_midi::ump::Midi2ChannelVoice::assignable_controller(0, 1, 2, 3, 4)?;
    /// assert_eq!(ac.packet().words(), &[0x4031_0203, 4]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn assignable_controller(
        group: u8,
        channel: u8,
        bank: u8,
        index: u8,
        value: u32,
    ) -> Result<Self, UmpError> {
        Self::controller_message(
            group,
            Midi2Kind::AssignableController,
            channel,
            bank,
            index,
            value,
        )
    }

    /// Relative Registered Controller: add `delta` (two's complement) to
    /// the registered controller `bank`/`index`.
    ///
    /// # Errors
    ///
    /// As [`registered_controller`](Self::registered_controller).
    ///
    /// ```
    /// let rel = bbx_midi::ump::Midi2ChannelVoice::relative_registered_controller(0, 0, 0, 1, -1)?;
    /// assert_eq!(rel.packet().words(), &[0x4040_0001, 0xFFFF_FFFF]);
    /// assert_eq!(rel.delta(), Some(-1));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn relative_registered_controller(
        group: u8,
        channel: u8,
        bank: u8,
        index: u8,
        delta: i32,
    ) -> Result<Self, UmpError> {
        Self::controller_message(
            group,
            Midi2Kind::RelativeRegisteredController,
            channel,
            bank,
            index,
            delta as u32,
        )
    }

    /// Relative Assignable Controller: add `delta` to the assignable
    /// controller `bank`/`index`.
    ///
    /// # Errors
    ///
    /// As [`registered_controller`](Self::registered_controller).
    ///
    /// ```
    /// let rel = bbx_midi::ump::Midi2ChannelVoice::relative_assignable_controller(0, 0, 1, 2, 100)?;
    /// assert_eq!(rel.packet().words(), &[0x4050_0102, 100]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn relative_assignable_controller(
        group: u8,
        channel: u8,
        bank: u8,
        index: u8,
        delta: i32,
    ) -> Result<Self, UmpError> {
        Self::controller_message(
            group,
            Midi2Kind::RelativeAssignableController,
            channel,
            bank,
            index,
            delta as u32,
        )
    }

    /// Program Change, with a bank `(msb, lsb)` or without (the Bank Valid
    /// flag, bit 0 of word 0, is set when there is one).
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ChannelOutOfRange`],
    /// [`UmpError::ValueOutOfRange`] if the program or a bank byte is above
    /// 127.
    ///
    /// ```
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// let pc = Midi2ChannelVoice::program_change(0, 0, 5, Some((1, 2)))?;
    /// assert_eq!(pc.packet().words(), &[0x40C0_0001, 0x0500_0102]);
    /// assert_eq!((pc.program(), pc.bank()), (Some(5), Some((1, 2))));
    /// let plain = Midi2ChannelVoice::program_change(0, 0, 5, None)?;
    /// assert_eq!(plain.packet().words(), &[0x40C0_0000, 0x0500_0000]);
    /// assert_eq!(plain.bank(), None);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn program_change(
        group: u8,
        channel: u8,
        program: u8,
        bank: Option<(u8, u8)>,
    ) -> Result<Self, UmpError> {
        check_max!("program", program, 127);
        let (valid, bank_bits) = match bank {
            Some((msb, lsb)) => {
                check_max!("bank MSB", msb, 127);
                check_max!("bank LSB", lsb, 127);
                (1, (msb as u32) << 8 | lsb as u32)
            }
            None => (0, 0),
        };
        build(
            group,
            Midi2Kind::ProgramChange,
            channel,
            valid,
            (program as u32) << 24 | bank_bits,
        )
    }

    /// Channel Pressure, 32 bits.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ChannelOutOfRange`].
    ///
    /// ```
    /// let cp = bbx_midi::ump::Midi2ChannelVoice::channel_pressure(0, 0, u32::MAX)?;
    /// assert_eq!(cp.packet().words(), &[0x40D0_0000, 0xFFFF_FFFF]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn channel_pressure(group: u8, channel: u8, value: u32) -> Result<Self, UmpError> {
        build(group, Midi2Kind::ChannelPressure, channel, 0, value)
    }

    /// Pitch Bend, 32 bits, centre `0x8000_0000`.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`], [`UmpError::ChannelOutOfRange`].
    ///
    /// ```
    /// let pb = bbx_midi::ump::Midi2ChannelVoice::pitch_bend(0, 0, 0x8000_0000)?;
    /// assert_eq!(pb.packet().words(), &[0x40E0_0000, 0x8000_0000]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn pitch_bend(group: u8, channel: u8, value: u32) -> Result<Self, UmpError> {
        build(group, Midi2Kind::PitchBend, channel, 0, value)
    }

    /// Per-Note Pitch Bend, 32 bits, centre `0x8000_0000`.
    ///
    /// # Errors
    ///
    /// As [`note_on`](Self::note_on).
    ///
    /// ```
    /// let pb = bbx_midi::ump::Midi2ChannelVoice::per_note_pitch_bend(0, 0, 60, 1)?;
    /// assert_eq!(pb.packet().words(), &[0x4060_3C00, 1]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn per_note_pitch_bend(
        group: u8,
        channel: u8,
        note: u8,
        value: u32,
    ) -> Result<Self, UmpError> {
        check_max!("note", note, 127);
        build(
            group,
            Midi2Kind::PerNotePitchBend,
            channel,
            (note as u32) << 8,
            value,
        )
    }

    /// Registered Per-Note Controller `index` (0 to 255) of `note`, 32 bits.
    ///
    /// # Errors
    ///
    /// As [`note_on`](Self::note_on).
    ///
    /// ```
    /// let c = bbx_midi::ump::Midi2ChannelVoice::registered_per_note_controller(0, 0, 60, 255, 7)?;
    /// assert_eq!(c.packet().words(), &[0x4000_3CFF, 7]);
    /// assert_eq!(c.index(), Some(255));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn registered_per_note_controller(
        group: u8,
        channel: u8,
        note: u8,
        index: u8,
        value: u32,
    ) -> Result<Self, UmpError> {
        check_max!("note", note, 127);
        build(
            group,
            Midi2Kind::RegisteredPerNoteController,
            channel,
            (note as u32) << 8 | index as u32,
            value,
        )
    }

    /// Assignable Per-Note Controller `index` (0 to 255) of `note`, 32 bits.
    ///
    /// # Errors
    ///
    /// As [`note_on`](Self::note_on).
    ///
    /// ```
    /// let c = bbx_midi::ump::Midi2ChannelVoice::assignable_per_note_controller(0, 0, 60, 1, 2)?;
    /// assert_eq!(c.packet().words(), &[0x4010_3C01, 2]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn assignable_per_note_controller(
        group: u8,
        channel: u8,
        note: u8,
        index: u8,
        value: u32,
    ) -> Result<Self, UmpError> {
        check_max!("note", note, 127);
        build(
            group,
            Midi2Kind::AssignablePerNoteController,
            channel,
            (note as u32) << 8 | index as u32,
            value,
        )
    }

    /// Per-Note Management: `detach` (D, bit 1) the note's per-note
    /// controllers from the note, and/or `reset` (S, bit 0) them to their
    /// defaults.
    ///
    /// # Errors
    ///
    /// As [`note_on`](Self::note_on).
    ///
    /// ```
    /// let m = bbx_midi::ump::Midi2ChannelVoice::per_note_management(0, 0, 60, true, false)?;
    /// assert_eq!(m.packet().words(), &[0x40F0_3C02, 0]);
    /// assert_eq!(m.management(), Some((true, false)));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub const fn per_note_management(
        group: u8,
        channel: u8,
        note: u8,
        detach: bool,
        reset: bool,
    ) -> Result<Self, UmpError> {
        check_max!("note", note, 127);
        build(
            group,
            Midi2Kind::PerNoteManagement,
            channel,
            (note as u32) << 8 | (detach as u32) << 1 | reset as u32,
            0,
        )
    }

    /// Which message this is.
    ///
    /// ```
    /// use bbx_midi::ump::{Midi2ChannelVoice, Midi2Kind};
    ///
    /// assert_eq!(Midi2ChannelVoice::pitch_bend(0, 0, 0)?.kind(), Midi2Kind::PitchBend);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn kind(&self) -> Midi2Kind {
        match Midi2Kind::from_opcode(((self.0.word(0) >> 20) & 0xF) as u8) {
            Some(kind) => kind,
            // Checked when the view was made.
            None => Midi2Kind::NoteOff,
        }
    }

    /// The group, 0 to 15.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Midi2ChannelVoice::pitch_bend(9, 0, 0)?.group(), 9);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn group(&self) -> u8 {
        ((self.0.word(0) >> 24) & 0xF) as u8
    }

    /// The channel, 0 to 15.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Midi2ChannelVoice::pitch_bend(0, 12, 0)?.channel(), 12);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn channel(&self) -> u8 {
        ((self.0.word(0) >> 16) & 0xF) as u8
    }

    #[inline]
    const fn byte3(&self) -> u8 {
        (self.0.word(0) >> 8) as u8
    }

    #[inline]
    const fn byte4(&self) -> u8 {
        self.0.word(0) as u8
    }

    /// The note of a note, poly pressure, per-note controller, per-note
    /// pitch bend or per-note management message.
    ///
    /// ```
    /// let m = bbx_midi::ump::Midi2ChannelVoice::poly_pressure(0, 0, 61, 0)?;
    /// assert_eq!(m.note(), Some(61));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn note(&self) -> Option<u8> {
        match self.kind() {
            Midi2Kind::NoteOff
            | Midi2Kind::NoteOn
            | Midi2Kind::PolyPressure
            | Midi2Kind::RegisteredPerNoteController
            | Midi2Kind::AssignablePerNoteController
            | Midi2Kind::PerNotePitchBend
            | Midi2Kind::PerNoteManagement => Some(self.byte3()),
            _ => None,
        }
    }

    /// The 16-bit velocity of a Note On or Note Off.
    ///
    /// ```
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// assert_eq!(Midi2ChannelVoice::note_off(0, 0, 60, 0x1234, 0, 0)?.velocity(), Some(0x1234));
    /// assert_eq!(Midi2ChannelVoice::poly_pressure(0, 0, 60, 1)?.velocity(), None);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn velocity(&self) -> Option<u16> {
        match self.kind() {
            Midi2Kind::NoteOff | Midi2Kind::NoteOn => Some((self.0.word(1) >> 16) as u16),
            _ => None,
        }
    }

    /// The attribute type of a Note On or Note Off (0: none).
    ///
    /// ```
    /// let on = bbx_midi::ump::Midi2ChannelVoice::note_on(0, 0, 60, 1, 3, 0x7900)?;
    /// assert_eq!(on.attribute_type(), Some(3));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn attribute_type(&self) -> Option<u8> {
        match self.kind() {
            Midi2Kind::NoteOff | Midi2Kind::NoteOn => Some(self.byte4()),
            _ => None,
        }
    }

    /// The 16-bit attribute data of a Note On or Note Off.
    ///
    /// ```
    /// let on = bbx_midi::ump::Midi2ChannelVoice::note_on(0, 0, 60, 1, 3, 0x7900)?;
    /// assert_eq!(on.attribute(), Some(0x7900));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn attribute(&self) -> Option<u16> {
        match self.kind() {
            Midi2Kind::NoteOff | Midi2Kind::NoteOn => Some(self.0.word(1) as u16),
            _ => None,
        }
    }

    /// The controller index: 0 to 127 for Control Change and the
    /// (relative) registered and assignable controllers, 0 to 255 for the
    /// per-note controllers.
    ///
    /// ```
    /// let cc = bbx_midi::ump::Midi2ChannelVoice::control_change(0, 0, 1, 0)?;
    /// assert_eq!(cc.index(), Some(1));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn index(&self) -> Option<u8> {
        match self.kind() {
            Midi2Kind::ControlChange => Some(self.byte3()),
            Midi2Kind::RegisteredController
            | Midi2Kind::AssignableController
            | Midi2Kind::RelativeRegisteredController
            | Midi2Kind::RelativeAssignableController
            | Midi2Kind::RegisteredPerNoteController
            | Midi2Kind::AssignablePerNoteController => Some(self.byte4()),
            _ => None,
        }
    }

    /// The bank `(msb, lsb)` of a Program Change that carries one (Bank
    /// Valid set). The bank of a registered or assignable controller is in
    /// [`controller`](Self::controller).
    ///
    /// ```
    /// let pc = bbx_midi::ump::Midi2ChannelVoice::program_change(0, 0, 1, Some((0, 3)))?;
    /// assert_eq!(pc.bank(), Some((0, 3)));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn bank(&self) -> Option<(u8, u8)> {
        match self.kind() {
            Midi2Kind::ProgramChange if self.0.word(0) & 1 == 1 => {
                Some(((self.0.word(1) >> 8) as u8, self.0.word(1) as u8 & 0x7F))
            }
            _ => None,
        }
    }

    /// The `(bank, index)` of a (relative) registered or assignable
    /// controller: the MIDI 1.0 (N)RPN number, MSB and LSB.
    ///
    /// ```
    /// let rc = bbx_midi::ump::Midi2ChannelVoice::registered_controller(0, 0, 0, 6, 0)?;
    /// assert_eq!(rc.controller(), Some((0, 6)));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn controller(&self) -> Option<(u8, u8)> {
        match self.kind() {
            Midi2Kind::RegisteredController
            | Midi2Kind::AssignableController
            | Midi2Kind::RelativeRegisteredController
            | Midi2Kind::RelativeAssignableController => Some((self.byte3(), self.byte4())),
            _ => None,
        }
    }

    /// The program of a Program Change.
    ///
    /// ```
    /// let pc = bbx_midi::ump::Midi2ChannelVoice::program_change(0, 0, 42, None)?;
    /// assert_eq!(pc.program(), Some(42));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn program(&self) -> Option<u8> {
        match self.kind() {
            Midi2Kind::ProgramChange => Some((self.0.word(1) >> 24) as u8),
            _ => None,
        }
    }

    /// The 32-bit value of every message that has one: poly and channel
    /// pressure, Control Change, registered and assignable (per-note)
    /// controllers, pitch bend and per-note pitch bend. The relative
    /// controllers have a signed [`delta`](Self::delta) instead.
    ///
    /// ```
    /// let pb = bbx_midi::ump::Midi2ChannelVoice::pitch_bend(0, 0, 0x1234_5678)?;
    /// assert_eq!(pb.value(), Some(0x1234_5678));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn value(&self) -> Option<u32> {
        match self.kind() {
            Midi2Kind::PolyPressure
            | Midi2Kind::ChannelPressure
            | Midi2Kind::ControlChange
            | Midi2Kind::RegisteredController
            | Midi2Kind::AssignableController
            | Midi2Kind::RegisteredPerNoteController
            | Midi2Kind::AssignablePerNoteController
            | Midi2Kind::PitchBend
            | Midi2Kind::PerNotePitchBend => Some(self.0.word(1)),
            _ => None,
        }
    }

    /// The signed change of a relative registered or assignable controller.
    ///
    /// ```
    /// let rel = bbx_midi::ump::Midi2ChannelVoice::relative_registered_controller(0, 0, 0, 0, -5)?;
    /// assert_eq!((rel.delta(), rel.value()), (Some(-5), None));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn delta(&self) -> Option<i32> {
        match self.kind() {
            Midi2Kind::RelativeRegisteredController | Midi2Kind::RelativeAssignableController => {
                Some(self.0.word(1) as i32)
            }
            _ => None,
        }
    }

    /// The `(detach, reset)` flags of a Per-Note Management message.
    ///
    /// ```
    /// let m = bbx_midi::ump::Midi2ChannelVoice::per_note_management(0, 0, 60, false, true)?;
    /// assert_eq!(m.management(), Some((false, true)));
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn management(&self) -> Option<(bool, bool)> {
        match self.kind() {
            Midi2Kind::PerNoteManagement => Some((self.byte4() & 2 != 0, self.byte4() & 1 != 0)),
            _ => None,
        }
    }

    /// The packet.
    ///
    /// ```
    /// let pb = bbx_midi::ump::Midi2ChannelVoice::pitch_bend(0, 0, 7)?;
    /// assert_eq!(pb.packet().words(), &[0x40E0_0000, 7]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    #[inline]
    pub const fn packet(&self) -> Ump {
        self.0
    }
}

impl TryFrom<Ump> for Midi2ChannelVoice {
    type Error = UmpError;

    /// Checks the packet: type `0x4`, a defined opcode (not `0x7`), and the
    /// bits the opcode reserves zero.
    ///
    /// ```
    /// use bbx_midi::ump::{Midi2ChannelVoice, Ump, UmpError};
    ///
    /// let reserved_opcode = Ump::parse(&[0x4070_0000, 0])?;
    /// assert_eq!(
    ///     Midi2ChannelVoice::try_from(reserved_opcode),
    ///     Err(UmpError::UnknownStatus { message_type: 4, status: 7 })
    /// );
    /// // Bit 7 of a Control Change's word 0 is reserved.
    /// assert!(Midi2ChannelVoice::try_from(Ump::parse(&[0x40B0_0180, 0])?).is_err());
    /// # Ok::<(), UmpError>(())
    /// ```
    fn try_from(packet: Ump) -> Result<Self, UmpError> {
        expect_type(&packet, 0x4)?;
        let opcode = ((packet.word(0) >> 20) & 0xF) as u8;
        let Some(kind) = Midi2Kind::from_opcode(opcode) else {
            return Err(UmpError::UnknownStatus {
                message_type: 0x4,
                status: u16::from(opcode),
            });
        };
        let (word0_reserved, word1_reserved) = kind.reserved_bits();
        reserved(packet.word(0), 0, word0_reserved)?;
        let word1_reserved = match kind {
            // Without the Bank Valid flag the bank bytes are reserved too.
            Midi2Kind::ProgramChange if packet.word(0) & 1 == 0 => 0x80FF_FFFF,
            _ => word1_reserved,
        };
        reserved(packet.word(1), 1, word1_reserved)?;
        Ok(Self(packet))
    }
}

impl From<Midi2ChannelVoice> for Ump {
    #[inline]
    fn from(view: Midi2ChannelVoice) -> Ump {
        view.0
    }
}

impl fmt::Display for Midi2ChannelVoice {
    /// The kind, the group and the channel (both counted from 1, `g1 ch1`),
    /// then the fields in the style of [`MidiMessage`](crate::MidiMessage)'s
    /// `Display`: notes by name (`C4` is 60), numbers (controller, index,
    /// bank, program, delta) in decimal, and the high-resolution values in
    /// hexadecimal at their full width, since their bits are what matters
    /// (`0x8000` is the centre of 16 bits, `0x80000000` of 32):
    ///
    /// | kind | shown |
    /// |---|---|
    /// | Note On / Off | `NoteOn g1 ch1 C4 vel 0x8000`, then `attr 3 0x7900` if it has an attribute |
    /// | poly pressure | `PolyPressure g1 ch1 C4 pressure 0x12345678` |
    /// | Control Change | `ControlChange g1 ch4 cc74 value 0x80000000` |
    /// | (N)RPN | `RegisteredController g1 ch1 bank 0 index 0 value 0x04000000` |
    /// | relative (N)RPN | `RelativeRegisteredController g1 ch1 bank 0 index 1 delta -1` |
    /// | per-note controller | `RegisteredPerNoteController g1 ch1 C4 index 255 value 0x00000007` |
    /// | Program Change | `ProgramChange g1 ch1 program 5`, then `bank 1:2` (MSB:LSB) if it has one |
    /// | channel pressure | `ChannelPressure g1 ch1 pressure 0xFFFFFFFF` |
    /// | pitch bend | `PitchBend g1 ch1 0x80000000`; per note `PerNotePitchBend g1 ch1 C4 0x80000000` |
    /// | per-note management | `PerNoteManagement g1 ch1 C4`, then `detach`, `reset` for the flags set |
    ///
    /// ```
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// let note = Midi2ChannelVoice::note_on(0, 0, 60, 0x8000, 0, 0)?;
    /// assert_eq!(note.to_string(), "NoteOn g1 ch1 C4 vel 0x8000");
    /// let cc = Midi2ChannelVoice::control_change(0, 3, 74, 0x8000_0000)?;
    /// assert_eq!(cc.to_string(), "ControlChange g1 ch4 cc74 value 0x80000000");
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind();
        write!(
            f,
            "{kind:?} {} ch{}",
            Group(self.group()),
            self.channel() + 1
        )?;
        let (byte3, byte4, word1) = (self.byte3(), self.byte4(), self.0.word(1));
        let note = NoteName(byte3);
        match kind {
            Midi2Kind::NoteOff | Midi2Kind::NoteOn => {
                write!(f, " {note} vel 0x{:04X}", word1 >> 16)?;
                let attribute = word1 & 0xFFFF;
                // Type 0 is "no attribute", whose data should be 0: shown
                // if it is not, rather than hidden.
                if byte4 != 0 || attribute != 0 {
                    write!(f, " attr {byte4} 0x{attribute:04X}")?;
                }
                Ok(())
            }
            Midi2Kind::PolyPressure => write!(f, " {note} pressure 0x{word1:08X}"),
            Midi2Kind::ControlChange => write!(f, " cc{byte3} value 0x{word1:08X}"),
            Midi2Kind::RegisteredController | Midi2Kind::AssignableController => {
                write!(f, " bank {byte3} index {byte4} value 0x{word1:08X}")
            }
            Midi2Kind::RelativeRegisteredController | Midi2Kind::RelativeAssignableController => {
                write!(f, " bank {byte3} index {byte4} delta {}", word1 as i32)
            }
            Midi2Kind::RegisteredPerNoteController | Midi2Kind::AssignablePerNoteController => {
                write!(f, " {note} index {byte4} value 0x{word1:08X}")
            }
            Midi2Kind::ProgramChange => {
                write!(f, " program {}", word1 >> 24)?;
                match self.bank() {
                    Some((msb, lsb)) => write!(f, " bank {msb}:{lsb}"),
                    None => Ok(()),
                }
            }
            Midi2Kind::ChannelPressure => write!(f, " pressure 0x{word1:08X}"),
            Midi2Kind::PitchBend => write!(f, " 0x{word1:08X}"),
            Midi2Kind::PerNotePitchBend => write!(f, " {note} 0x{word1:08X}"),
            Midi2Kind::PerNoteManagement => {
                write!(f, " {note}")?;
                if byte4 & 2 != 0 {
                    f.write_str(" detach")?;
                }
                if byte4 & 1 != 0 {
                    f.write_str(" reset")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Midi2ChannelVoice {
    /// The description and the words:
    /// `Midi2ChannelVoice(NoteOn g1 ch1 C4 vel 0x8000 [40903C00 80000000])`.
    ///
    /// ```
    /// let note = bbx_midi::ump::Midi2ChannelVoice::note_on(0, 0, 60, 0x8000, 0, 0)?;
    /// assert_eq!(
    ///     format!("{note:?}"),
    ///     "Midi2ChannelVoice(NoteOn g1 ch1 C4 vel 0x8000 [40903C00 80000000])"
    /// );
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_view(f, "Midi2ChannelVoice", &self.0, |f| {
            fmt::Display::fmt(self, f)
        })
    }
}
