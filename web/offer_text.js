// Usage policies (the ODRL-like JSON of src/dataspace/policy.h and
// docs/dataspace/contracts.md) as sentences a clerk reads: "允许：聚合查询 —
// 用途限于科研、信贷；2030年1月1日前；隐私预算 ε ≤ 10" and "禁止：安全交付".
// Actions, left operands, purposes and duties come from the dictionary;
// a value it does not know shows as it is. The JSON stays one click away.
// Also reads a policy as another node's catalog sends it (DSP: typed
// literals, single rules not in a list, "odrl:" prefixes).
import { h } from "/vendor/preact.module.js";
import htm from "/vendor/htm.module.js";
import { count, spokenTime } from "./format.js";

const html = htm.bind(h);

const list = (x) => (Array.isArray(x) ? x : x === undefined || x === null ? [] : [x]);
// The objects of a list: a peer's catalog may send anything.
const objects = (x) => list(x).filter((y) => y && typeof y === "object");
// A term as a string: "odrl:use" and {"@id": "use"} read as "use".
const term = (x) => {
  const s = x && typeof x === "object" ? x["@id"] || x.id || "" : String(x ?? "");
  return s.replace(/^odrl:/, "");
};
// A right operand's value: a DSP typed literal {"@value": "10.0"} reads as 10.
const value = (x) => {
  if (x && typeof x === "object" && "@value" in x) {
    const n = Number(x["@value"]);
    return x["@type"] && /decimal|integer|double/.test(x["@type"]) && !isNaN(n) ? n : x["@value"];
  }
  return x;
};
// A dictionary text with its {name}s filled in.
const fill = (text, vars) =>
  text.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
// The dictionary's label for `key`, or `raw` when it has none.
const known = (t, key, raw) => {
  const label = t(key);
  return label === key ? raw : label;
};

function number(x) {
  const n = Number(value(x));
  return isNaN(n) ? String(value(x)) : count(n);
}

const SYMBOLS = { isAnyOf: "∈", eq: "=", lteq: "≤", lt: "<", gteq: "≥", gt: ">" };

// One constraint as a phrase. `field` names a field in the reader's words; a
// prohibition's sets read as when it applies ("for marketing") where the
// dictionary says so.
function constraintText(t, c, field, kind) {
  const left = term(c.leftOperand);
  const op = term(c.operator);
  const values = list(c.rightOperand).map(value);
  const names = (prefix) =>
    values.map((v) => known(t, `${prefix}${v}`, String(v))).join(t("ot_and"));
  const phrase = (key, vars) =>
    fill(kind === "prohibition" ? known(t, `${key}_when`, t(key)) : t(key), vars);
  if (op === "isAnyOf") {
    if (left === "purpose") return phrase("ot_purposeIn", { list: names("ot_purpose_") });
    if (left === "spatial") return phrase("ot_spatialIn", { list: names("ot_region_") });
    if (left === "field")
      return phrase("ot_fieldIn", { list: values.map(field).join(t("ot_and")) });
    if (left === "psiOutput") return phrase("ot_psiOutputIn", { list: names("ot_psiOutput_") });
    if (left === "psiIntersectionField")
      return phrase("ot_psiFieldIn", { list: values.map(field).join(t("ot_and")) });
  }
  if (left === "dateTime" && ["gteq", "gt", "lt", "lteq"].includes(op))
    return phrase(`ot_dateTime_${op}`, { date: spokenTime(value(c.rightOperand)) });
  const limits = {
    lteq: ["count", "epsilon", "psiClientSize", "psiSessionsPerDay"],
    gteq: ["groupSize"],
  };
  if ((limits[op] || []).includes(left))
    return phrase(`ot_${left}_${op}`, { n: number(c.rightOperand) });
  // Anything else, as plainly as it goes: the left operand's name, a symbol, the values.
  const right = values.map((v) => (typeof v === "number" ? number(v) : String(v)));
  return `${known(t, `ot_left_${left}`, left)} ${SYMBOLS[op] || op} ${right.join(t("ot_and"))}`;
}

// A policy as sentences: [{kind: "permission" | "prohibition", text}].
// `fieldName(name)` gives a field's label (the name itself by default).
export function policySentences(t, policy, fieldName = (f) => f) {
  if (!policy || typeof policy !== "object") return [];
  const field = (f) => fieldName(String(f));
  const rule = (kind) => (r) => {
    const action = term(r.action);
    const parts = objects(r.constraint).map((c) => constraintText(t, c, field, kind));
    for (const d of objects(r.duty)) {
      const duty = term(d.action);
      parts.push(known(t, `ot_duty_${duty}`, fill(t("ot_dutyOther"), { duty })));
    }
    let text = `${t(`ot_${kind}`)}${known(t, `ot_action_${action}`, action)}`;
    if (parts.length > 0) text += `${t("ot_dash")}${parts.join(t("ot_semi"))}`;
    return { kind, text };
  };
  return [
    ...objects(policy.permission).map(rule("permission")),
    ...objects(policy.prohibition).map(rule("prohibition")),
  ];
}

// The policy's sentences, and its JSON behind a click. `fields` (a product's
// schema, optional) gives the fields' labels.
export function OfferText({ t, policy, fields }) {
  const labels = new Map((fields || []).map((f) => [f.name, f.label || f.name]));
  const sentences = policySentences(t, policy, (f) => labels.get(f) || f);
  return html`<div class="offer-text" data-testid="offer-text">
    <ul class="policy">
      ${sentences.map((s, i) => html`<li key=${i} class=${s.kind === "permission" ? "good" : "bad"} data-kind=${s.kind}>${s.text}</li>`)}
      ${sentences.length === 0 && html`<li>${t("ot_nothingAllowed")}</li>`}
    </ul>
    <details class="raw-policy"><summary>${t("ot_showJson")}</summary><pre class="note" tabindex="0">${JSON.stringify(policy, null, 2)}</pre></details>
  </div>`;
}
