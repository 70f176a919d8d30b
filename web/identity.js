// Citizen and talent codes in the console. Everyone sees the figures and the
// 18 categories with what each may read; authorities enrol citizens, set
// talent statuses, revoke and print static cards; service organisations
// register terminals (the key is made on the terminal: `qiantang code terminal
// register`), download the signed lists and see their scans; the operator
// rotates the code signing key. Citizens use citizen.html with their app token.
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useLoad } from "./hooks.js";
import { ConfirmButton } from "./confirm_button.js";
import { stateName } from "./i18n.js";
import { Pager, usePagedList } from "./paging.js";
import { useUrlParams } from "./url_state.js";
import { newTerminalKey, terminalFile } from "./terminal_key.js";
import { count, localMinute } from "./format.js";

const html = htm.bind(h);
const CONCESSIONS = ["none", "elderly", "student", "disabled", "veteran"];

function Figures({ t, lang }) {
  const stats = useLoad("/api/v1/identity/stats", 0);
  const categories = useLoad("/api/v1/identity/categories", 0);
  const s = stats.data;
  return html`
    <${ErrorBox} error=${stats.error || categories.error} />
    ${
      s &&
      html`<div class="tiles" data-testid="identity-stats">
      ${["citizens", "talents", "revoked", "terminals", "scans", "codes"].map((k) => html`<div class="tile"><div class="n">${count(s[k], lang)}</div><div>${t(`id_${k}`)}</div></div>`)}
    </div>`
    }
    <h3>${t("serviceCategories")}</h3>
    ${
      categories.data &&
      html`<table data-testid="categories"><thead><tr><th>#</th><th>${t("category")}</th><th>${t("mayRead")}</th></tr></thead>
      <tbody>${categories.data.items.map((c) => html`<tr><td>${c.number}</td><td>${c.name} <span class="hint">${c.code}</span></td><td>${c.claims.join(", ")}</td></tr>`)}</tbody></table>`
    }`;
}

function EnrolForm({ t, onDone }) {
  const [form, setForm] = useState({
    name: "",
    resident_id: "",
    district: "西湖区",
    concession: "none",
  });
  const { run, error } = useAction();
  const [done, setDone] = useState(null);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const submit = (e) => {
    e.preventDefault();
    run(async () => {
      setDone(await api("POST", "/api/v1/identity/citizens", form));
      setForm({ ...form, name: "", resident_id: "" });
      onDone();
    });
  };
  return html`<form class="card" onSubmit=${submit} data-testid="enrol-form">
    <h3>${t("enrolCitizen")}</h3>
    <label>${t("name")} <input name="name" value=${form.name} onInput=${set("name")} /></label>
    <label>${t("residentId")} <input name="resident_id" value=${form.resident_id} onInput=${set("resident_id")} maxlength="18" /></label>
    <label>${t("district")} <input name="district" value=${form.district} onInput=${set("district")} /></label>
    <label>${t("concession")} <select name="concession" value=${form.concession} onChange=${set("concession")}>${CONCESSIONS.map((c) => html`<option value=${c}>${c}</option>`)}</select></label>
    <button type="submit">${t("enrol")}</button>
    <${ErrorBox} error=${error} />
    ${done && html`<p class="ok" data-testid="enrolled">${done.citizen.name_masked} · ${done.citizen.id}<br />${t("citizenToken")}: <code>${done.token}</code></p>`}
  </form>`;
}

// A register (CSV: name,resident_id,district[,concession]) enrolled at once,
// all or none. The citizens' app tokens come back once, as a CSV file to
// download (citizen_id,token) and hand out.
function ImportForm({ t, onDone }) {
  const { run, error } = useAction();
  const [tokens, setTokens] = useState(null); // {count, url}
  const submit = (e) => {
    e.preventDefault();
    const form = e.target;
    run(async () => {
      const file = form.elements.register.files[0];
      if (!file) throw new Error(t("chooseFile"));
      const out = await api(
        "POST",
        "/api/v1/identity/citizens/import",
        await file.text(),
        "text/csv",
      );
      const lines = ["citizen_id,token", ...out.items.map((x) => `${x.citizen.id},${x.token}`)];
      if (tokens) URL.revokeObjectURL(tokens.url);
      setTokens({
        count: out.count,
        url: URL.createObjectURL(new Blob([`${lines.join("\n")}\n`], { type: "text/csv" })),
      });
      form.reset();
      onDone();
    });
  };
  return html`<form class="card" onSubmit=${submit} data-testid="import-form">
    <h3>${t("importRegister")}</h3>
    <label>${t("registerFile")} <input type="file" name="register" accept=".csv,text/csv" data-testid="register-file" /></label>
    <button type="submit">${t("importButton")}</button>
    <${ErrorBox} error=${error} />
    ${tokens && html`<p class="ok" data-testid="imported">${t("imported")} ${tokens.count} · <a href=${tokens.url} download="citizen-tokens.csv" data-testid="tokens-file">${t("downloadTokens")}</a></p>`}
    <p class="hint">${t("importHint")}</p>
  </form>`;
}

function CitizenRow({ t, c, onChange }) {
  const [talent, setTalent] = useState({
    category: c.talent_category || "C",
    valid_until: c.talent_until || "2028-12-31",
  });
  const [card, setCard] = useState(null);
  const { run, error } = useAction();
  const act = (fn) => () =>
    run(async () => {
      await fn();
      onChange();
    });
  const setStatus = act(() => api("POST", `/api/v1/identity/citizens/${c.id}/talent`, talent));
  const revoke = act(async () => {
    const reason = prompt(t("revokeReason"));
    if (reason) await api("POST", `/api/v1/identity/citizens/${c.id}/revoke`, { reason });
  });
  const print = act(async () =>
    setCard(await api("POST", `/api/v1/identity/citizens/${c.id}/static-code`)),
  );
  const active = c.status === "active";
  return html`<tr>
    <td title=${c.id}>${c.name_masked}</td><td>${c.district}</td><td>${c.birth_year}</td><td>${c.concession}</td>
    <td>${c.talent_category ? `${c.talent_category} → ${c.talent_until}` : "-"}</td>
    <td class=${active ? "" : "warn"} data-state=${c.status}>${stateName(t, c.status)}${c.revoke_reason ? ` (${c.revoke_reason})` : ""}</td>
    <td>${
      active &&
      html`
      <select value=${talent.category} onChange=${(e) => setTalent({ ...talent, category: e.target.value })}>${["A", "B", "C", "D", "E"].map((x) => html`<option>${x}</option>`)}</select>
      <input type="date" value=${talent.valid_until} onInput=${(e) => setTalent({ ...talent, valid_until: e.target.value })} />
      <button type="button" onClick=${setStatus}>${t("setTalent")}</button>
      <button type="button" onClick=${print}>${t("staticCard")}</button>
      <${ConfirmButton} label=${t("revokeCitizen")} question=${t("q_revokeCitizen")} t=${t} onConfirm=${revoke} />`
    }
      <${ErrorBox} error=${error} />
      ${card && html`<div class="code-qr"><img alt=${card.serial} src=${`data:image/png;base64,${card.png_base64}`} /><div>${card.serial} · ${t("validUntil")} ${localMinute(card.expires_at)}</div></div>`}
    </td></tr>`;
}

// Hangzhou's county-level divisions, as citizens' districts are enrolled.
const DISTRICTS = [
  "上城区",
  "拱墅区",
  "西湖区",
  "滨江区",
  "萧山区",
  "余杭区",
  "临平区",
  "钱塘区",
  "富阳区",
  "临安区",
  "桐庐县",
  "淳安县",
  "建德市",
];

// One citizen found by resident ID. The ID is sent once and kept out of the
// URL; the server finds the citizen through its keyed hash.
function FindByResidentId({ t, onChange }) {
  const [rid, setRid] = useState("");
  const [found, setFound] = useState(null);
  const { run, error, setError } = useAction();
  const lookUp = async () => {
    const page = await api(
      "GET",
      `/api/v1/identity/citizens?limit=1&resident_id=${encodeURIComponent(rid.trim())}`,
    );
    setFound(page.items);
  };
  const find = (e) => {
    e.preventDefault();
    run(async () => {
      setFound(null);
      await lookUp();
    });
  };
  // The citizen found shows a change made on its row at once.
  const changed = () => {
    onChange();
    lookUp().catch(setError);
  };
  return html`<form class="filters" onSubmit=${find}>
    <label>${t("findByResidentId")} <input name="resident_id" autocomplete="off" maxlength="18" value=${rid}
      data-testid="resident-id" onInput=${(e) => setRid(e.target.value)} /></label>
    <button type="submit" data-testid="resident-find">${t("search")}</button>
    <${ErrorBox} error=${error} />
    ${found && found.length === 0 && html`<p class="empty" data-testid="resident-none">${t("nothingMatches")}</p>`}
    ${found && found.length > 0 && html`<table data-testid="resident-found"><tbody>${found.map((c) => html`<${CitizenRow} key=${c.id} t=${t} c=${c} onChange=${changed} />`)}</tbody></table>`}
  </form>`;
}

function AuthorityTab({ t, lang }) {
  const [reload, setReload] = useState(0);
  const url = useUrlParams();
  const [params] = url;
  const list = usePagedList(
    "/api/v1/identity/citizens",
    ["district", "talent_category", "status"],
    url,
    { reloadKey: reload },
  );
  const select = (name, caption, all, values, label) => html`<label>${t(caption)}
    <select name=${name} value=${params[name] || ""} data-testid=${`citizens-${name}`} onChange=${(e) => list.setFilter(name, e.target.value)}>
      <option value="">${t(all)}</option>
      ${values.map((v) => html`<option value=${v}>${label(v)}</option>`)}
    </select></label>`;
  return html`
    <${EnrolForm} t=${t} onDone=${() => setReload(reload + 1)} />
    <${ImportForm} t=${t} onDone=${() => setReload(reload + 1)} />
    <h3>${t("citizens")}</h3>
    <${FindByResidentId} t=${t} onChange=${() => setReload(reload + 1)} />
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      ${select("district", "district", "allDistricts", DISTRICTS, (d) => d)}
      ${select("talent_category", "talent", "allCategories", ["A", "B", "C", "D", "E"], (c) => c)}
      ${select("status", "status", "allStates", ["active", "revoked"], (s) => stateName(t, s))}
    </form>
    <${ErrorBox} error=${list.error} />
    ${list.page && list.page.items.length === 0 && html`<p class="empty">${t("nothingMatches")}</p>`}
    ${
      list.page &&
      list.page.items.length > 0 &&
      html`<table data-testid="citizens"><thead><tr><th>${t("name")}</th><th>${t("district")}</th><th>${t("born")}</th><th>${t("concession")}</th><th>${t("talent")}</th><th>${t("status")}</th><th></th></tr></thead>
      <tbody>${list.page.items.map((c) => html`<${CitizenRow} key=${c.id} t=${t} c=${c} onChange=${() => setReload(reload + 1)} />`)}</tbody></table>`
    }
    <${Pager} t=${t} lang=${lang} list=${list} testid="citizens-pager" />`;
}

function ServiceTab({ t, lang }) {
  const [reload, setReload] = useState(0);
  const terminals = useLoad("/api/v1/identity/terminals", reload);
  const scanPages = usePagedList("/api/v1/identity/scans", [], useUrlParams(), {
    reloadKey: reload,
  });
  const scans = { data: scanPages.page, error: scanPages.error };
  const categories = useLoad("/api/v1/identity/categories", 0);
  const categoryName = (code) => categories.data?.items.find((c) => c.code === code)?.name ?? code;
  const [form, setForm] = useState({ category: "bus", name: "", public_key: "" });
  const [key, setKey] = useState(null); // made here: its seed never goes to the server
  const [file, setFile] = useState(null); // {name, url} of the terminal file to download
  const { run, error } = useAction();
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const makeKey = () =>
    run(async () => {
      const made = await newTerminalKey().catch(() => {
        throw new Error(t("noBrowserKeys"));
      });
      setKey(made);
      setForm({ ...form, public_key: made.publicKey });
    });
  const submit = (e) => {
    e.preventDefault();
    run(async () => {
      const made = await api("POST", "/api/v1/identity/terminals", form);
      if (key && key.publicKey === form.public_key) {
        const issuer = await api("GET", "/api/v1/identity/issuer");
        const text = terminalFile({
          server: location.origin,
          terminal: made.id,
          category: form.category,
          key,
          issuer: issuer.public_key,
        });
        if (file) URL.revokeObjectURL(file.url);
        setFile({
          name: `terminal-${made.id}.json`,
          url: URL.createObjectURL(new Blob([text], { type: "application/json" })),
        });
      }
      setKey(null);
      setForm({ ...form, name: "", public_key: "" });
      setReload(reload + 1);
    });
  };
  return html`
    <form class="card" onSubmit=${submit} data-testid="terminal-form">
      <h3>${t("registerTerminal")}</h3>
      <label>${t("category")} <select value=${form.category} onChange=${set("category")}>${categories.data && categories.data.items.map((c) => html`<option value=${c.code}>${c.name}</option>`)}</select></label>
      <label>${t("name")} <input name="name" value=${form.name} onInput=${set("name")} /></label>
      <label>${t("publicKeyHex")} <input name="public_key" value=${form.public_key} onInput=${set("public_key")} size="66" readonly=${key !== null} /></label>
      <button type="button" data-testid="make-terminal-key" onClick=${makeKey}>${t("makeKeyHere")}</button>
      <button type="submit">${t("register")}</button>
      <${ErrorBox} error=${error} />
      ${file && html`<p class="ok"><a href=${file.url} download=${file.name} data-testid="terminal-file">${t("downloadTerminalFile")}</a> — ${t("terminalFileHint")}</p>`}
      <p class="hint">${t("terminalHint")}</p>
    </form>
    <p><a href="/api/v1/identity/trust-list" download="trust-list.json">${t("trustList")}</a> · <a href="/api/v1/identity/revocations?since=0" download="revocations.json">${t("revocationList")}</a></p>
    <h3>${t("terminals")}</h3>
    ${terminals.data && terminals.data.items.length === 0 && html`<p class="empty" data-testid="terminals-empty">${t("empty_terminals")}</p>`}
    ${
      terminals.data &&
      terminals.data.items.length > 0 &&
      html`<table data-testid="terminals"><thead><tr><th>${t("name")}</th><th>${t("category")}</th><th>${t("status")}</th><th>${t("created")}</th></tr></thead>
      <tbody>${terminals.data.items.map((x) => html`<tr><td title=${x.id}>${x.name}</td><td>${categoryName(x.category)}</td><td data-state=${x.state}>${stateName(t, x.state)}</td><td>${localMinute(x.created_at)}</td></tr>`)}</tbody></table>`
    }
    <h3>${t("scans")}</h3>
    <${ErrorBox} error=${scans.error} />
    ${scans.data && scans.data.items.length === 0 && html`<p class="empty" data-testid="service-scans-empty">${t("empty_serviceScans")}</p>`}
    ${
      scans.data &&
      scans.data.items.length > 0 &&
      html`<table data-testid="service-scans"><thead><tr><th>${t("when")}</th><th>${t("terminal")}</th><th>${t("claimsRead")}</th><th>${t("check")}</th></tr></thead>
      <tbody>${scans.data.items.map((s) => html`<tr><td>${localMinute(s.scanned_at)}</td><td>${s.terminal_name}</td><td>${s.claims_read.join(", ")}</td><td class=${s.check === "ok" ? "" : "warn"} data-check=${s.check}>${t(`check_${s.check}`)}</td></tr>`)}</tbody></table>`
    }
    <${Pager} t=${t} lang=${lang} list=${scanPages} testid="scans-pager" />`;
}

function OperatorTab({ t, me }) {
  const [reload, setReload] = useState(0);
  const keys = useLoad("/api/v1/identity/keys", reload);
  const { run, error } = useAction();
  const rotate = (alg) => () =>
    run(async () => {
      await api("POST", "/api/v1/identity/keys/rotate", { alg });
      setReload(reload + 1);
    });
  return html`
    <h3>${t("signingKeys")}</h3>
    ${
      keys.data &&
      html`<table data-testid="signing-keys"><thead><tr><th>kid</th><th>alg</th><th>${t("created")}</th><th>${t("retired")}</th><th>${t("validUntil")}</th></tr></thead>
      <tbody>${keys.data.items.map((k) => html`<tr><td><code>${k.kid}</code></td><td>${k.alg}</td><td>${localMinute(k.created_at)}</td><td>${localMinute(k.retired_at)}</td><td>${localMinute(k.not_after)}</td></tr>`)}</tbody></table>`
    }
    ${me.org.kind === "operator" && me.role === "admin" && html`<p><button onClick=${rotate("EdDSA")}>${t("rotateKey")} (EdDSA)</button> <button onClick=${rotate("ES256")}>${t("rotateKey")} (ES256)</button></p>`}
    <${ErrorBox} error=${error} />`;
}

export function IdentityPage({ t, me, lang }) {
  const kind = me.org.kind;
  return html`
    <section data-testid="identity-page">
      <h2>${t("identity")}</h2>
      <p class="hint">${t("identityIntro")} <a href="/citizen.html">${t("citizenPage")}</a></p>
      <${Figures} t=${t} lang=${lang} />
      ${kind === "authority" && html`<${AuthorityTab} t=${t} lang=${lang} />`}
      ${kind === "service" && html`<${ServiceTab} t=${t} lang=${lang} />`}
      <${OperatorTab} t=${t} me=${me} />
    </section>`;
}
