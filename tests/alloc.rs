//! The real-time paths (rings, streams, scheduler, parsers, UMP translators)
//! never allocate or free: a counting global allocator
//! watches the calling thread while they run.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write;
use std::thread;

use bbx_midi::spsc::SpscRingBuffer;
use bbx_midi::ump::{
    Midi1ChannelVoice, Midi1ToMidi2, Midi1ToUmp, Midi2ChannelVoice, Midi2ToMidi1, SysEx7,
    SysEx7Packets, SystemMessage, Ump, UmpMessage, UmpReader, UmpToMidi1,
};
use bbx_midi::{Event, MidiEvent, MidiMessage, MidiStream, SendError, midi_buffer};

/// Counts allocator calls (alloc, realloc and dealloc alike) per thread, so
/// that tests running in parallel do not see each other's allocations.
struct CountingAllocator;

thread_local! {
    // `const` and `Copy`: no lazy initialisation and no destructor, so using
    // it from inside the allocator cannot itself allocate.
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

#[test]
fn the_counter_sees_allocations_and_frees() {
    let (calls, v) = allocator_calls(|| Vec::<u8>::with_capacity(16));
    assert_eq!(calls, 1);
    let (calls, ()) = allocator_calls(|| drop(v));
    assert_eq!(calls, 1);
    let (calls, ()) = allocator_calls(|| drop(std::hint::black_box(String::from("x"))));
    assert_eq!(calls, 2);
}

#[test]
fn midi_buffer_allocates_only_when_created() {
    let (calls, (mut producer, mut consumer)) = allocator_calls(|| midi_buffer(64));
    assert!(calls > 0, "construction is where the allocation happens");
    let msg = MidiMessage::note_on(0, 60, 100).unwrap();
    let mut block = [MidiMessage::INVALID; 16];

    let (calls, ()) = allocator_calls(|| {
        for _ in 0..1000 {
            assert!(producer.try_send(msg));
            assert!(!producer.is_full());
            assert!(producer.slots() > 0);
            assert_eq!(consumer.len(), 1);
            assert!(!consumer.is_empty());
            assert_eq!(consumer.try_pop(), Some(msg));
            assert!(consumer.try_pop().is_none());
            for _ in 0..20 {
                producer.try_send(msg);
            }
            assert_eq!(consumer.pop_into(&mut block), 16);
            assert_eq!(consumer.pop_into(&mut block), 4);
            assert_eq!(producer.try_send_slice(&block), 16);
            assert_eq!(consumer.pop_into(&mut block), 16);
            assert!(!producer.is_abandoned() && !consumer.is_abandoned());
        }
    });
    assert_eq!(calls, 0);
}

#[test]
fn drain_into_with_room_does_not_allocate() {
    let (mut producer, mut consumer) = midi_buffer(64);
    let mut messages = Vec::with_capacity(64);
    let (calls, ()) = allocator_calls(|| {
        for round in 0..100 {
            for _ in 0..64 {
                producer.try_send(MidiMessage::TIMING_CLOCK);
            }
            assert_eq!(consumer.drain_into(&mut messages), 64, "round {round}");
            messages.clear();
        }
    });
    assert_eq!(calls, 0);
}

#[test]
fn drain_into_without_room_allocates_as_documented() {
    let (mut producer, mut consumer) = midi_buffer(4);
    producer.try_send(MidiMessage::START);
    let mut messages = Vec::new();
    let (calls, n) = allocator_calls(|| consumer.drain_into(&mut messages));
    assert_eq!(n, 1);
    assert_eq!(calls, 1);
}

#[test]
fn parsing_and_building_messages_does_not_allocate() {
    let inputs: [&[u8]; 6] = [
        &[0x90, 60, 100],
        &[0xC0, 5],
        &[0xF8],
        &[],
        &[0xF0, 1, 0xF7],
        &[0x90, 0x80, 0],
    ];
    let mut text = FixedText::default();
    let (calls, ()) = allocator_calls(|| {
        for input in inputs {
            let parsed = MidiMessage::parse(input);
            assert_eq!(MidiMessage::try_from(input), parsed);
            let from = parsed.unwrap_or(MidiMessage::INVALID);
            if let Err(err) = parsed {
                text.clear();
                write!(text, "{err}").unwrap();
            }
            text.clear();
            write!(text, "{from} {from:?}").unwrap();
        }
        let msg = MidiMessage::note_on(1, 2, 3).unwrap();
        assert_eq!(msg.kind(), bbx_midi::MessageKind::NoteOn);
        assert_eq!(MidiMessage::new([0x90, 2, 3]).channel(), Some(0));
        assert!(MidiMessage::pitch_bend_change(0, 20000).is_err());
    });
    assert_eq!(calls, 0);
}

#[test]
fn the_byte_parser_does_not_allocate() {
    let mut parser = bbx_midi::parser::MidiParser::<16>::new();
    let bytes = [
        0x90, 60, 100, 64, 0xF8, 90, 0xF0, 1, 2, 3, 0xF8, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        16, 17, 0xF7, 0xF4, 1, 0xF0, 1,
    ];
    let (calls, delivered) = allocator_calls(|| {
        let mut delivered = 0;
        for _ in 0..100 {
            parser.parse(&bytes, |event| {
                delivered += usize::from(matches!(event, bbx_midi::parser::Parsed::Message(_)));
            });
            for event in parser.push(0x80) {
                std::hint::black_box(event);
            }
            delivered += usize::from(parser.finish().is_some());
        }
        delivered
    });
    assert_eq!(calls, 0);
    assert!(delivered >= 400);
}

#[test]
fn every_midi_buffer_send_does_not_allocate() {
    let (mut producer, mut consumer) = midi_buffer(8);
    let chord = [60, 64, 67, 72].map(|n| MidiMessage::note_on(0, n, 90).unwrap());
    let mut out = [MidiMessage::INVALID; 8];
    let (calls, ()) = allocator_calls(|| {
        for _ in 0..1000 {
            assert_eq!(producer.try_send_slice(&chord), 4);
            assert_eq!(producer.try_push_slice(&chord), 4);
            assert_eq!(producer.try_push_slice(&chord), 0);
            assert_eq!(
                producer.try_send_bytes(&[0x90, 60, 100]),
                Err(SendError::Full)
            );
            assert_eq!(producer.try_push_bytes(&[0xF8]), Err(SendError::Full));
            assert!(producer.try_send_bytes(&[0xF0, 0xF7]).is_err());
            assert!(!producer.try_send(MidiMessage::INVALID));
            assert_eq!(consumer.pop_into(&mut out), 8);
            assert_eq!(producer.try_send_bytes(&[0x90, 60, 100]), Ok(()));
            assert_eq!(producer.try_push_bytes(&[0xF8]), Ok(()));
            assert_eq!(consumer.pop_into(&mut out), 2);
            assert_eq!(consumer.take_dropped(), 1);
        }
    });
    assert_eq!(calls, 0);
}

#[test]
fn every_stream_method_does_not_allocate() {
    let ([mut port, mut keyboard], mut stream) = MidiStream::builder()
        .capacity(16)
        .sysex_bytes(64)
        .build_merged();
    let mut parser = bbx_midi::parser::MidiParser::<4>::new();
    let mut events = [MidiEvent::default(); 8];
    let (calls, taken) = allocator_calls(|| {
        let mut taken = 0usize;
        for i in 0..1000u64 {
            let t = i * 1000;
            assert!(keyboard.try_send_at(MidiMessage::note_on(0, 60, 100).unwrap(), t));
            assert!(keyboard.try_push_at(MidiMessage::START, t + 1).is_ok());
            port.try_send_bytes_at(&[0xF0, 0x7E, 0x7F], t + 2).unwrap();
            port.try_send_bytes_at(&[0x06, 0xF8, 0x01, 0xF7], t + 3)
                .unwrap();
            port.try_push_bytes_at(&[0xB0, 7, 100], t + 4).unwrap();
            for &byte in &[0xF0, 1, 2, 3, 4, 5, 0xF7, 0x90, 61, 1] {
                for parsed in parser.push(byte) {
                    port.try_send_parsed_at(parsed, t + 5).unwrap();
                }
            }
            // Too large, then a loss reported by the source itself.
            assert!(port.try_send_bytes_at(&[0xF0], t + 6).is_ok());
            assert!(port.try_send_bytes_at(&[0x01; 70], t + 6).is_err());
            port.add_dropped_at(2, t + 7);
            assert!(!port.is_full() && port.slots() > 0 && port.sysex_slots() > 0);
            assert!(port.dropped() > 0 && !port.sysex_in_progress());
            assert_eq!((port.index(), keyboard.index()), (0, 1));
            assert_eq!(stream.sources(), 2);
            assert!(stream.peek_time().is_some());
            taken += stream.pop_into(&mut events);
            while let Some(received) = stream.try_recv() {
                if let Event::SysEx(bytes) = received.event {
                    assert_eq!(bytes[0], 0xF0);
                }
                taken += 1;
            }
            assert!(stream.lost() > 0);
        }
        taken
    });
    assert_eq!(calls, 0);
    assert!(taken >= 7000, "{taken}");
}

#[test]
fn scheduling_and_overflow_recovery_do_not_allocate() {
    let (mut source, mut stream) = MidiStream::builder().capacity(64).build();
    let mut scheduler = bbx_midi::BlockScheduler::new(48_000.0, 10_000);
    let mut synth_state = 0usize;
    let (calls, ()) = allocator_calls(|| {
        for block in 0..1000u64 {
            let start = block * 10_000;
            for i in 0..70u64 {
                source.try_send_at(MidiMessage::TIMING_CLOCK, start + i * 100);
            }
            // A missed callback now and then.
            let callback = if block % 100 == 50 {
                start + 10_000
            } else {
                start
            };
            scheduler.set_latency_us(10_000 + (block % 2) as u32 * 100);
            scheduler.begin_block(callback, 480);
            let rate = scheduler.sample_rate_estimate();
            assert!((47_000.0..49_000.0).contains(&rate), "{rate}");
            while let Some(scheduled) = scheduler.next_event(&mut stream) {
                synth_state = synth_state.wrapping_add(scheduled.frame);
                if let Event::Lost { .. } = scheduled.event {
                    for message in MidiMessage::release_all_notes() {
                        synth_state = synth_state.wrapping_add(message.as_bytes().len());
                    }
                }
            }
            if let Some(frame) = scheduler.schedule(start as u32) {
                synth_state = synth_state.wrapping_add(frame);
            }
        }
    });
    assert_eq!(calls, 0);
    assert!(synth_state > 0);
    assert!(scheduler.stats().events > 0);
    assert!(stream.lost() > 0);
}

#[test]
fn spsc_operations_do_not_allocate() {
    let (mut producer, mut consumer) = SpscRingBuffer::new::<u32>(8);
    let mut out = [0u32; 8];
    let (calls, ()) = allocator_calls(|| {
        for i in 0..1000 {
            assert_eq!(producer.try_push(i), Ok(()));
            assert_eq!(consumer.dropped_at_end(), None);
            assert_eq!(consumer.peek(), Some(&i));
            assert_eq!(consumer.try_pop(), Some(i));
            assert_eq!(producer.push_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 9]), 8);
            assert_eq!(producer.try_push(0), Err(0));
            assert_eq!(consumer.pop_slice(&mut out), 8);
            assert_eq!(producer.push_slice(&[1, 2]), 2);
            assert_eq!(consumer.skip(5), 2);
            producer.add_dropped_marked(1, i);
            let report = consumer.dropped_at_end().unwrap();
            assert_eq!((report.total, report.mark), (i as usize + 1, i));
        }
    });
    assert_eq!(calls, 0);
}

#[test]
fn the_audio_thread_does_not_allocate_while_the_midi_thread_sends() {
    let (mut producer, mut consumer) = midi_buffer(256);
    let sender = thread::spawn(move || {
        for i in 0..100_000u32 {
            let msg = MidiMessage::control_change(0, 1, (i % 128) as u8).unwrap();
            while producer.try_push(msg).is_err() {
                thread::yield_now();
            }
        }
    });
    let (calls, received) = allocator_calls(|| {
        let mut received = 0u32;
        let mut block = [MidiMessage::INVALID; 32];
        while received < 100_000 {
            if let Some(msg) = consumer.try_pop() {
                assert_eq!(msg.value(), Some((received % 128) as u8));
                received += 1;
            }
            let n = consumer.pop_into(&mut block);
            for msg in &block[..n] {
                assert_eq!(msg.value(), Some((received % 128) as u8));
                received += 1;
            }
            if n == 0 && consumer.is_empty() {
                std::hint::spin_loop();
            }
        }
        received
    });
    sender.join().unwrap();
    assert_eq!(received, 100_000);
    assert_eq!(calls, 0);
}

/// A `fmt::Write` into a fixed array, so formatting can be checked without
/// the sink allocating. Room for a 300-byte SysEx shown whole twice
/// (`{:#}` and `Debug`) on one line.
struct FixedText {
    bytes: [u8; 4096],
    len: usize,
}

impl Default for FixedText {
    fn default() -> Self {
        Self {
            bytes: [0; 4096],
            len: 0,
        }
    }
}

impl FixedText {
    fn clear(&mut self) {
        self.len = 0;
    }
}

impl Write for FixedText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[test]
fn formatting_events_packets_and_views_makes_no_allocator_call() {
    use bbx_midi::ump::{
        EndpointInfo, FlexAddress, FlexData, FunctionBlockInfo, MixedDataSetHeader,
        MixedDataSetPayload, StreamMessage, SysEx8, SysExStatus, Utility,
    };
    use bbx_midi::{Received, Scheduled};

    let mut dump = [0x55u8; 300];
    dump[0] = 0xF0;
    dump[299] = 0xF7;
    let note = MidiMessage::note_on(0, 60, 100).unwrap();
    let midi2 = Midi2ChannelVoice::note_on(0, 0, 60, 0x8000, 3, 0x7900).unwrap();
    let events = [
        Event::Message(note),
        Event::SysEx(&dump),
        Event::Ump(midi2.packet()),
        Event::SysEx7 {
            group: 0,
            data: &dump[1..299],
        },
        Event::SysEx8 {
            group: 1,
            stream_id: 7,
            data: &dump,
        },
        Event::Lost { count: 1 },
        Event::Lost { count: 3 },
    ];
    let header = MixedDataSetHeader {
        group: 1,
        mds_id: 2,
        valid_bytes: 100,
        chunks: 3,
        chunk: 1,
        manufacturer_id: 0x41,
        device_id: 0x10,
        sub_id_1: 5,
        sub_id_2: 6,
    };
    let payload = MixedDataSetPayload {
        group: 0,
        mds_id: 1,
        bytes: [0xAB; 14],
    };
    let block = FunctionBlockInfo {
        active: true,
        groups: 1,
        direction: 3,
        ..FunctionBlockInfo::default()
    };
    let packets = [
        Utility::jr_clock(0xABCD).packet(),
        SystemMessage::new(0, MidiMessage::TIMING_CLOCK)
            .unwrap()
            .packet(),
        Midi1ChannelVoice::new(3, note).unwrap().packet(),
        SysEx7::new(0, SysExStatus::Start, &[1, 2, 3])
            .unwrap()
            .packet(),
        midi2.packet(),
        Midi2ChannelVoice::per_note_management(0, 0, 60, true, true)
            .unwrap()
            .packet(),
        Midi2ChannelVoice::program_change(0, 0, 5, Some((1, 2)))
            .unwrap()
            .packet(),
        SysEx8::new(2, SysExStatus::Complete, 7, &[0xF0, 0x80])
            .unwrap()
            .packet(),
        header.to_ump().unwrap(),
        payload.to_ump().unwrap(),
        FlexData::set_tempo(0, 50_000_000).unwrap().packet(),
        FlexData::set_time_signature(0, 6, 3, 8).unwrap().packet(),
        FlexData::set_key_signature(0, FlexAddress::Channel(2), -3, 5)
            .unwrap()
            .packet(),
        FlexData::text_message(
            0,
            SysExStatus::Complete,
            FlexAddress::Group,
            1,
            2,
            b"caf\xC3",
        )
        .unwrap()
        .packet(),
        FlexData::new(0, SysExStatus::Start, FlexAddress::Group, 9, 9, [1, 2, 3])
            .unwrap()
            .packet(),
        StreamMessage::endpoint_discovery(1, 1, 0x1F).packet(),
        StreamMessage::endpoint_info_notification(EndpointInfo::default())
            .unwrap()
            .packet(),
        StreamMessage::function_block_info_notification(block)
            .unwrap()
            .packet(),
        Ump::parse(&[0xF003_5379, 0x6E74_6800, 0, 0]).unwrap(),
        Ump::parse(&[0xF012_0150, 0x6961_6E6F, 0, 0]).unwrap(),
        StreamMessage::new(SysExStatus::Complete, 0x3FF, 1, [1, 2, 3])
            .unwrap()
            .packet(),
        Ump::parse(&[0x6000_0000]).unwrap(),
        Ump::parse(&[0x4070_0000, 0]).unwrap(),
    ];
    let mut text = FixedText::default();
    let (calls, written) = allocator_calls(|| {
        let mut written = 0;
        let mut show = |args: std::fmt::Arguments<'_>| {
            text.clear();
            text.write_fmt(args).unwrap();
            assert!(text.len > 0);
            written += 1;
        };
        for (i, event) in events.into_iter().enumerate() {
            show(format_args!("{event} {event:#} {event:?}"));
            let received = Received {
                time: i as u32,
                source: i,
                event,
            };
            show(format_args!("{received} {received:#} {received:?}"));
            let scheduled = Scheduled {
                frame: i,
                time: i as u32,
                source: i,
                event,
            };
            show(format_args!("{scheduled} {scheduled:#} {scheduled:?}"));
        }
        let stamped = MidiEvent::new(note, 1_002_000);
        show(format_args!("{stamped} {stamped:?}"));
        for packet in packets {
            let message = packet.message();
            show(format_args!("{packet} {packet:?} {message} {message:?}"));
            match message {
                UmpMessage::Utility(m) => show(format_args!("{m} {m:?}")),
                UmpMessage::System(m) => show(format_args!("{m} {m:?}")),
                UmpMessage::Midi1ChannelVoice(m) => show(format_args!("{m} {m:?}")),
                UmpMessage::SysEx7(m) => show(format_args!("{m} {m:?}")),
                UmpMessage::Midi2ChannelVoice(m) => show(format_args!("{m} {m:?}")),
                UmpMessage::SysEx8(m) => show(format_args!("{m} {m:?}")),
                UmpMessage::MixedDataSetHeader(m) => show(format_args!("{m} {m:?}")),
                UmpMessage::MixedDataSetPayload(m) => show(format_args!("{m} {m:?}")),
                UmpMessage::FlexData(m) => show(format_args!("{m} {m:?}")),
                UmpMessage::Stream(m) => show(format_args!("{m} {m:?}")),
                UmpMessage::Other(p) => show(format_args!("{p} {p:?}")),
                _ => unreachable!("a view this test does not know"),
            }
        }
        show(format_args!("{block} {}", EndpointInfo::default()));
        written
    });
    assert_eq!(calls, 0);
    assert_eq!(written, 3 * 7 + 1 + 2 * 23 + 1);
}

#[test]
fn midi2_through_a_stream_does_not_allocate() {
    use bbx_midi::Protocol;
    use bbx_midi::ump::{FlexData, Midi2ChannelVoice, SysEx7Packets, SysEx8, SysExStatus};
    let ([mut old, mut new], mut up) = MidiStream::builder()
        .protocol(Protocol::Midi2)
        .capacity(32)
        .sysex_bytes(64)
        .build_merged();
    let (mut to_midi1, mut down) = MidiStream::builder().capacity(32).sysex_bytes(64).build();
    let note = Midi2ChannelVoice::note_on(0, 0, 60, 0x8000, 0, 0)
        .unwrap()
        .packet();
    let rpn = Midi2ChannelVoice::registered_controller(0, 0, 0, 0, 1 << 26)
        .unwrap()
        .packet();
    let tempo = FlexData::set_tempo(0, 500_000).unwrap().packet();
    let sysex8 = SysEx8::new(0, SysExStatus::Complete, 7, &[0xFF, 0x80])
        .unwrap()
        .packet();
    let sysex = [0xF0, 1, 2, 3, 4, 5, 6, 7, 8, 0xF7];
    let (calls, taken) = allocator_calls(|| {
        let mut taken = 0usize;
        for i in 0..500u64 {
            for (controller, value) in [(101, 0), (100, 0), (6, 3)] {
                let message = MidiMessage::control_change(0, controller, value).unwrap();
                assert!(old.try_send_at(message, i));
            }
            new.try_send_ump_at(note, i).unwrap();
            new.try_push_ump_at(tempo, i).unwrap();
            new.try_send_ump_at(sysex8, i).unwrap();
            for packet in SysEx7Packets::new(&sysex, 1).unwrap() {
                new.try_send_ump_at(packet, i).unwrap();
            }
            to_midi1.try_send_ump_at(rpn, i).unwrap();
            assert!(to_midi1.try_send_ump_at(sysex8, i).is_err());
            while let Some(r) = up.try_recv() {
                taken += usize::from(!matches!(r.event, Event::Lost { .. }));
            }
            while down.try_recv().is_some() {
                taken += 1;
            }
        }
        taken
    });
    assert_eq!(calls, 0);
    // One controller from the MIDI 1.0 source; a note, a tempo, a SysEx8
    // and a SysEx7 from the MIDI 2.0 one; four messages from the RPN.
    assert_eq!(taken, 500 * (1 + 4 + 4));
    assert_eq!(old.translation_stats(), Default::default());
}

// ------------------------------------------- the UMP parser and translators

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

/// Sources that come and go: the audio thread places a source handed over
/// by the adder, takes its events, takes its end and hands its rings back,
/// all without an allocator call; the adder's thread allocates the new
/// source and frees the old one.
#[test]
fn sources_coming_and_going_cost_the_audio_thread_no_allocation() {
    let (first, mut stream) = MidiStream::builder()
        .capacity(8)
        .sysex_bytes(32)
        .max_sources(2)
        .build();
    let mut adder = stream.adder().unwrap();
    drop(first);
    let mut taken = 0;
    let (calls, ()) = allocator_calls(|| {
        while let Some(received) = stream.try_recv() {
            assert_eq!(received.event, Event::Ended);
            taken += 1;
        }
    });
    assert_eq!((calls, taken), (0, 1), "the first source's end, retired");
    for round in 0..4u64 {
        let (calls, mut source) = allocator_calls(|| adder.add().unwrap());
        assert!(calls > 0, "the adding thread allocates the rings");
        let mut monitor = None;
        if round == 0 {
            monitor = Some(source.monitor());
        }
        let (calls, ()) = allocator_calls(|| {
            assert!(source.try_send_at(MidiMessage::START, round * 10));
            source
                .try_send_bytes_at(&[0xF0, 1, 2, 0xF7], round * 10 + 1)
                .unwrap();
        });
        assert_eq!(calls, 0, "sending");
        drop(source);
        let mut seen = 0;
        let (calls, ()) = allocator_calls(|| {
            // Its end is found at the look of the block after its last
            // event: two blocks.
            let mut scheduler = bbx_midi::BlockScheduler::new(48_000.0, 0);
            for block in 0..2 {
                scheduler.begin_block(round * 10 + block * 100_000, 4_800);
                while scheduler.next_event(&mut stream).is_some() {
                    seen += 1;
                }
            }
        });
        assert_eq!(
            (calls, seen),
            (0, 3),
            "round {round}: place, take, end, retire"
        );
        if let Some(monitor) = monitor {
            assert_eq!(monitor.stats().sent, 2);
        }
    }
    let (calls, collected) = allocator_calls(|| adder.collect());
    assert!(
        collected == 1 && calls > 0,
        "the adder's thread frees the rings"
    );
}

/// The live parts' audio-thread calls: a new source swapped in (the old one
/// handed back), the card clock, a frame's time, and MIDI out sent from
/// the audio thread: no allocator call.
#[test]
fn the_live_parts_audio_side_does_not_allocate() {
    use bbx_midi::io::{CardClock, source_swap};
    let (mut echo, mut echoes) = MidiStream::builder().capacity(8).max_sources(2).build();
    let mut adder = echoes.adder().unwrap();
    let (mut offer, mut take) = source_swap();
    offer.offer(adder.add().unwrap()).unwrap();
    let mut card = CardClock::new();
    let mut scheduler = bbx_midi::BlockScheduler::new(48_000.0, 1_000);
    let (calls, swapped) = allocator_calls(|| {
        let start = card.block_start_us(1_000_000, 5_000_000, 6_000_000);
        scheduler.begin_block(start, 64);
        let swapped = take.swap(&mut echo);
        assert!(echo.try_send_at(MidiMessage::START, scheduler.time_at(10)));
        swapped
    });
    assert_eq!((calls, swapped), (0, true));
    assert_eq!(offer.collect(), 1, "the old source, back on this thread");
    assert_eq!(echoes.try_recv().unwrap().event, Event::Ended);
}
