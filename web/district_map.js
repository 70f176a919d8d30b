// A schematic tile map of Hangzhou's 13 districts (no map data is fetched):
// each tile sits roughly where its district lies, shaded by the figure chosen.
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { count } from "./format.js";

const html = htm.bind(h);

// Each district's tile (column, row, north-west first) and English name.
const PLACES = {
  330112: [1, 1, "Lin'an"], // 临安区
  330110: [2, 1, "Yuhang"], // 余杭区
  330105: [3, 1, "Gongshu"], // 拱墅区
  330113: [4, 1, "Linping"], // 临平区
  330111: [1, 2, "Fuyang"], // 富阳区
  330106: [2, 2, "Xihu"], // 西湖区
  330102: [3, 2, "Shangcheng"], // 上城区
  330114: [4, 2, "Qiantang"], // 钱塘区
  330122: [1, 3, "Tonglu"], // 桐庐县
  330108: [2, 3, "Binjiang"], // 滨江区
  330109: [3, 3, "Xiaoshan"], // 萧山区
  330127: [1, 4, "Chun'an"], // 淳安县
  330182: [2, 4, "Jiande"], // 建德市
};
const MEASURES = ["compute_cards", "data_holders", "citizens"];

export function DistrictMap({ districts, t, lang }) {
  const [measure, setMeasure] = useState("compute_cards");
  const placed = districts.filter((d) => PLACES[d.code]);
  const city = districts.find((d) => !PLACES[d.code]);
  const max = Math.max(1, ...placed.map((d) => d[measure]));
  const level = (v) => (v === 0 ? 0 : 1 + Math.min(3, Math.floor((4 * v) / (max + 1))));
  return html`
    <section class="card district-map" aria-labelledby="district-map-title">
      <h3 id="district-map-title">${t("dash_districts")}</h3>
      <div class="segmented" role="group" aria-label=${t("dash_measure")}>
        ${MEASURES.map(
          (
            m,
          ) => html`<button type="button" class=${m === measure ? "on" : ""} aria-pressed=${m === measure}
                              onClick=${() => setMeasure(m)}>${t(`dash_${m}`)}</button>`,
        )}
      </div>
      <ol class="tile-map" data-testid="district-map">
        ${placed.map((d) => {
          const [col, row, en] = PLACES[d.code];
          return html`<li key=${d.code} class=${`district col-${col} row-${row} level-${level(d[measure])}`}
                          title=${`${d.name}: ${count(d[measure], lang)}`}>
              <span class="district-name">${lang === "en" ? en : d.name}</span>
              <span class="district-n">${count(d[measure], lang)}</span>
            </li>`;
        })}
      </ol>
      ${city && city[measure] > 0 && html`<p class="hint">${t("dash_cityLevel")}: ${count(city[measure], lang)}</p>`}
    </section>`;
}
