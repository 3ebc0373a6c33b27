//! The default translation between the MIDI 1.0 protocol in UMP (message
//! type 2) and the MIDI 2.0 protocol (message type 4), both ways.
//!
//! The rules are the specification's default translation (M2-104-UM v1.1,
//! Appendix D: D.3 for MIDI 1.0 to 2.0, D.2 for 2.0 to 1.0) where it gives
//! one. Where it gives none, or where this crate had no copy of its text to
//! check a detail against, the rule is marked *bbx_midi* in the tables
//! below and explained next to the code.

use super::channel_voice2::{Midi2ChannelVoice, Midi2Kind};
use super::packet::Ump;
use super::views::Midi1ChannelVoice;
use super::{up_7_to_16, up_7_to_32, up_14_to_32};
use crate::message::MidiMessage;

/// What a translator dropped or could not translate, by reason. Counters
/// saturate. Nothing is ever translated into something else: what has no
/// form on the other side is dropped and counted here.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TranslationStats {
    /// MIDI 2.0 registered and assignable per-note controllers: no MIDI
    /// 1.0 form.
    pub per_note_controllers: u64,
    /// MIDI 2.0 per-note pitch bends: no MIDI 1.0 form.
    pub per_note_pitch_bends: u64,
    /// MIDI 2.0 per-note management messages: no MIDI 1.0 form.
    pub per_note_management: u64,
    /// MIDI 2.0 note attributes (a Note On or Off with an attribute type or
    /// attribute data other than 0): the note is translated, the attribute
    /// dropped.
    pub note_attributes: u64,
    /// MIDI 2.0 relative controllers whose change is not one step of the
    /// 14-bit MIDI 1.0 value (Data Increment or Decrement).
    pub relative_controllers: u64,
    /// MIDI 1.0 Data Entry, Increment or Decrement with no RPN or NRPN
    /// selected (or the null RPN 127/127), or a Data Entry LSB with no MSB
    /// for the selected parameter.
    pub data_entry_without_parameter: u64,
    /// MIDI 2.0 Control Change messages with index 0, 32 (Bank Select),
    /// 6, 38 (Data Entry), 96, 97 (Data Increment, Decrement) or 98–101
    /// (parameter numbers). The MIDI 2.0 protocol carries banks in Program
    /// Change and parameters in the registered and assignable controllers;
    /// sent to MIDI 1.0 as they are, these would change the bank or
    /// parameter the MIDI 1.0 side has selected, so they are dropped (as
    /// JUCE's default translation drops 0, 6, 32, 38 and 98–101).
    pub parameter_controllers: u64,
    /// Packets of the translated message type that its view refuses
    /// (reserved opcodes, reserved bits set, invalid data bytes).
    pub invalid: u64,
    /// Packets of message types with no MIDI 1.0 form at all (SysEx8,
    /// mixed data sets, utility, flex data, UMP stream, reserved types),
    /// dropped by a [`MidiStream`](crate::MidiStream) of the MIDI 1.0
    /// protocol.
    pub no_midi1_form: u64,
}

fn count(counter: &mut u64) {
    *counter = counter.saturating_add(1);
}

/// One channel's translator state, the value that waits and the counters,
/// as they were: see [`Midi1ToMidi2::save`].
#[derive(Copy, Clone, Debug)]
pub(crate) struct Saved {
    group: u8,
    channel: u8,
    state: ChannelState,
    pending: Option<Pending>,
    stats: TranslationStats,
}

/// A Data Entry MSB (CC 6) received and not yet sent: the translator waits
/// for its LSB (CC 38), which must be the very next packet to join it.
#[derive(Copy, Clone, Debug)]
struct Pending {
    group: u8,
    channel: u8,
    msb: u8,
}

/// Which parameter Data Entry changes on one channel.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum Parameter {
    /// None selected, or the null RPN.
    #[default]
    None,
    /// A registered parameter (RPN): CC 101 (MSB) and CC 100 (LSB); each
    /// half `None` until received since the parameter was selected.
    Registered(Option<u8>, Option<u8>),
    /// A non-registered (assignable) parameter (NRPN): CC 99 and CC 98.
    Assignable(Option<u8>, Option<u8>),
}

impl Parameter {
    /// `(assignable, bank, index)` when both halves of the number are known.
    fn number(self) -> Option<(bool, u8, u8)> {
        match self {
            Parameter::Registered(Some(msb), Some(lsb)) => Some((false, msb, lsb)),
            Parameter::Assignable(Some(msb), Some(lsb)) => Some((true, msb, lsb)),
            _ => None,
        }
    }
}

/// What the MIDI 1.0 to 2.0 translator remembers of one channel of one
/// group.
#[derive(Copy, Clone, Debug, Default)]
struct ChannelState {
    /// The last Bank Select MSB (CC 0), 0 until one comes: a MIDI 1.0
    /// receiver keeps each half until it is sent again.
    bank_msb: u8,
    /// The last Bank Select LSB (CC 32), likewise.
    bank_lsb: u8,
    /// A Bank Select (either half) came since the last Program Change:
    /// the next one carries the bank.
    bank_selected: bool,
    /// The parameter Data Entry applies to.
    parameter: Parameter,
    /// The last Data Entry MSB for the selected parameter, sent or not,
    /// which a later Data Entry LSB completes.
    last_msb: Option<u8>,
}

/// The MIDI 1.0 protocol in UMP (message type 2) to the MIDI 2.0 protocol
/// (message type 4), by the specification's default translation.
///
/// Feed it packets with [`push`](Self::push); it calls the closure with
/// each packet that results, in order (zero, one or two per packet).
/// Packets of other message types pass through unchanged. It keeps a small
/// state for each of the 16 channels of each of the 16 groups (under
/// 3.5 KB, inline), never allocates, never panics.
///
/// | MIDI 1.0 | MIDI 2.0 | rule |
/// |---|---|---|
/// | Note On, Note Off | the same, velocity 7 → 16 bits ([`scale_up`](super::scale_up)), no attribute | specification |
/// | Note On with velocity 0 | Note Off | specification |
/// | … its velocity | 0 (the scaled 0) | *bbx_midi* |
/// | Poly Pressure, Channel Pressure, Control Change | the same, value 7 → 32 bits | specification |
/// | Pitch Bend | the same, 14 → 32 bits | specification |
/// | CC 0, CC 32 (Bank Select) then Program Change | Program Change with the bank (Bank Valid set) | specification |
/// | … each half | kept per group and channel until the next CC 0 or CC 32 (not cleared by the Program Change, nor by CC 121), as a MIDI 1.0 receiver keeps it | MIDI 1.0 |
/// | … a half never received | sent as 0 (CC 0 alone then a Program Change: bank MSB/0) | *bbx_midi*, as Linux |
/// | Program Change with no Bank Select since the last one (or ever) | Program Change, Bank Valid clear: the receiver keeps its bank, the one the last Bank Select named if any | specification (Bank Valid); *bbx_midi*: the bank is not repeated |
/// | CC 101/100 (RPN) or 99/98 (NRPN), CC 6, CC 38 | Registered or Assignable Controller, 14 → 32 bits | specification |
/// | RPN 127/127 (null), then Data Entry | nothing (counted) | MIDI 1.0: the null RPN deselects |
/// | CC 101/100 or 99/98, CC 96 or 97 | Relative Registered or Assignable Controller, ± one 14-bit step | *bbx_midi*: the specification gives no rule |
/// | CC 121 (Reset All Controllers) | CC 121; the (N)RPN is deselected | MIDI 1.0 RP-015 |
///
/// When a (N)RPN value is sent follows the specification: a Data Entry
/// MSB (CC 6) waits for its LSB; the Registered or Assignable Controller is
/// sent when the LSB (CC 38) arrives, when another CC 6 arrives (the
/// waiting MSB is sent with LSB 0), or when CC 98–101 select another
/// parameter (likewise). Nothing overtakes a waiting MSB: any packet but
/// its LSB, on any group or channel, of any message type, sends it first
/// (with LSB 0), so the packets come out in the order their messages came
/// in (*bbx_midi*: see [`push`](Self::push)). A lone CC 6 therefore waits
/// only until the next packet: call [`flush`](Self::flush) when the input
/// falls silent (at the end of each MIDI callback, say) to send it.
///
/// At most one value waits, so [`flush`](Self::flush) costs the same
/// whatever the number of channels in use.
///
/// ```
/// use bbx_midi::MidiMessage;
/// use bbx_midi::ump::{Midi1ChannelVoice, Midi1ToMidi2, Midi2ChannelVoice, Ump};
///
/// let mut translator = Midi1ToMidi2::new();
/// let mut out = Vec::new();
/// // Pitch bend sensitivity: RPN 0/0 = 2 semitones, 0 cents.
/// for (cc, value) in [(101, 0), (100, 0), (6, 2), (38, 0)] {
///     let message = MidiMessage::control_change(0, cc, value)?;
///     translator.push(Midi1ChannelVoice::new(0, message)?.packet(), |p| out.push(p));
/// }
/// let expected = Midi2ChannelVoice::registered_controller(0, 0, 0, 0, 0x0400_0000)?;
/// assert_eq!(out, [expected.packet()]);
///
/// // Bank MSB 1, program 10; bank LSB 5, program 11; program 12. The
/// // halves are kept: the second program is on bank 1/5, and the third,
/// // with no Bank Select before it, leaves the bank as it is.
/// out.clear();
/// for message in [
///     MidiMessage::control_change(0, 0, 1)?,
///     MidiMessage::program_change(0, 10)?,
///     MidiMessage::control_change(0, 32, 5)?,
///     MidiMessage::program_change(0, 11)?,
///     MidiMessage::program_change(0, 12)?,
/// ] {
///     translator.push(Midi1ChannelVoice::new(0, message)?.packet(), |p| out.push(p));
/// }
/// let expected = [
///     Midi2ChannelVoice::program_change(0, 0, 10, Some((1, 0)))?.packet(),
///     Midi2ChannelVoice::program_change(0, 0, 11, Some((1, 5)))?.packet(),
///     Midi2ChannelVoice::program_change(0, 0, 12, None)?.packet(),
/// ];
/// assert_eq!(out, expected);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Midi1ToMidi2 {
    /// Indexed `[group][channel]`.
    channels: [[ChannelState; 16]; 16],
    /// The one Data Entry MSB that may wait: every packet but its LSB
    /// sends it first.
    pending: Option<Pending>,
    stats: TranslationStats,
}

impl Default for Midi1ToMidi2 {
    fn default() -> Self {
        Self::new()
    }
}

/// One 14-bit step, in the 32-bit resolution of the MIDI 2.0 controllers:
/// what one Data Increment or Decrement changes.
const STEP: i32 = 1 << 18;

impl Midi1ToMidi2 {
    /// A translator with no Bank Select and no parameter selected on any
    /// channel.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Midi1ToMidi2::new().stats(), Default::default());
    /// ```
    pub fn new() -> Self {
        Self {
            channels: [[ChannelState::default(); 16]; 16],
            pending: None,
            stats: TranslationStats::default(),
        }
    }

    /// What has been dropped since the translator was made or reset.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::{Midi1ChannelVoice, Midi1ToMidi2};
    ///
    /// let mut up = Midi1ToMidi2::new();
    /// let lone_data_entry = Midi1ChannelVoice::new(0, MidiMessage::control_change(0, 6, 1)?)?;
    /// up.push(lone_data_entry.packet(), |_| unreachable!());
    /// assert_eq!(up.stats().data_entry_without_parameter, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stats(&self) -> TranslationStats {
        self.stats
    }

    /// Forgets every channel's state (what waits is dropped, not sent) and
    /// the counters.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::{Midi1ChannelVoice, Midi1ToMidi2};
    ///
    /// let mut up = Midi1ToMidi2::new();
    /// let bank = Midi1ChannelVoice::new(0, MidiMessage::control_change(0, 0, 1)?)?;
    /// up.push(bank.packet(), |_| {});
    /// up.reset();
    /// let mut out = Vec::new();
    /// up.push(Midi1ChannelVoice::new(0, MidiMessage::program_change(0, 1)?)?.packet(), |p| out.push(p));
    /// assert_eq!(out[0].words()[0] & 1, 0, "no bank after reset");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Translates one packet, calling `out` with each packet that results.
    ///
    /// A Data Entry MSB that waits for its LSB goes out before anything
    /// this packet gives, unless this packet is that LSB (CC 38 on the same
    /// group and channel), which joins it. That holds for packets of every
    /// group, channel and message type, those passed through included: a
    /// MIDI 1.0 receiver applies the value as soon as the MSB arrives (with
    /// LSB 0), before what follows, and a translation must not reorder. A
    /// CC 6 followed by something else before its CC 38 therefore gives
    /// two values, the MSB's with LSB 0 and then the full one, as the MIDI
    /// 1.0 receiver would have had.
    ///
    /// Never allocates, never panics.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::{Midi1ChannelVoice, Midi1ToMidi2, Midi2ChannelVoice};
    ///
    /// let mut translator = Midi1ToMidi2::new();
    /// let mut out = Vec::new();
    /// let note_on_zero = Midi1ChannelVoice::new(0, MidiMessage::note_on(0, 60, 0)?)?;
    /// translator.push(note_on_zero.packet(), |p| out.push(p));
    /// assert_eq!(out, [Midi2ChannelVoice::note_off(0, 0, 60, 0, 0, 0)?.packet()]);
    ///
    /// // Pitch bend range 12 by CC 6 alone, then a bend on another
    /// // channel: the range goes out first.
    /// out.clear();
    /// for message in [
    ///     MidiMessage::control_change(0, 101, 0)?,
    ///     MidiMessage::control_change(0, 100, 0)?,
    ///     MidiMessage::control_change(0, 6, 12)?,
    ///     MidiMessage::pitch_bend_change(1, 0x2000)?,
    /// ] {
    ///     translator.push(Midi1ChannelVoice::new(0, message)?.packet(), |p| out.push(p));
    /// }
    /// assert_eq!(
    ///     out,
    ///     [
    ///         Midi2ChannelVoice::registered_controller(0, 0, 0, 0, 12 << 25)?.packet(),
    ///         Midi2ChannelVoice::pitch_bend(0, 1, 0x8000_0000)?.packet(),
    ///     ]
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(&mut self, packet: Ump, mut out: impl FnMut(Ump)) {
        let view = Midi1ChannelVoice::try_from(packet);
        if let Some(pending) = self.pending {
            let joins = view.as_ref().is_ok_and(|v| {
                v.group() == pending.group
                    && matches!(
                        *v.message().as_bytes(),
                        [status, 38, _] if status == 0xB0 | pending.channel
                    )
            });
            if !joins {
                self.flush(&mut out);
            }
        }
        if packet.message_type() != 0x2 {
            out(packet);
            return;
        }
        let Ok(view) = view else {
            count(&mut self.stats.invalid);
            return;
        };
        let group = view.group();
        let message = view.message();
        let [status, data1, data2] = match *message.as_bytes() {
            [status, data1, data2] => [status, data1, data2],
            [status, data1] => [status, data1, 0],
            _ => return,
        };
        let channel = status & 0x0F;
        let mut emit = |m: Result<Midi2ChannelVoice, _>| {
            if let Ok(m) = m {
                out(m.packet());
            }
        };
        match status & 0xF0 {
            0x80 => emit(Midi2ChannelVoice::note_off(
                group,
                channel,
                data1,
                up_7_to_16(data2),
                0,
                0,
            )),
            // Note On with velocity 0 is a Note Off in MIDI 1.0, not in
            // MIDI 2.0: translated to Note Off (specification, translation
            // appendix).
            0x90 if data2 == 0 => emit(Midi2ChannelVoice::note_off(group, channel, data1, 0, 0, 0)),
            0x90 => emit(Midi2ChannelVoice::note_on(
                group,
                channel,
                data1,
                up_7_to_16(data2),
                0,
                0,
            )),
            0xA0 => emit(Midi2ChannelVoice::poly_pressure(
                group,
                channel,
                data1,
                up_7_to_32(data2),
            )),
            0xB0 => self.control_change(group, channel, data1, data2, &mut emit),
            0xC0 => {
                let state = &mut self.channels[usize::from(group)][usize::from(channel)];
                // Both halves stay for later Program Changes (a MIDI 1.0
                // receiver keeps them); the bank is sent only with the
                // first Program Change after a Bank Select. The ones after
                // it have Bank Valid clear, which tells a MIDI 2.0 receiver
                // to keep its bank: the same one, and the same message the
                // MIDI 1.0 input was.
                let bank = state
                    .bank_selected
                    .then_some((state.bank_msb, state.bank_lsb));
                state.bank_selected = false;
                emit(Midi2ChannelVoice::program_change(
                    group, channel, data1, bank,
                ));
            }
            0xD0 => emit(Midi2ChannelVoice::channel_pressure(
                group,
                channel,
                up_7_to_32(data1),
            )),
            _ => emit(Midi2ChannelVoice::pitch_bend(
                group,
                channel,
                up_14_to_32(u16::from(data1) | u16::from(data2) << 7),
            )),
        }
    }

    /// A MIDI 1.0 Control Change: Bank Select and the (N)RPN controllers
    /// change the channel's state, the others translate one to one.
    fn control_change(
        &mut self,
        group: u8,
        channel: u8,
        controller: u8,
        value: u8,
        emit: &mut impl FnMut(Result<Midi2ChannelVoice, super::UmpError>),
    ) {
        // What waits was sent before this message, unless this is the CC
        // 38 that completes it (see `push`).
        let stats = &mut self.stats;
        let pending = &mut self.pending;
        let state = &mut self.channels[usize::from(group)][usize::from(channel)];
        match controller {
            0 => {
                state.bank_msb = value;
                state.bank_selected = true;
            }
            32 => {
                state.bank_lsb = value;
                state.bank_selected = true;
            }
            98..=101 => {
                state.last_msb = None;
                state.parameter = match (controller, state.parameter) {
                    (101, Parameter::Registered(_, lsb)) => Parameter::Registered(Some(value), lsb),
                    (101, _) => Parameter::Registered(Some(value), None),
                    (100, Parameter::Registered(msb, _)) => Parameter::Registered(msb, Some(value)),
                    (100, _) => Parameter::Registered(None, Some(value)),
                    (99, Parameter::Assignable(_, lsb)) => Parameter::Assignable(Some(value), lsb),
                    (99, _) => Parameter::Assignable(Some(value), None),
                    (_, Parameter::Assignable(msb, _)) => Parameter::Assignable(msb, Some(value)),
                    (_, _) => Parameter::Assignable(None, Some(value)),
                };
                // RPN 127/127, the null parameter, deselects (MIDI 1.0).
                if state.parameter == Parameter::Registered(Some(127), Some(127)) {
                    state.parameter = Parameter::None;
                }
            }
            6 | 38 | 96 | 97 if state.parameter.number().is_none() => {
                count(&mut stats.data_entry_without_parameter);
            }
            6 => {
                *pending = Some(Pending {
                    group,
                    channel,
                    msb: value,
                });
                state.last_msb = Some(value);
            }
            38 => match state.last_msb {
                Some(msb) => {
                    *pending = None;
                    send_value(state, group, channel, msb, value, emit);
                }
                None => count(&mut stats.data_entry_without_parameter),
            },
            // Data Increment (96) and Decrement (97): the specification
            // gives no rule; here each is one step of the 14-bit value, as
            // a relative controller. The data byte carries nothing (MIDI
            // 1.0) and is not kept.
            96 | 97 => {
                if let Some((assignable, bank, index)) = state.parameter.number() {
                    let delta = if controller == 96 { STEP } else { -STEP };
                    emit(if assignable {
                        Midi2ChannelVoice::relative_assignable_controller(
                            group, channel, bank, index, delta,
                        )
                    } else {
                        Midi2ChannelVoice::relative_registered_controller(
                            group, channel, bank, index, delta,
                        )
                    });
                }
            }
            _ => {
                // Reset All Controllers resets the parameter to null (MIDI
                // 1.0, RP-015).
                if controller == 121 {
                    state.parameter = Parameter::None;
                    state.last_msb = None;
                }
                emit(Midi2ChannelVoice::control_change(
                    group,
                    channel,
                    controller,
                    up_7_to_32(value),
                ));
            }
        }
    }

    /// What [`push`](Self::push) of a packet on `group`/`channel` (and
    /// [`flush`](Self::flush) after it) can change, so that a caller that
    /// cannot take the result (a full ring) can put it back with
    /// [`restore`](Self::restore): that channel's state, the value that
    /// waits (sending one on another channel changes nothing else there)
    /// and the counters.
    pub(crate) fn save(&self, group: u8, channel: u8) -> Saved {
        Saved {
            group: group & 0x0F,
            channel: channel & 0x0F,
            state: self.channels[usize::from(group & 0x0F)][usize::from(channel & 0x0F)],
            pending: self.pending,
            stats: self.stats,
        }
    }

    /// Puts back what [`save`](Self::save) kept.
    pub(crate) fn restore(&mut self, saved: Saved) {
        self.channels[usize::from(saved.group)][usize::from(saved.channel)] = saved.state;
        self.pending = saved.pending;
        self.stats = saved.stats;
    }

    /// Sends the Data Entry MSB that waits for its LSB, if any, as if the
    /// LSB were 0.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::{Midi1ChannelVoice, Midi1ToMidi2, Midi2ChannelVoice};
    ///
    /// let mut translator = Midi1ToMidi2::new();
    /// let mut out = Vec::new();
    /// for (cc, value) in [(99, 1), (98, 2), (6, 64)] {
    ///     let packet = Midi1ChannelVoice::new(0, MidiMessage::control_change(0, cc, value)?)?;
    ///     translator.push(packet.packet(), |p| out.push(p));
    /// }
    /// assert!(out.is_empty());
    /// translator.flush(|p| out.push(p));
    /// let expected = Midi2ChannelVoice::assignable_controller(0, 0, 1, 2, 0x8000_0000)?;
    /// assert_eq!(out, [expected.packet()]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn flush(&mut self, mut out: impl FnMut(Ump)) {
        let Some(Pending {
            group,
            channel,
            msb,
        }) = self.pending.take()
        else {
            return;
        };
        // The parameter is the one the MSB was for: selecting another is
        // a packet, which sent the MSB first.
        let state = &self.channels[usize::from(group)][usize::from(channel)];
        send_value(state, group, channel, msb, 0, &mut |m| {
            if let Ok(m) = m {
                out(m.packet());
            }
        });
    }
}

/// Sends the selected parameter's 14-bit value `msb`/`lsb`, scaled to 32
/// bits.
fn send_value(
    state: &ChannelState,
    group: u8,
    channel: u8,
    msb: u8,
    lsb: u8,
    emit: &mut impl FnMut(Result<Midi2ChannelVoice, super::UmpError>),
) {
    let Some((assignable, bank, index)) = state.parameter.number() else {
        return;
    };
    let value = up_14_to_32(u16::from(msb) << 7 | u16::from(lsb));
    emit(if assignable {
        Midi2ChannelVoice::assignable_controller(group, channel, bank, index, value)
    } else {
        Midi2ChannelVoice::registered_controller(group, channel, bank, index, value)
    });
}

/// The MIDI 2.0 protocol (message type 4) to the MIDI 1.0 protocol in UMP
/// (message type 2), by the specification's default translation.
///
/// Feed it packets with [`push`](Self::push); it calls the closure with
/// each packet that results, in order (zero to four per packet). Packets of
/// other message types pass through unchanged. Stateless apart from its
/// counters; never allocates, never panics.
///
/// | MIDI 2.0 | MIDI 1.0 | rule |
/// |---|---|---|
/// | Note On, Note Off | the same, velocity 16 → 7 bits by shifting ([`scale_down`](super::scale_down)) | specification |
/// | Note On whose velocity becomes 0 | Note On with velocity 1 (a MIDI 1.0 velocity of 0 would mean Note Off) | specification |
/// | Poly Pressure, Channel Pressure, Control Change | the same, 32 → 7 bits | specification |
/// | Pitch Bend | the same, 32 → 14 bits | specification |
/// | Program Change with Bank Valid | CC 0 (bank MSB), CC 32 (bank LSB), Program Change | specification |
/// | Program Change without | Program Change | specification |
/// | Registered (Assignable) Controller | CC 101 (99), CC 100 (98), CC 6, CC 38: the value 32 → 14 bits, every time | specification |
/// | Relative controller of ± one 14-bit step (`1 << 18`) | CC 101/100 (99/98), then CC 96 or 97 with data 0 | *bbx_midi* |
/// | other relative changes | dropped, counted in [`TranslationStats`] | *bbx_midi* |
/// | per-note controllers, per-note pitch bend, per-note management | dropped, counted | specification: no MIDI 1.0 form |
/// | note attributes | dropped (the note is translated), counted | specification: no MIDI 1.0 form |
/// | Control Change 0, 6, 32, 38, 96–101 (their jobs are done by the messages above) | dropped, counted | *bbx_midi*, as JUCE does for 0, 6, 32, 38, 98–101 |
///
/// ```
/// use bbx_midi::MidiMessage;
/// use bbx_midi::ump::{Midi1ChannelVoice, Midi2ChannelVoice, Midi2ToMidi1};
///
/// let mut translator = Midi2ToMidi1::new();
/// let mut out = Vec::new();
/// let quiet = Midi2ChannelVoice::note_on(0, 0, 60, 0x0100, 0, 0)?;
/// translator.push(quiet.packet(), |p| out.push(p));
/// assert_eq!(out, [Midi1ChannelVoice::new(0, MidiMessage::note_on(0, 60, 1)?)?.packet()]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Midi2ToMidi1 {
    stats: TranslationStats,
}

impl Midi2ToMidi1 {
    /// A translator.
    ///
    /// ```
    /// assert_eq!(bbx_midi::ump::Midi2ToMidi1::new().stats(), Default::default());
    /// ```
    pub const fn new() -> Self {
        Self {
            stats: TranslationStats {
                per_note_controllers: 0,
                per_note_pitch_bends: 0,
                per_note_management: 0,
                note_attributes: 0,
                relative_controllers: 0,
                data_entry_without_parameter: 0,
                parameter_controllers: 0,
                invalid: 0,
                no_midi1_form: 0,
            },
        }
    }

    /// What has been dropped since the translator was made or reset.
    ///
    /// ```
    /// use bbx_midi::ump::{Midi2ChannelVoice, Midi2ToMidi1};
    ///
    /// let mut down = Midi2ToMidi1::new();
    /// down.push(Midi2ChannelVoice::per_note_management(0, 0, 60, true, true)?.packet(), |_| unreachable!());
    /// assert_eq!(down.stats().per_note_management, 1);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub fn stats(&self) -> TranslationStats {
        self.stats
    }

    /// Puts the counters back, for a caller that could not take what
    /// [`push`](Self::push) gave it.
    pub(crate) fn set_stats(&mut self, stats: TranslationStats) {
        self.stats = stats;
    }

    /// Clears the counters.
    ///
    /// ```
    /// use bbx_midi::ump::{Midi2ChannelVoice, Midi2ToMidi1};
    ///
    /// let mut down = Midi2ToMidi1::new();
    /// down.push(Midi2ChannelVoice::per_note_pitch_bend(0, 0, 60, 0)?.packet(), |_| {});
    /// down.reset();
    /// assert_eq!(down.stats(), Default::default());
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Translates one packet, calling `out` with each packet that results.
    ///
    /// Never allocates, never panics.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::{Midi1ChannelVoice, Midi2ChannelVoice, Midi2ToMidi1};
    ///
    /// let mut translator = Midi2ToMidi1::new();
    /// let mut out = Vec::new();
    /// let pc = Midi2ChannelVoice::program_change(0, 0, 5, Some((1, 2)))?;
    /// translator.push(pc.packet(), |p| out.push(p));
    /// let expected: Vec<_> = [
    ///     MidiMessage::control_change(0, 0, 1)?,
    ///     MidiMessage::control_change(0, 32, 2)?,
    ///     MidiMessage::program_change(0, 5)?,
    /// ]
    /// .into_iter()
    /// .map(|m| Midi1ChannelVoice::new(0, m).unwrap().packet())
    /// .collect();
    /// assert_eq!(out, expected);
    ///
    /// let per_note = Midi2ChannelVoice::per_note_pitch_bend(0, 0, 60, 0)?;
    /// translator.push(per_note.packet(), |p| out.push(p));
    /// assert_eq!((out.len(), translator.stats().per_note_pitch_bends), (3, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(&mut self, packet: Ump, mut out: impl FnMut(Ump)) {
        if packet.message_type() != 0x4 {
            out(packet);
            return;
        }
        let Ok(m) = Midi2ChannelVoice::try_from(packet) else {
            count(&mut self.stats.invalid);
            return;
        };
        let (group, channel) = (m.group(), m.channel());
        let mut emit = |status: u8, data1: u8, data2: u8| {
            let len = if matches!(status, 0xC0 | 0xD0) { 2 } else { 3 };
            let message = MidiMessage::from_valid(status | channel, data1, data2, len);
            if let Ok(view) = Midi1ChannelVoice::new(group, message) {
                out(view.packet());
            }
        };
        let note = m.note().unwrap_or(0);
        let value = m.value().unwrap_or(0);
        let seven = (value >> 25) as u8;
        match m.kind() {
            Midi2Kind::NoteOff | Midi2Kind::NoteOn => {
                if m.attribute_type() != Some(0) || m.attribute() != Some(0) {
                    count(&mut self.stats.note_attributes);
                }
                let velocity = (m.velocity().unwrap_or(0) >> 9) as u8;
                if m.kind() == Midi2Kind::NoteOff {
                    emit(0x80, note, velocity);
                } else {
                    emit(0x90, note, velocity.max(1));
                }
            }
            Midi2Kind::PolyPressure => emit(0xA0, note, seven),
            Midi2Kind::ControlChange => match m.index().unwrap_or(0) {
                0 | 6 | 32 | 38 | 96..=101 => count(&mut self.stats.parameter_controllers),
                index => emit(0xB0, index, seven),
            },
            Midi2Kind::ChannelPressure => emit(0xD0, seven, 0),
            Midi2Kind::PitchBend => {
                let fourteen = value >> 18;
                emit(0xE0, (fourteen & 0x7F) as u8, (fourteen >> 7) as u8);
            }
            Midi2Kind::ProgramChange => {
                if let Some((msb, lsb)) = m.bank() {
                    emit(0xB0, 0, msb);
                    emit(0xB0, 32, lsb);
                }
                emit(0xC0, m.program().unwrap_or(0), 0);
            }
            Midi2Kind::RegisteredController | Midi2Kind::AssignableController => {
                let (bank, index) = m.controller().unwrap_or((0, 0));
                let (msb_cc, lsb_cc) = parameter_ccs(m.kind());
                let fourteen = value >> 18;
                emit(0xB0, msb_cc, bank);
                emit(0xB0, lsb_cc, index);
                emit(0xB0, 6, (fourteen >> 7) as u8);
                emit(0xB0, 38, (fourteen & 0x7F) as u8);
            }
            Midi2Kind::RelativeRegisteredController | Midi2Kind::RelativeAssignableController => {
                let controller = match m.delta() {
                    Some(STEP) => 96,
                    Some(delta) if delta == -STEP => 97,
                    _ => {
                        count(&mut self.stats.relative_controllers);
                        return;
                    }
                };
                let (bank, index) = m.controller().unwrap_or((0, 0));
                let (msb_cc, lsb_cc) = parameter_ccs(m.kind());
                emit(0xB0, msb_cc, bank);
                emit(0xB0, lsb_cc, index);
                emit(0xB0, controller, 0);
            }
            Midi2Kind::RegisteredPerNoteController | Midi2Kind::AssignablePerNoteController => {
                count(&mut self.stats.per_note_controllers);
            }
            Midi2Kind::PerNotePitchBend => count(&mut self.stats.per_note_pitch_bends),
            Midi2Kind::PerNoteManagement => count(&mut self.stats.per_note_management),
        }
    }
}

/// The MIDI 1.0 parameter number controllers `(msb, lsb)` for a
/// registered (101, 100) or assignable (99, 98) controller.
fn parameter_ccs(kind: Midi2Kind) -> (u8, u8) {
    match kind {
        Midi2Kind::RegisteredController | Midi2Kind::RelativeRegisteredController => (101, 100),
        _ => (99, 98),
    }
}
