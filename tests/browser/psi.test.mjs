// A consumer's PSI run in the browser (issue 22 §4), in headless Chromium
// against the real server's demo: 杭州深度求索 (the enterprise token) holds a
// contract on the lab's product whose phone column it may intersect (at most
// 5 sessions a day, of which the demo spent 2). Tested as an attacker would:
// the page's intersection is the CLI's and the demo's 600; no request carries
// an item in the clear; size mode answers the size and no items; the node's
// limits (over 1,000 items on the protected field, then sessions a day) show
// as errors and start no session; no script error or CSP violation, and axe
// finds nothing serious. Screenshots go to $QIANTANG_TEST_OUTPUT/psi/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { axeFindings, openPage, signIn } from "./session.mjs";
import { serveConsole } from "./fixture.mjs";

const ctx = serveConsole();

const outDir = join(process.env.QIANTANG_TEST_OUTPUT || "test-output", "psi");
mkdirSync(outDir, { recursive: true });
// Blinding and unblinding run as WebAssembly: 1,000 items take about a second.
const RUN_MS = 60000;

// The enterprise's 1,500 customers, the first 600 of them the lab's (src/demo/demo_privacy.cc).
const customers = Array.from({ length: 1500 }, (_, i) =>
  i < 600 ? `137${10000000 + i * 17}` : `188${20000000 + i}`,
);
const shared = customers.slice(0, 600).sort();

async function call(method, path) {
  const res = await fetch(ctx.server.url + path, {
    method,
    headers: { Authorization: `Bearer ${ctx.server.tokens.enterprise}` },
  });
  return res.json();
}
const sessionCount = async () => (await call("GET", "/api/v1/privacy/psi/sessions")).total;

// The enterprise's contract that permits PSI.
async function psiContract() {
  const contracts = await call("GET", "/api/v1/dataspace/contracts?limit=200");
  return contracts.items.find((c) => c.policy.permission.some((p) => p.action === "psi")).id;
}

// The enterprise's PSI tab, with every request the page sends and every PSI
// answer it receives recorded.
async function openPsi() {
  const { page, errors } = await openPage(ctx.browser, ctx.server.url);
  const sent = [];
  const answers = [];
  page.on("request", (r) => sent.push(`${r.method()} ${r.url()}\n${r.postData() || ""}`));
  page.on("response", async (r) => {
    if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`);
    if (r.url().includes("/privacy/psi/sessions/")) {
      answers.push({ url: r.url(), text: await r.text().catch(() => "") });
    }
  });
  await signIn(page, ctx.server.tokens.enterprise);
  await page.getByTestId("who").waitFor();
  await page.click("a[data-section=privacy]");
  const form = page.getByTestId("psi-browser-form");
  await form.waitFor();
  return { page, errors, form, sent, answers };
}

// Fills the form and runs it; the list is pasted, or uploaded as a CSV file.
async function runForm(form, { output, items, file = false }) {
  await form.locator("select[name=output]").selectOption(output);
  await form.locator("input[name=purpose]").fill("共同客户识别");
  if (file) {
    await form.getByTestId("psi-file").setInputFiles({
      name: "customers.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(`phone\n${items.join("\r\n")}\r\n`),
    });
  } else {
    await form.getByTestId("psi-file").setInputFiles([]);
    await form.getByTestId("psi-pasted").fill(items.join("\n"));
  }
  // A file is read asynchronously: wait for the count rather than read it at once.
  await form
    .getByTestId("psi-items-read")
    .filter({ hasText: new RegExp(`^名单条数（去重）: ${items.length}$`) })
    .waitFor();
  await form.locator("button[type=submit]").click();
}

// No request carries an item, or an item's digits, in the clear.
function assertNoItemSent(sent, items) {
  for (const body of sent) {
    for (const item of items)
      assert.ok(!body.includes(item), `${item} sent in ${body.slice(0, 200)}`);
  }
}

test("the page's intersection is the CLI's and the demo's, and no item leaves the page", async (t) => {
  const { page, errors, form, sent } = await openPsi();
  const mine = customers.slice(0, 1000);
  await runForm(form, { output: "intersection", items: mine });
  const started = Date.now();
  const result = page.getByTestId("psi-browser-result");
  await result.waitFor({ timeout: RUN_MS });
  t.diagnostic(`1,000 items against the lab's column: ${Date.now() - started} ms in the browser`);
  assert.equal(await result.getAttribute("data-size"), "600");
  const listed = await page.getByTestId("psi-shared").locator("li").allTextContents();
  assert.deepEqual(listed.sort(), shared);
  // The download is the same list, as CSV.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("psi-download").click(),
  ]);
  const csv = readFileSync(await download.path(), "utf8")
    .trim()
    .split("\n");
  assert.equal(csv[0], "phone");
  assert.deepEqual(csv.slice(1).sort(), shared);
  assert.ok(sent.some((s) => s.includes("/privacy/psi/sessions/") && s.includes("/client/0")));
  assertNoItemSent(sent, mine);
  await page.screenshot({ path: join(outDir, "intersection.png"), fullPage: true });
  assert.deepEqual(await axeFindings(page), []);
  assert.deepEqual(errors, []);

  // The CLI with the same items finds the same ones.
  const input = join(outDir, "mine.csv");
  writeFileSync(input, `phone\n${mine.join("\n")}\n`);
  const out = execFileSync(
    process.env.QIANTANG_BINARY,
    [
      "--server",
      ctx.server.url,
      "--token",
      ctx.server.tokens.enterprise,
      "--json",
      "psi",
      "run",
      await psiContract(),
      "--column",
      "phone",
      "--input",
      input,
      "--output",
      "intersection",
      "--purpose",
      "共同客户识别",
    ],
    { encoding: "utf8", env: { ...process.env, ASAN_OPTIONS: "detect_leaks=0" } },
  );
  assert.deepEqual(JSON.parse(out).intersection.sort(), listed.sort());
});

test("over 1,000 items on the protected phone field is refused before any session starts", async () => {
  const { page, errors, form, sent } = await openPsi();
  const before = await sessionCount();
  const mine = [...customers.slice(0, 1000), "13900000000"];
  await runForm(form, { output: "intersection", items: mine });
  const error = form.getByTestId("error");
  await error.waitFor({ timeout: RUN_MS });
  assert.equal(await error.getAttribute("data-code"), "permission_denied");
  assert.match(await error.locator("code").textContent(), /at most 1000 items per PSI session/);
  assert.equal(await page.getByTestId("psi-browser-result").count(), 0);
  assert.ok(!sent.some((s) => s.includes("/client/")));
  assertNoItemSent(sent, mine);
  assert.equal(await sessionCount(), before);
  assert.deepEqual(await axeFindings(page), []);
  assert.deepEqual(errors, []);
});

test("size mode answers the size only, and the sixth session of the day is refused", async () => {
  const { page, errors, form, sent, answers } = await openPsi();
  await runForm(form, { output: "size", items: customers, file: true });
  const result = page.getByTestId("psi-browser-result");
  await result.waitFor({ timeout: RUN_MS });
  assert.equal(await result.getAttribute("data-size"), "600");
  assert.match(await result.innerText(), /^交集大小: 600 \/ 1500/);
  assert.equal(await page.getByTestId("psi-shared").count(), 0);
  // The node sent no doubly blinded point back, and named no item.
  const client = answers.filter((a) => a.url.includes("/client/"));
  assert.ok(client.length > 0);
  for (const a of client) assert.ok(!JSON.parse(a.text).points, a.text.slice(0, 200));
  for (const a of answers) {
    assert.ok(!a.text.includes('intersection":['), a.text.slice(0, 200));
    assert.ok(!customers.some((c) => a.text.includes(c)), a.text.slice(0, 200));
  }
  assertNoItemSent(sent, customers);
  await page.screenshot({ path: join(outDir, "size.png"), fullPage: true });

  // The demo's 2 sessions and this file's 3: the contract allows 5 a day.
  const before = await sessionCount();
  await runForm(form, { output: "size", items: customers.slice(0, 10) });
  const error = form.getByTestId("error");
  await error.waitFor({ timeout: RUN_MS });
  assert.equal(await error.getAttribute("data-code"), "resource_exhausted");
  assert.match(await error.locator("code").textContent(), /psiSessionsPerDay/);
  assert.equal(await sessionCount(), before);
  assert.deepEqual(await axeFindings(page), []);
  assert.deepEqual(errors, []);
});
