//! What the example plays: a phrase on one source, a keyboard on another
//! (with a burst that overflows its source), and a MIDI 2.0 keyboard's
//! phrase for the comparison of the two protocols. Times are offsets from
//! the start.

use std::time::Duration;

use bbx_midi::ump::{Midi2ChannelVoice, Ump};
use bbx_midi::{MidiError, MidiMessage};

/// Tempo of the phrase.
const BEAT: Duration = Duration::from_millis(400);
/// The keyboard's burst.
pub const BURST_AT: Duration = Duration::from_millis(2_600);
/// Mod-wheel messages in the burst.
const BURST: u8 = 120;
/// The Universal Real Time SysEx "Master Volume" (device ID 0x7F: all),
/// 14-bit volume LSB first: 0x3000 of 0x3FFF, about 75 %.
pub const MASTER_VOLUME: [u8; 8] = [0xF0, 0x7F, 0x7F, 0x04, 0x01, 0x00, 0x60, 0xF7];

/// What a source sends: a message, or bytes as a MIDI driver delivers them.
#[derive(Clone, Debug)]
pub enum Outgoing {
    Message(MidiMessage),
    Bytes(Vec<u8>),
}

/// What a source sends, and when: offsets from the start.
pub type Script = Vec<(Duration, Outgoing)>;

/// What a source sends in the comparison of the protocols: MIDI 1.0 as a
/// driver delivers it, or a MIDI 2.0 packet.
#[derive(Clone, Debug)]
pub enum Item {
    Midi1(Outgoing),
    Packet(Ump),
}

/// A short phrase: a chord progression under a melody, a pitch bend on the
/// last note, and the master volume change halfway. Every note ends with
/// its own Note Off (no All Notes Off at the end), so a hanging note shows.
pub fn phrase() -> Result<Script, MidiError> {
    let beat = |b: f64| BEAT.mul_f64(b);
    let msg = Outgoing::Message;
    let mut events = vec![
        (beat(0.0), msg(MidiMessage::control_change(0, 7, 100)?)),
        (beat(0.0), msg(MidiMessage::pitch_bend_change(0, 8192)?)),
        // Halfway, off the beat grid: the SysEx must land at its own frame.
        (beat(4.37), Outgoing::Bytes(MASTER_VOLUME.to_vec())),
    ];
    let chords: [[u8; 3]; 4] = [[48, 55, 64], [45, 52, 60], [41, 48, 57], [43, 50, 59]];
    for (bar, chord) in chords.iter().enumerate() {
        let at = bar as f64 * 2.0;
        for &note in chord {
            events.push((beat(at), msg(MidiMessage::note_on(0, note, 70)?)));
            events.push((beat(at + 1.9), msg(MidiMessage::note_off(0, note, 64)?)));
        }
    }
    let melody: [(f64, u8, f64); 9] = [
        (0.0, 72, 0.5),
        (0.5, 76, 0.5),
        (1.0, 79, 1.0),
        (2.0, 76, 1.0),
        (3.0, 72, 1.0),
        (4.0, 77, 0.5),
        (4.5, 76, 0.5),
        (5.0, 74, 1.0),
        (6.0, 79, 2.0),
    ];
    for (at, note, len) in melody {
        // Off the beat grid, so notes land anywhere inside a block.
        let at = at + 0.013 * f64::from(note % 7);
        events.push((beat(at), msg(MidiMessage::note_on(0, note, 100)?)));
        // Note On with velocity 0 is a Note Off, as many keyboards send it.
        events.push((
            beat(at + len - 0.05),
            msg(MidiMessage::note_on(0, note, 0)?),
        ));
    }
    for step in 0..=16u16 {
        let bend = 8192 + step * 256; // up to +1 semitone with a ±2 range
        events.push((
            beat(6.5 + f64::from(step) / 16.0),
            msg(MidiMessage::pitch_bend_change(0, bend)?),
        ));
    }
    events.sort_by_key(|(at, _)| *at);
    Ok(events)
}

/// The keyboard, on channel 2: a few notes, then at [`BURST_AT`] a note
/// held while the mod wheel sweeps in a burst of 120 messages, faster than
/// the audio thread takes them: the source overflows, and the Note Off that
/// follows is lost with the end of the burst.
pub fn keyboard() -> Result<Script, MidiError> {
    let ms = Duration::from_millis;
    let msg = Outgoing::Message;
    let mut events = Vec::new();
    for (i, note) in [55u8, 59, 62].into_iter().enumerate() {
        let at = ms(500 + 600 * i as u64 + 7 * u64::from(note % 5));
        events.push((at, msg(MidiMessage::note_on(1, note, 90)?)));
        events.push((at + ms(250), msg(MidiMessage::note_off(1, note, 64)?)));
    }
    events.push((BURST_AT, msg(MidiMessage::note_on(1, 67, 90)?)));
    for value in 0..BURST {
        events.push((BURST_AT, msg(MidiMessage::control_change(1, 1, value)?)));
    }
    events.push((BURST_AT + ms(1), msg(MidiMessage::note_off(1, 67, 64)?)));
    Ok(events)
}

/// A MIDI 2.0 keyboard's phrase: a crescendo of notes whose 16-bit
/// velocities are 1/300 apart (four of them share each 7-bit value), and a
/// pitch bend glide in 32-bit steps finer than MIDI 1.0's 14 bits.
pub fn expressive() -> Result<Vec<(Duration, Item)>, Box<dyn std::error::Error>> {
    let ms = Duration::from_millis;
    let mut items = Vec::new();
    for k in 0..24u16 {
        let at = ms(100 + 90 * u64::from(k) + u64::from(k % 5));
        let velocity = 0x6000 + k * 218;
        let on = Midi2ChannelVoice::note_on(0, 0, 60 + (k % 12) as u8, velocity, 0, 0)?;
        let off = Midi2ChannelVoice::note_off(0, 0, 60 + (k % 12) as u8, 0x8000, 0, 0)?;
        items.push((at, Item::Packet(on.packet())));
        items.push((at + ms(80), Item::Packet(off.packet())));
    }
    for step in 0..64u32 {
        let bend = 0x8000_0000 + step * 0x0001_0000;
        let packet = Midi2ChannelVoice::pitch_bend(0, 0, bend)?.packet();
        items.push((ms(300 + 20 * u64::from(step)), Item::Packet(packet)));
    }
    items.sort_by_key(|(at, _)| *at);
    Ok(items)
}
