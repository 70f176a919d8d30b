// A rule's clauses as explained by the server: each passed (✓) or not (✗),
// with the entity's value and, for a failed numeric clause, the gap.
import { h } from "/vendor/preact.module.js";
import htm from "/vendor/htm.module.js";

const html = htm.bind(h);

export function Clauses({ clauses }) {
  return html`<ul class="clauses">${clauses.map(
    (c) => html`<li class=${c.passed ? "ok" : "warn"}>
    ${c.passed ? "✓" : "✗"} <code>${c.clause}</code> — ${c.actual}${c.gap !== null && !c.passed ? ` (差 ${c.gap.toLocaleString()})` : ""}</li>`,
  )}</ul>`;
}
