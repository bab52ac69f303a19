//! `mhac fmt`: every example is formatted, formatting is idempotent on every
//! example and fixture, `--check` reports without writing, and files with
//! syntax errors are refused, never rewritten.

mod support;

use mhac_compiler::format::{FormatError, format};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// Every `.mha` file under `tests/` (fixtures of every kind), sorted.
fn fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "mha") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&support::root().join("tests"), &mut out);
    out.sort();
    out
}

/// The text of a file, decoded as mhac decodes it (the MHA004 fixture is
/// not UTF-8 on purpose).
fn read(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    mhac_compiler::decode(&bytes).0
}

#[test]
fn every_example_is_formatted() {
    let examples = support::examples();
    assert!(examples.len() >= 3);
    for path in &examples {
        let text = read(path);
        assert_eq!(format(&text).as_deref(), Ok(text.as_str()), "{} is not formatted: run `mhac fmt`", path.display());
    }
    let mut args = vec!["fmt", "--check"];
    let names: Vec<String> = examples.iter().map(|p| p.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let output = support::run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn formatting_is_idempotent_on_every_example_and_fixture() {
    let mut files = support::examples();
    files.extend(fixtures());
    let mut formatted = 0;
    for path in &files {
        let text = read(path);
        match format(&text) {
            Ok(once) => {
                assert_eq!(format(&once).as_deref(), Ok(once.as_str()), "{}: formatting twice differs", path.display());
                formatted += 1;
            }
            Err(FormatError::Syntax(diagnostics)) => assert!(!diagnostics.is_empty()),
            Err(FormatError::Internal(why)) => panic!("{}: {why}", path.display()),
        }
    }
    assert!(formatted >= 4, "only {formatted} files formatted");
}

#[test]
fn a_messy_file_formats_to_the_canonical_layout() {
    let text = read(&support::root().join("tests/fmt/messy.mha"));
    let formatted = format(&text).unwrap_or_else(|e| panic!("{e:?}"));
    insta::assert_snapshot!("messy_formatted", formatted);
}

#[test]
fn check_names_the_files_that_would_change_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let messy = dir.path().join("messy.mha");
    let tidy = dir.path().join("tidy.mha");
    let messy_text = "security_group   web {allow http from alb}\n\n\n";
    std::fs::write(&messy, messy_text).expect("write");
    std::fs::write(&tidy, "security_group web { allow http from alb }\n").expect("write");
    let output = support::run(&["fmt", "--check", &messy.display().to_string(), &tidy.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("messy.mha") && !stdout.contains("tidy.mha"), "{stdout}");
    assert_eq!(read(&messy), messy_text);

    let output = support::run(&["fmt", &messy.display().to_string()]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(read(&messy), "security_group web { allow http from alb }\n");
}

/// A file keeps its line endings: a canonical CRLF file passes `--check`
/// (editors that keep CRLF are satisfied), and `fmt` writes CRLF back; the
/// language server formats through the same function.
#[test]
fn crlf_files_keep_their_line_endings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = read(&support::root().join("examples/moodle.mha"));
    let canonical = dir.path().join("canonical.mha");
    std::fs::write(&canonical, example.replace('\n', "\r\n")).expect("write");
    let output = support::run(&["fmt", "--check", &canonical.display().to_string()]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));

    let messy = dir.path().join("messy.mha");
    std::fs::write(&messy, "security_group   web {allow http from alb}\r\n\r\n\r\n").expect("write");
    let output = support::run(&["fmt", &messy.display().to_string()]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(read(&messy), "security_group web { allow http from alb }\r\n");
    let output = support::run(&["fmt", "--check", &messy.display().to_string()]);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn files_with_syntax_errors_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.mha");
    let text = "network main {\n  cidr = = 10.0.0.0/16\n}\n";
    std::fs::write(&broken, text).expect("write");
    let output = support::run(&["fmt", &broken.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MHA001") && stderr.contains("not formatted"), "{stderr}");
    assert_eq!(read(&broken), text);
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let output = support::run(&["fmt", "no/such/file.mha"]);
    assert_eq!(output.status.code(), Some(2));
}

/// One mutation of a source: delete, duplicate or swap lines, truncate, or
/// insert text that is easy to get wrong (comment starts, quotes, brackets).
#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Truncate(usize),
    Insert(usize, &'static str),
}

fn mutate(text: &str, mutation: &Mutation) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len().max(1);
    match *mutation {
        Mutation::DeleteLine(i) => {
            if !lines.is_empty() {
                lines.remove(i % n);
            }
            lines.join("\n")
        }
        Mutation::DuplicateLine(i) => {
            if let Some(line) = lines.get(i % n).copied() {
                lines.insert(i % n, line);
            }
            lines.join("\n")
        }
        Mutation::SwapLines(i, j) => {
            if !lines.is_empty() {
                lines.swap(i % n, j % n);
            }
            lines.join("\n")
        }
        Mutation::Truncate(at) => {
            let at = mhac_compiler::span::floor_char_boundary(text, at % (text.len() + 1));
            text[..at].to_string()
        }
        Mutation::Insert(at, what) => {
            let at = mhac_compiler::span::floor_char_boundary(text, at % (text.len() + 1));
            format!("{}{what}{}", &text[..at], &text[at..])
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let inserts = prop::sample::select(vec![
        "# c\n",
        " // c",
        "\"",
        "{",
        "}",
        "[",
        "]",
        "\n\n\n",
        ",",
        " x = [1,\n2] ",
        "\t",
        "é",
        "tier t { kind = public }",
    ]);
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::SwapLines(i, j)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), inserts).prop_map(|(at, what)| Mutation::Insert(at, what)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    /// Mutated examples are either refused with diagnostics or formatted to
    /// text that formats to itself; the formatter's own guard never fires.
    #[test]
    fn mutated_examples_format_idempotently(example in 0usize..3, mutations in prop::collection::vec(mutation(), 1..4)) {
        let examples = support::examples();
        let mut text = read(&examples[example % examples.len()]);
        for m in &mutations {
            text = mutate(&text, m);
        }
        match format(&text) {
            Ok(once) => prop_assert_eq!(format(&once), Ok(once.clone())),
            Err(FormatError::Syntax(diagnostics)) => prop_assert!(!diagnostics.is_empty()),
            Err(FormatError::Internal(why)) => prop_assert!(false, "guard fired: {}\n{}", why, text),
        }
    }
}
