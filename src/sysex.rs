//! MIDI with System Exclusive, from the MIDI thread to the audio thread, in
//! the order it was sent, without allocating or waiting on either side.
//!
//! [`midi_sysex_buffer`] joins two rings from [`spsc`](crate::spsc): one of
//! entries (a short message, or "a SysEx of `len` bytes"), one of bytes for
//! the SysEx contents. The producer writes a SysEx's bytes first and its
//! entry second; the consumer reads an entry, then exactly that many bytes
//! into a slice it provides. Because every message passes through the one
//! entry ring, **short messages and SysEx come out in exactly the order they
//! went in**, and a SysEx is only ever seen whole.
//!
//! Like [`midi_buffer`](crate::midi_buffer), a thin layer: no atomics and no
//! `unsafe` of its own. The happens-before edge that makes a SysEx's bytes
//! visible is the entry ring's: the byte ring's writes come before the
//! entry's `Release` in the producer's program order, and the consumer reads
//! the bytes after the entry's `Acquire`.
//!
//! ```
//! use bbx_midi::{MidiMessage, Received, midi_sysex_buffer};
//!
//! let (mut producer, mut consumer) = midi_sysex_buffer(64, 1024);
//!
//! // MIDI thread, e.g. in a midir callback: short message or SysEx, same call.
//! producer.try_send_bytes(&[0x90, 60, 100])?;
//! producer.try_send_bytes(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7])?;
//!
//! // Audio thread: a SysEx buffer allocated once, outside the callback.
//! let mut sysex = [0u8; 1024];
//! assert_eq!(
//!     consumer.try_recv(&mut sysex),
//!     Some(Received::Message(MidiMessage::note_on(0, 60, 100)?))
//! );
//! assert_eq!(
//!     consumer.try_recv(&mut sysex),
//!     Some(Received::SysEx(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7][..]))
//! );
//! assert_eq!(consumer.try_recv(&mut sysex), None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{MidiError, SendError};
use crate::message::MidiMessage;
use crate::spsc::{Consumer, Producer, SpscRingBuffer};

/// One entry of the entry ring.
#[derive(Clone, Copy, Debug)]
enum Entry {
    Message(MidiMessage),
    /// A SysEx of this many bytes waits in the byte ring.
    SysEx(u32),
}

/// Creates a buffer for `capacity` messages (short or SysEx) and
/// `sysex_bytes` bytes of SysEx contents, and returns its two ends.
///
/// A SysEx message takes one of the `capacity` entries and its length in
/// bytes (`0xF0` and `0xF7` included) of the `sysex_bytes`. The largest
/// SysEx that can be sent is `sysex_bytes` long. Allocates once, here.
///
/// # Panics
///
/// If `capacity` or `sysex_bytes` is 0, if `sysex_bytes` exceeds
/// `u32::MAX`, or if they are too large to allocate.
///
/// ```
/// let (producer, consumer) = bbx_midi::midi_sysex_buffer(256, 4096);
/// assert_eq!((producer.capacity(), producer.sysex_capacity()), (256, 4096));
/// # drop(consumer);
/// ```
pub fn midi_sysex_buffer(
    capacity: usize,
    sysex_bytes: usize,
) -> (MidiSysExProducer, MidiSysExConsumer) {
    assert!(
        u32::try_from(sysex_bytes).is_ok(),
        "midi_sysex_buffer: sysex_bytes {sysex_bytes} exceeds u32::MAX"
    );
    let (entries_tx, entries_rx) = SpscRingBuffer::new(capacity);
    let (bytes_tx, bytes_rx) = SpscRingBuffer::new(sysex_bytes);
    (
        MidiSysExProducer {
            entries: entries_tx,
            bytes: bytes_tx,
        },
        MidiSysExConsumer {
            entries: entries_rx,
            bytes: bytes_rx,
        },
    )
}

/// Checks that `bytes` is one System Exclusive message: `0xF0`, data bytes,
/// `0xF7`.
fn check_sysex(bytes: &[u8]) -> Result<(), MidiError> {
    match bytes {
        [0xF0, data @ .., 0xF7] => match data.iter().position(|b| *b >= 0x80) {
            Some(i) => Err(MidiError::InvalidDataByte {
                index: i + 1,
                byte: data[i],
            }),
            None => Ok(()),
        },
        [0xF0, ..] => Err(MidiError::UnterminatedSysEx { len: bytes.len() }),
        _ => Err(MidiError::NotSysEx {
            first: bytes.first().copied(),
        }),
    }
}

/// The sending end of a [`midi_sysex_buffer`], for the MIDI input thread.
///
/// Every method is wait-free and never allocates. `Send`, not `Sync`.
#[derive(Debug)]
pub struct MidiSysExProducer {
    entries: Producer<Entry>,
    bytes: Producer<u8>,
}

impl MidiSysExProducer {
    /// Sends a short message; `false` (and nothing sent) if there is no
    /// free entry.
    ///
    /// ```
    /// let (mut producer, _consumer) = bbx_midi::midi_sysex_buffer(1, 16);
    /// assert!(producer.try_send(bbx_midi::MidiMessage::START));
    /// assert!(!producer.try_send(bbx_midi::MidiMessage::STOP));
    /// ```
    ///
    /// A refused message is counted as dropped, as with
    /// [`MidiBufferProducer::try_send`](crate::MidiBufferProducer::try_send).
    #[inline]
    pub fn try_send(&mut self, message: MidiMessage) -> bool {
        if self.entries.try_push(Entry::Message(message)).is_ok() {
            return true;
        }
        self.entries.add_dropped(1);
        false
    }

    /// Sends one complete System Exclusive message: `0xF0`, data bytes,
    /// `0xF7`. It is sent whole or not at all.
    ///
    /// # Errors
    ///
    /// [`SendError::Invalid`] if `sysex` is not one well-formed SysEx
    /// message ([`MidiError::NotSysEx`], [`MidiError::UnterminatedSysEx`],
    /// [`MidiError::InvalidDataByte`]); [`SendError::TooLarge`] if it is
    /// longer than [`sysex_capacity`](Self::sysex_capacity);
    /// [`SendError::Full`] if there is not room for it right now (counted
    /// as dropped, see [`MidiSysExConsumer::take_dropped`]).
    ///
    /// ```
    /// use bbx_midi::{MidiError, SendError, midi_sysex_buffer};
    ///
    /// let (mut producer, _consumer) = midi_sysex_buffer(8, 6);
    /// assert_eq!(producer.try_send_sysex(&[0xF0, 0x7D, 1, 0xF7]), Ok(()));
    /// assert_eq!(producer.try_send_sysex(&[0xF0, 0x7D, 2, 0xF7]), Err(SendError::Full));
    /// assert_eq!(
    ///     producer.try_send_sysex(&[0xF0, 0x7D, 1, 2, 3, 4, 0xF7]),
    ///     Err(SendError::TooLarge { len: 7, max: 6 })
    /// );
    /// assert_eq!(
    ///     producer.try_send_sysex(&[0xF0, 0x7D]),
    ///     Err(SendError::Invalid(MidiError::UnterminatedSysEx { len: 2 }))
    /// );
    /// ```
    pub fn try_send_sysex(&mut self, sysex: &[u8]) -> Result<(), SendError> {
        check_sysex(sysex).map_err(SendError::Invalid)?;
        let max = self.bytes.capacity();
        if sysex.len() > max {
            return Err(SendError::TooLarge {
                len: sysex.len(),
                max,
            });
        }
        if self.entries.is_full() || self.bytes.slots() < sysex.len() {
            self.entries.add_dropped(1);
            return Err(SendError::Full);
        }
        // Only this thread adds to either ring, so the room seen above can
        // only have grown: both pushes succeed in full.
        let written = self.bytes.push_slice(sysex);
        debug_assert_eq!(written, sysex.len());
        // `sysex.len() <= capacity <= u32::MAX`, checked at construction.
        let sent = self.entries.try_push(Entry::SysEx(sysex.len() as u32));
        debug_assert!(sent.is_ok());
        Ok(())
    }

    /// Sends `bytes` as they come from a MIDI API such as `midir`: one short
    /// message, or one complete System Exclusive message.
    ///
    /// # Errors
    ///
    /// [`SendError::Invalid`] with the reason if `bytes` is neither (see
    /// [`MidiMessage::parse`] and [`try_send_sysex`](Self::try_send_sysex)),
    /// [`SendError::TooLarge`] for a SysEx that can never fit,
    /// [`SendError::Full`] if there is no room right now.
    ///
    /// ```
    /// use bbx_midi::{MidiError, SendError, midi_sysex_buffer};
    ///
    /// let (mut producer, _consumer) = midi_sysex_buffer(8, 64);
    /// assert_eq!(producer.try_send_bytes(&[0xB0, 7, 100]), Ok(()));
    /// assert_eq!(producer.try_send_bytes(&[0xF0, 0x7D, 0xF7]), Ok(()));
    /// assert_eq!(
    ///     producer.try_send_bytes(&[0x90, 60]),
    ///     Err(SendError::Invalid(MidiError::TooShort { status: 0x90, expected: 3, found: 2 }))
    /// );
    /// ```
    pub fn try_send_bytes(&mut self, bytes: &[u8]) -> Result<(), SendError> {
        if bytes.first() == Some(&0xF0) {
            return self.try_send_sysex(bytes);
        }
        let message = MidiMessage::parse(bytes).map_err(SendError::Invalid)?;
        if self.try_send(message) {
            Ok(())
        } else {
            Err(SendError::Full)
        }
    }

    /// Sends a short message, or gives it back in `Err` when there is no
    /// free entry, without counting it as dropped (for a producer that
    /// retries; see [`MidiBufferProducer::try_push`](crate::MidiBufferProducer::try_push)).
    #[inline]
    pub fn try_push(&mut self, message: MidiMessage) -> Result<(), MidiMessage> {
        self.entries
            .try_push(Entry::Message(message))
            .map_err(|_| message)
    }

    /// Reports `n` messages this side gave up on; see
    /// [`MidiBufferProducer::add_dropped`](crate::MidiBufferProducer::add_dropped).
    #[inline]
    pub fn add_dropped(&mut self, n: usize) {
        self.entries.add_dropped(n);
    }

    /// The number of messages, short or SysEx, dropped so far because the
    /// buffer was full.
    #[inline]
    pub fn dropped(&self) -> usize {
        self.entries.dropped()
    }

    /// Whether no entry is free right now (no message of any kind can be
    /// sent).
    ///
    /// ```
    /// let (mut producer, _consumer) = bbx_midi::midi_sysex_buffer(1, 16);
    /// producer.try_send(bbx_midi::MidiMessage::START);
    /// assert!(producer.is_full());
    /// ```
    #[inline]
    pub fn is_full(&self) -> bool {
        self.entries.is_full()
    }

    /// Free SysEx bytes right now: the longest SysEx that can be sent now
    /// (if an entry is free too).
    ///
    /// ```
    /// let (mut producer, _consumer) = bbx_midi::midi_sysex_buffer(4, 16);
    /// producer.try_send_sysex(&[0xF0, 1, 2, 0xF7])?;
    /// assert_eq!(producer.sysex_slots(), 12);
    /// # Ok::<(), bbx_midi::SendError>(())
    /// ```
    #[inline]
    pub fn sysex_slots(&self) -> usize {
        self.bytes.slots()
    }

    /// The number of messages, short or SysEx, the buffer holds when full.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// The number of SysEx bytes the buffer holds when full, which is also
    /// the length of the largest SysEx it accepts.
    #[inline]
    pub fn sysex_capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Whether the consumer has been dropped.
    ///
    /// ```
    /// let (producer, consumer) = bbx_midi::midi_sysex_buffer(4, 16);
    /// drop(consumer);
    /// assert!(producer.is_abandoned());
    /// ```
    #[inline]
    pub fn is_abandoned(&self) -> bool {
        self.entries.is_abandoned()
    }
}

/// What [`MidiSysExConsumer::try_recv`] took from the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received<'a> {
    /// A short message.
    Message(MidiMessage),
    /// A whole System Exclusive message, `0xF0` to `0xF7`, in the front of
    /// the slice given to `try_recv`.
    SysEx(&'a [u8]),
    /// A System Exclusive message of `len` bytes that did not fit the slice
    /// given to `try_recv`. It has been taken out of the buffer and
    /// discarded, so that the messages after it flow; give `try_recv` a
    /// slice of [`sysex_capacity`](MidiSysExConsumer::sysex_capacity) bytes
    /// and this never happens.
    SysExTooLarge {
        /// Its length in bytes.
        len: usize,
    },
}

/// The receiving end of a [`midi_sysex_buffer`], for the audio thread.
///
/// Every method is wait-free and never allocates. `Send`, not `Sync`.
#[derive(Debug)]
pub struct MidiSysExConsumer {
    entries: Consumer<Entry>,
    bytes: Consumer<u8>,
}

impl MidiSysExConsumer {
    /// Takes the oldest message, short or SysEx, or returns `None` if there
    /// is none. A SysEx is copied whole into the front of `sysex`.
    ///
    /// Wait-free: at most two `memcpy`s of the SysEx's length, and constant
    /// time when it is discarded for not fitting.
    ///
    /// ```
    /// use bbx_midi::{Received, midi_sysex_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_sysex_buffer(8, 64);
    /// producer.try_send_sysex(&[0xF0, 1, 2, 3, 0xF7])?;
    /// producer.try_send(bbx_midi::MidiMessage::STOP);
    ///
    /// let mut small = [0u8; 4];
    /// assert_eq!(consumer.try_recv(&mut small), Some(Received::SysExTooLarge { len: 5 }));
    /// assert_eq!(consumer.try_recv(&mut small), Some(Received::Message(bbx_midi::MidiMessage::STOP)));
    /// # Ok::<(), bbx_midi::SendError>(())
    /// ```
    pub fn try_recv<'a>(&mut self, sysex: &'a mut [u8]) -> Option<Received<'a>> {
        let len = match self.entries.try_pop()? {
            Entry::Message(message) => return Some(Received::Message(message)),
            Entry::SysEx(len) => len as usize,
        };
        if let Some(out) = sysex.get_mut(..len) {
            // The producer wrote these bytes before the entry we just took.
            let read = self.bytes.pop_slice(out);
            debug_assert_eq!(read, len);
            return Some(Received::SysEx(&out[..read]));
        }
        let skipped = self.bytes.skip(len);
        debug_assert_eq!(skipped, len);
        Some(Received::SysExTooLarge { len })
    }

    /// The number of messages, short or SysEx, the producer dropped because
    /// the buffer was full, since the last call. See
    /// [`MidiBufferConsumer::take_dropped`](crate::MidiBufferConsumer::take_dropped).
    ///
    /// ```
    /// use bbx_midi::{MidiMessage, midi_sysex_buffer};
    ///
    /// let (mut producer, mut consumer) = midi_sysex_buffer(1, 16);
    /// producer.try_send(MidiMessage::START);
    /// assert!(producer.try_send_bytes(&[0xF0, 0xF7]).is_err());
    /// assert_eq!(consumer.take_dropped(), 1);
    /// ```
    #[inline]
    pub fn take_dropped(&mut self) -> usize {
        self.entries.take_dropped()
    }

    /// The number of messages, short or SysEx, waiting right now.
    ///
    /// ```
    /// let (mut producer, consumer) = bbx_midi::midi_sysex_buffer(8, 64);
    /// producer.try_send_bytes(&[0xF0, 0xF7])?;
    /// assert_eq!(consumer.len(), 1);
    /// # Ok::<(), bbx_midi::SendError>(())
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no message is waiting right now.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The number of messages the buffer holds when full.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// The length of the largest SysEx the buffer carries: a `try_recv`
    /// slice this long never yields [`Received::SysExTooLarge`].
    #[inline]
    pub fn sysex_capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Whether the producer has been dropped.
    #[inline]
    pub fn is_abandoned(&self) -> bool {
        self.entries.is_abandoned()
    }
}
