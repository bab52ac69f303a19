// Tokenizes the repository's examples with the extension's TextMate grammar
// (vscode-textmate on the Oniguruma engine VS Code uses) and checks that
// keywords, block kinds, strings, CIDR blocks, addresses, durations and
// comments get their scopes. The expected places are found independently,
// by a small scanner that knows where strings and comments are.
//
// Run: node --test editors/vscode/test/ (cargo test runs it: tests/vscode.rs)
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const root = path.resolve(__dirname, '..', '..', '..');
const grammarPath = path.resolve(__dirname, '..', 'syntaxes', 'mha.tmLanguage.json');

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.mha') return null;
      return vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath);
    },
  });
  return registry.loadGrammar('source.mha');
}

// Scopes of every character of every line: scopes[line][column] is a list.
function tokenize(grammar, text) {
  let state = vsctm.INITIAL;
  return text.split('\n').map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    const scopes = new Array(line.length);
    for (const token of result.tokens) {
      for (let i = token.startIndex; i < Math.min(token.endIndex, line.length); i++) {
        scopes[i] = token.scopes;
      }
    }
    return scopes;
  });
}

// Where strings and comments are on a line: an array of 'code' | 'string' |
// 'comment' per character (strings end at their quote or the line's end).
function classify(line) {
  const kinds = new Array(line.length).fill('code');
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') {
      kinds[i] = 'string';
      i++;
      while (i < line.length && line[i] !== '"') {
        kinds[i] = 'string';
        if (line[i] === '\\' && i + 1 < line.length) {
          kinds[++i] = 'string';
        }
        i++;
      }
      if (i < line.length) kinds[i] = 'string';
    } else if (line[i] === '#' || (line[i] === '/' && line[i + 1] === '/')) {
      kinds.fill('comment', i);
      break;
    }
  }
  return kinds;
}

// Every match of `regex` in code (not in strings or comments).
function* codeMatches(lines, regex) {
  for (let n = 0; n < lines.length; n++) {
    const kinds = classify(lines[n]);
    for (const match of lines[n].matchAll(regex)) {
      if (kinds[match.index] === 'code') yield { line: n, column: match.index, text: match[0] };
    }
  }
}

function hasScope(scopes, line, column, scope) {
  const at = scopes[line][column] || [];
  return at.some((s) => s === scope || s.startsWith(scope + '.'));
}

function expectScope(scopes, where, scope, file) {
  assert.ok(
    hasScope(scopes, where.line, where.column, scope),
    `${file}:${where.line + 1}:${where.column + 1} \`${where.text}\` has scopes ` +
      `${JSON.stringify(scopes[where.line][where.column])}, expected ${scope}`,
  );
}

const sources = [
  ...fs
    .readdirSync(path.join(root, 'examples'))
    .filter((name) => name.endsWith('.mha'))
    .map((name) => path.join('examples', name)),
  path.join('tests', 'fmt', 'messy.mha'),
].sort();

test('the examples get their scopes', async () => {
  const grammar = await loadGrammar();
  assert.ok(sources.length >= 4, `found ${sources.length} sources`);
  const counts = { keywords: 0, strings: 0, cidrs: 0, comments: 0, blocks: 0 };
  for (const file of sources) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const lines = text.split('\n');
    const scopes = tokenize(grammar, text);

    for (const [word, scope] of [
      ['allow', 'keyword.control.allow.mha'],
      ['from', 'keyword.control.from.mha'],
      ['alarm', 'keyword.control.alarm.mha'],
      ['for', 'keyword.control.for.mha'],
    ]) {
      // Followed by `=`, the word is an attribute key (`email { from = ... }`).
      for (const where of codeMatches(lines, new RegExp(`\\b${word}\\b(?!\\s*=)`, 'g'))) {
        expectScope(scopes, where, scope, file);
        counts.keywords++;
      }
      for (const where of codeMatches(lines, new RegExp(`\\b${word}\\b(?=\\s*=[^=])`, 'g'))) {
        expectScope(scopes, where, 'variable.other.property.mha', file);
      }
    }
    for (const where of codeMatches(lines, /^param\b/g)) {
      expectScope(scopes, where, 'keyword.other.param.mha', file);
    }
    for (const where of codeMatches(
      lines,
      /^(deployment|network|vpn|security_group|load_balancer|app_servers|database|file_system|cache|object_storage|site|monitoring|state)\b/g,
    )) {
      expectScope(scopes, where, 'storage.type.block.mha', file);
      counts.blocks++;
    }
    for (const where of codeMatches(lines, /^\s*\b(tier|https|waf|scaling|behind|logs)\b(?=[^=]*\{)/g)) {
      const column = where.column + where.text.search(/\S/);
      expectScope(scopes, { ...where, column }, 'storage.type.block.nested.mha', file);
    }
    for (const where of codeMatches(lines, /\b\d{1,3}(\.\d{1,3}){3}\/\d{1,2}\b/g)) {
      for (let i = 0; i < where.text.length; i++) {
        expectScope(scopes, { ...where, column: where.column + i }, 'constant.numeric.cidr.mha', file);
      }
      counts.cidrs++;
    }
    for (const where of codeMatches(lines, /\b\d{1,3}(\.\d{1,3}){3}\b(?![./\d])/g)) {
      expectScope(scopes, where, 'constant.numeric.ip.mha', file);
    }
    for (const where of codeMatches(lines, /\b\d+[smhd]\b/g)) {
      expectScope(scopes, where, 'constant.numeric.duration.mha', file);
    }
    for (const where of codeMatches(lines, /\b(true|false)\b/g)) {
      expectScope(scopes, where, 'constant.language.boolean.mha', file);
    }
    for (const where of codeMatches(lines, /\bparam\.\w+/g)) {
      expectScope(scopes, where, 'variable.language.param.mha', file);
    }
    for (let n = 0; n < lines.length; n++) {
      const kinds = classify(lines[n]);
      for (let i = 0; i < kinds.length; i++) {
        const where = { line: n, column: i, text: lines[n][i] };
        if (kinds[i] === 'string') {
          expectScope(scopes, where, 'string.quoted.double.mha', file);
          if (i === 0 || kinds[i - 1] !== 'string') counts.strings++;
        } else if (kinds[i] === 'comment') {
          expectScope(scopes, where, 'comment.line', file);
          if (i === 0 || kinds[i - 1] !== 'comment') counts.comments++;
        } else {
          assert.ok(
            !hasScope(scopes, n, i, 'comment') && !hasScope(scopes, n, i, 'string'),
            `${file}:${n + 1}:${i + 1} is code but scoped ${JSON.stringify(scopes[n][i])}`,
          );
        }
      }
    }
  }
  for (const [what, count] of Object.entries(counts)) {
    assert.ok(count > 5, `only ${count} ${what} checked`);
  }
});

test('tricky lines', async () => {
  const grammar = await loadGrammar();
  const text = [
    'security_group g { allow tcp 8000-8090 from web, 10.1.0.0/16, description = "a # b // c" } # real',
    'vpn v { customer_gateway = 203.0.113.10, routes = [192.168.0.0/16] } // also real',
    'app_servers a { behind front { health_check = "/login/\\"x\\"" } }',
    'monitoring { alarm front.unhealthy_hosts >= 1 for 2m }',
  ].join('\n');
  const scopes = tokenize(grammar, text);
  const lines = text.split('\n');
  const at = (line, needle, offset = 0) => ({ line, column: lines[line].indexOf(needle) + offset, text: needle });
  expectScope(scopes, at(0, 'tcp'), 'keyword.other.protocol.mha', 'tricky');
  expectScope(scopes, at(0, '8000-8090'), 'constant.numeric.port.mha', 'tricky');
  expectScope(scopes, at(0, '10.1.0.0/16'), 'constant.numeric.cidr.mha', 'tricky');
  expectScope(scopes, at(0, 'description'), 'variable.other.property.mha', 'tricky');
  expectScope(scopes, at(0, '# b'), 'string.quoted.double.mha', 'tricky');
  expectScope(scopes, at(0, '# real'), 'comment.line.number-sign.mha', 'tricky');
  expectScope(scopes, at(1, '203.0.113.10'), 'constant.numeric.ip.mha', 'tricky');
  expectScope(scopes, at(1, '// also'), 'comment.line.double-slash.mha', 'tricky');
  expectScope(scopes, at(2, 'behind'), 'storage.type.block.nested.mha', 'tricky');
  expectScope(scopes, at(2, 'front'), 'entity.name.type.component.mha', 'tricky');
  expectScope(scopes, at(2, '\\"'), 'constant.character.escape.mha', 'tricky');
  expectScope(scopes, at(2, '} }'), 'punctuation.section.block.end.mha', 'tricky');
  expectScope(scopes, at(3, 'unhealthy_hosts'), 'variable.other.property.metric.mha', 'tricky');
  expectScope(scopes, at(3, '>='), 'keyword.operator.comparison.mha', 'tricky');
  expectScope(scopes, at(3, '2m'), 'constant.numeric.duration.mha', 'tricky');
});
