import { deciderSpec } from '@outcomes/testing';
import { decideBuyer, evolveBuyer, initialBuyerState, type CreateBuyer } from './buyer.decide';

const spec = deciderSpec({ decide: decideBuyer, evolve: evolveBuyer, initialState: initialBuyerState });
const now = new Date('2026-11-22T10:00:00Z');
const create: CreateBuyer = { type: 'CreateBuyer', buyerId: 'buy_1', name: ' Acme ', email: null, by: 'operator', now };

describe('buyer', () => {
  it('is created once, by the operator, with a trimmed name', () => {
    spec.given([]).when(create).then([{ type: 'BuyerCreated', data: { buyerId: 'buy_1', name: 'Acme', email: null, createdAt: now.toISOString(), createdBy: 'operator' } }]);
    spec.given(spec.given([]).when(create).events()).when(create).thenRejects({ code: 'ALREADY_EXISTS' });
  });

  it('needs a name', () => {
    spec.given([]).when({ ...create, name: '  ' }).thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'name', reason: 'must not be blank' }] });
  });
});
