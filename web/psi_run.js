// The consumer's PSI in the browser (issue 22 §4): pick a contract that
// permits PSI, its column and output, and a list — a CSV file or pasted
// items, read in this page and never sent (psi_items.js); psi_client.js sends
// only blinded points. Shows the progress, then the size or the shared items
// (downloadable as CSV). The node's refusals (client size, sessions a day,
// protected fields) show in the ErrorBox; a refused start begins no session.
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { ErrorBox } from "./error_box.js";
import { useAction } from "./hooks.js";
import { csvColumn, pastedItems } from "./psi_items.js";
import { distinctItems, runPsi } from "./psi_client.js";
import { ContractSelect } from "./contract_choice.js";

const html = htm.bind(h);

// The values a contract's psi permission allows for `operand` (field, psiOutput).
function allowed(contract, operand) {
  const psi = contract ? contract.policy.permission.find((p) => p.action === "psi") : null;
  const c = psi && (psi.constraint || []).find((x) => x.leftOperand === operand);
  return c ? [].concat(c.rightOperand) : [];
}

// The CSV the shared items download as: the column's name, then one item a line.
function sharedCsv(column, items) {
  const quote = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return URL.createObjectURL(
    new Blob([[column, ...items].map(quote).join("\n") + "\n"], { type: "text/csv" }),
  );
}

export function PsiRunForm({ t, choice, onDone }) {
  const usable = choice.items;
  const [form, setForm] = useState({ contract: "", column: "", output: "", purpose: "" });
  const [file, setFile] = useState({ text: "", column: "" });
  const [pasted, setPasted] = useState("");
  const [progress, setProgress] = useState(null);
  const [result, setResult] = useState(null);
  const { run, busy, error } = useAction();
  const contract = usable.find((c) => c.id === form.contract) || usable[0];
  const columns = allowed(contract, "field");
  const outputs = allowed(contract, "psiOutput");
  const column = columns.includes(form.column) ? form.column : columns[0] || "";
  const output = outputs.includes(form.output) ? form.output : outputs[0] || "";
  const csv = file.text ? csvColumn(file.text, file.column) : null;
  const items = distinctItems(csv ? csv.items : pastedItems(pasted));
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  // A file chosen is the list; none chosen (cleared), the pasted items are.
  const readFile = async (e) => {
    const chosen = e.target.files[0];
    setFile({ text: chosen ? await chosen.text() : "", column: "" });
  };

  // The sessions listed are read again after any run that reached the node.
  const start = (e) => {
    e.preventDefault();
    run(async () => {
      if (result && result.url) URL.revokeObjectURL(result.url);
      setResult(null);
      if (!items.length) throw new Error(t("psiNoItems"));
      try {
        const r = await runPsi({
          contractId: contract.id,
          column,
          items,
          output,
          purpose: form.purpose,
          progress: setProgress,
        });
        setResult(r.intersection ? { ...r, url: sharedCsv(column, r.intersection) } : r);
      } finally {
        setProgress(null);
        onDone();
      }
    });
  };

  return html`<form class="card" onSubmit=${start} data-testid="psi-browser-form">
    <h3>${t("psiBrowser")}</h3>
    <${ContractSelect} t=${t} choice=${choice} name="contract_id" value=${contract ? contract.id : ""} onChange=${(id) => setForm({ ...form, contract: id })} />
    <label>${t("column")} <select name="column" value=${column} onChange=${set("column")}>${columns.map((c) => html`<option value=${c}>${c}</option>`)}</select></label>
    <label>${t("output")} <select name="output" value=${output} onChange=${set("output")}>${outputs.map((o) => html`<option value=${o}>${t(`psiMode_${o}`)}</option>`)}</select></label>
    <label>${t("purpose")} <input name="purpose" required value=${form.purpose} onInput=${set("purpose")} /></label>
    <label>${t("psiItemsFile")} <input type="file" accept=".csv,text/csv" data-testid="psi-file" onChange=${readFile} /></label>
    ${csv && html`<label>${t("psiItemsColumn")} <select value=${file.column || csv.header[0]} onChange=${(e) => setFile({ ...file, column: e.target.value })}>${csv.header.map((c) => html`<option value=${c}>${c}</option>`)}</select></label>`}
    ${!csv && html`<label class="wide">${t("psiItemsPaste")} <textarea rows="4" data-testid="psi-pasted" value=${pasted} onInput=${(e) => setPasted(e.target.value)}></textarea></label>`}
    <p class="hint" data-testid="psi-items-read">${t("psiItemsRead")}: ${items.length}</p>
    <button type="submit" disabled=${!contract || !column || !output || busy}>${t("psiRunBrowser")}</button>
    ${progress && html`<p data-testid="psi-progress">${t(`psiStage_${progress.stage}`)} <progress max=${progress.total} value=${progress.done} aria-label=${t(`psiStage_${progress.stage}`)}></progress> ${progress.done} / ${progress.total}</p>`}
    <${ErrorBox} error=${error} />
    ${result && html`<p class="ok" data-testid="psi-browser-result" data-size=${result.intersection_size}>${t(result.intersection ? "psiSharedCount" : "psiSizeResult")}: ${result.intersection_size} / ${result.client_size} (${t("theirs")} ${result.server_size})</p>`}
    ${
      result &&
      result.intersection &&
      html`<details class="wide"><summary>${t("psiSharedItems")}</summary><ol data-testid="psi-shared">${result.intersection.map((x) => html`<li>${x}</li>`)}</ol></details>
      <a href=${result.url} download="psi-intersection.csv" data-testid="psi-download">${t("psiDownloadShared")}</a>`
    }
  </form>`;
}
