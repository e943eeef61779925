/**
 * `npm run bench -- http-stack [--quick] [--seconds=5] [--rounds=2] [--concurrency=16]`
 *
 * What a request costs the API gateway's HTTP stack alone, on this machine: a Nest app shaped as
 * the gateway's hot route is (a global async guard, the global ValidationPipe with a
 * `CreateOutcomeDto`-like body, a handler that answers JSON after a turn of the event loop), on
 * Fastify (what the gateway runs) and on Express (what it ran before), each with and without one global
 * interceptor (any interceptor makes Nest wrap every request in `AsyncResource.bind` and an rxjs
 * chain). Each variant runs in a process of its own; its CPU per request is read from
 * `/proc/<pid>/stat` while 16 kept-alive clients post to it.
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { Body, type CallHandler, type CanActivate, Controller, type ExecutionContext, HttpCode, Injectable, Module, type NestInterceptor, Post, ValidationPipe } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { IsDefined, IsOptional, IsString, Length } from 'class-validator';
import type { Observable } from 'rxjs';
import { freePort } from '@outcomes/testing';
import { opt, processCpuSeconds, quick } from './lib';

class PlaceDto {
  @IsString()
  @Length(1, 64)
  config_id!: string;

  @IsDefined()
  input!: unknown;

  @IsOptional()
  metadata?: Record<string, string>;
}

@Injectable()
class BearerGuard implements CanActivate {
  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    return /^Bearer /.test(ctx.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['authorization'] ?? '');
  }
}

@Injectable()
class PassThrough implements NestInterceptor {
  intercept(_ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

@Controller('v1/outcomes')
class PlaceController {
  @Post()
  @HttpCode(201)
  async place(@Body() body: PlaceDto): Promise<unknown> {
    await new Promise((r) => setImmediate(r));
    return { id: 'out_01M94J46R1FCDHT85ZT106DZCD', object: 'outcome', status: 'auctioning', config_id: body.config_id, engine: null, price: null, metadata: {}, created_at: new Date().toISOString() };
  }
}

const VARIANTS = [
  { name: 'express + interceptor', adapter: 'express', interceptor: true },
  { name: 'express', adapter: 'express', interceptor: false },
  { name: 'fastify + interceptor', adapter: 'fastify', interceptor: true },
  { name: 'fastify', adapter: 'fastify', interceptor: false },
] as const;

async function serve(adapter: string, interceptor: boolean, port: number): Promise<void> {
  @Module({ controllers: [PlaceController], providers: [{ provide: APP_GUARD, useClass: BearerGuard }, ...(interceptor ? [{ provide: APP_INTERCEPTOR, useClass: PassThrough }] : [])] })
  class AppModule {}
  const app = adapter === 'fastify' ? await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false }) : await NestFactory.create(AppModule, { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen(port, '127.0.0.1');
  process.send?.('ready');
}

async function measure(variant: (typeof VARIANTS)[number], seconds: number, concurrency: number): Promise<{ requests_per_s: number; server_us_per_request: number }> {
  const port = await freePort();
  const child = fork(__filename, [], { env: { ...process.env, HTTP_STACK_SERVE: `${variant.adapter}:${variant.interceptor}:${port}` }, execArgv: process.execArgv });
  await new Promise((resolve) => child.once('message', resolve));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const body = JSON.stringify({ config_id: 'cfg_01M94J46PMY9FM6906ZQGZRN00', input: 'bench' });
  const call = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/v1/outcomes', method: 'POST', agent, headers: { authorization: 'Bearer k', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const load = async (ms: number): Promise<number> => {
    let n = 0;
    const end = performance.now() + ms;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await call();
        n++;
      }
    }));
    return n;
  };
  await load(1000);
  const c0 = processCpuSeconds(child.pid!);
  const n = await load(seconds * 1000);
  const used = processCpuSeconds(child.pid!) - c0;
  child.kill();
  agent.destroy();
  return { requests_per_s: Math.round(n / seconds), server_us_per_request: Math.round((used / n) * 1e6) };
}

async function main(): Promise<void> {
  const seconds = opt('seconds', quick ? 3 : 5);
  const rounds = opt('rounds', 2);
  const concurrency = opt('concurrency', 16);
  const runs = new Map<string, Array<{ requests_per_s: number; server_us_per_request: number }>>();
  for (let r = 0; r < rounds; r++) for (const v of VARIANTS) runs.set(v.name, [...(runs.get(v.name) ?? []), await measure(v, seconds, concurrency)]);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const results = Object.fromEntries([...runs].map(([k, rs]) => [k, { requests_per_s: median(rs.map((x) => x.requests_per_s)), server_us_per_request: median(rs.map((x) => x.server_us_per_request)) }]));
  console.log(`POST /v1/outcomes-shaped route, ${concurrency} kept-alive clients, ${seconds} s x ${rounds} rounds, median`);
  console.table(results);
  const cost = (name: string) => results[name]!.server_us_per_request;
  const ratios = {
    express_vs_express_interceptor: Number((cost('express') / cost('express + interceptor')).toFixed(2)),
    fastify_interceptor_vs_express_interceptor: Number((cost('fastify + interceptor') / cost('express + interceptor')).toFixed(2)),
    fastify_vs_express: Number((cost('fastify') / cost('express')).toFixed(2)),
  };
  console.log(JSON.stringify({ bench: 'http-stack', results, ratios }));
}

const serving = process.env['HTTP_STACK_SERVE'];
if (serving) {
  const [adapter, interceptor, port] = serving.split(':');
  void serve(adapter!, interceptor === 'true', Number(port));
} else {
  void main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
