// The trusted data space in the console: the catalog with quality reports,
// masked previews and offers' terms in plain words; a holder's sources,
// pipelines and runs; contract negotiation; and the query console of the
// channel, with a query builder, which shows the privacy budget left and the
// usage receipt as a card to verify. Each view shows what the signed-in
// organisation may see and do.
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useLoad, useOrgNames } from "./hooks.js";
import { signAgreement } from "./own_key.js";
import { ConfirmButton } from "./confirm_button.js";
import { stateName } from "./i18n.js";
import { OfferText } from "./offer_text.js";
import { QueryBuilder, queryableFields } from "./query_builder.js";
import { UsageReceipt } from "./usage_receipt.js";
import { ContractSelect, useUsableContracts } from "./contract_choice.js";
import { count, percent } from "./format.js";
import { FilterSelect, Pager, SearchBox, usePagedList } from "./paging.js";
import { Tabs, useUrlTab } from "./tabs.js";
import { useUrlParams } from "./url_state.js";

const html = htm.bind(h);
const short = (id) => (id ? id.slice(-8) : "-");

function QualityTable({ t, quality }) {
  return html`
    <p>${t("rowsIn")} ${quality.rows_in} → ${t("rowsOut")} ${quality.rows_out} · ${t("duplicates")} ${quality.duplicates} · ${t("malformed")} ${quality.malformed}</p>
    <table data-testid="quality">
      <thead><tr><th>${t("field")}</th><th>${t("completeness")}</th><th>${t("validity")}</th><th>${t("uniqueness")}</th><th>${t("invalid")}</th></tr></thead>
      <tbody>${quality.fields.map((f) => html`<tr key=${f.name}><td>${f.name}</td><td>${percent(f.completeness)}</td><td>${percent(f.validity)}</td><td>${percent(f.uniqueness)}</td><td>${f.invalid}</td></tr>`)}</tbody>
    </table>`;
}

function ProductDetail({ t, me, id, onContract }) {
  const product = useLoad(`/api/v1/dataspace/products/${id}`, 0);
  const preview = useLoad(`/api/v1/dataspace/products/${id}/preview`, 0);
  const { run, error } = useAction();
  const request = (offer) =>
    run(async () => {
      await api("POST", `/api/v1/dataspace/offers/${offer.id}/contracts`);
      onContract();
    });
  if (product.error) return html`<${ErrorBox} error=${product.error} />`;
  if (!product.data) return html`<p>${t("loading")}</p>`;
  const p = product.data;
  return html`
    <div data-testid="product-detail">
      <h3>${p.title}</h3>
      <p>${p.description}</p>
      <p>${t("provider")}: ${p.provider_name} · ${p.rows} ${t("rows")} · ${t("updateFrequency")}: ${p.update_frequency} · ${t("licence")}: ${p.licence || "-"}</p>
      <p class="hint">output sha256 <code>${p.output_sha256}</code></p>
      <h3>${t("fields")}</h3>
      <table>
        <thead><tr><th>${t("field")}</th><th>${t("label")}</th><th>${t("type")}</th><th>${t("sensitivity")}</th></tr></thead>
        <tbody>${p.fields.map((f) => html`<tr key=${f.name}><td>${f.name}</td><td>${f.label || ""}</td><td>${f.type}</td><td><span class=${`sens sens-${f.sensitivity}`}>${f.sensitivity}</span></td></tr>`)}</tbody>
      </table>
      <h3>${t("qualityReport")}</h3>
      <${QualityTable} t=${t} quality=${p.quality} />
      <h3>${t("maskedPreview")}</h3>
      <${ErrorBox} error=${preview.error} />
      ${
        preview.data &&
        html`<table data-testid="preview">
        <thead><tr>${p.fields.map((f) => html`<th>${f.label || f.name}</th>`)}</tr></thead>
        <tbody>${preview.data.rows.map((r, i) => html`<tr key=${i}>${r.map((c) => html`<td>${c === null ? "∅" : c}</td>`)}</tr>`)}</tbody>
      </table>`
      }
      <h3>${t("offers")}</h3>
      <${ErrorBox} error=${error} />
      ${p.offers.map(
        (o) => html`<div class="card" key=${o.id} data-testid="offer">
        <h3>${o.title}</h3>
        <${OfferText} t=${t} policy=${o.policy} fields=${p.fields} />
        ${me.org.id !== p.provider_id && me.role !== "viewer" && html`<button data-testid="request-contract" onClick=${() => request(o)}>${t("requestContract")}</button>`}
      </div>`,
      )}
      ${p.offers.length === 0 && html`<p>${t("noOffers")}</p>`}
    </div>`;
}

// The catalog pages and searches on the server; the search, the page and the
// product open are in the URL.
function Catalog({ t, me, lang, onContract }) {
  const url = useUrlParams();
  const [params, setParams] = url;
  const products = usePagedList("/api/v1/dataspace/products", ["q"], url);
  if (params.product) {
    return html`<button class="link" onClick=${() => setParams({ ...params, product: "" })}>← ${t("backToCatalog")}</button>
      <${ProductDetail} t=${t} me=${me} id=${params.product} onContract=${onContract} />`;
  }
  const page = products.page;
  return html`
    <form class="card filters" role="search" onSubmit=${(e) => e.preventDefault()}>
      <${SearchBox} list=${products} label=${t("searchCatalog")} testid="catalog-search" />
    </form>
    <${ErrorBox} error=${products.error} />
    ${page && page.items.length === 0 && html`<p class="empty">${t("nothingMatches")}</p>`}
    ${
      page &&
      page.items.length > 0 &&
      html`<table data-testid="products">
      <thead><tr><th>${t("title")}</th><th>${t("provider")}</th><th>${t("rows")}</th><th>${t("updateFrequency")}</th><th>${t("tags")}</th></tr></thead>
      <tbody>${page.items.map(
        (p) => html`<tr key=${p.id}>
        <td><button class="link" onClick=${() => setParams({ ...params, product: p.id })}>${p.title}</button></td><td>${p.provider_name}</td><td>${count(p.rows, lang)}</td><td>${p.update_frequency}</td><td>${p.tags.join(" · ")}</td></tr>`,
      )}</tbody>
    </table>`
    }
    <${Pager} t=${t} lang=${lang} list=${products} testid="catalog-pager" />`;
}

const DEFAULT_SPEC = JSON.stringify(
  { steps: [{ op: "trim" }, { op: "normalize", form: "NFKC" }, { op: "dedupe" }] },
  null,
  2,
);

function Sources({ t }) {
  const [reload, setReload] = useState(0);
  const sources = useLoad("/api/v1/dataspace/sources?limit=100", reload);
  const pipelines = useLoad("/api/v1/dataspace/pipelines?limit=100", reload);
  const [form, setForm] = useState({ name: "", csv: "" });
  const [pipe, setPipe] = useState({ name: "", source_id: "", spec: DEFAULT_SPEC });
  const [run, setRun] = useState(null);
  const [title, setTitle] = useState("");
  const [published, setPublished] = useState(null);
  const action = useAction();
  const act = (fn) =>
    action.run(async () => {
      await fn();
      setReload((x) => x + 1);
    });
  const readFile = (e) => {
    const file = e.target.files[0];
    if (file) file.text().then((csv) => setForm({ name: form.name || file.name, csv }));
  };
  const addSource = (e) => {
    e.preventDefault();
    act(() => api("POST", "/api/v1/dataspace/sources", form));
  };
  const addPipeline = (e) => {
    e.preventDefault();
    act(async () => {
      let spec;
      try {
        spec = JSON.parse(pipe.spec);
      } catch (err) {
        throw new Error(`spec: ${err.message}`);
      }
      await api("POST", "/api/v1/dataspace/pipelines", {
        name: pipe.name,
        source_id: pipe.source_id,
        spec,
      });
    });
  };
  const runPipeline = (p) =>
    act(async () => {
      setRun(await api("POST", `/api/v1/dataspace/pipelines/${p.id}/runs`));
    });
  const publish = (e) => {
    e.preventDefault();
    act(async () => {
      setPublished(await api("POST", "/api/v1/dataspace/products", { run_id: run.id, title }));
    });
  };
  return html`
    <${ErrorBox} error=${sources.error || pipelines.error || action.error} />
    <form class="card" onSubmit=${addSource} data-testid="source-form">
      <h3>${t("newSource")}</h3>
      <label>${t("name")} <input name="name" value=${form.name} onInput=${(e) => setForm({ ...form, name: e.target.value })} /></label>
      <label>CSV <input name="csv" type="file" accept=".csv,text/csv" onChange=${readFile} /></label>
      <button type="submit" disabled=${!form.csv}>${t("upload")}</button>
    </form>
    <h3>${t("mySources")}</h3>
    ${sources.data && sources.data.items.length === 0 && html`<p class="empty" data-testid="sources-empty">${t("empty_sources")}</p>`}
    ${
      sources.data &&
      sources.data.items.length > 0 &&
      html`<table data-testid="sources">
      <thead><tr><th>${t("name")}</th><th>${t("origin")}</th><th>${t("bytes")}</th><th>${t("fields")}</th><th>sha256</th></tr></thead>
      <tbody>${sources.data.items.map(
        (s) => html`<tr key=${s.id}><td>${s.name}</td><td>${s.origin}</td><td>${s.bytes}</td>
        <td>${s.fields.map((f) => `${f.name}:${f.type}`).join(", ")}</td><td><code>${s.sha256.slice(0, 16)}…</code></td></tr>`,
      )}</tbody>
    </table>`
    }
    <form class="card" onSubmit=${addPipeline} data-testid="pipeline-form">
      <h3>${t("newPipeline")}</h3>
      <label>${t("name")} <input name="pipeline_name" value=${pipe.name} onInput=${(e) => setPipe({ ...pipe, name: e.target.value })} /></label>
      <label>${t("source")} <select name="source_id" value=${pipe.source_id} onChange=${(e) => setPipe({ ...pipe, source_id: e.target.value })}>
        <option value="">-</option>
        ${sources.data && sources.data.items.map((s) => html`<option value=${s.id}>${s.name}</option>`)}
      </select></label>
      <label class="wide">spec <textarea name="spec" rows="6" value=${pipe.spec} onInput=${(e) => setPipe({ ...pipe, spec: e.target.value })}></textarea></label>
      <button type="submit">${t("create")}</button>
    </form>
    <h3>${t("myPipelines")}</h3>
    ${pipelines.data && pipelines.data.items.length === 0 && html`<p class="empty" data-testid="pipelines-empty">${t("empty_pipelines")}</p>`}
    ${
      pipelines.data &&
      pipelines.data.items.length > 0 &&
      html`<table data-testid="pipelines">
      <thead><tr><th>${t("name")}</th><th>${t("steps")}</th><th></th></tr></thead>
      <tbody>${pipelines.data.items.map(
        (
          p,
        ) => html`<tr key=${p.id}><td>${p.name}</td><td>${(p.spec.steps || []).map((s) => s.op).join(" → ")}</td>
        <td><button data-testid="run" onClick=${() => runPipeline(p)}>${t("runPipeline")}</button></td></tr>`,
      )}</tbody>
    </table>`
    }
    ${
      run &&
      html`<div class="card" data-testid="run-result">
      <h3>${t("runResult")} ${short(run.id)} · ledger #${run.ledger_seq}</h3>
      <${QualityTable} t=${t} quality=${run.quality} />
      <form onSubmit=${publish}>
        <label>${t("title")} <input name="title" value=${title} onInput=${(e) => setTitle(e.target.value)} /></label>
        <button type="submit">${t("publish")}</button>
      </form>
      ${published && html`<p class="ok" data-testid="published">${t("published")}: ${published.title} (${published.rows} ${t("rows")})</p>`}
    </div>`
    }`;
}

const CONTRACT_STATES = [
  "requested",
  "offered",
  "accepted",
  "agreed",
  "verified",
  "finalized",
  "terminated",
];

function Contracts({ t, me, lang }) {
  const [reload, setReload] = useState(0);
  const contracts = usePagedList(
    "/api/v1/dataspace/contracts",
    ["q", "state", "side"],
    useUrlParams(),
    {
      reloadKey: reload,
    },
  );
  const name = useOrgNames();
  const { run, error } = useAction();
  // An organisation that holds its own key signs here, with the key in this browser:
  // the provider the agreement draft, the consumer the stored agreement.
  const signed = async (c, verb) => {
    const org = await api("GET", `/api/v1/orgs/${me.org.id}`);
    if (org.key_custody !== "self") return undefined;
    if (verb === "agree") {
      const { agreement } = await api("GET", `/api/v1/dataspace/contracts/${c.id}/agreement-draft`);
      return { agreement, signature: await signAgreement(org, agreement, "provider", c.id) };
    }
    const { agreement } = await api("GET", `/api/v1/dataspace/contracts/${c.id}`);
    return { signature: await signAgreement(org, agreement, "consumer", c.id) };
  };
  const step = (c, verb, body) =>
    run(async () => {
      if (verb === "agree" || verb === "verify") body = await signed(c, verb);
      await api("POST", `/api/v1/dataspace/contracts/${c.id}/${verb}`, body);
      setReload(reload + 1);
    });
  const actions = (c) => {
    const provider = c.provider_id === me.org.id;
    const next = provider
      ? { requested: "offer", accepted: "agree", verified: "finalize" }[c.state]
      : { offered: "accept", agreed: "verify" }[c.state];
    return html`
      ${next && html`<button data-testid=${`step-${next}`} onClick=${() => step(c, next)}>${t(`step_${next}`)}</button>`}
      ${c.state !== "terminated" && html`<${ConfirmButton} className="link" question=${t("q_terminateContract")} t=${t} onConfirm=${() => step(c, "terminate", { reason: t("terminatedInConsole") })} label=${t("terminate")} />`}`;
  };
  return html`
    <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
      <${SearchBox} list=${contracts} label=${t("contractSearch")} testid="contracts-search" />
      <${FilterSelect} t=${t} list=${contracts} name="state" label=${t("state")} testid="contracts-state"
        options=${CONTRACT_STATES} optionLabel=${(s) => stateName(t, s)} />
      <${FilterSelect} t=${t} list=${contracts} name="side" label=${t("contractSide")} testid="contracts-side" all=${t("allSides")}
        options=${["provider", "consumer"]} optionLabel=${(s) => t(`side_${s}`)} />
    </form>
    <${ErrorBox} error=${contracts.error || error} />
    ${contracts.page && contracts.page.items.length === 0 && html`<p class="empty" data-testid="contracts-empty">${t(contracts.value("q") || contracts.value("state") || contracts.value("side") ? "nothingMatches" : "noContractsYet")}</p>`}
    ${
      contracts.page &&
      contracts.page.items.length > 0 &&
      html`<table data-testid="contracts">
      <thead><tr><th>${t("product")}</th><th>${t("state")}</th><th>${t("provider")}</th><th>${t("consumer")}</th><th>${t("uses")}</th><th>ε</th><th>${t("policyTerms")}</th><th>${t("agreement")}</th><th></th></tr></thead>
      <tbody>${contracts.page.items.map(
        (
          c,
        ) => html`<tr key=${c.id}><td title=${c.id}>${c.product_title}</td><td><span class=${`state state-${c.state}`} data-state=${c.state}>${stateName(t, c.state)}</span></td>
        <td>${name(c.provider_id)}</td><td>${name(c.consumer_id)}</td><td>${c.uses}</td><td>${c.epsilon_spent}</td>
        <td><${OfferText} t=${t} policy=${c.policy} /></td>
        <td>${c.agreement_sha256 ? html`<code title=${c.agreement_sha256}>${c.agreement_sha256.slice(0, 12)}…</code>` : "-"}${c.reason ? ` ${c.reason}` : ""}</td>
        <td>${me.role !== "viewer" && actions(c)}</td></tr>`,
      )}</tbody>
    </table>`
    }
    <${Pager} t=${t} lang=${lang} list=${contracts} testid="contracts-pager" />`;
}

function QueryConsole({ t, me }) {
  const choice = useUsableContracts("aggregate_query");
  const usable = choice.items;
  const [form, setForm] = useState({
    contract: "",
    sql: "SELECT district, COUNT(*) FROM data GROUP BY district",
    purpose: "research",
    region: "330100",
    epsilon: 0.1,
  });
  const [answer, setAnswer] = useState(null);
  const { run, error } = useAction();
  const chosen = usable.find((c) => c.id === form.contract) || usable[0];
  const contract = chosen ? chosen.id : "";
  const loaded = useLoad(chosen ? `/api/v1/dataspace/products/${chosen.product_id}` : null, 0);
  const product =
    loaded.data && chosen && loaded.data.id === chosen.product_id ? loaded.data : null;
  const set = (k) => (e) =>
    setForm({ ...form, [k]: k === "epsilon" ? Number(e.target.value) : e.target.value });
  const query = (e) => {
    e.preventDefault();
    run(async () => {
      const result = await api("POST", `/api/v1/dataspace/contracts/${contract}/queries`, {
        sql: form.sql,
        purpose: form.purpose,
        region: form.region,
        epsilon: form.epsilon,
      });
      setAnswer({ ...result, sql: form.sql, contract: chosen, product });
    });
  };
  return html`
    <${ErrorBox} error=${loaded.error} />
    <form class="card" onSubmit=${query} data-testid="query-form">
      <h3>${t("queryConsole")}</h3>
      <${ContractSelect} t=${t} choice=${choice} value=${contract} onChange=${(id) => setForm({ ...form, contract: id })} />
      <label>${t("purpose")} <input name="purpose" value=${form.purpose} onInput=${set("purpose")} /></label>
      <label>${t("region")} <input name="region" value=${form.region} onInput=${set("region")} /></label>
      <label>ε <input name="epsilon" type="number" step="0.01" class="small" value=${form.epsilon} onInput=${set("epsilon")} /></label>
      ${product && html`<${QueryBuilder} key=${contract} t=${t} fields=${queryableFields(product, chosen.policy)} onSql=${(sql) => setForm((f) => ({ ...f, sql }))} />`}
      <label class="wide">SQL <textarea name="sql" rows="3" value=${form.sql} onInput=${set("sql")}></textarea></label>
      <button type="submit" disabled=${!contract}>${t("runQuery")}</button>
      <p class="hint">${t("channelHint")}</p>
      <${ErrorBox} error=${error} />
    </form>
    ${choice.loaded && usable.length === 0 && !choice.searched && html`<p class="empty" data-testid="no-usable-contract">${t("noUsableContract")}</p>`}
    ${
      answer &&
      html`
      <p data-testid="budget">${t("epsilonSpent")} ${answer.epsilon} · ${t("budgetLeft")} <strong>${answer.epsilon_left}</strong> · ${t("groupThreshold")} ${answer.threshold} · δ ${answer.delta}${answer.uses_left !== null ? ` · ${t("usesLeft")} ${answer.uses_left}` : ""}</p>
      <table data-testid="answer">
        <thead><tr>${answer.columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
        <tbody>${answer.rows.map((r, i) => html`<tr key=${i}>${r.map((c) => html`<td>${c === null ? "∅" : String(c)}</td>`)}</tr>`)}</tbody>
      </table>
      <${UsageReceipt} key=${answer.usage.id} t=${t} me=${me} usage=${answer.usage} sql=${answer.sql} contract=${answer.contract} product=${answer.product} />`
    }`;
}

const TABS = ["catalogTab", "sourcesTab", "contractsTab", "queryTab"];

export function DataSpacePage({ t, me, lang }) {
  const tabs = TABS.filter((x) => x !== "sourcesTab" || me.org.kind === "data_holder");
  const [tab, open] = useUrlTab(tabs);
  return html`
    <section>
      <h2>${t("dataspace")}</h2>
      <${Tabs} keys=${tabs} tab=${tab} open=${open} label=${t} />
      ${tab === "catalogTab" && html`<${Catalog} t=${t} me=${me} lang=${lang} onContract=${() => open("contractsTab")} />`}
      ${tab === "sourcesTab" && html`<${Sources} t=${t} />`}
      ${tab === "contractsTab" && html`<${Contracts} t=${t} me=${me} lang=${lang} />`}
      ${tab === "queryTab" && html`<${QueryConsole} t=${t} me=${me} />`}
    </section>`;
}
