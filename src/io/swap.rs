//! A new source handed to the thread that sends into one, and the old one
//! handed back, so that a real-time thread never frees a source's rings.

use crate::StreamSource;
use crate::spsc::{Consumer, Producer, SpscRingBuffer};

/// A pair for putting a new [`StreamSource`] in place of the one a
/// real-time thread sends into (a JACK process callback reading a port
/// whose sender came back as a new source), wait-free on that thread: the
/// [`SwapReceiver`] there takes the new source and hands the old one back
/// to the [`SwapSender`], whose thread drops it. The old source's end
/// then comes in the stream after everything it sent.
///
/// ```
/// use bbx_midi::io::source_swap;
/// use bbx_midi::{Event, MidiMessage, MidiStream};
///
/// let (first, mut stream) = MidiStream::builder().max_sources(2).build();
/// let mut adder = stream.adder().unwrap();
/// let (mut offer, mut take) = source_swap();
///
/// // The real-time thread's source.
/// let mut current = first;
/// current.try_send_at(MidiMessage::START, 1);
/// // Another thread: a sender left and came back.
/// offer.offer(adder.add()?).unwrap();
/// // The real-time thread, at its next cycle.
/// assert!(take.swap(&mut current));
/// current.try_send_at(MidiMessage::STOP, 2);
/// // The other thread drops the old source: it ends.
/// assert_eq!(offer.collect(), 1);
/// let mut events = Vec::new();
/// while let Some(r) = stream.try_recv() {
///     events.push((r.source, r.event.to_string()));
/// }
/// // The old source's message, then its end; the new one's message.
/// assert_eq!(events, [(0, "Start".to_string()), (1, "Stop".to_string()), (0, "Ended".to_string())]);
/// # Ok::<(), bbx_midi::stream::AddError>(())
/// ```
pub fn source_swap() -> (SwapSender, SwapReceiver) {
    let (to_tx, to_rx) = SpscRingBuffer::new(1);
    let (back_tx, back_rx) = SpscRingBuffer::new(2);
    (
        SwapSender {
            to: to_tx,
            back: back_rx,
        },
        SwapReceiver {
            from: to_rx,
            back: back_tx,
        },
    )
}

/// The offering end of a [`source_swap`], for a thread that may allocate
/// and free.
#[derive(Debug)]
pub struct SwapSender {
    to: Producer<StreamSource>,
    back: Consumer<StreamSource>,
}

impl SwapSender {
    /// Offers `source` to take the place of the receiver's at its next
    /// [`swap`](SwapReceiver::swap).
    ///
    /// # Errors
    ///
    /// `Err(source)` while a source offered before has not been taken.
    #[allow(
        clippy::result_large_err,
        reason = "the source is given back whole, as a ring's try_push gives its item back; boxing it would allocate"
    )]
    pub fn offer(&mut self, source: StreamSource) -> Result<(), StreamSource> {
        self.to.try_push(source)
    }

    /// Drops the sources the receiver handed back (each then ends in its
    /// stream); returns how many.
    pub fn collect(&mut self) -> usize {
        let mut collected = 0;
        while let Some(source) = self.back.try_pop() {
            drop(source);
            collected += 1;
        }
        collected
    }

    /// Whether the receiver is gone (its thread stopped).
    pub fn is_abandoned(&self) -> bool {
        self.to.is_abandoned()
    }
}

/// The taking end of a [`source_swap`], for the real-time thread.
#[derive(Debug)]
pub struct SwapReceiver {
    from: Consumer<StreamSource>,
    back: Producer<StreamSource>,
}

impl SwapReceiver {
    /// If a source was offered, puts it in place of `current` and hands
    /// the old one back; returns whether it did. Wait-free; no allocation,
    /// and no source is dropped here (the old one goes back to the
    /// sender's thread, or stays in place if the way back is full).
    pub fn swap(&mut self, current: &mut StreamSource) -> bool {
        if self.back.is_full() {
            return false;
        }
        let Some(new) = self.from.try_pop() else {
            return false;
        };
        let old = core::mem::replace(current, new);
        // Room was checked above, and only this thread pushes.
        if let Err(old) = self.back.try_push(old) {
            *current = old;
            return false;
        }
        true
    }
}
