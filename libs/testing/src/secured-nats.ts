import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credsAuthenticator } from '@nats-io/nats-core';
import { connectNats, createOperatorSetup, type AccountSigner } from '@outcomes/bus';
import { freePort } from './ports';

export interface SecuredNats {
  readonly url: string;
  /** Path of the platform services' `.creds` file (NATS_CREDS). */
  readonly platformCredsPath: string;
  readonly platformCreds: string;
  readonly signer: AccountSigner;
  stop(): Promise<void>;
}

/** `NATS_SERVER_BIN`, else `nats-server` on the PATH or in /usr/sbin. */
function serverBinary(): string {
  if (process.env['NATS_SERVER_BIN']) return process.env['NATS_SERVER_BIN'];
  const found = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  throw new Error('these tests start their own NATS server with accounts: install nats-server (2.9+) or set NATS_SERVER_BIN');
}


/**
 * A NATS server of its own, with JetStream, in operator mode: accounts and users are JWTs, so the
 * server enforces each user's permissions. The shared test server runs without auth; tests of who
 * may do what run here.
 */
export async function startSecuredNats(): Promise<SecuredNats> {
  const setup = await createOperatorSetup('outcomes-test');
  const dir = mkdtempSync(join(tmpdir(), 'outcomes-nats-'));
  const port = await freePort();
  writeFileSync(join(dir, 'server.conf'), `listen: 127.0.0.1:${port}\n${setup.serverConfig}\njetstream: { store_dir: "${join(dir, 'js')}" }\n`);
  const platformCredsPath = join(dir, 'platform.creds');
  writeFileSync(platformCredsPath, setup.platformCreds, { mode: 0o600 });
  const log = join(dir, 'server.log');
  const child: ChildProcess = spawn(serverBinary(), ['-c', join(dir, 'server.conf'), '-l', log], { stdio: 'ignore' });
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const nc = await connectNats({ servers: url, authenticator: credsAuthenticator(new TextEncoder().encode(setup.platformCreds)) });
      await nc.close();
      break;
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`the secured NATS server did not start: ${String(err)}\n${existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : ''}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    platformCredsPath,
    platformCreds: setup.platformCreds,
    signer: setup.signer,
    async stop() {
      if (child.exitCode === null) await new Promise((r) => (child.once('exit', r), child.kill('SIGTERM')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
