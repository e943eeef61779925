import type { IncomingMessage } from 'node:http';
import { parse as parseForm } from 'node:querystring';
import { finished, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './api-error';

const JSON_LIMIT = 1024 * 1024;
/** body-parser's default limit for forms. */
const FORM_LIMIT = 100 * 1024;

const DECODERS: Readonly<Record<string, () => Transform>> = { gzip: createGunzip, deflate: createInflate, br: createBrotliDecompress };

const bodyError = (message: string, reason = message): ApiError => new ApiError('validation_failed', message, [{ field: 'body', reason }]);
const tooLarge = (limit: number): ApiError => bodyError('the body is too large', `is larger than ${limit} bytes`);
const notJson = (): ApiError => bodyError('the body is not valid JSON', 'is not valid JSON');

/**
 * The whole body, inflated through `decoder` when it came compressed, refused past `limit` bytes.
 * A refusal waits until the client has sent everything, as Express's body parsers did: answered
 * while it still sends, the client would see its connection cut (Fastify closes it after a body
 * it could not parse) instead of the answer.
 */
export function readBody(req: IncomingMessage, limit: number, refusal: () => ApiError, decoder?: Transform): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const body = decoder ? req.pipe(decoder) : req;
    const chunks: Buffer[] = [];
    let size = 0;
    let refused: ApiError | undefined;
    let settled = false;
    const settle = (outcome: ApiError | Buffer): void => {
      if (settled) return;
      settled = true;
      if (outcome instanceof ApiError) reject(outcome);
      else resolve(outcome);
    };
    const refuse = (err: ApiError): void => {
      if (refused) return;
      refused = err;
      chunks.length = 0;
      // Decoding stops (a small compressed body may inflate without end); the rest is read off.
      if (decoder) {
        req.unpipe(decoder);
        decoder.destroy();
        req.resume();
      }
      if (req.readableEnded) settle(err);
    };
    body.on('data', (c: Buffer) => {
      if (refused) return;
      size += c.length;
      if (size > limit) refuse(refusal());
      else chunks.push(c);
    });
    body.on('end', () => settle(refused ?? Buffer.concat(chunks, size)));
    decoder?.on('error', () => refuse(bodyError('the body could not be read', `is not valid ${req.headers['content-encoding']}`)));
    finished(req, (err) => {
      if (err) settle(bodyError('the body could not be read', 'was cut off'));
      else if (refused) settle(refused);
    });
  });
}

/** A body Express would have parsed: in an encoding and (`checkCharset`) a charset it read, and in the limit. */
async function readParsed(req: FastifyRequest, payload: IncomingMessage, limit: number, checkCharset: boolean): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const decoder = encoding === 'identity' ? undefined : DECODERS[encoding];
  const charset = /;\s*charset=("?)([^";]+)\1/i.exec(req.headers['content-type'] ?? '')?.[2]?.toLowerCase();
  const problem =
    encoding !== 'identity' && !decoder
      ? bodyError(`unsupported content encoding "${encoding}"`)
      : checkCharset && charset !== undefined && charset !== 'utf-8'
        ? bodyError(`unsupported charset "${charset.toUpperCase()}"`)
        : undefined;
  // The refusal is made only when needed: an Error records its stack, which is most of a small request's parsing.
  if (!problem) return readBody(payload, limit, () => tooLarge(limit), decoder?.());
  await readBody(payload, 0, () => problem);
  throw problem;
}

export interface BodyParserOptions {
  /** The route (pattern) whose JSON body the handler takes as bytes, and the limit for it. */
  readonly bytesRoute: string;
  readonly bytesLimit: number;
}

/**
 * Request bodies as the gateway took them on Express: JSON up to 1 MB (empty: `{}`; objects and
 * arrays only; `__proto__` keys refused), except on `bytesRoute`, whose JSON stays a Buffer;
 * forms, as Express parsed them too; any other type left unread for the route (an evidence file).
 * Refusals are API errors naming the body, answered by the error filter.
 */
export function useBodyParsers(fastify: FastifyInstance, options: BodyParserOptions): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'ignore');
  const jsonOf = (req: FastifyRequest, text: string): Promise<unknown> =>
    new Promise((resolve, reject) => parseJson(req, text, (err, value) => (err ? reject(notJson()) : resolve(value))));
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', async (req: FastifyRequest, payload: IncomingMessage) => {
    // The batch's charset is the handler's to check: it answers for the bytes it forwards.
    if (req.routeOptions.url === options.bytesRoute) return readParsed(req, payload, options.bytesLimit, false);
    const text = (await readParsed(req, payload, JSON_LIMIT, true)).toString('utf8');
    if (text.length === 0) return {};
    if (!/^\uFEFF?[\x20\x09\x0a\x0d]*[{[]/.test(text)) throw notJson();
    return jsonOf(req, text);
  });
  // A plain object, as Express's form parser gave (querystring's has no prototype).
  fastify.addContentTypeParser('application/x-www-form-urlencoded', async (req: FastifyRequest, payload: IncomingMessage) => ({
    ...parseForm((await readParsed(req, payload, FORM_LIMIT, true)).toString('utf8')),
  }));
  fastify.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
}
