// The compute page: the chip catalog, the city's clusters with their
// capacity in P (by chip and by provider), and a simulation of scheduling
// policies on a real trace, with its summary table and plots.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction } from "./hooks.js";
import { CapacityBoard, OrdersView, VouchersView } from "./market.js";
import { JobsView } from "./jobs.js";
import { Tabs, useUrlTab } from "./tabs.js";
import { ProviderClusters } from "./provider.js";
import { decimal, duration, percent } from "./format.js";

const html = htm.bind(h);
const POLICIES = ["fifo", "backfill", "sjf", "las", "drf"];

const svgUrl = (svg) => `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;

function Capacity({ t, lang }) {
  const p = (x) => decimal(x, lang);
  const [state, setState] = useState({});
  useEffect(() => {
    Promise.all([
      api("GET", "/api/v1/compute/chips"),
      api("GET", "/api/v1/compute/clusters/hz-pool"),
    ])
      .then(([chips, pool]) => setState({ chips: chips.items, pool }))
      .catch((error) => setState({ error }));
  }, []);
  const { chips, pool, error } = state;
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (!pool) return html`<p>${t("loading")}</p>`;
  const main = pool.pool_list[0];
  return html`
    <div class="tiles" data-testid="capacity">
      <div class="tile"><div class="n">${p(pool.pflops)} P</div><div>${t("pooledCompute")}</div></div>
      <div class="tile"><div class="n">${p(main.pflops)} P</div><div>${t("tenKCluster")} (${p(main.cards)} ${t("cards")})</div></div>
      <div class="tile"><div class="n">${pool.by_provider.length}</div><div>${t("providers")}</div></div>
      <div class="tile"><div class="n">${pool.by_chip.length}</div><div>${t("chipKinds")}</div></div>
    </div>
    <h3>${t("byChip")}</h3>
    <table data-testid="chips-table">
      <thead><tr><th>${t("chip")}</th><th>${t("vendor")}</th><th>FP16 TFLOPS</th><th>${t("memory")}</th><th>${t("cards")}</th><th>P</th></tr></thead>
      <tbody>${chips
        .filter((c) => c.kind !== "cpu")
        .map((c) => {
          const b = pool.by_chip.find((x) => x.chip === c.name) || { cards: 0, pflops: 0 };
          return html`<tr key=${c.name}><td>${c.name}</td><td>${c.vendor}</td><td>${c.fp16_tflops}</td><td>${c.memory_gib} GiB</td><td>${p(b.cards)}</td><td>${p(b.pflops)}</td></tr>`;
        })}</tbody>
    </table>
    <h3>${t("pools")}</h3>
    <table>
      <thead><tr><th>${t("pool")}</th><th>${t("provider")}</th><th>${t("region")}</th><th>${t("chip")}</th><th>${t("cards")}</th><th>P</th></tr></thead>
      <tbody>${pool.pool_list.map((x) => html`<tr key=${x.name}><td>${x.name}</td><td>${x.provider}</td><td>${x.region}</td><td>${x.chip}</td><td>${p(x.cards)}</td><td>${p(x.pflops)}</td></tr>`)}</tbody>
    </table>`;
}

function Simulation({ t, lang }) {
  const p = (x) => decimal(x, lang);
  const [traces, setTraces] = useState([]);
  const [form, setForm] = useState({
    trace: "",
    target: "cards",
    cards: 256,
    max_jobs: 2000,
    time_scale: 1,
    policies: ["fifo", "backfill", "las"],
  });
  const [result, setResult] = useState(null);
  const { run, busy, error, setError } = useAction();
  useEffect(() => {
    api("GET", "/api/v1/compute/traces")
      .then((r) => {
        setTraces(r.items);
        const philly = r.items.find((x) => x.name.endsWith("philly.csv"));
        if (r.items.length) setForm((f) => ({ ...f, trace: (philly || r.items[0]).name }));
      })
      .catch(setError);
  }, []);
  const set = (k, num) => (e) =>
    setForm({ ...form, [k]: num ? Number(e.target.value) : e.target.value });
  const toggle = (name) =>
    setForm({
      ...form,
      policies: form.policies.includes(name)
        ? form.policies.filter((x) => x !== name)
        : [...form.policies, name],
    });
  const simulate = (e) => {
    e.preventDefault();
    const body = {
      trace: form.trace,
      policies: POLICIES.filter((x) => form.policies.includes(x)).join(","),
      max_jobs: form.max_jobs,
      time_scale: form.time_scale,
    };
    if (form.target === "cards") body.cards = form.cards;
    else body.cluster = form.target;
    run(async () => setResult(await api("POST", "/api/v1/compute/simulations", body)));
  };
  const fifo = result && result.summary.find((s) => s.policy === "fifo");
  return html`
    <form class="card" onSubmit=${simulate} data-testid="sim-form">
      <h3>${t("simulate")}</h3>
      <label>${t("trace")}
        <select name="trace" value=${form.trace} onChange=${set("trace")}>
          ${traces.map((x) => html`<option value=${x.name}>${x.name}</option>`)}
        </select>
      </label>
      <label>${t("cluster")}
        <select name="target" value=${form.target} onChange=${set("target")}>
          <option value="cards">${t("homogeneous")}</option><option value="hz-10k">hz-10k</option><option value="hz-pool">hz-pool</option>
        </select>
      </label>
      ${form.target === "cards" && html`<label>${t("cards")} <input name="cards" type="number" step="8" value=${form.cards} onInput=${set("cards", true)} /></label>`}
      <label>${t("maxJobs")} <input name="max_jobs" type="number" value=${form.max_jobs} onInput=${set("max_jobs", true)} /></label>
      <label>${t("timeScale")} <input name="time_scale" type="number" value=${form.time_scale} onInput=${set("time_scale", true)} /></label>
      <fieldset class="policies">${POLICIES.map((x) => html`<label><input type="checkbox" name=${`policy-${x}`} checked=${form.policies.includes(x)} onChange=${() => toggle(x)} /> ${x}</label>`)}</fieldset>
      <button type="submit" disabled=${busy || !form.trace}>${busy ? t("running") : t("run")}</button>
      <${ErrorBox} error=${error} />
    </form>
    ${
      result &&
      html`
      <p>${result.trace}: ${p(result.jobs)} ${t("jobs")} · ${result.cluster.name} (${p(result.cluster.cards)} ${t("cards")}, ${p(result.cluster.pflops)} P)</p>
      <table data-testid="sim-summary">
        <thead><tr><th>${t("policy")}</th><th>${t("avgJct")}</th><th>p50</th><th>p99</th><th>${t("avgQueue")}</th><th>${t("utilization")}</th><th>${t("preemptions")}</th><th>${t("vsFifo")}</th></tr></thead>
        <tbody>${result.summary.map((s) => html`<tr key=${s.policy}><td>${s.policy}</td><td>${duration(s.avg_jct_s, lang)}</td><td>${duration(s.p50_jct_s, lang)}</td><td>${duration(s.p99_jct_s, lang)}</td><td>${duration(s.avg_queue_s, lang)}</td><td>${percent(s.utilization, lang)}</td><td>${s.preemptions}</td><td>${fifo && s.avg_jct_s > 0 ? `${decimal(fifo.avg_jct_s / s.avg_jct_s, lang, 2)}×` : "-"}</td></tr>`)}</tbody>
      </table>
      <div class="plots">
        <img alt=${t("utilization")} data-testid="plot-utilization" src=${svgUrl(result.utilization_svg)} />
        <img alt="JCT CDF" data-testid="plot-cdf" src=${svgUrl(result.jct_cdf_svg)} />
      </div>`
    }`;
}

const TABS = ["board", "jobsTab", "ordersTab", "vouchersTab", "topologyTab", "simulate"];

export function ComputePage({ t, me, lang }) {
  const tabs =
    me.org.kind === "compute_provider" ? ["board", "myClustersTab", ...TABS.slice(1)] : TABS;
  const [tab, open] = useUrlTab(tabs);
  return html`
    <section>
      <h2>${t("compute")}</h2>
      <${Tabs} keys=${tabs} tab=${tab} open=${open} label=${t} />
      ${tab === "myClustersTab" && html`<${ProviderClusters} t=${t} lang=${lang} me=${me} />`}
      ${tab === "board" && html`<${CapacityBoard} t=${t} lang=${lang} />`}
      ${tab === "jobsTab" && html`<${JobsView} t=${t} lang=${lang} me=${me} />`}
      ${tab === "ordersTab" && html`<${OrdersView} t=${t} me=${me} lang=${lang} />`}
      ${tab === "vouchersTab" && html`<${VouchersView} t=${t} me=${me} lang=${lang} />`}
      ${tab === "topologyTab" && html`<${Capacity} t=${t} lang=${lang} />`}
      ${tab === "simulate" && html`<${Simulation} t=${t} lang=${lang} />`}
    </section>`;
}
