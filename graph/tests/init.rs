//! `mhac init`'s starter source checks with no error and no warning and is
//! formatted, for every combination of options; out-of-range zone counts
//! are refused.

use mhac_graph::init::{Engine, MAX_ZONES, MIN_ZONES, Options, Profile, starter};

fn every_option() -> Vec<Options> {
    let mut all = Vec::new();
    for zones in MIN_ZONES..=MAX_ZONES {
        for engine in Engine::ALL {
            for profile in Profile::ALL {
                all.push(Options { zones, engine, profile });
            }
        }
    }
    all
}

#[test]
fn the_starter_checks_clean_with_every_option() {
    for options in every_option() {
        let text = starter(options).expect("in range");
        let compilation = mhac_compiler::compile(&text);
        let report: Vec<String> = compilation
            .diagnostics
            .iter()
            .map(|d| format!("{} {:?} {} at {:?}", d.code.as_str(), d.severity, d.message, d.span()))
            .collect();
        assert!(report.is_empty(), "{options:?}:\n{}", report.join("\n"));
        assert!(compilation.checked().is_some(), "{options:?}");
        let model = compilation.model();
        assert_eq!(model.deployment.zones.len(), options.zones, "{options:?}");
        assert!(model.network.tiers.iter().all(|tier| tier.subnets.len() == options.zones));
    }
}

#[test]
fn the_starter_is_formatted() {
    for options in every_option() {
        let text = starter(options).expect("in range");
        match mhac_compiler::format::format(&text) {
            Ok(formatted) => assert!(formatted == text, "{options:?}: `mhac fmt` would change it:\n{formatted}"),
            Err(error) => panic!("{options:?}: {error:?}"),
        }
    }
}

#[test]
fn the_starter_explains_every_block() {
    let text = starter(Options::default()).expect("in range");
    let lines: Vec<&str> = text.lines().collect();
    // Every top-level block has a comment above it, or follows a block of
    // the same kind that has (the security groups are one list).
    let kind = |line: &str| line.split_whitespace().next().unwrap_or("").to_string();
    for (index, line) in lines.iter().enumerate() {
        let starts_block =
            !line.starts_with(' ') && !line.starts_with('#') && !line.starts_with('}') && !line.is_empty();
        if starts_block {
            let previous = if index > 0 { lines[index - 1] } else { "" };
            assert!(previous.starts_with('#') || kind(previous) == kind(line), "no comment before `{line}`");
        }
    }
    for needed in ["file_system", "cache", "dataroot", "session"] {
        assert!(text.contains(needed), "{needed}");
    }
}
