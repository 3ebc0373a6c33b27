//! Picks the linker memory map of the QEMU board the target runs on:
//! `thumbv6m` on `microbit` (Cortex-M0), the others on the MPS2 boards
//! (`mps2-an386`: Cortex-M4F, `mps2-an500`: Cortex-M7), which share one map.
use std::{env, fs, path::PathBuf};

fn main() {
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let board = if target.starts_with("thumbv6m") {
        "microbit"
    } else {
        "mps2"
    };
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let map = format!("memory/{board}.x");
    fs::copy(&map, out.join("memory.x")).unwrap_or_else(|e| panic!("{map}: {e}"));
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={map}");
}
