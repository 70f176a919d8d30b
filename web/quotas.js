// Tenant quotas on a live cluster and the migration view (一云多芯, 信创迁移):
// each quota's guarantee, ceiling and what the tenant holds now out of the
// resource's capacity; the operator sets quotas; and per tenant this
// month, the share of its card hours and core hours on domestic chips.
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useForm, useLoad } from "./hooks.js";
import { decimal, percent } from "./format.js";

const html = htm.bind(h);

function QuotaForm({ t, cluster, onDone }) {
  const [form, set] = useForm({ tenant_id: "", resource: "", guaranteed: 0, ceiling: 0 });
  const { run, busy, error } = useAction();
  const submit = (e) => {
    e.preventDefault();
    run(async () => {
      await api(
        "POST",
        `/api/v1/compute/provider-clusters/${encodeURIComponent(cluster)}/quotas`,
        form,
      );
      onDone();
    });
  };
  return html`
    <form class="card" onSubmit=${submit} data-testid="quota-form">
      <h3>${t("setQuota")}</h3>
      <label>${t("tenant")} <input name="quota-tenant" value=${form.tenant_id} onInput=${set("tenant_id")} placeholder="org_..." /></label>
      <label>${t("resource")} <input name="quota-resource" value=${form.resource} onInput=${set("resource")} placeholder="arch:arm64, chip:Ascend910B" /></label>
      <label>${t("guaranteed")} <input name="quota-guaranteed" type="number" min="0" value=${form.guaranteed} onInput=${set("guaranteed", true)} /></label>
      <label>${t("ceiling")} <input name="quota-ceiling" type="number" min="0" value=${form.ceiling} onInput=${set("ceiling", true)} /></label>
      <button type="submit" disabled=${busy}>${t("setQuota")}</button>
      <${ErrorBox} error=${error} />
    </form>`;
}

export function QuotasView({ t, lang, me, cluster, reloadKey }) {
  const [changed, setChanged] = useState(0);
  const quotas = useLoad(
    cluster ? `/api/v1/compute/provider-clusters/${encodeURIComponent(cluster)}/quotas` : null,
    `${reloadKey}/${changed}`,
  );
  const items = quotas.data?.items || [];
  return html`
    <h3>${t("quotasTitle")}</h3>
    <${ErrorBox} error=${quotas.error} />
    ${quotas.data && items.length === 0 && html`<p class="empty">${t("noQuotas")}</p>`}
    ${
      items.length > 0 &&
      html`<table data-testid="quotas-table">
        <thead><tr><th>${t("tenant")}</th><th>${t("resource")}</th><th>${t("guaranteed")}</th><th>${t("ceiling")}</th><th>${t("held")}</th><th>${t("capacity")}</th></tr></thead>
        <tbody>${items.map(
          (q) => html`<tr key=${`${q.tenant_id}/${q.resource}`}>
            <td><code>${q.tenant_id}</code></td><td>${q.resource}</td><td>${decimal(q.guaranteed, lang)}</td>
            <td>${q.ceiling === null ? "-" : decimal(q.ceiling, lang)}</td>
            <td data-testid="quota-held">${decimal(q.held, lang)}</td><td>${decimal(q.capacity, lang)}</td>
          </tr>`,
        )}</tbody>
      </table>`
    }
    ${me.org.kind === "operator" && me.role !== "viewer" && html`<${QuotaForm} t=${t} cluster=${cluster} onDone=${() => setChanged((c) => c + 1)} />`}`;
}

const share = (s, lang) => (s.domestic_share === null ? "-" : percent(s.domestic_share, lang));

export function MigrationView({ t, lang, reloadKey }) {
  const usage = useLoad("/api/v1/compute/usage", reloadKey);
  const tenants = usage.data?.tenants || [];
  return html`
    <h3>${t("migrationTitle")}</h3>
    <${ErrorBox} error=${usage.error} />
    ${usage.data && tenants.length === 0 && html`<p class="empty">${t("noUsage")}</p>`}
    ${
      tenants.length > 0 &&
      html`<table data-testid="migration-table">
        <thead><tr><th>${t("tenant")}</th><th>${t("month")}</th><th>${t("cardHours")}</th><th>${t("domesticShareCards")}</th><th>${t("coreHours")}</th><th>${t("domesticShareCores")}</th></tr></thead>
        <tbody>${tenants.map(
          (m) => html`<tr key=${`${m.tenant_id}/${m.month}`}>
            <td><code>${m.tenant_id}</code></td><td>${m.month}</td>
            <td>${decimal(m.card_hours.domestic + m.card_hours.foreign, lang, 1)}</td><td>${share(m.card_hours, lang)}</td>
            <td>${decimal(m.core_hours.domestic + m.core_hours.foreign, lang, 1)}</td><td>${share(m.core_hours, lang)}</td>
          </tr>`,
        )}</tbody>
      </table>`
    }`;
}
