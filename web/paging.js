// Lists that page through the server. A list's position and its filters live
// in the URL ("trail": the cursors of the pages passed, and each filter under
// its own name), so reload and back return to the same page; a new filter
// starts again at the first page.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { useLoad } from "./hooks.js";
import { count } from "./format.js";

const html = htm.bind(h);

// GETs `base` with the URL's values of `filters` (names of query parameters),
// `size` items a page, again when `reloadKey` changes. Two lists on one page
// keep their places apart by a `prefix` of their URL names. Returns {page,
// error, first (the number of the page's first item), trail, value(name),
// setFilter(name, value), next(), previous()}.
export function usePagedList(base, filters, [params, setParams], options = {}) {
  const { size = 20, reloadKey = 0, prefix = "" } = options;
  const key = (name) => `${prefix}${name}`;
  const trail = params[key("trail")] ? params[key("trail")].split(",") : [];
  const q = new URLSearchParams({ limit: String(size) });
  for (const f of filters) if (params[key(f)]) q.set(f, params[key(f)]);
  if (trail.length) q.set("cursor", trail[trail.length - 1]);
  const sep = base && base.includes("?") ? "&" : "?"; // `base` may carry fixed filters
  const { data: page, error } = useLoad(base ? `${base}${sep}${q}` : null, reloadKey);
  const setTrail = (t) => setParams({ ...params, [key("trail")]: t.join(",") });
  return {
    page,
    error,
    first: trail.length * size + 1,
    trail,
    value: (name) => params[key(name)] || "",
    setFilter: (name, value) => setParams({ ...params, [key(name)]: value, [key("trail")]: "" }),
    next: () => setTrail([...trail, page.next_cursor]),
    previous: () => setTrail(trail.slice(0, -1)),
  };
}

// A search box that sets `list`'s filter `name` a moment after typing stops.
export function SearchBox({ list, name = "q", label, testid }) {
  const [text, setText] = useState(list.value(name));
  useEffect(() => {
    const wanted = text.trim();
    if (wanted === list.value(name)) return undefined;
    const timer = setTimeout(() => list.setFilter(name, wanted), 300);
    return () => clearTimeout(timer);
  }, [text]);
  return html`<label>${label} <input type="search" name=${name} value=${text} data-testid=${testid}
    onInput=${(e) => setText(e.target.value)} /></label>`;
}

// "Showing a–b / total" (the total where the list counts it) and the
// previous and next buttons.
export function Pager({ t, lang, list, testid = "pager" }) {
  const { page, trail, first } = list;
  if (!page) return null;
  const shown =
    page.items.length > 0
      ? `${count(first, lang)}–${count(first + page.items.length - 1, lang)}${page.total != null ? ` / ${count(page.total, lang)}` : ""}`
      : "";
  return html`<div class="pager" data-testid=${testid}>
    ${shown && html`<span class="hint" data-testid=${`${testid}-count`}>${t("showing")} ${shown}</span>`}
    ${trail.length > 0 && html`<button type="button" data-testid=${`${testid}-prev`} onClick=${list.previous}>${t("previous")}</button>`}
    ${page.next_cursor && html`<button type="button" data-testid=${`${testid}-next`} onClick=${list.next}>${t("next")}</button>`}
  </div>`;
}

// A <select> that sets `list`'s filter `name` to one of `options` (or none,
// shown as `all`), each shown as `optionLabel(option)`.
export function FilterSelect({ t, list, name, options, label, optionLabel, testid, all }) {
  return html`<label>${label}
    <select name=${name} value=${list.value(name)} data-testid=${testid}
            onChange=${(e) => list.setFilter(name, e.target.value)}>
      <option value="">${all || t("allStates")}</option>
      ${options.map((o) => html`<option value=${o}>${optionLabel(o)}</option>`)}
    </select>
  </label>`;
}
