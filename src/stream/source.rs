//! A source's state, what it writes into its entry ring, and what it
//! tells about itself.

use crate::activity::ActivityWriter;
use crate::counters::Counters;
use crate::error::SendError;
use crate::spsc::Producer;
use crate::sync::Arc;
use crate::ump::{Midi1ToMidi2, Midi2ToMidi1};
use alloc::boxed::Box;
use core::fmt;

use super::builder::Protocol;
use super::entry::{Entry, RESERVE};
use super::sysex::{Assembly, SysExKind};

/// One input of a [`MidiStream`](crate::MidiStream), for the thread that receives it (a
/// `midir` callback, a GUI keyboard, a sequencer).
///
/// `Send`, not `Sync`. Every method is wait-free and never allocates.
/// Times are microseconds on a clock all sources and the audio thread
/// share (a [`MidiClock`](crate::MidiClock), or any other), kept modulo
/// 2³²; a source's stamps should not go backwards.
///
/// It takes MIDI 1.0 (messages, bytes, parser output) and MIDI 2.0
/// (Universal MIDI Packets), and translates what it is given into the
/// stream's [`Protocol`].
///
/// Every way of sending comes in two forms: `try_send…` for a MIDI
/// callback, which cannot wait (what finds no room is lost, and reported
/// in the stream), and `try_push…` for a producer that keeps the message
/// and tries again (nothing is counted, nothing changes). Input that is not
/// MIDI ([`MidiMessage::INVALID`](crate::MidiMessage::INVALID) included) is never sent and never counted.
pub struct StreamSource {
    pub(super) entries: Producer<Entry>,
    /// `None` when the stream carries no SysEx.
    pub(super) bytes: Option<Producer<u8>>,
    pub(super) index: usize,
    pub(super) capacity: usize,
    pub(super) protocol: Protocol,
    /// MIDI 1.0 to 2.0, for a stream of the MIDI 2.0 protocol.
    pub(super) up: Option<Box<Midi1ToMidi2>>,
    /// MIDI 2.0 to 1.0, for a stream of the MIDI 1.0 protocol (stateless
    /// but for its counters).
    pub(super) down: Midi2ToMidi1,
    /// Messages lost since the last loss report was written: a report for
    /// them goes in before the next thing sent.
    pub(super) pending: usize,
    /// The latest time among the `pending` losses.
    pub(super) pending_time: u32,
    /// The time of the latest call, for a SysEx cut off by the source's
    /// drop.
    pub(super) last_time: u32,
    pub(super) assembly: Assembly,
    /// What the SysEx under way (or being discarded) is made of.
    pub(super) kind: SysExKind,
    /// Events sent so far (see [`SourceStats::sent`]).
    pub(super) sent: u64,
    /// The most entries waiting at once, seen after each write.
    pub(super) peak_entries: usize,
    /// The most SysEx bytes waiting at once, staged ones included.
    pub(super) peak_sysex_bytes: usize,
    /// Where the statistics are published for other threads, once a
    /// [`SourceMonitor`] was asked for.
    pub(super) counters: Option<Arc<Counters>>,
    /// This source's counter in the stream's activity summary: changed
    /// after every entry written and every loss counted, so that the
    /// audio thread can pass over a source that did nothing since it
    /// last looked. Declared last, so dropped last (Rust drops fields in
    /// declaration order, after `Drop::drop`): its drop stores the end
    /// after `entries`' drop has set the ring's abandoned flag and after
    /// the losses `Drop::drop` counts.
    pub(super) activity: ActivityWriter,
}

/// What a [`StreamSource`] has seen so far: for sizing its
/// [`capacity`](crate::StreamBuilder::capacity) and
/// [`sysex_bytes`](crate::StreamBuilder::sysex_bytes) from a session's real
/// traffic. From [`StreamSource::stats`].
///
/// ```
/// use bbx_midi::{MidiMessage, MidiStream};
///
/// let (mut source, mut stream) = MidiStream::builder().capacity(8).sysex_bytes(64).build();
/// for note in 60..65 {
///     source.try_send_at(MidiMessage::note_on(0, note, 100)?, 0);
/// }
/// source.try_send_bytes_at(&[0xF0, 0x7D, 1, 2, 0xF7], 0)?;
/// while stream.try_recv().is_some() {} // the audio thread catches up
/// source.try_send_at(MidiMessage::STOP, 1);
/// let stats = source.stats();
/// assert_eq!((stats.sent, stats.lost), (7, 0));
/// // Five notes and the SysEx waited at once: 6 of the 8 messages' room,
/// // and 5 of the 64 SysEx bytes.
/// assert_eq!((stats.peak_messages, stats.peak_sysex_bytes), (6, 5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SourceStats {
    /// Events sent: each message, packet or whole SysEx a `try_send…` or
    /// `try_push…` call delivered into the stream (one, even where the
    /// translation into the stream's protocol makes several), and each
    /// real-time byte taken out of a SysEx.
    pub sent: u64,
    /// Messages lost (as [`StreamSource::dropped`]).
    pub lost: usize,
    /// The most of the [`capacity`](StreamSource::capacity) in use at
    /// once: messages (in a MIDI 2.0 stream, packets of up to 64 bits)
    /// waiting for the audio thread, taken or not yet due, loss reports
    /// and SysEx announcements among them. At the capacity or above (loss
    /// reports have room kept for them) the source ran full.
    pub peak_messages: usize,
    /// The most SysEx bytes waiting at once, a SysEx still being gathered
    /// included: at [`sysex_capacity`](StreamSource::sysex_capacity) a
    /// SysEx found no room.
    pub peak_sysex_bytes: usize,
}

impl StreamSource {
    /// Whether `n` entries can be written now: after them, the
    /// [`RESERVE`] stays free, unless the loss report owed, which it is
    /// kept for, is written first.
    #[inline]
    pub(super) fn has_room(&self, n: usize) -> bool {
        // Nothing to write always fits (a middle piece of a SysEx, a
        // controller the translator holds).
        n == 0 || self.entries.has_slots(n + RESERVE)
    }

    /// Writes `entries` in one commit, after the loss report owed. The
    /// caller has checked [`has_room`](Self::has_room) for them.
    #[inline]
    pub(super) fn emit(&mut self, entries: &[Entry]) {
        if entries.is_empty() {
            // The loss report owed waits for the next entry, which it must
            // precede; until then the audio thread sees it at the end.
            return;
        }
        if self.pending > 0 {
            let (report, len) = Entry::losses(self.pending, self.pending_time);
            let written = self.entries.push_slice(&report[..len]);
            debug_assert_eq!(written, len);
            self.pending = 0;
        }
        if let [entry] = entries {
            let written = self.entries.try_push(*entry);
            debug_assert!(written.is_ok());
        } else {
            // One commit: the audio thread never sees part of them.
            let written = self.entries.push_slice(entries);
            debug_assert_eq!(written, entries.len());
        }
        self.sent = self.sent.wrapping_add(1);
        // After the commits: the audio thread that sees the change sees
        // the entries.
        self.activity.changed();
        // Entries only ever pile up here, so the most waiting at once is
        // seen right after a write. `slots` loads the audio thread's index:
        // one load of a shared line a send, on the sending thread.
        let waiting = self.entries.capacity() - self.entries.slots();
        self.peak_entries = self.peak_entries.max(waiting);
        self.publish();
    }

    /// Publishes the statistics for a [`SourceMonitor`], if there is one:
    /// four plain stores.
    #[inline]
    pub(super) fn publish(&self) {
        if let Some(counters) = &self.counters {
            let stats = self.stats();
            counters.publish([
                stats.sent as usize,
                stats.lost,
                stats.peak_messages,
                stats.peak_sysex_bytes,
            ]);
        }
    }

    /// Notes the SysEx bytes waiting now, staged ones included.
    pub(super) fn note_sysex_bytes(&mut self) {
        if let Some(bytes) = &self.bytes {
            let waiting = bytes.capacity() - bytes.slots() + bytes.staged();
            self.peak_sysex_bytes = self.peak_sysex_bytes.max(waiting);
        }
        self.publish();
    }

    /// Sends `entries` in one commit, or, when there is no room, loses
    /// `lost` (`counted`) or nothing.
    pub(super) fn send_batch(
        &mut self,
        entries: &[Entry],
        time: u32,
        counted: bool,
        lost: usize,
    ) -> Result<(), SendError> {
        if self.has_room(entries.len()) {
            self.emit(entries);
            Ok(())
        } else {
            if counted {
                self.lose(lost, time);
            }
            Err(SendError::Full)
        }
    }

    /// Whether a message sent now would find no room.
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().capacity(1).build();
    /// source.try_send_at(bbx_midi::MidiMessage::START, 0);
    /// assert!(source.is_full());
    /// ```
    #[inline]
    pub fn is_full(&self) -> bool {
        !self.has_room(self.entries_per_message())
    }

    /// Entries a message takes: one MIDI 1.0 message, or a 64-bit packet.
    #[inline]
    pub(super) fn entries_per_message(&self) -> usize {
        match self.protocol {
            Protocol::Midi1 => 1,
            Protocol::Midi2 => 2,
        }
    }

    /// How many messages can be sent right now (the audio thread may make
    /// room for more at any moment): MIDI 1.0 messages, or in a MIDI 2.0
    /// stream packets of up to 64 bits.
    ///
    /// ```
    /// let (source, _stream) = bbx_midi::MidiStream::builder().capacity(8).build();
    /// assert_eq!(source.slots(), 8);
    /// ```
    #[inline]
    pub fn slots(&self) -> usize {
        self.entries.slots().saturating_sub(RESERVE) / self.entries_per_message()
    }

    /// Free SysEx bytes right now, after the SysEx under way.
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().sysex_bytes(16).build();
    /// source.try_send_bytes_at(&[0xF0, 1, 2], 0)?;
    /// assert_eq!(source.sysex_slots(), 13);
    /// # Ok::<(), bbx_midi::SendError>(())
    /// ```
    #[inline]
    pub fn sysex_slots(&self) -> usize {
        self.bytes
            .as_ref()
            .map_or(0, |b| b.slots().saturating_sub(b.staged()))
    }

    /// Whether a SysEx is under way: pieces have come, its end has not.
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().sysex_bytes(16).build();
    /// source.try_send_bytes_at(&[0xF0, 1, 2], 0)?;
    /// assert!(source.sysex_in_progress());
    /// source.try_send_bytes_at(&[3, 0xF7], 1)?;
    /// assert!(!source.sysex_in_progress());
    /// # Ok::<(), bbx_midi::SendError>(())
    /// ```
    #[inline]
    pub fn sysex_in_progress(&self) -> bool {
        self.assembly == Assembly::Assembling
    }

    /// Messages this source holds when the audio thread takes nothing (see
    /// [`StreamBuilder::capacity`](crate::StreamBuilder::capacity)).
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().capacity(2).build();
    /// assert_eq!(source.capacity(), 2);
    /// source.try_send_at(bbx_midi::MidiMessage::START, 0);
    /// source.try_send_at(bbx_midi::MidiMessage::STOP, 0);
    /// assert!(source.is_full());
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The longest SysEx this source carries, in bytes, counting `0xF0` and
    /// `0xF7` (for a SysEx8, its stream ID).
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().sysex_bytes(3).build();
    /// assert_eq!(source.sysex_capacity(), 3);
    /// assert_eq!(source.try_send_bytes_at(&[0xF0, 0x7D, 0xF7], 0), Ok(()));
    /// ```
    #[inline]
    pub fn sysex_capacity(&self) -> usize {
        self.bytes.as_ref().map_or(0, Producer::capacity)
    }

    /// The protocol of the stream this source sends into.
    #[inline]
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// What this source has sent and lost, and the most of its room it
    /// used at once (see [`SourceStats`]): for sizing a source from what a
    /// session really sent. Wait-free; never allocates.
    pub fn stats(&self) -> SourceStats {
        SourceStats {
            sent: self.sent,
            lost: self.dropped(),
            peak_messages: self.peak_entries.div_ceil(self.entries_per_message()),
            peak_sysex_bytes: self.peak_sysex_bytes,
        }
    }

    /// A view of this source's [`stats`](Self::stats) that any thread can
    /// read, for an application showing its inputs' health while a MIDI
    /// callback owns the source. The first call allocates the shared
    /// counters (call it before handing the source to its thread); from
    /// then on each send publishes them with four plain stores.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, MidiStream};
    ///
    /// let (mut source, _stream) = MidiStream::builder().capacity(2).build();
    /// let monitor = source.monitor();
    /// std::thread::spawn(move || {
    ///     for _ in 0..3 {
    ///         source.try_send_at(MidiMessage::TIMING_CLOCK, 0);
    ///     }
    /// })
    /// .join()
    /// .unwrap();
    /// let stats = monitor.stats();
    /// assert_eq!((stats.sent, stats.lost, stats.peak_messages), (2, 1, 2));
    /// ```
    pub fn monitor(&mut self) -> SourceMonitor {
        let counters = self
            .counters
            .get_or_insert_with(|| Arc::new(Counters::default()))
            .clone();
        self.publish();
        SourceMonitor { counters }
    }

    /// Messages lost so far, in total (wrapping at `usize::MAX`).
    ///
    /// ```
    /// let (mut source, _stream) = bbx_midi::MidiStream::builder().capacity(1).build();
    /// source.try_send_at(bbx_midi::MidiMessage::START, 0);
    /// source.try_send_at(bbx_midi::MidiMessage::STOP, 0);
    /// assert_eq!(source.dropped(), 1);
    /// ```
    #[inline]
    pub fn dropped(&self) -> usize {
        self.entries.dropped()
    }

    /// This source's number in the stream, as [`Received::source`](crate::Received::source) gives it.
    ///
    /// ```
    /// let ([_a, mut b], mut stream) = bbx_midi::MidiStream::builder().build_merged();
    /// b.try_send_at(bbx_midi::MidiMessage::START, 0);
    /// assert_eq!(b.index(), 1);
    /// assert_eq!(stream.try_recv().unwrap().source, b.index());
    /// ```
    #[inline]
    pub fn index(&self) -> usize {
        self.index
    }

    /// Whether the [`MidiStream`](crate::MidiStream) has been dropped: nobody will read what
    /// is sent.
    ///
    /// ```
    /// let (source, stream) = bbx_midi::MidiStream::builder().build();
    /// assert!(!source.is_abandoned());
    /// drop(stream);
    /// assert!(source.is_abandoned());
    /// ```
    #[inline]
    pub fn is_abandoned(&self) -> bool {
        self.entries.is_abandoned()
    }
}

impl Drop for StreamSource {
    fn drop(&mut self) {
        if self.assembly == Assembly::Assembling {
            // A SysEx that will never end: reported lost.
            self.lose(1, self.last_time);
        }
        // Then the fields: the rings' producers (the abandoned flag), and
        // last `activity`, whose end the audio thread waits for.
    }
}

impl fmt::Debug for StreamSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamSource")
            .field("index", &self.index)
            .field("protocol", &self.protocol)
            .field("capacity", &self.capacity)
            .field("sysex_capacity", &self.sysex_capacity())
            .field("dropped", &self.dropped())
            .field("sysex_in_progress", &self.sysex_in_progress())
            .finish_non_exhaustive()
    }
}

/// A [`StreamSource`]'s statistics, readable from any thread: from
/// [`StreamSource::monitor`]. `Send` and `Sync`; clone it for each reader.
#[derive(Clone)]
pub struct SourceMonitor {
    counters: Arc<Counters>,
}

impl SourceMonitor {
    /// What the source published at a recent send (`sent` wraps at
    /// `usize::MAX` here). Each figure is as its last store left it; the
    /// four are loaded one by one, not as one snapshot, so a read during a
    /// send may pair a figure from that send with ones from the send
    /// before. Wait-free: four loads.
    pub fn stats(&self) -> SourceStats {
        let [sent, lost, peak_messages, peak_sysex_bytes] = self.counters.read();
        SourceStats {
            sent: sent as u64,
            lost,
            peak_messages,
            peak_sysex_bytes,
        }
    }
}

impl fmt::Debug for SourceMonitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SourceMonitor").field(&self.stats()).finish()
    }
}
