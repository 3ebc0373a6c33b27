//! End to end, without hardware: a MIDI thread plays a built-in sequence in
//! real time through `midi_buffer(256)`; an audio thread, paced like a sound
//! card, takes the waiting MIDI at the start of each block, renders a small
//! polyphonic synthesizer and collects the audio, which is written to a WAV
//! file at the end.
//!
//! ```text
//! cargo run --release --example midi_synth [-- --out path/to/file.wav]
//! ```
//!
//! The audio thread does what a real audio callback may do: it pops MIDI
//! without waiting and renders into memory allocated before it started. Its
//! only wait is the sleep that stands in for the sound card's clock.

use std::error::Error;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use bbx_midi::{MessageKind, MidiBufferConsumer, MidiBufferProducer, MidiMessage, midi_buffer};

const SAMPLE_RATE: u32 = 44_100;
const BLOCK_FRAMES: usize = 256;
const VOICES: usize = 16;
/// Tempo of the built-in sequence.
const BEAT: Duration = Duration::from_millis(400);
/// Audio rendered after the last event, for the release tails.
const TAIL: Duration = Duration::from_millis(600);

fn main() -> Result<(), Box<dyn Error>> {
    let out = output_path()?;
    let sequence = sequence()?;
    let length = sequence.last().map_or(Duration::ZERO, |(at, _)| *at) + TAIL;
    let frames = (length.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize;

    let (producer, consumer) = midi_buffer(256);
    let start = Instant::now() + Duration::from_millis(20);
    let midi = thread::spawn(move || play(&sequence, producer, start));
    let audio = thread::spawn(move || render(consumer, frames, start));
    let sent = midi.join().expect("MIDI thread panicked");
    let rendered = audio.join().expect("audio thread panicked");

    write_wav(&out, &rendered.samples)?;
    let peak = rendered.samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    println!(
        "MIDI thread: {} messages sent, {} dropped (buffer full)",
        sent.sent, sent.dropped
    );
    println!(
        "audio thread: {} messages received in {} blocks of {BLOCK_FRAMES} frames, {} notes played",
        rendered.received, rendered.blocks, rendered.notes
    );
    println!(
        "peak level {:.3} ({:.1} dBFS); wrote {} ({:.2} s at {SAMPLE_RATE} Hz)",
        peak,
        20.0 * peak.log10(),
        out.display(),
        rendered.samples.len() as f64 / f64::from(SAMPLE_RATE)
    );
    if rendered.received != sent.sent {
        return Err(format!(
            "{} messages sent but {} received",
            sent.sent, rendered.received
        )
        .into());
    }
    if peak == 0.0 {
        return Err("the synthesizer produced silence".into());
    }
    Ok(())
}

fn output_path() -> Result<PathBuf, Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => Ok(PathBuf::from("target/midi_synth.wav")),
        (Some("--out"), Some(path)) => Ok(PathBuf::from(path)),
        _ => Err("usage: midi_synth [--out FILE.wav]".into()),
    }
}

/// A short phrase: a chord progression under a melody, a pitch bend on the
/// last note, then All Notes Off. Times are offsets from the start.
fn sequence() -> Result<Vec<(Duration, MidiMessage)>, bbx_midi::MidiError> {
    let beat = |b: f64| BEAT.mul_f64(b);
    let mut events = vec![
        (beat(0.0), MidiMessage::control_change(0, 7, 100)?),
        (beat(0.0), MidiMessage::pitch_bend_change(0, 8192)?),
    ];
    let chords: [[u8; 3]; 4] = [[48, 55, 64], [45, 52, 60], [41, 48, 57], [43, 50, 59]];
    for (bar, chord) in chords.iter().enumerate() {
        let at = bar as f64 * 2.0;
        for &note in chord {
            events.push((beat(at), MidiMessage::note_on(0, note, 70)?));
            events.push((beat(at + 1.9), MidiMessage::note_off(0, note, 64)?));
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
        events.push((beat(at), MidiMessage::note_on(0, note, 100)?));
        // Note On with velocity 0 is a Note Off, as many keyboards send it.
        events.push((beat(at + len - 0.05), MidiMessage::note_on(0, note, 0)?));
    }
    for step in 0..=16u16 {
        let bend = 8192 + step * 256; // up to +1 semitone with a ±2 range
        events.push((
            beat(6.5 + f64::from(step) / 16.0),
            MidiMessage::pitch_bend_change(0, bend)?,
        ));
    }
    events.push((beat(8.0), MidiMessage::all_notes_off(0)?));
    events.sort_by_key(|(at, _)| *at);
    Ok(events)
}

struct Sent {
    sent: usize,
    dropped: usize,
}

/// The MIDI thread: sends each event when its time comes, like a keyboard.
fn play(
    sequence: &[(Duration, MidiMessage)],
    mut producer: MidiBufferProducer,
    start: Instant,
) -> Sent {
    let mut sent = Sent {
        sent: 0,
        dropped: 0,
    };
    for &(at, msg) in sequence {
        if let Some(wait) = (start + at).checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        if producer.try_send(msg) {
            sent.sent += 1;
        } else {
            sent.dropped += 1;
        }
    }
    sent
}

struct Rendered {
    samples: Vec<f32>,
    received: usize,
    blocks: usize,
    notes: usize,
}

/// The audio thread: one block at a time, paced by a simulated sound card.
fn render(mut consumer: MidiBufferConsumer, frames: usize, start: Instant) -> Rendered {
    let mut synth = Synth::new();
    let mut samples = vec![0.0f32; frames];
    let mut received = 0;
    let mut blocks = 0;
    let block_time = Duration::from_secs_f64(BLOCK_FRAMES as f64 / f64::from(SAMPLE_RATE));
    for (index, block) in samples.chunks_mut(BLOCK_FRAMES).enumerate() {
        // A sound card asks for block n when block n-1 has been played.
        let due = start + block_time * index as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        // From here on this is the audio callback: no waiting, no allocation.
        while let Some(msg) = consumer.try_pop() {
            synth.handle(msg);
            received += 1;
        }
        synth.render(block);
        blocks += 1;
    }
    Rendered {
        samples,
        received,
        blocks,
        notes: synth.notes_started,
    }
}

#[derive(Clone, Copy)]
struct Voice {
    note: u8,
    /// Phase increment per sample, before pitch bend.
    step: f32,
    phase: f32,
    gain: f32,
    level: f32,
    held: bool,
}

impl Voice {
    const SILENT: Voice = Voice {
        note: 0,
        step: 0.0,
        phase: 0.0,
        gain: 0.0,
        level: 0.0,
        held: false,
    };

    fn is_sounding(&self) -> bool {
        self.held || self.level > 1e-4
    }
}

/// A 16-voice synthesizer: two detuned-harmonic sines per voice, a linear
/// attack and an exponential release, CC 7 volume and ±2 semitone pitch bend.
struct Synth {
    voices: [Voice; VOICES],
    volume: f32,
    bend: f32,
    notes_started: usize,
}

impl Synth {
    fn new() -> Self {
        Self {
            voices: [Voice::SILENT; VOICES],
            volume: 1.0,
            bend: 1.0,
            notes_started: 0,
        }
    }

    fn handle(&mut self, msg: MidiMessage) {
        match msg.kind() {
            MessageKind::NoteOn => {
                let (Some(note), Some(velocity)) = (msg.note(), msg.velocity()) else {
                    return;
                };
                // Take a free voice, or steal the quietest one.
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
                *voice = Voice {
                    note,
                    step: freq / SAMPLE_RATE as f32,
                    phase: 0.0,
                    gain: f32::from(velocity) / 127.0,
                    level: voice.level,
                    held: true,
                };
                self.notes_started += 1;
            }
            MessageKind::NoteOff => {
                for voice in self.voices.iter_mut().filter(|v| v.held) {
                    if Some(voice.note) == msg.note() {
                        voice.held = false;
                    }
                }
            }
            MessageKind::AllNotesOff | MessageKind::AllSoundOff => {
                for voice in &mut self.voices {
                    voice.held = false;
                }
            }
            MessageKind::ControlChange if msg.controller() == Some(7) => {
                self.volume = f32::from(msg.value().unwrap_or(100)) / 127.0;
            }
            MessageKind::PitchBend => {
                let bend = f32::from(msg.pitch_bend().unwrap_or(8192)) - 8192.0;
                self.bend = 2f32.powf(2.0 * bend / 8192.0 / 12.0);
            }
            _ => {}
        }
    }

    fn render(&mut self, out: &mut [f32]) {
        const ATTACK: f32 = 1.0 / (0.005 * SAMPLE_RATE as f32);
        let release = (-1.0 / (0.15 * SAMPLE_RATE as f32)).exp();
        out.fill(0.0);
        for voice in self.voices.iter_mut().filter(|v| v.is_sounding()) {
            let step = voice.step * self.bend;
            for sample in out.iter_mut() {
                voice.level = if voice.held {
                    (voice.level + ATTACK).min(1.0)
                } else {
                    voice.level * release
                };
                let tau = std::f32::consts::TAU * voice.phase;
                let tone = tau.sin() + 0.3 * (2.0 * tau).sin();
                *sample += 0.12 * voice.gain * voice.level * tone;
                voice.phase = (voice.phase + step).fract();
            }
        }
        for sample in out.iter_mut() {
            *sample = (*sample * self.volume).clamp(-1.0, 1.0);
        }
    }
}

/// Writes mono 16-bit PCM.
fn write_wav(path: &std::path::Path, samples: &[f32]) -> std::io::Result<()> {
    let data_len = (samples.len() * 2) as u32;
    let mut bytes = Vec::with_capacity(44 + samples.len() * 2);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
    bytes.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    bytes.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes()); // bytes per second
    bytes.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    bytes.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        bytes.extend_from_slice(&((sample * 32767.0).round() as i16).to_le_bytes());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, bytes)
}
