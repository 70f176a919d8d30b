// The city dashboard in headless Chromium, against the demo city: its figures
// are the API's, they refresh without a reload, the seed's full-scale figures
// fit their tiles at desktop and phone widths, every chart draws, and axe
// finds no serious or critical accessibility violation. Screenshots go to
// $QIANTANG_TEST_OUTPUT/dashboard/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { axeFindings, openPage, signIn } from "./session.mjs";
import { serveConsole } from "./fixture.mjs";

const ctx = serveConsole(["--dashboard-refresh-ms", "500"]);

const outDir = join(process.env.QIANTANG_TEST_OUTPUT || "test-output", "dashboard");
mkdirSync(outDir, { recursive: true });

async function getJson(path) {
  const r = await fetch(ctx.server.url + path);
  assert.equal(r.status, 200, path);
  return r.json();
}

// Signs in as the operator and waits for the dashboard; returns the summary
// the page drew from.
async function openDashboard(options) {
  const { page, errors } = await openPage(ctx.browser, ctx.server.url, options);
  const failed = [];
  page.on("requestfailed", (r) => failed.push(r.url()));
  page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
  const summary = page.waitForResponse((r) => r.url().endsWith("/api/v1/city/summary"));
  await signIn(page, ctx.server.tokens.operator);
  const s = await (await summary).json();
  await page.getByTestId("fig-compute-p").waitFor();
  return { page, errors, failed, s };
}

const text = async (page, id) => (await page.getByTestId(id).textContent()).trim();

test("the dashboard's figures are the API's, and the API's totals are every module's", async () => {
  // Not public: its counts move with each organisation's business.
  assert.equal((await fetch(ctx.server.url + "/api/v1/city/summary")).status, 401);
  const { page, errors, failed, s } = await openDashboard();
  // The summary counts every organisation, not the first page of them.
  assert.equal(s.orgs.by_kind.data_holder, 460);
  assert.equal(s.orgs.by_kind.institution, 49);
  assert.equal(
    s.orgs.total,
    Object.values(s.orgs.by_kind).reduce((a, b) => a + b, 0),
  );
  // The seed's 13,931 P of pooled compute and the government cloud's 290 P of
  // domestic cards (its cores are not counted in P), from the clusters' chips.
  assert.equal(Math.round(s.compute.tflops / 1000), 13931 + 290);
  const [exchange, identity, finance, scenarios] = await Promise.all([
    getJson("/api/v1/exchange/stats"),
    getJson("/api/v1/identity/stats"),
    getJson("/api/v1/match/finance/stats"),
    getJson("/api/v1/match/scenarios/stats"),
  ]);
  assert.equal(s.exchange.certificates, exchange.certificates);
  assert.equal(s.exchange.pledged_fen, exchange.pledged_fen);
  assert.equal(s.identity.citizens, identity.citizens);
  assert.equal(s.match.finance.enterprises, finance.enterprises);
  assert.equal(s.match.scenarios.demands, scenarios.demands);
  // Districts add up to the whole: every data holder is in one of them or
  // registered with the city, and every citizen lives in one.
  const sum = (k) => s.districts.reduce((a, d) => a + d[k], 0);
  assert.equal(sum("data_holders"), s.orgs.by_kind.data_holder);
  assert.equal(sum("citizens"), s.identity.citizens);
  assert.equal(sum("compute_cards"), s.compute.cards);
  assert.ok(
    s.districts.filter((d) => d.citizens > 0).length >= 10,
    "citizens in every urban district",
  );

  // The tiles show the figures of the summary the page received.
  assert.equal(
    await text(page, "fig-compute-p"),
    `${Math.round(s.compute.tflops / 1000).toLocaleString("zh-CN")} P`,
  );
  assert.equal(
    await text(page, "fig-data-holders"),
    s.dataspace.data_holders.toLocaleString("zh-CN"),
  );
  assert.equal(
    await text(page, "fig-certificates"),
    s.exchange.certificates.toLocaleString("zh-CN"),
  );
  assert.match(await text(page, "fig-pledged"), /^[\d,]+\.\d\d (万|亿)?元$/);
  assert.equal(await page.getByTestId("district-map").locator("li").count(), 13);
  // Every chart draws on its canvas.
  for (const id of [
    "chart-live",
    "chart-utilisation",
    "chart-monthly",
    "chart-queries",
    "chart-pledges",
    "chart-scans-hour",
    "chart-scans-category",
    "chart-funnel",
    "chart-pairs",
  ]) {
    await page.getByTestId(id).locator("canvas").waitFor();
  }
  await page.screenshot({ path: join(outDir, "dashboard-1440.png"), fullPage: true });
  assert.deepEqual(errors, []);
  assert.deepEqual(failed, []);
});

test("figures that can describe one organisation or person go to the city's staff only", async () => {
  const summary = async (kind) => {
    const r = await fetch(ctx.server.url + "/api/v1/city/summary", {
      headers: { Authorization: `Bearer ${ctx.server.tokens[kind]}` },
    });
    assert.equal(r.status, 200);
    return r.json();
  };
  for (const kind of ["operator", "authority"]) {
    const s = await summary(kind);
    assert.equal(s.compute.vouchers.granted, 1, kind);
    assert.ok(
      s.exchange.trades_by_month.every((m) => "amount_fen" in m),
      kind,
    );
    assert.ok(s.identity.talents_by_category, kind);
  }
  // The demo's one voucher is one enterprise's: a data holder must not read it here
  // when the programme's report refuses it.
  for (const kind of ["enterprise", "data_holder", "institution", "service", "compute_provider"]) {
    const s = await summary(kind);
    assert.equal(s.compute.vouchers, null, kind);
    assert.ok(
      s.exchange.trades_by_month.every((m) => !("amount_fen" in m)),
      kind,
    );
    assert.equal(s.identity.talents_by_category, null, kind);
    // The totals the public statistics give stay.
    assert.equal(s.exchange.traded_fen, (await getJson("/api/v1/exchange/stats")).traded_fen);
  }
  const { page } = await openPage(ctx.browser, ctx.server.url);
  await signIn(page, ctx.server.tokens.enterprise);
  await page.getByTestId("fig-compute-p").waitFor();
  assert.equal(await page.getByTestId("fig-vouchers").count(), 0);
});

test("the figures refresh without a reload", async () => {
  const { page, errors } = await openDashboard();
  const first = await text(page, "dash-as-of");
  await page.waitForFunction(
    (before) => document.querySelector("[data-testid=dash-as-of]")?.textContent.trim() !== before,
    first,
    { timeout: 25000 },
  );
  assert.deepEqual(errors, []);
});

// The seed's figures at full scale (4,830,000 citizens, 180,000 firms,
// 13,931 P, a 21,000,000-yuan pledge among 3.95 billion pledged...) must fit
// every tile on one line at 1440 and 390 px.
function fullScale(s) {
  const big = structuredClone(s);
  big.identity.citizens = 4830000;
  big.identity.scans = 123456789;
  big.match.finance.enterprises = 180000;
  big.match.finance.applications = 56789;
  big.compute.tflops = 13931000;
  big.compute.cards = 125000;
  big.compute.busy_cards = 98765;
  big.compute.traded_fen = 98765432100;
  big.compute.vouchers.granted_fen = 20000000000;
  big.exchange.pledged_fen = 395000000000;
  big.exchange.traded_fen = 1234567890123;
  big.exchange.certificates = 22400;
  big.dataspace.queries = 9876543;
  big.ledger.size = 987654321;
  return big;
}

for (const width of [1440, 390]) {
  test(`full-scale figures fit their tiles at ${width} px, and no page is wider than the screen`, async () => {
    const { page, errors, s } = await openDashboard({ width, height: 900 });
    const big = fullScale(s);
    await page.route("**/api/v1/city/summary", (route) => route.fulfill({ json: big }));
    await page.reload();
    await page.getByTestId("fig-compute-p").waitFor();
    assert.equal(await text(page, "fig-citizens"), "483.00 万");
    const overflow = await page.evaluate(() => {
      const out = [];
      for (const el of document.querySelectorAll(".tile .n, .district-n")) {
        const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || el.clientHeight;
        if (el.scrollWidth > el.clientWidth + 1 || el.clientHeight > lineHeight * 1.5)
          out.push(el.textContent);
      }
      return { out, page: document.documentElement.scrollWidth };
    });
    assert.deepEqual(overflow.out, [], "figures that clip or wrap");
    assert.ok(overflow.page <= width, `the page is ${overflow.page} px wide`);
    await page.screenshot({ path: join(outDir, `full-scale-${width}.png`), fullPage: true });
    assert.deepEqual(errors, []);
  });
}

test("on a phone the navigation folds behind the menu button", async () => {
  const { page } = await openDashboard({ width: 390, height: 800 });
  const nav = page.locator("nav#sections");
  assert.equal(await nav.isVisible(), false);
  await page.getByRole("button", { name: /菜单/ }).click();
  assert.equal(await nav.isVisible(), true);
  await nav.locator("a[data-section=exchange]").click();
  await nav.waitFor({ state: "hidden" });
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= 390), true);
});

test("axe finds no serious or critical violation on the dashboard", async () => {
  const { page } = await openDashboard();
  await page.getByTestId("chart-pairs").locator("canvas").waitFor();
  assert.deepEqual(await axeFindings(page), []);
});

// Every section as each kind of user sees it on a phone: nothing wider than
// the screen (wide tables scroll inside themselves), and for the operator
// nothing axe calls serious, at phone and desktop widths.
for (const [kind, width, withAxe] of [
  ["operator", 390, true],
  ["operator", 1280, true],
  ["enterprise", 390, false],
  ["institution", 390, false],
  ["service", 390, false],
]) {
  test(`every section fits ${width} px as the ${kind}${withAxe ? ", and axe finds nothing serious" : ""}`, async () => {
    const { page, errors } = await openPage(ctx.browser, ctx.server.url, { width, height: 800 });
    await signIn(page, ctx.server.tokens[kind]);
    await page.getByTestId("who").waitFor({ state: "attached" });
    const problems = [];
    // Every section the navigation offers this user.
    const sections = await page.$$eval("nav a[data-section]", (as) =>
      as.map((a) => a.dataset.section),
    );
    assert.ok(sections.length >= 10, sections.join(","));
    for (const section of sections) {
      await page.evaluate((s) => {
        location.hash = s;
      }, section);
      await page.locator("main section, main h2").first().waitFor();
      await page.waitForTimeout(700); // the section's lists arrive
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      if (wide > width) problems.push(`${section}: ${wide} px wide`);
      if (withAxe) for (const f of await axeFindings(page)) problems.push(`${section}: ${f}`);
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(errors, []);
  });
}

// How fast is measured in bench/console_load.mjs (release build, full demo
// city); here, what the dashboard asks of the server.
test("drawing the dashboard takes two API calls, nothing per row", async () => {
  const { page, errors } = await openDashboard();
  await page.getByTestId("chart-pairs").locator("canvas").waitFor();
  const timing = await page.evaluate(() => ({
    apiCalls: performance
      .getEntriesByType("resource")
      .filter((e) => e.name.includes("/api/v1/"))
      .map((e) => new URL(e.name).pathname),
  }));
  // Signing in and drawing the dashboard: whoami and the summary, nothing per row.
  assert.deepEqual([...new Set(timing.apiCalls)].sort(), [
    "/api/v1/city/summary",
    "/api/v1/whoami",
  ]);
  assert.deepEqual(errors, []);
});
