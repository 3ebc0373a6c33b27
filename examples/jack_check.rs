//! Checks a recording of the synth playing a looping note sequence, as
//! `bash .ci/test jack` makes one: `jack_midiseq` (a JACK client we did not
//! write) plays the sequence at exact frames, `midi_synth --live
//! --percussive` plays it through `bbx_midi`, and `jack_rec` records the
//! synth's output port.
//!
//! ```text
//! jack_check REC.wav --loop FRAMES --notes START:NOTE:LENGTH,... --period FRAMES
//!            [--tolerance FRAMES|inf] [--min-loops N] [--xruns N] [--label TEXT]
//!            [--segments N] [--midi-dump DUMP.txt]
//! ```
//!
//! It finds every onset in the recording (a sample above the threshold
//! after silence: the percussive voice's 0.1 ms release leaves silence
//! between notes a few frames apart), lines them up with the sequence and
//! fails, printing the measured onsets next to the expected ones, unless
//! - every note of the sequence sounds, in every loop between the first
//!   note heard and the last, and at least `--min-loops` whole loops;
//! - nothing sounds that the sequence did not play;
//! - the onsets keep the sequence's spacing: any two are as far apart as
//!   the sequence says, within `--tolerance` frames (the spread of the
//!   onsets' errors around their common latency; `inf`: only measured);
//! - nothing sounds after the sequence stopped: from 250 ms after the last
//!   onset (a note on when the sender left is released then) to the end of
//!   the recording, at least one second, all silence;
//! - with `--segments N`, the sequence was connected N times: the onsets
//!   fall in N runs, each whole, and between two runs (a sender gone)
//!   everything is silent from 250 ms after the last onset to the next;
//! - with `--midi-dump`, what `jack_midi_dump -a` recorded of the synth's
//!   MIDI out: every Note On and Note Off the sequence played, echoed at
//!   exactly the sequence's spacing (0 frames of error: each echo is
//!   written at the frame it plays, in the cycle it falls in), in the same
//!   N runs, and an All Notes Off after each run (the source's end).

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

/// A sample above this is sound: 6.5 steps of 16-bit audio. The
/// percussive voice's second sample clears it for any note from C3 up.
const THRESHOLD: f32 = 2e-4;
/// Samples of silence an onset needs before it.
const QUIET: usize = 8;

/// One note of the sequence, as `jack_midiseq` takes it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Note {
    start: u32,
    note: u8,
    length: u32,
}

struct Options {
    wav: String,
    loop_frames: u32,
    notes: Vec<Note>,
    period: u32,
    tolerance: f64,
    min_loops: usize,
    xruns: Option<u64>,
    label: String,
    segments: usize,
    midi_dump: Option<String>,
}

fn parse_notes(text: &str) -> Result<Vec<Note>, String> {
    let mut notes = Vec::new();
    for item in text.split(',').filter(|s| !s.is_empty()) {
        let parts: Vec<&str> = item.split(':').collect();
        let [start, note, length] = parts[..] else {
            return Err(format!("a note is START:NOTE:LENGTH, not {item:?}"));
        };
        let number = |s: &str| {
            s.parse::<u32>()
                .map_err(|e| format!("{s:?} in {item:?}: {e}"))
        };
        let note = number(note)?;
        notes.push(Note {
            start: number(start)?,
            note: u8::try_from(note)
                .ok()
                .filter(|n| *n < 128)
                .ok_or(format!("note {note} is not a MIDI note"))?,
            length: number(length)?,
        });
    }
    notes.sort_by_key(|n| n.start);
    if notes.is_empty() {
        return Err("--notes lists no note".into());
    }
    Ok(notes)
}

impl Options {
    fn parse() -> Result<Self, Box<dyn Error>> {
        let mut args = std::env::args().skip(1);
        let mut options = Options {
            wav: args
                .next()
                .ok_or("usage: jack_check REC.wav --loop FRAMES --notes ...")?,
            loop_frames: 0,
            notes: Vec::new(),
            period: 0,
            tolerance: 2.0,
            min_loops: 10,
            xruns: None,
            label: "JACK".into(),
            segments: 1,
            midi_dump: None,
        };
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--loop" => options.loop_frames = value()?.parse()?,
                "--notes" => options.notes = parse_notes(&value()?)?,
                "--period" => options.period = value()?.parse()?,
                "--tolerance" => options.tolerance = value()?.parse()?,
                "--min-loops" => options.min_loops = value()?.parse()?,
                "--xruns" => options.xruns = Some(value()?.parse()?),
                "--label" => options.label = value()?,
                "--segments" => options.segments = value()?.parse()?,
                "--midi-dump" => options.midi_dump = Some(value()?),
                _ => return Err(format!("unknown argument {arg:?}").into()),
            }
        }
        if options.loop_frames == 0 || options.period == 0 || options.notes.is_empty() {
            return Err("--loop, --period and --notes are needed".into());
        }
        if let Some(bad) = options
            .notes
            .iter()
            .find(|n| n.start + n.length >= options.loop_frames)
        {
            return Err(format!("{bad:?} does not end inside the loop").into());
        }
        Ok(options)
    }
}

/// The first channel of a WAV file (PCM 16, 24 or 32 bits, or 32-bit
/// float), as -1 to 1, and its sample rate.
fn read_wav(path: &Path) -> Result<(Vec<f32>, u32), Box<dyn Error>> {
    let bytes = std::fs::read(path)?;
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(format!("{} is not a WAV file", path.display()).into());
    }
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let (mut format, mut channels, mut rate, mut bits) = (None, 0, 0, 0);
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32_at(&bytes, at + 4) as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        match id {
            b"fmt " if body.len() >= 16 => {
                let mut tag = u16_at(body, 0);
                channels = usize::from(u16_at(body, 2));
                rate = u32_at(body, 4);
                bits = usize::from(u16_at(body, 14));
                // WAVE_FORMAT_EXTENSIBLE: the format is the sub-format's.
                if tag == 0xFFFE && body.len() >= 26 {
                    tag = u16_at(body, 24);
                }
                format = Some(tag);
            }
            b"data" => {
                let width = bits / 8;
                if channels == 0 || width == 0 {
                    return Err("a data chunk before its format".into());
                }
                let frame = channels * width;
                let sample = |s: &[u8]| -> Option<f32> {
                    Some(match (format?, bits) {
                        (1, 16) => f32::from(i16::from_le_bytes([s[0], s[1]])) / 32_768.0,
                        (1, 24) => {
                            (i32::from_le_bytes([0, s[0], s[1], s[2]]) >> 8) as f32 / 8_388_608.0
                        }
                        (1, 32) => {
                            i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f32 / 2_147_483_648.0
                        }
                        (3, 32) => f32::from_le_bytes([s[0], s[1], s[2], s[3]]),
                        _ => return None,
                    })
                };
                let samples: Option<Vec<f32>> = body
                    .chunks_exact(frame)
                    .map(|f| sample(&f[..width]))
                    .collect();
                let samples = samples.ok_or(format!(
                    "WAV format {format:?} with {bits} bits is not read here"
                ))?;
                return Ok((samples, rate));
            }
            _ => {}
        }
        at += 8 + len + (len & 1);
    }
    Err(format!("{} has no data chunk", path.display()).into())
}

/// Where sound starts after at least [`QUIET`] samples of silence, and
/// where the last sound ends.
fn onsets(samples: &[f32]) -> (Vec<usize>, Option<usize>) {
    let mut found = Vec::new();
    let mut quiet = QUIET; // the recording starts in silence
    let mut last_sound = None;
    for (i, s) in samples.iter().enumerate() {
        if s.abs() > THRESHOLD {
            if quiet >= QUIET {
                found.push(i);
            }
            quiet = 0;
            last_sound = Some(i);
        } else {
            quiet += 1;
        }
    }
    (found, last_sound)
}

/// An onset lined up with the sequence: which loop and note it is, and how
/// far from where the sequence puts it (after the common offset).
#[derive(Clone, Copy, Debug)]
struct Matched {
    frame: usize,
    loop_index: i64,
    note: usize,
    residual: f64,
}

/// Lines the onsets up with the sequence: the common offset that the first
/// onset suggests for one of the notes, whichever puts the most onsets
/// near a note, then moved by the median of the errors.
fn line_up(found: &[usize], notes: &[Note], loop_frames: u32) -> Vec<Matched> {
    let period = f64::from(loop_frames);
    let place = |offset: f64| -> Vec<Matched> {
        found
            .iter()
            .map(|&frame| {
                let t = frame as f64 - offset;
                let loop_index = (t / period).floor() as i64;
                let within = t - loop_index as f64 * period;
                // The nearest note, also across the loop's ends.
                let (note, shift, residual) = notes
                    .iter()
                    .enumerate()
                    .flat_map(|(i, n)| {
                        [-1i64, 0, 1].map(|shift| {
                            (
                                i,
                                shift,
                                within - (f64::from(n.start) + shift as f64 * period),
                            )
                        })
                    })
                    .min_by(|a, b| a.2.abs().total_cmp(&b.2.abs()))
                    .expect("notes is not empty");
                Matched {
                    frame,
                    loop_index: loop_index + shift,
                    note,
                    residual,
                }
            })
            .collect()
    };
    let Some(&first) = found.first() else {
        return Vec::new();
    };
    // The offset under which most onsets land close to a note: one stray
    // onset must not decide it.
    let close = |offset: f64| {
        place(offset)
            .iter()
            .filter(|m| m.residual.abs() <= 4.0)
            .count()
    };
    let offset = notes
        .iter()
        .map(|n| first as f64 - f64::from(n.start))
        .max_by_key(|o| close(*o))
        .expect("notes is not empty");
    // Re-centre on the median error: the latency common to every note.
    let median = median(place(offset).iter().map(|m| m.residual).collect());
    place(offset + median)
}

/// Lines the onsets up with the sequence one after another, for a path
/// whose errors may exceed the gap between notes: the first onset is
/// whichever note leaves the errors least spread, and each onset after it
/// is the next note. Every note is taken to have sounded.
fn line_up_in_order(found: &[usize], notes: &[Note], loop_frames: u32) -> Vec<Matched> {
    let period = f64::from(loop_frames);
    let k = notes.len() as i64;
    let Some(&first) = found.first() else {
        return Vec::new();
    };
    let in_order = |first_note: usize, centre: f64| -> Vec<Matched> {
        let offset = first as f64 - f64::from(notes[first_note].start) + centre;
        found
            .iter()
            .enumerate()
            .map(|(i, &frame)| {
                let slot = first_note as i64 + i as i64;
                let (loop_index, note) = (slot.div_euclid(k), slot.rem_euclid(k) as usize);
                let expected = offset + loop_index as f64 * period + f64::from(notes[note].start);
                Matched {
                    frame,
                    loop_index,
                    note,
                    residual: frame as f64 - expected,
                }
            })
            .collect()
    };
    let spread = |m: &[Matched]| {
        let centre = median(m.iter().map(|m| m.residual).collect());
        m.iter().map(|m| (m.residual - centre).abs()).sum::<f64>()
    };
    let first_note = (0..notes.len())
        .min_by(|a, b| spread(&in_order(*a, 0.0)).total_cmp(&spread(&in_order(*b, 0.0))))
        .expect("notes is not empty");
    let centre = median(
        in_order(first_note, 0.0)
            .iter()
            .map(|m| m.residual)
            .collect(),
    );
    in_order(first_note, centre)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

struct Verdict {
    report: String,
    failures: Vec<String>,
}

fn judge(samples: &[f32], rate: u32, options: &Options) -> Verdict {
    let notes = &options.notes;
    let (found, last_sound) = onsets(samples);
    // Only measured: errors may be larger than the gaps between notes.
    let measured_only = options.tolerance.is_infinite();
    let matched = if measured_only {
        line_up_in_order(&found, notes, options.loop_frames)
    } else {
        line_up(&found, notes, options.loop_frames)
    };
    let mut failures_early = Vec::new();
    let mut report = String::new();
    let k = notes.len() as i64;
    let slot = |m: &Matched| m.loop_index * k + m.note as i64;

    // Every slot from the first onset to the last, once, within each run
    // of onsets; a run ends where a whole loop and more passed silent (the
    // sender gone), and must be silent to the next from 250 ms on.
    let mut missing = Vec::new();
    let mut doubled = Vec::new();
    let mut runs = usize::from(!matched.is_empty());
    let gap = 2 * options.loop_frames as usize;
    for pair in matched.windows(2) {
        let (a, b) = (slot(&pair[0]), slot(&pair[1]));
        if b == a {
            doubled.push(pair[1].frame);
        }
        if pair[1].frame - pair[0].frame > gap {
            runs += 1;
            let from = pair[0].frame + rate as usize / 4;
            let to = pair[1].frame.saturating_sub(QUIET);
            if let Some(at) = samples
                .get(from..to)
                .and_then(|quiet| quiet.iter().position(|s| s.abs() > THRESHOLD))
            {
                failures_early.push(format!(
                    "sound {:.2} s after the sender left (frame {}): a note left hanging",
                    (at + from - pair[0].frame) as f64 / f64::from(rate),
                    at + from
                ));
            }
            continue;
        }
        for s in a + 1..b {
            missing.push(s);
        }
    }
    // Whole loops: each loop all of whose notes sounded.
    let loops_heard = {
        let mut per_loop = std::collections::BTreeMap::new();
        for m in &matched {
            *per_loop.entry(m.loop_index).or_insert(0usize) += 1;
        }
        per_loop.values().filter(|&&n| n == notes.len()).count()
    };

    // Errors per note of the sequence.
    let _ = writeln!(
        report,
        "{}: {} Hz, period {} frames, loop {} frames, {} notes a loop",
        options.label,
        rate,
        options.period,
        options.loop_frames,
        notes.len()
    );
    let _ = writeln!(
        report,
        "  {:>4} {:>5} {:>10} {:>9} {:>7} {:>11} {:>11}",
        "note", "start", "in period", "heard", "missed", "error min", "error max"
    );
    for (i, n) in notes.iter().enumerate() {
        let errors: Vec<f64> = matched
            .iter()
            .filter(|m| m.note == i)
            .map(|m| m.residual)
            .collect();
        let missed = missing
            .iter()
            .filter(|s| s.rem_euclid(k) == i as i64)
            .count();
        let (lo, hi) = errors
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), e| {
                (lo.min(*e), hi.max(*e))
            });
        let _ = writeln!(
            report,
            "  {:>4} {:>5} {:>10} {:>9} {:>7} {:>11.1} {:>11.1}",
            n.note,
            n.start,
            n.start % options.period,
            errors.len(),
            missed,
            if errors.is_empty() { f64::NAN } else { lo },
            if errors.is_empty() { f64::NAN } else { hi },
        );
    }
    let spread = matched
        .iter()
        .map(|m| m.residual)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), e| {
            (lo.min(e), hi.max(e))
        });
    let spread = if matched.is_empty() {
        f64::NAN
    } else {
        spread.1 - spread.0
    };
    let worst_step = matched
        .windows(2)
        .map(|p| (p[1].residual - p[0].residual).abs())
        .fold(0.0, f64::max);
    let _ = writeln!(
        report,
        "  {} onsets, {} whole loops; spacing error: at most {:.1} frames between any two onsets, \
         {:.1} between neighbours",
        matched.len(),
        loops_heard,
        spread,
        worst_step
    );

    let _ = writeln!(
        report,
        "  {runs} runs of onsets (the sender connected {runs} times)"
    );
    let mut failures = failures_early;
    if runs != options.segments {
        failures.push(format!(
            "{runs} runs of onsets, {} expected (one per connection)",
            options.segments
        ));
    }
    if matched.is_empty() {
        failures.push("no note sounds in the recording".to_string());
    }
    if loops_heard < options.min_loops {
        failures.push(format!(
            "{loops_heard} whole loops heard, at least {} expected",
            options.min_loops
        ));
    }
    if !missing.is_empty() {
        failures.push(format!(
            "{} notes of the sequence did not sound",
            missing.len()
        ));
    }
    if !doubled.is_empty() {
        failures.push(format!(
            "{} onsets the sequence did not play (at frames {:?})",
            doubled.len(),
            &doubled[..doubled.len().min(10)]
        ));
    }
    if measured_only {
        let _ = writeln!(
            report,
            "  (spacing measured, not asserted; onsets taken in the sequence's order)"
        );
    } else if spread.is_nan() || spread > options.tolerance {
        failures.push(format!(
            "onset spacing off by up to {spread:.1} frames, more than {} allowed",
            options.tolerance
        ));
    }

    // Silence after the sequence stopped.
    let rate_frames = rate as usize;
    match (matched.last(), last_sound) {
        (Some(last), Some(end)) => {
            let settle = last.frame + rate_frames / 4;
            let tail = samples.len().saturating_sub(settle);
            let _ = writeln!(
                report,
                "  after the last onset: sound ends {} frames later, then {:.2} s of silence to the end",
                end - last.frame,
                (samples.len() - end - 1) as f64 / f64::from(rate)
            );
            if end > settle {
                failures.push(format!(
                    "sound {:.2} s after the last onset: a note left hanging",
                    (end - last.frame) as f64 / f64::from(rate)
                ));
            }
            if tail < rate_frames {
                failures.push(format!(
                    "only {:.2} s recorded after the sequence stopped, 1 s needed to judge it",
                    tail as f64 / f64::from(rate)
                ));
            }
        }
        _ => failures.push("nothing to judge after the sequence".to_string()),
    }
    if let Some(xruns) = options.xruns {
        let _ = writeln!(report, "  xruns reported by jackd during the run: {xruns}");
    }
    if !failures.is_empty() {
        // What was heard next to what was expected, around each problem.
        let _ = writeln!(
            report,
            "  measured vs expected onsets (frames, first 40 and the worst):"
        );
        let mut shown: Vec<&Matched> = matched.iter().take(40).collect();
        let mut worst: Vec<&Matched> = matched.iter().collect();
        worst.sort_by(|a, b| b.residual.abs().total_cmp(&a.residual.abs()));
        shown.extend(worst.into_iter().take(10));
        for m in shown {
            let _ = writeln!(
                report,
                "    heard {:>8}  expected {:>10.1}  loop {:>4} note {:>3}  error {:>6.1}",
                m.frame,
                m.frame as f64 - m.residual,
                m.loop_index,
                notes[m.note].note,
                m.residual
            );
        }
    }
    Verdict { report, failures }
}

/// Checks what `jack_midi_dump -a` recorded of the synth's MIDI out (lines
/// `FRAME: BYTES…`): the echoes of the sequence's notes, Note Ons and Note
/// Offs alike, at the sequence's exact spacing, in `segments` runs, and an
/// All Notes Off after each run.
fn judge_midi(dump: &str, options: &Options) -> Verdict {
    let mut report = String::new();
    let mut failures = Vec::new();
    let mut ons = Vec::new();
    let mut offs = Vec::new();
    let mut all_notes_off = Vec::new();
    for line in dump.lines() {
        let Some((frame, rest)) = line.trim().split_once(':') else {
            continue;
        };
        let Ok(frame) = frame.trim().parse::<usize>() else {
            continue;
        };
        let bytes: Vec<u8> = rest
            .split_whitespace()
            .map_while(|b| u8::from_str_radix(b, 16).ok())
            .collect();
        match bytes[..] {
            [0x90, _, v, ..] if v > 0 => ons.push(frame),
            [0x80, ..] | [0x90, _, 0, ..] => offs.push(frame),
            [status, 123, 0, ..] if status & 0xF0 == 0xB0 => all_notes_off.push(frame),
            _ => {}
        }
    }
    // Note Offs are the notes' ends: as sequence notes of their own.
    let ends: Vec<Note> = options
        .notes
        .iter()
        .map(|n| Note {
            start: n.start + n.length,
            ..*n
        })
        .collect();
    let mut sorted_ends = ends.clone();
    sorted_ends.sort_by_key(|n| n.start);
    let matched_on = line_up(&ons, &options.notes, options.loop_frames);
    let matched_off = line_up(&offs, &sorted_ends, options.loop_frames);
    let spread = |matched: &[Matched]| {
        let (lo, hi) = matched
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), m| {
                (lo.min(m.residual), hi.max(m.residual))
            });
        hi - lo
    };
    let runs = 1 + ons
        .windows(2)
        .filter(|p| p[1] - p[0] > 2 * options.loop_frames as usize)
        .count();
    let _ = writeln!(
        report,
        "MIDI out: {} Note Ons, {} Note Offs echoed in {runs} runs; spacing error {:.1} and {:.1} frames; \
         {} All Notes Off",
        ons.len(),
        offs.len(),
        spread(&matched_on),
        spread(&matched_off),
        all_notes_off.len() / 16
    );
    if ons.is_empty() || matched_on.len() != ons.len() || matched_off.len() != offs.len() {
        failures.push("MIDI out: echoes that the sequence did not play".into());
    }
    // The same latency for Note Ons and Note Offs: one residual for all.
    let all: Vec<Matched> = matched_on.iter().chain(&matched_off).cloned().collect();
    if all.is_empty() || spread(&all) > 0.0 {
        failures.push(format!(
            "MIDI out: echoes off their frames by up to {:.1} frames",
            spread(&all)
        ));
    }
    if runs != options.segments {
        failures.push(format!(
            "MIDI out: {runs} runs of echoes, {} expected",
            options.segments
        ));
    }
    if all_notes_off.len() / 16 < options.segments {
        failures.push(format!(
            "MIDI out: {} All Notes Off, one per channel after each of the {} runs expected",
            all_notes_off.len(),
            options.segments
        ));
    }
    Verdict { report, failures }
}

fn main() -> Result<(), Box<dyn Error>> {
    let options = Options::parse()?;
    let (samples, rate) = read_wav(Path::new(&options.wav))?;
    let mut verdict = judge(&samples, rate, &options);
    if let Some(dump) = &options.midi_dump {
        let midi = judge_midi(&std::fs::read_to_string(dump)?, &options);
        verdict.report.push_str(&midi.report);
        verdict.failures.extend(midi.failures);
    }
    print!("{}", verdict.report);
    if verdict.failures.is_empty() {
        println!("  -> PASS");
        Ok(())
    } else {
        Err(verdict.failures.join("; ").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEQUENCE: &str = "0:60:8,64:62:8,150:64:8,230:65:8,300:67:8,512:71:8";
    const LOOP: u32 = 1024;

    fn options() -> Options {
        Options {
            wav: String::new(),
            loop_frames: LOOP,
            notes: parse_notes(SEQUENCE).unwrap(),
            period: 256,
            tolerance: 2.0,
            min_loops: 3,
            xruns: None,
            label: "test".into(),
            segments: 1,
            midi_dump: None,
        }
    }

    /// A recording: a short burst at each frame given, silence elsewhere.
    fn recording(onsets: &[usize], length: usize) -> Vec<f32> {
        let mut samples = vec![0.0; length];
        for &at in onsets {
            for (i, s) in samples[at..(at + 12).min(length)].iter_mut().enumerate() {
                *s = 0.05 * (i as f32 + 1.0).sin();
            }
        }
        samples
    }

    /// Every note of `loops` loops from `first`, each moved by `jitter`.
    fn played(first: usize, loops: usize, jitter: impl Fn(usize) -> usize) -> Vec<usize> {
        let notes = parse_notes(SEQUENCE).unwrap();
        let mut frames = Vec::new();
        for l in 0..loops {
            for n in &notes {
                let i = frames.len();
                frames.push(first + l * LOOP as usize + n.start as usize + jitter(i));
            }
        }
        frames
    }

    #[test]
    fn a_faithful_recording_passes_with_its_numbers() {
        let frames = played(5_000, 8, |_| 0);
        let samples = recording(&frames, 5_000 + 8 * 1024 + 60_000);
        let verdict = judge(&samples, 48_000, &options());
        assert!(verdict.failures.is_empty(), "{:?}", verdict.failures);
        assert!(
            verdict.report.contains("48 onsets, 8 whole loops"),
            "{}",
            verdict.report
        );
    }

    #[test]
    fn a_recording_that_starts_in_the_middle_of_the_loop_lines_up() {
        let mut frames = played(5_000, 9, |_| 0);
        frames.drain(..4);
        let samples = recording(&frames, 5_000 + 9 * 1024 + 60_000);
        let verdict = judge(&samples, 48_000, &options());
        assert!(
            verdict.failures.is_empty(),
            "{:?}\n{}",
            verdict.failures,
            verdict.report
        );
        assert!(
            verdict.report.contains("50 onsets, 8 whole loops"),
            "{}",
            verdict.report
        );
    }

    #[test]
    fn measured_only_takes_onsets_in_order_however_far_off() {
        // Two notes 2236 and 1860 frames apart, off by up to 1100 frames:
        // more than half the gap, so only their order says which is which.
        let mut options = options();
        options.notes = parse_notes("0:60:8,2236:67:8").unwrap();
        options.loop_frames = 4096;
        options.tolerance = f64::INFINITY;
        let mut frames = Vec::new();
        for l in 0..6 {
            for (j, start) in [0, 2236].into_iter().enumerate() {
                frames.push(5_000 + l * 4096 + start + [0, 1100, 500][(2 * l + j) % 3]);
            }
        }
        let samples = recording(&frames, 5_000 + 6 * 4096 + 60_000);
        let verdict = judge(&samples, 48_000, &options);
        assert!(verdict.failures.is_empty(), "{:?}", verdict.failures);
        assert!(
            verdict
                .report
                .contains("12 onsets, 6 whole loops; spacing error: at most 1100.0"),
            "{}",
            verdict.report
        );
    }

    #[test]
    fn an_onset_three_frames_late_fails_and_is_shown() {
        let frames = played(5_000, 8, |i| if i == 20 { 3 } else { 0 });
        let samples = recording(&frames, 5_000 + 8 * 1024 + 60_000);
        let verdict = judge(&samples, 48_000, &options());
        assert_eq!(verdict.failures.len(), 1, "{:?}", verdict.failures);
        assert!(verdict.failures[0].contains("off by up to 3.0 frames"));
        assert!(verdict.report.contains(&format!("heard {:>8}", frames[20])));
    }

    #[test]
    fn a_missing_note_fails() {
        let mut frames = played(5_000, 8, |_| 0);
        frames.remove(17);
        let samples = recording(&frames, 5_000 + 8 * 1024 + 60_000);
        let verdict = judge(&samples, 48_000, &options());
        assert_eq!(verdict.failures, ["1 notes of the sequence did not sound"]);
    }

    #[test]
    fn a_note_left_sounding_at_the_end_fails() {
        let frames = played(5_000, 8, |_| 0);
        let mut samples = recording(&frames, 5_000 + 8 * 1024 + 60_000);
        // The last note never stops.
        let last = *frames.last().unwrap();
        for (i, s) in samples[last..last + 20_000].iter_mut().enumerate() {
            *s = 0.05 * (i as f32 * 0.03).sin() + 0.01;
        }
        let verdict = judge(&samples, 48_000, &options());
        assert_eq!(verdict.failures.len(), 1, "{:?}", verdict.failures);
        assert!(verdict.failures[0].contains("a note left hanging"));
    }

    #[test]
    fn an_onset_the_sequence_did_not_play_fails() {
        let mut frames = played(5_000, 8, |_| 0);
        frames.push(frames[30] + 20);
        frames.sort();
        let samples = recording(&frames, 5_000 + 8 * 1024 + 60_000);
        let verdict = judge(&samples, 48_000, &options());
        assert!(
            verdict.failures.iter().any(|f| f.contains("did not play")),
            "{:?}",
            verdict.failures
        );
    }

    #[test]
    fn a_16_bit_wav_reads_back() {
        let path = std::env::temp_dir().join(format!("jack_check_{}.wav", std::process::id()));
        let pcm: [i16; 4] = [0, 16_384, -32_768, 32_767];
        let mut bytes = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        bytes.extend(16u32.to_le_bytes());
        bytes.extend(1u16.to_le_bytes()); // PCM
        bytes.extend(1u16.to_le_bytes()); // mono
        bytes.extend(48_000u32.to_le_bytes());
        bytes.extend(96_000u32.to_le_bytes());
        bytes.extend(2u16.to_le_bytes());
        bytes.extend(16u16.to_le_bytes());
        bytes.extend(b"data");
        bytes.extend(8u32.to_le_bytes());
        pcm.iter().for_each(|s| bytes.extend(s.to_le_bytes()));
        std::fs::write(&path, &bytes).unwrap();
        let (samples, rate) = read_wav(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(rate, 48_000);
        assert_eq!(samples, [0.0, 0.5, -1.0, 32_767.0 / 32_768.0]);
    }

    /// Two connections: the loops of each run whole, silence between.
    fn two_runs() -> (Vec<usize>, usize) {
        let mut frames = played(5_000, 6, |_| 0);
        // Disconnected for 60 loops (1.28 s), then the sequence plays on in
        // phase.
        frames.extend(played(5_000 + 66 * 1024, 6, |_| 0));
        (frames, 5_000 + 72 * 1024 + 60_000)
    }

    #[test]
    fn runs_separated_by_silence_pass_as_that_many_connections() {
        let (frames, length) = two_runs();
        let samples = recording(&frames, length);
        let options = Options {
            segments: 2,
            ..options()
        };
        let verdict = judge(&samples, 48_000, &options);
        assert!(verdict.failures.is_empty(), "{:?}", verdict.failures);
        assert!(
            verdict.report.contains("2 runs of onsets"),
            "{}",
            verdict.report
        );
        let verdict = judge(
            &samples,
            48_000,
            &Options {
                segments: 1,
                ..options
            },
        );
        assert!(
            verdict
                .failures
                .iter()
                .any(|f| f.contains("2 runs of onsets, 1 expected"))
        );
    }

    #[test]
    fn a_note_sounding_after_the_sender_left_fails() {
        let (frames, length) = two_runs();
        let mut samples = recording(&frames, length);
        // A note hangs from the end of the first run for 30 loops.
        let from = 5_000 + 6 * 1024;
        for (i, s) in samples[from..from + 30 * 1024].iter_mut().enumerate() {
            *s = 0.05 * (i as f32 * 0.05).sin();
        }
        let options = Options {
            segments: 2,
            ..options()
        };
        let verdict = judge(&samples, 48_000, &options);
        assert!(
            verdict
                .failures
                .iter()
                .any(|f| f.contains("after the sender left")),
            "{:?}",
            verdict.failures
        );
    }

    /// `jack_midi_dump -a` lines for the echoes of `loops` loops from
    /// `first`, a frame of error on echo `late` if any, then All Notes Off.
    fn dump(first: usize, loops: usize, late: Option<usize>) -> String {
        let notes = parse_notes(SEQUENCE).unwrap();
        let mut lines = Vec::new();
        let mut i = 0;
        for l in 0..loops {
            for n in &notes {
                let at = first + l * LOOP as usize + n.start as usize;
                let error = usize::from(late == Some(i));
                lines.push((at + error, format!("90 {:02x} 40", n.note)));
                lines.push((at + n.length as usize, format!("80 {:02x} 40", n.note)));
                i += 1;
            }
        }
        let end = first + loops * LOOP as usize + 100;
        for channel in 0..16u8 {
            lines.push((end, format!("b{channel:x} 40 00")));
            lines.push((end, format!("b{channel:x} 7b 00")));
        }
        lines.sort();
        lines
            .into_iter()
            .map(|(frame, bytes)| format!("  {frame}: {bytes} whatever\n"))
            .collect()
    }

    #[test]
    fn echoes_at_their_frames_pass_and_one_frame_off_fails() {
        let verdict = judge_midi(&dump(2_000, 5, None), &options());
        assert!(
            verdict.failures.is_empty(),
            "{:?}\n{}",
            verdict.failures,
            verdict.report
        );
        assert!(
            verdict
                .report
                .contains("30 Note Ons, 30 Note Offs echoed in 1 runs"),
            "{}",
            verdict.report
        );
        let verdict = judge_midi(&dump(2_000, 5, Some(7)), &options());
        assert!(
            verdict
                .failures
                .iter()
                .any(|f| f.contains("off their frames by up to 1.0")),
            "{:?}",
            verdict.failures
        );
    }

    #[test]
    fn echoes_without_an_all_notes_off_after_the_run_fail() {
        let text: String = dump(2_000, 5, None)
            .lines()
            .filter(|l| !l.contains(" 7b "))
            .map(|l| format!("{l}\n"))
            .collect();
        let verdict = judge_midi(&text, &options());
        assert!(
            verdict.failures.iter().any(|f| f.contains("All Notes Off")),
            "{:?}",
            verdict.failures
        );
    }
}
