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
    /// The source was dropped, and everything it sent is taken.
    Ended {
        time: u32,
    },
}

impl Head {
    #[inline]
    pub(super) fn time(&self) -> u32 {
        match *self {
            Head::Entry(entry) => entry.time,
            Head::Trailing { time, .. } | Head::Ended { time } => time,
        }
    }
}

/// The audio thread's end of one source.
///
/// The merge reads a source only as far as it saw when it last looked
/// ([`see`](Self::see)): `ready` counts those
/// entries, and every read within them is answered from the consumer's
/// cached copy of the producer's index, so that a source costs the audio
/// thread one load of a line its producer writes per visit (a look visits
/// only the sources whose activity counter changed; see `merge.rs`), not
/// one per event taken.
///
/// Laid out in cache lines (`repr(C)`, aligned to 64 bytes): a visit
/// touches the first (the entry ring's consumer and `ready`) and, for a
/// source not queued, the second (its next event and loss counts); the
/// byte ring's consumer, read only for a SysEx, is in the third.
#[derive(Debug)]
#[repr(C, align(64))]
pub(super) struct SourceRx {
    pub(super) entries: Consumer<Entry>,
    /// Entries published when the stream last looked and not taken yet.
    pub(super) ready: usize,
    /// This source's next event, if the stream knows it: then the source
    /// is in the merge's queue, stamped with its time.
    pub(super) next: Option<Head>,
    /// The source's loss total (wrapping) when the stream last loaded it.
    pub(super) seen_lost: usize,
    /// The stamp of the last event taken from this source, if any.
    pub(super) last_time: Option<u32>,
    /// The source's loss total (wrapping) up to the last loss handed out.
    pub(super) reported: usize,
    /// The loss total covered by the loss entries taken so far.
    pub(super) committed: usize,
    pub(super) bytes: Option<Consumer<u8>>,
}

impl SourceRx {
    /// A source's receiving end, seen empty.
    pub(super) fn new(entries: Consumer<Entry>, bytes: Option<Consumer<u8>>) -> Self {
        Self {
            entries,
            bytes,
            reported: 0,
            committed: 0,
            seen_lost: 0,
            last_time: None,
            ready: 0,
            next: None,
        }
    }

    /// Notes what the source has published: one load of the producer's
    /// index. The entries seen are then read from the cached index.
    #[inline]
    pub(super) fn see(&mut self) {
        self.ready = self.entries.len();
    }

    /// The next event among the entries seen at the last look, without
    /// taking it. Loss entries for losses already handed out (as trailing
    /// losses) are passed over. When those entries are all taken, the
    /// losses after them, if nothing was published after them.
    #[inline(always)]
    pub(super) fn head(&mut self) -> Option<Head> {
        // The common case, kept in the caller's loop: a message seen.
        if self.ready > 0 {
            if let Some(&entry) = self.entries.peek() {
                if entry.is_message() {
                    return Some(Head::Entry(entry));
                }
            }
        }
        self.head_other()
    }

    /// [`head`](Self::head) for every other case: nothing seen left, or an
    /// entry that is not a plain message.
    #[inline(never)]
    fn head_other(&mut self) -> Option<Head> {
        loop {
            if self.ready == 0 {
                return self.trailing();
            }
            // Within `ready`: answered from the cached index, no load.
            let Some(&entry) = self.entries.peek() else {
                debug_assert!(false, "an entry seen at the look is gone");
                self.ready = 0;
                return None;
            };
            if let Some((count, len)) = self.loss_report(&entry) {
                // Handed out already, as trailing losses: `reported` runs
                // ahead of `committed` by what trailing reports gave before
                // the entries for it came (never behind, so the wrapping
                // difference is that amount, for any counts).
                if count <= self.reported.wrapping_sub(self.committed) {
                    self.committed = self.committed.wrapping_add(count);
                    self.skip(len);
                    continue;
                }
            }
            return Some(Head::Entry(entry));
        }
    }

    /// The source's end, when it has been dropped (`ended`: its activity
    /// counter, loaded at this look, said so) and the stream has taken
    /// everything it sent, losses at its end included: stamped with its
    /// last event's time, or `fallback` for a source that sent nothing.
    /// Called when [`head`](Self::head) found nothing.
    pub(super) fn end(&mut self, ended: bool, fallback: u32) -> Option<Head> {
        if !ended {
            return None;
        }
        // It was dropped: everything it did before is now visible (the
        // counter's Acquire load paired with the Release of its last
        // store); look once more.
        self.see();
        if let Some(head) = self.head() {
            return Some(head);
        }
        Some(Head::Ended {
            time: self.last_time.unwrap_or(fallback),
        })
    }

    /// Takes `len` entries of those seen (one record, committed together).
    #[inline]
    fn skip(&mut self, len: usize) {
        let skipped = self.entries.skip(len);
        debug_assert_eq!(skipped, len);
        self.ready = self.ready.saturating_sub(len);
    }

    /// Takes `head`, which [`head`](Self::head) just returned. A SysEx is
    /// copied into `scratch`.
    #[inline(always)]
    pub(super) fn take<'a>(&mut self, head: Head, scratch: &'a mut [u8]) -> Event<'a> {
        // The common case, kept in the caller's loop: a message.
        if let Head::Entry(entry) = head {
            if entry.is_message() {
                self.last_time = Some(entry.time);
                self.skip(1);
                return Event::Message(MidiMessage::from_stored(entry.data));
            }
        }
        self.take_other(head, scratch)
    }

    /// [`take`](Self::take) for everything but a plain message: losses,
    /// the end, packets and SysEx.
    #[inline(never)]
    fn take_other<'a>(&mut self, head: Head, scratch: &'a mut [u8]) -> Event<'a> {
        self.last_time = Some(head.time());
        let entry = match head {
            Head::Trailing { count, .. } => {
                self.reported = self.reported.wrapping_add(count);
                return Event::Lost { count };
            }
            Head::Ended { .. } => return Event::Ended,
            Head::Entry(entry) => entry,
        };
        if let Some((count, len)) = self.loss_report(&entry) {
            self.skip(len);
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
                self.skip(1 + len.div_ceil(2));
                Event::Ump(Ump::from_words_unchecked(words))
            }
            tag if tag == TAG_SYSEX || tag & 0xE0 == TAG_SYSEX7 => {
                // TAG_SYSEX7 and TAG_SYSEX8 share the top three bits.
                self.skip(1);
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
                self.skip(1);
                Event::Message(MidiMessage::from_stored(entry.data))
            }
        }
    }
}

// The layout the look relies on: the consumer and `ready` in one line
// (loom's cells are larger: the models check the protocol, not the layout).
#[cfg(not(loom))]
const _: () = assert!(core::mem::offset_of!(SourceRx, ready) + core::mem::size_of::<usize>() <= 64);
