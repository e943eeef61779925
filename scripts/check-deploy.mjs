#!/usr/bin/env node
// Checks docker-compose.yml and the Kubernetes manifests under deploy/k8s without Docker or a
// cluster: schemas (Compose spec, Kubernetes OpenAPI) and cross-references (files a service runs,
// depends_on, selectors, probe ports, ConfigMaps, the kustomization's file list, the NATS cluster).
// The checks live in libs/testing/src/deploy-checks.ts, shared with deploy-files.spec.ts; this
// script loads that TypeScript through @swc-node/register. Exit code 1 when anything is wrong.
//
//   npm run check:deploy            report and exit 0/1
//   npm run check:deploy -- --json  the report as JSON
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.env.SWC_NODE_PROJECT ??= path.join(root, 'tsconfig.json');
const require = createRequire(import.meta.url);
require('@swc-node/register');
const { checkDeployFiles, formatReport } = require(path.join(root, 'libs/testing/src/deploy-checks.ts'));

const report = checkDeployFiles(root);
if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
else console.log(formatReport(report));
process.exitCode = report.problems.length === 0 && report.missingFiles.length === 0 ? 0 : 1;
