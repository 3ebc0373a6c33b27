//! MIDI 1.0 wire bytes to and from the MIDI 1.0 protocol in UMP format:
//! message types 1 (system), 2 (channel voice) and 3 (SysEx7).
//!
//! The translation is lossless: each short message becomes one packet with
//! its bytes unchanged (M2-104-UM v1.1, "MIDI 1.0 Channel Voice Messages",
//! "System Common and System Real Time Messages"), and a System Exclusive
//! message is cut into SysEx7 packets of up to 6 data bytes, marked
//! complete, start, continue and end ("System Exclusive (7-Bit)
//! Messages"), which join back into the same `0xF0 … 0xF7`.

use super::check_group;
use super::error::UmpError;
use super::packet::Ump;
use super::views::{Midi1ChannelVoice, SysEx7, SysExStatus, SystemMessage};
use crate::error::MidiError;
use crate::message::MidiMessage;
use crate::parser::{MidiParser, Parsed, ParserStats, SysExEnd};

/// The UMP packet for a MIDI 1.0 short message on `group`: message type 2
/// for channel messages, 1 for system messages.
///
/// # Errors
///
/// [`UmpError::GroupOutOfRange`] if `group > 15`, [`UmpError::Midi`] for
/// [`MidiMessage::INVALID`].
///
/// ```
/// use bbx_midi::MidiMessage;
/// use bbx_midi::ump::to_ump;
///
/// assert_eq!(to_ump(&MidiMessage::note_on(2, 60, 100)?, 1)?.words(), &[0x2192_3C64]);
/// assert_eq!(to_ump(&MidiMessage::START, 0)?.words(), &[0x10FA_0000]);
/// assert!(to_ump(&MidiMessage::INVALID, 0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_ump(message: &MidiMessage, group: u8) -> Result<Ump, UmpError> {
    match message.status() {
        0xF0..=0xFF => SystemMessage::new(group, *message).map(|m| m.packet()),
        _ => Midi1ChannelVoice::new(group, *message).map(|m| m.packet()),
    }
}

/// The SysEx7 packets of one System Exclusive message, in order: an
/// iterator over its data bytes 6 at a time.
///
/// A message of at most 6 data bytes is one packet marked complete
/// (an empty message too); a longer one is a start packet, continue
/// packets and an end packet, every one but the last full.
///
/// ```
/// use bbx_midi::ump::{SysEx7Packets, SysExStatus};
///
/// let sysex = [0xF0, 0x7E, 0x7F, 0x06, 0x01, 0x10, 0x20, 0x30, 0xF7];
/// let packets: Vec<_> = SysEx7Packets::new(&sysex, 0)?.collect();
/// assert_eq!(packets.len(), 2);
/// assert_eq!(packets[0].words(), &[0x3016_7E7F, 0x0601_1020]);
/// assert_eq!(packets[1].words(), &[0x3031_3000, 0]);
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Clone, Debug)]
pub struct SysEx7Packets<'a> {
    /// The data bytes not yet packed.
    data: &'a [u8],
    group: u8,
    /// The next packet is the first.
    first: bool,
    /// Every packet has been returned.
    done: bool,
}

impl<'a> SysEx7Packets<'a> {
    /// The packets of `sysex`, a whole System Exclusive message `0xF0 …
    /// 0xF7` as `midir` delivers it, on `group`.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`]; [`UmpError::Midi`] with
    /// [`MidiError::NotSysEx`], [`MidiError::UnterminatedSysEx`] or
    /// [`MidiError::InvalidDataByte`] for bytes that are not one SysEx
    /// message.
    ///
    /// ```
    /// use bbx_midi::ump::SysEx7Packets;
    ///
    /// assert_eq!(SysEx7Packets::new(&[0xF0, 0xF7], 0)?.count(), 1);
    /// assert!(SysEx7Packets::new(&[0xF0, 0x01], 0).is_err());
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub fn new(sysex: &'a [u8], group: u8) -> Result<Self, UmpError> {
        check_group(group)?;
        let data = match sysex {
            [0xF0, data @ .., 0xF7] => data,
            [0xF0, ..] => return Err(MidiError::UnterminatedSysEx { len: sysex.len() }.into()),
            _ => {
                return Err(MidiError::NotSysEx {
                    first: sysex.first().copied(),
                }
                .into());
            }
        };
        if let Some(index) = data.iter().position(|b| *b >= 0x80) {
            return Err(MidiError::InvalidDataByte {
                index: index + 1,
                byte: data[index],
            }
            .into());
        }
        Ok(Self::from_data(data, group))
    }

    /// The packets of the data bytes of a message, already checked.
    fn from_data(data: &'a [u8], group: u8) -> Self {
        Self {
            data,
            group,
            first: true,
            done: false,
        }
    }
}

impl Iterator for SysEx7Packets<'_> {
    type Item = Ump;

    fn next(&mut self) -> Option<Ump> {
        if self.done {
            return None;
        }
        let take = self.data.len().min(6);
        let last = self.data.len() <= 6;
        let (chunk, rest) = self.data.split_at(take);
        self.data = rest;
        let status = sysex7_status(self.first, last);
        self.first = false;
        self.done = last;
        SysEx7::new(self.group, status, chunk)
            .ok()
            .map(|p| p.packet())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = if self.done {
            0
        } else {
            self.data.len().div_ceil(6).max(1)
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for SysEx7Packets<'_> {}

/// The SysEx7 status of a packet that is or is not the first and the last
/// of its message.
const fn sysex7_status(first: bool, last: bool) -> SysExStatus {
    match (first, last) {
        (true, true) => SysExStatus::Complete,
        (true, false) => SysExStatus::Start,
        (false, false) => SysExStatus::Continue,
        (false, true) => SysExStatus::End,
    }
}

/// A full SysEx7 chunk waiting to learn whether it is the last.
#[derive(Clone, Copy, Debug)]
struct HeldChunk {
    bytes: [u8; 6],
    /// 6: the parser hands out only full chunks before the last.
    len: usize,
    first: bool,
}

impl HeldChunk {
    /// Sends the chunk, marked as the `last` of its message or not.
    fn send(&self, group: u8, last: bool, out: &mut impl FnMut(Ump)) {
        let status = sysex7_status(self.first, last);
        if let Ok(packet) = SysEx7::new(group, status, &self.bytes[..self.len]) {
            out(packet.packet());
        }
    }
}

/// MIDI 1.0 wire bytes to UMP packets of the MIDI 1.0 protocol: a
/// [`MidiParser`] whose messages and SysEx come out as packets of one
/// group.
///
/// The byte stream may use running status and put real-time bytes
/// anywhere; what the parser skips is counted in [`stats`](Self::stats).
/// Packets come out in the order their messages' bytes arrived: a
/// real-time byte inside a SysEx comes out after the SysEx7 packets whose
/// bytes all came before it and before the others.
///
/// SysEx comes out in SysEx7 packets as [`SysEx7Packets`] packs it: a full
/// 6-byte chunk is held until the next byte shows whether it is the last
/// (a data byte: it is not; `0xF7`: it is), so the packets are the same
/// however the bytes are split into calls. One case differs, a *bbx_midi*
/// choice: a real-time message that arrives while a full chunk is held
/// sends it first, marked not the last, since the real-time message must
/// neither wait nor overtake the bytes before it; if `0xF7` then follows
/// at once, the message ends with an end packet of no data bytes. A SysEx
/// cut short by a status byte, or by [`finish`](Self::finish), is ended
/// with an end packet and counted as unterminated.
///
/// Under 100 bytes, never allocates, never panics.
///
/// ```
/// use bbx_midi::ump::{Midi1ToUmp, Ump};
///
/// let mut to_ump = Midi1ToUmp::new(0)?;
/// let mut packets = Vec::new();
/// // A Note On, then one by running status, then a SysEx.
/// to_ump.parse(&[0x90, 60, 100, 62, 90, 0xF0, 1, 2, 0xF7], |p| packets.push(p));
/// let words: Vec<&[u32]> = packets.iter().map(Ump::words).collect();
/// assert_eq!(words, [&[0x2090_3C64][..], &[0x2090_3E5A], &[0x3002_0102, 0]]);
///
/// // A clock after seven SysEx data bytes: the first six were a whole
/// // packet before it came.
/// packets.clear();
/// to_ump.parse(&[0xF0, 1, 2, 3, 4, 5, 6, 7, 0xF8, 0xF7], |p| packets.push(p));
/// let words: Vec<&[u32]> = packets.iter().map(Ump::words).collect();
/// assert_eq!(words, [&[0x3016_0102, 0x0304_0506][..], &[0x10F8_0000], &[0x3031_0700, 0]]);
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Midi1ToUmp {
    parser: MidiParser<6>,
    group: u8,
    held: Option<HeldChunk>,
}

impl Midi1ToUmp {
    /// A translator at the start of a stream, sending on `group`.
    ///
    /// # Errors
    ///
    /// [`UmpError::GroupOutOfRange`] if `group > 15`.
    ///
    /// ```
    /// use bbx_midi::ump::{Midi1ToUmp, UmpError};
    ///
    /// assert!(Midi1ToUmp::new(15).is_ok());
    /// assert_eq!(Midi1ToUmp::new(16).unwrap_err(), UmpError::GroupOutOfRange { group: 16 });
    /// ```
    pub const fn new(group: u8) -> Result<Self, UmpError> {
        if let Err(err) = check_group(group) {
            return Err(err);
        }
        Ok(Self {
            parser: MidiParser::new(),
            group,
            held: None,
        })
    }

    /// What the byte parser skipped (see [`ParserStats`]).
    ///
    /// ```
    /// let mut to_ump = bbx_midi::ump::Midi1ToUmp::new(0)?;
    /// to_ump.parse(&[0x40, 0xF4], |_| {});
    /// assert_eq!(to_ump.stats().stray_data_bytes, 1);
    /// assert_eq!(to_ump.stats().undefined_status_bytes, 1);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub fn stats(&self) -> ParserStats {
        self.parser.stats()
    }

    /// Takes the next byte, calling `out` with each packet it completes.
    ///
    /// ```
    /// let mut to_ump = bbx_midi::ump::Midi1ToUmp::new(0)?;
    /// let mut packets = Vec::new();
    /// to_ump.push(0xC0, |p| packets.push(p));
    /// assert!(packets.is_empty());
    /// to_ump.push(7, |p| packets.push(p));
    /// assert_eq!(packets[0].words(), &[0x20C0_0700]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub fn push(&mut self, byte: u8, mut out: impl FnMut(Ump)) {
        let (group, held) = (self.group, &mut self.held);
        // A chunk is held only inside a SysEx, where a data byte belongs to
        // it: the held chunk is not the last, and goes out now, before
        // anything a later byte completes.
        if byte < 0x80 {
            if let Some(previous) = held.take() {
                previous.send(group, false, &mut out);
            }
        }
        for event in self.parser.push(byte) {
            emit(group, held, event, &mut out);
        }
    }

    /// Takes `bytes`, calling `out` with each packet they complete.
    ///
    /// ```
    /// let mut to_ump = bbx_midi::ump::Midi1ToUmp::new(2)?;
    /// let mut packets = Vec::new();
    /// to_ump.parse(&[0xF8, 0xFA], |p| packets.push(p));
    /// assert_eq!(packets.len(), 2);
    /// assert_eq!(packets[1].words(), &[0x12FA_0000]);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub fn parse(&mut self, bytes: &[u8], mut out: impl FnMut(Ump)) {
        for &byte in bytes {
            self.push(byte, &mut out);
        }
    }

    /// Ends the stream: a SysEx in progress is ended (and counted as
    /// unterminated), a message missing data bytes is counted as
    /// incomplete.
    ///
    /// ```
    /// use bbx_midi::ump::Midi1ToUmp;
    ///
    /// let mut to_ump = Midi1ToUmp::new(0)?;
    /// let mut packets = Vec::new();
    /// to_ump.parse(&[0xF0, 1, 2, 3], |p| packets.push(p));
    /// to_ump.finish(|p| packets.push(p));
    /// assert_eq!(packets[0].words(), &[0x3003_0102, 0x0300_0000]);
    /// assert_eq!(to_ump.stats().unterminated_sysex, 1);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub fn finish(&mut self, mut out: impl FnMut(Ump)) {
        let (group, held) = (self.group, &mut self.held);
        if let Some(event) = self.parser.finish() {
            emit(group, held, event, &mut out);
        }
    }
}

/// Turns one parser event into packets.
fn emit(group: u8, held: &mut Option<HeldChunk>, event: Parsed<'_>, out: &mut impl FnMut(Ump)) {
    match event {
        Parsed::Message(message) => {
            // Only a real-time message finds a chunk held (any other status
            // byte ended the SysEx first): it cannot wait to learn whether
            // the chunk is the last, nor go ahead of its bytes.
            if let Some(previous) = held.take() {
                previous.send(group, false, out);
            }
            if let Ok(packet) = to_ump(&message, group) {
                out(packet);
            }
        }
        Parsed::SysEx(chunk) => {
            let data = chunk.data();
            // A data byte or a real-time message after the held chunk sent
            // it already: what still finds it held is the end of the
            // message right after it, with no data of its own. (The second
            // arm cannot happen; it keeps the chunk rather than lose it.)
            let first = match held.take() {
                Some(previous) if chunk.end().is_some() && data.is_empty() => {
                    previous.send(group, true, out);
                    return;
                }
                Some(previous) => {
                    previous.send(group, false, out);
                    false
                }
                None => chunk.is_start(),
            };
            match chunk.end() {
                Some(SysExEnd::Terminated | SysExEnd::Unterminated) => {
                    if let Ok(packet) = SysEx7::new(group, sysex7_status(first, true), data) {
                        out(packet.packet());
                    }
                }
                None => {
                    let len = data.len().min(6);
                    let mut bytes = [0u8; 6];
                    bytes[..len].copy_from_slice(&data[..len]);
                    *held = Some(HeldChunk { bytes, len, first });
                }
            }
        }
    }
}

/// What a [`UmpToMidi1`] turns a packet into: a short message or a whole
/// System Exclusive message, with the group it came on.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Midi1Event<'a> {
    /// A short message (channel, system common or real-time).
    Message(MidiMessage),
    /// A whole System Exclusive message, `0xF0 … 0xF7`, borrowed from the
    /// translator until the next packet.
    SysEx(&'a [u8]),
}

impl Midi1Event<'_> {
    /// The wire bytes.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::Midi1Event;
    ///
    /// assert_eq!(Midi1Event::Message(MidiMessage::STOP).as_bytes(), &[0xFC]);
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Midi1Event::Message(message) => message.as_bytes(),
            Midi1Event::SysEx(bytes) => bytes,
        }
    }
}

/// What a [`UmpToMidi1`] dropped, by reason. Counters saturate.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct UmpToMidi1Stats {
    /// Packets with no MIDI 1.0 byte form: MIDI 2.0 channel voice (use
    /// [`Midi2ToMidi1`](super::Midi2ToMidi1) first), utility, SysEx8, flex
    /// data, UMP stream and the reserved types.
    pub no_byte_form: u64,
    /// Type 1, 2 or 3 packets their view refuses (reserved statuses,
    /// invalid data bytes).
    pub invalid: u64,
    /// SysEx7 packets out of sequence: a continue or end with no start,
    /// or a start or complete that cut a message short (the cut message is
    /// dropped, and counted here).
    pub sysex_out_of_sequence: u64,
    /// SysEx messages longer than the translator's buffer, dropped.
    pub sysex_too_long: u64,
    /// SysEx7 packets of another group while a message was being joined,
    /// dropped: one message is joined at a time.
    pub sysex_interleaved: u64,
}

/// UMP packets of the MIDI 1.0 protocol to MIDI 1.0 messages and whole
/// System Exclusive messages, ready for the wire or a `midir` connection.
///
/// Type 1 and 2 packets give their message at once. SysEx7 packets are
/// joined in an inline buffer of `N` bytes into `0xF0 … 0xF7`, given once
/// the end packet arrives; a message longer than `N` bytes is dropped and
/// counted. Everything else is dropped and counted in
/// [`stats`](Self::stats). The translator is `N` bytes and some 60 more;
/// it never allocates, never panics.
///
/// ```
/// use bbx_midi::ump::{Midi1Event, SysEx7Packets, UmpToMidi1};
///
/// let sysex = [0xF0, 0x43, 1, 2, 3, 4, 5, 6, 7, 0xF7];
/// let mut to_bytes = UmpToMidi1::<256>::new();
/// let mut out = Vec::new();
/// for packet in SysEx7Packets::new(&sysex, 0)? {
///     to_bytes.push(packet, |_group, event| out.extend_from_slice(event.as_bytes()));
/// }
/// assert_eq!(out, sysex);
/// # Ok::<(), bbx_midi::ump::UmpError>(())
/// ```
#[derive(Clone, Debug)]
pub struct UmpToMidi1<const N: usize> {
    /// The SysEx being joined: `0xF0` then its data bytes so far.
    sysex: [u8; N],
    /// Bytes of `sysex` in use; 0 when no SysEx is being joined.
    len: usize,
    /// The group of the SysEx being joined.
    group: u8,
    /// The SysEx being joined no longer fits: its remaining packets are
    /// skipped until its end.
    overflowed: bool,
    stats: UmpToMidi1Stats,
}

impl<const N: usize> Default for UmpToMidi1<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> UmpToMidi1<N> {
    /// A translator joining SysEx messages of up to `N` bytes, `0xF0` and
    /// `0xF7` included. `N` below 2 is a compile-time error.
    ///
    /// ```
    /// let to_bytes = bbx_midi::ump::UmpToMidi1::<1024>::new();
    /// assert_eq!(to_bytes.stats(), Default::default());
    /// ```
    pub const fn new() -> Self {
        const { assert!(N >= 2, "a SysEx message takes at least 2 bytes") };
        Self {
            sysex: [0; N],
            len: 0,
            group: 0,
            overflowed: false,
            stats: UmpToMidi1Stats {
                no_byte_form: 0,
                invalid: 0,
                sysex_out_of_sequence: 0,
                sysex_too_long: 0,
                sysex_interleaved: 0,
            },
        }
    }

    /// What has been dropped since the translator was made or reset.
    ///
    /// ```
    /// use bbx_midi::ump::{Midi2ChannelVoice, UmpToMidi1};
    ///
    /// let mut to_bytes = UmpToMidi1::<16>::new();
    /// to_bytes.push(Midi2ChannelVoice::pitch_bend(0, 0, 0)?.packet(), |_, _| unreachable!());
    /// assert_eq!(to_bytes.stats().no_byte_form, 1);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub fn stats(&self) -> UmpToMidi1Stats {
        self.stats
    }

    /// Forgets a SysEx being joined and the counters.
    ///
    /// ```
    /// use bbx_midi::ump::{SysEx7, SysExStatus, UmpToMidi1};
    ///
    /// let mut to_bytes = UmpToMidi1::<16>::new();
    /// let start = SysEx7::new(0, SysExStatus::Start, &[1])?.packet();
    /// let end = SysEx7::new(0, SysExStatus::End, &[2])?.packet();
    /// to_bytes.push(start, |_, _| {});
    /// to_bytes.reset();
    /// to_bytes.push(end, |_, _| unreachable!("the start was forgotten"));
    /// assert_eq!(to_bytes.stats().sysex_out_of_sequence, 1);
    /// # Ok::<(), bbx_midi::ump::UmpError>(())
    /// ```
    pub fn reset(&mut self) {
        self.len = 0;
        self.overflowed = false;
        self.stats = UmpToMidi1Stats::default();
    }

    /// Takes one packet, calling `out` with its group and what it
    /// completes.
    ///
    /// ```
    /// use bbx_midi::MidiMessage;
    /// use bbx_midi::ump::{Midi1Event, Ump, UmpToMidi1};
    ///
    /// let mut to_bytes = UmpToMidi1::<64>::new();
    /// let mut out = Vec::new();
    /// to_bytes.push(Ump::parse(&[0x2390_3C64])?, |group, event| {
    ///     if let Midi1Event::Message(m) = event {
    ///         out.push((group, m));
    ///     }
    /// });
    /// assert_eq!(out, [(3, MidiMessage::note_on(0, 60, 100)?)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(&mut self, packet: Ump, mut out: impl FnMut(u8, Midi1Event<'_>)) {
        match packet.message_type() {
            0x1 => match SystemMessage::try_from(packet) {
                Ok(m) => out(m.group(), Midi1Event::Message(m.message())),
                Err(_) => count(&mut self.stats.invalid),
            },
            0x2 => match Midi1ChannelVoice::try_from(packet) {
                Ok(m) => out(m.group(), Midi1Event::Message(m.message())),
                Err(_) => count(&mut self.stats.invalid),
            },
            0x3 => match SysEx7::try_from(packet) {
                Ok(m) => self.sysex7(&m, &mut out),
                Err(_) => count(&mut self.stats.invalid),
            },
            _ => count(&mut self.stats.no_byte_form),
        }
    }

    /// Joins one SysEx7 packet.
    fn sysex7(&mut self, packet: &SysEx7, out: &mut impl FnMut(u8, Midi1Event<'_>)) {
        let group = packet.group();
        let joining = self.len > 0;
        if joining && group != self.group {
            count(&mut self.stats.sysex_interleaved);
            return;
        }
        let status = packet.status();
        match status {
            SysExStatus::Complete | SysExStatus::Start => {
                if joining {
                    count(&mut self.stats.sysex_out_of_sequence);
                }
                self.group = group;
                self.sysex[0] = 0xF0;
                self.len = 1;
                self.overflowed = false;
            }
            SysExStatus::Continue | SysExStatus::End if !joining => {
                count(&mut self.stats.sysex_out_of_sequence);
                return;
            }
            SysExStatus::Continue | SysExStatus::End => {}
        }
        let data = packet.data();
        if !self.overflowed {
            // Room for the data and, at the end, 0xF7.
            if self.len + data.len() < N {
                self.sysex[self.len..self.len + data.len()].copy_from_slice(&data);
                self.len += data.len();
            } else {
                self.overflowed = true;
            }
        }
        if matches!(status, SysExStatus::Complete | SysExStatus::End) {
            if self.overflowed {
                count(&mut self.stats.sysex_too_long);
            } else {
                self.sysex[self.len] = 0xF7;
                out(group, Midi1Event::SysEx(&self.sysex[..self.len + 1]));
            }
            self.len = 0;
            self.overflowed = false;
        }
    }
}

fn count(counter: &mut u64) {
    *counter = counter.saturating_add(1);
}
