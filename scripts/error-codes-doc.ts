import { readFileSync, writeFileSync } from 'node:fs';
import { ERROR_CODES } from '../processors/errors/codes.js';
import { projectPath } from '../processors/util/project-path.js';

const START = '<!-- error-codes:start -->';
const END = '<!-- error-codes:end -->';

/** The README's error-code table, generated from the one list of codes. */
export function errorCodesTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, e]) => `| \`${code}\` | ${e.retry ? 'yes' : 'no'} | ${e.doc} |`);
  return ['| code | retry helps | meaning |', '|---|---|---|', ...rows].join('\n');
}

export function renderReadme(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error('README lacks the error-codes markers');
  return `${readme.slice(0, a + START.length)}\n${errorCodesTable()}\n${readme.slice(b)}`;
}

if (process.argv[1]?.endsWith('error-codes-doc.js')) {
  const file = projectPath('README.md');
  writeFileSync(file, renderReadme(readFileSync(file, 'utf8')));
}
