//! The lists of the language's words kept outside the schema agree with it
//! (as rust-analyzer's tidy tests keep its generated files): the grammar's
//! top-level words and reserved words, the parser's recovery keywords, the
//! component kinds, the metrics of the kinds an alarm may watch, the VS Code
//! TextMate grammar and the fuzzer's dictionary. Adding a block kind, an
//! attribute or a keyword without updating one of them fails here, naming
//! the file to change.

use mhac_compiler::schema::{self, BLOCKS, SOURCE_WORDS};
use mhac_compiler::stdlib::stdlib;
use mhac_compiler::symbols::SymbolKind;
use mhac_compiler::syntax::TOP_LEVEL_KEYWORDS;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repository().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The quoted alternatives of a pest rule: `name = @{ ("a" | "b") ~ ... }`.
fn pest_words(grammar: &str, rule: &str) -> BTreeSet<String> {
    let start = grammar.find(&format!("\n{rule} =")).unwrap_or_else(|| panic!("no rule `{rule}` in the grammar"));
    let body = &grammar[start + 1..];
    let end = body.find("\n\n").unwrap_or(body.len());
    let body = &body[..end];
    let open = body.find('(').expect("an alternation");
    let close = body[open..].find(')').expect("its end") + open;
    body[open..close].split('"').skip(1).step_by(2).map(str::to_string).collect()
}

fn top_level_kinds() -> BTreeSet<String> {
    schema::top_level_kinds().map(str::to_string).collect()
}

/// The words the grammar reserves (no name may be one of them).
const RESERVED: &[&str] = &["allow", "alarm", "from", "for", "true", "false"];

#[test]
fn the_grammar_knows_every_top_level_kind_and_reserved_word() {
    let grammar = read("grammar/mhac.pest");
    assert_eq!(pest_words(&grammar, "top_word"), top_level_kinds(), "grammar/mhac.pest `top_word`");
    let reserved: BTreeSet<String> = RESERVED.iter().map(|w| w.to_string()).collect();
    assert_eq!(pest_words(&grammar, "keyword"), reserved, "grammar/mhac.pest `keyword`");
}

#[test]
fn the_parser_recovers_at_every_top_level_kind() {
    let mut kinds = top_level_kinds();
    kinds.insert("param".to_string());
    let keywords: BTreeSet<String> = TOP_LEVEL_KEYWORDS.iter().map(|w| w.to_string()).collect();
    assert_eq!(keywords, kinds, "compiler/src/syntax/parser.rs TOP_LEVEL_KEYWORDS");
}

#[test]
fn component_kinds_are_the_named_top_level_blocks() {
    for kind in SymbolKind::ALL {
        assert_eq!(SymbolKind::from_block(kind.keyword()), Some(*kind), "{kind:?}");
        if kind.is_component() {
            let block = schema::block(kind.keyword()).unwrap_or_else(|| panic!("{kind:?} has no block schema"));
            assert!(block.top_level && block.label == schema::LabelRule::Name, "{kind:?}");
        }
    }
    for block in BLOCKS.iter().filter(|b| b.top_level && b.label == schema::LabelRule::Name) {
        assert!(
            SymbolKind::from_keyword(block.kind).is_some(),
            "top-level block `{}` is named but no SymbolKind (compiler/src/symbols.rs) stands for it",
            block.kind
        );
    }
}

#[test]
fn every_kind_an_alarm_may_watch_has_metrics() {
    let with_metrics: BTreeSet<&str> = stdlib().metrics.components.keys().map(String::as_str).collect();
    let alarmable: BTreeSet<&str> = SymbolKind::ALARMABLE.iter().map(|k| k.keyword()).collect();
    assert_eq!(with_metrics, alarmable, "stdlib/metrics.json against SymbolKind::ALARMABLE");
}

#[test]
fn the_textmate_grammar_highlights_every_top_level_kind() {
    let grammar: serde_json::Value =
        serde_json::from_str(&read("editors/vscode/syntaxes/mha.tmLanguage.json")).expect("JSON");
    let head = grammar["repository"]["block-head"]["patterns"][0]["match"].as_str().expect("the block-head pattern");
    let open = head.find("\\b(").expect("an alternation") + 3;
    let close = head[open..].find(')').expect("its end") + open;
    let words: BTreeSet<String> = head[open..close].split('|').map(str::to_string).collect();
    assert_eq!(words, top_level_kinds(), "editors/vscode/syntaxes/mha.tmLanguage.json block-head");
    let value = grammar["repository"]["value"]["patterns"].to_string();
    for word in RESERVED {
        assert!(value.contains(word), "the TextMate grammar does not mark `{word}`");
    }
}

#[test]
fn the_fuzz_dictionary_holds_every_word_of_the_language() {
    let dictionary: BTreeSet<String> = read("fuzz/mhac.dict")
        .lines()
        .filter(|line| line.starts_with('"'))
        .map(|line| line.trim_matches('"').to_string())
        .collect();
    let mut words: BTreeSet<String> = BLOCKS.iter().map(|b| b.kind.to_string()).collect();
    words.insert("param".to_string());
    words.extend(BLOCKS.iter().flat_map(|b| b.attributes.iter().map(|a| a.name.to_string())));
    words.extend(RESERVED.iter().map(|w| w.to_string()));
    words.extend(SOURCE_WORDS.iter().map(|w| w.to_string()));
    let missing: Vec<&String> = words.iter().filter(|w| !dictionary.contains(*w)).collect();
    assert!(missing.is_empty(), "fuzz/mhac.dict lacks {missing:?}");
}
