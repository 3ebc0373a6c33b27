//! Live: a MIDI input port (and ports plugged in while it plays), MIDI out
//! echoing every note as it plays, and a sound card, from the library's
//! parts (`bbx_midi::io`). With `--features live-jack` through a JACK
//! server ([`super::live_jack`]); with `--features live` through `midir`
//! and `cpal`.

use std::error::Error;
use std::io::BufRead;
use std::time::Duration;

use bbx_midi::{Event, MidiMessage, StreamSource};

use super::Options;
use super::synth::Synth;

pub enum Outcome {
    Played,
    NoAudio(String),
}

pub fn run(options: &Options) -> Result<Outcome, Box<dyn Error>> {
    #[cfg(feature = "live-jack")]
    return super::live_jack::run(options);
    #[cfg(not(feature = "live-jack"))]
    return alsa::run(options);
}

/// Applies an event to the synth and echoes each note to MIDI out at the
/// frame it plays; where a source lost messages or ended, releases its
/// notes and tells the MIDI out to do the same. Wait-free: the audio
/// callback's work, shared by both hosts.
pub fn play_event(
    synth: &mut Synth,
    echo: &mut StreamSource,
    source: usize,
    event: Event<'_>,
    at_us: u64,
) {
    match event {
        Event::Message(message) => {
            synth.handle(source, message);
            if message.is_note_on() || message.is_note_off() {
                // Full: lost, and counted in the echo stream.
                echo.try_send_at(message, at_us);
            }
        }
        Event::SysEx(bytes) => synth.sysex(bytes),
        Event::Lost { .. } | Event::Ended => {
            synth.release_source(source);
            for message in MidiMessage::release_all_notes() {
                echo.try_send_at(message, at_us);
            }
        }
        _ => {}
    }
}

/// Waits `--seconds`, or for Enter.
pub fn wait(options: &Options) -> Result<(), Box<dyn Error>> {
    match options.seconds {
        Some(seconds) => {
            println!("playing for {seconds} s");
            std::thread::sleep(Duration::from_secs_f64(seconds));
        }
        None => {
            println!("playing; press Enter to stop");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
        }
    }
    Ok(())
}

#[cfg(not(feature = "live-jack"))]
mod alsa {
    use std::cmp::Reverse;
    use std::error::Error;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::thread;
    use std::time::{Duration, Instant};

    use bbx_midi::io::cpal::CpalClock;
    use bbx_midi::io::midir::{self, MidirInput, OpenError, Port};
    use bbx_midi::stream::SourceAdder;
    use bbx_midi::{BlockScheduler, MidiClock, MidiStream};
    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

    use super::{Outcome, play_event, wait};
    use crate::Options;
    use crate::synth::Synth;

    const CLIENT: &str = "bbx_midi synth";

    /// Opens the input port `wanted` names whenever it is there: a thread
    /// looks twice a second, closes the port when it goes (its source
    /// ends in the stream, after everything it sent) and opens it again,
    /// as a new source, when it comes back.
    fn hot_plug(wanted: Port, mut adder: SourceAdder, clock: MidiClock, stop: Arc<AtomicBool>) {
        let mut open: Option<MidirInput> = None;
        while !stop.load(Ordering::Relaxed) {
            let names = midir::input_ports(CLIENT).unwrap_or_default();
            if let Some(input) = &open {
                if !names.iter().any(|name| name == input.port_name()) {
                    println!(
                        "MIDI input: {} went away; its notes are released",
                        input.port_name()
                    );
                    open = None;
                }
            }
            if open.is_none() {
                if let Ok(source) = adder.add() {
                    match MidirInput::open(CLIENT, &wanted, source, clock) {
                        Ok(input) => {
                            println!("MIDI input: {}", input.port_name());
                            open = Some(input);
                        }
                        Err(OpenError::NoPort { .. }) => {}
                        Err(err) => println!("MIDI input: {err}"),
                    }
                }
            }
            thread::sleep(Duration::from_millis(500));
        }
    }

    pub fn run(options: &Options) -> Result<Outcome, Box<dyn Error>> {
        let clock = MidiClock::new();
        let (phrase_source, mut stream) = MidiStream::builder()
            .capacity(1024)
            .sysex_bytes(64 * 1024)
            .max_sources(8)
            .build();
        let adder = stream.adder().expect("a new stream has its adder");
        let wanted = options.port.as_deref().map_or(Port::First, Port::from);
        // MIDI out: every note echoed as it plays, on the port `--out-port` names.
        let (echo, echo_stream) = MidiStream::builder().capacity(1024).build();
        let sender = match options.out_port.as_deref() {
            Some(port) => {
                match midir::open_output(CLIENT, &Port::from(port), echo_stream, clock, 0) {
                    Ok((sender, name)) => {
                        println!("MIDI out: {name}");
                        Some(sender)
                    }
                    Err(err) => {
                        println!("MIDI out: {err}");
                        None
                    }
                }
            }
            None => None,
        };
        let use_phrase = match midir::input_ports(CLIENT) {
            Ok(names) if names.is_empty() && options.port.is_none() => {
                println!(
                    "MIDI input: no port; playing the built-in phrase (ports plugged in are taken)"
                );
                true
            }
            Ok(_) => false,
            Err(err) => {
                println!("MIDI input: {err}; playing the built-in phrase");
                true
            }
        };

        let Some(device) = cpal::default_host().default_output_device() else {
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

        let mut card = CpalClock::new(clock);
        let mut scheduler = BlockScheduler::new(sample_rate, 11_000);
        let mut synth = if options.percussive {
            Synth::percussive(sample_rate)
        } else {
            Synth::new(sample_rate)
        };
        let mut echo = echo;
        let mut mono = vec![0.0f32; 8192];
        let frames_played = Arc::new(AtomicU64::new(0));
        let played = Arc::clone(&frames_played);
        let audio = device.build_output_stream(
            config,
            move |data: &mut [f32], info: &cpal::OutputCallbackInfo| {
                // The audio callback: no waiting, no allocation.
                let frames = (data.len() / channels).min(mono.len());
                // An event stamped just after a callback is due a latency
                // later, in a later block: two blocks, however far ahead
                // of the callback its block is heard, and a margin.
                let block_us = (frames as f64 * 1e6 / sample_rate) as u64;
                let needed = CpalClock::ahead_us(info) + 2 * block_us + 1_000;
                if needed > u64::from(scheduler.latency_us()) {
                    scheduler.set_latency_us(needed.min(1_000_000) as u32);
                }
                scheduler.begin_block(card.block_start_us(info), frames);
                let out = &mut mono[..frames];
                out.fill(0.0);
                let mut done = 0;
                while let Some(event) = scheduler.next_event(&mut stream) {
                    synth.render(&mut out[done..event.frame]);
                    done = event.frame;
                    let at = scheduler.time_at(event.frame);
                    play_event(&mut synth, &mut echo, event.source, event.event, at);
                }
                synth.render(&mut out[done..]);
                for (frame, sample) in data.chunks_mut(channels).zip(out.iter()) {
                    frame.fill(*sample);
                }
                played.fetch_add(frames as u64, Ordering::Relaxed);
            },
            |err| eprintln!("audio stream error: {err}"),
            None,
        );
        let audio = match audio {
            Ok(audio) => audio,
            Err(err) => {
                return Ok(Outcome::NoAudio(format!(
                    "cannot open the output stream: {err}"
                )));
            }
        };
        if let Err(err) = audio.play() {
            return Ok(Outcome::NoAudio(format!(
                "cannot start the output stream: {err}"
            )));
        }
        println!("audio output: {rate} Hz, {channels} channels");

        let stop = Arc::new(AtomicBool::new(false));
        if use_phrase {
            let phrase = crate::music::phrase()?;
            let length = phrase.last().map_or(Duration::ZERO, |(at, _)| *at) + crate::TAIL;
            let start = Instant::now() + Duration::from_millis(20);
            let sent = crate::play(phrase, phrase_source, clock, start);
            println!(
                "played {} messages ({} lost)",
                sent.stats.sent, sent.stats.lost
            );
            thread::sleep((start + length).saturating_duration_since(Instant::now()));
        } else {
            drop(phrase_source);
            let watcher = {
                let stop = Arc::clone(&stop);
                thread::spawn(move || hot_plug(wanted, adder, clock, stop))
            };
            wait(options)?;
            stop.store(true, Ordering::Relaxed);
            let _ = watcher.join();
        }
        drop(audio);
        let frames = frames_played.load(Ordering::Relaxed);
        println!(
            "audio thread: {frames} frames ({:.2} s) played",
            frames as f64 / sample_rate
        );
        if let Some(sender) = sender {
            let stats = sender.stop();
            println!(
                "MIDI out: {} sent, {} lost, {} refused; late by {} us (p50), {} us (p99), {} us at most",
                stats.sent,
                stats.lost,
                stats.refused,
                stats.lateness.percentile(0.5).unwrap_or(0),
                stats.lateness.percentile(0.99).unwrap_or(0),
                stats.lateness.max_us()
            );
        }
        Ok(Outcome::Played)
    }
}
