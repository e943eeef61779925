// `npm run nats:accounts -- <dir>`: an operator set-up for running NATS with accounts, so that each
// NATS engine connects with credentials that let it act as itself only. Writes:
//   <dir>/accounts.conf   include it from nats-server.conf (operator, system account, resolver)
//   <dir>/platform.creds  the platform services' credentials (NATS_CREDS)
//   <dir>/engine-gateway.env  NATS_ACCOUNT and NATS_ACCOUNT_SIGNING_SEED for the engine-gateway
// Then `POST /v1/engines/{id}/credentials` mints each NATS engine its own .creds file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createOperatorSetup } from '@outcomes/bus';

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? '.outcomes/nats');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const setup = await createOperatorSetup('outcomes');
  writeFileSync(join(dir, 'accounts.conf'), `${setup.serverConfig}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'platform.creds'), setup.platformCreds, { mode: 0o600 });
  writeFileSync(join(dir, 'engine-gateway.env'), `NATS_ACCOUNT=${setup.signer.account}\nNATS_ACCOUNT_SIGNING_SEED=${setup.signer.signingSeed}\n`, { mode: 0o600 });
  process.stdout.write(
    [
      `wrote ${dir}/accounts.conf, platform.creds and engine-gateway.env`,
      'nats-server.conf:   include accounts.conf   (a path relative to nats-server.conf; plus jetstream { store_dir: … })',
      `every service:      NATS_CREDS=${join(dir, 'platform.creds')}`,
      `engine-gateway:     the two lines of engine-gateway.env (keep the seed secret)`,
      'each NATS engine:   POST /v1/engines/{id}/credentials (operator key) returns its .creds',
      '',
    ].join('\n'),
  );
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
