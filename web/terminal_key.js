// A verifying terminal's key, made in this browser: WebCrypto makes the
// Ed25519 key pair, only its public half goes to the server, and the private
// half leaves the page only inside the terminal file the service downloads —
// the file `qiantang code terminal` keeps (src/identity/terminal_state.h), so
// `qiantang code terminal sync FILE` and `code verify` work with it at once.
const hex = (bytes) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

// An Ed25519 key pair: {publicKey (hex), seed (hex)}.
export async function newTerminalKey() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  // RFC 8410: the private key's 32-byte seed ends the PKCS #8 encoding.
  return {
    publicKey: hex(await crypto.subtle.exportKey("raw", pair.publicKey)),
    seed: hex(pkcs8.slice(pkcs8.length - 32)),
  };
}

// The terminal file for a terminal just registered, before its first sync:
// its key, and the issuer key it pins (`issuer`, hex, from
// GET /api/v1/identity/issuer).
export function terminalFile({ server, terminal, category, key, issuer }) {
  return JSON.stringify(
    {
      server,
      terminal_id: terminal,
      category,
      seed: key.seed,
      issuer,
      trust_list: null,
      revocations: { seq: 0, head: "0".repeat(64), serials: [] },
      category_keys: [],
      seen: {},
      pending: [],
    },
    null,
    2,
  );
}
