import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../processors/util/project-path.js';
import { renderReadme } from '../../scripts/error-codes-doc.js';

describe('README error codes', () => {
  it('documents exactly the codes of processors/errors/codes.ts (regenerate: node dist/scripts/error-codes-doc.js)', () => {
    const readme = readFileSync(projectPath('README.md'), 'utf8');
    expect(renderReadme(readme)).toBe(readme);
  });
});
