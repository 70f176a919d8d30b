// The compute trading platform in the console: the live capacity board,
// requests with their quotes and orders, compute vouchers and bills. Each
// view shows what the signed-in organisation may see and do.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useForm, useLoad, useOrgNames } from "./hooks.js";
import { ConfirmButton } from "./confirm_button.js";
import { stateName } from "./i18n.js";
import { decimal, localMinute, percent, percentOfBp, yuan } from "./format.js";
import { Pager, usePagedList } from "./paging.js";
import { useUrlParams } from "./url_state.js";

const html = htm.bind(h);

export function CapacityBoard({ t, lang }) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((x) => x + 1), 3000);
    return () => clearInterval(timer);
  }, []);
  const cap = useLoad("/api/v1/compute/capacity", tick);
  const trades = useLoad("/api/v1/compute/trades", tick);
  const name = useOrgNames();
  if (cap.error) return html`<${ErrorBox} error=${cap.error} />`;
  if (!cap.data) return html`<p>${t("loading")}</p>`;
  const c = cap.data;
  const num = (x) => decimal(x, lang);
  const busy = (g) => percent(g.busy_cards / g.cards, lang);
  return html`
    <div class="tiles" data-testid="market-capacity">
      <div class="tile"><div class="n">${num(c.pflops)} P</div><div>${t("pooledCompute")}</div></div>
      <div class="tile"><div class="n">${percent(c.utilization, lang)}</div><div>${t("utilization")} (${num(c.busy_cards)} / ${num(c.cards)} ${t("cards")})</div></div>
      <div class="tile"><div class="n">${trades.data ? yuan(trades.data.total_fen) : "-"}</div><div>${t("tradedYuan")}</div></div>
      <div class="tile"><div class="n">${c.by_provider.length}</div><div>${t("providers")}</div></div>
    </div>
    <h3>${t("byProvider")}</h3>
    <table data-testid="capacity-by-provider">
      <thead><tr><th>${t("provider")}</th><th>${t("cards")}</th><th>P</th><th>${t("utilization")}</th></tr></thead>
      <tbody>${c.by_provider.map((g) => html`<tr key=${g.provider_id}><td>${name(g.provider_id)}</td><td>${num(g.cards)}</td><td>${num(g.pflops)}</td><td>${busy(g)}</td></tr>`)}</tbody>
    </table>
    <h3>${t("byChip")}</h3>
    <table>
      <thead><tr><th>${t("chip")}</th><th>${t("cards")}</th><th>P</th><th>${t("utilization")}</th></tr></thead>
      <tbody>${c.by_chip.map((g) => html`<tr key=${g.chip}><td>${g.chip}</td><td>${num(g.cards)}</td><td>${num(g.pflops)}</td><td>${busy(g)}</td></tr>`)}</tbody>
    </table>`;
}

function RequestForm({ t, onOrdered }) {
  const [form, set] = useForm({
    cards: 8,
    chip: "any",
    hours: 2,
    max_fen_per_card_hour: 3000,
  });
  const [result, setResult] = useState(null);
  const { run, error } = useAction();
  const post = (e) => {
    e.preventDefault();
    run(async () =>
      setResult(
        await api("POST", "/api/v1/compute/requests", {
          cards: form.cards,
          chip: form.chip,
          duration_s: Math.round(form.hours * 3600),
          max_fen_per_card_hour: form.max_fen_per_card_hour,
        }),
      ),
    );
  };
  const accept = (q) =>
    run(async () => {
      await api("POST", `/api/v1/compute/quotes/${q.id}/accept`);
      setResult(null);
      onOrdered();
    });
  return html`
    <form class="card" onSubmit=${post} data-testid="request-form">
      <h3>${t("newRequest")}</h3>
      <label>${t("cards")} <input name="cards" type="number" value=${form.cards} onInput=${set("cards", true)} /></label>
      <label>${t("chip")} <input name="chip" value=${form.chip} onInput=${set("chip")} /></label>
      <label>${t("hours")} <input name="hours" type="number" value=${form.hours} onInput=${set("hours", true)} /></label>
      <label>${t("maxPrice")} <input name="max_price" type="number" value=${form.max_fen_per_card_hour} onInput=${set("max_fen_per_card_hour", true)} /></label>
      <button type="submit">${t("getQuotes")}</button>
      <${ErrorBox} error=${error} />
    </form>
    ${
      result &&
      html`
      <table data-testid="quotes">
        <thead><tr><th>#</th><th>${t("pool")}</th><th>${t("chip")}</th><th>${t("yuan")}</th><th>${t("start")}</th><th>${t("leaves")}</th><th></th></tr></thead>
        <tbody>${result.quotes.map(
          (
            q,
          ) => html`<tr key=${q.id}><td>${q.rank}</td><td>${q.pool}</td><td>${q.chip}</td><td>${yuan(q.amount_fen)}</td><td>${localMinute(q.start)}</td><td>${q.leaves}</td>
          <td><button data-testid="accept" onClick=${() => accept(q)}>${t("accept")}</button></td></tr>`,
        )}</tbody>
      </table>
      ${result.quotes.length === 0 && html`<p>${t("noQuotes")}</p>`}`
    }`;
}

export function OrdersView({ t, me, lang }) {
  const [reload, setReload] = useState(0);
  const url = useUrlParams();
  const orderPages = usePagedList("/api/v1/compute/orders", [], url, {
    reloadKey: reload,
    prefix: "o",
  });
  const billPages = usePagedList("/api/v1/compute/bills", [], url, {
    reloadKey: reload,
    prefix: "b",
  });
  const orders = { data: orderPages.page, error: orderPages.error };
  const bills = { data: billPages.page, error: billPages.error };
  const { run, error } = useAction();
  const cancel = (o) =>
    run(async () => {
      await api("POST", `/api/v1/compute/orders/${o.id}/cancel`, {
        reason: "cancelled in the console",
      });
      setReload(reload + 1);
    });
  return html`
    ${me.org.kind === "enterprise" && html`<${RequestForm} t=${t} onOrdered=${() => setReload(reload + 1)} />`}
    <${ErrorBox} error=${orders.error || bills.error || error} />
    <h3>${t("orders")}</h3>
    ${orders.data && orders.data.items.length === 0 && html`<p class="empty" data-testid="orders-empty">${t("empty_orders")}</p>`}
    ${
      orders.data &&
      orders.data.items.length > 0 &&
      html`<table data-testid="orders">
      <thead><tr><th>${t("order")}</th><th>${t("state")}</th><th>${t("cards")}</th><th>${t("chip")}</th><th>${t("start")}</th><th>${t("end")}</th><th>${t("yuan")}</th><th></th></tr></thead>
      <tbody>${orders.data.items.map(
        (
          o,
        ) => html`<tr key=${o.id}><td title=${o.id}>${o.id.slice(-8)}</td><td><span class=${`state state-${o.state}`} data-state=${o.state}>${stateName(t, o.state)}</span></td><td>${o.cards}</td><td>${o.chip}</td>
        <td>${localMinute(o.start)}</td><td>${localMinute(o.end)}</td><td>${yuan(o.amount_fen)}</td>
        <td>${(o.state === "accepted" || o.state === "running") && me.role !== "viewer" && html`<${ConfirmButton} label=${t("cancel")} question=${t("q_cancelOrder")} t=${t} onConfirm=${() => cancel(o)} />`}</td></tr>`,
      )}</tbody>
    </table>`
    }
    <${Pager} t=${t} lang=${lang} list=${orderPages} testid="orders-pager" />
    <h3>${t("bills")}</h3>
    ${bills.data && bills.data.items.length === 0 && html`<p class="empty" data-testid="bills-empty">${t("empty_bills")}</p>`}
    ${
      bills.data &&
      bills.data.items.length > 0 &&
      html`<table data-testid="bills">
      <thead><tr><th>${t("order")}</th><th>${t("cardHours")}</th><th>${t("gross")}</th><th>${t("voucherDeduction")}</th><th>${t("payable")}</th></tr></thead>
      <tbody>${bills.data.items.map(
        (
          b,
        ) => html`<tr key=${b.id} title=${b.lines.map((l) => `${l.description}: ${yuan(l.amount_fen)}`).join("\n")}>
        <td>${b.order_id.slice(-8)}</td><td>${decimal(b.usage_card_hours, lang, 1)}</td><td>${yuan(b.gross_fen)}</td><td>${yuan(b.voucher_fen)}</td><td>${yuan(b.payable_fen)}</td></tr>`,
      )}</tbody>
    </table>`
    }
    <${Pager} t=${t} lang=${lang} list=${billPages} testid="bills-pager" />`;
}

export function VouchersView({ t, me, lang }) {
  const [reload, setReload] = useState(0);
  const programmes = useLoad("/api/v1/compute/voucher-programmes", reload);
  const appPages = usePagedList("/api/v1/compute/voucher-applications", [], useUrlParams(), {
    reloadKey: reload,
    prefix: "vap_",
  });
  const apps = { data: appPages.page, error: appPages.error };
  const vouchers = useLoad("/api/v1/compute/vouchers", reload);
  const name = useOrgNames();
  const [amount, setAmount] = useState(10000); // yuan
  const { run, error } = useAction();
  const act = (method, path, body) =>
    run(async () => {
      await api(method, path, body);
      setReload(reload + 1);
    });
  const isEnterprise = me.org.kind === "enterprise";
  const isAuthority = me.org.kind === "authority";
  return html`
    <${ErrorBox} error=${programmes.error || apps.error || error} />
    <h3>${t("programmes")}</h3>
    ${programmes.data && programmes.data.items.length === 0 && html`<p class="empty" data-testid="programmes-empty">${t("empty_programmes")}</p>`}
    ${
      programmes.data &&
      programmes.data.items.length > 0 &&
      html`<table data-testid="programmes">
      <thead><tr><th>${t("name")}</th><th>${t("budget")}</th><th>${t("ratio")}</th><th>${t("issued")}</th><th>${t("redeemed")}</th><th></th></tr></thead>
      <tbody>${programmes.data.items.map(
        (
          p,
        ) => html`<tr key=${p.id}><td>${p.name}</td><td>${yuan(p.budget_fen)}</td><td>${percentOfBp(p.ratio_bp, lang)}</td><td>${yuan(p.issued_fen)}</td><td>${yuan(p.redeemed_fen)}</td>
        <td>${isEnterprise && html`<input type="number" class="small" aria-label=${t("amountYuan")} value=${amount} onInput=${(e) => setAmount(Number(e.target.value))} /> <button onClick=${() => act("POST", `/api/v1/compute/voucher-programmes/${p.id}/applications`, { amount_fen: Math.round(amount * 100) })}>${t("apply")}</button>`}</td></tr>`,
      )}</tbody>
    </table>`
    }
    <h3>${t("applications")}</h3>
    ${apps.data && apps.data.items.length === 0 && html`<p class="empty" data-testid="applications-empty">${t("empty_voucherApplications")}</p>`}
    ${
      apps.data &&
      apps.data.items.length > 0 &&
      html`<table data-testid="applications">
      <thead><tr><th>${t("application")}</th>${isAuthority && html`<th>${t("fm_enterprise")}</th>`}<th>${t("yuan")}</th><th>${t("state")}</th><th>${t("reason")}</th><th></th></tr></thead>
      <tbody>${apps.data.items.map(
        (
          a,
        ) => html`<tr key=${a.id}><td title=${a.id}>${a.id.slice(-8)}</td>${isAuthority && html`<td>${name(a.enterprise_id)}</td>`}<td>${yuan(a.amount_fen)}</td><td data-state=${a.state}>${stateName(t, a.state)}</td><td>${a.reason}</td>
        <td>${
          isAuthority &&
          a.state === "submitted" &&
          html`
          <${ConfirmButton} label=${t("approve")} question=${t("q_approveVoucher")} t=${t} onConfirm=${() => act("POST", `/api/v1/compute/voucher-applications/${a.id}/decision`, { decision: "approve" })} />
          <${ConfirmButton} label=${t("reject")} question=${t("q_rejectVoucher")} t=${t} onConfirm=${() => act("POST", `/api/v1/compute/voucher-applications/${a.id}/decision`, { decision: "reject", reason: t("rejectReason") })} />`
        }</td></tr>`,
      )}</tbody>
    </table>`
    }
    <${Pager} t=${t} lang=${lang} list=${appPages} testid="applications-pager" />
    ${
      isEnterprise &&
      vouchers.data &&
      html`
      <h3>${t("myVouchers")}</h3>
      <table data-testid="vouchers">
        <thead><tr><th>${t("voucher")}</th><th>${t("yuan")}</th><th>${t("remaining")}</th><th>${t("expires")}</th></tr></thead>
        <tbody>${vouchers.data.items.map((v) => html`<tr key=${v.id}><td title=${v.id}>${v.id.slice(-8)}</td><td>${yuan(v.amount_fen)}</td><td>${yuan(v.remaining_fen)}</td><td>${localMinute(v.expires_at)}</td></tr>`)}</tbody>
      </table>`
    }`;
}
