//! `docs/lock-free-midi-buffer.md` is the documented behaviour, run as
//! doctests (`src/lib.rs`). Its prose may be corrected here, its examples
//! never: every code block must stay exactly as in the seed page, kept as
//! given in `tests/seed/` (and compared with the one in
//! `../shared/seed/`, beside the repository, when it is there).

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

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn the_examples_are_the_seed_pages_unchanged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The seed page as it was given, kept here so that this test runs
    // wherever the repository is.
    let seed = read(&root.join("tests/seed/lock-free-midi-buffer.md"));
    let ours = read(&root.join("docs/lock-free-midi-buffer.md"));
    let seed_blocks = code_blocks(&seed);
    assert_eq!(seed_blocks.len(), 5, "the seed page has five examples");
    assert_eq!(code_blocks(&ours), seed_blocks);
}

#[test]
fn the_kept_seed_page_is_the_one_beside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let beside = root.join("../shared/seed/lock-free-midi-buffer.md");
    let Ok(given) = std::fs::read_to_string(&beside) else {
        eprintln!("{} is not there: nothing to compare", beside.display());
        return;
    };
    assert_eq!(
        read(&root.join("tests/seed/lock-free-midi-buffer.md")),
        given
    );
}

#[test]
fn code_blocks_are_found_whole() {
    let text = "a\n```rust\nlet x = 1;\n```\nb\n```\ny\n```\n";
    assert_eq!(
        code_blocks(text),
        ["```rust\nlet x = 1;\n```", "```\ny\n```"]
    );
}
