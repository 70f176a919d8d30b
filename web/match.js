// Scenario services in the console: the tech-enterprise finance station
// (杭创E站), the scenario-innovation lists and policies that find people
// (policies.js). Everyone sees the station's figures and products; an enterprise
// sees the products it is eligible for — each clause explained, bundles —
// and its near misses with the one clause and the gap, applies, and follows
// its applications; an institution publishes products (a rule that does not
// compile is refused with its position), sees how many firms qualify and who
// is one clause away, and decides applications.
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { Clauses } from "./clauses.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useLoad } from "./hooks.js";
import { ConfirmButton } from "./confirm_button.js";
import { PoliciesTab } from "./policies.js";
import { stateName } from "./i18n.js";
import { count, decimal, yuan, yuanWithUnit } from "./format.js";
import { FilterSelect, Pager, SearchBox, usePagedList } from "./paging.js";
import { Tabs, useUrlTab } from "./tabs.js";
import { useUrlParams } from "./url_state.js";

const html = htm.bind(h);
const KINDS = ["loan", "investment", "subsidy", "guarantee", "insurance"];

function Figures({ t, lang }) {
  const stats = useLoad("/api/v1/match/finance/stats", 0);
  const s = stats.data;
  return html`<${ErrorBox} error=${stats.error} />
    ${
      s &&
      html`<div class="tiles" data-testid="finance-stats">
      <div class="tile"><div class="n">${count(s.enterprises, lang)}</div><div>${t("fm_enterprises")}</div></div>
      <div class="tile"><div class="n">${s.institutions}</div><div>${t("fm_institutions")}</div></div>
      ${KINDS.map((k) => html`<div class="tile"><div class="n">${s.products_by_kind[k] || 0}</div><div>${t(`fm_${k}`)}</div></div>`)}
      <div class="tile"><div class="n">${yuan(s.served_fen)}</div><div>${t("fm_served")}</div></div>
    </div>`
    }`;
}

function EnterpriseTab({ t, lang }) {
  const me = useLoad("/api/v1/match/finance/profile", 0);
  const [reload, setReload] = useState(0);
  const matches = useLoad(
    me.data ? `/api/v1/match/finance/enterprises/${me.data.id}/matches?limit=20` : null,
    reload,
  );
  const appPages = usePagedList("/api/v1/match/finance/applications", [], useUrlParams(), {
    reloadKey: reload,
    prefix: "fa_",
  });
  const apps = { data: appPages.page };
  const { run, error } = useAction();
  const apply = (p) => () =>
    run(async () => {
      await api("POST", "/api/v1/match/finance/applications", {
        enterprise_id: me.data.id,
        product_id: p.id,
        amount_fen: Math.min(p.max_amount_fen, me.data.profile.need_amount_fen || 100),
      });
      setReload(reload + 1);
    });
  if (me.error) return html`<p class="hint">${t("fm_noProfile")}</p>`;
  return html`
    <${ErrorBox} error=${error || matches.error} />
    ${
      matches.data &&
      html`<h3>${t("fm_eligible")}</h3><div data-testid="eligible">
      ${matches.data.eligible.map(
        (m) => html`<div class="card">
        <h3>${m.product.name} <span class="hint">${t(`fm_${m.product.kind}`)} · ${t("fm_upTo")} ${yuanWithUnit(m.product.max_amount_fen, lang)} · ${m.product.terms}</span></h3>
        <${Clauses} clauses=${m.clauses} t=${t} lang=${lang} />
        ${m.bundle.length > 0 && html`<p>${t("fm_bundle")}: ${m.bundle.map((b) => b.name).join("、")}</p>`}
        <button onClick=${apply(m.product)}>${t("fm_apply")}</button></div>`,
      )}</div>
      <h3>${t("fm_nearMisses")}</h3><div data-testid="near-misses">
      ${matches.data.near_misses.map((m) => html`<div class="card"><h3>${m.product.name} <span class="hint">${t(`fm_${m.product.kind}`)}</span></h3><${Clauses} clauses=${m.clauses} t=${t} lang=${lang} /></div>`)}</div>`
    }
    <h3>${t("fm_applications")}</h3>
    ${apps.data && apps.data.items.length === 0 && html`<p class="empty" data-testid="applications-empty">${t("empty_fmApplicationsEnterprise")}</p>`}
    ${
      apps.data &&
      apps.data.items.length > 0 &&
      html`<table data-testid="applications"><thead><tr><th>${t("fm_product")}</th><th>${t("status")}</th><th>${t("fm_amount")}</th><th>${t("fm_served")}</th></tr></thead>
      <tbody>${apps.data.items.map((a) => html`<tr><td title=${a.product_id}>${a.product_name}</td><td data-state=${a.state}>${stateName(t, a.state)}</td><td>${yuan(a.amount_fen)}</td><td>${yuan(a.served_fen)}</td></tr>`)}</tbody></table>`
    }
    <${Pager} t=${t} lang=${lang} list=${appPages} testid="applications-pager" />`;
}

function InstitutionTab({ t, lang }) {
  const [reload, setReload] = useState(0);
  const appPages = usePagedList("/api/v1/match/finance/applications", [], useUrlParams(), {
    reloadKey: reload,
    prefix: "fa_",
  });
  const apps = { data: appPages.page };
  const [form, setForm] = useState({
    kind: "loan",
    name: "",
    rule: 'need_types has "贷" and revenue >= 500万',
    max_yuan: 1000000,
    terms: "",
  });
  const { run, error } = useAction();
  const [published, setPublished] = useState(null);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const publish = (e) => {
    e.preventDefault();
    run(async () => {
      const { max_yuan: maxYuan, ...rest } = form;
      const p = await api("POST", "/api/v1/match/finance/products", {
        ...rest,
        max_amount_fen: Math.round(Number(maxYuan) * 100),
      });
      const reach = await api("GET", `/api/v1/match/finance/products/${p.id}/reach`);
      const prospects = await api(
        "GET",
        `/api/v1/match/finance/products/${p.id}/prospects?limit=10`,
      );
      setPublished({ ...p, reach: reach.enterprises, prospects });
    });
  };
  const decide = (a, decision) => () =>
    run(async () => {
      await api(
        "POST",
        `/api/v1/match/finance/applications/${a.id}/decision`,
        decision === "accept"
          ? { decision, served_fen: a.amount_fen }
          : { decision, reason: "资料不全" },
      );
      setReload(reload + 1);
    });
  return html`
    <form class="card" onSubmit=${publish} data-testid="product-form">
      <h3>${t("fm_publish")}</h3>
      <label>${t("fm_kind")} <select value=${form.kind} onChange=${set("kind")}>${KINDS.map((k) => html`<option value=${k}>${t(`fm_${k}`)}</option>`)}</select></label>
      <label>${t("name")} <input value=${form.name} onInput=${set("name")} /></label>
      <label class="wide">${t("fm_rule")} <input value=${form.rule} onInput=${set("rule")} /></label>
      <label>${t("fm_maxYuan")} <input type="number" min="0.01" step="0.01" value=${form.max_yuan} onInput=${set("max_yuan")} /></label>
      <button type="submit">${t("fm_publishButton")}</button>
      <${ErrorBox} error=${error} />
      ${
        published &&
        html`<p class="ok" data-testid="published">${published.name}: ${t("fm_reach")} ${count(published.reach, lang)}</p>
        <div data-testid="prospects"><p>${t("fm_prospects")}: ${count(published.prospects.count, lang)}</p>
          <ul class="prospects">${published.prospects.items.map((x) => html`<li key=${x.enterprise_id}>${x.name}<${Clauses} clauses=${[x.miss]} t=${t} lang=${lang} /></li>`)}</ul></div>`
      }
    </form>
    <h3>${t("fm_applications")}</h3>
    ${apps.data && apps.data.items.length === 0 && html`<p class="empty" data-testid="applications-empty">${t("empty_fmApplicationsInstitution")}</p>`}
    ${
      apps.data &&
      apps.data.items.length > 0 &&
      html`<table data-testid="applications"><thead><tr><th>${t("fm_enterprise")}</th><th>${t("fm_product")}</th><th>${t("fm_amount")}</th><th>${t("status")}</th><th></th></tr></thead>
      <tbody>${apps.data.items.map(
        (
          a,
        ) => html`<tr><td title=${a.enterprise_id}>${a.enterprise_name}</td><td title=${a.product_id}>${a.product_name}</td><td>${yuan(a.amount_fen)}</td><td data-state=${a.state}>${stateName(t, a.state)}</td>
        <td>${
          a.state === "applied" &&
          html`<${ConfirmButton} label=${t("fm_accept")} question=${t("q_acceptFinance")} t=${t} testid="fm-accept" onConfirm=${decide(a, "accept")} />
          <${ConfirmButton} label=${t("fm_decline")} question=${t("q_declineFinance")} t=${t} testid="fm-decline" onConfirm=${decide(a, "decline")} />`
        }</td></tr>`,
      )}</tbody></table>`
    }
    <${Pager} t=${t} lang=${lang} list=${appPages} testid="applications-pager" />`;
}

// Posts to the lists: a demand (what the organisation needs, with its budget
// in yuan and a deadline) or a capability (what it offers).
function ListingForm({ t, onPosted }) {
  const domains = useLoad("/api/v1/match/scenarios/domains", 0);
  const [form, setForm] = useState({
    list: "demand",
    title: "",
    domain: "",
    description: "",
    tags: "",
    district: "",
    budget: "",
    deadline: "",
  });
  const { run, error } = useAction();
  const [posted, setPosted] = useState(null);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const demand = form.list === "demand";
  const domain = form.domain || domains.data?.items[0] || "";
  const post = (e) => {
    e.preventDefault();
    const body = {
      title: form.title,
      description: form.description,
      domain,
      tags: form.tags.split(/[,，、\s]+/).filter(Boolean),
    };
    if (demand) {
      body.district = form.district;
      body.budget_fen = Math.round(Number(form.budget) * 100);
      body.deadline = form.deadline;
    }
    run(async () => {
      setPosted(null);
      const listing = await api(
        "POST",
        `/api/v1/match/scenarios/${demand ? "demands" : "capabilities"}`,
        body,
      );
      setPosted(listing);
      setForm({ ...form, title: "", description: "", tags: "" });
      onPosted();
    });
  };
  return html`<form class="card" onSubmit=${post} data-testid="listing-form">
    <h3>${t("sc_post")}</h3>
    <label>${t("sc_list")} <select name="list" value=${form.list} onChange=${set("list")}>
      <option value="demand">${t("sc_demand")}</option><option value="capability">${t("sc_capability")}</option></select></label>
    <label>${t("title")} <input name="title" value=${form.title} onInput=${set("title")} /></label>
    <label>${t("sc_domain")} <select name="domain" value=${domain} onChange=${set("domain")}>
      ${domains.data && domains.data.items.map((d) => html`<option value=${d}>${d}</option>`)}</select></label>
    <label class="wide">${t("description")} <textarea name="description" rows="2" value=${form.description} onInput=${set("description")}></textarea></label>
    <label>${t("sc_tags")} <input name="tags" value=${form.tags} onInput=${set("tags")} /></label>
    ${
      demand &&
      html`<label>${t("district")} <input name="district" value=${form.district} onInput=${set("district")} /></label>
      <label>${t("budget")} <input name="budget" type="number" min="1" value=${form.budget} onInput=${set("budget")} /></label>
      <label>${t("sc_deadline")} <input name="deadline" type="date" value=${form.deadline} onInput=${set("deadline")} /></label>`
    }
    <button type="submit">${t("sc_postButton")}</button>
    <${ErrorBox} error=${error} />
    ${posted && html`<p class="ok" data-testid="listing-posted">${t("sc_posted")}: ${posted.title}</p>`}
  </form>`;
}

// The opportunity and capability lists: pick a demand, see the capabilities
// that match it best (text and tags), pair one, and follow the pairs; post a
// demand or a capability.
function ScenariosTab({ t, lang }) {
  const [posted, setPosted] = useState(0);
  const stats = useLoad("/api/v1/match/scenarios/stats", posted);
  const url = useUrlParams();
  const demands = usePagedList("/api/v1/match/scenarios/demands", ["q", "state"], url, {
    reloadKey: posted,
  });
  const [picked, setPicked] = useState(null);
  const [reload, setReload] = useState(0);
  const matches = useLoad(
    picked ? `/api/v1/match/scenarios/listings/${picked.id}/matches?limit=8` : null,
    0,
  );
  const pairs = useLoad(
    picked ? `/api/v1/match/scenarios/listings/${picked.id}/pairs` : null,
    reload,
  );
  const { run, error } = useAction();
  // A paired capability's title, from the matches shown beside it.
  const capabilityTitle = (id) =>
    matches.data?.items.find((m) => m.listing.id === id)?.listing.title ?? id.slice(-6);
  const pair = (c) => () =>
    run(async () => {
      await api("POST", "/api/v1/match/scenarios/pairs", {
        demand_id: picked.id,
        capability_id: c.id,
        note: "控制台推荐",
      });
      setReload(reload + 1);
    });
  const s = stats.data;
  return html`
    ${
      s &&
      html`<div class="tiles" data-testid="scenario-stats">
      <div class="tile"><div class="n">${s.demands}</div><div>${t("sc_demands")}</div></div>
      <div class="tile"><div class="n">${s.capabilities}</div><div>${t("sc_capabilities")}</div></div>
      ${["recommended", "contacted", "piloting", "deployed"].map((k) => html`<div class="tile" data-state=${k}><div class="n">${s.pairs_by_state[k] || 0}</div><div>${stateName(t, k)}</div></div>`)}
    </div>`
    }
    <div class="columns">
      <div><h3>${t("sc_demands")}</h3>
        <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
          <${SearchBox} list=${demands} label=${t("demandSearch")} testid="demands-search" />
          <${FilterSelect} t=${t} list=${demands} name="state" label=${t("state")} testid="demands-state"
            options=${["open", "closed"]} optionLabel=${(s) => stateName(t, s)} />
        </form>
        <${ErrorBox} error=${demands.error} />
        ${demands.page && demands.page.items.length === 0 && html`<p class="empty">${t("nothingMatches")}</p>`}
        ${
          demands.page &&
          html`<ul class="picklist" data-testid="demands">${demands.page.items.map(
            (d) =>
              html`<li class=${picked && picked.id === d.id ? "active" : ""}><a href="#" onClick=${(
                e,
              ) => {
                e.preventDefault();
                setPicked(d);
              }}>${d.title}</a> <span class="hint">${d.domain} · ${yuanWithUnit(d.budget_fen, lang)}</span></li>`,
          )}</ul>`
        }
        <${Pager} t=${t} lang=${lang} list=${demands} testid="demands-pager" /></div>
      <div>${
        picked &&
        html`<h3>${t("sc_best")}: ${picked.title}</h3><p>${picked.description}</p>
        <${ErrorBox} error=${error || matches.error} />
        ${matches.data && html`<table data-testid="capability-matches"><tbody>${matches.data.items.map((m) => html`<tr><td>${m.listing.title}</td><td>${m.listing.domain}</td><td>${decimal(m.score, lang, 2)}</td><td><button onClick=${pair(m.listing)}>${t("sc_pair")}</button></td></tr>`)}</tbody></table>`}
        ${pairs.data && pairs.data.items.length > 0 && html`<p data-testid="pairs">${pairs.data.items.map((p) => `${capabilityTitle(p.capability_id)}：${stateName(t, p.state)}`).join(" · ")}</p>`}`
      }</div>
    </div>
    <${ListingForm} t=${t} onPosted=${() => setPosted(posted + 1)} />`;
}

const TABS = ["finance", "scenarios", "policies"];

export function MatchPage({ t, me, lang }) {
  const [tab, open] = useUrlTab(TABS);
  return html`<section data-testid="match-page">
    <h2>${t("match")}</h2>
    <${Tabs} keys=${TABS} tab=${tab} open=${open} label=${(k) => t(`mt_${k}`)} />
    ${
      tab === "finance" &&
      html`
      <p class="hint">${t("fm_intro")}</p>
      <${Figures} t=${t} lang=${lang} />
      ${me.org.kind === "enterprise" && html`<${EnterpriseTab} t=${t} lang=${lang} />`}
      ${me.org.kind === "institution" && html`<${InstitutionTab} t=${t} lang=${lang} />`}`
    }
    ${tab === "scenarios" && html`<${ScenariosTab} t=${t} lang=${lang} />`}
    ${tab === "policies" && html`<${PoliciesTab} t=${t} me=${me} lang=${lang} />`}
  </section>`;
}
