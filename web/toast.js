// A short "done" message after every change the console makes on the server
// (each successful POST, PUT, PATCH or DELETE: api.js announces it), in a
// polite live region so screen readers hear it too.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";

const html = htm.bind(h);
const EVENT = "qiantang:changed";
const SHOWN_MS = 4000;

// Called by api() after a change succeeded.
export function announceChange() {
  dispatchEvent(new Event(EVENT));
}

export function Toast({ t }) {
  const [shown, setShown] = useState(0);
  useEffect(() => {
    let timer = null;
    const on = () => {
      setShown(Date.now());
      clearTimeout(timer);
      timer = setTimeout(() => setShown(0), SHOWN_MS);
    };
    addEventListener(EVENT, on);
    return () => {
      removeEventListener(EVENT, on);
      clearTimeout(timer);
    };
  }, []);
  return html`<div class="toast" role="status" aria-live="polite" data-testid="toast">${shown ? `✓ ${t("changeSaved")}` : ""}</div>`;
}
