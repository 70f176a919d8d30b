// Choosing one of the caller's contracts to use (a channel query, a PSI, a
// delivery): its finalized contracts as consumer that permit the action, found
// on the server by the product's title — nothing reads every contract.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { useLoad, useOrgNames } from "./hooks.js";

const html = htm.bind(h);
const SHOWN = 50;

// {usable (contracts permitting `action`), loaded, searched (a search is set),
// more (the server has more than one page), search(text)}.
export function useUsableContracts(action) {
  const [q, setQ] = useState("");
  const query = new URLSearchParams({ state: "finalized", side: "consumer", limit: String(SHOWN) });
  if (q) query.set("q", q);
  const { data } = useLoad(`/api/v1/dataspace/contracts?${query}`, 0);
  const usable = data
    ? data.items.filter((c) => c.policy.permission.some((p) => p.action === action))
    : [];
  return {
    usable,
    loaded: !!data,
    searched: q !== "",
    more: !!data && data.total > data.items.length,
    search: setQ,
  };
}

// The contract <select> (`name`, value a contract id) of `choice`, each one
// "product · provider"; a search box on the server beside it when there are
// more than a page or a search is set.
export function ContractSelect({ t, choice, value, onChange, name = "contract" }) {
  const orgName = useOrgNames();
  const [text, setText] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => choice.search(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text]);
  return html`
    ${
      (choice.more || choice.searched) &&
      html`<label>${t("contractSearch")} <input type="search" value=${text}
        data-testid=${`${name}-search`} onInput=${(e) => setText(e.target.value)} /></label>`
    }
    <label>${t("contract")} <select name=${name} value=${value} onChange=${(e) => onChange(e.target.value)}>
      ${choice.usable.map((c) => html`<option key=${c.id} value=${c.id}>${c.product_title} · ${orgName(c.provider_id)}</option>`)}
    </select></label>`;
}
