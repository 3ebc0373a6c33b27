//! Live mode through a JACK server (`--features live-jack`): MIDI from a
//! JACK MIDI port, stamped on JACK's clock to the frame, and a watch that
//! releases every note when a sender goes away.
//!
//! Why not only `midir`: its JACK backend stamps every event of a period
//! with `jack_get_time()` at the moment its process callback runs, dropping
//! the event's frame offset inside the period (and it allocates there). So
//! notes a few frames apart in one period get one stamp. `--midir` still
//! takes that path, to measure what it costs.
//!
//! The default is a JACK client of our own, on JACK's frame clock: an
//! event's stamp is its frame (the cycle's first frame plus its offset),
//! and the audio callback's block time is its cycle's first frame, both
//! turned into microseconds at the nominal rate. JACK's microsecond times
//! would do too, but JACK re-anchors them to the system clock after a late
//! cycle (an xrun), which moves events queued across it by as much as the
//! cycle was late; frames never move.

use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};

use jack::jack_sys;
use std::sync::{Arc, Mutex};

use bbx_midi::{MidiMessage, StreamSource};

/// Client names, so that a script (and a person with a patchbay) finds the
/// ports.
pub const MIDI_CLIENT: &str = "bbx_midi_synth";
pub const MIDI_PORT: &str = "midi_in";

/// What the JACK side saw, for the summary.
#[derive(Default)]
pub struct Counters {
    /// MIDI events read from the port.
    pub events: AtomicU64,
    /// Of those, refused by the stream (full, or not MIDI).
    pub refused: AtomicU64,
    /// Xruns the server reported to our client.
    pub xruns: AtomicU64,
    /// Times a sender went away and every note was released.
    pub releases: AtomicU64,
}

/// Our JACK MIDI input: the process callback is the MIDI thread.
pub struct Input {
    port: jack::Port<jack::MidiIn>,
    source: StreamSource,
    clock: Nominal,
    counters: Arc<Counters>,
}

impl jack::ProcessHandler for Input {
    fn process(&mut self, _: &jack::Client, scope: &jack::ProcessScope) -> jack::Control {
        let cycle_start = scope.last_frame_time();
        for event in self.port.iter(scope) {
            let stamp = self
                .clock
                .frames_to_us(cycle_start.wrapping_add(event.time));
            self.counters.events.fetch_add(1, Ordering::Relaxed);
            // A full source reports the loss in the stream itself.
            if self.source.try_send_bytes_at(event.bytes, stamp).is_err() {
                self.counters.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
        jack::Control::Continue
    }
}

/// JACK's frame clock in microseconds at the nominal rate: the clock both
/// our MIDI port and the audio callback stamp with.
///
/// The frame counter wraps after 2³² frames (about 25 hours at 48 kHz);
/// the scheduler then sees its clock jump once, like a missed callback.
#[derive(Clone, Copy)]
struct Nominal {
    us_per_frame: f64,
}

impl Nominal {
    fn frames_to_us(self, frames: jack::Frames) -> u64 {
        (f64::from(frames) * self.us_per_frame).round() as u64
    }
}

/// The audio callback's side of the frame clock: the first frame of the
/// cycle being processed. Holds the MIDI client open while it lives.
pub struct FrameClock {
    client: Arc<jack::AsyncClient<Watch, Input>>,
    clock: Nominal,
}

impl FrameClock {
    /// When the current cycle's block begins, on the stamps' clock. Call it
    /// from a JACK process callback (`cpal`'s): it reads the frame timer of
    /// the cycle under way. Wait-free: a read of the server's shared state.
    pub fn cycle_start_us(&self) -> u64 {
        // `jack_last_frame_time` only reads. JACK documents it for "the
        // process callback": this is another client's (cpal's) in the same
        // cycle, and JACK2 answers from the engine's shared frame timer
        // whichever client asks. Not checked on other JACK implementations
        // (PipeWire's).
        let client = self.client.as_client().raw();
        // SAFETY: `client` is our MIDI client's pointer, open while
        // `self.client` (an `Arc`) holds it; the call only reads (above).
        let frames = unsafe { jack_sys::jack_last_frame_time(client) };
        self.clock.frames_to_us(frames)
    }
}

/// Releases every note when a connection to the watched port goes away:
/// a sender that quits or is unplugged mid-note leaves no note hanging.
/// Runs on JACK's notification thread (not real-time), with its own
/// source, so its release comes after everything the port delivered.
pub struct Watch {
    port_name: String,
    /// The clock the port's messages are stamped with, for the release to
    /// come after them.
    clock: WatchClock,
    /// Only this thread sends; the lock is never contended.
    source: Mutex<StreamSource>,
    counters: Arc<Counters>,
}

impl jack::NotificationHandler for Watch {
    fn ports_connected(
        &mut self,
        client: &jack::Client,
        a: jack::PortId,
        b: jack::PortId,
        are_connected: bool,
    ) {
        if are_connected {
            return;
        }
        let ours = [a, b].into_iter().any(|id| {
            client
                .port_by_id(id)
                .and_then(|port| port.name().ok())
                .is_some_and(|name| name == self.port_name)
        });
        if ours {
            let now = match self.clock {
                WatchClock::Frames(nominal) => nominal.frames_to_us(client.frame_time()),
                WatchClock::Micros { settle } => {
                    // midir stamps a message when its callback runs, which
                    // on a loaded machine can be after this notification:
                    // let what was sent before the disconnection arrive
                    // first. Not a real-time thread; waiting is allowed.
                    std::thread::sleep(settle);
                    client.time()
                }
            };
            let mut source = self.source.lock().unwrap_or_else(|e| e.into_inner());
            for message in MidiMessage::release_all_notes() {
                // Retried: a release must not be lost (nothing else uses
                // this source, so room comes as the audio thread reads).
                let mut message = message;
                let mut tries = 0;
                while let Err(back) = source.try_push_at(message, now) {
                    message = back;
                    tries += 1;
                    if tries == 1_000 {
                        source.add_dropped_at(1, now);
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_micros(500));
                }
            }
            self.counters.releases.fetch_add(1, Ordering::Relaxed);
            println!(
                "jack: a sender left {}; every note released",
                self.port_name
            );
        }
    }

    fn xrun(&mut self, _: &jack::Client) -> jack::Control {
        self.counters.xruns.fetch_add(1, Ordering::Relaxed);
        jack::Control::Continue
    }
}

/// How the watch stamps its release.
#[derive(Clone, Copy)]
enum WatchClock {
    /// Our port's clock: JACK frames.
    Frames(Nominal),
    /// JACK's microseconds, as `midir` stamps, after `settle`.
    Micros { settle: std::time::Duration },
}

/// A running JACK client; dropping it closes it.
pub struct Client(#[allow(dead_code)] Active);

/// Kept only to be dropped.
#[allow(dead_code)]
enum Active {
    Input(Arc<jack::AsyncClient<Watch, Input>>),
    Watch(jack::AsyncClient<Watch, ()>),
}

fn new_client(name: &str) -> Result<jack::Client, Box<dyn Error>> {
    let (client, _status) = jack::Client::new(name, jack::ClientOptions::NO_START_SERVER)
        .map_err(|e| format!("no JACK server ({e})"))?;
    Ok(client)
}

/// Our MIDI input port, `bbx_midi_synth:midi_in`, with its watch and the
/// frame clock for the audio callback; connected to `connect_to` if given
/// (a port name, as `jack_lsp` lists them), else left for the user or a
/// script to connect.
pub fn open_input(
    connect_to: Option<&str>,
    source: StreamSource,
    watch: StreamSource,
    counters: Arc<Counters>,
) -> Result<(Client, FrameClock), Box<dyn Error>> {
    let client = new_client(MIDI_CLIENT)?;
    let port = client.register_port(MIDI_PORT, jack::MidiIn::default())?;
    let port_name = port.name()?;
    let clock = Nominal {
        us_per_frame: 1e6 / f64::from(client.sample_rate()),
    };
    let watch = Watch {
        port_name: port_name.clone(),
        clock: WatchClock::Frames(clock),
        source: Mutex::new(watch),
        counters: Arc::clone(&counters),
    };
    let input = Input {
        port,
        source,
        clock,
        counters,
    };
    let active = Arc::new(client.activate_async(watch, input)?);
    if let Some(sender) = connect_to {
        active
            .as_client()
            .connect_ports_by_name(sender, &port_name)
            .map_err(|e| format!("cannot connect {sender:?} to {port_name}: {e}"))?;
    }
    println!("MIDI input: JACK port {port_name} (on JACK's frame clock)");
    let frame_clock = FrameClock {
        client: Arc::clone(&active),
        clock,
    };
    Ok((Client(Active::Input(active)), frame_clock))
}

/// Only the watch, for a port someone else (`midir`) owns.
pub fn watch(
    port_name: &str,
    watch: StreamSource,
    counters: Arc<Counters>,
) -> Result<Client, Box<dyn Error>> {
    let client = new_client(&format!("{MIDI_CLIENT}_watch"))?;
    let watch = Watch {
        port_name: port_name.to_owned(),
        clock: WatchClock::Micros {
            settle: std::time::Duration::from_millis(100),
        },
        source: Mutex::new(watch),
        counters,
    };
    Ok(Client(Active::Watch(client.activate_async(watch, ())?)))
}
