import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { ENGINE_CALLBACK_COMMANDS, ReportExecutionCommand } from '@outcomes/contracts';
import { WebhookBridge } from './bridge.service';

@Controller()
export class BridgeHandlers {
  constructor(private readonly bridge: WebhookBridge) {}

  @MessagePattern(ENGINE_CALLBACK_COMMANDS.reportExecution)
  report(@Payload() cmd: ReportExecutionCommand): Promise<{ accepted: number }> {
    return this.bridge.report(cmd.token, cmd.outcome_id, cmd.events);
  }

  /** A revised configuration reaches the webhook engines that work under it, as JSON Patch. */
  @EventPattern('evt.config.ConfigRevised')
  async configRevised(@Payload() event: { data: { configId: string } }): Promise<void> {
    await this.bridge.configChanged(event.data.configId);
  }
}
