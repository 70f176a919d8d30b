// The federation page's contracts with other cities: an organisation of this
// node (any but the operator) requests an offer found in another city's
// catalog, follows its negotiations (the Dataspace Protocol, node to node,
// docs/federation/README.md "Contracts between nodes"), takes the steps each
// state allows (accept the offer, verify and sign the agreement, terminate)
// and, once the contract is in force, queries the provider's product through
// the channel. An organisation that holds its own key signs the agreement in
// this browser (own_key.js), and the answers to its queries stay sealed to it.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api, ApiError } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useLoad } from "./hooks.js";
import { signAgreement } from "./own_key.js";
import { OfferText } from "./offer_text.js";
import { localTime } from "./format.js";

const html = htm.bind(h);

const BASE = "/api/v1/federation/negotiations";
const STATES = [
  "REQUESTED",
  "OFFERED",
  "ACCEPTED",
  "AGREED",
  "VERIFIED",
  "FINALIZED",
  "TERMINATED",
];
const UNFINISHED = ["REQUESTED", "OFFERED", "ACCEPTED", "AGREED", "VERIFIED"];
const YOUR_TURN = ["OFFERED", "AGREED"]; // the consumer's move
const short = (s, n) => (s && s.length > n ? `${s.slice(0, n)}…` : s || "-");
// A dictionary text with its {name}s filled in.
const fill = (text, vars) =>
  text.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));

// Any organisation but the operator consumes other cities' data; viewers only look.
export const negotiates = (me) => me.org.kind !== "operator";
const mayAct = (me) => me.role !== "viewer";

// The title of the provider's offer, if the negotiation holds it (dct:title,
// plain or language-tagged); null before the provider has offered.
function offerTitle(n) {
  const v = n.offer && n.offer["dct:title"];
  const s = v && typeof v === "object" ? v["@value"] : v;
  return typeof s === "string" && s ? s : null;
}

// A step's `promise`, its failure thrown as shown: what failed, in the
// interface language, then the server's reason; this browser's own refusals
// to sign said in full.
async function explained(t, lead, promise) {
  try {
    return await promise;
  } catch (err) {
    const shown = (message) => new ApiError(err.status || 0, err.code, message);
    if (err.code === "key_not_here") throw shown(t("neg_keyNotHere"));
    if (err.code === "not_an_agreement") throw shown(`${t("neg_notAnAgreement")} (${err.message})`);
    throw shown(`${t(lead)}${err.message}`);
  }
}

function StateLabel({ t, state }) {
  const known = STATES.includes(state);
  const cls = `state state-${known ? state.toLowerCase() : "unknown"}${YOUR_TURN.includes(state) ? " your-turn" : ""}`;
  return html`<span class=${cls}>${t(known ? `neg_state_${state}` : "neg_state_unknown")}</span>`;
}

// Beside an offer of another node in the federated search: requests it for
// the signed-in organisation, once confirmed. `onRequested` gets {city, title, negotiation}.
export function RequestContractButton({ t, me, offer, onRequested }) {
  const [done, setDone] = useState(false);
  const { run, busy, error } = useAction();
  if (offer.local || !negotiates(me) || !mayAct(me)) return null;
  const vars = { city: offer.city, node: offer.node, title: offer.title };
  const request = () => {
    if (!confirm(fill(t("neg_confirmRequest"), vars))) return;
    run(async () => {
      const negotiation = await explained(
        t,
        "neg_failed_request",
        api("POST", BASE, { peer: offer.node, offer_id: offer.offer_id }),
      );
      setDone(true);
      onRequested({ ...vars, negotiation });
    });
  };
  if (done)
    return html`<span class="good" data-testid="contract-requested">✓ ${t("neg_requested")}</span>`;
  return html`<button type="button" class="small" data-testid="fed-request-contract" disabled=${busy}
      onClick=${request}>${t("neg_request")}</button><${ErrorBox} error=${error} />`;
}

// The provider-signed usage receipt of a channel query, field by field.
function ReceiptCard({ t, usage }) {
  let r = null;
  try {
    r = JSON.parse(usage.receipt);
  } catch {
    r = null; // shown as sent, below
  }
  const signer = r && r.signed_by && typeof r.signed_by === "object" ? r.signed_by : null;
  return html`<div class="card" data-testid="negotiation-receipt">
    <h3>${t("receipt")}</h3>
    <dl class="facts">
      <dt>${t("neg_receiptId")}</dt><dd><code>${usage.id}</code></dd>
      <dt>${t("when")}</dt><dd>${localTime(usage.created_at)}</dd>
      <dt>${t("purpose")}</dt><dd>${usage.purpose}</dd>
      ${r && r.region && html`<dt>${t("region")}</dt><dd>${r.region}</dd>`}
      <dt>${t("epsilonSpent")}</dt><dd>${usage.epsilon}</dd>
      ${r && typeof r.epsilon_left_milli === "number" && html`<dt>${t("budgetLeft")}</dt><dd>${r.epsilon_left_milli / 1000}</dd>`}
      ${r && r.use && html`<dt>${t("neg_useNumber")}</dt><dd>${r.use}</dd>`}
      ${signer && html`<dt>${t("neg_signedBy")}</dt><dd><code>${signer.id}</code> · <code title=${signer.public_key}>${short(signer.public_key, 16)}</code></dd>`}
      ${r && r.query_sha256 && html`<dt>${t("neg_querySha")}</dt><dd><code title=${r.query_sha256}>${short(r.query_sha256, 16)}</code></dd>`}
      ${r && r.answer_sha256 && html`<dt>${t("neg_answerSha")}</dt><dd><code title=${r.answer_sha256}>${short(r.answer_sha256, 16)}</code></dd>`}
      <dt>${t("neg_signature")}</dt><dd><code title=${usage.signature}>${short(usage.signature, 24)}</code></dd>
    </dl>
    <details class="wide"><summary>${t("neg_receiptRaw")}</summary><pre class="note">${usage.receipt}</pre></details>
  </div>`;
}

// The channel query of a FINALIZED negotiation, and its answer.
function ChannelQuery({ t, n, city, selfCustody }) {
  const [form, setForm] = useState({ sql: "SELECT COUNT(*) FROM data", purpose: "research" });
  const [answer, setAnswer] = useState(null);
  const { run, busy, error } = useAction();
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const cli = `qiantang federation negotiations query ${n.id} --key FILE --sql '${form.sql}' --purpose ${form.purpose}`;
  const query = (e) => {
    e.preventDefault();
    if (selfCustody && !confirm(t("neg_confirmSealedQuery"))) return;
    run(async () => {
      setAnswer(null);
      const path = `${BASE}/${encodeURIComponent(n.id)}/queries`;
      setAnswer(await explained(t, "neg_failed_query", api("POST", path, form)));
    });
  };
  return html`
    <form class="card" onSubmit=${query} data-testid="negotiation-query">
      <h3>${t("neg_query")} · ${city}</h3>
      <label class="wide">SQL <textarea name="sql" rows="3" value=${form.sql} onInput=${set("sql")} required></textarea></label>
      <label>${t("purpose")} <input name="purpose" value=${form.purpose} onInput=${set("purpose")} required /></label>
      <button type="submit" disabled=${busy || !form.sql.trim() || !form.purpose.trim()}>${t("runQuery")}</button>
      <p class="hint wide">${t("neg_queryHint")} ${t("channelHint")}</p>
      ${selfCustody && html`<p class="hint wide">${t("neg_sealedWarning")} <code>${cli}</code></p>`}
      <${ErrorBox} error=${error} />
    </form>
    ${
      answer &&
      answer.sealed &&
      html`<div class="card" data-testid="negotiation-sealed">
        <h3>${t("neg_sealedTitle")}</h3>
        <p class="wide">${t("neg_sealedHint")} <code>${cli}</code></p>
        <p class="hint wide">${t("neg_answeredBy")} ${city} · ${t("neg_sealedTo")} <code title=${answer.sealed_to}>${short(answer.sealed_to, 16)}</code></p>
        <details class="wide"><summary>${t("neg_sealedBlob")}</summary><pre class="note">${answer.sealed}</pre></details>
      </div>`
    }
    ${
      answer &&
      !answer.sealed &&
      html`<p data-testid="negotiation-budget">${t("neg_answeredBy")} ${city} · ${t("epsilonSpent")} ${answer.epsilon} · ${t("budgetLeft")} <strong>${answer.epsilon_left}</strong> · ${t("groupThreshold")} ${answer.threshold}${answer.uses_left !== null && answer.uses_left !== undefined ? ` · ${t("usesLeft")} ${answer.uses_left}` : ""}</p>
      <table data-testid="negotiation-answer">
        <thead><tr>${answer.columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
        <tbody>${answer.rows.map((r, i) => html`<tr key=${i}>${r.map((c) => html`<td>${c === null ? "∅" : String(c)}</td>`)}</tr>`)}</tbody>
      </table>
      ${answer.usage && html`<${ReceiptCard} t=${t} usage=${answer.usage} />`}`
    }`;
}

// One negotiation: what it is, where it stands, and the steps its state allows.
function NegotiationDetail({ t, me, id, reloadKey, cityOf, custody, onChanged, onClose }) {
  const path = `${BASE}/${encodeURIComponent(id)}`;
  const got = useLoad(path, reloadKey);
  const { run, busy, error } = useAction();
  const [terminating, setTerminating] = useState(false);
  const [reason, setReason] = useState("");
  const step = (lead, fn) =>
    run(async () => {
      await explained(t, lead, fn());
      onChanged();
    });
  const accept = () => step("neg_failed_accept", () => api("POST", `${path}/accept`));
  // The node signs with the key it holds for the organisation ({}), or, for an
  // organisation that holds its own, this browser signs the provider node's
  // agreement under that node's contract id (as the CLI's `verify --key`).
  const verify = () =>
    step("neg_failed_verify", async () => {
      const org = await api("GET", `/api/v1/orgs/${me.org.id}`);
      let body = {};
      if (org.key_custody === "self") {
        const fresh = await api("GET", path);
        if (typeof fresh.agreement !== "string")
          throw new ApiError(0, "no_agreement", t("neg_noAgreement"));
        body = {
          signature: await signAgreement(org, fresh.agreement, "consumer", fresh.provider_pid),
        };
      }
      await api("POST", `${path}/verify`, body);
    });
  const terminate = (e) => {
    e.preventDefault();
    step("neg_failed_terminate", async () => {
      await api("POST", `${path}/terminate`, { reason: reason.trim() });
      setTerminating(false);
      setReason("");
    });
  };
  if (got.error) return html`<${ErrorBox} error=${got.error} />`;
  if (!got.data || got.data.id !== id) return html`<p>${t("loading")}</p>`;
  const n = got.data;
  const city = cityOf(n.peer);
  const title = offerTitle(n);
  const proofs = n.proofs && n.proofs.own && n.proofs.peer ? n.proofs : null;
  const act = mayAct(me);
  return html`<div class="panel" data-testid="negotiation-detail">
    <div class="panel-head">
      <h3>${title || n.offer_id} · ${city}</h3>
      <button type="button" class="link" onClick=${onClose}>${t("neg_close")}</button>
    </div>
    <dl class="facts">
      <dt>${t("fed_city")}</dt><dd>${city} <span class="hint">${n.peer}</span></dd>
      <dt>${t("fed_offer")}</dt><dd>${title ? html`${title} ` : ""}<code>${n.offer_id}</code></dd>
      ${n.offer && html`<dt>${t("policyTerms")}</dt><dd><${OfferText} t=${t} policy=${n.offer} /></dd>`}
      <dt>${t("state")}</dt><dd data-testid="negotiation-detail-state"><${StateLabel} t=${t} state=${n.state} /></dd>
      ${STATES.includes(n.state) && html`<dt>${t("neg_next")}</dt><dd>${fill(t(`neg_next_${n.state}`), { city })}</dd>`}
      ${n.provider_pid && html`<dt>${t("neg_providerPid")}</dt><dd><code>${n.provider_pid}</code></dd>`}
      <dt>${t("created")}</dt><dd>${localTime(n.created_at)}</dd>
      <dt>${t("fed_updated")}</dt><dd>${localTime(n.updated_at)}</dd>
      <dt>${t("neg_signatures")}</dt><dd>${
        n.provider_signature || n.consumer_signature
          ? html`${n.provider_signature && html`<span class="good">✓ ${t("neg_providerSigned")}</span> `}${n.consumer_signature && html`<span class="good">✓ ${t("neg_youSigned")}</span>`}`
          : t("neg_noSignature")
      }</dd>
      ${proofs && html`<dt>${t("neg_ledgers")}</dt><dd>${fill(t("neg_recorded"), { own: proofs.own.index, peer: proofs.peer.index, city })}</dd>`}
      ${n.reason && html`<dt>${t("neg_reason")}</dt><dd>${n.reason}</dd>`}
      ${n.last_error && html`<dt>${t("neg_lastError")}</dt><dd class="bad">${n.last_error}</dd>`}
    </dl>
    ${
      act &&
      html`<div class="actions">
        ${n.state === "OFFERED" && html`<button type="button" data-testid="negotiation-accept" disabled=${busy} onClick=${accept}>${t("neg_accept")}</button>`}
        ${
          n.state === "AGREED" &&
          html`<button type="button" data-testid="negotiation-verify" disabled=${busy} onClick=${verify}>${t("neg_verify")}</button>
          <span class="hint">${t(custody === "self" ? "neg_signHere" : "neg_nodeSigns")}</span>`
        }
        ${UNFINISHED.includes(n.state) && !terminating && html`<button type="button" class="link" data-testid="negotiation-terminate" onClick=${() => setTerminating(true)}>${t("terminate")}</button>`}
      </div>`
    }
    ${
      act &&
      terminating &&
      UNFINISHED.includes(n.state) &&
      html`<form class="card" onSubmit=${terminate} data-testid="negotiation-terminate-form">
        <p class="hint wide">${fill(t("neg_terminateHint"), { city })}</p>
        <label class="wide">${t("neg_terminateReason")}
          <input name="reason" value=${reason} onInput=${(e) => setReason(e.target.value)} maxlength="500" required />
        </label>
        <button type="submit" disabled=${busy || !reason.trim()}>${t("neg_terminateConfirm")}</button>
        <button type="button" class="link" onClick=${() => setTerminating(false)}>${t("cancel")}</button>
      </form>`
    }
    <${ErrorBox} error=${error} />
    ${n.state === "FINALIZED" && act && html`<${ChannelQuery} key=${n.id} t=${t} n=${n} city=${city} selfCustody=${custody === "self"} />`}
  </div>`;
}

// The section: the organisation's negotiations, 20 a page, and the one selected.
// `requested` ({city, title, negotiation, seq}) is the request just made from the search.
export function FederationNegotiations({ t, me, requested }) {
  const [cursors, setCursors] = useState([""]);
  const [version, setVersion] = useState(0);
  const [selected, setSelected] = useState(null);
  const seq = requested ? requested.seq : 0;
  useEffect(() => {
    if (!requested) return;
    setCursors([""]); // the newest is on the first page
    setSelected(requested.negotiation.id);
  }, [seq]);
  const cursor = cursors[cursors.length - 1];
  const list = useLoad(
    `${BASE}?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    version + seq,
  );
  const status = useLoad("/api/v1/federation/status", 0);
  const org = useLoad(`/api/v1/orgs/${me.org.id}`, 0);
  const cities = {};
  for (const p of (status.data && status.data.peers) || []) cities[p.name] = p.city;
  const cityOf = (peer) => cities[peer] || peer;
  const items = list.data ? list.data.items : [];
  return html`<section class="negotiations" data-testid="fed-negotiations">
    <h3>${t("neg_title")}</h3>
    <p class="hint">${t("neg_intro")}</p>
    ${requested && html`<p class="ok" data-testid="negotiation-requested">${fill(t("neg_requestedNotice"), requested)}</p>`}
    <${ErrorBox} error=${list.error} />
    ${!list.data && !list.error && html`<p>${t("loading")}</p>`}
    ${
      list.data &&
      items.length === 0 &&
      cursors.length === 1 &&
      html`<p class="empty" data-testid="negotiations-empty">${t("neg_empty")}</p>`
    }
    ${
      items.length > 0 &&
      html`<table data-testid="negotiations">
        <thead><tr><th>${t("fed_city")}</th><th>${t("fed_offer")}</th><th>${t("state")}</th><th>${t("created")}</th><th></th></tr></thead>
        <tbody>${items.map(
          (n) => html`<tr key=${n.id} title=${n.id} class=${n.id === selected ? "selected" : ""}>
            <td>${cityOf(n.peer)} <span class="hint">${n.peer}</span></td>
            <td>${offerTitle(n) || html`<code>${n.offer_id}</code>`}</td>
            <td data-testid="negotiation-state"><${StateLabel} t=${t} state=${n.state} />${n.last_error ? html`<div class="bad hint">${t("neg_lastErrorIs")}${n.last_error}</div>` : ""}</td>
            <td>${localTime(n.created_at)}</td>
            <td><button type="button" class="link" data-testid="negotiation-open" onClick=${() => setSelected(n.id)}>${t("neg_open")}</button></td>
          </tr>`,
        )}</tbody>
      </table>`
    }
    ${
      list.data &&
      html`<div class="pager">
        ${cursors.length > 1 && html`<button type="button" onClick=${() => setCursors(cursors.slice(0, -1))}>${t("neg_prev")}</button>`}
        ${list.data.next_cursor && html`<button type="button" data-testid="negotiations-next" onClick=${() => setCursors([...cursors, list.data.next_cursor])}>${t("more")}</button>`}
      </div>`
    }
    ${
      selected &&
      html`<${NegotiationDetail} key=${selected} t=${t} me=${me} id=${selected} reloadKey=${version + seq}
        cityOf=${cityOf} custody=${org.data && org.data.key_custody}
        onChanged=${() => setVersion((v) => v + 1)} onClose=${() => setSelected(null)} />`
    }
  </section>`;
}
