// Choosing one of the caller's contracts to use (a channel query, a PSI, a
// delivery): its finalized contracts as consumer that permit the action, found
// on the server by the product's title — nothing reads every contract.
import { h } from "/vendor/preact.module.js";
import htm from "/vendor/htm.module.js";
import { useOrgNames } from "./hooks.js";
import { ServerSelect, useServerChoice } from "./server_select.js";

const html = htm.bind(h);

// useServerChoice's {items, ...} of the contracts permitting `action`.
export function useUsableContracts(action) {
  return useServerChoice("/api/v1/dataspace/contracts?state=finalized&side=consumer", {
    keep: (c) => c.policy.permission.some((p) => p.action === action),
  });
}

// The contract <select> (`name`, value a contract id) of `choice`, each one
// "product · provider · the contract's last 8 characters" (the trade and the
// contracts list name it so; one product may be bought twice).
export function ContractSelect({ t, choice, value, onChange, name = "contract" }) {
  const orgName = useOrgNames();
  return html`<${ServerSelect} choice=${choice} value=${value} onChange=${onChange} name=${name}
    label=${t("contract")} searchLabel=${t("contractSearch")}
    optionLabel=${(c) => `${c.product_title} · ${orgName(c.provider_id)} · ${c.id.slice(-8)}`} />`;
}
