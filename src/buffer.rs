//! The typed MIDI buffer: [`MidiMessage`]s from one MIDI input thread to
//! the audio thread, applied as they come.
//!
//! A thin layer over [`spsc`](crate::spsc): every guarantee stated there
//! holds here, and this module adds no atomics of its own (its one
//! `unsafe` call hands the ring's own slots to the ring's handles).
//!
//! A send that fails because the buffer is full drops the message, and a
//! dropped Note Off leaves a note hanging. So every such drop is counted,
//! and the audio side can ask for the count with
//! [`take_dropped`](MidiBufferConsumer::take_dropped) and answer a loss with
//! [`MidiMessage::release_all_notes`]; the order that makes this correct is
//! on [`take_dropped`](MidiBufferConsumer::take_dropped). For losses
//! reported at their exact place, timestamps, SysEx and several sources,
//! use a [`MidiStream`](crate::MidiStream).

#[cfg(feature = "alloc")]
use alloc::vec::Vec;
use core::fmt;

use crate::error::SendError;
use crate::message::MidiMessage;
#[cfg(feature = "alloc")]
use crate::spsc::SpscRingBuffer;
use crate::spsc::{Consumer, Heap, Producer, RingState, Sealed, StaticRing, Storage};

/// Creates a buffer for `capacity` MIDI messages and returns its two ends:
/// the producer for the MIDI input thread, the consumer for the audio thread.
///
/// Allocates here, and only here (the shared indices, and the slots: room
/// for exactly `capacity` messages). The buffer holds exactly `capacity`
/// messages (64 to 256 is typical: a burst of a few hundred messages inside
/// one audio block is rare even with dense controller data).
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
#[cfg(feature = "alloc")]
pub fn midi_buffer(capacity: usize) -> (MidiBufferProducer, MidiBufferConsumer) {
    let (producer, consumer) = SpscRingBuffer::new(capacity);
    (
        MidiBufferProducer { producer },
        MidiBufferConsumer { consumer },
    )
}

/// How many messages from the front of `messages` are valid.
///
/// Tested 16 at a time without an early exit, so that the compiler tests
/// them as vectors: a message's stored word has its length (0 to 3; 0 only
/// for `INVALID`) in the top byte and adding `0x7F` there sets bit 31
/// exactly when the length is not 0, with no carry from the bytes below
/// (the addend's are 0). Only a run with an `INVALID` in it is searched
/// one by one. Against a one-by-one search over the whole slice, this took
/// the typed batch column from 0.79x to 0.92-0.97x of the same ring
/// carrying `MidiMessage` without the check (benches/README.md).
#[inline]
fn valid_prefix(messages: &[MidiMessage]) -> usize {
    const RUN: usize = 16;
    let first_invalid = |run: &[MidiMessage]| {
        run.iter()
            .position(|message| !message.is_valid())
            .unwrap_or(run.len())
    };
    let mut runs = messages.chunks_exact(RUN);
    let mut checked = 0;
    for run in &mut runs {
        let lengths = run.iter().fold(u32::MAX, |all, message| {
            all & message.stored_word().wrapping_add(0x7F00_0000)
        });
        if lengths & 0x8000_0000 == 0 {
            return checked + first_invalid(run);
        }
        checked += RUN;
    }
    checked + first_invalid(runs.remainder())
}

/// The sending end of a [`midi_buffer`] or a [`StaticMidiBuffer`], for the
/// MIDI input thread (or the UART interrupt).
///
/// `S` says where the buffer lives: on the heap (the default, from
/// [`midi_buffer`]) or in a [`StaticMidiBuffer`] that the handle borrows.
/// The code is the same for both.
///
/// `Send`, not `Sync`: move it into the thread (or `midir` callback) that
/// receives MIDI. Every method is wait-free and never allocates.
///
/// Every way of sending comes in two forms: `try_send…` for a MIDI
/// callback, which cannot wait (a message refused for lack of room is lost,
/// and counted so that the audio side learns of it), and `try_push…` for a
/// producer that keeps the message and tries again (nothing is counted).
/// [`MidiMessage::INVALID`] is never sent, and never counted.
#[derive(Debug)]
pub struct MidiBufferProducer<S: Storage<MidiMessage> = Heap<MidiMessage>> {
    producer: Producer<MidiMessage, S>,
}

impl<S: Storage<MidiMessage>> MidiBufferProducer<S> {
    /// Sends `message` to the consumer; returns `false` when the buffer is
    /// full, in which case it is dropped and counted (see
    /// [`dropped`](Self::dropped) and
    /// [`MidiBufferConsumer::take_dropped`]). A MIDI callback cannot wait,
    /// so a refusal is a loss; a producer that retries should use
    /// [`try_push`](Self::try_push), which counts nothing.
    ///
    /// [`MidiMessage::INVALID`] is not a message: it is refused (`false`)
    /// and not counted. [`try_send_bytes`](Self::try_send_bytes) says why
    /// bytes are not a message.
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
    /// assert!(!producer.try_send(MidiMessage::INVALID));
    /// assert_eq!(producer.dropped(), 1, "INVALID is refused, not lost");
    /// ```
    #[inline]
    pub fn try_send(&mut self, message: MidiMessage) -> bool {
        if !message.is_valid() {
            return false;
        }
        if self.producer.try_push(message).is_ok() {
            return true;
        }
        self.producer.add_dropped(1);
        false
    }

    /// Sends `message`, or gives it back in `Err` when the buffer is full
    /// (or when it is [`MidiMessage::INVALID`]), **without** counting it
    /// as dropped: for a producer that keeps the message and tries again
    /// later (a sequencer, a retry loop). If it then gives up on it, it can
    /// say so with [`add_dropped`](Self::add_dropped).
    ///
    /// Wait-free; never allocates.
    ///
    /// # Errors
    ///
    /// `Err(message)` when the buffer is full or `message` is `INVALID`.
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
    pub fn try_push(&mut self, message: MidiMessage) -> Result<(), MidiMessage> {
        if !message.is_valid() {
            return Err(message);
        }
        self.producer.try_push(message)
    }

    /// Sends `bytes` as a MIDI API such as `midir` delivers them: exactly
    /// one short message. A refusal for lack of room is counted as dropped,
    /// as by [`try_send`](Self::try_send).
    ///
    /// Wait-free; never allocates.
    ///
    /// # Errors
    ///
    /// [`SendError::Invalid`] with the reason when `bytes` is not one short
    /// message (System Exclusive included: a [`MidiStream`](crate::MidiStream)
    /// carries it); nothing is sent or counted. [`SendError::Full`] when
    /// there is no room (counted).
    ///
    /// ```
    /// use bbx_midi::{MidiError, SendError, midi_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_buffer(8);
    /// assert_eq!(producer.try_send_bytes(&[0x90, 60, 100]), Ok(()));
    /// assert_eq!(
    ///     producer.try_send_bytes(&[0xF0, 0x7E, 0xF7]),
    ///     Err(SendError::Invalid(MidiError::SysEx { status: 0xF0 }))
    /// );
    /// assert_eq!(consumer.len(), 1);
    /// ```
    #[inline]
    pub fn try_send_bytes(&mut self, bytes: &[u8]) -> Result<(), SendError> {
        let message = MidiMessage::parse(bytes).map_err(SendError::Invalid)?;
        if self.try_send(message) {
            Ok(())
        } else {
            Err(SendError::Full)
        }
    }

    /// [`try_send_bytes`](Self::try_send_bytes) without counting a refusal
    /// for lack of room: for a producer that keeps the bytes and retries.
    ///
    /// # Errors
    ///
    /// As [`try_send_bytes`](Self::try_send_bytes); [`SendError::Full`] is
    /// not counted.
    ///
    /// ```
    /// use bbx_midi::{SendError, midi_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_buffer(1);
    /// producer.try_push_bytes(&[0xFA])?;
    /// assert_eq!(producer.try_push_bytes(&[0xFC]), Err(SendError::Full));
    /// assert_eq!(consumer.take_dropped(), 0);
    /// # Ok::<(), SendError>(())
    /// ```
    #[inline]
    pub fn try_push_bytes(&mut self, bytes: &[u8]) -> Result<(), SendError> {
        let message = MidiMessage::parse(bytes).map_err(SendError::Invalid)?;
        self.producer.try_push(message).map_err(|_| SendError::Full)
    }

    /// Reports `n` messages this side gave up on, so that the consumer
    /// learns of the loss through
    /// [`take_dropped`](MidiBufferConsumer::take_dropped). The `try_send…`
    /// methods report their refusals themselves.
    ///
    /// ```
    /// let (mut producer, mut consumer) = bbx_midi::midi_buffer(1);
    /// producer.add_dropped(3);
    /// assert_eq!(consumer.take_dropped(), 3);
    /// ```
    #[inline]
    pub fn add_dropped(&mut self, n: usize) {
        self.producer.add_dropped(n);
    }

    /// Sends as many messages from the front of `messages` as there is room
    /// for, in order, and returns how many it sent; those refused for lack
    /// of room are dropped and counted, as by [`try_send`](Self::try_send).
    ///
    /// An [`MidiMessage::INVALID`] ends the slice: it and the messages
    /// after it are not sent and not counted (the return value tells how
    /// far it got). For a producer that has several messages at once (a
    /// parsed stream chunk, a sequencer step). Wait-free; never allocates;
    /// at most two `memcpy`s.
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
    pub fn try_send_slice(&mut self, messages: &[MidiMessage]) -> usize {
        let valid = &messages[..valid_prefix(messages)];
        let sent = self.producer.push_slice(valid);
        if sent < valid.len() {
            self.producer.add_dropped(valid.len() - sent);
        }
        sent
    }

    /// [`try_send_slice`](Self::try_send_slice) without counting the
    /// messages that did not fit: the caller still has them
    /// (`&messages[sent..]`) and can try again.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_buffer(2);
    /// let clocks = [MidiMessage::TIMING_CLOCK; 3];
    /// assert_eq!(producer.try_push_slice(&clocks), 2);
    /// assert_eq!(consumer.take_dropped(), 0);
    /// ```
    #[inline]
    pub fn try_push_slice(&mut self, messages: &[MidiMessage]) -> usize {
        self.producer
            .push_slice(&messages[..valid_prefix(messages)])
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
    /// (wrapping at `usize::MAX`), [`add_dropped`](Self::add_dropped)
    /// reports included.
    ///
    /// ```
    /// let (mut producer, _consumer) = bbx_midi::midi_buffer(1);
    /// producer.try_send(bbx_midi::MidiMessage::START);
    /// producer.try_send(bbx_midi::MidiMessage::STOP);
    /// assert_eq!(producer.dropped(), 1);
    /// ```
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

/// The receiving end of a [`midi_buffer`] or a [`StaticMidiBuffer`], for
/// the audio thread (or the audio DMA interrupt).
///
/// `Send`, not `Sync`. Every method but [`drain_into`](Self::drain_into) is
/// wait-free and never allocates, so it is safe to call from an audio
/// callback.
#[derive(Debug)]
pub struct MidiBufferConsumer<S: Storage<MidiMessage> = Heap<MidiMessage>> {
    consumer: Consumer<MidiMessage, S>,
}

impl<S: Storage<MidiMessage>> MidiBufferConsumer<S> {
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
    pub fn peek(&self) -> Option<&MidiMessage> {
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
    ///
    /// Needs the `alloc` feature.
    #[cfg(feature = "alloc")]
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

    /// The number of messages the producer dropped because the buffer was
    /// full, since the last call.
    ///
    /// A non-zero answer means Note Offs may have been lost, and notes may
    /// hang; [`MidiMessage::release_all_notes`] is the safe answer, applied
    /// **after** every message sent before the loss. So, once per block:
    /// take the count first, then pop everything waiting, then release.
    /// Taking the count first makes every message sent before those losses
    /// visible to the pops that follow; releasing first would let a Note On
    /// still in the buffer start a note whose Note Off was lost. Messages
    /// sent after the loss and popped in the same block are released too;
    /// a [`MidiStream`](crate::MidiStream) reports each loss at its exact
    /// place instead. Wait-free; never allocates.
    ///
    /// ```
    /// use bbx_midi::{MessageKind, MidiMessage, midi_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_buffer(1);
    /// producer.try_send(MidiMessage::note_on(0, 60, 100)?);
    /// producer.try_send(MidiMessage::note_off(0, 60, 0)?); // full: lost
    ///
    /// // The audio callback:
    /// let mut note_60_sounding = false;
    /// let mut apply = |msg: MidiMessage| match msg.kind() {
    ///     MessageKind::NoteOn => note_60_sounding = true,
    ///     MessageKind::NoteOff | MessageKind::AllNotesOff => note_60_sounding = false,
    ///     _ => {}
    /// };
    /// let lost = consumer.take_dropped(); // first
    /// while let Some(msg) = consumer.try_pop() {
    ///     apply(msg);
    /// }
    /// if lost > 0 {
    ///     MidiMessage::release_all_notes().into_iter().for_each(&mut apply);
    /// }
    /// assert!(!note_60_sounding);
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

/// A MIDI buffer of `N` messages with no allocator: its indices and slots
/// live in the value itself, typically a `static`. For embedded
/// instruments (Cortex-M0 to M7 and the like), where a UART interrupt
/// receives MIDI and the audio DMA interrupt renders.
///
/// [`split`](Self::split) hands out a [`MidiBufferProducer`] and a
/// [`MidiBufferConsumer`] that borrow it; they behave exactly as those of
/// [`midi_buffer`] (the same code runs: only the storage differs). `new`
/// is a `const fn`, and nothing needs atomic read-modify-write, so it works
/// on `thumbv6m-none-eabi`. RAM: 4 bytes per message, plus the indices on
/// three cache lines (96 bytes on 32-bit ARM, 384 on x86-64).
///
/// ```
/// use bbx_midi::{MidiMessage, StaticMidiBuffer};
///
/// let mut buffer = StaticMidiBuffer::<64>::new();
/// let (mut producer, mut consumer) = buffer.split();
/// assert!(producer.try_send(MidiMessage::note_on(0, 60, 100)?));
/// assert_eq!(consumer.try_pop().and_then(|m| m.note()), Some(60));
/// # Ok::<(), bbx_midi::MidiError>(())
/// ```
///
/// On a microcontroller the buffer is a `static`, and a `&'static mut` to it
/// (from `cortex_m::singleton!`, `static_cell`, or a `static mut` reached
/// once with `&raw mut`) gives handles that live forever, to move into the
/// interrupt handlers; the README's embedded section has a complete example.
///
/// ```
/// use bbx_midi::{MidiBufferConsumer, MidiBufferProducer, StaticMidiBuffer};
///
/// let buffer: &'static mut StaticMidiBuffer<32> = Box::leak(Box::new(StaticMidiBuffer::new()));
/// let (producer, consumer): (
///     MidiBufferProducer<&'static StaticMidiBuffer<32>>,
///     MidiBufferConsumer<&'static StaticMidiBuffer<32>>,
/// ) = buffer.split();
/// assert_eq!((producer.capacity(), consumer.capacity()), (32, 32));
/// ```
pub struct StaticMidiBuffer<const N: usize> {
    ring: StaticRing<MidiMessage, N>,
}

impl<const N: usize> StaticMidiBuffer<N> {
    crate::sync::const_fn_unless_loom! {
        /// An empty buffer for `N` messages.
        ///
        /// # Panics
        ///
        /// If `N` is 0; in a `static` initialiser that is a compile error.
        ///
        /// ```compile_fail
        /// static EMPTY: bbx_midi::StaticMidiBuffer<0> = bbx_midi::StaticMidiBuffer::new();
        /// ```
        pub fn new() -> Self {
            Self {
                ring: StaticRing::new(),
            }
        }
    }

    /// The number of messages the buffer holds at most: `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The producer and consumer of this buffer, borrowing it.
    ///
    /// The `&mut` borrow guarantees that no other handle exists; a later
    /// split finds the messages the last handles left, in order, and any
    /// drops they reported and did not take. Never allocates.
    ///
    /// # Panics
    ///
    /// If the consumer of an earlier split was leaked (`mem::forget`)
    /// instead of dropped, as [`StaticRing::split`] explains.
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, StaticMidiBuffer};
    ///
    /// let mut buffer = StaticMidiBuffer::<1>::new();
    /// let (mut producer, _) = buffer.split();
    /// producer.try_send(MidiMessage::START);
    /// producer.try_send(MidiMessage::STOP); // full: lost, counted
    /// drop(producer);
    /// let (_, mut consumer) = buffer.split();
    /// assert_eq!(consumer.take_dropped(), 1);
    /// assert_eq!(consumer.try_pop(), Some(MidiMessage::START));
    /// ```
    pub fn split(&mut self) -> (MidiBufferProducer<&Self>, MidiBufferConsumer<&Self>) {
        let this: &Self = self;
        let (slots, capacity) = this.ring.slots_and_capacity();
        // SAFETY: the ring's own slots, alive and in place while the
        // handles borrow `self`; `&mut self` means no other handle exists
        // and the last ones' borrow ended before this.
        let (producer, consumer) = unsafe { crate::spsc::handles(this, this, slots, capacity) };
        (
            MidiBufferProducer { producer },
            MidiBufferConsumer { consumer },
        )
    }
}

impl<const N: usize> Default for StaticMidiBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Sealed<MidiMessage> for &StaticMidiBuffer<N> {
    #[inline(always)]
    fn state(&self) -> &RingState {
        self.ring.state()
    }
}

impl<const N: usize> fmt::Debug for StaticMidiBuffer<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticMidiBuffer")
            .field("capacity", &N)
            .finish_non_exhaustive()
    }
}
