import { CatalogRejected } from '../errors';

export interface BuyerCreated {
  readonly type: 'BuyerCreated';
  readonly data: { readonly buyerId: string; readonly name: string; readonly email: string | null; readonly createdAt: string; readonly createdBy: string };
}
export type BuyerEvent = BuyerCreated;

export type BuyerState =
  | { readonly status: 'Empty' }
  | { readonly status: 'Active'; readonly buyerId: string; readonly name: string; readonly email: string | null; readonly createdAt: string };

export const initialBuyerState = (): BuyerState => ({ status: 'Empty' });

export interface CreateBuyer {
  readonly type: 'CreateBuyer';
  readonly buyerId: string;
  readonly name: string;
  readonly email: string | null;
  readonly by: string;
  readonly now: Date;
}
export type BuyerCommand = CreateBuyer;

export function decideBuyer(command: BuyerCommand, state: BuyerState): BuyerEvent[] {
  switch (command.type) {
    case 'CreateBuyer': {
      if (state.status !== 'Empty') throw new CatalogRejected('ALREADY_EXISTS', `buyer ${command.buyerId} already exists`);
      if (command.name.trim() === '') throw CatalogRejected.rule('name', 'must not be blank');
      const { buyerId, name, email, by, now } = command;
      return [{ type: 'BuyerCreated', data: { buyerId, name: name.trim(), email, createdAt: now.toISOString(), createdBy: by } }];
    }
    default: {
      const unhandled: never = command.type;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}

export function evolveBuyer(_state: BuyerState, event: BuyerEvent): BuyerState {
  switch (event.type) {
    case 'BuyerCreated': {
      const { buyerId, name, email, createdAt } = event.data;
      return { status: 'Active', buyerId, name, email, createdAt };
    }
    default: {
      const unhandled: never = event.type;
      return unhandled;
    }
  }
}
