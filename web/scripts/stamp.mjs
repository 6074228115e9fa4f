// Runs after `vite build`: records the hash of the console's sources in the
// bundle (internal/console checks it against web/ so a stale bundle fails
// `go test` without Node), and writes gzip and brotli copies of the text
// assets so the Go handler serves them precompressed.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const web = new URL("..", import.meta.url).pathname;
const dist = join(web, "../internal/console/dist");

// The files whose content decides the bundle. internal/console/source.go
// lists the same ones; keep them in step.
const roots = ["src", "scripts", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json"];

function walk(p, out) {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const name of readdirSync(p)) walk(join(p, name), out);
  } else {
    out.push(p);
  }
  return out;
}

const files = roots.flatMap((r) => walk(join(web, r), [])).map((p) => relative(web, p).split(sep).join("/"));
files.sort();
const lines = files.map((f) => createHash("sha256").update(readFileSync(join(web, f))).digest("hex") + "  " + f + "\n");
const hash = createHash("sha256").update(lines.join("")).digest("hex");
writeFileSync(join(dist, "source-hash.txt"), hash + "\n");

let raw = 0, gz = 0, br = 0;
for (const f of walk(dist, [])) {
  if (!/\.(js|css|html|svg|json|txt)$/.test(f)) continue;
  const data = readFileSync(f);
  if (data.length < 1024) continue;
  const g = gzipSync(data, { level: 9 });
  const b = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(f + ".gz", g);
  writeFileSync(f + ".br", b);
  if (f.endsWith(".js")) { raw += data.length; gz += g.length; br += b.length; }
}
console.log(`source hash ${hash}`);
console.log(`script: ${raw} B raw, ${gz} B gzip, ${br} B brotli`);
