#!/usr/bin/env node
// Runs one benchmark: `npm run bench -- <name> [args...]`, e.g. `npm run bench -- event-store --quick`.
// `<name>` is `bench/<name>.bench.ts` (or `bench/<name>.ts`); with no name, lists the benchmarks.
// TypeScript runs through @swc-node/register with the repository's tsconfig paths, so
// `@outcomes/*` imports resolve to the libraries' sources (they also resolve through the
// workspace symlinks in node_modules).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');

const list = () =>
  readdirSync(benchDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('_') && !f.endsWith('.spec.ts'))
    .map((f) => f.replace(/(\.bench)?\.ts$/, ''))
    .sort();

const [name, ...args] = process.argv.slice(2);

if (!name || name === '--list' || name === '-h' || name === '--help') {
  console.log('usage: npm run bench -- <name> [--quick] [args...]\n\nbenchmarks:');
  for (const b of list()) console.log(`  ${b}`);
  process.exit(0);
}

const file = [join(benchDir, `${name}.bench.ts`), join(benchDir, `${name}.ts`)].find((f) => existsSync(f));
if (!file) {
  console.error(`no benchmark "${name}"; available: ${list().join(', ')}`);
  process.exit(2);
}

const child = spawn(process.execPath, ['-r', '@swc-node/register', relative(root, file), ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SWC_NODE_PROJECT: process.env.SWC_NODE_PROJECT ?? join(root, 'tsconfig.base.json') },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
