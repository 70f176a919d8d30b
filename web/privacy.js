// Privacy computing in the console: PSI sessions under contracts (a consumer
// runs one in the page with its own list, which never leaves the page —
// psi_run.js; a holder starts one with its own product's column on this
// node; both watch sessions and their sizes), and secure deliveries (request,
// open with a signed receipt, and — for holders — trace a leaked copy to its
// recipient).
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useOrgNames } from "./hooks.js";
import { stateName } from "./i18n.js";
import { Tabs, useUrlTab } from "./tabs.js";
import { decimal, localMinute } from "./format.js";
import { PsiRunForm } from "./psi_run.js";
import { ContractSelect, useUsableContracts } from "./contract_choice.js";
import { ServerSelect, useServerChoice } from "./server_select.js";
import { Pager, usePagedList } from "./paging.js";
import { useUrlParams } from "./url_state.js";

const html = htm.bind(h);
const short = (id) => (id ? id.slice(-8) : "-");

function PsiTab({ t, me, lang }) {
  const [reload, setReload] = useState(0);
  const sessionPages = usePagedList("/api/v1/privacy/psi/sessions", [], useUrlParams(), {
    reloadKey: reload,
    prefix: "psi_",
  });
  const sessions = { data: sessionPages.page, error: sessionPages.error };
  const products = useServerChoice(
    `/api/v1/dataspace/products?provider_id=${encodeURIComponent(me.org.id)}`,
  );
  const choice = useUsableContracts("psi");
  const usable = choice.items;
  const name = useOrgNames();
  const [form, setForm] = useState({
    contract: "",
    column: "phone",
    product: "",
    product_column: "phone",
    output: "size",
    purpose: "共同客户识别",
  });
  const [result, setResult] = useState(null);
  const { run, error } = useAction();
  const chosen = usable.find((c) => c.id === form.contract) || usable[0];
  const contract = chosen ? chosen.id : "";
  const product =
    (products.items.find((p) => p.id === form.product) || products.items[0] || {}).id || "";
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const runLocal = (e) => {
    e.preventDefault();
    run(async () => {
      setResult(
        await api("POST", "/api/v1/privacy/psi/local", {
          contract_id: contract,
          column: form.column,
          output: form.output,
          purpose: form.purpose,
          product_id: product,
          product_column: form.product_column,
        }),
      );
      setReload(reload + 1);
    });
  };
  return html`
    ${
      (usable.length > 0 || choice.searched) &&
      me.role !== "viewer" &&
      html`<${PsiRunForm} t=${t} choice=${choice} onDone=${() => setReload((x) => x + 1)} />`
    }
    ${
      me.org.kind === "data_holder" &&
      html`<form class="card" onSubmit=${runLocal} data-testid="psi-form">
      <h3>${t("psiLocal")}</h3>
      <${ContractSelect} t=${t} choice=${choice} value=${contract} onChange=${(id) => setForm({ ...form, contract: id })} />
      <label>${t("theirColumn")} <input value=${form.column} onInput=${set("column")} /></label>
      <${ServerSelect} choice=${products} value=${product} onChange=${(id) => setForm({ ...form, product: id })}
        name="product" label=${t("product")} searchLabel=${t("productSearch")} optionLabel=${(p) => p.title} />
      <label>${t("yourColumn")} <input value=${form.product_column} onInput=${set("product_column")} /></label>
      <label>${t("output")} <select name="output" value=${form.output} onChange=${set("output")}>${["size", "intersection"].map((o) => html`<option value=${o}>${t(`psiMode_${o}`)}</option>`)}</select></label>
      <button type="submit" disabled=${!contract || !product}>${t("runPsi")}</button>
      <${ErrorBox} error=${error} />
    </form>`
    }
    <p class="hint">${t("psiCliHint")}</p>
    ${result && html`<p class="ok" data-testid="psi-result">${t("intersection")}: ${result.intersection_size} / ${result.client_size} (${t("theirs")} ${result.server_size})</p>`}
    <h3>${t("psiSessions")}</h3>
    ${sessions.data && sessions.data.items.length === 0 && html`<p class="empty" data-testid="psi-sessions-empty">${t("empty_psiSessions")}</p>`}
    ${
      sessions.data &&
      sessions.data.items.length > 0 &&
      html`<table data-testid="psi-sessions">
      <thead><tr><th>${t("session")}</th><th>${t("state")}</th><th>${t("provider")}</th><th>${t("consumer")}</th><th>${t("column")}</th><th>${t("output")}</th><th>${t("sizes")}</th><th>${t("date")}</th></tr></thead>
      <tbody>${sessions.data.items.map((s) => html`<tr key=${s.id}><td title=${s.id}>${s.id.slice(0, 8)}</td><td><span class=${`state state-${s.state}`} data-state=${s.state}>${stateName(t, s.state)}</span></td><td>${name(s.provider_id)}</td><td>${name(s.consumer_id)}</td><td>${s.column}</td><td>${s.output}</td><td>${s.server_size} × ${s.client_size}</td><td>${localMinute(s.created_at)}</td></tr>`)}</tbody>
    </table>`
    }
    <${Pager} t=${t} lang=${lang} list=${sessionPages} testid="psi-sessions-pager" />`;
}

function DeliveriesTab({ t, me, lang }) {
  const [reload, setReload] = useState(0);
  const pages = usePagedList("/api/v1/privacy/deliveries", [], useUrlParams(), {
    reloadKey: reload,
    prefix: "dlv_",
  });
  const list = { data: pages.page, error: pages.error };
  const choice = useUsableContracts("delivery");
  const usable = choice.items;
  const products = useServerChoice(
    `/api/v1/dataspace/products?provider_id=${encodeURIComponent(me.org.id)}`,
  );
  const name = useOrgNames();
  const [contract, setContract] = useState("");
  const [opened, setOpened] = useState(null);
  const [trace, setTrace] = useState({ product: "", csv: "" });
  const [traced, setTraced] = useState(null);
  const { run, error } = useAction();
  const act = (fn) =>
    run(async () => {
      await fn();
      setReload((x) => x + 1);
    });
  const chosen = (usable.find((c) => c.id === contract) || usable[0] || {}).id || "";
  const product =
    (products.items.find((p) => p.id === trace.product) || products.items[0] || {}).id || "";
  const open = (d) =>
    act(async () => {
      const file = await api("GET", `/api/v1/privacy/deliveries/${d.id}/file`);
      setOpened(
        await api("POST", "/api/v1/privacy/deliveries/receive", { file_base64: file.file_base64 }),
      );
    });
  return html`
    <${ErrorBox} error=${list.error || error} />
    ${
      (usable.length > 0 || choice.searched) &&
      html`<form class="card" onSubmit=${(e) => {
        e.preventDefault();
        act(() =>
          api("POST", "/api/v1/privacy/deliveries", {
            contract_id: chosen,
            purpose: t("deliveryPurpose"),
          }),
        );
      }}>
      <h3>${t("requestDelivery")}</h3>
      <${ContractSelect} t=${t} choice=${choice} value=${chosen} onChange=${setContract} />
      <button type="submit" disabled=${!chosen}>${t("request")}</button>
    </form>`
    }
    ${list.data && list.data.items.length === 0 && html`<p class="empty" data-testid="deliveries-empty">${t("empty_deliveries")}</p>`}
    ${
      list.data &&
      list.data.items.length > 0 &&
      html`<table data-testid="deliveries">
      <thead><tr><th>${t("delivery")}</th><th>${t("state")}</th><th>${t("provider")}</th><th>${t("recipient")}</th><th>${t("columns")}</th><th>${t("bytes")}</th><th>sha256</th><th></th></tr></thead>
      <tbody>${list.data.items.map(
        (
          d,
        ) => html`<tr key=${d.id}><td title=${d.id}>${short(d.id)}</td><td><span class=${`state state-${d.state}`} data-state=${d.state}>${stateName(t, d.state)}</span></td><td>${name(d.provider_id)}</td><td>${name(d.recipient_id)}</td><td>${d.columns.join(", ")}</td><td>${d.bytes}</td><td><code>${d.content_sha256.slice(0, 12)}…</code></td>
        <td>${d.recipient_id === me.org.id && me.role !== "viewer" && html`<button data-testid="open-delivery" onClick=${() => open(d)}>${t("openDelivery")}</button>`}</td></tr>`,
      )}</tbody>
    </table>`
    }
    <${Pager} t=${t} lang=${lang} list=${pages} testid="deliveries-pager" />
    ${
      opened &&
      html`<div class="card" data-testid="opened">
      <h3>${t("opened")} ${short(opened.id)}</h3>
      <pre class="note">${opened.csv.split("\n").slice(0, 8).join("\n")}</pre>
      <p class="hint">${t("receipt")}: <code>${opened.receipt}</code></p>
    </div>`
    }
    ${
      me.org.kind === "data_holder" &&
      html`<form class="card" data-testid="trace-form" onSubmit=${(e) => {
        e.preventDefault();
        act(async () =>
          setTraced(
            await api("POST", "/api/v1/privacy/deliveries/trace", {
              product_id: product,
              csv: trace.csv,
            }),
          ),
        );
      }}>
      <h3>${t("traceLeak")}</h3>
      <${ServerSelect} choice=${products} value=${product} onChange=${(id) => setTrace({ ...trace, product: id })}
        name="trace-product" label=${t("product")} searchLabel=${t("productSearch")} optionLabel=${(p) => p.title} />
      <label>CSV <input type="file" accept=".csv,text/csv" onChange=${(e) => e.target.files[0] && e.target.files[0].text().then((csv) => setTrace({ ...trace, csv }))} /></label>
      <button type="submit" disabled=${!trace.csv}>${t("runTrace")}</button>
    </form>`
    }
    ${
      traced &&
      html`<p class=${traced.traced ? "ok" : "error"} data-testid="traced">${
        traced.traced
          ? `${t("leakedBy")} ${name(traced.recipient_id)} · ${traced.agreeing}/${traced.cells} · ${t("confidence")} ${decimal(traced.confidence, lang, 9)}`
          : `${t("cannotTrace")}: ${traced.reason}`
      }</p>`
    }`;
}

const TABS = ["psiTab", "deliveriesTab"];

export function PrivacyPage({ t, me, lang }) {
  const [tab, open] = useUrlTab(TABS);
  return html`
    <section>
      <h2>${t("privacy")}</h2>
      <${Tabs} keys=${TABS} tab=${tab} open=${open} label=${t} />
      ${tab === "psiTab" && html`<${PsiTab} t=${t} me=${me} lang=${lang} />`}
      ${tab === "deliveriesTab" && html`<${DeliveriesTab} t=${t} me=${me} lang=${lang} />`}
    </section>`;
}
