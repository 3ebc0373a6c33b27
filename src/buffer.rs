//! The typed MIDI buffer: [`MidiMessage`]s from a MIDI input thread to an
//! audio thread.
//!
//! A thin layer over [`spsc`](crate::spsc): every guarantee stated there
//! holds here, and this module adds no atomics and no `unsafe` of its own.

use alloc::vec::Vec;

use crate::message::MidiMessage;
use crate::spsc::{Consumer, Producer, SpscRingBuffer};

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
    let (producer, consumer) = SpscRingBuffer::new(capacity);
    (
        MidiBufferProducer { producer },
        MidiBufferConsumer { consumer },
    )
}

/// The sending end of a [`midi_buffer`], for the MIDI input thread.
///
/// `Send`, not `Sync`: move it into the thread (or `midir` callback) that
/// receives MIDI.
#[derive(Debug)]
pub struct MidiBufferProducer {
    producer: Producer<MidiMessage>,
}

impl MidiBufferProducer {
    /// Sends `message` to the consumer; returns `false`, and the message is
    /// not sent, when the buffer is full.
    ///
    /// Wait-free; never allocates.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, _consumer) = midi_buffer(1);
    /// assert!(producer.try_send(MidiMessage::TIMING_CLOCK));
    /// assert!(!producer.try_send(MidiMessage::TIMING_CLOCK));
    /// ```
    #[inline]
    pub fn try_send(&mut self, message: MidiMessage) -> bool {
        self.producer.try_push(message).is_ok()
    }

    /// Sends as many messages from the front of `messages` as there is room
    /// for, in order, and returns how many it sent; the rest are not sent.
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
    /// ```
    #[inline]
    pub fn try_send_slice(&mut self, messages: &[MidiMessage]) -> usize {
        self.producer.push_slice(messages)
    }

    /// Whether a send would fail right now (the consumer may make room at any
    /// moment).
    ///
    /// Wait-free; never allocates.
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
    /// Wait-free; never allocates.
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

    /// Whether the consumer has been dropped: nobody will read what is sent.
    ///
    /// Wait-free; never allocates.
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

/// The receiving end of a [`midi_buffer`], for the audio thread.
///
/// `Send`, not `Sync`. Every method but [`drain_into`](Self::drain_into) is
/// wait-free and never allocates, so it is safe to call from an audio
/// callback.
#[derive(Debug)]
pub struct MidiBufferConsumer {
    consumer: Consumer<MidiMessage>,
}

impl MidiBufferConsumer {
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
    pub fn try_pop(&mut self) -> Option<MidiMessage> {
        self.consumer.try_pop()
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
    pub fn pop_into(&mut self, out: &mut [MidiMessage]) -> usize {
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
    pub fn drain_into(&mut self, messages: &mut Vec<MidiMessage>) -> usize {
        let waiting = self.consumer.len();
        messages.reserve(waiting);
        let mut chunk = [MidiMessage::INVALID; 64];
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

    /// The number of messages waiting right now (the producer may add more
    /// at any moment).
    ///
    /// Wait-free; never allocates.
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
    /// Wait-free; never allocates.
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
    /// Wait-free; never allocates.
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
