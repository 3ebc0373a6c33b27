//! The sending paths of a source: messages, bytes, parser output and
//! packets, each in a `try_send…` form that counts what finds no room and
//! a `try_push…` form that leaves it with the caller.

use crate::error::{MidiError, SendError};
use crate::message::MidiMessage;
use crate::parser::{Parsed, SysExEnd};
use crate::ump::{
    Midi1ChannelVoice, Midi1ToMidi2, Midi2ChannelVoice, SysEx7, SysEx8, SystemMessage,
    TranslationStats, Ump,
};

use super::builder::Protocol;
use super::entry::{Batch, Entry};
use super::source::StreamSource;
use super::sysex::{Assembly, Input, SysExKind, classify};

/// The MIDI 1.0 status byte of a packet that carries a MIDI 1.0 message
/// or its MIDI 2.0 form (system, MIDI 1.0 and MIDI 2.0 channel voice);
/// `None` for the others (utility, SysEx, flex data, UMP stream…).
pub(super) fn midi1_status(packet: &Ump) -> Option<u8> {
    match packet.message_type() {
        0x1 | 0x2 | 0x4 => Some((packet.words()[0] >> 16) as u8),
        _ => None,
    }
}

impl StreamSource {
    /// The entries a MIDI 1.0 message becomes in a MIDI 2.0 stream, and
    /// the translator's state before: `saved` puts it back.
    pub(super) fn translate_up(
        up: &mut Midi1ToMidi2,
        message: MidiMessage,
        time: u32,
    ) -> (Batch, Option<crate::ump::Saved>) {
        let mut batch = Batch::new();
        if message.status() >= 0xF0 {
            if let Ok(system) = SystemMessage::new(0, message) {
                batch.push_packet(&system.packet(), time);
            }
            return (batch, None);
        }
        let saved = up.save(0, message.status() & 0x0F);
        if let Ok(packet) = Midi1ChannelVoice::new(0, message) {
            let mut out = |packet: Ump| batch.push_packet(&packet, time);
            up.push(packet.packet(), &mut out);
            // A lone Data Entry MSB is sent at once (and again with its LSB,
            // if that follows): the stream cannot wait for what may never come.
            up.flush(&mut out);
        }
        (batch, Some(saved))
    }

    /// Sends a MIDI 1.0 message, translated into the stream's protocol.
    pub(super) fn message_at(
        &mut self,
        message: MidiMessage,
        time: u32,
        counted: bool,
    ) -> Result<(), SendError> {
        if !message.is_valid() {
            return Err(SendError::Invalid(MidiError::Invalid));
        }
        self.last_time = time;
        if counted {
            self.end_sysex_by(message.status(), time);
        }
        // A MIDI 1.0 stream takes the message as it is, in one entry.
        let single = [Entry::message(message, time)];
        let (batch, saved) = match &mut self.up {
            Some(up) => {
                let (batch, saved) = Self::translate_up(up, message, time);
                (Some(batch), saved)
            }
            None => (None, None),
        };
        let entries = batch.as_ref().map_or(&single[..], Batch::as_slice);
        if !counted && !self.has_room(entries.len()) {
            if let (Some(up), Some(saved)) = (&mut self.up, saved) {
                up.restore(saved);
            }
            return Err(SendError::Full);
        }
        if !counted {
            self.end_sysex_by(message.status(), time);
        }
        self.send_batch(entries, time, counted, 1)
    }

    /// Sends `message` stamped with `time_us`; returns `false` when there
    /// is no room, in which case it is lost, and reported in the stream
    /// (an [`Event::Lost`](crate::Event::Lost) after everything sent before it).
    /// [`MidiMessage::INVALID`] is refused (`false`) and not counted.
    ///
    /// A message other than real-time ends a SysEx of MIDI 1.0 bytes this
    /// source had under way (MIDI 1.0: any status byte but real-time ends a
    /// SysEx); that SysEx is lost and its remaining pieces are refused with
    /// [`SendError::SysExLost`]. A SysEx gathered from packets goes on (UMP
    /// lets other messages come between its packets). Wait-free; never
    /// allocates.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().capacity(1).build();
    /// assert!(source.try_send_at(MidiMessage::START, 10));
    /// assert!(!source.try_send_at(MidiMessage::STOP, 20)); // full: lost
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Message(MidiMessage::START));
    /// let loss = stream.try_recv().unwrap();
    /// assert_eq!((loss.event, loss.time), (Event::Lost { count: 1 }, 20));
    /// ```
    #[inline]
    pub fn try_send_at(&mut self, message: MidiMessage, time_us: u64) -> bool {
        self.message_at(message, time_us as u32, true).is_ok()
    }

    /// Sends `message` stamped with `time_us`, or gives it back in `Err`
    /// when there is no room (or it is [`MidiMessage::INVALID`]), counting
    /// nothing and changing nothing: for a producer that keeps it and tries
    /// again.
    ///
    /// # Errors
    ///
    /// `Err(message)` when the stream is full or `message` is `INVALID`.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().capacity(1).build();
    /// source.try_push_at(MidiMessage::START, 0).unwrap();
    /// assert_eq!(source.try_push_at(MidiMessage::STOP, 1), Err(MidiMessage::STOP));
    /// stream.try_recv();
    /// assert!(stream.try_recv().is_none(), "nothing was lost");
    /// ```
    #[inline]
    pub fn try_push_at(&mut self, message: MidiMessage, time_us: u64) -> Result<(), MidiMessage> {
        self.message_at(message, time_us as u32, false)
            .map_err(|_| message)
    }

    /// Sends `bytes` as a MIDI API delivers them, stamped with `time_us`:
    /// one short message, one whole SysEx (`0xF0` … `0xF7`), or a piece of
    /// a SysEx (the first piece starts with `0xF0`, the last ends with
    /// `0xF7`, those between are data bytes). The pieces are gathered and
    /// the SysEx delivered whole when its last piece comes, stamped with
    /// that piece's time. Real-time bytes inside a SysEx are sent at once
    /// as messages of their own. What cannot be delivered is lost and
    /// reported in the stream.
    ///
    /// Wait-free (bounded by the length of `bytes`); never allocates.
    ///
    /// # Errors
    ///
    /// * [`SendError::Invalid`]: not MIDI; nothing sent. Nothing counted,
    ///   except that a SysEx under way is lost (and counted), since what
    ///   came for it is broken: its remaining pieces are discarded. Empty
    ///   `bytes` change nothing.
    /// * [`SendError::Full`]: no room; everything in `bytes` is lost and
    ///   counted, and so is a SysEx under way.
    /// * [`SendError::TooLarge`]: the SysEx is longer than the
    ///   [`sysex_capacity`](Self::sysex_capacity); lost and counted.
    /// * [`SendError::SysExLost`]: a piece of a SysEx already lost (no
    ///   room, too large, or cut off by a status byte, whichever call sent
    ///   it); discarded (real-time bytes in it are still sent), counted no
    ///   more. A piece that ends with `0xF7` ends the discarding.
    ///
    /// Bytes after a whole message or SysEx in one call are
    /// [`MidiError::TrailingBytes`] (one call takes one message; a byte
    /// stream goes through a [`MidiParser`](crate::parser::MidiParser)).
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().sysex_bytes(64).build();
    /// // A SysEx in two pieces, a clock byte inside the second.
    /// source.try_send_bytes_at(&[0xF0, 0x43, 0x10], 100)?;
    /// source.try_send_bytes_at(&[0x4C, 0xF8, 0x00, 0xF7], 200)?;
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Message(MidiMessage::TIMING_CLOCK));
    /// let sysex = stream.try_recv().unwrap();
    /// assert_eq!(sysex.event, Event::SysEx(&[0xF0, 0x43, 0x10, 0x4C, 0x00, 0xF7]));
    /// assert_eq!(sysex.time, 200);
    /// # Ok::<(), bbx_midi::SendError>(())
    /// ```
    pub fn try_send_bytes_at(&mut self, bytes: &[u8], time_us: u64) -> Result<(), SendError> {
        self.bytes_at(bytes, time_us as u32, true)
    }

    /// [`try_send_bytes_at`](Self::try_send_bytes_at) for a producer that
    /// retries: when there is no room, nothing happens and nothing is
    /// counted (a SysEx under way stays as it was, so the same piece can be
    /// sent again).
    ///
    /// # Errors
    ///
    /// As [`try_send_bytes_at`](Self::try_send_bytes_at), except that
    /// [`SendError::Full`] counts nothing and changes nothing.
    /// [`SendError::TooLarge`] is still a loss: no retry can deliver it.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiStream, SendError};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().sysex_bytes(8).build();
    /// source.try_send_bytes_at(&[0xF0, 1, 2, 3, 4, 0xF7], 0)?; // 6 of the 8 bytes
    /// source.try_push_bytes_at(&[0xF0, 5], 1)?;
    /// assert_eq!(source.try_push_bytes_at(&[6, 0xF7], 2), Err(SendError::Full));
    /// assert_eq!(stream.try_recv().unwrap().event, Event::SysEx(&[0xF0, 1, 2, 3, 4, 0xF7]));
    /// source.try_push_bytes_at(&[6, 0xF7], 2)?; // the same piece again, now that there is room
    /// assert_eq!(stream.try_recv().unwrap().event, Event::SysEx(&[0xF0, 5, 6, 0xF7]));
    /// assert!(stream.try_recv().is_none(), "nothing was lost");
    /// # Ok::<(), SendError>(())
    /// ```
    pub fn try_push_bytes_at(&mut self, bytes: &[u8], time_us: u64) -> Result<(), SendError> {
        self.bytes_at(bytes, time_us as u32, false)
    }

    pub(super) fn bytes_at(
        &mut self,
        bytes: &[u8],
        time: u32,
        counted: bool,
    ) -> Result<(), SendError> {
        let input = match classify(bytes, self.assembly != Assembly::Idle) {
            Ok(input) => input,
            Err(error) => {
                if error != MidiError::Empty && self.assembly == Assembly::Assembling {
                    // A status byte inside a SysEx, or another message
                    // that is not MIDI: on the wire the SysEx is broken
                    // there. Lost, never delivered with a hole.
                    self.last_time = time;
                    self.discard_sysex();
                    self.lose(1, time);
                    self.assembly = Assembly::Discarding;
                }
                return Err(SendError::Invalid(error));
            }
        };
        match input {
            Input::Message(message) => self.message_at(message, time, counted),
            Input::SysEx { start, body, end } => {
                self.sysex_piece(SysExKind::Bytes, start, body, end, time, counted)
            }
        }
    }

    /// Sends what a [`MidiParser`](crate::parser::MidiParser) delivers
    /// (serial, BLE, a `.syx` file), stamped with `time_us`: a message, or
    /// a chunk of a SysEx, gathered until its end as with
    /// [`try_send_bytes_at`](Self::try_send_bytes_at). A SysEx the parser
    /// saw cut off by another status byte is lost.
    ///
    /// # Errors
    ///
    /// As [`try_send_bytes_at`](Self::try_send_bytes_at); a SysEx that
    /// ended unterminated gives [`SendError::SysExLost`] (counted once).
    ///
    /// ```
    /// use bbx_midi::parser::MidiParser;
    /// use bbx_midi::{Event, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().sysex_bytes(64).build();
    /// let mut parser = MidiParser::<4>::new();
    /// for &byte in &[0xF0, 0x7D, 1, 2, 3, 4, 5, 0xF7] {
    ///     for parsed in parser.push(byte) {
    ///         source.try_send_parsed_at(parsed, 0)?;
    ///     }
    /// }
    /// assert_eq!(stream.try_recv().unwrap().event, Event::SysEx(&[0xF0, 0x7D, 1, 2, 3, 4, 5, 0xF7]));
    /// # Ok::<(), bbx_midi::SendError>(())
    /// ```
    pub fn try_send_parsed_at(
        &mut self,
        parsed: Parsed<'_>,
        time_us: u64,
    ) -> Result<(), SendError> {
        self.parsed_at(parsed, time_us as u32, true)
    }

    /// [`try_send_parsed_at`](Self::try_send_parsed_at) for a producer that
    /// retries: when there is no room, nothing happens and nothing is
    /// counted, so the same message or chunk can be sent again.
    ///
    /// # Errors
    ///
    /// As [`try_send_parsed_at`](Self::try_send_parsed_at), except that
    /// [`SendError::Full`] counts nothing and changes nothing. A SysEx the
    /// parser saw cut off is still a loss: no retry can deliver it.
    ///
    /// ```
    /// use bbx_midi::parser::{MidiParser, Parsed};
    /// use bbx_midi::{Event, MidiMessage, MidiStream, SendError};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().capacity(1).build();
    /// let mut parser = MidiParser::<4>::new();
    /// let mut refused = 0;
    /// for &byte in &[0xF8, 0xFA] {
    ///     for parsed in parser.push(byte) {
    ///         while let Err(SendError::Full) = source.try_push_parsed_at(parsed, 0) {
    ///             refused += 1;
    ///             stream.try_recv(); // the audio thread, in another thread really
    ///         }
    ///     }
    /// }
    /// assert_eq!(refused, 1);
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Message(MidiMessage::START));
    /// assert_eq!(source.dropped(), 0);
    /// ```
    pub fn try_push_parsed_at(
        &mut self,
        parsed: Parsed<'_>,
        time_us: u64,
    ) -> Result<(), SendError> {
        self.parsed_at(parsed, time_us as u32, false)
    }

    pub(super) fn parsed_at(
        &mut self,
        parsed: Parsed<'_>,
        time: u32,
        counted: bool,
    ) -> Result<(), SendError> {
        match parsed {
            Parsed::Message(message) => self.message_at(message, time, counted),
            Parsed::SysEx(chunk) => {
                let start = chunk.is_start();
                if !start && self.assembly == Assembly::Idle {
                    return Err(SendError::Invalid(MidiError::NotSysEx {
                        first: chunk.data().first().copied(),
                    }));
                }
                match chunk.end() {
                    Some(SysExEnd::Unterminated) => {
                        // This SysEx, if it started here, and the one under
                        // way, which it ends or cuts off.
                        let lost =
                            usize::from(start) + usize::from(self.assembly == Assembly::Assembling);
                        self.discard_sysex();
                        self.lose(lost, time);
                        self.assembly = Assembly::Idle;
                        Err(SendError::SysExLost)
                    }
                    end => self.sysex_piece(
                        SysExKind::Bytes,
                        start,
                        chunk.data(),
                        end == Some(SysExEnd::Terminated),
                        time,
                        counted,
                    ),
                }
            }
        }
    }

    /// Sends a Universal MIDI Packet stamped with `time_us`, translated
    /// into the stream's protocol: in a MIDI 2.0 stream MIDI 1.0 channel
    /// voice packets (message type 2) become MIDI 2.0 ones and the others
    /// go through whole; in a MIDI 1.0 stream MIDI 2.0 channel voice
    /// packets become MIDI 1.0 messages (a registered controller becomes
    /// four, sent together) and system and MIDI 1.0 packets their message.
    /// SysEx7 and SysEx8 packets are gathered like SysEx pieces and
    /// delivered whole; one SysEx is gathered at a time: a start on another
    /// group cuts off the one under way (lost), like a new `0xF0`, and
    /// pieces of a SysEx whose start was not taken give
    /// [`SendError::SysExLost`].
    ///
    /// Wait-free; never allocates.
    ///
    /// # Errors
    ///
    /// * [`SendError::InvalidUmp`]: a packet its view refuses (reserved
    ///   status or bits); nothing sent, nothing counted.
    /// * [`SendError::NoEquivalent`]: no form in the stream's protocol
    ///   (per-note controllers, SysEx8, utility, flex data… for MIDI 1.0);
    ///   dropped, counted in [`translation_stats`](Self::translation_stats).
    /// * [`SendError::Full`], [`SendError::TooLarge`],
    ///   [`SendError::SysExLost`]: as for
    ///   [`try_send_bytes_at`](Self::try_send_bytes_at).
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// // A MIDI 2.0 controller into a MIDI 1.0 stream: Pitch Bend Sensitivity.
    /// let (mut source, mut stream) = MidiStream::builder().build();
    /// let rpn = Midi2ChannelVoice::registered_controller(0, 0, 0, 0, 0x0400_0000)?;
    /// source.try_send_ump_at(rpn.packet(), 5)?;
    /// let mut got = Vec::new();
    /// while let Some(r) = stream.try_recv() {
    ///     if let Event::Message(m) = r.event { got.push((m.controller(), m.value())); }
    /// }
    /// assert_eq!(got, [(Some(101), Some(0)), (Some(100), Some(0)), (Some(6), Some(2)), (Some(38), Some(0))]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_send_ump_at(&mut self, packet: Ump, time_us: u64) -> Result<(), SendError> {
        self.ump_at(packet, time_us as u32, true)
    }

    /// [`try_send_ump_at`](Self::try_send_ump_at) for a producer that
    /// retries: when there is no room, nothing happens and nothing is
    /// counted.
    ///
    /// # Errors
    ///
    /// As [`try_send_ump_at`](Self::try_send_ump_at), except that
    /// [`SendError::Full`] counts nothing and changes nothing.
    ///
    /// ```
    /// use bbx_midi::{MidiStream, Protocol, SendError};
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// let (mut source, _stream) = MidiStream::builder().capacity(1).protocol(Protocol::Midi2).build();
    /// let note = Midi2ChannelVoice::note_on(0, 0, 60, 0xFFFF, 0, 0)?.packet();
    /// source.try_push_ump_at(note, 0)?;
    /// assert_eq!(source.try_push_ump_at(note, 1), Err(SendError::Full));
    /// assert_eq!(source.dropped(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_push_ump_at(&mut self, packet: Ump, time_us: u64) -> Result<(), SendError> {
        self.ump_at(packet, time_us as u32, false)
    }

    pub(super) fn ump_at(
        &mut self,
        packet: Ump,
        time: u32,
        counted: bool,
    ) -> Result<(), SendError> {
        self.last_time = time;
        let mut batch = Batch::new();
        match (packet.message_type(), self.protocol) {
            (0x1, _) => {
                let message = SystemMessage::try_from(packet)
                    .map_err(SendError::InvalidUmp)?
                    .message();
                match self.protocol {
                    Protocol::Midi1 => batch.push(&[Entry::message(message, time)]),
                    Protocol::Midi2 => batch.push_packet(&packet, time),
                }
            }
            (0x2, Protocol::Midi1) => {
                let message = Midi1ChannelVoice::try_from(packet)
                    .map_err(SendError::InvalidUmp)?
                    .message();
                batch.push(&[Entry::message(message, time)]);
            }
            (0x2, Protocol::Midi2) => {
                let view = Midi1ChannelVoice::try_from(packet).map_err(SendError::InvalidUmp)?;
                if let Some(up) = &mut self.up {
                    let saved = up.save(view.group(), view.message().status() & 0x0F);
                    let mut out = |packet: Ump| batch.push_packet(&packet, time);
                    up.push(packet, &mut out);
                    up.flush(&mut out);
                    if !counted && !self.has_room(batch.len) {
                        if let Some(up) = &mut self.up {
                            up.restore(saved);
                        }
                        return Err(SendError::Full);
                    }
                }
            }
            (0x4, Protocol::Midi2) => {
                Midi2ChannelVoice::try_from(packet).map_err(SendError::InvalidUmp)?;
                batch.push_packet(&packet, time);
            }
            (0x4, Protocol::Midi1) => {
                Midi2ChannelVoice::try_from(packet).map_err(SendError::InvalidUmp)?;
                let before = self.down.stats();
                let mut out = |packet: Ump| {
                    if let Ok(view) = Midi1ChannelVoice::try_from(packet) {
                        batch.push(&[Entry::message(view.message(), time)]);
                    }
                };
                self.down.push(packet, &mut out);
                if !counted && !self.has_room(batch.len) {
                    self.down.set_stats(before);
                    return Err(SendError::Full);
                }
                if batch.len == 0 {
                    return Err(SendError::NoEquivalent);
                }
            }
            (0x3, _) => {
                let sysex = SysEx7::try_from(packet).map_err(SendError::InvalidUmp)?;
                let kind = SysExKind::Seven(sysex.group());
                return self.packet_piece(kind, sysex.status(), &sysex.data(), time, counted);
            }
            (0x5, Protocol::Midi2) if packet.words()[0] >> 20 & 0xF <= 3 => {
                let sysex = SysEx8::try_from(packet).map_err(SendError::InvalidUmp)?;
                let kind = SysExKind::Eight(sysex.group(), sysex.stream_id());
                return self.packet_piece(kind, sysex.status(), &sysex.data(), time, counted);
            }
            (_, Protocol::Midi2) => batch.push_packet(&packet, time),
            (_, Protocol::Midi1) => {
                let mut stats = self.down.stats();
                stats.no_midi1_form = stats.no_midi1_form.saturating_add(1);
                self.down.set_stats(stats);
                return Err(SendError::NoEquivalent);
            }
        }
        if !counted && !self.has_room(batch.len) {
            return Err(SendError::Full);
        }
        if let Some(status) = midi1_status(&packet) {
            self.end_sysex_by(status, time);
        }
        self.send_batch(batch.as_slice(), time, counted, 1)
    }

    /// What the translation into the stream's protocol has dropped or could
    /// not translate so far (see [`TranslationStats`]).
    ///
    /// ```
    /// use bbx_midi::{MidiStream, SendError};
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// let (mut source, _stream) = MidiStream::builder().build();
    /// let per_note = Midi2ChannelVoice::per_note_pitch_bend(0, 0, 60, 0x8000_0000)?;
    /// assert_eq!(source.try_send_ump_at(per_note.packet(), 0), Err(SendError::NoEquivalent));
    /// assert_eq!(source.translation_stats().per_note_pitch_bends, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn translation_stats(&self) -> TranslationStats {
        match &self.up {
            Some(up) => up.stats(),
            None => self.down.stats(),
        }
    }
}
