import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/access';

/** Named checks readiness runs: PostgreSQL and NATS in the gateway. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
export type ReadinessChecks = Readonly<Record<string, () => Promise<boolean>>>;

@ApiExcludeController()
@Public()
@Controller('health')
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessChecks) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 503 names the failing dependency, so an orchestrator's log says why traffic stopped. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: string; checks: Record<string, string> }> {
    const results = await Promise.all(
      Object.entries(this.checks).map(async ([name, check]) => {
        const ok = await Promise.race([check().catch(() => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]);
        return [name, ok ? 'ok' : 'failing'] as const;
      }),
    );
    const failing = results.some(([, s]) => s !== 'ok');
    reply.status(failing ? 503 : 200);
    return { status: failing ? 'unavailable' : 'ok', checks: Object.fromEntries(results) };
  }
}
