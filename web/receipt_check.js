// Checks a channel usage receipt in the browser, as docs/dataspace/channel.md
// ("Metering and receipts") and contracts.md describe it: the receipt is for
// this contract, this consumer and the SQL sent; its signer is the provider
// (or the operator, for a provider that holds its own key) and the signature
// verifies under the key that organisation publishes; and the ledger holds its
// `dataspace.channel.used` event, with the receipt's hash, under a checkpoint
// the operator signed (the proof checks of ledger.js). The answer's own hash
// is not recomputed: the browser cannot rebuild the server's number format.
import { api } from "./api.js";
import {
  checkSignature,
  concat,
  fromB64,
  fromHex,
  hex,
  parseCheckpoint,
  rootFromInclusion,
  sha256,
} from "./ledger.js";

const RECEIPT_TYPE = "qiantang.dataspace.usage/v1";
const EVENT_KIND = "dataspace.channel.used";
// How far before the receipt's time the ledger is searched for its event,
// and how long its event may take to reach a signed checkpoint.
const SEARCH_BACK_MS = 60_000;
const CHECKPOINT_WAIT_MS = 10_000;
const PAGE = 200;

const utf8 = (s) => new TextEncoder().encode(s);
const sha256Hex = async (s) => hex(await sha256(utf8(s)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The receipt's text as an object, or null when it is not a usage receipt.
export function parseReceipt(text) {
  try {
    const r = JSON.parse(text);
    return r && typeof r === "object" && r.type === RECEIPT_TYPE ? r : null;
  } catch {
    return null;
  }
}

// Ed25519 over the text's bytes; null when this browser has no Ed25519.
async function ed25519(publicKeyHex, signatureB64, text) {
  let key;
  try {
    key = await crypto.subtle.importKey("raw", fromHex(publicKeyHex), { name: "Ed25519" }, false, [
      "verify",
    ]);
  } catch {
    return null;
  }
  try {
    return await crypto.subtle.verify({ name: "Ed25519" }, key, fromB64(signatureB64), utf8(text));
  } catch {
    return false;
  }
}

// Whether the receipt's signer may sign it and signed it with the key it
// publishes: true, false, or null (unchecked).
async function checkSigner(r, text, signature) {
  const named = r.signed_by && typeof r.signed_by === "object" ? r.signed_by : null;
  const signerId = named ? named.id : r.provider_id;
  const [signer, provider] = await Promise.all([
    api("GET", `/api/v1/orgs/${encodeURIComponent(signerId)}`),
    api("GET", `/api/v1/orgs/${encodeURIComponent(r.provider_id)}`),
  ]);
  const mayAttest =
    signerId === r.provider_id || (signer.kind === "operator" && provider.key_custody === "self");
  if (!mayAttest || (named && named.public_key !== signer.public_key)) return false;
  return ed25519(signer.public_key, signature, text);
}

// The ledger's index of the usage's event among the checkpoint's first
// `size` entries: a number, "absent" once entries well after the receipt were
// searched, or null when the checkpoint may not reach it yet.
async function findEvent(size, usageId, at) {
  let newest = null;
  search: for (let end = size; end > 0; end -= PAGE) {
    const start = Math.max(0, end - PAGE);
    const { entries } = await api("GET", `/api/v1/ledger/entries?start=${start}&end=${end}`);
    for (const e of entries.reverse()) {
      newest ??= e.event.time;
      if (e.event.kind === EVENT_KIND && e.event.payload.usage_id === usageId) return e.index;
      if (e.event.time < at - SEARCH_BACK_MS) break search;
    }
  }
  return newest !== null && newest > at + CHECKPOINT_WAIT_MS ? "absent" : null;
}

// The event's proof: {index, size, included, signed, matches} where `matches`
// says the event is this receipt's (its usage, contract and hashes).
async function checkEvent(index, r, text) {
  const [p, { vkey }] = await Promise.all([
    api("GET", `/api/v1/ledger/proof/event/${index}`),
    api("GET", "/api/v1/ledger/vkey"),
  ]);
  const cp = parseCheckpoint(p.checkpoint);
  const leafHash = await sha256(concat([0], utf8(p.leaf)));
  const root = await rootFromInclusion(p.index, cp.size, leafHash, p.proof.map(fromHex));
  const event = JSON.parse(p.leaf);
  const payload = event.payload || {};
  const matches =
    p.index === index &&
    event.sequence === index &&
    event.kind === EVENT_KIND &&
    event.subject === r.contract_id &&
    payload.usage_id === r.usage_id &&
    payload.query_sha256 === r.query_sha256 &&
    payload.epsilon_milli === r.epsilon_milli &&
    payload.receipt_sha256 === (await sha256Hex(text));
  return {
    index,
    size: cp.size,
    included: hex(root) === hex(cp.root),
    signed: await checkSignature(cp, vkey),
    matches,
  };
}

// Checks the receipt `text` with its `signature` against the query that was
// sent ({sql, contractId, consumerId}). `onWait` is told when the ledger's
// next checkpoint is awaited. Resolves with {verdict, receipt, query, signer,
// ledger}: each check true, false, or null when it could not be made (no
// Ed25519 in this browser); the verdict "ok" when every check holds,
// "failed" when one fails, else "unchecked".
export async function checkReceipt({ text, signature, sql, contractId, consumerId }, onWait) {
  const r = parseReceipt(text);
  if (!r) return { verdict: "failed", receipt: false };
  const receipt = r.contract_id === contractId && r.consumer_id === consumerId;
  const query = r.query_sha256 === (await sha256Hex(sql));
  const signer = await checkSigner(r, text, signature);
  const at = Date.parse(r.at);
  let index = isNaN(at) ? "absent" : null;
  for (let waited = 0; index === null && waited <= CHECKPOINT_WAIT_MS; waited += 1000) {
    if (waited > 0) {
      onWait();
      await sleep(1000);
    }
    const cp = parseCheckpoint(await api("GET", "/api/v1/ledger/checkpoint"));
    index = await findEvent(cp.size, r.usage_id, at);
  }
  const ledger = typeof index === "number" ? await checkEvent(index, r, text) : null;
  const checks = [
    receipt,
    query,
    signer,
    !!ledger && ledger.matches && ledger.included,
    ledger && ledger.signed,
  ];
  const verdict = checks.includes(false) ? "failed" : checks.includes(null) ? "unchecked" : "ok";
  return { verdict, receipt, query, signer, ledger };
}
