//! The MIDI 1.0 to 2.0 translator inside a `MidiStream` of the MIDI 2.0
//! protocol: what it keeps between messages (the bank halves, whether a
//! Bank Select came since the last Program Change) survives a push that
//! finds no room, exactly.

use bbx_midi::ump::{Midi2ChannelVoice, Ump};
use bbx_midi::{Event, MidiMessage, MidiStream, Protocol};

fn packets(stream: &mut MidiStream) -> Vec<Ump> {
    let mut got = Vec::new();
    while let Some(received) = stream.try_recv() {
        match received.event {
            Event::Ump(packet) => got.push(packet),
            other => panic!("{other:?}"),
        }
    }
    got
}

fn program(program: u8, bank: Option<(u8, u8)>) -> Ump {
    Midi2ChannelVoice::program_change(0, 0, program, bank)
        .unwrap()
        .packet()
}

#[test]
fn a_refused_push_leaves_the_kept_bank_as_it_was() {
    let (mut source, mut stream) = MidiStream::builder()
        .protocol(Protocol::Midi2)
        .capacity(1)
        .build();
    let cc = |controller, value| MidiMessage::control_change(0, controller, value).unwrap();
    let pc = |program| MidiMessage::program_change(0, program).unwrap();
    assert!(source.try_send_at(cc(0, 3), 0));
    assert!(source.try_send_at(pc(1), 1));
    assert_eq!(packets(&mut stream), [program(1, Some((3, 0)))]);

    assert!(source.try_send_at(cc(32, 5), 2));
    let note = Midi2ChannelVoice::note_on(0, 1, 60, 1, 0, 0)
        .unwrap()
        .packet();
    source.try_send_ump_at(note, 3).unwrap(); // fills the stream
    assert_eq!(source.try_push_at(pc(4), 4), Err(pc(4)));
    assert_eq!(packets(&mut stream), [note]);
    // The refused Program Change took neither the halves nor the news that
    // a Bank Select came: the next one carries both.
    assert_eq!(source.try_push_at(pc(4), 5), Ok(()));
    assert_eq!(packets(&mut stream), [program(4, Some((3, 5)))]);
    // And that one did take the news: no Bank Select since, no bank.
    assert_eq!(source.try_push_at(pc(6), 6), Ok(()));
    assert_eq!(packets(&mut stream), [program(6, None)]);
    assert_eq!(source.dropped(), 0);
}
