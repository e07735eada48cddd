import test from 'ava';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { lintServiceSource, lintServices } from '../scripts/lint-services.ts';

// Goal: the lint that guards the house rule catches every forbidden use, ignores comments, strings and
// look-alike property names, and passes on the real services tree.

const bad: Array<[string, string]> = [
  ['const t = Date.now();', 'uses global Date'],
  ['const d = new Date();', 'uses global Date'],
  ['const t = performance.now();', 'uses global performance'],
  ['setTimeout(() => {}, 1);', 'uses global setTimeout'],
  ['setInterval(() => {}, 1);', 'uses global setInterval'],
  ['setImmediate(() => {});', 'uses global setImmediate'],
  ['const r = Math.random();', 'uses Math.random'],
  ['process.nextTick(() => {});', 'uses process.nextTick'],
  ['const u = crypto.randomUUID();', 'uses global crypto'],
  ["import { readFile } from 'node:fs/promises';", "imports 'node:fs/promises'"],
  ["import fs from 'fs';", "imports 'fs'"],
  ["import net from 'node:net';", "imports 'node:net'"],
  ["import { spawn } from 'child_process';", "imports 'child_process'"],
  ["import { Worker } from 'node:worker_threads';", "imports 'node:worker_threads'"],
  ["import { randomBytes } from 'node:crypto';", "imports 'node:crypto'"],
  ["const m = await import('node:net');", "imports 'node:net'"],
];

for (const [source, rule] of bad) {
  test(`flags: ${source}`, (t) => {
    const findings = lintServiceSource('x.ts', source);
    t.true(findings.some((f) => f.rule === rule), JSON.stringify(findings));
  });
}

test('ignores comments, strings and look-alike names', (t) => {
  const source = [
    '// Date.now() and setTimeout are forbidden here',
    "const text = 'Math.random()';",
    'const o = { Date: 1, setTimeout: 2 };',
    'o.Date = 3;',
    'class C { performance = 1; }',
    "import type { Env } from '../../env/types.ts';",
  ].join('\n');
  t.deepEqual(lintServiceSource('x.ts', source), []);
});

test('reports the line of each finding', (t) => {
  const findings = lintServiceSource('x.ts', 'const a = 1;\n\nconst t = Date.now();\n');
  t.is(findings[0]?.line, 3);
});

test('the services tree is clean', (t) => {
  const root = join(fileURLToPath(import.meta.url), '..', '..');
  t.deepEqual(lintServices(root), []);
});
