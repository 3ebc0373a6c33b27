//! Shared helpers for the loom models in `tests/`.
//!
//! Without `--cfg loom` this crate and its tests compile to nothing, so a
//! plain `cargo test --workspace` skips them; see the README for the command
//! that runs them.
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};

/// Runs the model `f` under loom, exploring its interleavings with at most
/// `preemptions` preemptions per execution (unless `LOOM_MAX_PREEMPTIONS`
/// says otherwise; `None` explores them all), and returns how many
/// executions loom explored.
///
/// Panics if loom explored only one: a model with a single execution has no
/// concurrency in it and checks nothing about the ring buffer's protocol.
pub fn explore<F>(preemptions: Option<usize>, f: F) -> usize
where
    F: Fn() + Sync + Send + 'static,
{
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = preemptions;
    }
    // Counted outside loom's view: only the model's main thread touches it,
    // once per execution, before the model starts any thread.
    let executions = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&executions);
    builder.check(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f();
    });
    let executions = executions.load(std::sync::atomic::Ordering::Relaxed);
    assert!(executions > 1, "the model explored a single execution");
    println!(
        "{}: {executions} executions",
        std::thread::current().name().unwrap_or("model")
    );
    executions
}

/// An item that counts its drops, so a model can assert that each item is
/// dropped exactly once.
#[derive(Debug)]
pub struct Counted {
    pub id: u32,
    drops: Arc<AtomicUsize>,
}

impl Counted {
    pub fn new(id: u32, drops: &Arc<AtomicUsize>) -> Self {
        Self {
            id,
            drops: Arc::clone(drops),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        // Bit `id` set once per drop: a double drop shows as a carry.
        self.drops.fetch_add(1 << self.id, Ordering::Relaxed);
    }
}
