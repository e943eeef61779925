import { Inject, Injectable } from '@nestjs/common';
import { CommandError } from '@outcomes/bus';
import {
  decide,
  evolve,
  initialState,
  OutcomeTypeRejected,
  type OutcomeTypeDefinition,
  type OutcomeTypeEvent,
  type OutcomeTypeState,
} from '@outcomes/domain-catalog';
import { WrongExpectedVersionError, type EventStore } from '@outcomes/event-store';
import type { Pool, PoolClient } from 'pg';
import { RUNTIME, type CatalogRuntime } from '../runtime.token';

export interface OutcomeTypeView {
  readonly key: string;
  readonly version: number;
  readonly name: string;
  readonly description: string;
  readonly verification: string;
  readonly published_at: string;
}

const streamOf = (key: string): string => `outcomeType-${key}`;

const view = (state: OutcomeTypeState): OutcomeTypeView => {
  if (state.status === 'Empty') throw new Error('an outcome type without events has no view');
  return { key: state.key, version: state.version, ...state.definition, published_at: state.publishedAt };
};

@Injectable()
export class OutcomeTypesService {
  private readonly store: EventStore;
  private readonly pool: Pool;

  constructor(@Inject(RUNTIME) rt: CatalogRuntime) {
    this.store = rt.store;
    this.pool = rt.pool;
  }

  /** Load, decide, append with the expected version; a concurrent writer makes us decide again. */
  async publish(key: string, definition: OutcomeTypeDefinition, actor: string | undefined): Promise<OutcomeTypeView> {
    for (let attempt = 0; ; attempt++) {
      const { state, version } = await this.load(key);
      let events: OutcomeTypeEvent[];
      try {
        events = decide({ type: 'PublishOutcomeType', key, definition, now: new Date() }, state);
      } catch (err) {
        if (err instanceof OutcomeTypeRejected) throw new CommandError(err.code, err.message, { field: err.field, reason: err.reason });
        throw err;
      }
      if (events.length === 0) return view(state);
      try {
        await this.store.append(streamOf(key), events, version === 0n ? 'no_stream' : version, { metadata: actor ? { actor } : {} });
        return view(events.reduce(evolve, state));
      } catch (err) {
        if (err instanceof WrongExpectedVersionError && attempt < 3) continue;
        throw err;
      }
    }
  }

  async get(key: string): Promise<OutcomeTypeView> {
    const { state } = await this.load(key);
    if (state.status === 'Empty') throw new CommandError('NOT_FOUND', `outcome type ${key} does not exist`, { field: 'key' });
    return view(state);
  }

  /** From the read model, which follows the events through the bus. */
  async list(): Promise<OutcomeTypeView[]> {
    const { rows } = await this.pool.query<OutcomeTypeView>(
      `SELECT key, version, name, description, verification, to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS published_at
         FROM catalog.outcome_types ORDER BY key`,
    );
    return rows;
  }

  /** Applies a published version to the read model; older versions never overwrite newer ones. */
  async project(tx: PoolClient, e: { key: string; version: number; name: string; description: string; verification: string; publishedAt: string }): Promise<void> {
    await tx.query(
      `INSERT INTO catalog.outcome_types (key, version, name, description, verification, published_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (key) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, description = EXCLUDED.description,
         verification = EXCLUDED.verification, published_at = EXCLUDED.published_at
       WHERE catalog.outcome_types.version < EXCLUDED.version`,
      [e.key, e.version, e.name, e.description, e.verification, e.publishedAt],
    );
  }

  private async load(key: string): Promise<{ state: OutcomeTypeState; version: bigint }> {
    const events = await this.store.readStream(streamOf(key));
    const state = events.map((e) => e as unknown as OutcomeTypeEvent).reduce(evolve, initialState());
    return { state, version: events.at(-1)?.version ?? 0n };
  }
}
