//! One ordered, timed stream of MIDI from every source into one audio
//! callback: short messages and System Exclusive together, losses reported
//! where they happened.
//!
//! A synthesizer or host usually has several inputs (a `midir` port or two,
//! an on-screen keyboard, a sequencer thread) and one audio callback. Each
//! input gets a [`StreamSource`]; the audio callback holds the one
//! [`MidiStream`], which merges the sources in timestamp order and hands
//! out [`Event`](crate::Event)s: messages, whole SysEx, and [`Event::Lost`](crate::Event::Lost) at the place
//! in the stream where messages were lost. With a
//! [`BlockScheduler`](crate::BlockScheduler) each event comes at its frame.
//!
//! ```
//! use bbx_midi::{Event, MidiMessage, MidiStream};
//!
//! let ([mut port, mut keyboard], mut stream) =
//!     MidiStream::builder().capacity(256).sysex_bytes(1024).build_merged();
//!
//! // Each input's thread, stamping what arrives (a `MidiClock` does it):
//! port.try_send_bytes_at(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7], 1_000)?;
//! keyboard.try_send_at(MidiMessage::note_on(0, 60, 100)?, 900);
//!
//! // The audio callback: everything, in time order.
//! let first = stream.try_recv().unwrap();
//! assert_eq!((first.source, first.time), (1, 900));
//! assert_eq!(first.event, Event::Message(MidiMessage::note_on(0, 60, 100)?));
//! let second = stream.try_recv().unwrap();
//! assert_eq!(second.event, Event::SysEx(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7]));
//! assert!(stream.try_recv().is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Guarantees
//!
//! * **Order.** Events of one source come out in the order it sent them.
//!   Across sources the stream takes, each time, the earliest stamped of
//!   the sources' next events as it last saw them (the lower source index
//!   on a tie). It looks at the sources (what each has published) when it
//!   has taken everything it saw, and with a
//!   [`BlockScheduler`](crate::BlockScheduler) at the first event of each
//!   block: so a block takes, in time order, everything due that was
//!   published before it began taking. An event published after a look
//!   waits for the next one, behind what that look saw; it is never lost
//!   and never out of its source's order. A scheduler takes an event only
//!   when it is due, by which time the earlier events of every source have
//!   normally arrived.
//! * **SysEx whole or lost.** A SysEx may arrive in pieces (`midir` on
//!   Windows cuts those over 1024 bytes; serial and BLE deliver bytes as
//!   they come): the pieces are gathered out of the audio thread's sight
//!   and published at once when the `0xF7` comes. A SysEx that does not
//!   arrive whole (no room, too long, cut off) is reported lost. Real-time
//!   bytes inside a SysEx are delivered at once as messages, as MIDI 1.0
//!   says a receiver must treat them.
//! * **Losses in order.** A message refused for lack of room is reported as
//!   [`Event::Lost`](crate::Event::Lost) after every event its source sent before it and before
//!   any it sent after, also when nothing is sent after it. Every `try_send…`
//!   has a `try_push…` form that leaves the message with the caller and
//!   counts nothing, for a producer that retries.
//! * **Real-time.** Every method of both ends is wait-free and never
//!   allocates. Taking an event costs O(log k) for the k sources with
//!   events waiting, and no load of a line another core writes beyond the
//!   event's own; a look costs a load of each source's activity counter
//!   (sixteen to a cache line) and a visit of the sources that did something
//!   since (see `merge.rs`). Allocation happens in [`StreamBuilder::build`]
//!   and its siblings only.
//!
//! # How it works
//!
//! Each source is a pair of [`spsc`](crate::spsc) rings: one of 8-byte
//! entries (a message and its time; "a SysEx of `n` bytes"; "`n` messages
//! lost here"), one of SysEx bytes, and a counter in the stream's activity
//! summary, changed after every entry published, every loss and the
//! source's end, by which a look passes over the sources that did nothing.
//! This module adds no atomics and no `unsafe` (the counters are
//! `crate::activity`'s): the bytes of a SysEx are staged in the byte ring
//! and published before its entry, so the entry ring's happens-before edge
//! covers them; a loss with nothing sent after it is read from the ring's
//! drop report
//! ([`Consumer::dropped_at_end`](crate::spsc::Consumer::dropped_at_end)).
//! The entry ring has two slots more than the capacity needs (an entry a
//! MIDI 1.0 message, two a packet of up to 64 bits), kept free so that a
//! loss report (one entry, two for a count beyond 2²⁴ − 1) can always be
//! written before the next message.
//!
//! # Map
//!
//! Each file holds one part; read the one you need.
//!
//! | file | what it holds |
//! | --- | --- |
//! | `builder.rs` | [`Protocol`], [`StreamBuilder`]: sizes, and the rings made |
//! | `entry.rs` | the wire format: an `Entry` of the entry ring, its tags, a batch written in one commit |
//! | `source.rs` | [`StreamSource`]'s state, writing entries (room, the reserve), its accessors and [`SourceStats`] |
//! | `send.rs` | the sending paths: messages, bytes, parser output, packets, and their translation |
//! | `sysex.rs` | SysEx staging: classifying bytes, gathering pieces in the byte ring, publishing them whole |
//! | `loss.rs` | loss reports: counting a loss, its entry, and reading it back |
//! | `receive.rs` | the audio thread's end of one source: its next event, taking it |
//! | `merge.rs` | [`MidiStream`]: looking at the sources (which to visit, by their activity counters) and merging what was seen; why, and what it guarantees |
//! | `queue.rs` | the merge's heap of the sources whose next event is known, by stamp then source |

mod adder;
mod builder;
mod entry;
mod loss;
mod merge;
mod queue;
mod receive;
mod send;
mod source;
mod sysex;

pub use adder::{AddError, SourceAdder};
pub use builder::{Protocol, StreamBuilder};
pub use merge::MidiStream;
pub(crate) use merge::Picker;
pub use source::{SourceMonitor, SourceStats, StreamSource};

/// The largest SysEx capacity a stream can have, in bytes: a SysEx's length
/// travels in 24 bits (16 MiB).
pub const MAX_SYSEX_BYTES: usize = 0xFF_FFFF;

/// Whether `a` is later than `b` on a clock that wraps at 2³² µs.
#[inline]
pub(super) fn later(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}
