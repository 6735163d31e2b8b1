// Browser tests of techmarket's technology contracts on the demo market: from an agreed deal to a
// registered contract with one return for correction, then two payments. `techmarket seed-demo`
// fills a fresh database before the server first starts; the demo enterprise opens a deal directly
// on a published achievement of a demo university (the achievement page's "enquire" button), the
// university accepts and offers 150万 (licence), the enterprise accepts the offer (agreed). The
// enterprise makes the contract from the agreed room: the form comes prefilled (amount, kind); an
// equipment item above the amount and a signing date in the future are refused (input kept, nothing
// stored), then a contract with one 20万 equipment item is saved (technology amount 130万元); a PNG
// as the signed copy is refused, the PDF is kept with its SHA-256, the contract submitted. A program
// officer of the seller's prefecture (the registering region is the seller's) finds it in the
// contract queue, returns it (an empty reason refused first); the enterprise reads the reason, edits
// the amount to 160万 and submits again; the officer registers it with a technology amount of 135万
// (170万 refused first): the registration number (REGION-YEAR-SEQ) and the certificate. The
// university records the payments received: 100万 with a PDF proof, 70万 (refused: at most 60万元
// more), 60万 with a PNG proof: paid 160万元, outstanding 0元. The university amends the
// registered contract to 200万 (150万, below what was paid, refused first); the officer registers the
// amendment: same number, two versions in the history, 40万元 outstanding. The enterprise enters a
// contract with 清华大学 (Beijing, outside the regions served) and records its registration there (a
// missing scan refused first); an officer of the enterprise's prefecture verifies it and it counts
// under the Beijing number. Then the mails (DATA_DIR/outbox), a
// stranger (404), an anonymous visitor (log-in page) and the phone layout.
//
//   cd tests/e2e && node --test contracts.mjs
//   E2E_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --test contracts.mjs
//
// Environment: as deals.mjs (TECHMARKET_BIN, E2E_ARTIFACTS: screenshots K01-name.png and
// contracts-server.log, on PostgreSQL in pg/; CHROMIUM, E2E_KEEP_DATA, E2E_DATABASE_URL, SQLITE3).
//
// Which accounts to use: seed-demo prints one enterprise account; the university (one with a
// published achievement) and a stranger enterprise are looked up in the database (psql on
// PostgreSQL, the sqlite3 shell on SQLite; without one the tests fail: install it, ./test.sh does).
// The officer is created with `techmarket create-officer` for the seller's prefecture once the
// seller is known.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  BIN,
  clickAndWait,
  createSuite,
  demoBuyer,
  queryRows,
  logout,
  minimalPdf,
  msg,
  notice,
  pathOf,
  PHONE,
  quote,
  runId,
  sideScroll,
  text,
  facts,
  submitExpecting,
} from './support.mjs';

const TEST_TIMEOUT = 240_000;
const SHOT_PREFIX = 'K';

const OPENING = '我公司对贵校这项成果很感兴趣，希望以技术许可方式合作，请查看并回复，谢谢。';
const OFFER = {
  price: '150万',
  mode: 'licence',
  terms: '合同签订后30日内支付全部许可费',
  scope: '青海省内普通许可，期限5年',
  note: '含技术培训',
};
const ITEM = { category: 'equipment', description: '中试反应装置一套' };
const RETURN_REASON = '合同成交额与合同文本第五条约定的160万元不一致，请核对后修改。';
const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const PDF_NAME = 'hetong-signed.pdf';
const OFFICER_PASSWORD = 'officer-pass-2026';
const AMEND_REASON = '双方签订补充协议，增加二期工艺包，合同成交额调增至200万元。';
const ELSEWHERE = { project: '锂电池正极材料技术秘密转让（北京登记）', office: '北京技术市场管理办公室', number: '2026110108000456' };

const suite = createSuite({
  env: { SEARCH_POLL_MS: '100' },
  name: 'contracts.mjs',
  shotPrefix: SHOT_PREFIX,
  logName: 'contracts-server.log',
  dataDirPrefix: 'techmarket-e2e-contracts-',
  state: {
    seedOutput: '',
    seed: null, // { listings, password, accounts: [{ role, email, org }] }
    env: null, // the server's environment (also for the CLI)
    db: null, // 'psql' or 'sqlite3': where accounts are looked up
    buyer: null, // { email, org }
    seller: null, // { email, org, region }
    officer: null, // { email, name, region }
    achievement: null, // { id, title }
    dealId: null,
    contractId: null,
    number: null,
    office: null, // the officer of the buyer's prefecture { email, name, region }
  },
});
const { state, newPage, shot, goto, login, needs, waitForMail } = suite;

// ---------------------------------------------------------------------------------------------
// The server, started after seed-demo (as in deals.mjs).

/** `techmarket create-officer` against the running server's database. */
function createOfficer(o) {
  const r = spawnSync(BIN, ['create-officer', '--email', o.email, '--name', o.name, '--region', o.region, '--password-stdin'], {
    cwd: state.dataDir,
    env: state.env,
    input: OFFICER_PASSWORD + '\n',
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `create-officer failed (${r.status ?? r.error?.message}): ${r.stderr}${r.stdout}`);
}

// ---------------------------------------------------------------------------------------------
// The database (read only): psql on PostgreSQL, the sqlite3 shell on SQLite.

const query = (sql) => queryRows(state, sql);

/** A demo university with a published achievement: { email, org, region }. */
function aUniversity() {
  const rows = query(
    `SELECT u.email, o.name, o.region_code FROM achievements a JOIN organizations o ON o.id = a.org_id JOIN users u ON u.org_id = o.id ` +
      `WHERE o.kind = 'university' AND a.status = 'published' ORDER BY a.id, u.id LIMIT 1`,
  );
  return rows.length ? { email: rows[0][0], org: rows[0][1], region: rows[0][2] } : null;
}

/** An enterprise user of the demo market outside the organizations named. */
function anotherEnterprise(notNames) {
  const rows = query(
    `SELECT u.email, o.name FROM users u JOIN organizations o ON o.id = u.org_id WHERE o.kind = 'enterprise' AND o.name NOT IN (${notNames.map(quote).join(', ')}) ORDER BY u.id LIMIT 1`,
  );
  return rows.length ? { email: rows[0][0], org: rows[0][1] } : null;
}

// ---------------------------------------------------------------------------------------------
// Page helpers.

/** A local date (the server's calendar: chrono::Local) `days` from today, YYYY-MM-DD. */
function dayFromToday(days) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

async function signInAs(page, email, password = state.seed.password) {
  // The certificate page is a page of its own, without the header (and its log-out button).
  if (!(await page.locator('header').count())) await goto(page, '/');
  if (await page.locator('header form[action="/logout"] button').count()) await logout(page);
  await login(page, email, password);
}

const noBlanks = (s) => s.replace(/\s+/g, '');

const room = (page) => ({
  status: page.locator('main dl.facts .deal-status'),
  accept: page.locator('main form[action$="/respond"] button[value=accept]'),
  offerForm: page.locator('main form[action$="/offers"]'),
  acceptOffer: page.locator('main #offers form[action$="/accept"] button[type=submit]'),
});

/** The contract page's parts. */
const kpage = (page) => ({
  status: page.locator('main p.tags .tag[class*="status-"]'),
  tags: page.locator('main p.tags'),
  fileForm: page.locator('main form[action*="/file"]'),
  submit: page.locator('main form[action$="/submit"] button[type=submit]'),
  edit: page.locator('main a.button', { hasText: msg('action.edit') }),
  registerForm: page.locator('main form[action$="/register"]'),
  returnForm: page.locator('main form[action$="/return"]'),
  payments: page.locator('main section#payments'),
  paymentForm: page.locator('main section#payments form[action*="/payments"]'),
  events: page.locator('main ol.events > li'),
});

/** The elements reaching past the phone's width (the page may have widened the layout viewport). */
function tooWide(page) {
  return page.evaluate((limit) => {
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > limit + 1) {
        const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '';
        out.push(`${el.tagName.toLowerCase()}${cls} right=${Math.round(r.right)}`);
      }
    }
    return out;
  }, PHONE.width);
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

// ---------------------------------------------------------------------------------------------

describe('techmarket contracts on the demo market: agreed deal → registered contract → payments', { concurrency: 1 }, () => {
  let page;

  before(async () => {
    await suite.start({ seed: true });
    page = await newPage();
  });

  after(async () => {
    await suite.stop();
  });

  it('1. the accounts: the demo enterprise, a university with a published achievement, an officer of its prefecture', { timeout: TEST_TIMEOUT }, async (t) => {
    demoBuyer(state);
    const uni = aUniversity();
    assert.ok(uni, 'no demo university with a published achievement');
    state.seller = uni;

    // The university's first published achievement, from its own list.
    await signInAs(page, state.seller.email);
    await clickAndWait(page, page.locator('header a[href="/my/listings"]'));
    const mine = await page.locator('main table tbody tr').evaluateAll((rows) =>
      rows
        .filter((r) => r.querySelector('.tag.status-published'))
        .map((r) => ({ href: r.querySelector('a')?.getAttribute('href'), title: r.querySelector('a')?.textContent.trim() }))
        .filter((r) => /^\/achievements\/\d+$/.test(r.href || '')),
    );
    assert.ok(mine.length > 0, `${state.seller.org} has no published achievement: ${await text(page.locator('main'))}`);
    state.achievement = { id: Number(mine[0].href.split('/').pop()), title: mine[0].title };

    // The registering region is the seller's: an officer of the seller's prefecture oversees it.
    const region = `${state.seller.region.slice(0, 4)}00`;
    state.officer = { email: `officer-k-${runId()}@example.test`, name: '李登记', region };
    createOfficer(state.officer);
    t.diagnostic(
      `buyer ${state.buyer.email} (${state.buyer.org}); seller ${state.seller.email} (${state.seller.org}, ${state.seller.region}); ` +
        `achievement ${state.achievement.id} «${state.achievement.title}»; officer ${state.officer.email} for ${region}; accounts from ${state.db}`,
    );
    state.passed.add('accounts');
  });

  it('2. the enterprise enquires on the achievement, the university accepts and offers 150万, the enterprise accepts: agreed', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'accounts')) return;
    const a = state.achievement;
    await signInAs(page, state.buyer.email);
    await goto(page, `/achievements/${a.id}`);
    const enquire = page.locator('main a.button', { hasText: msg('deal.enquire') });
    assert.equal(await enquire.count(), 1, `the verified enterprise gets no "${msg('deal.enquire')}" button on /achievements/${a.id}`);
    assert.equal(await enquire.getAttribute('href'), `/deals/new?achievement=${a.id}`);
    await clickAndWait(page, enquire);
    await page.locator('#message').fill(OPENING);
    await clickAndWait(page, page.locator('main form[action="/deals"] button[type=submit]'));
    assert.match(pathOf(page), /^\/deals\/\d+$/, `opening the deal lands on ${page.url()}: ${(await text(page.locator('main'))).slice(0, 400)}`);
    state.dealId = Number(pathOf(page).split('/').pop());
    const r = room(page);
    assert.equal(await text(r.status), msg('deal.status.proposed'));

    await signInAs(page, state.seller.email);
    await goto(page, `/deals/${state.dealId}`);
    await clickAndWait(page, r.accept);
    assert.equal(await text(r.status), msg('deal.status.contacted'));
    const f = r.offerForm;
    await f.locator('#price').fill(OFFER.price);
    await f.locator('#coop_mode').selectOption(OFFER.mode);
    await f.locator('#payment_terms').fill(OFFER.terms);
    await f.locator('#licence_scope').fill(OFFER.scope);
    await f.locator('#note').fill(OFFER.note);
    await clickAndWait(page, f.locator('button[type=submit]'));
    assert.equal(await text(r.status), msg('deal.status.negotiating'));
    assert.equal(await page.locator('main a.button', { hasText: msg('deal.make_contract') }).count(), 0, 'a contract can be made before the deal is agreed');

    await signInAs(page, state.buyer.email);
    await goto(page, `/deals/${state.dealId}`);
    await clickAndWait(page, r.acceptOffer);
    assert.equal(await text(r.status), msg('deal.status.agreed'));
    state.passed.add('agreed');
  });

  it('3. the enterprise makes the contract from the room: prefilled; an item above the amount and a future date refused; then saved, the PDF attached, submitted', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'agreed')) return;
    const make = page.locator('main section.agreed a.button', { hasText: msg('deal.make_contract') });
    assert.equal(await make.count(), 1, `the agreed room has no "${msg('deal.make_contract')}" button`);
    await clickAndWait(page, make);
    assert.equal(pathOf(page), '/contracts/new');
    assert.equal(new URL(page.url()).searchParams.get('deal'), String(state.dealId));
    assert.equal(await text(page.locator('h1')), msg('contract.form_title'));
    // Prefilled from the deal and its agreed offer.
    const form = page.locator('main form[action="/contracts"]');
    assert.equal(await form.locator('input[name=deal]').inputValue(), String(state.dealId));
    assert.equal(await form.locator('#amount').inputValue(), '1500000');
    assert.equal(await form.locator('#kind').inputValue(), 'licence.ordinary');
    assert.equal(await form.locator('#project_name').inputValue(), state.achievement.title);
    assert.equal(await form.locator('#signed_on').inputValue(), dayFromToday(0));
    const parties = await facts(form);
    assert.equal(parties.get(msg('contract.buyer')), state.buyer.org);
    assert.equal(parties.get(msg('contract.seller')), state.seller.org);
    assert.equal(await form.locator('input[name=counterparty]').count(), 0, 'a contract from a deal asks for the counterparty');

    // An equipment item of 200万 (above the 150万) and a signing date in the future.
    const future = dayFromToday(3);
    await form.locator('#signed_on').fill(future);
    await form.locator('#term_from').fill(dayFromToday(-2));
    await form.locator('#term_to').fill(dayFromToday(5 * 365));
    await form.locator('select[name=item_category_1]').selectOption(ITEM.category);
    await form.locator('input[name=item_description_1]').fill(ITEM.description);
    await form.locator('input[name=item_amount_1]').fill('200万');
    await submitExpecting(page, form.locator('button[type=submit]'), 422, '/contracts');
    assert.equal(await text(page.locator('main .notice.warn[role=alert]')), msg('err.form'));
    assert.equal(await text(page.locator('#signed_on-error')), msg('err.date_future').replace('{0}', future));
    assert.equal(await text(page.locator('#items-error')), msg('err.items_above_amount'));
    assert.equal(await page.locator('main .field-error').count(), 2, `other fields are marked: ${await page.locator('main .field-error').allInnerTexts()}`);
    // Kept as typed.
    assert.equal(await form.locator('#signed_on').inputValue(), future);
    assert.equal(await form.locator('#amount').inputValue(), '1500000');
    assert.equal(await form.locator('#kind').inputValue(), 'licence.ordinary');
    assert.equal(await form.locator('select[name=item_category_1]').inputValue(), ITEM.category);
    assert.equal(await form.locator('input[name=item_description_1]').inputValue(), ITEM.description);
    assert.equal(await form.locator('input[name=item_amount_1]').inputValue(), '200万');
    assert.equal(noBlanks(await text(form.locator('dl.facts'))).includes(noBlanks(state.seller.org)), true, 'the parties are gone from the refused form');
    await shot(page, 'form-errors-zh');
    const rows = query('SELECT COUNT(*) FROM contracts');
    assert.equal(rows[0][0], '0', 'a contract row was written for the refused form');
    const list = await page.request.get(`${state.base}/contracts`);
    assert.ok((await list.text()).includes(msg('contracts.none')), 'the refused contract is listed');

    // A valid contract: one 20万 equipment item, signed two days ago.
    await form.locator('#signed_on').fill(dayFromToday(-2));
    await form.locator('input[name=item_amount_1]').fill('20万');
    await clickAndWait(page, form.locator('button[type=submit]'));
    assert.match(pathOf(page), /^\/contracts\/\d+$/, `saving lands on ${page.url()}: ${(await text(page.locator('main'))).slice(0, 500)}`);
    state.contractId = Number(pathOf(page).split('/').pop());
    assert.equal(await notice(page), msg('notice.contract_saved'));
    const k = kpage(page);
    assert.equal(await text(k.status), msg('contract.status.draft'));
    let f = await facts(page.locator('main'));
    assert.equal(f.get(msg('field.amount')), '150万元');
    assert.equal(f.get(msg('contract.items_total')), '20万元');
    assert.equal(f.get(msg('contract.tech_amount')), '130万元');
    assert.equal(f.get(msg('contract.kind')), `${msg('contract.kind.licence')} · ${msg('contract.sub.licence.ordinary')}`);
    assert.equal(f.get(msg('contract.buyer')), state.buyer.org);
    assert.equal(f.get(msg('contract.seller')), state.seller.org);
    assert.ok((f.get(msg('contract.office')) || '').length > 0);
    assert.equal(await text(page.locator('main section.panel', { hasText: msg('contract.signed_copy') }).locator('p.muted')), msg('contract.no_file'));

    // A PNG as the signed copy: refused.
    await k.fileForm.locator('#file').setInputFiles({ name: 'hetong.png', mimeType: 'image/png', buffer: PNG_1PX });
    await submitExpecting(page, k.fileForm.locator('button[type=submit]'), 422, `/contracts/${state.contractId}/file`);
    assert.equal(await text(page.locator('#file-error')), msg('err.contract_pdf'));
    assert.equal(await page.locator(`main a[href="/contracts/${state.contractId}/file"]`).count(), 0, 'the PNG was kept');
    // The PDF: kept with its SHA-256.
    await k.fileForm.locator('#file').setInputFiles({ name: PDF_NAME, mimeType: 'application/pdf', buffer: minimalPdf() });
    await clickAndWait(page, k.fileForm.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/contracts/${state.contractId}`);
    assert.equal(await notice(page), msg('notice.contract_file_saved'));
    const link = page.locator(`main a[href="/contracts/${state.contractId}/file"]`);
    assert.equal(await text(link), PDF_NAME);
    assert.equal(await text(link.locator('xpath=..').locator('code')), sha256(minimalPdf()));
    const file = await page.request.get(`${state.base}/contracts/${state.contractId}/file`);
    assert.equal(file.status(), 200);
    assert.ok((await file.body()).equals(minimalPdf()), 'the signed copy downloaded differs from the one uploaded');
    assert.equal(await text(k.submit), msg('contract.submit'));
    await shot(page, 'contract-before-submit-zh');

    await clickAndWait(page, k.submit);
    assert.equal(pathOf(page), `/contracts/${state.contractId}`);
    assert.equal(await notice(page), msg('notice.contract_submitted'));
    assert.equal(await text(k.status), msg('contract.status.submitted'));
    assert.equal(await k.submit.count(), 0, 'a submitted contract can be submitted again');
    assert.equal(await k.edit.count(), 0, 'a submitted contract can be edited');
    f = await facts(page.locator('main'));
    assert.equal(f.get(msg('contract.submitted_by')), state.buyer.org);
    state.passed.add('submitted');
  });

  it('4. the officer of the seller\'s prefecture finds it in the contract queue and returns it (an empty reason refused first)', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'submitted')) return;
    const id = state.contractId;
    await signInAs(page, state.officer.email, OFFICER_PASSWORD);
    const nav = page.locator('header a[href="/officer/contracts"]');
    assert.equal(await text(nav), msg('nav.contract_queue'));
    await clickAndWait(page, nav);
    assert.equal(await text(page.locator('h1')), msg('contracts.queue'));
    const row = page.locator('main table tbody tr', { has: page.locator(`a[href="/contracts/${id}"]`) });
    assert.equal(await row.count(), 1, `the contract is not in the officer's queue: ${await text(page.locator('main'))}`);
    const rowText = await text(row);
    for (const s of [state.achievement.title, state.buyer.org, state.seller.org, '150万元', msg('contract.status.submitted')]) assert.ok(rowText.includes(s), `the queue row lacks ${s}: ${rowText}`);
    const waiting = await text(row.locator('.tag'));
    assert.equal(waiting, msg('contract.waiting').replace('{0}', '0'));
    await shot(page, 'officer-queue-zh');

    await clickAndWait(page, row.locator(`a[href="/contracts/${id}"]`));
    const k = kpage(page);
    assert.equal(await text(k.status), msg('contract.status.submitted'));
    assert.equal(await k.registerForm.count(), 1, 'the officer gets no register form');
    assert.equal(await k.fileForm.count(), 0, 'the officer gets the upload form');
    assert.equal(await k.submit.count(), 0);
    assert.equal(await k.registerForm.locator('#tech_amount').inputValue(), '1300000');

    await submitExpecting(page, k.returnForm.locator('button[type=submit]'), 422, `/officer/contracts/${id}/return`);
    assert.equal(await text(page.locator('#reason-error')), msg('err.reason_missing'));
    assert.equal(await text(k.status), msg('contract.status.submitted'));
    await k.returnForm.locator('#reason').fill(RETURN_REASON);
    await clickAndWait(page, k.returnForm.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/contracts/${id}`);
    assert.equal(await text(k.status), msg('contract.status.returned'));
    assert.equal(await k.registerForm.count(), 0);
    await goto(page, '/officer/contracts');
    assert.equal(await page.locator(`main a[href="/contracts/${id}"]`).count(), 0, 'a returned contract is still in the queue');
    state.passed.add('returned');
  });

  it('5. the enterprise reads the reason, edits the amount to 160万 and submits again', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'returned')) return;
    const id = state.contractId;
    await signInAs(page, state.buyer.email);
    await goto(page, `/contracts/${id}`);
    const k = kpage(page);
    assert.equal(await text(k.status), msg('contract.status.returned'));
    assert.equal(noBlanks(await notice(page)), noBlanks(msg('contract.returned_because') + RETURN_REASON));
    const events = (await k.events.allInnerTexts()).map((e) => e.replace(/\s+/g, ' ').trim());
    assert.ok(events.some((e) => e.includes(msg('contract.action.returned')) && e.includes(RETURN_REASON)), `history: ${events.join(' | ')}`);
    await shot(page, 'contract-returned-zh');

    assert.equal(await text(k.edit), msg('action.edit'));
    await clickAndWait(page, k.edit);
    assert.equal(pathOf(page), `/contracts/${id}/edit`);
    const form = page.locator(`main form[action="/contracts/${id}/edit"]`);
    assert.equal(await form.locator('#amount').inputValue(), '1500000');
    assert.equal(await form.locator('input[name=item_amount_1]').inputValue(), '200000');
    await form.locator('#amount').fill('160万');
    await clickAndWait(page, form.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/contracts/${id}`, `saving the edit lands on ${page.url()}: ${(await text(page.locator('main'))).slice(0, 500)}`);
    const f = await facts(page.locator('main'));
    assert.equal(f.get(msg('field.amount')), '160万元');
    assert.equal(f.get(msg('contract.tech_amount')), '140万元');
    assert.equal(await text(page.locator(`main a[href="/contracts/${id}/file"]`)), PDF_NAME, 'the signed copy is gone after the edit');
    await clickAndWait(page, k.submit);
    assert.equal(await notice(page), msg('notice.contract_submitted'));
    assert.equal(await text(k.status), msg('contract.status.submitted'));
    state.passed.add('resubmitted');
  });

  it('6. the officer registers it with 135万 (170万 refused first): the number and the certificate', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'resubmitted')) return;
    const id = state.contractId;
    await signInAs(page, state.officer.email, OFFICER_PASSWORD);
    await clickAndWait(page, page.locator('header a[href="/officer/contracts"]'));
    await clickAndWait(page, page.locator(`main a[href="/contracts/${id}"]`));
    const k = kpage(page);
    assert.equal(await k.registerForm.locator('#tech_amount').inputValue(), '1400000');
    assert.equal(await k.registerForm.locator('#kind').inputValue(), 'licence.ordinary');

    await k.registerForm.locator('#tech_amount').fill('170万');
    await submitExpecting(page, k.registerForm.locator('button[type=submit]'), 422, `/officer/contracts/${id}/register`);
    assert.equal(await text(page.locator('#tech_amount-error')), msg('err.tech_above_amount'));
    assert.equal(await text(k.status), msg('contract.status.submitted'));

    await k.registerForm.locator('#tech_amount').fill('135万');
    assert.equal(await text(k.registerForm.locator('button[type=submit]')), msg('contract.register'));
    await clickAndWait(page, k.registerForm.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/contracts/${id}`);
    assert.equal(await notice(page), msg('notice.contract_registered'));
    assert.equal(await text(k.status), msg('contract.status.registered'));
    const tags = await text(k.tags);
    const m = tags.match(new RegExp(`${msg('contract.registration_no')} (\\S+)`));
    assert.ok(m, `no registration number on the page: ${tags}`);
    state.number = m[1];
    const year = new Date().getFullYear();
    assert.match(state.number, new RegExp(`^${state.officer.region}-${year}-\\d{6}$`));
    assert.equal(state.number, `${state.officer.region}-${year}-000001`, 'the first contract of the office and year is not 000001');
    const f = await facts(page.locator('main'));
    assert.equal(f.get(msg('contract.tech_amount')), `135万元 ${msg('contract.tech_set_by_officer')}`);
    assert.equal(f.get(msg('field.amount')), '160万元');
    assert.equal(await k.registerForm.count(), 0);
    assert.equal(await k.paymentForm.count(), 0, 'the officer gets the payment form');
    await shot(page, 'contract-registered-officer-zh');

    const cert = page.locator(`main a[href="/contracts/${id}/certificate"]`);
    assert.equal(await text(cert), msg('contract.certificate'));
    await clickAndWait(page, cert);
    assert.equal(await text(page.locator('h1')), msg('contract.certificate_title'));
    assert.equal(await text(page.locator('.cert-no strong')), state.number);
    const certText = await text(page.locator('main'));
    for (const s of [state.achievement.title, state.buyer.org, state.seller.org, '160万元', '135万元']) assert.ok(certText.includes(s), `the certificate lacks ${s}: ${certText}`);
    state.certificateIcons = await page.locator('link[rel~="icon"]').count();
    await shot(page, 'certificate-zh');

    // The queue's export downloads twice in a row: a download leaves the page where it is, and its
    // buttons must stay usable (the double-submit guard disabled them until a reload).
    await goto(page, '/officer/contracts');
    const exportForm = page.locator('main form[action="/officer/contracts/export"]');
    await exportForm.locator('input[name=from]').fill(dayFromToday(-30));
    await exportForm.locator('input[name=to]').fill(dayFromToday(0));
    for (const format of ['xlsx', 'csv']) {
      const button = exportForm.locator(`button[value=${format}]`);
      assert.ok(await button.isEnabled(), `the ${format} button is disabled after the first download`);
      const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
      assert.match(download.suggestedFilename(), new RegExp(`\\.${format}$`));
    }
    assert.ok(await exportForm.locator('button[value=xlsx]').isEnabled(), 'the XLSX button is disabled after two downloads');
    state.passed.add('registered');
  });

  it('7. the university records the payments: 100万 with a PDF proof, 70万 refused (60万元 left), 60万: all paid', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'registered')) return;
    const id = state.contractId;
    await signInAs(page, state.seller.email);
    await goto(page, `/contracts/${id}`);
    const k = kpage(page);
    assert.equal(await text(k.status), msg('contract.status.registered'));
    assert.equal(await text(k.payments.locator('h2')), msg('payments.title'));
    assert.equal(await text(k.payments.locator('p.muted').first()), msg('payments.none'));
    assert.equal(await k.edit.count(), 0, 'a registered contract can be edited');
    const pf = k.paymentForm;
    const paidDue = async () => k.payments.locator('p').first().locator('strong').allInnerTexts();

    await pf.locator('#paid_on').fill(dayFromToday(-1));
    await pf.locator('#payment_amount').fill('100万');
    await pf.locator('#proof').setInputFiles({ name: 'daozhang-1.pdf', mimeType: 'application/pdf', buffer: minimalPdf() });
    await pf.locator('#note').fill('首期许可费');
    await clickAndWait(page, pf.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/contracts/${id}`, `recording lands on ${page.url()}: ${(await text(page.locator('main'))).slice(0, 500)}`);
    assert.equal(await notice(page), msg('notice.payment_recorded'));
    assert.deepEqual(await paidDue(), ['100万元', '60万元']);

    await pf.locator('#paid_on').fill(dayFromToday(0));
    await pf.locator('#payment_amount').fill('70万');
    await pf.locator('#proof').setInputFiles({ name: 'daozhang-2.pdf', mimeType: 'application/pdf', buffer: minimalPdf() });
    await submitExpecting(page, pf.locator('button[type=submit]'), 422, `/contracts/${id}/payments`);
    assert.equal(await text(page.locator('#payment_amount-error')), msg('err.payment_above_amount').replace('{0}', '60万元'));
    assert.equal(await pf.locator('#payment_amount').inputValue(), '70万', 'the amount typed is not kept');
    assert.equal(await pf.locator('#paid_on').inputValue(), dayFromToday(0), 'the date typed is not kept');
    assert.equal(await k.payments.locator('table tbody tr').count(), 1, 'the refused payment is listed');

    await pf.locator('#payment_amount').fill('60万');
    await pf.locator('#proof').setInputFiles({ name: 'daozhang-2.png', mimeType: 'image/png', buffer: PNG_1PX });
    await clickAndWait(page, pf.locator('button[type=submit]'));
    assert.equal(await notice(page), msg('notice.payment_recorded'));
    assert.deepEqual(await paidDue(), ['160万元', '0元']);
    assert.equal(await k.payments.locator('progress').getAttribute('value'), '100');
    const rows = await k.payments.locator('table tbody tr').allInnerTexts();
    assert.equal(rows.length, 2, rows.join(' | '));
    assert.ok(rows[0].includes('100万元') && rows[0].includes('首期许可费') && rows[1].includes('60万元'), rows.join(' | '));
    const proofHref = await k.payments.locator('table tbody tr').first().locator('a').getAttribute('href');
    const proof = await page.request.get(state.base + proofHref);
    assert.equal(proof.status(), 200);
    assert.ok((await proof.body()).equals(minimalPdf()), 'the proof downloaded differs from the one uploaded');
    await shot(page, 'payments-zh');
    state.passed.add('paid');
  });

  it('7b. the university amends the registered contract to 200万 (150万, below what was paid, refused first); the officer registers it: same number, two versions', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'paid')) return;
    const id = state.contractId;
    await signInAs(page, state.seller.email);
    await goto(page, `/contracts/${id}`);
    const section = page.locator('main section#amendment');
    const start = section.locator(`a.button[href="/contracts/${id}/amend"]`);
    assert.equal(await text(start), msg('amend.start'));
    await clickAndWait(page, start);
    assert.equal(await text(page.locator('h1')), msg('amend.title'));
    const form = page.locator(`main form[action="/contracts/${id}/amend"]`);
    // The form starts from the registered terms.
    assert.equal(await form.locator('#amount').inputValue(), '1600000');
    assert.equal(await form.locator('input[name=item_amount_1]').inputValue(), '200000');
    await form.locator('#amend_reason').fill(AMEND_REASON);
    await form.locator('#amount').fill('150万');
    await submitExpecting(page, form.locator('button[type=submit]'), 422, `/contracts/${id}/amend`);
    assert.equal(await text(page.locator('#amount-error')), msg('err.amend_below_paid').replace('{0}', '160万元'));
    assert.equal(await form.locator('#amend_reason').inputValue(), AMEND_REASON, 'the reason typed is not kept');
    const none = query(`SELECT COUNT(*) FROM contract_amendments WHERE contract_id = ${id}`);
    assert.equal(none[0][0], '0', 'the refused amendment was stored');
    await form.locator('#amount').fill('200万');
    await clickAndWait(page, form.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/contracts/${id}`, `saving the amendment lands on ${page.url()}: ${(await text(page.locator('main'))).slice(0, 500)}`);
    assert.equal(await notice(page), msg('notice.amendment_saved'));
    // Proposed, not applied: the registered terms stand until the office registers it.
    let f = await facts(page.locator('main'));
    assert.equal(f.get(msg('field.amount')), '160万元');
    assert.equal(await text(section.locator('h2 .tag').first()), msg('amend.status.draft'));
    const changes = await section.locator('table.changes tbody tr').allInnerTexts();
    assert.ok(changes.some((r) => r.includes(msg('field.amount')) && r.includes('160万元') && r.includes('200万元')), `the changes: ${changes.join(' | ')}`);
    assert.ok(changes.some((r) => r.includes(msg('contract.tech_amount')) && r.includes('135万元') && r.includes('180万元')), `the changes: ${changes.join(' | ')}`);
    const upload = section.locator(`form[action^="/contracts/${id}/amendment/file"]`);
    await upload.locator('#amendment_file').setInputFiles({ name: 'biangeng.pdf', mimeType: 'application/pdf', buffer: minimalPdf() });
    await clickAndWait(page, upload.locator('button[type=submit]'));
    assert.equal(await text(section.locator(`a[href="/contracts/${id}/amendments/1/file"]`)), 'biangeng.pdf');
    await clickAndWait(page, section.locator(`form[action="/contracts/${id}/amendment/submit"] button[type=submit]`));
    assert.equal(await notice(page), msg('notice.amendment_submitted'));
    assert.equal(await text(section.locator('h2 .tag').first()), msg('amend.status.submitted'));
    assert.equal(await section.locator('form').count(), 0, 'a submitted amendment can still be changed');
    await shot(page, 'amendment-submitted-zh');

    await signInAs(page, state.officer.email, OFFICER_PASSWORD);
    await goto(page, '/officer/contracts');
    const row = page.locator('main table tbody tr', { has: page.locator(`a[href="/contracts/${id}"]`) });
    assert.equal(await row.count(), 1, `the amendment is not in the queue: ${await text(page.locator('main'))}`);
    assert.ok((await text(row)).includes(msg('contract.amendment_waiting').replace('{0}', '1')), await text(row));
    await clickAndWait(page, row.locator(`a[href="/contracts/${id}"]`));
    const reg = page.locator(`main form[action="/officer/contracts/${id}/amendment/register"]`);
    assert.equal(await reg.locator('#amendment_tech').inputValue(), '1800000');
    await clickAndWait(page, reg.locator('button[type=submit]'));
    assert.equal(await notice(page), msg('notice.amendment_registered'));
    const tags = await text(kpage(page).tags);
    assert.ok(tags.includes(state.number), `the number changed: ${tags}`);
    f = await facts(page.locator('main'));
    assert.equal(f.get(msg('field.amount')), '200万元');
    assert.equal(f.get(msg('contract.tech_amount')), `180万元 ${msg('contract.tech_set_by_officer')}`);
    const versions = page.locator('main section#versions ol.versions > li');
    assert.equal(await versions.count(), 2);
    assert.ok((await text(versions.nth(0))).includes(msg('amend.original')));
    const v2 = await text(versions.nth(1));
    assert.ok(v2.includes(msg('amend.version_no').replace('{0}', '2')) && v2.includes(AMEND_REASON) && v2.includes('200万元'), v2);
    await shot(page, 'amendment-registered-officer-zh');

    await signInAs(page, state.seller.email);
    await goto(page, `/contracts/${id}`);
    const paid = await kpage(page).payments.locator('p').first().locator('strong').allInnerTexts();
    assert.deepEqual(paid, ['160万元', '40万元']);
    state.passed.add('amended');
  });

  it('7c. a contract with 清华大学 (Beijing, outside the regions served) registered there: recorded by the enterprise, verified by the office of its region', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'accounts')) return;
    const rows = query(`SELECT o.credit_code, b.region_code FROM organizations o, organizations b WHERE o.name = '清华大学' AND b.name = ${quote(state.buyer.org)}`);
    assert.equal(rows.length, 1, 'no 清华大学 in the demo market');
    const [code, buyerRegion] = rows[0];
    const office = { email: `officer-k2-${runId()}@example.test`, name: '王核验', region: `${buyerRegion.slice(0, 4)}00` };
    createOfficer(office);
    state.office = office;

    await signInAs(page, state.buyer.email);
    await goto(page, '/contracts/new');
    const form = page.locator('main form[action="/contracts"]');
    await form.locator('input[name=our_role][value=buyer]').check();
    await form.locator('#counterparty').fill(code);
    await form.locator('#kind').selectOption('transfer.technical_secret');
    await form.locator('#project_name').fill(ELSEWHERE.project);
    await form.locator('#signed_on').fill(dayFromToday(-30));
    await form.locator('#term_from').fill(dayFromToday(-30));
    await form.locator('#term_to').fill(dayFromToday(700));
    await form.locator('#amount').fill('80万');
    await clickAndWait(page, form.locator('button[type=submit]'));
    assert.match(pathOf(page), /^\/contracts\/\d+$/, `saving lands on ${page.url()}: ${(await text(page.locator('main'))).slice(0, 500)}`);
    const id = Number(pathOf(page).split('/').pop());
    const section = page.locator('main section#elsewhere');
    assert.equal(await text(section.locator('h2')), msg('elsewhere.title'));
    const ef = section.locator('form');
    await ef.locator('#elsewhere_office').fill(ELSEWHERE.office);
    await ef.locator('#elsewhere_number').fill(ELSEWHERE.number);
    await ef.locator('#elsewhere_on').fill(dayFromToday(-20));
    // No scan: refused, the input kept.
    await submitExpecting(page, ef.locator('button[type=submit]'), 422, `/contracts/${id}/elsewhere`);
    assert.equal(await ef.locator('#elsewhere_number').inputValue(), ELSEWHERE.number);
    assert.ok((await text(page.locator('#elsewhere_scan-error'))).length > 0, 'no message for the missing scan');
    await ef.locator('#elsewhere_scan').setInputFiles({ name: 'dengji.png', mimeType: 'image/png', buffer: PNG_1PX });
    await clickAndWait(page, ef.locator('button[type=submit]'));
    assert.equal(await notice(page), msg('notice.elsewhere_recorded'));
    const recorded = await facts(section);
    assert.equal(recorded.get(msg('elsewhere.number')), ELSEWHERE.number);
    const k = kpage(page);
    await k.fileForm.first().locator('#file').setInputFiles({ name: 'beijing.pdf', mimeType: 'application/pdf', buffer: minimalPdf() });
    await clickAndWait(page, k.fileForm.first().locator('button[type=submit]'));
    await clickAndWait(page, k.submit);
    assert.equal(await notice(page), msg('notice.contract_submitted'));
    await shot(page, 'elsewhere-submitted-zh');

    await signInAs(page, office.email, OFFICER_PASSWORD);
    await goto(page, '/officer/contracts');
    await clickAndWait(page, page.locator(`main a[href="/contracts/${id}"]`));
    const review = page.locator('main section.panel', { hasText: msg('elsewhere.to_verify') });
    const shown = await facts(review);
    assert.equal(shown.get(msg('elsewhere.office')), ELSEWHERE.office);
    assert.equal(shown.get(msg('elsewhere.number')), ELSEWHERE.number);
    const scan = await page.request.get(`${state.base}/contracts/${id}/elsewhere/scan`);
    assert.equal(scan.status(), 200);
    assert.equal(await page.locator('main form[action$="/register"]').count(), 0, 'a contract registered elsewhere gets a second registration form');
    await clickAndWait(page, page.locator(`main form[action="/officer/contracts/${id}/verify"] button[type=submit]`));
    assert.equal(await notice(page), msg('notice.contract_registered'));
    assert.equal(await text(k.status), msg('contract.status.registered'));
    assert.ok((await text(k.tags)).includes(ELSEWHERE.number), `not counted under the other office's number: ${await text(k.tags)}`);
    assert.equal((await facts(page.locator('main'))).get(msg('contract.office')), ELSEWHERE.office);
    await shot(page, 'elsewhere-verified-officer-zh');
    // It counts: the enterprise sees it registered, with no amendment here.
    await signInAs(page, state.buyer.email);
    await goto(page, `/contracts/${id}`);
    assert.equal(await text(k.status), msg('contract.status.registered'));
    assert.equal(await page.locator('main section#amendment').count(), 0, 'a contract registered elsewhere offers an amendment here');
  });

  it('7d. the awards appeared without anyone pressing a button: 西宁 art. 6 reissued after the amendment, 青海 art. 8 on the payments; the 西宁 officer approves', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'amended')) return;
    if (!state.office) {
      t.skip('7c did not create the officer of the buyer\'s prefecture');
      return;
    }
    await signInAs(page, state.buyer.email);
    const nav = page.locator('header a[href="/rewards"]');
    assert.equal(await text(nav), msg('nav.rewards'));
    await clickAndWait(page, nav);
    assert.equal(await text(page.locator('h1')), msg('awards.title'));
    // The worker computes in the background: reload until both awards are there.
    const buyerAward = page.locator('main section.award').filter({ hasText: '技术合同买方补贴' }).filter({ hasText: state.number });
    const introAward = page.locator('main section.award', { hasText: '青海 任务8' });
    const deadline = Date.now() + 30_000;
    while (!((await buyerAward.count()) === 1 && (await text(buyerAward)).includes('60,000.00') && (await introAward.count()) === 1)) {
      assert.ok(Date.now() < deadline, `the awards did not appear: ${(await text(page.locator('main'))).slice(0, 1500)}`);
      await page.waitForTimeout(500);
      await goto(page, '/rewards');
    }
    const trace = (await buyerAward.locator('ol.trace > li').allInnerTexts()).join('\n');
    for (const s of ['按合同金额2,000,000.00元的3%计算为60,000.00元', '未超过单项上限100,000.00元', state.number]) assert.ok(trace.includes(s), `the trace lacks ${s}:\n${trace}`);
    assert.equal(await text(buyerAward.locator('.tag').nth(1)), msg('award.awaiting'));
    const intro = (await introAward.locator('ol.trace > li').allInnerTexts()).join('\n');
    assert.ok(intro.includes('× 20% = ') && intro.includes('320,000.00'), `the 青海 art. 8 trace: ${intro}`);
    // The ledger's history: the 48,000.00 of the original registration reversed by the amendment.
    const history = page.locator('main section#history');
    await history.locator('summary').click();
    const rows = await history.locator('tbody tr').allInnerTexts();
    assert.ok(rows.some((r) => r.includes('冲销第') && r.includes('4.8万元')), `no reversal of 48,000.00 in the history: ${rows.join(' | ')}`);
    await shot(page, 'my-awards-zh');

    // The officer of the buyer's prefecture (西宁) approves the buyer's award.
    await signInAs(page, state.office.email, OFFICER_PASSWORD);
    await clickAndWait(page, page.locator('header a[href="/officer/rewards"]'));
    const item = page.locator('main section#awaiting article.award').filter({ hasText: '技术合同买方补贴' }).filter({ hasText: state.number });
    assert.equal(await item.count(), 1, `the award does not await the officer: ${(await text(page.locator('main'))).slice(0, 1500)}`);
    await shot(page, 'officer-awards-zh');
    await clickAndWait(page, item.locator('form button[type=submit]').first());
    assert.equal(await notice(page), msg('notice.award_decided'));
    await signInAs(page, state.buyer.email);
    await goto(page, '/rewards');
    assert.equal(await text(buyerAward.locator('.tag').nth(1)), msg('award.approved'));
  });

  it('7e. the 西宁 officer reads the catalogue and previews a draft rate (what-if) on this year\'s contracts; the buyer reads its awards in English', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'amended')) return;
    if (!state.office) {
      t.skip('7c did not create the officer of the buyer\'s prefecture');
      return;
    }
    await signInAs(page, state.office.email, OFFICER_PASSWORD);
    await goto(page, '/officer/policies');
    assert.equal(await text(page.locator('h1')), msg('policies.title'));
    const xining = page.locator('main section.policy#xining-2020');
    assert.ok((await text(xining.locator('article#xining-2020-6-buyer'))).includes('西宁 措施6'), 'the 西宁 buyer program is not listed with its citation');
    await shot(page, 'policies-zh');
    await clickAndWait(page, xining.locator('a.button', { hasText: msg('policies.edit') }));
    const form = page.locator('main form[action="/officer/policies/xining-2020/edit"]');
    const content = await form.locator('#content').inputValue();
    assert.ok(content.includes('rate = "3%"'), 'the 西宁 file does not read 3%');
    await form.locator('#content').fill(content.replace('rate = "3%"', 'rate = "4%"'));
    await form.locator('#year').fill(String(new Date().getFullYear()));
    await clickAndWait(page, form.locator('button[value=preview]'));
    const whatif = page.locator('main section#whatif');
    assert.equal(await whatif.count(), 1, `no what-if: ${(await text(page.locator('main'))).slice(0, 800)}`);
    const row = whatif.locator('tbody tr', { hasText: state.buyer.org });
    assert.equal(await row.count(), 1, `the buyer is not in the what-if: ${await text(whatif)}`);
    const cells = await row.locator('td').allInnerTexts();
    assert.ok(cells[2] !== cells[1] && cells[3].startsWith('+'), `a higher rate pays no more: ${cells.join(' | ')}`);
    await shot(page, 'policy-whatif-zh');
    const versions = query(`SELECT COUNT(*) FROM policy_versions WHERE name = 'policies/xining-2020.toml'`);
    assert.equal(versions[0][0], '1', 'a preview published a version');

    await signInAs(page, state.buyer.email);
    await goto(page, '/rewards');
    await clickAndWait(page, page.locator('header a.lang'));
    assert.equal(await text(page.locator('h1')), 'My rewards');
    await shot(page, 'my-awards-en');
    await clickAndWait(page, page.locator('header a.lang'));
  });

  it('8. the mails: the enterprise was told of the return (with the reason) and of the registration (with the number)', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'registered')) return;
    const name = state.achievement.title;
    const link = `/contracts/${state.contractId}`;
    const returnedSubject = msg('mail.contract_returned.subject').replace('{0}', name);
    const returned = await waitForMail(state.buyer.email, (m) => noBlanks(m.subject) === noBlanks(returnedSubject), 'contract returned');
    assert.ok(returned.text.includes(RETURN_REASON), `the return mail lacks the reason:\n${returned.text}`);
    assert.ok(returned.text.includes(link), `the return mail has no link to ${link}:\n${returned.text}`);
    const registeredSubject = msg('mail.contract_registered.subject').replace('{0}', name);
    const registered = await waitForMail(state.buyer.email, (m) => noBlanks(m.subject) === noBlanks(registeredSubject), 'contract registered');
    assert.ok(registered.text.includes(state.number), `the registration mail lacks ${state.number}:\n${registered.text}`);
    assert.ok(registered.text.includes(link), `the registration mail has no link to ${link}:\n${registered.text}`);
    const subjects = suite.readOutbox().filter((m) => m.to.includes(state.buyer.email)).map((m) => m.subject);
    t.diagnostic(`to the enterprise: ${subjects.join(' | ')}`);
  });

  it('9. a stranger enterprise gets 404, an anonymous visitor the log-in page; the contract page fits a phone', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'submitted')) return;
    const path = `/contracts/${state.contractId}`;
    const stranger = anotherEnterprise([state.buyer.org, state.seller.org]);
    assert.ok(stranger, 'no other enterprise in the demo market');
    // Not through newPage(): the expected 404 would be counted as a console error.
    const ctx = await state.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const sp = await ctx.newPage();
    sp.on('pageerror', (e) => state.problems.push(`page error on ${sp.url()}: ${e.message}`));
    await login(sp, stranger.email, state.seed.password);
    for (const p of [path, `${path}/certificate`, `${path}/file`]) {
      const resp = await sp.goto(state.base + p, { waitUntil: 'load' }).catch(() => null);
      const status = resp ? resp.status() : (await sp.request.get(state.base + p)).status();
      assert.equal(status, 404, `a stranger (${stranger.email}) opening ${p} gets ${status}`);
    }
    await sp.goto(state.base + path, { waitUntil: 'load' });
    assert.equal(await text(sp.locator('main h1')), msg('error.404.title'));
    assert.ok(!(await text(sp.locator('main'))).includes(state.achievement.title), 'the 404 page tells of the contract');
    const list = await sp.request.get(`${state.base}/contracts`);
    assert.ok(!(await list.text()).includes(`href="${path}"`), 'the contract is in the stranger\'s list');
    await ctx.close();

    const anon = await newPage();
    await anon.goto(state.base + path, { waitUntil: 'load' });
    assert.equal(pathOf(anon), '/login', `an anonymous visitor of ${path} lands on ${anon.url()}`);
    assert.equal(await anon.locator('#email').count(), 1);
    await anon.context().close();

    const phone = await newPage({ viewport: PHONE, phone: true });
    await login(phone, state.buyer.email, state.seed.password);
    await goto(phone, path);
    await shot(phone, 'phone-contract-zh');
    const wide = await sideScroll(phone, path);
    if (wide) t.diagnostic(`phone: past ${PHONE.width} px on ${path}: ${(await tooWide(phone)).slice(0, 12).join(', ')}`);
    for (const p of ['/contracts', `/contracts/${state.contractId}/certificate`]) {
      await goto(phone, p);
      const w = await sideScroll(phone, p);
      if (w) t.diagnostic(`phone: ${w}; past ${PHONE.width} px: ${(await tooWide(phone)).slice(0, 12).join(', ')}`);
    }
    await phone.context().close();
    assert.equal(wide, null, `the contract page scrolls sideways on a phone:\n${wide}`);
  });

  it('10. no console errors, CSP violations or server errors on the way', { timeout: TEST_TIMEOUT }, async (t) => {
    // The certificate page names no icon: Chromium's /favicon.ico 404 is reported, not failed on.
    const noIcon = state.certificateIcons === 0 && (await fetch(`${state.base}/favicon.ico`)).status === 404;
    const favicon = (p) => noIcon && /\/certificate: Failed to load resource: the server responded with a status of 404/.test(p);
    for (const p of state.problems.filter(favicon)) t.diagnostic(`known: /favicon.ico 404 (the certificate page has no <link rel="icon">): ${p}`);
    assert.deepEqual(state.problems.filter((p) => !favicon(p)), []);
  });
});
