// The console in real headless Chromium (Debian's), driven by playwright-core:
// sign in, list organisations and page through them, see the server's error
// for a bad token or bad input, and each section's screens that the seed's
// stories (stories.test.mjs, which also registers an organisation) do not
// walk. Screenshots go to $QIANTANG_TEST_OUTPUT/console/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { openPage, signIn } from "./session.mjs";
import { serveConsole } from "./fixture.mjs";

const ctx = serveConsole();

const outDir = join(process.env.QIANTANG_TEST_OUTPUT || "test-output", "console");
mkdirSync(outDir, { recursive: true });

const newPage = () => openPage(ctx.browser, ctx.server.url);

test("a bad token shows the server error and stays on the sign-in form", async () => {
  const { page, errors } = await newPage();
  await signIn(page, "qt_this-is-not-a-token");
  const error = page.getByTestId("error");
  await error.waitFor();
  assert.match(await error.textContent(), /unknown token/);
  assert.equal(await page.locator("#token").count(), 1);
  await page.screenshot({ path: join(outDir, "bad-token.png") });
  assert.deepEqual(errors, []);
});

test("the operator signs in, lists organisations and pages through them", async () => {
  const { page, errors } = await newPage();
  await signIn(page, ctx.server.tokens.operator);
  await page.getByTestId("who").waitFor();
  assert.match(await page.getByTestId("who").textContent(), /杭州市数据集团/);
  await page.screenshot({ path: join(outDir, "overview.png") });

  await page.click("nav a[data-section=orgs]");
  const table = page.getByTestId("orgs-table");
  await table.waitFor();
  const firstPage = await table.locator("tbody tr").allTextContents();
  assert.equal(firstPage.length, 20);
  assert.ok(firstPage.some((row) => row.includes("浙江算力科技有限公司")));
  await page.screenshot({ path: join(outDir, "organisations.png"), fullPage: true });

  const firstId = await table.locator("tbody tr").first().getAttribute("title");
  await page.getByTestId("orgs-pager-next").click();
  await page.waitForFunction((first) => {
    const id = document.querySelector("[data-testid=orgs-table] tbody tr")?.title;
    return id && id !== first;
  }, firstId);
  const secondPage = await page.getByTestId("orgs-table").locator("tbody tr").allTextContents();
  assert.ok(secondPage.length > 0);
  assert.ok(!secondPage.includes(firstPage[0]));
  await page.getByTestId("orgs-pager-prev").click();
  await page.waitForFunction(
    (first) => document.querySelector("[data-testid=orgs-table] tbody tr")?.title === first,
    firstId,
  );

  // The server filters: all 49 institutions, not those of a first page; the
  // filter and the page live in the URL, so a reload keeps them.
  await page.getByTestId("orgs-kind").selectOption("institution");
  await page.waitForFunction(() =>
    /\/ 49$/.test(document.querySelector("[data-testid=orgs-pager-count]")?.textContent.trim()),
  );
  await page.getByTestId("orgs-search").fill("银行");
  await page.waitForFunction(() => location.hash.includes("name="));
  await page.reload();
  await page.getByTestId("orgs-table").waitFor();
  assert.match(await page.evaluate(() => location.hash), /kind=institution/);
  const banks = await page
    .getByTestId("orgs-table")
    .locator("tbody tr td:first-child")
    .allTextContents();
  assert.ok(banks.length > 0 && banks.every((n) => n.includes("银行")), banks.join(","));
  await page.getByTestId("orgs-search").fill("没有这个名字的机构");
  await page.getByText("没有符合条件的组织机构").waitFor();

  await page.click("nav a[data-section=match]");
  await page.getByTestId("finance-stats").waitFor();
  assert.deepEqual(errors, []);
});

test("an enterprise sees the directory but no form to create organisations", async () => {
  const { page } = await newPage();
  await signIn(page, ctx.server.tokens.enterprise);
  await page.click("nav a[data-section=orgs]");
  await page.getByTestId("orgs-table").waitFor();
  assert.equal(await page.locator("form.new-org").count(), 0);
});

test("the ledger page shows the signed checkpoint and verifies an event in the browser", async () => {
  const { page, errors } = await newPage();
  await signIn(page, ctx.server.tokens.enterprise);
  await page.click("nav a[data-section=ledger]");
  await page.getByTestId("checkpoint").waitFor();
  assert.match(
    await page.getByTestId("checkpoint").textContent(),
    /^hangzhou\.qiantang\/ledger\n\d+\n/,
  );
  const rows = page.getByTestId("ledger-table").locator("tbody tr");
  assert.ok((await rows.count()) > 10);
  await rows.last().locator("button").click();
  const verdict = page.getByTestId("verdict");
  await verdict.waitFor();
  const text = await verdict.textContent();
  assert.match(text, /✓ 已收录于检查点/);
  assert.match(text, /✓ 运营方签名/);
  await page.screenshot({ path: join(outDir, "ledger.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("the federation page shows the witness; the operator adds a ledger, a bad vkey is refused", async () => {
  const { page, errors } = await newPage();
  await signIn(page, ctx.server.tokens.operator);
  await page.click("nav a[data-section=federation]");
  await page.getByTestId("witness").waitFor();
  assert.match(await page.getByTestId("witness").textContent(), /hangzhou\.qiantang\/witness/);
  const form = page.getByTestId("add-log");
  await form.locator("input").fill("city-x+00000000+AAAA");
  await form.locator("button").click();
  await form.locator(".error").waitFor();
  const { vkey } = await (await fetch(ctx.server.url + "/api/v1/ledger/vkey")).json();
  await form.locator("input").fill(vkey);
  await form.locator("button").click();
  await page
    .getByTestId("witness-logs")
    .locator("tbody tr", { hasText: "hangzhou.qiantang/ledger" })
    .waitFor();
  // A descriptor that is not one is refused; this node's own offers are
  // found by the federated search, marked as this node's.
  const peerForm = page.getByTestId("add-peer");
  await peerForm.locator("textarea").fill("qiantang-node/v1\nname nowhere\n");
  await peerForm.locator("button").click();
  await peerForm.locator(".error").waitFor();
  assert.match(await page.getByTestId("this-node").textContent(), /杭州/);
  const search = page.getByTestId("federated-search");
  await search.locator("input").fill("客流");
  await search.locator("button").click();
  await page.getByTestId("federated-results").locator("tbody tr").first().waitFor();
  assert.match(await page.getByTestId("federated-results").textContent(), /本节点/);
  await page.screenshot({ path: join(outDir, "federation.png"), fullPage: true });
  assert.deepEqual(errors, []);

  const other = await newPage();
  await signIn(other.page, ctx.server.tokens.enterprise);
  await other.page.click("nav a[data-section=federation]");
  await other.page.getByTestId("witness-logs").waitFor();
  assert.equal(await other.page.getByTestId("add-log").count(), 0);
  assert.equal(await other.page.getByTestId("add-peer").count(), 0);
  assert.deepEqual(other.errors, []);
});

test("an admin adds a user, issues a token, and revokes it; a bad name is refused", async () => {
  const { page, errors } = await newPage();
  await signIn(page, ctx.server.tokens.data_holder);
  await page.click("nav a[data-section=account]");
  await page.getByTestId("users-table").waitFor();
  await page.fill("input[name=user-name]", " leading space");
  await page.click("form.add-user button[type=submit]");
  const refused = page.getByTestId("error");
  await refused.waitFor();
  assert.match(await refused.textContent(), /name: must not start or end with a space/);

  await page.fill("input[name=user-name]", "数据分析员");
  await page.click("form.add-user button[type=submit]");
  await page.getByTestId("users-table").getByText("数据分析员").waitFor();

  await page.fill("input[name=token-label]", "nightly export");
  await page.click("form.issue-token button[type=submit]");
  await page.getByTestId("token-secret").waitFor();
  const secret = await page.getByTestId("token-secret").textContent();
  assert.match(secret, /^qt_/);
  const row = page.getByTestId("tokens-table").locator("tr", { hasText: "nightly export" });
  await row.getByTestId("revoke-token").click();
  await row.getByTestId("revoke-token-yes").click();
  await row.locator("button").first().waitFor({ state: "detached" });
  await page.screenshot({ path: join(outDir, "account.png"), fullPage: true });
  // The revoked token no longer signs in.
  const res = await fetch(ctx.server.url + "/api/v1/whoami", {
    headers: { Authorization: `Bearer ${secret}` },
  });
  assert.equal(res.status, 401);
  assert.deepEqual(errors, []);
});

test("the compute page shows pooled capacity and runs a simulation with plots", async () => {
  const { page, errors } = await newPage();
  await signIn(page, ctx.server.tokens.enterprise);
  await page.getByTestId("who").waitFor();
  await page.click("a[data-section=compute]");
  await page.click("button[data-tab=topologyTab]");
  const capacity = page.getByTestId("capacity");
  await capacity.waitFor();
  assert.match(await capacity.textContent(), /13,931 P/);
  assert.match(await page.getByTestId("chips-table").textContent(), /Ascend910B/);
  await page.click("button[data-tab=simulate]");
  const form = page.getByTestId("sim-form");
  await form
    .locator('select[name=trace] option[value="philly-pollux/philly.csv"]')
    .waitFor({ state: "attached" });
  await form.locator("input[name=max_jobs]").fill("1000");
  await form.locator("button[type=submit]").click();
  const summary = page.getByTestId("sim-summary");
  await summary.waitFor({ timeout: 60000 });
  const text = await summary.textContent();
  for (const p of ["fifo", "backfill", "las"]) assert.match(text, new RegExp(p));
  await page.getByTestId("plot-cdf").waitFor();
  assert.ok(
    await page
      .getByTestId("plot-utilization")
      .evaluate((img) => img.complete && img.naturalWidth > 0),
  );
  await page.screenshot({ path: join(outDir, "compute.png"), fullPage: true });
  // A bad request shows the server's message.
  await form.locator("input[name=max_jobs]").fill("999999");
  await form.locator("button[type=submit]").click();
  await form.getByTestId("error").waitFor();
  assert.match(
    await form.getByTestId("error").textContent(),
    /max_jobs: must be between 1 and 20000/,
  );
  assert.deepEqual(errors, []);
});

// The catalog, the imaging metadata's quality, masked preview and offer are
// the first story's (stories.test.mjs).
test("the data space: a channel query on the pilot-city set with its budget, a holder offers a contract and renovates a CSV", async () => {
  const { page, errors } = await newPage();
  await signIn(page, ctx.server.tokens.enterprise);
  await page.getByTestId("who").waitFor();
  await page.click("a[data-section=dataspace]");
  await page.click("button[data-tab=queryTab]");
  const form = page.getByTestId("query-form");
  await form.locator("select[name=contract] option").first().waitFor({ state: "attached" });
  await form
    .locator("textarea[name=sql]")
    .fill("SELECT district, COUNT(*), AVG(pm25) FROM data GROUP BY district");
  await form.locator("input[name=purpose]").fill("planning");
  await form.locator("input[name=epsilon]").fill("1");
  await form.locator("button[type=submit]").click();
  await page.getByTestId("answer").locator("tbody tr").first().waitFor();
  assert.equal(await page.getByTestId("answer").locator("tbody tr").count(), 13);
  assert.match(await page.getByTestId("budget").textContent(), /8\.5/); // 10 - 0.5 (demo) - 1
  await page.screenshot({ path: join(outDir, "dataspace-query.png"), fullPage: true });
  assert.deepEqual(errors, []);

  const holder = await newPage();
  await signIn(holder.page, ctx.server.tokens.data_holder);
  await holder.page.getByTestId("who").waitFor();
  await holder.page.click("a[data-section=dataspace]");
  await holder.page.click("button[data-tab=contractsTab]");
  const contracts = holder.page.getByTestId("contracts");
  await contracts.getByTestId("step-offer").first().click();
  await holder.page.waitForFunction(() =>
    document.querySelector("[data-testid=contracts] [data-state=offered]"),
  );
  await holder.page.click("button[data-tab=sourcesTab]");
  const sourceForm = holder.page.getByTestId("source-form");
  await sourceForm.locator("input[name=csv]").setInputFiles({
    name: "stops.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(
      "站点,区,日期\n武林广场,拱墅区,2026/1/2\n武林广场,拱墅区,2026/1/2\n龙翔桥,上城区,2026年1月3日\n",
    ),
  });
  await sourceForm.locator("button[type=submit]").click();
  await holder.page.getByTestId("sources").getByText("stops.csv").waitFor();
  const pipeForm = holder.page.getByTestId("pipeline-form");
  await pipeForm.locator("input[name=pipeline_name]").fill("站点清洗");
  await pipeForm.locator("select[name=source_id]").selectOption({ label: "stops.csv" });
  await pipeForm
    .locator("textarea[name=spec]")
    .fill('{"steps": [{"op": "date", "field": "c3"}, {"op": "dedupe"}]}');
  await pipeForm.locator("button[type=submit]").click();
  await holder.page.getByTestId("pipelines").getByText("站点清洗").waitFor();
  await holder.page
    .getByTestId("pipelines")
    .locator("tr", { hasText: "站点清洗" })
    .getByTestId("run")
    .click();
  const run = holder.page.getByTestId("run-result");
  await run.waitFor();
  assert.match(await run.textContent(), /重复 1/);
  await run.locator("input[name=title]").fill("公交站点");
  await run.getByRole("button", { name: "发布为数据产品" }).click();
  await holder.page.getByTestId("published").waitFor();
  await holder.page.screenshot({ path: join(outDir, "dataspace-sources.png"), fullPage: true });
  assert.deepEqual(holder.errors, []);
});

test("privacy computing: the AI company sees its PSI session and deliveries, and opens a new delivery with a signed receipt", async () => {
  const { page, errors } = await newPage();
  await signIn(page, ctx.server.tokens.enterprise);
  await page.getByTestId("who").waitFor();
  await page.click("a[data-section=privacy]");
  const sessions = page.getByTestId("psi-sessions");
  await sessions.locator("tbody tr").first().waitFor();
  assert.ok(await sessions.locator("[data-state=finished]").count());
  assert.match(await sessions.textContent(), /2400 × 1500/);
  await page.click("button[data-tab=deliveriesTab]");
  const deliveries = page.getByTestId("deliveries");
  await deliveries.locator("tbody tr").first().waitFor();
  assert.match(await deliveries.textContent(), /已接收/);
  await page.getByRole("button", { name: "申请" }).click();
  await page.waitForFunction(() =>
    document.querySelector("[data-testid=deliveries] [data-state=sent]"),
  );
  await deliveries.getByTestId("open-delivery").first().click();
  const opened = page.getByTestId("opened");
  await opened.waitFor();
  assert.match(await opened.textContent(), /exam,age,fee_fen/);
  assert.match(await opened.textContent(), /delivery-receipt/);
  await page.screenshot({ path: join(outDir, "privacy.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

// The AI company's bundle and the platform's pairing are stories 4 and 5
// (stories.test.mjs).
test("the finance station: a bank publishes a product, a rule that does not compile is refused, and it sees who qualifies and who nearly does", async () => {
  const bank = await newPage();
  await signIn(bank.page, ctx.server.tokens.institution);
  await bank.page.getByTestId("who").waitFor();
  await bank.page.click("a[data-section=match]");
  const form = bank.page.getByTestId("product-form");
  await form.waitFor();
  await form.locator("input").nth(0).fill("科创积分贷");
  await form.locator("input").nth(1).fill('revenue >= "很多"');
  await form.locator("button[type=submit]").click();
  assert.match(
    await form.getByTestId("error").textContent(),
    /rule:12: expected an amount in yuan/,
  );
  await form
    .locator("input")
    .nth(1)
    .fill('revenue >= 1000万 and qualifications has "高新技术企业"');
  await form.locator("button[type=submit]").click();
  assert.match(
    await bank.page.getByTestId("published").textContent(),
    /科创积分贷: 符合条件的企业 \d/,
  );
  assert.match(
    await bank.page.getByTestId("prospects").textContent(),
    /差一个条件即可符合的企业: [\d,]+[\s\S]*✗ (营业收入 ≥ 1,000 万元|资质 包含 高新技术企业) — 实际/,
  );
  await bank.page.screenshot({ path: join(outDir, "match-institution.png"), fullPage: true });
  assert.deepEqual(bank.errors, []);
});

// A citizen finding talent policies is story 6 (stories.test.mjs).
test("policies find people: an authority publishes one and sees whom it found, the AI company reads why it is eligible", async () => {
  const bureau = await newPage();
  await signIn(bureau.page, ctx.server.tokens.authority);
  await bureau.page.getByTestId("who").waitFor();
  await bureau.page.click("a[data-section=match]");
  await bureau.page.click("button[data-tab=policies]");
  const policies = bureau.page.getByTestId("policies");
  await policies.locator("tbody tr").first().waitFor();
  assert.equal(await policies.locator("tbody tr").count(), 9);
  const form = bureau.page.getByTestId("publish-policy");
  await form.locator("select").selectOption("enterprise");
  await form.locator("input[name=title]").fill("瞪羚企业培育奖励");
  await form.locator("input[name=benefit]").fill("最高 100 万元");
  await form.locator("input[name=rule]").fill('qualifications has "瞪羚企业" and revenue >=');
  await form.locator("button[type=submit]").click();
  assert.match(await form.getByTestId("error").textContent(), /rule:\d+: /);
  await form
    .locator("input[name=rule]")
    .fill('qualifications has "瞪羚企业" and revenue >= 1000万');
  await form.locator("button[type=submit]").click();
  assert.match(await form.getByTestId("policy-notified").textContent(), /: \d+/);
  await bureau.page.screenshot({ path: join(outDir, "policies-authority.png"), fullPage: true });
  assert.deepEqual(bureau.errors, []);

  const firm = await newPage();
  await signIn(firm.page, ctx.server.tokens.enterprise);
  await firm.page.getByTestId("who").waitFor();
  await firm.page.click("a[data-section=match]");
  await firm.page.click("button[data-tab=policies]");
  const inbox = firm.page.getByTestId("policy-inbox");
  await inbox.locator(".card").first().waitFor();
  assert.match(
    await inbox.textContent(),
    /高新技术企业认定奖励[\s\S]*✓ 资质 包含 高新技术企业 — 实际 高新技术企业、/,
  );
  const unread = await inbox.locator(".card.unread").count();
  await inbox.locator(".card.unread button").first().click();
  await firm.page.waitForFunction(
    (n) => document.querySelectorAll("[data-testid=policy-inbox] .card.unread").length === n - 1,
    unread,
  );
  await firm.page.screenshot({ path: join(outDir, "policies-enterprise.png"), fullPage: true });
  assert.deepEqual(firm.errors, []);
});

// Runs after every other test of the data holder: its key leaves the node for good.
test("a data holder keeps its key in the browser: it signs its agreement there, and nowhere else can", async () => {
  const call = ctx.call;
  const holderId = (await call("GET", "/api/v1/whoami", ctx.server.tokens.data_holder)).body.org.id;
  const products = await call(
    "GET",
    `/api/v1/dataspace/products?provider_id=${holderId}&limit=1`,
    ctx.server.tokens.data_holder,
  );
  const offer = await call("POST", "/api/v1/dataspace/offers", ctx.server.tokens.data_holder, {
    product_id: products.body.items[0].id,
    title: "自持密钥签约",
    policy: {
      permission: [
        {
          action: "aggregate_query",
          constraint: [
            { leftOperand: "epsilon", operator: "lteq", rightOperand: 1 },
            { leftOperand: "groupSize", operator: "gteq", rightOperand: 5 },
          ],
        },
      ],
    },
    negotiable_by: { kinds: ["enterprise"] },
  });
  assert.equal(offer.status, 201, JSON.stringify(offer.body));
  const contract = await call(
    "POST",
    `/api/v1/dataspace/offers/${offer.body.id}/contracts`,
    ctx.server.tokens.enterprise,
  );
  assert.equal(contract.status, 201, JSON.stringify(contract.body));
  const id = contract.body.id;
  const base = `/api/v1/dataspace/contracts/${id}`;
  assert.equal(
    (await call("POST", `${base}/offer`, ctx.server.tokens.data_holder, {})).status,
    200,
  );
  assert.equal(
    (await call("POST", `${base}/accept`, ctx.server.tokens.enterprise, {})).status,
    200,
  );

  const { page, errors } = await newPage();
  page.on("dialog", (d) => d.accept());
  await signIn(page, ctx.server.tokens.data_holder);
  await page.getByTestId("who").waitFor();
  await page.click("a[data-section=account]");
  const ownKey = page.getByTestId("own-key");
  assert.match(await ownKey.getByTestId("key-custody").textContent(), /本节点/);
  await ownKey.getByTestId("hold-key").click();
  await ownKey.getByTestId("key-here").waitFor();
  assert.match(await ownKey.getByTestId("key-custody").textContent(), /本组织自持/);
  assert.equal(await ownKey.getByTestId("key-here").textContent(), "密钥在此浏览器中");
  await page.screenshot({ path: join(outDir, "own-key.png"), fullPage: true });
  const org = (await call("GET", `/api/v1/orgs/${holderId}`, ctx.server.tokens.data_holder)).body;
  assert.equal(org.key_custody, "self");

  // The node can no longer sign for the holder.
  const unsigned = await call("POST", `${base}/agree`, ctx.server.tokens.data_holder, {});
  assert.equal(unsigned.status, 409, JSON.stringify(unsigned.body));
  assert.match(unsigned.body.error.message, /holds its own key/);

  // Another browser (no key in it) signed in as the holder cannot agree either.
  const other = await newPage();
  await signIn(other.page, ctx.server.tokens.data_holder);
  await other.page.getByTestId("who").waitFor();
  await other.page.click("a[data-section=dataspace]");
  await other.page.click("button[data-tab=contractsTab]");
  const otherRow = other.page
    .getByTestId("contracts")
    .locator("tr", { has: other.page.locator(`td[title="${id}"]`) });
  await otherRow.getByTestId("step-agree").click();
  await other.page.getByTestId("error").waitFor();
  assert.match(await other.page.getByTestId("error").textContent(), /not in this browser/);
  assert.equal((await call("GET", base, ctx.server.tokens.data_holder)).body.state, "accepted");

  // This browser signs the draft with the key it holds.
  await page.click("a[data-section=dataspace]");
  await page.click("button[data-tab=contractsTab]");
  const row = page
    .getByTestId("contracts")
    .locator("tr", { has: page.locator(`td[title="${id}"]`) });
  await row.getByTestId("step-agree").click();
  await page.waitForFunction(
    (cid) =>
      [...document.querySelectorAll("[data-testid=contracts] tr")].some(
        (tr) => tr.querySelector(`td[title="${cid}"]`) && tr.querySelector("[data-state=agreed]"),
      ),
    id,
  );
  const agreed = (await call("GET", base, ctx.server.tokens.enterprise)).body;
  const agreement = JSON.parse(agreed.agreement);
  assert.equal(agreement.provider.key_custody, "self");
  assert.equal(agreement.provider.public_key, org.public_key);
  const key = await crypto.subtle.importKey(
    "raw",
    Buffer.from(org.public_key, "hex"),
    "Ed25519",
    false,
    ["verify"],
  );
  assert.ok(
    await crypto.subtle.verify(
      "Ed25519",
      key,
      Buffer.from(agreed.provider_signature, "base64"),
      new TextEncoder().encode(agreed.agreement),
    ),
  );
  assert.equal(
    (await call("POST", `${base}/verify`, ctx.server.tokens.enterprise, {})).status,
    200,
  );
  assert.deepEqual(errors, []);
});

test("the federation page: an enterprise's contracts with other cities start empty, saying what to do", async () => {
  const { page, errors } = await newPage();
  await signIn(page, ctx.server.tokens.enterprise);
  await page.getByTestId("who").waitFor();
  await page.click("nav a[data-section=federation]");
  const section = page.getByTestId("fed-negotiations");
  await section.waitFor();
  const empty = section.getByTestId("negotiations-empty");
  await empty.waitFor();
  assert.match(await empty.textContent(), /还没有与其他城市的合同/);
  assert.match(await empty.textContent(), /申请合同/);
  assert.equal(await section.getByTestId("negotiations").count(), 0);
  // The demo city has no peers: its own offers are found, and none can be requested.
  const search = page.getByTestId("federated-search");
  await search.locator("input").fill("客流");
  await search.locator("button[type=submit]").click();
  await page.getByTestId("federated-results").locator("tbody tr").first().waitFor();
  assert.equal(await page.getByTestId("fed-request-contract").count(), 0);
  await page.screenshot({ path: join(outDir, "federation-negotiations.png"), fullPage: true });
  assert.deepEqual(errors, []);
});
