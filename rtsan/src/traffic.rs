//! What the producer threads send, and what the audio side counts of it.
//!
//! Producers are not real-time: they allocate (the SysEx they build), sleep
//! and retry as they like. Each sends everything a source of its kind can
//! for a while, in bursts that overflow the stream (losses), then drops its
//! source. The audio side records what it takes in a [`Tally`] (inside the
//! region: counting allocates nothing), which the test checks afterwards:
//! every kind of event came through, SysEx bytes intact, each source's
//! events in order, every loss reported.

use std::thread;
use std::time::{Duration, Instant};

use bbx_midi::parser::MidiParser;
use bbx_midi::ump::{
    Midi1ChannelVoice, Midi2ChannelVoice, SysEx7Packets, SysEx8, SysExStatus, SystemMessage, Ump,
    Utility,
};
use bbx_midi::{Event, MidiClock, MidiMessage, SendError, SourceStats, StreamSource};

use crate::audio::Gate;

/// How a SysEx was sent, carried in its second data byte so that the audio
/// side can count each way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Way {
    /// Whole, in one call of `try_send_bytes_at`.
    Whole = 1,
    /// In three pieces, a clock byte inside the second.
    Pieces = 2,
    /// Through a `MidiParser` (`try_send_parsed_at`), in chunks.
    Parser = 3,
    /// As SysEx7 packets (`try_send_ump_at`).
    Packets = 4,
    /// Whole, by a producer that retries (`try_push_bytes_at`).
    Pushed = 5,
    /// As SysEx8 packets, 8-bit data (MIDI 2.0 streams only).
    Eight = 6,
}

impl Way {
    /// Every way, by its number minus one.
    pub const ALL: [Self; 6] = [
        Self::Whole,
        Self::Pieces,
        Self::Parser,
        Self::Packets,
        Self::Pushed,
        Self::Eight,
    ];
}

/// Manufacturer ID 0x7D (non-commercial), the first data byte of every
/// SysEx sent here.
const ID: u8 = 0x7D;

/// The data of SysEx number `seq` sent `way`, `len` bytes in all (at least
/// 3): the ID, the way, then a pattern the audio side checks. 7-bit but
/// for [`Way::Eight`], whose pattern uses the top bit.
pub fn sysex_data(way: Way, seq: u32, len: usize) -> Vec<u8> {
    let mut data = vec![ID, way as u8];
    data.extend((0..len.saturating_sub(2)).map(|i| pattern(way, seq, i)));
    data
}

/// A whole MIDI 1.0 SysEx, `0xF0` … `0xF7`, around [`sysex_data`].
pub fn sysex_bytes(way: Way, seq: u32, len: usize) -> Vec<u8> {
    let mut bytes = vec![0xF0];
    bytes.extend(sysex_data(way, seq, len.saturating_sub(2)));
    bytes.push(0xF7);
    bytes
}

/// Byte `i` of the pattern: the first is the sequence number (7 bits).
fn pattern(way: Way, seq: u32, i: usize) -> u8 {
    let byte = if i == 0 {
        seq as u8
    } else {
        (seq as usize).wrapping_add(i * 7) as u8
    };
    if way == Way::Eight {
        byte | 0x80
    } else {
        byte & 0x7F
    }
}

/// The way of an intact SysEx's data (no `0xF0`/`0xF7`), or `None` if a
/// byte is not where the pattern puts it. Allocates nothing.
pub fn check_sysex(data: &[u8]) -> Option<Way> {
    let [ID, way, body @ ..] = data else {
        return None;
    };
    let way = *Way::ALL.get(usize::from(*way).checked_sub(1)?)?;
    // The first byte of the pattern keeps the sequence number's low 7
    // bits, all the rest of the pattern depends on.
    let seq = u32::from(body.first()? & 0x7F);
    body.iter()
        .enumerate()
        .all(|(i, &byte)| byte == pattern(way, seq, i))
        .then_some(way)
}

/// What the audio side took, counted inside the region.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// MIDI 1.0 short messages (`Event::Message`, `MidiEvent`s).
    pub messages: u64,
    /// Timing clocks among them (the ones inside SysEx pieces included).
    pub clocks: u64,
    /// Universal MIDI Packets (`Event::Ump`).
    pub packets: u64,
    /// Intact SysEx by way (index `way - 1`), any event kind.
    pub sysex: [u64; 6],
    /// MIDI 1.0 SysEx (`Event::SysEx`).
    pub sysex1: u64,
    /// SysEx7 (`Event::SysEx7`).
    pub sysex7: u64,
    /// SysEx8 (`Event::SysEx8`).
    pub sysex8: u64,
    /// Loss reports (`Event::Lost`).
    pub loss_reports: u64,
    /// Messages they counted.
    pub lost: usize,
    /// Sources' ends (each producer drops its source when it is done).
    pub ends: u64,
    /// SysEx whose bytes were not the ones sent.
    pub damaged: u64,
    /// Events stamped earlier than the one before them from their source.
    pub out_of_order: u64,
    /// Answers of the stream's queries that contradicted what it is
    /// (`sources`, `protocol`).
    pub inconsistent: u64,
    /// Times `peek_time` saw an event and the `try_recv` right after it
    /// took none. A source's trailing loss report (losses with nothing
    /// sent after them) can seem to vanish for a moment when the source
    /// sends again meanwhile; it comes back as a loss entry. Printed, not
    /// failed: a matter of the stream's consistency, not of real-time
    /// safety.
    pub vanished: u64,
    /// The last time of each source's events.
    last_time: [Option<u32>; 8],
}

impl Tally {
    /// Records one event of `source`, stamped `time`.
    pub fn record(&mut self, source: usize, time: u32, event: &Event<'_>) {
        if let Some(last) = self.last_time.get_mut(source) {
            if last.is_some_and(|last| (time.wrapping_sub(last) as i32) < 0) {
                self.out_of_order += 1;
            }
            *last = Some(time);
        }
        self.record_unsourced(event);
    }

    /// Records an event whose source is unknown (`MidiStream::pop_into`
    /// gives none): counted, its order not checked (the stream merges
    /// sources by their stamps, and a stamp can arrive late).
    pub fn record_unsourced(&mut self, event: &Event<'_>) {
        match *event {
            Event::Message(message) => {
                self.messages += 1;
                self.clocks += u64::from(message == MidiMessage::TIMING_CLOCK);
            }
            Event::Ump(packet) => {
                // What a MIDI 2.0 synthesizer does first: the typed view.
                std::hint::black_box(packet.message());
                self.packets += 1;
            }
            Event::SysEx(bytes) => {
                self.sysex1 += 1;
                match bytes {
                    [0xF0, data @ .., 0xF7] => self.sysex_data(data),
                    _ => self.damaged += 1,
                }
            }
            Event::SysEx7 { data, .. } => {
                self.sysex7 += 1;
                self.sysex_data(data);
            }
            Event::SysEx8 { data, .. } => {
                self.sysex8 += 1;
                self.sysex_data(data);
            }
            Event::Lost { count } => {
                self.loss_reports += 1;
                self.lost += count;
            }
            Event::Ended => self.ends += 1,
        }
    }

    fn sysex_data(&mut self, data: &[u8]) {
        match check_sysex(data) {
            Some(way) => self.sysex[way as usize - 1] += 1,
            None => self.damaged += 1,
        }
    }

    /// Intact SysEx that came `way`.
    pub fn sysex_sent(&self, way: Way) -> u64 {
        self.sysex[way as usize - 1]
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} messages ({} clocks), {} packets; SysEx: {} MIDI 1.0, {} SysEx7, {} SysEx8, by way",
            self.messages, self.clocks, self.packets, self.sysex1, self.sysex7, self.sysex8
        )?;
        for way in Way::ALL {
            write!(f, " {way:?} {}", self.sysex_sent(way))?;
        }
        write!(
            f,
            "; {} loss reports ({} messages); {} damaged, {} out of order, {} inconsistent",
            self.loss_reports, self.lost, self.damaged, self.out_of_order, self.inconsistent
        )
    }
}

/// What a producer did, returned when its source is dropped.
#[derive(Clone, Copy, Debug)]
pub struct Sent {
    /// The source's index.
    pub index: usize,
    /// Messages it lost (`StreamSource::dropped`).
    pub dropped: usize,
    /// Its statistics.
    pub stats: SourceStats,
}

/// How a producer sends.
#[derive(Clone, Copy, Debug)]
pub struct Plan<'a> {
    /// Opened by the audio thread after its warm-up.
    pub gate: &'a Gate,
    /// The clock every thread stamps with (the scheduler's too).
    pub clock: MidiClock,
    /// How long to send, from when the gate opens.
    pub run_for: Duration,
    /// The pause after every 16 items.
    pub pause: Duration,
}

/// Sends for `plan.run_for`: `send(source, item, time)` for items 0, 1,
/// 2…, pausing `plan.pause` every 16 items, and every 512 items sending
/// three times the source's capacity more without a pause (the source
/// overflows: losses).
fn produce(
    mut source: StreamSource,
    plan: Plan<'_>,
    mut send: impl FnMut(&mut StreamSource, u32, u64),
) -> Sent {
    if plan.gate.wait_open() {
        let start = Instant::now();
        let mut item = 0u32;
        let burst = 3 * source.capacity() as u32;
        while start.elapsed() < plan.run_for && !plan.gate.aborted() {
            send(&mut source, item, plan.clock.now_us());
            item = item.wrapping_add(1);
            if item % 512 == 0 {
                for _ in 0..burst {
                    send(&mut source, item, plan.clock.now_us());
                    item = item.wrapping_add(1);
                }
            } else if item % 16 == 0 {
                thread::sleep(plan.pause);
            }
        }
    }
    Sent {
        index: source.index(),
        dropped: source.dropped(),
        stats: source.stats(),
    }
}

/// The length of SysEx number `i`: 8 to 2007 bytes, and for one item in
/// eight of every 64, 4 to 16 KiB: SysEx that reach past the first page
/// of the stream's buffers.
fn sysex_len(i: u32) -> usize {
    let i = i as usize;
    if (i / 8) % 8 == 1 {
        4096 + (i * 13) % 12288
    } else {
        8 + (i * 13) % 2000
    }
}

/// A keyboard or sequencer: typed messages (`try_send_at`, and
/// `try_push_at` retrying), every channel-voice kind and clocks, and a few
/// losses reported by hand (`add_dropped_at`).
pub fn keyboard(source: StreamSource, plan: Plan<'_>) -> Sent {
    produce(source, plan, |source, i, t| {
        let channel = (i % 16) as u8;
        let low = (i % 128) as u8;
        let message = match i % 9 {
            0 => MidiMessage::note_on(channel, 36 + (i % 48) as u8, 1 + (i % 127) as u8),
            1 => MidiMessage::note_off(channel, 36 + (i % 48) as u8, 0),
            2 => MidiMessage::control_change(channel, (i % 120) as u8, low),
            3 => MidiMessage::pitch_bend_change(channel, (i % 16384) as u16),
            4 => MidiMessage::program_change(channel, low),
            5 => MidiMessage::channel_pressure(channel, low),
            6 => MidiMessage::poly_pressure(channel, low, low),
            _ => Ok(MidiMessage::TIMING_CLOCK),
        }
        .expect("a valid message");
        if i % 10 == 0 {
            plan.gate.retry(|| source.try_push_at(message, t).is_ok());
        } else {
            source.try_send_at(message, t);
        }
        if i % 97 == 0 {
            source.add_dropped_at(2, t);
        }
    })
}

/// A `midir` port: bytes (`try_send_bytes_at`, `try_push_bytes_at`):
/// short messages, SysEx whole and in pieces with a clock byte inside,
/// SysEx cut off by a note and too large for the stream.
pub fn port(source: StreamSource, plan: Plan<'_>) -> Sent {
    let too_large = sysex_bytes(Way::Whole, 0, source.sysex_capacity() + 1);
    produce(source, plan, move |source, i, t| {
        let len = sysex_len(i);
        let _ = match i % 8 {
            0..=2 => source.try_send_bytes_at(&[0x90 | (i % 16) as u8, (i % 128) as u8, 1], t),
            3 => source.try_send_bytes_at(&sysex_bytes(Way::Whole, i, len), t),
            4 => {
                let bytes = sysex_bytes(Way::Pieces, i, len);
                let (first, rest) = bytes.split_at(3);
                let (second, third) = rest.split_at(rest.len() / 2);
                let mut second = second.to_vec();
                second.insert(1, 0xF8);
                let _ = source.try_send_bytes_at(first, t);
                let _ = source.try_send_bytes_at(&second, t);
                source.try_send_bytes_at(third, t)
            }
            5 => {
                // Cut off by a Note On: the SysEx is lost, its last piece
                // refused (SysExLost).
                let bytes = sysex_bytes(Way::Whole, i, len);
                let (first, rest) = bytes.split_at(4);
                let _ = source.try_send_bytes_at(first, t);
                let _ = source.try_send_bytes_at(&[0x91, 60, 100], t);
                source.try_send_bytes_at(rest, t)
            }
            6 => source.try_send_bytes_at(&too_large, t),
            _ => {
                let bytes = sysex_bytes(Way::Pushed, i, len);
                let mut result = Ok(());
                plan.gate.retry(|| {
                    result = source.try_push_bytes_at(&bytes, t);
                    result != Err(SendError::Full)
                });
                result
            }
        };
    })
}

/// A serial or BLE input: a raw byte stream through a `MidiParser`
/// (`try_send_parsed_at`): running status, real-time bytes between data
/// bytes, SysEx longer than the parser's chunks, now and then one cut off
/// by a status byte.
pub fn serial(source: StreamSource, plan: Plan<'_>) -> Sent {
    let mut parser = MidiParser::<16>::new();
    produce(source, plan, move |source, i, t| {
        let note = (i % 128) as u8;
        let bytes = match i % 4 {
            // Running status, an Active Sensing between two data bytes.
            0 => vec![0x92, note, 64, note ^ 1, 0xFE, 64, note ^ 2, 0],
            1 => vec![0xB3, 7, note, 0xC3, note],
            2 => sysex_bytes(Way::Parser, i, 20 + sysex_len(i)),
            // A SysEx cut off by a Note Off: lost.
            _ => vec![0xF0, ID, Way::Parser as u8, 1, 2, 3, 0x83, note, 0],
        };
        parser.parse(&bytes, |parsed| {
            let _ = source.try_send_parsed_at(parsed, t);
        });
    })
}

/// A MIDI 2.0 device: Universal MIDI Packets (`try_send_ump_at`, and
/// `try_push_ump_at` retrying): MIDI 2.0 and MIDI 1.0 channel voice,
/// system, utility, SysEx7 and SysEx8 in several packets each.
pub fn ump_device(source: StreamSource, plan: Plan<'_>) -> Sent {
    produce(source, plan, move |source, i, t| {
        let channel = (i % 16) as u8;
        let note = (i % 128) as u8;
        let len = sysex_len(i);
        let one =
            |packet: Result<Ump, bbx_midi::ump::UmpError>| vec![packet.expect("a valid packet")];
        let packets = match i % 8 {
            0 => one(
                Midi2ChannelVoice::note_on(0, channel, note, 0x8000 | i as u16, 0, 0)
                    .map(|p| p.packet()),
            ),
            1 => one(Midi2ChannelVoice::note_off(0, channel, note, 0, 0, 0).map(|p| p.packet())),
            2 => one(
                Midi2ChannelVoice::control_change(0, channel, (i % 120) as u8, i)
                    .map(|p| p.packet()),
            ),
            3 => {
                let program = MidiMessage::program_change(channel, note).expect("a valid message");
                one(Midi1ChannelVoice::new(0, program).map(|p| p.packet()))
            }
            4 => one(SystemMessage::new(0, MidiMessage::TIMING_CLOCK).map(|p| p.packet())),
            5 => vec![Utility::noop().packet()],
            6 => SysEx7Packets::new(&sysex_bytes(Way::Packets, i, len), 0)
                .expect("a valid SysEx")
                .collect(),
            _ => {
                let data = sysex_data(Way::Eight, i, len);
                let chunks: Vec<&[u8]> = data.chunks(13).collect();
                let last = chunks.len() - 1;
                chunks
                    .iter()
                    .enumerate()
                    .map(|(n, chunk)| {
                        let status = match (n, last) {
                            (_, 0) => SysExStatus::Complete,
                            (0, _) => SysExStatus::Start,
                            (n, last) if n == last => SysExStatus::End,
                            _ => SysExStatus::Continue,
                        };
                        SysEx8::new(0, status, 5, chunk)
                            .expect("a valid packet")
                            .packet()
                    })
                    .collect()
            }
        };
        for packet in packets {
            if i % 10 == 0 {
                plan.gate
                    .retry(|| source.try_push_ump_at(packet, t) != Err(SendError::Full));
            } else {
                let _ = source.try_send_ump_at(packet, t);
            }
        }
    })
}
