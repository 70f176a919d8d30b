// The federation page's peers and federated catalog: every city's node this
// node federates with (state, last contact, last crawl, the size its ledger is
// witnessed at here), and a search over every city's published offers, each
// with its terms in plain words (offer_text.js). The
// operator's admin adds a peer from its descriptor and suspends, resumes or
// removes one. `offerAction`, if given, renders what is beside an offer of
// another node (federation_negotiations.js: requesting a contract for it).
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction } from "./hooks.js";
import { ConfirmButton } from "./confirm_button.js";
import { OfferText } from "./offer_text.js";
import { duration, localTime } from "./format.js";

const html = htm.bind(h);

function AddPeer({ t, onAdded }) {
  const [descriptor, setDescriptor] = useState("");
  const { run, error } = useAction();
  const submit = (e) => {
    e.preventDefault();
    run(async () => {
      await api("POST", "/api/v1/federation/peers", { descriptor });
      setDescriptor("");
      onAdded();
    });
  };
  return html`
    <form class="card" onSubmit=${submit} data-testid="add-peer">
      <h3>${t("fed_addPeer")}</h3>
      <p class="hint">${t("fed_addPeerHint")}</p>
      <textarea rows="6" value=${descriptor} onInput=${(e) => setDescriptor(e.target.value)}
        placeholder="qiantang-node/v1\nname ningbo\n…" required></textarea>
      <button type="submit">${t("fed_add")}</button>
      <${ErrorBox} error=${error} />
    </form>`;
}

function Search({ t, offerAction }) {
  const [q, setQ] = useState("");
  const [result, setResult] = useState(null);
  const { run, error } = useAction();
  const search = (e) => {
    e.preventDefault();
    run(async () =>
      setResult(await api("GET", `/api/v1/federation/catalog?limit=20&q=${encodeURIComponent(q)}`)),
    );
  };
  return html`
    <form class="card" onSubmit=${search} data-testid="federated-search">
      <h3>${t("fed_catalog")}</h3>
      <input value=${q} onInput=${(e) => setQ(e.target.value)} placeholder=${t("fed_searchHint")} />
      <button type="submit">${t("fed_search")}</button>
      <${ErrorBox} error=${error} />
      ${
        result &&
        html`<table data-testid="federated-results">
          <thead><tr><th>${t("fed_city")}</th><th>${t("fed_offer")}</th><th>${t("fed_publisher")}</th><th>${t("fed_crawled")}</th>${offerAction && html`<th></th>`}</tr></thead>
          <tbody>${result.items.map(
            (o) => html`<tr key=${`${o.node}/${o.offer_id}`}>
              <td>${o.city} <span class="hint">${o.local ? t("fed_local") : o.node}</span></td>
              <td>${o.title}<${OfferText} t=${t} policy=${o.policy} /></td>
              <td>${o.publisher}</td>
              <td>${o.local ? "-" : o.stale ? html`<span class="bad">${t("fed_stale")} ${duration(o.age_seconds)}</span>` : duration(o.age_seconds)}</td>
              ${offerAction && html`<td>${o.local ? "" : offerAction(o)}</td>`}
            </tr>`,
          )}</tbody>
        </table>`
      }
    </form>`;
}

// How long ago a peer's catalog was last crawled well (the crawl lag), and
// whether the last try failed; "unchanged" when it was only checked.
function CrawlLag({ t, crawl }) {
  if (!crawl.crawled_at) return html`<div class="bad hint">${t("fed_neverCrawled")}</div>`;
  const minutes = Math.max(0, Math.round((Date.now() - new Date(crawl.crawled_at)) / 60000));
  const lag = minutes < 1 ? t("fed_justNow") : t("fed_minutesAgo").replace("{n}", String(minutes));
  return html`<div class=${crawl.error ? "bad hint" : "hint"} data-testid="crawl-lag" title=${crawl.error || ""}>
    ${lag}${crawl.unchanged ? ` · ${t("fed_unchanged")}` : ""}
  </div>`;
}

export function FederationPeers({ t, isAdmin, offerAction }) {
  const [state, setState] = useState({ loading: true });
  const [version, setVersion] = useState(0);
  const { run, error } = useAction();
  useEffect(() => {
    (async () => {
      try {
        setState({ status: await api("GET", "/api/v1/federation/status") });
      } catch (error) {
        setState({ error });
      }
    })();
  }, [version]);
  const act = (peer, verb) =>
    run(async () => {
      const path = `/api/v1/federation/peers/${encodeURIComponent(peer.name)}`;
      if (verb === "remove") await api("DELETE", path);
      else await api("POST", `${path}/${verb}`, {});
      setVersion((v) => v + 1);
    });
  if (state.loading) return html`<p>${t("loading")}</p>`;
  const node = state.status?.node;
  return html`
    <${ErrorBox} error=${state.error || error} />
    ${node && html`<p class="hint" data-testid="this-node">${t("fed_thisNode")}: <strong>${node.city}</strong> (${node.name}) · <code>${node.url}</code> · ${node.tls_pin ? html`<span title=${node.tls_pin}>${t("fed_tlsKey")} ${node.tls_pin.slice(0, 8)}…</span>` : html`<span class="bad">${t("fed_plainHttp")}</span>`}</p>`}
    <table data-testid="peers">
      <thead><tr><th>${t("fed_peer")}</th><th>${t("status")}</th><th>${t("fed_lastContact")}</th><th>${t("fed_offers")}</th><th>${t("fed_cosignedSize")}</th><th></th></tr></thead>
      <tbody>
        ${(state.status?.peers || []).map(
          (p) => html`<tr key=${p.name}>
            <td>${p.city} <span class="hint">${p.name}</span>${
              p.tls_pin
                ? html`<div class="hint" title=${p.tls_pin} data-testid="peer-tls">${t("fed_tlsKey")} ${p.tls_pin.slice(0, 8)}…</div>`
                : html`<div class="bad hint" data-testid="peer-tls">${t("fed_plainHttp")}</div>`
            }</td>
            <td>${t(`fed_state_${p.state}`)}${p.last_error ? html`<div class="bad hint">${p.last_error}</div>` : ""}</td>
            <td>${localTime(p.last_contact_at)}</td>
            <td>${p.crawl ? html`${p.crawl.offers}<${CrawlLag} t=${t} crawl=${p.crawl} />` : "-"}</td>
            <td>${p.witnessed ? html`${p.witnessed.size}${p.witnessed.forked ? html` <span class="bad">✗ ${t("fed_forked")}</span>` : ""}` : "-"}</td>
            <td>${
              isAdmin &&
              html`${p.state === "suspended" ? html`<button onClick=${() => act(p, "resume")}>${t("fed_resume")}</button>` : html`<${ConfirmButton} label=${t("fed_suspend")} question=${t("q_suspendPeer")} t=${t} onConfirm=${() => act(p, "suspend")} />`}
              <${ConfirmButton} label=${t("fed_remove")} question=${t("q_removePeer")} t=${t} onConfirm=${() => act(p, "remove")} />`
            }</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${(state.status?.peers || []).length === 0 && html`<p class="hint">${t("fed_noPeers")}</p>`}
    ${isAdmin && html`<${AddPeer} t=${t} onAdded=${() => setVersion(version + 1)} />`}
    <${Search} t=${t} offerAction=${offerAction} />`;
}
