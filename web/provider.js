// A compute provider's own clusters in the console: register one (a pool of
// one chip kind, its price), change each chip's price per card-hour, and take
// a cluster out of service or back. Prices are entered and shown in yuan and
// sent in fen; new quotes use them, orders already made keep their own.
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useLoad } from "./hooks.js";
import { ConfirmButton } from "./confirm_button.js";
import { count, decimal, yuanInput, yuanWithUnit } from "./format.js";

const html = htm.bind(h);

// "28.50" -> 2850; null unless a positive amount with at most two decimals.
export function fenOf(text) {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  const fen = Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0"));
  return fen > 0 ? fen : null;
}

function RegisterForm({ t, chips, onDone }) {
  const [form, setForm] = useState({
    name: "",
    region: "",
    chip: "",
    nodes: "4",
    cards: "8",
    price: "",
  });
  const { run, error } = useAction();
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const submit = (e) => {
    e.preventDefault();
    run(async () => {
      const fen = fenOf(form.price);
      if (fen === null) throw new Error(t("pr_badPrice"));
      const chip = form.chip || chips[0]?.name;
      await api("POST", "/api/v1/compute/provider-clusters", {
        name: form.name.trim(),
        region: form.region.trim(),
        pools: [
          {
            name: chip.toLowerCase(),
            chip,
            nodes: Number(form.nodes),
            cards_per_node: Number(form.cards),
          },
        ],
        fen_per_card_hour: { [chip]: fen },
      });
      setForm({ ...form, name: "", price: "" });
      onDone();
    });
  };
  return html`<form class="card" data-testid="register-cluster" onSubmit=${submit}>
    <h3>${t("pr_register")}</h3>
    <label>${t("name")} <input name="name" required value=${form.name} onInput=${set("name")} /></label>
    <label>${t("pr_region")} <input name="region" required value=${form.region} onInput=${set("region")} /></label>
    <label>${t("chip")} <select name="chip" value=${form.chip} onChange=${set("chip")}>
      ${chips.map((c) => html`<option value=${c.name}>${c.name} (${c.vendor}, ${c.memory_gib} GiB)</option>`)}</select></label>
    <label>${t("pr_nodes")} <input name="nodes" type="number" min="1" max="100000" value=${form.nodes} onInput=${set("nodes")} /></label>
    <label>${t("pr_cardsPerNode")} <input name="cards" type="number" min="1" max="64" value=${form.cards} onInput=${set("cards")} /></label>
    <label>${t("pr_price")} <input name="price" inputmode="decimal" required value=${form.price} onInput=${set("price")} /></label>
    <button type="submit">${t("pr_registerButton")}</button>
    <${ErrorBox} error=${error} />
  </form>`;
}

function ClusterCard({ t, lang, c, onChange }) {
  const [prices, setPrices] = useState(() =>
    Object.fromEntries(
      Object.entries(c.fen_per_card_hour).map(([chip, fen]) => [chip, yuanInput(fen)]),
    ),
  );
  const { run, error } = useAction();
  // POSTs `body` to the cluster's `path`; the cluster then shows anew.
  const change = async (path, body) => {
    await api("POST", `/api/v1/compute/provider-clusters/${c.id}/${path}`, body);
    onChange();
  };
  const savePrices = (e) => {
    e.preventDefault();
    run(() => {
      const fen = {};
      for (const [chip, text] of Object.entries(prices)) {
        fen[chip] = fenOf(text);
        if (fen[chip] === null) throw new Error(`${chip}: ${t("pr_badPrice")}`);
      }
      return change("prices", { fen_per_card_hour: fen });
    });
  };
  return html`<div class="card" data-testid="own-cluster" data-available=${c.available ? "yes" : "no"}>
    <h3>${c.name} <span class="hint">${c.region} · ${count(c.cards, lang)} ${t("cards")} · ${decimal(c.pflops, lang, 1)} P</span></h3>
    <p data-state=${c.available ? "available" : "unavailable"}>${c.available ? t("pr_inService") : t("pr_outOfService")}
      ${
        c.available
          ? html` <${ConfirmButton} label=${t("pr_takeOut")} question=${t("q_takeOut")} t=${t} testid="take-out" onConfirm=${() => run(() => change("availability", { available: false }))} />`
          : html` <button type="button" data-testid="bring-back" onClick=${() => run(() => change("availability", { available: true }))}>${t("pr_bringBack")}</button>`
      }</p>
    <form class="filters" onSubmit=${savePrices}>
      ${Object.keys(prices).map(
        (
          chip,
        ) => html`<label>${chip} ${t("pr_price")} <input name=${`price-${chip}`} inputmode="decimal" value=${prices[chip]}
          data-testid=${`price-${chip}`} onInput=${(e) => setPrices({ ...prices, [chip]: e.target.value })} /></label>
          <span class="hint">${t("pr_now")} ${yuanWithUnit(c.fen_per_card_hour[chip], lang)}</span>`,
      )}
      <button type="submit" data-testid="save-prices">${t("pr_savePrices")}</button>
    </form>
    <${ErrorBox} error=${error} />
  </div>`;
}

export function ProviderClusters({ t, lang, me }) {
  const [reload, setReload] = useState(0);
  const clusters = useLoad(
    `/api/v1/compute/provider-clusters?provider_id=${encodeURIComponent(me.org.id)}`,
    reload,
  );
  const chips = useLoad("/api/v1/compute/chips", 0);
  const own = clusters.data ? clusters.data.items : [];
  return html`<div data-testid="provider-clusters">
    <${ErrorBox} error=${clusters.error || chips.error} />
    ${clusters.data && own.length === 0 && html`<p class="empty">${t("pr_none")}</p>`}
    ${own.map((c) => html`<${ClusterCard} key=${`${c.id}-${reload}`} t=${t} lang=${lang} c=${c} onChange=${() => setReload(reload + 1)} />`)}
    ${me.role !== "viewer" && chips.data && html`<${RegisterForm} t=${t} chips=${chips.data.items} onDone=${() => setReload(reload + 1)} />`}
  </div>`;
}
