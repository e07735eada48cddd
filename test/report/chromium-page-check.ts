/**
 * Opens a report page in headless Chromium (Debian's `chromium`, driven by playwright-core) and
 * collects everything that says the page is broken: console errors, uncaught exceptions, failed or
 * network (non-file) requests, images that did not load, and the page's own render status.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/lib/chromium/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** FLYER_CHROMIUM, else the first Chromium found at the usual Debian/Ubuntu/Chrome paths. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.FLYER_CHROMIUM;
  if (fromEnv) return fromEnv;
  return CHROMIUM_CANDIDATES.find((path) => existsSync(path));
}

export function launchChromium(executablePath: string): Promise<Browser> {
  // --no-sandbox (added by playwright-core by default) because CI runs as root.
  return chromium.launch({ executablePath, headless: true, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
}

export interface PageStatus {
  readonly expected: number;
  readonly rendered: number;
  readonly failed: number;
  readonly errors: readonly string[];
  readonly done: boolean;
}

export interface PageCheck {
  readonly consoleErrors: string[];
  readonly consoleWarnings: string[];
  readonly pageErrors: string[];
  readonly failedRequests: string[];
  /** Requests for anything but file:, data: and blob: URLs: a report must not touch the network. */
  readonly networkRequests: string[];
  readonly brokenImages: string[];
  readonly interactiveViews: number;
  /** Each inline <svg> re-parsed by the browser's XML parser; names the ones that did not parse. */
  readonly unparsableSvgs: string[];
  readonly status: PageStatus | undefined;
}

const LOCAL_URL = /^(file|data|blob|about):/;

export async function checkReportPage(browser: Browser, htmlPath: string, timeoutMs = 30_000): Promise<PageCheck> {
  const context = await browser.newContext({ offline: true });
  const page = await context.newPage();
  const check: PageCheck = {
    consoleErrors: [], consoleWarnings: [], pageErrors: [], failedRequests: [], networkRequests: [], brokenImages: [],
    interactiveViews: 0, unparsableSvgs: [], status: undefined,
  };
  page.on('console', (message) => {
    if (message.type() === 'error') check.consoleErrors.push(message.text());
    if (message.type() === 'warning') check.consoleWarnings.push(message.text());
  });
  page.on('pageerror', (error) => check.pageErrors.push(error.message));
  page.on('request', (request) => {
    if (!LOCAL_URL.test(request.url())) check.networkRequests.push(request.url());
  });
  page.on('requestfailed', (request) => check.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
  try {
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load', timeout: timeoutMs });
    // Strings, not functions: the project compiles without DOM types, and these run in the page.
    await page.waitForFunction('window.flyerReportStatus === undefined || window.flyerReportStatus.done', undefined, { timeout: timeoutMs })
      .catch((error: unknown) => check.pageErrors.push(`page never finished rendering: ${String(error)}`));
    const found = (await page.evaluate(`({
      status: window.flyerReportStatus,
      interactiveViews: document.querySelectorAll('.chart.interactive .view svg.marks').length,
      brokenImages: Array.from(document.images).filter((img) => !img.complete || img.naturalWidth === 0).map((img) => img.src),
      unparsableSvgs: Array.from(document.querySelectorAll('.static svg')).filter((svg) =>
        new DOMParser().parseFromString(svg.outerHTML, 'image/svg+xml').querySelector('parsererror') !== null
      ).map((svg) => svg.closest('section') ? svg.closest('section').id : '?'),
    })`)) as Pick<PageCheck, 'status' | 'interactiveViews' | 'brokenImages' | 'unparsableSvgs'>;
    return { ...check, ...found };
  } finally {
    await context.close();
  }
}

/** Everything wrong with a page in one list; empty means it rendered cleanly. */
export function pageProblems(check: PageCheck): string[] {
  const status = check.status;
  return [
    ...check.consoleErrors.map((text) => `console error: ${text}`),
    ...check.pageErrors.map((text) => `uncaught: ${text}`),
    ...check.failedRequests.map((text) => `failed request: ${text}`),
    ...check.networkRequests.map((url) => `network request: ${url}`),
    ...check.brokenImages.map((src) => `image did not load: ${src}`),
    ...check.unparsableSvgs.map((id) => `inline SVG does not parse as XML: ${id}`),
    ...(status === undefined ? ['the page script never ran (window.flyerReportStatus missing)'] : []),
    ...(status && status.rendered !== status.expected ? [`${status.rendered} of ${status.expected} interactive views rendered`] : []),
    ...(status ? status.errors.map((text) => `page reported: ${text}`) : []),
  ];
}
