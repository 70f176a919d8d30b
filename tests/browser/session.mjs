// What every browser test file shares: Debian's headless Chromium, a page of
// the console that records script errors and Content-Security-Policy
// violations, and signing in with a token.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

// A new page at `url` (the console's root), `width` pixels wide. `errors`
// collects script errors, CSP violations and failed requests.
export async function openPage(browser, url, { width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: "zh-CN" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // The pages carry a Content-Security-Policy: anything it blocks is a failure.
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  // A request that fails, or that the server answers with a 5xx. A request cut
  // short by the page itself (a reload, a navigation: net::ERR_ABORTED) is not.
  page.on("requestfailed", (r) => {
    const why = r.failure()?.errorText ?? "";
    if (!/ERR_ABORTED/.test(why)) errors.push(`${r.method()} ${r.url()}: ${why}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 500) errors.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
  });
  await page.goto(url + "/");
  return { page, errors };
}

export async function signIn(page, token) {
  await page.fill("#token", token);
  await page.click("button[type=submit]");
}

// axe-core's serious and critical findings on the page as it is now.
export async function axeFindings(page) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
