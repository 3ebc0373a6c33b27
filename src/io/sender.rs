//! A thread that delivers a stream's events when they are due: MIDI out
//! from the audio thread, through a port that has no clock of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::{Event, MidiClock, MidiStream};

/// How long the thread sleeps when nothing is waiting, in µs: the most a
/// due event can wait to be noticed, unless the delay covers it.
pub const POLL_US: u64 = 250;
/// Below this many µs before an event is due the thread spins instead of
/// sleeping: a sleep can overshoot by more than that.
const SPIN_US: i64 = 300;

/// How late events went out: a histogram, 1 µs steps to 1 ms, 100 µs steps
/// to 100 ms, and a count beyond.
#[derive(Clone, Debug)]
pub struct Lateness {
    fine: Box<[u32; 1_000]>,
    coarse: Box<[u32; 990]>,
    beyond: u64,
    count: u64,
    max_us: u64,
}

impl Default for Lateness {
    fn default() -> Self {
        Self {
            fine: Box::new([0; 1_000]),
            coarse: Box::new([0; 990]),
            beyond: 0,
            count: 0,
            max_us: 0,
        }
    }
}

impl Lateness {
    /// Counts one event sent `late_us` after it was due.
    pub fn record(&mut self, late_us: u64) {
        match late_us {
            0..=999 => add(&mut self.fine[late_us as usize]),
            1_000..=99_999 => add(&mut self.coarse[(late_us / 100 - 10) as usize]),
            _ => self.beyond += 1,
        }
        self.count += 1;
        self.max_us = self.max_us.max(late_us);
    }

    /// Events counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The latest, in µs.
    pub fn max_us(&self) -> u64 {
        self.max_us
    }

    /// The lateness below which a share `p` (0 to 1) of the events went
    /// out, in µs (to the bucket: 1 µs below 1 ms, 100 µs to 100 ms);
    /// `None` if none was counted.
    ///
    /// ```
    /// let mut lateness = bbx_midi::io::Lateness::default();
    /// for late in [10, 20, 30, 40, 2_050] {
    ///     lateness.record(late);
    /// }
    /// assert_eq!(lateness.percentile(0.5), Some(30));
    /// assert_eq!(lateness.percentile(0.99), Some(2_000));
    /// assert_eq!(lateness.max_us(), 2_050);
    /// ```
    pub fn percentile(&self, p: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((p.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        let fine = self.fine.iter().enumerate().map(|(i, &n)| (i as u64, n));
        let coarse = self
            .coarse
            .iter()
            .enumerate()
            .map(|(i, &n)| ((i as u64 + 10) * 100, n));
        for (late, n) in fine.chain(coarse) {
            seen += u64::from(n);
            if seen >= rank {
                return Some(late);
            }
        }
        Some(self.max_us)
    }
}

fn add(count: &mut u32) {
    *count = count.saturating_add(1);
}

/// What a [`Sender`] has done so far.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SenderStats {
    /// Events handed to the port.
    pub sent: u64,
    /// Messages the stream reported lost on the way (the audio thread
    /// found its sending end full).
    pub lost: u64,
    /// Events the port refused, or that have no MIDI 1.0 bytes (packets of
    /// a MIDI 2.0 stream).
    pub refused: u64,
    /// How late each event went out after it was due.
    pub lateness: Lateness,
}

/// A thread that takes each event of a [`MidiStream`] when it is due, its
/// stamp plus a delay on a [`MidiClock`], and hands its bytes to a port:
/// the receiving end of MIDI sent from the audio thread, for ports with no
/// clock of their own (`midir`'s, a serial port). The audio thread sends
/// into the stream's [`StreamSource`](crate::StreamSource), stamped with
/// [`BlockScheduler::time_at`](crate::BlockScheduler::time_at) of the
/// frame the message belongs to, without waiting; the delay is how far
/// behind the stamps the port should play (the audio's own output
/// latency, so MIDI and sound leave together).
///
/// The thread is not real-time: it sleeps until an event is due (spinning
/// the last 300 µs, which a sleep can overshoot), and polls every
/// [`POLL_US`] when nothing waits. Stopped and joined by
/// [`stop`](Self::stop) or when dropped.
///
/// ```
/// use bbx_midi::io::Sender;
/// use bbx_midi::{MidiClock, MidiMessage, MidiStream};
/// use std::sync::{Arc, Mutex};
///
/// let clock = MidiClock::new();
/// let (mut audio_side, stream) = MidiStream::builder().build();
/// let port = Arc::new(Mutex::new(Vec::new())); // stands for a MIDI port
/// let out = Arc::clone(&port);
/// let sender = Sender::spawn(stream, clock, 1_000, move |bytes: &[u8]| {
///     out.lock().unwrap().push(bytes.to_vec());
///     true
/// });
/// // The audio thread: a Note On at the frame that plays now.
/// audio_side.try_send_at(MidiMessage::note_on(0, 60, 100)?, clock.now_us());
/// drop(audio_side); // no more: the thread ends once the stream is empty
/// let stats = sender.join();
/// assert_eq!(*port.lock().unwrap(), [vec![0x90, 60, 100]]);
/// assert_eq!((stats.sent, stats.lost), (1, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Sender {
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<SenderStats>>,
    thread: Option<JoinHandle<()>>,
}

impl Sender {
    /// Starts the thread. `send` hands one message's bytes (a short
    /// message, or a whole SysEx) to the port and says whether it took
    /// them.
    pub fn spawn<F>(mut stream: MidiStream, clock: MidiClock, delay_us: u32, mut send: F) -> Self
    where
        F: FnMut(&[u8]) -> bool + Send + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Mutex::new(SenderStats::default()));
        let (stopping, shared) = (Arc::clone(&stop), Arc::clone(&stats));
        let thread = thread::spawn(move || {
            // Relaxed: a flag that only ends the loop; nothing is read
            // through it.
            while !stopping.load(Ordering::Relaxed) {
                let Some(stamp) = stream.peek_time() else {
                    if stream.is_abandoned() && stream.peek_time().is_none() {
                        break;
                    }
                    thread::sleep(Duration::from_micros(POLL_US));
                    continue;
                };
                let due = stamp.wrapping_add(delay_us);
                // Stamps are kept modulo 2³² µs: compared by wrapping
                // difference, like everywhere in the crate.
                let wait = i64::from(due.wrapping_sub(clock.now_us() as u32) as i32);
                if wait > SPIN_US {
                    thread::sleep(Duration::from_micros((wait - SPIN_US) as u64));
                    continue;
                }
                if wait > 0 {
                    std::hint::spin_loop();
                    continue;
                }
                let late = (-wait) as u64;
                let Some(received) = stream.try_recv() else {
                    continue;
                };
                let mut stats = shared.lock().unwrap_or_else(PoisonError::into_inner);
                let held;
                let bytes = match received.event {
                    Event::Message(message) => {
                        held = message;
                        Some(held.as_bytes())
                    }
                    Event::SysEx(bytes) => Some(bytes),
                    Event::Lost { count } => {
                        stats.lost = stats.lost.saturating_add(count as u64);
                        None
                    }
                    // The audio thread's sending end was dropped.
                    Event::Ended => None,
                    _ => {
                        stats.refused += 1;
                        None
                    }
                };
                if let Some(bytes) = bytes {
                    if send(bytes) {
                        stats.sent += 1;
                        stats.lateness.record(late);
                    } else {
                        stats.refused += 1;
                    }
                }
            }
        });
        Self {
            stop,
            stats,
            thread: Some(thread),
        }
    }

    /// What the thread has done so far.
    pub fn stats(&self) -> SenderStats {
        self.stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops the thread now (what is not due yet is not sent) and returns
    /// what it did.
    pub fn stop(mut self) -> SenderStats {
        self.stop.store(true, Ordering::Relaxed);
        self.finish()
    }

    /// Waits until the stream's sending end is dropped and everything in it
    /// was sent, then returns what the thread did.
    pub fn join(mut self) -> SenderStats {
        self.finish()
    }

    fn finish(&mut self) -> SenderStats {
        if let Some(thread) = self.thread.take() {
            // A panic in the port's closure ends the thread; its stats stay.
            let _ = thread.join();
        }
        self.stats()
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.finish();
    }
}

impl core::fmt::Debug for Sender {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}
