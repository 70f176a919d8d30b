// Starts the real qiantang binary for a browser test (and bench/console_load.mjs):
// an ephemeral loopback port, a fresh SQLite file, the demo city. Resolves
// with its URL and tokens: one per kind of organisation (tokens.enterprise...),
// the demo citizen's (tokens.citizen) and the other named data holders' by
// name (tokens["杭州市医疗健康数据中心"]).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

// `extraArgs` go to `qiantang serve` after the usual ones. The tests' city is
// small (2,000 citizens, 5,000 firms); `fullCity` loads the demo's whole one.
// `binary` and `webDir` default to $QIANTANG_BINARY and $QIANTANG_WEB_DIR.
export async function startServer(
  extraArgs = [],
  {
    binary = process.env.QIANTANG_BINARY,
    webDir = process.env.QIANTANG_WEB_DIR,
    fullCity = false,
  } = {},
) {
  if (!binary || !webDir)
    throw new Error("QIANTANG_BINARY and QIANTANG_WEB_DIR must be set (run under ctest)");
  const city = fullCity ? [] : ["--demo-citizens", "2000", "--demo-firms", "5000"];
  const dir = mkdtempSync(join(tmpdir(), "qiantang-browser-"));
  const child = spawn(
    binary,
    [
      "serve",
      "--listen",
      "127.0.0.1:0",
      "--db",
      `sqlite:${dir}/q.db`,
      "--master-key-file",
      `${dir}/master.key`,
      "--web-dir",
      webDir,
      "--demo",
      ...city,
      "--log-level",
      "warn",
      "--checkpoint-interval-ms",
      "200",
      "--traces-dir",
      process.env.QIANTANG_TESTDATA ? join(process.env.QIANTANG_TESTDATA, "traces") : "",
      ...extraArgs,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const tokens = {};
  const url = await new Promise((resolve, reject) => {
    // The demo city takes 40-50 s to build on 2 busy cores with ASan; a server
    // that does not come up is killed, so the test fails instead of hanging.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("server did not start in 150 s"));
    }, 150000);
    child.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const demo = line.match(/^demo token (\S+) .*: (qt_\S+)$/);
      if (demo) tokens[demo[1]] = demo[2];
      // The other named data holders' tokens, by organisation name.
      const holder = line.match(/^demo holder token (.+): (qt_\S+)$/);
      if (holder) tokens[holder[1]] = holder[2];
      const citizen = line.match(/^demo citizen token .*: (czt_\S+)$/);
      if (citizen) tokens.citizen = citizen[1];
      const listening = line.match(/^listening on (http:\/\/\S+)$/);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    });
  });
  return {
    url,
    tokens,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
