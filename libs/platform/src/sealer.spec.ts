import { randomBytes } from 'node:crypto';
import { ConfigError } from '@outcomes/config';
import { parseKeys, Sealer } from './sealer';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('Sealer', () => {
  it('seals so the ciphertext does not show the secret, and opens it again', () => {
    const sealer = new Sealer(key('k1'));
    const sealed = sealer.seal({ token: 'crm-token-123' });
    expect(sealed.keyId).toBe('k1');
    expect(Buffer.from(sealed.ciphertext, 'base64').toString('latin1')).not.toContain('crm-token-123');
    expect(sealer.unseal(sealed)).toEqual({ token: 'crm-token-123' });
    expect(sealer.seal({ token: 'crm-token-123' }).ciphertext).not.toBe(sealed.ciphertext);
  });

  it('opens secrets sealed under a retired key after rotation, and refuses unknown keys', () => {
    const old = key('k1');
    const sealed = new Sealer(old).seal({ a: 'b' });
    expect(new Sealer(key('k2'), [old]).unseal(sealed)).toEqual({ a: 'b' });
    expect(() => new Sealer(key('k2')).unseal(sealed)).toThrow(/no secrets key "k1"/);
  });

  it('detects tampering', () => {
    const sealer = new Sealer(key('k1'));
    const sealed = sealer.seal({ a: 'b' });
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    expect(() => sealer.unseal({ ...sealed, ciphertext: raw.toString('base64') })).toThrow();
    expect(() => sealer.unseal({ ...sealed, ciphertext: sealed.ciphertext.slice(4) })).toThrow();
  });

  it('parses keys and names the variable when one is malformed', () => {
    const b64 = randomBytes(32).toString('base64');
    expect(parseKeys('K', `k1:${b64}, k2:${b64}`).map((k) => k.id)).toEqual(['k1', 'k2']);
    expect(() => parseKeys('K', 'k1:short')).toThrow(ConfigError);
    expect(() => parseKeys('K', b64)).toThrow(/K: each key must be/);
  });

  it('signs for a purpose and verifies under the current or a retired key, refusing any other data, purpose or key', () => {
    const old = key('k1');
    const tag = new Sealer(old).sign('callback', 'eng_1/out_1');
    expect(tag).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/);
    const rotated = new Sealer(key('k2'), [old]);
    expect(rotated.verify('callback', 'eng_1/out_1', tag)).toBe(true);
    expect(rotated.verify('callback', 'eng_2/out_1', tag)).toBe(false);
    expect(rotated.verify('credential', 'eng_1/out_1', tag)).toBe(false);
    expect(new Sealer(key('k2')).verify('callback', 'eng_1/out_1', tag)).toBe(false);
    expect(rotated.verify('callback', 'eng_1/out_1', `${tag.slice(0, -2)}AA`)).toBe(false);
    expect(rotated.verify('callback', 'eng_1/out_1', 'nonsense')).toBe(false);
  });
});
