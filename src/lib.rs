//! Lock-free, wait-free MIDI transport for real-time audio.
//!
//! A MIDI input thread (a `midir` callback, a serial reader) sends
//! [`MidiMessage`]s; the audio thread (a `cpal` callback, a plug-in's
//! `process`) receives them while it renders. On the audio side nothing may
//! lock, allocate, make a system call or wait, and nothing here does:
//!
//! * [`midi_buffer`] allocates once, when it is created, room for exactly
//!   the capacity asked for. Sending and receiving never allocate.
//! * Every operation on either end is **wait-free**: it completes in a
//!   bounded number of steps whatever the other thread is doing. A full
//!   buffer makes [`MidiBufferProducer::try_send`] return `false`; an empty
//!   one makes [`MidiBufferConsumer::try_pop`] return `None`.
//! * Messages arrive in the order sent, each exactly once.
//! * Both ends are [`Send`] and not [`Sync`]: each belongs to one thread.
//!
//! ```
//! use bbx_midi::{MidiMessage, midi_buffer};
//!
//! let (mut producer, mut consumer) = midi_buffer(256);
//!
//! let midi_thread = std::thread::spawn(move || {
//!     for note in 60..64 {
//!         let mut msg = MidiMessage::note_on(0, note, 100).unwrap();
//!         // Not a MIDI callback, so it can wait for room: `try_push` gives
//!         // the message back instead of counting it as dropped.
//!         while let Err(back) = producer.try_push(msg) {
//!             msg = back;
//!         }
//!     }
//! });
//!
//! // The audio callback: take what has arrived, never wait.
//! let mut notes = Vec::new();
//! while notes.len() < 4 {
//!     while let Some(msg) = consumer.try_pop() {
//!         notes.extend(msg.note());
//!     }
//! }
//! midi_thread.join().unwrap();
//! assert_eq!(notes, [60, 61, 62, 63]);
//! ```
//!
//! # Layout
//!
//! * [`spsc`]: the generic single-producer single-consumer ring buffer
//!   underneath, for any `T`.
//! * [`MidiMessage`]: a MIDI 1.0 short message in 4 bytes, with strict
//!   parsing, checked constructors and accessors.
//! * [`midi_buffer`]: the ring buffer typed for MIDI, as the audio code uses
//!   it.
//! * [`midi_sysex_buffer`]: the same with System Exclusive, in order with
//!   the short messages, whole or not at all.
//! * [`timing`]: [`MidiEvent`]s stamped at arrival, [`midi_event_buffer`]
//!   and a [`BlockScheduler`] that gives each event its frame in the audio
//!   block: sample-accurate MIDI, lock-free.
//! * [`stream`]: a parser for raw MIDI byte streams (running status,
//!   real-time bytes anywhere, SysEx in chunks), allocation-free.
//! * [`ump`]: MIDI 2.0 Universal MIDI Packets, typed views, and the
//!   specification's MIDI 1.0 ⇄ 2.0 translation, allocation-free.
//!
//! # Features
//!
//! * `std` (default): nothing in the crate needs it; turn it off for
//!   `#![no_std]` targets with an allocator (embedded instruments).
//! * `wmidi`, `midly`: `TryFrom` conversions between [`MidiMessage`] and
//!   `wmidi::MidiMessage` or `midly::live::LiveEvent`, both ways.
//! * `live`: real MIDI input (`midir`) and audio output (`cpal`) for the
//!   `midi_synth` example; the library itself does not use them.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(rust_2018_idioms)]

extern crate alloc;

mod buffer;
mod error;
#[cfg(any(feature = "wmidi", feature = "midly"))]
mod interop;
mod message;
pub mod spsc;
pub mod stream;
mod sync;
pub mod sysex;
pub mod timing;
pub mod ump;

pub use buffer::{
    BufferItem, MidiBufferConsumer, MidiBufferProducer, midi_buffer, midi_event_buffer,
};
pub use error::{MidiError, SendError};
pub use message::{MessageKind, MidiMessage};
pub use sysex::{MidiSysExConsumer, MidiSysExProducer, Received, midi_sysex_buffer};
#[cfg(feature = "std")]
pub use timing::MidiClock;
pub use timing::{BlockScheduler, MidiEvent, SchedulerStats};

/// Every code block of the documented behaviour (`docs/lock-free-midi-buffer.md`)
/// runs as a doctest, unchanged.
#[cfg(doctest)]
#[doc = include_str!("../docs/lock-free-midi-buffer.md")]
pub struct DocumentedBehaviour;

/// The README's examples run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct Readme;
