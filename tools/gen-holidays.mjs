#!/usr/bin/env node
// Generates server/data/holidays.tsv (China's official working-day calendar, embedded by
// server/workdays.rs) from the npm package `chinese-days`.
//
// Usage: node tools/gen-holidays.mjs [NODE_MODULES_DIR] [OUTPUT]
//   NODE_MODULES_DIR  folder holding chinese-days/ (default: tests/e2e/node_modules
//                     under the repository root; a relative path is taken from the
//                     current directory)
//   OUTPUT            file to write (default: server/data/holidays.tsv under the
//                     repository root; "-" writes to standard output)
//
// Source files read: chinese-days/package.json (version) and
// chinese-days/dist/chinese-days.json, whose `holidays` and `workdays` objects map
// "YYYY-MM-DD" to "English name,中文名,days" following the 国务院办公厅 notices on
// holiday arrangements (关于…部分节假日安排的通知). Its `inLieuDays` (which days of a
// break are 调休 days in lieu) are not needed for counting working days and are not
// written. What this script does with the data:
//   * only years from FIRST_YEAR on are written;
//   * a `holidays` date becomes a `holiday` line: every day off of a break, the weekend
//     days inside it included;
//   * a `workdays` date becomes a `workday` line: a Saturday or Sunday made a working day
//     (调休上班), named after the holiday it makes up for; a weekday there is refused, since
//     it would mean nothing (weekdays are working days anyway);
//   * names are the Chinese ones, with the package's short forms 清明 / 端午 / 中秋 spelt
//     as the notices spell them (清明节, 端午节, 中秋节);
//   * a date both a holiday and a working day, an invalid date or an unusable name is an
//     error.
// Output: a # comment block, then `YYYY-MM-DD<TAB>holiday|workday<TAB>name` sorted by date.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIRST_YEAR = 2020;
const OFFICIAL_NAMES = { 清明: '清明节', 端午: '端午节', 中秋: '中秋节' };

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const modulesDir = process.argv[2]
  ? resolve(process.argv[2])
  : join(repoRoot, 'tests', 'e2e', 'node_modules');
const output = process.argv[3] ?? join(repoRoot, 'server', 'data', 'holidays.tsv');

const pkgDir = join(modulesDir, 'chinese-days');
const readJson = (rel) => JSON.parse(readFileSync(join(pkgDir, rel), 'utf8'));

function fail(message) {
  process.stderr.write(`gen-holidays: ${message}\n`);
  process.exit(1);
}

let pkg, data;
try {
  pkg = readJson('package.json');
  data = readJson('dist/chinese-days.json');
} catch (err) {
  fail(`cannot read chinese-days from ${modulesDir}: ${err.message}`);
}
if (typeof data?.holidays !== 'object' || typeof data?.workdays !== 'object') {
  fail('dist/chinese-days.json has no `holidays` / `workdays` objects');
}

// Day of the week of a YYYY-MM-DD date (0 = Sunday), or null when it is no real date.
function weekday(date) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const d = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date ? null : d.getUTCDay();
}

function chineseName(date, value) {
  const parts = typeof value === 'string' ? value.split(',') : [];
  if (parts.length !== 3) fail(`${date}: unexpected entry ${JSON.stringify(value)}`);
  const name = parts[1].trim();
  if (name === '' || /[\t\r\n]/.test(name)) fail(`${date}: unusable name ${JSON.stringify(value)}`);
  return OFFICIAL_NAMES[name] ?? name;
}

const rows = new Map(); // date -> { kind, name }
for (const [source, kind] of [
  ['holidays', 'holiday'],
  ['workdays', 'workday'],
]) {
  for (const [date, value] of Object.entries(data[source])) {
    const day = weekday(date);
    if (day === null) fail(`${source}: invalid date ${JSON.stringify(date)}`);
    if (Number(date.slice(0, 4)) < FIRST_YEAR) continue;
    if (kind === 'workday' && day !== 0 && day !== 6) fail(`${date}: make-up working day on a weekday`);
    if (rows.has(date)) fail(`${date}: both a holiday and a make-up working day`);
    rows.set(date, { kind, name: chineseName(date, value) });
  }
}
if (rows.size === 0) fail(`no dates from ${FIRST_YEAR} on`);

const dates = [...rows.keys()].sort();
const lastYear = dates[dates.length - 1].slice(0, 4);
const lines = [
  "# China's official working-day calendar: the 国务院办公厅 holiday arrangements for",
  `# ${FIRST_YEAR}-${lastYear}. \`holiday\`: a day off of a statutory holiday break (法定节假日, the`,
  '# weekend days inside a break included); `workday`: a Saturday or Sunday that is a',
  '# make-up working day (调休上班), named after the holiday it makes up for. Any date not',
  '# listed: Monday-Friday are working days, Saturday and Sunday are not.',
  `# Generated from the npm package chinese-days@${pkg.version} (dist/chinese-days.json) by`,
  '# tools/gen-holidays.mjs; do not edit. Regenerate (after `npm install` in tests/e2e):',
  '#   node tools/gen-holidays.mjs',
  '# Format: YYYY-MM-DD<TAB>holiday|workday<TAB>name, sorted by date.',
];
for (const date of dates) {
  const { kind, name } = rows.get(date);
  lines.push(`${date}\t${kind}\t${name}`);
}
const text = lines.join('\n') + '\n';

if (output === '-') {
  process.stdout.write(text);
} else {
  mkdirSync(dirname(resolve(output)), { recursive: true });
  writeFileSync(output, text);
  const holidays = dates.filter((d) => rows.get(d).kind === 'holiday').length;
  process.stderr.write(
    `gen-holidays: wrote ${holidays} holidays and ${dates.length - holidays} make-up working days ` +
      `(${FIRST_YEAR}-${lastYear}) to ${output}\n`,
  );
}
