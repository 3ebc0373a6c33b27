//! End to end: MIDI from two sources, one synthesizer on the audio thread,
//! sample-accurate and lock-free, surviving an overflow and a missed
//! callback with no note left hanging.
//!
//! ```text
//! cargo run --release --example midi_synth                  # simulated card and inputs: the same report and WAV every run
//! cargo run --release --example midi_synth -- --realtime    # the same with OS threads and the real clock
//! cargo run --release --features live --example midi_synth -- --live [--port NAME|INDEX]
//! cargo run --release --features live-jack --example midi_synth -- --live [--port JACK_PORT]
//! ```
//!
//! Two sources send into one [`MidiStream`], each stamping what it sends:
//! a *phrase* (chords, a melody, a pitch bend, and a master volume change
//! as a Universal Real Time SysEx) and a *keyboard* (a few notes, then a
//! note held while a burst of mod-wheel messages overflows its source, so
//! that the note's Note Off is lost). The audio callback asks a
//! [`BlockScheduler`] for the events due in each 256-frame block and renders
//! a 16-voice synthesizer, splitting the block at each event's frame; once
//! the card misses a callback, as in an xrun. The run writes a WAV file and
//! reports where every note, the SysEx and the loss landed.
//!
//! **By default** the sound card and the inputs are simulated: the callbacks'
//! jitter and lateness, the missed callback and the inputs' delays are
//! drawn from a fixed seed, so every run prints the same report and writes
//! the same WAV, however busy the machine. It fails if anything is wrong:
//! an event lost without a report, out of order or twice, a note left
//! sounding, timing worse than the scheduler guarantees. Then, offline, it
//! plays the phrase through a MIDI 1.0 and a MIDI 2.0 stream, and a MIDI
//! 2.0 keyboard's phrase through both, and checks that both protocols play
//! the same notes at the same frames and that MIDI 2.0 keeps its finer
//! velocities and bends.
//!
//! **`--realtime`** runs the same with OS threads paced by the real clock.
//! A busy machine makes callbacks late; that is reported (late callbacks,
//! jumps, the worst error), and only a failure of correctness fails it.
//!
//! **`--live`** (`--features live`): MIDI from a `midir` input port (by name
//! or index: `--port`; a port plugged in later is taken as it comes, one
//! unplugged ends its source and its notes are released), each note echoed
//! as it plays to the MIDI output `--out-port` names, audio through
//! `cpal`'s default output; with no port, the built-in phrase. With no
//! audio device it runs the simulation instead, and says why. `--seconds S`
//! stops it after S seconds (else Enter). With `--features live-jack`, one
//! JACK client `bbx_midi_synth` with `midi_in`, `midi_out` and `out_0/1`,
//! everything at its frame (see `midi_synth/live_jack.rs`); `--port`
//! connects a JACK MIDI port to it. `--percussive` gives the voices a
//! 0.1 ms attack and release, so that onsets a few frames apart can be
//! told apart in a recording (`bash .ci/test jack` does that).

use std::error::Error;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use bbx_midi::{
    BlockScheduler, Event, MidiClock, MidiMessage, MidiStream, SchedulerStats, SourceStats,
    StreamSource,
};

#[path = "midi_synth/music.rs"]
mod music;
#[path = "midi_synth/report.rs"]
mod report;
#[path = "midi_synth/sim.rs"]
mod sim;
#[path = "midi_synth/synth.rs"]
mod synth;

#[cfg(feature = "live")]
#[path = "midi_synth/live.rs"]
mod live;
#[cfg(feature = "live-jack")]
#[path = "midi_synth/live_jack.rs"]
mod live_jack;

use music::{Outgoing, Script};
use synth::Synth;

const SAMPLE_RATE: u32 = 44_100;
const BLOCK_FRAMES: usize = 256;
/// Messages each source holds: enough for the phrase, too few for the
/// keyboard's burst.
const CAPACITY: usize = 64;
const SYSEX_BYTES: usize = 256;
/// Audio rendered after the last event: the release tails die out in it,
/// and its end must be silent.
const TAIL: Duration = Duration::from_millis(1_500);
/// The card misses a callback about here.
const MISSED_AT: Duration = Duration::from_millis(1_400);
/// The sources, in the order the stream was built.
const SOURCE_NAMES: [&str; 2] = ["phrase", "keyboard"];
/// Where the simulation's clock starts, and its seed.
const SIM_START_US: u64 = 1_000_000;
const SIM_SEED: u64 = 0x00bb_0d1d;

struct Options {
    out: PathBuf,
    realtime: bool,
    verbose: bool,
    live: bool,
    port: Option<String>,
    /// Live without JACK: the MIDI out port notes are echoed to.
    #[cfg_attr(not(feature = "live"), allow(dead_code))]
    out_port: Option<String>,
    /// Live: stop after this long instead of at Enter.
    #[cfg_attr(not(feature = "live"), allow(dead_code))]
    seconds: Option<f64>,
    /// Notes with a 0.1 ms attack and release.
    #[cfg_attr(not(feature = "live"), allow(dead_code))]
    percussive: bool,
}

const USAGE: &str = "usage: midi_synth [--out FILE.wav] [--realtime] [--verbose] \
    [--live [--port NAME|INDEX] [--out-port NAME|INDEX] [--seconds S] [--percussive]]";

impl Options {
    fn parse() -> Result<Self, Box<dyn Error>> {
        let mut options = Options {
            out: PathBuf::from("target/midi_synth.wav"),
            realtime: false,
            verbose: false,
            live: false,
            port: None,
            out_port: None,
            seconds: None,
            percussive: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--out" => options.out = args.next().ok_or("--out needs a file name")?.into(),
                "--realtime" => options.realtime = true,
                "--verbose" => options.verbose = true,
                "--live" => options.live = true,
                "--port" => options.port = Some(args.next().ok_or("--port needs a name or index")?),
                "--out-port" => {
                    options.out_port = Some(args.next().ok_or("--out-port needs a name or index")?);
                }
                "--seconds" => {
                    let text = args.next().ok_or("--seconds needs a number")?;
                    match text.parse::<f64>() {
                        Ok(s) if s.is_finite() && s > 0.0 && s < 86_400.0 => {
                            options.seconds = Some(s);
                        }
                        _ => {
                            return Err(format!(
                                "--seconds takes a number of seconds above 0 and below a day, not {text:?}"
                            )
                            .into());
                        }
                    }
                }
                "--percussive" => options.percussive = true,
                _ => return Err(format!("unknown argument {arg:?}\n{USAGE}").into()),
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
                println!("audio output: {reason}; running the simulation instead");
            }
            Err(err) => return Err(err),
        }
        #[cfg(not(feature = "live"))]
        println!(
            "this build has no live MIDI or audio (build with `--features live`, which needs \
             libasound2-dev on Linux); running the simulation instead"
        );
    }
    let run = if options.realtime {
        realtime()?
    } else {
        simulated()?
    };
    synth::write_wav(&options.out, SAMPLE_RATE, &run.samples)?;
    println!(
        "wrote {} ({:.2} s)\n",
        options.out.display(),
        run.samples.len() as f64 / f64::from(SAMPLE_RATE)
    );
    let mut report = String::new();
    let failures = report::verdict(&run, !options.realtime, options.verbose, &mut report)?;
    print!("{report}");
    if failures.is_empty() {
        println!("verdict: PASS");
        Ok(())
    } else {
        println!("verdict: FAIL");
        Err(failures.join("; ").into())
    }
}

/// What the audio callback did with an event, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Got {
    Msg(MidiMessage),
    /// A SysEx, by its length and a checksum of its bytes.
    SysEx {
        len: usize,
        sum: u32,
    },
    Lost(usize),
    /// The source ended: dropped, after everything it sent.
    Ended,
}

impl Got {
    fn sysex(bytes: &[u8]) -> Self {
        // FNV-1a: enough to tell a SysEx from another in a log.
        let sum = bytes.iter().fold(0x811C_9DC5u32, |h, &b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        Got::SysEx {
            len: bytes.len(),
            sum,
        }
    }

    /// What the stream must deliver for an item its source sent.
    fn of(item: &Outgoing) -> Self {
        match item {
            Outgoing::Message(message) => Got::Msg(*message),
            Outgoing::Bytes(bytes) => Got::sysex(bytes),
        }
    }
}

/// An event as the audio callback took it.
#[derive(Clone, Copy, Debug)]
struct Heard {
    source: usize,
    got: Got,
    /// Its stamp, on the clock the sources stamp with.
    stamp_us: u32,
    /// The frame it was applied at, in the whole output.
    frame: usize,
    /// For a loss: notes of its source that were still on.
    sounding: usize,
}

/// The audio side: the stream, the scheduler, the synthesizer, and a log,
/// all allocated before the first callback.
struct Audio {
    stream: MidiStream,
    scheduler: BlockScheduler,
    synth: Synth,
    heard: Vec<Heard>,
    /// (block, the callback's clock reading) of every callback.
    callbacks: Vec<(usize, u64)>,
}

impl Audio {
    fn new(stream: MidiStream, blocks: usize) -> Self {
        // One block, plus a millisecond for the callbacks' jitter.
        let block_us = BLOCK_FRAMES as f64 * 1e6 / f64::from(SAMPLE_RATE);
        Self {
            stream,
            scheduler: BlockScheduler::new(f64::from(SAMPLE_RATE), block_us as u32 + 1_000),
            synth: Synth::new(f64::from(SAMPLE_RATE)),
            heard: Vec::with_capacity(1024),
            callbacks: Vec::with_capacity(blocks),
        }
    }

    /// The audio callback for block `index`, woken at `now_us`: takes the
    /// events due in it, each at its frame. No waiting, no allocation.
    fn callback(&mut self, index: usize, now_us: u64, block: &mut [f32]) {
        if self.callbacks.len() < self.callbacks.capacity() {
            self.callbacks.push((index, now_us));
        }
        self.scheduler.begin_block(now_us, block.len());
        let mut done = 0;
        while let Some(scheduled) = self.scheduler.next_event(&mut self.stream) {
            self.synth.render(&mut block[done..scheduled.frame]);
            done = scheduled.frame;
            let source = scheduled.source;
            let mut sounding = 0;
            let got = match scheduled.event {
                Event::Message(message) => {
                    self.synth.handle(source, message);
                    Got::Msg(message)
                }
                Event::SysEx(bytes) => {
                    self.synth.sysex(bytes);
                    Got::sysex(bytes)
                }
                Event::Lost { .. } | Event::Ended => {
                    // Messages of this source were lost here, maybe Note
                    // Offs, or it ended (an input closed): end the notes it
                    // started (sustained ones too).
                    sounding = self.synth.notes_on(source);
                    self.synth.release_source(source);
                    match scheduled.event {
                        Event::Lost { count } => Got::Lost(count),
                        _ => Got::Ended,
                    }
                }
                // A MIDI 1.0 stream delivers no packets.
                Event::Ump(_) | Event::SysEx7 { .. } | Event::SysEx8 { .. } => continue,
            };
            if self.heard.len() < self.heard.capacity() {
                self.heard.push(Heard {
                    source,
                    got,
                    stamp_us: scheduled.time,
                    frame: index * BLOCK_FRAMES + scheduled.frame,
                    sounding,
                });
            }
        }
        self.synth.render(&mut block[done..]);
    }
}

/// What a source did: which of its items it sent (the others were lost for
/// lack of room), and its statistics.
struct Sent {
    items: Script,
    accepted: Vec<bool>,
    stats: SourceStats,
    /// The source was dropped while the audio still ran: its end must
    /// come last.
    ended: bool,
}

/// Sends `item`, stamped `stamp_us`, as a MIDI input callback would.
fn send(source: &mut StreamSource, item: &Outgoing, stamp_us: u64) -> bool {
    match item {
        Outgoing::Message(message) => source.try_send_at(*message, stamp_us),
        Outgoing::Bytes(bytes) => source.try_send_bytes_at(bytes, stamp_us).is_ok(),
    }
}

/// A whole run, for the report.
struct Run {
    samples: Vec<f32>,
    sources: [Sent; 2],
    heard: Vec<Heard>,
    callbacks: Vec<(usize, u64)>,
    missed_block: usize,
    stats: SchedulerStats,
    notes_on_at_end: usize,
    /// Where an event stamped `t` belongs: frame `(t - origin_us) / us_per_frame`
    /// of the output, before latency.
    origin_us: u64,
    us_per_frame: f64,
}

/// The two sources' items and the length of the output, in frames.
fn program() -> Result<([Script; 2], usize), Box<dyn Error>> {
    let items = [music::phrase()?, music::keyboard()?];
    let last = items.iter().flatten().map(|(at, _)| *at).max();
    let length = last.unwrap_or(Duration::ZERO) + TAIL;
    Ok((
        items,
        (length.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize,
    ))
}

/// The default run: a simulated card calls the audio callback; before each
/// callback, the simulated inputs send what has arrived by then, in the
/// order it arrived. One thread, the same every time.
fn simulated() -> Result<Run, Box<dyn Error>> {
    let (items, frames) = program()?;
    let blocks = frames.div_ceil(BLOCK_FRAMES);
    let mut rng = sim::Rng::new(SIM_SEED);
    let missed_from = (MISSED_AT.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize / BLOCK_FRAMES;
    // The card's crystal 60 ppm fast against the system clock.
    let card = sim::Card::draw(
        &mut rng,
        SIM_START_US,
        f64::from(SAMPLE_RATE),
        -60.0,
        BLOCK_FRAMES,
        blocks,
        missed_from,
    );
    let arrivals = items
        .each_ref()
        .map(|items| sim::arrivals(&mut rng, SIM_START_US, items));
    println!(
        "simulated run (seed {SIM_SEED:#x}): sound card at {SAMPLE_RATE} Hz, {BLOCK_FRAMES}-frame blocks, \
         its clock 60 ppm fast; callbacks wake 30-150 us late, 1 in 25 up to 1.5 ms; block {} missed",
        card.missed_block
    );

    let (mut sources, stream) = MidiStream::builder()
        .capacity(CAPACITY)
        .sysex_bytes(SYSEX_BYTES)
        .build_merged::<2>();
    let mut audio = Audio::new(stream, blocks);
    let mut samples = vec![0.0f32; frames];
    let mut accepted: [Vec<bool>; 2] = Default::default();
    let mut send_until = |until_us: u64, accepted: &mut [Vec<bool>; 2]| loop {
        // The earliest arrival not sent yet (the lower source on a tie).
        let next = (0..2)
            .filter_map(|s| arrivals[s].get(accepted[s].len()).map(|&t| (t, s)))
            .min();
        match next {
            Some((t, s)) if t <= until_us => {
                let item = &items[s][accepted[s].len()].1;
                let ok = send(&mut sources[s], item, t);
                accepted[s].push(ok);
            }
            _ => break,
        }
    };
    for (index, block) in samples.chunks_mut(BLOCK_FRAMES).enumerate() {
        let Some(wake_us) = card.wakes_us[index] else {
            continue; // the missed callback: the card plays silence
        };
        send_until(wake_us, &mut accepted);
        audio.callback(index, wake_us, block);
    }
    send_until(u64::MAX, &mut accepted);
    let [phrase, keyboard] = items;
    let [phrase_ok, keyboard_ok] = accepted;
    let [phrase_stats, keyboard_stats] = sources.each_ref().map(StreamSource::stats);
    let sent = [
        Sent {
            items: phrase,
            accepted: phrase_ok,
            stats: phrase_stats,
            ended: false,
        },
        Sent {
            items: keyboard,
            accepted: keyboard_ok,
            stats: keyboard_stats,
            ended: false,
        },
    ];
    Ok(finish(
        audio,
        samples,
        sent,
        card.missed_block,
        card.origin_us,
        card.us_per_frame,
    ))
}

/// The run's result, once the audio has stopped.
fn finish(
    audio: Audio,
    samples: Vec<f32>,
    sources: [Sent; 2],
    missed_block: usize,
    origin_us: u64,
    us_per_frame: f64,
) -> Run {
    let notes_on_at_end = (0..2).map(|s| audio.synth.notes_on(s)).sum();
    Run {
        samples,
        sources,
        heard: audio.heard,
        callbacks: audio.callbacks,
        missed_block,
        stats: audio.scheduler.stats(),
        notes_on_at_end,
        origin_us,
        us_per_frame,
    }
}

/// `--realtime`: each source in a thread of its own, sending each item when
/// its time comes on the real clock, stamped with a shared [`MidiClock`];
/// the audio thread paced like a sound card, missing one callback.
fn realtime() -> Result<Run, Box<dyn Error>> {
    let (items, frames) = program()?;
    let blocks = frames.div_ceil(BLOCK_FRAMES);
    println!(
        "real-time run: two source threads and an audio thread on the real clock, \
         {BLOCK_FRAMES}-frame blocks at {SAMPLE_RATE} Hz"
    );
    let ([phrase_source, keyboard_source], stream) = MidiStream::builder()
        .capacity(CAPACITY)
        .sysex_bytes(SYSEX_BYTES)
        .build_merged();
    let clock = MidiClock::new();
    let start = Instant::now() + Duration::from_millis(20);
    let [phrase, keyboard] = items;
    let phrase_thread = thread::spawn(move || play(phrase, phrase_source, clock, start));
    let keyboard_thread = thread::spawn(move || play(keyboard, keyboard_source, clock, start));
    let audio = thread::spawn(move || {
        let mut audio = Audio::new(stream, blocks);
        let mut samples = vec![0.0f32; frames];
        let block_time = Duration::from_secs_f64(BLOCK_FRAMES as f64 / f64::from(SAMPLE_RATE));
        let missed = (MISSED_AT.as_secs_f64() / block_time.as_secs_f64()) as usize;
        for (index, block) in samples.chunks_mut(BLOCK_FRAMES).enumerate() {
            // A sound card asks for block n when block n - 1 has been played.
            if let Some(wait) =
                (start + block_time * index as u32).checked_duration_since(Instant::now())
            {
                thread::sleep(wait);
            }
            if index != missed {
                audio.callback(index, clock.now_us(), block);
            }
        }
        (audio, samples, missed)
    });
    let sent = [
        phrase_thread.join().expect("phrase thread panicked"),
        keyboard_thread.join().expect("keyboard thread panicked"),
    ];
    let (audio, samples, missed) = audio.join().expect("audio thread panicked");
    let origin_us = audio.callbacks.first().map_or(0, |&(_, t)| t);
    Ok(finish(
        audio,
        samples,
        sent,
        missed,
        origin_us,
        1e6 / f64::from(SAMPLE_RATE),
    ))
}

/// A source's thread: sends each item when its time comes, stamped with
/// the moment it is sent, like a MIDI input callback.
fn play(items: Script, mut source: StreamSource, clock: MidiClock, start: Instant) -> Sent {
    let mut accepted = Vec::with_capacity(items.len());
    for (at, item) in &items {
        if let Some(wait) = (start + *at).checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        accepted.push(send(&mut source, item, clock.now_us()));
    }
    // Dropped here, its end is reported in the stream after all it sent.
    Sent {
        items,
        accepted,
        stats: source.stats(),
        ended: true,
    }
}

#[cfg(test)]
mod tests {
    /// The default run is the same every time: the same report, the same
    /// WAV to the byte, and it passes.
    #[test]
    fn two_simulated_runs_report_the_same_and_write_the_same_wav() {
        let report = |run: &super::Run| {
            let mut text = String::new();
            let failures = super::report::verdict(run, true, true, &mut text).unwrap();
            (text, failures)
        };
        let (one, two) = (super::simulated().unwrap(), super::simulated().unwrap());
        let ((text_one, failures), (text_two, _)) = (report(&one), report(&two));
        assert!(failures.is_empty(), "{failures:?}\n{text_one}");
        assert_eq!(text_one, text_two);
        assert!(
            text_one.contains("loss: 58 messages of the keyboard"),
            "{text_one}"
        );
        let wav = |run: &super::Run| super::synth::wav_bytes(super::SAMPLE_RATE, &run.samples);
        assert!(wav(&one) == wav(&two), "the WAVs differ");
        assert!(one.samples.iter().any(|&s| s != 0.0));
    }
}
