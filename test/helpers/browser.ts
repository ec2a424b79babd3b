/**
 * Browser tests' one way to drive the UI: Debian's Chromium (/usr/bin/chromium) through playwright-core,
 * headless with the flags this machine needs and a fresh profile per launch. Every page is watched: a
 * console error, an uncaught exception or a failed request (network failure, or an HTTP status ≥ 400 the
 * test did not say it expects) is recorded, and `assertClean()` fails the test that caused it. Expected
 * failures (`expectFailure`) last until the next `assertClean()`: each story says its own.
 *
 * Screenshots for the docs: `shot(page, name)` writes docs/ui/<name>.png when PLUMB_SCREENSHOTS=1 (run a
 * browser test that way to remake them; 1280×800, palette PNGs), and does nothing otherwise, so a CI run
 * never dirties the tree.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import sharp from "sharp";
import { repoRoot } from "./paths.js";

export const CHROMIUM = "/usr/bin/chromium";
export const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Why browser tests cannot run here (no Chromium, the UI not built), or false. */
export const browserSkip: string | false = !existsSync(CHROMIUM)
  ? "no /usr/bin/chromium (apt-get install chromium)"
  : !existsSync(join(repoRoot, "ui", "dist", "index.html"))
    ? "the UI is not built (npm --prefix ui ci && npm --prefix ui run build)"
    : false;

export interface TestBrowser {
  context: BrowserContext;
  /** A new page, watched. */
  page(): Promise<Page>;
  /** What went wrong on the pages so far (console errors, page errors, failed requests). */
  problems: string[];
  /**
   * Answers matching this are expected to fail (e.g. a 403 the test provokes); `status` defaults to any
   * ≥ 400. Good until the next `assertClean`, which forgets it: say it in each story that provokes it, so
   * one story's expectation never hides another story's failures.
   */
  expectFailure(url: RegExp, status?: number): void;
  /** Fails unless no page had a problem since the last call; clears the record and the expected failures. */
  assertClean(what: string): void;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile. `colorScheme` picks the system's light or dark mode. */
export async function launchBrowser(opts: { colorScheme?: "light" | "dark" } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "plumb-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 800 }, colorScheme: opts.colorScheme ?? "light" });
  const problems: string[] = [];
  const expected: Array<{ url: RegExp; status?: number }> = [];
  const isExpected = (url: string, status: number) => expected.some((e) => e.url.test(url) && (e.status === undefined || e.status === status));
  const watch = (page: Page) => {
    page.on("pageerror", (e) => problems.push(`page error: ${String(e)}`));
    page.on("console", (m) => {
      if (m.type() !== "error") return;
      const text = m.text();
      // Chromium logs every failed answer as a console error too; those are judged by status below.
      if (/Failed to load resource: the server responded with a status of (\d+)/.test(text)) return;
      problems.push(`console error: ${text}`);
    });
    page.on("requestfailed", (r) => {
      const why = r.failure()?.errorText ?? "";
      // A page left or a stream closed on purpose aborts its requests: not a failure of the UI.
      if (/ERR_ABORTED|NS_BINDING_ABORTED/.test(why)) return;
      problems.push(`request failed: ${r.method()} ${r.url()} ${why}`);
    });
    page.on("response", (r) => {
      if (r.status() >= 400 && !isExpected(r.url(), r.status())) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
    });
  };
  context.on("page", watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    problems,
    page: async () => context.newPage(),
    expectFailure: (url, status) => void expected.push({ url, ...(status === undefined ? {} : { status }) }),
    assertClean(what) {
      const found = problems.splice(0);
      expected.splice(0); // after the check: what this story expected does not excuse the next one
      assert.deepEqual(found, [], `${what}: no console errors and no failed requests`);
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Logs in through the login form and waits for the applications page. */
export async function logIn(page: Page, baseURL: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseURL}/applications`);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
  await page.waitForSelector("nav[aria-label=Main]", { timeout: 15_000 });
}

/**
 * Writes docs/ui/<name>.png when PLUMB_SCREENSHOTS=1 (see the header): the viewport, scrolled first to
 * `scrollTo` (a selector) when given, as a palette PNG (sharp) so the docs stay small.
 */
export async function shot(page: Page, name: string, scrollTo?: string): Promise<void> {
  if (process.env.PLUMB_SCREENSHOTS !== "1") return;
  const dir = join(repoRoot, "docs", "ui");
  mkdirSync(dir, { recursive: true });
  if (scrollTo) await page.locator(scrollTo).first().evaluate((el) => el.scrollIntoView({ block: "start" }));
  const png = await page.screenshot({ type: "png" });
  await sharp(png).png({ palette: true, quality: 80, compressionLevel: 9, effort: 10 }).toFile(join(dir, `${name}.png`));
}
