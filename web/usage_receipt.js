// The usage receipt of a channel query as a card a clerk reads: who asked
// whom, under which contract and product, what query, the privacy budget it
// spent, when, and its ledger event; "verify" checks it in the browser
// (receipt_check.js). The signed text stays one click away, editable, so a
// receipt received from elsewhere can be pasted and checked against the query.
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { useOrgNames } from "./hooks.js";
import { checkReceipt, parseReceipt } from "./receipt_check.js";
import { localTime } from "./format.js";

const html = htm.bind(h);

// A dictionary label for `key`, or `raw` when it has none.
const known = (t, key, raw) => (t(key) === key ? raw : t(key));

function Check({ t, ok, label }) {
  const mark = ok === true ? "✓" : ok === false ? "✗" : "?";
  const cls = ok === true ? "good" : ok === false ? "bad" : "hint";
  return html`<li class=${cls}>${mark} ${label}${ok === null ? ` (${t("rc_unchecked")})` : ""}</li>`;
}

function Verdict({ t, result }) {
  const l = result.ledger;
  return html`<ul class="receipt-checks" data-testid="receipt-checks">
    <${Check} t=${t} ok=${result.receipt} label=${t("rc_checkParties")} />
    ${result.query !== undefined && html`<${Check} t=${t} ok=${result.query} label=${t("rc_checkQuery")} />`}
    ${result.signer !== undefined && html`<${Check} t=${t} ok=${result.signer} label=${t("rc_checkSignature")} />`}
    ${result.signer !== undefined && html`<${Check} t=${t} ok=${!!l && l.matches} label=${l ? `${t("rc_checkEvent")} #${l.index}` : t("rc_noEvent")} />`}
    ${l && html`<${Check} t=${t} ok=${l.included} label=${`${t("rc_checkIncluded")} ${l.size}`} /><${Check} t=${t} ok=${l.signed} label=${t("rc_checkCheckpoint")} />`}
  </ul>`;
}

// `usage` is the answer's usage ({id, receipt, signature}); `sql` the query
// sent; `contract` the contract it ran under; `product` its product, if loaded.
export function UsageReceipt({ t, me, usage, sql, contract, product }) {
  const name = useOrgNames();
  const [text, setText] = useState(usage.receipt);
  const [check, setCheck] = useState({ state: "idle" });
  const r = parseReceipt(text);
  const contractId = r ? String(r.contract_id || "") : "";
  const verify = async () => {
    setCheck({ state: "checking" });
    try {
      const result = await checkReceipt(
        { text, signature: usage.signature, sql, contractId: contract.id, consumerId: me.org.id },
        () => setCheck({ state: "waiting" }),
      );
      setCheck({ state: result.verdict, result });
    } catch (err) {
      setCheck({ state: "failed", error: err.message });
    }
  };
  const edit = (e) => {
    setText(e.target.value);
    setCheck({ state: "idle" });
  };
  const ledger = check.result && check.result.ledger;
  const row = (label, value) => html`<dt>${label}</dt><dd>${value}</dd>`;
  return html`<div class="card receipt" data-testid="receipt" data-verdict=${check.state}>
    <h3>${t("rc_title")}</h3>
    ${!r && html`<p class="bad wide">${t("rc_notAReceipt")}</p>`}
    ${
      r &&
      html`<dl class="facts">
      ${row(t("rc_consumer"), name(r.consumer_id))}
      ${row(t("rc_provider"), name(r.provider_id))}
      ${row(t("rc_contract"), html`${product ? `${product.title} · ` : ""}<code title=${contractId}>${contractId.slice(-8)}</code>`)}
      ${row(t("rc_query"), html`<code>${sql}</code>`)}
      ${row(t("purpose"), known(t, `ot_purpose_${r.purpose}`, r.purpose))}
      ${r.region && row(t("region"), known(t, `ot_region_${r.region}`, r.region))}
      ${row(t("rc_epsilon"), `ε ${r.epsilon_milli / 1000}${typeof r.epsilon_left_milli === "number" ? ` · ${t("budgetLeft")} ${r.epsilon_left_milli / 1000}` : ""}`)}
      ${r.use && row(t("rc_use"), String(r.use))}
      ${row(t("rc_when"), localTime(r.at))}
      ${r.signed_by && row(t("rc_signedBy"), name(r.signed_by.id))}
      ${row(t("rc_ledger"), ledger ? `#${ledger.index} · dataspace.channel.used` : html`dataspace.channel.used <span class="hint">${t("rc_ledgerOnVerify")}</span>`)}
    </dl>`
    }
    <div class="actions wide">
      <button type="button" data-testid="verify-receipt" disabled=${check.state === "checking" || check.state === "waiting"} onClick=${verify}>${t("rc_verify")}</button>
      <span data-testid="receipt-verdict" class=${check.state === "ok" ? "good" : check.state === "failed" ? "bad" : "hint"}>${t(`rc_state_${check.state}`)}</span>
    </div>
    ${check.error && html`<p class="bad wide">${check.error}</p>`}
    ${check.result && html`<${Verdict} t=${t} result=${check.result} />`}
    <details class="wide"><summary>${t("rc_raw")}</summary>
      <label class="wide">${t("rc_rawLabel")}<textarea name="receipt" rows="6" value=${text} onInput=${edit}></textarea></label>
      <p class="hint">${t("rc_signature")} <code>${usage.signature}</code></p>
    </details>
  </div>`;
}
