// The deployment graph beside the editor ("mhac: Show Deployment Graph"):
// runs `mhac graph --format svg --check FILE` and shows the picture in a
// webview, redrawn each time the file is saved. The parts that do not need
// VS Code (the command line, running it, the webview's HTML) are plain
// functions, tested by test/graph.test.js with the real mhac.
'use strict';

const { execFile } = require('node:child_process');
const path = require('node:path');

/** The arguments of `mhac graph` for a file. */
function graphArgs(file) {
  return ['graph', '--format', 'svg', '--check', file];
}

/**
 * Run `mhac graph` on a file. Resolves to { svg, stderr }: the picture is
 * drawn even when the source has errors (mhac then exits 1 and marks them
 * on it); rejects when mhac cannot run or draws nothing.
 */
function renderGraph(command, file) {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      graphArgs(file),
      { maxBuffer: 64 * 1024 * 1024, timeout: 60000, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        if (stdout && stdout.includes('<svg')) {
          resolve({ svg: stdout, stderr });
        } else if (error) {
          reject(new Error(`${command} ${graphArgs(file).join(' ')}: ${stderr || error.message}`));
        } else {
          reject(new Error(`${command} graph printed no picture`));
        }
      },
    );
  });
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/**
 * The webview's page: the SVG as an image (a data: URI, so nothing in it
 * runs), scaled to the panel's width, under a strict content security
 * policy; a note when mhac reported errors.
 */
function webviewHtml(svg, title, note) {
  const data = Buffer.from(svg, 'utf8').toString('base64');
  const noteHtml = note ? `<pre class="note">${escapeHtml(note)}</pre>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline';">
<title>${escapeHtml(title)}</title>
<style>
  body { margin: 0; padding: 8px; background: #ffffff; }
  img { width: 100%; height: auto; display: block; }
  .note { color: #b00020; white-space: pre-wrap; font-size: 12px; }
</style>
</head>
<body>
${noteHtml}<img alt="${escapeHtml(title)}" src="data:image/svg+xml;base64,${data}">
</body>
</html>`;
}

/** The panel title for a file. */
function panelTitle(file) {
  return `Graph: ${path.basename(file)}`;
}

module.exports = { graphArgs, renderGraph, webviewHtml, panelTitle };
