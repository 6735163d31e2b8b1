// Browser tests of techmarket's deals on the demo market, worked by a technology broker (技术经纪人):
// `techmarket seed-demo` fills a fresh database before the server first starts; the demo enterprise
// user commissions a demo broker on one of its needs (the page lists the broker as pending), the
// broker accepts the commission in /broker/commissions (its public profile /brokers/{org} names the
// enterprise), finds the "open a deal" buttons on the need's matches and opens a deal (a too-short
// message is refused first); the institution that owns the matched achievement accepts it and makes
// an offer (a negative and an absurd amount are refused first, the typed values kept), the broker
// counters and sends a PDF, the institution downloads it and accepts the broker's counter-offer,
// after which the room takes no more messages. The enterprise follows the deal in its /deals, the
// broker's pipeline shows it as agreed and the broker's public profile counts it with its amount.
// The mails (DATA_DIR/outbox, no SMTP: the buyer side's deal mails go to the enterprise, its contact
// person), a stranger and an uncommissioned broker (404), an anonymous visitor (log-in page), an
// officer of the buyer's province (read-only) and the phone layout are checked too.
//
//   cd tests/e2e && node --test deals.mjs
//   E2E_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --test deals.mjs
//
// Environment: as listings.mjs (TECHMARKET_BIN, E2E_ARTIFACTS: screenshots D01-name.png and
// deals-server.log, on PostgreSQL in pg/; CHROMIUM, E2E_KEEP_DATA, E2E_DATABASE_URL). SQLITE3 (default
// sqlite3) names the SQLite shell used to read the database. The server runs with SEARCH_POLL_MS=100
// so that the index and the matches come within seconds.
//
// Like matching.mjs, this file prepares DATA_DIR (and the PostgreSQL database), runs seed-demo and
// starts the server itself, in the suite's state, so that the suite's stop(), pages, screenshots and
// clean-up on exit work as for the other files.
//
// Which accounts to use: seed-demo prints one enterprise account and one individual broker; the
// achievement's owner, a stranger and another broker are looked up in the database (psql on
// PostgreSQL, the sqlite3 shell on SQLite; without one the tests fail: install it, ./test.sh does).
// seed-demo also prints a "broker" account of a technology-transfer platform (kind
// transfer_platform), which is no broker of the commissions and the pipeline (those are for
// organizations of kind broker): the test uses the individual broker.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
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
  sideScroll,
  text,
  until,
  readMatches,
  facts,
  submitExpecting,
} from './support.mjs';

const TEST_TIMEOUT = 240_000;
/** How long the index and the matcher may take (a debug build, a few hundred listings). */
const WORK_TIMEOUT = 120_000;
const SHOT_PREFIX = 'D';
const INSTITUTION_KINDS = ['university', 'research_institute'];

const OPENING = '我是需求方委托的技术经纪人。贵单位的这项成果与委托方的需求高度契合，希望就技术许可和中试合作进一步洽谈，请查看并回复。';
const TOO_SHORT = '你好';
const OFFER = {
  price: '150万',
  shown: '150万元',
  mode: 'licence',
  terms: '合同签订后30日内支付40%，中试验收合格后支付余款60%',
  scope: '青海省内独占许可，期限5年，限盐湖卤水提锂领域',
  note: '含技术培训和中试现场指导',
};
const COUNTER = {
  price: '120万',
  shown: '120万元',
  mode: 'licence',
  terms: '合同签订后30日内支付30%，中试验收合格后支付余款70%',
  scope: '青海省内独占许可，期限5年',
  note: '',
};
const PDF_NAME = 'jishu-fangan.pdf';
const CLOSED_TEXT = '合同文本我们下周寄出，请确认收件地址。';

const suite = createSuite({
  env: { SEARCH_POLL_MS: '100' },
  name: 'deals.mjs',
  shotPrefix: SHOT_PREFIX,
  logName: 'deals-server.log',
  dataDirPrefix: 'techmarket-e2e-deals-',
  state: {
    seedOutput: '',
    seed: null, // { listings, password, accounts: [{ role, email, org }] }
    db: null, // 'psql' or 'sqlite3': where accounts are looked up
    buyer: null, // { email, org }: the enterprise that owns the need
    seller: null, // { email, org }
    broker: null, // { email, org, id }: the broker the enterprise commissions (an individual broker: its user's name is the organization's)
    pair: null, // { demandId, demandTitle, achievementId, achievementTitle, reasons }
    dealId: null,
    overflows: [],
  },
});
const { state, newPage, shot, goto, login, needs, waitForMail } = suite;

// ---------------------------------------------------------------------------------------------
// The database (read only): psql on PostgreSQL, the sqlite3 shell on SQLite.

/** Rows (arrays of strings) of a query. */
const query = (sql) => queryRows(state, sql);

/** The kind of a demo organization and its user's e-mail address, by the organization's name. */
function orgAccount(name) {
  const rows = query(
    `SELECT o.kind, u.email FROM organizations o JOIN users u ON u.org_id = o.id WHERE o.name = ${quote(name)} ORDER BY u.id LIMIT 1`,
  );
  return rows.length ? { kind: rows[0][0], email: rows[0][1] } : null;
}

/** An enterprise user of the demo market outside the organizations named. */
function anotherEnterprise(notNames) {
  const rows = query(
    `SELECT u.email, o.name FROM users u JOIN organizations o ON o.id = u.org_id WHERE o.kind = 'enterprise' AND o.name NOT IN (${notNames.map(quote).join(', ')}) ORDER BY u.id LIMIT 1`,
  );
  return rows.length ? { email: rows[0][0], org: rows[0][1] } : null;
}

/** The e-mail address of a demo broker other than the one given (by e-mail address). */
function anotherBroker(notEmail) {
  const rows = query(
    `SELECT u.email FROM users u JOIN organizations o ON o.id = u.org_id WHERE o.kind = 'broker' AND u.email <> ${quote(notEmail)} ORDER BY u.id LIMIT 1`,
  );
  return rows.length ? rows[0][0] : null;
}

// ---------------------------------------------------------------------------------------------
// Page helpers.

/** Signs `page` out (if signed in) and in as `email`. */
async function signInAs(page, email) {
  if (await page.locator('header form[action="/logout"] button').count()) await logout(page);
  await login(page, email, state.seed.password);
}


const room = (page) => ({
  status: page.locator('main dl.facts .deal-status'),
  statusCell: page.locator('main dl.facts dd:has(.deal-status)'),
  accept: page.locator('main form[action$="/respond"] button[value=accept]'),
  offerForm: page.locator('main form[action$="/offers"]'),
  offers: page.locator('main #offers ol.offers > li.offer'),
  acceptOffer: page.locator('main #offers form[action$="/accept"] button[type=submit]'),
  messageForm: page.locator('main form[action*="/messages"]'),
  messages: page.locator('main #messages ul.messages > li.message'),
  events: page.locator('main ol.events > li'),
  withdraw: page.locator('main form[action$="/withdraw"]'),
  formNotice: page.locator('main .notice.warn[role=alert]'),
});

async function fillOffer(page, o) {
  const f = room(page).offerForm;
  await f.locator('#price').fill(o.price);
  await f.locator('#coop_mode').selectOption(o.mode);
  await f.locator('#payment_terms').fill(o.terms);
  await f.locator('#licence_scope').fill(o.scope);
  await f.locator('#note').fill(o.note);
}

async function assertOfferKept(page, o) {
  const f = room(page).offerForm;
  assert.equal(await f.locator('#price').inputValue(), o.price, 'the price typed is not kept');
  assert.equal(await f.locator('#coop_mode').inputValue(), o.mode, 'the cooperation mode chosen is not kept');
  assert.equal(await f.locator('#payment_terms').inputValue(), o.terms, 'the payment terms are not kept');
  assert.equal(await f.locator('#licence_scope').inputValue(), o.scope, 'the licence scope is not kept');
  assert.equal(await f.locator('#note').inputValue(), o.note, 'the note is not kept');
}

/** The offers of the room: price text, status tag, class, whole text. */
function readOffers(page) {
  return room(page).offers.evaluateAll((lis) =>
    lis.map((li) => ({
      price: li.querySelector('strong')?.textContent.trim(),
      tag: li.querySelector('.tag')?.textContent.trim(),
      cls: li.className,
      text: li.innerText.replace(/\s+/g, ' ').trim(),
    })),
  );
}

/** A regular expression for a message with placeholders {0}, {1}, … (each any text). */
function msgRe(key, lang = 'zh') {
  const esc = msg(key, lang).replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp('^' + esc.replace(/\{\d\}/g, '(.+)') + '$');
}

const noBlanks = (s) => s.replace(/\s+/g, '');

/** The columns of a broker's pipeline: title (without the count), count, the deals' links and texts. */
function readPipeline(page) {
  return page.locator('main .pipeline section.pipeline-col').evaluateAll((cols) =>
    cols.map((col) => {
      const h2 = col.querySelector('h2');
      const badge = h2?.querySelector('.count');
      return {
        title: [...(h2?.childNodes || [])].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim(),
        count: badge ? Number(badge.textContent.trim()) : null,
        cards: [...col.querySelectorAll('.pipeline-card')].map((k) => ({
          href: k.querySelector('a')?.getAttribute('href'),
          text: k.innerText.replace(/\s+/g, ' ').trim(),
        })),
      };
    }),
  );
}

// ---------------------------------------------------------------------------------------------

describe('techmarket deals on the demo market, worked by a broker', { concurrency: 1 }, () => {
  let page; // one desktop browser, the users take turns (log out, log in)

  before(async () => {
    await suite.start({ seed: true });
    page = await newPage();
  });

  after(async () => {
    await suite.stop();
  });

  it('1. the demo market is indexed and matched; the demo enterprise owns a need matched with an institution\'s achievement', { timeout: TEST_TIMEOUT }, async (t) => {
    demoBuyer(state);
    const broker = state.seed.accounts.find((a) => a.role === 'broker (individual)');
    assert.ok(broker, `seed-demo printed no individual broker: ${state.seedOutput}`);
    state.broker = { email: broker.email, org: broker.org, id: null };

    // Every published listing reaches the index, and every change is matched, so that the matches do
    // not change under the test.
    let last = '';
    await until(
      async () => {
        const html = await (await fetch(`${state.base}/search`)).text();
        const m = html.match(/<p class="muted">([^<]*)<\/p>/);
        last = m ? m[1] : html.slice(0, 300);
        return last === msg('search.count').replace('{0}', String(state.seed.listings));
      },
      WORK_TIMEOUT,
      () => `the index did not reach ${state.seed.listings} listings; the search page says "${last}"`,
    );
    await until(() => query('SELECT COUNT(*) FROM search_outbox WHERE done_at IS NULL')[0][0] === '0', WORK_TIMEOUT, 'the search outbox did not drain');

    // The enterprise's published needs, from its own list.
    await login(page, state.buyer.email, state.seed.password);
    await clickAndWait(page, page.locator('header a[href="/my/listings"]'));
    const mine = await page.locator('main table tbody tr').evaluateAll((rows) =>
      rows
        .filter((r) => r.querySelector('.tag.status-published'))
        .map((r) => ({ href: r.querySelector('a')?.getAttribute('href'), title: r.querySelector('a')?.textContent.trim() }))
        .filter((r) => /^\/demands\/\d+$/.test(r.href || '')),
    );
    assert.ok(mine.length > 0, `the demo enterprise has no published need: ${await text(page.locator('main'))}`);

    // The first need with a match from a university or research institute.
    for (const need of mine) {
      await goto(page, need.href);
      assert.equal(await text(page.locator('main section#matches h2')), msg('match.for_demand'));
      const matches = await readMatches(page, WORK_TIMEOUT);
      for (const m of matches) {
        assert.equal(m.dealText, msg('deal.open'), `the owner gets no "${msg('deal.open')}" button on the match «${m.title}»`);
      }
      const chosen = matches.find((m) => INSTITUTION_KINDS.includes(orgAccount(m.org)?.kind));
      if (!chosen) continue;
      const seller = orgAccount(chosen.org);
      state.seller = { email: seller.email, org: chosen.org };
      state.pair = {
        demandId: Number(need.href.split('/').pop()),
        demandTitle: need.title,
        achievementId: Number(chosen.href.split('/').pop()),
        achievementTitle: chosen.title,
        reasons: chosen.reasons,
        dealHref: chosen.deal,
      };
      break;
    }
    assert.ok(state.pair, `none of the enterprise's ${mine.length} needs has a match from an institution`);
    assert.equal(state.pair.dealHref, `/deals/new?demand=${state.pair.demandId}&achievement=${state.pair.achievementId}`);
    t.diagnostic(
      `buyer ${state.buyer.email} (${state.buyer.org}), need ${state.pair.demandId} «${state.pair.demandTitle}»; ` +
        `seller ${state.seller.email} (${state.seller.org}), achievement ${state.pair.achievementId} «${state.pair.achievementTitle}»; ` +
        `broker ${state.broker.email} (${state.broker.org}); accounts from ${state.db}`,
    );

    // A visitor who does not own the need sees the matches without the button, and no commission panel.
    const anon = await newPage();
    await goto(anon, `/demands/${state.pair.demandId}`);
    await readMatches(anon, WORK_TIMEOUT);
    assert.equal(await anon.locator('main section#matches a.button', { hasText: msg('deal.open') }).count(), 0, 'an anonymous visitor is offered to open a deal');
    assert.equal(await anon.locator('main section#commissions').count(), 0, 'an anonymous visitor gets the commission panel');
    await anon.context().close();
    state.passed.add('pair');
  });

  it('2. the enterprise commissions the broker on the need\'s page; the page lists the broker as pending', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'pair')) return;
    const p = state.pair;
    await signInAs(page, state.buyer.email);
    await goto(page, `/demands/${p.demandId}`);
    const panel = page.locator('main section#commissions');
    assert.equal(await panel.count(), 1, 'the owner of the need gets no commission panel');
    assert.equal(await text(panel.locator('h2')), msg('commission.title'));
    assert.equal(await text(panel.locator('p.muted').first()), msg('commission.explain'));
    assert.equal(await panel.locator('ul li').count(), 0, `commissions before any was sent: ${await text(panel)}`);
    assert.equal(await text(panel.locator('label[for=broker]')), msg('commission.broker'));

    // The brokers offered: verified broker organizations, the seeded individual broker among them.
    const options = await panel.locator('select#broker option').evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.textContent.trim() })));
    assert.equal(options[0].value, '', 'the broker list does not start with an empty choice');
    const brokers = options.slice(1);
    assert.ok(brokers.length >= 2, `the panel offers ${brokers.length} brokers: ${JSON.stringify(options)}`);
    const chosen = brokers.find((o) => o.label === state.broker.org);
    assert.ok(chosen, `${state.broker.org} is not among the brokers offered: ${brokers.map((o) => o.label).join(', ')}`);
    state.broker.id = Number(chosen.value);
    const platform = state.seed.accounts.find((a) => a.role === 'broker');
    if (platform && !brokers.some((o) => o.label === platform.org)) {
      t.diagnostic(`seed-demo's "broker" account ${platform.email} (${platform.org}) cannot be commissioned: its organization is no broker organization`);
    }

    await panel.locator('select#broker').selectOption(chosen.value);
    await shot(page, 'commission-panel-zh');
    await clickAndWait(page, panel.locator('button[type=submit]', { hasText: msg('commission.send') }));
    assert.equal(pathOf(page), `/demands/${p.demandId}`);
    assert.equal(await notice(page), msg('notice.commission_sent'));
    const items = panel.locator('ul li');
    assert.equal(await items.count(), 1, `commissions listed: ${await text(panel)}`);
    const item = await text(items.first());
    assert.ok(item.includes(state.broker.org) && item.includes(msg('commission.status.pending')), `the commission reads "${item}"`);
    assert.equal(await text(items.first().locator(`a[href="/brokers/${state.broker.id}"]`)), state.broker.org);
    // Still the owner: its own buttons on the matches.
    assert.ok((await page.locator('main section#matches a.button', { hasText: msg('deal.open') }).count()) > 0);
    await shot(page, 'commission-pending-zh');
    const rows = query(`SELECT status FROM commissions WHERE listing_kind = 'demand' AND listing_id = ${p.demandId}`);
    assert.deepEqual(rows, [['pending']]);
    state.passed.add('commissioned');
  });

  it('3. the broker accepts the commission in /broker/commissions; its public profile names the enterprise', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'commissioned')) return;
    const p = state.pair;
    await signInAs(page, state.broker.email);

    // While the commission is pending, the broker may not open deals on the need.
    await goto(page, `/demands/${p.demandId}`);
    await readMatches(page, WORK_TIMEOUT);
    assert.equal(await page.locator('main section#matches a.button', { hasText: msg('deal.open') }).count(), 0, 'a broker with a pending commission is offered to open a deal');
    assert.equal(await page.locator('main section#commissions').count(), 0, 'the broker gets the owner\'s commission panel');
    const early = await page.request.get(`${state.base}${p.dealHref}`);
    assert.equal(early.status(), 403, `a broker with a pending commission opening ${p.dealHref} gets ${early.status()}`);

    // The pipeline (the header's link) leads to the commissions.
    await clickAndWait(page, page.locator('header a[href="/broker/pipeline"]'));
    assert.equal(await text(page.locator('h1')), msg('pipeline.title'));
    await clickAndWait(page, page.locator('main a[href="/broker/commissions"]'));
    assert.equal(pathOf(page), '/broker/commissions');
    assert.equal(await text(page.locator('h1')), msg('commissions.title'));
    const card = page.locator('main li.listing-card', { has: page.locator(`a[href="/demands/${p.demandId}"]`) });
    assert.equal(await card.count(), 1, `the commission is not listed: ${await text(page.locator('main'))}`);
    assert.equal(await text(card.locator('h2 a')), p.demandTitle);
    const cardText = await text(card);
    assert.ok(cardText.includes(state.buyer.org) && cardText.includes(msg('commission.status.pending')), cardText);
    const accept = card.locator('button[value=accept]');
    assert.equal(await text(accept), msg('commission.accept'));
    assert.equal(await text(card.locator('button[value=decline]')), msg('commission.decline'));
    await shot(page, 'broker-commissions-zh');

    await clickAndWait(page, accept);
    assert.equal(pathOf(page), '/broker/commissions');
    assert.equal(await notice(page), msg('notice.commission_decided'));
    assert.ok((await text(card)).includes(msg('commission.status.accepted')), await text(card));
    assert.equal(await card.locator('button').count(), 0, 'an accepted commission still offers its buttons');
    await shot(page, 'broker-commissions-accepted-zh');

    // The public profile: the principal named, nothing agreed yet.
    await goto(page, `/brokers/${state.broker.id}`);
    assert.equal(await text(page.locator('h1')), state.broker.org);
    const f = await facts(page.locator('main'));
    assert.ok((f.get(msg('broker.acts_for')) || '').includes(state.buyer.org), `acts for: ${f.get(msg('broker.acts_for'))}`);
    assert.equal(f.get(msg('broker.deals_agreed')), '0');
    assert.equal(f.get(msg('broker.deals_open')), '0');
    assert.ok((f.get(msg('broker.certificate')) || '').includes('-JJR-'), `certificate: ${f.get(msg('broker.certificate'))}`);
    await shot(page, 'broker-profile-before-zh');
    // …and /brokers lists it.
    await clickAndWait(page, page.locator('main a[href="/brokers"]'));
    assert.equal(await page.locator(`main a[href="/brokers/${state.broker.id}"]`).count(), 1, 'the broker is not in /brokers');
    state.passed.add('accepted-commission');
  });

  it('4. the broker opens a deal from the need\'s match: a too-short message is refused and kept, then the deal is proposed', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'accepted-commission')) return;
    const p = state.pair;
    await goto(page, `/demands/${p.demandId}`);
    // A commissioned broker gets the buttons on every match, as the owner does.
    const matches = await readMatches(page, WORK_TIMEOUT);
    for (const m of matches) {
      assert.equal(m.dealText, msg('deal.open'), `the commissioned broker gets no "${msg('deal.open')}" button on the match «${m.title}»`);
    }
    const item = page.locator('main section#matches li.match', { has: page.locator(`.match-head a[href="/achievements/${p.achievementId}"]`) });
    await until(
      async () => {
        if (await item.count()) return true;
        await page.reload({ waitUntil: 'load' });
        return false;
      },
      WORK_TIMEOUT,
      `the match with /achievements/${p.achievementId} left /demands/${p.demandId}`,
    );
    await shot(page, 'broker-need-matches-zh');
    await clickAndWait(page, item.locator('a.button', { hasText: msg('deal.open') }));
    assert.equal(pathOf(page), '/deals/new');
    assert.equal(new URL(page.url()).search, `?demand=${p.demandId}&achievement=${p.achievementId}`);

    // The confirmation page: both listings, linked, and why they match.
    assert.equal(await text(page.locator('h1')), msg('deal.new_title'));
    const confirmFacts = page.locator('main dl.facts');
    assert.equal(await text(confirmFacts.locator(`a[href="/demands/${p.demandId}"]`)), p.demandTitle);
    assert.equal(await text(confirmFacts.locator(`a[href="/achievements/${p.achievementId}"]`)), p.achievementTitle);
    assert.equal(await text(page.locator('main section.panel h2')), msg('deal.why'));
    const reasons = (await page.locator('main section.panel ul.reasons li').allInnerTexts()).map((r) => r.trim());
    assert.ok(reasons.length >= 1, 'the confirmation page gives no reasons');
    assert.deepEqual(reasons, p.reasons, 'the confirmation page gives other reasons than the need page');
    assert.equal(await page.locator('main .notice.warn').count(), 0);
    await shot(page, 'deal-confirm-zh');

    // Too short: refused (422), the text kept, no deal made.
    await page.locator('#message').fill(TOO_SHORT);
    await submitExpecting(page, page.locator('main form[action="/deals"] button[type=submit]'), 422, '/deals');
    assert.equal(await text(page.locator('main .notice.warn[role=alert]')), msg('err.form'));
    await page.locator('#message-error').waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#message-error')), msg('err.too_short').replace('{0}', '10'));
    assert.equal(await page.locator('#message').inputValue(), TOO_SHORT, 'the message typed is not kept');
    assert.equal(await text(page.locator('h1')), msg('deal.new_title'));
    assert.equal(await page.locator('main input[name=demand]').inputValue(), String(p.demandId));
    assert.equal(await page.locator('main input[name=achievement]').inputValue(), String(p.achievementId));
    assert.equal(await page.locator('main section.panel ul.reasons li').count(), reasons.length, 'the reasons are gone from the refused form');
    await shot(page, 'deal-confirm-error-zh');
    const list = await page.request.get(`${state.base}/deals`);
    assert.equal(list.status(), 200);
    assert.ok((await list.text()).includes(msg('deals.none')), 'a deal was made from the refused message');
    const rows = query('SELECT COUNT(*) FROM deals');
    assert.equal(rows[0][0], '0', 'a deal row was written for the refused message');

    // A proper message: the deal room, proposed, for the enterprise's side.
    await page.locator('#message').fill(OPENING);
    await clickAndWait(page, page.locator('main form[action="/deals"] button[type=submit]'));
    assert.match(pathOf(page), /^\/deals\/\d+$/, `opening the deal lands on ${page.url()}: ${(await text(page.locator('main'))).slice(0, 400)}`);
    state.dealId = Number(pathOf(page).split('/').pop());
    const r = room(page);
    assert.equal(await text(page.locator('h1')), msg('deal.room'));
    assert.equal(await text(r.status), msg('deal.status.proposed'));
    const cell = await text(r.statusCell);
    assert.ok(cell.includes(msg('deal.waits_answer').replace('{0}', state.seller.org)), `the room does not say it waits for ${state.seller.org}: ${cell}`);
    const factsText = await text(page.locator('main dl.facts'));
    for (const s of [p.demandTitle, p.achievementTitle, state.buyer.org, state.seller.org]) assert.ok(factsText.includes(s), `the room's facts lack ${s}: ${factsText}`);
    assert.equal(await r.messages.count(), 1);
    const first = await text(r.messages.first());
    assert.ok(first.includes(OPENING), 'the opening message is not in the room');
    // The message is the buyer side's (the enterprise), written by the broker.
    assert.ok(first.includes(state.buyer.org) && first.includes(state.broker.org), `the opening message is not signed "${state.buyer.org} · ${state.broker.org}": ${first}`);
    assert.ok((await r.messages.first().getAttribute('class')).includes('mine'), 'the opener\'s own message is not marked as theirs');
    assert.equal(await r.accept.count(), 0, 'the opener is offered to accept their own deal');
    assert.equal(await r.offerForm.count(), 0, 'offers can be made before the other side accepted');
    assert.equal(await text(page.locator('main #offers p.muted')), msg('deal.no_offers'));
    assert.equal(await r.withdraw.count(), 1, 'the opener cannot withdraw');
    const events = await r.events.allInnerTexts();
    assert.equal(events.length, 1);
    assert.ok(events[0].includes(msg('deal.action.opened')), `history: ${events}`);
    assert.ok(events[0].includes(state.broker.org), `the history does not start with the broker's name: ${events}`);
    await shot(page, 'room-proposed-zh');
    assert.equal(query('SELECT COUNT(*) FROM deals')[0][0], '1');
    // The buyer side: the enterprise, worked by the broker; the enterprise's user stays its contact person.
    const [deal] = query(
      `SELECT d.opened_by, d.buyer_broker_org_id, d.seller_broker_org_id, u.email FROM deals d JOIN users u ON u.id = d.buyer_user_id WHERE d.id = ${state.dealId}`,
    );
    assert.deepEqual(deal, ['buyer', String(state.broker.id), '', state.buyer.email]);

    // Until the other side accepts, the room takes no messages: if it shows the form, a message is
    // refused (and kept).
    if (await r.messageForm.count()) {
      t.diagnostic('the proposed room shows a message form, though the server refuses messages until the other side accepts');
      const early = '请问贵单位何时方便视频沟通？';
      await r.messageForm.locator('#body').fill(early);
      await submitExpecting(page, r.messageForm.locator('button[type=submit]'), 422, `/deals/${state.dealId}/messages`);
      assert.equal(await text(page.locator('#message-error')), msg('err.deal_closed'));
      assert.equal(await r.messageForm.locator('#body').inputValue(), early);
      assert.equal(await r.messages.count(), 1, 'a message was added to a proposed deal');
      assert.equal(await text(r.status), msg('deal.status.proposed'));
    }

    // The broker's lists: /deals (the counterpart, not its turn) and the pipeline (proposed).
    await clickAndWait(page, page.locator('header a[href="/deals"]'));
    const row = page.locator('main table tbody tr', { has: page.locator(`a[href="/deals/${state.dealId}"]`) });
    assert.equal(await row.count(), 1, `the deal is not in the broker's list: ${await text(page.locator('main'))}`);
    assert.ok((await text(row)).includes(state.seller.org), await text(row));
    assert.equal(await row.locator('.badge').count(), 0, 'the broker is told it is its turn on the deal it proposed');
    await clickAndWait(page, page.locator('header a[href="/broker/pipeline"]'));
    const cols = await readPipeline(page);
    assert.deepEqual(
      cols.map((c) => c.title),
      ['proposed', 'contacted', 'negotiating', 'agreed', 'closed'].map((s) => msg(`pipeline.${s}`)),
    );
    const proposed = cols.find((c) => c.title === msg('pipeline.proposed'));
    assert.equal(proposed.count, 1);
    assert.deepEqual(proposed.cards.map((k) => k.href), [`/deals/${state.dealId}`], JSON.stringify(cols));
    assert.ok(proposed.cards[0].text.includes(msg('deal.buyer')), `the card does not say the broker works for the buyer: ${proposed.cards[0].text}`);
    state.passed.add('proposed');
  });

  it('5. the institution finds the deal in /deals (your turn), accepts it, and makes an offer after two refused amounts', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'proposed')) return;
    const id = state.dealId;
    await signInAs(page, state.seller.email);
    await clickAndWait(page, page.locator('header a[href="/deals"]'));
    assert.equal(await text(page.locator('h1')), msg('deals.title'));
    const row = page.locator('main table tbody tr', { has: page.locator(`a[href="/deals/${id}"]`) });
    assert.equal(await row.count(), 1, `the deal is not in the institution's list: ${await text(page.locator('main'))}`);
    const rowText = await text(row);
    assert.ok(rowText.includes(state.pair.demandTitle) && rowText.includes(state.pair.achievementTitle), rowText);
    assert.ok(rowText.includes(state.buyer.org), `the counterpart is not named: ${rowText}`);
    assert.ok(rowText.includes(msg('deal.status.proposed')), rowText);
    assert.equal(await text(row.locator('.badge')), msg('deals.your_turn'));
    await shot(page, 'deals-list-your-turn-zh');

    await clickAndWait(page, row.locator(`a[href="/deals/${id}"]`));
    assert.equal(pathOf(page), `/deals/${id}`);
    const r = room(page);
    assert.equal(await text(r.status), msg('deal.status.proposed'));
    assert.ok(!(await r.messages.first().getAttribute('class')).includes('mine'), 'the other side\'s message is marked as the institution\'s own');
    assert.equal(await text(r.accept), msg('deal.accept'));
    await clickAndWait(page, r.accept);
    assert.equal(pathOf(page), `/deals/${id}`);
    assert.equal(await text(r.status), msg('deal.status.contacted'));
    assert.ok((await text(r.statusCell)).includes(msg('deal.waits_offer')));
    assert.equal(await r.accept.count(), 0, 'the accept button is still there');
    assert.equal(await r.offerForm.count(), 1, 'the room has no offer form after accepting');
    const modes = await r.offerForm.locator('#coop_mode option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(modes.includes(OFFER.mode), `no ${OFFER.mode} among the offer's modes: ${modes.join(', ')}`);

    // A negative amount: refused, everything kept.
    const bad = { ...OFFER, price: '-5万' };
    await fillOffer(page, bad);
    await submitExpecting(page, r.offerForm.locator('button[type=submit]'), 422, `/deals/${id}/offers`);
    assert.equal(await text(r.formNotice), msg('err.form'));
    await page.locator('#price-error').waitFor({ state: 'visible' });
    const negative = await text(page.locator('#price-error'));
    assert.ok(negative.includes('负'), `the error for -5万 reads "${negative}"`);
    await assertOfferKept(page, bad);
    assert.equal(await page.locator('main .field-error').count(), 1, `other fields are marked: ${await page.locator('main .field-error').allInnerTexts()}`);
    await shot(page, 'room-offer-error-negative-zh');

    // 1000亿: above the market's ceiling (50亿元).
    const huge = { ...OFFER, price: '1000亿' };
    await r.offerForm.locator('#price').fill(huge.price);
    await submitExpecting(page, r.offerForm.locator('button[type=submit]'), 422, `/deals/${id}/offers`);
    const tooLarge = await text(page.locator('#price-error'));
    assert.equal(tooLarge, msg('err.offer_too_large'));
    assert.ok(tooLarge.includes('50亿元'), `the ceiling is given as ${tooLarge}`);
    await assertOfferKept(page, huge);
    assert.equal(await r.offers.count(), 0, 'a refused offer is listed');
    await shot(page, 'room-offer-error-too-large-zh');

    // 150万.
    await fillOffer(page, OFFER);
    await clickAndWait(page, r.offerForm.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/deals/${id}`);
    assert.equal(new URL(page.url()).hash, '#offers');
    assert.equal(await text(r.status), msg('deal.status.negotiating'));
    assert.ok((await text(r.statusCell)).includes(msg('deal.waits_reply').replace('{0}', state.buyer.org)), await text(r.statusCell));
    const offers = await readOffers(page);
    assert.equal(offers.length, 1);
    assert.equal(offers[0].price, OFFER.shown);
    assert.equal(offers[0].tag, msg('deal.offer_status.open'));
    for (const s of [msg(`mode.${OFFER.mode}`), OFFER.terms, OFFER.scope, OFFER.note, state.seller.org]) assert.ok(offers[0].text.includes(s), `the offer lacks ${s}: ${offers[0].text}`);
    assert.equal(await r.acceptOffer.count(), 0, 'the institution is offered to accept its own offer');
    assert.equal(await r.offerForm.locator('#price').inputValue(), '', 'the offer form is not empty after a successful offer');
    await shot(page, 'room-first-offer-zh');
    state.passed.add('offered');
  });

  it('6. the broker sees the offer, counters with 120万 (the first is superseded) and sends a PDF; the room in English', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'offered')) return;
    const id = state.dealId;
    await signInAs(page, state.broker.email);
    await goto(page, '/deals');
    const row = page.locator('main table tbody tr', { has: page.locator(`a[href="/deals/${id}"]`) });
    assert.ok((await text(row)).includes(msg('deal.status.negotiating')));
    assert.equal(await text(row.locator('.badge')), msg('deals.your_turn'), 'the broker is not told it is its turn');
    await clickAndWait(page, row.locator(`a[href="/deals/${id}"]`));
    const r = room(page);
    const before = await readOffers(page);
    assert.equal(before.length, 1);
    assert.equal(before[0].price, OFFER.shown);
    assert.equal(noBlanks(await text(r.acceptOffer)), noBlanks(`${msg('deal.accept_offer')}（${OFFER.shown}）`));

    await fillOffer(page, COUNTER);
    await clickAndWait(page, r.offerForm.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/deals/${id}`);
    const offers = await readOffers(page);
    assert.equal(offers.length, 2, JSON.stringify(offers));
    assert.equal(offers[0].price, OFFER.shown);
    assert.equal(offers[0].tag, msg('deal.offer_status.superseded'));
    assert.ok(offers[0].cls.includes('offer-superseded'), offers[0].cls);
    assert.equal(offers[1].price, COUNTER.shown);
    assert.equal(offers[1].tag, msg('deal.offer_status.open'));
    // The counter-offer is the enterprise's side's, made by the broker.
    assert.ok(offers[1].text.includes(state.buyer.org) && offers[1].text.includes(state.broker.org), offers[1].text);
    assert.equal(await r.acceptOffer.count(), 0, 'the broker may accept its own counter-offer');
    assert.ok((await text(r.statusCell)).includes(msg('deal.waits_reply').replace('{0}', state.seller.org)));

    // A message with a PDF.
    const body = '附件是我方（受委托的技术经纪人）整理的技术方案和中试安排，请查阅。';
    await r.messageForm.locator('#body').fill(body);
    await r.messageForm.locator('#attachment').setInputFiles({ name: PDF_NAME, mimeType: 'application/pdf', buffer: minimalPdf() });
    await clickAndWait(page, r.messageForm.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/deals/${id}`, `sending lands on ${page.url()}: ${(await text(page.locator('main'))).slice(0, 400)}`);
    assert.equal(new URL(page.url()).hash, '#messages');
    assert.equal(await r.messages.count(), 2);
    const last = r.messages.last();
    assert.ok((await text(last)).includes(body));
    assert.ok((await text(last.locator('.meta'))).includes(state.broker.org), await text(last.locator('.meta')));
    const link = last.locator(`a[href^="/deals/${id}/files/"]`);
    assert.equal(await text(link), PDF_NAME);
    assert.equal(await r.messageForm.locator('#body').inputValue(), '', 'the message box is not empty after sending');
    await shot(page, 'room-offers-zh');

    // The header's language switch: the same room in English.
    await clickAndWait(page, page.locator('header a.lang'));
    assert.equal(pathOf(page), `/deals/${id}`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await text(page.locator('h1')), msg('deal.room', 'en'));
    assert.equal(await text(r.status), msg('deal.status.negotiating', 'en'));
    const en = await readOffers(page);
    assert.deepEqual(en.map((o) => o.tag), [msg('deal.offer_status.superseded', 'en'), msg('deal.offer_status.open', 'en')]);
    assert.deepEqual(en.map((o) => o.price), ['¥1,500,000', '¥1,200,000']);
    assert.equal(await text(page.locator('main #offers h2')), msg('deal.offers', 'en'));
    assert.equal(await text(page.locator('main #messages h2')), msg('deal.messages', 'en'));
    const events = await r.events.allInnerTexts();
    assert.ok(events.some((e) => e.includes(msg('deal.action.offered', 'en'))), `history in English: ${events}`);
    await shot(page, 'room-offers-en');
    await clickAndWait(page, page.locator('header a.lang'));
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    state.passed.add('countered');
  });

  it('7. the institution downloads the PDF, accepts the broker\'s counter-offer (agreed); a message is then refused and kept', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'countered')) return;
    const id = state.dealId;
    await signInAs(page, state.seller.email);
    await goto(page, `/deals/${id}`);
    const r = room(page);

    // The attachment, with the institution's session.
    const href = await r.messages.last().locator(`a[href^="/deals/${id}/files/"]`).getAttribute('href');
    const file = await page.request.get(state.base + href);
    assert.equal(file.status(), 200);
    assert.equal(file.headers()['content-type'], 'application/pdf');
    assert.match(file.headers()['content-disposition'] || '', /^attachment; filename="jishu-fangan\.pdf"$/);
    assert.ok((await file.body()).equals(minimalPdf()), 'the PDF downloaded differs from the one sent');
    // …and by a click in the page: a download.
    const [download] = await Promise.all([page.waitForEvent('download'), r.messages.last().locator('a[href^="/deals/"]').click()]);
    assert.equal(download.suggestedFilename(), PDF_NAME);
    assert.equal(await download.failure(), null);

    assert.equal(noBlanks(await text(r.acceptOffer)), noBlanks(`${msg('deal.accept_offer')}（${COUNTER.shown}）`));
    await clickAndWait(page, r.acceptOffer);
    assert.equal(pathOf(page), `/deals/${id}`);
    assert.equal(await text(r.status), msg('deal.status.agreed'));
    const offers = await readOffers(page);
    assert.deepEqual(offers.map((o) => o.tag), [msg('deal.offer_status.superseded'), msg('deal.offer_status.accepted')]);
    assert.equal(await r.acceptOffer.count(), 0);
    assert.equal(await r.offerForm.count(), 0, 'offers can still be made on an agreed deal');
    assert.equal(await r.withdraw.count(), 0, 'an agreed deal can still be withdrawn');
    // The history: every step, in order, by the right people (the broker for the enterprise's side).
    const events = (await r.events.allInnerTexts()).map((e) => e.replace(/\s+/g, ' ').trim());
    const actions = ['opened', 'accepted', 'offered', 'offered', 'agreed'];
    const byBroker = [true, false, false, true, false];
    assert.equal(events.length, actions.length, `history: ${events.join(' | ')}`);
    actions.forEach((a, i) => {
      assert.ok(events[i].includes(msg(`deal.action.${a}`)), `history step ${i + 1} is not "${msg(`deal.action.${a}`)}": ${events[i]}`);
      assert.equal(events[i].includes(state.broker.org), byBroker[i], `history step ${i + 1} ${byBroker[i] ? 'is not' : 'is'} the broker's: ${events[i]}`);
    });
    await shot(page, 'room-agreed-zh');

    // A closed room offers no message form (a message posted anyway is refused: integration tests).
    assert.equal(await r.messageForm.count(), 0, 'the agreed room still shows the message form');
    assert.equal(await r.messages.count(), 2);
    assert.equal(await text(r.status), msg('deal.status.agreed'));
    await page.locator('section.agreed').waitFor({ state: 'visible' });
    assert.ok((await text(page.locator('section.agreed h2'))).includes(msg('deal.agreed_on').replace(/[：:]$/, '')));
    assert.ok((await text(page.locator('section.agreed'))).includes(COUNTER.shown));

    await clickAndWait(page, page.locator('header a[href="/deals"]'));
    const row = page.locator('main table tbody tr', { has: page.locator(`a[href="/deals/${id}"]`) });
    assert.ok((await text(row)).includes(msg('deal.status.agreed')));
    assert.equal(await row.locator('.badge').count(), 0, 'an agreed deal still asks for the institution\'s turn');
    await shot(page, 'deals-list-agreed-zh');
    state.passed.add('agreed');
  });

  it('8. the enterprise sees the agreed deal in its /deals; the broker\'s pipeline shows it agreed, its profile counts it', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'agreed')) return;
    const id = state.dealId;

    // The enterprise: its list and the room (read as a party: the broker's steps under its name).
    await signInAs(page, state.buyer.email);
    await clickAndWait(page, page.locator('header a[href="/deals"]'));
    const row = page.locator('main table tbody tr', { has: page.locator(`a[href="/deals/${id}"]`) });
    assert.equal(await row.count(), 1, `the deal is not in the enterprise's list: ${await text(page.locator('main'))}`);
    const rowText = await text(row);
    assert.ok(rowText.includes(state.seller.org) && rowText.includes(msg('deal.status.agreed')), rowText);
    assert.equal(await row.locator('.badge').count(), 0);
    await shot(page, 'deals-list-enterprise-zh');
    await clickAndWait(page, row.locator(`a[href="/deals/${id}"]`));
    const r = room(page);
    assert.equal(await text(r.status), msg('deal.status.agreed'));
    assert.ok((await r.messages.first().getAttribute('class')).includes('mine'), 'the broker\'s message is not marked as the enterprise side\'s');
    const offers = await readOffers(page);
    assert.ok(offers[1].text.includes(state.broker.org), offers[1].text);
    // The need's commission panel: the broker, accepted.
    await goto(page, `/demands/${state.pair.demandId}`);
    const item = await text(page.locator('main section#commissions ul li').first());
    assert.ok(item.includes(state.broker.org) && item.includes(msg('commission.status.accepted')), item);

    // The broker's pipeline: the deal under "agreed", nothing else.
    await signInAs(page, state.broker.email);
    await clickAndWait(page, page.locator('header a[href="/broker/pipeline"]'));
    const cols = await readPipeline(page);
    const agreed = cols.find((c) => c.title === msg('pipeline.agreed'));
    assert.ok(agreed, `no column ${msg('pipeline.agreed')}: ${JSON.stringify(cols)}`);
    assert.deepEqual(agreed.cards.map((k) => k.href), [`/deals/${id}`], JSON.stringify(cols));
    assert.equal(agreed.count, 1);
    assert.ok(agreed.cards[0].text.includes(state.pair.demandTitle) && agreed.cards[0].text.includes(state.pair.achievementTitle), agreed.cards[0].text);
    for (const c of cols) if (c !== agreed) assert.equal(c.cards.length, 0, `the deal is also under ${c.title}`);
    await shot(page, 'broker-pipeline-zh');

    // The public profile (an anonymous visitor's view): one deal agreed, for 120万元.
    const anon = await newPage();
    await goto(anon, `/brokers/${state.broker.id}`);
    const f = await facts(anon.locator('main'));
    assert.equal(f.get(msg('broker.deals_agreed')), '1', JSON.stringify([...f]));
    assert.equal(f.get(msg('broker.agreed_amount')), COUNTER.shown, JSON.stringify([...f]));
    assert.equal(f.get(msg('broker.deals_open')), '0');
    assert.ok((f.get(msg('broker.acts_for')) || '').includes(state.buyer.org));
    await shot(anon, 'broker-profile-agreed-zh');
    await goto(anon, '/brokers');
    const card = anon.locator('main li.listing-card', { has: anon.locator(`a[href="/brokers/${state.broker.id}"]`) });
    assert.ok((await text(card)).includes(msg('broker.record_short').replace('{0}', '1').replace('{1}', '0')), await text(card));
    await anon.context().close();
  });

  it('9. the mails: the broker was asked, the enterprise told of the acceptance, the institution got the proposal, the enterprise the agreement', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'agreed')) return;
    const { demandTitle: d, achievementTitle: a } = state.pair;
    const link = `/deals/${state.dealId}`;

    // The commission: asked (to the broker), accepted (to the enterprise's user who sent it).
    const askedSubject = msg('mail.commission_asked.subject').replace('{0}', state.buyer.org).replace('{1}', d);
    const asked = await waitForMail(state.broker.email, (m) => noBlanks(m.subject) === noBlanks(askedSubject), 'commission asked');
    assert.ok(asked.text.includes('/broker/commissions'), `the commission mail has no link to /broker/commissions:\n${asked.text}`);
    const acceptedSubject = msg('mail.commission_accepted.subject').replace('{0}', state.broker.org);
    const accepted = await waitForMail(state.buyer.email, (m) => noBlanks(m.subject) === noBlanks(acceptedSubject), 'commission accepted');
    assert.ok(accepted.text.includes(`/demands/${state.pair.demandId}`), `the acceptance mail has no link to the need:\n${accepted.text}`);

    // The deal: the proposal to the institution; the buyer side's mails to the enterprise, its contact person.
    const proposedSubject = msg('mail.deal_proposed.subject').replace('{0}', d).replace('{1}', a);
    const proposed = await waitForMail(state.seller.email, (m) => noBlanks(m.subject) === noBlanks(proposedSubject), 'deal proposed');
    assert.ok(proposed.text.includes(OPENING), `the proposal mail lacks the message:\n${proposed.text}`);
    assert.ok(proposed.text.includes(link), `the proposal mail has no link to ${link}:\n${proposed.text}`);
    const offerSubject = msg('mail.deal_offer.subject').replace('{0}', d).replace('{1}', a);
    await waitForMail(state.buyer.email, (m) => noBlanks(m.subject) === noBlanks(offerSubject), 'deal offer (the institution\'s)');
    await waitForMail(state.seller.email, (m) => noBlanks(m.subject) === noBlanks(offerSubject), 'deal offer (the broker\'s counter-offer)');
    const agreedSubject = msg('mail.deal_agreed.subject').replace('{0}', d).replace('{1}', a);
    const agreed = await waitForMail(state.buyer.email, (m) => noBlanks(m.subject) === noBlanks(agreedSubject), 'deal agreed');
    assert.ok(agreed.text.includes(link), `the agreement mail has no link to ${link}:\n${agreed.text}`);
    // Each side was told of the other's steps only.
    const subjects = (to) => suite.readOutbox().filter((m) => m.to.includes(to)).map((m) => m.subject);
    t.diagnostic(`to the institution: ${subjects(state.seller.email).join(' | ')}`);
    t.diagnostic(`to the enterprise: ${subjects(state.buyer.email).join(' | ')}`);
    t.diagnostic(`to the broker: ${subjects(state.broker.email).join(' | ')}`);
    assert.ok(!subjects(state.buyer.email).some((s) => noBlanks(s) === noBlanks(proposedSubject)), 'the buyer side got its own proposal');
    assert.ok(!subjects(state.broker.email).some((s) => noBlanks(s) === noBlanks(proposedSubject)), 'the broker got its own proposal');
    assert.ok(!subjects(state.seller.email).some((s) => noBlanks(s) === noBlanks(agreedSubject)), 'the institution got the agreement mail for its own acceptance');
  });

  it('10. a stranger and an uncommissioned broker get 404, an anonymous visitor the log-in page, an officer of the buyer\'s province a read-only room', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'proposed')) return;
    const path = `/deals/${state.dealId}`;
    const stranger = anotherEnterprise([state.buyer.org, state.seller.org]);
    assert.ok(stranger, 'no other enterprise in the demo market');
    const otherBroker = anotherBroker(state.broker.email);
    assert.ok(otherBroker, 'no other broker in the demo market');

    // Not through newPage(): the expected 404 would be counted as a console error.
    for (const [who, email] of [['a stranger', stranger.email], ['an uncommissioned broker', otherBroker]]) {
      const ctx = await state.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
      const sp = await ctx.newPage();
      sp.on('pageerror', (e) => state.problems.push(`page error on ${sp.url()}: ${e.message}`));
      await login(sp, email, state.seed.password);
      const resp = await sp.goto(state.base + path, { waitUntil: 'load' });
      assert.equal(resp.status(), 404, `${who} (${email}) opening ${path} gets ${resp.status()}`);
      assert.equal(await text(sp.locator('main h1')), msg('error.404.title'));
      const main = await text(sp.locator('main'));
      assert.ok(!main.includes(state.pair.demandTitle) && !main.includes(OPENING), 'the 404 page tells of the deal');
      if (who === 'a stranger') await shot(sp, 'stranger-404-zh');
      for (const sub of [`${path}/files/1`]) assert.equal((await sp.request.get(state.base + sub)).status(), 404, `${who} gets ${sub}`);
      const list = await sp.request.get(`${state.base}/deals`);
      assert.ok(!(await list.text()).includes(`href="${path}"`), `the deal is in the list of ${who}`);
      await ctx.close();
    }

    const anon = await newPage();
    await anon.goto(state.base + path, { waitUntil: 'load' });
    assert.equal(pathOf(anon), '/login', `an anonymous visitor of ${path} lands on ${anon.url()}`);
    assert.equal(await anon.locator('#email').count(), 1);
    await anon.context().close();

    // The officer of the province: reads, does not act.
    const officer = state.seed.accounts.find((a) => a.role === 'officer' && a.email.startsWith('officer630000@'));
    if (officer) {
      const op = await newPage();
      await login(op, officer.email, state.seed.password);
      await goto(op, path);
      assert.equal(await text(op.locator('main .deal-status')), msg('deal.status.agreed'));
      assert.ok((await text(op.locator('main'))).includes(msg('deal.officer_view')));
      assert.equal(await op.locator('main form[action^="/deals/"]').count(), 0, 'an officer gets the room\'s forms');
      await op.context().close();
    } else {
      t.diagnostic('seed-demo printed no officer of 630000');
    }
  });

  it('11. the deal room fits a phone (390 px) without sideways scrolling, for the broker', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'proposed')) return;
    const phone = await newPage({ viewport: PHONE, phone: true });
    await login(phone, state.broker.email, state.seed.password);
    const overflows = [];
    for (const lang of ['zh', 'en']) {
      await goto(phone, `/lang/${lang}?next=${encodeURIComponent(`/deals/${state.dealId}`)}`);
      assert.equal(pathOf(phone), `/deals/${state.dealId}`);
      await shot(phone, `phone-room-${lang}`);
      const wide = await sideScroll(phone, `/deals/${state.dealId} (${lang})`);
      if (wide) overflows.push(wide);
    }
    await goto(phone, '/lang/zh?next=/');
    // The lists, the confirmation page, the broker's pages: reported, not required.
    for (const p of ['/deals', `/deals/new?demand=${state.pair.demandId}&achievement=${state.pair.achievementId}`, '/broker/pipeline', '/broker/commissions', `/brokers/${state.broker.id}`]) {
      await goto(phone, p);
      if (p === '/broker/pipeline') await shot(phone, 'phone-pipeline-zh');
      const wide = await sideScroll(phone, p);
      if (wide) t.diagnostic(`phone: ${wide}`);
    }
    await phone.context().close();
    assert.deepEqual(overflows, [], `the deal room scrolls sideways on a phone:\n${overflows.join('\n')}`);
  });

  it('12. no console errors, CSP violations or server errors on the way', { timeout: TEST_TIMEOUT }, async () => {
    assert.deepEqual(state.problems, []);
  });
});
