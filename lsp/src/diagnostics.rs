//! mhac diagnostics as LSP diagnostics: the same code, severity and message
//! as `mhac check`, the range of the main label, and every label and the
//! `help:` as related information.

use crate::document::{Document, Encoding};
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location, NumberOrString, Uri};
use mhac_compiler::diagnostics::{Code, Severity};

/// The document's diagnostics, in `mhac check`'s order.
pub fn to_lsp(doc: &Document, uri: &Uri, encoding: Encoding) -> Vec<lsp_types::Diagnostic> {
    doc.compilation
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let range = doc.range(diagnostic.span(), encoding);
            let mut related: Vec<DiagnosticRelatedInformation> = diagnostic
                .labels
                .iter()
                .filter(|label| !label.message.is_empty())
                .map(|label| DiagnosticRelatedInformation {
                    location: Location { uri: uri.clone(), range: doc.range(label.span, encoding) },
                    message: label.message.clone(),
                })
                .collect();
            if let Some(help) = &diagnostic.help {
                related.push(DiagnosticRelatedInformation {
                    location: Location { uri: uri.clone(), range },
                    message: format!("help: {help}"),
                });
            }
            let unnecessary = matches!(diagnostic.code, Code::UnusedParam | Code::UnusedGroup);
            lsp_types::Diagnostic {
                range,
                severity: Some(match diagnostic.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(diagnostic.code.as_str().to_string())),
                code_description: None,
                source: Some("mhac".to_string()),
                message: diagnostic.message.clone(),
                related_information: (!related.is_empty()).then_some(related),
                tags: unnecessary.then(|| vec![DiagnosticTag::UNNECESSARY]),
                data: diagnostic.help.as_ref().map(|help| serde_json::json!({ "help": help })),
            }
        })
        .collect()
}
