//! Properties of a stream under random use on one thread: everything a
//! source accepted comes out once, in order, SysEx whole; and every loss it
//! counted is reported exactly once, at its place among the deliveries
//! (after everything delivered before it, before everything after).

use std::collections::BTreeMap;

#[allow(
    dead_code,
    reason = "each test file uses part of the shared support code"
)]
#[path = "../../tests/support/mod.rs"]
mod support;

use bbx_midi::{Event, MidiMessage, MidiStream, SendError};
use proptest::collection::vec;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Send(u8),
    Push(u8),
    /// A timing clock: real-time, leaves a SysEx under way alone.
    Clock,
    /// A whole SysEx with this many data bytes, counted or not.
    SysEx(usize, bool),
    /// The start, a middle piece, or the end of a SysEx in pieces.
    Start(usize, bool),
    Middle(usize, bool),
    End(usize, bool),
    /// A middle piece with a timing clock byte inside (legal on the wire).
    MiddleWithClock(usize, bool),
    /// A piece with a status byte inside: broken on the wire.
    Corrupt,
    /// Messages lost before the source (`add_dropped_at`).
    Dropped(usize),
    /// The audio thread takes up to this many events.
    Take(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..128).prop_map(Op::Send),
        2 => (0u8..128).prop_map(Op::Push),
        1 => Just(Op::Clock),
        1 => (0usize..12, any::<bool>()).prop_map(|(n, c)| Op::SysEx(n, c)),
        1 => (0usize..6, any::<bool>()).prop_map(|(n, c)| Op::Start(n, c)),
        1 => (0usize..6, any::<bool>()).prop_map(|(n, c)| Op::Middle(n, c)),
        1 => (0usize..6, any::<bool>()).prop_map(|(n, c)| Op::End(n, c)),
        1 => (1usize..6, any::<bool>()).prop_map(|(n, c)| Op::MiddleWithClock(n, c)),
        1 => Just(Op::Corrupt),
        1 => (1usize..4).prop_map(Op::Dropped),
        3 => (0usize..6).prop_map(Op::Take),
    ]
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    Msg(MidiMessage),
    SysEx(Vec<u8>),
}

/// What the consumer saw: items, and losses by how many items came before.
#[derive(Default)]
struct Seen {
    items: Vec<Item>,
    losses: BTreeMap<usize, usize>,
}

impl Seen {
    fn take(&mut self, stream: &mut MidiStream, n: usize) {
        for _ in 0..n {
            let Some(received) = stream.try_recv() else {
                return;
            };
            match received.event {
                Event::Message(m) => self.items.push(Item::Msg(m)),
                Event::SysEx(bytes) => self.items.push(Item::SysEx(bytes.to_vec())),
                Event::Lost { count } => {
                    assert!(count > 0);
                    *self.losses.entry(self.items.len()).or_default() += count;
                }
                other => panic!("not in a MIDI 1.0 stream: {other:?}"),
            }
        }
    }
}

fn data(n: usize, seed: usize) -> Vec<u8> {
    (0..n).map(|i| ((seed + i) % 128) as u8).collect()
}

/// What a source accepted, in order, and its losses by how many accepted
/// items came before them.
struct Expected {
    sent: Vec<Item>,
    lost: BTreeMap<usize, usize>,
}

/// Plays `ops` on a source and the audio thread, checking the source's
/// answers against a model of them as it goes; returns what the source
/// accepted and lost, and what the audio thread saw.
fn play(capacity: usize, sysex_bytes: usize, ops: &[Op]) -> (Expected, Seen, usize) {
    let (mut source, mut stream) = MidiStream::builder()
        .capacity(capacity)
        .sysex_bytes(sysex_bytes)
        .build();
    // What the source accepted, in order, and its losses by position.
    let mut sent = Vec::new();
    let mut lost = BTreeMap::<usize, usize>::new();
    // The SysEx being gathered, as the source's answers say.
    let mut gathering: Option<Vec<u8>> = None;
    let mut seen = Seen::default();
    for (i, op) in ops.iter().enumerate() {
        let t = i as u64;
        let dropped_before = source.dropped();
        let mut position = sent.len();
        match op {
            Op::Send(n) | Op::Push(n) => {
                let msg = MidiMessage::note_on(0, *n, 64).unwrap();
                let ok = match op {
                    Op::Send(_) => source.try_send_at(msg, t),
                    _ => source.try_push_at(msg, t).is_ok(),
                };
                if ok {
                    sent.push(Item::Msg(msg));
                }
                // A status byte ends a SysEx under way; a refused push
                // changes nothing.
                if ok || matches!(op, Op::Send(_)) {
                    gathering = None;
                }
            }
            Op::Clock => {
                if source.try_send_at(MidiMessage::TIMING_CLOCK, t) {
                    sent.push(Item::Msg(MidiMessage::TIMING_CLOCK));
                }
            }
            Op::Corrupt => {
                let was_gathering = gathering.take().is_some();
                assert!(matches!(
                    source.try_send_bytes_at(&[1, 0x90, 2], t),
                    Err(SendError::Invalid(_))
                ));
                // The SysEx under way is lost, and nothing else.
                assert_eq!(
                    source.dropped() - dropped_before,
                    usize::from(was_gathering)
                );
            }
            Op::Dropped(n) => {
                source.add_dropped_at(*n, t);
                assert_eq!(source.dropped() - dropped_before, *n);
            }
            Op::SysEx(n, counted)
            | Op::Start(n, counted)
            | Op::Middle(n, counted)
            | Op::MiddleWithClock(n, counted)
            | Op::End(n, counted) => {
                let mut bytes = data(*n, i);
                let clock = matches!(op, Op::MiddleWithClock(..));
                if clock {
                    bytes.insert(n / 2, 0xF8);
                }
                if matches!(op, Op::SysEx(..) | Op::Start(..)) {
                    bytes.insert(0, 0xF0);
                }
                if matches!(op, Op::SysEx(..) | Op::End(..)) {
                    bytes.push(0xF7);
                }
                let result = if *counted {
                    source.try_send_bytes_at(&bytes, t)
                } else {
                    source.try_push_bytes_at(&bytes, t)
                };
                let starts = bytes.first() == Some(&0xF0);
                // The clock goes out at once, unless there was no room or
                // the piece was not taken at all.
                if clock
                    && matches!(
                        result,
                        Ok(()) | Err(SendError::SysExLost | SendError::TooLarge { .. })
                    )
                {
                    sent.push(Item::Msg(MidiMessage::TIMING_CLOCK));
                    // A SysEx too large is lost when its piece is taken,
                    // after the clock inside it.
                    position = sent.len();
                }
                match result {
                    Ok(()) => {
                        if starts {
                            gathering = Some(Vec::new());
                        }
                        let whole = gathering.as_mut().expect("accepted as a piece of a SysEx");
                        whole.extend(bytes.iter().filter(|&&b| b != 0xF8));
                        if bytes.last() == Some(&0xF7) {
                            sent.push(Item::SysEx(gathering.take().unwrap()));
                        }
                    }
                    Err(SendError::Full) if !counted => {}
                    Err(SendError::Invalid(_)) => {
                        // Empty, or a piece with no SysEx to belong to.
                        assert!(
                            bytes.is_empty() || (!starts && gathering.is_none()),
                            "{bytes:02X?}"
                        );
                    }
                    Err(_) => {}
                }
                if !source.sysex_in_progress() {
                    gathering = None;
                }
            }
            Op::Take(n) => seen.take(&mut stream, *n),
        }
        let new_losses = source.dropped() - dropped_before;
        if new_losses > 0 {
            *lost.entry(position).or_default() += new_losses;
        }
        assert_eq!(source.sysex_in_progress(), gathering.is_some());
    }
    seen.take(&mut stream, usize::MAX);
    assert_eq!(stream.lost(), source.dropped());
    (Expected { sent, lost }, seen, source.dropped())
}

/// The property: everything accepted comes out once, in order, and every
/// loss at its place.
fn verdict(expected: &Expected, seen: &Seen) -> Result<(), String> {
    if seen.items != expected.sent {
        return Err(format!(
            "items: {:?}, accepted {:?}",
            seen.items, expected.sent
        ));
    }
    if seen.losses != expected.lost {
        return Err(format!(
            "losses by position: {:?}, counted {:?}",
            seen.losses, expected.lost
        ));
    }
    Ok(())
}

fn run(capacity: usize, sysex_bytes: usize, ops: &[Op]) {
    let (expected, seen, _) = play(capacity, sysex_bytes, ops);
    if let Err(why) = verdict(&expected, &seen) {
        panic!("{why}");
    }
}

proptest! {
    // 512 cases unless PROPTEST_CASES says otherwise.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(512)
    ))]

    #[test]
    fn accepted_items_and_losses_come_out_in_their_places(
        capacity in 1usize..6,
        sysex_bytes in prop_oneof![Just(0usize), 2usize..24],
        ops in vec(op(), 0..120),
    ) {
        run(capacity, sysex_bytes, &ops);
    }
}

proptest! {
    /// The fuzz target's property (`tests/support/properties.rs`) over
    /// random deliveries, biased towards status bytes and SysEx framing.
    #[test]
    fn arbitrary_deliveries_never_corrupt_the_stream(
        data in vec(prop_oneof![
            3 => 0u8..0x80,
            1 => Just(0xF0u8),
            1 => Just(0xF7u8),
            1 => 0x80u8..=0xFF,
        ], 0..300),
    ) {
        support::properties::check_stream(&data);
    }
}

/// The property can fail: a loss reported one item late, or an item
/// missing, is caught.
#[test]
fn the_property_sees_a_loss_in_the_wrong_place() {
    let ops = [
        Op::Send(1),
        Op::Send(2),
        Op::Send(3),
        Op::Take(9),
        Op::Send(4),
    ];
    let (expected, mut seen, dropped) = play(1, 0, &ops);
    assert_eq!(dropped, 2, "two notes found the ring full");
    assert_eq!(verdict(&expected, &seen), Ok(()));
    assert_eq!(seen.losses, BTreeMap::from([(1, 2)]));
    seen.losses = BTreeMap::from([(2, 2)]);
    assert!(verdict(&expected, &seen).is_err(), "a loss one item late");
    seen.losses = BTreeMap::from([(1, 2)]);
    seen.items.pop();
    assert!(verdict(&expected, &seen).is_err(), "an item missing");
}

// ------------------------------------------------------------- the merge

/// What one step of the merge's properties does: a source sends a message
/// stamped `dt` after its last one (0 makes ties), or the audio thread
/// takes up to `n` events, or peeks at the next time.
#[derive(Clone, Debug)]
enum MergeOp {
    Send { source: usize, dt: u32 },
    Take(usize),
    Peek,
}

fn merge_op(sources: usize) -> impl Strategy<Value = MergeOp> {
    prop_oneof![
        4 => (0..sources, 0u32..4).prop_map(|(source, dt)| MergeOp::Send { source, dt }),
        2 => (0usize..5).prop_map(MergeOp::Take),
        1 => Just(MergeOp::Peek),
    ]
}

/// A step of the merge's properties with many sources: one op, or a burst
/// in which every source sends (so that most sources wait in the merge's
/// heap at once, and it runs as deep as the sources allow).
fn merge_step_bursty(sources: usize) -> impl Strategy<Value = Vec<MergeOp>> {
    prop_oneof![
        6 => merge_op(sources).prop_map(|op| vec![op]),
        1 => (0u32..4).prop_map(move |dt| {
            (0..sources).map(|source| MergeOp::Send { source, dt }).collect()
        }),
    ]
}

/// A model of the merge as its documentation states it: the stream looks
/// at every source when it has taken everything it saw; each take is the
/// earliest stamped (then the lowest source) of the sources' first events
/// among those seen.
#[derive(Default)]
struct MergeModel {
    /// Per source: the events published and not taken, (time, id).
    published: Vec<std::collections::VecDeque<(u32, u32)>>,
    /// Per source: how many of those the last look saw.
    seen: Vec<usize>,
}

impl MergeModel {
    fn look_if_dry(&mut self) {
        if self.seen.iter().all(|&n| n == 0) {
            for (seen, published) in self.seen.iter_mut().zip(&self.published) {
                *seen = published.len();
            }
        }
    }

    fn next(&self) -> Option<usize> {
        (0..self.published.len())
            .filter(|&s| self.seen[s] > 0)
            .min_by_key(|&s| (self.published[s][0].0, s))
    }

    fn take(&mut self) -> Option<(usize, (u32, u32))> {
        self.look_if_dry();
        let s = self.next()?;
        self.seen[s] -= 1;
        Some((s, self.published[s].pop_front().expect("seen")))
    }

    fn peek(&mut self) -> Option<u32> {
        self.look_if_dry();
        self.next().map(|s| self.published[s][0].0)
    }
}

/// Plays `ops` on `sources` sources with room for everything, against the
/// model: every take and peek must agree exactly.
fn play_merge(sources: usize, ops: &[MergeOp]) -> Result<(), String> {
    let (mut txs, mut stream) = MidiStream::builder().capacity(512).build_sources(sources);
    let mut model = MergeModel {
        published: vec![Default::default(); sources],
        seen: vec![0; sources],
    };
    let mut last = vec![1_000u32; sources];
    let mut id = 0u32;
    for (step, op) in ops.iter().enumerate() {
        match *op {
            MergeOp::Send { source, dt } => {
                last[source] += dt;
                // The id travels in a Pitch Bend's 14 bits.
                let message = MidiMessage::pitch_bend_change(0, (id & 0x3FFF) as u16)
                    .map_err(|e| e.to_string())?;
                if !txs[source].try_send_at(message, u64::from(last[source])) {
                    return Err("full: the capacity was meant to hold everything".into());
                }
                model.published[source].push_back((last[source], id & 0x3FFF));
                id += 1;
            }
            MergeOp::Take(n) => {
                for _ in 0..n {
                    take_both(&mut stream, &mut model)
                        .map_err(|why| format!("step {step}: {why}"))?;
                }
            }
            MergeOp::Peek => {
                let (got, want) = (stream.peek_time(), model.peek());
                if got != want {
                    return Err(format!("step {step}: peeked {got:?}, the model {want:?}"));
                }
            }
        }
    }
    // What is left, to the end: nothing queued goes unchecked.
    while take_both(&mut stream, &mut model).map_err(|why| format!("draining: {why}"))? {}
    Ok(())
}

/// One take from the stream and from the model, which must agree; `true`
/// if there was something to take.
fn take_both(stream: &mut MidiStream, model: &mut MergeModel) -> Result<bool, String> {
    let want = model.take();
    let got = stream.try_recv().map(|r| match r.event {
        Event::Message(m) => (r.source, (r.time, u32::from(m.pitch_bend().unwrap_or(0)))),
        other => (usize::MAX, (0, format!("{other:?}").len() as u32)),
    });
    if got != want {
        return Err(format!("took {got:?}, the model {want:?}"));
    }
    Ok(got.is_some())
}

/// Plays sends with losses on `sources` sources of room `capacity`, with
/// takes between them; each source's story (messages and losses, in its
/// order) must come out exactly.
fn play_merge_losses(sources: usize, capacity: usize, ops: &[MergeOp]) -> Result<(), String> {
    #[derive(Debug, PartialEq)]
    enum Story {
        Msg(u32),
        Lost(usize),
    }
    fn push(story: &mut Vec<Story>, item: Story) {
        match (story.last_mut(), item) {
            (Some(Story::Lost(a)), Story::Lost(b)) => *a += b,
            (_, item) => story.push(item),
        }
    }
    let (mut txs, mut stream) = MidiStream::builder()
        .capacity(capacity)
        .build_sources(sources);
    let mut sent: Vec<Vec<Story>> = (0..sources).map(|_| Vec::new()).collect();
    let mut got: Vec<Vec<Story>> = (0..sources).map(|_| Vec::new()).collect();
    let take = |stream: &mut MidiStream, got: &mut Vec<Vec<Story>>| -> Option<()> {
        let r = stream.try_recv()?;
        let item = match r.event {
            Event::Message(m) => Story::Msg(u32::from(m.pitch_bend().unwrap_or(0))),
            Event::Lost { count } => Story::Lost(count),
            _ => Story::Lost(usize::MAX),
        };
        push(&mut got[r.source], item);
        Some(())
    };
    let mut last = vec![1_000u32; sources];
    for (id, op) in ops.iter().enumerate() {
        match *op {
            MergeOp::Send { source, dt } => {
                last[source] += dt;
                let message = MidiMessage::pitch_bend_change(0, (id & 0x3FFF) as u16)
                    .map_err(|e| e.to_string())?;
                let item = if txs[source].try_send_at(message, u64::from(last[source])) {
                    Story::Msg((id & 0x3FFF) as u32)
                } else {
                    Story::Lost(1)
                };
                push(&mut sent[source], item);
            }
            MergeOp::Take(n) => {
                for _ in 0..n {
                    take(&mut stream, &mut got);
                }
            }
            MergeOp::Peek => {
                stream.peek_time();
            }
        }
    }
    while take(&mut stream, &mut got).is_some() {}
    if got != sent {
        return Err(format!("sent {sent:?}\ngot  {got:?}"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(512)
    ))]

    /// Takes and peeks across sources are exactly what the documented
    /// look-then-merge gives: order by stamp then source among what the
    /// last look saw, a look when all of it is taken.
    #[test]
    fn the_merge_is_the_documented_look_then_merge(
        (sources, ops) in (1usize..9).prop_flat_map(|n| (Just(n), vec(merge_op(n), 0..150))),
    ) {
        if let Err(why) = play_merge(sources, &ops) {
            panic!("{why}");
        }
    }

    /// The same with 9 to 80 sources and bursts in which every source
    /// sends, so that the merge's heap holds most sources at once: up to
    /// seven levels deep. (The heap's unit test covers its operations
    /// anywhere in it; the merge replaces and removes at the top.)
    #[test]
    fn the_merge_is_the_documented_look_then_merge_with_many_sources(
        (sources, ops) in (9usize..81).prop_flat_map(|n| {
            (Just(n), vec(merge_step_bursty(n), 0..200).prop_map(|steps| steps.concat()))
        }),
    ) {
        if let Err(why) = play_merge(sources, &ops) {
            panic!("{why}");
        }
    }

    /// Each source's messages and losses come out in its order, every loss
    /// counted once, whatever the other sources do.
    #[test]
    fn each_sources_story_survives_the_merge(
        capacity in 1usize..4,
        (sources, ops) in (1usize..6).prop_flat_map(|n| (Just(n), vec(merge_op(n), 0..150))),
    ) {
        if let Err(why) = play_merge_losses(sources, capacity, &ops) {
            panic!("{why}");
        }
    }
}

/// The merge's model can fail: the old merge, which asked every source for
/// its head at every take, differs from it as soon as an event is
/// published between two takes of one look.
#[test]
fn the_merge_model_sees_a_take_that_looked_again() {
    let ops = [
        MergeOp::Send { source: 0, dt: 10 },
        MergeOp::Send { source: 0, dt: 30 },
        MergeOp::Take(1),
        MergeOp::Send { source: 1, dt: 5 },
    ];
    let mut model = MergeModel {
        published: vec![Default::default(); 2],
        seen: vec![0; 2],
    };
    for op in &ops {
        match *op {
            MergeOp::Send { source, dt } => model.published[source].push_back((1_000 + dt, 0)),
            MergeOp::Take(_) => {
                model.take();
            }
            MergeOp::Peek => {}
        }
    }
    // Source 1's 1005 was published after the look: source 0's 1030 first.
    assert_eq!(model.take().map(|(s, _)| s), Some(0));
    assert!(play_merge(2, &ops).is_ok());
}
