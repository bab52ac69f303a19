//! `mhac check --message-format json` on diagnostic fixtures, through the
//! real binary. The fixtures, their rendering snapshots and the checks that
//! keep codes, fixtures and explanations in step are the compiler's own
//! tests (`compiler/tests/diagnostics.rs`).

mod support;

const FIXTURES: &str = "compiler/tests/fixtures/diagnostics";

/// `mhac check --message-format json` on a fixture: exit 1 for errors, and a
/// document whose positions agree with the byte offsets.
fn json_check(fixture: &str, expected_exit: i32) -> serde_json::Value {
    let relative = format!("{FIXTURES}/{fixture}");
    let output = support::run(&["check", "--message-format", "json", &relative]);
    assert_eq!(output.status.code(), Some(expected_exit), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("JSON output is UTF-8");
    insta::assert_snapshot!(fixture, stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(report["version"], 1);
    let text = std::fs::read_to_string(support::root().join(&relative)).expect("fixture");
    let position = |offset: usize| -> (usize, usize) {
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
        (line, column)
    };
    let diagnostics = report["diagnostics"].as_array().expect("a diagnostics array");
    assert!(!diagnostics.is_empty());
    for diagnostic in diagnostics {
        for key in ["code", "severity", "message", "help", "file"] {
            assert!(diagnostic[key].is_string(), "{key} in {diagnostic}");
        }
        assert_eq!(diagnostic["file"], relative.as_str());
        let ranges = std::iter::once(diagnostic).chain(diagnostic["labels"].as_array().expect("labels"));
        for range in ranges {
            let start = range["byte_start"].as_u64().expect("byte_start") as usize;
            let end = range["byte_end"].as_u64().expect("byte_end") as usize;
            assert!(start <= end && end <= text.len(), "{range}");
            for (offset, key) in [(start, "start"), (end, "end")] {
                let (line, column) = position(offset);
                assert_eq!(range[key]["line"].as_u64(), Some(line as u64), "{key} of {range}");
                assert_eq!(range[key]["column"].as_u64(), Some(column as u64), "{key} of {range}");
            }
        }
    }
    let errors = diagnostics.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(report["summary"]["errors"], errors);
    assert_eq!(report["summary"]["warnings"], diagnostics.len() - errors);
    report
}

#[test]
fn json_format_of_an_error_with_two_labels() {
    let report = json_check("MHA211_subnet_overlap.mha", 1);
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "MHA211");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["labels"].as_array().map(Vec::len), Some(2));
}

#[test]
fn json_format_of_warnings() {
    let report = json_check("MHA503_no_session_store.mha", 0);
    let codes: Vec<&str> =
        report["diagnostics"].as_array().into_iter().flatten().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["MHA503"]);
    assert_eq!(report["diagnostics"][0]["severity"], "warning");
}
