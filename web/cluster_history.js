// A live cluster's utilisation and fragmentation over the last day, per pool,
// as two charts (GET /api/v1/compute/provider-clusters/{id}/history). A step
// without samples (no server ran the cluster then) breaks the lines.
import { h } from "/vendor/preact.module.js";
import { useMemo } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { Chart } from "./chart.js";
import { ErrorBox } from "./error_box.js";
import { useLoad } from "./hooks.js";

const html = htm.bind(h);

// Per pool, [time, percent of its cards] for `figure` ("busy" or
// "fragmented"), with a null where a step is missing so the line breaks.
function series(points, stepMs, figure) {
  const pools = new Map();
  let last = null;
  for (const p of points) {
    const at = Date.parse(p.at);
    const gap = last !== null && at - last > stepMs;
    for (const pool of p.pools) {
      if (!pools.has(pool.pool)) pools.set(pool.pool, []);
      const data = pools.get(pool.pool);
      if (gap) data.push([last + stepMs, null]);
      data.push([at, pool.cards ? +((100 * pool[figure]) / pool.cards).toFixed(2) : 0]);
    }
    last = at;
  }
  return [...pools].map(([name, data]) => ({
    name,
    type: "line",
    showSymbol: data.length < 30,
    data,
  }));
}

function option(points, stepMs, figure) {
  return {
    legend: { top: 0 },
    xAxis: { type: "time" },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: series(points, stepMs, figure),
  };
}

export function HistoryCharts({ t, cluster, reloadKey }) {
  const history = useLoad(
    `/api/v1/compute/provider-clusters/${encodeURIComponent(cluster)}/history`,
    reloadKey,
  );
  const options = useMemo(() => {
    const d = history.data;
    if (!d) return null;
    const stepMs = d.step_s * 1000;
    return {
      busy: option(d.points, stepMs, "busy"),
      fragmented: option(d.points, stepMs, "fragmented"),
    };
  }, [history.data]);
  if (history.error) return html`<${ErrorBox} error=${history.error} />`;
  if (!options) return html`<p>${t("loading")}</p>`;
  return html`
    <div data-testid="cluster-history" data-points=${history.data.points.length}>
      ${history.data.points.length === 0 && html`<p class="empty">${t("historyEmpty")}</p>`}
      <div class="charts">
        <${Chart} option=${options.busy} label=${t("historyUtilisation")} testid="chart-cluster-utilisation" />
        <${Chart} option=${options.fragmented} label=${t("historyFragmentation")} testid="chart-cluster-fragmentation" />
      </div>
    </div>`;
}
