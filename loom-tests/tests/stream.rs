//! Loom models of `MidiStream`: a loss is reported after every event its
//! source sent before it and before any it sent after, also when nothing
//! is sent after it (the drop report crosses threads without an entry in
//! the ring); a SysEx sent in pieces is seen whole or not at all; the
//! merge's looks (each source's published index loaded once, its entries
//! then read from the cached index, the loss total checked when they run
//! out) lose nothing published between two looks, nor anything of a
//! source they pass over because its activity counter did not change.
#![cfg(loom)]

use bbx_midi::{Event, MidiMessage, MidiStream, SendError};
use bbx_midi_loom_tests::explore;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;

/// What the audio thread saw, owned: a message's status byte, a SysEx's
/// bytes, or a loss of `n` messages.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    Msg(u8),
    SysEx(Vec<u8>),
    Lost(usize),
}

/// What a received event of a message-only model is, or `None` for a
/// source's end (marked in `ended`, which nothing may follow).
fn classify(r: &bbx_midi::Received<'_>, ended: &mut [bool; 2]) -> Option<Seen> {
    assert!(!ended[r.source], "after source {}'s end", r.source);
    match r.event {
        Event::Message(m) => Some(Seen::Msg(m.status())),
        Event::Lost { count } => Some(Seen::Lost(count)),
        Event::Ended => {
            ended[r.source] = true;
            None
        }
        ref other => panic!("{other:?}"),
    }
}

/// Takes events until the stream is abandoned and empty: what it saw
/// before the source's end, which must come once, last.
fn take_until_abandoned(stream: &mut MidiStream) -> Vec<Seen> {
    let mut seen: Vec<Seen> = Vec::new();
    let mut finished = false;
    let mut ended = false;
    loop {
        match stream.try_recv() {
            Some(received) => {
                assert!(!ended, "{:?} after the source's end", received.event);
                let item = match received.event {
                    Event::Ended => {
                        ended = true;
                        continue;
                    }
                    Event::Message(m) => Seen::Msg(m.status()),
                    Event::SysEx(bytes) => Seen::SysEx(bytes.to_vec()),
                    Event::Lost { count } => Seen::Lost(count),
                    other => panic!("not in a MIDI 1.0 stream: {other:?}"),
                };
                // Two reports of one run of losses in a row say the same
                // as one: merge them for the comparison.
                match (seen.last_mut(), item) {
                    (Some(Seen::Lost(a)), Seen::Lost(b)) => *a += b,
                    (_, item) => seen.push(item),
                }
            }
            None if finished => {
                assert!(ended, "the source's end was not reported");
                return seen;
            }
            None => {
                finished = stream.is_abandoned();
                thread::yield_now();
            }
        }
    }
}

/// What the source's answers say the audio thread must see.
fn expected(outcomes: &[(u8, bool)]) -> Vec<Seen> {
    let mut seen = Vec::new();
    for &(status, sent) in outcomes {
        match (sent, seen.last_mut()) {
            (true, _) => seen.push(Seen::Msg(status)),
            (false, Some(Seen::Lost(n))) => *n += 1,
            (false, _) => seen.push(Seen::Lost(1)),
        }
    }
    seen
}

/// Three messages through room for one: the second and third may be lost,
/// depending on when the audio thread takes the first. Whatever happens,
/// the audio thread sees exactly the source's story, losses in place.
#[test]
fn losses_are_reported_in_place_between_the_events_around_them() {
    explore(Some(3), || {
        let (mut source, mut stream) = MidiStream::builder().capacity(1).build();
        let sender = thread::spawn(move || {
            [MidiMessage::START, MidiMessage::CONTINUE, MidiMessage::STOP]
                .into_iter()
                .enumerate()
                .map(|(t, m)| (m.status(), source.try_send_at(m, t as u64)))
                .collect::<Vec<_>>()
        });
        let seen = take_until_abandoned(&mut stream);
        let outcomes = sender.join().unwrap();
        assert_eq!(seen, expected(&outcomes), "{outcomes:?}");
    });
}

/// A loss with nothing sent after it, the source still alive: reported
/// once the event before it was taken, never before it, and exactly once.
/// Only the ring's drop report can carry it.
#[test]
fn a_last_loss_is_reported_after_the_event_before_it() {
    explore(None, || {
        let (mut source, mut stream) = MidiStream::builder().capacity(1).build();
        let done = Arc::new(AtomicBool::new(false));
        let done_tx = Arc::clone(&done);
        let sender = thread::spawn(move || {
            assert!(source.try_send_at(MidiMessage::START, 1));
            let second = source.try_send_at(MidiMessage::STOP, 2);
            done_tx.store(true, Ordering::Release);
            (second, source)
        });
        let mut seen = Vec::new();
        loop {
            // Read the flag first: once it is set, one more pass sees all.
            let finished = done.load(Ordering::Acquire);
            while let Some(r) = stream.try_recv() {
                seen.push((r.time, r.event == Event::Lost { count: 1 }));
            }
            if finished {
                break;
            }
            thread::yield_now();
        }
        let (second, source) = sender.join().unwrap();
        if second {
            assert_eq!(seen, [(1, false), (2, false)]);
        } else {
            assert_eq!(seen, [(1, false), (2, true)]);
        }
        assert_eq!(stream.try_recv(), None, "reported once");
        drop(source);
    });
}

/// Two runs of losses with a message between them: each loss is reported
/// with the time of its own run. The audio thread can read the drop report
/// of the second run while it has not yet seen the message before it; the
/// mark's Release/Acquire pair and the second look at `tail` keep it from
/// reporting the first run with the second run's time.
#[test]
fn each_loss_is_reported_with_its_own_time() {
    explore(Some(3), || {
        let (mut source, mut stream) = MidiStream::builder().capacity(1).build();
        let sender = thread::spawn(move || {
            let mut outcomes = Vec::new();
            outcomes.push((1, source.try_send_at(MidiMessage::START, 1)));
            outcomes.push((2, source.try_send_at(MidiMessage::CONTINUE, 2)));
            while source.try_push_at(MidiMessage::STOP, 3).is_err() {
                thread::yield_now();
            }
            outcomes.push((3, true));
            outcomes.push((4, source.try_send_at(MidiMessage::TIMING_CLOCK, 4)));
            outcomes
        });
        let mut seen: Vec<(u32, bool)> = Vec::new();
        let mut finished = false;
        loop {
            match stream.try_recv() {
                // The source's end, last (the comparison below would show
                // anything after it).
                Some(r) if r.event == Event::Ended => {}
                Some(r) => seen.push((r.time, matches!(r.event, Event::Lost { .. }))),
                None if finished => break,
                None => {
                    finished = stream.is_abandoned();
                    thread::yield_now();
                }
            }
        }
        let outcomes = sender.join().unwrap();
        // Every event at its own time: a loss is (time of the message
        // lost, true), a message (its time, false).
        let expected: Vec<(u32, bool)> = outcomes.iter().map(|&(t, sent)| (t, !sent)).collect();
        assert_eq!(seen, expected, "{outcomes:?}");
    });
}

/// A SysEx sent in two pieces is never seen in part: the bytes of the
/// first piece are staged, out of the audio thread's sight, until the
/// last piece publishes them all.
#[test]
fn a_sysex_in_pieces_is_seen_whole_or_not_at_all() {
    explore(Some(3), || {
        let (mut source, mut stream) = MidiStream::builder().capacity(2).sysex_bytes(6).build();
        let sender = thread::spawn(move || {
            for piece in [&[0xF0, 1, 2][..], &[3, 0xF7][..]] {
                loop {
                    match source.try_push_bytes_at(piece, 0) {
                        Ok(()) => break,
                        Err(SendError::Full) => thread::yield_now(),
                        Err(err) => panic!("{err}"),
                    }
                }
            }
            assert!(source.try_push_at(MidiMessage::STOP, 1).is_ok());
        });
        let seen = take_until_abandoned(&mut stream);
        sender.join().unwrap();
        assert_eq!(
            seen,
            [Seen::SysEx(vec![0xF0, 1, 2, 3, 0xF7]), Seen::Msg(0xFC)]
        );
    });
}

/// Packets of two and three entries (64- and 128-bit) through a ring of
/// five entries: each is written in one commit with its head, so the audio
/// thread sees every packet whole, in order, wherever the ring wraps.
#[test]
fn packets_of_several_entries_are_seen_whole_and_in_order() {
    use bbx_midi::Protocol;
    use bbx_midi::ump::{FlexData, Midi2ChannelVoice, Ump};
    explore(Some(3), || {
        let (mut source, mut stream) = MidiStream::builder()
            .protocol(Protocol::Midi2)
            .capacity(1)
            .build();
        let packets: Vec<Ump> = vec![
            Midi2ChannelVoice::note_on(0, 0, 60, 0x1234, 0, 0)
                .unwrap()
                .packet(),
            FlexData::set_tempo(0, 0x0ABC_DEF0).unwrap().packet(),
            Midi2ChannelVoice::note_off(0, 0, 60, 0x5678, 0, 0)
                .unwrap()
                .packet(),
        ];
        let to_send = packets.clone();
        let sender = thread::spawn(move || {
            for (t, packet) in to_send.into_iter().enumerate() {
                while source.try_push_ump_at(packet, t as u64).is_err() {
                    thread::yield_now();
                }
            }
        });
        let mut seen = Vec::new();
        let mut finished = false;
        loop {
            match stream.try_recv() {
                Some(r) => match r.event {
                    Event::Ump(packet) => seen.push((r.time, packet)),
                    Event::Ended => {}
                    other => panic!("{other:?}"),
                },
                None if finished => break,
                None => {
                    finished = stream.is_abandoned();
                    thread::yield_now();
                }
            }
        }
        sender.join().unwrap();
        let expected: Vec<(u32, Ump)> = packets
            .into_iter()
            .enumerate()
            .map(|(t, p)| (t as u32, p))
            .collect();
        assert_eq!(seen, expected);
    });
}

/// Two sources, one producer sending to both while the audio thread takes:
/// the stream looks at its sources only when it has taken all it saw, and
/// reads each within what it saw. Whatever the interleaving, each source's
/// story comes out exactly (losses in place, in the source's order), and
/// nothing published between two looks is lost or repeated; a loss at the
/// end of one source is reported once while the other still has events.
#[test]
fn the_merge_loses_nothing_published_between_looks() {
    explore(Some(3), || {
        let ([mut a, mut b], mut stream) = MidiStream::builder().capacity(1).build_merged();
        let sender = thread::spawn(move || {
            let mut outcomes: [Vec<(u8, bool)>; 2] = [Vec::new(), Vec::new()];
            let first = MidiMessage::START;
            outcomes[0].push((first.status(), a.try_send_at(first, 1)));
            let second = MidiMessage::CONTINUE;
            outcomes[1].push((second.status(), b.try_send_at(second, 2)));
            // Lost unless the audio thread took a's first already.
            let third = MidiMessage::STOP;
            outcomes[0].push((third.status(), a.try_send_at(third, 3)));
            outcomes
        });
        let mut seen: [Vec<Seen>; 2] = [Vec::new(), Vec::new()];
        let mut ended = [false; 2];
        let mut finished = false;
        loop {
            match stream.try_recv() {
                Some(r) => {
                    if let Some(item) = classify(&r, &mut ended) {
                        seen[r.source].push(item);
                    }
                }
                None if finished => break,
                None => {
                    finished = stream.is_abandoned();
                    thread::yield_now();
                }
            }
        }
        let outcomes = sender.join().unwrap();
        assert_eq!(seen[0], expected(&outcomes[0]), "{outcomes:?}");
        assert_eq!(seen[1], expected(&outcomes[1]), "{outcomes:?}");
        assert_eq!(ended, [true, true], "each source's end, once");
        assert_eq!(stream.try_recv(), None, "reported once");
    });
}

/// A source added from another thread while the audio thread looks: its
/// receiving end is handed over through a ring and placed at a look, so
/// everything it sent comes out once, in order, under its own index, then
/// its end; the built source's end comes too, and before anything of a
/// source that took its slot.
#[test]
fn a_source_added_while_the_stream_runs_is_seen_whole_then_ends() {
    explore(Some(2), || {
        let (first, mut stream) = MidiStream::builder().capacity(2).max_sources(2).build();
        let mut adder = stream.adder().unwrap();
        drop(first);
        let sender = thread::spawn(move || {
            let mut source = adder.add().unwrap();
            assert!(source.try_send_at(MidiMessage::START, 1));
            assert!(source.try_send_at(MidiMessage::STOP, 2));
            source.index()
        });
        let mut seen: [Vec<Event<'static>>; 2] = [Vec::new(), Vec::new()];
        let mut finished = false;
        loop {
            match stream.try_recv() {
                Some(r) => {
                    let event = match r.event {
                        Event::Message(m) => Event::Message(m),
                        Event::Ended => Event::Ended,
                        other => panic!("{other:?}"),
                    };
                    seen[r.source].push(event);
                }
                None if finished => break,
                None => {
                    finished = stream.is_abandoned();
                    thread::yield_now();
                }
            }
        }
        // Slot 1, or slot 0 if the first source's end was taken (and its
        // slot handed back) before the add: then after that end.
        let index = sender.join().unwrap();
        let added = [
            Event::Message(MidiMessage::START),
            Event::Message(MidiMessage::STOP),
            Event::Ended,
        ];
        if index == 1 {
            assert_eq!(seen[0], [Event::Ended]);
            assert_eq!(seen[1], added);
        } else {
            assert_eq!(index, 0);
            assert_eq!(seen[0][0], Event::Ended);
            assert_eq!(seen[0][1..], added);
            assert!(seen[1].is_empty());
        }
    });
}

/// A slot comes back for a new source only after the audio thread took the
/// end of the one before: the adder waits (`Full`) until the retired end
/// is handed back, then the new source takes the slot, and its events
/// never come before the old source's end.
#[test]
fn a_slot_is_reused_only_after_its_source_ended() {
    explore(Some(2), || {
        let (first, mut stream) = MidiStream::builder().capacity(1).build();
        let mut adder = stream.adder().unwrap();
        drop(first);
        let sender = thread::spawn(move || {
            let mut source = loop {
                match adder.add() {
                    Ok(source) => break source,
                    Err(bbx_midi::stream::AddError::Full { max: 1 }) => thread::yield_now(),
                    Err(err) => panic!("{err}"),
                }
            };
            assert_eq!(source.index(), 0);
            assert!(source.try_send_at(MidiMessage::START, 5));
        });
        let mut seen = Vec::new();
        let mut finished = false;
        loop {
            match stream.try_recv() {
                Some(r) => seen.push((r.source, r.event == Event::Ended)),
                None if finished => break,
                None => {
                    finished = stream.is_abandoned();
                    thread::yield_now();
                }
            }
        }
        sender.join().unwrap();
        assert_eq!(seen, [(0, true), (0, false), (0, true)]);
    });
}

/// The activity summary: a look visits only the sources whose counter
/// changed since it last visited them (or that ended and left the queue
/// since). One
/// producer sends to two sources (a message to each, then a third to `a`,
/// lost unless the audio thread took `a`'s first) while the audio thread
/// takes and looks, passing over a source at each look where its counter
/// has not changed. Once the audio thread knows (through a flag) that all
/// was sent, one more pass must deliver every message and the loss,
/// exactly once and in each source's order: a look that passed over a
/// source whose counter changed, or that loaded the counter after visiting
/// rather than before, would leave something behind. Then the producer
/// drops both sources, and each one's end comes once, last.
#[test]
fn a_look_that_passes_over_a_source_leaves_nothing_behind() {
    explore(Some(3), || {
        let ([mut a, mut b], mut stream) = MidiStream::builder().capacity(1).build_merged();
        let sent = Arc::new(AtomicBool::new(false));
        let sent_tx = Arc::clone(&sent);
        let sender = thread::spawn(move || {
            assert!(a.try_send_at(MidiMessage::START, 1), "a is empty");
            assert!(b.try_send_at(MidiMessage::CONTINUE, 2), "b is empty");
            let third = a.try_send_at(MidiMessage::STOP, 3);
            sent_tx.store(true, Ordering::Release);
            drop((a, b));
            third
        });
        let mut seen: [Vec<(u32, Seen)>; 2] = [Vec::new(), Vec::new()];
        let mut ended = [false; 2];
        let take =
            |stream: &mut MidiStream, seen: &mut [Vec<(u32, Seen)>; 2], ended: &mut [bool; 2]| {
                while let Some(r) = stream.try_recv() {
                    if let Some(item) = classify(&r, ended) {
                        seen[r.source].push((r.time, item));
                    }
                }
            };
        // Until everything was sent: read the flag first, so that the pass
        // after it is set looks after the last send.
        loop {
            let all_sent = sent.load(Ordering::Acquire);
            take(&mut stream, &mut seen, &mut ended);
            if all_sent {
                break;
            }
            thread::yield_now();
        }
        let sent_before_the_ends = seen.clone();
        // Then until both ends.
        loop {
            let abandoned = stream.is_abandoned();
            take(&mut stream, &mut seen, &mut ended);
            if abandoned {
                break;
            }
            thread::yield_now();
        }
        let third = sender.join().unwrap();
        let a_third = if third {
            Seen::Msg(MidiMessage::STOP.status())
        } else {
            Seen::Lost(1)
        };
        let expected = [
            vec![(1, Seen::Msg(MidiMessage::START.status())), (3, a_third)],
            vec![(2, Seen::Msg(MidiMessage::CONTINUE.status()))],
        ];
        assert_eq!(sent_before_the_ends, expected, "all sent, all seen");
        assert_eq!(seen, expected, "nothing more");
        assert_eq!(ended, [true, true], "each source's end");
        assert_eq!(stream.lost(), usize::from(!third), "the loss counted once");
        assert_eq!(stream.try_recv(), None, "once");
    });
}
