// The deployment graph command's parts that do not need VS Code: the
// command line it runs, the webview page it shows, and (when MHAC_BIN names
// a built mhac, as tests/vscode.rs does) the real `mhac graph` on every
// example, shown as an image in the page.
//
// Run: node --test editors/vscode/test/ (cargo test runs it: tests/vscode.rs)
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { graphArgs, renderGraph, webviewHtml, panelTitle } = require('../graph');

const root = path.resolve(__dirname, '..', '..', '..');

test('the command draws an SVG with the diagnostics marked', () => {
  assert.deepStrictEqual(graphArgs('/tmp/a.mha'), ['graph', '--format', 'svg', '--check', '/tmp/a.mha']);
  assert.strictEqual(panelTitle('/x/y/moodle.mha'), 'Graph: moodle.mha');
});

test('the page shows the SVG as an image under a strict policy', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"><script>alert(1)</script></svg>';
  const html = webviewHtml(svg, 'Graph: <a>.mha', 'errors & more');
  assert.match(html, /default-src 'none'; img-src data:/);
  assert.ok(html.includes(`src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"`));
  assert.ok(!html.includes('<script>'), 'the SVG is not inlined');
  assert.ok(html.includes('Graph: &lt;a&gt;.mha'));
  assert.ok(html.includes('errors &amp; more'));
});

test('the real mhac draws every example', { skip: !process.env.MHAC_BIN && 'MHAC_BIN is not set' }, async () => {
  const examples = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.mha'));
  assert.ok(examples.length > 0);
  for (const example of examples) {
    const { svg } = await renderGraph(process.env.MHAC_BIN, path.join(root, 'examples', example));
    assert.ok(svg.startsWith('<svg'), example);
    assert.ok(svg.trimEnd().endsWith('</svg>'), example);
    const html = webviewHtml(svg, panelTitle(example), '');
    assert.ok(html.includes('data:image/svg+xml;base64,'), example);
  }
  await assert.rejects(renderGraph(process.env.MHAC_BIN, path.join(root, 'examples', 'no-such-file.mha')));
});
