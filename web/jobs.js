// Jobs on live clusters in the console: pick a simulated cluster, submit a
// job, watch the cluster as a heat map of its nodes (by pod and leaf switch)
// with the queue beside it and its utilisation and fragmentation over the
// last day (cluster_history.js), and cancel your jobs. Another tenant's jobs
// show as cards without ids, as the API gives them. Below: the cluster's
// tenant quotas and the migration view (quotas.js).
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useForm, useLoad } from "./hooks.js";
import { ConfirmButton } from "./confirm_button.js";
import { stateName } from "./i18n.js";
import { decimal, duration, localMinute, percent } from "./format.js";
import { Pager, usePagedList } from "./paging.js";
import { useUrlParams } from "./url_state.js";
import { MigrationView, QuotasView } from "./quotas.js";
import { PolicyView } from "./cluster_policy.js";
import { HistoryCharts } from "./cluster_history.js";

const html = htm.bind(h);

// Refreshes every `ms` while the page is shown.
function useTick(ms) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((x) => x + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}

function SubmitForm({ t, cluster, onSubmitted }) {
  const [form, set] = useForm({ name: "", cards: 8, hours: 1, chip: "any", priority: 0 });
  const { run, busy, error } = useAction();
  const submit = (e) => {
    e.preventDefault();
    run(async () => {
      if (!(form.hours > 0)) throw new Error(t("jobHoursPositive"));
      await api("POST", "/api/v1/compute/jobs", {
        cluster_id: cluster,
        name: form.name,
        cards: form.cards,
        chip: form.chip || "any",
        duration_s: Math.round(form.hours * 3600),
        priority: form.priority,
      });
      onSubmitted();
    });
  };
  return html`
    <form class="card" onSubmit=${submit} data-testid="job-form">
      <h3>${t("submitJob")}</h3>
      <label>${t("name")} <input name="job-name" value=${form.name} onInput=${set("name")} maxlength="100" /></label>
      <label>${t("cards")} <input name="job-cards" type="number" min="1" value=${form.cards} onInput=${set("cards", true)} /></label>
      <label>${t("jobHours")} <input name="job-hours" type="number" min="0.01" step="0.01" value=${form.hours} onInput=${set("hours", true)} /></label>
      <label>${t("chip")} <input name="job-chip" value=${form.chip} onInput=${set("chip")} placeholder="any, chip:H800, vendor:huawei" /></label>
      <label>${t("priority")} <input name="job-priority" type="number" min="0" max="9" value=${form.priority} onInput=${set("priority", true)} /></label>
      <button type="submit" disabled=${busy}>${t("submit")}</button>
      <${ErrorBox} error=${error} />
    </form>`;
}

// Nodes grouped by pod, then leaf switch; a cell's shade is its busy share;
// the caller's own jobs are outlined.
function HeatMap({ t, lang, nodes }) {
  const pods = new Map();
  for (const n of nodes) {
    if (!pods.has(n.pod)) pods.set(n.pod, new Map());
    const leaves = pods.get(n.pod);
    if (!leaves.has(n.leaf)) leaves.set(n.leaf, []);
    leaves.get(n.leaf).push(n);
  }
  const cards = nodes.reduce((s, n) => s + n.cards, 0);
  const free = nodes.reduce((s, n) => s + n.free, 0);
  return html`
    <div data-testid="heat-map">
      <p>${t("cardsBusy")}: ${decimal(cards - free, lang)} / ${decimal(cards, lang)} (${percent(cards ? (cards - free) / cards : 0, lang)})</p>
      <div class="heat-map">
        ${[...pods].map(
          ([pod, leaves]) => html`
          <div class="heat-pod" key=${pod}><span class="heat-label">pod ${pod}</span>
            ${[...leaves].map(
              ([leaf, list]) => html`
              <div class="heat-leaf" key=${leaf} title=${`leaf ${leaf}`}>
                ${list.map((n) => {
                  const used = (n.cards - n.free) / n.cards;
                  const mine = n.jobs.some((j) => j.id);
                  const state = n.down ? " down" : mine ? " mine" : "";
                  const label = `${t("node")} ${n.node}: ${n.down ? t("nodeDown") : `${n.cards - n.free}/${n.cards} ${t("cards")}`}${n.jobs
                    .filter((j) => j.id)
                    .map((j) => ` ${j.id}`)
                    .join("")}`;
                  return html`<span class=${`heat-node${state}`} key=${n.node} title=${label} aria-label=${label}
                                    data-busy=${n.cards - n.free} style=${`--used:${used.toFixed(2)}`}></span>`;
                })}
              </div>`,
            )}
          </div>`,
        )}
      </div>
    </div>`;
}

function Queue({ t, lang, items }) {
  if (items.length === 0)
    return html`<p class="empty" data-testid="queue-empty">${t("queueEmpty")}</p>`;
  return html`
    <table data-testid="job-queue">
      <thead><tr><th>#</th><th>${t("job")}</th><th>${t("cards")}</th><th>${t("chip")}</th><th>${t("waiting")}</th></tr></thead>
      <tbody>${items.map(
        (q) =>
          html`<tr key=${q.position}><td>${q.position}</td><td>${q.id || t("anotherTenant")}</td><td>${q.cards}</td><td>${q.chip}</td><td>${duration(q.waiting_s, lang)}</td></tr>`,
      )}</tbody>
    </table>`;
}

function JobList({ t, lang, cluster, reloadKey, onChanged }) {
  const url = useUrlParams();
  const list = usePagedList(
    `/api/v1/compute/jobs?cluster_id=${encodeURIComponent(cluster)}`,
    ["state"],
    url,
    {
      reloadKey,
      prefix: "jobs_",
    },
  );
  const { run, error } = useAction();
  const cancel = (id) =>
    run(async () => {
      await api("POST", `/api/v1/compute/jobs/${encodeURIComponent(id)}/cancel`, {});
      onChanged();
    });
  const page = list.page;
  return html`
    <${ErrorBox} error=${list.error || error} />
    ${page && page.items.length === 0 && html`<p class="empty">${t("noJobsYet")}</p>`}
    ${
      page &&
      page.items.length > 0 &&
      html`
      <table data-testid="jobs-table">
        <thead><tr><th>${t("job")}</th><th>${t("name")}</th><th>${t("state")}</th><th>${t("cards")}</th><th>${t("pool")}</th><th>${t("leaves")}</th><th>${t("submitted")}</th><th>${t("started")}</th><th></th></tr></thead>
        <tbody>${page.items.map(
          (j) => html`<tr key=${j.id} data-testid=${`job-${j.id}`}>
            <td><code>${j.id}</code></td><td>${j.name}</td><td data-testid="job-state">${stateName(t, j.state)}</td><td>${j.cards}</td>
            <td>${j.pool || "-"}</td><td>${j.leaves || "-"}</td><td>${localMinute(j.submitted_at, lang)}</td><td>${j.started_at ? localMinute(j.started_at, lang) : "-"}</td>
            <td>${(j.state === "queued" || j.state === "running") && html`<${ConfirmButton} t=${t} label=${t("cancel")} question=${t("cancelJobQuestion")} testid=${`cancel-${j.id}`} onConfirm=${() => cancel(j.id)} />`}</td>
          </tr>`,
        )}</tbody>
      </table>`
    }
    <${Pager} t=${t} lang=${lang} list=${list} testid="jobs-pager" />`;
}

export function JobsView({ t, lang, me }) {
  const clusters = useLoad("/api/v1/compute/provider-clusters");
  const [params, setParams] = useUrlParams();
  const simulated = (clusters.data?.items || []).filter((c) => c.backend === "simulated");
  const cluster = params.cluster || simulated[0]?.id || "";
  const [reloadKey, setReloadKey] = useState(0);
  const tick = useTick(2000);
  const nodes = useLoad(
    cluster ? `/api/v1/compute/provider-clusters/${encodeURIComponent(cluster)}/nodes` : null,
    `${tick}/${reloadKey}`,
  );
  const queue = useLoad(
    cluster ? `/api/v1/compute/provider-clusters/${encodeURIComponent(cluster)}/queue` : null,
    `${tick}/${reloadKey}`,
  );
  if (clusters.error) return html`<${ErrorBox} error=${clusters.error} />`;
  if (!clusters.data) return html`<p>${t("loading")}</p>`;
  if (simulated.length === 0) return html`<p class="empty">${t("noLiveClusters")}</p>`;
  const changed = () => setReloadKey((k) => k + 1);
  return html`
    <label>${t("cluster")}
      <select name="job-cluster" value=${cluster} data-testid="job-cluster"
              onChange=${(e) => setParams({ ...params, cluster: e.target.value })}>
        ${simulated.map((c) => html`<option value=${c.id}>${c.name} (${decimal(c.cards, lang)} ${t("cards")})</option>`)}
      </select>
    </label>
    <${PolicyView} t=${t} lang=${lang} me=${me} cluster=${cluster} onChanged=${changed} />
    <${SubmitForm} t=${t} cluster=${cluster} onSubmitted=${changed} />
    <h3>${t("nodesTitle")}</h3>
    <${ErrorBox} error=${nodes.error} />
    ${nodes.data && html`<${HeatMap} t=${t} lang=${lang} nodes=${nodes.data.items} />`}
    <h3>${t("queueTitle")}</h3>
    <${ErrorBox} error=${queue.error} />
    ${queue.data && html`<${Queue} t=${t} lang=${lang} items=${queue.data.items} />`}
    <h3>${t("historyTitle")}</h3>
    <${HistoryCharts} key=${cluster} t=${t} cluster=${cluster} reloadKey=${`${Math.floor(tick / 5)}/${reloadKey}`} />
    <h3>${t("myJobs")}</h3>
    <${JobList} t=${t} lang=${lang} cluster=${cluster} reloadKey=${`${tick}/${reloadKey}`} onChanged=${changed} />
    <${QuotasView} t=${t} lang=${lang} me=${me} cluster=${cluster} reloadKey=${reloadKey} />
    <${MigrationView} t=${t} lang=${lang} reloadKey=${reloadKey} />`;
}
