//! End to end: MIDI from one thread, a synthesizer on the audio thread,
//! sample-accurate and lock-free.
//!
//! ```text
//! cargo run --release --example midi_synth                  # headless: built-in phrase -> WAV + timing report
//! cargo run --release --example midi_synth -- --out x.wav   # the same, another file
//! cargo run --release --features live --example midi_synth -- --live [--port NAME|INDEX]
//! ```
//!
//! **Headless** (the default, no hardware needed): a MIDI thread plays a
//! built-in phrase in real time, stamping every message with a shared
//! [`MidiClock`] as it sends it through a `midi_event_buffer`. An audio
//! thread, paced like a sound card, asks a [`BlockScheduler`] for the events
//! due in each 256-frame block and renders a 16-voice synthesizer, splitting
//! the block at each event's frame. It writes the audio to a WAV file and
//! prints, for every note, how far its onset lands from where it was played:
//! with block-start scheduling (all MIDI applied at the start of the next
//! block, as most Rust stacks do) and with this sample-accurate scheduling.
//!
//! **Live** (`--features live`, then `--live`): MIDI from a `midir` input port
//! (by name or index; the ports are listed), audio through `cpal`'s default
//! output device. With no MIDI port it plays the built-in phrase; with no
//! audio device it falls back to the headless run. It says which, and why.
//!
//! The audio side does what a real audio callback may do: it pops MIDI
//! without waiting and renders into memory allocated before it started.

use std::error::Error;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use bbx_midi::{
    BlockScheduler, MessageKind, MidiBufferConsumer, MidiBufferProducer, MidiClock, MidiEvent,
    MidiMessage, midi_event_buffer,
};

const SAMPLE_RATE: u32 = 44_100;
const BLOCK_FRAMES: usize = 256;
const VOICES: usize = 16;
/// Tempo of the built-in phrase.
const BEAT: Duration = Duration::from_millis(400);
/// Audio rendered after the last event, for the release tails.
const TAIL: Duration = Duration::from_millis(600);

struct Options {
    out: PathBuf,
    live: bool,
    port: Option<String>,
}

impl Options {
    fn parse() -> Result<Self, Box<dyn Error>> {
        let mut options = Options {
            out: PathBuf::from("target/midi_synth.wav"),
            live: false,
            port: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--out" => options.out = args.next().ok_or("--out needs a file name")?.into(),
                "--live" => options.live = true,
                "--port" => options.port = Some(args.next().ok_or("--port needs a name or index")?),
                _ => {
                    return Err(format!(
                        "unknown argument {arg:?}\nusage: midi_synth [--out FILE.wav] [--live [--port NAME|INDEX]]"
                    )
                    .into());
                }
            }
        }
        Ok(options)
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let options = Options::parse()?;
    if options.live {
        #[cfg(feature = "live")]
        match live::run(&options) {
            Ok(live::Outcome::Played) => return Ok(()),
            Ok(live::Outcome::NoAudio(reason)) => {
                println!("audio output: {reason}; running headless, writing a WAV file instead");
            }
            Err(err) => return Err(err),
        }
        #[cfg(not(feature = "live"))]
        println!(
            "this build has no live MIDI or audio (build with `--features live`, which needs \
             libasound2-dev on Linux); running headless, writing a WAV file instead"
        );
    }
    headless(&options)
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
        // Off the beat grid, so notes land anywhere inside a block.
        let at = at + 0.013 * f64::from(note % 7);
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

/// The MIDI thread: sends each event when its time comes, like a keyboard,
/// stamped with the moment it is sent.
fn play(
    sequence: &[(Duration, MidiMessage)],
    mut producer: MidiBufferProducer<MidiEvent>,
    clock: MidiClock,
    start: Instant,
) -> Sent {
    let mut sent = Sent {
        sent: 0,
        dropped: 0,
    };
    for &(at, message) in sequence {
        if let Some(wait) = (start + at).checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        if producer.try_send_at(message, clock.now_us()) {
            sent.sent += 1;
        } else {
            sent.dropped += 1;
        }
    }
    sent
}

/// One note's onset, as the audio thread saw it.
#[derive(Clone, Copy)]
struct Onset {
    note: u8,
    /// When the MIDI thread sent it, on the shared clock.
    sent_us: u32,
    /// The frame the scheduler started it at, in the output stream.
    frame: usize,
}

struct Rendered {
    samples: Vec<f32>,
    /// The shared clock's reading at the start of each block's callback.
    callbacks_us: Vec<u64>,
    onsets: Vec<Onset>,
    received: usize,
    late: u64,
}

/// The audio thread: one block at a time, paced by a simulated sound card.
fn render(
    mut consumer: MidiBufferConsumer<MidiEvent>,
    frames: usize,
    clock: MidiClock,
    start: Instant,
) -> Rendered {
    // Everything the callback touches is allocated here, before it runs.
    let blocks = frames.div_ceil(BLOCK_FRAMES);
    let mut samples = vec![0.0f32; frames];
    let mut callbacks_us = Vec::with_capacity(blocks);
    let mut onsets = Vec::with_capacity(256);
    let mut synth = Synth::new(f64::from(SAMPLE_RATE));
    let block_time = Duration::from_secs_f64(BLOCK_FRAMES as f64 / f64::from(SAMPLE_RATE));
    // Latency: one block, plus a millisecond for the callbacks' jitter.
    let latency_us = block_time.as_micros() as u32 + 1_000;
    let mut scheduler = BlockScheduler::new(f64::from(SAMPLE_RATE), latency_us);
    let mut received = 0;
    for (index, block) in samples.chunks_mut(BLOCK_FRAMES).enumerate() {
        // A sound card asks for block n when block n - 1 has been played.
        if let Some(wait) =
            (start + block_time * index as u32).checked_duration_since(Instant::now())
        {
            thread::sleep(wait);
        }
        // From here on this is the audio callback: no waiting, no allocation.
        let now = clock.now_us();
        callbacks_us.push(now);
        if consumer.take_dropped() > 0 {
            for message in MidiMessage::release_all_notes() {
                synth.handle(message);
            }
        }
        scheduler.begin_block(now, block.len());
        let mut done = 0;
        while let Some((frame, message)) = next_event(&mut scheduler, &mut consumer) {
            synth.render(&mut block[done..frame.0]);
            done = frame.0;
            if message.is_note_on() && onsets.len() < onsets.capacity() {
                onsets.push(Onset {
                    note: message.note().unwrap_or(0),
                    sent_us: frame.1,
                    frame: index * BLOCK_FRAMES + frame.0,
                });
            }
            synth.handle(message);
            received += 1;
        }
        synth.render(&mut block[done..]);
    }
    Rendered {
        samples,
        callbacks_us,
        onsets,
        received,
        late: scheduler.stats().late,
    }
}

/// The scheduler's next event, with the time it was stamped with (for the
/// report; a synthesizer needs only the frame and the message).
fn next_event(
    scheduler: &mut BlockScheduler,
    consumer: &mut MidiBufferConsumer<MidiEvent>,
) -> Option<((usize, u32), MidiMessage)> {
    let stamp = consumer.peek()?.time;
    let (frame, message) = scheduler.next_event(consumer)?;
    Some(((frame, stamp), message))
}

fn headless(options: &Options) -> Result<(), Box<dyn Error>> {
    let sequence = sequence()?;
    let length = sequence.last().map_or(Duration::ZERO, |(at, _)| *at) + TAIL;
    let frames = (length.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize;

    let (producer, consumer) = midi_event_buffer(256);
    let clock = MidiClock::new();
    let start = Instant::now() + Duration::from_millis(20);
    let midi = thread::spawn(move || play(&sequence, producer, clock, start));
    let audio = thread::spawn(move || render(consumer, frames, clock, start));
    let sent = midi.join().expect("MIDI thread panicked");
    let rendered = audio.join().expect("audio thread panicked");

    write_wav(&options.out, &rendered.samples)?;
    let peak = rendered.samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    println!(
        "MIDI thread: {} messages sent, {} dropped (buffer full)",
        sent.sent, sent.dropped
    );
    println!(
        "audio thread: {} messages received in {} blocks of {BLOCK_FRAMES} frames at {SAMPLE_RATE} Hz, {} late",
        rendered.received,
        rendered.callbacks_us.len(),
        rendered.late
    );
    let report = timing_report(&rendered);
    println!(
        "peak level {:.3} ({:.1} dBFS); wrote {} ({:.2} s)",
        peak,
        20.0 * peak.log10(),
        options.out.display(),
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
    if report.accurate.max >= report.block_start.max {
        return Err("sample-accurate scheduling did no better than block-start scheduling".into());
    }
    Ok(())
}

/// Mean and largest distance, in frames, from each note's onset to where it
/// belongs, once each scheduling's constant latency is taken out.
struct Spread {
    latency: f64,
    mean: f64,
    max: f64,
}

fn spread(errors: &[f64]) -> Spread {
    let mut sorted = errors.to_vec();
    sorted.sort_by(f64::total_cmp);
    let latency = sorted[sorted.len() / 2];
    let deviations: Vec<f64> = errors.iter().map(|e| (e - latency).abs()).collect();
    Spread {
        latency,
        mean: deviations.iter().sum::<f64>() / deviations.len() as f64,
        max: deviations.iter().fold(0.0, |m, d| m.max(*d)),
    }
}

struct Report {
    block_start: Spread,
    accurate: Spread,
}

/// Prints, for every note, where it lands with each scheduling compared with
/// when it was played, and the summary table.
fn timing_report(rendered: &Rendered) -> Report {
    let us_per_frame = 1e6 / f64::from(SAMPLE_RATE);
    let origin = rendered.callbacks_us[0];
    // Where each note belongs: the moment it was sent, as a frame of the
    // output stream (block n's callback starts frame n * BLOCK_FRAMES).
    let ideal = |sent_us: u32| {
        let since = sent_us.wrapping_sub(origin as u32) as i32;
        f64::from(since) / us_per_frame
    };
    let mut block_start = Vec::new();
    let mut accurate = Vec::new();
    println!(
        "\nnote onsets, in frames from where each note was played (constant latency included):"
    );
    println!("  note   played at   block-start   sample-accurate");
    for onset in &rendered.onsets {
        let played = ideal(onset.sent_us);
        // Block-start scheduling: applied at frame 0 of the first block whose
        // callback starts after the message arrived.
        let sent = i64::from(onset.sent_us.wrapping_sub(origin as u32) as i32);
        let block = rendered
            .callbacks_us
            .iter()
            .position(|&t| t.wrapping_sub(origin) as i64 >= sent)
            .unwrap_or(rendered.callbacks_us.len());
        let at_block_start = (block * BLOCK_FRAMES) as f64 - played;
        let at_frame = onset.frame as f64 - played;
        println!(
            "  {:>4}   {:>7.1} ms   {:>11.1}   {:>15.1}",
            onset.note,
            played * us_per_frame / 1000.0,
            at_block_start,
            at_frame
        );
        block_start.push(at_block_start);
        accurate.push(at_frame);
    }
    let report = Report {
        block_start: spread(&block_start),
        accurate: spread(&accurate),
    };
    println!(
        "\nonset error of {} notes, in samples at {SAMPLE_RATE} Hz, after removing each scheduling's constant latency:",
        rendered.onsets.len()
    );
    println!("  scheduling        latency   mean |error|   max |error|");
    for (name, s) in [
        ("block start", &report.block_start),
        ("sample-accurate", &report.accurate),
    ] {
        println!(
            "  {name:<15} {:>9.1} {:>14.1} {:>13.1}",
            s.latency, s.mean, s.max
        );
    }
    println!();
    report
}

#[derive(Clone, Copy)]
struct Voice {
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
/// exponential release, CC 7 volume, sustain pedal, ±2 semitone pitch bend.
struct Synth {
    sample_rate: f32,
    voices: [Voice; VOICES],
    volume: f32,
    bend: f32,
    pedal: bool,
    attack: f32,
    release: f32,
}

impl Synth {
    fn new(sample_rate: f64) -> Self {
        let sample_rate = sample_rate as f32;
        Self {
            sample_rate,
            voices: [Voice::SILENT; VOICES],
            volume: 1.0,
            bend: 1.0,
            pedal: false,
            attack: 1.0 / (0.005 * sample_rate),
            release: (-1.0 / (0.15 * sample_rate)).exp(),
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
                    step: freq / self.sample_rate,
                    phase: 0.0,
                    gain: f32::from(velocity) / 127.0,
                    level: voice.level,
                    held: true,
                    sustained: false,
                };
            }
            MessageKind::NoteOff => {
                for voice in self.voices.iter_mut().filter(|v| v.held) {
                    if Some(voice.note) == msg.note() {
                        voice.held = false;
                        voice.sustained = self.pedal;
                    }
                }
            }
            // Like a Note Off for every key: the pedal still holds notes.
            MessageKind::AllNotesOff => {
                for voice in self.voices.iter_mut().filter(|v| v.held) {
                    voice.held = false;
                    voice.sustained = self.pedal;
                }
            }
            MessageKind::AllSoundOff => {
                for voice in &mut self.voices {
                    *voice = Voice::SILENT;
                }
            }
            MessageKind::ControlChange => match (msg.controller(), msg.value()) {
                (Some(7), Some(value)) => self.volume = f32::from(value) / 127.0,
                (Some(64), Some(value)) => {
                    self.pedal = value >= 64;
                    if !self.pedal {
                        for voice in &mut self.voices {
                            voice.sustained = false;
                        }
                    }
                }
                _ => {}
            },
            MessageKind::PitchBend => {
                let bend = f32::from(msg.pitch_bend().unwrap_or(8192)) - 8192.0;
                self.bend = 2f32.powf(2.0 * bend / 8192.0 / 12.0);
            }
            _ => {}
        }
    }

    /// Renders the voices into `out`, which holds silence.
    fn render(&mut self, out: &mut [f32]) {
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

/// Real MIDI input through `midir`, real audio through `cpal`.
#[cfg(feature = "live")]
mod live {
    use std::cmp::Reverse;
    use std::error::Error;
    use std::io::BufRead;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
    use std::thread;
    use std::time::{Duration, Instant};

    use bbx_midi::{BlockScheduler, MidiClock, MidiMessage, midi_event_buffer};
    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

    use super::{Options, Synth, play, sequence};

    pub enum Outcome {
        Played,
        NoAudio(String),
    }

    /// Opens the MIDI port the options name (listing the ports), or says
    /// why there is none.
    fn open_port(
        wanted: Option<&str>,
        mut on_message: impl FnMut(&[u8]) + Send + 'static,
    ) -> Result<midir::MidiInputConnection<()>, String> {
        let input =
            midir::MidiInput::new("bbx_midi synth").map_err(|e| format!("no MIDI system ({e})"))?;
        let ports = input.ports();
        if ports.is_empty() {
            return Err("no MIDI input port found".into());
        }
        println!("MIDI input ports:");
        for (i, port) in ports.iter().enumerate() {
            println!("  {i}: {}", input.port_name(port).unwrap_or_default());
        }
        let index = match wanted {
            None => {
                println!("no --port given: using port 0");
                0
            }
            Some(wanted) => match wanted.parse::<usize>() {
                Ok(i) if i < ports.len() => i,
                _ => ports
                    .iter()
                    .position(|p| input.port_name(p).is_ok_and(|name| name.contains(wanted)))
                    .ok_or_else(|| format!("no MIDI input port matches {wanted:?}"))?,
            },
        };
        let name = input.port_name(&ports[index]).unwrap_or_default();
        let connection = input
            .connect(
                &ports[index],
                "bbx_midi-in",
                move |_, bytes, _| on_message(bytes),
                (),
            )
            .map_err(|e| format!("cannot open MIDI port {name:?}: {e}"))?;
        println!("MIDI input: {name}");
        Ok(connection)
    }

    pub fn run(options: &Options) -> Result<Outcome, Box<dyn Error>> {
        let clock = MidiClock::new();
        // MIDI from the port, stamped on arrival in midir's thread, or the
        // built-in phrase if there is no port.
        let (mut port_producer, port_consumer) = midi_event_buffer(1024);
        let port = open_port(options.port.as_deref(), move |bytes| {
            // Whatever is not a short message (SysEx) is skipped here.
            let message = MidiMessage::from(bytes);
            if message.is_valid() {
                port_producer.try_send_at(message, clock.now_us());
            }
        });
        let (phrase_producer, phrase_consumer) = midi_event_buffer(1024);
        let (mut consumer, phrase, _connection) = match port {
            Ok(connection) => (port_consumer, None, Some(connection)),
            Err(reason) => {
                println!("MIDI input: {reason}; playing the built-in phrase instead");
                (phrase_consumer, Some(phrase_producer), None)
            }
        };

        let host = cpal::default_host();
        let Some(device) = host.default_output_device() else {
            return Ok(Outcome::NoAudio("no audio output device".into()));
        };
        let supported = match device.supported_output_configs() {
            // 32-bit float, stereo if possible, the highest rate on offer.
            Ok(configs) => configs
                .filter(|c| c.sample_format() == cpal::SampleFormat::F32)
                .min_by_key(|c| (c.channels().abs_diff(2), Reverse(c.max_sample_rate()))),
            Err(err) => {
                return Ok(Outcome::NoAudio(format!(
                    "cannot query the output device: {err}"
                )));
            }
        };
        let Some(supported) = supported else {
            return Ok(Outcome::NoAudio(
                "the output device takes no 32-bit float samples".into(),
            ));
        };
        let rate = supported
            .max_sample_rate()
            .min(48_000)
            .max(supported.min_sample_rate());
        let config = supported.with_sample_rate(rate).config();
        let channels = usize::from(config.channels);
        let sample_rate = f64::from(rate);

        // A typical block plus a margin for jitter; raised in the callback if
        // the device's blocks turn out longer.
        let mut scheduler = BlockScheduler::new(sample_rate, 11_000);
        let mut synth = Synth::new(sample_rate);
        // What the callback played, for the summary: atomics, so the
        // callback never waits for the main thread.
        let frames_played = Arc::new(AtomicU64::new(0));
        let peak_bits = Arc::new(AtomicU32::new(0));
        let (frames_out, peak_out) = (Arc::clone(&frames_played), Arc::clone(&peak_bits));
        let stream = device.build_output_stream(
            config,
            move |data: &mut [f32], _: &cpal::OutputCallbackInfo| {
                // The audio callback: no waiting, no allocation.
                let now = clock.now_us();
                if consumer.take_dropped() > 0 {
                    for message in MidiMessage::release_all_notes() {
                        synth.handle(message);
                    }
                }
                let frames = data.len() / channels;
                let block_us = (frames as f64 * 1e6 / sample_rate) as u32 + 1_000;
                if block_us > scheduler.latency_us() {
                    scheduler.set_latency_us(block_us);
                }
                scheduler.begin_block(now, frames);
                data.fill(0.0);
                let mut done = 0;
                while let Some((frame, message)) = scheduler.next_event(&mut consumer) {
                    let segment = &mut data[done * channels..frame * channels];
                    render_interleaved(&mut synth, segment, channels);
                    done = frame;
                    synth.handle(message);
                }
                render_interleaved(&mut synth, &mut data[done * channels..], channels);
                let peak = data.iter().fold(0f32, |m, s| m.max(s.abs()));
                peak_out.fetch_max(peak.to_bits(), Ordering::Relaxed);
                frames_out.fetch_add((data.len() / channels) as u64, Ordering::Relaxed);
            },
            |err| eprintln!("audio stream error: {err}"),
            None,
        );
        let stream = match stream {
            Ok(stream) => stream,
            Err(err) => {
                return Ok(Outcome::NoAudio(format!(
                    "cannot open the output stream: {err}"
                )));
            }
        };
        if let Err(err) = stream.play() {
            return Ok(Outcome::NoAudio(format!(
                "cannot start the output stream: {err}"
            )));
        }
        println!("audio output: {rate} Hz, {channels} channels");

        match phrase {
            None => {
                println!("playing; press Enter to stop");
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
            }
            Some(producer) => {
                let phrase = sequence()?;
                let length = phrase.last().map_or(Duration::ZERO, |(at, _)| *at) + super::TAIL;
                let start = Instant::now() + Duration::from_millis(20);
                let sent = play(&phrase, producer, clock, start);
                println!("played {} messages ({} dropped)", sent.sent, sent.dropped);
                thread::sleep((start + length).saturating_duration_since(Instant::now()));
            }
        }
        drop(stream);
        let frames = frames_played.load(Ordering::Relaxed);
        let peak = f32::from_bits(peak_bits.load(Ordering::Relaxed));
        println!(
            "audio thread: {frames} frames ({:.2} s) played, peak level {peak:.3}",
            frames as f64 / sample_rate
        );
        Ok(Outcome::Played)
    }

    /// Renders mono into every channel of an interleaved block.
    fn render_interleaved(synth: &mut Synth, out: &mut [f32], channels: usize) {
        let mut mono = [0.0f32; 256];
        for chunk in out.chunks_mut(256 * channels) {
            let frames = chunk.len() / channels;
            let mono = &mut mono[..frames];
            mono.fill(0.0);
            synth.render(mono);
            for (frame, sample) in chunk.chunks_mut(channels).zip(mono.iter()) {
                frame.fill(*sample);
            }
        }
    }
}
