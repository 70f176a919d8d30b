// The public verification page of data property certificates: the QR code on
// a certificate points here (verify.html#<number>). No sign-in.
import { h, render } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { CertificateCard } from "./certificate_view.js";

const html = htm.bind(h);

function Verify() {
  const [number, setNumber] = useState(decodeURIComponent(location.hash.slice(1)));
  const [input, setInput] = useState(number);
  const [state, setState] = useState({});
  useEffect(() => {
    const onHash = () => {
      const n = decodeURIComponent(location.hash.slice(1));
      setNumber(n);
      setInput(n);
    };
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    if (!number) return;
    setState({ loading: true });
    fetch(`/api/v1/exchange/certificates/${encodeURIComponent(number)}`)
      .then(async (r) => {
        const body = await r.json();
        setState(
          r.ok ? { cert: body } : { error: body.error ? body.error.message : `HTTP ${r.status}` },
        );
      })
      .catch((e) => setState({ error: e.message }));
  }, [number]);
  const submit = (e) => {
    e.preventDefault();
    location.hash = input.trim();
    setNumber(input.trim());
  };
  return html`
    <main class="verify">
      <h1>数据产权登记证书核验 <small>Certificate verification</small></h1>
      <form class="card" onSubmit=${submit}>
        <label>证书编号 Number <input name="number" value=${input} placeholder="HZ-DR-2025-00001" onInput=${(e) => setInput(e.target.value)} /></label>
        <button type="submit">核验 Verify</button>
      </form>
      ${state.loading && html`<p>…</p>`}
      ${state.error && html`<p class="error" data-testid="error">${state.error}</p>`}
      ${state.cert && html`<${CertificateCard} cert=${state.cert} />`}
    </main>`;
}

render(html`<${Verify} />`, document.getElementById("app"));
