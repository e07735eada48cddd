/**
 * The report page in a real browser: headless Chromium (Debian's `chromium` package) must show every
 * chart interactively with no console error, no uncaught exception and no request beyond the report
 * folder. Skipped, saying why, only when Chromium is missing on a developer machine; CI installs it
 * (.ci/run), and there a missing Chromium fails the test instead.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { writeReport } from '../../system/report/index.ts';
import { CHROMIUM_CANDIDATES, checkReportPage, findChromium, launchChromium, pageProblems } from './chromium-page-check.ts';
import { sampleReport, writeStandInFigure } from './sample-report.ts';

const chromiumPath = findChromium();
const inCi = Boolean(process.env.CI);
const browserTest = chromiumPath || inCi ? test.serial : test.skip;
const suffix = chromiumPath || inCi ? '' : ' (skipped: no Chromium found; apt-get install chromium, or set FLYER_CHROMIUM)';
if (!chromiumPath && !inCi) console.warn(`report page tests skipped: FLYER_CHROMIUM is unset and no Chromium at ${CHROMIUM_CANDIDATES.join(', ')}`);

const root = mkdtempSync(join(tmpdir(), 'flyer-report-page-'));
let browser: Browser | undefined;
test.after.always(async () => {
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
});

async function openBrowser(): Promise<Browser> {
  if (!chromiumPath) throw new Error('no Chromium found: CI must install it (apt-get install chromium, in .ci/run)');
  browser ??= await launchChromium(chromiumPath);
  return browser;
}

const written = (async () => {
  const dir = join(root, 'sample');
  await writeReport(dir, sampleReport(writeStandInFigure(root)));
  return dir;
})();

browserTest(`the report page renders every chart in headless Chromium with no console error or request${suffix}`, async (t) => {
  const dir = await written;
  const check = await checkReportPage(await openBrowser(), join(dir, 'index.html'));
  t.deepEqual(pageProblems(check), []);
  t.is(check.status?.rendered, 4);
  t.is(check.interactiveViews, 4, 'each static SVG was replaced by its interactive view');
  if (check.consoleWarnings.length > 0) t.log('console warnings:', check.consoleWarnings);
});

browserTest(`the check catches a broken script, a console error and a network fetch${suffix}`, async (t) => {
  const dir = await written;
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const end = html.lastIndexOf('</body>'); // the last one: bundles contain the string too
  const injected = '<script>this is not javascript;</script>\n<script>console.error("deliberate error")</script>\n'
    + '<script>fetch("https://example.com/data.json").catch(function () {})</script>\n';
  const broken = join(dir, 'broken.html');
  writeFileSync(broken, html.slice(0, end) + injected + html.slice(end));
  const problems = pageProblems(await checkReportPage(await openBrowser(), broken));
  t.true(problems.some((problem) => problem.startsWith('uncaught: ')), problems.join('\n'));
  t.true(problems.some((problem) => problem === 'console error: deliberate error'), problems.join('\n'));
  t.true(problems.some((problem) => /example\.com/.test(problem)), problems.join('\n'));
});
