import { Inject, Injectable } from '@nestjs/common';
import {
  BUILTIN_OUTCOME_TYPES,
  CatalogRejected,
  decide,
  definitionAt,
  evolve,
  initialState,
  type OutcomeTypeCommand,
  type OutcomeTypeDefinition,
  type OutcomeTypeEvent,
  type OutcomeTypeState,
  type TypeAt,
} from '@outcomes/domain-catalog';
import type { AggregateKind } from '@outcomes/platform';
import type { PoolClient } from 'pg';
import { AGGREGATES, RUNTIME, type Aggregates, type CatalogRuntime } from '../runtime.token';

export const outcomeTypes: AggregateKind<OutcomeTypeState, OutcomeTypeEvent> = { category: 'outcomeType', initialState, evolve };

export interface PublishedType {
  readonly key: string;
  readonly version: number;
  readonly origin: 'platform' | 'operator';
  readonly definition: OutcomeTypeDefinition;
  readonly publishedAt: string;
}

const project = async (tx: PoolClient, events: readonly OutcomeTypeEvent[]): Promise<void> => {
  for (const { data } of events) {
    const { key, version, origin, publishedAt, publishedBy: _by, ...definition } = data;
    await tx.query(
      `INSERT INTO catalog.outcome_type_versions (key, version, origin, definition, published_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [key, version, origin, JSON.stringify(definition), publishedAt],
    );
  }
};

@Injectable()
export class OutcomeTypesService {
  constructor(
    @Inject(RUNTIME) private readonly rt: CatalogRuntime,
    @Inject(AGGREGATES) private readonly aggregates: Aggregates,
  ) {}

  /** The platform taxonomy, present from the first start; unchanged types publish nothing. */
  async publishBuiltins(now = new Date()): Promise<number> {
    let published = 0;
    for (const { key, definition } of BUILTIN_OUTCOME_TYPES) {
      const r = await this.run(key, { type: 'PublishPlatformType', key, definition, now }, 'platform');
      published += r.length;
    }
    return published;
  }

  async register(key: string, definition: OutcomeTypeDefinition, actor: string): Promise<PublishedType> {
    await this.run(key, { type: 'RegisterCustomType', key, definition, by: actor, now: new Date() }, actor);
    return this.get(key, null);
  }

  async revise(key: string, definition: OutcomeTypeDefinition, expectedVersion: number | null, actor: string): Promise<PublishedType> {
    await this.run(key, { type: 'ReviseCustomType', key, definition, expectedVersion, by: actor, now: new Date() }, actor);
    return this.get(key, null);
  }

  async get(key: string, version: number | null): Promise<PublishedType> {
    const { state } = await this.aggregates.load(outcomeTypes, key);
    const at = definitionAt(state, version);
    if (state.status === 'Empty' || !at) throw CatalogRejected.notFound(version === null ? `outcome type ${key}` : `outcome type ${key} version ${version}`);
    const publishedAt = state.versions.find((v) => v.version === at.version)!.publishedAt;
    return { key, version: at.version, origin: state.origin, definition: at.definition, publishedAt };
  }

  /** The type a configuration pins; an unknown type is the buyer's mistake, named by its field. */
  async typeAt(key: string, version: number | null): Promise<TypeAt> {
    const { state } = await this.aggregates.load(outcomeTypes, key);
    const at = definitionAt(state, version);
    if (!at) {
      const field = state.status === 'Empty' ? 'outcome_type' : 'outcome_type_version';
      throw CatalogRejected.rule(field, state.status === 'Empty' ? `${key} is not in the catalog` : `${key} has no version ${version}`);
    }
    return { pinned: { key, version: at.version }, definition: at.definition };
  }

  /** The newest version of every type, from the read model. */
  async list(): Promise<PublishedType[]> {
    const { rows } = await this.rt.pool.query<{ key: string; version: number; origin: 'platform' | 'operator'; definition: OutcomeTypeDefinition; published_at: Date }>(
      `SELECT DISTINCT ON (key) key, version, origin, definition, published_at
         FROM catalog.outcome_type_versions ORDER BY key, version DESC`,
    );
    return rows.map((r) => ({ key: r.key, version: r.version, origin: r.origin, definition: r.definition, publishedAt: r.published_at.toISOString() }));
  }

  private async run(key: string, command: OutcomeTypeCommand, actor: string): Promise<readonly OutcomeTypeEvent[]> {
    const r = await this.aggregates.execute(outcomeTypes, key, (state) => decide(command, state), { actor, project });
    return r.events;
  }
}
