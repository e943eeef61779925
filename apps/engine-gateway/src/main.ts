import 'reflect-metadata';
import { runService, Sealer } from '@outcomes/platform';
import { loadEngineGatewayConfig } from './config';
import { createEngineGatewayApp, SERVICE } from './engine-gateway.app';

runService(SERVICE, loadEngineGatewayConfig, (rt, config) => createEngineGatewayApp(rt, new Sealer(config.secretsKey, config.retiredSecretsKeys)));
