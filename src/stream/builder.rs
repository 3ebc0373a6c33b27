//! Building a stream: the protocol, the room per source, and the rings.

use crate::activity::{Activity, ActivityWriter};
use crate::spsc::SpscRingBuffer;
use crate::sync::Arc;
use crate::ump::{Midi1ToMidi2, Midi2ToMidi1};
use alloc::boxed::Box;
use alloc::vec::Vec;

use super::MAX_SYSEX_BYTES;
use super::SourceAdder;
use super::entry::RESERVE;
use super::merge::{MidiStream, STALE};
use super::queue::Queue;
use super::receive::SourceRx;
use super::source::StreamSource;
use super::sysex::{Assembly, SysExKind};

/// The protocol a [`MidiStream`] delivers to the audio thread. Its sources
/// take both and translate, by the MIDI 2.0 specification's default
/// translation ([`ump`](crate::ump)), on the thread that sends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// MIDI 1.0: [`Event::Message`](crate::Event::Message), [`Event::SysEx`](crate::Event::SysEx) and [`Event::Lost`](crate::Event::Lost).
    /// Packets of a UMP source lose their group; what has no MIDI 1.0 form
    /// is refused with [`SendError::NoEquivalent`](crate::SendError::NoEquivalent) and counted.
    #[default]
    Midi1,
    /// MIDI 2.0: [`Event::Ump`](crate::Event::Ump), [`Event::SysEx7`](crate::Event::SysEx7), [`Event::SysEx8`](crate::Event::SysEx8) and
    /// [`Event::Lost`](crate::Event::Lost). MIDI 1.0 input arrives on group 0, translated to
    /// MIDI 2.0 channel voice messages; a Data Entry MSB is sent at once,
    /// and again with its LSB when Data Entry LSB follows.
    Midi2,
}

/// Creates streams; from [`MidiStream::builder`].
///
/// ```
/// let (source, stream) = bbx_midi::MidiStream::builder()
///     .capacity(128)
///     .sysex_bytes(4096)
///     .build();
/// assert_eq!((source.capacity(), stream.sysex_capacity()), (128, 4096));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StreamBuilder {
    capacity: usize,
    sysex_bytes: usize,
    protocol: Protocol,
    /// 0: as many as are built.
    max_sources: usize,
}

impl Default for StreamBuilder {
    fn default() -> Self {
        Self {
            capacity: 256,
            sysex_bytes: 0,
            protocol: Protocol::Midi1,
            max_sources: 0,
        }
    }
}

impl StreamBuilder {
    /// Room for `messages` messages per source (default 256): MIDI 1.0
    /// short messages, or in a MIDI 2.0 stream packets of 32 or 64 bits (a
    /// 96- or 128-bit packet takes the room of one and a half). A SysEx
    /// takes the room of one (of half a packet in a MIDI 2.0 stream), plus
    /// its bytes.
    ///
    /// # Sizing
    ///
    /// The room bounds everything a source has waiting at once: what the
    /// audio thread has not taken yet, and with a
    /// [`BlockScheduler`](crate::BlockScheduler) every event not yet due,
    /// which it leaves in the source until its frame. So a source must
    /// hold its peak rate times the scheduler's latency plus a block: a
    /// keyboard sending 20 messages a millisecond (a burst of controllers)
    /// into a scheduler with 11 ms of latency and 10 ms blocks keeps up to
    /// 20 × (11 + 10) = 420 messages waiting, so `capacity(512)`; with
    /// `capacity(8)` it would lose 19 of every 20. A source's
    /// [`stats`](StreamSource::stats) tell the most it ever had waiting
    /// (`peak_messages`), to size it from a real session.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, MidiStream};
    ///
    /// let (mut source, _stream) = MidiStream::builder().capacity(2).build();
    /// assert!(source.try_send_at(MidiMessage::START, 0));
    /// assert!(source.try_send_at(MidiMessage::STOP, 0));
    /// assert!(!source.try_send_at(MidiMessage::CONTINUE, 0), "full: lost");
    /// ```
    pub fn capacity(mut self, messages: usize) -> Self {
        self.capacity = messages;
        self
    }

    /// Room for `bytes` bytes of SysEx per source, which is also the
    /// longest SysEx the stream carries (default 0: every SysEx is
    /// refused as too large). At most [`MAX_SYSEX_BYTES`].
    ///
    /// Like [`capacity`](Self::capacity), it bounds all the SysEx waiting
    /// at once, not only the longest: two 3000-byte SysEx sent within the
    /// scheduler's latency of each other need 6000 bytes (a SysEx being
    /// gathered counts too), so `sysex_bytes(8192)`; in 4096 the second is
    /// lost. [`SourceStats::peak_sysex_bytes`](crate::SourceStats::peak_sysex_bytes) tells the most a session
    /// had waiting. The stream allocates and writes a buffer of this size
    /// once, when it is built, to lend each SysEx out whole.
    ///
    /// ```
    /// use bbx_midi::{MidiStream, SendError};
    ///
    /// let (mut source, _stream) = MidiStream::builder().sysex_bytes(4).build();
    /// assert_eq!(source.try_send_bytes_at(&[0xF0, 1, 2, 0xF7], 0), Ok(()));
    /// let five = source.try_send_bytes_at(&[0xF0, 1, 2, 3, 0xF7], 0);
    /// assert_eq!(five, Err(SendError::TooLarge { len: 5, max: 4 }));
    /// ```
    pub fn sysex_bytes(mut self, bytes: usize) -> Self {
        self.sysex_bytes = bytes;
        self
    }

    /// The protocol the audio thread receives (default [`Protocol::Midi1`]).
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream, Protocol};
    /// use bbx_midi::ump::Midi2ChannelVoice;
    ///
    /// let (mut source, mut stream) = MidiStream::builder().protocol(Protocol::Midi2).build();
    /// source.try_send_at(MidiMessage::note_on(0, 60, 64)?, 0); // a MIDI 1.0 keyboard...
    /// let expected = Midi2ChannelVoice::note_on(0, 0, 60, 0x8000, 0, 0)?.packet();
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Ump(expected)); // ...a MIDI 2.0 synth
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// The most sources the stream holds at once, those built and those
    /// added while it runs by its [`SourceAdder`](super::SourceAdder)
    /// (default: the number built, so none can be added). Each slot costs
    /// a few hundred bytes, allocated when the stream is built; a look at
    /// the sources visits only those in use.
    ///
    /// ```
    /// let (sources, mut stream) = bbx_midi::MidiStream::builder().max_sources(16).build_sources(2);
    /// assert_eq!((sources.len(), stream.sources(), stream.max_sources()), (2, 2, 16));
    /// assert!(stream.adder().unwrap().add().is_ok());
    /// ```
    pub fn max_sources(mut self, sources: usize) -> Self {
        self.max_sources = sources;
        self
    }

    /// The entry ring's slots for `capacity` messages of `protocol`.
    fn entry_slots(capacity: usize, protocol: Protocol) -> Option<usize> {
        // Entries: one a MIDI 1.0 message; two a 64-bit packet, and room for
        // the largest packet (three) even at capacity 1.
        let entries = match protocol {
            Protocol::Midi1 => Some(capacity),
            Protocol::Midi2 => capacity.checked_mul(2).map(|e| e.max(3)),
        };
        entries.and_then(|e| e.checked_add(RESERVE))
    }

    /// A source's two ends, its rings allocated; the source writes slot
    /// `index`'s counter of `activity` (see [`ActivityWriter::claim`]).
    pub(super) fn pair(
        index: usize,
        capacity: usize,
        sysex_bytes: usize,
        protocol: Protocol,
        activity: &Arc<Activity>,
    ) -> (StreamSource, SourceRx) {
        let Some(slots) = Self::entry_slots(capacity, protocol) else {
            panic!("MidiStream: capacity {capacity} is too large")
        };
        let (entries_tx, entries_rx) = SpscRingBuffer::new(slots);
        let (bytes_tx, bytes_rx) = match sysex_bytes {
            0 => (None, None),
            bytes => {
                let (tx, rx) = SpscRingBuffer::new(bytes);
                (Some(tx), Some(rx))
            }
        };
        let source = StreamSource {
            entries: entries_tx,
            bytes: bytes_tx,
            index,
            capacity,
            protocol,
            up: match protocol {
                Protocol::Midi1 => None,
                Protocol::Midi2 => Some(Box::new(Midi1ToMidi2::new())),
            },
            down: Midi2ToMidi1::new(),
            pending: 0,
            pending_time: 0,
            last_time: 0,
            assembly: Assembly::Idle,
            kind: SysExKind::Bytes,
            sent: 0,
            peak_entries: 0,
            peak_sysex_bytes: 0,
            counters: None,
            activity: ActivityWriter::claim(Arc::clone(activity), index),
        };
        (source, SourceRx::new(entries_rx, bytes_rx))
    }

    /// A stream with one source.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().build();
    /// assert_eq!((source.index(), stream.sources()), (0, 1));
    /// source.try_send_at(MidiMessage::START, 0);
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Message(MidiMessage::START));
    /// ```
    ///
    /// # Panics
    ///
    /// If the capacity is 0, the SysEx capacity above
    /// [`MAX_SYSEX_BYTES`], or either too large to allocate.
    pub fn build(self) -> (StreamSource, MidiStream) {
        let (mut sources, stream) = self.build_sources(1);
        let source = sources.pop().expect("one source was made");
        (source, stream)
    }

    /// A stream merging `N` sources, numbered 0 to `N - 1` in the array.
    ///
    /// ```
    /// let ([a, b, c], stream) = bbx_midi::MidiStream::builder().build_merged();
    /// assert_eq!((a.index(), b.index(), c.index(), stream.sources()), (0, 1, 2, 3));
    /// ```
    ///
    /// # Panics
    ///
    /// As [`build`](Self::build), and if `N` is 0.
    pub fn build_merged<const N: usize>(self) -> ([StreamSource; N], MidiStream) {
        let (sources, stream) = self.build_sources(N);
        let mut sources = sources.into_iter();
        let sources = core::array::from_fn(|_| sources.next().expect("N sources were made"));
        (sources, stream)
    }

    /// A stream merging `n` sources, for a number known only at run time.
    ///
    /// ```
    /// let (sources, stream) = bbx_midi::MidiStream::builder().build_sources(4);
    /// assert_eq!((sources.len(), stream.sources()), (4, 4));
    /// ```
    ///
    /// # Panics
    ///
    /// As [`build`](Self::build), and if `n` is 0.
    pub fn build_sources(self, n: usize) -> (Vec<StreamSource>, MidiStream) {
        let Self {
            capacity,
            sysex_bytes,
            protocol,
            max_sources,
        } = self;
        assert!(n > 0, "MidiStream: at least one source is needed, got 0");
        assert!(
            capacity > 0,
            "MidiStream: capacity must be at least 1, got 0"
        );
        assert!(
            sysex_bytes <= MAX_SYSEX_BYTES,
            "MidiStream: sysex_bytes {sysex_bytes} exceeds the maximum, {MAX_SYSEX_BYTES}"
        );
        assert!(
            Self::entry_slots(capacity, protocol).is_some(),
            "MidiStream: capacity {capacity} is too large"
        );
        let max = max_sources.max(n);
        assert!(
            u32::try_from(max).is_ok(),
            "MidiStream: max_sources {max} is too large"
        );
        let activity = Arc::new(Activity::new(max));
        let mut producers = Vec::with_capacity(n);
        let mut sources = Vec::with_capacity(max);
        for index in 0..n {
            let (source, rx) = Self::pair(index, capacity, sysex_bytes, protocol, &activity);
            producers.push(source);
            sources.push(Some(rx));
        }
        sources.resize_with(max, || None);
        // Filled with a value other than 0, so that its pages are written
        // here (see the scratch below): the audio thread writes it.
        let mut live = alloc::vec![u32::MAX; max].into_boxed_slice();
        for (slot, index) in live.iter_mut().zip(0..n as u32) {
            *slot = index;
        }
        // The hand-over, both ways, each ring holding every slot.
        let (arrivals_tx, arrivals) = SpscRingBuffer::new(max);
        let (retired, retired_rx) = SpscRingBuffer::new(max);
        let adder = SourceAdder {
            arrivals: arrivals_tx,
            retired: retired_rx,
            free: (n..max).rev().collect(),
            capacity,
            sysex_bytes,
            max_sysex_bytes: sysex_bytes,
            protocol,
            activity: Arc::clone(&activity),
        };
        let stream = MidiStream {
            sources: sources.into_boxed_slice(),
            live,
            live_len: n,
            queue: Queue::new(max),
            arrivals,
            retired,
            adder: Some(adder),
            activity,
            // Both written by the audio thread at its looks, so written here
            // first with values other than 0, as `live` is. Every slot is
            // marked stale, due a visit: none was visited yet.
            seen: alloc::vec![STALE; max].into_boxed_slice(),
            visits: alloc::vec![u32::MAX; max].into_boxed_slice(),
            sweep: 0,
            last_time: 0,
            looked: None,
            // Filled with a byte other than 0, which makes it a write of
            // every page here rather than zeroed pages the kernel maps on
            // first touch: the audio thread, which copies each SysEx into
            // it, must take no page fault.
            scratch: alloc::vec![0xF7; sysex_bytes].into_boxed_slice(),
            capacity,
            protocol,
            lost: 0,
        };
        (producers, stream)
    }
}
