// One ECharts chart (Apache ECharts, vendored from npm; loaded on first use).
// Drawn on canvas, with its tooltip drawn on the canvas too: the console's
// Content-Security-Policy allows no inline style, which ECharts' HTML
// tooltips and SVG text would need. The container carries the chart's
// description for screen readers.
import { h } from "/vendor/preact.module.js";
import { useEffect, useRef } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";

const html = htm.bind(h);

let loading = null;
function loadECharts() {
  loading ??= import("/vendor/echarts.esm.min.js");
  return loading;
}

// `option` is an ECharts option; `label` names the chart (caption and
// aria-label).
export function Chart({ option, label, testid }) {
  const box = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    let live = true;
    const onResize = () => chart.current?.resize();
    loadECharts().then((echarts) => {
      if (!live || !box.current) return;
      chart.current = echarts.init(box.current, null, { renderer: "canvas" });
      chart.current.setOption({
        aria: { enabled: true },
        animation: false,
        tooltip: { renderMode: "richText", confine: true },
        grid: { left: 8, right: 12, top: 28, bottom: 8, containLabel: true },
        ...option,
      });
      addEventListener("resize", onResize);
    });
    return () => {
      live = false;
      removeEventListener("resize", onResize);
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option);
  }, [option]);
  return html`
    <figure class="chart">
      <figcaption>${label}</figcaption>
      <div class="chart-box" ref=${box} role="img" aria-label=${label} data-testid=${testid}></div>
    </figure>`;
}
