import { once } from 'node:events';
import { promisify } from 'node:util';
import { createGzip, gunzip } from 'node:zlib';
import { WrongExpectedVersionError, type AppendWrites, type EventStore } from '@outcomes/event-store';
import type { PoolClient } from 'pg';
import { withTransaction } from './transaction';

const gunzipAsync = promisify(gunzip);

/** What a service knows of one aggregate kind: its stream category and how its state folds. */
export interface AggregateKind<S, E extends { readonly type: string; readonly data: unknown }> {
  readonly category: string;
  initialState(): S;
  evolve(state: S, event: E): S;
  /** For kinds whose streams grow long (a hot budget's): their states are saved now and then, and a load starts from the latest. */
  readonly snapshots?: SnapshotPolicy<S>;
}

/**
 * How a kind's states are saved and read back. A snapshot is taken after an append of this process,
 * from the state it just stored, in the background: written a piece at a time with the event loop
 * free between pieces, compressed on zlib's thread pool, and kept only if no later one is stored.
 * A snapshot that cannot be read is passed over: the stream is read from its start, as without one.
 */
export interface SnapshotPolicy<S> {
  /** The state as JSON text, in pieces that concatenate to it (a large state: many small pieces). */
  encode(state: S): Iterable<string>;
  /** The state back from the parsed JSON; throws on what it does not recognise. */
  decode(json: unknown): S;
  /** Events after the last snapshot before another is taken (default 10,000). */
  readonly everyEvents?: number;
  /** And no sooner than this after this process's last snapshot of the same stream (default 60 s). */
  readonly minIntervalMs?: number;
}

export interface AggregatesOptions {
  /** A snapshot that could not be written or read (the load goes on from the events). */
  readonly onSnapshotError?: (streamId: string, err: unknown) => void;
}

/** Events read at a time when a state is rebuilt or brought up to date. */
const READ_PAGE = 10_000;
/** Encoding a snapshot gives the event loop back after this long. */
const SLICE_MS = 4;

export interface Loaded<S> {
  readonly state: S;
  /** The stream's version: 0 when it has no events. */
  readonly version: bigint;
}

export interface ExecuteOptions<S, E> {
  /** Who asked (an API key id, `operator`): stored in each event's metadata. */
  readonly actor: string;
  /**
   * Read-model writes made in the append's own transaction, so a reader of the model sees the
   * change as soon as the command answers, and never a change that was not stored.
   */
  readonly project?: (tx: PoolClient, events: readonly E[], after: S) => Promise<void>;
  /**
   * The same, written by SQL alone in the append's own statement (`EventStore.appendWithWrites`):
   * one round trip instead of a transaction's four, shared with other aggregates' appends under
   * load (group commit). Null: nothing to write this time. Takes the place of `project`.
   * `before` is the state the events were decided on: the append names its version, so the
   * writes apply only if the stream was exactly there.
   */
  readonly projectInline?: (events: readonly E[], after: S, before: S) => AppendWrites | null;
  /** How often a concurrent writer may make us decide again (default 5). */
  readonly retries?: number;
  /**
   * States this process keeps between commands, so a long stream is not read again for each one.
   * Safe with other writers: the append names the cached version, and a conflict drops the entry;
   * a refusal or a no-op decided on a kept state is decided again on a fresh read, since another
   * writer's events may be what the kept state lacked.
   */
  readonly cache?: Map<string, Loaded<S>>;
}

export interface Executed<S, E> {
  readonly state: S;
  readonly events: readonly E[];
  readonly version: bigint;
}

/**
 * Load, decide, append with the expected version; a concurrent writer makes us load and decide
 * again. `decide` is the aggregate's pure decider applied to the command; its refusals propagate.
 */
export class Aggregates {
  /** Per stream with snapshots: the version of the latest one known, when this process took one, and whether one is being written. */
  private readonly snapshotted = new Map<string, { version: bigint; at: number; writing: boolean }>();

  constructor(
    private readonly store: EventStore,
    private readonly options: AggregatesOptions = {},
  ) {}

  async load<S, E extends { readonly type: string; readonly data: unknown }>(kind: AggregateKind<S, E>, id: string): Promise<Loaded<S>> {
    const start = (kind.snapshots && (await this.readSnapshot(kind, id))) || { state: kind.initialState(), version: 0n };
    return this.catchUp(kind, id, start);
  }

  async execute<S, E extends { readonly type: string; readonly data: unknown }>(
    kind: AggregateKind<S, E>,
    id: string,
    decide: (state: S) => E[],
    opts: ExecuteOptions<S, E>,
  ): Promise<Executed<S, E>> {
    const stream = `${kind.category}-${id}`;
    for (let attempt = 0; ; attempt++) {
      const cached = opts.cache?.get(id);
      const { state, version } = cached ?? (await this.load(kind, id));
      let events: E[];
      try {
        events = decide(state);
      } catch (err) {
        // A refusal decided on a kept state may be another copy's doing: decide again on a fresh read.
        if (cached) {
          opts.cache!.delete(id);
          continue;
        }
        throw err;
      }
      if (events.length === 0) {
        // So may a no-op (a release of a reservation this copy has not seen): the same.
        if (cached) {
          opts.cache!.delete(id);
          continue;
        }
        return { state, events, version };
      }
      const after = events.reduce(kind.evolve, state);
      const expected = version === 0n ? 'no_stream' : version;
      const metadata = { actor: opts.actor };
      try {
        const inline = opts.projectInline?.(events, after, state);
        if (inline) {
          const res = await this.store.appendWithWrites(stream, events, expected, inline, { metadata });
          this.stored(kind, id, after, res.nextExpectedVersion, opts.cache);
          return { state: after, events, version: res.nextExpectedVersion };
        }
        if (!opts.project) {
          const res = await this.store.append(stream, events, expected, { metadata });
          this.stored(kind, id, after, res.nextExpectedVersion, opts.cache);
          return { state: after, events, version: res.nextExpectedVersion };
        }
        const project = opts.project;
        const res = await withTransaction(this.store.pool, async (tx) => {
          const appended = await this.store.appendInTransaction(tx, stream, events, expected, { metadata });
          await project(tx, events, after);
          return appended;
        });
        this.stored(kind, id, after, res.nextExpectedVersion, opts.cache);
        return { state: after, events, version: res.nextExpectedVersion };
      } catch (err) {
        opts.cache?.delete(id);
        if (err instanceof WrongExpectedVersionError && attempt < (opts.retries ?? 5)) continue;
        throw err;
      }
    }
  }

  /**
   * Several commands on one aggregate, decided in order on one state and appended together: one
   * round trip for all of them (group commit). Each command's refusal is its own (the others go
   * on); a concurrent writer makes us decide them all again. As with `execute`, a refusal or a
   * no-op decided on a kept state is decided again on a fresh read. Returns, for each command,
   * its events or its refusal.
   */
  async executeMany<S, E extends { readonly type: string; readonly data: unknown }>(
    kind: AggregateKind<S, E>,
    id: string,
    decides: ReadonlyArray<(state: S) => E[]>,
    opts: Omit<ExecuteOptions<S, E>, 'project' | 'projectInline'>,
  ): Promise<Array<{ readonly events: readonly E[] } | { readonly refused: unknown }>> {
    const stream = `${kind.category}-${id}`;
    let known = opts.cache?.get(id);
    let fresh = false;
    for (let attempt = 0; ; attempt++) {
      if (!known) {
        known = await this.load(kind, id);
        fresh = true;
      }
      let after = known.state;
      let doubt = false;
      const all: E[] = [];
      const answers = decides.map((decide) => {
        try {
          const events = decide(after);
          if (events.length === 0) doubt = true;
          after = events.reduce(kind.evolve, after);
          all.push(...events);
          return { events };
        } catch (refused) {
          doubt = true;
          return { refused };
        }
      });
      if (doubt && !fresh) {
        known = await this.catchUp(kind, id, known);
        fresh = true;
        continue;
      }
      if (all.length === 0) return answers;
      try {
        const res = await this.store.append(stream, all, known.version === 0n ? 'no_stream' : known.version, { metadata: { actor: opts.actor } });
        this.stored(kind, id, after, res.nextExpectedVersion, opts.cache);
        return answers;
      } catch (err) {
        opts.cache?.delete(id);
        if (!(err instanceof WrongExpectedVersionError) || attempt >= (opts.retries ?? 5)) throw err;
        known = await this.catchUp(kind, id, known);
        fresh = true;
      }
    }
  }

  /** A state brought up to date with what was appended after its version (read from there on, not from the start, a page at a time). */
  private async catchUp<S, E extends { readonly type: string; readonly data: unknown }>(kind: AggregateKind<S, E>, id: string, known: Loaded<S>): Promise<Loaded<S>> {
    let { state, version } = known;
    for (;;) {
      const events = await this.store.readStream(`${kind.category}-${id}`, { fromVersion: version + 1n, limit: READ_PAGE });
      for (const e of events) state = kind.evolve(state, { type: e.type, data: e.data } as E);
      version = events.at(-1)?.version ?? version;
      if (events.length < READ_PAGE) return { state, version };
    }
  }

  /** A state this process stored at `version`: kept for the next command, and saved as a snapshot when one is due. */
  private stored<S, E extends { readonly type: string; readonly data: unknown }>(kind: AggregateKind<S, E>, id: string, state: S, version: bigint, cache: Map<string, Loaded<S>> | undefined): void {
    cache?.set(id, { state, version });
    const policy = kind.snapshots;
    if (!policy) return;
    const stream = `${kind.category}-${id}`;
    const last = this.snapshotted.get(stream) ?? { version: 0n, at: 0, writing: false };
    if (last.writing || version - last.version < BigInt(policy.everyEvents ?? 10_000) || Date.now() - last.at < (policy.minIntervalMs ?? 60_000)) return;
    const mark = { version: last.version, at: Date.now(), writing: true };
    this.snapshotted.set(stream, mark);
    this.writeSnapshot(policy, stream, state, version).then(
      (written) => this.snapshotted.set(stream, { version: written ? version : mark.version, at: mark.at, writing: false }),
      (err: unknown) => {
        this.snapshotted.set(stream, { ...mark, writing: false });
        this.options.onSnapshotError?.(stream, err);
      },
    );
  }

  private async writeSnapshot<S>(policy: SnapshotPolicy<S>, stream: string, state: S, version: bigint): Promise<boolean> {
    // States are immutable: the one stored at `version` stays as it is while it is encoded across
    // turns. Each piece goes to a gzip stream as it comes (compressed on zlib's pool), so neither
    // the whole text nor one long compression sits on the event loop.
    const gz = createGzip({ level: 1 });
    const chunks: Buffer[] = [];
    gz.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = once(gz, 'end');
    let since = performance.now();
    for (const piece of policy.encode(state)) {
      if (!gz.write(piece)) await once(gz, 'drain');
      if (performance.now() - since > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        since = performance.now();
      }
    }
    gz.end();
    await ended;
    return this.store.writeSnapshot(stream, version, Buffer.concat(chunks));
  }

  private async readSnapshot<S, E extends { readonly type: string; readonly data: unknown }>(kind: AggregateKind<S, E>, id: string): Promise<Loaded<S> | null> {
    const stream = `${kind.category}-${id}`;
    const stored = await this.store.readSnapshot(stream);
    if (!stored) return null;
    try {
      const state = kind.snapshots!.decode(JSON.parse((await gunzipAsync(stored.state)).toString('utf8')));
      // The next snapshot is due that many events after this one, whoever took it.
      const known = this.snapshotted.get(stream) ?? { version: 0n, at: 0, writing: false };
      if (known.version < stored.version) this.snapshotted.set(stream, { ...known, version: stored.version });
      return { state, version: stored.version };
    } catch (err) {
      this.options.onSnapshotError?.(stream, err);
      return null;
    }
  }
}
