// The fixture every browser test file shares: one real server (startServer's
// demo city, with `extraArgs` and `options`) and one headless Chromium for the
// file's tests, started before the first and stopped after the last. Returns
// {server, browser}, filled in once the file's tests start, and
// call(method, path, token, body): the API's {status, body} for a JSON body.
import { after, before } from "node:test";
import { startServer } from "./server.mjs";
import { launchBrowser } from "./session.mjs";

export function serveConsole(extraArgs = [], options = {}) {
  const ctx = { server: null, browser: null };
  ctx.call = async (method, path, token, body) => {
    const res = await fetch(ctx.server.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  before(async () => {
    ctx.server = await startServer(extraArgs, options);
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return ctx;
}
