//! The audio thread's side of `bbx_midi` under RealtimeSanitizer (RTSan).
//!
//! The audio thread must never allocate, lock, make a system call, wait or
//! take a page fault. Here its callback bodies run block after block on a
//! thread of their own, each block inside a real-time region, while
//! producer threads (not real-time) send everything the stream carries.
//!
//! * [`runtime`]: the RTSan runtime (linked by `build.rs`) and the region.
//!   Inside a region, RTSan ends the process with a report at the first
//!   call it watches: allocation and free, pthread locks and condition
//!   variables, sleeps, file and socket calls.
//! * [`counters`]: what RTSan does not see, counted by the kernel around
//!   each region: page faults, waits (voluntary context switches, e.g. a
//!   `futex` wait) and read/write system calls.
//! * [`audio`]: the audio thread that runs a callback in regions and checks
//!   the counters; [`traffic`]: the producers and the tally of what the
//!   audio side took; [`scenarios`]: one per audio-side part of the library.
//! * [`control`]: deliberate violations that must make a run fail.
//!
//! `tests/audio_thread.rs` runs each scenario, and each control in a child
//! process that must fail with the control's report. `bash .ci/test rtsan`
//! installs the runtime and runs them.

pub mod audio;
pub mod control;
pub mod counters;
pub mod runtime;
pub mod scenarios;
pub mod traffic;
