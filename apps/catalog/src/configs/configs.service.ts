import { encodeJson } from '@outcomes/bus';
import { CHANGE_NOTICES } from '@outcomes/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@outcomes/contracts';
import {
  CatalogRejected,
  decideConfig,
  evolveConfig,
  initialConfigState,
  type ConfigCommand,
  type ConfigEvent,
  type ConfigSections,
  type ConfigState,
  type TypeAt,
} from '@outcomes/domain-catalog';
import type { AggregateKind } from '@outcomes/platform';
import type { PoolClient } from 'pg';
import { OutcomeTypesService } from '../outcome-types/outcome-types.service';
import { AGGREGATES, RUNTIME, type Aggregates, type CatalogRuntime } from '../runtime.token';

export const configs: AggregateKind<ConfigState, ConfigEvent> = { category: 'config', initialState: initialConfigState, evolve: evolveConfig };

export type LiveConfig = Exclude<ConfigState, { status: 'Empty' }>;

const project = async (tx: PoolClient, _events: readonly ConfigEvent[], after: ConfigState): Promise<void> => {
  if (after.status === 'Empty') return;
  await tx.query(
    `INSERT INTO catalog.configs (config_id, buyer_id, status, version, outcome_type, state, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (config_id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version, outcome_type = EXCLUDED.outcome_type,
       state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
     WHERE catalog.configs.version < EXCLUDED.version`,
    [after.configId, after.buyerId, after.status.toLowerCase(), after.version, after.body.outcomeType.key, JSON.stringify(after), after.updatedAt],
  );
};

type Lifecycle = 'LaunchConfig' | 'PauseConfig' | 'ArchiveConfig';

@Injectable()
export class ConfigsService {
  constructor(
    @Inject(RUNTIME) private readonly rt: CatalogRuntime,
    @Inject(AGGREGATES) private readonly aggregates: Aggregates,
    private readonly types: OutcomeTypesService,
  ) {}

  async draft(buyerId: string, actor: string, name: string, type: { key: string; version: number | null }, sections: ConfigSections): Promise<LiveConfig> {
    const outcomeType = await this.types.typeAt(type.key, type.version);
    const configId = newId('cfg');
    const command: ConfigCommand = { type: 'DraftConfig', configId, buyerId, by: actor, now: new Date(), name, outcomeType, sections };
    return this.run(configId, () => command, actor);
  }

  async revise(
    buyerId: string,
    actor: string,
    configId: string,
    expectedVersion: number | null,
    newType: { key: string; version: number | null } | null,
    sections: ConfigSections,
  ): Promise<LiveConfig> {
    const current = await this.get(buyerId, configId);
    const pinned = current.body.outcomeType;
    const outcomeType = await this.types.typeAt(newType?.key ?? pinned.key, newType ? newType.version : pinned.version);
    return this.run(
      configId,
      (state) => {
        // The type was read outside the loop: if a concurrent revision changed it, this one is stale.
        if (state.status !== 'Empty' && !newType && state.body.outcomeType.key !== pinned.key) {
          throw CatalogRejected.conflict(`configuration ${configId} changed while this request ran`);
        }
        return { type: 'ReviseConfig', configId, buyerId, by: actor, now: new Date(), expectedVersion, sections, outcomeType };
      },
      actor,
    );
  }

  async lifecycle(type: Lifecycle, buyerId: string, actor: string, configId: string, expectedVersion: number | null): Promise<LiveConfig> {
    const base = { configId, buyerId, by: actor, now: new Date(), expectedVersion };
    if (type !== 'LaunchConfig') return this.run(configId, () => ({ type, ...base }), actor);
    const current = await this.get(buyerId, configId);
    const outcomeType: TypeAt = await this.types.typeAt(current.body.outcomeType.key, current.body.outcomeType.version);
    return this.run(configId, () => ({ type, ...base, outcomeType }), actor);
  }

  /** From the stream: always the newest, whatever the read model has applied. */
  async get(buyerId: string, configId: string): Promise<LiveConfig> {
    const { state } = await this.aggregates.load(configs, configId);
    if (state.status === 'Empty' || state.buyerId !== buyerId) throw CatalogRejected.notFound(`configuration ${configId}`);
    return state;
  }

  async list(buyerId: string, limit: number, after: string | undefined, status: string | undefined): Promise<{ rows: LiveConfig[]; hasMore: boolean }> {
    const { rows } = await this.rt.pool.query<{ state: LiveConfig }>(
      `SELECT state FROM catalog.configs
        WHERE buyer_id = $1 AND ($2::text IS NULL OR config_id < $2) AND ($3::text IS NULL OR status = $3)
        ORDER BY config_id DESC LIMIT $4`,
      [buyerId, after ?? null, status ?? null, limit + 1],
    );
    return { rows: rows.slice(0, limit).map((r) => r.state), hasMore: rows.length > limit };
  }

  private async run(configId: string, command: (state: ConfigState) => ConfigCommand, actor: string): Promise<LiveConfig> {
    const { state, events } = await this.aggregates.execute(configs, configId, (s) => decideConfig(command(s), s), { actor, project });
    if (state.status === 'Empty') throw CatalogRejected.notFound(`configuration ${configId}`);
    if (events.length > 0) {
      // Flushed before the answer: the server has the notice before any request this change leads to.
      this.rt.bus.nc.publish(this.rt.bus.subject(CHANGE_NOTICES.config), encodeJson({ config_id: configId }));
      await this.rt.bus.nc.flush();
    }
    return state;
  }
}
