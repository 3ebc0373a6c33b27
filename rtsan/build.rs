//! Links RealtimeSanitizer's runtime into every binary of this crate.
//!
//! RTSan needs no compiler pass: its runtime defines `malloc`, `free`,
//! `pthread_mutex_lock`, `nanosleep` and the other calls it watches, so
//! linking it into the executable puts it in front of libc. The runtime is
//! the one Debian's `libclang-rt-19-dev` ships, or the archive named by
//! `RTSAN_LIB_PATH` (the variable the `rtsan-standalone` crate reads).
//!
//! It is linked whole (`+whole-archive`), as clang links a sanitizer's
//! runtime: that brings in the runtime's `.preinit_array` entry, which
//! initialises it before anything else runs. Linked member by member, as a
//! plain static library is, that entry is left out, and LLVM 19's runtime
//! then never leaves its start-up mode: it passes every allocation through
//! unchecked and reports nothing.
//!
//! Without the runtime the crate still builds (for `cargo clippy` on a
//! machine without the package), with stand-ins that fail every check at
//! run time with a message naming the package: never a silent pass.

use std::env;
use std::path::PathBuf;

/// Where Debian 12's `libclang-rt-19-dev` puts the runtime.
const DEBIAN_LLVM_19: &str = "/usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.rtsan-x86_64.a";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(rtsan_runtime_missing)");
    println!("cargo::rerun-if-env-changed=RTSAN_LIB_PATH");
    let path =
        env::var_os("RTSAN_LIB_PATH").map_or_else(|| PathBuf::from(DEBIAN_LLVM_19), PathBuf::from);
    // Also when it does not exist yet: it is looked for again once it does.
    println!("cargo::rerun-if-changed={}", path.display());

    let target = env::var("TARGET").unwrap_or_default();
    let stem = path
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.strip_prefix("lib"))
        .and_then(|name| name.strip_suffix(".a"));
    let (Some(dir), Some(stem), true) = (path.parent(), stem, path.is_file()) else {
        println!(
            "cargo::warning=no RealtimeSanitizer runtime at {} (install libclang-rt-19-dev, or set RTSAN_LIB_PATH to a libclang_rt.rtsan-*.a): every check of this crate will fail",
            path.display()
        );
        println!("cargo::rustc-cfg=rtsan_runtime_missing");
        return;
    };
    if target != "x86_64-unknown-linux-gnu" && env::var_os("RTSAN_LIB_PATH").is_none() {
        println!(
            "cargo::warning=the default RealtimeSanitizer runtime is for x86_64-unknown-linux-gnu, not {target}: set RTSAN_LIB_PATH"
        );
    }
    println!("cargo::rustc-link-search=native={}", dir.display());
    println!("cargo::rustc-link-lib=static:+whole-archive={stem}");
}
