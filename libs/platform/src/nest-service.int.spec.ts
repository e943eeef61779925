import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
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
});
