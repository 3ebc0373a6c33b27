//! Lock-free, wait-free MIDI transport for real-time audio.
//!
//! A MIDI input thread (a `midir` callback, a serial reader) sends
//! [`MidiMessage`]s; the audio thread (a `cpal` callback, a plug-in's
//! `process`) receives them while it renders. On the audio side nothing may
//! lock, allocate, make a system call or wait, and nothing here does:
//!
//! * [`midi_buffer`] allocates only when it is created (the shared indices,
//!   and room for exactly the capacity asked for). Sending and receiving
//!   never allocate.
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
//! # The family
//!
//! | you need | create | sending end | receiving end |
//! |---|---|---|---|
//! | short messages from one input, applied as they come (the documented buffer) | [`midi_buffer`]`(capacity)` | [`MidiBufferProducer`] | [`MidiBufferConsumer`] |
//! | everything a whole instrument needs: several inputs merged in time order, SysEx, losses reported in order, sample-accurate with a [`BlockScheduler`] | [`MidiStream::builder`]`()` | one [`StreamSource`] per input | [`MidiStream`] |
//! | your own item type | [`spsc::SpscRingBuffer::new`] | [`spsc::Producer`] | [`spsc::Consumer`] |
//! | no allocator (a microcontroller): the buffer in a `static` | [`StaticMidiBuffer`]`::<N>::new()`, then `split` | [`MidiBufferProducer`] | [`MidiBufferConsumer`] |
//! | the same for your own item type | [`spsc::StaticRing`]`::<T, N>::new()`, then `split` | [`spsc::Producer`] | [`spsc::Consumer`] |
//!
//! All of them are the same wait-free ring ([`spsc`]) underneath, on the
//! heap or in storage of the user's choosing ([`spsc::Storage`]); the MIDI
//! layers add no atomics of their own.
//!
//! # Layout
//!
//! * [`spsc`]: the generic single-producer single-consumer ring buffer
//!   underneath, for any `T`.
//! * [`MidiMessage`]: a MIDI 1.0 short message in 4 bytes, with strict
//!   parsing, checked constructors and accessors.
//! * [`midi_buffer`]: the ring buffer typed for MIDI, as the audio code uses
//!   it.
//! * [`stream`]: [`MidiStream`], one ordered, timed stream from several
//!   sources: messages and SysEx, losses in place.
//! * [`timing`]: the [`BlockScheduler`] that gives each event its frame in
//!   the audio block, and [`MidiClock`].
//! * [`parser`]: a parser for raw MIDI byte streams (running status,
//!   real-time bytes anywhere, SysEx in chunks), allocation-free.
//! * [`ump`]: MIDI 2.0 Universal MIDI Packets, typed views, and the
//!   specification's MIDI 1.0 ⇄ 2.0 translation, allocation-free.
//!
//! # Features
//!
//! * `std` (default, implies `alloc`): [`MidiClock`] (it reads
//!   `std::time::Instant`).
//! * `alloc` (default, through `std`): the heap buffers: [`midi_buffer`],
//!   [`spsc::SpscRingBuffer::new`], [`MidiStream`] (and
//!   [`BlockScheduler::next_event`], which reads one), and
//!   [`MidiBufferConsumer::drain_into`]. They share an `Arc`, so they need
//!   atomic compare-and-swap: not on `thumbv6m` (Cortex-M0/M0+), where
//!   enabling `alloc` is a compile error that says so.
//! * With neither (`default-features = false`), for microcontrollers with
//!   no allocator, Cortex-M0 to M7: [`StaticMidiBuffer`] and
//!   [`spsc::StaticRing`] (the same ring, in a `static`), [`MidiMessage`],
//!   the [`parser`], MIDI 2.0 ([`ump`], the translators included) and the
//!   [`BlockScheduler`]'s [`schedule`](BlockScheduler::schedule). Nothing
//!   needs atomic read-modify-write; only loads and stores.
//! * `wmidi`, `midly`: `TryFrom` conversions between [`MidiMessage`] and
//!   `wmidi::MidiMessage` or `midly::live::LiveEvent`, both ways.
//! * `midi2`: `TryFrom` conversions between [`ump::Ump`] (and its views)
//!   and the `midi2` crate's packets, both ways. That crate needs Rust
//!   1.87; everything else builds with the crate's `rust-version`, 1.85.
//! * `live`: real MIDI input (`midir`) and audio output (`cpal`, ALSA on
//!   Linux: needs `libasound2-dev`) for the `midi_synth` example's live
//!   mode; no library API yet.
//! * `live-jack`: the same through a JACK server (`libjack-jackd2-dev`):
//!   the example's JACK MIDI port, stamped to the frame, and `cpal`'s JACK
//!   host.
//!
//! The package is `bbx_midi_rt` and the library `bbx_midi`: a dependency
//! line names `bbx_midi_rt` (crates.io's `bbx_midi` is another crate), and
//! code says `use bbx_midi::…`.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(rust_2018_idioms)]
// Without `alloc` there is no `MidiStream`, the only user of some of the
// ring's and the translators' crate-private helpers; the default build
// still checks for dead code.
#![cfg_attr(not(feature = "alloc"), allow(dead_code))]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(all(feature = "alloc", not(target_has_atomic = "ptr"), not(loom)))]
compile_error!(
    "bbx_midi's `alloc` feature needs atomic compare-and-swap (the heap buffers share an `Arc`), \
     which this target lacks (thumbv6m: Cortex-M0/M0+). Build with `default-features = false` \
     and use the static buffers (`StaticMidiBuffer`, `spsc::StaticRing`): they need neither."
);

#[cfg(feature = "alloc")]
mod activity;
mod buffer;
#[cfg(feature = "alloc")]
mod counters;
mod error;
mod event;
#[cfg(any(feature = "wmidi", feature = "midly"))]
mod interop;
pub mod io;
mod message;
pub mod parser;
pub mod spsc;
#[cfg(feature = "alloc")]
pub mod stream;
mod sync;
pub mod timing;
pub mod ump;

#[cfg(feature = "alloc")]
pub use buffer::midi_buffer;
pub use buffer::{MidiBufferConsumer, MidiBufferProducer, StaticMidiBuffer};
pub use error::{MidiError, SendError};
pub use event::{Event, MidiEvent, Received, Scheduled};
pub use message::{MessageKind, MidiMessage};
#[cfg(feature = "alloc")]
pub use stream::{MidiStream, Protocol, SourceMonitor, SourceStats, StreamBuilder, StreamSource};
#[cfg(feature = "std")]
pub use timing::MidiClock;
pub use timing::{BlockScheduler, SchedulerStats};

/// Every code block of the documented behaviour (`docs/lock-free-midi-buffer.md`)
/// runs as a doctest, unchanged.
#[cfg(doctest)]
#[doc = include_str!("../docs/lock-free-midi-buffer.md")]
pub struct DocumentedBehaviour;

/// The README's examples run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct Readme;
