// The channel's query builder: a clerk picks the fields to group by, what to
// measure and the filters, among the fields the contract allows, and it
// writes the SQL, in the subset the channel accepts (docs/dataspace/
// channel.md): COUNT(*), COUNT/SUM/AVG of a field (SUM and AVG of integer
// fields with bounds), comparisons and IS [NOT] NULL joined by AND, at most
// 4 GROUP BY fields. Identifying fields are never offered.
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";

const html = htm.bind(h);

const MAX_GROUP = 4;
const NUMERIC = ["integer", "real"];
const ORDERED = ["integer", "real", "date"];
const COMPARE = ["=", "!=", "<", "<=", ">", ">="];
const NULLS = ["IS NULL", "IS NOT NULL"];
const NUMBER = /^-?\d+(\.\d+)?$/;

// The fields of `product` a channel query under `policy` may touch: not
// identifying, and, when every aggregate_query permission names its fields,
// one of them.
export function queryableFields(product, policy) {
  const rules = ((policy && policy.permission) || []).filter((r) => r.action === "aggregate_query");
  let allowed = null;
  for (const r of rules) {
    const c = (r.constraint || []).find(
      (x) => x.leftOperand === "field" && x.operator === "isAnyOf",
    );
    if (!c) {
      allowed = null;
      break;
    }
    allowed = new Set([...(allowed || []), ...c.rightOperand]);
  }
  return product.fields.filter(
    (f) =>
      f.sensitivity !== "identifying" &&
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(f.name) &&
      (!allowed || allowed.has(f.name)),
  );
}

const summable = (f) => f.type === "integer" && f.min !== undefined && f.max !== undefined;
const operators = (f) => [...(ORDERED.includes(f.type) ? COMPARE : COMPARE.slice(0, 2)), ...NULLS];
const quote = (s) => `'${s.replace(/'/g, "''")}'`;

// A filter as SQL, or null while it is not complete.
function condition(fields, x) {
  const f = fields.find((y) => y.name === x.field);
  if (!f) return null;
  if (NULLS.includes(x.op)) return `${f.name} ${x.op}`;
  if (x.value === "") return null;
  if (NUMERIC.includes(f.type)) return NUMBER.test(x.value) ? `${f.name} ${x.op} ${x.value}` : null;
  return `${f.name} ${x.op} ${quote(x.value)}`;
}

// The SQL of a builder's state {group, measures, filters}.
function builderSql(fields, { group, measures, filters }) {
  const items = [
    ...group,
    ...measures.map((m) => (m.field === "*" ? "COUNT(*)" : `${m.fn}(${m.field})`)),
  ];
  const where = filters.map((x) => condition(fields, x)).filter(Boolean);
  return [
    `SELECT ${items.join(", ")} FROM data`,
    where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "",
    group.length > 0 ? ` GROUP BY ${group.join(", ")}` : "",
  ].join("");
}

// What a clerk starts from: rows counted by district, if the contract allows it.
const initialBuilder = (fields) => ({
  group: fields.some((f) => f.name === "district") ? ["district"] : [],
  measures: [{ fn: "COUNT", field: "*" }],
  filters: [],
});

function MeasureRow({ t, fields, m, onChange, onRemove }) {
  const choices = m.fn === "COUNT" ? fields : fields.filter(summable);
  // SUM and AVG keep the field if it can be summed, else take the first that can.
  const setFn = (fn) => {
    if (fn === "COUNT") return onChange({ fn, field: m.field });
    const current = fields.find((f) => f.name === m.field);
    return onChange({
      fn,
      field: (current && summable(current) ? current : fields.find(summable)).name,
    });
  };
  return html`<div class="qb-row" data-testid="qb-measure">
    <select aria-label=${t("qb_measure")} value=${m.fn} onChange=${(e) => setFn(e.target.value)}>
      <option value="COUNT">${t("qb_fn_COUNT")}</option>
      ${fields.some(summable) && html`<option value="SUM">${t("qb_fn_SUM")}</option><option value="AVG">${t("qb_fn_AVG")}</option>`}
    </select>
    <select aria-label=${t("qb_measureOf")} value=${m.field} onChange=${(e) => onChange({ ...m, field: e.target.value })}>
      ${m.fn === "COUNT" && html`<option value="*">${t("qb_allRows")}</option>`}
      ${choices.map((f) => html`<option value=${f.name}>${f.label || f.name} (${f.name})</option>`)}
    </select>
    ${onRemove && html`<button type="button" class="link" onClick=${onRemove}>${t("qb_remove")}</button>`}
  </div>`;
}

function FilterRow({ t, fields, x, onChange, onRemove }) {
  const f = fields.find((y) => y.name === x.field) || fields[0];
  const ops = operators(f);
  const bad = x.value !== "" && NUMERIC.includes(f.type) && !NUMBER.test(x.value);
  const value = () => {
    if (NULLS.includes(x.op)) return null;
    if (f.domain)
      return html`<select aria-label=${t("qb_value")} value=${x.value} onChange=${(e) => onChange({ ...x, value: e.target.value })}>
        <option value="">-</option>${f.domain.map((v) => html`<option value=${v}>${v}</option>`)}
      </select>`;
    return html`<input aria-label=${t("qb_value")} class="small" aria-invalid=${bad ? "true" : "false"}
      type=${f.type === "date" ? "date" : "text"} inputmode=${NUMERIC.includes(f.type) ? "decimal" : "text"}
      value=${x.value} onInput=${(e) => onChange({ ...x, value: e.target.value })} />
      ${bad && html`<span class="bad">${t("qb_notNumber")}</span>`}`;
  };
  return html`<div class="qb-row" data-testid="qb-filter">
    <select aria-label=${t("qb_filterField")} value=${f.name} onChange=${(e) => onChange({ field: e.target.value, op: "=", value: "" })}>
      ${fields.map((y) => html`<option value=${y.name}>${y.label || y.name} (${y.name})</option>`)}
    </select>
    <select aria-label=${t("qb_operator")} value=${x.op} onChange=${(e) => onChange({ ...x, op: e.target.value })}>
      ${ops.map((o) => html`<option value=${o}>${t(`qb_op_${o}`)}</option>`)}
    </select>
    ${value()}
    <button type="button" class="link" onClick=${onRemove}>${t("qb_remove")}</button>
  </div>`;
}

// The builder over `fields` (queryableFields); each change writes its SQL with `onSql`.
export function QueryBuilder({ t, fields, onSql }) {
  const [state, setState] = useState(() => initialBuilder(fields));
  const update = (next) => {
    setState(next);
    onSql(builderSql(fields, next));
  };
  const at = (key, i, value) =>
    update({ ...state, [key]: state[key].map((x, j) => (j === i ? value : x)) });
  const without = (key, i) => update({ ...state, [key]: state[key].filter((x, j) => j !== i) });
  const toggle = (name) =>
    update({
      ...state,
      group: state.group.includes(name)
        ? state.group.filter((g) => g !== name)
        : fields.map((f) => f.name).filter((n) => n === name || state.group.includes(n)),
    });
  if (fields.length === 0) return html`<p class="hint wide">${t("qb_noFields")}</p>`;
  return html`<fieldset class="query-builder wide" data-testid="query-builder">
    <legend>${t("qb_title")}</legend>
    <p class="hint">${t("qb_hint")}</p>
    <div class="qb-part">
      <span class="qb-label">${t("qb_groupBy")}</span>
      ${fields.map(
        (
          f,
        ) => html`<label class="qb-check"><input type="checkbox" name=${`qb-group-${f.name}`} checked=${state.group.includes(f.name)}
          disabled=${!state.group.includes(f.name) && state.group.length >= MAX_GROUP} onChange=${() => toggle(f.name)} />${f.label || f.name}</label>`,
      )}
    </div>
    <div class="qb-part">
      <span class="qb-label">${t("qb_measures")}</span>
      ${state.measures.map(
        (
          m,
          i,
        ) => html`<${MeasureRow} key=${i} t=${t} fields=${fields} m=${m} onChange=${(v) => at("measures", i, v)}
          onRemove=${state.measures.length > 1 ? () => without("measures", i) : null} />`,
      )}
      <button type="button" class="link" data-testid="qb-add-measure" onClick=${() => update({ ...state, measures: [...state.measures, { fn: "COUNT", field: "*" }] })}>+ ${t("qb_addMeasure")}</button>
    </div>
    <div class="qb-part">
      <span class="qb-label">${t("qb_filters")}</span>
      ${state.filters.map((x, i) => html`<${FilterRow} key=${i} t=${t} fields=${fields} x=${x} onChange=${(v) => at("filters", i, v)} onRemove=${() => without("filters", i)} />`)}
      <button type="button" class="link" data-testid="qb-add-filter" onClick=${() => update({ ...state, filters: [...state.filters, { field: fields[0].name, op: "=", value: "" }] })}>+ ${t("qb_addFilter")}</button>
    </div>
  </fieldset>`;
}
