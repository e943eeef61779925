import { WrongExpectedVersionError, type AppendWrites, type EventStore } from '@outcomes/event-store';
import type { PoolClient } from 'pg';
import { withTransaction } from './transaction';

/** What a service knows of one aggregate kind: its stream category and how its state folds. */
export interface AggregateKind<S, E extends { readonly type: string; readonly data: unknown }> {
  readonly category: string;
  initialState(): S;
  evolve(state: S, event: E): S;
}

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
  constructor(private readonly store: EventStore) {}

  async load<S, E extends { readonly type: string; readonly data: unknown }>(kind: AggregateKind<S, E>, id: string): Promise<Loaded<S>> {
    return this.catchUp(kind, id, { state: kind.initialState(), version: 0n });
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
          opts.cache?.set(id, { state: after, version: res.nextExpectedVersion });
          return { state: after, events, version: res.nextExpectedVersion };
        }
        if (!opts.project) {
          const res = await this.store.append(stream, events, expected, { metadata });
          opts.cache?.set(id, { state: after, version: res.nextExpectedVersion });
          return { state: after, events, version: res.nextExpectedVersion };
        }
        const project = opts.project;
        const res = await withTransaction(this.store.pool, async (tx) => {
          const appended = await this.store.appendInTransaction(tx, stream, events, expected, { metadata });
          await project(tx, events, after);
          return appended;
        });
        opts.cache?.set(id, { state: after, version: res.nextExpectedVersion });
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
        opts.cache?.set(id, { state: after, version: res.nextExpectedVersion });
        return answers;
      } catch (err) {
        opts.cache?.delete(id);
        if (!(err instanceof WrongExpectedVersionError) || attempt >= (opts.retries ?? 5)) throw err;
        known = await this.catchUp(kind, id, known);
        fresh = true;
      }
    }
  }

  /** A state brought up to date with what was appended after its version (read from there on, not from the start). */
  private async catchUp<S, E extends { readonly type: string; readonly data: unknown }>(kind: AggregateKind<S, E>, id: string, known: Loaded<S>): Promise<Loaded<S>> {
    const events = await this.store.readStream(`${kind.category}-${id}`, { fromVersion: known.version + 1n });
    return { state: events.reduce((s, e) => kind.evolve(s, { type: e.type, data: e.data } as E), known.state), version: events.at(-1)?.version ?? known.version };
  }
}
