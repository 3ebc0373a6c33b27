//! What the example prints and checks: where every event landed, whether
//! the stream delivered exactly what was sent, and the comparison of the
//! MIDI 1.0 and MIDI 2.0 paths.

use std::error::Error;
use std::fmt::Write;
use std::time::Duration;

use bbx_midi::{BlockScheduler, Event, MidiStream, Protocol};

use super::music::{self, Item, Outgoing};
use super::synth::Synth;
use super::{BLOCK_FRAMES, Got, Heard, Run, SAMPLE_RATE, SOURCE_NAMES, Sent, TAIL};

/// How much further from its frame than the notes before the missed
/// callback a note after it may land, in frames, in the simulation. The
/// scheduler takes the jump at the first callback after the gap and, at
/// the next, returns to the card's cycle when that callback only woke late.
const GAP_FRAMES: f64 = 2.0;

/// Prints the run's report and returns what is wrong with it: always what
/// is wrong with what was delivered; with `strict`, also timing worse than
/// the scheduler guarantees (a simulation has no excuse).
pub fn verdict(
    run: &Run,
    strict: bool,
    verbose: bool,
    out: &mut String,
) -> Result<Vec<String>, Box<dyn Error>> {
    for (index, (name, sent)) in SOURCE_NAMES.iter().zip(&run.sources).enumerate() {
        writeln!(
            out,
            "{name} (source {index}): {} sent, {} lost for lack of room; \
             at most {} of its {} messages' room and {} SysEx bytes waiting at once",
            sent.stats.sent,
            sent.stats.lost,
            sent.stats.peak_messages,
            super::CAPACITY,
            sent.stats.peak_sysex_bytes
        )?;
    }
    let stats = run.stats;
    writeln!(
        out,
        "audio: {} events in {} callbacks ({} played late, \
         {} misdated); timeline jumps taken: {}, late callbacks ridden out: {}",
        run.heard.len(),
        run.callbacks.len(),
        stats.late,
        stats.misdated,
        stats.resyncs,
        stats.spikes
    )?;
    let mut failures = delivered(run, out)?;
    let timing = timing(run, verbose, out)?;
    if strict {
        failures.extend(timing);
    }
    failures.extend(protocols(out)?);
    for failure in &failures {
        writeln!(out, "FAILED: {failure}")?;
    }
    Ok(failures)
}

/// What the stream must have delivered, in words: each source's events in
/// the order sent, each once, every loss reported where it happened and
/// exactly counted; events in the order of their frames; no note left on.
fn delivered(run: &Run, out: &mut String) -> Result<Vec<String>, std::fmt::Error> {
    let mut failures = Vec::new();
    for (index, (name, sent)) in SOURCE_NAMES.iter().zip(&run.sources).enumerate() {
        let got = merge_losses(
            run.heard
                .iter()
                .filter(|h| h.source == index)
                .map(|h| h.got),
        );
        let expected = expected(sent);
        if got != expected {
            let at = got
                .iter()
                .zip(&expected)
                .take_while(|(a, b)| a == b)
                .count();
            failures.push(format!(
                "the {name}'s events differ from what it sent, from event {at} on: \
                 received {:?}, expected {:?}",
                got.get(at),
                expected.get(at)
            ));
        }
    }
    if let Some(pair) = run.heard.windows(2).find(|p| p[1].frame < p[0].frame) {
        failures.push(format!(
            "an event came at frame {} after one at frame {}",
            pair[1].frame, pair[0].frame
        ));
    }
    if run.notes_on_at_end > 0 {
        failures.push(format!("{} notes still on at the end", run.notes_on_at_end));
    }
    let tail = &run.samples[run.samples.len().saturating_sub(SAMPLE_RATE as usize / 5)..];
    let tail_peak = tail.iter().fold(0f32, |m, s| m.max(s.abs()));
    writeln!(
        out,
        "at the end: {} notes on; the last 200 ms peak at {:.1} dBFS",
        run.notes_on_at_end,
        20.0 * f64::from(tail_peak).max(1e-10).log10()
    )?;
    if tail_peak > 1e-3 {
        failures.push(format!(
            "the last 200 ms are not silent (peak {tail_peak:.4})"
        ));
    }
    if run.samples.iter().all(|s| *s == 0.0) {
        failures.push("the synthesizer produced silence".into());
    }
    Ok(failures)
}

/// A source's items as the stream must deliver them: those it sent, in
/// order, and before the next one a loss for those it could not send.
fn expected(sent: &Sent) -> Vec<Got> {
    let mut expected = Vec::new();
    let mut lost = 0;
    for ((_, item), &accepted) in sent.items.iter().zip(&sent.accepted) {
        if !accepted {
            lost += 1;
            continue;
        }
        if lost > 0 {
            expected.push(Got::Lost(lost));
            lost = 0;
        }
        expected.push(Got::of(item));
    }
    if lost > 0 {
        expected.push(Got::Lost(lost));
    }
    if sent.ended {
        expected.push(Got::Ended);
    }
    expected
}

/// Adjacent loss reports as one: a run of losses can be reported in two,
/// the first while the source is still losing (nothing sent after it yet).
fn merge_losses(got: impl Iterator<Item = Got>) -> Vec<Got> {
    let mut merged: Vec<Got> = Vec::new();
    for got in got {
        match (merged.last_mut(), got) {
            (Some(Got::Lost(total)), Got::Lost(count)) => *total += count,
            _ => merged.push(got),
        }
    }
    merged
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
    let latency = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    let deviations: Vec<f64> = errors.iter().map(|e| (e - latency).abs()).collect();
    Spread {
        latency,
        mean: deviations.iter().sum::<f64>() / deviations.len().max(1) as f64,
        max: deviations.iter().fold(0.0, |m, d| m.max(*d)),
    }
}

/// Prints where the notes, the SysEx and the loss landed, against
/// block-start scheduling; returns the timing the scheduler missed.
fn timing(run: &Run, verbose: bool, out: &mut String) -> Result<Vec<String>, std::fmt::Error> {
    // Where an event stamped `t` belongs in the output, before latency.
    let ideal = |stamp_us: u32| {
        f64::from(stamp_us.wrapping_sub(run.origin_us as u32) as i32) / run.us_per_frame
    };
    let gap_end = (run.missed_block + 1) * BLOCK_FRAMES;
    let notes: Vec<&Heard> = run
        .heard
        .iter()
        .filter(|h| matches!(h.got, Got::Msg(m) if m.is_note_on()))
        .collect();
    let mut block_start = Vec::new();
    let mut accurate = Vec::new();
    if verbose {
        writeln!(
            out,
            "\n  source     note   played at   block-start   sample-accurate"
        )?;
    }
    for heard in &notes {
        let played = ideal(heard.stamp_us);
        // Block-start scheduling: applied at frame 0 of the first block
        // whose callback came after the message was stamped.
        let stamped = i64::from(heard.stamp_us.wrapping_sub(run.origin_us as u32) as i32);
        let block = run
            .callbacks
            .iter()
            .find(|(_, t)| t.wrapping_sub(run.origin_us) as i64 >= stamped)
            .map_or(run.samples.len() / BLOCK_FRAMES, |(b, _)| *b);
        let at_block_start = (block * BLOCK_FRAMES) as f64 - played;
        let at_frame = heard.frame as f64 - played;
        if verbose {
            let note = match heard.got {
                Got::Msg(m) => m.note().unwrap_or(0),
                _ => 0,
            };
            writeln!(
                out,
                "  {:<9} {:>5}   {:>7.1} ms   {:>11.1}   {:>15.1}",
                SOURCE_NAMES[heard.source],
                note,
                played * run.us_per_frame / 1000.0,
                at_block_start,
                at_frame
            )?;
        }
        block_start.push(at_block_start);
        accurate.push(at_frame);
    }
    let block_start = spread(&block_start);
    let accurate_spread = spread(&accurate);
    let worst = |keep: &dyn Fn(&Heard) -> bool| {
        notes
            .iter()
            .zip(&accurate)
            .filter(|(heard, _)| keep(heard))
            .map(|(_, e)| (e - accurate_spread.latency).abs())
            .fold(0.0, f64::max)
    };
    let before_gap = worst(&|h| h.frame < gap_end - BLOCK_FRAMES);
    let after_gap = worst(&|h| h.frame >= gap_end + BLOCK_FRAMES);
    writeln!(
        out,
        "\nonset error of {} notes, in frames at {SAMPLE_RATE} Hz, each scheduling's constant latency taken out:",
        notes.len()
    )?;
    writeln!(
        out,
        "  scheduling        latency   mean |error|   max |error|"
    )?;
    for (name, s) in [
        ("block start", &block_start),
        ("sample-accurate", &accurate_spread),
    ] {
        writeln!(
            out,
            "  {name:<15} {:>9.1} {:>14.1} {:>13.1}",
            s.latency, s.mean, s.max
        )?;
    }
    writeln!(
        out,
        "missed callback: block {} ({:.3} s); max |error| of the notes before it {before_gap:.1} frames, \
         from the second block after it {after_gap:.1}",
        run.missed_block,
        (run.missed_block * BLOCK_FRAMES) as f64 / f64::from(SAMPLE_RATE),
    )?;
    let late = late_callbacks(run);
    writeln!(
        out,
        "callbacks: {} more than 1 ms after their block was due, the latest by {:.2} ms",
        late.0,
        late.1 / 1e3
    )?;
    let mut failures = Vec::new();
    for heard in run
        .heard
        .iter()
        .filter(|h| matches!(h.got, Got::SysEx { .. }))
    {
        let error = heard.frame as f64 - ideal(heard.stamp_us) - accurate_spread.latency;
        writeln!(
            out,
            "SysEx from the {} (master volume): stamped {:.1} ms, played at frame {} of block {}, \
             {error:+.1} frames from where it belongs",
            SOURCE_NAMES[heard.source],
            ideal(heard.stamp_us) * run.us_per_frame / 1000.0,
            heard.frame % BLOCK_FRAMES,
            heard.frame / BLOCK_FRAMES,
        )?;
        if error.abs() > before_gap.max(after_gap) + 0.5 {
            failures.push(format!(
                "the SysEx landed {error:+.1} frames from its frame, further than any note"
            ));
        }
    }
    for heard in run.heard.iter() {
        if let Got::Lost(count) = heard.got {
            let name = SOURCE_NAMES[heard.source];
            writeln!(
                out,
                "loss: {count} messages of the {name} (the last stamped {:.1} ms), played at frame {} \
                 of block {}, after everything the {name} sent before them; {} of its notes \
                 still on there, released",
                ideal(heard.stamp_us) * run.us_per_frame / 1000.0,
                heard.frame % BLOCK_FRAMES,
                heard.frame / BLOCK_FRAMES,
                heard.sounding
            )?;
        }
    }
    if accurate_spread.max >= block_start.max {
        failures.push("sample-accurate scheduling did no better than block-start".into());
    }
    if after_gap > before_gap + GAP_FRAMES {
        failures.push(format!(
            "after the missed callback a note landed {after_gap:.1} frames off, against {before_gap:.1} before it"
        ));
    }
    if run.stats.resyncs == 0 {
        failures.push("the missed callback was not taken for a jump".into());
    }
    if run.sources[1].stats.lost == 0 {
        failures.push("the keyboard's burst did not overflow its source".into());
    }
    Ok(failures)
}

/// Callbacks that came more than 1 ms after their block was due on the
/// run's timeline, and the latest, in µs.
fn late_callbacks(run: &Run) -> (usize, f64) {
    let block_us = BLOCK_FRAMES as f64 * run.us_per_frame;
    let lateness = run
        .callbacks
        .iter()
        .map(|&(block, t)| t.wrapping_sub(run.origin_us) as i64 as f64 - block as f64 * block_us);
    lateness.fold((0, 0.0f64), |(n, worst), late| {
        (n + usize::from(late > 1_000.0), worst.max(late))
    })
}

/// What the synthesizer did in an offline run of the protocol comparison.
struct Offline {
    /// (frame, note, velocity 0 to 1) of every note started.
    notes: Vec<(usize, u8, f32)>,
    /// Every pitch bend applied, -1 to 1.
    bends: Vec<f32>,
    samples: Vec<f32>,
}

/// Sends `items` through one source of a stream of `protocol`, stamped
/// with their times, then renders them block by block on an ideal clock:
/// the same events, the same frames, whichever protocol carries them.
fn offline(protocol: Protocol, items: &[(Duration, Item)]) -> Result<Offline, Box<dyn Error>> {
    let (mut source, mut stream) = MidiStream::builder()
        .protocol(protocol)
        .capacity(items.len())
        .sysex_bytes(256)
        .build();
    let t0 = 1_000_000;
    for (at, item) in items {
        let time = t0 + at.as_micros() as u64;
        match item {
            Item::Midi1(Outgoing::Message(message)) => {
                if !source.try_send_at(*message, time) {
                    return Err("offline: no room".into());
                }
            }
            Item::Midi1(Outgoing::Bytes(bytes)) => source.try_send_bytes_at(bytes, time)?,
            Item::Packet(packet) => source.try_send_ump_at(*packet, time)?,
        }
    }
    let last = items.iter().map(|(at, _)| *at).max().unwrap_or_default() + TAIL;
    let mut samples = vec![0.0f32; (last.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize];
    let block_us = BLOCK_FRAMES as f64 * 1e6 / f64::from(SAMPLE_RATE);
    let mut scheduler = BlockScheduler::new(f64::from(SAMPLE_RATE), block_us as u32 + 1_000);
    let mut synth = Synth::new(f64::from(SAMPLE_RATE));
    let (mut notes, mut bends) = (Vec::new(), Vec::new());
    for (index, block) in samples.chunks_mut(BLOCK_FRAMES).enumerate() {
        scheduler.begin_block(t0 + (index as f64 * block_us) as u64, block.len());
        let mut done = 0;
        while let Some(scheduled) = scheduler.next_event(&mut stream) {
            synth.render(&mut block[done..scheduled.frame]);
            done = scheduled.frame;
            match scheduled.event {
                Event::Message(message) => synth.handle(scheduled.source, message),
                Event::SysEx(bytes) => synth.sysex(bytes),
                Event::Ump(packet) => synth.handle_ump(scheduled.source, packet),
                Event::SysEx7 { data, .. } => synth.sysex7(data),
                Event::SysEx8 { .. } | Event::Lost { .. } | Event::Ended => {}
            }
            let frame = index * BLOCK_FRAMES + scheduled.frame;
            if let Some((note, velocity)) = synth.last_start.take() {
                notes.push((frame, note, velocity));
            }
            bends.extend(synth.last_bend.take());
        }
        synth.render(&mut block[done..]);
    }
    Ok(Offline {
        notes,
        bends,
        samples,
    })
}

/// The number of different values in `values`.
fn distinct(values: impl Iterator<Item = f32>) -> usize {
    let mut bits: Vec<u32> = values.map(f32::to_bits).collect();
    bits.sort_unstable();
    bits.dedup();
    bits.len()
}

/// The same phrases through a MIDI 1.0 and a MIDI 2.0 stream: the phrase,
/// sent as MIDI 1.0 (translated up for the MIDI 2.0 stream), and a MIDI 2.0
/// keyboard's phrase (translated down for the MIDI 1.0 stream). Both paths
/// must give the same notes at the same frames; the MIDI 2.0 path must keep
/// the finer velocities and bends that MIDI 1.0 cannot.
fn protocols(out: &mut String) -> Result<Vec<String>, Box<dyn Error>> {
    let phrase: Vec<_> = music::phrase()?
        .into_iter()
        .map(|(at, out)| (at, Item::Midi1(out)))
        .collect();
    let expressive = music::expressive()?;
    writeln!(
        out,
        "\nMIDI 1.0 and 2.0 (offline, ideal clock): each phrase through a MIDI 1.0 stream \
         (7-bit velocities, 14-bit bend) and a MIDI 2.0 stream (16-bit, 32-bit)"
    )?;
    writeln!(
        out,
        "  {:<22} {:>6} {:>6} {:>15} {:>15} {:>12}",
        "phrase", "notes", "frames", "velocities 1|2", "bends 1|2", "max |dvel|"
    )?;
    let mut failures = Vec::new();
    for (name, items, finer) in [
        ("phrase, sent as 1.0", &phrase, false),
        ("keyboard, sent as 2.0", &expressive, true),
    ] {
        let one = offline(Protocol::Midi1, items)?;
        let two = offline(Protocol::Midi2, items)?;
        let same = one.notes.len() == two.notes.len()
            && one
                .notes
                .iter()
                .zip(&two.notes)
                .all(|(a, b)| (a.0, a.1) == (b.0, b.1));
        let velocity = one
            .notes
            .iter()
            .zip(&two.notes)
            .map(|(a, b)| (a.2 - b.2).abs())
            .fold(0f32, f32::max);
        let (v1, v2) = (
            distinct(one.notes.iter().map(|n| n.2)),
            distinct(two.notes.iter().map(|n| n.2)),
        );
        let (b1, b2) = (
            distinct(one.bends.iter().copied()),
            distinct(two.bends.iter().copied()),
        );
        writeln!(
            out,
            "  {name:<22} {:>6} {:>6} {:>15} {:>15} {velocity:>12.4}",
            one.notes.len(),
            if same { "same" } else { "DIFFER" },
            format!("{v1} | {v2}"),
            format!("{b1} | {b2}"),
        )?;
        if !same || one.samples.len() != two.samples.len() {
            failures.push(format!(
                "{name}: the MIDI 1.0 and MIDI 2.0 paths played different notes"
            ));
        }
        if finer && (v2 <= v1 || b2 <= b1) {
            failures.push(format!(
                "{name}: the MIDI 2.0 path kept {v2} velocities and {b2} bends, MIDI 1.0 {v1} and {b1}"
            ));
        }
    }
    writeln!(out)?;
    Ok(failures)
}
