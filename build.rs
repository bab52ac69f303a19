//! Which external tools the integration tests can use.
//!
//! Tests that drive a tool (cfn-lint, checkov, moto, terraform, Node, the
//! Python packages the test command installs) are compiled with
//! `#[cfg_attr(not(tool_X), ignore = "...")]`: on a machine without the tool
//! a plain `cargo test` passes and lists them as ignored, with the reason,
//! never as passed. `scripts/test` installs the tools and sets
//! `MHAC_TEST_TOOLS=1`; then a tool it should have installed and did not is
//! a build failure, not a skip. Only terraform and Node, which no registry
//! the test command uses offers everywhere, may still be missing there (the
//! script says so loudly).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A program on PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

/// Whether `python3` on PATH imports a module.
fn python_imports(module: &str) -> bool {
    on_path("python3").is_some_and(|python| {
        Command::new(python)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|output| output.status.success())
    })
}

fn main() {
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=MHAC_TEST_TOOLS");
    println!("cargo::rerun-if-changed=editors/vscode/node_modules/.mhac-package-lock.json");
    let strict = std::env::var_os("MHAC_TEST_TOOLS").is_some_and(|v| v == "1");
    let vscode_modules = Path::new("editors/vscode/node_modules/vscode-textmate").is_dir();
    // (cfg, available, what installs it, whether scripts/test must have it)
    let tools = [
        ("tool_cfn_lint", on_path("cfn-lint").is_some() && python_imports("cfnlint"), "cfn-lint (PyPI)", true),
        ("tool_checkov", on_path("checkov").is_some(), "checkov (PyPI)", true),
        ("tool_moto", on_path("moto_server").is_some(), "moto[server] (PyPI)", true),
        ("tool_jsonschema", python_imports("jsonschema"), "jsonschema (PyPI)", true),
        ("tool_tf_stub", python_imports("tf"), "tf (PyPI), the offline Terraform provider stand-in", true),
        ("tool_terraform", on_path("terraform").is_some(), "terraform", false),
        (
            "tool_node",
            on_path("node").is_some() && vscode_modules,
            "Node.js and the VS Code extension's npm packages",
            false,
        ),
        ("tool_script", on_path("script").is_some(), "util-linux's script", false),
        ("tool_php", on_path("php").is_some(), "PHP's command line (Debian: php-cli)", false),
        ("tool_shellcheck", on_path("shellcheck").is_some(), "shellcheck (Debian: shellcheck)", false),
    ];
    let mut missing = Vec::new();
    for (cfg, available, what, required) in tools {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if available {
            println!("cargo::rustc-cfg={cfg}");
        } else if strict && required {
            missing.push(what);
        }
    }
    if !missing.is_empty() {
        panic!(
            "MHAC_TEST_TOOLS=1 but these test tools are missing: {}; scripts/test should have installed them",
            missing.join(", ")
        );
    }
}
