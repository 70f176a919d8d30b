// Policies that find people (春雨计划) in the console: everyone sees the
// policies in force and how many each has noticed; an authority publishes one
// (a rule that does not compile is refused with its position) and sees at
// once how many firms or people were eligible; an enterprise reads its inbox —
// each notice with the rule explained — and marks notices read; an
// organisation's admin sets the webhook that receives notices (the signing
// secret is shown once).
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { Clauses } from "./clauses.js";
import { Period } from "./notice_period.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useLoad } from "./hooks.js";
import { localDate, count } from "./format.js";
import { Pager, usePagedList } from "./paging.js";
import { useUrlParams } from "./url_state.js";

const html = htm.bind(h);

function PublishForm({ t, onDone }) {
  const year = new Date().getFullYear();
  const [form, setForm] = useState({
    audience: "person",
    title: "",
    benefit: "",
    summary: "",
    rule: 'talent_category in ["A", "B", "C"] and age <= 55',
    valid_from: `${year}-01-01`,
    valid_until: `${year + 1}-12-31`,
  });
  const { run, error } = useAction();
  const [done, setDone] = useState(null);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const publish = (e) => {
    e.preventDefault();
    run(async () => {
      setDone(await api("POST", "/api/v1/match/policies", form));
      onDone();
    });
  };
  return html`<form class="card" onSubmit=${publish} data-testid="publish-policy">
    <h3>${t("pl_publish")}</h3>
    <label>${t("pl_audience")} <select value=${form.audience} onChange=${set("audience")}>
      <option value="person">${t("pl_person")}</option><option value="enterprise">${t("pl_enterprise")}</option></select></label>
    <label>${t("pl_title")} <input name="title" value=${form.title} onInput=${set("title")} /></label>
    <label>${t("pl_benefit")} <input name="benefit" value=${form.benefit} onInput=${set("benefit")} /></label>
    <label>${t("pl_rule")} <input name="rule" class="wide" value=${form.rule} onInput=${set("rule")} /></label>
    <label>${t("pl_from")} <input name="valid_from" value=${form.valid_from} onInput=${set("valid_from")} /></label>
    <label>${t("pl_until")} <input name="valid_until" value=${form.valid_until} onInput=${set("valid_until")} /></label>
    <button type="submit">${t("pl_publish")}</button>
    <${ErrorBox} error=${error} />
    ${done && html`<p data-testid="policy-notified">${t("pl_notifiedNow")}: <strong>${done.notified}</strong></p>`}
  </form>`;
}

function Inbox({ t, lang }) {
  const [reload, setReload] = useState(0);
  const pages = usePagedList("/api/v1/match/inbox", [], useUrlParams(), {
    prefix: "in_",
    reloadKey: reload,
  });
  const inbox = { data: pages.page, error: pages.error };
  const { run, error } = useAction();
  const read = (n) => () =>
    run(async () => {
      await api("POST", `/api/v1/match/inbox/${n.id}/read`);
      setReload(reload + 1);
    });
  return html`<h3>${t("pl_inbox")}</h3>
    <${ErrorBox} error=${error || inbox.error} />
    ${
      inbox.data &&
      (inbox.data.items.length === 0
        ? html`<p class="hint">${t("pl_noNotices")}</p>`
        : html`<div data-testid="policy-inbox">
      ${inbox.data.items.map(
        (n) => html`<div class=${`card ${n.read_at ? "" : "unread"}`}>
        <h3>${n.title} <span class="hint">v${n.version} · ${n.benefit} · ${localDate(n.created_at)}</span></h3>
        <${Period} t=${t} notice=${n} />
        <${Clauses} clauses=${n.explanation} t=${t} lang=${lang} />
        ${!n.read_at && html`<button onClick=${read(n)}>${t("pl_markRead")}</button>`}</div>`,
      )}</div>`)
    }
    <${Pager} t=${t} lang=${lang} list=${pages} testid="inbox-pager" />`;
}

function Webhook({ t }) {
  const [reload, setReload] = useState(0);
  const hook = useLoad("/api/v1/match/webhook", reload);
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState(null);
  const { run, error } = useAction();
  const save = (e) => {
    e.preventDefault();
    run(async () => {
      const w = await api("POST", "/api/v1/match/webhook", { url });
      setSecret(w.secret);
      setReload(reload + 1);
    });
  };
  return html`<form class="card" onSubmit=${save} data-testid="webhook">
    <h3>${t("pl_webhook")}</h3>
    ${hook.data && html`<p>${hook.data.url} · ${t("pl_delivered")} ${hook.data.delivered} · ${t("pl_pending")} ${hook.data.pending} · ${t("pl_failed")} ${hook.data.failed}</p>`}
    <input name="url" class="wide" placeholder="https://..." value=${url} onInput=${(e) => setUrl(e.target.value)} />
    <button type="submit">${t("pl_setWebhook")}</button>
    <${ErrorBox} error=${error} />
    ${secret && html`<p>${t("pl_secretOnce")}: <code data-testid="webhook-secret">${secret}</code></p>`}
  </form>`;
}

export function PoliciesTab({ t, me, lang }) {
  const [reload, setReload] = useState(0);
  const pages = usePagedList("/api/v1/match/policies?in_force=true", [], useUrlParams(), {
    reloadKey: reload,
    prefix: "p",
  });
  const list = { data: pages.page, error: pages.error };
  return html`<p class="hint">${t("pl_intro")}</p>
    <${ErrorBox} error=${list.error} />
    ${
      list.data &&
      html`<table data-testid="policies"><thead><tr><th>${t("pl_title")}</th><th>${t("pl_audience")}</th><th>${t("pl_benefit")}</th><th>${t("pl_rule")}</th><th>${t("pl_notified")}</th><th>${t("pl_until")}</th></tr></thead>
      <tbody>${list.data.items.map((p) => html`<tr><td>${p.title}</td><td>${t(`pl_${p.audience}`)}</td><td>${p.benefit}</td><td><code>${p.rule}</code></td><td>${count(p.notified, lang)}</td><td>${p.valid_until}</td></tr>`)}</tbody></table>`
    }
    <${Pager} t=${t} lang=${lang} list=${pages} testid="policies-pager" />
    ${me.org.kind === "authority" && me.role !== "viewer" && html`<${PublishForm} t=${t} onDone=${() => setReload(reload + 1)} />`}
    ${me.org.kind === "enterprise" && html`<${Inbox} t=${t} lang=${lang} />`}
    ${me.role === "admin" && html`<${Webhook} t=${t} />`}`;
}
