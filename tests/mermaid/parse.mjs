// Parse Mermaid files with Mermaid's own parser (the one its renderer
// uses), offline and without a browser: jsdom provides the DOM that
// Mermaid's label sanitiser needs. `node parse.mjs FILE...` prints one line
// per file and exits 1 if any file does not parse.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    const result = await mermaid.parse(text);
    if (!result || !String(result.diagramType).startsWith('flowchart')) {
      throw new Error(`not a flowchart: ${JSON.stringify(result)}`);
    }
    console.log(`ok ${file} (${result.diagramType})`);
  } catch (error) {
    failed += 1;
    console.log(`FAILED ${file}: ${String(error.message || error).split('\n').slice(0, 4).join(' | ')}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
