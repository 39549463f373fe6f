import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findUp } from '../paths.js';
import { configTable } from './config-docs.js';

describe('the README configuration reference', () => {
  it('is the table the config schema produces (regenerate: node -e "import(\'./apps/hub/dist/src/config/config-docs.js\').then(m => console.log(m.configTable()))")', () => {
    const readme = readFileSync(findUp('README.md')!, 'utf8');
    expect(readme).toContain(configTable());
  });
});
