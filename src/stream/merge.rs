//! The merge: every source's events into one time-ordered stream.
//!
//! # Looking, then merging
//!
//! Finding the next event by asking every source for its head each time
//! costs a load of each source's published index per event taken, and
//! with producers on other cores each of those loads is of a line another
//! core writes: the cost per event grew with the number of sources. The
//! merge instead **looks** at the sources now and then: a look visits the
//! sources that did something since (below), loading each one's index
//! once and noting how many entries it had published; the stream then
//! takes events from what it saw, keeping each source whose
//! next event it knows in a [`Queue`] keyed by that event's stamp. Taking
//! an event reads the source's entries within what was seen (answered
//! from the consumer's cached index, no shared load) and moves its key:
//! O(log k) for the k sources with something waiting, whatever the number
//! of sources. A source that runs out of what was seen leaves the queue
//! until a look visits it again, after a check for losses at its end (a load of a
//! line its producer writes only when it loses messages).
//!
//! The stream looks:
//!
//! * for [`MidiStream::try_recv`], [`MidiStream::peek_time`] and
//!   [`MidiStream::pop_into`]: when it has taken everything it saw, at
//!   most once a call;
//! * for a [`BlockScheduler`](crate::BlockScheduler): at the first
//!   [`next_event`](crate::BlockScheduler::next_event) of each block, and
//!   then not again in that block. An event published after that comes in
//!   the next block (late, at frame 0, if it was due): with a latency of
//!   a block or more, nothing published during a block is due in it
//!   unless it was already late.
//!
//! A look visits the sources that did something since it last visited
//! them (see below), loading each one's published index once. A source
//! whose next event the stream knows keeps its place in the queue
//! (whatever it published since comes after that event); the others are
//! queued with their next event, if they have one.
//!
//! # Which sources a look visits: the activity summary
//!
//! Each source slot has a counter in one array shared by the stream and
//! its sources ([`Activity`]), 32 bits each, sixteen to a 64-byte line.
//! A source's producer changes its counter (a plain `Release` store) after
//! every change the stream must notice: entries published, its loss total
//! raised, its end (the counter is odd once it ended). A look first loads
//! every live slot's counter (`Acquire`), then visits only the sources
//! whose counter differs from the value loaded before their last visit,
//! so a look costs a few lines per sixteen sources (the counters, the
//! values recorded, a bit each saying whether a visit is due anyway) plus
//! the lines of the sources that did something, not two or three lines of
//! every source.
//!
//! Skipping a source loses nothing:
//!
//! * The counter is loaded **before** the visit. Its `Acquire` pairs with
//!   the `Release` of the store it reads, so the visit sees everything the
//!   producer did before that store. Whatever the producer does later is
//!   followed by another store, which changes the counter: the first look
//!   that loads it visits the source. A store a look does not load yet
//!   (another core's store takes time to arrive) only makes the change
//!   come at a later look, as though it had happened after this one.
//! * A visit's findings must still **hold** for an unchanged counter to
//!   mean "nothing to do". They hold for a source in the queue (a visit
//!   would only load the index the last one loaded) and for a source out
//!   of it since its last visit (a visit would find the same nothing).
//!   They hold for a source that left the queue between looks (it ran out
//!   of what was seen, and the take that emptied it found no loss after
//!   it), but for its end: if the counter loaded for the last visit said
//!   it ended, it is visited at the next look whatever its counter says,
//!   since its end is found only at a visit. A source just handed over by
//!   a [`SourceAdder`](super::SourceAdder) is visited first too.
//! * Counters wrap (after 2³¹ changes), and a counter that came back to
//!   the value a look recorded would hide a change: a **sweep** visits a
//!   slot (`ceil(slots / 1024)` slots) at each look whatever their
//!   counters say, so that every source is visited at least once every
//!   [`SWEEP_LOOKS`] looks, and no look pays for all of them at once. A
//!   counter comes back only after 2³¹ changes between two looks at its
//!   source (tens of seconds of a thread doing nothing but counting
//!   losses, while the audio thread does not look at all); the sweep then
//!   finds the change within 1024 looks (1.4 s of 64-frame blocks at
//!   48 kHz). Sweeping
//!   faster costs every look: at 64 sources and one look a block, one slot
//!   every 64 looks made it visit a source whose lines are cold at each
//!   look, which `benches/stream.rs` measured in threads.
//! * A slot's next source goes on with the slot's counter. The stream takes
//!   a source's end only after loading the odd value its producer stored
//!   last, and hands the slot back to the adding thread through a ring
//!   after that, so the new producer loads that value and is from then on
//!   the counter's only writer (see [`ActivityWriter::claim`](crate::activity::ActivityWriter::claim)).
//!
//! # What it guarantees
//!
//! * **Within a source**, events come in the order sent, every one once.
//! * **Across sources**, each event taken is the earliest stamped, the
//!   lower source index on a tie, of the sources' next events among what
//!   the stream has seen. An event published after a look (or whose
//!   counter change the look did not load yet) is never lost and never out
//!   of its source's order, but may come after an event of another source
//!   stamped later that the look saw (it arrived after the look: the same
//!   as arriving just after the take).
//! * **Losses in place.** A loss entry is read where the source wrote it.
//!   A loss with nothing sent after it is found from the source's loss
//!   total when the stream has taken everything it saw of that source (at
//!   once, not at the next look, so that it comes in time order with the
//!   other sources' events), or at a look that finds the source empty; it
//!   is reported once, after everything the source sent before it.
//! * **Misdated stamps are not held** ([`next_for`](MidiStream::next_for)):
//!   when the scheduler does not take the earliest event (not due yet), it
//!   takes, among the other queued sources' next events it does take (a
//!   stamp far ahead or far past: misdated), the one of the lowest source
//!   index. That scan is O(k) in the queued sources, with no shared load,
//!   and runs on the call that ends a block.
//! * **Wait-free, no allocation.** A look is O(n) in the sources (a load
//!   of each one's counter, from lines holding sixteen), a take O(log k);
//!   the heap, the source table and the counters are allocated by the
//!   builder. No read-modify-write on either side: plain loads and stores.
//!
//! # Why a heap of the sources waiting
//!
//! A tournament tree over every source would cost log n a take whatever is
//! waiting; the heap holds only the sources whose next event is known,
//! which in a rig of many inputs is usually a few (one while one keyboard
//! plays): log k, and O(1) for one. Its keys are inline (stamp, index), so
//! a take touches the heap's array, the source taken from, and nothing of
//! the others.
//!
//! # What it costs still
//!
//! A look loads every live slot's counter and the value recorded for it
//! (a line of each per sixteen sources), and visits the sources whose
//! counter changed, that ended and left the queue since their last visit,
//! or whose turn in the sweep it is: for each, its published index, and for one
//! with nothing waiting its loss total, two lines. So a look still grows
//! with the sources, by a few lines per sixteen, and by two lines per
//! source that did something. What grows most with the sources in a real
//! rig is not the look but the sources that do something: each one costs
//! the lines its producer wrote (its published index, its entries) and
//! its own state, cold if it sent nothing for a while, however few events
//! it has.
//! `benches/stream.rs` measures it against the alternatives (see
//! `benches/README.md`).
//!
//! The queue, the source table and the counters are sized for
//! [`max_sources`](super::StreamBuilder::max_sources) when the stream is
//! built; a source added later takes a free slot.

use crate::event::{Event, MidiEvent, Received};
use alloc::boxed::Box;
use core::fmt;

use crate::activity::{Activity, is_end};
use crate::sync::Arc;

use super::builder::{Protocol, StreamBuilder};
use super::queue::{Key, Queue};
use super::receive::{Head, SourceRx};
use crate::spsc::{Consumer, Producer};

/// A look visits every slot, whatever its counter says, at least once in
/// this many looks (one slot at each, up to 1024 slots): a counter that
/// came back to the value a look recorded (it wraps, after 2³¹ changes)
/// hides nothing for longer.
pub(super) const SWEEP_LOOKS: usize = 1024;

/// The mark in a [`MidiStream::seen`] value that its slot is stale: above
/// the 32 bits of the counter, so that a stale slot's value equals no
/// counter and a look visits it whatever its counter says.
pub(super) const STALE: u64 = 1 << 32;

/// Decides which events [`MidiStream::next_for`] takes, by their stamps.
pub(crate) trait Picker {
    /// What taking an event gives besides the event.
    type Out;
    /// Whether an event stamped `time` is taken now. Does not change the
    /// picker.
    fn takes(&self, time: u32) -> bool;
    /// Takes an event stamped `time` if [`takes`](Self::takes) says yes
    /// (one placement where asking first and then taking would make two).
    fn try_take(&mut self, time: u32) -> Option<Self::Out>;
    /// When the stream looks at its sources: `Some(block)`, at the first
    /// call with a block number other than the last look's (a scheduler,
    /// once per audio block); `None`, when it has taken everything it saw.
    fn block(&self) -> Option<u64>;
}

/// Takes every event, as it comes.
pub(super) struct Everything;

impl Picker for Everything {
    type Out = ();
    fn takes(&self, _: u32) -> bool {
        true
    }
    fn try_take(&mut self, _: u32) -> Option<()> {
        Some(())
    }
    fn block(&self) -> Option<u64> {
        None
    }
}

/// The audio thread's end of a stream: every source's events, merged in
/// time order. Made by [`MidiStream::builder`].
///
/// `Send`, not `Sync`. Every method is wait-free and never allocates.
/// Taking an event costs O(log k) for the k sources with events waiting;
/// a look at the sources (see [`try_recv`](Self::try_recv)) costs a load
/// of each source's activity counter (sixteen to a cache line), and for each
/// source that did something since the last look, a load of its published
/// index and, if it has nothing waiting, of its loss total.
pub struct MidiStream {
    /// One slot per source the stream can hold, by index: built, added,
    /// or empty (never used, or its source ended and was retired).
    pub(super) sources: Box<[Option<SourceRx>]>,
    /// The indices of the slots that hold a source, the first `live_len`:
    /// a look visits these and no empty slot.
    pub(super) live: Box<[u32]>,
    pub(super) live_len: usize,
    /// The sources whose next event is known, by its stamp.
    pub(super) queue: Queue,
    /// The audio thread's ends of the hand-over: sources an
    /// [`SourceAdder`](super::SourceAdder) made, placed at a look, and
    /// sources that ended, handed back so that their rings are freed away
    /// from the audio thread. Both rings hold every slot, so neither is
    /// ever full when the stream writes.
    pub(super) arrivals: Consumer<(usize, SourceRx)>,
    pub(super) retired: Producer<(usize, SourceRx)>,
    /// The adder's ends, until [`adder`](MidiStream::adder) hands them out.
    pub(super) adder: Option<super::SourceAdder>,
    /// One activity counter per slot, each written by the slot's source
    /// after every change the stream must notice: a look loads these and
    /// visits only the sources whose counter changed.
    pub(super) activity: Arc<Activity>,
    /// Per slot, the counter as loaded just before the last visit of its
    /// source (the low 32 bits), marked [`STALE`] when a visit now might
    /// find what the last visit did not, though the counter did not
    /// change: until the source's first visit, and once it leaves the
    /// queue if the counter loaded for that visit said it ended (its end
    /// is found only at a visit); and by the sweep. One comparison with
    /// the counter loaded then tells a look whether to visit.
    pub(super) seen: Box<[u64]>,
    /// The slots a look visits, gathered by its first pass for its second.
    pub(super) visits: Box<[u32]>,
    /// Where the sweep of full visits goes on at the next look: a slot
    /// number below `max(slots, SWEEP_LOOKS)`.
    pub(super) sweep: usize,
    /// The stamp of the latest event taken: the time given to the end of a
    /// source that never sent anything.
    pub(super) last_time: u32,
    /// The block number of the last look, for a picker that looks once a
    /// block.
    pub(super) looked: Option<u64>,
    /// Where a SysEx is copied to be lent out: the SysEx capacity.
    pub(super) scratch: Box<[u8]>,
    pub(super) capacity: usize,
    pub(super) protocol: Protocol,
    /// Messages reported lost so far.
    pub(super) lost: usize,
}

impl MidiStream {
    /// A builder: capacity (messages per source), SysEx bytes, number of
    /// sources.
    ///
    /// ```
    /// let (source, stream) = bbx_midi::MidiStream::builder().build();
    /// assert_eq!((source.capacity(), stream.sysex_capacity()), (256, 0));
    /// ```
    pub fn builder() -> StreamBuilder {
        StreamBuilder::default()
    }

    /// Looks at the sources: first every live slot's activity counter
    /// (densely packed, a few lines for all of them); then each source
    /// whose counter changed since its last visit, or whose last visit
    /// no longer holds, or whose turn in the sweep it is, is visited: what
    /// it has published, and for one with nothing waiting, the losses at
    /// its end and its end. A source in the queue keeps its place there
    /// (what it published since comes after the event the queue holds),
    /// but all it published is now seen: an event due in this block is
    /// taken in it.
    fn look(&mut self) {
        self.admit();
        let Self {
            sources,
            live,
            live_len,
            queue,
            activity,
            seen,
            visits,
            sweep,
            last_time,
            ..
        } = self;
        // Slices taken once: their pointers and lengths stay in registers
        // through the loops below, whose Acquire loads would otherwise
        // have each iteration load them again through the boxes.
        let live = &live[..*live_len];
        let (sources, seen, visits) = (&mut **sources, &mut **seen, &mut **visits);
        let counters = activity.counters();
        // This look's share of the sweep: the slots `sweep .. sweep + step`
        // on a circle of `span` slots (past the last slot, none), so that
        // every slot comes once every `SWEEP_LOOKS` looks, and no look
        // pays for all of them. They are visited as stale ones are.
        let slots = sources.len();
        let span = slots.max(SWEEP_LOOKS);
        let step = slots.div_ceil(SWEEP_LOOKS);
        for slot in (*sweep..*sweep + step).map(|slot| slot % span) {
            if slot < slots {
                seen[slot] |= STALE;
            }
        }
        *sweep = (*sweep + step) % span;
        // Two passes. The first loads every live slot's counter and, for
        // the sources to visit, their published indices: loads that do
        // not depend on each other, so that the processor has many of them
        // in flight at once (each a line another core wrote).
        let mut visited = 0;
        for &index in live {
            let slot = index as usize;
            // Loaded before the visit, with Acquire (see `Activity::load`):
            // everything the producer did before the store read is visible
            // to the visit. A store that comes later, or that this load
            // does not see yet, changes the counter again: what came with
            // it is seen at the next look that loads it, as though it had
            // come after this one.
            let count = u64::from(counters.load(slot));
            if seen[slot] == count {
                // Nothing new since a visit whose findings still hold (not
                // marked stale): a visit now would find the same.
                continue;
            }
            seen[slot] = count;
            if let Some(source) = &mut sources[slot] {
                source.see();
            }
            visits[visited] = index;
            visited += 1;
        }
        // Then the next events of the sources visited and not queued, whose
        // lines' loads overlap in the same way.
        for &index in &visits[..visited] {
            let slot = index as usize;
            let Some(source) = &mut sources[slot] else {
                continue;
            };
            if source.next.is_some() {
                continue;
            }
            let ended = is_end(seen[slot] as u32);
            let head = source.head().or_else(|| source.end(ended, *last_time));
            if let Some(head) = head {
                source.next = Some(head);
                queue.push(Key {
                    time: head.time(),
                    source: index,
                });
            }
        }
    }

    /// Places the sources an adder handed over in their slots. Bounded by
    /// the slots: the hand-over ring holds no more.
    fn admit(&mut self) {
        while let Some((index, source)) = self.arrivals.try_pop() {
            let slot = &mut self.sources[index];
            debug_assert!(slot.is_none(), "the adder gave out a slot in use");
            if slot.is_none() && self.live_len < self.live.len() {
                *slot = Some(source);
                self.live[self.live_len] = index as u32;
                self.live_len += 1;
                // Visited at this look whatever its counter says: nothing
                // the stream knew of the slot is about this source.
                self.seen[index] |= STALE;
            }
        }
    }

    /// Frees the slot of a source whose end was taken: its receiving end
    /// goes back to the adder's side to be dropped there. Never fails: the
    /// ring back holds every slot.
    fn retire(&mut self, index: usize) {
        if let Some(at) = self.live[..self.live_len]
            .iter()
            .position(|&i| i as usize == index)
        {
            self.live_len -= 1;
            self.live.swap(at, self.live_len);
        }
        if let Some(source) = self.sources[index].take() {
            let handed = self.retired.try_push((index, source));
            debug_assert!(handed.is_ok(), "the ring back holds every slot");
        }
    }

    /// Looks if `picker` says so: a new block, or (for a picker without
    /// blocks) nothing left of what the last look saw.
    #[inline]
    fn look_for<P: Picker>(&mut self, picker: &P) {
        match picker.block() {
            Some(block) if self.looked != Some(block) => {
                self.looked = Some(block);
                self.look();
            }
            Some(_) => {}
            None if self.queue.is_empty() => self.look(),
            None => {}
        }
    }

    /// Takes the event of the source whose key is at `at` in the queue,
    /// and queues that source's next event among those seen (or the losses
    /// at its end), if any.
    #[inline(always)]
    fn take_at(&mut self, at: usize) -> (Key, Event<'_>) {
        let key = self.queue.keys()[at];
        let index = key.source as usize;
        let Self {
            sources,
            queue,
            seen,
            lost,
            last_time,
            ..
        } = self;
        let Some(source) = sources.get_mut(index).and_then(Option::as_mut) else {
            debug_assert!(false, "a queued source is in its slot");
            queue.remove(at);
            return (key, Event::Lost { count: 0 });
        };
        let event = match source.next.take() {
            Some(Head::Ended { time }) => {
                // Nothing more can come from it: free its slot. The event
                // borrows nothing of the source.
                queue.remove(at);
                *last_time = time;
                self.retire(index);
                return (key, Event::Ended);
            }
            Some(head) => source.take(head, &mut self.scratch),
            None => {
                debug_assert!(false, "a queued source knows its next event");
                Event::Lost { count: 0 }
            }
        };
        *last_time = key.time;
        match source.head() {
            Some(next) => {
                source.next = Some(next);
                queue.replace(
                    at,
                    Key {
                        time: next.time(),
                        source: key.source,
                    },
                );
            }
            None => {
                queue.remove(at);
                // It ran out of what the last visit saw, and `head` just
                // found no loss after it. If the counter loaded for that
                // visit said it ended, its end is found only at a visit:
                // the next look visits it, though the counter will not
                // change. If not, a visit would find nothing new until the
                // counter changes.
                if is_end(seen[index] as u32) {
                    seen[index] |= STALE;
                }
            }
        }
        if let Event::Lost { count } = event {
            *lost = lost.wrapping_add(count);
        }
        (key, event)
    }

    /// Takes the next event `picker` takes: the earliest stamped of the
    /// sources' next events as the stream last saw them, if the picker
    /// takes it; if not, of the other sources' next events the picker
    /// takes, the one of the lowest source index (a misdated stamp must
    /// not wait behind events that are not due yet).
    #[inline]
    pub(crate) fn next_for<P: Picker>(&mut self, picker: &mut P) -> Option<(P::Out, Received<'_>)> {
        self.look_for(picker);
        let first = self.queue.first()?;
        let (at, picked) = match picker.try_take(first.time) {
            Some(picked) => (0, picked),
            None => {
                // O(k) in the sources waiting, once a block for a
                // scheduler (the call that ends it), and no shared load.
                let at = self
                    .queue
                    .keys()
                    .iter()
                    .enumerate()
                    .skip(1)
                    .filter(|(_, key)| picker.takes(key.time))
                    .min_by_key(|(_, key)| key.source)
                    .map(|(at, _)| at)?;
                (at, picker.try_take(self.queue.keys()[at].time)?)
            }
        };
        let (key, event) = self.take_at(at);
        Some((
            picked,
            Received {
                time: key.time,
                source: key.source as usize,
                event,
            },
        ))
    }

    /// Takes the next event of the stream, or `None` if there is none. A
    /// SysEx is lent until the next call.
    ///
    /// The event is the earliest stamped (the lower source index on a tie)
    /// of the sources' next events as the stream last saw them. The stream
    /// looks at the sources again when it has taken everything it saw: an
    /// event published after a look comes after the events of other
    /// sources seen at that look, even stamped later; within a source the
    /// order is always the order sent. So, called until `None` once per
    /// audio block, each block takes everything published before its first
    /// call in time order, and `None` means nothing was waiting at the last
    /// look.
    ///
    /// Wait-free; never allocates. O(log k) for the k sources with events
    /// waiting; a call that looks adds a load of each source's activity
    /// counter and a visit of those that did something (a SysEx costs a
    /// copy of its bytes).
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    ///
    /// let ([mut a, mut b], mut stream) = MidiStream::builder().build_merged();
    /// a.try_send_at(MidiMessage::STOP, 30);
    /// a.try_send_at(MidiMessage::CONTINUE, 40);
    /// b.try_send_at(MidiMessage::START, 20);
    /// let first = stream.try_recv().unwrap(); // a look: all three seen
    /// assert_eq!((first.source, first.time), (1, 20));
    /// b.try_send_at(MidiMessage::TIMING_CLOCK, 35); // after the look...
    /// let times: Vec<_> = std::iter::from_fn(|| stream.try_recv().map(|r| (r.source, r.time))).collect();
    /// assert_eq!(times, [(0, 30), (0, 40), (1, 35)]); // ...after what it saw
    /// ```
    #[inline]
    pub fn try_recv(&mut self) -> Option<Received<'_>> {
        self.next_for(&mut Everything)
            .map(|((), received)| received)
    }

    /// The time of the event [`try_recv`](Self::try_recv) would take, or
    /// `None` if there is none. Looks at the sources as `try_recv` does.
    ///
    /// ```
    /// let (mut source, mut stream) = bbx_midi::MidiStream::builder().build();
    /// assert_eq!(stream.peek_time(), None);
    /// source.try_send_at(bbx_midi::MidiMessage::START, 7);
    /// assert_eq!(stream.peek_time(), Some(7));
    /// ```
    pub fn peek_time(&mut self) -> Option<u32> {
        self.look_for(&Everything);
        self.queue.first().map(|key| key.time)
    }

    /// Moves the next short messages, with their times, into the front of
    /// `out`, in stream order (as [`try_recv`](Self::try_recv) takes them),
    /// and returns how many. Stops early before a SysEx or a loss, which
    /// [`try_recv`](Self::try_recv) takes. Looks at the sources at most
    /// once, when it has taken everything it saw.
    ///
    /// For a [`Protocol::Midi1`] stream only: a MIDI 2.0 stream delivers
    /// packets, which a [`MidiEvent`] cannot hold, so there it takes
    /// nothing and returns 0 (take its events with
    /// [`try_recv`](Self::try_recv)).
    ///
    /// Wait-free; never allocates.
    ///
    /// ```
    /// use bbx_midi::{MidiEvent, MidiMessage, MidiStream};
    ///
    /// let (mut source, mut stream) = MidiStream::builder().build();
    /// source.try_send_at(MidiMessage::START, 1);
    /// source.try_send_at(MidiMessage::STOP, 2);
    /// let mut block = [MidiEvent::default(); 8];
    /// assert_eq!(stream.pop_into(&mut block), 2);
    /// assert_eq!(block[1], MidiEvent::new(MidiMessage::STOP, 2));
    /// ```
    pub fn pop_into(&mut self, out: &mut [MidiEvent]) -> usize {
        let mut n = 0;
        let mut looked = false;
        while n < out.len() {
            if self.queue.is_empty() {
                if looked {
                    break;
                }
                looked = true;
                self.look();
            }
            let Some(first) = self.queue.first() else {
                break;
            };
            match self.sources[first.source as usize]
                .as_ref()
                .and_then(|source| source.next)
            {
                Some(Head::Entry(entry)) if entry.is_message() => {}
                _ => break,
            }
            let (key, event) = self.take_at(0);
            if let Event::Message(message) = event {
                out[n] = MidiEvent {
                    message,
                    time: key.time,
                };
                n += 1;
            }
        }
        n
    }

    /// The protocol this stream delivers.
    ///
    /// ```
    /// let (_source, stream) = bbx_midi::MidiStream::builder().build();
    /// assert_eq!(stream.protocol(), bbx_midi::Protocol::Midi1);
    /// ```
    #[inline]
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The number of sources the stream holds now: built or added, and not
    /// yet ended (a source's slot is freed when its
    /// [`Event::Ended`] is taken).
    ///
    /// ```
    /// let (_sources, stream) = bbx_midi::MidiStream::builder().build_sources(3);
    /// assert_eq!(stream.sources(), 3);
    /// ```
    #[inline]
    pub fn sources(&self) -> usize {
        self.live_len
    }

    /// The most sources the stream can hold at once (see
    /// [`StreamBuilder::max_sources`]).
    ///
    /// ```
    /// let (_source, stream) = bbx_midi::MidiStream::builder().max_sources(8).build();
    /// assert_eq!(stream.max_sources(), 8);
    /// ```
    #[inline]
    pub fn max_sources(&self) -> usize {
        self.sources.len()
    }

    /// The handle that adds sources to this stream while it runs, from any
    /// thread (see [`SourceAdder`](super::SourceAdder)): `Some` the first
    /// time, `None` after. Take it before the stream goes to the audio
    /// thread.
    ///
    /// ```
    /// use bbx_midi::{Event, MidiMessage, MidiStream};
    ///
    /// let (_first, mut stream) = MidiStream::builder().max_sources(4).build();
    /// let mut adder = stream.adder().unwrap();
    /// let mut keyboard = adder.add()?; // e.g. on the thread that saw it plugged in
    /// keyboard.try_send_at(MidiMessage::START, 10);
    /// let received = stream.try_recv().unwrap();
    /// assert_eq!((received.source, received.event), (1, Event::Message(MidiMessage::START)));
    /// drop(keyboard); // unplugged: its end comes after everything it sent
    /// assert_eq!(stream.try_recv().unwrap().event, Event::Ended);
    /// # Ok::<(), bbx_midi::stream::AddError>(())
    /// ```
    pub fn adder(&mut self) -> Option<super::SourceAdder> {
        self.adder.take()
    }

    /// Messages each source holds when the audio thread takes nothing (see
    /// [`StreamBuilder::capacity`]).
    ///
    /// ```
    /// let ([a, b], stream) = bbx_midi::MidiStream::builder().capacity(64).build_merged();
    /// assert_eq!((stream.capacity(), a.capacity(), b.capacity()), (64, 64, 64));
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The longest SysEx the stream carries, in bytes: each source's
    /// [`sysex_capacity`](crate::StreamSource::sysex_capacity).
    ///
    /// ```
    /// let (source, stream) = bbx_midi::MidiStream::builder().sysex_bytes(512).build();
    /// assert_eq!((stream.sysex_capacity(), source.sysex_capacity()), (512, 512));
    /// ```
    #[inline]
    pub fn sysex_capacity(&self) -> usize {
        self.scratch.len()
    }

    /// Messages reported lost so far, in [`Event::Lost`] events (wrapping
    /// at `usize::MAX`).
    ///
    /// ```
    /// let (mut source, mut stream) = bbx_midi::MidiStream::builder().build();
    /// source.add_dropped_at(3, 0);
    /// stream.try_recv();
    /// assert_eq!(stream.lost(), 3);
    /// ```
    #[inline]
    pub fn lost(&self) -> usize {
        self.lost
    }

    /// Whether every source has been dropped and none can be added (the
    /// [`adder`](Self::adder) was never taken, or was dropped). Once it is
    /// `true`, taking events until `None` empties the stream for good (each
    /// source's [`Event::Ended`] among them).
    ///
    /// ```
    /// let (source, stream) = bbx_midi::MidiStream::builder().build();
    /// drop(source);
    /// assert!(stream.is_abandoned());
    /// ```
    pub fn is_abandoned(&self) -> bool {
        // Nobody can add a source: the adder was never taken, or dropped.
        let closed = self.adder.is_some() || self.arrivals.is_abandoned();
        // Each source ended by its activity counter, the value a look goes
        // by: once this loads it, every later look loads it too.
        closed
            && self.arrivals.is_empty()
            && self.live[..self.live_len]
                .iter()
                .all(|&i| is_end(self.activity.load(i as usize)))
    }
}

impl fmt::Debug for MidiStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MidiStream")
            .field("sources", &self.live_len)
            .field("max_sources", &self.sources.len())
            .field("capacity", &self.capacity)
            .field("sysex_capacity", &self.scratch.len())
            .field("lost", &self.lost)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::SWEEP_LOOKS;
    use crate::{Event, MidiMessage, MidiStream};

    /// A counter that came back to the value the last visit recorded (a
    /// counter wraps) hides what its source published from the looks that
    /// go by the counters, but the sweep visits every slot within
    /// `SWEEP_LOOKS` looks.
    #[test]
    fn a_change_the_counter_hides_is_found_by_the_sweep_within_its_looks() {
        let ([mut a, _b], mut stream) = MidiStream::builder().build_merged();
        assert!(stream.try_recv().is_none(), "a look: both visited");
        let before = stream.activity.load(a.index());
        assert!(a.try_send_at(MidiMessage::START, 5));
        stream.activity.set(a.index(), before);
        let mut looks = 0;
        let received = loop {
            looks += 1;
            // Each call looks: nothing is queued.
            if let Some(received) = stream.try_recv() {
                break received;
            }
            assert!(looks < SWEEP_LOOKS, "not found in {looks} looks");
        };
        assert_eq!(
            (received.source, received.time, received.event),
            (0, 5, Event::Message(MidiMessage::START))
        );
        assert!(
            looks > 1,
            "found at once: the look did not go by the counter"
        );
    }
}
