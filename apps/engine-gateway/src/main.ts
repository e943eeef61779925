import 'reflect-metadata';
import { runService } from '@outcomes/platform';
import { loadEngineGatewayConfig } from './config';
import { createEngineGatewayApp, SERVICE } from './engine-gateway.app';

runService(SERVICE, loadEngineGatewayConfig, (rt, config) => createEngineGatewayApp(rt, config));
