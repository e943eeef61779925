import { Inject, Injectable } from '@nestjs/common';
import { requestCommand } from '@outcomes/bus';
import type { ServiceRuntime } from '@outcomes/platform';
import { injectTraceContext } from '@outcomes/telemetry';
import { GATEWAY_CONFIG, GATEWAY_RUNTIME, type GatewaySettings } from './tokens';

/** Commands and queries to the owning services over NATS request/reply, with the trace context. */
@Injectable()
export class ServiceClient {
  constructor(
    @Inject(GATEWAY_RUNTIME) private readonly rt: ServiceRuntime,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewaySettings,
  ) {}

  /** `headers` go with the trace context; `payload` may be `EncodedJson`, bytes sent as they are. */
  request<T>(command: string, payload: unknown, headers: Readonly<Record<string, string>> = {}): Promise<T> {
    return requestCommand<T>(this.rt.bus, command, payload, { timeoutMs: this.config.commandTimeoutMs, headers: { ...injectTraceContext(), ...headers } as Record<string, string> });
  }
}
