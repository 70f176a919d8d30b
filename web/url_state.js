// The console's place in the URL: "#section?key=value&...". A section's page
// keeps its tab, filters and page there, so reload and back return to it.
import { useEffect, useState } from "/vendor/hooks.module.js";

function read() {
  const hash = location.hash.slice(1);
  const at = hash.indexOf("?");
  return {
    section: at < 0 ? hash : hash.slice(0, at),
    params: new URLSearchParams(at < 0 ? "" : hash.slice(at + 1)),
  };
}

// The section named by the URL ("" when none).
export function currentSection() {
  return read().section;
}

// [params, set]: the section's parameters as an object of strings, and a
// function that replaces them (a new history entry: back undoes it).
export function useUrlParams() {
  const [params, setParams] = useState(() => Object.fromEntries(read().params));
  useEffect(() => {
    const onHash = () => setParams(Object.fromEntries(read().params));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  const set = (next) => {
    const clean = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== "" && v != null));
    const q = new URLSearchParams(clean).toString();
    location.hash = `${read().section}${q ? `?${q}` : ""}`;
  };
  return [params, set];
}
