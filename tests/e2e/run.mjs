// Browser tests of techmarket: start the real server on a free port with a fresh SQLite database,
// create a program officer with the CLI, and drive Chromium (playwright-core, the system browser)
// through sign-up, e-mail verification, licence upload, review, language switch and phone layout.
//
//   cd tests/e2e && npm install && node --test run.mjs
//
// Environment: TECHMARKET_BIN (default <repo>/target/debug/techmarket), E2E_ARTIFACTS (default
// tests/e2e/artifacts: full-page screenshots NN-name.png and server.log), CHROMIUM (default
// /usr/bin/chromium), E2E_KEEP_DATA=1 keeps the temporary DATA_DIR.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const BIN = process.env.TECHMARKET_BIN || join(REPO, 'target', 'debug', 'techmarket');
const ARTIFACTS = resolve(process.env.E2E_ARTIFACTS || join(HERE, 'artifacts'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const TEST_TIMEOUT = 180_000;

// ---------------------------------------------------------------------------------------------
// Messages: the tests read the same catalogue as the server, so they check real texts.

const MESSAGES = (() => {
  const out = new Map();
  const text = readFileSync(join(REPO, 'server', 'messages.toml'), 'utf8');
  for (const line of text.split('\n')) {
    const m = line.match(/^"([^"]+)"\s*=\s*(\[.*\])\s*$/);
    if (m) out.set(m[1], JSON.parse(m[2]));
  }
  return out;
})();

/** The text of a message key: lang 'zh' or 'en'. */
function msg(key, lang = 'zh') {
  const v = MESSAGES.get(key);
  if (!v) throw new Error(`message ${key} missing from server/messages.toml`);
  return v[lang === 'en' ? 1 : 0];
}

// ---------------------------------------------------------------------------------------------
// Test data.

const CREDIT_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character of the first 17 characters of a unified social credit code (GB 32100-2015). */
function creditCheckChar(base17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CHARSET.indexOf(base17[i]);
    if (v < 0) throw new Error(`bad credit code character ${base17[i]}`);
    sum += v * CREDIT_WEIGHTS[i];
  }
  const check = (31 - (sum % 31)) % 31;
  return CREDIT_CHARSET[check];
}

function randomCreditCode() {
  let base = '91630104MA7';
  for (let i = 0; i < 6; i++) base += CREDIT_CHARSET[randomInt(CREDIT_CHARSET.length)];
  return base + creditCheckChar(base);
}

/** The same code with a wrong check character. */
function corruptCreditCode(code) {
  const right = code[17];
  const wrong = CREDIT_CHARSET[(CREDIT_CHARSET.indexOf(right) + 7) % CREDIT_CHARSET.length];
  return code.slice(0, 17) + wrong;
}

/** A small, valid one-page PDF (ASCII only, so string offsets are byte offsets). */
function minimalPdf() {
  const content = 'BT /F1 24 Tf 72 760 Td (Business licence - e2e test) Tj ET';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) pdf += `${String(off).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

const RUN = Date.now().toString(36) + randomInt(1000).toString();
const OFFICER = { email: `officer-${RUN}@example.test`, name: '王审核', password: 'officer-pass-2026' };
const ENTERPRISE = {
  orgName: `青海高原新材料科技有限公司${RUN.slice(-4)}`,
  creditCode: randomCreditCode(),
  region: '630104',
  name: '李晓梅',
  email: `li-${RUN}@example.test`,
  password: 'enterprise-pass-2026',
};

// ---------------------------------------------------------------------------------------------
// The server.

function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

const state = {
  server: null, // ChildProcess
  serverLog: [],
  dataDir: null,
  base: null,
  browser: null,
  shotNo: 0,
  passed: new Set(),
  problems: [], // console errors, CSP violations, page errors, 5xx responses
};

function serverEnv(port) {
  const env = { ...process.env };
  // A clean configuration: SQLite in DATA_DIR, mails as files, links to this server.
  for (const k of ['DATABASE_URL', 'SMTP_URL', 'BASE_URL', 'SECRET_KEY', 'TECHMARKET_CONFIG', 'COOKIE_SECURE']) delete env[k];
  return {
    ...env,
    BIND: `127.0.0.1:${port}`,
    DATA_DIR: state.dataDir,
    MAIL_POLL_MS: '200',
    RUST_LOG: process.env.RUST_LOG || 'info',
  };
}

function serverLogText() {
  return state.serverLog.join('');
}

async function waitForHealth(base, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  let lastErr = null;
  while (Date.now() < deadline) {
    if (state.server.exitCode !== null || state.server.signalCode !== null) {
      throw new Error(`the server exited (${state.server.exitCode ?? state.server.signalCode}) before answering /healthz:\n${serverLogText()}`);
    }
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
      lastErr = new Error(`/healthz answered ${r.status}`);
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not answer /healthz within ${deadlineMs} ms (${lastErr?.message}):\n${serverLogText()}`);
}

function stopServer() {
  const child = state.server;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {}
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    try {
      child.kill('SIGTERM');
    } catch {
      clearTimeout(timer);
      res();
    }
  });
}

// Whatever happens, never leave the server running.
process.on('exit', () => {
  if (state.server && state.server.exitCode === null && state.server.signalCode === null) {
    try {
      state.server.kill('SIGKILL');
    } catch {}
  }
});

// ---------------------------------------------------------------------------------------------
// Mail.

function unfoldHeaders(head) {
  const headers = new Map();
  let last = null;
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, headers.get(last) + ' ' + line.trim());
    } else {
      const i = line.indexOf(':');
      if (i > 0) {
        last = line.slice(0, i).trim().toLowerCase();
        headers.set(last, line.slice(i + 1).trim());
      }
    }
  }
  return headers;
}

function decodeQuotedPrintable(s) {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    const ch = soft[i];
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Headers and decoded text body of an .eml file (single part; a multipart mail's parts are decoded too). */
function parseEml(raw) {
  const sep = raw.search(/\r?\n\r?\n/);
  const head = sep < 0 ? raw : raw.slice(0, sep);
  const body = sep < 0 ? '' : raw.slice(sep).replace(/^\r?\n\r?\n/, '');
  const headers = unfoldHeaders(head);
  const type = headers.get('content-type') || 'text/plain';
  const boundary = type.match(/boundary="?([^";]+)"?/i);
  if (/^multipart\//i.test(type) && boundary) {
    const parts = body.split(`--${boundary[1]}`).slice(1).filter((p) => !p.startsWith('--'));
    return { headers, text: parts.map((p) => parseEml(p.replace(/^\r?\n/, '')).text).join('\n') };
  }
  const cte = (headers.get('content-transfer-encoding') || '7bit').toLowerCase();
  let text = body;
  if (cte === 'quoted-printable') text = decodeQuotedPrintable(body);
  else if (cte === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { headers, text };
}

function decodeMimeWords(s) {
  return s.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g, (_, _cs, enc, data) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : decodeQuotedPrintable(data.replace(/_/g, ' ')),
  );
}

function readOutbox() {
  const dir = join(state.dataDir, 'outbox');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml') && !f.startsWith('.'))
    .sort()
    .map((f) => {
      const { headers, text } = parseEml(readFileSync(join(dir, f), 'utf8'));
      return { file: f, to: headers.get('to') || '', subject: decodeMimeWords(headers.get('subject') || ''), text };
    });
}

/** The newest mail to `to` for which `pred` holds, polling the outbox for up to 10 s. */
async function waitForMail(to, pred, what) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const mails = readOutbox().filter((m) => m.to.includes(to) && pred(m));
    if (mails.length) return mails[mails.length - 1];
    if (Date.now() > deadline) {
      const seen = readOutbox().map((m) => `${m.file} to=${m.to} subject=${m.subject}`).join('\n  ');
      throw new Error(`no ${what} mail to ${to} in ${join(state.dataDir, 'outbox')} after 10 s; outbox:\n  ${seen || '(empty)'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// Browser helpers.

async function newPage({ viewport = DESKTOP, phone = false } = {}) {
  const context = await state.browser.newContext({
    viewport,
    locale: 'zh-CN',
    isMobile: phone,
    hasTouch: phone,
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.setDefaultNavigationTimeout(60_000);
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // A 401/422 page (wrong password, form errors) is logged by Chromium as a failed resource: expected.
    if (/^Failed to load resource: the server responded with a status of (401|422)/.test(text)) return;
    state.problems.push(`console error on ${page.url()}: ${text}`);
  });
  page.on('pageerror', (e) => state.problems.push(`page error on ${page.url()}: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 500) state.problems.push(`${r.status()} for ${r.request().method()} ${r.url()}`);
  });
  return page;
}

async function shot(page, name) {
  state.shotNo += 1;
  const file = join(ARTIFACTS, `${String(state.shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Clicks and waits for the navigation the click causes (a form post and its redirect). */
async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}

async function goto(page, path) {
  const resp = await page.goto(state.base + path, { waitUntil: 'load' });
  assert.ok(resp, `no response for ${path}`);
  assert.ok(resp.status() < 400, `${path} answered ${resp.status()}`);
  return resp;
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

async function text(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

async function login(page, email, password) {
  await goto(page, '/login');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  await clickAndWait(page, page.locator('main form button[type=submit]'));
  assert.equal(pathOf(page), '/account', `log-in as ${email} should land on /account, not ${page.url()}`);
}

async function logout(page) {
  await clickAndWait(page, page.locator('header form[action="/logout"] button'));
  assert.equal(pathOf(page), '/');
  await page.locator('header a[href="/login"]').waitFor();
}

/** Skips a test whose preconditions failed, so one failure does not cascade into many. */
function needs(t, ...names) {
  const missing = names.filter((n) => !state.passed.has(n));
  if (missing.length) {
    t.skip(`needs ${missing.join(', ')}`);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------

describe('techmarket in a browser', { concurrency: 1 }, () => {
  let page; // the desktop page of the main flow (one cookie jar: enterprise user, then officer, then back)

  before(async () => {
    assert.ok(existsSync(BIN), `${BIN} does not exist: build it (cargo build) or set TECHMARKET_BIN`);
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} does not exist: apt-get install -y chromium, or set CHROMIUM`);
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of readdirSync(ARTIFACTS)) if (/^\d\d-.*\.png$/.test(f)) rmSync(join(ARTIFACTS, f));

    state.dataDir = mkdtempSync(join(tmpdir(), 'techmarket-e2e-'));
    const port = await freePort();
    state.base = `http://127.0.0.1:${port}`;
    const env = serverEnv(port);
    state.server = spawn(BIN, ['serve'], { cwd: state.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    state.server.stdout.on('data', (d) => state.serverLog.push(d.toString()));
    state.server.stderr.on('data', (d) => state.serverLog.push(d.toString()));
    state.server.on('error', (e) => state.serverLog.push(`spawn error: ${e.message}\n`));
    await waitForHealth(state.base, 60_000);

    const officer = spawnSync(
      BIN,
      ['create-officer', '--email', OFFICER.email, '--name', OFFICER.name, '--region', '630100', '--password-stdin'],
      { cwd: state.dataDir, env, input: OFFICER.password + '\n', encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(officer.status, 0, `create-officer failed (${officer.status}): ${officer.stderr}${officer.stdout}`);

    state.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await newPage();
  });

  after(async () => {
    try {
      if (state.browser) await state.browser.close();
    } finally {
      await stopServer();
      try {
        mkdirSync(ARTIFACTS, { recursive: true });
        writeFileSync(join(ARTIFACTS, 'server.log'), serverLogText());
      } catch {}
      if (state.dataDir && !process.env.E2E_KEEP_DATA) rmSync(state.dataDir, { recursive: true, force: true });
    }
  });

  it('1. signs up an enterprise, keeping the input after a wrong credit code', { timeout: TEST_TIMEOUT }, async () => {
    await goto(page, '/');
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    assert.equal(await text(page.locator('h1')), msg('home.headline'));
    await shot(page, 'home-zh');
    await clickAndWait(page, page.locator('header a[href="/signup"]'));
    assert.equal(pathOf(page), '/signup');
    await shot(page, 'signup-choice-zh');
    await clickAndWait(page, page.locator('main a[href="/signup/organization"]'));
    assert.equal(await text(page.locator('h1')), msg('signup.org.title'));
    await shot(page, 'signup-org-empty-zh');

    const form = page.locator('main form[action="/signup/organization"]');
    const fill = async (creditCode) => {
      await page.locator('#kind').selectOption('enterprise');
      await page.locator('#org_name').fill(ENTERPRISE.orgName);
      await page.locator('#credit_code').fill(creditCode);
      await page.locator('#region_code').fill(ENTERPRISE.region);
      await page.locator('#name').fill(ENTERPRISE.name);
      await page.locator('#email').fill(ENTERPRISE.email);
      await page.locator('#password').fill(ENTERPRISE.password);
      await page.locator('#password2').fill(ENTERPRISE.password);
    };

    // A wrong check character: the form comes back with the error at the field and the input kept.
    await fill(corruptCreditCode(ENTERPRISE.creditCode));
    await clickAndWait(page, form.locator('button[type=submit]'));
    assert.equal(pathOf(page), '/signup/organization');
    await page.locator('#credit_code-error').waitFor({ state: 'visible' });
    assert.ok((await text(page.locator('#credit_code-error'))).length > 0, 'the credit code error is empty');
    assert.equal(await text(page.locator('.form-error')), msg('err.form'));
    assert.equal(await page.locator('#credit_code').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#org_name').inputValue(), ENTERPRISE.orgName, 'the organization name was not kept');
    assert.equal(await page.locator('#credit_code').inputValue(), corruptCreditCode(ENTERPRISE.creditCode));
    assert.equal(await page.locator('#region_code').inputValue(), ENTERPRISE.region);
    assert.equal(await page.locator('#name').inputValue(), ENTERPRISE.name);
    assert.equal(await page.locator('#email').inputValue(), ENTERPRISE.email);
    assert.equal(await page.locator('#kind').inputValue(), 'enterprise');
    assert.equal(await page.locator('.field-error').count(), 1, 'only the credit code should be marked');
    await shot(page, 'signup-org-credit-code-error-zh');

    // Corrected: the account page, signed in, organization not verified yet.
    await fill(ENTERPRISE.creditCode);
    await clickAndWait(page, page.locator('main form[action="/signup/organization"] button[type=submit]'));
    assert.equal(pathOf(page), '/account', `sign-up should land on /account, got ${page.url()}`);
    assert.equal(await text(page.locator('.notice[role=status]')), msg('notice.welcome'));
    const facts = await text(page.locator('dl.facts'));
    assert.ok(facts.includes(ENTERPRISE.orgName), `the account page does not name the organization: ${facts}`);
    assert.ok(facts.includes(ENTERPRISE.email));
    assert.ok(facts.includes(ENTERPRISE.region));
    const statusTag = page.locator('dl.facts .tag', { hasText: msg('verification.unverified') });
    assert.equal(await statusTag.count(), 1, `no "${msg('verification.unverified')}" status on the account page: ${facts}`);
    assert.ok((await statusTag.getAttribute('class')).includes('warn'));
    assert.ok((await text(page.locator('main'))).includes(msg('account.unverified_note')));
    assert.ok(facts.includes(msg('account.email_unverified')));
    assert.equal(await text(page.locator('header a[href="/account"]')), ENTERPRISE.name);
    await shot(page, 'account-after-signup-zh');
    state.passed.add('signup');
  });

  it('2. verifies the e-mail address through the link in the mail', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'signup')) return;
    const mail = await waitForMail(ENTERPRISE.email, (m) => m.text.includes('/verify-email?token='), 'verification');
    const link = mail.text.match(/https?:\/\/[^\s"'<>]+\/verify-email\?token=[A-Za-z0-9_\-.~%]+/)?.[0];
    assert.ok(link, `no verification link in ${mail.file}:\n${mail.text}`);
    assert.ok(link.startsWith(state.base + '/'), `the link ${link} does not point at this server (${state.base})`);
    assert.ok(mail.subject.includes(msg('mail.verify.subject').split(' — ')[0]), `unexpected subject: ${mail.subject}`);

    await goto(page, new URL(link).pathname + new URL(link).search);
    assert.equal(await text(page.locator('h1')), msg('verify.title'));
    await shot(page, 'verify-email-zh');
    await clickAndWait(page, page.locator('main form[action="/verify-email"] button[type=submit]'));
    assert.equal(pathOf(page), '/account');
    assert.equal(await text(page.locator('.notice[role=status]')), msg('notice.email_verified'));
    const okTag = page.locator('dl.facts .tag.ok', { hasText: msg('account.email_verified') });
    assert.equal(await okTag.count(), 1, 'the address is not shown as verified');
    assert.equal(await page.locator('form[action="/account/resend-verification"]').count(), 0);
    await shot(page, 'account-email-verified-zh');
    state.passed.add('email');
  });

  it('3. uploads the business licence and awaits review', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'signup')) return;
    await clickAndWait(page, page.locator('header a[href="/org/verification"]'));
    assert.equal(await text(page.locator('h1')), msg('verification.title'));
    assert.ok((await text(page.locator('dl.facts'))).includes(ENTERPRISE.creditCode));
    await shot(page, 'verification-before-upload-zh');

    const pdf = minimalPdf();
    assert.equal(pdf.subarray(0, 8).toString('latin1'), '%PDF-1.4');
    await page.locator('#licence').setInputFiles({ name: 'licence.pdf', mimeType: 'application/pdf', buffer: pdf });
    await clickAndWait(page, page.locator('main form[action^="/org/licence"] button[type=submit]'));
    assert.equal(pathOf(page), '/org/verification', `after the upload: ${page.url()}`);
    assert.equal(await text(page.locator('.notice[role=status]')), msg('notice.licence_uploaded'));
    const pending = page.locator('dl.facts .tag', { hasText: msg('verification.pending') });
    assert.equal(await pending.count(), 1, `the status is not "${msg('verification.pending')}": ${await text(page.locator('dl.facts'))}`);
    const uploaded = page.locator('main a[href^="/files/"]');
    assert.equal(await uploaded.count(), 1, 'no link to the uploaded file');
    const fileResp = await page.request.get(state.base + (await uploaded.getAttribute('href')));
    assert.equal(fileResp.status(), 200);
    assert.ok((await fileResp.body()).subarray(0, 8).equals(pdf.subarray(0, 8)), 'the stored file is not the uploaded PDF');
    await shot(page, 'verification-pending-zh');

    await goto(page, '/account');
    assert.equal(await page.locator('dl.facts .tag', { hasText: msg('verification.pending') }).count(), 1);
    state.passed.add('licence');
  });

  it('4. an officer verifies the organization; the enterprise sees it', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'licence')) return;
    await logout(page);
    assert.equal(await text(page.locator('.notice[role=status]')), msg('notice.logged_out'));
    await shot(page, 'home-logged-out-zh');
    await login(page, OFFICER.email, OFFICER.password);
    await shot(page, 'officer-account-zh');

    await clickAndWait(page, page.locator('header a[href="/officer/organizations"]'));
    assert.equal(await text(page.locator('h1')), msg('queue.title'));
    const row = page.locator('main table a', { hasText: ENTERPRISE.orgName });
    assert.equal(await row.count(), 1, `the organization is not in the officer's pending queue: ${await text(page.locator('main'))}`);
    await shot(page, 'officer-queue-zh');
    await clickAndWait(page, row);
    assert.match(pathOf(page), /^\/officer\/organizations\/\d+$/);
    assert.equal(await text(page.locator('h1')), ENTERPRISE.orgName);
    assert.ok((await text(page.locator('dl.facts'))).includes(ENTERPRISE.email));
    await shot(page, 'officer-review-zh');

    const verifyButton = page.locator('main form:has(input[name=decision][value=verify]) button[type=submit]');
    assert.equal(await text(verifyButton), msg('review.verify'));
    await clickAndWait(page, verifyButton);
    assert.equal(await text(page.locator('.notice[role=status]')), msg('notice.org_verified'));
    assert.equal(await page.locator('dl.facts .tag', { hasText: msg('verification.verified') }).count(), 1);
    await shot(page, 'officer-review-verified-zh');
    await goto(page, '/officer/audit');
    assert.ok((await text(page.locator('main'))).includes(msg('audit.org_verified')), 'the audit log does not show the decision');
    await shot(page, 'officer-audit-zh');

    await logout(page);
    await login(page, ENTERPRISE.email, ENTERPRISE.password);
    const verified = page.locator('dl.facts .tag.ok', { hasText: msg('verification.verified') });
    assert.equal(await verified.count(), 1, `the enterprise does not see itself verified: ${await text(page.locator('dl.facts'))}`);
    assert.equal(await page.locator('main a[href="/org/verification"]').count(), 0);
    const badge = page.locator('header a[href="/notifications"] .badge');
    assert.equal(await badge.count(), 1, 'no unread-notification badge in the header');
    assert.ok(Number(await text(badge)) >= 1);
    await shot(page, 'account-verified-zh');

    await clickAndWait(page, page.locator('header a[href="/notifications"]'));
    const subject = msg('mail.verified.subject');
    assert.ok((await text(page.locator('main'))).includes(subject), `no "${subject}" notification`);
    await shot(page, 'notifications-zh');
    await waitForMail(ENTERPRISE.email, (m) => m.subject.includes(subject.split(' — ')[0]), 'organization-verified');
    state.passed.add('verified');
  });

  it('5. switches to English and back; the choice persists', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'signup')) return;
    await goto(page, '/account');
    const langLink = page.locator('header a.lang');
    assert.equal(await text(langLink), msg('nav.other_lang', 'zh')); // "English"
    await clickAndWait(page, langLink);
    assert.equal(pathOf(page), '/account', 'the language switch should return to the same page');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await text(page.locator('h1')), msg('account.title', 'en'));
    assert.equal(await text(page.locator('header nav a[href="/"]')), msg('nav.home', 'en'));
    assert.equal(await text(page.locator('header a[href="/notifications"]')).then((s) => s.replace(/\s*\d+$/, '')), msg('nav.notifications', 'en'));
    assert.equal(await text(page.locator('header form[action="/logout"] button')), msg('nav.logout', 'en'));
    assert.equal(await text(langLink), msg('nav.other_lang', 'en')); // "中文"
    const cookies = await page.context().cookies(state.base);
    assert.equal(cookies.find((c) => c.name === 'tm_lang')?.value, 'en', 'no tm_lang=en cookie');
    await shot(page, 'account-en');

    // Persists across page loads.
    for (const [path, name, h1] of [
      ['/', 'home-en', msg('home.headline', 'en')],
      ['/org/verification', 'verification-en', msg('verification.title', 'en')],
      ['/notifications', 'notifications-en', msg('notifications.title', 'en')],
    ]) {
      await goto(page, path);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en', `${path} is not in English`);
      assert.equal(await text(page.locator('h1')), h1);
      const cjk = (await text(page.locator('body'))).match(/[\u3400-\u9fff\uff00-\uffef]+/g) || [];
      const known = ['中文', ENTERPRISE.orgName, ENTERPRISE.name, '西宁', '城西', '青海', '揭榜挂帅', '科技型中小企业'];
      const unexpected = [...new Set(cjk)].filter((s) => !known.some((k) => k.includes(s) || s.includes(k)));
      if (unexpected.length) t.diagnostic(`Chinese text on the English ${path}: ${unexpected.join(' | ')}`);
      await shot(page, name);
    }
    await page.reload({ waitUntil: 'load' });
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');

    // And back to Chinese.
    await clickAndWait(page, page.locator('header a.lang'));
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    assert.equal(await text(page.locator('h1')), msg('notifications.title', 'zh'));
    await goto(page, '/account');
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    assert.equal(await text(page.locator('h1')), msg('account.title', 'zh'));
    assert.equal(await text(page.locator('header nav a[href="/"]')), msg('nav.home', 'zh'));
    const cookies2 = await page.context().cookies(state.base);
    assert.equal(cookies2.find((c) => c.name === 'tm_lang')?.value, 'zh');
  });

  it('6. the main pages fit a phone (390×844) without horizontal scrolling', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'signup')) return;
    const phone = await newPage({ viewport: PHONE, phone: true });
    const overflows = [];
    const check = async (path, name) => {
      await goto(phone, path);
      await shot(phone, `phone-${name}`);
      const m = await phone.evaluate(() => {
        const vw = window.innerWidth;
        const wide = [];
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.right > vw + 1) {
            const id = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
            wide.push(`${id} right=${Math.round(r.right)}`);
          }
        }
        return { scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, wide: wide.slice(0, 8) };
      });
      if (m.scrollWidth > m.innerWidth + 1 || m.scrollWidth > PHONE.width + 1) {
        overflows.push(`${path} (${name}): scrollWidth ${m.scrollWidth} > innerWidth ${m.innerWidth}; too wide: ${m.wide.join(', ')}`);
      }
    };
    for (const lang of ['zh', 'en']) {
      await goto(phone, `/lang/${lang}?next=/`);
      await check('/', `home-${lang}`);
      await check('/login', `login-${lang}`);
      await check('/signup', `signup-${lang}`);
      await check('/signup/organization', `signup-org-${lang}`);
    }
    await goto(phone, '/lang/zh?next=/');
    await login(phone, ENTERPRISE.email, ENTERPRISE.password);
    for (const lang of ['zh', 'en']) {
      await goto(phone, `/lang/${lang}?next=/account`);
      await check('/account', `account-${lang}`);
      await check('/org/verification', `verification-${lang}`);
      await check('/notifications', `notifications-${lang}`);
    }
    await phone.context().close();
    assert.deepEqual(overflows, [], `pages scroll sideways on a phone:\n${overflows.join('\n')}`);
  });

  it('7. a wrong password on /login shows the error and stays on the page', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'signup')) return;
    const anon = await newPage();
    await goto(anon, '/login');
    await shot(anon, 'login-zh');
    await anon.locator('#email').fill(ENTERPRISE.email);
    await anon.locator('#password').fill('not-the-password-1');
    const [resp] = await Promise.all([
      anon.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
      clickAndWait(anon, anon.locator('main form[action="/login"] button[type=submit]')),
    ]);
    assert.equal(resp.status(), 401);
    assert.equal(pathOf(anon), '/login');
    assert.equal(await text(anon.locator('.form-error')), msg('err.login_wrong'));
    assert.equal(await anon.locator('#email').inputValue(), ENTERPRISE.email, 'the e-mail address was not kept');
    assert.equal(await anon.locator('#password').inputValue(), '', 'the password must not be echoed back');
    assert.equal(await anon.locator('header a[href="/login"]').count(), 1, 'not signed in after a wrong password');
    await shot(anon, 'login-wrong-password-zh');
    await anon.context().close();
  });

  it('8. no console errors, CSP violations or server errors on the way', { timeout: TEST_TIMEOUT }, async () => {
    assert.deepEqual(state.problems, []);
  });
});
