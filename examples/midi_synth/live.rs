//! Real MIDI input through `midir` (or JACK), real audio through `cpal`.

use std::cmp::Reverse;
use std::error::Error;
use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use bbx_midi::{BlockScheduler, Event, MidiClock, MidiStream, StreamSource};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

use super::music::phrase;
use super::{Options, Synth, play};

pub enum Outcome {
    Played,
    NoAudio(String),
}

/// The `midir` client's name.
#[cfg(not(feature = "live-jack"))]
const MIDIR_CLIENT: &str = "bbx_midi synth";
#[cfg(feature = "live-jack")]
const MIDIR_CLIENT: &str = "bbx_midi_synth_midir";
const MIDIR_PORT: &str = "bbx_midi-in";

/// Opens the MIDI port the options name (listing the ports), or says
/// why there is none. Everything the port delivers goes into `source`,
/// stamped on arrival: short messages and SysEx, whole or in pieces.
///
/// With ALSA the stamp is `clock`'s reading, the clock the audio
/// callback reads too. With JACK it is `midir`'s own, JACK's clock,
/// which `cpal`'s JACK host stamps the audio callback with; and with no
/// `--port` the port is created for others to connect to.
fn open_port(
    wanted: Option<&str>,
    mut source: StreamSource,
    clock: MidiClock,
) -> Result<midir::MidiInputConnection<()>, String> {
    let mut input =
        midir::MidiInput::new(MIDIR_CLIENT).map_err(|e| format!("no MIDI system ({e})"))?;
    // SysEx, timing clock and active sensing too: the stream takes them.
    input.ignore(midir::Ignore::None);
    let on_message = move |midir_us: u64, bytes: &[u8], _: &mut ()| {
        let stamp = if cfg!(feature = "live-jack") {
            midir_us
        } else {
            clock.now_us()
        };
        // Losses are reported in the stream; bytes that are not MIDI
        // are refused with the reason, which a MIDI callback has
        // nowhere to show.
        let _ = source.try_send_bytes_at(bytes, stamp);
    };
    #[cfg(feature = "live-jack")]
    if wanted.is_none() {
        use midir::os::unix::VirtualInput;
        let connection = input
            .create_virtual(MIDIR_PORT, on_message, ())
            .map_err(|e| format!("cannot create a JACK MIDI port: {e}"))?;
        println!("MIDI input: midir's JACK port {MIDIR_CLIENT}:{MIDIR_PORT}");
        return Ok(connection);
    }
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
        .connect(&ports[index], MIDIR_PORT, on_message, ())
        .map_err(|e| format!("cannot open MIDI port {name:?}: {e}"))?;
    println!("MIDI input: {name}");
    Ok(connection)
}

/// The MIDI input, open while it is kept.
struct MidiIn {
    _midir: Option<midir::MidiInputConnection<()>>,
    #[cfg(feature = "live-jack")]
    _jack: super::jack_io::Client,
}

/// Where the audio callback reads its block's time when the MIDI input
/// has a clock of its own (our JACK port: JACK's frame clock).
#[cfg(feature = "live-jack")]
type FrameClock = super::jack_io::FrameClock;
/// Without JACK there is none.
#[cfg(not(feature = "live-jack"))]
enum FrameClock {}
#[cfg(not(feature = "live-jack"))]
impl FrameClock {
    fn cycle_start_us(&self) -> u64 {
        match *self {}
    }
}

/// The MIDI input the build and the options ask for.
#[cfg(not(feature = "live-jack"))]
fn open_midi(
    options: &Options,
    port: StreamSource,
    _watch: StreamSource,
    clock: MidiClock,
) -> Result<(MidiIn, Option<FrameClock>), String> {
    let connection = open_port(options.port.as_deref(), port, clock)?;
    Ok((
        MidiIn {
            _midir: Some(connection),
        },
        None,
    ))
}

/// With JACK: our own port, on JACK's frame clock, or with `--midir`
/// midir's port; either watched, so that a sender leaving mid-note
/// leaves no note hanging.
#[cfg(feature = "live-jack")]
fn open_midi(
    options: &Options,
    port: StreamSource,
    watch: StreamSource,
    clock: MidiClock,
    counters: &Arc<super::jack_io::Counters>,
) -> Result<(MidiIn, Option<FrameClock>), String> {
    use super::jack_io;
    let counters = Arc::clone(counters);
    if options.midir {
        let connection = open_port(options.port.as_deref(), port, clock)?;
        let name = format!("{MIDIR_CLIENT}:{MIDIR_PORT}");
        let watch = jack_io::watch(&name, watch, counters).map_err(|e| e.to_string())?;
        let midi = MidiIn {
            _midir: Some(connection),
            _jack: watch,
        };
        Ok((midi, None))
    } else {
        let (input, frame_clock) =
            jack_io::open_input(options.port.as_deref(), port, watch, counters)
                .map_err(|e| e.to_string())?;
        let midi = MidiIn {
            _midir: None,
            _jack: input,
        };
        Ok((midi, Some(frame_clock)))
    }
}

pub fn run(options: &Options) -> Result<Outcome, Box<dyn Error>> {
    let clock = MidiClock::new();
    // The MIDI port; a watch that releases notes when a JACK sender
    // leaves; the built-in phrase if there is no port.
    let ([port_source, watch_source, phrase_source], mut stream) = MidiStream::builder()
        .capacity(1024)
        .sysex_bytes(64 * 1024)
        .build_merged();
    #[cfg(feature = "live-jack")]
    let counters = Arc::new(super::jack_io::Counters::default());
    #[cfg(feature = "live-jack")]
    let midi = open_midi(options, port_source, watch_source, clock, &counters);
    #[cfg(not(feature = "live-jack"))]
    let midi = open_midi(options, port_source, watch_source, clock);
    let (phrase_source, _midi, frame_clock) = match midi {
        Ok((midi, frame_clock)) => (None, Some(midi), frame_clock),
        Err(reason) => {
            println!("MIDI input: {reason}; playing the built-in phrase instead");
            (Some(phrase_source), None, None)
        }
    };

    #[cfg(feature = "live-jack")]
    let device = match cpal::platform::JackHost::new() {
        // A client `cpal_client_<pid>_out`, its ports connected to the
        // system's playback ports.
        Ok(host) => host.default_output_device(),
        Err(err) => return Ok(Outcome::NoAudio(format!("no JACK server ({err})"))),
    };
    #[cfg(not(feature = "live-jack"))]
    let device = cpal::default_host().default_output_device();
    let Some(device) = device else {
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
    let mut synth = if options.percussive {
        Synth::percussive(sample_rate)
    } else {
        Synth::new(sample_rate)
    };
    // What the callback played, for the summary: atomics, so the
    // callback never waits for the main thread.
    let frames_played = Arc::new(AtomicU64::new(0));
    let peak_bits = Arc::new(AtomicU32::new(0));
    let late_events = Arc::new(AtomicU64::new(0));
    let events = Arc::new(AtomicU64::new(0));
    let (frames_out, peak_out) = (Arc::clone(&frames_played), Arc::clone(&peak_bits));
    let (late_out, events_out) = (Arc::clone(&late_events), Arc::clone(&events));
    let latency = Arc::new(AtomicU32::new(scheduler.latency_us()));
    let latency_out = Arc::clone(&latency);
    let audio = device.build_output_stream(
        config,
        move |data: &mut [f32], info: &cpal::OutputCallbackInfo| {
            // The audio callback: no waiting, no allocation.
            let (now, ahead_us) = match &frame_clock {
                Some(frames) => (frames.cycle_start_us(), 0),
                None => block_time_us(info, clock),
            };
            let frames = data.len() / channels;
            // An event stamped just after a callback is read by the
            // next one: two blocks, a margin for jitter, and however far
            // ahead of the callback the block is heard.
            let needed = ahead_us + 2 * (frames as f64 * 1e6 / sample_rate) as u32 + 1_000;
            if needed > scheduler.latency_us() {
                scheduler.set_latency_us(needed);
                latency_out.store(needed, Ordering::Relaxed);
            }
            scheduler.begin_block(now, frames);
            data.fill(0.0);
            let mut done = 0;
            while let Some(scheduled) = scheduler.next_event(&mut stream) {
                let segment = &mut data[done * channels..scheduled.frame * channels];
                render_interleaved(&mut synth, segment, channels);
                done = scheduled.frame;
                match scheduled.event {
                    Event::Message(message) => synth.handle(scheduled.source, message),
                    Event::SysEx(bytes) => synth.sysex(bytes),
                    Event::Lost { .. } => synth.release_source(scheduled.source),
                    Event::Ump(_) | Event::SysEx7 { .. } | Event::SysEx8 { .. } => {}
                }
            }
            render_interleaved(&mut synth, &mut data[done * channels..], channels);
            let peak = data.iter().fold(0f32, |m, s| m.max(s.abs()));
            peak_out.fetch_max(peak.to_bits(), Ordering::Relaxed);
            frames_out.fetch_add(frames as u64, Ordering::Relaxed);
            let stats = scheduler.stats();
            late_out.store(stats.late, Ordering::Relaxed);
            events_out.store(stats.events, Ordering::Relaxed);
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
    #[cfg(feature = "live-jack")]
    println!(
        "audio output: JACK, {rate} Hz, {channels} channels, ports cpal_client_{}_out:out_*",
        std::process::id()
    );
    #[cfg(not(feature = "live-jack"))]
    println!("audio output: {rate} Hz, {channels} channels");

    match (phrase_source, options.seconds) {
        (Some(source), _) => {
            let phrase = phrase()?;
            let length = phrase.last().map_or(Duration::ZERO, |(at, _)| *at) + super::TAIL;
            let start = Instant::now() + Duration::from_millis(20);
            let sent = play(phrase, source, clock, start);
            println!(
                "played {} messages ({} lost)",
                sent.stats.sent, sent.stats.lost
            );
            thread::sleep((start + length).saturating_duration_since(Instant::now()));
        }
        (None, Some(seconds)) => {
            println!("playing for {seconds} s");
            thread::sleep(Duration::from_secs_f64(seconds));
        }
        (None, None) => {
            println!("playing; press Enter to stop");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
        }
    }
    drop(audio);
    let frames = frames_played.load(Ordering::Relaxed);
    let peak = f32::from_bits(peak_bits.load(Ordering::Relaxed));
    println!(
        "audio thread: {frames} frames ({:.2} s) played, peak level {peak:.3}; \
         {} events scheduled, {} late, latency {:.1} ms",
        frames as f64 / sample_rate,
        events.load(Ordering::Relaxed),
        late_events.load(Ordering::Relaxed),
        f64::from(latency.load(Ordering::Relaxed)) / 1e3,
    );
    #[cfg(feature = "live-jack")]
    println!(
        "jack: {} MIDI events read ({} refused), {} xruns reported to the MIDI client, \
         {} releases for senders that left",
        counters.events.load(Ordering::Relaxed),
        counters.refused.load(Ordering::Relaxed),
        counters.xruns.load(Ordering::Relaxed),
        counters.releases.load(Ordering::Relaxed),
    );
    Ok(Outcome::Played)
}

/// When the block's first frame is due, on the clock MIDI is stamped
/// with. JACK: the cycle's playback time from `cpal`, which derives it
/// from the cycle's start on JACK's clock (no wake-up jitter in it).
/// Also how far ahead of the callback that is, in µs.
#[cfg(feature = "live-jack")]
fn block_time_us(info: &cpal::OutputCallbackInfo, _: MidiClock) -> (u64, u32) {
    let stamp = info.timestamp();
    let ahead = stamp.playback.saturating_duration_since(stamp.callback);
    (
        (stamp.playback.as_nanos() / 1_000) as u64,
        ahead.as_micros().min(1_000_000) as u32,
    )
}

/// ALSA: `clock`, read as the callback starts.
#[cfg(not(feature = "live-jack"))]
fn block_time_us(_: &cpal::OutputCallbackInfo, clock: MidiClock) -> (u64, u32) {
    (clock.now_us(), 0)
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
