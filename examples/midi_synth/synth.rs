//! The example's synthesizer: 16 voices, two harmonics each, and a WAV
//! writer. Nothing here is about MIDI transport; it is what the audio
//! callback drives.

use bbx_midi::ump::{Midi2ChannelVoice, Midi2Kind, Ump};
use bbx_midi::{MessageKind, MidiMessage};

const VOICES: usize = 16;

#[derive(Clone, Copy)]
struct Voice {
    /// The stream source that started it.
    source: usize,
    note: u8,
    /// Phase increment per sample, before pitch bend.
    step: f32,
    phase: f32,
    gain: f32,
    level: f32,
    /// The key is down.
    held: bool,
    /// The key is up but the sustain pedal holds the note.
    sustained: bool,
}

impl Voice {
    const SILENT: Voice = Voice {
        source: 0,
        note: 0,
        step: 0.0,
        phase: 0.0,
        gain: 0.0,
        level: 0.0,
        held: false,
        sustained: false,
    };

    fn is_on(&self) -> bool {
        self.held || self.sustained
    }

    fn is_sounding(&self) -> bool {
        self.is_on() || self.level > 1e-4
    }
}

/// A 16-voice synthesizer: two harmonics per voice, a linear attack and an
/// exponential release, CC 7 volume, sustain pedal, ±2 semitone pitch bend,
/// and the Universal Real Time SysEx master volume.
pub struct Synth {
    sample_rate: f32,
    voices: [Voice; VOICES],
    volume: f32,
    master: f32,
    bend: f32,
    /// The last note started and its velocity, and the last pitch bend
    /// (-1 to 1), for the offline comparison to read.
    pub last_start: Option<(u8, f32)>,
    pub last_bend: Option<f32>,
    pedal: bool,
    attack: f32,
    release: f32,
}

impl Synth {
    pub fn new(sample_rate: f64) -> Self {
        let sample_rate = sample_rate as f32;
        Self {
            sample_rate,
            voices: [Voice::SILENT; VOICES],
            volume: 1.0,
            master: 1.0,
            bend: 1.0,
            last_start: None,
            last_bend: None,
            pedal: false,
            attack: 1.0 / (0.005 * sample_rate),
            release: (-1.0 / (0.15 * sample_rate)).exp(),
        }
    }

    /// The same voices with a 0.1 ms attack and release: notes a few
    /// frames apart stay apart, so that a recording shows each onset.
    #[cfg_attr(not(feature = "live"), allow(dead_code))]
    pub fn percussive(sample_rate: f64) -> Self {
        let mut synth = Self::new(sample_rate);
        synth.attack = 1.0 / (0.0001 * synth.sample_rate);
        synth.release = (-1.0 / (0.0001 * synth.sample_rate)).exp();
        synth
    }

    /// Starts `note` at `velocity` (0 to 1, at whatever resolution it came
    /// in: 7 bits from MIDI 1.0, 16 from MIDI 2.0), on a free voice or the
    /// quietest one.
    fn note_on(&mut self, source: usize, note: u8, velocity: f32) {
        let voice = self
            .voices
            .iter_mut()
            .min_by(|a, b| {
                (a.is_sounding(), a.level)
                    .partial_cmp(&(b.is_sounding(), b.level))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .expect("VOICES > 0");
        let freq = 440.0 * 2f32.powf((f32::from(note) - 69.0) / 12.0);
        self.last_start = Some((note, velocity));
        *voice = Voice {
            source,
            note,
            step: freq / self.sample_rate,
            phase: 0.0,
            gain: velocity,
            level: voice.level,
            held: true,
            sustained: false,
        };
    }

    fn note_off(&mut self, source: usize, note: u8) {
        for voice in self
            .voices
            .iter_mut()
            .filter(|v| v.held && v.source == source && v.note == note)
        {
            voice.held = false;
            voice.sustained = self.pedal;
        }
    }

    /// Pitch bend, -1 to 1 of the ±2 semitone range.
    fn bend(&mut self, amount: f32) {
        self.last_bend = Some(amount);
        self.bend = 2f32.powf(2.0 * amount / 12.0);
    }

    /// A controller, 0 to 1.
    fn controller(&mut self, index: u8, value: f32) {
        match index {
            7 => self.volume = value,
            64 => {
                self.pedal = value >= 0.5;
                if !self.pedal {
                    for voice in &mut self.voices {
                        voice.sustained = false;
                    }
                }
            }
            // Like a Note Off for every key: the pedal still holds notes.
            123 => {
                for voice in self.voices.iter_mut().filter(|v| v.held) {
                    voice.held = false;
                    voice.sustained = self.pedal;
                }
            }
            120 => self.voices = [Voice::SILENT; VOICES],
            _ => {}
        }
    }

    /// A MIDI 1.0 message: 7-bit velocities and controllers, 14-bit bend.
    pub fn handle(&mut self, source: usize, msg: MidiMessage) {
        match (msg.kind(), msg.note(), msg.velocity()) {
            (MessageKind::NoteOn, Some(note), Some(velocity)) => {
                self.note_on(source, note, f32::from(velocity) / 127.0);
            }
            (MessageKind::NoteOff, Some(note), _) => self.note_off(source, note),
            _ => match (msg.controller(), msg.value(), msg.pitch_bend()) {
                (Some(index), Some(value), _) => self.controller(index, f32::from(value) / 127.0),
                (_, _, Some(bend)) => self.bend((f32::from(bend) - 8192.0) / 8192.0),
                _ => {}
            },
        }
    }

    /// A MIDI 2.0 channel voice packet: 16-bit velocities, 32-bit
    /// controllers and pitch bend, used at full resolution. Other packets
    /// are ignored.
    pub fn handle_ump(&mut self, source: usize, packet: Ump) {
        let Ok(msg) = Midi2ChannelVoice::try_from(packet) else {
            return;
        };
        let unit32 = |v: u32| (f64::from(v) / f64::from(u32::MAX)) as f32;
        match (msg.kind(), msg.note(), msg.velocity(), msg.value()) {
            // A MIDI 2.0 Note On of velocity 0 is a note, not a Note Off.
            (Midi2Kind::NoteOn, Some(note), Some(velocity), _) => {
                self.note_on(source, note, f32::from(velocity) / 65535.0);
            }
            (Midi2Kind::NoteOff, Some(note), _, _) => self.note_off(source, note),
            (Midi2Kind::ControlChange, _, _, Some(value)) => {
                self.controller(msg.index().unwrap_or(0), unit32(value));
            }
            (Midi2Kind::PitchBend, _, _, Some(value)) => {
                // 0x8000_0000 is the centre.
                self.bend(((f64::from(value) - 2_147_483_648.0) / 2_147_483_648.0) as f32);
            }
            _ => {}
        }
    }

    /// The Universal Real Time "Master Volume" message; other SysEx is
    /// ignored.
    pub fn sysex(&mut self, bytes: &[u8]) {
        if let [0xF0, data @ .., 0xF7] = bytes {
            self.sysex7(data);
        }
    }

    /// The same, from a MIDI 2.0 stream: the data bytes of a SysEx7.
    pub fn sysex7(&mut self, data: &[u8]) {
        if let [0x7F, _, 0x04, 0x01, lsb, msb] = *data {
            self.master = f32::from(u16::from(msb) << 7 | u16::from(lsb)) / 16383.0;
        }
    }

    /// Ends every note `source` started, held by a key or by the pedal: what
    /// to do where that source's messages were lost (a Note Off may be among
    /// them). A source-blind synthesizer applies
    /// [`MidiMessage::release_all_notes`] instead.
    pub fn release_source(&mut self, source: usize) {
        for voice in self.voices.iter_mut().filter(|v| v.source == source) {
            voice.held = false;
            voice.sustained = false;
        }
    }

    /// Notes `source` started that are still on (key down or pedal).
    pub fn notes_on(&self, source: usize) -> usize {
        self.voices
            .iter()
            .filter(|v| v.source == source && v.is_on())
            .count()
    }

    /// Renders the voices into `out`, which holds silence.
    pub fn render(&mut self, out: &mut [f32]) {
        for voice in self.voices.iter_mut().filter(|v| v.is_sounding()) {
            let step = voice.step * self.bend;
            for sample in out.iter_mut() {
                voice.level = if voice.is_on() {
                    (voice.level + self.attack).min(1.0)
                } else {
                    voice.level * self.release
                };
                let tau = std::f32::consts::TAU * voice.phase;
                let tone = tau.sin() + 0.3 * (2.0 * tau).sin();
                *sample += 0.12 * voice.gain * voice.level * tone;
                voice.phase = (voice.phase + step).fract();
            }
        }
        let gain = self.volume * self.master;
        for sample in out.iter_mut() {
            *sample = (*sample * gain).clamp(-1.0, 1.0);
        }
    }
}

/// Mono 16-bit PCM, as a WAV file's bytes.
pub fn wav_bytes(sample_rate: u32, samples: &[f32]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut bytes = Vec::with_capacity(44 + samples.len() * 2);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
    bytes.extend_from_slice(&sample_rate.to_le_bytes());
    bytes.extend_from_slice(&(sample_rate * 2).to_le_bytes()); // bytes per second
    bytes.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    bytes.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        bytes.extend_from_slice(&((sample * 32767.0).round() as i16).to_le_bytes());
    }
    bytes
}

/// Writes mono 16-bit PCM to `path`, making its folder if need be.
pub fn write_wav(path: &std::path::Path, sample_rate: u32, samples: &[f32]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, wav_bytes(sample_rate, samples))
}
