// A page's tabs, with the open one in the URL ("#section?tab=..."): reload and
// back return to it, and a link can open it. Opening a tab clears the other
// tab's filters and page.
import { h } from "/vendor/preact.module.js";
import htm from "/vendor/htm.module.js";
import { useUrlParams } from "./url_state.js";

const html = htm.bind(h);

// [open tab, open(key)]: the URL's tab if it is one of `keys`, else the first.
export function useUrlTab(keys) {
  const [params, setParams] = useUrlParams();
  const tab = keys.includes(params.tab) ? params.tab : keys[0];
  return [tab, (key) => setParams({ tab: key })];
}

// The tab buttons; `label(key)` names each.
export function Tabs({ keys, tab, open, label }) {
  return html`<div class="tabs" role="tablist">${keys.map(
    (k) => html`<button type="button" role="tab" aria-selected=${k === tab ? "true" : "false"}
      class=${k === tab ? "tab active" : "tab"} data-tab=${k} onClick=${() => open(k)}>${label(k)}</button>`,
  )}</div>`;
}
