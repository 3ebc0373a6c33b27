//! The wire format of a source's entry ring: what one 8-byte slot holds,
//! and the entries one call writes together.

use crate::message::MidiMessage;
use crate::ump::Ump;

/// An entry tag (the byte where a message keeps its length, 1 to 3):
/// a SysEx of the entry's 24-bit length waits in the byte ring.
pub(super) const TAG_SYSEX: u8 = 0x80;
/// An entry tag: the entry's 24-bit count of messages were lost here.
pub(super) const TAG_LOST: u8 = 0x81;
/// An entry tag: messages were lost here, more than 24 bits count; the
/// entry holds the low 24 bits, and a [`TAG_MORE`] entry written with it
/// (in the same commit) the next 56 in its number and time.
pub(super) const TAG_LOST_WIDE: u8 = 0x82;
/// An entry tag: the continuation of the entry before it.
pub(super) const TAG_MORE: u8 = 0x83;
/// Entry tags `0x91` to `0x94`: a Universal MIDI Packet of 1 to 4 words,
/// in the entries after this one, two words each (written in one commit).
pub(super) const TAG_UMP: u8 = 0x90;
/// Entry tags `0xA0 | group`: a SysEx of 7-bit data on that group waits in
/// the byte ring, `0xF0` to `0xF7` (a stream of the MIDI 2.0 protocol).
pub(super) const TAG_SYSEX7: u8 = 0xA0;
/// Entry tags `0xB0 | group`: a SysEx8 on that group waits in the byte
/// ring: its stream ID, then its data.
pub(super) const TAG_SYSEX8: u8 = 0xB0;
/// The most messages a one-entry loss report counts.
pub(super) const MAX_LOST_NARROW: usize = 0xFF_FFFF;
/// Entries kept free for a loss report and, before a message is written,
/// the most a loss report takes: a message can always follow the report in
/// a ring that has been emptied.
pub(super) const RESERVE: usize = 2;

/// One slot of a source's entry ring.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Entry {
    /// A message as [`MidiMessage::to_stored`] keeps it (the fourth byte,
    /// its length, 1 to 3), or a 24-bit little-endian number and a tag.
    pub(super) data: [u8; 4],
    /// Microseconds, modulo 2³².
    pub(super) time: u32,
}

impl Entry {
    #[inline]
    pub(super) fn message(message: MidiMessage, time: u32) -> Self {
        Self {
            data: message.to_stored(),
            time,
        }
    }

    /// A tagged entry carrying `n` (below 2²⁴).
    #[inline]
    pub(super) fn tagged(tag: u8, n: usize, time: u32) -> Self {
        debug_assert!(n <= 0xFF_FFFF);
        let [a, b, c, _] = (n as u32).to_le_bytes();
        Self {
            data: [a, b, c, tag],
            time,
        }
    }

    #[inline]
    pub(super) fn tag(&self) -> u8 {
        self.data[3]
    }

    /// The entries of `packet` stamped `time`: a head, then its words two
    /// an entry.
    pub(super) fn packet(packet: &Ump, time: u32) -> ([Entry; 3], usize) {
        let words = packet.to_array();
        let len = packet.len();
        let head = Self {
            data: [0, 0, 0, TAG_UMP + len as u8],
            time,
        };
        let pair = |i: usize| Self {
            data: words[i].to_le_bytes(),
            time: words[i + 1],
        };
        ([head, pair(0), pair(2)], 1 + len.div_ceil(2))
    }

    /// Whether this entry, found where a record starts, is a MIDI 1.0
    /// message: its tag byte is the message's length, 1 to 3; every other
    /// record starts with a tag of `0x80` or above. (The word entries after
    /// a packet's head may hold any byte there; they are never read as the
    /// start of a record.)
    #[inline(always)]
    pub(super) fn is_message(&self) -> bool {
        self.tag() < TAG_SYSEX
    }

    /// The 24-bit number of a tagged entry.
    #[inline]
    pub(super) fn number(&self) -> usize {
        let [a, b, c, _] = self.data;
        u32::from_le_bytes([a, b, c, 0]) as usize
    }
}

/// Up to eight entries written in one commit: what one call sends.
pub(super) struct Batch {
    pub(super) entries: [Entry; 8],
    pub(super) len: usize,
}

impl Batch {
    pub(super) fn new() -> Self {
        Self {
            entries: [Entry::default(); 8],
            len: 0,
        }
    }

    pub(super) fn push(&mut self, entries: &[Entry]) {
        // The most one call sends is four MIDI 1.0 messages (a MIDI 2.0
        // registered controller) or one 128-bit packet (three entries).
        let end = self.len + entries.len();
        debug_assert!(end <= self.entries.len());
        if let Some(slots) = self.entries.get_mut(self.len..end) {
            slots.copy_from_slice(entries);
            self.len = end;
        }
    }

    pub(super) fn push_packet(&mut self, packet: &Ump, time: u32) {
        let (entries, len) = Entry::packet(packet, time);
        self.push(&entries[..len]);
    }

    pub(super) fn as_slice(&self) -> &[Entry] {
        &self.entries[..self.len]
    }
}
