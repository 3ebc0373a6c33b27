//! Sources that come and go while the stream runs: made on the thread that
//! adds them, handed over to the audio thread wait-free, and handed back
//! when they end, to be freed away from it.

use alloc::vec::Vec;
use core::fmt;

use super::builder::{Protocol, StreamBuilder};
use super::receive::SourceRx;
use super::source::StreamSource;
use crate::activity::Activity;
use crate::spsc::{Consumer, Producer};
use crate::sync::Arc;

/// Why a source could not be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddError {
    /// The stream holds as many sources as it can
    /// ([`StreamBuilder::max_sources`]); one must end first (its
    /// [`Event::Ended`](crate::Event::Ended) taken by the audio thread).
    Full {
        /// The most sources the stream holds.
        max: usize,
    },
    /// A SysEx room larger than the stream's: each SysEx is lent out of a
    /// buffer of [`StreamBuilder::sysex_bytes`], made with the stream.
    SysExTooLarge {
        /// The room asked for.
        asked: usize,
        /// The stream's SysEx capacity.
        max: usize,
    },
    /// A capacity of 0.
    ZeroCapacity,
    /// The stream was dropped.
    Closed,
}

impl fmt::Display for AddError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AddError::Full { max } => write!(
                f,
                "the stream holds its most sources, {max}; one must end first (see max_sources)"
            ),
            AddError::SysExTooLarge { asked, max } => write!(
                f,
                "{asked} bytes of SysEx room asked for, more than the stream's {max}"
            ),
            AddError::ZeroCapacity => f.write_str("a source needs a capacity of at least 1"),
            AddError::Closed => f.write_str("the stream was dropped"),
        }
    }
}

impl core::error::Error for AddError {}

/// Adds sources to a running [`MidiStream`](crate::MidiStream): a
/// keyboard plugged in, a JACK sender that came back, a plug-in's new
/// input. From [`MidiStream::adder`](crate::MidiStream::adder).
///
/// Each [`add`](Self::add) allocates the new source's rings on the calling
/// thread and hands its receiving end to the audio thread through a ring
/// made with the stream; the audio thread places it at its next look at
/// the sources (the start of its next block), without allocating, locking
/// or waiting. A source that is dropped ends: the stream delivers
/// [`Event::Ended`](crate::Event::Ended) after everything it sent, frees
/// its slot, and hands its receiving end back here, where the next `add`
/// (or [`collect`](Self::collect)) drops it, so that its rings are freed
/// away from the audio thread.
///
/// `Send`, not `Sync`: one thread adds at a time; share it behind a
/// `Mutex` to add from several (the audio thread never touches it).
pub struct SourceAdder {
    pub(super) arrivals: Producer<(usize, SourceRx)>,
    pub(super) retired: Consumer<(usize, SourceRx)>,
    /// Slots free for a new source, the lowest last.
    pub(super) free: Vec<usize>,
    pub(super) capacity: usize,
    pub(super) sysex_bytes: usize,
    pub(super) max_sysex_bytes: usize,
    pub(super) protocol: Protocol,
    /// The stream's activity summary, for each new source to write its
    /// slot's counter in.
    pub(super) activity: Arc<Activity>,
}

impl SourceAdder {
    /// Adds a source with the stream's capacity and SysEx room.
    ///
    /// # Errors
    ///
    /// [`AddError::Full`] when the stream holds its most sources,
    /// [`AddError::Closed`] when it was dropped.
    pub fn add(&mut self) -> Result<StreamSource, AddError> {
        self.add_with(self.capacity, self.sysex_bytes)
    }

    /// Adds a source with room for `capacity` messages and `sysex_bytes`
    /// of SysEx (at most the stream's, [`StreamBuilder::sysex_bytes`]).
    ///
    /// ```
    /// use bbx_midi::stream::AddError;
    /// use bbx_midi::MidiStream;
    ///
    /// let (_first, mut stream) = MidiStream::builder().sysex_bytes(1024).max_sources(2).build();
    /// let mut adder = stream.adder().unwrap();
    /// let busy = adder.add_with(4096, 0)?; // a sequencer: many messages, no SysEx
    /// assert_eq!((busy.capacity(), busy.sysex_capacity(), busy.index()), (4096, 0, 1));
    /// assert_eq!(adder.add_with(16, 0).unwrap_err(), AddError::Full { max: 2 });
    /// assert_eq!(
    ///     adder.add_with(16, 2048).unwrap_err(),
    ///     AddError::SysExTooLarge { asked: 2048, max: 1024 }
    /// );
    /// # Ok::<(), AddError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`AddError`]: no free slot, a SysEx room above the stream's, a
    /// capacity of 0, or the stream dropped.
    ///
    /// # Panics
    ///
    /// If `capacity` is too large to allocate.
    pub fn add_with(
        &mut self,
        capacity: usize,
        sysex_bytes: usize,
    ) -> Result<StreamSource, AddError> {
        if capacity == 0 {
            return Err(AddError::ZeroCapacity);
        }
        if sysex_bytes > self.max_sysex_bytes {
            return Err(AddError::SysExTooLarge {
                asked: sysex_bytes,
                max: self.max_sysex_bytes,
            });
        }
        if self.arrivals.is_abandoned() {
            return Err(AddError::Closed);
        }
        self.collect();
        let Some(index) = self.free.pop() else {
            return Err(AddError::Full {
                max: self.arrivals.capacity(),
            });
        };
        // The slot came back through `retired` after the audio thread took
        // its last source's end: that source's counter is this one's to
        // write now (see `ActivityWriter::claim`).
        let (source, rx) =
            StreamBuilder::pair(index, capacity, sysex_bytes, self.protocol, &self.activity);
        // Never full: the ring holds every slot, and this one was free.
        if self.arrivals.try_push((index, rx)).is_err() {
            self.free.push(index);
            return Err(AddError::Full {
                max: self.arrivals.capacity(),
            });
        }
        Ok(source)
    }

    /// Drops the receiving ends of the sources that ended since the last
    /// call (their rings are freed here) and frees their slots; returns
    /// how many. [`add`](Self::add) does it first.
    pub fn collect(&mut self) -> usize {
        let mut collected = 0;
        while let Some((index, rx)) = self.retired.try_pop() {
            drop(rx);
            // Lowest slots first: indices stay small.
            let at = self.free.partition_point(|&free| free > index);
            self.free.insert(at, index);
            collected += 1;
        }
        collected
    }

    /// Sources that can still be added now (slots free or about to be).
    pub fn room(&self) -> usize {
        self.free.len() + self.retired.len()
    }
}

impl fmt::Debug for SourceAdder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceAdder")
            .field("room", &self.room())
            .field("capacity", &self.capacity)
            .field("sysex_bytes", &self.sysex_bytes)
            .finish_non_exhaustive()
    }
}
