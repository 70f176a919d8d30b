// The federation page: this node's peers and every city's offers
// (federation_peers.js), this node's witness (its name and cosigner key), the
// ledgers it witnesses with their last cosigned size and any fork seen, and
// this node's own latest checkpoint that its witness policy's quorum
// cosigned. The operator's admin adds and removes peers and witnessed logs.
// Any other organisation also finds its contracts with other cities here
// (federation_negotiations.js), requested from the federated search.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { FederationPeers } from "./federation_peers.js";
import { useAction } from "./hooks.js";
import { ConfirmButton } from "./confirm_button.js";
import { localMinute } from "./format.js";
import { Pager, usePagedList } from "./paging.js";
import { useUrlParams } from "./url_state.js";
import {
  FederationNegotiations,
  negotiates,
  RequestContractButton,
} from "./federation_negotiations.js";

const html = htm.bind(h);

function AddLog({ t, onAdded }) {
  const [vkey, setVkey] = useState("");
  const { run, error } = useAction();
  const submit = (e) => {
    e.preventDefault();
    run(async () => {
      await api("POST", "/api/v1/federation/witness/logs", { vkey: vkey.trim() });
      setVkey("");
      onAdded();
    });
  };
  return html`
    <form class="card" onSubmit=${submit} data-testid="add-log">
      <h3>${t("fed_addLog")}</h3>
      <label>${t("fed_logVkey")}
        <input value=${vkey} onInput=${(e) => setVkey(e.target.value)} placeholder="city-b.example/ledger+…" required />
      </label>
      <button type="submit">${t("fed_add")}</button>
      <${ErrorBox} error=${error} />
    </form>`;
}

export function FederationPage({ t, me, lang }) {
  const [state, setState] = useState({ loading: true });
  const [version, setVersion] = useState(0);
  const logs = usePagedList("/api/v1/federation/witness/logs", [], useUrlParams(), {
    prefix: "w_",
    reloadKey: version,
  });
  const [requested, setRequested] = useState(null);
  const removal = useAction();
  useEffect(() => {
    (async () => {
      try {
        const witness = await api("GET", "/api/v1/federation/witness");
        let witnessed = null;
        try {
          witnessed = await api("GET", "/api/v1/ledger/checkpoint/witnessed");
        } catch {
          witnessed = null; // no witness policy, or no quorum yet
        }
        setState({ witness, witnessed });
      } catch (error) {
        setState({ error });
      }
    })();
  }, [version]);
  const isAdmin = me.org.kind === "operator" && me.role === "admin";
  const consumer = negotiates(me);
  const offerAction = consumer
    ? (offer) =>
        html`<${RequestContractButton} t=${t} me=${me} offer=${offer} onRequested=${(r) =>
          setRequested((prev) => ({ ...r, seq: (prev ? prev.seq : 0) + 1 }))} />`
    : null;
  const remove = (log) =>
    removal.run(async () => {
      await api("DELETE", `/api/v1/federation/witness/logs/${log.origin_hash}`);
      setVersion((v) => v + 1);
    });
  if (state.loading)
    return html`<section><h2>${t("federation")}</h2><p>${t("loading")}</p></section>`;
  return html`
    <section>
      <h2>${t("federation")}</h2>
      <p class="hint">${t("fed_intro")}</p>
      <${ErrorBox} error=${state.error || logs.error || removal.error} />
      <${FederationPeers} t=${t} isAdmin=${isAdmin} offerAction=${offerAction} />
      ${consumer && html`<${FederationNegotiations} t=${t} me=${me} requested=${requested} />`}
      ${
        state.witness &&
        html`<div class="card" data-testid="witness">
        <h3>${t("fed_ourWitness")}</h3>
        <p><strong>${state.witness.name}</strong></p>
        <p class="hint">vkey: <code>${state.witness.vkey}</code></p>
      </div>`
      }
      <div class="card">
        <h3>${t("fed_witnessedCheckpoint")}</h3>
        ${
          state.witnessed
            ? html`<pre class="note" data-testid="witnessed">${state.witnessed}</pre>`
            : html`<p class="hint">${t("fed_noQuorum")}</p>`
        }
      </div>
      <table data-testid="witness-logs">
        <thead><tr><th>${t("fed_log")}</th><th>${t("fed_cosignedSize")}</th><th>${t("status")}</th><th>${t("fed_updated")}</th><th></th></tr></thead>
        <tbody>
          ${(logs.page ? logs.page.items : []).map(
            (l) => html`<tr key=${l.origin_hash}>
              <td><code>${l.origin}</code></td>
              <td>${l.size}</td>
              <td>${
                l.forked
                  ? html`<span class="bad">✗ ${t("fed_forked")} (${l.evidence})</span>`
                  : !l.active
                    ? t("fed_removed")
                    : l.checkpoint
                      ? html`<span class="good">✓ ${t("fed_consistent")}</span>`
                      : t("fed_waiting")
              }${!l.forked && l.evidence > 0 ? ` · ${t("fed_refused")} ${l.evidence}` : ""}</td>
              <td>${localMinute(l.updated_at)}</td>
              <td>${isAdmin && l.active ? html`<${ConfirmButton} label=${t("fed_remove")} question=${t("q_removeLedger")} t=${t} onConfirm=${() => remove(l)} />` : ""}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      <${Pager} t=${t} lang=${lang} list=${logs} testid="witness-logs-pager" />
      ${isAdmin && html`<${AddLog} t=${t} onAdded=${() => setVersion(version + 1)} />`}
    </section>`;
}
