//! The audio thread takes no page fault on memory the stream allocated: a
//! page touched for the first time there costs a trip into the kernel
//! (microseconds, more under memory pressure), which a real-time callback
//! cannot afford. Counted from `/proc/thread-self/stat` (Linux).
#![cfg(target_os = "linux")]

use bbx_midi::{Event, MidiStream};

/// Minor page faults of the calling thread so far.
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("procfs");
    // The fields after the command name, which is in parentheses and may
    // hold spaces: state is field 3, minflt field 10.
    let after = &stat[stat.rfind(')').expect("a command name") + 2..];
    after
        .split(' ')
        .nth(7)
        .and_then(|f| f.parse().ok())
        .expect("minflt")
}

/// Finding of a review: the SysEx scratch buffer was allocated zeroed and
/// never touched, so the first SysEx taken faulted in every page of it on
/// the audio thread (1 024 faults with 4 MiB).
#[test]
#[cfg_attr(miri, ignore = "reads procfs")]
fn the_first_sysex_taken_faults_in_no_page_of_the_scratch_buffer() {
    const BYTES: usize = 4 << 20;
    let (mut source, mut stream) = MidiStream::builder().sysex_bytes(BYTES).build();
    let mut sysex = vec![0x11u8; BYTES];
    sysex[0] = 0xF0;
    sysex[BYTES - 1] = 0xF7;
    source.try_send_bytes_at(&sysex, 0).unwrap();
    let before = minor_faults();
    let len = match stream.try_recv().map(|r| r.event) {
        Some(Event::SysEx(bytes)) => bytes.len(),
        other => panic!("expected the SysEx, got {other:?}"),
    };
    let faults = minor_faults() - before;
    assert_eq!(len, BYTES);
    // A few for the test's own stack and the procfs read; not one a page
    // of the 1 024 pages copied into.
    assert!(
        faults < 16,
        "{faults} minor page faults taking a 4 MiB SysEx"
    );
}

/// The ring's slots are written where the ring is made, so the first
/// pass of pushes and pops through them faults in no page: the first
/// push of a producer on the audio thread (MIDI out) would otherwise pay
/// one fault a page. Checked in optimized builds too, where the compiler
/// could turn an allocation followed by zeroes into a zeroed allocation
/// (pages the kernel maps on first touch).
#[test]
#[cfg_attr(miri, ignore = "reads procfs")]
fn the_first_pass_through_a_new_ring_faults_in_no_page() {
    const ITEMS: usize = 1 << 20; // 4 MiB of 4-byte messages: 1 024 pages
    let (mut producer, mut consumer) = bbx_midi::spsc::SpscRingBuffer::new::<u32>(ITEMS);
    let before = minor_faults();
    for i in 0..ITEMS as u32 {
        assert!(producer.try_push(i).is_ok());
    }
    for i in 0..ITEMS as u32 {
        assert_eq!(consumer.try_pop(), Some(i));
    }
    let faults = minor_faults() - before;
    assert!(
        faults < 16,
        "{faults} minor page faults on the first pass through a 4 MiB ring"
    );
}
