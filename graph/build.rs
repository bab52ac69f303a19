//! Which external tools the graph's tool tests can use: headless Chromium,
//! Graphviz's `dot`, and Node with Mermaid's parser (installed by
//! `scripts/test` in `tests/mermaid`). A test whose tool is missing is
//! compiled as ignored, with the reason, so it is never counted as passed.

use std::path::{Path, PathBuf};

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

fn main() {
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-changed=../tests/mermaid/node_modules/.mhac-package-lock.json");
    let mermaid = Path::new("../tests/mermaid/node_modules/mermaid").is_dir();
    let tools = [
        ("tool_chromium", on_path("chromium").is_some()),
        ("tool_dot", on_path("dot").is_some()),
        ("tool_mermaid", on_path("node").is_some() && mermaid),
    ];
    for (cfg, available) in tools {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if available {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
