//! Code shared by several test files.
pub mod properties;

use std::thread;

use bbx_midi::MidiMessage;

/// Waits politely: a 2-core machine runs several threaded tests at once.
pub fn backoff(spins: &mut u32) {
    *spins += 1;
    if *spins < 64 {
        std::hint::spin_loop();
    } else {
        thread::yield_now();
    }
}

/// Just enough of a synthesizer's note handling to see hanging notes: held
/// keys, the sustain pedal, and notes kept sounding by it.
#[derive(Default)]
pub struct Notes {
    keys_down: std::collections::HashSet<(u8, u8)>,
    sustained: std::collections::HashSet<(u8, u8)>,
    pedal: [bool; 16],
}

impl Notes {
    pub fn apply(&mut self, msg: MidiMessage) {
        let Some(ch) = msg.channel() else { return };
        match msg.kind() {
            bbx_midi::MessageKind::NoteOn => {
                self.keys_down.insert((ch, msg.note().unwrap()));
            }
            bbx_midi::MessageKind::NoteOff => {
                let key = (ch, msg.note().unwrap());
                if self.keys_down.remove(&key) && self.pedal[usize::from(ch)] {
                    self.sustained.insert(key);
                }
            }
            bbx_midi::MessageKind::ControlChange if msg.controller() == Some(64) => {
                self.pedal[usize::from(ch)] = msg.value().unwrap() >= 64;
                if !self.pedal[usize::from(ch)] {
                    self.sustained.retain(|(c, _)| *c != ch);
                }
            }
            // MIDI 1.0: All Notes Off acts as Note Off for every key, so
            // notes held by the pedal keep sounding.
            bbx_midi::MessageKind::AllNotesOff => {
                let released: Vec<_> = self
                    .keys_down
                    .iter()
                    .filter(|(c, _)| *c == ch)
                    .copied()
                    .collect();
                for key in released {
                    self.apply(MidiMessage::note_off(key.0, key.1, 0).unwrap());
                }
            }
            _ => {}
        }
    }

    pub fn sounding(&self) -> usize {
        self.keys_down.len() + self.sustained.len()
    }
}
