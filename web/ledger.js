// The ledger page: the latest signed checkpoint, recent events, and a check of
// any event's inclusion proof and the checkpoint's signature in the browser
// itself (WebCrypto SHA-256 and Ed25519), the steps of docs/formats/ledger.md.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { localTime } from "./format.js";
import { useUrlParams } from "./url_state.js";

const html = htm.bind(h);

export const hex = (buf) =>
  [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
export const fromHex = (s) => new Uint8Array(s.match(/../g).map((b) => parseInt(b, 16)));
export const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
export const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

// RFC 9162 2.1.3.2.
export async function rootFromInclusion(index, size, leafHash, proof) {
  let fn = index,
    sn = size - 1,
    r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new Error("proof too long");
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(concat([1], p, r));
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
    } else {
      r = await sha256(concat([1], r, p));
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error("proof too short");
  return r;
}

export function parseCheckpoint(note) {
  const split = note.lastIndexOf("\n\n");
  const text = note.slice(0, split + 1);
  const [origin, size, root] = text.split("\n");
  const sigLine = note.slice(split + 2).split("\n")[0];
  const sig = fromB64(sigLine.slice(sigLine.lastIndexOf(" ") + 1));
  return { text, origin, size: Number(size), root: fromB64(root), sig: sig.slice(4) };
}

export async function checkSignature(cp, vkey) {
  try {
    // "<name>+<id>+<base64>": the base64 may itself contain '+'.
    const key = fromB64(vkey.slice(vkey.indexOf("+", vkey.indexOf("+") + 1) + 1)).slice(1);
    const k = await crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify(
      { name: "Ed25519" },
      k,
      cp.sig,
      new TextEncoder().encode(cp.text),
    );
  } catch {
    return null; // this browser has no Ed25519 in WebCrypto
  }
}

async function verifyEvent(index, vkey) {
  const p = await api("GET", `/api/v1/ledger/proof/event/${index}`);
  const cp = parseCheckpoint(p.checkpoint);
  const leafHash = await sha256(concat([0], new TextEncoder().encode(p.leaf)));
  const root = await rootFromInclusion(p.index, cp.size, leafHash, p.proof.map(fromHex));
  const included = hex(root) === hex(cp.root);
  const signed = await checkSignature(cp, vkey);
  return { included, signed, size: cp.size };
}

const PAGE = 50;

// The events the URL asks for, newest first: those about `subject` (through
// the server's index), else the PAGE events below `before` (the newest if
// unset). Returns {entries, older (the `before` of the next older page, or
// null), newer (of the next newer page, "" for the newest, or null)}.
async function loadEvents(params, size) {
  const before = params.before ? Number(params.before) : 0;
  if (params.subject) {
    const q = new URLSearchParams({ subject: params.subject, limit: String(PAGE) });
    if (before) q.set("before", String(before));
    const page = await api("GET", `/api/v1/ledger/events?${q}`);
    return { entries: page.items, older: page.next_before, newer: before ? "" : null };
  }
  const end = before > 0 && before < size ? before : size;
  const start = Math.max(0, end - PAGE);
  const { entries } =
    end > start
      ? await api("GET", `/api/v1/ledger/entries?start=${start}&end=${end}`)
      : { entries: [] };
  const newer = end >= size ? null : end + PAGE >= size ? "" : String(end + PAGE);
  return { entries: entries.reverse(), older: start > 0 ? start : null, newer };
}

// Jump to an event by number, or list the events about an object.
function Lookup({ t, params, setParams }) {
  const [number, setNumber] = useState("");
  const [subject, setSubject] = useState(params.subject || "");
  return html`<form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
    <label>${t("eventNumber")} <input name="event" inputmode="numeric" value=${number} data-testid="ledger-number"
      onInput=${(e) => setNumber(e.target.value.trim())} /></label>
    <button type="button" data-testid="ledger-go" disabled=${!/^\d+$/.test(number)}
      onClick=${() => setParams({ before: String(Number(number) + 1), at: number })}>${t("goTo")}</button>
    <label>${t("subjectLookup")} <input name="subject" value=${subject} data-testid="ledger-subject"
      onInput=${(e) => setSubject(e.target.value.trim())} /></label>
    <button type="button" data-testid="ledger-find" disabled=${!subject}
      onClick=${() => setParams({ subject })}>${t("search")}</button>
    ${(params.subject || params.before) && html`<button type="button" class="link" onClick=${() => setParams({})}>${t("latestEvents")}</button>`}
  </form>`;
}

export function LedgerPage({ t, lang }) {
  const [params, setParams] = useUrlParams();
  const [head, setHead] = useState(null);
  const [state, setState] = useState({ loading: true });
  const [checks, setChecks] = useState({});
  useEffect(() => {
    Promise.all([api("GET", "/api/v1/ledger/checkpoint"), api("GET", "/api/v1/ledger/vkey")])
      .then(([note, vkey]) => setHead({ note, vkey: vkey.vkey, cp: parseCheckpoint(note) }))
      .catch((error) => setState({ error }));
  }, []);
  useEffect(() => {
    if (!head) return undefined;
    let live = true;
    loadEvents(params, head.cp.size)
      .then((page) => live && setState(page))
      .catch((error) => live && setState({ error }));
    return () => {
      live = false;
    };
  }, [head, params.subject, params.before]);
  const check = async (index) => {
    setChecks({ ...checks, [index]: { busy: true } });
    try {
      setChecks((c) => ({ ...c, [index]: null }));
      const r = await verifyEvent(index, head.vkey);
      setChecks((c) => ({ ...c, [index]: r }));
    } catch (e) {
      setChecks((c) => ({ ...c, [index]: { error: e.message } }));
    }
  };
  if (state.error)
    return html`<section><h2>${t("ledger")}</h2><div class="error" data-testid="error">${state.error.message}</div></section>`;
  if (!head || state.loading)
    return html`<section><h2>${t("ledger")}</h2><p>${t("loading")}</p></section>`;
  const verdict = (c) => {
    if (!c) return "";
    if (c.busy) return "…";
    if (c.error) return html`<span class="bad">✗ ${c.error}</span>`;
    return html`<span class=${c.included && c.signed !== false ? "good" : "bad"} data-testid="verdict">
      ${c.included ? "✓" : "✗"} ${t("included")} ${c.size} · ${c.signed === null ? t("sigUnchecked") : c.signed ? `✓ ${t("signed")}` : `✗ ${t("signed")}`}</span>`;
  };
  const move = (before) => setParams({ ...params, before, at: "" });
  return html`
    <section>
      <h2>${t("ledger")}</h2>
      <div class="card">
        <h3>${t("checkpoint")}</h3>
        <pre class="note" data-testid="checkpoint">${head.note}</pre>
        <p class="hint">vkey: <code>${head.vkey}</code></p>
      </div>
      <${Lookup} t=${t} params=${params} setParams=${setParams} />
      ${state.entries.length === 0 && html`<p class="empty">${t("nothingMatches")}</p>`}
      ${
        state.entries.length > 0 &&
        html`<table data-testid="ledger-table">
        <thead><tr><th>#</th><th>${t("eventKind")}</th><th>${t("subject")}</th><th>${t("created")}</th><th></th></tr></thead>
        <tbody>
          ${state.entries.map(
            (e) => html`
            <tr key=${e.index} class=${String(e.index) === params.at ? "active" : ""}>
              <td>${e.index}</td><td><code>${e.event.kind}</code></td>
              <td><a href=${`#ledger?subject=${encodeURIComponent(e.event.subject)}`}><code>${e.event.subject}</code></a></td>
              <td>${localTime(e.event.time, lang)}</td>
              <td><button class="small" data-index=${e.index} onClick=${() => check(e.index)}>${t("verify")}</button> ${verdict(checks[e.index])}</td>
            </tr>`,
          )}
        </tbody>
      </table>`
      }
      <div class="pager" data-testid="ledger-pager">
        ${state.newer !== null && html`<button type="button" data-testid="ledger-newer" onClick=${() => move(state.newer)}>${t("newer")}</button>`}
        ${state.older !== null && html`<button type="button" data-testid="ledger-older" onClick=${() => move(String(state.older))}>${t("older")}</button>`}
      </div>
    </section>`;
}
