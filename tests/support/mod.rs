//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `--param` for the example sites' code archive SHA-256
/// (`param moodle_sha256`): any 64 hex digits do where nothing downloads the
/// archive.
pub const MOODLE_SHA256: &str = "moodle_sha256=5a0b4a1b9c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f";

/// Rendered diagnostics with their wrapped lines joined again.
pub fn flat(text: &str) -> String {
    text.replace("\n  │ ", " ").split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The built `mhac` binary.
pub fn mhac() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mhac"));
    command.env("NO_COLOR", "1").current_dir(root());
    command
}

/// Run `mhac` with arguments.
pub fn run(args: &[&str]) -> Output {
    mhac().args(args).output().expect("mhac runs")
}

/// Every example, sorted by name.
pub fn examples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples/ exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "mha"))
        .collect();
    files.sort();
    files
}

/// The file name of a path, for snapshot names.
pub fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Find an external tool on PATH.
pub fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

/// A tool the README's test command installs (cfn-lint, checkov,
/// moto_server, ...): missing means the suite was not run through
/// `scripts/test`, which is a failure, not a skip.
pub fn require_tool(name: &str) -> PathBuf {
    tool(name).unwrap_or_else(|| {
        panic!("`{name}` is not on PATH: run the tests with scripts/test, which installs it (see README.md)")
    })
}
