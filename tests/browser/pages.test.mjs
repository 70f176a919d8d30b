// The console's lists and the screens of roles, in real headless Chromium:
// certificates, demands, citizens and the ledger page and search on the
// server, their place and filters live in the URL (reload and back return to
// them), tabs too; a resident ID finds its citizen without ever entering the
// URL; a compute provider runs its clusters' prices and service; a service
// makes its terminal's key in the browser and the terminal file it downloads
// works with the CLI; an authority imports a register as CSV; every change
// says it is done, and a double click sends it once. Screenshots go to
// $QIANTANG_TEST_OUTPUT/pages/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openPage, signIn } from "./session.mjs";
import { serveConsole } from "./fixture.mjs";

const ctx = serveConsole();

const outDir = join(process.env.QIANTANG_TEST_OUTPUT || "test-output", "pages");
mkdirSync(outDir, { recursive: true });

const call = ctx.call;

// Signed in as `who`, at "#<hash>".
async function open(who, hash) {
  const { page, errors } = await openPage(ctx.browser, ctx.server.url);
  await signIn(page, ctx.server.tokens[who]);
  await page.getByTestId("who").waitFor();
  await page.evaluate((h) => (location.hash = h), hash);
  return { page, errors };
}

const cells = (page, table, column) =>
  page.getByTestId(table).locator(`tbody tr td:nth-child(${column})`).allTextContents();

// Waits until the first cell of `table` differs from `than`; returns it.
async function firstCellChanges(page, table, than) {
  await page.waitForFunction(
    ([t, v]) => {
      const c = document.querySelector(`[data-testid=${t}] tbody tr td`);
      return c && c.textContent !== v;
    },
    [table, than],
  );
  return (await cells(page, table, 1))[0];
}

test("certificates page and search on the server, and keep their place through a reload", async () => {
  const all = await call(
    "GET",
    "/api/v1/exchange/certificates?limit=1",
    ctx.server.tokens.operator,
  );
  assert.ok(all.body.total > 20, `the demo has ${all.body.total} certificates`);
  const { page, errors } = await open("operator", "exchange");
  await page.getByTestId("certificates").waitFor();
  assert.equal((await cells(page, "certificates", 1)).length, 20);
  const count = await page.getByTestId("certificates-pager-count").textContent();
  assert.match(count, new RegExp(`1–20 / ${all.body.total.toLocaleString("zh-CN")}$`));
  const first = (await cells(page, "certificates", 1))[0];

  await page.getByTestId("certificates-pager-next").click();
  const second = await firstCellChanges(page, "certificates", first);
  assert.match(await page.evaluate(() => location.hash), /trail=/);
  await page.reload();
  await page.getByTestId("certificates").waitFor();
  assert.equal((await cells(page, "certificates", 1))[0], second);
  await page.getByTestId("certificates-pager-prev").click();
  assert.equal(await firstCellChanges(page, "certificates", second), first);

  // A number finds its certificate; words find names; nothing, says so.
  await page.getByTestId("certificates-search").fill(first);
  await page.waitForFunction(
    () => document.querySelectorAll("[data-testid=certificates] tbody tr").length === 1,
  );
  const dataName = (await cells(page, "certificates", 3))[0];
  const word = [...dataName].slice(0, 2).join("");
  await page.getByTestId("certificates-search").fill(word);
  await page.waitForFunction((w) => location.hash.includes(`q=${encodeURIComponent(w)}`), word);
  await page.getByTestId("certificates-pager-count").waitFor();
  const rows = await page.getByTestId("certificates").locator("tbody tr").allTextContents();
  assert.ok(rows.length > 0 && rows.every((r) => r.includes(word)), rows.join("\n"));
  const found = await call(
    "GET",
    `/api/v1/exchange/certificates?limit=1&q=${encodeURIComponent(word)}`,
    ctx.server.tokens.operator,
  );
  assert.match(
    await page.getByTestId("certificates-pager-count").textContent(),
    new RegExp(`/ ${found.body.total}$`),
  );
  await page.getByTestId("certificates-search").fill("没有这样的数据");
  await page.getByText("没有符合条件的记录").waitFor();
  await page.screenshot({ path: join(outDir, "certificates.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("a page's tab lives in the URL: reload keeps it and back returns to the one before", async () => {
  const { page, errors } = await open("operator", "exchange");
  await page.getByTestId("certificates").waitFor();
  await page.click("button[data-tab=pledgesTab]");
  await page.waitForFunction(() => location.hash.includes("tab=pledgesTab"));
  await page.reload();
  await page.locator("button[data-tab=pledgesTab][aria-selected=true]").waitFor();
  await page.goBack();
  await page.locator("button[data-tab=statsTab][aria-selected=true]").waitFor();
  await page.getByTestId("certificates").waitFor();
  // A link opens a tab directly.
  await page.evaluate(() => (location.hash = "match?tab=scenarios"));
  await page.locator("button[data-tab=scenarios][aria-selected=true]").waitFor();
  assert.deepEqual(errors, []);
});

test("demands filter by state and title on the server and count what they find", async () => {
  const api = async (q) =>
    (await call("GET", `/api/v1/match/scenarios/demands?limit=1${q}`, ctx.server.tokens.operator))
      .body;
  const all = await api("");
  const { page, errors } = await open("operator", "match?tab=scenarios");
  await page.getByTestId("demands").waitFor();
  await page.waitForFunction(
    (n) =>
      document.querySelector("[data-testid=demands-pager-count]")?.textContent.endsWith(`/ ${n}`),
    all.total.toLocaleString("zh-CN"),
  );
  const title = await page.getByTestId("demands").locator("li a").first().textContent();
  const word = [...title].slice(0, 2).join("");
  await page.getByTestId("demands-search").fill(word);
  const matching = await api(`&q=${encodeURIComponent(word)}`);
  await page.waitForFunction(
    (n) =>
      document.querySelector("[data-testid=demands-pager-count]")?.textContent.endsWith(`/ ${n}`),
    matching.total.toLocaleString("zh-CN"),
  );
  const titles = await page.getByTestId("demands").locator("li a").allTextContents();
  assert.ok(
    titles.every((x) => x.includes(word)),
    titles.join("\n"),
  );
  await page.getByTestId("demands-state").selectOption("closed");
  await page.waitForFunction(() => location.hash.includes("state=closed"));
  const closed = await api(`&q=${encodeURIComponent(word)}&state=closed`);
  if (closed.total === 0) await page.getByText("没有符合条件的记录").waitFor();
  else
    await page.waitForFunction(
      (n) =>
        document.querySelector("[data-testid=demands-pager-count]")?.textContent.endsWith(`/ ${n}`),
      closed.total.toLocaleString("zh-CN"),
    );
  assert.deepEqual(errors, []);
});

test("contracts page, filter by state and side on the server, and read as product and parties", async () => {
  const token = ctx.server.tokens.enterprise;
  const api = async (q) =>
    (await call("GET", `/api/v1/dataspace/contracts?limit=1${q}`, token)).body;
  const all = await api("");
  assert.ok(all.total >= 1, "the demo's enterprise has contracts");
  const { page, errors } = await open("enterprise", "dataspace?tab=contractsTab");
  const pagerEndsWith = (n) =>
    page.waitForFunction(
      (want) =>
        document.querySelector("[data-testid=contracts-pager-count]")?.textContent.endsWith(want),
      `/ ${n.toLocaleString("zh-CN")}`,
    );
  await pagerEndsWith(all.total);
  // The first column names the product, not an id.
  const first = (await cells(page, "contracts", 1))[0];
  assert.equal(first, all.items[0].product_title);
  await page.getByTestId("contracts-state").selectOption("finalized");
  await page.waitForFunction(() => location.hash.includes("state=finalized"));
  const finalized = await api("&state=finalized");
  if (finalized.total > 0) {
    await pagerEndsWith(finalized.total);
    const states = await page
      .getByTestId("contracts")
      .locator("tbody [data-state]")
      .evaluateAll((xs) => xs.map((x) => x.dataset.state));
    assert.ok(
      states.every((x) => x === "finalized"),
      states.join(),
    );
  }
  // The enterprise provides nothing: that side is empty, and says so.
  await page.getByTestId("contracts-side").selectOption("provider");
  assert.equal((await api("&state=finalized&side=provider")).total, 0);
  await page.getByTestId("contracts-empty").waitFor();
  assert.match(await page.getByTestId("contracts-empty").textContent(), /没有符合条件/);
  // The filters survive a reload.
  await page.reload();
  await page.getByTestId("contracts-empty").waitFor();
  assert.equal(await page.getByTestId("contracts-side").inputValue(), "provider");
  await page.screenshot({ path: join(outDir, "contracts-filtered.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("an account's users and tokens page through the server", async () => {
  const token = ctx.server.tokens.data_holder;
  const me = (await call("GET", "/api/v1/whoami", token)).body;
  // Enough tokens for a second page of 20.
  for (let i = 0; i < 21; i++) await call("POST", "/api/v1/tokens", token, { label: `批量 ${i}` });
  const tokens = (await call("GET", "/api/v1/tokens?limit=1", token)).body;
  const { page, errors } = await open("data_holder", "account");
  await page.getByTestId("tokens-pager-count").waitFor();
  assert.match(
    await page.getByTestId("tokens-pager-count").textContent(),
    new RegExp(`1–20 / ${tokens.total}$`),
  );
  await page.getByTestId("tokens-pager-next").click();
  await page.waitForFunction(() => location.hash.includes("t_trail="));
  await page.waitForFunction(() =>
    document.querySelector("[data-testid=tokens-pager-count]")?.textContent.startsWith("显示 21"),
  );
  // The users' list keeps its own place, and roles read in words.
  const users = (await call("GET", `/api/v1/orgs/${me.org.id}/users?limit=1`, token)).body;
  assert.match(
    await page.getByTestId("users-pager-count").textContent(),
    new RegExp(`1–${Math.min(20, users.total)} / ${users.total}$`),
  );
  const roles = await cells(page, "users-table", 2);
  assert.ok(
    roles.every((r) => ["只读", "成员", "管理员"].includes(r)),
    roles.join(),
  );
  // A double click issues one token: the second click finds the first still
  // running (hooks.js useAction).
  let issued = 0;
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname === "/api/v1/tokens") issued++;
  });
  await page.locator("input[name=token-label]").fill("双击");
  await page.locator("form.issue-token button[type=submit]").dblclick();
  await page.getByTestId("token-secret").waitFor();
  assert.equal(issued, 1);
  assert.deepEqual(errors, []);
});

// GB 11643: the check character of the first 17 digits.
function residentId(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return first17 + "10X98765432"[sum % 11];
}

test("an authority filters its citizens and finds one by resident ID, which never enters the URL", async () => {
  // The demo's authority starts with no citizens of its own: it enrols some.
  const citizens = [];
  for (let i = 0; i < 30; ++i) {
    citizens.push({
      name: `西湖${i}`,
      resident_id: residentId(`33010619900101${String(100 + i)}`),
      district: i < 25 ? "西湖区" : "上城区",
    });
  }
  const imported = await call(
    "POST",
    "/api/v1/identity/citizens/import",
    ctx.server.tokens.authority,
    {
      citizens,
    },
  );
  assert.equal(imported.status, 201, JSON.stringify(imported.body));
  const { page, errors } = await open("authority", "identity?district=西湖区");
  await page.getByTestId("citizens").waitFor();
  const districts = await cells(page, "citizens", 2);
  assert.deepEqual(districts, Array(20).fill("西湖区"));
  assert.equal(await page.getByTestId("citizens-pager-count").textContent(), "显示 1–20");
  // Masked names look alike: the rows' ids (their titles) tell the pages apart.
  const firstId = () =>
    page.locator("[data-testid=citizens] tbody tr td").first().getAttribute("title");
  const first = await firstId();
  await page.getByTestId("citizens-pager-next").click();
  await page.getByTestId("citizens-pager-count").getByText("21–25").waitFor();
  assert.notEqual(await firstId(), first);
  assert.deepEqual(await cells(page, "citizens", 2), Array(5).fill("西湖区"));
  await page.getByTestId("citizens-status").selectOption("revoked");
  await page.waitForFunction(
    () => !location.hash.includes("trail=") && location.hash.includes("status=revoked"),
  );

  const rid = residentId("33010619010101123");
  const enrolled = await call("POST", "/api/v1/identity/citizens", ctx.server.tokens.authority, {
    name: "钱塘江",
    resident_id: rid,
    district: "滨江区",
  });
  assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
  await page.getByTestId("resident-id").fill(rid);
  await page.getByTestId("resident-find").click();
  await page.getByTestId("resident-found").waitFor();
  assert.match(await page.getByTestId("resident-found").textContent(), /钱\*.*滨江区/);
  await page.getByTestId("resident-id").fill(residentId("33010619010101124"));
  await page.getByTestId("resident-find").click();
  await page.getByTestId("resident-none").waitFor();
  await page.getByTestId("resident-id").fill("330106190101011");
  await page.getByTestId("resident-find").click();
  await page.getByTestId("error").first().waitFor();
  assert.ok(!(await page.evaluate(() => location.href)).includes("33010619010101"));
  await page.screenshot({ path: join(outDir, "citizens.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("the ledger pages back through history, jumps to an event, and lists an object's events", async () => {
  const { page, errors } = await open("operator", "ledger");
  await page.getByTestId("ledger-table").waitFor();
  const indexes = async () => (await cells(page, "ledger-table", 1)).map(Number);
  const newest = await indexes();
  assert.equal(newest.length, 50);
  assert.ok(
    newest.every((n, i) => i === 0 || n === newest[i - 1] - 1),
    "newest first, in order",
  );
  await page.getByTestId("ledger-older").click();
  await firstCellChanges(page, "ledger-table", String(newest[0]));
  assert.equal((await indexes())[0], newest[49] - 1);
  await page.getByTestId("ledger-newer").click();
  await firstCellChanges(page, "ledger-table", String(newest[49] - 1));
  assert.equal((await indexes())[0], newest[0]);

  await page.getByTestId("ledger-number").fill("3");
  await page.getByTestId("ledger-go").click();
  await page.locator("[data-testid=ledger-table] tbody tr.active td:first-child").waitFor();
  assert.equal(
    await page.locator("[data-testid=ledger-table] tbody tr.active td:first-child").textContent(),
    "3",
  );

  const subject = await page
    .locator("[data-testid=ledger-table] tbody tr.active td:nth-child(3)")
    .textContent();
  await page.locator("[data-testid=ledger-table] tbody tr.active td:nth-child(3) a").click();
  await page.waitForFunction(() => location.hash.includes("subject="));
  await page.waitForFunction(
    (s) =>
      [...document.querySelectorAll("[data-testid=ledger-table] tbody tr td:nth-child(3)")].every(
        (c) => c.textContent === s,
      ),
    subject,
  );
  const events = await call(
    "GET",
    `/api/v1/ledger/events?subject=${encodeURIComponent(subject)}`,
    ctx.server.tokens.operator,
  );
  assert.deepEqual(
    await indexes(),
    events.body.items.map((e) => e.index),
  );
  await page.screenshot({ path: join(outDir, "ledger-subject.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("a compute provider registers a cluster, changes its price and takes it out of service, each change confirmed", async () => {
  const { page, errors } = await open("compute_provider", "compute?tab=myClustersTab");
  const form = page.getByTestId("register-cluster");
  await form.waitFor();
  await form.locator("input[name=name]").fill("滨江液冷二号");
  await form.locator("input[name=region]").fill("滨江区");
  await form.locator("select[name=chip]").selectOption("H800");
  await form.locator("input[name=price]").fill("28.5");
  await form.locator("button[type=submit]").click();
  await page.getByTestId("toast").getByText("操作成功").waitFor();
  const card = page.getByTestId("own-cluster").filter({ hasText: "滨江液冷二号" });
  await card.waitFor();
  assert.equal(await card.getByTestId("price-H800").inputValue(), "28.50");

  // A bad price is refused in the page and changes nothing.
  await card.getByTestId("price-H800").fill("28.505");
  await card.getByTestId("save-prices").click();
  await card.getByTestId("error").waitFor();
  await card.getByTestId("price-H800").fill("31");
  await card.getByTestId("save-prices").click();
  await page.waitForFunction(() =>
    [...document.querySelectorAll("[data-testid=own-cluster]")].some((c) =>
      /滨江液冷二号[\s\S]*当前 31\.00/.test(c.textContent),
    ),
  );
  const clusters = await call(
    "GET",
    "/api/v1/compute/provider-clusters",
    ctx.server.tokens.enterprise,
  );
  const mine = clusters.body.items.find((c) => c.name === "滨江液冷二号");
  assert.deepEqual(mine.fen_per_card_hour, { H800: 3100 });

  // Taking it out of service asks first.
  const fresh = page.getByTestId("own-cluster").filter({ hasText: "滨江液冷二号" });
  await fresh.getByTestId("take-out").click();
  await fresh.getByTestId("take-out-yes").click();
  await page
    .locator("[data-testid=own-cluster][data-available=no]")
    .filter({ hasText: "滨江液冷二号" })
    .waitFor();
  const after = await call(
    "GET",
    "/api/v1/compute/provider-clusters",
    ctx.server.tokens.enterprise,
  );
  assert.equal(after.body.items.find((c) => c.name === "滨江液冷二号").available, false);
  await page.screenshot({ path: join(outDir, "provider-clusters.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("a tenant's job waits in the queue beside the cluster's heat map and starts when the cards free", async () => {
  const reg = await call(
    "POST",
    "/api/v1/compute/provider-clusters",
    ctx.server.tokens.compute_provider,
    {
      name: "钱塘训练集群",
      region: "钱塘区",
      pools: [{ name: "qt-h800", chip: "H800", nodes: 2, nodes_per_leaf: 1 }],
      fen_per_card_hour: { H800: 2800 },
    },
  );
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  const cluster = reg.body.id;
  // Another organisation fills the cluster for one job hour (6 s at the
  // demo's time scale), not to be preempted.
  const fill = await call("POST", "/api/v1/compute/jobs", ctx.server.tokens.institution, {
    cluster_id: cluster,
    cards: 16,
    duration_s: 3600,
    preemptible: false,
  });
  assert.equal(fill.status, 201, JSON.stringify(fill.body));
  assert.equal(fill.body.state, "running");

  const { page, errors } = await open("enterprise", `compute?tab=jobsTab&cluster=${cluster}`);
  await page.getByTestId("heat-map").waitFor();
  await page.waitForFunction(
    () => document.querySelectorAll(".heat-node[data-busy='8']").length === 2,
  );
  // Its history: both charts drawn, with the sample the server took.
  await page
    .locator("[data-testid=cluster-history]:not([data-points='0'])")
    .waitFor({ timeout: 15_000 });
  for (const id of ["chart-cluster-utilisation", "chart-cluster-fragmentation"]) {
    await page.getByTestId(id).locator("canvas").waitFor();
  }
  const form = page.getByTestId("job-form");
  await form.locator("input[name=job-name]").fill("多模态预训练");
  await form.locator("input[name=job-cards]").fill("8");
  await form.locator("button[type=submit]").click();
  const row = page
    .getByTestId("jobs-table")
    .locator("tbody tr")
    .filter({ hasText: "多模态预训练" });
  await row.waitFor();
  assert.equal(await row.getByTestId("job-state").textContent(), "排队中");
  await page.getByTestId("job-queue").waitFor();
  // The other tenant's job shows as cards, without its id.
  assert.ok(!(await page.content()).includes(fill.body.id));
  await page.screenshot({ path: join(outDir, "jobs-queued.png"), fullPage: true });

  await row.getByTestId("job-state").getByText("运行中").waitFor({ timeout: 20_000 });
  await page.locator(".heat-node.mine").first().waitFor();
  await page.getByTestId("queue-empty").waitFor();
  await page.screenshot({ path: join(outDir, "jobs-running.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("the operator sets a quota on the government cloud; the tenant sees only its own, and its domestic share", async () => {
  const clusters = await call(
    "GET",
    "/api/v1/compute/provider-clusters?limit=100",
    ctx.server.tokens.operator,
  );
  const cloud = clusters.body.items.find((c) => c.name === "hz-xinchuang");
  assert.ok(cloud, "the demo registers the government cloud");
  const path = `/api/v1/compute/provider-clusters/${cloud.id}/quotas`;
  const before = await call("GET", path, ctx.server.tokens.operator);
  assert.equal(before.body.items.length, 280);
  const me = await call("GET", "/api/v1/whoami", ctx.server.tokens.enterprise);
  const tenant = me.body.org.id;

  const op = await open("operator", `compute?tab=jobsTab&cluster=${cloud.id}`);
  const rows = op.page.getByTestId("quotas-table").locator("tbody tr");
  await op.page.waitForFunction(
    () => document.querySelectorAll("[data-testid=quotas-table] tbody tr").length === 280,
  );
  const form = op.page.getByTestId("quota-form");
  await form.locator("input[name=quota-tenant]").fill(tenant);
  await form.locator("input[name=quota-resource]").fill("arch:arm64");
  await form.locator("input[name=quota-guaranteed]").fill("64");
  await form.locator("input[name=quota-ceiling]").fill("256");
  await form.locator("button[type=submit]").click();
  await op.page.waitForFunction(
    () => document.querySelectorAll("[data-testid=quotas-table] tbody tr").length === 281,
  );
  assert.equal(await rows.filter({ hasText: tenant }).count(), 1);
  // The demo runs the cloud under drf; the operator may change it from here.
  assert.equal(await op.page.locator("select[name=cluster-policy]").inputValue(), "drf");
  await op.page.getByTestId("migration-table").waitFor();
  await op.page.screenshot({ path: join(outDir, "cloud-quotas-operator.png"), fullPage: true });
  assert.deepEqual(op.errors, []);

  const job = await call("POST", "/api/v1/compute/jobs", ctx.server.tokens.enterprise, {
    cluster_id: cloud.id,
    name: "政务数据治理",
    cards: 64,
    chip: "arch:arm64",
    duration_s: 36000,
  });
  assert.equal(job.status, 201, JSON.stringify(job.body));
  const mine = await open("enterprise", `compute?tab=jobsTab&cluster=${cloud.id}`);
  const own = mine.page.getByTestId("quotas-table").locator("tbody tr");
  await own.first().waitFor();
  assert.equal(await own.count(), 1); // only its own quota
  assert.equal(await mine.page.getByTestId("quota-form").count(), 0);
  assert.match(await mine.page.getByTestId("cluster-policy").innerText(), /drf/);
  assert.equal(await mine.page.locator("select[name=cluster-policy]").count(), 0);
  const share = mine.page
    .getByTestId("migration-table")
    .locator("tbody tr")
    .filter({ hasText: tenant });
  await share.waitFor();
  // Its core hours all ran on domestic chips (its card hours, from the test
  // before, on H800s).
  const cells = await share.locator("td").allTextContents();
  assert.equal(cells[5], "100.0%", cells.join(" | "));
  assert.deepEqual(mine.errors, []);
});

test("an enterprise sees no provider tab, and cannot change a provider's prices", async () => {
  const { page, errors } = await open("enterprise", "compute?tab=myClustersTab");
  await page.locator("button[data-tab=board][aria-selected=true]").waitFor();
  assert.equal(await page.locator("button[data-tab=myClustersTab]").count(), 0);
  const clusters = await call(
    "GET",
    "/api/v1/compute/provider-clusters",
    ctx.server.tokens.enterprise,
  );
  const id = clusters.body.items[0].id;
  const chip = Object.keys(clusters.body.items[0].fen_per_card_hour)[0];
  const r = await call(
    "POST",
    `/api/v1/compute/provider-clusters/${id}/prices`,
    ctx.server.tokens.enterprise,
    {
      fen_per_card_hour: { [chip]: 1 },
    },
  );
  assert.equal(r.status, 403);
  assert.deepEqual(errors, []);
});

// The CLI on `args`; its stdout (throws on a non-zero exit).
const cli = (args) =>
  execFileSync(process.env.QIANTANG_BINARY, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });

test("a service makes its terminal's key in the browser; the downloaded terminal file syncs and verifies a code with the CLI", async () => {
  const own = await call("GET", "/api/v1/identity/terminals", ctx.server.tokens.service);
  const category = own.body.items[0].category;
  const { page, errors } = await open("service", "identity");
  const form = page.getByTestId("terminal-form");
  await form.waitFor();
  await form.locator("select").selectOption(category);
  await form.locator("input[name=name]").fill("浏览器生成的终端");
  await form.getByTestId("make-terminal-key").click();
  await page.waitForFunction(() =>
    /^[0-9a-f]{64}$/.test(document.querySelector("input[name=public_key]").value),
  );
  const publicKey = await form.locator("input[name=public_key]").inputValue();
  await form.locator("button[type=submit]").click();
  const link = form.getByTestId("terminal-file");
  await link.waitFor();
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const path = join(outDir, "terminal.json");
  await download.saveAs(path);
  const file = JSON.parse(readFileSync(path, "utf8"));
  assert.equal(file.category, category);
  assert.match(file.seed, /^[0-9a-f]{64}$/);
  // The server holds the public key only.
  const terminals = await call("GET", "/api/v1/identity/terminals", ctx.server.tokens.service);
  const made = terminals.body.items.find((x) => x.id === file.terminal_id);
  assert.equal(made.public_key, publicKey);
  assert.ok(!JSON.stringify(terminals.body).includes(file.seed));

  // The file is a terminal the CLI can run: it syncs (opening its category
  // key with the browser-made key) and verifies a citizen's code offline.
  const synced = cli(["--token", ctx.server.tokens.service, "code", "terminal", "sync", path]);
  assert.match(synced, new RegExp(file.terminal_id));
  const code = await call("POST", "/api/v1/identity/me/code", ctx.server.tokens.citizen);
  assert.equal(code.status, 201, JSON.stringify(code.body));
  writeFileSync(join(outDir, "code.txt"), code.body.code);
  const verified = cli(["code", "verify", `@${join(outDir, "code.txt")}`, "--terminal", path]);
  assert.match(verified, /result: accepted/);
  await page.screenshot({ path: join(outDir, "terminal-key.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("an authority imports a register as CSV, all or none, and downloads the citizens' tokens once", async () => {
  const { page, errors } = await open("authority", "identity");
  const form = page.getByTestId("import-form");
  await form.waitFor();
  const rows = [0, 1, 2].map(
    (i) => `钱江${i},${residentId(`33010619850505${200 + i}`)},拱墅区,elderly`,
  );
  const good = join(outDir, "register.csv");
  writeFileSync(good, `name,resident_id,district,concession\n${rows.join("\n")}\n`);
  // A bad row refuses the whole register: nobody is enrolled.
  const bad = join(outDir, "register-bad.csv");
  writeFileSync(bad, `name,resident_id,district\n${rows[0]}\n钱江x,330106198505053333,拱墅区\n`);
  await form.getByTestId("register-file").setInputFiles(bad);
  await form.locator("button[type=submit]").click();
  await form.getByTestId("error").waitFor();
  assert.match(await form.getByTestId("error").textContent(), /row 2/);
  const before = await call(
    "GET",
    `/api/v1/identity/citizens?limit=1&resident_id=${residentId("33010619850505200")}`,
    ctx.server.tokens.authority,
  );
  assert.equal(before.body.items.length, 0);

  await form.getByTestId("register-file").setInputFiles(good);
  await form.locator("button[type=submit]").click();
  await form.getByTestId("imported").waitFor();
  assert.match(await form.getByTestId("imported").textContent(), /已登记 3/);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    form.getByTestId("tokens-file").click(),
  ]);
  const saved = join(outDir, "citizen-tokens.csv");
  await download.saveAs(saved);
  const lines = readFileSync(saved, "utf8").trim().split("\n");
  assert.equal(lines[0], "citizen_id,token");
  assert.equal(lines.length, 4);
  // Each token is that citizen's own.
  const [id, token] = lines[1].split(",");
  const me = await call("GET", "/api/v1/identity/me", token);
  assert.equal(me.body.id, id);
  assert.deepEqual(errors, []);
});
