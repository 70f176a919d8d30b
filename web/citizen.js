// The citizen's page: sign in with the app token (czt_..., from enrolment),
// show my dynamic code as a QR image with its countdown (a new one is drawn
// when it expires), and my scan log: who read my code, what they read and
// when, each checked against what that category may read; and the policies
// that found me (春雨计划), each with why I am eligible.
import { h, render } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { Clauses } from "./clauses.js";
import { Period } from "./notice_period.js";
import { useLang } from "./i18n.js";
import { duration, localTime } from "./format.js";
import { useAction } from "./hooks.js";

const html = htm.bind(h);
const KEY = "qiantang.citizen";

async function call(method, path, token) {
  const res = await fetch(path, {
    method,
    headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body && body.error ? body.error.message : `HTTP ${res.status}`);
  return body;
}

// A list of mine, `size` at a time, newest pages appended by `more()`:
// {items, error, hasMore, more(), reload()}.
function useMine(path, token, size = 20) {
  const [pages, setPages] = useState({ items: null, next: null });
  const [error, setError] = useState(null);
  const load = (cursor, keep) =>
    call(
      "GET",
      `${path}?limit=${size}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      token,
    )
      .then((page) => setPages({ items: [...keep, ...page.items], next: page.next_cursor || null }))
      .catch((e) => setError(e.message));
  useEffect(() => {
    load(null, []);
  }, []);
  return {
    items: pages.items,
    error,
    hasMore: !!pages.next,
    more: () => load(pages.next, pages.items),
    reload: () => load(null, []),
  };
}

function MyCode({ t, token }) {
  const [code, setCode] = useState(null);
  const { run, error } = useAction();
  const [now, setNow] = useState(Date.now());
  const draw = () =>
    run(async () => setCode(await call("POST", "/api/v1/identity/me/code", token)));
  useEffect(() => {
    draw();
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  const left = code ? Math.max(0, Math.round((Date.parse(code.expires_at) - now) / 1000)) : 0;
  useEffect(() => {
    if (code && left === 0) draw();
  }, [left === 0]);
  return html`<div class="card code-qr" data-testid="my-code">
    <h3>${t("myCode")}</h3>
    ${error && html`<p class="error">${error.message}</p>`}
    ${
      code &&
      html`<img alt="QR" src=${`data:image/png;base64,${code.png_base64}`} />
      <p>${t("expiresIn")} <strong data-testid="countdown">${duration(left)}</strong> · ${t("oneScan")}</p>
      <button onClick=${draw}>${t("refresh")}</button>`
    }
  </div>`;
}

function MyLog({ t, token }) {
  const log = useMine("/api/v1/identity/me/scans", token);
  return html`<div>
    <h3>${t("scanLog")}</h3>
    ${log.error && html`<p class="error">${log.error}</p>`}
    ${
      log.items &&
      (log.items.length === 0
        ? html`<p class="empty">${t("noScans")}</p>`
        : html`<table data-testid="scan-log">
      <thead><tr><th>${t("when")}</th><th>${t("category")}</th><th>${t("terminal")}</th><th>${t("claimsRead")}</th><th>${t("check")}</th></tr></thead>
      <tbody>${log.items.map(
        (
          s,
        ) => html`<tr key=${s.id}><td>${localTime(s.scanned_at)}</td><td>${s.category_name}</td><td>${s.terminal_name}</td><td>${s.claims_read.join(", ")}</td>
        <td class=${s.check === "ok" ? "" : "warn"}>${t(`check_${s.check}`)}</td></tr>`,
      )}</tbody></table>`)
    }
    ${log.hasMore && html`<button type="button" data-testid="scan-log-more" onClick=${log.more}>${t("showMore")}</button>`}
  </div>`;
}

function MyNotices({ t, lang, token }) {
  const inbox = useMine("/api/v1/match/me/inbox", token);
  const { run, error } = useAction();
  const read = (n) => () =>
    run(async () => {
      await call("POST", `/api/v1/match/me/inbox/${n.id}/read`, token);
      await inbox.reload();
    });
  return html`<div>
    <h3>${t("pl_myNotices")}</h3>
    ${(inbox.error || error) && html`<p class="error">${inbox.error || error.message}</p>`}
    ${
      inbox.items &&
      (inbox.items.length === 0
        ? html`<p class="empty">${t("pl_noNotices")}</p>`
        : html`<div data-testid="citizen-notices">
      ${inbox.items.map(
        (n) => html`<div key=${n.id} class=${`card ${n.read_at ? "" : "unread"}`}>
        <h4>${n.title} · ${n.benefit}</h4>
        <${Period} t=${t} notice=${n} />
        <${Clauses} clauses=${n.explanation} t=${t} lang=${lang} />
        ${!n.read_at && html`<button onClick=${read(n)}>${t("pl_markRead")}</button>`}</div>`,
      )}</div>`)
    }
    ${inbox.hasMore && html`<button type="button" data-testid="notices-more" onClick=${inbox.more}>${t("showMore")}</button>`}
  </div>`;
}

function Citizen() {
  const { t, lang, toggle } = useLang();
  const [token, setToken] = useState(sessionStorage.getItem(KEY) || "");
  const [input, setInput] = useState("");
  const [me, setMe] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!token) return;
    call("GET", "/api/v1/identity/me", token)
      .then(setMe)
      .catch((e) => {
        setError(e.message);
        sessionStorage.removeItem(KEY);
        setToken("");
      });
  }, [token]);
  const signIn = (e) => {
    e.preventDefault();
    setError(null);
    sessionStorage.setItem(KEY, input.trim());
    setToken(input.trim());
  };
  const signOut = () => {
    sessionStorage.removeItem(KEY);
    setToken("");
    setMe(null);
  };
  return html`<main class="verify">
    <header><span class="brand">${t("citizenPage")}</span> <button class="link" onClick=${toggle}>${t("language")}</button>
      ${me && html`<button class="link" onClick=${signOut}>${t("signOut")}</button>`}</header>
    ${
      !me &&
      html`<form class="signin" onSubmit=${signIn}>
      <label for="ctoken">${t("citizenToken")}</label>
      <input id="ctoken" type="password" placeholder="czt_..." value=${input} onInput=${(e) => setInput(e.target.value)} />
      <button type="submit" disabled=${!input.trim()}>${t("signIn")}</button>
      ${error && html`<p class="error">${error}</p>`}
    </form>`
    }
    ${
      me &&
      html`<section>
      <p data-testid="citizen-who">${me.name_masked} · ${me.district} · ${me.concession}${me.talent_category ? ` · ${t("talent")} ${me.talent_category} (${me.talent_until})` : ""}</p>
      <${MyCode} t=${t} token=${token} />
      <${MyNotices} t=${t} lang=${lang} token=${token} />
      <${MyLog} t=${t} token=${token} />
    </section>`
    }
  </main>`;
}

render(html`<${Citizen} />`, document.getElementById("app"));
