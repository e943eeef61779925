import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds, fromSeed, type KeyPair } from '@nats-io/jwt';
import { ENGINE_SUBJECTS, engineInboxPrefix } from '@outcomes/contracts';

/**
 * NATS decentralized auth for engines. The platform's account carries a signing key; the
 * engine-gateway holds its seed and mints each NATS engine a user JWT whose permissions name that
 * engine alone: it may receive bid requests, awards, notices and claims on `engine.<its id>.>`,
 * answer them (one reply per request received), publish its execution on `exec.<its id>.>`, and
 * redeem the credential references of its awards on `cred.<its id>.redeem`, reading the answers in an
 * inbox of its own (it connects with `inboxPrefix: engineInboxPrefix(id)`). The
 * server enforces it, so an engine can neither read another engine's awards nor bid, stream or
 * finish as another engine.
 */
export interface AccountSigner {
  /** The account's public key (`A…`): the user JWT names it as its issuer account. */
  readonly account: string;
  /** The seed (`SA…`) of one of the account's signing keys. */
  readonly signingSeed: string;
}

export interface EngineCredentials {
  /** A `.creds` file: the user JWT and its seed, what `credsAuthenticator` reads. */
  readonly creds: string;
  readonly userPublicKey: string;
  readonly expiresAt: Date;
}

/** The permissions of engine `engineId` in a namespace (`''` when none). */
export function enginePermissions(engineId: string, namespace: string) {
  const p = (s: string) => (namespace ? `${namespace}.${s}` : s);
  const own = (subject: string) => p(subject.slice(0, subject.lastIndexOf('.') + 1) + '>');
  return {
    sub: { allow: [own(ENGINE_SUBJECTS.bidRequest(engineId)), `${engineInboxPrefix(engineId)}.>`], deny: [] },
    pub: { allow: [p(`exec.${engineId}.>`), p(ENGINE_SUBJECTS.redeemCredential(engineId))], deny: [] },
    // Replies only to requests it received, one each, within a minute.
    resp: { max: 1, ttl: 60_000_000_000 },
  };
}

export async function mintEngineCredentials(signer: AccountSigner, engineId: string, namespace: string, ttlSeconds: number, now = new Date()): Promise<EngineCredentials> {
  const user = createUser();
  const signing = fromSeed(new TextEncoder().encode(signer.signingSeed));
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  const jwt = await encodeUser(engineId, user, signing, { issuer_account: signer.account, ...enginePermissions(engineId, namespace) }, { exp: Math.floor(expiresAt.getTime() / 1000) });
  return { creds: new TextDecoder().decode(fmtCreds(jwt, user)), userPublicKey: user.getPublicKey(), expiresAt };
}

/**
 * A whole operator set-up for one server: operator, system account, the platform's account (with
 * JetStream and a signing key) and the platform services' own user, who may do anything in it.
 * `scripts/nats-accounts.ts` writes it out for an operator; tests start a server from it.
 */
export interface OperatorSetup {
  /** Lines for nats-server.conf: operator, system account, memory resolver with both accounts. */
  readonly serverConfig: string;
  readonly signer: AccountSigner;
  /** `.creds` of the platform's services. */
  readonly platformCreds: string;
}

export async function createOperatorSetup(name = 'outcomes'): Promise<OperatorSetup> {
  const operator = createOperator();
  const system = createAccount();
  const account = createAccount();
  const signing = createAccount();
  const opJwt = await encodeOperator(name, operator, { system_account: system.getPublicKey() });
  const sysJwt = await encodeAccount('SYS', system, {}, { signer: operator });
  const accJwt = await encodeAccount(
    name,
    account,
    { signing_keys: [signing.getPublicKey()], limits: { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1, subs: -1, data: -1, payload: -1, conn: -1, imports: -1, exports: -1, wildcards: true, leaf: -1 } },
    { signer: operator },
  );
  const platform = createUser();
  const platformJwt = await encodeUser('platform', platform, account);
  const serverConfig = [
    `operator: ${opJwt}`,
    `system_account: ${system.getPublicKey()}`,
    'resolver: MEMORY',
    'resolver_preload: {',
    `  ${system.getPublicKey()}: ${sysJwt}`,
    `  ${account.getPublicKey()}: ${accJwt}`,
    '}',
  ].join('\n');
  return { serverConfig, signer: { account: account.getPublicKey(), signingSeed: seedOf(signing) }, platformCreds: new TextDecoder().decode(fmtCreds(platformJwt, platform)) };
}

const seedOf = (kp: KeyPair): string => new TextDecoder().decode(kp.getSeed());
