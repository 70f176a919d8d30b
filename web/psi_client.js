// The consumer's side of ECDH-PSI over ristretto255 in the browser, the same
// messages as `qiantang psi run` (src/privacy/psi.h, src/cli/psi_commands.cc):
// the items are hashed and blinded here with a fresh scalar per session, and
// only blinded points reach the provider's node (docs/privacy/README.md).
//
//   C_i = H(y_i)^c  --client/i-->  D_i = C_i^s
//                   <--server/j--  S_j = H(x_j)^s
//   T_j = S_j^c
//   intersection: y_i is shared iff D_i is among the T_j
//   size: the T_j go back shuffled (tally/j) and the node answers |D ∩ T| once
//
// libsodium.js runs as WebAssembly (the console's CSP lets WebAssembly compile,
// and nothing else). It is loaded on first use, not with the console: its
// half a megabyte of script held up every page load by seconds.
import { api } from "./api.js";

// H(x) = from_hash(SHA-512(DOMAIN ‖ len(session id) as 8 bytes LE ‖ session id ‖ x)).
const DOMAIN = "qiantang/psi/v1";
const POINT = 32;
const MAX_ITEMS = 2 ** 24; // either side of a session (psi.h kMaxPsiItems)
const CHUNK = 256; // items blinded between two yields to the page

const utf8 = new TextEncoder();

// libsodium, ready; set by loadSodium() before any function below uses it.
let sodium = null;
let loading = null;
function loadSodium() {
  loading ??= import("/vendor/libsodium-wrappers.js").then(async ({ default: lib }) => {
    await lib.ready;
    sodium = lib;
  });
  return loading;
}
const yieldToPage = () => new Promise((resolve) => setTimeout(resolve, 0));

// Distinct non-empty items, in first-seen order (psi.h DistinctItems).
export function distinctItems(items) {
  return [...new Set(items.filter((item) => item !== ""))];
}

// A fresh 128-bit session id, 32 lowercase hex characters.
export function newSessionId() {
  const raw = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(raw, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The bytes H hashes before the item: the domain and the length-prefixed session id.
function hashPrefix(sessionId) {
  const id = utf8.encode(sessionId);
  const domain = utf8.encode(DOMAIN);
  const out = new Uint8Array(domain.length + 8 + id.length);
  out.set(domain);
  new DataView(out.buffer).setBigUint64(domain.length, BigInt(id.length), true);
  out.set(id, domain.length + 8);
  return out;
}

function hashToPoint(prefix, item) {
  const bytes = utf8.encode(item);
  const message = new Uint8Array(prefix.length + bytes.length);
  message.set(prefix);
  message.set(bytes, prefix.length);
  return sodium.crypto_core_ristretto255_from_hash(sodium.crypto_hash_sha512(message));
}

const isIdentity = (p) => p.every((b) => b === 0);

// k·P for every point the node sent; an invalid point (or the identity) is
// refused, naming its index, as the CLI does.
function multiplyAll(points, k, first) {
  return points.map((p, i) => {
    if (isIdentity(p) || !sodium.crypto_core_ristretto255_is_valid_point(p)) {
      throw new Error(`the server sent an invalid point at ${first + i}`);
    }
    return sodium.crypto_scalarmult_ristretto255(k, p);
  });
}

function encode(points) {
  const bytes = new Uint8Array(points.length * POINT);
  points.forEach((p, i) => bytes.set(p, i * POINT));
  return sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);
}

function decode(answer) {
  const text = (answer && answer.points) || "";
  if (typeof text !== "string") throw new Error("malformed points from the server");
  const bytes = text ? sodium.from_base64(text, sodium.base64_variants.ORIGINAL) : new Uint8Array();
  if (bytes.length % POINT) throw new Error("malformed points from the server");
  return Array.from({ length: bytes.length / POINT }, (_, i) =>
    bytes.slice(i * POINT, (i + 1) * POINT),
  );
}

// Fisher-Yates with libsodium's CSPRNG.
function shuffle(v) {
  for (let i = v.length; i > 1; --i) {
    const j = sodium.randombytes_uniform(i);
    [v[i - 1], v[j]] = [v[j], v[i - 1]];
  }
  return v;
}

// H(y)^c for every item, `CHUNK` at a time so the page stays responsive;
// `progress(done)` after each chunk.
export async function blindItems(sessionId, items, k, progress = () => {}) {
  await loadSodium();
  const prefix = hashPrefix(sessionId);
  const out = [];
  for (let begin = 0; begin < items.length; begin += CHUNK) {
    for (const item of items.slice(begin, begin + CHUNK)) {
      out.push(sodium.crypto_scalarmult_ristretto255(k, hashToPoint(prefix, item)));
    }
    progress(out.length);
    await yieldToPage();
  }
  return out;
}

// Runs one session against the provider's node under `contractId`.
// `output` is "intersection" or "size"; `progress({stage, done, total})`
// reports each step ("blind", "client", "server", "tally"). Resolves with
// {session_id, output, client_size, server_size, intersection_size} and, in
// intersection mode, `intersection` (the shared items, in input order).
// A refusal of the node throws its ApiError before any point is sent.
export async function runPsi({ contractId, column, items, output, purpose, progress = () => {} }) {
  await loadSodium();
  const mine = distinctItems(items);
  const sessionId = newSessionId();
  const k = sodium.crypto_core_ristretto255_scalar_random();
  const blinded = await blindItems(sessionId, mine, k, (done) =>
    progress({ stage: "blind", done, total: mine.length }),
  );
  const base = `/api/v1/privacy/psi/sessions/${sessionId}`;
  const session = await api("POST", "/api/v1/privacy/psi/sessions", {
    session_id: sessionId,
    contract_id: contractId,
    column,
    client_size: mine.length,
    output,
    purpose,
  });
  const { batch, server_size: serverSize } = session;
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(serverSize)) {
    throw new Error("the server started the session with no batch or set size");
  }
  if (serverSize < 0 || serverSize > MAX_ITEMS) {
    throw new Error(`the server announced a set of ${serverSize} items`);
  }
  const sizeOnly = output === "size";
  const doubled = [];
  for (let i = 0; i * batch < mine.length; ++i) {
    const part = blinded.slice(i * batch, (i + 1) * batch);
    const d = decode(await api("POST", `${base}/client/${i}`, { points: encode(part) }));
    if (d.length !== (sizeOnly ? 0 : part.length)) {
      throw new Error(`the server answered client batch ${i} with ${d.length} points`);
    }
    doubled.push(...d);
    progress({ stage: "client", done: i * batch + part.length, total: mine.length });
  }
  const theirs = [];
  for (let i = 0; i * batch < serverSize; ++i) {
    const due = Math.min(batch, serverSize - i * batch);
    const s = decode(await api("GET", `${base}/server/${i}`));
    if (s.length !== due)
      throw new Error(`the server answered server batch ${i} with ${s.length} points, not ${due}`);
    theirs.push(...multiplyAll(s, k, i * batch));
    progress({ stage: "server", done: theirs.length, total: serverSize });
    await yieldToPage();
  }
  const result = {
    session_id: sessionId,
    output,
    client_size: mine.length,
    server_size: serverSize,
  };
  if (sizeOnly) {
    // The T_j go back shuffled, so the node cannot tell which of its items matched.
    shuffle(theirs);
    for (let i = 0; i * batch < theirs.length; ++i) {
      await api("POST", `${base}/tally/${i}`, {
        points: encode(theirs.slice(i * batch, (i + 1) * batch)),
      });
      progress({
        stage: "tally",
        done: Math.min(theirs.length, (i + 1) * batch),
        total: theirs.length,
      });
    }
    const n = (await api("POST", `${base}/size`, {})).intersection_size;
    if (!Number.isInteger(n) || n < 0 || n > Math.min(mine.length, serverSize)) {
      throw new Error(`the server answered an intersection of ${n} items`);
    }
    result.intersection_size = n;
  } else {
    const shared = new Set(theirs.map((p) => sodium.to_hex(p)));
    result.intersection = mine.filter((_, i) => shared.has(sodium.to_hex(doubled[i])));
    result.intersection_size = result.intersection.length;
  }
  await api("POST", `${base}/finish`, {});
  return result;
}
