//! A timer interrupt sends MIDI, the main loop receives it, through a
//! `StaticMidiBuffer` in a `static`: no allocator, and on the Cortex-M0 no
//! atomic read-modify-write.
//!
//! SysTick stands for a UART receive interrupt: each tick it sends a burst
//! of three numbered Note Ons with `try_send` (a full buffer drops the
//! message and counts it). The main loop stands for the audio callback: it
//! pops with `try_pop`, checks that each message is the next in sequence,
//! and adds up `take_dropped`. At times it is slow (random delays), so the
//! buffer stays full and the interrupt lands at every point of a pop.
//! At the end every message sent is received once, in order, and every
//! drop is reported once: `attempts = received + dropped`.
#![no_std]
#![no_main]

use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use bbx_midi::{MidiBufferProducer, MidiMessage, StaticMidiBuffer};
use bbx_midi_embedded_tests::{exit, fail, fail_on_hard_fault, xorshift};
use cortex_m::interrupt::{self, Mutex};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::hprintln;

/// Small, so that it wraps and fills often.
const CAPACITY: usize = 8;
/// Messages the interrupt tries to send.
const TOTAL: u32 = 60_000;
/// SysTick reload: a tick every 40 000 instructions on MPS2 (25 MHz) and
/// 62 500 on the micro:bit (16 MHz) under `-icount shift=0`.
const RELOAD: u32 = 1_000;

/// The producer, handed from `main` to the interrupt once.
static PRODUCER: Mutex<RefCell<Option<MidiBufferProducer<&'static StaticMidiBuffer<CAPACITY>>>>> =
    Mutex::new(RefCell::new(None));

// Written by the interrupt only (loads and stores: no read-modify-write).
static ATTEMPTS: AtomicU32 = AtomicU32::new(0);
static SENT: AtomicU32 = AtomicU32::new(0);
static REPORTED: AtomicU32 = AtomicU32::new(0);
static DONE: AtomicBool = AtomicBool::new(false);

/// Note On number `seq`: 18 bits in channel, note and velocity.
fn numbered(seq: u32) -> MidiMessage {
    MidiMessage::note_on(
        (seq >> 14) as u8 & 0x0F,
        (seq >> 7) as u8 & 0x7F,
        seq as u8 & 0x7F,
    )
    .unwrap()
}

#[exception]
fn SysTick() {
    if DONE.load(Ordering::Relaxed) {
        return;
    }
    interrupt::free(|cs| {
        let mut producer = PRODUCER.borrow(cs).borrow_mut();
        let Some(producer) = producer.as_mut() else {
            return;
        };
        for _ in 0..3 {
            let attempts = ATTEMPTS.load(Ordering::Relaxed);
            if attempts == TOTAL {
                REPORTED.store(producer.dropped() as u32, Ordering::Relaxed);
                // Release: the counters above are visible to whoever sees it.
                DONE.store(true, Ordering::Release);
                return;
            }
            ATTEMPTS.store(attempts + 1, Ordering::Relaxed);
            let seq = SENT.load(Ordering::Relaxed);
            if producer.try_send(numbered(seq)) {
                SENT.store(seq + 1, Ordering::Relaxed);
            }
        }
    });
}

fail_on_hard_fault!();

#[entry]
fn main() -> ! {
    // A `&'static mut` to a buffer in a `static`, handed out once.
    let buffer: &'static mut StaticMidiBuffer<CAPACITY> =
        cortex_m::singleton!(: StaticMidiBuffer<CAPACITY> = StaticMidiBuffer::new()).unwrap();
    let (producer, mut consumer) = buffer.split();
    interrupt::free(|cs| *PRODUCER.borrow(cs).borrow_mut() = Some(producer));

    let mut core = cortex_m::Peripherals::take().unwrap();
    core.SYST.set_clock_source(SystClkSource::Core);
    core.SYST.set_reload(RELOAD - 1);
    core.SYST.clear_current();
    core.SYST.enable_counter();
    core.SYST.enable_interrupt();

    let (mut received, mut lost, mut idle) = (0u32, 0u32, 0u32);
    let mut random = 0x1234_5678;
    loop {
        // Read `done` before popping: once it is set nothing more is sent,
        // so an empty buffer after it means everything has been received.
        let done = DONE.load(Ordering::Acquire);
        lost += consumer.take_dropped() as u32;
        match consumer.try_pop() {
            Some(message) => {
                if message != numbered(received) {
                    fail!(
                        "message {} is {:02x?}, expected {:02x?}",
                        received,
                        message.as_bytes(),
                        numbered(received).as_bytes()
                    );
                }
                received += 1;
                idle = 0;
                // Every other 500 messages, slow: the buffer fills, messages
                // are dropped, and the interrupt preempts every step of a pop.
                if (received / 500) % 2 == 1 {
                    for _ in 0..xorshift(&mut random) % (RELOAD * 14) {
                        cortex_m::asm::nop();
                    }
                }
            }
            None if done => break,
            None => {
                idle += 1;
                if idle == 50_000_000 {
                    fail!("nothing received for a long time, after {}", received);
                }
            }
        }
    }
    lost += consumer.take_dropped() as u32;
    let attempts = ATTEMPTS.load(Ordering::Relaxed);
    let sent = SENT.load(Ordering::Relaxed);
    let reported = REPORTED.load(Ordering::Relaxed);
    let ok = attempts == TOTAL
        && received == sent
        && lost == reported
        && attempts == received + lost
        && lost > 0
        && received > TOTAL / 2;
    hprintln!(
        "interrupt -> main loop through StaticMidiBuffer<{}>: attempts={} received={} in order, dropped={} (reported {}) -> {}",
        CAPACITY,
        attempts,
        received,
        lost,
        reported,
        if ok { "PASS" } else { "FAIL" }
    );
    exit(ok)
}
