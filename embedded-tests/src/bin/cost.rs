//! What the audio side pays on a microcontroller, in instructions: placing
//! an event with `BlockScheduler::schedule`, starting a block with
//! `begin_block`, and a `try_send` + `try_pop` through a `StaticMidiBuffer`.
//!
//! QEMU models no cycle counter, but under `-icount shift=0` every
//! instruction advances virtual time by 1 ns, so SysTick (free-running)
//! counts instructions; a block of 1 000 NOPs calibrates it. The counts are
//! deterministic: the same on every run and host. Cycles are about 1.3 to
//! 1.6 times the instructions on a Cortex-M0.
//!
//! The program also checks that the scheduler places events where the
//! rules say on this target (soft-float `f64` in `begin_block`), and fails
//! if placing an event costs more than `MAX_SCHEDULE` instructions.
#![no_std]
#![no_main]

use core::hint::black_box;

use bbx_midi::{
    BlockScheduler, MidiBufferConsumer, MidiBufferProducer, MidiMessage, StaticMidiBuffer,
};
use bbx_midi_embedded_tests::{exit, fail, fail_on_hard_fault};
use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;

/// Calls per measurement.
const N: u32 = 2_048;
/// "A few hundred cycles" per event, as the issue asks.
const MAX_SCHEDULE: u32 = 400;

#[inline(never)]
fn nops_1000() {
    // SAFETY: NOPs only: no memory, no stack, no flags.
    unsafe { core::arch::asm!(".rept 1000", "nop", ".endr", options(nomem, nostack)) }
}

/// SysTick ticks taken by `n` calls of `f` (it counts down from 2²⁴ - 1).
fn ticks(n: u32, mut f: impl FnMut(u32)) -> u32 {
    let start = SYST::get_current();
    for i in 0..n {
        f(i);
    }
    start.wrapping_sub(SYST::get_current()) & 0x00FF_FFFF
}

/// The ring's two hot calls, out of line so that their code size can be
/// read from the symbol table (`.ci/test qemu` prints it).
#[inline(never)]
#[unsafe(no_mangle)]
fn bbx_midi_try_send(
    producer: &mut MidiBufferProducer<&'static StaticMidiBuffer<64>>,
    message: MidiMessage,
) -> bool {
    producer.try_send(message)
}

#[inline(never)]
#[unsafe(no_mangle)]
fn bbx_midi_try_pop(
    consumer: &mut MidiBufferConsumer<&'static StaticMidiBuffer<64>>,
) -> Option<MidiMessage> {
    consumer.try_pop()
}

fail_on_hard_fault!();

#[entry]
fn main() -> ! {
    let mut core = cortex_m::Peripherals::take().unwrap();
    core.SYST.set_clock_source(SystClkSource::Core);
    core.SYST.set_reload(0x00FF_FFFF);
    core.SYST.clear_current();
    core.SYST.enable_counter();

    let empty = ticks(N, |i| {
        black_box(i);
    });
    let nops = ticks(N, |_| nops_1000());
    // Instructions per tick, times 1000, from the calibration.
    let per_tick = 1_000u64 * 1_000 * u64::from(N) / u64::from(nops.saturating_sub(empty).max(1));
    let instructions =
        |t: u32| (u64::from(t.saturating_sub(empty)) * per_tick / 1_000 / u64::from(N)) as u32;

    // 50 kHz: 20 µs per frame, 10 ms latency, blocks of 64 frames (1280 µs).
    // Sixteen events per block, 80 µs (4 frames) apart: event k of a block
    // belongs at frame 4k.
    let mut scheduler = BlockScheduler::new(50_000.0, 10_000).with_bandwidth(0.0);
    let block_start = |block: u32| 1_000_000 + block * 1_280;
    let mut wrong = None;
    let mut blocks = 0;
    let schedule_ticks = ticks(N, |i| {
        let (block, k) = (i / 16, i % 16);
        if k == 0 {
            scheduler.begin_block(u64::from(block_start(block)), 64);
            blocks += 1;
        }
        let stamp = block_start(block) - 10_000 + k * 80;
        let frame = black_box(scheduler.schedule(black_box(stamp)));
        if frame != Some(4 * k as usize) && wrong.is_none() {
            wrong = Some((block, k, frame));
        }
    });
    if let Some((block, k, frame)) = wrong {
        fail!(
            "block {} event {}: frame {:?}, expected {}",
            block,
            k,
            frame,
            4 * k
        );
    }
    let stats = scheduler.stats();
    if stats.events != u64::from(N) || stats.late != 0 || stats.misdated != 0 {
        fail!("scheduler stats {:?}", stats);
    }
    let begin_ticks = ticks(N, |i| {
        scheduler.begin_block(black_box(u64::from(block_start(blocks + i))), 64)
    });
    let schedule_only = instructions(schedule_ticks).saturating_sub(instructions(begin_ticks) / 16);

    // A `&'static mut` to a buffer in a `static`, handed out once.
    let buffer: &'static mut StaticMidiBuffer<64> =
        cortex_m::singleton!(: StaticMidiBuffer<64> = StaticMidiBuffer::new()).unwrap();
    let (mut producer, mut consumer) = buffer.split();
    let ring_ticks = ticks(N, |i| {
        let message = MidiMessage::note_on(0, (i & 0x7F) as u8, 100).unwrap();
        if !bbx_midi_try_send(&mut producer, black_box(message)) {
            fail!("send {} refused", i);
        }
        if bbx_midi_try_pop(&mut consumer) != Some(message) {
            fail!("message {} lost", i);
        }
    });

    hprintln!(
        "cost: {}.{:03} instructions per SysTick tick; per call: schedule {}, begin_block {}, try_send + try_pop {}",
        per_tick / 1_000,
        per_tick % 1_000,
        schedule_only,
        instructions(begin_ticks),
        instructions(ring_ticks)
    );
    let ok = per_tick > 0 && schedule_only <= MAX_SCHEDULE;
    hprintln!(
        "cost: schedule {} <= {} instructions per event -> {}",
        schedule_only,
        MAX_SCHEDULE,
        if ok { "PASS" } else { "FAIL" }
    );
    exit(ok)
}
