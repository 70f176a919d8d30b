// Starts the real qiantang binary for a browser test (and bench/console_load.mjs):
// an ephemeral loopback port, a fresh SQLite file, the demo city. Resolves
// with its URL and tokens: one per kind of organisation (tokens.enterprise...),
// the demo citizen's (tokens.citizen) and the other named data holders' by
// name (tokens["杭州市医疗健康数据中心"]).
//
// Building the demo city takes 40-60 s under ASan; the browser tests share one
// built by tests/browser/city.mjs (a CTest fixture, $QIANTANG_BROWSER_CITY):
// each copies its directory (database, master key, product files, tokens file)
// and starts on the copy in half a second, the demo "not loaded again".
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

// Reads one of the demo's token lines (printed on load, and kept in
// demo-tokens.txt beside the master key) into `tokens`.
function readTokenLine(line, tokens) {
  const demo = line.match(/^demo token (\S+) .*: (qt_\S+)$/);
  if (demo) tokens[demo[1]] = demo[2];
  // The other named data holders' tokens, by organisation name.
  const holder = line.match(/^demo holder token (.+): (qt_\S+)$/);
  if (holder) tokens[holder[1]] = holder[2];
  const citizen = line.match(/^demo citizen token .*: (czt_\S+)$/);
  if (citizen) tokens.citizen = citizen[1];
}

// `extraArgs` go to `qiantang serve` after the usual ones. The tests' city is
// small (2,000 citizens, 5,000 firms); `fullCity` loads the demo's whole one.
// `binary` and `webDir` default to $QIANTANG_BINARY and $QIANTANG_WEB_DIR.
// `city` is a built city's directory to start from (default
// $QIANTANG_BROWSER_CITY; not with `fullCity`); `dir` keeps the server's files
// there after it stops, instead of in a temporary directory removed on stop.
export async function startServer(
  extraArgs = [],
  {
    binary = process.env.QIANTANG_BINARY,
    webDir = process.env.QIANTANG_WEB_DIR,
    fullCity = false,
    city = fullCity ? undefined : process.env.QIANTANG_BROWSER_CITY,
    dir = undefined,
  } = {},
) {
  if (!binary || !webDir)
    throw new Error("QIANTANG_BINARY and QIANTANG_WEB_DIR must be set (run under ctest)");
  const size = fullCity ? [] : ["--demo-citizens", "2000", "--demo-firms", "5000"];
  const keep = dir !== undefined;
  if (!keep) dir = mkdtempSync(join(tmpdir(), "qiantang-browser-"));
  if (city) cpSync(city, dir, { recursive: true });
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
      ...size,
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
      readTokenLine(line, tokens);
      if (line.startsWith("demo: the database is not new")) {
        for (const kept of readFileSync(join(dir, "demo-tokens.txt"), "utf8").split("\n"))
          readTokenLine(kept, tokens);
      }
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
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}
