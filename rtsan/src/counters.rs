//! What RealtimeSanitizer cannot see, counted by the kernel for one thread:
//! page faults, waits and the read and write family of system calls.
//!
//! RTSan sees the library calls it intercepts. LLVM 19's runtime does not
//! intercept `read`, `write`, `syscall` or `futex` (a `std::sync::Mutex`
//! that has to wait is a `futex` system call, not `pthread_mutex_lock`),
//! and no interceptor can see a page fault. The kernel counts each of
//! those per thread, so reading its counters before and after a region
//! (outside it) shows whether the region faulted, waited, or read or wrote
//! through a system call.

use std::fmt;
use std::fs::File;
use std::io;
use std::ops::Sub;
use std::os::unix::fs::FileExt;

/// A thread's kernel counters at one moment, or the difference of two.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Page faults served without I/O (a page touched for the first time,
    /// a page of a file already cached).
    pub minor_faults: u64,
    /// Page faults that read from disk.
    pub major_faults: u64,
    /// Times the thread gave up the processor to wait: a lock held
    /// elsewhere, a sleep, a blocking read. Being preempted is not one.
    pub voluntary_switches: u64,
    /// System calls of the read family (`read`, `pread`, `readv`, …).
    pub read_calls: u64,
    /// System calls of the write family (`write`, `pwrite`, `writev`, …).
    pub write_calls: u64,
}

impl Counters {
    /// Whether every count is zero.
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

impl Sub for Counters {
    type Output = Self;

    fn sub(self, before: Self) -> Self {
        Self {
            minor_faults: self.minor_faults.wrapping_sub(before.minor_faults),
            major_faults: self.major_faults.wrapping_sub(before.major_faults),
            voluntary_switches: self
                .voluntary_switches
                .wrapping_sub(before.voluntary_switches),
            read_calls: self.read_calls.wrapping_sub(before.read_calls),
            write_calls: self.write_calls.wrapping_sub(before.write_calls),
        }
    }
}

impl fmt::Display for Counters {
    /// The counts that are not zero, e.g. `1 minor page fault, 2
    /// voluntary context switches (waits)`; `nothing` if all are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items = [
            (self.minor_faults, "minor page fault", ""),
            (self.major_faults, "major page fault", ""),
            (
                self.voluntary_switches,
                "voluntary context switch",
                " (waits)",
            ),
            (self.read_calls, "read-type system call", ""),
            (self.write_calls, "write-type system call", ""),
        ];
        let mut first = true;
        for (count, what, note) in items {
            if count == 0 {
                continue;
            }
            let plural = match (count, what.ends_with("switch")) {
                (1, _) => "",
                (_, true) => "es",
                _ => "s",
            };
            let comma = if first { "" } else { ", " };
            write!(f, "{comma}{count} {what}{plural}{note}")?;
            first = false;
        }
        if first {
            f.write_str("nothing")?;
        }
        Ok(())
    }
}

/// The counters of the thread that opened it (`/proc/thread-self/io` and
/// `getrusage(RUSAGE_THREAD)`), Linux only.
pub struct ThreadCounters {
    /// `/proc/thread-self/io`, opened by the measured thread: it keeps
    /// naming that thread whichever thread reads it.
    io: File,
    /// Read calls each reading itself adds to the next (the `pread` of
    /// the counters file).
    own_reads: u64,
    /// Readings taken so far.
    readings: u64,
}

impl ThreadCounters {
    /// The calling thread's counters.
    ///
    /// # Errors
    ///
    /// If `/proc/thread-self/io` cannot be opened or read (no procfs, or a
    /// kernel without per-task I/O accounting).
    pub fn open() -> io::Result<Self> {
        let mut counters = Self {
            io: File::open("/proc/thread-self/io")?,
            own_reads: 0,
            readings: 0,
        };
        // Calibrate: two readings with nothing between them differ only
        // by what reading costs.
        let first = counters.read_raw()?;
        let second = counters.read_raw()?;
        counters.own_reads = (second - first).read_calls;
        Ok(counters)
    }

    /// The counters now.
    ///
    /// # Panics
    ///
    /// If a counter cannot be read (it could when [`open`](Self::open)ed).
    pub fn read(&mut self) -> Counters {
        let mut now = self.read_raw().expect("the thread's counters");
        // Take out every earlier reading's own `pread`, as calibrated, so
        // that between two readings a region with no system call shows
        // none.
        self.readings += 1;
        now.read_calls = now
            .read_calls
            .wrapping_sub(self.readings.wrapping_mul(self.own_reads));
        now
    }

    fn read_raw(&mut self) -> io::Result<Counters> {
        // SAFETY: `rusage` is plain integers, valid all zero; getrusage
        // fills it for the calling thread.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pointer to a `rusage` the call may write.
        if unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // The file is a few lines of `name: value`; 512 bytes hold it.
        let mut text = [0u8; 512];
        let len = self.io.read_at(&mut text, 0)?;
        let text = std::str::from_utf8(&text[..len])
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not text"))?;
        let field = |name: &str| -> io::Result<u64> {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .and_then(|value| value.trim().parse().ok())
                .ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, format!("no {name} in {text:?}"))
                })
        };
        Ok(Counters {
            minor_faults: usage.ru_minflt as u64,
            major_faults: usage.ru_majflt as u64,
            voluntary_switches: usage.ru_nvcsw as u64,
            read_calls: field("syscr")?,
            write_calls: field("syscw")?,
        })
    }
}
