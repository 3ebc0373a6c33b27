//! The audio thread's end of one source: its next event, and taking it.

use crate::event::Event;
use crate::message::MidiMessage;
use crate::spsc::Consumer;
use crate::ump::Ump;

use super::entry::{Entry, TAG_SYSEX, TAG_SYSEX7, TAG_SYSEX8, TAG_UMP};

/// What a source's next event is.
#[derive(Clone, Copy, Debug)]
pub(super) enum Head {
    Entry(Entry),
    /// Losses after everything the source sent: nothing came after them.
    Trailing {
        count: usize,
        time: u32,
    },
}

impl Head {
    #[inline]
    pub(super) fn time(&self) -> u32 {
        match *self {
            Head::Entry(entry) => entry.time,
            Head::Trailing { time, .. } => time,
        }
    }
}

/// The audio thread's end of one source.
#[derive(Debug)]
pub(super) struct SourceRx {
    pub(super) entries: Consumer<Entry>,
    pub(super) bytes: Option<Consumer<u8>>,
    /// The source's loss total (wrapping) up to the last loss handed out.
    pub(super) reported: usize,
    /// The loss total covered by the loss entries taken so far.
    pub(super) committed: usize,
}

impl SourceRx {
    /// The next event, without taking it. Loss entries for losses already
    /// handed out (as trailing losses) are passed over.
    pub(super) fn head(&mut self) -> Option<Head> {
        loop {
            let Some(&entry) = self.entries.peek() else {
                let report = self.entries.dropped_at_end()?;
                let count = report.total.wrapping_sub(self.reported);
                return (count != 0).then_some(Head::Trailing {
                    count,
                    time: report.mark,
                });
            };
            if let Some((count, len)) = self.loss_report(&entry) {
                // Handed out already, as trailing losses: `reported` runs
                // ahead of `committed` by what trailing reports gave before
                // the entries for it came (never behind, so the wrapping
                // difference is that amount, for any counts).
                if count <= self.reported.wrapping_sub(self.committed) {
                    self.committed = self.committed.wrapping_add(count);
                    self.entries.skip(len);
                    continue;
                }
            }
            return Some(Head::Entry(entry));
        }
    }

    /// Takes `head`, which [`head`](Self::head) just returned. A SysEx is
    /// copied into `scratch`.
    pub(super) fn take<'a>(&mut self, head: Head, scratch: &'a mut [u8]) -> Event<'a> {
        let entry = match head {
            Head::Trailing { count, .. } => {
                self.reported = self.reported.wrapping_add(count);
                return Event::Lost { count };
            }
            Head::Entry(entry) => entry,
        };
        if let Some((count, len)) = self.loss_report(&entry) {
            self.entries.skip(len);
            self.committed = self.committed.wrapping_add(count);
            let count = self.committed.wrapping_sub(self.reported);
            self.reported = self.committed;
            return Event::Lost { count };
        }
        match entry.tag() {
            tag @ 0x91..=0x94 => {
                // A packet: its words follow, two an entry, committed with
                // the head.
                let len = usize::from(tag - TAG_UMP);
                let mut words = [0u32; 4];
                for (i, pair) in words.chunks_mut(2).take(len.div_ceil(2)).enumerate() {
                    if let Some(entry) = self.entries.peek_nth(1 + i) {
                        pair[0] = u32::from_le_bytes(entry.data);
                        pair[1] = entry.time;
                    }
                }
                self.entries.skip(1 + len.div_ceil(2));
                Event::Ump(Ump::from_words_unchecked(words))
            }
            tag if tag == TAG_SYSEX || tag & 0xE0 == TAG_SYSEX7 => {
                // TAG_SYSEX7 and TAG_SYSEX8 share the top three bits.
                self.entries.try_pop();
                let len = entry.number();
                let out = &mut scratch[..len];
                // The source published these bytes before the entry we took.
                let read = self.bytes.as_mut().map_or(0, |bytes| bytes.pop_slice(out));
                debug_assert_eq!(read, len);
                let group = tag & 0x0F;
                match tag & 0xF0 {
                    TAG_SYSEX7 => Event::SysEx7 {
                        group,
                        data: out.get(1..len.saturating_sub(1)).unwrap_or_default(),
                    },
                    TAG_SYSEX8 => match out.split_first() {
                        Some((&stream_id, data)) => Event::SysEx8 {
                            group,
                            stream_id,
                            data,
                        },
                        None => Event::SysEx8 {
                            group,
                            stream_id: 0,
                            data: &[],
                        },
                    },
                    _ => Event::SysEx(out),
                }
            }
            _ => {
                self.entries.try_pop();
                Event::Message(MidiMessage::from_stored(entry.data))
            }
        }
    }
}
