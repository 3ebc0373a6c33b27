//! Controls: deliberate violations, injected into a checked region by the
//! harness, that must make the run fail. They prove that the checks can
//! fail: that the runtime is linked and initialised, that the regions are
//! real-time, and that the kernel counters see what RTSan cannot.
//!
//! A control is chosen with the environment variable [`CONTROL_VAR`] when
//! a scenario runs; `tests/audio_thread.rs` runs a scenario in a child
//! process once per control and expects it to fail with the control's
//! report.

use std::cell::UnsafeCell;
use std::fs::File;
use std::hint::black_box;
use std::io::{Read, Write};
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The environment variable that names the control to inject.
pub const CONTROL_VAR: &str = "BBX_RTSAN_CONTROL";

/// A deliberate violation inside a checked region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Allocates (`malloc`): RTSan.
    Allocate,
    /// Frees what was allocated before the region (`free`): RTSan.
    Free,
    /// Locks and unlocks a pthread mutex: RTSan.
    Lock,
    /// Sends a UDP datagram to itself (`send`): RTSan.
    Send,
    /// Sleeps 1 ms with `std::thread::sleep` (`clock_nanosleep`, which
    /// LLVM 19's RTSan does not intercept): the kernel counts the wait.
    Sleep,
    /// Waits for a `std::sync::Mutex` another thread holds: a `futex`
    /// system call, which LLVM 19's RTSan does not intercept; the kernel
    /// counts the wait.
    Wait,
    /// Reads a file opened before the region (`read`, which LLVM 19's
    /// RTSan does not intercept): the kernel counts the call.
    Read,
    /// Writes a line to stderr (`write`, which LLVM 19's RTSan does not
    /// intercept): the kernel counts the call.
    Write,
    /// Touches a page no thread touched before: a page fault, which no
    /// interceptor sees; the kernel counts it.
    PageFault,
}

impl Control {
    /// Every control, in the order the tests run them.
    pub const ALL: [Self; 9] = [
        Self::Allocate,
        Self::Free,
        Self::Lock,
        Self::Send,
        Self::Sleep,
        Self::Wait,
        Self::Read,
        Self::Write,
        Self::PageFault,
    ];

    /// Its name in [`CONTROL_VAR`].
    pub fn name(self) -> &'static str {
        match self {
            Self::Allocate => "allocate",
            Self::Free => "free",
            Self::Lock => "lock",
            Self::Send => "send",
            Self::Sleep => "sleep",
            Self::Wait => "wait",
            Self::Read => "read",
            Self::Write => "write",
            Self::PageFault => "page-fault",
        }
    }

    /// What the failing run's stderr must say: RTSan's report naming the
    /// intercepted call, or the harness's naming the counter.
    pub fn expected_report(self) -> &'static str {
        match self {
            Self::Allocate => "real-time unsafe function `malloc`",
            Self::Free => "real-time unsafe function `free`",
            Self::Lock => "real-time unsafe function `pthread_mutex_lock`",
            Self::Send => "real-time unsafe function `send`",
            Self::Sleep | Self::Wait => "voluntary context switch",
            Self::Read => "read-type system call",
            Self::Write => "write-type system call",
            Self::PageFault => "minor page fault",
        }
    }

    /// The control [`CONTROL_VAR`] names, if any.
    ///
    /// # Panics
    ///
    /// If it names none of them: a misspelt control must not pass as no
    /// control.
    pub fn from_env() -> Option<Self> {
        let name = std::env::var(CONTROL_VAR).ok()?;
        let control = Self::ALL.into_iter().find(|c| c.name() == name);
        Some(control.unwrap_or_else(|| {
            panic!(
                "{CONTROL_VAR}={name:?} names no control (controls: {:?})",
                Self::ALL.map(Self::name)
            )
        }))
    }

    /// Sets up, outside the region, what [`Armed::fire`] needs inside it.
    pub fn arm(self) -> Armed {
        let state = match self {
            Self::Allocate | Self::Sleep | Self::Write => State::Nothing,
            Self::Send => {
                let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket on localhost");
                socket
                    .connect(socket.local_addr().expect("its address"))
                    .expect("connect the socket to itself");
                State::Send(socket)
            }
            Self::Read => State::Read(File::open("/proc/self/stat").expect("open /proc/self/stat")),
            Self::Free => State::Free(Some(black_box(Box::new([0u8; 64])))),
            Self::Lock => State::Lock(Box::new(PthreadMutex(UnsafeCell::new(
                libc::PTHREAD_MUTEX_INITIALIZER,
            )))),
            Self::Wait => {
                let mutex = Arc::new(Mutex::new(()));
                let locked = Arc::new(AtomicBool::new(false));
                let holder = {
                    let (mutex, locked) = (Arc::clone(&mutex), Arc::clone(&locked));
                    thread::spawn(move || {
                        let _guard = mutex.lock().unwrap();
                        locked.store(true, Ordering::Release);
                        thread::sleep(Duration::from_millis(50));
                    })
                };
                while !locked.load(Ordering::Acquire) {
                    thread::yield_now();
                }
                State::Wait(mutex, Some(holder))
            }
            Self::PageFault => {
                // A fresh anonymous page: mapped, never touched by anyone.
                // SAFETY: an anonymous private mapping of one page at an
                // address the kernel chooses; checked below.
                let page = unsafe {
                    libc::mmap(
                        std::ptr::null_mut(),
                        4096,
                        libc::PROT_READ | libc::PROT_WRITE,
                        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                        -1,
                        0,
                    )
                };
                assert_ne!(page, libc::MAP_FAILED, "mmap of one page");
                State::Page(page.cast())
            }
        };
        Armed {
            control: self,
            state,
        }
    }
}

/// A pthread mutex (the lock RTSan intercepts), in a box so it never moves.
struct PthreadMutex(UnsafeCell<libc::pthread_mutex_t>);

/// What an armed control holds.
enum State {
    Nothing,
    Free(Option<Box<[u8; 64]>>),
    Lock(Box<PthreadMutex>),
    Send(UdpSocket),
    Read(File),
    Wait(Arc<Mutex<()>>, Option<thread::JoinHandle<()>>),
    Page(*mut u8),
}

/// A control set up and ready to fire inside a region.
pub struct Armed {
    control: Control,
    state: State,
}

impl Armed {
    /// The violation: call it inside the region.
    pub fn fire(&mut self) {
        match (&mut self.state, self.control) {
            (State::Nothing, Control::Allocate) => {
                black_box(Box::new(black_box(7u64)));
            }
            (State::Nothing, Control::Sleep) => thread::sleep(Duration::from_millis(1)),
            (State::Nothing, Control::Write) => {
                let _ =
                    std::io::stderr().write_all(b"control: a write to stderr inside the region\n");
            }
            (State::Free(block), _) => drop(block.take()),
            (State::Lock(mutex), _) => {
                // SAFETY: a mutex initialised with the static initialiser
                // that never moves (boxed); locked and unlocked by this
                // thread only.
                unsafe {
                    libc::pthread_mutex_lock(mutex.0.get());
                    libc::pthread_mutex_unlock(mutex.0.get());
                }
            }
            (State::Send(socket), _) => {
                let _ = socket.send(b"control");
            }
            (State::Read(file), _) => {
                let _ = file.read(&mut [0u8; 64]);
            }
            (State::Wait(mutex, _), _) => drop(mutex.lock()),
            (State::Page(page), _) => {
                // SAFETY: the first byte of the page mapped in `arm`, still
                // mapped (unmapped on drop).
                unsafe { page.write_volatile(1) };
            }
            (State::Nothing, control) => unreachable!("{control:?} holds state"),
        }
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        match &mut self.state {
            State::Wait(_, holder) => {
                if let Some(holder) = holder.take() {
                    let _ = holder.join();
                }
            }
            State::Page(page) => {
                // SAFETY: the page `arm` mapped, no longer used.
                unsafe { libc::munmap(page.cast(), 4096) };
            }
            _ => {}
        }
    }
}
