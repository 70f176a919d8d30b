// The account page: your organisation's users and API tokens (the same routes
// as `qiantang users` and `qiantang tokens`). Admins add users and issue
// tokens for them; everyone can issue and revoke their own tokens.
import { h } from "/vendor/preact.module.js";
import { useEffect, useState } from "/vendor/hooks.module.js";
import htm from "/vendor/htm.module.js";
import { api } from "./api.js";
import { holdKeyHere, keyHere } from "./own_key.js";
import { ConfirmButton } from "./confirm_button.js";
import { localDate, localTime } from "./format.js";
import { ErrorBox } from "./error_box.js";
import { useAction } from "./hooks.js";
import { Pager, usePagedList } from "./paging.js";
import { useUrlParams } from "./url_state.js";

const html = htm.bind(h);

export function AccountPage({ t, me, lang }) {
  const [reload, setReload] = useState(0);
  const url = useUrlParams();
  const users = usePagedList(`/api/v1/orgs/${me.org.id}/users`, [], url, {
    prefix: "u_",
    reloadKey: reload,
  });
  const tokens = usePagedList("/api/v1/tokens", [], url, { prefix: "t_", reloadKey: reload });
  const { run, error, setError } = useAction();
  const [secret, setSecret] = useState(null);
  const [userForm, setUserForm] = useState({ name: "", role: "member" });
  const [label, setLabel] = useState("");
  const [org, setOrg] = useState(me.org);
  const [keyIsHere, setKeyIsHere] = useState(false);
  const isAdmin = me.role === "admin";

  const load = async () => {
    try {
      const o = await api("GET", `/api/v1/orgs/${me.org.id}`);
      const here = o.key_custody === "self" && (await keyHere(o.public_key)) !== null;
      setOrg(o);
      setKeyIsHere(here);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, []);

  const act = (fn) => (e) => {
    e?.preventDefault();
    return run(async () => {
      await fn();
      setReload((x) => x + 1);
      await load();
    });
  };
  const addUser = act(async () => {
    await api("POST", `/api/v1/orgs/${me.org.id}/users`, userForm);
    setUserForm({ name: "", role: userForm.role });
  });
  const issue = act(async () => {
    const tok = await api("POST", "/api/v1/tokens", label ? { label } : {});
    setSecret(tok.secret);
    setLabel("");
  });
  const revoke = (id) => act(async () => api("DELETE", `/api/v1/tokens/${id}`))();
  const holdKey = act(async () => {
    if (window.confirm(t("ownKeyConfirm"))) await holdKeyHere(org);
  });
  // Operators and authorities sign as the platform runs: their keys stay with the node.
  const mayHoldKey = isAdmin && org.kind !== "operator" && org.kind !== "authority";

  return html`
    <section>
      <h2>${t("account")}</h2>
      <${ErrorBox} error=${error || users.error || tokens.error} />
      <h3>${t("ownKey")}</h3>
      <div class="card" data-testid="own-key">
        <p>${t("ownKeyCustody")}: <strong data-testid="key-custody">${t(`custody_${org.key_custody}`)}</strong>
          · <code title=${org.public_key}>${org.public_key.slice(0, 16)}…</code>
          ${org.key_custody === "self" && html` · <span data-testid="key-here">${keyIsHere ? t("ownKeyHere") : t("ownKeyElsewhere")}</span>`}</p>
        ${
          mayHoldKey &&
          (org.key_custody !== "self" || keyIsHere) &&
          html`<p>${t("ownKeyHint")}</p>
          <button data-testid="hold-key" onClick=${holdKey}>${t(org.key_custody === "self" ? "ownKeyReplace" : "ownKeyHold")}</button>`
        }
      </div>
      <h3>${t("users")}</h3>
      ${
        isAdmin &&
        html`
        <form class="card add-user" onSubmit=${addUser}>
          <label>${t("name")} <input name="user-name" value=${userForm.name} onInput=${(e) => setUserForm({ ...userForm, name: e.target.value })} /></label>
          <label>${t("role")}
            <select name="user-role" value=${userForm.role} onChange=${(e) => setUserForm({ ...userForm, role: e.target.value })}>
              ${["viewer", "member", "admin"].map((r) => html`<option value=${r}>${t(`role_${r}`)}</option>`)}
            </select>
          </label>
          <button type="submit">${t("create")}</button>
        </form>`
      }
      <table data-testid="users-table">
        <thead><tr><th>${t("name")}</th><th>${t("role")}</th><th>ID</th></tr></thead>
        <tbody>${users.page && users.page.items.map((u) => html`<tr key=${u.id}><td>${u.name}</td><td data-role=${u.role}>${t(`role_${u.role}`)}</td><td><code>${u.id}</code></td></tr>`)}</tbody>
      </table>
      <${Pager} t=${t} lang=${lang} list=${users} testid="users-pager" />
      <h3>${t("tokens")}</h3>
      <form class="card issue-token" onSubmit=${issue}>
        <label>${t("label")} <input name="token-label" value=${label} onInput=${(e) => setLabel(e.target.value)} /></label>
        <button type="submit">${t("issue")}</button>
      </form>
      ${secret && html`<p class="ok">${t("secretOnce")} <code data-testid="token-secret">${secret}</code></p>`}
      <table data-testid="tokens-table">
        <thead><tr><th>${t("label")}</th><th>${t("expires")}</th><th>${t("revoked")}</th><th></th></tr></thead>
        <tbody>${(tokens.page ? tokens.page.items : []).map(
          (tk) => html`
          <tr key=${tk.id} data-token=${tk.id}>
            <td>${tk.label}</td><td>${localDate(tk.expires_at)}</td><td>${localTime(tk.revoked_at)}</td>
            <td>${!tk.revoked_at && tk.id !== me.token_id && html`<${ConfirmButton} className="small" label=${t("revoke")} question=${t("q_revokeToken")} t=${t} testid="revoke-token" onConfirm=${() => revoke(tk.id)} />`}</td>
          </tr>`,
        )}</tbody>
      </table>
      <${Pager} t=${t} lang=${lang} list=${tokens} testid="tokens-pager" />
    </section>`;
}
