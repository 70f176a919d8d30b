// How fast the console comes up on loopback with the full demo city: first
// contentful paint of the sign-in page, the summary call, and the time from
// signing in to the dashboard's figures and to its last chart — beside the
// same measures of the public verify.html page (a baseline of the same run).
//
//   bash scripts/install-deps.sh --test && cmake --build --preset release --target qiantang
//   node bench/console_load.mjs [runs=5]
//
// Starts build/release/src/cli/qiantang serve --demo in a temporary folder
// (QIANTANG=path runs another binary) and drives Debian's Chromium headless.
import { chromium } from "playwright-core";
import { startServer } from "../tests/browser/server.mjs";

const runs = Number(process.argv[2] || 5);
const server = await startServer([], {
  binary: process.env.QIANTANG || "build/release/src/cli/qiantang",
  webDir: "web",
  fullCity: true,
});
const { url } = server;
const token = server.tokens.operator;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// The paint entry can come a moment after "load": wait for it (at most 5 s).
const fcp = async (page) => {
  const handle = await page.waitForFunction(
    () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
    null,
    { timeout: 5000 },
  );
  return handle.jsonValue();
};
const m = { verifyFcp: [], consoleFcp: [], summary: [], figures: [], charts: [] };
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${url}/verify.html`);
  await page.waitForLoadState("load");
  m.verifyFcp.push(await fcp(page));
  await page.goto(`${url}/`);
  await page.locator("#token").waitFor();
  m.consoleFcp.push(await fcp(page));
  const started = Date.now();
  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.getByTestId("fig-compute-p").waitFor();
  m.figures.push(Date.now() - started);
  await page.getByTestId("chart-pairs").locator("canvas").waitFor();
  m.charts.push(Date.now() - started);
  m.summary.push(
    await page.evaluate(
      () =>
        performance
          .getEntriesByType("resource")
          .find((e) => e.name.endsWith("/api/v1/city/summary"))?.duration,
    ),
  );
  await context.close();
}
await browser.close();
await server.stop();
const ms = (x) => `${x.toFixed(0)} ms`;
console.log(`median of ${runs} runs, release build, full demo city, loopback, headless Chromium`);
console.log("| measure | median |\n|---|---|");
console.log(`| first contentful paint, verify.html (baseline) | ${ms(median(m.verifyFcp))} |`);
console.log(`| first contentful paint, console sign-in page | ${ms(median(m.consoleFcp))} |`);
console.log(`| the summary call (GET /api/v1/city/summary) | ${median(m.summary).toFixed(1)} ms |`);
console.log(`| sign in -> dashboard figures shown | ${ms(median(m.figures))} |`);
console.log(`| sign in -> last chart drawn (ECharts loaded) | ${ms(median(m.charts))} |`);
console.log(
  `console FCP / verify.html FCP: ${(median(m.consoleFcp) / median(m.verifyFcp)).toFixed(2)}`,
);
