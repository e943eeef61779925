/**
 * The deployment files (docker-compose.yml, Dockerfile, deploy/k8s) are checked without Docker or
 * a cluster, with the same checks as `npm run check:deploy` (deploy-checks.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  checkCompose,
  checkDeployFiles,
  checkK8s,
  diskFiles,
  formatReport,
  loadK8sDocuments,
  parseCompose,
  selectorMatches,
  type DeployReport,
  type K8sDocument,
  type RepoFiles,
} from './deploy-checks';

const root = path.resolve(__dirname, '../../..');
const files = diskFiles(root);

/** An in-memory repository: `files` maps paths to contents; folders are implied. */
function memoryFiles(contents: Record<string, string>): RepoFiles {
  const norm = (p: string) => p.replace(/\/+$/, '').replace(/^\.\/?/, '');
  const isDirectory = (p: string) => {
    const dir = norm(p);
    return dir === '' || Object.keys(contents).some((f) => f.startsWith(`${dir}/`));
  };
  return {
    exists: (p) => norm(p) in contents || isDirectory(p),
    isDirectory,
    read: (p) => {
      const text = contents[norm(p)];
      if (text === undefined) throw new Error(`no file ${p}`);
      return text;
    },
    list: (p) => {
      const dir = norm(p);
      const prefix = dir === '' ? '' : `${dir}/`;
      return [...new Set(Object.keys(contents).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0]!))].sort();
    },
  };
}

const clone = <T>(v: T): T => structuredClone(v);
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the deployment files of this repository', () => {
  let report: DeployReport;
  beforeAll(() => {
    report = checkDeployFiles(root);
  });

  it('pass every check: schemas, depends_on, healthchecks, selectors, probe ports, kustomization, NATS cluster', () => {
    // On failure the whole report is printed: it names file, resource and field.
    expect(report.problems).toEqual([]);
    expect(report.composeServices.length).toBeGreaterThan(0);
    expect(report.k8sResources.length).toBeGreaterThan(0);
  });

  it('run only files that exist in the repository', () => {
    const missing = report.missingFiles.map((m) => `${m.path} <- ${m.referencedBy.join('; ')}`);
    expect(missing).toEqual([]);
  });

  it('map every compose service and Kubernetes workload that runs an app to a directory under apps/', () => {
    expect(report.apps.map((a) => a.name)).toEqual(expect.arrayContaining(['relay', 'catalog', 'engine-gateway', 'auction', 'capi-ingest', 'claims', 'delivery-optimizer', 'api-gateway']));
    const withoutDirectory = report.apps
      .filter((a) => !(existsSync(path.join(root, 'apps', a.name)) && statSync(path.join(root, 'apps', a.name)).isDirectory()))
      .map((a) => `apps/${a.name}/ <- ${a.referencedBy.join('; ')}`);
    expect(withoutDirectory).toEqual([]);
  });

  it('formats a report that ends in OK or FAILED', () => {
    expect(formatReport(report)).toMatch(/check:deploy (OK|FAILED)/);
  });

  it('is what `npm run check:deploy` reports, exiting 1 exactly when something is wrong', () => {
    const run = spawnSync(process.execPath, ['scripts/check-deploy.mjs', '--json'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(report);
    expect(run.status).toBe(report.problems.length === 0 && report.missingFiles.length === 0 ? 0 : 1);
  });
});

describe('what the deployment files define', () => {
  const compose = parseCompose(files.read('docker-compose.yml')).doc as Obj;
  const k8s = loadK8sDocuments(files).documents;
  const resource = (kind: string, name: string) => k8s.find((d) => (d.doc as Obj).kind === kind && (d.doc as Obj).metadata?.name === name)?.doc as Obj | undefined;

  it('compose: postgres and NATS JetStream with healthchecks; migrate runs once before relay and catalog', () => {
    const s = compose.services as Obj;
    expect(Object.keys(s).sort()).toEqual(['api-gateway', 'auction', 'capi-ingest', 'catalog', 'claims', 'delivery-optimizer', 'engine-gateway', 'migrate', 'nats', 'postgres', 'relay']);
    expect(s.postgres.image).toBe('postgres:16');
    expect(JSON.stringify(s.postgres.healthcheck.test)).toContain('pg_isready');
    expect(s.nats.image).toMatch(/^nats:2\.10/);
    expect(s.nats.command).toEqual(expect.arrayContaining(['-js', '-sd', '/data', '-m', '8222']));
    expect(JSON.stringify(s.nats.healthcheck.test)).toContain('8222/healthz?js-enabled-only=true');
    expect(s.migrate.command).toEqual(['npm', 'run', 'migrate']);
    expect(s.catalog.environment.OUTCOMES_SECRETS_KEY).toMatch(/^\$\{OUTCOMES_SECRETS_KEY:\?/);
    expect(s['api-gateway'].environment.OUTCOMES_OPERATOR_KEY).toMatch(/^\$\{OUTCOMES_OPERATOR_KEY:\?/);
    expect(s['api-gateway'].ports).toEqual(['127.0.0.1:${OUTCOMES_API_PORT:-3000}:3000']);
    for (const svc of ['relay', 'catalog', 'engine-gateway', 'auction', 'capi-ingest', 'claims', 'delivery-optimizer', 'api-gateway']) {
      expect(s[svc].build.dockerfile).toBe('Dockerfile');
      expect(s[svc].command).toEqual(['node', '-r', '@swc-node/register', `apps/${svc}/src/main.ts`]);
      expect(s[svc].depends_on.migrate).toEqual({ condition: 'service_completed_successfully' });
      expect(Object.keys(s[svc].environment)).toEqual(expect.arrayContaining(['DATABASE_URL', 'NATS_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'METRICS_PORT']));
    }
  });

  it('kubernetes: relay, catalog and api-gateway run 2 replicas with health probes, metrics on 9464 and outcomes-config', () => {
    const secretOf = (name: string, env: string) =>
      resource('Deployment', name)!.spec.template.spec.containers[0].env.find((e: Obj) => e.name === env)?.valueFrom?.secretKeyRef;
    expect(secretOf('catalog', 'OUTCOMES_SECRETS_KEY')).toEqual({ name: 'outcomes-keys', key: 'OUTCOMES_SECRETS_KEY' });
    expect(secretOf('engine-gateway', 'OUTCOMES_SECRETS_KEY')).toEqual({ name: 'outcomes-keys', key: 'OUTCOMES_SECRETS_KEY' });
    expect(secretOf('api-gateway', 'OUTCOMES_OPERATOR_KEY')).toEqual({ name: 'outcomes-keys', key: 'OUTCOMES_OPERATOR_KEY' });
    expect(resource('Service', 'api-gateway')!.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
    for (const name of ['relay', 'catalog', 'engine-gateway', 'auction', 'capi-ingest', 'claims', 'delivery-optimizer', 'api-gateway']) {
      const d = resource('Deployment', name);
      expect(d).toBeDefined();
      expect(d!.metadata.namespace).toBe('outcomes');
      expect(d!.spec.replicas).toBe(2);
      const pod = d!.spec.template;
      expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464' });
      const c = pod.spec.containers[0];
      expect(c.args).toEqual(['node', '-r', '@swc-node/register', `apps/${name}/src/main.ts`]);
      expect(c.ports).toEqual(expect.arrayContaining([{ name: 'health', containerPort: 8080 }, { name: 'metrics', containerPort: 9464 }]));
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'outcomes-config' } }]);
      expect(c.env).toEqual(expect.arrayContaining([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'outcomes-db', key: 'DATABASE_URL' } } }]));
      expect(c.resources.requests).toBeDefined();
      expect(c.resources.limits).toBeDefined();
    }
    expect(resource('ConfigMap', 'outcomes-config')!.data).toMatchObject({ NATS_URL: 'nats://nats:4222', HEALTH_PORT: '8080', METRICS_PORT: '9464' });
    expect(resource('Job', 'migrate')!.spec.template.spec.containers[0].args).toEqual(['npm', 'run', 'migrate']);
    expect(resource('Namespace', 'outcomes')).toBeDefined();
  });

  it('kubernetes: NATS is a 3-node JetStream StatefulSet with a headless Service and a volume per node', () => {
    const sts = resource('StatefulSet', 'nats')!;
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBeDefined();
    expect(resource('Service', sts.spec.serviceName)!.spec.clusterIP).toBe('None');
    const conf: string = resource('ConfigMap', 'nats-config')!.data['nats.conf'];
    expect(conf).toMatch(/jetstream\s*\{/);
    expect(conf).toMatch(/cluster\s*\{/);
  });
});

describe('the checks report broken deployment files', () => {
  const pristine = loadK8sDocuments(files).documents;
  const problemsOf = (docs: readonly K8sDocument[], repo: RepoFiles = files) => checkK8s(docs, repo).findings.problems;
  /** The repository's documents with one resource changed by `edit`. */
  const withEdit = (kind: string, name: string, edit: (doc: Obj) => void): K8sDocument[] =>
    pristine.map((d) => {
      const doc = d.doc as Obj;
      if (doc.kind !== kind || doc.metadata?.name !== name) return d;
      const copy = clone(doc);
      edit(copy);
      return { file: d.file, doc: copy };
    });

  it('finds nothing wrong in the unchanged manifests (so each problem below comes from its edit)', () => {
    expect(problemsOf(pristine)).toEqual([]);
  });

  it('a Deployment whose selector does not match its pod labels', () => {
    const docs = withEdit('Deployment', 'catalog', (d) => {
      d.spec.selector.matchLabels['app.kubernetes.io/name'] = 'catalogue';
    });
    const problems = problemsOf(docs);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/Deployment\/catalog: spec\.selector .* does not match its pod template labels/)]));
    // The PodDisruptionBudget still selects the pods: only the Deployment is reported.
    expect(problems.filter((p) => p.includes('PodDisruptionBudget'))).toEqual([]);
  });

  it('a hand-written Deployment object with a selector mismatch, with no other file around', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'broken' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'broken' } },
        template: {
          metadata: { labels: { app: 'something-else' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx:1.27',
                ports: [{ name: 'http', containerPort: 80 }],
                livenessProbe: { httpGet: { path: '/', port: 'http' } },
                readinessProbe: { httpGet: { path: '/', port: 'http' } },
                resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
              },
            ],
          },
        },
      },
    };
    const problems = checkK8s([{ file: 'broken.yaml', doc: deployment }], memoryFiles({ 'package.json': '{}' })).findings.problems;
    expect(problems).toContain(
      'broken.yaml: Deployment/broken: spec.selector {"matchLabels":{"app":"broken"}} does not match its pod template labels {"app":"something-else"}',
    );
  });

  it('a Service that selects no pods, and a targetPort no container has', () => {
    const noPods = problemsOf(withEdit('Service', 'nats', (s) => (s.spec.selector = { 'app.kubernetes.io/name': 'natz' })));
    expect(noPods).toEqual(expect.arrayContaining([expect.stringMatching(/Service\/nats: selector .* matches no workload's pod labels/)]));
    const badPort = problemsOf(withEdit('Service', 'nats', (s) => (s.spec.ports[0].targetPort = 'clients')));
    expect(badPort).toEqual(expect.arrayContaining([expect.stringMatching(/Service\/nats: port client: targetPort clients is not a container port of StatefulSet\/nats/)]));
  });

  it('a probe on a port the container does not declare', () => {
    const docs = withEdit('Deployment', 'relay', (d) => (d.spec.template.spec.containers[0].readinessProbe.httpGet.port = 'healthz'));
    expect(problemsOf(docs)).toEqual(expect.arrayContaining([expect.stringMatching(/Deployment\/relay container relay: readinessProbe uses port "healthz", which is not one of its container ports/)]));
  });

  it('a Deployment without probes or resources', () => {
    const docs = withEdit('Deployment', 'catalog', (d) => {
      const c = d.spec.template.spec.containers[0];
      delete c.livenessProbe;
      delete c.resources;
    });
    const problems = problemsOf(docs);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/catalog: has no livenessProbe/), expect.stringMatching(/catalog: has no resources\.limits\.memory/)]));
  });

  it('a value of the wrong type (Kubernetes schema) and a resource without a name', () => {
    const typed = problemsOf(withEdit('Deployment', 'relay', (d) => (d.spec.replicas = 'two')));
    expect(typed).toEqual(expect.arrayContaining([expect.stringMatching(/Deployment\/relay\.spec\.replicas: must be integer \(Kubernetes schema\)/)]));
    const unnamed = problemsOf(withEdit('ConfigMap', 'outcomes-config', (c) => delete c.metadata.name));
    expect(unnamed).toEqual(expect.arrayContaining([expect.stringMatching(/outcomes-config\.yaml: ConfigMap has no metadata\.name/)]));
  });

  it('a NATS cluster of 1 without JetStream', () => {
    let docs = withEdit('StatefulSet', 'nats', (s) => (s.spec.replicas = 1));
    docs = docs.map((d) =>
      (d.doc as Obj).kind === 'ConfigMap' && (d.doc as Obj).metadata.name === 'nats-config'
        ? { file: d.file, doc: { ...(d.doc as Obj), data: { 'nats.conf': String((d.doc as Obj).data['nats.conf']).replace(/jetstream \{[^}]*\}/, '') } } }
        : d,
    );
    const problems = problemsOf(docs);
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/NATS cluster needs spec\.replicas 3 \(has 1\)/), expect.stringMatching(/NATS has JetStream off/), expect.stringMatching(/no store_dir/)]),
    );
  });

  it('a ConfigMap that is used but not defined, and an undocumented Secret', () => {
    const docs = withEdit('Deployment', 'catalog', (d) => {
      const c = d.spec.template.spec.containers[0];
      c.envFrom = [{ configMapRef: { name: 'catalog-config' } }];
      c.env.push({ name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'catalog-keys', key: 'API_KEY' } } });
    });
    const problems = problemsOf(docs);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/uses ConfigMap "catalog-config", which these manifests do not define/),
        expect.stringMatching(/uses Secret "catalog-keys", which these manifests do not define/),
        expect.stringMatching(/does not take its settings from ConfigMap outcomes-config/),
      ]),
    );
  });

  it('a manifest the kustomization does not list, and a listed file that does not exist', () => {
    const repo = memoryFiles({
      'package.json': '{}',
      'deploy/k8s/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace.yaml\n  - gone.yaml\n',
      'deploy/k8s/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: outcomes\n',
      'deploy/k8s/forgotten.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: forgotten\n  namespace: outcomes\n',
    });
    const loaded = loadK8sDocuments(repo);
    expect(loaded.findings.problems).toEqual([]);
    const problems = checkK8s(loaded.documents, repo).findings.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/kustomization\.yaml: does not list forgotten\.yaml/),
        expect.stringMatching(/kustomization\.yaml: resources lists gone\.yaml, which does not exist/),
      ]),
    );
  });

  it('compose: an unknown depends_on target, a postgres without healthcheck, a command that runs a missing file', () => {
    const compose = parseCompose(files.read('docker-compose.yml')).doc as Obj;
    const broken = clone(compose);
    delete broken.services.postgres.healthcheck;
    broken.services.catalog.depends_on.redis = { condition: 'service_started' };
    broken.services.catalog.command = ['node', '-r', '@swc-node/register', 'apps/no-such-app/src/main.ts'];
    broken.services.relay.healthchek = broken.services.relay.healthcheck;
    const { findings } = checkCompose(broken, files);
    expect(findings.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/services\.catalog: depends_on "redis", which is not a service of this file/),
        expect.stringMatching(/services\.postgres: postgres needs a healthcheck/),
        expect.stringMatching(/services\.relay: waits for postgres to be healthy, but postgres has no healthcheck/),
        expect.stringMatching(/services\.relay: must NOT have additional properties "healthchek" \(compose spec\)/),
      ]),
    );
    expect(findings.missingFiles()).toEqual(expect.arrayContaining([{ path: 'apps/no-such-app/src/main.ts', referencedBy: ['compose service catalog'] }]));
    expect(findings.apps().map((a) => a.name)).toContain('no-such-app');
  });

  it('compose: a npm script that does not exist and a YAML syntax error', () => {
    const compose = parseCompose(files.read('docker-compose.yml')).doc as Obj;
    const broken = clone(compose);
    broken.services.migrate.command = 'npm run migrate-all';
    expect(checkCompose(broken, files).findings.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/compose service migrate: runs "npm run migrate-all" but package.json has no script "migrate-all"/)]),
    );
    expect(parseCompose('services:\n  a: [unclosed\n').findings.problems).toEqual([expect.stringMatching(/^docker-compose\.yml: YAML: /)]);
  });

  it('label selectors: matchLabels and matchExpressions', () => {
    const labels = { app: 'relay', tier: 'backend' };
    expect(selectorMatches({ matchLabels: { app: 'relay' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'catalog' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  });
});
