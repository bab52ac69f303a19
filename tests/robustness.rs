//! Bad input (DESIGN §8): whatever the bytes, `mhac check` and `mhac build`
//! end with exit 0 or 1, never a panic (101) or a signal, within a time
//! limit, and `build -o` leaves no file when it fails.
//!
//! A bounded property test mutates the examples (deletes, duplicates and
//! swaps lines and tokens, truncates, inserts bytes including invalid UTF-8)
//! and runs the real binary on each mutant. The seed is fixed and failures
//! are not persisted to a file, so every run of the suite tries the same
//! inputs; `fuzz/` holds the open-ended version.

mod support;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A run that takes longer than this is a hang.
const TIME_LIMIT: Duration = Duration::from_secs(10);
/// Mutants per run of the suite.
const CASES: u32 = 256;

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    DeleteToken(Index),
    DuplicateToken(Index),
    SwapTokens(Index, Index),
    Truncate(Index),
    InsertBytes(Index, Vec<u8>),
    /// A run of one byte long enough to push what follows past any column
    /// a terminal renderer counts (miette's limit is 65,535).
    LongRun(Index, u8, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Bytes worth inserting: punctuation of the language, quotes, escapes,
    // newlines, digits, a byte-order mark, invalid UTF-8, and anything else.
    let interesting: Vec<Vec<u8>> = [
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "=",
        ",",
        ".",
        ":",
        "\"",
        "\\",
        "\n",
        "#",
        "//",
        "/",
        "-",
        "0",
        "99999999999999999999",
        "\u{FEFF}",
        "é",
        "allow",
        "alarm",
        "param x :",
        "network",
        "internet",
        "0.0.0.0/0",
        "for 0s",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .chain([vec![0xFF], vec![0xC3], vec![0xE2, 0x82], vec![0x00], vec![0xED, 0xA0, 0x80]])
    .collect();
    let bytes = prop_oneof![
        3 => proptest::sample::select(interesting),
        1 => proptest::collection::vec(any::<u8>(), 1..16),
    ];
    prop_oneof![
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        any::<Index>().prop_map(Mutation::DeleteToken),
        any::<Index>().prop_map(Mutation::DuplicateToken),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapTokens(a, b)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), bytes).prop_map(|(at, bytes)| Mutation::InsertBytes(at, bytes)),
        (
            any::<Index>(),
            proptest::sample::select(vec![b' ', b'a', b'9', b'"']),
            proptest::sample::select(vec![70_000usize, 1_000_000])
        )
            .prop_map(|(at, byte, length)| Mutation::LongRun(at, byte, length)),
    ]
}

/// Byte ranges of the lines (newline included).
fn lines(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.iter().enumerate() {
        if *b == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// Byte ranges of the tokens: runs of name, number and address characters,
/// and single other non-space bytes.
fn tokens(text: &[u8]) -> Vec<(usize, usize)> {
    let word = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-' | b'"');
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if word(text[i]) {
            while i < text.len() && word(text[i]) {
                i += 1;
            }
        } else {
            i += 1;
        }
        out.push((start, i));
    }
    out
}

/// Replace the ranges `a` and `b` (`a` before `b`, not overlapping).
fn swap(text: &[u8], a: (usize, usize), b: (usize, usize)) -> Vec<u8> {
    let (a, b) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    if a.1 > b.0 {
        return text.to_vec();
    }
    [&text[..a.0], &text[b.0..b.1], &text[a.1..b.0], &text[a.0..a.1], &text[b.1..]].concat()
}

fn apply(text: &[u8], mutation: &Mutation) -> Vec<u8> {
    let pick = |ranges: &[(usize, usize)], index: &Index| ranges.get(index.index(ranges.len().max(1))).copied();
    let (lines, tokens) = (lines(text), tokens(text));
    let splice = |range: (usize, usize), with: &[u8]| [&text[..range.0], with, &text[range.1..]].concat();
    match mutation {
        Mutation::DeleteLine(i) => pick(&lines, i).map(|r| splice(r, b"")),
        Mutation::DeleteToken(i) => pick(&tokens, i).map(|r| splice(r, b"")),
        Mutation::DuplicateLine(i) => pick(&lines, i).map(|r| splice((r.0, r.0), &text[r.0..r.1])),
        Mutation::DuplicateToken(i) => pick(&tokens, i).map(|r| splice((r.0, r.0), &text[r.0..r.1])),
        Mutation::SwapLines(a, b) => pick(&lines, a).zip(pick(&lines, b)).map(|(a, b)| swap(text, a, b)),
        Mutation::SwapTokens(a, b) => pick(&tokens, a).zip(pick(&tokens, b)).map(|(a, b)| swap(text, a, b)),
        Mutation::Truncate(at) => Some(text[..at.index(text.len() + 1)].to_vec()),
        Mutation::InsertBytes(at, bytes) => {
            let at = at.index(text.len() + 1);
            Some(splice((at, at), bytes))
        }
        Mutation::LongRun(at, byte, length) => {
            let at = at.index(text.len() + 1);
            Some(splice((at, at), &vec![*byte; *length]))
        }
    }
    .unwrap_or_else(|| text.to_vec())
}

/// Run `mhac` with a time limit; the exit code, or a description of how it
/// did not exit normally.
fn run_limited(args: &[&str]) -> Result<i32, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mhac"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot start mhac: {error}"))?;
    // Drain stderr on a thread so a long report cannot block the child.
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("mhac {args:?} ran longer than {TIME_LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stderr = reader.join().unwrap_or_default();
    match status.code() {
        Some(code) => {
            if code == 0 || code == 1 {
                Ok(code)
            } else {
                Err(format!("mhac {args:?} exited with {code}:\n{stderr}"))
            }
        }
        None => Err(format!("mhac {args:?} was killed by a signal ({status}):\n{stderr}")),
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| support::file_name(&e.path())).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// Check and build one input: the exit code, or what went wrong.
fn exercise(dir: &Path, input: &[u8]) -> Result<i32, String> {
    let source = dir.join("input.mha");
    let out = dir.join("out").join("template.json");
    std::fs::write(&source, input).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(dir.join("out"));
    std::fs::create_dir(dir.join("out")).map_err(|e| e.to_string())?;
    let source_arg = source.to_string_lossy().into_owned();
    let check = run_limited(&["check", &source_arg])?;
    let build = run_limited(&["build", &source_arg, "--target", "cloudformation", "-o", &out.to_string_lossy()])?;
    if check != build {
        return Err(format!("check exited {check} and build {build}"));
    }
    // `fmt --check` writes nothing; it reports syntax errors with the same
    // renderer, so it must not crash either.
    run_limited(&["fmt", "--check", &source_arg])?;
    let left = files_in(&dir.join("out"));
    let expected: &[&str] = if build == 0 { &["template.json"] } else { &[] };
    if left != expected {
        return Err(format!("build exited {build} and left {left:?} in the output directory"));
    }
    Ok(build)
}

fn examples() -> Vec<(String, Vec<u8>)> {
    support::examples()
        .into_iter()
        .map(|path: PathBuf| (support::file_name(&path), std::fs::read(&path).expect("example")))
        .collect()
}

#[test]
fn mutated_examples_never_crash_hang_or_leave_partial_files() {
    let examples = examples();
    let dir = tempfile::tempdir().expect("a temporary directory");
    // The unmutated examples first: they check and build cleanly.
    for (name, text) in &examples {
        assert_eq!(exercise(dir.path(), text), Ok(0), "{name}");
    }
    // How many mutants built (0) and how many had errors (1).
    let outcomes = [std::cell::Cell::new(0u32), std::cell::Cell::new(0u32)];
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x6d68_6163),
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = (0..examples.len(), proptest::collection::vec(mutation(), 1..6));
    let result = runner.run(&strategy, |(example, mutations)| {
        let mut text = examples[example].1.clone();
        for mutation in &mutations {
            text = apply(&text, mutation);
        }
        let code = exercise(dir.path(), &text)
            .map_err(|e| TestCaseError::fail(format!("{} after {mutations:?}: {e}", examples[example].0)))?;
        let outcome = &outcomes[usize::from(code == 1)];
        outcome.set(outcome.get() + 1);
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    // The mutants are neither all harmless nor all broken: the test reaches
    // both the backend and the error paths.
    let [built, failed] = [outcomes[0].get(), outcomes[1].get()];
    eprintln!("{CASES} mutants: {built} built, {failed} had errors");
    assert!(built >= 4 && failed >= CASES / 4, "{built} mutants built and {failed} failed");
}

/// Inputs that once went wrong, and the shapes DESIGN §8 names: binary,
/// huge, deeply nested, a typo in every line.
#[test]
fn hostile_inputs() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let moodle = std::fs::read_to_string(support::root().join("examples/moodle.mha")).expect("example");
    let seed = std::fs::read_to_string(support::root().join("examples/seed.mha")).expect("example");
    assert!(seed.contains("max = 6"), "the seed example scales to 6");
    let typo_in_every_line: String = moodle
        .lines()
        .map(|line| {
            let mut chars: Vec<char> = line.chars().collect();
            if chars.len() > 3 {
                chars.swap(1, 2);
            }
            chars.into_iter().collect::<String>() + "\n"
        })
        .collect();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("only a byte-order mark", "\u{FEFF}".into()),
        ("binary", (0..=255u8).cycle().take(4096).collect()),
        ("typo in every line", typo_in_every_line.into_bytes()),
        (
            "deep brackets",
            format!("network main {{ cidr = {}1{} }}", "[".repeat(50_000), "]".repeat(50_000)).into_bytes(),
        ),
        ("deep blocks", format!("{}{}", "network main {".repeat(20_000), "}".repeat(20_000)).into_bytes()),
        ("unclosed everything", "deployment \"x\" { tags = { a = [ ( \"".repeat(1000).into_bytes()),
        ("long line", format!("deployment \"{}\" {{}}", "a".repeat(1_000_000)).into_bytes()),
        // A valid file whose only diagnostics are warnings past column
        // 65,535 (miette's limit): once a panic (exit 101) of every command.
        ("warning past column 65,535", seed.replace("max = 6", &format!("{}max = 6", " ".repeat(70_000))).into_bytes()),
        (
            "warning past column 1,000,000",
            seed.replace("max = 6", &format!("{}max = 6", " ".repeat(1_000_000))).into_bytes(),
        ),
        (
            "error at the end of a 70,000-character line",
            format!("{moodle}\nsecurity_group x {{ allow tcp 1 from {}y }}\n", "x".repeat(70_000)).into_bytes(),
        ),
        (
            "syntax error at the end of a 1,000,000-character line",
            format!("{moodle}\n{}= =\n", " ".repeat(1_000_000)).into_bytes(),
        ),
        ("many blocks", "object_storage b { versioning = true }\n".repeat(20_000).into_bytes()),
        ("huge number", format!("{moodle}\nparam n : number = {}\n", "9".repeat(400)).into_bytes()),
        ("huge duration", moodle.replace("for 5m", "for 99999999999999999999999d").into_bytes()),
        ("huge port", moodle.replace("allow nfs from web", "allow tcp 99999999999999999999-1 from web").into_bytes()),
        ("lone surrogate bytes", [moodle.as_bytes(), &[0xED, 0xA0, 0x80]].concat()),
        ("crlf", moodle.replace('\n', "\r\n").into_bytes()),
        ("cr only", moodle.replace('\n', "\r").into_bytes()),
        ("nul bytes", moodle.replace(' ', "\0").into_bytes()),
        // Found by the fuzzer: a valid file with an invalid byte in a comment
        // was built (exit 0) although `check` reported MHA004 (exit 1).
        ("invalid UTF-8 in a comment of a valid file", [moodle.as_bytes(), b"# \xff\n"].concat()),
        // Found by the fuzzer: a key without `=`, then a comment ending in a
        // multi-byte character.
        ("multi-byte before a syntax error", "database d {\n  class # \u{e9}\n}\n".into()),
    ];
    // Larger than the 16 MiB mhac reads.
    cases.push(("over 16 MiB", vec![b'#'; 16 * 1024 * 1024 + 1]));
    let mut problems = Vec::new();
    for (name, input) in &cases {
        if let Err(error) = exercise(dir.path(), input) {
            problems.push(format!("{name}: {error}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
