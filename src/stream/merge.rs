//! The merge: every source's events into one time-ordered stream.

use crate::event::{Event, MidiEvent, Received};
use crate::message::MidiMessage;
use alloc::boxed::Box;
use core::fmt;

use super::builder::{Protocol, StreamBuilder};
use super::entry::TAG_SYSEX;
use super::later;
use super::receive::{Head, SourceRx};

/// Decides which events [`MidiStream::next_for`] takes, by their stamps.
pub(crate) trait Picker {
    /// What taking an event gives besides the event.
    type Out;
    /// Whether an event stamped `time` is taken now. Does not change the
    /// picker.
    fn takes(&self, time: u32) -> bool;
    /// Takes an event stamped `time`, which [`takes`](Self::takes) said yes
    /// to.
    fn take(&mut self, time: u32) -> Self::Out;
}

/// Takes every event, as it comes.
pub(super) struct Everything;

impl Picker for Everything {
    type Out = ();
    fn takes(&self, _: u32) -> bool {
        true
    }
    fn take(&mut self, _: u32) {}
}

/// The audio thread's end of a stream: every source's events, merged in
/// time order. Made by [`MidiStream::builder`].
///
/// `Send`, not `Sync`. Every method is wait-free, bounded by the number of
/// sources, and never allocates.
pub struct MidiStream {
    pub(super) sources: Box<[SourceRx]>,
    /// Where a SysEx is copied to be lent out: the SysEx capacity.
    pub(super) scratch: Box<[u8]>,
    pub(super) capacity: usize,
    pub(super) protocol: Protocol,
    /// Messages reported lost so far.
    pub(super) lost: usize,
}

impl MidiStream {
    /// A builder: capacity (messages per source), SysEx bytes, number of
    /// sources.
    ///
    /// ```
    /// let (source, stream) = bbx_midi::MidiStream::builder().build();
    /// assert_eq!((source.capacity(), stream.sysex_capacity()), (256, 0));
    /// ```
    pub fn builder() -> StreamBuilder {
        StreamBuilder::default()
    }

    /// The source whose next event is the earliest, and that event.
    #[inline]
    fn select(&mut self) -> Option<(usize, Head)> {
        let mut best: Option<(usize, Head)> = None;
        for (index, source) in self.sources.iter_mut().enumerate() {
            if let Some(head) = source.head() {
                if best.is_none_or(|(_, b)| later(b.time(), head.time())) {
                    best = Some((index, head));
                }
            }
        }
        best
    }

    /// Takes the next event `picker` takes: the earliest stamped of the
    /// sources' next events if the picker takes it; if not, the first
    /// other source's next event the picker takes (a misdated stamp must
    /// not wait behind events that are not due yet).
    #[inline]
    pub(crate) fn next_for<P: Picker>(&mut self, picker: &mut P) -> Option<(P::Out, Received<'_>)> {
        let (mut source, mut head) = self.select()?;
        if !picker.takes(head.time()) {
            (source, head) = self
                .sources
                .iter_mut()
                .enumerate()
                .find_map(|(index, source)| {
                    source
                        .head()
                        .filter(|head| picker.takes(head.time()))
                        .map(|head| (index, head))
                })?;
        }
        let time = head.time();
        let picked = picker.take(time);
        let event = self.sources[source].take(head, &mut self.scratch);
        if let Event::Lost { count } = event {
            self.lost = self.lost.wrapping_add(count);
        }
        Some((
            picked,
            Received {
                time,
                source,
                event,
            },
        ))
    }

    /// Takes the next event of the stream: the earliest stamped of the
    /// sources' next events, or `None` if there is none. A SysEx is lent
    /// until the next call.
    ///
    /// Wait-free (bounded by the number of sources; a SysEx costs a copy of
    /// its bytes); never allocates.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    ///
    /// let ([mut a, mut b], mut stream) = MidiStream::builder().build_merged();
    /// a.try_send_at(MidiMessage::STOP, 30);
    /// b.try_send_at(MidiMessage::START, 20);
    /// let times: Vec<_> = std::iter::from_fn(|| stream.try_recv().map(|r| (r.source, r.time))).collect();
    /// assert_eq!(times, [(1, 20), (0, 30)]);
    /// ```
    pub fn try_recv(&mut self) -> Option<Received<'_>> {
        self.next_for(&mut Everything)
            .map(|((), received)| received)
    }

    /// The time of the event [`try_recv`](Self::try_recv) would take, or
    /// `None` if there is none.
    ///
    /// ```
    /// let (mut source, mut stream) = bbx_midi::MidiStream::builder().build();
    /// assert_eq!(stream.peek_time(), None);
    /// source.try_send_at(bbx_midi::MidiMessage::START, 7);
    /// assert_eq!(stream.peek_time(), Some(7));
    /// ```
    pub fn peek_time(&mut self) -> Option<u32> {
        self.select().map(|(_, head)| head.time())
    }

    /// Moves the next short messages, with their times, into the front of
    /// `out`, in stream order, and returns how many. Stops early before a
    /// SysEx or a loss, which [`try_recv`](Self::try_recv) takes.
    ///
    /// For a [`Protocol::Midi1`] stream only: a MIDI 2.0 stream delivers
    /// packets, which a [`MidiEvent`] cannot hold, so there it takes
    /// nothing and returns 0 (take its events with
    /// [`try_recv`](Self::try_recv)).
    ///
    /// Wait-free; never allocates.
    ///
    /// ```
    /// use bbx_midi::{MidiEvent, MidiMessage, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().build();
    /// source.try_send_at(MidiMessage::START, 1);
    /// source.try_send_at(MidiMessage::STOP, 2);
    /// let mut block = [MidiEvent::default(); 8];
    /// assert_eq!(stream.pop_into(&mut block), 2);
    /// assert_eq!(block[1], MidiEvent::new(MidiMessage::STOP, 2));
    /// ```
    pub fn pop_into(&mut self, out: &mut [MidiEvent]) -> usize {
        let mut n = 0;
        while n < out.len() {
            let Some((source, Head::Entry(entry))) = self.select() else {
                break;
            };
            if entry.tag() >= TAG_SYSEX {
                break;
            }
            self.sources[source].entries.try_pop();
            out[n] = MidiEvent {
                message: MidiMessage::from_stored(entry.data),
                time: entry.time,
            };
            n += 1;
        }
        n
    }

    /// The protocol this stream delivers.
    ///
    /// ```
    /// let (_source, stream) = bbx_midi::MidiStream::builder().build();
    /// assert_eq!(stream.protocol(), bbx_midi::Protocol::Midi1);
    /// ```
    #[inline]
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The number of sources.
    ///
    /// ```
    /// let (_sources, stream) = bbx_midi::MidiStream::builder().build_sources(3);
    /// assert_eq!(stream.sources(), 3);
    /// ```
    #[inline]
    pub fn sources(&self) -> usize {
        self.sources.len()
    }

    /// Messages each source holds when the audio thread takes nothing (see
    /// [`StreamBuilder::capacity`]).
    ///
    /// ```
    /// let ([a, b], stream) = bbx_midi::MidiStream::builder().capacity(64).build_merged();
    /// assert_eq!((stream.capacity(), a.capacity(), b.capacity()), (64, 64, 64));
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The longest SysEx the stream carries, in bytes: each source's
    /// [`sysex_capacity`](crate::StreamSource::sysex_capacity).
    ///
    /// ```
    /// let (source, stream) = bbx_midi::MidiStream::builder().sysex_bytes(512).build();
    /// assert_eq!((stream.sysex_capacity(), source.sysex_capacity()), (512, 512));
    /// ```
    #[inline]
    pub fn sysex_capacity(&self) -> usize {
        self.scratch.len()
    }

    /// Messages reported lost so far, in [`Event::Lost`] events (wrapping
    /// at `usize::MAX`).
    ///
    /// ```
    /// let (mut source, mut stream) = bbx_midi::MidiStream::builder().build();
    /// source.add_dropped_at(3, 0);
    /// stream.try_recv();
    /// assert_eq!(stream.lost(), 3);
    /// ```
    #[inline]
    pub fn lost(&self) -> usize {
        self.lost
    }

    /// Whether every source has been dropped. Once it is `true`, taking
    /// events until `None` empties the stream for good.
    ///
    /// ```
    /// let (source, stream) = bbx_midi::MidiStream::builder().build();
    /// drop(source);
    /// assert!(stream.is_abandoned());
    /// ```
    pub fn is_abandoned(&self) -> bool {
        self.sources.iter().all(|s| s.entries.is_abandoned())
    }
}

impl fmt::Debug for MidiStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MidiStream")
            .field("sources", &self.sources.len())
            .field("capacity", &self.capacity)
            .field("sysex_capacity", &self.scratch.len())
            .field("lost", &self.lost)
            .finish_non_exhaustive()
    }
}
