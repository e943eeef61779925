import type { GatewayConfig } from './config';

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export type GatewaySettings = Pick<GatewayConfig, 'operatorKey' | 'commandTimeoutMs'>;

/** The process's runtime (bus, pool, logger). */
export const GATEWAY_RUNTIME = Symbol('GATEWAY_RUNTIME');
