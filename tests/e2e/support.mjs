// Shared helpers of the browser tests: the message catalogue, test data (credit codes, a PDF), the
// server (free port, DATA_DIR, SQLite or a fresh PostgreSQL database, the demo market, /healthz,
// create-officer), the outbox (.eml files), Chromium pages that collect console errors,
// CSP violations, page errors and 5xx answers, screenshots, and the usual page actions.
//
// Environment: TECHMARKET_BIN (default <repo>/target/debug/techmarket), E2E_ARTIFACTS (default
// tests/e2e/artifacts), CHROMIUM (default /usr/bin/chromium), E2E_KEEP_DATA=1 keeps the temporary
// DATA_DIR (and the PostgreSQL database), E2E_DATABASE_URL=postgres://user@host:port/db runs on
// PostgreSQL: each test file creates its own database tm_e2e_<pid>_<random> on that server with
// psql, and drops it afterwards; screenshots and server logs then go to <artifacts>/pg/.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..', '..');
export const BIN = process.env.TECHMARKET_BIN || join(REPO, 'target', 'debug', 'techmarket');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS_ROOT = resolve(process.env.E2E_ARTIFACTS || join(HERE, 'artifacts'));

/** The database backend of this run: PostgreSQL when E2E_DATABASE_URL is set, else SQLite in DATA_DIR. */
export const PG_ADMIN_URL = (process.env.E2E_DATABASE_URL || '').trim() || null;
export const BACKEND = PG_ADMIN_URL ? 'pg' : 'sqlite';
/** Screenshots and server logs: <artifacts> on SQLite, <artifacts>/pg on PostgreSQL. */
export const ARTIFACTS = BACKEND === 'pg' ? join(ARTIFACTS_ROOT, 'pg') : ARTIFACTS_ROOT;

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

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
export function msg(key, lang = 'zh') {
  const v = MESSAGES.get(key);
  if (!v) throw new Error(`message ${key} missing from server/messages.toml`);
  return v[lang === 'en' ? 1 : 0];
}

// ---------------------------------------------------------------------------------------------
// Test data.

const CREDIT_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character of the first 17 characters of a unified social credit code (GB 32100-2015). */
export function creditCheckChar(base17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CHARSET.indexOf(base17[i]);
    if (v < 0) throw new Error(`bad credit code character ${base17[i]}`);
    sum += v * CREDIT_WEIGHTS[i];
  }
  return CREDIT_CHARSET[(31 - (sum % 31)) % 31];
}

/** A valid unified social credit code: `prefix` (2 characters), the region, `subject` (start of the
 *  subject id), filled up with random characters, and the check character. */
export function randomCreditCode(prefix = '91', region = '630104', subject = 'MA') {
  let base = `${prefix}${region}${subject}`;
  while (base.length < 17) base += CREDIT_CHARSET[randomInt(CREDIT_CHARSET.length)];
  return base + creditCheckChar(base);
}

/** The same code with a wrong check character. */
export function corruptCreditCode(code) {
  const right = code[17];
  const wrong = CREDIT_CHARSET[(CREDIT_CHARSET.indexOf(right) + 7) % CREDIT_CHARSET.length];
  return code.slice(0, 17) + wrong;
}

/** A small, valid one-page PDF (ASCII only, so string offsets are byte offsets). */
export function minimalPdf() {
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

/** A short unique tag of this run, for e-mail addresses and names. */
export function runId() {
  return Date.now().toString(36) + randomInt(1000).toString();
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: one fresh database per test file, made and dropped with psql.

/** `url` (a server URL such as postgres://user@host:5432/db?opts) with its database replaced by `db`. */
export function pgUrlWithDatabase(url, db) {
  const q = url.indexOf('?');
  const base = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  const start = base.indexOf('://') + 3;
  const slash = base.indexOf('/', start);
  return `${slash < 0 ? base : base.slice(0, slash)}/${db}${query}`;
}

/** The URL without its password, for messages. */
export function redactUrl(url) {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Runs one statement with psql and returns what it printed (`extra`: more psql options). */
export function psql(url, sql, extra = []) {
  const r = spawnSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...extra, '-c', sql], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`psql (${sql}) on ${redactUrl(url)}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`psql (${sql}) on ${redactUrl(url)} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------
// The demo market: what seed-demo prints, and its accounts read back from the database.

/** The sqlite3 shell the tests read a SQLite database with. */
export const SQLITE3 = process.env.SQLITE3 || 'sqlite3';

export function sqlite3Available() {
  const r = spawnSync(SQLITE3, ['-version'], { encoding: 'utf8', timeout: 10_000 });
  return !r.error && r.status === 0;
}

/** Which shell reads the demo accounts back: psql on PostgreSQL, the sqlite3 shell on SQLite.
 *  Without a sqlite3 shell on SQLite it fails: install it (./test.sh does) or name it in SQLITE3. */
export function demoShell(state) {
  if (state.databaseUrl) {
    state.db = 'psql';
    return;
  }
  assert.ok(
    sqlite3Available(),
    `the sqlite3 shell (${SQLITE3}) is not installed: the browser tests read the SQLite database with it. ` +
      'Install it (apt-get install sqlite3; ./test.sh does so) or set SQLITE3 to its path.',
  );
  state.db = 'sqlite3';
}

/** The demo enterprise seed-demo printed, as the buyer; the shell as `demoShell` chooses it. */
export function demoBuyer(state) {
  demoShell(state);
  const enterprise = state.seed.accounts.find((a) => a.role === 'enterprise');
  assert.ok(enterprise, `seed-demo printed no enterprise account: ${state.seedOutput}`);
  state.buyer = { email: enterprise.email, org: enterprise.org };
}

/** Rows (arrays of strings) of a read-only query on the suite's database, through the shell
 * `demoShell` chose. */
export function queryRows(state, sql) {
  if (state.db === 'psql') {
    const out = psql(state.databaseUrl, sql, ['-A', '-t', '-F', '\t']);
    return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  }
  if (state.db === 'sqlite3') {
    const file = join(state.dataDir, 'techmarket.sqlite3');
    const r = spawnSync(SQLITE3, ['-readonly', '-batch', '-noheader', '-separator', '\t', '-cmd', '.timeout 10000', file, sql], { encoding: 'utf8', timeout: 60_000 });
    if (r.error || r.status !== 0) throw new Error(`${SQLITE3} (${sql}) on ${file} failed (${r.status ?? r.error?.message}): ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  }
  throw new Error(`no database shell chosen for (${sql}): demoShell has not run`);
}

/** A text as an SQL string literal. */
export const quote = (s) => `'${String(s).replace(/'/g, "''")}'`;

/** What seed-demo prints: the counts, the shared password and one account per role. */
export function parseSeedOutput(out) {
  const counts = out.match(/demo market created: (\d+) organizations and brokers, (\d+) needs, (\d+) achievements/);
  assert.ok(counts, `seed-demo did not print its counts:\n${out}`);
  const password = out.match(/password for all: ([^)\s]+)\)/);
  assert.ok(password, `seed-demo did not print the password:\n${out}`);
  const accounts = [];
  for (const line of out.split('\n')) {
    const m = line.match(/^ {2}(\S.*?)\s{2,}(\S+@\S+)\s+(.+)$/);
    if (m) accounts.push({ role: m[1].trim(), email: m[2], org: m[3].trim() });
  }
  const [orgs, demands, achievements] = [counts[1], counts[2], counts[3]].map(Number);
  return { orgs, demands, achievements, listings: demands + achievements, password: password[1], accounts };
}

// ---------------------------------------------------------------------------------------------
// Mail: .eml files in DATA_DIR/outbox (no SMTP server configured).

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
export function parseEml(raw) {
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

// ---------------------------------------------------------------------------------------------
// Page helpers that need no suite state.

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

/** Clicks a form's submit button and waits for its POST's answer (a page re-rendered with errors). */
export async function submitExpecting(page, button, status, path) {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path),
    clickAndWait(page, button),
  ]);
  assert.equal(resp.status(), status, `POST ${path} answered ${resp.status()}, expected ${status}: ${(await text(page.locator('main'))).slice(0, 500)}`);
}

/** The terms and values of the description lists (dl.facts) under `locator`: dt text → dd text. */
export async function facts(locator) {
  const pairs = await locator.locator('dl.facts').evaluateAll((dls) =>
    dls.flatMap((dl) =>
      [...dl.querySelectorAll(':scope > dt')].map((dt) => {
        const dd = dt.nextElementSibling;
        return [dt.textContent.replace(/\s+/g, ' ').trim(), dd ? dd.innerText.replace(/\s+/g, ' ').trim() : ''];
      }),
    ),
  );
  return new Map(pairs);
}

/** Waits until `fn` gives a true value (polling every 250 ms), at most `ms`; else fails saying `what`. */
export async function until(fn, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`waited ${ms / 1000} s: ${typeof what === 'function' ? await what() : what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The matches of the listing page that is open, reloading while they are still being computed. */
export async function readMatches(page, ms, lang = 'zh') {
  const section = page.locator('main section#matches');
  await until(
    async () => {
      const pending = await section.locator('.notice', { hasText: msg('match.pending', lang) }).count();
      const items = await section.locator('li.match').count();
      if (!pending && items > 0) return true;
      await page.reload({ waitUntil: 'load' });
      return false;
    },
    ms,
    async () => `the matches of ${page.url()} did not come: ${await text(section).catch(() => '(no #matches section)')}`,
  );
  return section.locator('li.match').evaluateAll((items) =>
    items.map((li) => ({
      title: li.querySelector('.match-head a')?.textContent.trim(),
      href: li.querySelector('.match-head a')?.getAttribute('href'),
      org: li.querySelector('.match-head .muted')?.textContent.trim(),
      score: li.querySelector('.score')?.textContent.trim(),
      reasons: [...li.querySelectorAll('ul.reasons li')].map((r) => r.textContent.trim()),
      deal: li.querySelector('a.button')?.getAttribute('href') || null,
      dealText: li.querySelector('a.button')?.textContent.trim() || null,
    })),
  );
}

/** Clicks and waits for the navigation the click causes (a form post and its redirect). */
export async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}

export function pathOf(page) {
  return new URL(page.url()).pathname;
}

/** The inner text of a locator with white space collapsed. */
export async function text(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** The text of the page's status notice, or ''. */
export async function notice(page) {
  const n = page.locator('.notice[role=status]');
  return (await n.count()) ? text(n.first()) : '';
}

export async function logout(page) {
  await clickAndWait(page, page.locator('header form[action="/logout"] button'));
  assert.equal(pathOf(page), '/');
  await page.locator('header a[href="/login"]').waitFor();
}

/** Horizontal overflow of the current page at phone width: a description, or null when it fits. */
export async function sideScroll(page, label) {
  const m = await page.evaluate(() => {
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
    return `${label}: scrollWidth ${m.scrollWidth} > innerWidth ${m.innerWidth}; too wide: ${m.wide.join(', ')}`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// A suite: one server (with its own DATA_DIR and database), one browser, one screenshot series.

/**
 * name: shown in the backend line; shotPrefix: screenshots <prefix>NN-name.png; logName: the server
 * log's file name in the artifacts; dataDirPrefix: the temporary DATA_DIR's prefix; state: extra
 * fields of the suite's state.
 */
/** A browser-test file's server and browser. `env`: settings added to the server's clean
 *  configuration (faster workers, say). */
export function createSuite({ name, shotPrefix = '', logName, dataDirPrefix, env: extraEnv = {}, state: extra = {} }) {
  const state = {
    server: null, // ChildProcess
    serverLog: [],
    dataDir: null,
    base: null,
    browser: null,
    backend: BACKEND,
    pgDatabase: null, // the database this suite created (PostgreSQL)
    databaseUrl: null, // DATABASE_URL given to the server and the CLI (PostgreSQL)
    shotNo: 0,
    passed: new Set(),
    problems: [], // console errors, CSP violations, page errors, 5xx responses
    ...extra,
  };

  const serverLogText = () => state.serverLog.join('');

  function serverEnv(port) {
    const env = { ...process.env };
    // A clean configuration: SQLite in DATA_DIR (or this suite's PostgreSQL database), mails as
    // files, links to this server.
    for (const k of ['DATABASE_URL', 'SMTP_URL', 'BASE_URL', 'SECRET_KEY', 'TECHMARKET_CONFIG', 'COOKIE_SECURE']) delete env[k];
    const out = {
      ...env,
      BIND: `127.0.0.1:${port}`,
      DATA_DIR: state.dataDir,
      MAIL_POLL_MS: '200',
      RUST_LOG: process.env.RUST_LOG || 'info',
      ...extraEnv,
    };
    if (state.databaseUrl) out.DATABASE_URL = state.databaseUrl;
    return out;
  }

  function createDatabase() {
    const db = `tm_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
    psql(PG_ADMIN_URL, `CREATE DATABASE "${db}"`);
    state.pgDatabase = db;
    state.databaseUrl = pgUrlWithDatabase(PG_ADMIN_URL, db);
  }

  function dropDatabase() {
    const db = state.pgDatabase;
    if (!db) return;
    if (process.env.E2E_KEEP_DATA) {
      console.log(`[e2e ${name}] kept the database ${redactUrl(state.databaseUrl)} (E2E_KEEP_DATA)`);
      state.pgDatabase = null;
      return;
    }
    state.pgDatabase = null;
    psql(PG_ADMIN_URL, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  }

  async function waitForHealth(deadlineMs) {
    const deadline = Date.now() + deadlineMs;
    let lastErr = null;
    while (Date.now() < deadline) {
      if (state.server.exitCode !== null || state.server.signalCode !== null) {
        throw new Error(`the server exited (${state.server.exitCode ?? state.server.signalCode}) before answering /healthz:\n${serverLogText()}`);
      }
      try {
        const r = await fetch(`${state.base}/healthz`, { signal: AbortSignal.timeout(2000) });
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

  // Whatever happens (an error, Ctrl-C, SIGTERM), never leave the server running, DATA_DIR or the
  // database behind.
  process.on('exit', () => {
    if (state.server && state.server.exitCode === null && state.server.signalCode === null) {
      try {
        state.server.kill('SIGKILL');
      } catch {}
    }
    try {
      if (state.dataDir && !process.env.E2E_KEEP_DATA) rmSync(state.dataDir, { recursive: true, force: true });
      dropDatabase();
    } catch (e) {
      console.error(`[e2e ${name}] ${e.message}`);
    }
  });
  for (const [sig, no] of [['SIGINT', 2], ['SIGTERM', 15]]) process.once(sig, () => process.exit(128 + no));

  /** Prepares the artifacts, DATA_DIR and database, fills it with the demo market (`seed`: what
   *  seed-demo printed goes to state.seedOutput and, parsed, state.seed), starts the server,
   *  creates `officer` with the CLI (if given) and launches Chromium. */
  async function start({ officer, seed = false } = {}) {
    assert.ok(existsSync(BIN), `${BIN} does not exist: build it (cargo build) or set TECHMARKET_BIN`);
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} does not exist: apt-get install -y chromium, or set CHROMIUM`);
    mkdirSync(ARTIFACTS, { recursive: true });
    const old = new RegExp(`^${shotPrefix}\\d\\d-.*\\.png$`);
    for (const f of readdirSync(ARTIFACTS)) if (old.test(f)) rmSync(join(ARTIFACTS, f));

    state.dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix));
    if (PG_ADMIN_URL) createDatabase();
    const where = relative(process.cwd(), ARTIFACTS) || '.';
    console.log(
      state.databaseUrl
        ? `[e2e ${name}] backend: PostgreSQL, database ${redactUrl(state.databaseUrl)}; artifacts in ${where}`
        : `[e2e ${name}] backend: SQLite in ${state.dataDir}; artifacts in ${where}`,
    );

    const port = await freePort();
    state.base = `http://127.0.0.1:${port}`;
    const env = serverEnv(port);
    state.env = env;
    if (seed) {
      // What a newcomer does first: the demo market, into the empty database.
      const seeded = spawnSync(BIN, ['seed-demo'], { cwd: state.dataDir, env, encoding: 'utf8', timeout: 180_000 });
      state.seedOutput = `${seeded.stdout || ''}${seeded.stderr || ''}`;
      state.serverLog.push(`$ techmarket seed-demo\n${state.seedOutput}\n$ techmarket serve\n`);
      assert.equal(seeded.status, 0, `seed-demo failed (${seeded.status ?? seeded.error?.message}): ${state.seedOutput}`);
      state.seed = parseSeedOutput(seeded.stdout);
    }
    state.server = spawn(BIN, ['serve'], { cwd: state.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    state.server.stdout.on('data', (d) => state.serverLog.push(d.toString()));
    state.server.stderr.on('data', (d) => state.serverLog.push(d.toString()));
    state.server.on('error', (e) => state.serverLog.push(`spawn error: ${e.message}\n`));
    await waitForHealth(60_000);

    if (officer) {
      const created = spawnSync(
        BIN,
        ['create-officer', '--email', officer.email, '--name', officer.name, '--region', officer.region || '630100', '--password-stdin'],
        { cwd: state.dataDir, env, input: officer.password + '\n', encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(created.status, 0, `create-officer failed (${created.status}): ${created.stderr}${created.stdout}`);
    }

    state.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }

  /** Closes the browser, stops the server, writes its log, removes DATA_DIR and drops the database. */
  async function stop() {
    try {
      if (state.browser) await state.browser.close();
    } finally {
      await stopServer();
      try {
        mkdirSync(ARTIFACTS, { recursive: true });
        writeFileSync(join(ARTIFACTS, logName), serverLogText());
      } catch {}
      if (state.dataDir && !process.env.E2E_KEEP_DATA) rmSync(state.dataDir, { recursive: true, force: true });
      dropDatabase();
    }
  }

  async function newPage({ viewport = DESKTOP, phone = false } = {}) {
    const context = await state.browser.newContext({ viewport, locale: 'zh-CN', isMobile: phone, hasTouch: phone, deviceScaleFactor: 1 });
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

  /** A full-page screenshot <artifacts>/<prefix>NN-name.png. */
  async function shot(page, shotName) {
    state.shotNo += 1;
    const file = join(ARTIFACTS, `${shotPrefix}${String(state.shotNo).padStart(2, '0')}-${shotName}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  }

  async function goto(page, path) {
    const resp = await page.goto(state.base + path, { waitUntil: 'load' });
    assert.ok(resp, `no response for ${path}`);
    assert.ok(resp.status() < 400, `${path} answered ${resp.status()}: ${(await page.locator('main').innerText().catch(() => '')).slice(0, 500)}`);
    return resp;
  }

  async function login(page, email, password) {
    await goto(page, '/login');
    await page.locator('#email').fill(email);
    await page.locator('#password').fill(password);
    await clickAndWait(page, page.locator('main form button[type=submit]'));
    assert.equal(pathOf(page), '/account', `log-in as ${email} should land on /account, not ${page.url()}`);
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

  return { state, start, stop, serverLogText, newPage, shot, goto, login, needs, readOutbox, waitForMail };
}
