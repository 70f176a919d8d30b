// A <select> filled from a list the server searches: a page of its items,
// and a search box beside it when there are more than a page (or a search is
// set), so no form reads every item to fill a dropdown.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { useLoad } from "./hooks.js";

const html = htm.bind(h);
const SHOWN = 50;

// GETs `base` (which may carry fixed filters) with `param`=the search text.
// Returns {items, loaded, searched, more, search(text)}; `keep(item)` drops
// items the form cannot use.
export function useServerChoice(base, { param = "q", keep = () => true } = {}) {
  const [text, setText] = useState("");
  const q = new URLSearchParams({ limit: String(SHOWN) });
  if (text) q.set(param, text);
  const sep = base && base.includes("?") ? "&" : "?";
  const { data } = useLoad(base ? `${base}${sep}${q}` : null, 0);
  return {
    items: data ? data.items.filter(keep) : [],
    loaded: !!data,
    searched: text !== "",
    more: !!data && (data.total > data.items.length || !!data.next_cursor),
    search: setText,
  };
}

// The choice's <select name=`name`> (values `itemValue(item)`, shown as
// `optionLabel(item)`) under `label`, with the search box `searchLabel`.
export function ServerSelect({
  choice,
  value,
  onChange,
  name,
  label,
  searchLabel,
  optionLabel,
  itemValue = (x) => x.id,
}) {
  const [text, setText] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => choice.search(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text]);
  return html`
    ${
      (choice.more || choice.searched) &&
      html`<label>${searchLabel} <input type="search" value=${text}
        data-testid=${`${name}-search`} onInput=${(e) => setText(e.target.value)} /></label>`
    }
    <label>${label} <select name=${name} value=${value} onChange=${(e) => onChange(e.target.value)}>
      ${choice.items.map((x) => html`<option key=${itemValue(x)} value=${itemValue(x)}>${optionLabel(x)}</option>`)}
    </select></label>`;
}
