import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CATALOG_COMMANDS,
  ConfigLifecycleCommand,
  configView,
  DraftConfigCommand,
  formatUsd,
  GetConfigCommand,
  IssueCredentialRefsCommand,
  type CredentialRef,
  ListConfigsCommand,
  ReviseConfigCommand,
  toConfigSections,
  type HandoffTarget,
} from '@outcomes/contracts';
import type { ConfigSections, PricingSummary } from '@outcomes/domain-catalog';
import { SEALER, type Sealer } from '../runtime.token';
import { ConfigsService, type LiveConfig } from './configs.service';
import { CredentialRefs } from './credential-refs';

const pricingView = (p: PricingSummary) => ({
  typical_price: { min: formatUsd(p.typicalMinMicros), max: formatUsd(p.typicalMaxMicros) },
  guarantee_premium_percent: p.guaranteePremiumBps / 100,
  ceiling: p.ceilingMicros === null ? null : formatUsd(p.ceilingMicros),
  estimated_volume: p.estimatedVolume,
  warnings: p.warnings,
});

export const view = (c: LiveConfig) => ({
  ...configView({
    id: c.configId,
    status: c.status.toLowerCase() as 'draft' | 'launched' | 'paused' | 'archived',
    version: c.version,
    body: c.body,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    launchedAt: c.launchedAt,
  }),
  pricing_summary: c.pricing === null ? null : pricingView(c.pricing),
});

@Controller()
export class ConfigsHandlers {
  constructor(
    private readonly configs: ConfigsService,
    @Inject(SEALER) private readonly sealer: Sealer,
    private readonly refs: CredentialRefs,
  ) {}

  private sections(dto: Parameters<typeof toConfigSections>[0]): ConfigSections {
    return toConfigSections(dto, (secret) => this.sealer.seal(secret)) as ConfigSections;
  }

  @MessagePattern(CATALOG_COMMANDS.draftConfig)
  async draft(@Payload() cmd: DraftConfigCommand): Promise<unknown> {
    const { config } = cmd;
    const type = { key: config.outcome_type, version: config.outcome_type_version ?? null };
    return view(await this.configs.draft(cmd.buyer_id, cmd.actor, config.name, type, this.sections(config)));
  }

  @MessagePattern(CATALOG_COMMANDS.reviseConfig)
  async revise(@Payload() cmd: ReviseConfigCommand): Promise<unknown> {
    const { changes } = cmd;
    const type = changes.outcome_type === undefined ? null : { key: changes.outcome_type, version: changes.outcome_type_version ?? null };
    return view(await this.configs.revise(cmd.buyer_id, cmd.actor, cmd.config_id, cmd.expected_version ?? null, type, this.sections(changes)));
  }

  @MessagePattern(CATALOG_COMMANDS.launchConfig)
  async launch(@Payload() cmd: ConfigLifecycleCommand): Promise<unknown> {
    return view(await this.configs.lifecycle('LaunchConfig', cmd.buyer_id, cmd.actor, cmd.config_id, cmd.expected_version ?? null));
  }

  @MessagePattern(CATALOG_COMMANDS.pauseConfig)
  async pause(@Payload() cmd: ConfigLifecycleCommand): Promise<unknown> {
    return view(await this.configs.lifecycle('PauseConfig', cmd.buyer_id, cmd.actor, cmd.config_id, cmd.expected_version ?? null));
  }

  @MessagePattern(CATALOG_COMMANDS.archiveConfig)
  async archive(@Payload() cmd: ConfigLifecycleCommand): Promise<unknown> {
    return view(await this.configs.lifecycle('ArchiveConfig', cmd.buyer_id, cmd.actor, cmd.config_id, cmd.expected_version ?? null));
  }

  @MessagePattern(CATALOG_COMMANDS.getConfig)
  async get(@Payload() cmd: GetConfigCommand): Promise<unknown> {
    return view(await this.configs.get(cmd.buyer_id, cmd.config_id));
  }

  @MessagePattern(CATALOG_COMMANDS.handoffTarget)
  async handoffTarget(@Payload() cmd: GetConfigCommand): Promise<HandoffTarget> {
    const { escalation } = (await this.configs.get(cmd.buyer_id, cmd.config_id)).body;
    const h = escalation.handoff;
    if (!escalation.enabled || h === null) return null;
    const d = h.destination;
    const destination =
      d.type === 'webhook'
        ? { type: d.type, url: d.url, credentials: d.credentials === null ? null : this.sealer.unseal(d.credentials) }
        : d.type === 'queue'
          ? { type: d.type, queue_name: d.queueName, connection: d.connection }
          : { type: d.type, address: d.address, template: d.template };
    return { destination, include_summary: h.includeSummary, include_transcript: h.includeTranscript, include_context: h.includeContext };
  }

  @MessagePattern(CATALOG_COMMANDS.issueCredentialRefs)
  issueCredentialRefs(@Payload() cmd: IssueCredentialRefsCommand): Promise<Record<string, CredentialRef>> {
    return this.refs.issue(cmd.buyer_id, cmd.config_id, cmd.engine_id, cmd.outcome_id, cmd.ttl_seconds);
  }

  @MessagePattern(CATALOG_COMMANDS.listConfigs)
  async list(@Payload() cmd: ListConfigsCommand): Promise<unknown> {
    const { rows, hasMore } = await this.configs.list(cmd.buyer_id, cmd.limit, cmd.after, cmd.status);
    return { data: rows.map(view), has_more: hasMore };
  }
}
