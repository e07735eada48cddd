/**
 * The house rule, enforced: code under system/services/ reaches the world only through its Env. This
 * lint parses every service file with the TypeScript compiler (so comments and strings never trip it)
 * and fails on non-deterministic globals and direct Node I/O. Run: `npm run lint`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface LintFinding {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
}

const FORBIDDEN_GLOBALS = new Set(['Date', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval',
  'clearImmediate', 'queueMicrotask', 'performance', 'crypto', 'require', 'WeakRef', 'FinalizationRegistry']);
const FORBIDDEN_MEMBERS = new Set(['Math.random', 'process.nextTick', 'process.hrtime', 'process.env', 'process.exit']);
const FORBIDDEN_MODULES = /^(node:)?(fs|fs\/promises|net|dgram|child_process|worker_threads|timers|timers\/promises|crypto|http|https|http2|os|cluster|perf_hooks)$/;

/** Lints one source text; `file` only labels the findings. */
export function lintServiceSource(file: string, source: string): LintFinding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const findings: LintFinding[] = [];
  const report = (node: ts.Node, rule: string): void => {
    findings.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, rule });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (FORBIDDEN_MODULES.test(node.moduleSpecifier.text)) report(node, `imports '${node.moduleSpecifier.text}'`);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteral(arg) && FORBIDDEN_MODULES.test(arg.text)) report(node, `imports '${arg.text}'`);
    } else if (ts.isPropertyAccessExpression(node)) {
      const text = `${node.expression.getText(sf)}.${node.name.text}`;
      if (FORBIDDEN_MEMBERS.has(text) || FORBIDDEN_MEMBERS.has(`globalThis.${text}`)) report(node, `uses ${text}`);
    } else if (ts.isIdentifier(node) && FORBIDDEN_GLOBALS.has(node.text) && isGlobalReference(node)) {
      report(node, `uses global ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}

/** True when an identifier reads a variable (not a property name, declaration or type). */
function isGlobalReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) ||
    ts.isPropertySignature(parent) || ts.isMethodSignature(parent)) && parent.name === node) return false;
  if (ts.isTypeReferenceNode(parent) || ts.isImportSpecifier(parent) || ts.isQualifiedName(parent)) return false;
  if ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionDeclaration(parent) ||
    ts.isClassDeclaration(parent)) && parent.name === node) return false;
  return true;
}

function serviceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...serviceFiles(path));
    else if (/\.(ts|mts|js|mjs)$/.test(entry) && !/\.test\./.test(entry)) out.push(path);
  }
  return out.sort();
}

export function lintServices(root: string): LintFinding[] {
  const dir = join(root, 'system', 'services');
  return serviceFiles(dir).flatMap((file) => lintServiceSource(relative(root, file), readFileSync(file, 'utf8')));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(fileURLToPath(import.meta.url), '..', '..');
  const findings = lintServices(root);
  for (const f of findings) console.error(`${f.file}:${f.line}: ${f.rule} (services reach the world only through Env)`);
  console.log(`lint: ${findings.length === 0 ? 'system/services is clean' : `${findings.length} problems`}`);
  process.exitCode = findings.length === 0 ? 0 : 1;
}
