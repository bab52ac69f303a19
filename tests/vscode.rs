//! The VS Code extension in editors/vscode: its manifest points at files
//! that exist, and its TextMate grammar gives the examples' keywords,
//! strings, CIDR blocks and comments their scopes (a Node test with
//! vscode-textmate, whose packages scripts/test installs with `npm ci`);
//! the same Node run tests the "Show Deployment Graph" command's page with
//! the real `mhac graph` (MHAC_BIN).

mod support;

use serde_json::Value;

fn extension() -> std::path::PathBuf {
    support::root().join("editors/vscode")
}

#[test]
fn the_manifest_names_files_that_exist() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(extension().join("package.json")).expect("package.json"))
            .expect("package.json is JSON");
    let main = manifest["main"].as_str().expect("main");
    assert!(extension().join(main).is_file(), "{main}");
    let language = &manifest["contributes"]["languages"][0];
    assert_eq!(language["id"], "mha");
    assert_eq!(language["extensions"][0], ".mha");
    let configuration = language["configuration"].as_str().expect("configuration");
    let _: Value = serde_json::from_str(&std::fs::read_to_string(extension().join(configuration)).expect("file"))
        .expect("language configuration is JSON");
    let grammar = &manifest["contributes"]["grammars"][0];
    let grammar_file: Value = serde_json::from_str(
        &std::fs::read_to_string(extension().join(grammar["path"].as_str().expect("path"))).expect("grammar"),
    )
    .expect("the grammar is JSON");
    assert_eq!(grammar_file["scopeName"], grammar["scopeName"]);
    assert!(manifest["dependencies"]["vscode-languageclient"].is_string());
    let entry = std::fs::read_to_string(extension().join(main)).expect("entry point");
    assert!(entry.contains("args: ['lsp']"), "the extension starts `mhac lsp`");
    let commands = manifest["contributes"]["commands"].as_array().expect("commands");
    assert!(
        commands.iter().any(|c| c["command"] == "mhac.showGraph" && c["title"] == "mhac: Show Deployment Graph"),
        "the graph command is declared"
    );
    assert!(entry.contains("registerCommand('mhac.showGraph'"), "the graph command is registered");
    let graph = std::fs::read_to_string(extension().join("graph.js")).expect("graph.js");
    assert!(graph.contains("'graph', '--format', 'svg'"), "the graph command runs `mhac graph --format svg`");
}

#[test]
#[cfg_attr(
    not(tool_node),
    ignore = "needs Node.js and the VS Code extension's npm packages (scripts/test runs npm ci)"
)]
fn the_grammar_scopes_the_examples() {
    let node = support::require_tool("node");
    assert!(
        extension().join("node_modules/vscode-textmate").is_dir(),
        "editors/vscode/node_modules is missing: run the tests with scripts/test (it runs `npm ci` there)"
    );
    let output = std::process::Command::new(node)
        .args(["--test", "test/"])
        .env("MHAC_BIN", env!("CARGO_BIN_EXE_mhac"))
        .current_dir(extension())
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "the grammar test failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
