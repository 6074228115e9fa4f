// The console in a real browser: Debian's Chromium driven by
// playwright-core. internal/console's TestConsoleInBrowser starts a
// Lightbox fed by the demo and runs this with BASE_URL, HOSTILE_TRACE_ID,
// BENCH_START/BENCH_END (a 200-node trace's window) and ARTIFACTS (where
// screenshots go). Each step asserts one behaviour of issue 6, item 5.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const base = process.env.BASE_URL;
const artifacts = process.env.ARTIFACTS || "e2e/artifacts";
const hostileId = process.env.HOSTILE_TRACE_ID;
assert.ok(base, "BASE_URL is not set");

const userData = mkdtempSync(join(tmpdir(), "lightbox-chromium-"));
const browser = await chromium.launchPersistentContext(userData, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1400, height: 900 },
});
const page = browser.pages()[0] || (await browser.newPage());
page.setDefaultTimeout(60000); // generous: CI runs every package at once under the race detector
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));
// Console errors other than the API's deliberate 4xx answers (a bad filter,
// a refused rule): a CSP violation would show here ("Refused to …").
page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) pageErrors.push("console: " + m.text()); });
page.on("dialog", (d) => { pageErrors.push("a dialog opened: " + d.message()); d.dismiss(); });
// Every API request the console makes, to check none is repeated.
let apiRequests = [];
page.on("request", (r) => { if (r.method() === "POST") apiRequests.push(r.url().replace(base, "") + " " + (r.postData() || "")); });

const results = [];
const figures = {};
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${err.stack || err}`);
    await page.screenshot({ path: join(artifacts, "failed-" + name.replace(/\W+/g, "-") + ".png") }).catch(() => {});
  }
}
const shot = async (name) => {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(artifacts, name + ".png") });
};

// The names on the map, read from Cytoscape (its labels are canvas text).
const mapNodes = () => page.evaluate(() => window.__cy.nodes().map((n) => n.data("label").split("\n")[0]));

async function clickNode(name) {
  const pos = await page.evaluate((name) => {
    const n = window.__cy.nodes().filter((n) => n.data("label").split("\n")[0] === name && n.data("kind") !== "client")[0];
    if (!n) return null;
    const p = n.renderedPosition();
    const box = window.__cy.container().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  }, name);
  assert.ok(pos, `no node ${name} on the map`);
  await page.mouse.click(pos.x, pos.y);
}

// What the first visit (empty cache) downloads: script bytes as sent.
const firstLoad = [];
const onResponse = async (res) => {
  if (!/\.js$/.test(new URL(res.url()).pathname)) return;
  const sizes = await res.request().sizes().catch(() => null);
  firstLoad.push({ url: new URL(res.url()).pathname, encoding: res.headers()["content-encoding"] || "identity", bytes: sizes ? sizes.responseBodySize : 0 });
};

await step("the map shows the demo's nodes", async () => {
  page.on("response", onResponse);
  await page.goto(base + "/");
  await page.waitForFunction(() => window.__cy && window.__cy.nodes().length > 0);
  const names = await mapNodes();
  for (const want of ["imagetrends", "labeler", "Rekognition", "S3", "Unknown"]) assert.ok(names.includes(want), `map nodes ${names} lack ${want}`);
  const kinds = await page.evaluate(() => window.__cy.nodes().map((n) => n.data("kind")));
  for (const want of ["client", "service", "aws", "database"]) assert.ok(kinds.includes(want), `node kinds ${kinds} lack ${want}`);
  assert.ok((await page.evaluate(() => window.__cy.edges().length)) >= 5, "too few edges");
  page.off("response", onResponse);
  figures.firstLoadScriptBytes = firstLoad.reduce((n, r) => n + r.bytes, 0);
  figures.firstLoadScripts = firstLoad;
  console.log(`first load of /: ${firstLoad.length} scripts, ${figures.firstLoadScriptBytes} bytes as sent (${firstLoad.map((r) => r.encoding).join(", ")})`);
  assert.ok(firstLoad.every((r) => r.encoding === "br"), "scripts were not sent brotli-compressed");
  await shot("map");
});

await step("clicking a node and View traces lists its traces", async () => {
  await clickNode("labeler");
  await page.waitForSelector("#map-panel h2");
  assert.equal(await page.textContent("#map-panel h2"), "labeler");
  await page.waitForSelector("#map-panel .chart canvas");
  assert.match(await page.textContent("#map-panel .status-table"), /Throttle \(429\)/);
  await page.waitForSelector("#panel-series .chart canvas"); // GetTimeSeriesServiceStatistics
  await shot("map-node-panel");
  await page.click("#view-traces");
  await page.waitForURL(/\/traces\?/);
  assert.match(new URL(page.url()).searchParams.get("filter"), /^service\(id\(name: "labeler"/);
  await page.waitForSelector("#trace-list tbody tr");
  assert.ok((await page.locator("#trace-list tbody tr").count()) > 0);
  assert.equal(await page.inputValue("#filter"), new URL(page.url()).searchParams.get("filter"));
});

await step("a trace opens its timeline", async () => {
  await page.click("#trace-list tbody tr:first-child td:first-child a");
  await page.waitForURL(/\/traces\/1-/);
  await page.waitForSelector("#timeline .tl-row");
  const names = await page.locator("#timeline .tl-row").evaluateAll((rows) => rows.map((r) => r.dataset.name));
  for (const want of ["imagetrends", "labeler", "Rekognition"]) assert.ok(names.includes(want), `timeline rows ${names} lack ${want}`);
  // Collapse the first row: its descendants leave the timeline.
  const before = names.length;
  await page.click("#timeline .tl-row:first-child .tl-toggle");
  assert.equal(await page.locator("#timeline .tl-row").count(), 1);
  await page.click("#timeline .tl-row:first-child .tl-toggle");
  assert.equal(await page.locator("#timeline .tl-row").count(), before);
  assert.ok((await page.locator("#timeline .pill.inferred").count()) > 0, "no inferred segment is marked");
  // The SQL call's details.
  await page.locator('#timeline .tl-row[data-name="Unknown"]').first().click();
  await page.click("#details .tab:has-text('SQL')");
  assert.match(await page.textContent("#details .tab-body"), /database_type|url/);
  await page.click('#timeline .tl-row[data-name="Rekognition"]');
  await page.click("#details .tab:has-text('Resources')");
  assert.match(await page.textContent("#details .tab-body"), /aws\.operation/);
  await page.click("#details .tab:has-text('Raw data')");
  assert.match(await page.textContent("#raw-json"), /"name": "Rekognition"/);
  await page.waitForFunction(() => document.querySelector("#trace-map canvas"));
  await shot("trace-timeline");
});

await step("an edge's panel and a dragged response-time range make the View traces filter", async () => {
  await page.goto(base + "/map");
  await page.waitForFunction(() => window.__cy && window.__cy.edges().length > 0);
  const pos = await page.evaluate(() => {
    const e = window.__cy.edges().filter((e) => e.target().data("label").startsWith("S3\n"))[0];
    const p = e.renderedMidpoint();
    const box = window.__cy.container().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  });
  await page.mouse.click(pos.x, pos.y);
  await page.waitForFunction(() => (document.querySelector("#map-panel h2")?.textContent || "").includes("→ S3"));
  assert.match(await page.textContent("#map-panel .expr"), /^edge\(id\(name: "imagetrends"\), id\(name: "S3", type: "AWS::S3"\)\)$/);
  // Drag across the middle of the histogram.
  const over = await page.locator("#map-panel .u-over").first().boundingBox();
  await page.mouse.move(over.x + over.width * 0.05, over.y + over.height / 2);
  await page.mouse.down();
  await page.mouse.move(over.x + over.width * 0.6, over.y + over.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => (document.querySelector("#map-panel .expr")?.textContent || "").includes("responsetime >="));
  const expr = await page.textContent("#map-panel .expr");
  assert.match(expr, /^edge\(.*\) \{ responsetime >= [\d.]+ AND responsetime <= [\d.]+ \}$/);
  await page.click("#view-traces");
  await page.waitForURL(/\/traces\?/);
  assert.equal(new URL(page.url()).searchParams.get("filter"), expr);
  await page.waitForSelector("#trace-list, #no-traces");
  assert.equal(await page.isVisible("#filter-error"), false, "the edge filter was refused: " + (await page.textContent("#filter-error")));
});

await step("the time range and auto-refresh live in the URL", async () => {
  const end = Math.floor(Date.now() / 1000), start = end - 20 * 60;
  apiRequests = [];
  await page.goto(`${base}/traces?range=custom&start=${start}&end=${end}`);
  await page.waitForSelector("#trace-list, #no-traces");
  assert.equal(await page.inputValue("#range"), "custom");
  assert.ok(await page.isVisible(".custom-range input"));
  assert.ok(apiRequests.some((r) => r.startsWith("/TraceSummaries ") && r.includes(`"StartTime":${start},"EndTime":${end}`)), `requests ${apiRequests}`);
  await page.selectOption("#range", "1h");
  await page.waitForURL(/range=1h/);
  assert.equal(new URL(page.url()).searchParams.get("start"), null);
  await page.check("#refresh");
  await page.waitForURL(/refresh=1/);
  // The links to other screens keep range and refresh.
  const href = await page.getAttribute('nav a:has-text("Analytics")', "href");
  assert.match(href, /range=1h/);
  assert.match(href, /refresh=1/);
  await page.uncheck("#refresh");
  await page.waitForURL((u) => !u.searchParams.has("refresh"));
});

await step("auto-refresh updates the map in place", async () => {
  apiRequests = [];
  await page.goto(base + "/map?refresh=5");
  await page.waitForFunction(() => window.__cy && window.__cy.nodes().length > 0);
  assert.ok(await page.isChecked("#refresh"));
  await clickNode("labeler");
  await page.waitForSelector("#map-panel h2");
  await page.evaluate(() => { window.__firstCy = window.__cy; window.__mapRefreshes = 0; });
  await page.waitForFunction(() => window.__mapRefreshes >= 1, null, { timeout: 60000 });
  assert.ok(await page.evaluate(() => window.__cy === window.__firstCy), "the map was drawn anew");
  assert.equal(await page.textContent("#map-panel h2"), "labeler");
  const graphs = apiRequests.filter((r) => r.startsWith("/ServiceGraph "));
  assert.ok(graphs.length >= 2, `ServiceGraph requests: ${graphs}`);
  const ends = graphs.map((r) => JSON.parse(r.slice(r.indexOf(" ") + 1)).EndTime);
  assert.ok(ends[ends.length - 1] > ends[0], `the window did not move: ${ends}`);
});

await step("auto-refresh renders the trace list anew in place: never blank, same scroll position", async () => {
  await page.goto(base + "/traces?refresh=5");
  await page.waitForSelector("#trace-list tbody tr");
  await page.evaluate(() => {
    window.__oldList = document.querySelector("#trace-list");
    window.__blank = 0;
    window.__blankWatch = window.setInterval(() => {
      if (!document.querySelector("#content #trace-list tbody tr")) window.__blank++;
    }, 20);
    window.scrollTo(0, 200);
  });
  const y = await page.evaluate(() => window.scrollY);
  assert.ok(y > 0, "the page is too short to scroll");
  await page.waitForFunction(() => {
    const list = document.querySelector("#trace-list");
    return list && list !== window.__oldList;
  }, null, { timeout: 60000 });
  const after = await page.evaluate(() => { window.clearInterval(window.__blankWatch); return { y: window.scrollY, blank: window.__blank, buffers: document.querySelectorAll(".refresh-buffer").length }; });
  assert.equal(after.blank, 0, "the list vanished while the refresh rendered");
  assert.equal(after.y, y, "the scroll position moved");
  assert.equal(after.buffers, 0, "the refresh buffer stayed in the page");
});

await step("a filter expression narrows the list", async () => {
  await page.goto(base + "/traces");
  await page.waitForSelector("#trace-list tbody tr");
  const count = async () => Number((await page.textContent("main")).match(/(\d+) traces, grouped by URL/)[1]);
  const all = await count();
  await page.fill("#filter", "http.status = 401");
  await page.click("#filter-run");
  await page.waitForURL(/filter=http.status/);
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll("#trace-list tbody tr td:nth-child(4)")];
    return cells.length > 0 && cells.every((c) => (c.textContent || "").startsWith("401"));
  });
  const narrowed = await count();
  assert.ok(narrowed > 0 && narrowed < all, `401 traces ${narrowed}, all ${all}`);
  const statuses = await page.locator("#trace-list tbody tr td:nth-child(4)").allTextContents();
  assert.ok(statuses.length > 0 && statuses.every((s) => s.startsWith("401")), `statuses ${statuses}`);
  await shot("traces-filtered");
});

await step("a refiner click adds its condition to the filter", async () => {
  await page.goto(base + "/traces?filter=" + encodeURIComponent('service(id(name: "imagetrends"))'));
  await page.waitForSelector('[data-refiner="status"] tr');
  await page.click('[data-refiner="status"] tr:has-text("HTTP 401")');
  await page.waitForURL(/401/);
  assert.equal(new URL(page.url()).searchParams.get("filter"), '(service(id(name: "imagetrends"))) AND (http.status = 401)');
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll("#trace-list tbody tr td:nth-child(4)")];
    return cells.length > 0 && cells.every((c) => (c.textContent || "").startsWith("401"));
  });
});

await step("a refiner row works from the keyboard: Tab reaches it, Enter adds its condition", async () => {
  await page.goto(base + "/traces?filter=" + encodeURIComponent('service(id(name: "imagetrends"))'));
  const row = page.locator('[data-refiner="status"] tr:has-text("HTTP 401")');
  await row.waitFor();
  assert.equal(await row.getAttribute("tabindex"), "0", "the row is in the tab order");
  await row.focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(/401/);
  assert.equal(new URL(page.url()).searchParams.get("filter"), '(service(id(name: "imagetrends"))) AND (http.status = 401)');
});

await step("a bad filter expression shows the server's error and column", async () => {
  await page.fill("#filter", 'service("S3") { fault');
  await page.click("#filter-run");
  await page.waitForSelector("#filter-error:not([hidden])");
  const msg = await page.textContent("#filter-error");
  assert.match(msg, /InvalidRequestException/);
  assert.match(msg, /column \d+/);
  await shot("filter-error");
});

await step("the analytics charts and root-cause tables render", async () => {
  await page.goto(base + "/analytics");
  await page.waitForSelector("#chart-distribution canvas");
  await page.waitForSelector("#chart-timeseries canvas");
  await page.waitForSelector('[data-table="rt-causes"] tbody tr');
  const rt = await page.textContent('[data-table="rt-causes"]');
  assert.match(rt, /Rekognition|S3|Unknown/);
  assert.ok((await page.locator('[data-table="fault-causes"] tbody tr, [data-table="error-causes"] tbody tr').count()) > 0, "no fault or error root causes");
  assert.ok((await page.locator('[data-table="status"] tbody tr').count()) > 0);
  // Dragging across the distribution narrows set A to that range.
  const over = await page.locator("#chart-distribution .u-over").boundingBox();
  await page.mouse.move(over.x + 2, over.y + over.height / 2);
  await page.mouse.down();
  await page.mouse.move(over.x + over.width * 0.5, over.y + over.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForURL(/filter=responsetime/);
  await page.waitForFunction(() => /responsetime >= [\d.]+ AND responsetime <= [\d.]+/.test(document.querySelector("#set-a")?.textContent || ""));
  await page.waitForSelector('[data-table="status"] tbody tr');
  // Compare: set B is every trace, and every table gains a Δ column.
  await page.click("#compare");
  await page.waitForSelector("#set-b");
  await page.click('[data-table="status"] tbody tr:has-text("401")');
  await page.waitForFunction(() => (document.querySelector("#set-b")?.textContent || "").includes("http.status = 401"));
  await page.waitForSelector('[data-table="status"] th:has-text("Δ")');
  await shot("analytics-compare");
});

await step("segment markup renders as text", async () => {
  assert.ok(hostileId, "HOSTILE_TRACE_ID is not set");
  await page.goto(base + "/traces/" + hostileId);
  await page.waitForSelector("#timeline .tl-row");
  const names = await page.locator("#timeline .tl-label").allTextContents();
  assert.ok(names.includes(`<img src=x onerror="window.__xss='name'">`), `timeline labels ${names}`);
  await page.click('#timeline .tl-row:first-child');
  await page.click("#details .tab:has-text('Annotations')");
  assert.match(await page.textContent("#details .tab-body"), /<script>window.__xss='annotation'<\/script>/);
  await page.click("#details .tab:has-text('Exceptions')");
  assert.match(await page.textContent("#details .tab-body"), /<h1>Boom<\/h1>/);
  assert.deepEqual(await page.locator("#details ol.stack li").allTextContents(), ["<u>serve</u> (handler.go:42)", "main (main.go:7)"]);
  assert.match(await page.textContent("#details .tab-body"), /Working directory: \/srv\/<i>app<\/i>/);
  // The subsegment still running is marked.
  assert.match(await page.textContent('#timeline .tl-row[data-name="pending call"]'), /in progress/);
  await page.click("#details .tab:has-text('Metadata')");
  assert.match(await page.textContent("#details .tab-body"), /<iframe/);
  await shot("hostile-trace");
  await page.goto(base + "/traces?filter=" + encodeURIComponent('annotation.html BEGINSWITH "<script"'));
  await page.waitForSelector("#trace-list tbody tr");
  assert.match(await page.textContent("#trace-list"), /html: <script>window.__xss='annotation'<\/script>/);
  assert.match(await page.textContent(".refiners"), /<b onmouseover/);
  // None of it became an element, and no script ran.
  for (const sel of ['img[src="x"]', 'img[src="y"]', "iframe", "h1", "b[onmouseover]", "svg[onload]", "u", "i"]) {
    assert.equal(await page.locator(sel).count(), 0, `${sel} is in the page`);
  }
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await shot("hostile-list");
});

await step("a trace of 5,000 subsegments opens and scrolls", async () => {
  const id = process.env.BIG_TRACE_ID;
  assert.ok(id, "BIG_TRACE_ID is not set");
  const t0 = Date.now();
  await page.goto(base + "/traces/" + id);
  await page.waitForSelector("#timeline .tl-row");
  const open = Date.now() - t0;
  const entities = Number(await page.textContent("#entity-count"));
  assert.ok(entities >= 5000, `entities ${entities}`);
  // Only the rows in view (and a margin) are in the DOM.
  const inDom = await page.locator("#timeline .tl-row").count();
  assert.ok(inDom < 200, `${inDom} rows in the DOM`);
  // Scroll through the whole timeline; time each repaint.
  const frames = await page.evaluate(async () => {
    const body = document.querySelector(".tl-body");
    const times = [];
    for (let y = 0; y < body.scrollHeight; y += body.clientHeight) {
      const t = performance.now();
      body.scrollTop = y;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b);
  });
  const last = await page.locator("#timeline .tl-row").last().getAttribute("data-name");
  assert.ok(last, "no row at the end of the timeline");
  figures.bigTraceOpenMs = open;
  figures.bigTraceScrollFrameMedianMs = frames[Math.floor(frames.length / 2)];
  figures.bigTraceScrollFrameP95Ms = frames[Math.floor(frames.length * 0.95)];
  console.log(`5,000-subsegment trace: ${entities} entities, open ${open} ms, ${inDom} rows in the DOM, scroll repaint median ${figures.bigTraceScrollFrameMedianMs.toFixed(1)} ms, p95 ${figures.bigTraceScrollFrameP95Ms.toFixed(1)} ms over ${frames.length} screens`);
  await shot("big-trace");
});

await step("the map renders 200 nodes (timed)", async () => {
  const start = process.env.BENCH_START, end = process.env.BENCH_END;
  assert.ok(start && end, "BENCH_START/BENCH_END are not set");
  const times = [];
  for (let i = 0; i < 3; i++) {
    await page.goto(`${base}/map?range=custom&start=${start}&end=${end}`);
    await page.waitForFunction(() => window.__cy && window.__cy.nodes().length >= 201 && window.__mapRenderMs > 0);
    times.push(await page.evaluate(() => window.__mapRenderMs));
  }
  times.sort((a, b) => a - b);
  figures.map200RenderMs = times[1];
  console.log(`map of ${await page.evaluate(() => window.__cy.nodes().length)} nodes: layout + first paint ${times.map((t) => t.toFixed(0)).join(", ")} ms (median ${times[1].toFixed(0)}; last run: ${JSON.stringify(await page.evaluate(() => window.__mapTimings))})`);
  await shot("map-200");
});

await step("groups: create, validation error, select, edit, delete", async () => {
  await page.goto(base + "/groups");
  await page.waitForSelector("#group-create");
  await page.fill('#group-create input[name="GroupName"]', "e2e-broken");
  await page.fill('#group-create input[name="FilterExpression"]', "fault AND (");
  await page.click('#group-create button[type="submit"]');
  await page.waitForSelector("#group-create .form-error:not([hidden])");
  assert.match(await page.textContent("#group-create .form-error"), /InvalidRequestException.*column \d+/s);
  await page.fill('#group-create input[name="GroupName"]', "e2e-faults");
  await page.fill('#group-create input[name="FilterExpression"]', "fault OR error");
  await page.click('#group-create button[type="submit"]');
  await page.waitForSelector('#group-list tr[data-group="e2e-faults"]');
  assert.equal(await page.locator('#group-list tr[data-group="e2e-broken"]').count(), 0);
  // The group selector scopes the list to the group's traces.
  await page.selectOption("#group", "e2e-faults");
  await page.waitForURL(/group=e2e-faults/);
  await page.click('nav a:has-text("Traces")');
  await page.waitForSelector("#trace-list tbody tr");
  const pills = await page.locator("#trace-list tbody tr td:nth-child(4)").allTextContents();
  assert.ok(pills.every((p) => /Fault|Error|Throttle/.test(p)), `group-scoped statuses ${pills}`);
  await page.goto(base + "/groups?edit=e2e-faults");
  await page.fill('#group-edit input[name="FilterExpression"]', "fault");
  await page.click('#group-edit button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#group-list tr[data-group="e2e-faults"] td:nth-child(2)')?.textContent === "fault");
  await shot("groups");
  const del = page.locator('#group-list tr[data-group="e2e-faults"] button.danger');
  await del.click();
  await del.click();
  await page.waitForFunction(() => !document.querySelector('#group-list tr[data-group="e2e-faults"]'));
});

await step("sampling rules: create, validation error, edit, delete", async () => {
  // An SDK's sampler reports its statistics for the Default rule (with
  // GetSamplingTargets, as the SDKs do, from outside the browser); the
  // screen shows them.
  const report = await fetch(base + "/SamplingTargets", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ SamplingStatisticsDocuments: [{ RuleName: "Default", ClientID: randomBytes(12).toString("hex"), Timestamp: Math.floor(Date.now() / 1000), RequestCount: 40, SampledCount: 10, BorrowCount: 1 }] }),
  });
  assert.equal(report.status, 200, await report.text());
  await page.goto(base + "/sampling");
  await page.waitForSelector('#rule-list tr[data-rule="Default"]');
  // The statistics an SDK reported for Default (40 requests, 10 sampled, 1 borrowed).
  const cells = await page.locator('#rule-list tr[data-rule="Default"] td').allTextContents();
  assert.deepEqual(cells.slice(9, 12), ["40", "10 (25%)", "1"], `Default rule row: ${cells}`);
  await page.fill('#rule-create input[name="RuleName"]', "e2e-rule");
  await page.fill('#rule-create input[name="Priority"]', "10");
  await page.fill('#rule-create input[name="FixedRate"]', "2");
  await page.click('#rule-create button[type="submit"]');
  await page.waitForSelector("#rule-create .form-error:not([hidden])");
  assert.match(await page.textContent("#rule-create .form-error"), /FixedRate/);
  await page.fill('#rule-create input[name="FixedRate"]', "0.5");
  await page.fill('#rule-create input[name="URLPath"]', "/upload*");
  await page.click('#rule-create button[type="submit"]');
  await page.waitForSelector('#rule-list tr[data-rule="e2e-rule"]');
  await page.click('#rule-list tr[data-rule="e2e-rule"] a:has-text("Edit")');
  await page.waitForSelector("#rule-edit");
  await page.fill('#rule-edit input[name="ReservoirSize"]', "7");
  await page.click('#rule-edit button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#rule-list tr[data-rule="e2e-rule"] td:nth-child(3)')?.textContent === "7/s");
  await shot("sampling");
  const del = page.locator('#rule-list tr[data-rule="e2e-rule"] button.danger');
  await del.click();
  await del.click();
  await page.waitForFunction(() => !document.querySelector('#rule-list tr[data-rule="e2e-rule"]'));
});

await step("no API request is repeated while one screen loads", async () => {
  apiRequests = [];
  await page.goto(base + "/traces");
  await page.waitForSelector("#trace-list tbody tr");
  await page.waitForTimeout(500);
  const seen = new Set();
  for (const r of apiRequests) {
    assert.ok(!seen.has(r), `repeated request ${r}`);
    seen.add(r);
  }
});

await step("the page raised no script errors or CSP violations", async () => {
  assert.deepEqual(pageErrors, []);
});

await browser.close();
rmSync(userData, { recursive: true, force: true });
writeFileSync(join(artifacts, "figures.json"), JSON.stringify(figures, null, 2));
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
