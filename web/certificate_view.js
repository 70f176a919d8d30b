// A data property certificate as anyone may check it: its fields, history,
// pledge status and QR code, with the document's hash and the issuer's
// Ed25519 signature verified in the browser (WebCrypto). Used by the
// console's exchange page and by the public page verify.html.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { yuan, localDate } from "./format.js";

const html = htm.bind(h);
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (s) => new Uint8Array(s.match(/../g).map((x) => parseInt(x, 16)));
const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

// {hash: bool, signature: bool | null (no Ed25519 in this browser)}
async function verify(cert) {
  const bytes = new TextEncoder().encode(cert.document);
  const hash = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))) === cert.sha256;
  let signature = null;
  try {
    const doc = JSON.parse(cert.document);
    const key = await crypto.subtle.importKey(
      "raw",
      fromHex(doc.issuer.public_key),
      { name: "Ed25519" },
      false,
      ["verify"],
    );
    signature = await crypto.subtle.verify(
      { name: "Ed25519" },
      key,
      fromB64(cert.signature),
      bytes,
    );
  } catch {
    signature = null;
  }
  return { hash, signature };
}

const RIGHTS = {
  resource_holding: "数据资源持有权 resource holding",
  processing_use: "数据加工使用权 processing and use",
  product_operation: "数据产品经营权 product operation",
};

// The states and changes the public page names, in both languages (it has no
// sign-in and so no language choice); the server's word stays in data-state.
const WORDS = {
  valid: "有效 valid",
  expired: "已过期 expired",
  cancelled: "已注销 cancelled",
  superseded: "已被新版本取代 superseded",
  issued: "首次登记 issued",
  changed: "变更登记 changed",
  transferred: "转让 transferred",
  renewed: "续期 renewed",
  requested: "待银行确认 awaiting the bank",
  active: "质押中 active",
  declined: "已拒绝 declined",
  released: "已解除 released",
  withdrawn: "已撤回 withdrawn",
};
const word = (x) => WORDS[x] || x;

export function CertificateCard({ cert }) {
  const [check, setCheck] = useState(null);
  useEffect(() => {
    verify(cert).then(setCheck);
  }, [cert.sha256]);
  const doc = JSON.parse(cert.document);
  const active = cert.pledges.find((p) => p.state === "active");
  return html`
    <div class="certificate" data-testid="certificate">
      <div class="cert-head">
        <div>
          <div class="cert-number">${cert.number}</div>
          <div>数据产权登记证书 · Data property certificate · v${cert.version} (${word(cert.change)})</div>
        </div>
        <img alt="QR" class="qr" src=${`/api/v1/exchange/certificates/${encodeURIComponent(cert.number)}/qr.svg`} />
      </div>
      <p><span class=${`state state-${cert.status}`} data-state=${cert.status} data-testid="cert-status">${word(cert.status)}</span>
        ${active && html` <span class="state state-pledged" data-testid="cert-pledged">质押中 pledged · ${yuan(active.amount_fen)} 元</span>`}</p>
      <table>
        <tbody>
          <tr><th>持有人 Holder</th><td>${doc.holder.name} (${doc.holder.credit_code})</td></tr>
          <tr><th>数据 Data</th><td>${doc.data.name} · ${doc.data.type} · ${doc.data.scale} · ${doc.data.update_cycle}</td></tr>
          <tr><th>权利 Rights</th><td>${doc.rights.map((r) => RIGHTS[r] || r).join("；")}</td></tr>
          <tr><th>快照 Snapshot</th><td><code>${doc.data.snapshot_sha256}</code></td></tr>
          <tr><th>有效期 Valid</th><td>${localDate(doc.valid_from)} — ${localDate(doc.valid_until)}</td></tr>
          <tr><th>登记机构 Issuer</th><td>${doc.issuer.name}</td></tr>
        </tbody>
      </table>
      ${
        check &&
        html`<p data-testid="cert-check">
        <span class=${check.hash ? "good" : "bad"}>${check.hash ? "✓ 摘要一致 hash matches" : "✗ 摘要不一致 hash mismatch"}</span> ·
        <span class=${check.signature === null ? "" : check.signature ? "good" : "bad"}>${check.signature === null ? "浏览器不支持 Ed25519，签名未核验" : check.signature ? "✓ 登记机构签名有效 signature valid" : "✗ 签名无效 signature invalid"}</span></p>`
      }
      <h3>变更历史 History</h3>
      <table>
        <thead><tr><th>v</th><th>变更</th><th>状态</th><th>时间</th><th>sha256</th></tr></thead>
        <tbody>${cert.history.map((c) => html`<tr key=${c.version}><td>${c.version}</td><td data-state=${c.change}>${word(c.change)}</td><td data-state=${c.status}>${word(c.status)}</td><td>${localDate(c.created_at)}</td><td><code>${c.sha256.slice(0, 16)}…</code></td></tr>`)}</tbody>
      </table>
      ${
        cert.pledges.length > 0 &&
        html`
        <h3>质押 Pledges</h3>
        <table>
          <thead><tr><th>状态</th><th>金额（元）</th><th>期限</th><th>登记</th></tr></thead>
          <tbody>${cert.pledges.map((p) => html`<tr key=${p.id}><td data-state=${p.state}>${word(p.state)}</td><td>${yuan(p.amount_fen)}</td><td>${p.term_days} 天</td><td>${localDate(p.created_at)}</td></tr>`)}</tbody>
        </table>`
      }
    </div>`;
}
