// The browser flow of `baseline serve` in Debian's headless Chromium (playwright-core driving
// /usr/bin/chromium; no downloaded browser), with axe-core run on every page visited.
//
//   node flow.mjs BASELINE_BINARY DATABASE_URL ARTEFACT_DIR
//
// A member of the public reports a product with its firmware; the demo officer signs in with
// password and TOTP, opens a case from the allegation, adds the firmware (assessed by the
// service's worker), drafts a compliance notice from the failed verdicts and sends the notice
// of intent; the demo respondent enrols from an invitation, signs in and makes
// representations; the service restarts with its clock 11 days on; the officer gives the
// notice, and the public register shows it. Screenshots of each step go to ARTEFACT_DIR.
// Exits non-zero on the first failed expectation or on any serious or critical axe finding.

import { spawn, execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [bin, database, artefacts] = process.argv.slice(2);
if (!bin || !database || !artefacts) {
  console.error("usage: node flow.mjs BASELINE_BINARY DATABASE_URL ARTEFACT_DIR");
  process.exit(2);
}
mkdirSync(artefacts, { recursive: true });
const FIRMWARE = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../examples/demo-firmware.bin");
const OFFSET_DAYS = 11;

function fail(message) {
  throw new Error(message);
}
function expect(cond, message) {
  if (!cond) fail(message);
}

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as the register's totp-rs: the test is the
// authenticator app. `at` is the service's clock (moved on after the restart).
function totp(base32, atMs) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/=+$/, "").toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) fail(`bad base32 character ${c}`);
    bits += v.toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Math.floor(atMs / 1000 / 30);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac("sha1", key).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, "0");
}

// Start `baseline serve`; resolves with its base URL and the lines it printed.
function startServer(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--database", database, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let text = "";
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${text}`)), 60_000);
    child.stderr.on("data", (d) => {
      text += d.toString();
      const m = text.match(/on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1], text: () => text });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}):\n${text}`));
    });
  });
}

async function stopServer(s) {
  s.child.removeAllListeners("exit");
  const done = new Promise((r) => s.child.on("exit", r));
  s.child.kill("SIGTERM");
  await done;
}

let step = 0;
const visited = [];
async function check(page, name) {
  step += 1;
  const file = path.join(artefacts, `${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  // axe-core, evaluated through the DevTools protocol (the page's CSP allows no scripts).
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  visited.push({ step, name, url: page.url(), violations: result });
  if (serious.length > 0) {
    fail(`axe on ${page.url()} (${name}): ${JSON.stringify(serious, null, 1)}`);
  }
}

async function signIn(page, base, email, password, key, atMs) {
  await page.goto(`${base}/sign-in`);
  await check(page, `sign-in-${email.split("@")[0]}`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.fill("#code", totp(key, atMs));
  await Promise.all([page.waitForURL(`${base}/cases`), page.click("button[type=submit]")]);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let server;
try {
  server = await startServer(["--demo"]);
  const seeded = server.text().match(/sign in at \/sign-in as (\S+) with password `([^`]+)` and the TOTP key (\S+)/);
  expect(seeded, `the demo officer was not printed:\n${server.text()}`);
  const [, officerEmail, officerPassword, officerKey] = seeded;
  let base = server.base;
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);

  // The accessibility check itself can fail: a page with an unlabelled field and an image
  // without a text alternative has serious findings.
  await page.setContent('<!doctype html><html lang="en"><title>t</title><main><img src="x.png"><input type="text"></main></html>');
  await page.evaluate(AXE);
  const bad = await page.evaluate(async () => (await axe.run(document)).violations.map((v) => v.id));
  expect(bad.includes("image-alt") && bad.includes("label"), `axe-core did not find the planted faults: ${bad}`);

  // The public reports a product, with its firmware.
  await page.goto(`${base}/`);
  await check(page, "home");
  await page.goto(`${base}/report`);
  await check(page, "report-form");
  await page.click("button[type=submit]");
  expect((await page.textContent(".error-summary")).includes("Enter the product's brand"), "the empty report shows no error summary");
  await check(page, "report-errors");
  await page.fill("#brand", "Browser Test Devices");
  await page.fill("#model", "BT-100");
  await page.fill("#description", "Every unit's admin page takes the same root password.");
  await page.setInputFiles("#files", FIRMWARE);
  await Promise.all([page.waitForURL(/\/report\/AL-/), page.click("button[type=submit]")]);
  const reference = page.url().split("/report/")[1];
  expect(/^AL-[A-Z0-9]{16}$/.test(reference), `receipt reference ${reference}`);
  await check(page, "receipt");

  // The officer signs in and opens a case from the allegation.
  await signIn(page, base, officerEmail, officerPassword, officerKey, Date.now());
  await check(page, "cases");
  await page.click("a[href='/allegations']");
  await check(page, "allegations");
  await page.fill(`#operator-${reference}`, "Demo Devices Ltd");
  await Promise.all([page.waitForURL(/\/cases\/CASE-\d+\?done=opened/), page.click(`text=Open a case from ${reference}`)]);
  const caseUrl = page.url().split("?")[0];
  const caseId = caseUrl.split("/cases/")[1];
  expect((await page.textContent("main")).includes("demo-firmware.bin"), "the allegation's firmware is not the case's evidence");
  await check(page, "case-opened");

  // It adds the firmware as such: the service's worker assesses it.
  await page.selectOption("#kind", "firmware");
  await page.setInputFiles("#files", FIRMWARE);
  await Promise.all([page.waitForURL(/done=assessing/), page.click("text=Add the evidence")]);
  await check(page, "assessment-queued");
  let assessed = false;
  for (let i = 0; i < 120 && !assessed; i++) {
    await page.goto(caseUrl);
    assessed = (await page.textContent("main")).includes("PSTI verdicts");
    if (!assessed) await page.waitForTimeout(500);
  }
  expect(assessed, "the assessment did not appear on the case page within 60 s");
  const main = await page.textContent("main");
  expect(main.includes("psti:sch1-p1") && main.includes("CRED-001"), "the assessment does not show psti:sch1-p1 failing on CRED-001");
  await check(page, "assessed");

  // A compliance notice drafted from the failed verdicts, and the notice of intent.
  expect((await page.inputValue("#breaches")).includes("psti:sch1-p1"), "breaches are not filled from the failed verdicts");
  expect((await page.inputValue("#basis")).includes("/psti:sch1-p1"), "the basis is not filled from the assessment");
  await page.fill("#reasons", "Every unit of the BT-100 ships with the same root password (CRED-001 in /etc/shadow).");
  await page.fill("#steps", "Ship firmware that makes each user set a unique password.");
  const complyBy = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
  await page.fill("#comply_by", complyBy);
  await Promise.all([page.waitForURL(/done=drafted/), page.click("text=Draft the notice")]);
  await check(page, "notice-drafted");
  const notice = (await page.textContent("section.notice h3")).split(":")[0].trim();
  expect(/^N-\d+$/.test(notice), `notice id ${notice}`);
  await Promise.all([page.waitForURL(/done=intent/), page.click(`text=Send the notice of intent for ${notice}`)]);
  expect((await page.textContent("main")).includes(`${notice}: compliance notice, intent`), "the notice is not at intent");
  await check(page, "intent-sent");
  // Giving it now is refused by s. 28(6), with the citation in the error summary.
  await page.click(`#give-${notice}`);
  expect((await page.textContent(".error-summary")).includes("s. 28(6)"), "giving the notice early was not refused with s. 28(6)");
  await check(page, "give-refused");

  // The respondent enrols from an invitation and makes representations.
  const invitation = JSON.parse(
    execFileSync(bin, ["user", "invite", "compliance@demo-devices.example", "--database", database, "--format", "json"], { encoding: "utf8" }),
  ).invitation;
  const respondent = await browser.newContext();
  const rpage = await respondent.newPage();
  rpage.setDefaultTimeout(20_000);
  await rpage.goto(`${base}${invitation}`);
  await check(rpage, "invitation");
  const rkey = (await rpage.textContent("p.reference code")).trim();
  await rpage.fill("#password", "respondent pass phrase");
  await rpage.fill("#code", totp(rkey, Date.now()));
  await Promise.all([rpage.waitForURL(`${base}/sign-in`), rpage.click("button[type=submit]")]);
  // A TOTP step is accepted once: sign in with the next one.
  await signIn(rpage, base, "compliance@demo-devices.example", "respondent pass phrase", rkey, Date.now() + 30_000);
  await rpage.goto(caseUrl);
  await check(rpage, "respondent-case");
  const rmain = await rpage.textContent("main");
  expect(!rmain.includes("Timeline") && !rmain.includes("PSTI verdicts"), "the respondent sees more than the notices");
  await rpage.fill(`#representations-${notice}`, "Units made since June ask the user to set a password; see the release notes.");
  await Promise.all([rpage.waitForURL(/done=representations/), rpage.click("text=Send the representations")]);
  await check(rpage, "representations-sent");
  await respondent.close();

  // Eleven days on, the officer gives the compliance notice.
  await stopServer(server);
  server = await startServer(["--clock-offset", `${OFFSET_DAYS}d`]);
  base = server.base;
  const moved = Date.now() + OFFSET_DAYS * 86_400_000;
  const officer2 = await browser.newContext();
  const opage = await officer2.newPage();
  opage.setDefaultTimeout(20_000);
  await signIn(opage, base, officerEmail, officerPassword, officerKey, moved);
  await opage.goto(`${base}/cases/${caseId}`);
  const omain = await opage.textContent("main");
  expect(omain.includes("representations-"), "the representations are not the case's evidence");
  await Promise.all([opage.waitForURL(/done=issued/), opage.click(`#give-${notice}`)]);
  expect((await opage.textContent("main")).includes(`${notice}: compliance notice, issued`), "the notice was not given");
  await check(opage, "notice-given");

  // The public register shows it.
  await opage.goto(`${base}/register`);
  const reg = await opage.textContent("main");
  expect(reg.includes(notice) && reg.includes("psti:sch1-p1"), `the public register does not show ${notice} for psti:sch1-p1`);
  await check(opage, "public-register");
  await officer2.close();
  await context.close();
  writeFileSync(path.join(artefacts, "axe.json"), JSON.stringify(visited, null, 1));
  console.log(`browser flow ok: ${visited.length} pages checked with axe-core, case ${caseId}, notice ${notice} (${database.startsWith("postgres") ? "PostgreSQL" : "SQLite"})`);
} catch (e) {
  writeFileSync(path.join(artefacts, "axe.json"), JSON.stringify(visited, null, 1));
  console.error(`browser flow FAILED: ${e.stack || e}`);
  if (server) console.error(`server output:\n${server.text()}`);
  process.exitCode = 1;
} finally {
  if (server) await stopServer(server).catch(() => {});
  await browser.close();
}
