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

// Organisation names by id (the first 500), falling back to the id.
export function useOrgNames() {
  const { data } = useLoad("/api/v1/orgs?limit=500", 0);
  const names = {};
  if (data) for (const o of data.items) names[o.id] = o.name;
  return (id) => names[id] || id;
}
