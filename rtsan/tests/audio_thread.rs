//! The audio thread's side of every part, under RealtimeSanitizer and the
//! kernel's counters, while producers send; then the controls, each of
//! which must make such a run fail.

use std::process::Command;

use bbx_midi::Protocol;
use bbx_midi_rtsan::control::{CONTROL_VAR, Control};
use bbx_midi_rtsan::scenarios;

#[test]
fn midi_buffer_consumer() {
    scenarios::midi_buffer_consumer();
}

#[test]
fn static_midi_buffer_consumer() {
    scenarios::static_midi_buffer_consumer();
}

#[test]
fn midi1_stream_as_events_come() {
    scenarios::stream_as_they_come(Protocol::Midi1);
}

#[test]
fn midi2_stream_as_events_come() {
    scenarios::stream_as_they_come(Protocol::Midi2);
}

#[test]
fn midi1_stream_scheduled() {
    scenarios::stream_scheduled(Protocol::Midi1);
}

#[test]
fn sources_come_and_go() {
    scenarios::sources_come_and_go();
}

#[test]
fn midi2_stream_scheduled() {
    scenarios::stream_scheduled(Protocol::Midi2);
}

/// The scenario the controls are injected into: the busiest one.
const CONTROLLED: &str = "midi1_stream_as_events_come";

/// Runs [`CONTROLLED`] in a child process (this test binary) with
/// `control` injected, and requires it to fail with the control's report.
fn must_fail(control: Control) {
    let exe = std::env::current_exe().expect("the test binary");
    let out = Command::new(exe)
        .args(["--exact", CONTROLLED, "--nocapture", "--test-threads=1"])
        .env(CONTROL_VAR, control.name())
        .output()
        .expect("run the test binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!(
        "control {:?}: the run exited with {}; its stderr:\n{stderr}",
        control.name(),
        out.status
    );
    assert!(
        !out.status.success(),
        "control {:?} passed: the check cannot fail",
        control.name()
    );
    assert!(
        stderr.contains(control.expected_report()),
        "control {:?} failed without saying {:?}",
        control.name(),
        control.expected_report()
    );
}

#[test]
fn control_allocate() {
    must_fail(Control::Allocate);
}

#[test]
fn control_free() {
    must_fail(Control::Free);
}

#[test]
fn control_lock() {
    must_fail(Control::Lock);
}

#[test]
fn control_send() {
    must_fail(Control::Send);
}

#[test]
fn control_sleep() {
    must_fail(Control::Sleep);
}

#[test]
fn control_wait() {
    must_fail(Control::Wait);
}

#[test]
fn control_read() {
    must_fail(Control::Read);
}

#[test]
fn control_write() {
    must_fail(Control::Write);
}

#[test]
fn control_page_fault() {
    must_fail(Control::PageFault);
}
