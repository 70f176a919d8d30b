// A live cluster's scheduling policy: shown to every member, with who changed
// it last; the operator changes it while the cluster runs (queued jobs are
// reordered at once, running jobs keep their cards).
import { h } from "/vendor/preact.module.js";
import { useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { ErrorBox } from "./error_box.js";
import { useAction, useLoad } from "./hooks.js";
import { localMinute } from "./format.js";

const html = htm.bind(h);
const kPolicies = ["fifo", "backfill", "sjf", "las", "drf"];

export function PolicyView({ t, lang, me, cluster, onChanged }) {
  const [changed, setChanged] = useState(0);
  const path = `/api/v1/compute/provider-clusters/${encodeURIComponent(cluster)}/policy`;
  const policy = useLoad(cluster ? path : null, changed);
  const { run, busy, error } = useAction();
  const operator = me.org.kind === "operator" && me.role !== "viewer";
  const change = (e) => {
    const next = e.target.value;
    run(async () => {
      await api("POST", path, { policy: next });
      setChanged((c) => c + 1);
      onChanged();
    });
  };
  if (!policy.data) return html`<${ErrorBox} error=${policy.error} />`;
  const p = policy.data;
  return html`
    <p data-testid="cluster-policy">${t("schedulingPolicy")}:
      ${
        operator
          ? html`<select name="cluster-policy" value=${p.policy} disabled=${busy} onChange=${change}>
              ${kPolicies.map((name) => html`<option value=${name}>${name}</option>`)}
            </select>`
          : html` <strong>${p.policy}</strong>`
      }
      ${" "}<span class="hint">${p.set_by ? `${t("policySetAt")} ${localMinute(p.set_at, lang)}` : t("policyDefault")}</span>
    </p>
    <${ErrorBox} error=${error || policy.error} />`;
}
