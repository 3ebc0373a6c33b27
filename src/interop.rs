//! Conversions between [`MidiMessage`] and the message types of `wmidi` and
//! `midly`, behind the cargo features of the same names (off by default).
//!
//! Both directions are `TryFrom`: [`MidiMessage::INVALID`] has no
//! counterpart (it converts to [`MidiError::Invalid`]), and System Exclusive
//! or undefined messages of the other crates have none here (they convert
//! to the error [`MidiMessage::parse`] gives for their bytes). Every short
//! message converts both ways and comes back unchanged; the conversions go
//! through the wire bytes, so the two sides cannot disagree about them.

use crate::error::MidiError;
use crate::message::MidiMessage;

/// The wire bytes of `message`, or the reason it has none.
#[cfg(any(feature = "wmidi", feature = "midly"))]
fn wire_bytes(message: &MidiMessage) -> Result<&[u8], MidiError> {
    if message.is_valid() {
        Ok(message.as_bytes())
    } else {
        Err(MidiError::Invalid)
    }
}

/// What a message too long for 3 bytes is: the other crates' only such
/// messages are System Exclusive.
#[cfg(any(feature = "wmidi", feature = "midly"))]
const TOO_LONG: MidiError = MidiError::SysEx { status: 0xF0 };

#[cfg(feature = "wmidi")]
mod with_wmidi {
    use super::{MidiError, MidiMessage, TOO_LONG, wire_bytes};

    impl TryFrom<MidiMessage> for wmidi::MidiMessage<'static> {
        type Error = MidiError;

        /// ```
        /// use bbx_midi::MidiMessage;
        ///
        /// let ours = MidiMessage::note_on(0, 60, 100)?;
        /// let theirs = wmidi::MidiMessage::try_from(ours)?;
        /// assert_eq!(
        ///     theirs,
        ///     wmidi::MidiMessage::NoteOn(wmidi::Channel::Ch1, wmidi::Note::C4, wmidi::U7::from_u8_lossy(100))
        /// );
        /// assert_eq!(MidiMessage::try_from(&theirs)?, ours);
        /// # Ok::<(), bbx_midi::MidiError>(())
        /// ```
        fn try_from(message: MidiMessage) -> Result<Self, MidiError> {
            let bytes = wire_bytes(&message)?;
            // Every short message is one wmidi reads; none borrows.
            let theirs = wmidi::MidiMessage::try_from(bytes)
                .ok()
                .and_then(wmidi::MidiMessage::drop_unowned_sysex)
                .ok_or(MidiError::Invalid)?;
            // wmidi reads a Note On with velocity 0 as a Note Off; keep the
            // wire bytes as they were, so the round trip is exact.
            Ok(match theirs {
                wmidi::MidiMessage::NoteOff(channel, note, velocity) if bytes[0] & 0xF0 == 0x90 => {
                    wmidi::MidiMessage::NoteOn(channel, note, velocity)
                }
                other => other,
            })
        }
    }

    impl TryFrom<&wmidi::MidiMessage<'_>> for MidiMessage {
        type Error = MidiError;

        fn try_from(message: &wmidi::MidiMessage<'_>) -> Result<Self, MidiError> {
            let mut bytes = [0u8; 3];
            let len = message.copy_to_slice(&mut bytes).map_err(|_| TOO_LONG)?;
            MidiMessage::parse(&bytes[..len])
        }
    }

    impl TryFrom<wmidi::MidiMessage<'_>> for MidiMessage {
        type Error = MidiError;

        fn try_from(message: wmidi::MidiMessage<'_>) -> Result<Self, MidiError> {
            MidiMessage::try_from(&message)
        }
    }
}

#[cfg(feature = "midly")]
mod with_midly {
    use midly::live::{LiveEvent, SystemCommon};

    use super::{MidiError, MidiMessage, TOO_LONG, wire_bytes};

    impl TryFrom<MidiMessage> for LiveEvent<'static> {
        type Error = MidiError;

        /// ```
        /// use bbx_midi::MidiMessage;
        /// use midly::live::LiveEvent;
        ///
        /// let ours = MidiMessage::control_change(2, 7, 100)?;
        /// let theirs = LiveEvent::try_from(ours)?;
        /// assert!(matches!(theirs, LiveEvent::Midi { .. }));
        /// assert_eq!(MidiMessage::try_from(&theirs)?, ours);
        /// # Ok::<(), bbx_midi::MidiError>(())
        /// ```
        fn try_from(message: MidiMessage) -> Result<Self, MidiError> {
            let bytes = wire_bytes(&message)?;
            let event = LiveEvent::parse(bytes).map_err(|_| MidiError::Invalid)?;
            // Rebuilt so that it borrows nothing: only SysEx and undefined
            // messages would, and a `MidiMessage` is never one.
            Ok(match event {
                LiveEvent::Midi { channel, message } => LiveEvent::Midi { channel, message },
                LiveEvent::Realtime(realtime) => LiveEvent::Realtime(realtime),
                LiveEvent::Common(common) => LiveEvent::Common(match common {
                    SystemCommon::MidiTimeCodeQuarterFrame(kind, value) => {
                        SystemCommon::MidiTimeCodeQuarterFrame(kind, value)
                    }
                    SystemCommon::SongPosition(beats) => SystemCommon::SongPosition(beats),
                    SystemCommon::SongSelect(song) => SystemCommon::SongSelect(song),
                    SystemCommon::TuneRequest => SystemCommon::TuneRequest,
                    SystemCommon::SysEx(_) | SystemCommon::Undefined(..) => {
                        return Err(MidiError::Invalid);
                    }
                }),
            })
        }
    }

    impl TryFrom<&LiveEvent<'_>> for MidiMessage {
        type Error = MidiError;

        fn try_from(event: &LiveEvent<'_>) -> Result<Self, MidiError> {
            let mut bytes = [0u8; 3];
            let mut out: &mut [u8] = &mut bytes;
            event.write(&mut out).map_err(|_| TOO_LONG)?;
            let len = 3 - out.len();
            MidiMessage::parse(&bytes[..len])
        }
    }

    impl TryFrom<LiveEvent<'_>> for MidiMessage {
        type Error = MidiError;

        fn try_from(event: LiveEvent<'_>) -> Result<Self, MidiError> {
            MidiMessage::try_from(&event)
        }
    }
}
