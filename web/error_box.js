// An error as the console shows it. A server error ({code, field, message})
// reads in the interface language: what kind of error, and which field if the
// server named one (that field is marked in its form and described by this
// box); the server's own message, in English, is one click away. An error
// made in the page ({message} only) is already in the interface language.
import { h } from "/vendor/preact.module.js";
import { useEffect, useRef } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { label } from "./i18n.js";

const html = htm.bind(h);
let boxes = 0;

// The field's label, or "" for a field the dictionary does not know (no
// internal names on the page).
function fieldLabel(field) {
  const base = field
    .replace(/\[\d+\]/g, "")
    .split(".")
    .pop();
  const key = `field_${base}`;
  return label(key) === key ? "" : label(key);
}

export function ErrorBox({ error }) {
  const ref = useRef(null);
  const id = useRef(`error-${++boxes}`);
  const field = error && error.field ? error.field : "";
  useEffect(() => {
    const form = ref.current && ref.current.closest("form");
    const base = field
      .replace(/\[\d+\]/g, "")
      .split(".")
      .pop();
    const input = form && base ? form.querySelector(`[name="${CSS.escape(base)}"]`) : null;
    if (!input) return undefined;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id.current);
    return () => {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    };
  }, [error, field]);
  if (!error) return null;
  if (!error.code) {
    return html`<div class="error" role="alert" data-testid="error" ref=${ref} id=${id.current}>${error.message}</div>`;
  }
  const kindKey = `err_${error.code}`;
  const kind = label(kindKey) === kindKey ? label("err_other") : label(kindKey);
  const named = field ? fieldLabel(field) : "";
  return html`<div class="error" role="alert" data-testid="error" data-code=${error.code} data-field=${field || undefined} ref=${ref} id=${id.current}>
    ${kind}${named ? html`：<strong>${named}</strong>` : ""}
    <details><summary>${label("err_details")}</summary><code>${error.message}</code></details>
  </div>`;
}
