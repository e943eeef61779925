import 'reflect-metadata';
import { runService } from '@outcomes/platform';
import { createAuctionApp, SERVICE } from './auction.app';
import { loadAuctionConfig } from './config';

// Eleven requests per auction: no stack trace captured up front for each (see BusOptions.noAsyncTraces).
runService(SERVICE, loadAuctionConfig, createAuctionApp, { noAsyncTraces: true });
