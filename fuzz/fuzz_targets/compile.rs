//! Everything `mhac check` and `mhac build --target cloudformation` do with a
//! file, from arbitrary bytes: decode, parse, lower, check, render the
//! diagnostics (human and JSON), and build the template when there is no
//! error. Any panic is a bug; so is a diagnostic span outside the text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mhac_compiler::render::{self, HumanOptions};

fuzz_target!(|data: &[u8]| {
    // What `mhac check` and `build` do with a file's bytes.
    let (text, compilation) = mhac_compiler::compile_bytes(data);
    let diagnostics = &compilation.diagnostics;
    for diagnostic in diagnostics {
        for label in &diagnostic.labels {
            assert!(
                label.span.start <= label.span.end && label.span.end <= text.len(),
                "{} label {:?} outside a text of {} bytes",
                diagnostic.code,
                label.span,
                text.len()
            );
        }
    }
    let human = render::human_all(diagnostics, "fuzz.mha", &text, HumanOptions { color: true, width: 80 });
    assert!(human.ends_with(" warnings\n") || human.ends_with(" warning\n"));
    let json = render::json(&[("fuzz.mha", &text, diagnostics)]);
    assert_eq!(json.diagnostics.len(), diagnostics.len());
    assert_eq!(compilation.checked().is_some(), !compilation.has_errors());
    if let Some(plan) = compilation.plan() {
        let template = mhac_backends::cloudformation::template(plan);
        assert!(!mhac_backends::cloudformation::to_json(&template.body).is_empty());
        assert!(!mhac_backends::cloudformation::to_yaml(&template.body).is_empty());
    }
});
