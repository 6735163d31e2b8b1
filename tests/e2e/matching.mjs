// Browser tests of techmarket's search, matching and digest on the demo market, as a newcomer with no
// configuration meets them: `techmarket seed-demo` fills a fresh database BEFORE the server first
// starts, then a visitor searches in Chinese and English (highlights, facets, paging), opens a need
// and an achievement and sees their matches with scores and reasons (in both languages), a demo
// enterprise user saves a search and sees it on /digest, and the digest mail that the server writes
// to DATA_DIR/outbox (no SMTP) lists matches with links and a turn-off link that works.
//
//   cd tests/e2e && node --test matching.mjs
//   E2E_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --test matching.mjs
//
// Environment: as listings.mjs (TECHMARKET_BIN, E2E_ARTIFACTS: screenshots M01-name.png and
// matching-server.log, on PostgreSQL in pg/; CHROMIUM, E2E_KEEP_DATA, E2E_DATABASE_URL). The server
// runs with SEARCH_POLL_MS=100 and DIGEST_INTERVAL_SECONDS=5, so that the index, the matches and the
// first digest come within seconds.
//
// createSuite's start() starts the server at once, so this file prepares DATA_DIR (and the
// PostgreSQL database), runs seed-demo and starts the server itself, in the suite's state, so that
// the suite's stop(), pages, screenshots and clean-up on exit work as for the other files.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { join } from 'node:path';
import {
  clickAndWait,
  createSuite,
  msg,
  notice,
  pathOf,
  text,
  until,
  readMatches,
} from './support.mjs';

const TEST_TIMEOUT = 240_000;
/** How long the index, the matcher and the digest may take (a debug build, a few hundred listings). */
const WORK_TIMEOUT = 90_000;
const SHOT_PREFIX = 'M';

const suite = createSuite({
  env: { SEARCH_POLL_MS: '100', DIGEST_INTERVAL_SECONDS: '5' },
  name: 'matching.mjs',
  shotPrefix: SHOT_PREFIX,
  logName: 'matching-server.log',
  dataDirPrefix: 'techmarket-e2e-matching-',
  state: {
    seedOutput: '',
    seed: null, // { demands, achievements, password, accounts: [{ role, email, org }] }
    demandPath: null, // a demand found by the search, with matches
    achievementPath: null, // an achievement from its matches
    enterprise: null, // { email, password, org }
  },
});
const { state, newPage, shot, goto, login, needs, readOutbox } = suite;

// ---------------------------------------------------------------------------------------------
// Page helpers.

/** The number in the search page's "共找到 N 条" / "N found". */
async function searchTotal(page) {
  const line = await text(page.locator('main .results > p.muted').first());
  const m = line.match(/(\d+)/);
  assert.ok(m, `no result count in "${line}"`);
  return Number(m[1]);
}

/** Types `q` into the search box of the current page and submits it. */
async function searchFor(page, q) {
  const box = page.locator('main form.search-box input[name=q]');
  await box.fill(q);
  await clickAndWait(page, page.locator('main form.search-box button[type=submit]'));
  assert.equal(pathOf(page), '/search');
  assert.equal(new URL(page.url()).searchParams.get('q'), q);
  assert.equal(await box.inputValue(), q, 'the search box does not keep the query');
}

/** The result cards: kind tag, title, href. */
async function hits(page) {
  return page.locator('main .results li.listing-card').evaluateAll((cards) =>
    cards.map((c) => ({
      tag: c.querySelector('.tag')?.textContent.trim(),
      title: c.querySelector('h2 a')?.textContent.trim(),
      text: c.innerText,
      href: c.querySelector('h2 a')?.getAttribute('href'),
      marks: [...c.querySelectorAll('mark')].map((m) => m.textContent),
    })),
  );
}

/** The facet values of one facet section: label, count, selected. */
function facetSection(page, lang, facet) {
  return page.locator('main aside.facets section', { has: page.locator('h2', { hasText: msg(`facet.${facet}`, lang) }) });
}


/** Checks the match list: a score text per match, best first, each with reasons. */
function checkMatches(matches, lang, otherBase) {
  assert.ok(matches.length >= 1, 'no matches');
  const scoreRe = new RegExp('^' + msg('match.score', lang).replace('{0}', '(\\d+)') + '$');
  const scores = matches.map((m) => {
    const s = m.score.match(scoreRe);
    assert.ok(s, `the score "${m.score}" does not read like "${msg('match.score', lang)}"`);
    const n = Number(s[1]);
    assert.ok(n >= 0 && n <= 100, `score ${n}% out of range`);
    return n;
  });
  for (let i = 1; i < scores.length; i++) assert.ok(scores[i] <= scores[i - 1], `matches are not best first: ${scores.join(', ')}`);
  for (const m of matches) {
    assert.match(m.href, new RegExp(`^${otherBase}/\\d+$`), `a match links to ${m.href}`);
    assert.ok(m.title, 'a match has no title');
    assert.ok(m.reasons.length >= 1, `the match "${m.title}" gives no reasons`);
  }
  const shared = msg('reason.shared_terms', lang).replace('{0}', '');
  assert.ok(
    matches.some((m) => m.reasons.some((r) => r.startsWith(shared))),
    `no match names shared key terms ("${shared}"): ${JSON.stringify(matches.map((m) => m.reasons))}`,
  );
  return scores;
}

// ---------------------------------------------------------------------------------------------

describe('techmarket search, matches and digest on the demo market', { concurrency: 1 }, () => {
  let anon; // an anonymous visitor (switches to English)
  let ent; // a demo enterprise user (stays in Chinese)

  before(async () => {
    await suite.start({ seed: true });
    anon = await newPage();
    ent = await newPage();
  });

  after(async () => {
    await suite.stop();
  });

  it('1. seed-demo fills the empty database and prints verified demo accounts; the server indexes the market', { timeout: TEST_TIMEOUT }, async () => {
    const s = state.seed;
    assert.ok(s.demands >= 20 && s.achievements >= 20, `a small demo market: ${state.seedOutput}`);
    const roles = s.accounts.map((a) => a.role);
    for (const role of ['officer', 'enterprise']) assert.ok(roles.includes(role), `seed-demo printed no ${role} account: ${state.seedOutput}`);
    const enterprise = s.accounts.find((a) => a.role === 'enterprise');
    state.enterprise = { email: enterprise.email, password: s.password, org: enterprise.org };

    // Every published listing reaches the index: the empty query counts them all.
    const all = s.demands + s.achievements;
    let last = '';
    await until(
      async () => {
        const r = await fetch(`${state.base}/search`);
        assert.equal(r.status, 200);
        const html = await r.text();
        const m = html.match(/<p class="muted">([^<]*)<\/p>/);
        last = m ? m[1] : html.slice(0, 300);
        return last === msg('search.count').replace('{0}', String(all));
      },
      WORK_TIMEOUT,
      () => `the index did not reach ${all} listings; the search page says "${last}"`,
    );
    state.passed.add('seeded');
  });

  it('2. a visitor searches 提锂: highlights, a kind facet that narrows, paging', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'seeded')) return;
    await goto(anon, '/lang/zh?next=/');
    await clickAndWait(anon, anon.locator('header a[href="/search"]'));
    assert.equal(pathOf(anon), '/search');
    assert.equal(await text(anon.locator('h1')), msg('search.title'));
    assert.equal(await anon.locator('html').getAttribute('lang'), 'zh-CN');
    await searchFor(anon, '提锂');
    const total = await searchTotal(anon);
    assert.ok(total >= 5, `only ${total} results for 提锂 in the demo market`);
    const found = await hits(anon);
    assert.equal(found.length, Math.min(total, 20));
    // Every 提锂 shown is marked (a hit may match on its keywords only, which the card does not show).
    const unmarked = found.filter((h) => h.text.includes('提锂') && !h.marks.some((m) => m.includes('提锂')));
    assert.deepEqual(unmarked.map((h) => h.title), [], 'hits showing 提锂 without a <mark>');
    assert.ok(found.filter((h) => h.marks.length).length >= found.length / 2, `few hits with a <mark>: ${found.filter((h) => !h.marks.length).map((h) => h.title).join(' | ')}`);
    assert.ok(found.every((h) => h.marks.every((m) => m.includes('提锂'))), `marks other than 提锂: ${found.flatMap((h) => h.marks).join(', ')}`);
    const keywordOnly = found.filter((h) => !h.marks.length).map((h) => h.title);
    if (keywordOnly.length) t.diagnostic(`提锂 hits with no visible match (keywords only): ${keywordOnly.join(' | ')}`);
    const kinds = new Set(found.map((h) => h.tag));
    assert.ok(kinds.has(msg('listing.demand')) && kinds.has(msg('listing.achievement')), `提锂 finds only ${[...kinds].join(', ')}`);
    assert.equal(await anon.locator('main .notice.warn').count(), 0, 'the search page warns (degraded or lagging)');
    await shot(anon, 'search-tiqu-li-zh');

    // The kind facet: its counts add up, and choosing 科技成果 narrows the results to that count.
    const kindFacet = facetSection(anon, 'zh', 'kind');
    assert.equal(await kindFacet.count(), 1, 'no 类型 facet');
    const achFacet = kindFacet.locator('li', { hasText: msg('listing.achievement') });
    const demFacet = kindFacet.locator('li', { hasText: msg('listing.demand') });
    const achCount = Number(await text(achFacet.locator('.facet-count')));
    const demCount = Number(await text(demFacet.locator('.facet-count')));
    assert.equal(achCount + demCount, total, `the kind facet counts ${achCount} + ${demCount}, the results ${total}`);
    assert.ok(achCount > 0 && achCount < total);
    await clickAndWait(anon, achFacet.locator('a'));
    assert.equal(new URL(anon.url()).searchParams.get('kind'), 'achievement');
    assert.equal(new URL(anon.url()).searchParams.get('q'), '提锂');
    assert.equal(await searchTotal(anon), achCount);
    const narrowed = await hits(anon);
    assert.ok(narrowed.length > 0 && narrowed.every((h) => h.tag === msg('listing.achievement')), `not only achievements: ${narrowed.map((h) => h.tag).join(', ')}`);
    assert.ok(narrowed.every((h) => /^\/achievements\/\d+$/.test(h.href)));
    const selected = facetSection(anon, 'zh', 'kind').locator('li.selected');
    assert.equal(await selected.count(), 1, 'the chosen facet value is not marked');
    assert.ok((await text(selected)).includes(msg('listing.achievement')));
    // The search box keeps the facet for the next query.
    assert.equal(await anon.locator('main form.search-box input[type=hidden][name=kind]').getAttribute('value'), 'achievement');
    await shot(anon, 'search-tiqu-li-achievements-zh');
    // Clicking the chosen value again removes the filter.
    await clickAndWait(anon, selected.locator('a'));
    assert.equal(new URL(anon.url()).searchParams.get('kind'), null);
    assert.equal(await searchTotal(anon), total);

    // Paging: a broader query (锂) has more than one page of 20.
    await searchFor(anon, '锂');
    const broad = await searchTotal(anon);
    assert.ok(broad > 20, `only ${broad} results for 锂: no second page to test`);
    const pages = Math.ceil(broad / 20);
    const pager = anon.locator('main nav.pager');
    assert.equal(await text(pager.locator('span.muted')), `1 / ${pages}`);
    const first = (await hits(anon)).map((h) => h.href);
    assert.equal(first.length, 20);
    await clickAndWait(anon, pager.locator('a[rel=next]'));
    assert.equal(new URL(anon.url()).searchParams.get('page'), '2');
    assert.equal(new URL(anon.url()).searchParams.get('q'), '锂');
    assert.equal(await text(pager.locator('span.muted')), `2 / ${pages}`);
    const second = (await hits(anon)).map((h) => h.href);
    assert.equal(second.length, Math.min(20, broad - 20));
    assert.ok(second.every((h) => !first.includes(h)), 'page 2 repeats hits of page 1');
    assert.equal(await text(pager.locator('a').first()), `« ${msg('search.previous')}`);
    await shot(anon, 'search-li-page-2-zh');
    await clickAndWait(anon, pager.locator('a', { hasText: msg('search.previous') }));
    assert.deepEqual((await hits(anon)).map((h) => h.href), first, 'page 1 differs when coming back');
    state.passed.add('search-zh');
  });

  it('3. the same visitor in English: lithium finds the English listings, IGBT the Chinese ones, zeolite nothing', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'seeded')) return;
    await goto(anon, '/lang/zh?next=/');
    await goto(anon, '/search?q=%E6%8F%90%E9%94%82');
    await clickAndWait(anon, anon.locator('header a.lang'));
    assert.equal(await anon.locator('html').getAttribute('lang'), 'en');
    assert.equal(pathOf(anon), '/search');
    assert.equal(await text(anon.locator('h1')), msg('search.title', 'en'));
    const kept = new URL(anon.url()).searchParams.get('q');
    if (kept !== '提锂') t.diagnostic(`the language switch on /search?q=提锂 lands on ${anon.url()}: the query is lost`);

    // "lithium", the placeholder's own example: the demo market's English listings, marked.
    assert.ok((await anon.locator('main form.search-box input[name=q]').getAttribute('placeholder')).includes('lithium'));
    await searchFor(anon, 'lithium');
    const total = await searchTotal(anon);
    assert.ok(total >= 2, `lithium finds ${total} listings`);
    assert.equal(await text(anon.locator('main .results > p.muted').first()), msg('search.count', 'en').replace('{0}', String(total)));
    const found = await hits(anon);
    assert.ok(found.every((h) => h.marks.length > 0 && h.marks.every((m) => m.toLowerCase() === 'lithium')), `lithium hits without <mark>lithium</mark>: ${JSON.stringify(found.map((h) => [h.title, h.marks]))}`);
    const tags = new Set(found.map((h) => h.tag));
    assert.ok([...tags].every((tag) => [msg('listing.demand', 'en'), msg('listing.achievement', 'en')].includes(tag)), `kind tags not in English: ${[...tags].join(', ')}`);
    const kindFacet = facetSection(anon, 'en', 'kind');
    assert.equal(await kindFacet.count(), 1, 'no Kind facet in English');
    const counts = await kindFacet.locator('.facet-count').allInnerTexts();
    assert.equal(counts.reduce((a, n) => a + Number(n), 0), total, `the Kind facet counts ${counts.join(' + ')}, the results ${total}`);
    await shot(anon, 'search-lithium-en');

    // An English need among them: its matches in English, with English shared terms.
    const need = found.find((h) => h.tag === msg('listing.demand', 'en'));
    if (need) {
      await clickAndWait(anon, anon.locator('main .results li.listing-card h2 a', { hasText: need.title }));
      assert.match(pathOf(anon), /^\/demands\/\d+$/);
      assert.equal(await text(anon.locator('main section#matches h2')), msg('match.for_demand', 'en'));
      const matches = await readMatches(anon, WORK_TIMEOUT, 'en');
      checkMatches(matches, 'en', '/achievements');
      const english = matches.filter((m) => /^[\x20-\x7e]+$/.test(m.title));
      assert.ok(english.length >= 1, `the English need «${need.title}» has no English match: ${matches.map((m) => m.title).join(' | ')}`);
      t.diagnostic(`${pathOf(anon)} «${need.title}»: best English match «${english[0].title}» ${english[0].score}: ${english[0].reasons.join('; ')}`);
      await anon.locator('main section#matches').scrollIntoViewIfNeeded();
      await shot(anon, 'english-need-matches-en');
      await anon.goBack({ waitUntil: 'load' });
    } else {
      t.diagnostic('lithium finds no English need');
    }

    // IGBT, an English term inside Chinese listings: marked there too.
    await searchFor(anon, 'igbt');
    const igbt = await hits(anon);
    assert.ok(igbt.length > 0 && igbt.every((h) => h.marks.some((m) => m === 'IGBT')), `IGBT hits without <mark>IGBT</mark>: ${JSON.stringify(igbt.map((h) => [h.title, h.marks]))}`);

    // A word the market does not hold: a clean empty page.
    await searchFor(anon, 'zeolite');
    assert.equal(await text(anon.locator('main .results > p.muted').first()), msg('search.count', 'en').replace('{0}', '0'));
    assert.equal(await text(anon.locator('main .results .empty')), msg('browse.none', 'en'));
    assert.equal(await anon.locator('main .results li.listing-card').count(), 0);
    assert.equal(await anon.locator('main aside.facets section').count(), 0, 'facets without results');
    assert.equal(await text(anon.locator('main nav.pager')), '1 / 1');
    assert.equal(await anon.locator('main form.save-search').count(), 0, 'an anonymous visitor is offered to save the search');
    await shot(anon, 'search-zeolite-none-en');
    await goto(anon, '/lang/zh?next=/');
    state.passed.add('search-en');
  });

  it('4. a need found by the search shows its matching achievements with scores and reasons, in Chinese and English', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'seeded')) return;
    await goto(anon, '/lang/zh?next=/');
    await goto(anon, '/search?q=%E6%8F%90%E9%94%82&kind=demand');
    const demands = await hits(anon);
    assert.ok(demands.length > 0, 'no need for 提锂');
    await clickAndWait(anon, anon.locator('main .results li.listing-card h2 a').first());
    assert.match(pathOf(anon), /^\/demands\/\d+$/);
    state.demandPath = pathOf(anon);
    assert.equal(await text(anon.locator('h1')), demands[0].title);
    const section = anon.locator('main section#matches');
    assert.equal(await text(section.locator('h2')), msg('match.for_demand'));
    const matches = await readMatches(anon, WORK_TIMEOUT, 'zh');
    const scores = checkMatches(matches, 'zh', '/achievements');
    assert.ok(matches.length <= 10, `more than 10 matches shown: ${matches.length}`);
    assert.equal(await text(section.locator('p.small')), msg('match.how'));
    t.diagnostic(`${state.demandPath} «${demands[0].title}»: ${matches.length} matches, ${scores.join('/')}%; best: «${matches[0].title}» ${matches[0].reasons.join('; ')}`);
    await section.scrollIntoViewIfNeeded();
    await shot(anon, 'demand-matches-zh');

    // The header's language switch: the same page, reasons in English.
    await clickAndWait(anon, anon.locator('header a.lang'));
    assert.equal(pathOf(anon), state.demandPath);
    assert.equal(await anon.locator('html').getAttribute('lang'), 'en');
    assert.equal(await text(anon.locator('main section#matches h2')), msg('match.for_demand', 'en'));
    const en = await readMatches(anon, WORK_TIMEOUT, 'en');
    checkMatches(en, 'en', '/achievements');
    assert.deepEqual(en.map((m) => m.href), matches.map((m) => m.href), 'the English page lists other matches');
    assert.ok(en.some((m) => m.reasons.some((r) => r.startsWith('Shared key terms'))), 'no "Shared key terms" reason in English');
    const cjkReasons = en.flatMap((m) => m.reasons).filter((r) => /^[\u3400-\u9fff]/.test(r));
    assert.deepEqual(cjkReasons, [], 'reasons in Chinese on the English page');
    assert.equal(await text(anon.locator('main section#matches p.small')), msg('match.how', 'en'));
    await shot(anon, 'demand-matches-en');
    await clickAndWait(anon, anon.locator('header a.lang'));
    assert.equal(await anon.locator('html').getAttribute('lang'), 'zh-CN');
    state.passed.add('demand-matches');
  });

  it('5. an achievement opened from the need\'s matches shows its matching needs', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'demand-matches')) return;
    await goto(anon, `/lang/zh?next=${encodeURIComponent(state.demandPath)}`);
    const link = anon.locator('main section#matches li.match .match-head a').first();
    const title = await text(link);
    await clickAndWait(anon, link);
    assert.match(pathOf(anon), /^\/achievements\/\d+$/);
    state.achievementPath = pathOf(anon);
    assert.equal(await text(anon.locator('h1')), title);
    const section = anon.locator('main section#matches');
    assert.equal(await text(section.locator('h2')), msg('match.for_achievement'));
    const matches = await readMatches(anon, WORK_TIMEOUT, 'zh');
    const scores = checkMatches(matches, 'zh', '/demands');
    t.diagnostic(`${state.achievementPath} «${title}»: ${matches.length} matches, ${scores.join('/')}%`);
    await section.scrollIntoViewIfNeeded();
    await shot(anon, 'achievement-matches-zh');

    await clickAndWait(anon, anon.locator('header a.lang'));
    assert.equal(pathOf(anon), state.achievementPath);
    assert.equal(await text(anon.locator('main section#matches h2')), msg('match.for_achievement', 'en'));
    const en = await readMatches(anon, WORK_TIMEOUT, 'en');
    checkMatches(en, 'en', '/demands');
    await shot(anon, 'achievement-matches-en');
    await goto(anon, '/lang/zh?next=/');
    state.passed.add('achievement-matches');
  });

  it('6. a demo enterprise user saves the search 提锂 and finds it on /digest', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'seeded')) return;
    const { email, password } = state.enterprise;
    await login(ent, email, password);
    await goto(ent, '/search');
    await searchFor(ent, '提锂');
    const form = ent.locator('main form.save-search');
    assert.equal(await form.count(), 1, 'a signed-in user is not offered to save the search');
    assert.equal(await text(form.locator('button[type=submit]')), msg('search.save'));
    assert.equal(await form.locator('input[type=hidden][name=q]').getAttribute('value'), '提锂');
    await form.locator('input[name=name]').fill('盐湖提锂');
    await clickAndWait(ent, form.locator('button[type=submit]'));
    assert.equal(pathOf(ent), '/digest');
    assert.equal(await notice(ent), msg('notice.search_saved'));
    assert.equal(await text(ent.locator('h1')), msg('digest.title'));
    const row = ent.locator('main table tbody tr', { hasText: '盐湖提锂' });
    assert.equal(await row.count(), 1, `the saved search is not listed: ${await text(ent.locator('main'))}`);
    assert.equal(await text(row.locator('td').nth(1)), '提锂');
    const mails = ent.locator('main section.panel').first();
    assert.ok((await text(mails)).includes(msg('digest.is_on')), `digests are not on for a demo user: ${await text(mails)}`);
    await shot(ent, 'digest-page-zh');

    // The saved search's link opens its results again.
    await clickAndWait(ent, row.locator('a'));
    assert.equal(pathOf(ent), '/search');
    assert.equal(new URL(ent.url()).searchParams.get('q'), '提锂');
    assert.ok((await searchTotal(ent)) >= 5);
    state.passed.add('saved');
  });

  it('7. the digest mail in DATA_DIR/outbox lists matches with links; its turn-off link works', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'seeded')) return;
    const { email } = state.enterprise;
    const mail = await until(
      () => readOutbox().filter((m) => m.to.includes(email) && m.text.includes('/digest/off')).pop(),
      WORK_TIMEOUT,
      () => `no digest to ${email} in ${join(state.dataDir, 'outbox')}; outbox: ${readOutbox().map((m) => `${m.file} to=${m.to}`).join(', ') || '(empty)'}`,
    );
    // (support.mjs's decoding of the encoded words drops the blank after one: "匹配90 条", hence \s*.)
    const subjectRe = new RegExp('^' + msg('digest.subject').replace(/[[\]【】]/g, '\\$&').replace(/ ?\{(\d)\} ?/g, '\\s*(\\d+)\\s*') + '$');
    const subj = mail.subject.match(subjectRe);
    assert.ok(subj, `the digest's subject "${mail.subject}" does not read like "${msg('digest.subject')}"`);
    const nMatches = Number(subj[1]);
    assert.ok(nMatches >= 1, `the digest tells of no matches: ${mail.subject}`);
    const body = mail.text.replace(/\r\n/g, '\n');
    assert.ok(body.startsWith(msg('digest.intro')), `the digest does not start with the greeting: ${body.slice(0, 200)}`);
    assert.ok(body.includes(msg('digest.matches_head').replace('{0}', String(nMatches))), 'the digest has no matches heading');
    // - 「own」匹配「other」（匹配度 N%）：URL
    const lineRe = /^- 「(.+)」匹配「(.+)」（匹配度 (\d+)%）：(\S+)$/;
    const lines = body.split('\n').filter((l) => lineRe.test(l));
    assert.equal(lines.length, Math.min(nMatches, 20), `the digest lists ${lines.length} match lines for ${nMatches} matches:\n${body}`);
    const links = lines.map((l) => l.match(lineRe)[4]);
    for (const l of links) assert.match(l, new RegExp(`^${state.base.replace(/\./g, '\\.')}/(achievements|demands)/\\d+$`), `a match link of the digest: ${l}`);
    const pct = lines.map((l) => Number(l.match(lineRe)[3]));
    for (let i = 1; i < pct.length; i++) assert.ok(pct[i] <= pct[i - 1], `the digest's matches are not best first: ${pct.join(', ')}`);
    if (nMatches > 20) assert.ok(body.includes(`${state.base}/my/listings`), 'the digest does not say where the rest are');
    t.diagnostic(`${mail.file}: "${mail.subject}", ${lines.length} lines shown, best ${pct[0]}%`);

    // A link of the mail opens the listing it names.
    const [, , other] = lines[0].match(lineRe);
    await ent.goto(links[0], { waitUntil: 'load' });
    assert.equal(await text(ent.locator('h1')), other);

    // The turn-off link, opened from the mail client (no session): it asks first.
    const off = body.match(/(https?:\/\/\S+\/digest\/off\?u=\d+&t=[0-9a-f]+)/);
    assert.ok(off, `no turn-off link in the digest:\n${body}`);
    assert.ok(body.includes(msg('digest.off_line').replace('{0}', off[1])));
    const reader = await newPage();
    const resp = await reader.goto(off[1], { waitUntil: 'load' });
    assert.equal(resp.status(), 200);
    assert.equal(await text(reader.locator('h1')), msg('digest.off_title'));
    assert.ok((await text(reader.locator('main'))).includes(msg('digest.off_ask')));
    await shot(reader, 'digest-off-confirm-zh');
    // Opening it changed nothing yet.
    await goto(ent, '/digest');
    assert.ok((await text(ent.locator('main'))).includes(msg('digest.is_on')), 'opening the link turned digests off without asking');
    await clickAndWait(reader, reader.locator('main form[action="/digest/off"] button[type=submit]'));
    assert.equal(pathOf(reader), '/digest/off');
    assert.equal(await notice(reader), msg('digest.off_done'));
    await shot(reader, 'digest-off-done-zh');
    await reader.context().close();
    // A wrong token is refused.
    const forged = off[1].replace(/t=([0-9a-f])/, (_, c) => `t=${c === '0' ? '1' : '0'}`);
    assert.equal((await fetch(forged)).status, 404, 'a forged turn-off link is accepted');

    await goto(ent, '/digest');
    const panel = await text(ent.locator('main section.panel').first());
    assert.ok(panel.includes(msg('digest.is_off')), `digests are still on after turning them off: ${panel}`);
    assert.equal(await ent.locator('main form[action="/digest/settings"] input[name=enabled][value="1"]').count(), 1, 'no button to turn digests on again');
    await shot(ent, 'digest-page-off-zh');
    state.passed.add('digest');
  });

  it('8. no console errors, CSP violations or server errors on the way', { timeout: TEST_TIMEOUT }, async () => {
    assert.deepEqual(state.problems, []);
  });
});
