// The server's error ({code, message}) as the console shows it.
import { h } from "/vendor/preact.module.js";
import htm from "/vendor/htm.module.js";

const html = htm.bind(h);

export function ErrorBox({ error }) {
  if (!error) return null;
  return html`<div class="error" role="alert" data-testid="error">${error.message}${error.code ? html` <code>${error.code}</code>` : ""}</div>`;
}
