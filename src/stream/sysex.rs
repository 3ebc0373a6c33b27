//! SysEx staging: the pieces of a SysEx are gathered in the byte ring,
//! unseen by the audio thread, and published whole with the entry that
//! announces them; a SysEx that cannot arrive whole is lost.

use crate::error::{MidiError, SendError};
use crate::message::MidiMessage;
use crate::spsc::Producer;
use crate::ump::SysExStatus;

use super::builder::Protocol;
use super::entry::{Entry, TAG_SYSEX, TAG_SYSEX7, TAG_SYSEX8};
use super::source::StreamSource;

/// The real-time status bytes MIDI 1.0 defines (`0xF9` and `0xFD` are
/// undefined).
#[inline]
pub(super) fn is_real_time(byte: u8) -> bool {
    matches!(byte, 0xF8 | 0xFA..=0xFC | 0xFE | 0xFF)
}

/// The entries a 32-bit system packet takes: a head and one pair of words.
const SYSTEM_PACKET_ENTRIES: usize = 2;

/// Where a source is in a System Exclusive message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Assembly {
    /// Not in a SysEx.
    Idle,
    /// Gathering a SysEx: its bytes so far are staged in the byte ring.
    Assembling,
    /// The SysEx under way was lost; its remaining pieces are discarded.
    Discarding,
}

/// What bytes handed to a source are.
pub(super) enum Input<'a> {
    Message(MidiMessage),
    /// A SysEx or a piece of one: `body` holds its data bytes and any
    /// real-time bytes among them, without `0xF0` and `0xF7`.
    SysEx {
        start: bool,
        body: &'a [u8],
        end: bool,
    },
}

/// Reads `bytes` as one short message, one whole SysEx, or (when a SysEx
/// is under way) the next piece of one.
pub(super) fn classify(bytes: &[u8], in_sysex: bool) -> Result<Input<'_>, MidiError> {
    let Some((&first, rest)) = bytes.split_first() else {
        return Err(MidiError::Empty);
    };
    let (start, body) = if first == 0xF0 {
        (true, rest)
    } else if in_sysex
        && (first < 0x80 || first == 0xF7 || (is_real_time(first) && !rest.is_empty()))
    {
        (false, bytes)
    } else {
        return MidiMessage::parse(bytes).map(Input::Message);
    };
    let offset = usize::from(start);
    // The first byte that is neither data nor real-time: the `0xF7` that
    // ends the SysEx if it is the last byte, else what breaks it.
    let (body, end) = match body.iter().position(|&b| b >= 0x80 && !is_real_time(b)) {
        None => (body, false),
        Some(i) if body[i] == 0xF7 && i + 1 == body.len() => (&body[..i], true),
        // A whole SysEx, or its last piece, and then more: one call takes
        // one message, and the `0xF7` is right where it is.
        Some(i) if body[i] == 0xF7 => {
            return Err(MidiError::TrailingBytes {
                status: 0xF0,
                expected: offset + i + 1,
                found: bytes.len(),
            });
        }
        Some(i) => {
            return Err(MidiError::InvalidDataByte {
                index: offset + i,
                byte: body[i],
            });
        }
    };
    Ok(Input::SysEx { start, body, end })
}

/// What a SysEx under way is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SysExKind {
    /// MIDI 1.0 bytes (from `try_send_bytes_at`, or a parser): 7-bit data,
    /// real-time bytes taken out, on group 0.
    Bytes,
    /// SysEx7 packets of this group.
    Seven(u8),
    /// SysEx8 packets of this group and stream ID.
    Eight(u8, u8),
}

impl StreamSource {
    /// Bytes of the SysEx under way, staged so far.
    #[inline]
    pub(super) fn staged(&self) -> usize {
        self.bytes.as_ref().map_or(0, Producer::staged)
    }

    /// Forgets the SysEx under way (its bytes were never published).
    pub(super) fn discard_sysex(&mut self) {
        if let Some(bytes) = &mut self.bytes {
            bytes.discard_staged();
        }
    }

    /// A message whose MIDI 1.0 status byte is not real-time ends a SysEx
    /// of MIDI 1.0 bytes under way, as on the wire: the SysEx is lost, and
    /// its remaining pieces, should they come, are refused with
    /// [`SendError::SysExLost`]. The same message sent by any call does the
    /// same. A SysEx gathered from packets is not ended: UMP lets other
    /// packets come between a SysEx's packets.
    pub(super) fn end_sysex_by(&mut self, status: u8, time: u32) {
        if self.assembly != Assembly::Assembling
            || self.kind != SysExKind::Bytes
            || is_real_time(status)
        {
            return;
        }
        self.discard_sysex();
        self.lose(1, time);
        self.assembly = Assembly::Discarding;
    }

    /// The entry that publishes a whole SysEx of `len` bytes in the byte
    /// ring.
    pub(super) fn sysex_entry(&self, kind: SysExKind, len: usize, time: u32) -> Entry {
        let tag = match (self.protocol, kind) {
            (Protocol::Midi1, _) => TAG_SYSEX,
            (Protocol::Midi2, SysExKind::Bytes) => TAG_SYSEX7,
            (Protocol::Midi2, SysExKind::Seven(group)) => TAG_SYSEX7 | group,
            (Protocol::Midi2, SysExKind::Eight(group, _)) => TAG_SYSEX8 | group,
        };
        Entry::tagged(tag, len, time)
    }

    /// Takes a piece of a SysEx. For MIDI 1.0 bytes, `body` holds its data
    /// bytes and any real-time bytes among them; for packets, data only.
    pub(super) fn sysex_piece(
        &mut self,
        kind: SysExKind,
        start: bool,
        body: &[u8],
        end: bool,
        time: u32,
        counted: bool,
    ) -> Result<(), SendError> {
        self.last_time = time;
        let real_time = match kind {
            SysExKind::Bytes => body.iter().filter(|&&b| b >= 0x80).count(),
            _ => 0,
        };
        // Whether this piece's data goes into a SysEx being gathered, and
        // that SysEx's length with it: `0xF0` and `0xF7` around 7-bit data,
        // the stream ID before 8-bit data.
        let same = self.kind == kind;
        let gathering = start || (self.assembly == Assembly::Assembling && same);
        let staged = if start { 0 } else { self.staged() };
        let framing = match kind {
            SysExKind::Eight(..) => usize::from(start),
            _ => usize::from(start) + usize::from(end),
        };
        let len = staged + (body.len() - real_time) + framing;
        let max = self.sysex_capacity();
        let fits = gathering && len <= max;
        // A real-time byte is one entry in a MIDI 1.0 stream, a 32-bit
        // system packet (a head and a pair of words) in a MIDI 2.0 one.
        let per_real_time = match self.protocol {
            Protocol::Midi1 => 1,
            Protocol::Midi2 => SYSTEM_PACKET_ENTRIES,
        };
        let entries = real_time * per_real_time + usize::from(fits && end);
        let room = self.has_room(entries)
            && (!fits || self.bytes.as_ref().is_some_and(|b| b.has_slots(len)));
        if !room && !counted {
            return Err(SendError::Full);
        }
        if start {
            if self.assembly == Assembly::Assembling {
                // Cut off by this new one.
                self.discard_sysex();
                self.lose(1, time);
            }
            self.assembly = Assembly::Assembling;
            self.kind = kind;
        }
        let after = if end {
            Assembly::Idle
        } else {
            Assembly::Discarding
        };
        if !room {
            self.lose(real_time, time);
            if gathering {
                self.discard_sysex();
                self.lose(1, time);
            }
            if gathering || same {
                self.assembly = after;
            }
            return Err(SendError::Full);
        }
        if kind == SysExKind::Bytes {
            for &byte in body.iter().filter(|&&b| b >= 0x80) {
                let message = MidiMessage::from_valid(byte, 0, 0, 1);
                // As `try_send_at` sends it: as it is in a MIDI 1.0 stream,
                // translated (a system packet on group 0) in a MIDI 2.0 one.
                match &mut self.up {
                    None => self.emit(&[Entry::message(message, time)]),
                    Some(up) => {
                        let (batch, _) = Self::translate_up(up, message, time);
                        debug_assert_eq!(batch.as_slice().len(), SYSTEM_PACKET_ENTRIES);
                        self.emit(batch.as_slice());
                    }
                }
            }
        }
        if !gathering {
            // A piece of a SysEx already lost, or of one never started (a
            // packet of another group or kind than the one under way).
            if same {
                self.assembly = after;
            }
            return Err(SendError::SysExLost);
        }
        if !fits {
            self.discard_sysex();
            self.lose(1, time);
            self.assembly = after;
            return Err(SendError::TooLarge { len, max });
        }
        let Some(ring) = &mut self.bytes else {
            unreachable!("a SysEx fits only where there is a byte ring");
        };
        // Every `stage` fits: the ring has room for all `len` bytes.
        let mut staged_all = true;
        if start {
            let first = match kind {
                SysExKind::Eight(_, stream_id) => stream_id,
                _ => 0xF0,
            };
            staged_all &= ring.stage(&[first]);
        }
        for run in body.split(|&b| b >= 0x80 && kind == SysExKind::Bytes) {
            staged_all &= ring.stage(run);
        }
        if end && !matches!(kind, SysExKind::Eight(..)) {
            staged_all &= ring.stage(&[0xF7]);
        }
        debug_assert!(staged_all);
        if end {
            // The bytes first, then the entry that lets the consumer read them.
            ring.commit_staged();
        }
        self.note_sysex_bytes();
        if end {
            let entry = self.sysex_entry(kind, len, time);
            self.emit(&[entry]);
            self.assembly = Assembly::Idle;
        }
        Ok(())
    }

    /// A SysEx7 or SysEx8 packet, as a piece of its SysEx.
    pub(super) fn packet_piece(
        &mut self,
        kind: SysExKind,
        status: SysExStatus,
        data: &[u8],
        time: u32,
        counted: bool,
    ) -> Result<(), SendError> {
        let (start, end) = match status {
            SysExStatus::Complete => (true, true),
            SysExStatus::Start => (true, false),
            SysExStatus::Continue => (false, false),
            SysExStatus::End => (false, true),
        };
        if !start && (self.assembly == Assembly::Idle || self.kind != kind) {
            return Err(SendError::SysExLost);
        }
        self.sysex_piece(kind, start, data, end, time, counted)
    }
}
