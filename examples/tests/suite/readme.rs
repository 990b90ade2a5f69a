//! Every Rust block of the README and of the topic pages in `docs/` is a verbatim part
//! of a compiled, tested example, so the docs cannot drift from code that builds.

use std::{fs, path::Path};

#[test]
fn every_rust_block_of_the_docs_is_part_of_a_compiled_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut pages = vec![root.join("README.md")];
    let mut topics: Vec<_> = fs::read_dir(root.join("docs"))
        .expect("docs")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    assert!(!topics.is_empty(), "no pages in docs/");
    topics.sort();
    pages.extend(topics);
    let mut sources = String::new();
    for dir in ["examples/examples", "examples/src"] {
        for entry in fs::read_dir(root.join(dir)).expect("examples") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "rs") {
                sources.push_str(&fs::read_to_string(&path).expect("source"));
            }
        }
    }
    let mut blocks = 0;
    let mut readme_blocks = 0;
    for page in &pages {
        let text = fs::read_to_string(page).expect("page");
        let name = page.strip_prefix(&root).unwrap_or(page).display();
        for (i, block) in text.split("```rust\n").skip(1).enumerate() {
            let code = block.split("```").next().expect("closed block");
            assert!(sources.contains(code), "{name} Rust block {} is not part of an example:\n{code}", i + 1);
            blocks += 1;
            if page.ends_with("README.md") {
                readme_blocks += 1;
            }
        }
    }
    // The README keeps its one example; the blocks moved to `docs/` are still checked.
    assert!(readme_blocks >= 1, "{readme_blocks} README blocks checked");
    assert!(blocks >= 12, "{blocks} blocks checked");
}
