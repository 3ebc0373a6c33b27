//! Conversions to and from `wmidi` and `midly` (`--features wmidi,midly`).
#![cfg(any(feature = "wmidi", feature = "midly"))]

use bbx_midi::{MidiError, MidiMessage};

/// Every short message, with data values at the edges and in the middle.
fn every_short_message() -> Vec<MidiMessage> {
    let mut all = Vec::new();
    for status in 0x80..=0xFFu8 {
        for data in [[0u8, 0], [1, 0x40], [0x7F, 0x7F], [0x3C, 0], [0x55, 0x2A]] {
            let bytes = [status, data[0], data[1]];
            if let Some(message) = (1..=3).find_map(|n| MidiMessage::parse(&bytes[..n]).ok()) {
                all.push(message);
            }
        }
    }
    assert!(all.len() > 600, "{}", all.len());
    all
}

#[cfg(feature = "wmidi")]
mod with_wmidi {
    use super::*;

    #[test]
    fn every_short_message_goes_to_wmidi_and_back_unchanged() {
        for ours in every_short_message() {
            let theirs = wmidi::MidiMessage::try_from(ours).unwrap();
            let mut bytes = [0u8; 3];
            let len = theirs.copy_to_slice(&mut bytes).unwrap();
            assert_eq!(&bytes[..len], ours.as_bytes(), "{ours:?}");
            assert_eq!(MidiMessage::try_from(&theirs), Ok(ours));
            assert_eq!(MidiMessage::try_from(theirs), Ok(ours));
        }
    }

    #[test]
    fn a_note_on_with_velocity_0_stays_a_note_on() {
        let ours = MidiMessage::new([0x91, 60, 0]);
        let theirs = wmidi::MidiMessage::try_from(ours).unwrap();
        assert!(matches!(theirs, wmidi::MidiMessage::NoteOn(_, _, v) if u8::from(v) == 0));
        assert_eq!(MidiMessage::try_from(&theirs), Ok(ours));
    }

    #[test]
    fn typed_wmidi_messages_convert_to_the_same_message() {
        use wmidi::{Channel, ControlFunction, Note, U7, U14};
        let cases = [
            (
                wmidi::MidiMessage::NoteOff(Channel::Ch16, Note::A4, U7::from_u8_lossy(10)),
                MidiMessage::note_off(15, 69, 10).unwrap(),
            ),
            (
                wmidi::MidiMessage::ControlChange(
                    Channel::Ch2,
                    ControlFunction::CHANNEL_VOLUME,
                    U7::from_u8_lossy(90),
                ),
                MidiMessage::control_change(1, 7, 90).unwrap(),
            ),
            (
                wmidi::MidiMessage::PitchBendChange(Channel::Ch1, U14::try_from(8192u16).unwrap()),
                MidiMessage::pitch_bend_change(0, 8192).unwrap(),
            ),
            (wmidi::MidiMessage::TimingClock, MidiMessage::TIMING_CLOCK),
            (wmidi::MidiMessage::Reset, MidiMessage::SYSTEM_RESET),
        ];
        for (theirs, ours) in cases {
            assert_eq!(MidiMessage::try_from(&theirs), Ok(ours), "{theirs:?}");
        }
    }

    #[test]
    fn wmidi_sysex_and_reserved_messages_are_refused() {
        let data = [wmidi::U7::from_u8_lossy(1), wmidi::U7::from_u8_lossy(2)];
        assert_eq!(
            MidiMessage::try_from(&wmidi::MidiMessage::SysEx(&data)),
            Err(MidiError::SysEx { status: 0xF0 })
        );
        assert_eq!(
            MidiMessage::try_from(&wmidi::MidiMessage::SysEx(&[])),
            Err(MidiError::SysEx { status: 0xF0 })
        );
        assert_eq!(
            MidiMessage::try_from(&wmidi::MidiMessage::Reserved(0xF4)),
            Err(MidiError::UndefinedStatus { status: 0xF4 })
        );
    }

    #[test]
    fn invalid_has_no_wmidi_counterpart() {
        assert_eq!(
            wmidi::MidiMessage::try_from(MidiMessage::INVALID),
            Err(MidiError::Invalid)
        );
    }
}

#[cfg(feature = "midly")]
mod with_midly {
    use midly::live::{LiveEvent, SystemCommon, SystemRealtime};
    use midly::num::{u4, u7};

    use super::*;

    #[test]
    fn every_short_message_goes_to_midly_and_back_unchanged() {
        for ours in every_short_message() {
            let theirs = LiveEvent::try_from(ours).unwrap();
            let mut bytes = [0u8; 3];
            let mut out: &mut [u8] = &mut bytes;
            theirs.write(&mut out).unwrap();
            let len = 3 - out.len();
            assert_eq!(&bytes[..len], ours.as_bytes(), "{ours:?}");
            assert_eq!(MidiMessage::try_from(&theirs), Ok(ours));
            assert_eq!(MidiMessage::try_from(theirs), Ok(ours));
        }
    }

    #[test]
    fn typed_midly_events_convert_to_the_same_message() {
        let cases = [
            (
                LiveEvent::Midi {
                    channel: u4::new(3),
                    message: midly::MidiMessage::NoteOn {
                        key: u7::new(60),
                        vel: u7::new(0),
                    },
                },
                MidiMessage::new([0x93, 60, 0]),
            ),
            (
                LiveEvent::Midi {
                    channel: u4::new(0),
                    message: midly::MidiMessage::ProgramChange {
                        program: u7::new(9),
                    },
                },
                MidiMessage::program_change(0, 9).unwrap(),
            ),
            (
                LiveEvent::Realtime(SystemRealtime::Start),
                MidiMessage::START,
            ),
            (
                LiveEvent::Common(SystemCommon::SongSelect(u7::new(4))),
                MidiMessage::song_select(4).unwrap(),
            ),
        ];
        for (theirs, ours) in cases {
            assert_eq!(MidiMessage::try_from(&theirs), Ok(ours), "{theirs:?}");
        }
    }

    #[test]
    fn midly_sysex_and_undefined_events_are_refused() {
        let data = [u7::new(1), u7::new(2), u7::new(3)];
        assert_eq!(
            MidiMessage::try_from(&LiveEvent::Common(SystemCommon::SysEx(&data))),
            Err(MidiError::SysEx { status: 0xF0 })
        );
        assert_eq!(
            MidiMessage::try_from(&LiveEvent::Common(SystemCommon::Undefined(0xF5, &[]))),
            Err(MidiError::UndefinedStatus { status: 0xF5 })
        );
    }

    #[test]
    fn invalid_has_no_midly_counterpart() {
        assert_eq!(
            LiveEvent::try_from(MidiMessage::INVALID),
            Err(MidiError::Invalid)
        );
    }
}
