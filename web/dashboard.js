// The city dashboard (总览 / 城市驾驶舱): every module's headline figures, the
// charts and the district map, from GET /api/v1/city/summary (one call,
// served from the server's snapshot), refreshed every 10 s without reload.
import { h } from "/vendor/preact.module.js";
import { useEffect, useMemo, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { Chart } from "./chart.js";
import { DistrictMap } from "./district_map.js";
import { ErrorBox } from "./error_box.js";
import {
  compact,
  compactYuan,
  count,
  decimal,
  localClock,
  localTime,
  percent,
  yuanNumber,
} from "./format.js";

const html = htm.bind(h);
const REFRESH_MS = 10000;
const DAY_MS = 86400000;

function useSummary() {
  const [state, setState] = useState({});
  useEffect(() => {
    let live = true;
    let timer = null;
    const load = () =>
      api("GET", "/api/v1/city/summary")
        .then((data) => live && setState({ data }))
        .catch((error) => live && setState((s) => ({ data: s.data, error })))
        .finally(() => {
          if (live) timer = setTimeout(load, REFRESH_MS);
        });
    load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  return state;
}

// One figure: `value` already formatted; `source` says where it comes from.
function Tile({ label, value, sub, source, testid }) {
  return html`
    <div class="tile" title=${source}>
      <div class="n" data-testid=${testid}>${value}</div>
      <div class="label">${label}</div>
      ${sub && html`<div class="sub">${sub}</div>`}
    </div>`;
}

// The last `n` UTC days up to `now`, as "YYYY-MM-DD".
function lastDays(now, n) {
  const today = Math.floor(Date.parse(now) / DAY_MS);
  return Array.from({ length: n }, (_, i) =>
    new Date((today - n + 1 + i) * DAY_MS).toISOString().slice(0, 10),
  );
}

function byKey(items, key) {
  const out = {};
  for (const item of items) out[item[key]] = item;
  return out;
}

function sumValues(obj) {
  return Object.values(obj || {}).reduce((a, b) => a + b, 0);
}

function Charts({ s, t, lang }) {
  const options = useMemo(() => {
    const days = lastDays(s.computed_at, 30);
    const use = byKey(s.compute.use_by_day, "day");
    const queries = byKey(s.dataspace.queries_by_day, "day");
    const months = [
      ...new Set([
        ...s.exchange.certificates_by_month.map((m) => m.month),
        ...s.exchange.trades_by_month.map((m) => m.month),
        ...s.compute.trades_by_month.map((m) => m.month),
      ]),
    ].sort();
    const monthly = (list) => {
      const m = byKey(list, "month");
      return months.map((k) => m[k]?.count ?? 0);
    };
    const pledges = s.exchange.pledges_by_month;
    const categories = Object.entries(s.identity.scans_by_category).sort((a, b) => a[1] - b[1]);
    const pairs = s.match.scenarios.pairs_by_state;
    const f = s.match.finance;
    const axis = (data) => ({ type: "category", data });
    const recent = s.compute.recent_use;
    return {
      live: {
        xAxis: axis(recent.map((u) => localClock(u.at, lang))),
        yAxis: { type: "value", min: 0, axisLabel: { formatter: "{value}%" } },
        series: [
          {
            name: t("dash_utilisation"),
            type: "line",
            showSymbol: false,
            areaStyle: {},
            data: recent.map((u) => +(u.cards ? (100 * u.busy_cards) / u.cards : 0).toFixed(2)),
          },
        ],
      },
      utilisation: {
        xAxis: axis(days.map((d) => d.slice(5))),
        yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        series: [
          {
            name: t("dash_utilisation"),
            type: "line",
            data: days.map((d) => +(100 * (use[d]?.utilisation ?? 0)).toFixed(2)),
          },
        ],
      },
      monthly: {
        legend: { top: 0 },
        xAxis: axis(months),
        yAxis: { type: "value" },
        series: [
          {
            name: t("dash_certificatesIssued"),
            type: "bar",
            data: monthly(s.exchange.certificates_by_month),
          },
          { name: t("dash_dataTrades"), type: "bar", data: monthly(s.exchange.trades_by_month) },
          { name: t("dash_computeOrders"), type: "bar", data: monthly(s.compute.trades_by_month) },
        ],
      },
      queries: {
        xAxis: axis(days.map((d) => d.slice(5))),
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: t("dash_queries"), type: "bar", data: days.map((d) => queries[d]?.queries ?? 0) },
        ],
      },
      scansByHour: {
        xAxis: axis(Array.from({ length: 24 }, (_, i) => `${i}`)),
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: t("dash_scans"), type: "bar", data: s.identity.scans_by_hour }],
      },
      scansByCategory: {
        grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
        yAxis: {
          ...axis(categories.map(([c]) => t(`cat_${c}`))),
          axisLabel: { interval: 0, fontSize: 10 },
        },
        xAxis: { type: "value", minInterval: 1 },
        series: [{ name: t("dash_scans"), type: "bar", data: categories.map(([, n]) => n) }],
      },
      funnel: {
        series: [
          {
            name: t("dash_funnel"),
            type: "funnel",
            sort: "none",
            minSize: "8%",
            left: 8,
            width: "45%",
            label: { position: "right", formatter: "{b}: {c}" },
            data: [
              { name: t("dash_firmsScreened"), value: f.enterprises },
              { name: t("dash_applications"), value: f.applications },
              { name: t("dash_accepted"), value: f.accepted },
            ],
          },
        ],
      },
      pairs: {
        xAxis: axis(
          ["recommended", "contacted", "piloting", "deployed"].map((k) => t(`pair_${k}`)),
        ),
        yAxis: { type: "value", minInterval: 1 },
        series: [
          {
            name: t("dash_pairs"),
            type: "bar",
            data: ["recommended", "contacted", "piloting", "deployed"].map((k) => pairs[k] ?? 0),
          },
        ],
      },
      pledges: {
        xAxis: axis(pledges.map((m) => m.month)),
        yAxis: { type: "value", axisLabel: { formatter: (v) => compact(v, lang, 0) } },
        series: [
          {
            name: t("dash_pledgedYuan"),
            type: "bar",
            data: pledges.map((m) => yuanNumber(m.amount_fen)),
          },
        ],
      },
    };
  }, [s, lang]);
  return html`
    <div class="charts">
      <${Chart} option=${options.live} label=${t("dash_chartLive")} testid="chart-live" />
      <${Chart} option=${options.utilisation} label=${t("dash_chartUtilisation")} testid="chart-utilisation" />
      <${Chart} option=${options.monthly} label=${t("dash_chartMonthly")} testid="chart-monthly" />
      <${Chart} option=${options.queries} label=${t("dash_chartQueries")} testid="chart-queries" />
      <${Chart} option=${options.pledges} label=${t("dash_chartPledges")} testid="chart-pledges" />
      <${Chart} option=${options.scansByHour} label=${t("dash_chartScansByHour")} testid="chart-scans-hour" />
      <${Chart} option=${options.scansByCategory} label=${t("dash_chartScansByCategory")} testid="chart-scans-category" />
      <${Chart} option=${options.funnel} label=${t("dash_chartFunnel")} testid="chart-funnel" />
      <${Chart} option=${options.pairs} label=${t("dash_chartPairs")} testid="chart-pairs" />
    </div>`;
}

export function Dashboard({ t, lang, me }) {
  const { data: s, error } = useSummary();
  return html`
    <section class="dashboard">
      <h2>${t("dash_title")}</h2>
      <p class="hint">${t("signedInAs")}: <strong>${me.org.name}</strong>
        ${s && html` · ${t("dash_asOf")} <time data-testid="dash-as-of">${localTime(s.computed_at, lang)}</time>`}</p>
      <${ErrorBox} error=${error} />
      ${!s && !error && html`<p>${t("loading")}</p>`}
      ${
        s &&
        html`<${Figures} s=${s} t=${t} lang=${lang} />
        <${DistrictMap} districts=${s.districts} t=${t} lang=${lang} />
        <${Charts} s=${s} t=${t} lang=${lang} />`
      }
    </section>`;
}

function Figures({ s, t, lang }) {
  const c = s.compute;
  const d = s.dataspace;
  const e = s.exchange;
  const f = s.match.finance;
  const sc = s.match.scenarios;
  const p = s.match.policies;
  const id = s.identity;
  const n = (v) => count(v, lang);
  const big = (v) => compact(v, lang);
  const src = (key) => t(`src_${key}`);
  const groups = [
    [
      "compute",
      [
        {
          id: "compute-p",
          label: t("dash_pooled"),
          value: `${decimal(c.tflops / 1000, lang)} P`,
          sub: `${big(c.cards)} ${t("dash_cards")} · ${n(c.providers)} ${t("dash_providers")}`,
          source: src("capacity"),
        },
        {
          id: "compute-busy",
          label: t("dash_busyNow"),
          value: percent(c.busy_cards / c.cards, lang),
          sub: `${big(c.busy_cards)} ${t("dash_cards")}`,
          source: src("capacity"),
        },
        {
          id: "compute-10k",
          label: `${t("dash_largest")} ${c.largest_cluster.name}`,
          value: percent(c.largest_cluster.busy_cards / c.largest_cluster.cards, lang),
          sub: `${n(c.largest_cluster.busy_cards)} / ${n(c.largest_cluster.cards)} ${t("dash_cards")}`,
          source: src("capacity"),
        },
        {
          id: "compute-traded",
          label: t("dash_computeTraded"),
          value: compactYuan(c.traded_fen, lang),
          sub: `${n(c.orders)} ${t("dash_orders")}`,
          source: src("computeOrders"),
        },
        // Vouchers are shown to the city's staff only (the server leaves them out).
        c.vouchers && {
          id: "vouchers",
          label: t("dash_vouchers"),
          value: compactYuan(c.vouchers.granted_fen, lang),
          sub: `${n(c.vouchers.granted)} ${t("dash_granted")} · ${t("dash_redeemed")} ${compactYuan(c.vouchers.redeemed_fen, lang)}`,
          source: src("vouchers"),
        },
      ].filter(Boolean),
    ],
    [
      "dataspace",
      [
        {
          id: "data-holders",
          label: t("dash_dataHolders"),
          value: big(d.data_holders),
          source: src("orgs"),
        },
        {
          id: "data-products",
          label: t("dash_products"),
          value: big(d.products),
          sub: `${n(d.offers)} ${t("dash_offered")}`,
          source: src("products"),
        },
        {
          id: "data-contracts",
          label: t("dash_contracts"),
          value: big(d.contracts),
          sub: `${n(d.contracts_finalized)} ${t("dash_inForce")}`,
          source: src("contracts"),
        },
        {
          id: "data-queries",
          label: t("dash_queries"),
          value: big(d.queries),
          sub: `ε ${decimal(d.epsilon_spent, lang, 1)} ${t("dash_spent")}`,
          source: src("usage"),
        },
        {
          id: "data-psi",
          label: t("dash_psiDeliveries"),
          value: `${n(d.psi_uses)} / ${n(d.deliveries)}`,
          source: src("usage"),
        },
      ],
    ],
    [
      "exchange",
      [
        {
          id: "certificates",
          label: t("dash_certificates"),
          value: big(e.certificates),
          sub: `${n(e.valid)} ${t("dash_valid")}`,
          source: src("certificates"),
        },
        {
          id: "pledged",
          label: t("dash_pledged"),
          value: compactYuan(e.pledged_fen, lang),
          sub: `${n(e.pledges_active)} ${t("dash_active")}`,
          source: src("pledges"),
        },
        {
          id: "data-traded",
          label: t("dash_dataTraded"),
          value: compactYuan(e.traded_fen, lang),
          sub: `${n(e.trades)} ${t("dash_trades")}`,
          source: src("trades"),
        },
      ],
    ],
    [
      "match",
      [
        {
          id: "firms",
          label: t("dash_firmsScreened"),
          value: big(f.enterprises),
          sub: `${n(f.institutions)} ${t("dash_institutions")}`,
          source: src("finance"),
        },
        {
          id: "applications",
          label: t("dash_applications"),
          value: big(f.applications),
          sub: `${n(f.accepted)} ${t("dash_accepted")}`,
          source: src("finance"),
        },
        {
          id: "demands",
          label: t("dash_demands"),
          value: big(sc.demands),
          sub: `${n(sc.capabilities)} ${t("dash_capabilities")} · ${n(sumValues(sc.pairs_by_state))} ${t("dash_pairs")}`,
          source: src("scenarios"),
        },
        {
          id: "policies",
          label: t("dash_policies"),
          value: big(p.published),
          sub: `${n(p.notices)} ${t("dash_notices")}`,
          source: src("policies"),
        },
      ],
    ],
    [
      "identity",
      [
        {
          id: "citizens",
          label: t("dash_citizens"),
          value: big(id.citizens),
          sub: `${n(id.talents)} ${t("dash_talents")}`,
          source: src("citizens"),
        },
        {
          id: "scans",
          label: t("dash_scans"),
          value: big(id.scans),
          sub: `${n(id.terminals)} ${t("dash_terminals")}`,
          source: src("scans"),
        },
      ],
    ],
    [
      "ledger",
      [
        {
          id: "ledger-size",
          label: t("dash_ledgerSize"),
          value: big(s.ledger.size),
          sub: s.ledger.checkpoint_at && localTime(s.ledger.checkpoint_at, lang),
          source: src("ledger"),
        },
        {
          id: "witnessed",
          label: t("dash_witnessed"),
          value: s.ledger.witnessed_size == null ? t("dash_none") : big(s.ledger.witnessed_size),
          source: src("witnessed"),
        },
      ],
    ],
  ];
  return html`${groups.map(
    ([area, tiles]) => html`
      <h3 class="area">${t(area)}</h3>
      <div class="tiles">
        ${tiles.map((x) => html`<${Tile} key=${x.id} testid=${`fig-${x.id}`} label=${x.label} value=${x.value} sub=${x.sub} source=${x.source} />`)}
      </div>`,
  )}`;
}
