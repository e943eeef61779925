import { Controller, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { CommandFailedError, EncodedJson, requestCommand, type OutcomesContext } from '@outcomes/bus';
import { createTestRuntime, type TestRuntime } from '@outcomes/testing';
import { startNestService } from './nest-service';

let inits = 0;

@Injectable()
class Counted implements OnModuleInit {
  onModuleInit(): void {
    inits++;
  }
}

@Module({ providers: [Counted] })
class CountedModule {}

@Controller()
class Echo {
  @MessagePattern('cmd.nest-service.echo')
  echo(@Payload() payload: unknown, @Ctx() ctx: OutcomesContext): unknown {
    return { payload, caller: ctx.headers['outcomes-caller'] ?? null };
  }
}

@Module({ controllers: [Echo] })
class EchoModule {}

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime('nest-service');
});
afterAll(async () => {
  await t.close();
});

describe('a NestJS service', () => {
  it('runs each init hook once: a service subscribes and sets its timers once, not twice', async () => {
    const app = await startNestService(t.rt, { module: CountedModule });
    await app.close();
    expect(inits).toBe(1);
  });

  it('takes a payload sent as encoded bytes as any other, with its headers, and refuses bytes that are not JSON', async () => {
    const app = await startNestService(t.rt, { module: EchoModule });
    try {
      const bytes = new TextEncoder().encode('{"events":[{"event_id":"é-1"}]}');
      await expect(requestCommand(t.rt.bus, 'cmd.nest-service.echo', new EncodedJson(bytes), { headers: { 'outcomes-caller': 'buy_1' } })).resolves.toEqual({ payload: { events: [{ event_id: 'é-1' }] }, caller: 'buy_1' });
      const refused = requestCommand(t.rt.bus, 'cmd.nest-service.echo', new EncodedJson(new TextEncoder().encode('{"events":[')));
      await expect(refused).rejects.toBeInstanceOf(CommandFailedError);
      await expect(refused).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    } finally {
      await app.close();
    }
  });
});
