// A policy notice's period: "截止日期 2027-12-31", or "已截止" once the policy
// was withdrawn or its last day has passed (the server says which).
import { h } from "/vendor/preact.module.js";
import htm from "/vendor/htm.module.js";

const html = htm.bind(h);

export function Period({ t, notice }) {
  return notice.closed
    ? html`<p class="state state-closed" data-testid="notice-period" data-state="closed">${t("pl_closed")}</p>`
    : html`<p class="hint" data-testid="notice-period" data-state="open">${t("pl_until")} ${notice.valid_until}</p>`;
}
