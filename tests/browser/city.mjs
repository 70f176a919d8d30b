// Builds the browser tests' demo city once (the CTest fixture browser_city):
// starts the real server with the demo on a new SQLite file in DIR, waits
// until it listens, and stops it, leaving the database, the master key, the
// product files and demo-tokens.txt for the tests to copy ($QIANTANG_BROWSER_CITY).
//   node tests/browser/city.mjs DIR
import { rmSync } from "node:fs";
import { startServer } from "./server.mjs";

const dir = process.argv[2];
if (!dir) throw new Error("usage: node tests/browser/city.mjs DIR");
rmSync(dir, { recursive: true, force: true });
const server = await startServer([], { city: null, dir });
await server.stop();
console.log(`demo city built in ${dir} (${Object.keys(server.tokens).length} tokens)`);
