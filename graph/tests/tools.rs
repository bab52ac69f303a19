//! The pictures in the tools that read them: the SVG rendered by a real
//! headless browser (Debian's `chromium`) to a PNG that is not blank, the
//! DOT accepted by Graphviz's `dot`, the Mermaid accepted by Mermaid's own
//! parser (Node, with the packages `scripts/test` installs in
//! `tests/mermaid`).
//!
//! Each test needs its tool: `scripts/test` installs what Debian and npm
//! offer; `build.rs` compiles a test whose tool is still missing as ignored,
//! with the reason, so it is never counted as passed.
//!
//! `MHAC_UPDATE_DOCS=1` makes the chromium test also write the pictures
//! under `docs/graph/` (see `tests/docs.rs`).

mod common;

use common::{Picture, examples, generated_sources, repository, require_tool};
use mhac_graph::{Format, Options};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Run a command with a deadline; its exit status and output.
fn run_with_deadline(command: &mut Command, deadline: Duration) -> (bool, String) {
    let mut child =
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the tool starts");
    let started = Instant::now();
    loop {
        match child.try_wait().expect("wait") {
            Some(_) => break,
            None if started.elapsed() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{command:?} did not finish in {deadline:?}");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let output = child.wait_with_output().expect("output");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

/// Render an SVG file to a PNG of its size with headless Chromium.
fn screenshot(chromium: &Path, svg: &Path, png: &Path, width: i32, height: i32) {
    let profile = tempfile::tempdir().expect("a profile directory");
    let url = format!("file://{}", svg.display());
    let (ok, output) = run_with_deadline(
        Command::new(chromium).args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--screenshot={}", png.display()),
            &format!("--window-size={width},{height}"),
            &url,
        ]),
        Duration::from_secs(120),
    );
    assert!(ok && png.is_file(), "chromium did not write {}:\n{output}", png.display());
}

#[test]
#[cfg_attr(not(tool_chromium), ignore = "needs Debian's chromium on PATH: scripts/test installs it")]
fn chromium_renders_every_example_to_a_picture_that_is_not_blank() {
    let chromium = require_tool("chromium");
    let dir = tempfile::tempdir().expect("temporary directory");
    let update = std::env::var_os("MHAC_UPDATE_DOCS").is_some();
    let mut pictures: Vec<Picture> = examples().iter().map(|path| Picture::of_example(path)).collect();
    // A picture with diagnostics marked on it, too.
    let mut checked = Picture::of_example(&repository().join("examples/seed.mha"));
    checked.name = "seed-check".to_string();
    checked.svg =
        mhac_graph::render(&mhac_compiler::compile(&checked.text), &checked.text, Format::Svg, Options { check: true });
    pictures.push(checked);
    for picture in &pictures {
        let svg_path = dir.path().join(format!("{}.svg", picture.name));
        let png_path = dir.path().join(format!("{}.png", picture.name));
        std::fs::write(&svg_path, &picture.svg).expect("write the SVG");
        let (width, height) = picture.size();
        screenshot(&chromium, &svg_path, &png_path, width, height);
        let bytes = std::fs::read(&png_path).expect("the PNG");
        let stats = common::png_stats(&bytes);
        assert_eq!((stats.width as i32, stats.height as i32), (width, height), "{}", picture.name);
        stats.assert_drawn(&picture.name);
        if update && picture.name != "seed-check" {
            let docs = repository().join("docs/graph");
            std::fs::create_dir_all(&docs).expect("docs/graph");
            std::fs::write(docs.join(format!("{}.png", picture.name)), &bytes).expect("write the PNG");
            std::fs::write(docs.join(format!("{}.svg", picture.name)), &picture.svg).expect("write the SVG");
        }
    }
    if update {
        common::write_png_sources(&pictures.iter().filter(|p| p.name != "seed-check").cloned().collect::<Vec<_>>());
    }
}

#[test]
#[cfg_attr(not(tool_dot), ignore = "needs Graphviz's dot on PATH: scripts/test installs it")]
fn graphviz_dot_accepts_every_picture() {
    let dot = require_tool("dot");
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut sources: Vec<(String, String)> =
        examples().iter().map(|path| (common::stem(path), std::fs::read_to_string(path).expect("example"))).collect();
    sources.extend(generated_sources());
    for (name, text) in &sources {
        let compilation = mhac_compiler::compile(text);
        for options in [Options::default(), Options { check: true }] {
            let path = dir.path().join(format!("{name}.dot"));
            std::fs::write(&path, mhac_graph::render(&compilation, text, Format::Dot, options)).expect("write");
            let (ok, output) = run_with_deadline(
                Command::new(&dot).arg("-Tsvg").arg("-o").arg(dir.path().join("out.svg")).arg(&path),
                Duration::from_secs(60),
            );
            assert!(ok, "dot rejects {name} ({options:?}):\n{output}");
            assert!(!output.contains("Warning") && !output.contains("Error"), "{name}: {output}");
            let svg = std::fs::read_to_string(dir.path().join("out.svg")).expect("dot's SVG");
            assert!(svg.contains("<svg"), "{name}");
        }
    }
}

#[test]
#[cfg_attr(not(tool_mermaid), ignore = "needs Node and tests/mermaid's npm packages: scripts/test installs them")]
fn mermaid_parser_accepts_every_picture() {
    let node = require_tool("node");
    let checker = repository().join("tests/mermaid");
    assert!(
        checker.join("node_modules/mermaid").is_dir(),
        "tests/mermaid/node_modules is missing: run the tests with scripts/test (it runs `npm ci` there)"
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut sources: Vec<(String, String)> =
        examples().iter().map(|path| (common::stem(path), std::fs::read_to_string(path).expect("example"))).collect();
    sources.extend(generated_sources());
    let mut files = Vec::new();
    for (name, text) in &sources {
        let compilation = mhac_compiler::compile(text);
        for (suffix, options) in [("", Options::default()), ("-check", Options { check: true })] {
            let path = dir.path().join(format!("{name}{suffix}.mmd"));
            std::fs::write(&path, mhac_graph::render(&compilation, text, Format::Mermaid, options)).expect("write");
            files.push(path);
        }
    }
    let (ok, output) = run_with_deadline(
        Command::new(node).arg(checker.join("parse.mjs")).args(&files).current_dir(&checker),
        Duration::from_secs(120),
    );
    assert!(ok, "Mermaid's parser rejects a picture:\n{output}");
    assert_eq!(output.lines().filter(|line| line.starts_with("ok ")).count(), files.len(), "{output}");
}
