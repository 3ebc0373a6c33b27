//! `docs/lock-free-midi-buffer.md` is the documented behaviour, run as
//! doctests (`src/lib.rs`). Its prose may be corrected here, its examples
//! never: every code block must stay exactly as in the seed page
//! (`../shared/seed/lock-free-midi-buffer.md`, beside the repository).

use std::path::Path;

/// The fenced code blocks of a markdown text, in order.
fn code_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start().starts_with("```")) {
            (None, true) => current = Some(format!("{line}\n")),
            (Some(block), true) => {
                block.push_str(line);
                blocks.push(current.take().unwrap_or_default());
            }
            (Some(block), false) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, false) => {}
        }
    }
    blocks
}

#[test]
fn the_examples_are_the_seed_pages_unchanged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seed = root.join("../shared/seed/lock-free-midi-buffer.md");
    let Ok(seed) = std::fs::read_to_string(&seed) else {
        // A checkout without the seed beside it (CI has it).
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have the seed page at {}",
            seed.display()
        );
        eprintln!("no seed page beside the repository; nothing to compare");
        return;
    };
    let ours = std::fs::read_to_string(root.join("docs/lock-free-midi-buffer.md")).unwrap();
    let (seed_blocks, our_blocks) = (code_blocks(&seed), code_blocks(&ours));
    assert_eq!(seed_blocks.len(), 5, "the seed page has five examples");
    assert_eq!(our_blocks, seed_blocks);
}

#[test]
fn code_blocks_are_found_whole() {
    let text = "a\n```rust\nlet x = 1;\n```\nb\n```\ny\n```\n";
    assert_eq!(
        code_blocks(text),
        ["```rust\nlet x = 1;\n```", "```\ny\n```"]
    );
}
