import 'reflect-metadata';
import { runService } from '@outcomes/platform';
import { loadGatewayConfig } from './config';
import { createGatewayApp, SERVICE } from './gateway.app';
import { installLeanAsyncBind } from './http/async-bind';

installLeanAsyncBind();

// The buyer API listens on PORT; /healthz and /readyz also answer on HEALTH_PORT, like every service.
runService(SERVICE, loadGatewayConfig, (rt, config) => createGatewayApp(rt, config), { noAsyncTraces: true });
