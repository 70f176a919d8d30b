// The data exchange in the console: the dashboard computed from the records,
// applications and their tracking, the reviewer's queue with objections, the
// public notice board, certificate verification, pledges, and the market.
// Each view shows what the signed-in organisation may see and do.
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useLoad, useOrgNames } from "./hooks.js";
import { CertificateCard } from "./certificate_view.js";
import { yuan, localDate, localMinute } from "./format.js";
import { ConfirmButton } from "./confirm_button.js";
import { OrgPicker } from "./org_picker.js";
import { stateName } from "./i18n.js";
import { Pager, SearchBox, usePagedList } from "./paging.js";
import { Tabs, useUrlTab } from "./tabs.js";
import { ServerSelect, useServerChoice } from "./server_select.js";
import { useUrlParams } from "./url_state.js";

const html = htm.bind(h);
const RIGHTS = ["resource_holding", "processing_use", "product_operation"];

// A view's action (useAction) as one API call: act(method, path, body) sends
// it, then reloads.
function useAct(reload) {
  const { run, error } = useAction();
  const act = (method, path, body) =>
    run(async () => {
      await api(method, path, body);
      reload();
    });
  return { act, error };
}

function Dashboard({ t, lang }) {
  const stats = useLoad("/api/v1/exchange/stats", 0);
  const url = useUrlParams();
  const certs = usePagedList("/api/v1/exchange/certificates", ["q"], url);
  if (stats.error) return html`<${ErrorBox} error=${stats.error} />`;
  if (!stats.data) return html`<p>${t("loading")}</p>`;
  const s = stats.data;
  return html`
    <div class="tiles" data-testid="exchange-stats">
      <div class="tile"><div class="n">${s.entities}</div><div>${t("entities")}</div></div>
      <div class="tile"><div class="n">${s.certificates}</div><div>${t("certificates")}</div></div>
      <div class="tile"><div class="n">${yuan(s.pledged_fen)}</div><div>${t("pledgedYuan")} (${s.pledges_active})</div></div>
      <div class="tile"><div class="n">${yuan(s.traded_fen)}</div><div>${t("tradedYuan")} (${s.trades})</div></div>
      <div class="tile"><div class="n">${s.listings_active}</div><div>${t("listings")}</div></div>
      <div class="tile"><div class="n">${s.applications_open}</div><div>${t("applicationsOpen")}</div></div>
    </div>
    <h3>${t("certificates")}</h3>
    <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
      <${SearchBox} list=${certs} label=${t("certSearch")} testid="certificates-search" />
    </form>
    <${ErrorBox} error=${certs.error} />
    ${certs.page && certs.page.items.length === 0 && html`<p class="empty">${t("nothingMatches")}</p>`}
    ${
      certs.page &&
      certs.page.items.length > 0 &&
      html`<table data-testid="certificates">
      <thead><tr><th>${t("number")}</th><th>${t("holder")}</th><th>${t("dataName")}</th><th>${t("state")}</th><th>${t("validUntil")}</th></tr></thead>
      <tbody>${certs.page.items.map((c) => html`<tr key=${c.number}><td><a href=${`/verify.html#${c.number}`} target="_blank">${c.number}</a></td><td>${c.holder_name}</td><td>${c.data_name}</td><td data-state=${c.status}>${stateName(t, c.status)}</td><td>${localDate(c.valid_until)}</td></tr>`)}</tbody>
    </table>`
    }
    <${Pager} t=${t} lang=${lang} list=${certs} testid="certificates-pager" />`;
}

function Apply({ t, me, lang }) {
  const [reload, setReload] = useState(0);
  const appPages = usePagedList("/api/v1/exchange/applications", [], useUrlParams(), {
    reloadKey: reload,
  });
  const apps = { data: appPages.page, error: appPages.error };
  const products = useServerChoice(
    `/api/v1/dataspace/products?provider_id=${encodeURIComponent(me.org.id)}`,
  );
  const [form, setForm] = useState({
    rights: [...RIGHTS],
    data_name: "",
    description: "",
    scale: "",
    product_id: "",
  });
  const { act, error } = useAct(() => setReload((x) => x + 1));
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const toggle = (r) =>
    setForm({
      ...form,
      rights: form.rights.includes(r) ? form.rights.filter((x) => x !== r) : [...form.rights, r],
    });
  const product = (products.items.find((p) => p.id === form.product_id) || products.items[0] || {})
    .id;
  const submit = (e) => {
    e.preventDefault();
    act("POST", "/api/v1/exchange/applications", {
      rights: form.rights,
      data_name: form.data_name,
      description: form.description,
      data_type: "data_product",
      source_kind: "collected",
      format: "CSV",
      scale: form.scale,
      update_cycle: "monthly",
      product_id: product,
    });
  };
  return html`
    <form class="card" onSubmit=${submit} data-testid="apply-form">
      <h3>${t("applyRegistration")}</h3>
      <${ServerSelect} choice=${products} value=${product || ""} onChange=${(id) => setForm({ ...form, product_id: id })}
        name="product_id" label=${t("product")} searchLabel=${t("productSearch")} optionLabel=${(p) => p.title} />
      <label>${t("dataName")} <input name="data_name" value=${form.data_name} onInput=${set("data_name")} /></label>
      <label>${t("scale")} <input name="scale" value=${form.scale} onInput=${set("scale")} /></label>
      <label class="wide">${t("description")} <textarea name="description" rows="2" value=${form.description} onInput=${set("description")}></textarea></label>
      <fieldset class="policies">${RIGHTS.map((r) => html`<label><input type="checkbox" checked=${form.rights.includes(r)} onChange=${() => toggle(r)} /> ${t(r)}</label>`)}</fieldset>
      <button type="submit">${t("submit")}</button>
      <${ErrorBox} error=${error} />
    </form>
    <h3>${t("myApplications")}</h3>
    ${apps.data && apps.data.items.length === 0 && html`<p class="empty" data-testid="applications-empty">${t("empty_applications")}</p>`}
    ${
      apps.data &&
      apps.data.items.length > 0 &&
      html`<table data-testid="applications">
      <thead><tr><th>${t("dataName")}</th><th>${t("state")}</th><th>${t("noticeUntil")}</th><th>${t("number")}</th><th>${t("grounds")}</th></tr></thead>
      <tbody>${apps.data.items.map((a) => html`<tr key=${a.id}><td>${a.data_name}</td><td><span class=${`state state-${a.state}`} data-state=${a.state}>${stateName(t, a.state)}</span></td><td>${localDate(a.notice_until)}</td><td>${a.certificate_number || "-"}</td><td>${a.grounds}</td></tr>`)}</tbody>
    </table>`
    }
    <${Pager} t=${t} lang=${lang} list=${appPages} testid="applications-pager" />`;
}

const NEXT = {
  submitted: "accept",
  formal_review: "formal_pass",
  substantive_review: "substantive_pass",
  public_notice: "issue",
};

function ReviewQueue({ t, lang }) {
  const [reload, setReload] = useState(0);
  const appPages = usePagedList("/api/v1/exchange/applications?state=open", [], useUrlParams(), {
    reloadKey: reload,
  });
  const apps = { data: appPages.page, error: appPages.error };
  const [open, setOpen] = useState(null);
  const objections = useLoad(
    open ? `/api/v1/exchange/applications/${open}/objections` : "",
    reload,
  );
  const { act, error } = useAct(() => setReload((x) => x + 1));
  const queue = apps.data ? apps.data.items.filter((a) => NEXT[a.state]) : [];
  return html`
    <${ErrorBox} error=${apps.error || error} />
    ${apps.data && queue.length === 0 && html`<p class="empty" data-testid="review-queue-empty">${t("empty_reviewQueue")}</p>`}
    <table data-testid="review-queue" hidden=${apps.data && queue.length === 0}>
      <thead><tr><th>${t("holder")}</th><th>${t("dataName")}</th><th>${t("submittedAt")}</th><th>${t("state")}</th><th>${t("objections")}</th><th></th></tr></thead>
      <tbody>${queue.map(
        (
          a,
        ) => html`<tr key=${a.id}><td>${a.holder_name}</td><td>${a.data_name}</td><td>${localMinute(a.created_at)}</td><td><span class=${`state state-${a.state}`} data-state=${a.state}>${stateName(t, a.state)}</span></td>
        <td>${a.open_objections > 0 ? html`<button class="link" onClick=${() => setOpen(a.id)}>${a.open_objections}</button>` : "0"}</td>
        <td><button data-testid=${`review-${NEXT[a.state]}`} onClick=${() => act("POST", `/api/v1/exchange/applications/${a.id}/review`, { action: NEXT[a.state] })}>${t(`review_${NEXT[a.state]}`)}</button>
          <${ConfirmButton} className="link" label=${t("reject")} question=${t("q_rejectApplication")} t=${t} onConfirm=${() => act("POST", `/api/v1/exchange/applications/${a.id}/review`, { action: "reject", grounds: t("rejectGrounds") })} /></td></tr>`,
      )}</tbody>
    </table>
    <${Pager} t=${t} lang=${lang} list=${appPages} testid="review-pager" />
    ${
      open &&
      objections.data &&
      html`<h3>${t("objections")}</h3>
      <table data-testid="objections">
        <thead><tr><th>${t("reason")}</th><th>${t("state")}</th><th></th></tr></thead>
        <tbody>${objections.data.items.map(
          (
            o,
          ) => html`<tr key=${o.id}><td>${o.reason}</td><td data-state=${o.state}>${stateName(t, o.state)}</td>
          <td>${
            o.state === "open" &&
            html`<button onClick=${() => act("POST", `/api/v1/exchange/objections/${o.id}/resolve`, { decision: "dismissed", resolution: t("dismissedResolution") })}>${t("dismiss")}</button>
            <${ConfirmButton} className="link" label=${t("uphold")} question=${t("q_uphold")} t=${t} onConfirm=${() => act("POST", `/api/v1/exchange/objections/${o.id}/resolve`, { decision: "upheld", resolution: t("upheldResolution") })} />`
          }</td></tr>`,
        )}</tbody>
      </table>`
    }`;
}

function Notices({ t, me }) {
  const [reload, setReload] = useState(0);
  const notices = useLoad("/api/v1/exchange/notices", reload);
  const [reason, setReason] = useState("");
  const { act, error } = useAct(() => setReload((x) => x + 1));
  return html`
    <${ErrorBox} error=${notices.error || error} />
    ${notices.data && notices.data.items.length === 0 && html`<p class="empty" data-testid="notices-empty">${t("empty_notices")}</p>`}
    <table data-testid="notices" hidden=${notices.data && notices.data.items.length === 0}>
      <thead><tr><th>${t("holder")}</th><th>${t("dataName")}</th><th>${t("rights")}</th><th>${t("noticeUntil")}</th><th>${t("objections")}</th><th></th></tr></thead>
      <tbody>${
        notices.data &&
        notices.data.items.map(
          (
            n,
          ) => html`<tr key=${n.id}><td>${n.holder_name}</td><td>${n.data_name}</td><td>${n.rights.map((r) => t(r)).join("、")}</td><td>${localDate(n.notice_until)}</td><td>${n.open_objections}</td>
        <td>${me.role !== "viewer" && html`<input class="small" placeholder=${t("reason")} value=${reason} onInput=${(e) => setReason(e.target.value)} /> <button onClick=${() => act("POST", `/api/v1/exchange/applications/${n.id}/objections`, { reason })}>${t("object")}</button>`}</td></tr>`,
        )
      }</tbody>
    </table>`;
}

function VerifyTab({ t }) {
  const [number, setNumber] = useState("HZ-DR-2025-00001");
  const [query, setQuery] = useState("HZ-DR-2025-00001");
  const cert = useLoad(`/api/v1/exchange/certificates/${encodeURIComponent(query)}`, 0);
  return html`
    <form class="card" onSubmit=${(e) => {
      e.preventDefault();
      setQuery(number.trim());
    }}>
      <label>${t("number")} <input name="number" value=${number} onInput=${(e) => setNumber(e.target.value)} /></label>
      <button type="submit">${t("verify")}</button>
      <a href=${`/verify.html#${query}`} target="_blank">${t("publicPage")}</a>
    </form>
    <${ErrorBox} error=${cert.error} />
    ${cert.data && html`<${CertificateCard} cert=${cert.data} />`}`;
}

function Pledges({ t, me, lang }) {
  const [reload, setReload] = useState(0);
  const pledgePages = usePagedList("/api/v1/exchange/pledges", [], useUrlParams(), {
    prefix: "p_",
    reloadKey: reload,
  });
  const pledges = { data: pledgePages.page, error: pledgePages.error };
  const mine = useServerChoice(
    `/api/v1/exchange/certificates?holder_id=${encodeURIComponent(me.org.id)}`,
  );
  const name = useOrgNames();
  const [form, setForm] = useState({
    number: "",
    institution_id: "",
    amount: 1000000,
    term_days: 365,
  });
  const { act, error } = useAct(() => setReload((x) => x + 1));
  const number = (mine.items.find((c) => c.number === form.number) || mine.items[0] || {}).number;
  const bank = form.institution_id;
  const isBank = me.org.kind === "institution";
  return html`
    <${ErrorBox} error=${pledges.error || error} />
    ${
      (mine.items.length > 0 || mine.searched) &&
      html`<form class="card" data-testid="pledge-form" onSubmit=${(e) => {
        e.preventDefault();
        act("POST", `/api/v1/exchange/certificates/${encodeURIComponent(number)}/pledges`, {
          institution_id: bank,
          amount_fen: Math.round(form.amount * 100),
          term_days: form.term_days,
        });
      }}>
      <h3>${t("newPledge")}</h3>
      <${ServerSelect} choice=${mine} value=${number || ""} onChange=${(n) => setForm({ ...form, number: n })}
        name="number" label=${t("number")} searchLabel=${t("certSearch")} itemValue=${(c) => c.number}
        optionLabel=${(c) => `${c.number} · ${c.data_name}`} />
      <${OrgPicker} kind="institution" label=${t("institution")} t=${t} testid="pledge-bank"
                    onPick=${(o) => setForm({ ...form, institution_id: o ? o.id : "" })} />
      <label>${t("amountYuan")} <input type="number" value=${form.amount} onInput=${(e) => setForm({ ...form, amount: Number(e.target.value) })} /></label>
      <label>${t("termDays")} <input type="number" class="small" value=${form.term_days} onInput=${(e) => setForm({ ...form, term_days: Number(e.target.value) })} /></label>
      <button type="submit" disabled=${!bank || !number}>${t("pledge")}</button>
    </form>`
    }
    ${
      pledges.data &&
      pledges.data.items.length > 0 &&
      html`<table data-testid="pledges">
      <thead><tr><th>${t("number")}</th><th>${t("holder")}</th><th>${t("institution")}</th><th>${t("amountYuan")}</th><th>${t("state")}</th><th></th></tr></thead>
      <tbody>${pledges.data.items.map(
        (
          p,
        ) => html`<tr key=${p.id}><td>${p.number}</td><td>${name(p.holder_id)}</td><td>${name(p.institution_id)}</td><td>${yuan(p.amount_fen)}</td><td><span class=${`state state-${p.state}`} data-state=${p.state}>${stateName(t, p.state)}</span></td>
        <td>${isBank && p.state === "requested" && html`<${ConfirmButton} testid="pledge-confirm" label=${t("confirm")} question=${t("q_confirmPledge")} t=${t} onConfirm=${() => act("POST", `/api/v1/exchange/pledges/${p.id}/confirm`)} /> <${ConfirmButton} className="link" label=${t("decline")} question=${t("q_declinePledge")} t=${t} onConfirm=${() => act("POST", `/api/v1/exchange/pledges/${p.id}/decline`)} />`}
          ${isBank && p.state === "active" && html`<${ConfirmButton} testid="pledge-release" label=${t("release")} question=${t("q_releasePledge")} t=${t} onConfirm=${() => act("POST", `/api/v1/exchange/pledges/${p.id}/release`)} />`}
          ${!isBank && p.state === "requested" && html`<${ConfirmButton} className="link" label=${t("withdraw")} question=${t("q_withdrawPledge")} t=${t} onConfirm=${() => act("POST", `/api/v1/exchange/pledges/${p.id}/withdraw`)} />`}</td></tr>`,
      )}</tbody>
    </table>`
    }
    ${pledges.data && pledges.data.items.length === 0 && html`<p class="empty" data-testid="pledges-empty">${t(isBank ? "noPledgesBank" : "noPledgesHolder")}</p>`}
    <${Pager} t=${t} lang=${lang} list=${pledgePages} testid="pledges-pager" />`;
}

function Market({ t, me, lang }) {
  const [reload, setReload] = useState(0);
  const listingPages = usePagedList("/api/v1/exchange/listings", [], useUrlParams(), {
    reloadKey: reload,
  });
  const listings = { data: listingPages.page, error: listingPages.error };
  const tradePages = usePagedList("/api/v1/exchange/trades", [], useUrlParams(), {
    prefix: "tr_",
    reloadKey: reload,
  });
  const trades = { data: tradePages.page, error: tradePages.error };
  const name = useOrgNames();
  const [quantity, setQuantity] = useState(10);
  const { act, error } = useAct(() => setReload((x) => x + 1));
  return html`
    <${ErrorBox} error=${listings.error || error} />
    <h3>${t("listings")}</h3>
    ${listings.data && listings.data.items.length === 0 && html`<p class="empty" data-testid="listings-empty">${t("empty_listings")}</p>`}
    ${
      listings.data &&
      listings.data.items.length > 0 &&
      html`<table data-testid="listings">
      <thead><tr><th>${t("title")}</th><th>${t("seller")}</th><th>${t("number")}</th><th>${t("priceYuan")}</th><th>${t("terms")}</th><th></th></tr></thead>
      <tbody>${listings.data.items.map(
        (
          l,
        ) => html`<tr key=${l.id}><td>${l.title}</td><td>${name(l.seller_id)}</td><td>${l.number}</td><td>${yuan(l.price_fen)}</td><td>${t(l.terms)}</td>
        <td>${
          l.seller_id !== me.org.id &&
          me.role !== "viewer" &&
          html`${l.terms !== "one_off" && html`<input type="number" class="small" aria-label=${t("quantity")} value=${quantity} onInput=${(e) => setQuantity(Number(e.target.value))} />`}
          <${ConfirmButton} testid="order" label=${t("buy")} question=${t("q_buy")} t=${t} onConfirm=${() => act("POST", `/api/v1/exchange/listings/${l.id}/orders`, { quantity: l.terms === "one_off" ? 1 : quantity })} />`
        }</td></tr>`,
      )}</tbody>
    </table>`
    }
    <${Pager} t=${t} lang=${lang} list=${listingPages} testid="listings-pager" />
    <h3>${t("myTrades")}</h3>
    ${
      trades.data &&
      trades.data.items.length > 0 &&
      html`<table data-testid="trades">
      <thead><tr><th>${t("trade")}</th><th>${t("buyer")}</th><th>${t("seller")}</th><th>${t("contract")}</th><th>${t("quantity")}</th><th>${t("amountYuan")}</th><th>${t("state")}</th><th>${t("date")}</th><th></th></tr></thead>
      <tbody>${trades.data.items.map(
        (
          x,
        ) => html`<tr key=${x.id}><td>${x.id.slice(-8)}</td><td>${name(x.buyer_id)}</td><td>${name(x.seller_id)}</td><td>${x.contract_id.slice(-8)}</td><td>${x.quantity}</td><td>${yuan(x.amount_fen)}</td><td data-testid="trade-state">${t(x.state)}</td><td>${localDate(x.created_at)}</td>
        <td>${
          x.state === "awaiting_payment" &&
          me.role !== "viewer" &&
          html`${x.seller_id === me.org.id && html`<button data-testid="trade-confirm" onClick=${() => act("POST", `/api/v1/exchange/trades/${x.id}/confirm_payment`, {})}>${t("confirmPayment")}</button>`}
          <${ConfirmButton} label=${t("cancel")} question=${t("cancelTradeConfirm")} t=${t} onConfirm=${() => act("POST", `/api/v1/exchange/trades/${x.id}/cancel`, {})} />`
        }</td></tr>`,
      )}</tbody>
    </table>`
    }
    ${trades.data && trades.data.items.length === 0 && html`<p class="empty" data-testid="trades-empty">${t("noTradesYet")}</p>`}
    <${Pager} t=${t} lang=${lang} list=${tradePages} testid="trades-pager" />`;
}

const TABS = [
  "statsTab",
  "applyTab",
  "reviewTab",
  "noticesTab",
  "verifyTab",
  "pledgesTab",
  "marketTab",
];

export function ExchangePage({ t, me, lang }) {
  const kind = me.org.kind;
  const tabs = TABS.filter(
    (x) =>
      (x !== "applyTab" || kind === "data_holder" || kind === "enterprise") &&
      (x !== "reviewTab" || kind === "authority"),
  );
  const [tab, open] = useUrlTab(tabs);
  return html`
    <section>
      <h2>${t("exchange")}</h2>
      <${Tabs} keys=${tabs} tab=${tab} open=${open} label=${t} />
      ${tab === "statsTab" && html`<${Dashboard} t=${t} lang=${lang} />`}
      ${tab === "applyTab" && html`<${Apply} t=${t} me=${me} lang=${lang} />`}
      ${tab === "reviewTab" && html`<${ReviewQueue} t=${t} lang=${lang} />`}
      ${tab === "noticesTab" && html`<${Notices} t=${t} me=${me} />`}
      ${tab === "verifyTab" && html`<${VerifyTab} t=${t} />`}
      ${tab === "pledgesTab" && html`<${Pledges} t=${t} me=${me} lang=${lang} />`}
      ${tab === "marketTab" && html`<${Market} t=${t} me=${me} lang=${lang} />`}
    </section>`;
}
