//! The UMP parser and translators never allocate or free: a counting
//! global allocator watches the thread while they run, as on an audio
//! thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bbx_midi::ump::{
    Midi1ToMidi2, Midi1ToUmp, Midi2ChannelVoice, Midi2ToMidi1, SysEx7Packets, Ump, UmpMessage,
    UmpReader, UmpToMidi1,
};

/// Counts allocator calls (alloc, realloc and dealloc alike) per thread.
struct CountingAllocator;

thread_local! {
    // `const` and `Copy`: using it from the allocator cannot allocate.
    static CALLS: Cell<u64> = const { Cell::new(0) };
}

fn count_call() {
    let _ = CALLS.try_with(|calls| calls.set(calls.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged; counting touches only a thread-local `Cell`.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_call();
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_call();
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_call();
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count_call();
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// The number of allocator calls this thread makes while running `f`.
fn allocator_calls<R>(f: impl FnOnce() -> R) -> (u64, R) {
    let before = CALLS.with(Cell::get);
    let result = f();
    (CALLS.with(Cell::get) - before, result)
}

/// Running status, real time inside SysEx, (N)RPN, bank and program, pitch
/// bend, a 20-byte SysEx.
const STREAM: [u8; 48] = [
    0x90, 60, 100, 62, 0, 0xB0, 101, 0, 100, 0, 6, 2, 38, 0, 0xB0, 0, 1, 32, 2, 0xC0, 5, 0xE0, 0,
    0x40, 0xF0, 1, 2, 3, 4, 0xF8, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 0xF7,
    0xFE,
];

#[test]
fn bytes_to_ump_to_midi2_and_back_to_bytes_never_allocates() {
    let mut bytes_out = [0u8; 128];
    let (calls, written) = allocator_calls(|| {
        let mut to_ump = Midi1ToUmp::new(0).unwrap();
        let mut up = Midi1ToMidi2::new();
        let mut down = Midi2ToMidi1::new();
        let mut to_bytes = UmpToMidi1::<64>::new();
        let mut written = 0;
        to_ump.parse(&STREAM, |packet| {
            up.push(packet, |midi2| {
                down.push(midi2, |midi1| {
                    to_bytes.push(midi1, |_, event| {
                        let bytes = event.as_bytes();
                        bytes_out[written..written + bytes.len()].copy_from_slice(bytes);
                        written += bytes.len();
                    });
                });
            });
        });
        up.flush(|_| {});
        written
    });
    assert_eq!(calls, 0);
    // Everything came through: note on, note off (as 0x80), the RPN, the
    // bank and program, the bend, the clock, the SysEx, active sensing.
    assert_eq!(written, 3 + 3 + 12 + (3 + 3 + 2) + 3 + 1 + 22 + 1);
}

#[test]
fn parsing_and_classifying_words_never_allocates() {
    let words = [
        0x2090_3C64,
        0x4090_3C00,
        0x8000_0000,
        0x3016_0102,
        0x0304_0506,
        0xD010_0000,
        1,
        0,
        0,
        0xF001_0101,
        0x8200_0301,
        0,
        0,
        0x6000_0000,
        0x4000_0000,
    ];
    let (calls, count) = allocator_calls(|| {
        let mut count = 0;
        for packet in UmpReader::new(&words).flatten() {
            if !matches!(packet.message(), UmpMessage::Other(_)) {
                count += 1;
            }
            let _ = Ump::parse(packet.words());
        }
        let note = Midi2ChannelVoice::note_on(0, 0, 60, 1, 0, 0).unwrap();
        count + SysEx7Packets::new(&[0xF0, 1, 0xF7], 0).unwrap().count() + note.packet().len()
    });
    assert_eq!(calls, 0);
    assert_eq!(count, 5 + 1 + 2);
}

#[test]
fn the_translators_are_as_small_as_their_docs_say() {
    assert_eq!(size_of::<Ump>(), 16);
    assert!(size_of::<Midi1ToUmp>() <= 96, "{}", size_of::<Midi1ToUmp>());
    assert!(
        size_of::<Midi1ToMidi2>() <= 3500,
        "{}",
        size_of::<Midi1ToMidi2>()
    );
    assert!(
        size_of::<Midi2ToMidi1>() <= 72,
        "{}",
        size_of::<Midi2ToMidi1>()
    );
    assert!(size_of::<UmpToMidi1<256>>() <= 256 + 64);
}
