// The Qiantang console: sign-in, a navigation shell with one section per
// module, and the organisations page. Plain ES modules, Preact + htm, no build.
import { h, render } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api, ApiError, savedToken, saveToken } from "./api.js";
import { useLang } from "./i18n.js";
import { LedgerPage } from "./ledger.js";
import { AccountPage } from "./account.js";
import { ComputePage } from "./compute.js";
import { DataSpacePage } from "./dataspace.js";
import { ExchangePage } from "./exchange.js";
import { PrivacyPage } from "./privacy.js";
import { IdentityPage } from "./identity.js";
import { MatchPage } from "./match.js";
import { FederationPage } from "./federation.js";
import { Dashboard } from "./dashboard.js";
import { ErrorBox } from "./error_box.js";
import { localTime } from "./format.js";
import { useAction } from "./hooks.js";
import { currentSection, useUrlParams } from "./url_state.js";
import { Pager, SearchBox, usePagedList } from "./paging.js";
import { Toast } from "./toast.js";

const html = htm.bind(h);

const SECTIONS = [
  "overview",
  "orgs",
  "compute",
  "dataspace",
  "privacy",
  "exchange",
  "ledger",
  "federation",
  "match",
  "identity",
  "account",
];
const KINDS = [
  "operator",
  "compute_provider",
  "enterprise",
  "data_holder",
  "institution",
  "service",
  "authority",
];

function SignIn({ onSignedIn, t }) {
  const [token, setToken] = useState("");
  const { run, busy, error } = useAction();
  const submit = (e) => {
    e.preventDefault();
    run(async () => {
      saveToken(token.trim());
      try {
        onSignedIn(await api("GET", "/api/v1/whoami"));
      } catch (err) {
        saveToken("");
        throw err;
      }
    });
  };
  return html`
    <form class="signin" onSubmit=${submit}>
      <h1>${t("appName")}</h1>
      <label for="token">${t("tokenLabel")}</label>
      <input id="token" name="token" type="password" autocomplete="off" placeholder="qt_..."
             value=${token} onInput=${(e) => setToken(e.target.value)} />
      <p class="hint">${t("tokenHint")}</p>
      <button type="submit" disabled=${busy || !token.trim()}>${t("signIn")}</button>
      <${ErrorBox} error=${error} />
    </form>`;
}

function NewOrgForm({ t, onCreated }) {
  const [form, setForm] = useState({ name: "", kind: "enterprise", credit_code: "" });
  const { run, error } = useAction();
  const [created, setCreated] = useState(null);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const submit = (e) => {
    e.preventDefault();
    run(async () => {
      setCreated(await api("POST", "/api/v1/orgs", form));
      setForm({ name: "", kind: form.kind, credit_code: "" });
      onCreated();
    });
  };
  return html`
    <form class="card new-org" onSubmit=${submit}>
      <h3>${t("newOrg")}</h3>
      <label>${t("name")} <input name="name" value=${form.name} onInput=${set("name")} /></label>
      <label>${t("kind")}
        <select name="kind" value=${form.kind} onChange=${set("kind")}>
          ${KINDS.filter((k) => k !== "operator").map((k) => html`<option value=${k}>${k}</option>`)}
        </select>
      </label>
      <label>${t("creditCode")} <input name="credit_code" value=${form.credit_code} onInput=${set("credit_code")} maxlength="18" /></label>
      <button type="submit">${t("create")}</button>
      <${ErrorBox} error=${error} />
      ${created && html`<p class="ok">${created.name}: ${t("adminToken")} <code data-testid="new-token">${created.admin_token.secret}</code></p>`}
    </form>`;
}

function OrgsPage({ t, me, lang }) {
  const url = useUrlParams();
  const [params] = url;
  const [reloadKey, setReloadKey] = useState(0);
  const orgs = usePagedList("/api/v1/orgs", ["kind", "name"], url, { reloadKey });
  const page = orgs.page;
  const canCreate = me.org.kind === "operator" && me.role === "admin";
  return html`
    <section>
      <h2>${t("orgs")}</h2>
      ${canCreate && html`<${NewOrgForm} t=${t} onCreated=${() => setReloadKey(reloadKey + 1)} />`}
      <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
        <${SearchBox} list=${orgs} name="name" label=${t("searchByName")} testid="orgs-search" />
        <label>${t("kind")}
          <select name="kind-filter" value=${params.kind || ""} data-testid="orgs-kind"
                  onChange=${(e) => orgs.setFilter("kind", e.target.value)}>
            <option value="">${t("allKinds")}</option>
            ${KINDS.map((k) => html`<option value=${k}>${t(`kind_${k}`)}</option>`)}
          </select>
        </label>
      </form>
      <${ErrorBox} error=${orgs.error} />
      ${!page && !orgs.error && html`<p>${t("loading")}</p>`}
      ${page && page.items.length === 0 && html`<p class="empty">${t("noOrgsMatch")}</p>`}
      ${
        page &&
        page.items.length > 0 &&
        html`
        <table class="orgs" data-testid="orgs-table">
          <thead><tr><th>${t("name")}</th><th>${t("kind")}</th><th>${t("creditCode")}</th><th>${t("created")}</th></tr></thead>
          <tbody>
            ${page.items.map(
              (o) => html`
              <tr key=${o.id} title=${o.id}>
                <td>${o.name}</td><td><span class=${`kind kind-${o.kind}`}>${t(`kind_${o.kind}`)}</span></td>
                <td><code>${o.credit_code}</code></td><td>${localTime(o.created_at, lang)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
      }
      <${Pager} t=${t} lang=${lang} list=${orgs} testid="orgs-pager" />
    </section>`;
}

// The console's sections and the page each shows ("" and unknown: the dashboard).
const PAGES = {
  orgs: OrgsPage,
  ledger: LedgerPage,
  federation: FederationPage,
  compute: ComputePage,
  dataspace: DataSpacePage,
  exchange: ExchangePage,
  privacy: PrivacyPage,
  identity: IdentityPage,
  match: MatchPage,
  account: AccountPage,
};

function Shell({ me, onSignOut, lang }) {
  const [section, setSection] = useState(currentSection() || "overview");
  useEffect(() => {
    const onHash = () => setSection(currentSection() || "overview");
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  // On a phone the navigation folds away behind the menu button.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [section]);
  const { t, toggle } = lang;
  const Page = PAGES[section] ?? Dashboard;
  const page = html`<${Page} t=${t} lang=${lang.lang} me=${me} />`;
  return html`
    <div class="shell">
      <header>
        <button class="link menu-toggle" aria-expanded=${menuOpen} aria-controls="sections"
                onClick=${() => setMenuOpen(!menuOpen)}>☰ ${t("menu")}</button>
        <span class="brand">${t("appName")}</span>
        <span class="who" data-testid="who">${me.org.name}</span>
        <button class="link" onClick=${toggle}>${t("language")}</button>
        <button class="link" onClick=${onSignOut}>${t("signOut")}</button>
      </header>
      <nav id="sections" class=${menuOpen ? "" : "closed"} aria-label=${t("sections")}>
        ${SECTIONS.map((s) => html`<a href=${`#${s}`} class=${s === section ? "active" : ""} data-section=${s}>${t(s)}</a>`)}
      </nav>
      <main>${page}</main>
      <${Toast} t=${t} />
    </div>`;
}

function App() {
  const lang = useLang();
  const [me, setMe] = useState(null);
  const [checking, setChecking] = useState(!!savedToken());
  useEffect(() => {
    if (!savedToken()) return;
    api("GET", "/api/v1/whoami")
      .then(setMe)
      .catch((e) => {
        if (e instanceof ApiError && e.status === 401) saveToken("");
      })
      .finally(() => setChecking(false));
  }, []);
  if (checking) return html`<p>${lang.t("loading")}</p>`;
  if (!me) return html`<${SignIn} onSignedIn=${setMe} t=${lang.t} />`;
  return html`<${Shell} me=${me} lang=${lang} onSignOut=${() => {
    saveToken("");
    setMe(null);
  }} />`;
}

render(html`<${App} />`, document.getElementById("app"));
