//! The typed MIDI buffer: [`MidiMessage`]s (or timestamped [`MidiEvent`]s)
//! from a MIDI input thread to an audio thread.
//!
//! A thin layer over [`spsc`](crate::spsc): every guarantee stated there
//! holds here, and this module adds no atomics and no `unsafe` of its own.
//!
//! A send that fails because the buffer is full drops the message, and a
//! dropped Note Off leaves a note hanging. So every such drop is counted,
//! and the audio side can ask for the count with
//! [`take_dropped`](MidiBufferConsumer::take_dropped) and answer a loss with
//! [`MidiMessage::release_all_notes`].

use alloc::vec::Vec;
use core::fmt;

use crate::message::MidiMessage;
use crate::spsc::{Consumer, Producer, SpscRingBuffer};
use crate::timing::MidiEvent;

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::MidiMessage {}
    impl Sealed for crate::MidiEvent {}
}

/// What a MIDI buffer carries: [`MidiMessage`] (the default) or
/// [`MidiEvent`]. Sealed.
pub trait BufferItem: Copy + Default + Send + fmt::Debug + sealed::Sealed + 'static {}
impl BufferItem for MidiMessage {}
impl BufferItem for MidiEvent {}

/// Creates a buffer for `capacity` MIDI messages and returns its two ends:
/// the producer for the MIDI input thread, the consumer for the audio thread.
///
/// Allocates once, here; nothing afterwards allocates. The buffer holds
/// exactly `capacity` messages (64 to 256 is typical: a burst of a few
/// hundred messages inside one audio block is rare even with dense
/// controller data).
///
/// # Panics
///
/// If `capacity` is 0, or too large to allocate.
///
/// # Examples
///
/// ```
/// use bbx_midi::{MidiMessage, midi_buffer};
///
/// let (mut producer, mut consumer) = midi_buffer(64);
///
/// // MIDI input thread
/// assert!(producer.try_send(MidiMessage::new([0x90, 60, 100])));
///
/// // audio thread
/// let msg = consumer.try_pop().unwrap();
/// assert_eq!(msg.note(), Some(60));
/// assert!(consumer.try_pop().is_none());
/// ```
pub fn midi_buffer(capacity: usize) -> (MidiBufferProducer, MidiBufferConsumer) {
    buffer(capacity)
}

/// Creates a buffer for `capacity` timestamped [`MidiEvent`]s: the same
/// buffer as [`midi_buffer`], with 8-byte slots, for sample-accurate
/// playback with a [`BlockScheduler`](crate::BlockScheduler).
///
/// # Panics
///
/// If `capacity` is 0, or too large to allocate.
///
/// ```
/// use bbx_midi::{MidiEvent, MidiMessage, midi_event_buffer};
///
/// let (mut producer, mut consumer) = midi_event_buffer(64);
/// assert!(producer.try_send_at(MidiMessage::START, 1_500));
/// assert_eq!(consumer.try_pop(), Some(MidiEvent::new(MidiMessage::START, 1_500)));
/// ```
pub fn midi_event_buffer(
    capacity: usize,
) -> (MidiBufferProducer<MidiEvent>, MidiBufferConsumer<MidiEvent>) {
    buffer(capacity)
}

fn buffer<T: BufferItem>(capacity: usize) -> (MidiBufferProducer<T>, MidiBufferConsumer<T>) {
    let (producer, consumer) = SpscRingBuffer::new(capacity);
    (
        MidiBufferProducer { producer },
        MidiBufferConsumer { consumer },
    )
}

/// The sending end of a [`midi_buffer`] (or [`midi_event_buffer`]), for the
/// MIDI input thread.
///
/// `Send`, not `Sync`: move it into the thread (or `midir` callback) that
/// receives MIDI. Every method is wait-free and never allocates.
#[derive(Debug)]
pub struct MidiBufferProducer<T: BufferItem = MidiMessage> {
    producer: Producer<T>,
}

impl<T: BufferItem> MidiBufferProducer<T> {
    /// Sends `item` to the consumer; returns `false` when the buffer is
    /// full, in which case it is dropped and counted (see
    /// [`dropped`](Self::dropped) and
    /// [`MidiBufferConsumer::take_dropped`]). A MIDI callback cannot wait,
    /// so a refusal is a loss; a producer that retries should use
    /// [`try_push`](Self::try_push), which counts nothing.
    ///
    /// Wait-free; never allocates.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, _consumer) = midi_buffer(1);
    /// assert!(producer.try_send(MidiMessage::TIMING_CLOCK));
    /// assert!(!producer.try_send(MidiMessage::TIMING_CLOCK));
    /// assert_eq!(producer.dropped(), 1);
    /// ```
    #[inline]
    pub fn try_send(&mut self, item: T) -> bool {
        if self.producer.try_push(item).is_ok() {
            return true;
        }
        self.producer.add_dropped(1);
        false
    }

    /// Sends `item`, or gives it back in `Err` when the buffer is full,
    /// **without** counting it as dropped: for a producer that keeps the
    /// item and tries again later (a sequencer, a retry loop). If it then
    /// gives up on it, it can say so with [`add_dropped`](Self::add_dropped).
    ///
    /// Wait-free; never allocates.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_buffer(1);
    /// producer.try_push(MidiMessage::START).unwrap();
    /// let back = producer.try_push(MidiMessage::STOP).unwrap_err();
    /// assert_eq!(back, MidiMessage::STOP);
    /// consumer.try_pop();
    /// assert!(producer.try_push(back).is_ok());
    /// assert_eq!(consumer.take_dropped(), 0);
    /// ```
    #[inline]
    pub fn try_push(&mut self, item: T) -> Result<(), T> {
        self.producer.try_push(item)
    }

    /// Reports `n` messages this side gave up on, so that the consumer
    /// learns of the loss through
    /// [`take_dropped`](MidiBufferConsumer::take_dropped). `try_send` and
    /// `try_send_slice` report their refusals themselves.
    #[inline]
    pub fn add_dropped(&mut self, n: usize) {
        self.producer.add_dropped(n);
    }

    /// Sends as many items from the front of `items` as there is room for,
    /// in order, and returns how many it sent; the rest are dropped and
    /// counted, as by [`try_send`](Self::try_send).
    ///
    /// For a producer that has several messages at once (a parsed stream
    /// chunk, a sequencer step). Wait-free; never allocates; at most two
    /// `memcpy`s.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_buffer(2);
    /// let chord = [60, 64, 67].map(|note| MidiMessage::note_on(0, note, 90).unwrap());
    /// assert_eq!(producer.try_send_slice(&chord), 2); // the third did not fit
    /// assert_eq!(consumer.try_pop(), Some(chord[0]));
    /// assert_eq!(consumer.try_pop(), Some(chord[1]));
    /// assert_eq!(consumer.take_dropped(), 1);
    /// ```
    #[inline]
    pub fn try_send_slice(&mut self, items: &[T]) -> usize {
        let sent = self.producer.push_slice(items);
        if sent < items.len() {
            self.producer.add_dropped(items.len() - sent);
        }
        sent
    }

    /// Whether a send would fail right now (the consumer may make room at any
    /// moment).
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, _consumer) = midi_buffer(1);
    /// assert!(!producer.is_full());
    /// producer.try_send(MidiMessage::START);
    /// assert!(producer.is_full());
    /// ```
    #[inline]
    pub fn is_full(&self) -> bool {
        self.producer.is_full()
    }

    /// The number of messages that can be sent right now without failing.
    ///
    /// ```
    /// let (producer, _consumer) = bbx_midi::midi_buffer(8);
    /// assert_eq!(producer.slots(), 8);
    /// ```
    #[inline]
    pub fn slots(&self) -> usize {
        self.producer.slots()
    }

    /// The number of messages the buffer holds when full.
    ///
    /// ```
    /// let (producer, _consumer) = bbx_midi::midi_buffer(100);
    /// assert_eq!(producer.capacity(), 100);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.producer.capacity()
    }

    /// The number of messages dropped so far because the buffer was full
    /// (wrapping at `usize::MAX`).
    #[inline]
    pub fn dropped(&self) -> usize {
        self.producer.dropped()
    }

    /// Whether the consumer has been dropped: nobody will read what is sent.
    ///
    /// ```
    /// let (producer, consumer) = bbx_midi::midi_buffer(8);
    /// drop(consumer);
    /// assert!(producer.is_abandoned());
    /// ```
    #[inline]
    pub fn is_abandoned(&self) -> bool {
        self.producer.is_abandoned()
    }
}

impl MidiBufferProducer<MidiEvent> {
    /// Sends `message` stamped with `time_us`, the time it arrived in
    /// microseconds on the clock the audio side schedules by (a
    /// [`MidiClock`](crate::MidiClock), for instance). As
    /// [`try_send`](Self::try_send) otherwise.
    ///
    /// ```
    /// let (mut producer, _consumer) = bbx_midi::midi_event_buffer(8);
    /// assert!(producer.try_send_at(bbx_midi::MidiMessage::STOP, 42));
    /// ```
    #[inline]
    pub fn try_send_at(&mut self, message: MidiMessage, time_us: u64) -> bool {
        self.try_send(MidiEvent::new(message, time_us))
    }
}

/// The receiving end of a [`midi_buffer`] (or [`midi_event_buffer`]), for
/// the audio thread.
///
/// `Send`, not `Sync`. Every method but [`drain_into`](Self::drain_into) is
/// wait-free and never allocates, so it is safe to call from an audio
/// callback.
#[derive(Debug)]
pub struct MidiBufferConsumer<T: BufferItem = MidiMessage> {
    consumer: Consumer<T>,
}

impl<T: BufferItem> MidiBufferConsumer<T> {
    /// Removes and returns the oldest message, or `None` if there is none.
    ///
    /// Wait-free; never allocates.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_buffer(8);
    /// producer.try_send(MidiMessage::START);
    /// producer.try_send(MidiMessage::STOP);
    /// assert_eq!(consumer.try_pop(), Some(MidiMessage::START));
    /// assert_eq!(consumer.try_pop(), Some(MidiMessage::STOP));
    /// assert_eq!(consumer.try_pop(), None);
    /// ```
    #[inline]
    pub fn try_pop(&mut self) -> Option<T> {
        self.consumer.try_pop()
    }

    /// The oldest message, left in the buffer, or `None` if there is none.
    ///
    /// Wait-free; never allocates.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_buffer(8);
    /// producer.try_send(MidiMessage::START);
    /// assert_eq!(consumer.peek(), Some(&MidiMessage::START));
    /// assert_eq!(consumer.try_pop(), Some(MidiMessage::START));
    /// ```
    #[inline]
    pub fn peek(&self) -> Option<&T> {
        self.consumer.peek()
    }

    /// Moves the oldest messages into the front of `out`, as many as are
    /// waiting and fit, and returns how many.
    ///
    /// The real-time way to take a block's worth of MIDI at once: wait-free,
    /// never allocates, at most two `memcpy`s.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_buffer(8);
    /// producer.try_send(MidiMessage::START);
    /// producer.try_send(MidiMessage::STOP);
    ///
    /// let mut block = [MidiMessage::INVALID; 4]; // lives in the audio callback's state
    /// let n = consumer.pop_into(&mut block);
    /// assert_eq!(&block[..n], &[MidiMessage::START, MidiMessage::STOP]);
    /// ```
    #[inline]
    pub fn pop_into(&mut self, out: &mut [T]) -> usize {
        self.consumer.pop_slice(out)
    }

    /// Appends every message waiting when it is called to `messages` and
    /// returns how many.
    ///
    /// **May allocate**: it grows `messages` if there is not room. That is
    /// not real-time safe unless `messages` already has spare capacity for
    /// [`capacity`](Self::capacity) messages; on the audio thread prefer
    /// [`pop_into`](Self::pop_into), which never allocates. Messages sent
    /// while it runs are left for the next call, so it always ends.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_buffer(8);
    /// producer.try_send(MidiMessage::START);
    /// let mut messages = Vec::with_capacity(8);
    /// assert_eq!(consumer.drain_into(&mut messages), 1);
    /// assert_eq!(messages, [MidiMessage::START]);
    /// ```
    pub fn drain_into(&mut self, messages: &mut Vec<T>) -> usize {
        let waiting = self.consumer.len();
        messages.reserve(waiting);
        let mut chunk = [T::default(); 64];
        let mut moved = 0;
        while moved < waiting {
            let want = (waiting - moved).min(chunk.len());
            let n = self.consumer.pop_slice(&mut chunk[..want]);
            messages.extend_from_slice(&chunk[..n]);
            moved += n;
            if n < want {
                break; // unreachable while we are the only consumer; never spin
            }
        }
        moved
    }

    /// The number of messages the producer dropped because the buffer was
    /// full, since the last call.
    ///
    /// Call it once per block: a non-zero answer means Note Offs may have
    /// been lost, and notes may hang; [`MidiMessage::release_all_notes`] is
    /// the safe answer. Wait-free; never allocates.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_buffer(1);
    /// producer.try_send(MidiMessage::note_on(0, 60, 100)?);
    /// producer.try_send(MidiMessage::note_off(0, 60, 0)?); // full: lost
    ///
    /// if consumer.take_dropped() > 0 {
    ///     for message in MidiMessage::release_all_notes() {
    ///         // apply as if received
    ///         # let _ = message;
    ///     }
    /// }
    /// assert_eq!(consumer.take_dropped(), 0);
    /// # Ok::<(), bbx_midi::MidiError>(())
    /// ```
    #[inline]
    pub fn take_dropped(&mut self) -> usize {
        self.consumer.take_dropped()
    }

    /// The number of messages waiting right now (the producer may add more
    /// at any moment).
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, consumer) = midi_buffer(8);
    /// producer.try_send(MidiMessage::START);
    /// assert_eq!(consumer.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.consumer.len()
    }

    /// Whether no message is waiting right now.
    ///
    /// ```
    /// let (_producer, consumer) = bbx_midi::midi_buffer(8);
    /// assert!(consumer.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.consumer.is_empty()
    }

    /// The number of messages the buffer holds when full.
    ///
    /// ```
    /// let (_producer, consumer) = bbx_midi::midi_buffer(100);
    /// assert_eq!(consumer.capacity(), 100);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.consumer.capacity()
    }

    /// Whether the producer has been dropped; once `true`, popping until
    /// `None` empties the buffer for good.
    ///
    /// ```
    /// let (producer, consumer) = bbx_midi::midi_buffer(8);
    /// drop(producer);
    /// assert!(consumer.is_abandoned());
    /// ```
    #[inline]
    pub fn is_abandoned(&self) -> bool {
        self.consumer.is_abandoned()
    }
}
