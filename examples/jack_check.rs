//! Checks a recording of the synth playing a looping note sequence, as
//! `bash .ci/test jack` makes one: `jack_midiseq` (a JACK client we did not
//! write) plays the sequence at exact frames, `midi_synth --live
//! --percussive` plays it through `bbx_midi`, and `jack_rec` records the
//! synth's output port.
//!
//! ```text
//! jack_check REC.wav --loop FRAMES --notes START:NOTE:LENGTH,... --period FRAMES
//!            [--tolerance FRAMES|inf] [--min-loops N] [--xruns N] [--label TEXT]
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
//!   the recording, at least one second, all silence.

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
    let mut failures = Vec::new();
    let mut report = String::new();
    let k = notes.len() as i64;
    let slot = |m: &Matched| m.loop_index * k + m.note as i64;

    // Every slot from the first onset to the last, once.
    let mut missing = Vec::new();
    let mut doubled = Vec::new();
    for pair in matched.windows(2) {
        let (a, b) = (slot(&pair[0]), slot(&pair[1]));
        if b == a {
            doubled.push(pair[1].frame);
        }
        for s in a + 1..b {
            missing.push(s);
        }
    }
    let loops_heard = match (matched.first(), matched.last()) {
        (Some(a), Some(b)) => {
            let whole_first = a.loop_index + i64::from(a.note != 0);
            let whole_last = b.loop_index - i64::from(b.note + 1 != notes.len());
            (whole_last - whole_first + 1).max(0) as usize
        }
        _ => 0,
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

fn main() -> Result<(), Box<dyn Error>> {
    let options = Options::parse()?;
    let (samples, rate) = read_wav(Path::new(&options.wav))?;
    let verdict = judge(&samples, rate, &options);
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
}
