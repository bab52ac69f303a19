//! `mhac graph` and `mhac init` through the real binary: formats, `-o`,
//! `--check`, exit codes (a source with errors is still drawn, exit 1; a
//! missing file or an existing `init` target is exit 2), and the starter
//! written by `mhac init` checking clean and formatted with every
//! combination of flags (`mhac check`, `mhac fmt --check`).

mod support;

use std::process::Output;

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[test]
fn graph_draws_every_example_in_every_format() {
    for example in support::examples() {
        let path = example.to_string_lossy().into_owned();
        let svg = support::run(&["graph", &path]);
        assert_exit(&svg, 0);
        assert!(text(&svg.stdout).starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{path}");
        let library = {
            let source = std::fs::read_to_string(&example).expect("example");
            let compilation = mhac_compiler::compile(&source);
            mhac_graph::render(&compilation, &source, mhac_graph::Format::Svg, mhac_graph::Options::default())
        };
        assert!(text(&svg.stdout) == library, "{path}: the command prints the library's picture");
        let dot = support::run(&["graph", &path, "--format", "dot"]);
        assert_exit(&dot, 0);
        assert!(text(&dot.stdout).starts_with("digraph "), "{path}");
        let mermaid = support::run(&["graph", &path, "--format", "mermaid"]);
        assert_exit(&mermaid, 0);
        assert!(text(&mermaid.stdout).contains("flowchart TB"), "{path}");
    }
}

#[test]
fn graph_writes_the_output_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let out = dir.path().join("moodle.svg");
    let output = support::run(&["graph", "examples/moodle.mha", "-o", &out.to_string_lossy()]);
    assert_exit(&output, 0);
    assert!(output.stdout.is_empty());
    let svg = std::fs::read_to_string(&out).expect("the picture");
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
}

#[test]
fn graph_check_marks_the_diagnostics() {
    let output = support::run(&["graph", "examples/seed.mha", "--check"]);
    assert_exit(&output, 0);
    let svg = text(&output.stdout);
    assert!(svg.contains(">MHA503</text>"), "the warning is marked");
    assert!(svg.contains("Diagnostics: 0 errors, 2 warnings"), "and listed");
    assert!(text(&output.stderr).contains("MHA503"), "and reported on standard error");
}

#[test]
fn graph_draws_a_source_with_errors_and_exits_1() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let source = dir.path().join("broken.mha");
    let example = std::fs::read_to_string(support::root().join("examples/moodle.mha")).expect("example");
    std::fs::write(&source, example.replace("subnets        = main.data", "subnets        = main.nowhere"))
        .expect("write");
    let output = support::run(&["graph", &source.to_string_lossy(), "--check"]);
    assert_exit(&output, 1);
    let svg = text(&output.stdout);
    assert!(svg.starts_with("<svg") && svg.contains("moodle_db"), "the picture is drawn");
    assert!(svg.contains("error"), "the error is listed");
}

#[test]
fn graph_of_a_missing_file_is_a_usage_error() {
    let output = support::run(&["graph", "examples/no-such-file.mha"]);
    assert_exit(&output, 2);
    assert!(output.stdout.is_empty());
    assert!(text(&output.stderr).contains("cannot read"));
}

#[test]
fn init_writes_a_starter_that_checks_clean_with_every_flag() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for zones in ["2", "3", "4"] {
        for engine in ["mysql", "postgres", "mariadb"] {
            for profile in ["prod", "dev"] {
                let file = dir.path().join(format!("moodle-{zones}-{engine}-{profile}.mha"));
                let name = file.to_string_lossy().into_owned();
                let output = support::run(&["init", &name, "--zones", zones, "--engine", engine, "--profile", profile]);
                assert_exit(&output, 0);
                assert!(text(&output.stderr).contains("wrote"), "{name}");
                let check = support::run(&["check", &name]);
                assert_exit(&check, 0);
                assert!(text(&check.stderr).is_empty() || !text(&check.stderr).contains('⚠'), "{name}");
                assert!(text(&check.stdout).contains("0 errors, 0 warnings"), "{name}: {}", text(&check.stdout));
                let fmt = support::run(&["fmt", "--check", &name]);
                assert_exit(&fmt, 0);
                let graph = support::run(&["graph", &name]);
                assert_exit(&graph, 0);
            }
        }
    }
}

#[test]
fn init_writes_moodle_mha_by_default_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let first = support::mhac().current_dir(dir.path()).arg("init").output().expect("mhac runs");
    assert_exit(&first, 0);
    let path = dir.path().join("moodle.mha");
    let written = std::fs::read_to_string(&path).expect("moodle.mha");
    assert_eq!(written, mhac_graph::init::starter(mhac_graph::init::Options::default()).expect("default"));
    std::fs::write(&path, "# mine\n").expect("write");
    let second = support::mhac().current_dir(dir.path()).args(["init", "--zones", "3"]).output().expect("mhac runs");
    assert_exit(&second, 2);
    assert!(text(&second.stderr).contains("already exists"), "{}", text(&second.stderr));
    assert_eq!(std::fs::read_to_string(&path).expect("moodle.mha"), "# mine\n", "the file is unchanged");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").filter_map(Result::ok).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}

#[test]
fn init_refuses_a_zone_count_out_of_range() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for zones in ["1", "7"] {
        let output = support::mhac().current_dir(dir.path()).args(["init", "--zones", zones]).output().expect("runs");
        assert_exit(&output, 2);
        assert!(!dir.path().join("moodle.mha").exists());
    }
}
