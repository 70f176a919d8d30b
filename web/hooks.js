// Hooks shared by the console's pages: loading data, acting on the server,
// organisations' names.
import { useEffect, useRef, useState } from "/vendor/hooks.module.js";
import { api } from "./api.js";

// GET `path` (again whenever path or reloadKey change): {data} or {error}.
export function useLoad(path, reloadKey) {
  const [state, setState] = useState({});
  useEffect(() => {
    if (!path) return undefined;
    let live = true;
    api("GET", path)
      .then((data) => live && setState({ data }))
      .catch((error) => live && setState({ error }));
    return () => {
      live = false;
    };
  }, [path, reloadKey]);
  return state;
}

// What a form or a button does on the server, and how it went. `run(fn)`
// clears the error, is busy while it awaits `fn`, keeps what `fn` throws as
// `error` (for an ErrorBox) and returns what `fn` returns (undefined if it
// threw). A run asked for while one is busy is ignored: a double click sends
// once. A check in the page may throw too: throw new Error(t("...")).
//   const { run, busy, error } = useAction();
//   const save = (e) => {
//     e.preventDefault();
//     run(async () => {
//       await api("POST", path, form);
//       onDone();
//     });
//   };
//   <form onSubmit=${save}>…<button disabled=${busy}>…</button><${ErrorBox} error=${error} /></form>
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const running = useRef(false); // busy at once, before the next render
  const run = async (fn) => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      running.current = false;
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}

// Organisation names by id. Ids asked for while a page renders are looked up
// together (GET /api/v1/orgs?ids=..., 100 at a time) and kept for the session;
// until then, and for an id the directory does not hold, the id itself shows.
const names = new Map();
const wanted = new Set();
const listeners = new Set();
let flushing = null;

async function lookUp() {
  flushing = null;
  const ids = [...wanted];
  wanted.clear();
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    for (const id of chunk) names.set(id, id);
    try {
      const page = await api(
        "GET",
        `/api/v1/orgs?limit=100&ids=${chunk.map(encodeURIComponent).join(",")}`,
      );
      for (const o of page.items) names.set(o.id, o.name);
    } catch {
      // The ids stay shown as they are.
    }
  }
  for (const l of listeners) l();
}

// A form's fields: `form` and, for an input's onInput, `set(key)` (text) or
// `set(key, true)` (a number).
//   const [form, set] = useForm({ name: "", cards: 8 });
//   <input value=${form.cards} onInput=${set("cards", true)} />
export function useForm(initial) {
  const [form, setForm] = useState(initial);
  const set = (k, numeric) => (e) =>
    setForm({ ...form, [k]: numeric ? Number(e.target.value) : e.target.value });
  return [form, set];
}

export function useOrgNames() {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const l = () => setVersion((v) => v + 1);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return (id) => {
    if (!id) return "";
    if (names.has(id)) return names.get(id);
    wanted.add(id);
    flushing ??= setTimeout(lookUp, 0);
    return id;
  };
}
