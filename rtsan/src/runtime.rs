//! RealtimeSanitizer's runtime: the real-time region, and what makes a
//! failure inside one readable.
//!
//! Only the runtime's `__rtsan_realtime_enter` and `__rtsan_realtime_exit`
//! are called, which LLVM 19's runtime (Debian 12's `libclang-rt-19-dev`)
//! and LLVM 20's both have. The `rtsan-standalone` crate is not used: its
//! 0.3 binds LLVM 20's interface (`__rtsan_ensure_initialized`,
//! `__rtsan_disable`, …), which LLVM 19's runtime lacks, so with that
//! runtime its initialisation does not link, and without initialisation
//! the runtime reports nothing (see `build.rs`, which links the runtime so
//! that it initialises itself).

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::Once;

#[cfg(not(rtsan_runtime_missing))]
unsafe extern "C" {
    /// Makes the calling thread real-time: from here every call the
    /// runtime intercepts (allocation, locks, sleeps, file and socket
    /// calls) prints a report and ends the process. Nests.
    fn __rtsan_realtime_enter();
    /// Undoes one [`__rtsan_realtime_enter`].
    fn __rtsan_realtime_exit();
}

/// Stand-ins when the runtime was not found at build time: every region
/// fails, loudly, instead of checking nothing.
#[cfg(rtsan_runtime_missing)]
unsafe fn __rtsan_realtime_enter() {
    panic!(
        "RealtimeSanitizer's runtime was not linked: build.rs found no \
         libclang_rt.rtsan archive (install Debian's libclang-rt-19-dev, or set \
         RTSAN_LIB_PATH, then rebuild); `bash .ci/test rtsan` installs it"
    );
}

/// See the other stand-in.
#[cfg(rtsan_runtime_missing)]
unsafe fn __rtsan_realtime_exit() {}

thread_local! {
    /// Real-time regions the thread is inside. `const` and `Copy`: reading
    /// it allocates nothing and registers no destructor, so it is safe to
    /// touch inside a region.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f` as a real-time region of the calling thread: RealtimeSanitizer
/// ends the process with a report (the call and its stack) at the first
/// allocation, free, lock, sleep or other call it watches inside it.
///
/// A panic inside the region leaves it in the panic hook (see
/// [`prepare`]).
pub fn realtime<R>(f: impl FnOnce() -> R) -> R {
    let _region = Region::enter();
    f()
}

/// One level of real-time region, left when dropped.
struct Region {
    /// Not `Send`: the region belongs to the thread that entered it.
    _thread: PhantomData<*mut ()>,
}

impl Region {
    fn enter() -> Self {
        prepare();
        DEPTH.set(DEPTH.get() + 1);
        // SAFETY: the runtime's entry point takes no arguments and may be
        // called from any thread; `Drop` pairs it with the exit.
        unsafe { __rtsan_realtime_enter() };
        Self {
            _thread: PhantomData,
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // The panic hook may have left every region already.
        if DEPTH.get() > 0 {
            DEPTH.set(DEPTH.get() - 1);
            // SAFETY: pairs the enter of this region, which is still open.
            unsafe { __rtsan_realtime_exit() };
        }
    }
}

/// Leaves every real-time region of the calling thread; the regions'
/// guards then leave nothing when they drop.
fn leave_all_regions() {
    for _ in 0..DEPTH.replace(0) {
        // SAFETY: one exit for each enter still open on this thread.
        unsafe { __rtsan_realtime_exit() };
    }
}

/// Prepares the process, once; every scenario calls it first, before it
/// builds what it checks.
///
/// * Pins glibc's mmap threshold at its default, 128 KiB. Left alone,
///   glibc raises it after a large block is freed, and the next large
///   block then comes from the heap, in pages an earlier scenario touched:
///   a buffer the library forgot to touch before the audio thread does
///   would fault only when its scenario runs first. Pinned, every block of
///   128 KiB or more is fresh pages from the kernel, as in a new process.
/// * Installs a panic hook that leaves the panicking thread's real-time
///   regions, so that what follows the hook (the unwinding) is not
///   reported as a violation. A panic whose message has arguments formats
///   it (allocates) before any hook runs, so inside a region only a panic
///   with a plain message (`assert!(x)`) reads as itself; any other is
///   reported by RTSan as the allocation, with the panic's stack.
pub fn prepare() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: a documented glibc setting, changed before any thread
        // of ours allocates concurrently.
        let pinned = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) };
        assert_eq!(pinned, 1, "mallopt(M_MMAP_THRESHOLD) failed");
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            leave_all_regions();
            default(info);
        }));
    });
}
