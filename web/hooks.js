// Data-loading hooks shared by the console's pages.
import { useEffect, useState } from "/vendor/hooks.module.js";
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
