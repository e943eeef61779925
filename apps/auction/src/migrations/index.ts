import { runMigrations } from '@outcomes/event-store';
import { CreateAuction1764000100000 } from './1764000100000-create-auction';
import { AuctionTimers1764000200000 } from './1764000200000-auction-timers';
import { HandoffTimers1764000400000 } from './1764000400000-handoff-timers';
import { OutcomeSessions1764000500000 } from './1764000500000-outcome-sessions';
import { EngineLoad1764001300000 } from './1764001300000-engine-load';
import { OutcomeSummary1764001400000 } from './1764001400000-outcome-summary';

export const auctionMigrations = [CreateAuction1764000100000, AuctionTimers1764000200000, HandoffTimers1764000400000, OutcomeSessions1764000500000, EngineLoad1764001300000, OutcomeSummary1764001400000];

export const migrateAuction = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, auctionMigrations, 'auction_migrations');
