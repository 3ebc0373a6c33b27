//! The audio thread: a callback body run block after block, each block
//! inside a real-time region, while producer threads send.
//!
//! Each block is checked twice: by RealtimeSanitizer (the region), and by
//! the thread's kernel counters read just before and just after the region
//! ([`crate::counters`]). The first blocks run before the producers start
//! (the gate is closed): they take the thread's one-time costs (its stack,
//! RTSan's per-thread state, the clock's first read), which the counters
//! then forgive; RTSan checks them like any other. From the first block
//! with producers on, every block must leave every counter at zero.

use std::hint::spin_loop;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Once;
use std::sync::atomic::{AtomicU8, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::control::Control;
use crate::counters::ThreadCounters;
use crate::runtime::{prepare, realtime};

/// Lets the producers start once the audio thread has warmed up, and stops
/// them when the audio thread has failed (so that no producer waits
/// forever for room that nobody makes).
#[derive(Debug, Default)]
pub struct Gate {
    /// [`CLOSED`], [`OPEN`] or [`ABORTED`].
    state: AtomicU8,
}

const CLOSED: u8 = 0;
const OPEN: u8 = 1;
const ABORTED: u8 = 2;

impl Gate {
    /// A closed gate.
    pub const fn new() -> Self {
        Self {
            state: AtomicU8::new(CLOSED),
        }
    }

    /// For a producer: waits until the audio thread has warmed up. `false`
    /// if the run failed first (the producer then sends nothing).
    pub fn wait_open(&self) -> bool {
        loop {
            match self.state.load(Ordering::Acquire) {
                CLOSED => thread::sleep(Duration::from_micros(200)),
                OPEN => return true,
                _ => return false,
            }
        }
    }

    /// Whether the run failed: a producer stops sending.
    pub fn aborted(&self) -> bool {
        self.state.load(Ordering::Acquire) == ABORTED
    }

    /// For a producer that retries: calls `attempt` until it succeeds,
    /// backing off. `false` if the run failed first.
    pub fn retry(&self, mut attempt: impl FnMut() -> bool) -> bool {
        let mut spins = 0u32;
        while !attempt() {
            if self.aborted() {
                return false;
            }
            spins += 1;
            if spins < 64 {
                spin_loop();
            } else {
                thread::yield_now();
            }
        }
        true
    }

    fn open(&self) {
        // Never reopens an aborted gate.
        let _ = self
            .state
            .compare_exchange(CLOSED, OPEN, Ordering::AcqRel, Ordering::Acquire);
    }

    fn abort(&self) {
        self.state.store(ABORTED, Ordering::Release);
    }
}

/// One call of the audio callback.
#[derive(Clone, Copy, Debug)]
pub struct Block {
    /// Blocks before this one.
    pub index: u64,
    /// Whether the producers have been let go: `false` during warm-up,
    /// when the stream is empty.
    pub producing: bool,
}

/// What the callback tells the audio thread after a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Another block.
    Continue,
    /// The run is over (typically: every producer is gone and nothing is
    /// left). Only taken once the producers have been let go.
    Stop,
}

/// How an audio thread runs.
#[derive(Clone, Debug)]
pub struct AudioThread {
    name: String,
    warmup: u64,
    period: Option<Duration>,
    timeout: Duration,
}

/// What a finished run did.
#[derive(Clone, Debug)]
pub struct Report {
    /// The run's name.
    pub name: String,
    /// Blocks run, each in a real-time region.
    pub blocks: u64,
    /// Of those, blocks with the producers let go, whose kernel counters
    /// were checked.
    pub counted: u64,
    /// The longest region (callback body), for information only.
    pub longest_block: Duration,
    /// The whole run.
    pub elapsed: Duration,
}

/// Producer blocks into the run at which a control fires: traffic is
/// flowing by then.
const CONTROL_BLOCK: u64 = 20;

/// Stack the audio thread touches before its first block, so that the
/// callback's stack never faults a page in (the `std` default thread stack
/// is 2 MiB).
const STACK_TOUCHED: usize = 256 * 1024;

impl AudioThread {
    /// An audio thread running blocks back to back (with a moment of
    /// "rendering" between them), after 32 warm-up blocks; it fails if it
    /// has not finished within 120 s.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            warmup: 32,
            period: None,
            timeout: Duration::from_secs(120),
        }
    }

    /// Runs a block every `period`, as a sound card calls its callback
    /// (sleeping between blocks, outside the region).
    pub fn paced(mut self, period: Duration) -> Self {
        self.period = Some(period);
        self
    }

    /// Runs the audio thread: `callback` once per block inside a real-time
    /// region, until it returns [`Flow::Stop`]; opens `gate` for the
    /// producers after the warm-up. Returns when the thread has finished.
    ///
    /// If [`Control::from_env`] names a control, it fires inside the region
    /// of the 20th block with producers, after the callback.
    ///
    /// # Panics
    ///
    /// If a block's kernel counters moved, if the callback panicked, or on
    /// timeout; `gate` is then aborted. A violation RealtimeSanitizer sees
    /// ends the process with its report instead.
    pub fn run<F>(&self, gate: &Gate, callback: F) -> Report
    where
        F: FnMut(Block) -> Flow + Send,
    {
        prepare();
        map_code_in();
        let control = Control::from_env();
        let outcome = thread::scope(|scope| {
            let audio = thread::Builder::new()
                .name(format!("audio: {}", self.name))
                .spawn_scoped(scope, || {
                    catch_unwind(AssertUnwindSafe(|| {
                        self.audio_loop(gate, control, callback)
                    }))
                })
                .expect("spawn the audio thread");
            audio.join().expect("the audio thread's panics are caught")
        });
        outcome.unwrap_or_else(|panic| {
            gate.abort();
            resume_unwind(panic)
        })
    }

    fn audio_loop<F>(&self, gate: &Gate, control: Option<Control>, mut callback: F) -> Report
    where
        F: FnMut(Block) -> Flow + Send,
    {
        touch_stack();
        let mut counters = ThreadCounters::open().unwrap_or_else(|err| {
            panic!("cannot read the audio thread's kernel counters (/proc/thread-self/io): {err}")
        });
        let start = Instant::now();
        let mut deadline = start;
        let mut longest_block = Duration::ZERO;
        let mut index = 0u64;
        loop {
            let producing = index >= self.warmup;
            if index == self.warmup {
                gate.open();
            }
            // Armed outside the region; fired inside it.
            let mut armed = control
                .filter(|_| index == self.warmup + CONTROL_BLOCK)
                .map(Control::arm);
            let block = Block { index, producing };

            let before = counters.read();
            let began = Instant::now();
            let flow = realtime(|| {
                let flow = callback(block);
                if let Some(armed) = &mut armed {
                    armed.fire();
                }
                flow
            });
            let took = began.elapsed();
            let used = counters.read() - before;

            drop(armed);
            if producing {
                longest_block = longest_block.max(took);
                assert!(
                    used.is_zero(),
                    "{}: block {index} (its callback, in the real-time region) made {used}; \
                     the audio thread's side must not fault a page in, wait or make a system call",
                    self.name
                );
            }
            index += 1;
            if producing && flow == Flow::Stop {
                break;
            }
            assert!(
                start.elapsed() < self.timeout,
                "{}: not finished after {:?} ({index} blocks)",
                self.name,
                self.timeout
            );
            match self.period {
                Some(period) => {
                    deadline += period;
                    if let Some(wait) = deadline.checked_duration_since(Instant::now()) {
                        thread::sleep(wait);
                    }
                }
                // Rendering: the producers get ahead meanwhile.
                None => {
                    let render = Instant::now();
                    while render.elapsed() < Duration::from_micros(20) {
                        spin_loop();
                    }
                }
            }
        }
        Report {
            name: self.name.clone(),
            blocks: index,
            counted: index - self.warmup,
            longest_block,
            elapsed: start.elapsed(),
        }
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} blocks in real-time regions ({} with producers, counters checked), \
             longest {:?}, {:.2?} in all",
            self.name, self.blocks, self.counted, self.longest_block, self.elapsed
        )
    }
}

/// Touches [`STACK_TOUCHED`] bytes of the calling thread's stack.
#[inline(never)]
fn touch_stack() {
    let mut stack = [0u8; STACK_TOUCHED];
    std::hint::black_box(&mut stack);
}

/// Maps in every page of the executable's and the shared libraries' code
/// and read-only data, once per process.
///
/// A page of code runs for the first time in a process through a page
/// fault; the first SysEx or the first loss would fault the pages of its
/// code on the audio thread. A real-time host avoids that by locking its
/// memory (`mlockall`), which would also pre-fault the heap and hide a
/// library that leaves its own buffers untouched until the audio thread
/// uses them. So only file-backed mappings are mapped in, before the run;
/// the heap, the stream's buffers among it, is left as the library left
/// it.
fn map_code_in() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let maps = std::fs::read_to_string("/proc/self/maps").expect("read /proc/self/maps");
        for line in maps.lines() {
            let mut fields = line.split_whitespace();
            let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
                continue;
            };
            let path = fields.nth(3).unwrap_or("");
            // Files only: not the heap, stacks, [vvar] or [vdso].
            if !perms.starts_with('r') || !path.starts_with('/') || path.starts_with("/dev/") {
                continue;
            }
            let Some((start, end)) = range.split_once('-') else {
                continue;
            };
            let (Ok(start), Ok(end)) = (
                usize::from_str_radix(start, 16),
                usize::from_str_radix(end, 16),
            ) else {
                continue;
            };
            // SAFETY: a range the process has mapped readable; populating
            // its page tables changes no byte of it. An error (a page past
            // the end of its file) leaves the rest as it was.
            unsafe {
                libc::madvise(
                    start as *mut libc::c_void,
                    end - start,
                    libc::MADV_POPULATE_READ,
                );
            }
        }
    });
}
