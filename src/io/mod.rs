//! Live MIDI in and out as library parts: the clocks that put a sound
//! card's timing and MIDI on one timeline, and the ends that move MIDI
//! between ports and streams.
//!
//! | part | feature | what |
//! |---|---|---|
//! | [`CardClock`] | none | a sound card's stream clock put on the MIDI clock |
//! | [`Sender`] | `std` | a thread delivering a stream's events when due: MIDI out from the audio thread |
//! | [`source_swap`] | `alloc` | a new source handed to a real-time thread in place of its old one, the old one handed back to be freed |
//! | `midir::MidirInput`, `midir::open_output` | `midir` | a `midir` port into a [`StreamSource`](crate::StreamSource); a stream out to a `midir` port |
//! | `jack::JackMidiIn`, `jack::JackMidiOut`, `jack::FrameClock` | `jack` | JACK MIDI ports read and written at their frames in the process callback |
//! | `cpal::CpalClock` | `cpal` | the block time of a `cpal` output callback |
//!
//! The `midir`, `jack` and `cpal` modules are documented when their
//! features are on (docs.rs builds with `live-jack`).
//!
//! MIDI out from the audio thread is a [`MidiStream`](crate::MidiStream)
//! the other way round: the audio thread sends into its
//! [`StreamSource`](crate::StreamSource) (wait-free, losses reported),
//! stamping each message with
//! [`BlockScheduler::time_at`](crate::BlockScheduler::time_at) of its
//! frame; a `jack::JackMidiOut` writes it at that frame, or a [`Sender`]
//! thread sends it when due.

mod card_clock;
#[cfg(feature = "std")]
mod sender;
#[cfg(feature = "alloc")]
mod swap;

pub use card_clock::CardClock;
#[cfg(feature = "std")]
pub use sender::{Lateness, POLL_US, Sender, SenderStats};
#[cfg(feature = "alloc")]
pub use swap::{SwapReceiver, SwapSender, source_swap};

#[cfg(feature = "cpal")]
pub mod cpal;
#[cfg(feature = "jack")]
pub mod jack;
#[cfg(feature = "midir")]
pub mod midir;
