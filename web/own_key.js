// An organisation's own signing key, held in this browser (docs/dataspace/contracts.md,
// "Organisations that hold their own keys"). WebCrypto makes an Ed25519 key pair that
// is not extractable and IndexedDB keeps it, indexed by its public key: the page can
// sign with it, but no script can read it out, and the server never sees it. Its
// signatures are the ones `qiantang ... --key FILE` makes, over the same bytes.
import { api, ApiError } from "./api.js";

const DB_NAME = "qiantang.keys";
const STORE = "keys";

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function inStore(mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const hex = (bytes) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
const base64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

async function signBase64(privateKey, text) {
  return base64(await crypto.subtle.sign("Ed25519", privateKey, new TextEncoder().encode(text)));
}

// The private key in this browser whose public half is `publicKeyHex`, or null.
export async function keyHere(publicKeyHex) {
  return (await inStore("readonly", (s) => s.get(publicKeyHex))) || null;
}

// From now on `org` holds its key in this browser: a new key pair is made here and its
// public key registered as the organisation's (POST /api/v1/orgs/{id}/key). A key the
// organisation already holds in this browser consents to its replacement. Resolves
// with the organisation as the server now has it.
export async function holdKeyHere(org) {
  const pair = await crypto.subtle.generateKey("Ed25519", false, ["sign", "verify"]);
  const publicKey = hex(await crypto.subtle.exportKey("raw", pair.publicKey));
  // Kept before it is registered: a key the server knows is never one this browser lost.
  await inStore("readwrite", (s) => s.put(pair.privateKey, publicKey));
  const version = org.key_version + 1; // proofs of an earlier registration are void
  const proof = `qiantang.org-key/v1\norg ${org.id}\nversion ${version}\nkey ${publicKey}\n`;
  const body = { public_key: publicKey, proof: await signBase64(pair.privateKey, proof) };
  if (org.key_custody === "self") {
    const previous = await keyHere(org.public_key);
    if (previous) body.previous_key_proof = await signBase64(previous, proof);
  }
  return api("POST", `/api/v1/orgs/${org.id}/key`, body);
}

// A signature of `text` by `org`'s own key, made here. ApiError "key_not_here" if the
// key is not in this browser.
async function signAs(org, text) {
  const key = await keyHere(org.public_key);
  if (!key) {
    throw new ApiError(
      0,
      "key_not_here",
      `${org.id} holds its own key, and it is not in this browser: sign where the key is ` +
        "(the browser that registered it, or `--key FILE` in the CLI)",
    );
  }
  return signBase64(key, text);
}

// Signs an agreement the server sent, as `party` ("provider" or "consumer") of contract
// `contractId`, after checking that it is one: a page that signed whatever the server
// sent would give a hostile server the key's signature over anything (a key
// registration's proof, a receipt). ApiError "not_an_agreement" otherwise.
export async function signAgreement(org, text, party, contractId) {
  let a = null;
  try {
    a = JSON.parse(text);
  } catch {
    /* checked below */
  }
  const refuse = (why) => new ApiError(0, "not_an_agreement", `${why}; not signed`);
  if (
    !a ||
    a.type !== "qiantang.dataspace.agreement/v1" ||
    typeof a[party] !== "object" ||
    !a[party]
  )
    throw refuse("the server sent something to sign that is not an agreement");
  // Exactly an agreement's fields, none twice (JSON.parse keeps the last of two, other
  // readers the first): the signed bytes must not read as anything else.
  const fields =
    "agreed_at consumer contract_id offer_id policy product_id product_sha256 provider type";
  const once = ['"type":', '"contract_id":', '"provider":', '"consumer":', '"agreed_at":'];
  if (
    Object.keys(a).sort().join(" ") !== fields ||
    once.some((k) => text.split(k).length !== 2) ||
    text.split('"public_key":').length !== 3
  )
    throw refuse("the agreement has other fields than an agreement's, or one twice");
  if (a.contract_id !== contractId) throw refuse(`the agreement is for contract ${a.contract_id}`);
  if (a[party].public_key !== org.public_key)
    throw refuse(`the agreement's ${party} is not your organisation's key`);
  return signAs(org, text);
}
