import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { ENGINE_CALLBACK_COMMANDS, RedeemCredentialCommand, ReportExecutionCommand } from '@outcomes/contracts';
import { WebhookBridge } from './bridge.service';

@Controller()
export class BridgeHandlers {
  constructor(private readonly bridge: WebhookBridge) {}

  @MessagePattern(ENGINE_CALLBACK_COMMANDS.reportExecution)
  report(@Payload() cmd: ReportExecutionCommand): Promise<{ accepted: number }> {
    return this.bridge.report(cmd.token, cmd.outcome_id, cmd.events);
  }

  @MessagePattern(ENGINE_CALLBACK_COMMANDS.redeemCredential)
  redeemCredential(@Payload() cmd: RedeemCredentialCommand): Promise<{ credentials: Record<string, string> }> {
    return this.bridge.redeemCredential(cmd.token, cmd.ref);
  }

  /** A revised configuration reaches the webhook engines that work under it, as JSON Patch. */
  @EventPattern('evt.config.ConfigRevised')
  async configRevised(@Payload() event: { data: { configId: string } }): Promise<void> {
    await this.bridge.configChanged(event.data.configId);
  }
}
