// The VS Code extension for .mha files: the TextMate grammar (declared in
// package.json) highlights; this entry point starts `mhac lsp` for
// diagnostics, hover, navigation, rename, completion and formatting.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

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
