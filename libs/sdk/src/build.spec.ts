import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The published shape: an ES module build, a CommonJS build and type declarations, each usable from plain Node 20. */
describe('the SDK build', () => {
  const out = mkdtempSync(join(tmpdir(), 'outcomes-sdk-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds ESM, CommonJS and types that plain Node loads', () => {
    const build = spawnSync(process.execPath, [join(__dirname, '../build.mjs'), out], { encoding: 'utf8' });
    expect(build.status).toBe(0);
    expect(existsSync(join(out, 'types/index.d.ts'))).toBe(true);
    const cjs = spawnSync(process.execPath, ['-e', `const sdk = require(${JSON.stringify(join(out, 'cjs/index.js'))}); console.log(typeof sdk.OutcomesClient, typeof sdk.OutcomesError)`], { encoding: 'utf8' });
    expect(cjs.stdout.trim()).toBe('function function');
    const esm = spawnSync(process.execPath, ['--input-type=module', '-e', `const sdk = await import(${JSON.stringify(join(out, 'esm/index.js'))}); console.log(typeof sdk.OutcomesClient)`], { encoding: 'utf8' });
    expect(esm.stdout.trim()).toBe('function');
  }, 60_000);
});
