//! The command-line contract: exit codes (0 clean, 1 errors, 2 usage or IO
//! error), `mhac explain`, output without colour when it is not for a
//! terminal or NO_COLOR is set, and `build -o` never leaving a partial file.

mod support;

use mhac_compiler::diagnostics::Code;
use std::path::Path;
use std::process::Output;

const ERROR_FIXTURE: &str = "compiler/tests/fixtures/diagnostics/MHA305_single_az.mha";
const WARNING_FIXTURE: &str = "compiler/tests/fixtures/diagnostics/MHA503_no_session_store.mha";

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The files in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("a readable directory")
        .map(|entry| support::file_name(&entry.expect("an entry").path()))
        .collect();
    names.sort();
    names
}

#[test]
fn check_exits_0_when_clean_or_only_warned() {
    let output = support::run(&["check", "examples/moodle.mha"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "examples/moodle.mha: 0 errors, 0 warnings\n");

    let output = support::run(&["check", WARNING_FIXTURE]);
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("MHA503"));
}

#[test]
fn check_exits_1_on_any_error() {
    assert_exit(&support::run(&["check", ERROR_FIXTURE]), 1);
    // Several files: one with an error is enough, and every file is reported.
    let output = support::run(&["check", "examples/moodle.mha", ERROR_FIXTURE, WARNING_FIXTURE]);
    assert_exit(&output, 1);
    let text = stdout(&output);
    assert!(text.contains("examples/moodle.mha: 0 errors, 0 warnings"), "{text}");
    assert!(text.contains("MHA305_single_az.mha: 1 error, 0 warnings"), "{text}");
    assert!(text.contains("MHA503_no_session_store.mha: 0 errors, 1 warning"), "{text}");
    // The same in JSON.
    assert_exit(&support::run(&["check", "--message-format", "json", ERROR_FIXTURE]), 1);
}

#[test]
fn usage_and_io_errors_exit_2() {
    let missing = support::run(&["check", "tests/fixtures/no-such-file.mha"]);
    assert_exit(&missing, 2);
    assert!(stderr(&missing).contains("cannot read tests/fixtures/no-such-file.mha"), "{}", stderr(&missing));
    assert!(stdout(&missing).is_empty());

    let missing = support::run(&["build", "tests/fixtures/no-such-file.mha"]);
    assert_exit(&missing, 2);

    // A directory is not a source file.
    assert_exit(&support::run(&["check", "examples"]), 2);
    // Unknown command, unknown flag, missing argument, bad value.
    assert_exit(&support::run(&["compile", "examples/moodle.mha"]), 2);
    assert_exit(&support::run(&["check", "--colour", "examples/moodle.mha"]), 2);
    assert_exit(&support::run(&["check"]), 2);
    assert_exit(&support::run(&["check", "--message-format", "xml", "examples/moodle.mha"]), 2);
    assert_exit(&support::run(&[]), 2);
    // Help and version are not errors.
    assert_exit(&support::run(&["--help"]), 0);
    assert_exit(&support::run(&["--version"]), 0);
}

#[test]
fn explain_prints_every_code() {
    for code in Code::ALL {
        for spelling in [code.as_str().to_string(), code.as_str().to_lowercase()] {
            let output = support::run(&["explain", &spelling]);
            assert_exit(&output, 0);
            assert_eq!(stdout(&output), code.explanation(), "mhac explain {spelling}");
            assert!(stdout(&output).starts_with(&format!("# {code}: ")));
        }
    }
}

#[test]
fn explain_rejects_an_unknown_code_clearly() {
    for code in ["MHA999", "E0308", "", "MHA30"] {
        let output = support::run(&["explain", code]);
        assert_exit(&output, 2);
        assert!(stdout(&output).is_empty());
        let message = stderr(&output);
        assert!(message.starts_with(&format!("error: `{code}` is not an mhac diagnostic code")), "{message}");
        assert!(message.contains("MHA403"), "{message}");
    }
}

fn has_ansi(text: &[u8]) -> bool {
    text.windows(2).any(|w| w == b"\x1b[")
}

#[test]
fn output_that_is_not_for_a_terminal_has_no_colour() {
    // No NO_COLOR here: captured output is not a terminal, which is enough.
    for args in [
        vec!["check", ERROR_FIXTURE],
        vec!["check", "--message-format", "json", ERROR_FIXTURE],
        vec!["build", ERROR_FIXTURE],
        vec!["explain", "MHA305"],
        vec!["explain", "MHA999"],
        vec!["check", "tests/fixtures/no-such-file.mha"],
    ] {
        let output = support::mhac().env_remove("NO_COLOR").args(&args).output().expect("mhac runs");
        assert!(!has_ansi(&output.stdout), "colour on stdout of mhac {args:?}");
        assert!(!has_ansi(&output.stderr), "colour on stderr of mhac {args:?}");
    }
}

/// On a terminal (a pseudo-terminal made by util-linux `script`), mhac
/// colours its report, unless NO_COLOR is set.
#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(not(tool_script), ignore = "needs util-linux's `script` for a pseudo-terminal")]
fn no_color_turns_colour_off_on_a_terminal() {
    let script = support::tool("script").expect("util-linux `script` provides the pseudo-terminal for this test");
    let run = |no_color: Option<&str>| -> Vec<u8> {
        let command = format!("{} check {ERROR_FIXTURE}", env!("CARGO_BIN_EXE_mhac"));
        let mut process = std::process::Command::new(&script);
        process.args(["-qec", &command, "/dev/null"]).current_dir(support::root()).env_remove("NO_COLOR");
        if let Some(value) = no_color {
            process.env("NO_COLOR", value);
        }
        let output = process.output().expect("script runs");
        assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stdout));
        output.stdout
    };
    assert!(has_ansi(&run(None)), "no colour on a terminal");
    assert!(!has_ansi(&run(Some("1"))), "colour with NO_COLOR=1");
}

#[test]
fn build_with_errors_writes_nothing() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("template.json");
    let output = support::run(&["build", ERROR_FIXTURE, "--target", "cloudformation", "-o", &out.to_string_lossy()]);
    assert_exit(&output, 1);
    assert!(stdout(&output).is_empty(), "a template on stdout despite errors");
    assert!(stderr(&output).contains("MHA305"), "the diagnostics go to stderr");
    assert!(listing(dir.path()).is_empty(), "left behind: {:?}", listing(dir.path()));

    // An existing output file is left exactly as it was.
    std::fs::write(&out, "previous template").expect("write");
    assert_exit(&support::run(&["build", ERROR_FIXTURE, "-o", &out.to_string_lossy()]), 1);
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "previous template");
    assert_eq!(listing(dir.path()), ["template.json"]);
}

#[test]
fn build_writes_the_whole_file_and_nothing_else() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("template.json");
    std::fs::write(&out, "previous template").expect("write");
    let output =
        support::run(&["build", "examples/moodle.mha", "--target", "cloudformation", "-o", &out.to_string_lossy()]);
    assert_exit(&output, 0);
    assert!(stdout(&output).is_empty(), "the template went to the file, not stdout");
    let written = std::fs::read_to_string(&out).expect("read");
    let template: serde_json::Value = serde_json::from_str(&written).expect("the file is the whole JSON template");
    assert_eq!(template["AWSTemplateFormatVersion"], "2010-09-09");
    assert_eq!(listing(dir.path()), ["template.json"], "no temporary file is left");

    // Into a directory that does not exist: an IO error, and no file.
    let nowhere = dir.path().join("missing").join("template.json");
    let output = support::run(&["build", "examples/moodle.mha", "-o", &nowhere.to_string_lossy()]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("cannot write"), "{}", stderr(&output));
    assert!(!nowhere.exists());
    assert_eq!(listing(dir.path()), ["template.json"]);
}

/// A deployment past CloudFormation's 500-resource limit is built as a
/// parent template and nested stacks beside it (one set of files); without
/// `-o` it is a usage error that says so; the examples build as one
/// template, without a note. The files put back together are the one
/// template the deployment prints.
#[test]
fn build_splits_a_deployment_past_cloudformation_limits_into_nested_stacks() {
    let example = std::fs::read_to_string(support::root().join("examples/moodle.mha")).expect("example");
    let mut source = example.replace("scaling { min = 2, max = 8, target_cpu = 60 }", "scaling { min = 2, max = 2 }");
    for i in 0..60 {
        source.push_str(&format!(
            "\nload_balancer lb{i} {{\n  subnets = main.public\n  security_group = alb\n  https {{}}\n}}\n\
             app_servers app{i} {{\n  subnets = main.app\n  security_group = web\n  instance_type = \"m6i.large\"\n  \
             image = ssm(\"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64\")\n  \
             scaling {{ min = 2, max = 2 }}\n  behind lb{i} {{ health_check = \"/\" }}\n}}\n"
        ));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("large.mha");
    std::fs::write(&file, &source).expect("write");
    let out = dir.path().join("large.json");
    let large = support::run(&["build", file.to_str().expect("utf-8"), "-o", out.to_str().expect("utf-8")]);
    assert_exit(&large, 0);
    assert!(stderr(&large).contains("nested stacks"), "{}", stderr(&large));
    let files = listing(dir.path());
    assert!(files.contains(&"large.NetworkStack.json".to_string()), "{files:?}");
    assert!(files.contains(&"large.ComputeStack.json".to_string()), "{files:?}");
    assert!(files.contains(&"large.DataStack.json".to_string()), "{files:?}");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).expect("written")).expect("JSON")
    };
    let parent = read("large.json");
    let mut children = std::collections::BTreeMap::new();
    for (id, resource) in parent["Resources"].as_object().expect("resources") {
        assert_eq!(resource["Type"], "AWS::CloudFormation::Stack");
        let url = resource["Properties"]["TemplateURL"].as_str().expect("a template URL");
        assert_eq!(url, format!("large.{id}.json"), "the parent names the file beside it");
        let child = read(url);
        assert!(child["Resources"].as_object().expect("resources").len() <= 500, "{id}");
        children.insert(id.clone(), child);
    }
    let joined = mhac_backends::cloudformation::nested::join(&parent, &children).expect("joins");
    let compiled = mhac_compiler::compile(&source);
    let flat = mhac_backends::cloudformation::template(compiled.plan().expect("compiles")).body;
    assert!(joined == flat, "the nested stacks are not the deployment's template");

    // Without -o there is nowhere to put several files.
    let stdout = support::run(&["build", file.to_str().expect("utf-8")]);
    assert_exit(&stdout, 2);
    assert!(stderr(&stdout).contains("name the parent's file with -o FILE"), "{}", stderr(&stdout));

    let small_dir = tempfile::tempdir().expect("temp dir");
    let small_out = small_dir.path().join("moodle.json");
    let small = support::run(&["build", "examples/moodle.mha", "-o", small_out.to_str().expect("utf-8")]);
    assert_exit(&small, 0);
    assert!(stderr(&small).is_empty(), "{}", stderr(&small));
    assert_eq!(listing(small_dir.path()), ["moodle.json"]);
}

/// The README's tour is real: its excerpt checks with exactly the two
/// warnings the README says it has.
#[test]
fn the_readme_tour_checks_with_the_two_warnings_it_announces() {
    let readme = std::fs::read_to_string(support::root().join("README.md")).expect("README.md");
    let tour = readme.split("## A tour of the language").nth(1).expect("the tour section");
    let excerpt = tour.split("```\n").nth(1).expect("the tour's code block");
    assert!(tour.contains("checks with two warnings"), "the README no longer says what the excerpt gives");
    let compilation = mhac_compiler::compile(excerpt);
    let codes: Vec<&str> = compilation.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["MHA503", "MHA504"], "{excerpt}");
}
