// The console's client for the Qiantang API: the same routes the CLI uses.
// A failed call throws ApiError carrying the server's code and message.

import { announceChange } from "./toast.js";

const TOKEN_KEY = "qiantang.token";

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || "";
  }
}

export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function saveToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// `body` is sent as JSON, or as it is when `contentType` names its type
// (a CSV file's text).
export async function api(method, path, body, contentType) {
  const headers = { Accept: "application/json" };
  const token = savedToken();
  if (token) headers["Authorization"] = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined || contentType ? body : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, "unavailable", `cannot reach the server: ${e.message}`);
  }
  const text = await res.text();
  const isJson = (res.headers.get("Content-Type") || "").startsWith("application/json");
  let json = null;
  try {
    json = isJson && text ? JSON.parse(text) : null;
  } catch {
    /* malformed: treated as text */
  }
  if (!res.ok) {
    const err =
      json && json.error ? json.error : { code: "internal", message: `HTTP ${res.status}` };
    throw new ApiError(res.status, err.code, err.message, err.field);
  }
  if (method !== "GET") announceChange();
  return isJson ? json : text; // text answers (checkpoints, metrics) as strings
}
