// A button for a consequential action (cancel, buy, approve, reject, revoke,
// remove): the first click says what will happen and asks; only "yes" acts.
// The question and its two buttons replace the button in place, so the
// keyboard and screen readers meet them where the button was.
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";

const html = htm.bind(h);

// `label`: the button; `question`: what will happen, as a question;
// `onConfirm`: the action; `testid`: the button's test id (the "yes" button
// gets `${testid}-yes`); `t`: the console's labels.
export function ConfirmButton({ label, question, onConfirm, testid, t, className }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return html`<button type="button" class=${className} data-testid=${testid} onClick=${() => setAsking(true)}>${label}</button>`;
  }
  return html`<span class="confirm" role="group" aria-label=${question}>
    <span class="question">${question}</span>
    <button type="button" data-testid=${testid ? `${testid}-yes` : undefined}
            onClick=${() => {
              setAsking(false);
              onConfirm();
            }}>${t("yes")}</button>
    <button type="button" class="link" onClick=${() => setAsking(false)}>${t("no")}</button>
  </span>`;
}
