//! Loss reports: a source counts what it loses and reports it in its
//! entry ring before the next thing it sends; the audio thread hands the
//! report out in that place, or, with nothing sent after it, from the
//! ring's drop report.

use super::entry::{Entry, MAX_LOST_NARROW, TAG_LOST, TAG_LOST_WIDE, TAG_MORE};
use super::later;
use super::receive::{Head, SourceRx};
use super::source::StreamSource;

impl Entry {
    /// The loss report for `n` messages lost, the last at `time`: one
    /// entry, or two for a count beyond 24 bits.
    pub(super) fn losses(n: usize, time: u32) -> ([Entry; 2], usize) {
        if n <= MAX_LOST_NARROW {
            return ([Self::tagged(TAG_LOST, n, time), Self::default()], 1);
        }
        let n = n as u64;
        let [a, b, _, _] = ((n >> 56) as u32).to_le_bytes();
        let more = Self {
            data: [a, b, 0, TAG_MORE],
            time: (n >> 24) as u32,
        };
        let low = (n & 0xFF_FFFF) as usize;
        ([Self::tagged(TAG_LOST_WIDE, low, time), more], 2)
    }

    /// The count of a two-entry loss report: this entry's 24 bits and the
    /// next 56 from its continuation.
    #[inline]
    pub(super) fn wide_count(&self, more: &Entry) -> usize {
        let high = u64::from(u16::from_le_bytes([more.data[0], more.data[1]]));
        let count = (high << 56) | (u64::from(more.time) << 24) | self.number() as u64;
        usize::try_from(count).unwrap_or(usize::MAX)
    }
}

impl StreamSource {
    /// Counts `n` messages lost at `time`: they will be reported after
    /// everything sent so far and before anything sent next.
    pub(super) fn lose(&mut self, n: usize, time: u32) {
        if n == 0 {
            return;
        }
        if self.pending == 0 || later(time, self.pending_time) {
            self.pending_time = time;
        }
        self.pending = self.pending.saturating_add(n);
        self.entries.add_dropped_marked(n, self.pending_time);
        // After the loss total, which the audio thread reads for a loss
        // with nothing sent after it.
        self.activity.changed();
        self.publish();
    }

    /// Reports `n` messages this source gave up on at `time_us` (a
    /// retrying producer that stops retrying), as a loss in the stream
    /// after everything it sent so far. The `try_send…` methods report
    /// their losses themselves.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().build();
    /// source.add_dropped_at(2, 50);
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Lost { count: 2 });
    /// ```
    pub fn add_dropped_at(&mut self, n: usize, time_us: u64) {
        self.lose(n, time_us as u32);
    }
}

impl SourceRx {
    /// Losses after everything the source published, when the stream has
    /// taken all it saw of it: the ring's drop report, if the producer
    /// published nothing since. Loads the loss total (a line the producer
    /// writes only when it loses messages), and only when that total is
    /// past what was handed out, the drop report.
    pub(super) fn trailing(&mut self) -> Option<Head> {
        self.seen_lost = self.seen_lost.wrapping_add(self.entries.take_dropped());
        if self.seen_lost == self.reported {
            return None;
        }
        // `None` when the producer published since the look: the report it
        // wrote before that is read in place at the next look.
        let report = self.entries.dropped_at_end()?;
        let count = report.total.wrapping_sub(self.reported);
        (count != 0).then_some(Head::Trailing {
            count,
            time: report.mark,
        })
    }

    /// If `entry`, the oldest, is a loss report: its count and how many
    /// entries it takes. The continuation of a wide one was committed with
    /// it.
    #[inline]
    pub(super) fn loss_report(&self, entry: &Entry) -> Option<(usize, usize)> {
        match entry.tag() {
            TAG_LOST => Some((entry.number(), 1)),
            TAG_LOST_WIDE => {
                let more = self.entries.peek_nth(1);
                debug_assert!(more.is_some_and(|m| m.tag() == TAG_MORE));
                Some((more.map_or(0, |more| entry.wide_count(more)), 2))
            }
            _ => None,
        }
    }
}
