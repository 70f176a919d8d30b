// The trusted data space in plain language (issue 22 §2), in headless
// Chromium against the demo city, as its first enterprise (a consumer with a
// contract in force on the pilot-city set): offers and contracts read as
// sentences in Chinese and English with no ODRL term shown and the JSON a
// click away; the query builder offers only what the contract allows and
// writes the SQL one would type; the usage receipt is a card that verifies,
// and fails once edited. No script error, and axe finds nothing serious.
// Screenshots go to $QIANTANG_TEST_OUTPUT/plain/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { axeFindings, openPage, signIn } from "./session.mjs";
import { serveConsole } from "./fixture.mjs";

const ctx = serveConsole();

const outDir = join(process.env.QIANTANG_TEST_OUTPUT || "test-output", "plain");
mkdirSync(outDir, { recursive: true });

// What a policy's JSON says and a clerk should never have to read.
const ODRL = /isAnyOf|lteq|gteq|leftOperand|rightOperand|aggregate_query|permission|prohibition/;
const FINAL = ["ok", "failed", "unchecked"];

// The enterprise's data space page, with failed requests recorded as errors.
async function openDataSpace() {
  const { page, errors } = await openPage(ctx.browser, ctx.server.url);
  page.on("response", (r) => r.status() >= 500 && errors.push(`${r.status()} ${r.url()}`));
  await signIn(page, ctx.server.tokens.enterprise);
  await page.getByTestId("who").waitFor();
  await page.click("a[data-section=dataspace]");
  return { page, errors };
}

// Runs the query form's SQL as it stands; resolves with the answer's header
// and first column once the answer for `sql` is shown.
async function runQuery(page, sql) {
  const form = page.getByTestId("query-form");
  assert.equal(await form.locator("textarea[name=sql]").inputValue(), sql);
  const answered = page.waitForResponse((r) => r.url().endsWith("/queries"));
  await form.locator("button[type=submit]").click();
  assert.equal((await answered).status(), 200);
  const answer = page.getByTestId("answer");
  await answer.locator("tbody tr").first().waitFor();
  return {
    columns: await answer.locator("thead th").allTextContents(),
    keys: (await answer.locator("tbody tr td:first-child").allTextContents()).sort(),
  };
}

test("offers and contracts read as sentences, in Chinese and English, with the JSON one click away", async () => {
  const { page, errors } = await openDataSpace();
  await page.getByTestId("catalog-search").fill("试点城市");
  await page.getByTestId("products").getByRole("button", { name: "试点城市数据集" }).click();
  const offer = page.getByTestId("offer").first();
  await offer.waitFor();
  const sentences = await offer.locator("li").allInnerTexts();
  assert.equal(sentences.length, 2, sentences.join("\n"));
  const [allowed, denied] = sentences;
  assert.match(allowed, /^允许：聚合查询 — 用途限于科研、信贷、规划；/);
  // The fields by their labels, in the product's order.
  assert.match(allowed, /仅限字段：区、街道、月份、常住人口、企业数、PM2\.5；/);
  assert.match(allowed, /2030年1月1日/);
  assert.match(allowed, /隐私预算 ε ≤ 10；每组至少 10 条；须告知提供方$/);
  assert.equal(denied, "禁止：安全交付");
  const detail = page.getByTestId("product-detail");
  assert.doesNotMatch(await detail.innerText(), ODRL);
  // The JSON is there, behind its summary.
  const raw = offer.locator("details pre");
  assert.equal(await raw.isVisible(), false);
  await offer.locator("details summary").click();
  assert.equal(JSON.parse(await raw.innerText()).permission[0].action, "aggregate_query");
  await page.screenshot({ path: join(outDir, "offer-zh.png"), fullPage: true });
  assert.deepEqual(await axeFindings(page), []);

  await page.click("button[data-tab=contractsTab]");
  const contracts = page.getByTestId("contracts");
  await contracts.locator("[data-state=finalized]").first().waitFor();
  const terms = await contracts.getByTestId("offer-text").first().locator("li").allInnerTexts();
  assert.match(terms[0], /^允许：聚合查询 — 用途限于科研、信贷、规划；/);
  assert.doesNotMatch(await contracts.innerText(), ODRL);
  assert.deepEqual(await axeFindings(page), []);

  await page.getByRole("button", { name: "English" }).click();
  const english = await contracts.getByTestId("offer-text").first().locator("li").allInnerTexts();
  assert.match(english[0], /^Allowed: aggregate queries — only for research, credit, planning; /);
  assert.match(english[0], /1 January 2030/);
  assert.match(
    english[0],
    /privacy budget ε ≤ 10; at least 10 rows per group; the provider is told of every use$/,
  );
  assert.equal(english[1], "Not allowed: secure delivery");
  assert.doesNotMatch(await contracts.innerText(), ODRL);
  await page.screenshot({ path: join(outDir, "contracts-en.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("the query builder offers what the contract allows and writes the SQL one would type", async () => {
  const { page, errors } = await openDataSpace();
  await page.click("button[data-tab=queryTab]");
  const builder = page.getByTestId("query-builder");
  await builder.waitFor();
  // The policy's fields only: not the product's traffic index, which it leaves out.
  assert.equal(await builder.locator("input[name=qb-group-district]").isChecked(), true);
  assert.equal(await builder.locator("input[name=qb-group-traffic_index]").count(), 0);
  assert.equal(await builder.locator("input[type=checkbox]").count(), 6);
  const form = page.getByTestId("query-form");
  await form.locator("input[name=purpose]").fill("planning");
  // Enough budget per measure that every district's noisy count clears the
  // threshold both times (at ε 0.1 one may fall under it by chance).
  await form.locator("input[name=epsilon]").fill("1");

  // What a clerk picks: the average PM2.5 and the rows counted, by district,
  // where at least 1,000 people live.
  await builder.getByTestId("qb-add-measure").click();
  const measure = builder.getByTestId("qb-measure").nth(1);
  await measure.getByLabel("统计方式").selectOption("AVG");
  // SUM and AVG are offered on bounded integer fields only.
  const summable = await measure.getByLabel("统计字段").locator("option").allInnerTexts();
  assert.deepEqual(summable, ["常住人口 (population)", "企业数 (enterprises)", "PM2.5 (pm25)"]);
  await measure.getByLabel("统计字段").selectOption("pm25");
  await builder.getByTestId("qb-add-filter").click();
  const filter = builder.getByTestId("qb-filter").first();
  await filter.getByLabel("筛选字段").selectOption("population");
  await filter.getByLabel("条件").selectOption(">=");
  await filter.getByLabel("值").fill("1千");
  // Not a number: said so, and left out of the SQL.
  await filter.getByText("须为数字").waitFor();
  const sql = form.locator("textarea[name=sql]");
  assert.equal(
    await sql.inputValue(),
    "SELECT district, COUNT(*), AVG(pm25) FROM data GROUP BY district",
  );
  await filter.getByLabel("值").fill("1000");
  const typed =
    "SELECT district, COUNT(*), AVG(pm25) FROM data WHERE population >= 1000 GROUP BY district";
  const built = await runQuery(page, typed);
  await page.screenshot({ path: join(outDir, "builder.png"), fullPage: true });

  // The same query typed by hand answers the same groups and columns (the
  // figures themselves carry fresh noise each time).
  await sql.fill("");
  await sql.fill(typed);
  const byHand = await runQuery(page, typed);
  assert.deepEqual(built, byHand);
  assert.deepEqual(built.columns, ["district", "count", "avg_pm25"]);
  assert.equal(built.keys.length, 13);

  // A text field with a declared domain offers its values.
  await filter.getByLabel("筛选字段").selectOption("district");
  await filter.getByLabel("值").selectOption("西湖区");
  assert.match(await sql.inputValue(), / WHERE district = '西湖区' GROUP BY district$/);
  assert.deepEqual(await axeFindings(page), []);
  assert.deepEqual(errors, []);
});

test("the usage receipt is a card that verifies, and fails once edited", async () => {
  const { page, errors } = await openDataSpace();
  await page.click("button[data-tab=queryTab]");
  await page.getByTestId("query-builder").waitFor();
  const sql = "SELECT district, COUNT(*) FROM data GROUP BY district";
  await runQuery(page, sql);
  const card = page.getByTestId("receipt");
  const facts = await card.locator("dl").innerText();
  assert.match(facts, /使用方\s+杭州深度求索人工智能有限公司/);
  assert.match(facts, /提供方\s+杭州城市大脑数据运营有限公司/);
  assert.match(facts, /合约与数据产品\s+试点城市数据集/);
  assert.match(facts, new RegExp(`查询\\s+${sql.replace(/[()*]/g, "\\$&")}`));
  assert.match(facts, /用途\s+科研/);
  assert.match(facts, /区域\s+杭州市/);
  assert.match(facts, /本次消耗隐私预算\s+ε 0\.1/);
  // The signed text is behind its summary, not on the card.
  assert.doesNotMatch(await card.innerText(), /qiantang\.dataspace\.usage\/v1/);

  const verdict = () =>
    page.waitForFunction(
      (final) => final.includes(document.querySelector("[data-testid=receipt]")?.dataset.verdict),
      FINAL,
    );
  await card.getByTestId("verify-receipt").click();
  await verdict();
  assert.equal(await card.getAttribute("data-verdict"), "ok");
  const checks = await card.getByTestId("receipt-checks").locator("li").allInnerTexts();
  assert.equal(checks.length, 6, checks.join("\n"));
  assert.ok(
    checks.every((c) => c.startsWith("✓")),
    checks.join("\n"),
  );
  assert.match(await card.locator("dl").innerText(), /账本事件\s+#\d+ · dataspace\.channel\.used/);
  await page.screenshot({ path: join(outDir, "receipt.png"), fullPage: true });
  assert.deepEqual(await axeFindings(page), []);

  // One figure changed in the signed text: the signature and the ledger's
  // hash no longer hold.
  await card.locator("details summary").click();
  const text = card.locator("textarea[name=receipt]");
  const signed = await text.inputValue();
  const tampered = signed.replace(/"epsilon_milli":100\b/, '"epsilon_milli":1');
  assert.notEqual(tampered, signed);
  await text.fill(tampered);
  await page.waitForFunction(
    () => document.querySelector("[data-testid=receipt]").dataset.verdict === "idle",
  );
  await card.getByTestId("verify-receipt").click();
  await verdict();
  assert.equal(await card.getAttribute("data-verdict"), "failed");
  const failed = await card.getByTestId("receipt-checks").locator("li").allInnerTexts();
  assert.ok(
    failed.some((c) => c.startsWith("✗ 签名有效")),
    failed.join("\n"),
  );
  assert.ok(
    failed.some((c) => c.startsWith("✗ 账本中有此次使用的事件")),
    failed.join("\n"),
  );
  assert.match(await card.locator("dl").innerText(), /本次消耗隐私预算\s+ε 0\.001/);

  // Put back as signed, it holds again.
  await text.fill(signed);
  await card.getByTestId("verify-receipt").click();
  await verdict();
  assert.equal(await card.getAttribute("data-verdict"), "ok");
  assert.deepEqual(errors, []);
});
