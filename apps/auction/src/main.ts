import 'reflect-metadata';
import { runService } from '@outcomes/platform';
import { createAuctionApp, SERVICE } from './auction.app';
import { loadAuctionConfig } from './config';

runService(SERVICE, loadAuctionConfig, createAuctionApp);
