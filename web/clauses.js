// A rule's clauses as explained by the server, in words: what each asks
// ("营业收入 ≥ 2,000 万元"), the entity's value ("实际 1,500 万元") and whether
// it passed (✓) or not (✗, with the gap for a number). The rule as written is
// one click away. Clauses the server did not take apart (older notices,
// conditions that are not a rule's) show as written.
import { h } from "/vendor/preact.module.js";
import htm from "/vendor/htm.module.js";
import { count, decimal, percent } from "./format.js";

const html = htm.bind(h);

// How each attribute's numbers read: yuan, a ratio, or a count with a unit.
const UNITS = {
  revenue: "yuan",
  need_amount: "yuan",
  rd_ratio: "ratio",
  staff: "unit_people",
  patents: "unit_items",
  age: "unit_age",
};

const SYMBOLS = { "=": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥" };

function number(v, attribute, yearsSince, t, lang) {
  if (yearsSince) return `${decimal(v, lang, 1, 0)} ${t("unit_years")}`;
  const unit = UNITS[attribute];
  if (unit === "yuan")
    return Math.abs(v) >= 10000
      ? `${count(v / 10000, lang)} ${t("unit_wan_yuan")}`
      : `${count(v, lang)} ${t("unit_yuan")}`;
  if (unit === "ratio") return percent(v, lang, 1, 0);
  return unit ? `${count(v, lang)} ${t(unit)}` : count(v, lang);
}

function literal(v, c, t, lang) {
  if (typeof v === "number") return number(v, c.attribute, c.years_since, t, lang);
  if (typeof v === "boolean") return t(v ? "val_true" : "val_false");
  const key = `val_${v}`;
  return t(key) === key ? String(v) : t(key);
}

// What the clause asks, in words; null if the server did not take it apart.
export function clauseText(c, t, lang) {
  if (!c.attribute || !c.op) return null;
  const attrKey = `attr_${c.attribute}`;
  let subject = t(attrKey) === attrKey ? c.attribute : t(attrKey);
  if (c.years_since) subject = `${subject}${t("cl_yearsSince")}`;
  const values = (c.operands || []).map((v) => literal(v, c, t, lang));
  const list = values.join(t("cl_listSep"));
  switch (c.op) {
    case "true":
      return subject;
    case "between":
      return `${subject} ${t("cl_between")} ${values[0]} ${t("cl_and")} ${values[1]}`;
    case "in":
      return `${subject} ${t("cl_in")} ${list}`;
    case "not in":
      return `${subject} ${t("cl_notIn")} ${list}`;
    case "has":
      return `${subject} ${t("cl_has")} ${list}`;
    case "has any":
      return `${subject} ${t("cl_hasAny")} ${list}`;
    case "has all":
      return `${subject} ${t("cl_hasAll")} ${list}`;
    default:
      return `${subject} ${SYMBOLS[c.op] || c.op} ${list}`;
  }
}

function actualText(c, t, lang) {
  if (c.actual === "missing" || c.actual === "none") return t("cl_missing");
  if (c.value !== null && c.value !== undefined)
    return number(c.value, c.attribute, c.years_since, t, lang);
  if (c.actual.startsWith("["))
    return c.actual.slice(1, -1).split(", ").join(t("cl_listSep")) || t("cl_missing");
  return literal(c.actual, c, t, lang);
}

export function Clauses({ clauses, t, lang }) {
  return html`<ul class="clauses">${clauses.map((c) => {
    const asks = clauseText(c, t, lang);
    const gap =
      c.gap !== null && c.gap !== undefined && !c.passed
        ? ` (${t("cl_short")} ${number(c.gap, c.attribute, c.years_since, t, lang)})`
        : "";
    return html`<li class=${c.passed ? "ok" : "warn"} data-passed=${c.passed ? "yes" : "no"}>
      ${c.passed ? "✓" : "✗"} ${asks ?? html`<code>${c.clause}</code>`} — ${t("cl_actual")} ${actualText(c, t, lang)}${gap}</li>`;
  })}
  <li class="raw"><details><summary>${t("cl_asWritten")}</summary>${clauses.map((c) => html`<code>${c.clause}</code> `)}</details></li></ul>`;
}
