import { randomBytes } from 'node:crypto';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ENGINE_COMMANDS,
  EligibleEnginesCommand,
  EngineIdCommand,
  type EligibleEngine,
  ListEnginesCommand,
  RegisterEngineCommand,
  SuspendEngineCommand,
  UpdateEngineCommand,
  type EngineTransportDto,
  type UpdateEngineDto,
} from '@outcomes/contracts';
import type { EngineProfile, EngineTransport } from '@outcomes/domain-engines';
import type { Sealer } from '@outcomes/platform';
import { SEALER } from '../tokens';
import { EnginesService, type LiveEngine } from './engines.service';

export const engineView = (e: LiveEngine) => {
  const p = e.profile;
  return {
    id: e.engineId,
    object: 'engine' as const,
    name: p.name,
    status: e.status === 'Active' ? 'active' : 'suspended',
    suspended_reason: e.suspendedReason,
    version: e.version,
    vendor: p.vendor,
    model: p.model,
    harness: p.harness,
    outcome_types: p.outcomeTypes,
    capabilities: p.capabilities,
    regions: p.regions,
    max_concurrent_outcomes: p.maxConcurrent,
    transport: p.transport.type === 'nats' ? { type: 'nats' } : { type: 'webhook', endpoint_url: p.transport.endpointUrl, auth: p.transport.auth, has_credentials: true },
    registered_at: e.registeredAt,
    updated_at: e.updatedAt,
  };
};

@Controller()
export class EnginesHandlers {
  constructor(
    private readonly engines: EnginesService,
    @Inject(SEALER) private readonly sealer: Sealer,
  ) {}

  /** A webhook transport gets a new signing secret, which only this answer shows. */
  private transport(t: EngineTransportDto): { transport: EngineTransport; signingSecret?: string } {
    if (t.type === 'nats') return { transport: { type: 'nats' } };
    const signingSecret = `whsec_${randomBytes(24).toString('base64url')}`;
    const transport: EngineTransport = {
      type: 'webhook',
      endpointUrl: t.endpoint_url!,
      auth: t.auth!,
      credentials: this.sealer.seal(t.credentials ?? {}),
      signingSecret: this.sealer.seal({ secret: signingSecret }),
    };
    return { transport, signingSecret };
  }

  private withSecret(view: ReturnType<typeof engineView>, signingSecret: string | undefined) {
    return signingSecret === undefined ? view : { ...view, transport: { ...view.transport, signing_secret: signingSecret } };
  }

  private changes(dto: UpdateEngineDto, transport: EngineTransport | undefined): Partial<Omit<EngineProfile, 'name'>> {
    return {
      ...(dto.vendor === undefined ? {} : { vendor: dto.vendor }),
      ...(dto.model === undefined ? {} : { model: { name: dto.model.name, version: dto.model.version } }),
      ...(dto.harness === undefined ? {} : { harness: { name: dto.harness.name, version: dto.harness.version } }),
      ...(dto.outcome_types === undefined ? {} : { outcomeTypes: dto.outcome_types }),
      ...(dto.capabilities === undefined ? {} : { capabilities: dto.capabilities }),
      ...(dto.regions === undefined ? {} : { regions: dto.regions }),
      ...(dto.max_concurrent_outcomes === undefined ? {} : { maxConcurrent: dto.max_concurrent_outcomes }),
      ...(transport === undefined ? {} : { transport }),
    };
  }

  @MessagePattern(ENGINE_COMMANDS.register)
  async register(@Payload() cmd: RegisterEngineCommand): Promise<unknown> {
    const e = cmd.engine;
    const { transport, signingSecret } = this.transport(e.transport);
    const profile: EngineProfile = {
      name: e.name,
      vendor: e.vendor,
      model: { name: e.model.name, version: e.model.version },
      harness: { name: e.harness.name, version: e.harness.version },
      outcomeTypes: e.outcome_types,
      capabilities: e.capabilities ?? [],
      regions: e.regions ?? [],
      maxConcurrent: e.max_concurrent_outcomes ?? 10,
      transport,
    };
    return this.withSecret(engineView(await this.engines.register(profile, cmd.actor)), signingSecret);
  }

  @MessagePattern(ENGINE_COMMANDS.update)
  async update(@Payload() cmd: UpdateEngineCommand): Promise<unknown> {
    const t = cmd.changes.transport === undefined ? undefined : this.transport(cmd.changes.transport);
    return this.withSecret(engineView(await this.engines.update(cmd.engine_id, this.changes(cmd.changes, t?.transport), cmd.expected_version ?? null, cmd.actor)), t?.signingSecret);
  }

  @MessagePattern(ENGINE_COMMANDS.suspend)
  async suspend(@Payload() cmd: SuspendEngineCommand): Promise<unknown> {
    return engineView(await this.engines.suspend(cmd.engine_id, cmd.reason, cmd.actor));
  }

  @MessagePattern(ENGINE_COMMANDS.reinstate)
  async reinstate(@Payload() cmd: EngineIdCommand): Promise<unknown> {
    return engineView(await this.engines.reinstate(cmd.engine_id, cmd.actor));
  }

  @MessagePattern(ENGINE_COMMANDS.issueCredentials)
  async issueCredentials(@Payload() cmd: EngineIdCommand): Promise<unknown> {
    const { engine, credentials } = await this.engines.issueCredentials(cmd.engine_id, cmd.actor);
    return { object: 'engine_credentials', engine_id: engine.engineId, transport: 'nats', user_public_key: credentials.userPublicKey, expires_at: credentials.expiresAt.toISOString(), creds: credentials.creds };
  }

  @MessagePattern(ENGINE_COMMANDS.get)
  async get(@Payload() cmd: EngineIdCommand): Promise<unknown> {
    return engineView(await this.engines.get(cmd.engine_id));
  }

  @MessagePattern(ENGINE_COMMANDS.eligible)
  async eligible(@Payload() cmd: EligibleEnginesCommand): Promise<EligibleEngine[]> {
    return (await this.engines.eligible(cmd.outcome_type, cmd.capabilities)).map((e) => ({
      id: e.engineId,
      name: e.profile.name,
      max_concurrent_outcomes: e.profile.maxConcurrent,
      transport: e.profile.transport.type,
    }));
  }

  @MessagePattern(ENGINE_COMMANDS.list)
  async list(@Payload() cmd: ListEnginesCommand): Promise<unknown> {
    const { rows, hasMore } = await this.engines.list(cmd.limit, cmd.after);
    return { data: rows.map(engineView), has_more: hasMore };
  }
}
