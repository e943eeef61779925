import { Inject, Injectable } from '@nestjs/common';
import { CHANGE_NOTICES, newId } from '@outcomes/contracts';
import { canServe, decideEngine, EngineRejected, evolveEngine, initialEngineState, type EngineCommand, type EngineEvent, type EngineProfile, type EngineState } from '@outcomes/domain-engines';
import { encodeJson, mintEngineCredentials, type EngineCredentials } from '@outcomes/bus';
import type { AggregateKind, Aggregates, ServiceRuntime } from '@outcomes/platform';
import type { EngineGatewayConfig } from '../config';
import type { PoolClient } from 'pg';
import { AGGREGATES, BRIDGE_CONFIG, RUNTIME } from '../tokens';

export const engines: AggregateKind<EngineState, EngineEvent> = { category: 'engine', initialState: initialEngineState, evolve: evolveEngine };
export type LiveEngine = Exclude<EngineState, { status: 'Empty' }>;

const project = async (tx: PoolClient, _events: readonly EngineEvent[], after: EngineState): Promise<void> => {
  if (after.status === 'Empty') return;
  await tx.query(
    `INSERT INTO engines.engines (engine_id, name, status, version, state, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (engine_id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
     WHERE engines.engines.version < EXCLUDED.version`,
    [after.engineId, after.profile.name, after.status.toLowerCase(), after.version, JSON.stringify(after), after.updatedAt],
  );
};

const isNameTaken = (err: unknown): boolean => (err as { code?: string; constraint?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'engines_name_key';

@Injectable()
export class EnginesService {
  constructor(
    @Inject(RUNTIME) private readonly rt: ServiceRuntime,
    @Inject(AGGREGATES) private readonly aggregates: Aggregates,
    @Inject(BRIDGE_CONFIG) private readonly config: EngineGatewayConfig,
  ) {}

  async register(profile: EngineProfile, actor: string): Promise<LiveEngine> {
    const engineId = newId('eng');
    try {
      return await this.run(engineId, { type: 'RegisterEngine', engineId, by: actor, now: new Date(), profile }, actor);
    } catch (err) {
      // The name is unique in the read model, written in the append's transaction: nothing was stored.
      if (isNameTaken(err)) throw new EngineRejected('ALREADY_EXISTS', `an engine named ${profile.name} is already registered`, [{ field: 'name', reason: 'is taken' }]);
      throw err;
    }
  }

  update(engineId: string, changes: Partial<Omit<EngineProfile, 'name'>>, expectedVersion: number | null, actor: string): Promise<LiveEngine> {
    return this.run(engineId, { type: 'UpdateEngine', engineId, by: actor, now: new Date(), changes, expectedVersion }, actor);
  }

  suspend(engineId: string, reason: string, actor: string): Promise<LiveEngine> {
    return this.run(engineId, { type: 'SuspendEngine', engineId, by: actor, now: new Date(), reason }, actor);
  }

  reinstate(engineId: string, actor: string): Promise<LiveEngine> {
    return this.run(engineId, { type: 'ReinstateEngine', engineId, by: actor, now: new Date() }, actor);
  }

  /**
   * Mints NATS credentials that let the engine act as itself only, and records that it did (the
   * user's public key and expiry; the seed leaves in this answer and nowhere else).
   */
  async issueCredentials(engineId: string, actor: string): Promise<{ engine: LiveEngine; credentials: EngineCredentials }> {
    const { natsAccount, natsAccountSigningSeed } = this.config;
    if (!natsAccount || !natsAccountSigningSeed) {
      throw new EngineRejected('RULE_VIOLATION', 'this platform runs NATS without accounts: set NATS_ACCOUNT and NATS_ACCOUNT_SIGNING_SEED on the engine-gateway to mint engine credentials');
    }
    const { state } = await this.aggregates.load(engines, engineId);
    // The decider's checks first (exists, active, NATS), so nothing is minted for an engine that may not have it.
    decideEngine({ type: 'RecordCredentials', engineId, by: actor, now: new Date(), userPublicKey: 'U', expiresAt: new Date() }, state);
    const credentials = await mintEngineCredentials({ account: natsAccount, signingSeed: natsAccountSigningSeed }, engineId, this.rt.bus.namespace, this.config.engineCredentialsTtlSeconds);
    const engine = await this.run(engineId, { type: 'RecordCredentials', engineId, by: actor, now: new Date(), userPublicKey: credentials.userPublicKey, expiresAt: credentials.expiresAt }, actor);
    return { engine, credentials };
  }

  async get(engineId: string): Promise<LiveEngine> {
    const { state } = await this.aggregates.load(engines, engineId);
    if (state.status === 'Empty') throw new EngineRejected('NOT_FOUND', `engine ${engineId} does not exist`);
    return state;
  }

  async list(limit: number, after: string | undefined): Promise<{ rows: LiveEngine[]; hasMore: boolean }> {
    const { rows } = await this.rt.pool.query<{ state: LiveEngine }>(
      `SELECT state FROM engines.engines WHERE ($1::text IS NULL OR engine_id < $1) ORDER BY engine_id DESC LIMIT $2`,
      [after ?? null, limit + 1],
    );
    return { rows: rows.slice(0, limit).map((r) => r.state), hasMore: rows.length > limit };
  }

  /** Engines that may bid (the domain's `canServe`): the auction's first filter. SQL only narrows to active ones of the type. */
  async eligible(outcomeType: string, capabilities: readonly string[]): Promise<LiveEngine[]> {
    const { rows } = await this.rt.pool.query<{ state: LiveEngine }>(
      `SELECT state FROM engines.engines WHERE status = 'active' AND state->'profile'->'outcomeTypes' ? $1 ORDER BY engine_id`,
      [outcomeType],
    );
    return rows.map((r) => r.state).filter((e) => canServe(e, outcomeType, capabilities));
  }

  private async run(engineId: string, command: EngineCommand, actor: string): Promise<LiveEngine> {
    const { state, events } = await this.aggregates.execute(engines, engineId, (s) => decideEngine(command, s), { actor, project });
    if (state.status === 'Empty') throw new EngineRejected('NOT_FOUND', `engine ${engineId} does not exist`);
    if (events.length > 0) {
      this.rt.bus.nc.publish(this.rt.bus.subject(CHANGE_NOTICES.engine), encodeJson({ engine_id: engineId }));
      await this.rt.bus.nc.flush();
    }
    return state;
  }
}
