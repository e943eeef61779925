#!/usr/bin/env node
// Builds the SDK for any Node 20 project: dist/esm (ES modules), dist/cjs (CommonJS), dist/types.
// `node build.mjs [outDir]`; the SDK has no dependencies, so each build is its sources alone.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, 'dist'));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const common = ['--strict', '--target', 'ES2022', '--lib', 'ES2023,DOM', '--skipLibCheck', '--rootDir', join(here, 'src'), join(here, 'src/index.ts')];

rmSync(out, { recursive: true, force: true });
const run = (args) => {
  const r = spawnSync(process.execPath, [tsc, ...common, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(['--module', 'ES2022', '--moduleResolution', 'bundler', '--outDir', join(out, 'esm')]);
run(['--module', 'CommonJS', '--moduleResolution', 'node10', '--outDir', join(out, 'cjs')]);
run(['--declaration', '--emitDeclarationOnly', '--module', 'ES2022', '--moduleResolution', 'bundler', '--outDir', join(out, 'types')]);
// Each folder says how its .js files are to be read.
mkdirSync(join(out, 'esm'), { recursive: true });
writeFileSync(join(out, 'esm/package.json'), '{ "type": "module" }\n');
writeFileSync(join(out, 'cjs/package.json'), '{ "type": "commonjs" }\n');
console.log(`built @outcomes/sdk into ${out}`);
