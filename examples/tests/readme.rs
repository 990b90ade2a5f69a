//! Every Rust block of the README is a verbatim part of a compiled, tested example, so
//! the README cannot drift from code that builds.

use std::{fs, path::Path};

#[test]
fn every_rust_block_of_the_readme_is_part_of_a_compiled_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = fs::read_to_string(root.join("README.md")).expect("README.md");
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
    for (i, block) in readme.split("```rust\n").skip(1).enumerate() {
        let code = block.split("```").next().expect("closed block");
        assert!(sources.contains(code), "README Rust block {} is not part of an example:\n{code}", i + 1);
        blocks += 1;
    }
    assert!(blocks >= 6, "{blocks} blocks checked");
}
