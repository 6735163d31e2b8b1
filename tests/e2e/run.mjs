// Browser tests of techmarket: start the real server on a free port with a fresh database (SQLite in
// a temporary DATA_DIR, or PostgreSQL with E2E_DATABASE_URL), create a program officer with the CLI,
// and drive Chromium (playwright-core, the system browser) through sign-up, e-mail verification,
// licence upload, review, language switch and phone layout. The helpers are in support.mjs.
//
//   cd tests/e2e && npm install && node --test run.mjs
//   E2E_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --test run.mjs
//
// Environment: TECHMARKET_BIN (default <repo>/target/debug/techmarket), E2E_ARTIFACTS (default
// tests/e2e/artifacts: full-page screenshots NN-name.png and server.log; on PostgreSQL in its pg/
// folder), CHROMIUM (default /usr/bin/chromium), E2E_KEEP_DATA=1 keeps the temporary DATA_DIR (and
// database), E2E_DATABASE_URL (a PostgreSQL server URL: a database tm_e2e_<pid>_<random> is created
// on it for this run and dropped afterwards).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE,
  clickAndWait,
  corruptCreditCode,
  createSuite,
  logout,
  minimalPdf,
  msg,
  pathOf,
  randomCreditCode,
  runId,
  sideScroll,
  text,
} from './support.mjs';

const TEST_TIMEOUT = 180_000;

// ---------------------------------------------------------------------------------------------
// Test data.

const RUN = runId();
const OFFICER = { email: `officer-${RUN}@example.test`, name: '王审核', password: 'officer-pass-2026' };
const ENTERPRISE = {
  orgName: `青海高原新材料科技有限公司${RUN.slice(-4)}`,
  creditCode: randomCreditCode('91', '630104', 'MA7'),
  region: '630104',
  name: '李晓梅',
  email: `li-${RUN}@example.test`,
  password: 'enterprise-pass-2026',
};

const suite = createSuite({ name: 'run.mjs', logName: 'server.log', dataDirPrefix: 'techmarket-e2e-' });
const { state, newPage, shot, goto, login, needs, waitForMail } = suite;

// ---------------------------------------------------------------------------------------------

describe('techmarket in a browser', { concurrency: 1 }, () => {
  let page; // the desktop page of the main flow (one cookie jar: enterprise user, then officer, then back)

  before(async () => {
    await suite.start({ officer: OFFICER });
    page = await newPage();
  });

  after(async () => {
    await suite.stop();
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

    // Corrected: the log-in page says what happened (the same for an address already registered,
    // whose owner is told by mail); then the account page, organization not verified yet.
    await fill(ENTERPRISE.creditCode);
    await clickAndWait(page, page.locator('main form[action="/signup/organization"] button[type=submit]'));
    assert.equal(pathOf(page), '/login', `sign-up should land on /login, got ${page.url()}`);
    assert.equal(await text(page.locator('.notice[role=status]')), msg('notice.signed_up'));
    await shot(page, 'login-after-signup-zh');
    await page.locator('#email').fill(ENTERPRISE.email);
    await page.locator('#password').fill(ENTERPRISE.password);
    await clickAndWait(page, page.locator('main form[action="/login"] button[type=submit]'));
    assert.equal(pathOf(page), '/account', `log-in after sign-up should land on /account, got ${page.url()}`);
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
    // Each notification reads as a title (the subject without the market's name), a sentence
    // without the mail's greeting, and a link to follow.
    const title = subject.split(' — ')[0];
    const item = page.locator('ul.notifications li', { has: page.locator('h2', { hasText: title }) }).first();
    assert.equal(await item.count(), 1, `no "${title}" notification: ${await text(page.locator('main'))}`);
    assert.equal(await text(item.locator('h2')), title);
    const said = await text(item);
    assert.ok(!said.includes('您好') && !said.includes('http'), `the notification shows the mail's raw text: ${said}`);
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
      const wide = await sideScroll(phone, `${path} (${name})`);
      if (wide) overflows.push(wide);
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
