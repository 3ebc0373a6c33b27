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
