import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConfigError, type Setting } from '@outcomes/config';

/** A secret as stored in events: which key sealed it, and `base64(iv | tag | ciphertext)`. */
export interface SealedSecret {
  readonly keyId: string;
  readonly ciphertext: string;
}

export interface SecretsKey {
  readonly id: string;
  readonly key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** `<key id>:<32 bytes in base64>`, comma-separated for several. */
export function parseKeys(env: string, raw: string): SecretsKey[] {
  return raw.split(',').map((entry) => {
    const [id, b64, ...rest] = entry.trim().split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || !KEY_ID.test(id) || rest.length > 0 || key.length !== 32) {
      throw new ConfigError([`${env}: each key must be <key id>:<32 bytes in base64>, e.g. k1:${randomBytes(32).toString('base64')}`]);
    }
    return { id, key };
  });
}

export const secretsKeySetting = (env: string, description: string): Setting<SecretsKey> => ({
  env,
  description,
  parse: (raw) => {
    if (raw === undefined || raw === '') throw new ConfigError([`${env}: is required (generate one: k1:$(openssl rand -base64 32))`]);
    const [only, ...more] = parseKeys(env, raw);
    if (!only || more.length > 0) throw new ConfigError([`${env}: takes one key; older keys go in the retired list`]);
    return only;
  },
});

export const retiredKeysSetting = (env: string, description: string): Setting<SecretsKey[]> => ({
  env,
  description,
  parse: (raw) => (raw === undefined || raw === '' ? [] : parseKeys(env, raw)),
});

/**
 * Connector credentials are sealed with AES-256-GCM before they enter an event, because events are
 * kept forever. New secrets use the current key; retired keys still open what they sealed, so a
 * key can be rotated without rewriting history.
 */
export class Sealer {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    private readonly current: SecretsKey,
    retired: readonly SecretsKey[] = [],
  ) {
    this.keys = new Map([...retired, current].map((k) => [k.id, k.key]));
  }

  seal(secret: Readonly<Record<string, string>>): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(this.current.id));
    const body = Buffer.concat([cipher.update(JSON.stringify(secret), 'utf8'), cipher.final()]);
    return { keyId: this.current.id, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
  }

  unseal(sealed: SealedSecret): Record<string, string> {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error(`no secrets key "${sealed.keyId}" is configured to open this secret`);
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(sealed.keyId));
    decipher.setAuthTag(raw.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as Record<string, string>;
  }

  /**
   * A tag proving this platform made `data` for `purpose` (HMAC-SHA256 under a subkey of the current
   * key, derived per purpose), as `<key id>.<base64url mac>`: short-lived tokens carry it.
   */
  sign(purpose: string, data: string): string {
    return `${this.current.id}.${this.mac(this.current, purpose, data).toString('base64url')}`;
  }

  /** Whether `tag` is `sign(purpose, data)` under the current key or a retired one. */
  verify(purpose: string, data: string, tag: string): boolean {
    const dot = tag.indexOf('.');
    const key = this.keys.get(tag.slice(0, dot));
    if (dot < 1 || !key) return false;
    const given = Buffer.from(tag.slice(dot + 1), 'base64url');
    const expected = this.mac({ id: tag.slice(0, dot), key }, purpose, data);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(k: SecretsKey, purpose: string, data: string): Buffer {
    const subkey = Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), `outcomes:${purpose}`, 32));
    return createHmac('sha256', subkey).update(data).digest();
  }
}
