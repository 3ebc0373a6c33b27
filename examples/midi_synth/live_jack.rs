//! Live through a JACK server (also PipeWire's JACK layer): one client,
//! `bbx_midi_synth`, with a MIDI input port, a MIDI output port and two
//! audio outputs, all in one process callback on JACK's frame clock. Each
//! event plays at its frame a fixed latency after it arrived; each note is
//! echoed to `midi_out` at the frame it plays, in the cycle it plays in;
//! when a sender disconnects, the port's source ends and its notes are
//! released, and whoever connects next comes as a new source.

use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bbx_midi::io::jack::{FrameClock, JackMidiIn, JackMidiOut, JackMidiWatch};
use bbx_midi::{BlockScheduler, MidiStream, StreamSource};
use jack::{AudioOut, Client, ClientOptions, Control, Port, ProcessScope};

use super::Options;
use super::live::{Outcome, play_event, wait};
use super::synth::Synth;

pub const CLIENT: &str = "bbx_midi_synth";

/// What the callback counted, for the summary: atomics, never waited on.
#[derive(Default)]
struct Counters {
    events: AtomicU64,
    xruns: AtomicU64,
}

struct Process {
    midi_in: JackMidiIn,
    midi_out: JackMidiOut,
    audio: [Port<AudioOut>; 2],
    clock: FrameClock,
    scheduler: BlockScheduler,
    stream: MidiStream,
    synth: Synth,
    echo: StreamSource,
    echoes: MidiStream,
    counters: Arc<Counters>,
}

impl jack::ProcessHandler for Process {
    fn process(&mut self, _: &Client, scope: &ProcessScope) -> Control {
        // The audio callback: no waiting, no allocation.
        self.midi_in.read(scope);
        let frames = scope.n_frames() as usize;
        // What arrives in a cycle is stamped with its frames there and
        // plays at the same frames of the next: one cycle of latency.
        let latency = self.clock.to_us(frames as u64) as u32;
        if latency != self.scheduler.latency_us() {
            self.scheduler.set_latency_us(latency);
        }
        self.scheduler
            .begin_block(self.clock.cycle_start_us(scope), frames);
        let [left, right] = &mut self.audio;
        let out = left.as_mut_slice(scope);
        out.fill(0.0);
        let mut done = 0;
        while let Some(event) = self.scheduler.next_event(&mut self.stream) {
            self.synth.render(&mut out[done..event.frame]);
            done = event.frame;
            let at = self.scheduler.time_at(event.frame);
            play_event(
                &mut self.synth,
                &mut self.echo,
                event.source,
                event.event,
                at,
            );
            self.counters.events.fetch_add(1, Ordering::Relaxed);
        }
        self.synth.render(&mut out[done..]);
        right.as_mut_slice(scope).copy_from_slice(out);
        // The echoes of this cycle, each at its frame.
        self.midi_out.write(&mut self.echoes, scope);
        Control::Continue
    }
}

struct Notify {
    /// JACK asks for a `Sync` handler; only its notification thread uses
    /// it, so the lock is never contended.
    watch: Mutex<JackMidiWatch>,
    counters: Arc<Counters>,
}

impl jack::NotificationHandler for Notify {
    fn ports_connected(
        &mut self,
        client: &Client,
        a: jack::PortId,
        b: jack::PortId,
        connected: bool,
    ) {
        let mut watch = self.watch.lock().unwrap_or_else(PoisonError::into_inner);
        if watch.ports_connected(client, a, b, connected) {
            println!(
                "jack: a sender left {}; its source ended, its notes released",
                watch.port_name()
            );
        }
    }

    fn xrun(&mut self, _: &Client) -> Control {
        self.counters.xruns.fetch_add(1, Ordering::Relaxed);
        Control::Continue
    }
}

pub fn run(options: &Options) -> Result<Outcome, Box<dyn Error>> {
    let client = match Client::new(CLIENT, ClientOptions::NO_START_SERVER) {
        Ok((client, _)) => client,
        Err(err) => return Ok(Outcome::NoAudio(format!("no JACK server ({err})"))),
    };
    let rate = client.sample_rate();
    let (first, mut stream) = MidiStream::builder()
        .capacity(1024)
        .sysex_bytes(64 * 1024)
        .max_sources(8)
        .build();
    let adder = stream.adder().expect("a new stream has its adder");
    let (midi_in, watch) = JackMidiIn::register_watched(&client, "midi_in", first, adder)?;
    let midi_out = JackMidiOut::register(&client, "midi_out")?;
    let audio = [
        client.register_port("out_0", AudioOut::default())?,
        client.register_port("out_1", AudioOut::default())?,
    ];
    let (echo, echoes) = MidiStream::builder().capacity(4096).build();
    let counters = Arc::new(Counters::default());
    let synth = if options.percussive {
        Synth::percussive(f64::from(rate))
    } else {
        Synth::new(f64::from(rate))
    };
    let process = Process {
        midi_in,
        midi_out,
        audio,
        clock: FrameClock::new(rate),
        scheduler: BlockScheduler::new(f64::from(rate), 0),
        stream,
        synth,
        echo,
        echoes,
        counters: Arc::clone(&counters),
    };
    let notify = Notify {
        watch: Mutex::new(watch),
        counters: Arc::clone(&counters),
    };
    let active = client.activate_async(notify, process)?;
    let jack = active.as_client();
    for (ours, theirs) in [
        ("out_0", "system:playback_1"),
        ("out_1", "system:playback_2"),
    ] {
        // A server without playback ports (a test's) is fine.
        let _ = jack.connect_ports_by_name(&format!("{CLIENT}:{ours}"), theirs);
    }
    if let Some(sender) = options.port.as_deref() {
        jack.connect_ports_by_name(sender, &format!("{CLIENT}:midi_in"))
            .map_err(|e| format!("cannot connect {sender:?} to {CLIENT}:midi_in: {e}"))?;
    }
    println!(
        "jack: {CLIENT}:midi_in, {CLIENT}:midi_out (every note echoed at its frame), {CLIENT}:out_0/1, {rate} Hz"
    );
    wait(options)?;
    let (_, notify, process) = active.deactivate()?;
    let stats = process.midi_out.stats();
    println!(
        "jack: {} events played, {} sources ended, {} xruns; MIDI out: {} written, {} late, {} lost, {} refused; MIDI in: {} refused",
        counters.events.load(Ordering::Relaxed),
        notify
            .watch
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .ends(),
        counters.xruns.load(Ordering::Relaxed),
        stats.written,
        stats.late,
        stats.lost,
        stats.refused,
        process.midi_in.refused(),
    );
    let lost = process.stream.lost();
    if lost > 0 {
        println!("MIDI in: {lost} messages lost, each reported in place");
    }
    Ok(Outcome::Played)
}
