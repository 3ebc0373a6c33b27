//! What every bare-metal test program shares: the verdict through
//! semihosting (QEMU exits with 0 or 1), a panic handler and a HardFault
//! handler that fail at once instead of hanging until the timeout.
#![no_std]

use cortex_m_semihosting::{debug, hprintln};

/// Ends the QEMU run: exit code 0 if `ok`, 1 otherwise.
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Semihosting is off (not under QEMU): nothing left to do.
    loop {
        cortex_m::asm::wfi();
    }
}

/// Prints `FAIL: …` and ends the run with exit code 1.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => {{
        cortex_m_semihosting::hprintln!("FAIL: {}", format_args!($($arg)*));
        $crate::exit(false)
    }};
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    hprintln!("FAIL: panic: {}", info);
    exit(false)
}

/// Defines the HardFault handler in the binary (the linker takes the
/// exception handlers from the binary, not from this library): a fault
/// prints where it happened and fails the run.
#[macro_export]
macro_rules! fail_on_hard_fault {
    () => {
        #[cortex_m_rt::exception]
        unsafe fn HardFault(frame: &cortex_m_rt::ExceptionFrame) -> ! {
            $crate::fail!("HardFault at pc={:#x}", frame.pc())
        }
    };
}

/// A xorshift32 step: cheap pseudo-random delays for the consumer.
pub fn xorshift(state: &mut u32) -> u32 {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    *state
}
