// The VS Code extension for .mha files: the TextMate grammar (declared in
// package.json) highlights; this entry point starts `mhac lsp` for
// diagnostics, hover, navigation, rename, completion and formatting, and
// offers "mhac: Show Deployment Graph" (`mhac graph`, in graph.js).
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');
const { renderGraph, webviewHtml, panelTitle } = require('./graph');

let client;
// Open graph panels, by the file they draw.
const graphPanels = new Map();

function mhacCommand() {
  return vscode.workspace.getConfiguration('mhac').get('path') || 'mhac';
}

async function drawGraph(panel, file) {
  try {
    const { svg, stderr } = await renderGraph(mhacCommand(), file);
    const errors = /\berror\b/.test(stderr) ? 'mhac reports errors in this file; they are marked on the picture.' : '';
    panel.webview.html = webviewHtml(svg, panelTitle(file), errors);
  } catch (error) {
    panel.webview.html = webviewHtml('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', panelTitle(file), error.message);
  }
}

async function showGraph() {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'mha' || editor.document.uri.scheme !== 'file') {
    vscode.window.showInformationMessage('mhac: open a saved .mha file to show its deployment graph.');
    return;
  }
  const document = editor.document;
  if (document.isDirty) {
    await document.save();
  }
  const file = document.uri.fsPath;
  let panel = graphPanels.get(file);
  if (panel) {
    panel.reveal(vscode.ViewColumn.Beside, true);
  } else {
    panel = vscode.window.createWebviewPanel('mhacGraph', panelTitle(file), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: false,
    });
    graphPanels.set(file, panel);
    panel.onDidDispose(() => graphPanels.delete(file));
  }
  await drawGraph(panel, file);
}

function createClient() {
  const config = vscode.workspace.getConfiguration('mhac');
  const command = config.get('path') || 'mhac';
  const serverOptions = {
    run: { command, args: ['lsp'], transport: TransportKind.stdio },
    debug: { command, args: ['lsp'], transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'mha' },
      { scheme: 'untitled', language: 'mha' },
    ],
  };
  return new LanguageClient('mhac', 'mhac', serverOptions, clientOptions);
}

async function activate(context) {
  client = createClient();
  context.subscriptions.push(
    vscode.commands.registerCommand('mhac.restartServer', async () => {
      if (client) {
        await client.stop();
      }
      client = createClient();
      await client.start();
    }),
  );
  context.subscriptions.push(
    vscode.commands.registerCommand('mhac.showGraph', showGraph),
    vscode.workspace.onDidSaveTextDocument((document) => {
      const panel = graphPanels.get(document.uri.fsPath);
      if (panel) {
        drawGraph(panel, document.uri.fsPath);
      }
    }),
  );
  try {
    await client.start();
  } catch (error) {
    vscode.window.showErrorMessage(
      `mhac: cannot start \`${vscode.workspace.getConfiguration('mhac').get('path') || 'mhac'} lsp\` (${error.message}). ` +
        'Install mhac (cargo install --path . in the mhac repository) or set "mhac.path".',
    );
  }
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
