// Browser tests of techmarket's open challenges (揭榜挂帅) on the demo market: `techmarket seed-demo`
// fills a fresh database before the server first starts; a demo university (institution A) finds an
// open challenge of a demo enterprise, has a first proposal refused (a too-short approach and a
// negative price, the typed values kept, nothing stored) and then submits one; a second institution
// (B, a research institute) submits another. The enterprise sees both on the need page and the list,
// shortlists A and asks it a question, A answers; the enterprise does not select B (a reason is
// required, then given) and selects A, which opens a deal room (/deals/{id}) where it makes an offer.
// B sees "not selected" with the reason. The mails (DATA_DIR/outbox, no SMTP), a challenge closed
// through the database (no submit button, a submission refused), and the phone layout are checked too.
//
//   cd tests/e2e && node --test challenges.mjs
//   E2E_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --test challenges.mjs
//
// Environment: as listings.mjs (TECHMARKET_BIN, E2E_ARTIFACTS: screenshots C01-name.png and
// challenges-server.log, on PostgreSQL in pg/; CHROMIUM, E2E_KEEP_DATA, E2E_DATABASE_URL). SQLITE3
// (default sqlite3) names the SQLite shell used to read the database and to close a challenge.
//
// Like deals.mjs, this file prepares DATA_DIR (and the PostgreSQL database), runs seed-demo and
// starts the server itself, in the suite's state, so that the suite's stop(), pages, screenshots and
// clean-up on exit work as for the other files.
//
// Which accounts to use: the challenge is found on /demands?challenge=1 (one of the enterprise that
// seed-demo prints, when it has an open one); its owner and the second institution are looked up in
// the database (psql on PostgreSQL, the sqlite3 shell on SQLite; without one the tests fail: install
// it, ./test.sh does). The closed-challenge test moves a closing date into the past through it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  clickAndWait,
  createSuite,
  demoShell,
  logout,
  msg,
  notice,
  pathOf,
  PHONE,
  psql,
  quote,
  sideScroll,
  SQLITE3,
  text,
  submitExpecting,
} from './support.mjs';

const TEST_TIMEOUT = 240_000;
const SHOT_PREFIX = 'C';

const PROPOSAL_A = {
  title: '耦合分离工艺联合攻关揭榜方案',
  approach:
    '采用“吸附—膜分离—电渗析”耦合工艺路线：第一阶段完成实验室小试和关键工艺参数优化；\n第二阶段在企业现场建设中试装置并连续运行不少于1000小时；第三阶段形成成套技术方案和工程设计包。',
  team: '项目负责人：王建国教授（化工学院），团队共8人，其中高级职称4人、博士研究生3人。',
  milestones: '第1—6个月完成小试；第7—12个月完成中试装置建设与调试；第13—18个月完成示范运行与验收。',
  price: '180万',
  shown: '180万元',
};
const PROPOSAL_B = {
  title: '低能耗连续化工艺揭榜方案',
  approach: '以我所自主研发的连续化反应与在线检测平台为基础，结合企业现有产线开展工艺改造，分两期实施：先完成工艺包设计，再开展工业化验证。',
  team: '课题组长：李明研究员，骨干成员6人，长期从事相关工艺与装备研究。',
  milestones: '第1—4个月完成工艺包设计；第5—10个月完成工业化验证；第11—12个月完成技术总结和成果转化。',
  price: '150万',
  shown: '150万元',
};
/** The first, refused attempt: a too-short approach (< 20 characters) and a negative price. */
const BAD = { ...PROPOSAL_A, approach: '膜分离工艺', price: '-3万' };
const QUESTION = '请说明中试装置的处理规模和所需场地面积，以及贵方能否派驻技术人员全程参与。';
const ANSWER = '中试装置设计处理规模为每日5立方米，占地约200平方米；我方将派驻2名技术人员全程参与。';
const REASON = '贵所方案的中试周期较长，与我公司明年投产的计划不符。';
const OFFER = { price: '180万', shown: '180万元', terms: '合同签订后30日内支付30%，中试验收合格后支付余款70%' };

const suite = createSuite({
  name: 'challenges.mjs',
  shotPrefix: SHOT_PREFIX,
  logName: 'challenges-server.log',
  dataDirPrefix: 'techmarket-e2e-challenges-',
  state: {
    seedOutput: '',
    seed: null, // { password, accounts: [{ role, email, org }] }
    db: null, // 'psql' or 'sqlite3': where accounts are looked up
    challenge: null, // { id, title, org }
    closing: null, // another open challenge, closed in test 8: { id, title, org }
    owner: null, // { email, org }
    instA: null, // { email, org }
    instB: null, // { email, org }
    propA: null, // proposal id
    propB: null,
    dealId: null,
  },
});
const { state, newPage, shot, goto, login, needs, waitForMail } = suite;

// ---------------------------------------------------------------------------------------------
// The database: psql on PostgreSQL, the sqlite3 shell on SQLite.

function sqlite3(sql, readonly) {
  const file = join(state.dataDir, 'techmarket.sqlite3');
  const args = [...(readonly ? ['-readonly'] : []), '-batch', '-noheader', '-separator', '\t', '-cmd', '.timeout 10000', file, sql];
  const r = spawnSync(SQLITE3, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.status !== 0) throw new Error(`${SQLITE3} (${sql}) on ${file} failed (${r.status ?? r.error?.message}): ${r.stderr}`);
  return r.stdout;
}

/** Rows (arrays of strings) of a query. */
function query(sql) {
  let out;
  if (state.db === 'psql') out = psql(state.databaseUrl, sql, ['-A', '-t', '-F', '\t']);
  else if (state.db === 'sqlite3') out = sqlite3(sql, true);
  else throw new Error(`no database shell chosen for (${sql}): demoShell has not run`);
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** Runs a statement that writes (test 8 only). */
function execute(sql) {
  if (state.db === 'psql') psql(state.databaseUrl, sql);
  else if (state.db === 'sqlite3') sqlite3(sql, false);
  else throw new Error(`no database shell chosen for (${sql}): demoShell has not run`);
}

/** The kind of a demo organization and its user's e-mail address, by the organization's name. */
function orgAccount(name) {
  const rows = query(
    `SELECT o.kind, u.email FROM organizations o JOIN users u ON u.org_id = o.id WHERE o.name = ${quote(name)} ORDER BY u.id LIMIT 1`,
  );
  return rows.length ? { kind: rows[0][0], email: rows[0][1] } : null;
}

/** The first demo organization of `kind` outside the organizations named: { email, org }. */
function firstOfKind(kind, notNames) {
  const rows = query(
    `SELECT u.email, o.name FROM users u JOIN organizations o ON o.id = u.org_id WHERE o.kind = ${quote(kind)} AND o.name NOT IN (${notNames.map(quote).join(', ')}) ORDER BY u.id LIMIT 1`,
  );
  return rows.length ? { email: rows[0][0], org: rows[0][1] } : null;
}

/** The number of proposals in the database. */
function proposalCount() {
  return Number(query('SELECT COUNT(*) FROM proposals')[0][0]);
}

// ---------------------------------------------------------------------------------------------
// Page helpers.

/** Signs `page` out (if signed in) and in as `email`. */
async function signInAs(page, email) {
  if (await page.locator('header form[action="/logout"] button').count()) await logout(page);
  await login(page, email, state.seed.password);
}

const fmt = (key, ...args) => args.reduce((s, a, i) => s.split(`{${i}}`).join(a), msg(key));
const noBlanks = (s) => s.replace(/\s+/g, '');

/** The challenge panel of a need page (templates/listings/_challenge.html). */
const panel = (page, id) => ({
  section: page.locator('main section#proposals'),
  submit: page.locator(`main section#proposals a.button[href="/demands/${id}/proposals/new"]`),
  see: page.locator(`main section#proposals a.button[href="/demands/${id}/proposals"]`),
  yours: page.locator('main section#proposals a[href^="/proposals/"]'),
});

/** The parts of a proposal page (templates/challenges/proposal.html). */
const proposalPage = (page, id) => ({
  facts: page.locator('main dl.facts'),
  status: page.locator('main dl.facts dd').nth(2),
  decide: page.locator(`main form[action="/proposals/${id}/decide"]`),
  shortlist: page.locator(`main form[action="/proposals/${id}/decide"] button[value=shortlist]`),
  select: page.locator(`main form[action="/proposals/${id}/decide"] button[value=select]`),
  reject: page.locator(`main form[action="/proposals/${id}/decide"] button[value=reject]`),
  reason: page.locator('main #reason'),
  questionForm: page.locator(`main form[action="/proposals/${id}/questions"]`),
  messages: page.locator('main section#questions ul.messages > li.message'),
});

async function fillProposal(page, p) {
  await page.locator('#title').fill(p.title);
  await page.locator('#approach').fill(p.approach);
  await page.locator('#team').fill(p.team);
  await page.locator('#milestones').fill(p.milestones);
  await page.locator('#price').fill(p.price);
}

async function assertProposalKept(page, p) {
  for (const f of ['title', 'approach', 'team', 'milestones', 'price']) {
    assert.equal(await page.locator(`#${f}`).inputValue(), p[f], `the ${f} typed is not kept`);
  }
}

/** From the need page (signed in as an institution that may propose) to a submitted proposal. */
async function submitProposal(page, p, who) {
  const id = state.challenge.id;
  await goto(page, `/demands/${id}`);
  const pn = panel(page, id);
  assert.equal(await text(pn.section.locator('h2')), msg('proposals.title'));
  assert.equal(await text(pn.submit), msg('proposal.new'), `${who} is not offered to submit a proposal`);
  await clickAndWait(page, pn.submit);
  assert.equal(pathOf(page), `/demands/${id}/proposals/new`);
  assert.equal(await text(page.locator('main h1')), msg('proposal.new'));
  await fillProposal(page, p);
  await clickAndWait(page, page.locator(`main form[action="/demands/${id}/proposals"] button[type=submit]`));
  assert.match(pathOf(page), /^\/proposals\/\d+$/, `submitting lands on ${page.url()}: ${(await text(page.locator('main'))).slice(0, 500)}`);
  assert.equal(new URL(page.url()).searchParams.get('notice'), 'proposal_sent');
  const pid = Number(pathOf(page).split('/').pop());
  assert.equal(await notice(page), msg('notice.proposal_sent'));
  assert.equal(await text(page.locator('main h1')), p.title);
  const pp = proposalPage(page, pid);
  assert.equal(await text(pp.status), msg('proposal.status.submitted'));
  const facts = await text(pp.facts);
  for (const s of [who.org, p.shown]) assert.ok(facts.includes(s), `the proposal's facts lack ${s}: ${facts}`);
  const body = noBlanks(await text(page.locator('main section.panel').first()));
  for (const s of [p.approach, p.team, p.milestones]) assert.ok(body.includes(noBlanks(s)), `the proposal page lacks «${s.slice(0, 20)}…»`);
  assert.equal(await pp.decide.count(), 0, 'the proposer is offered to decide on its own proposal');
  assert.equal(await text(page.locator(`main a[href="/demands/${id}"]`)), `← ${state.challenge.title}`);
  return pid;
}

/** A local date `days` from today, YYYY-MM-DD (the server's `today()` is local). */
function localDate(days) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------

describe('techmarket open challenges (揭榜挂帅) on the demo market', { concurrency: 1 }, () => {
  let page; // one desktop browser, the users take turns (log out, log in)

  before(async () => {
    await suite.start({ seed: true });
    page = await newPage();
  });

  after(async () => {
    await suite.stop();
  });

  it('1. /demands?challenge=1 lists open challenges; one of a demo enterprise, its owner and two institutions are chosen', { timeout: TEST_TIMEOUT }, async (t) => {
    demoShell(state);

    // Every challenge card, page after page.
    const cards = [];
    let path = '/demands?challenge=1';
    for (let n = 0; path && n < 20; n++) {
      await goto(page, path);
      cards.push(
        ...(await page.locator('main ul.cards-list > li.listing-card').evaluateAll((lis) =>
          lis.map((li) => ({
            href: li.querySelector('h2 a')?.getAttribute('href'),
            title: li.querySelector('h2 a')?.textContent.trim(),
            challenge: li.classList.contains('challenge'),
            org: (li.querySelector('.meta')?.textContent || '').split('·')[0].trim(),
            open: !!li.querySelector('.meta .countdown'),
          })),
        )),
      );
      const next = page.locator('nav.pager a[rel=next]');
      path = (await next.count()) ? await next.getAttribute('href') : null;
    }
    assert.ok(cards.length > 0, 'the demo market lists no challenge');
    assert.ok(cards.every((c) => c.challenge), `/demands?challenge=1 lists a need that is not a challenge: ${JSON.stringify(cards.find((c) => !c.challenge))}`);
    const open = cards.filter((c) => c.open && /^\/demands\/\d+$/.test(c.href || ''));
    assert.ok(open.length >= 2, `fewer than two open challenges: ${JSON.stringify(cards)}`);

    // The printed demo enterprise's open challenge, if it has one; any other enterprise's otherwise.
    const printed = state.seed.accounts.find((a) => a.role === 'enterprise');
    const pick = open.find((c) => printed && c.org === printed.org) || open.find((c) => orgAccount(c.org)?.kind === 'enterprise');
    assert.ok(pick, `no open challenge of a demo enterprise among ${open.length}`);
    const owner = orgAccount(pick.org);
    assert.ok(owner && owner.kind === 'enterprise', `the challenge's organization ${pick.org} is not a demo enterprise: ${JSON.stringify(owner)}`);
    state.challenge = { id: Number(pick.href.split('/').pop()), title: pick.title, org: pick.org };
    state.owner = { email: owner.email, org: pick.org };
    const other = open.find((c) => c.href !== pick.href);
    state.closing = { id: Number(other.href.split('/').pop()), title: other.title, org: other.org };

    // A: a university (the institution seed-demo prints, when it is one); B: a research institute.
    const printedInst = state.seed.accounts.find((a) => a.role === 'institution');
    state.instA =
      printedInst && orgAccount(printedInst.org)?.kind === 'university'
        ? { email: printedInst.email, org: printedInst.org }
        : firstOfKind('university', []);
    assert.ok(state.instA, 'no demo university');
    state.instB = firstOfKind('research_institute', [state.instA.org]) || firstOfKind('university', [state.instA.org]);
    assert.ok(state.instB, 'no second demo institution');
    t.diagnostic(
      `challenge ${state.challenge.id} «${state.challenge.title}» of ${state.owner.org} (${state.owner.email}); ` +
        `A ${state.instA.email} (${state.instA.org}); B ${state.instB.email} (${state.instB.org}); ` +
        `to close: ${state.closing.id} «${state.closing.title}»; ${open.length} open of ${cards.length} challenges; accounts from ${state.db}`,
    );
    const rows = query(`SELECT is_challenge, status, challenge_closes_on FROM demands WHERE id = ${state.challenge.id}`);
    assert.ok(['1', 't', 'true'].includes(rows[0][0]) && rows[0][1] === 'published', JSON.stringify(rows));
    assert.ok(rows[0][2] >= localDate(0), `the chosen challenge closes on ${rows[0][2]}`);
    assert.equal(proposalCount(), 0, 'the demo market already holds proposals');

    // An anonymous visitor: the need page has the panel, no submit button.
    await goto(page, `/demands/${state.challenge.id}`);
    const pn = panel(page, state.challenge.id);
    assert.equal(await text(pn.section.locator('h2')), msg('proposals.title'));
    assert.equal(await pn.submit.count(), 0, 'an anonymous visitor is offered to submit a proposal');
    assert.equal(await pn.see.count(), 0, 'an anonymous visitor is offered the proposals');
    assert.ok((await text(page.locator('main .challenge-panel .countdown-big'))).startsWith(msg('demand.days_left').split('{0}')[0]));
    state.passed.add('chosen');
  });

  it('2. institution A: a too-short approach and -3万 are refused (kept, nothing stored), then the proposal is submitted', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'chosen')) return;
    const id = state.challenge.id;
    await signInAs(page, state.instA.email);
    await goto(page, `/demands/${id}`);
    const pn = panel(page, id);
    assert.equal(await text(pn.submit), msg('proposal.new'), `the university is not offered to submit: ${await text(pn.section)}`);
    assert.equal(await pn.see.count(), 0, 'a proposer is offered the list of all proposals');
    await clickAndWait(page, pn.submit);
    assert.equal(pathOf(page), `/demands/${id}/proposals/new`);
    assert.equal(await text(page.locator('main h1')), msg('proposal.new'));
    const explain = await text(page.locator('main h1 + p'));
    assert.ok(explain.includes(state.challenge.title), `the form does not name the challenge: ${explain}`);
    assert.equal(await page.locator('main .notice.warn').count(), 0);
    await fillProposal(page, BAD);
    await shot(page, 'proposal-form-zh');

    // Refused: 422, errors at the approach and the price, everything kept, nothing stored.
    await submitExpecting(page, page.locator(`main form[action="/demands/${id}/proposals"] button[type=submit]`), 422, `/demands/${id}/proposals`);
    assert.equal(await text(page.locator('main .notice.warn[role=alert]')), msg('err.form'));
    await page.locator('#approach-error').waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#approach-error')), fmt('err.too_short', '20'));
    const priceError = await text(page.locator('#price-error'));
    assert.ok(priceError.includes('负'), `the error for -3万 reads "${priceError}"`);
    assert.equal(await page.locator('main .field-error').count(), 2, `other fields are marked: ${await page.locator('main .field-error').allInnerTexts()}`);
    await assertProposalKept(page, BAD);
    assert.equal(await text(page.locator('main h1')), msg('proposal.new'));
    await shot(page, 'proposal-form-errors-zh');
    assert.equal(proposalCount(), 0, 'a proposal row was written for the refused form');
    await goto(page, `/demands/${id}`);
    assert.equal(await pn.yours.count(), 0, 'the refused proposal is shown as the university\'s');
    assert.equal(await pn.submit.count(), 1, 'the submit button is gone after a refused proposal');

    // The full proposal.
    state.propA = await submitProposal(page, PROPOSAL_A, state.instA);
    await shot(page, 'proposal-sent-zh');
    assert.equal(proposalCount(), 1);
    const rows = query(`SELECT status, price_fen, demand_id FROM proposals WHERE id = ${state.propA}`);
    assert.deepEqual(rows[0], ['submitted', '180000000', String(id)]);
    // The need page now links to the university's proposal and offers no second one.
    await goto(page, `/demands/${id}`);
    assert.equal(await text(pn.yours), msg('proposals.yours'));
    assert.equal(await pn.yours.getAttribute('href'), `/proposals/${state.propA}`);
    assert.equal(await pn.submit.count(), 0, 'the university is offered a second proposal');
    state.passed.add('proposedA');
  });

  it('3. institution B (a different organization) submits another proposal', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'proposedA')) return;
    await signInAs(page, state.instB.email);
    // B cannot see A's proposal.
    const peek = await page.request.get(`${state.base}/proposals/${state.propA}`);
    assert.equal(peek.status(), 404, `another institution opening A's proposal gets ${peek.status()}`);
    state.propB = await submitProposal(page, PROPOSAL_B, state.instB);
    assert.notEqual(state.propB, state.propA);
    assert.equal(proposalCount(), 2);
    state.passed.add('proposedB');
  });

  it('4. the enterprise sees both (need page, list with the undecided notice), shortlists A and asks it a question', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'proposedA', 'proposedB')) return;
    const id = state.challenge.id;
    await signInAs(page, state.owner.email);
    await goto(page, `/demands/${id}`);
    const pn = panel(page, id);
    assert.equal(await text(pn.see), fmt('proposals.see', '2'));
    assert.equal(await pn.submit.count(), 0, 'the enterprise is offered to answer its own challenge');
    await clickAndWait(page, pn.see);
    assert.equal(pathOf(page), `/demands/${id}/proposals`);
    assert.equal(await text(page.locator('main h1')), msg('proposals.title'));
    assert.equal(await notice(page), fmt('proposals.undecided', '2'));
    const rows = await page.locator('main table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ href: tr.querySelector('a')?.getAttribute('href'), cells: [...tr.querySelectorAll('td')].map((td) => td.innerText.replace(/\s+/g, ' ').trim()) })),
    );
    assert.deepEqual(
      rows,
      [
        { href: `/proposals/${state.propA}`, cells: [PROPOSAL_A.title, state.instA.org, PROPOSAL_A.shown, msg('proposal.status.submitted')] },
        { href: `/proposals/${state.propB}`, cells: [PROPOSAL_B.title, state.instB.org, PROPOSAL_B.shown, msg('proposal.status.submitted')] },
      ],
    );
    await shot(page, 'proposals-list-two-zh');

    // Shortlist A.
    await clickAndWait(page, page.locator(`main table a[href="/proposals/${state.propA}"]`));
    const pp = proposalPage(page, state.propA);
    assert.equal(await text(page.locator('main h2', { hasText: msg('proposal.decide') })), msg('proposal.decide'));
    assert.equal(await text(pp.shortlist), msg('proposal.shortlist'));
    assert.equal(await text(pp.select), msg('proposal.select'));
    assert.equal(await text(pp.reject), msg('proposal.reject'));
    assert.equal(await text(page.locator('main label[for=body]')), msg('proposal.ask'));
    assert.equal(await text(page.locator('main section#questions p.muted')), msg('proposal.no_questions'));
    await clickAndWait(page, pp.shortlist);
    assert.equal(pathOf(page), `/proposals/${state.propA}`);
    assert.equal(await text(pp.status), msg('proposal.status.shortlisted'));
    assert.equal(await pp.shortlist.count(), 0, 'a shortlisted proposal can be shortlisted again');
    assert.equal(await pp.select.count(), 1, 'a shortlisted proposal cannot be selected');

    // A question.
    await pp.questionForm.locator('#body').fill(QUESTION);
    await clickAndWait(page, pp.questionForm.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/proposals/${state.propA}`);
    assert.equal(new URL(page.url()).hash, '#questions');
    assert.equal(await pp.messages.count(), 1);
    const q = await text(pp.messages.first());
    assert.ok(q.includes(QUESTION) && q.includes(state.owner.org), `the question reads ${q}`);
    assert.equal(await pp.questionForm.locator('#body').inputValue(), '', 'the question box is not empty after sending');
    state.passed.add('asked');
  });

  it('5. institution A sees it is shortlisted and answers the question', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'asked')) return;
    await signInAs(page, state.instA.email);
    await goto(page, `/proposals/${state.propA}`);
    const pp = proposalPage(page, state.propA);
    assert.equal(await text(pp.status), msg('proposal.status.shortlisted'));
    assert.equal(await pp.decide.count(), 0, 'the proposer is offered the decision');
    assert.equal(await page.locator(`main a[href="/demands/${state.challenge.id}/proposals"]`).count(), 0, 'the proposer is offered the list of all proposals');
    assert.equal(await pp.messages.count(), 1);
    assert.ok((await text(pp.messages.first())).includes(QUESTION));
    assert.equal(await text(page.locator('main label[for=body]')), msg('proposal.answer'));
    await pp.questionForm.locator('#body').fill(ANSWER);
    await clickAndWait(page, pp.questionForm.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/proposals/${state.propA}`);
    assert.equal(await pp.messages.count(), 2);
    const a = await text(pp.messages.nth(1));
    assert.ok(a.includes(ANSWER) && a.includes(state.instA.org), `the answer reads ${a}`);
    await page.locator('main section#questions').scrollIntoViewIfNeeded();
    await shot(page, 'proposal-questions-zh');
    // The mails of the steps so far, to A: shortlisted, the question; to the enterprise: the answer.
    const title = state.challenge.title;
    await waitForMail(state.instA.email, (m) => noBlanks(m.subject) === noBlanks(fmt('mail.proposal_shortlisted.subject', title)), 'shortlisted');
    const qm = await waitForMail(state.instA.email, (m) => noBlanks(m.subject) === noBlanks(fmt('mail.proposal_question.subject', title)), 'question');
    assert.ok(qm.text.includes(QUESTION), `the question mail lacks the question:\n${qm.text}`);
    const am = await waitForMail(state.owner.email, (m) => noBlanks(m.subject) === noBlanks(fmt('mail.proposal_question.subject', title)), 'answer');
    assert.ok(am.text.includes(ANSWER), `the answer mail lacks the answer:\n${am.text}`);
    assert.ok(am.text.includes(`/proposals/${state.propA}`), `the answer mail has no link:\n${am.text}`);
    state.passed.add('answered');
  });

  it('6. the enterprise does not select B (a reason is required), selects A: the deal room opens and takes an offer', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'answered')) return;
    await signInAs(page, state.owner.email);
    await goto(page, `/proposals/${state.propA}`);
    const ppA = proposalPage(page, state.propA);
    assert.equal(await ppA.messages.count(), 2, 'the enterprise does not see the answer');
    assert.ok((await text(ppA.messages.nth(1))).includes(ANSWER));

    // B without a reason: refused, nothing changes.
    await goto(page, `/proposals/${state.propB}`);
    const ppB = proposalPage(page, state.propB);
    assert.equal(await text(ppB.status), msg('proposal.status.submitted'));
    assert.equal(await text(page.locator('main label[for=reason]')), msg('proposal.reject_reason'));
    await ppB.reason.fill('');
    await submitExpecting(page, ppB.reject, 422, `/proposals/${state.propB}/decide`);
    assert.equal(await text(page.locator('main .notice.warn[role=alert]')), msg('err.form'));
    await page.locator('#reason-error').waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#reason-error')), msg('err.reason_missing'));
    assert.equal(await text(ppB.status), msg('proposal.status.submitted'));
    await shot(page, 'proposal-reject-no-reason-zh');
    assert.equal(query(`SELECT status FROM proposals WHERE id = ${state.propB}`)[0][0], 'submitted');

    // …with a reason.
    await ppB.reason.fill(REASON);
    await clickAndWait(page, ppB.reject);
    assert.equal(pathOf(page), `/proposals/${state.propB}`);
    const statusB = await text(ppB.status);
    assert.ok(statusB.startsWith(msg('proposal.status.not_selected')), statusB);
    assert.ok(statusB.includes(REASON), `the reason is not shown: ${statusB}`);
    assert.equal(await ppB.decide.count(), 0, 'a decided proposal is still offered a decision');

    // Select A: the deal room, contacted, with the proposal's title.
    await goto(page, `/proposals/${state.propA}`);
    await clickAndWait(page, ppA.select);
    assert.match(pathOf(page), /^\/deals\/\d+$/, `selecting lands on ${page.url()}: ${(await text(page.locator('main'))).slice(0, 400)}`);
    state.dealId = Number(pathOf(page).split('/').pop());
    assert.equal(await text(page.locator('main h1')), msg('deal.room'));
    assert.equal(await text(page.locator('main dl.facts .deal-status')), msg('deal.status.contacted'));
    const facts = page.locator('main dl.facts');
    assert.equal(await text(facts.locator(`a[href="/proposals/${state.propA}"]`)), PROPOSAL_A.title);
    assert.equal(await text(facts.locator(`a[href="/demands/${state.challenge.id}"]`)), state.challenge.title);
    const factsText = await text(facts);
    for (const s of [state.owner.org, state.instA.org, msg('deal.waits_offer')]) assert.ok(factsText.includes(s), `the room's facts lack ${s}: ${factsText}`);
    const events = await page.locator('main ol.events > li').allInnerTexts();
    assert.equal(events.length, 1, `history: ${events}`);
    assert.ok(events[0].includes(msg('deal.action.selected')), `history: ${events}`);
    await shot(page, 'deal-room-selected-zh');

    // The room works: an offer.
    const form = page.locator(`main form[action="/deals/${state.dealId}/offers"]`);
    assert.equal(await form.count(), 1, 'the room has no offer form');
    await form.locator('#price').fill(OFFER.price);
    const modes = await form.locator('#coop_mode option').evaluateAll((os) => os.map((o) => o.value));
    const mode = modes.includes('commissioned_development') ? 'commissioned_development' : modes[0];
    await form.locator('#coop_mode').selectOption(mode);
    await form.locator('#payment_terms').fill(OFFER.terms);
    await clickAndWait(page, form.locator('button[type=submit]'));
    assert.equal(pathOf(page), `/deals/${state.dealId}`, `the offer lands on ${page.url()}: ${(await text(page.locator('main'))).slice(0, 400)}`);
    assert.equal(await text(page.locator('main dl.facts .deal-status')), msg('deal.status.negotiating'));
    const offers = page.locator('main #offers ol.offers > li.offer');
    assert.equal(await offers.count(), 1);
    const offer = await text(offers.first());
    for (const s of [OFFER.shown, OFFER.terms, msg(`mode.${mode}`), state.owner.org]) assert.ok(offer.includes(s), `the offer lacks ${s}: ${offer}`);
    await shot(page, 'deal-room-offer-zh');

    // The list: decided, no notice.
    await goto(page, `/demands/${state.challenge.id}/proposals`);
    assert.equal(await notice(page), '', 'the list still says proposals await a decision');
    const cells = await page.locator('main table tbody tr td:nth-child(4)').allInnerTexts();
    assert.equal(cells.length, 2);
    assert.equal(cells[0].trim(), msg('proposal.status.selected'));
    assert.ok(cells[1].startsWith(msg('proposal.status.not_selected')) && cells[1].includes(REASON), cells[1]);
    // A's proposal page links to the room.
    await goto(page, `/proposals/${state.propA}`);
    assert.ok((await text(ppA.status)).startsWith(msg('proposal.status.selected')));
    assert.equal(await text(page.locator(`main dl.facts a[href="/deals/${state.dealId}"]`)), msg('deal.room'));
    const rows = query(`SELECT proposal_id, status FROM deals WHERE id = ${state.dealId}`);
    assert.deepEqual(rows[0], [String(state.propA), 'negotiating']);
    state.passed.add('decided');
  });

  it('7. institution B sees "not selected" with the reason; A finds the deal room; the mails (DATA_DIR/outbox)', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'decided')) return;
    await signInAs(page, state.instB.email);
    await goto(page, `/proposals/${state.propB}`);
    const ppB = proposalPage(page, state.propB);
    const statusB = await text(ppB.status);
    assert.ok(statusB.startsWith(msg('proposal.status.not_selected')), statusB);
    assert.ok(statusB.includes(REASON), `B is not told why: ${statusB}`);
    assert.equal(await ppB.decide.count(), 0);
    await shot(page, 'proposal-not-selected-zh');
    // B has no deal room.
    const room = await page.request.get(`${state.base}/deals/${state.dealId}`);
    assert.equal(room.status(), 404, `B opening A's deal room gets ${room.status()}`);

    await signInAs(page, state.instA.email);
    await goto(page, `/proposals/${state.propA}`);
    await clickAndWait(page, page.locator(`main dl.facts a[href="/deals/${state.dealId}"]`));
    assert.equal(pathOf(page), `/deals/${state.dealId}`);
    assert.equal(await text(page.locator('main dl.facts .deal-status')), msg('deal.status.negotiating'));
    assert.equal(await page.locator('main #offers ol.offers > li.offer').count(), 1);

    const title = state.challenge.title;
    for (const [who, p] of [[state.instA, state.propA], [state.instB, state.propB]]) {
      const m = await waitForMail(state.owner.email, (x) => noBlanks(x.subject) === noBlanks(fmt('mail.proposal_submitted.subject', title, who.org)), `submitted by ${who.org}`);
      assert.ok(m.text.includes(`/proposals/${p}`), `the submitted mail has no link to /proposals/${p}:\n${m.text}`);
    }
    const rejected = await waitForMail(state.instB.email, (m) => noBlanks(m.subject) === noBlanks(fmt('mail.proposal_rejected.subject', title)), 'rejected');
    assert.ok(rejected.text.includes(REASON), `the rejection mail lacks the reason:\n${rejected.text}`);
    assert.ok(rejected.text.includes(`/proposals/${state.propB}`), `the rejection mail has no link:\n${rejected.text}`);
    const selected = await waitForMail(state.instA.email, (m) => noBlanks(m.subject) === noBlanks(fmt('mail.proposal_selected.subject', title)), 'selected');
    assert.ok(selected.text.includes(`/deals/${state.dealId}`), `the selection mail has no link to the room:\n${selected.text}`);
    const subjects = (to) => suite.readOutbox().filter((m) => m.to.includes(to)).map((m) => m.subject);
    t.diagnostic(`to the enterprise: ${subjects(state.owner.email).join(' | ')}`);
    t.diagnostic(`to A: ${subjects(state.instA.email).join(' | ')}`);
    t.diagnostic(`to B: ${subjects(state.instB.email).join(' | ')}`);
    assert.ok(!subjects(state.instB.email).some((s) => noBlanks(s) === noBlanks(fmt('mail.proposal_selected.subject', title))), 'B was told it is selected');
    assert.ok(!subjects(state.instA.email).some((s) => noBlanks(s) === noBlanks(fmt('mail.proposal_rejected.subject', title))), 'A was told it is not selected');
  });

  it('8. a challenge closed (its date moved into the past in the database) offers no submit button and refuses a proposal', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'chosen')) return;
    const ch = state.closing;
    const closed = localDate(-3);
    execute(`UPDATE demands SET challenge_closes_on = ${quote(closed)} WHERE id = ${ch.id}`);
    assert.equal(query(`SELECT challenge_closes_on FROM demands WHERE id = ${ch.id}`)[0][0], closed);
    await signInAs(page, state.instA.email);
    await goto(page, `/demands/${ch.id}`);
    const pn = panel(page, ch.id);
    assert.equal(await text(pn.section.locator('h2')), msg('proposals.title'));
    assert.ok((await text(pn.section)).includes(msg('proposals.closed')), `the panel reads ${await text(pn.section)}`);
    assert.equal(await pn.submit.count(), 0, 'a closed challenge offers the submit button');
    assert.equal(await page.locator('main a[href$="/proposals/new"]').count(), 0);
    const countdown = await text(page.locator('main .challenge-panel .countdown-big'));
    assert.ok(countdown.startsWith(msg('demand.closed')) && countdown.includes(closed), `the challenge panel reads ${countdown}`);
    await shot(page, 'challenge-closed-zh');

    // The form, opened by its address, is refused when sent.
    const before = proposalCount();
    await goto(page, `/demands/${ch.id}/proposals/new`);
    await fillProposal(page, PROPOSAL_A);
    await submitExpecting(page, page.locator(`main form[action="/demands/${ch.id}/proposals"] button[type=submit]`), 422, `/demands/${ch.id}/proposals`);
    assert.equal(await text(page.locator('#title-error')), fmt('err.challenge_closed', closed));
    await assertProposalKept(page, PROPOSAL_A);
    assert.equal(proposalCount(), before, 'a proposal to a closed challenge was stored');

    // The list of challenges says it is closed.
    await goto(page, '/demands?challenge=1');
    let card = page.locator('main li.listing-card', { has: page.locator(`h2 a[href="/demands/${ch.id}"]`) });
    for (let n = 0; !(await card.count()) && n < 20 && (await page.locator('nav.pager a[rel=next]').count()); n++) {
      await clickAndWait(page, page.locator('nav.pager a[rel=next]'));
      card = page.locator('main li.listing-card', { has: page.locator(`h2 a[href="/demands/${ch.id}"]`) });
    }
    assert.equal(await card.count(), 1, `the closed challenge ${ch.id} is not listed`);
    assert.ok((await text(card.locator('.meta'))).includes(msg('demand.closed')), await text(card.locator('.meta')));
    assert.equal(await card.locator('.countdown').count(), 0);
  });

  it('9. the proposal page fits a phone (390 px) without sideways scrolling', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!needs(t, 'proposedA')) return;
    const phone = await newPage({ viewport: PHONE, phone: true });
    await login(phone, state.instA.email, state.seed.password);
    await goto(phone, `/proposals/${state.propA}`);
    await shot(phone, 'phone-proposal-zh');
    const wide = await sideScroll(phone, `/proposals/${state.propA}`);
    // The form and the need page: reported, not required.
    for (const p of [`/demands/${state.challenge.id}`, `/demands/${state.closing.id}/proposals/new`]) {
      await goto(phone, p);
      const w = await sideScroll(phone, p);
      if (w) t.diagnostic(`phone: ${w}`);
    }
    await phone.context().close();
    assert.equal(wide, null, `the proposal page scrolls sideways on a phone:\n${wide}`);
  });

  it('10. no console errors, CSP violations or server errors on the way', { timeout: TEST_TIMEOUT }, async () => {
    assert.deepEqual(state.problems, []);
  });
});
