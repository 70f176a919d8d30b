// Search-as-you-type for an organisation (the server searches; nothing reads
// the whole directory): type part of a name, pick one of the matches.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";

const html = htm.bind(h);
const SHOWN = 8;

// `kind` limits the search to one kind of organisation; `onPick` receives
// the chosen organisation ({id, name, ...}) or null when the text changes.
export function OrgPicker({ kind, label, onPick, t, testid }) {
  const [text, setText] = useState("");
  const [matches, setMatches] = useState([]);
  const [picked, setPicked] = useState(null);
  useEffect(() => {
    if (picked || !text.trim()) {
      setMatches([]);
      return undefined;
    }
    let live = true;
    const timer = setTimeout(() => {
      const q = new URLSearchParams({ limit: String(SHOWN), name: text.trim() });
      if (kind) q.set("kind", kind);
      api("GET", `/api/v1/orgs?${q}`)
        .then((page) => live && setMatches(page.items))
        .catch(() => live && setMatches([]));
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text, kind, picked]);
  const choose = (o) => {
    setPicked(o);
    setText(o.name);
    setMatches([]);
    onPick(o);
  };
  const listId = `${testid || "org"}-matches`;
  return html`
    <label class="org-picker">${label}
      <input type="search" role="combobox" aria-autocomplete="list" aria-expanded=${matches.length > 0}
             aria-controls=${listId} placeholder=${t("typeToSearch")} value=${text} data-testid=${testid}
             onInput=${(e) => {
               setText(e.target.value);
               if (picked) {
                 setPicked(null);
                 onPick(null);
               }
             }} />
      ${
        matches.length > 0 &&
        html`<ul class="matches" id=${listId} role="listbox">
          ${matches.map((o) => html`<li key=${o.id} role="option" aria-selected="false"><button type="button" class="link" onClick=${() => choose(o)}>${o.name}</button></li>`)}
        </ul>`
      }
    </label>`;
}
