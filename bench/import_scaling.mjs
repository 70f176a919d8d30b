// The time to import a register of citizens (POST /api/v1/identity/citizens/import)
// at 2,500, 5,000 and 10,000 rows, enrolled and refused (the last row repeats
// the first), against the demo city. Per-row time should not grow with the
// register: the ratio of 10,000 rows' per-row time to 2,500 rows' is printed.
//   QIANTANG_BINARY=build/release/src/cli/qiantang QIANTANG_WEB_DIR=web node bench/import_scaling.mjs
import { startServer } from "../tests/browser/server.mjs";

const server = await startServer();
const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const residentId = (first17) =>
  first17 + "10X98765432"[[...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0) % 11];

async function post(rows) {
  const started = performance.now();
  const res = await fetch(`${server.url}/api/v1/identity/citizens/import`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${server.tokens.authority}`,
      "Content-Type": "application/json",
    },
    body: JSON.stringify({ citizens: rows }),
  });
  await res.text();
  return { status: res.status, ms: performance.now() - started };
}

const perRow = {};
let next = 0;
try {
  for (const n of [2500, 5000, 10000]) {
    const rows = [];
    for (let i = 0; i < n; ++i, ++next) {
      const day = String(1 + (next % 28)).padStart(2, "0");
      const month = String(1 + (Math.floor(next / 28) % 12)).padStart(2, "0");
      const year = 1950 + (Math.floor(next / 336) % 50);
      const seq = String(100 + Math.floor(next / 16800)).padStart(3, "0");
      rows.push({
        name: "张三",
        resident_id: residentId(`330106${year}${month}${day}${seq}`),
        district: "西湖区",
      });
    }
    const refused = await post([...rows, rows[0]]);
    const enrolled = await post(rows);
    perRow[n] = { enrolled: enrolled.ms / n, refused: refused.ms / n };
    console.log(
      `${n} rows: enrolled ${enrolled.status} in ${enrolled.ms.toFixed(0)} ms, refused ${refused.status} in ${refused.ms.toFixed(0)} ms`,
    );
  }
  for (const kind of ["enrolled", "refused"]) {
    console.log(
      `per-row time, 10,000 / 2,500 rows (${kind}): ${(perRow[10000][kind] / perRow[2500][kind]).toFixed(2)}`,
    );
  }
} finally {
  await server.stop();
}
