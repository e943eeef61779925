import { BudgetRefused, mapEntries } from '@outcomes/domain-auction';
import { Aggregates } from '@outcomes/platform';
import { createTestEventStore, type TestEventStore } from '@outcomes/testing';
import fc from 'fast-check';
import { BudgetBook, budgets } from './budget-book';

/**
 * Auctions racing for a budget's last dollars: several copies of the service (each its own
 * BudgetBook, pool and cache), reserving, adjusting and releasing at once on one stream in PostgreSQL.
 */
let es: TestEventStore;
beforeAll(async () => {
  es = await createTestEventStore(24);
});
afterAll(() => es.close());

const LIMIT = 1_000_000;

it('never lets spent plus reserved pass the limit, and loses no reservation, however copies interleave', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ amount: fc.integer({ min: 1, max: 300_000 }), hold: fc.option(fc.integer({ min: 0, max: 200_000 })), copy: fc.integer({ min: 0, max: 2 }), release: fc.boolean() }), { minLength: 10, maxLength: 40 }),
      async (attempts) => {
        const budgetId = `cfg_race.${run++}`;
        const copies = [0, 1, 2].map(() => new BudgetBook(new Aggregates(es.store)));
        const granted: Array<{ id: string; amount: number; released: boolean }> = [];
        await Promise.all(
          attempts.map(async ({ amount, hold, copy, release }, i) => {
            const id = `out_${i}:0`;
            // As an auction with a ceiling does: hold more while the bids come in, then adjust to the
            // clearing price (through another copy, here); when the hold is refused, reserve the price.
            const held = hold === null ? 0 : await copies[copy]!.reserve(budgetId, id, amount + hold, LIMIT).catch((err: unknown) => (err instanceof BudgetRefused ? 0 : Promise.reject(err)));
            try {
              if (held > 0) await copies[(copy + 2) % 3]!.adjust(budgetId, id, amount, LIMIT);
              else await copies[copy]!.reserve(budgetId, id, amount, LIMIT);
            } catch (err) {
              if (err instanceof BudgetRefused) return;
              throw err;
            }
            const g = { id, amount, released: false };
            granted.push(g);
            // Some winners decline or escalate: their reservation goes back while others still race for it.
            if (release) {
              await copies[(copy + 1) % 3]!.release(budgetId, id);
              g.released = true;
            }
          }),
        );
        const { state } = await new Aggregates(es.store).load(budgets, budgetId);
        const held = granted.filter((g) => !g.released).reduce((a, g) => a + g.amount, 0);
        expect(state.spentMicros + state.reservedMicros).toBeLessThanOrEqual(LIMIT);
        expect(state.reservedMicros).toBe(held);
        expect([...mapEntries(state.open)].map(([id]) => id).sort()).toEqual(granted.filter((g) => !g.released).map((g) => g.id).sort());
        // The race was real: more was asked than the budget holds, and the budget was used.
        if (attempts.reduce((a, x) => a + x.amount, 0) > 2 * LIMIT) expect(granted.length).toBeLessThan(attempts.length);
      },
    ),
    { numRuns: 15 },
  );
}, 120_000);

it('saves a hot budget now and then, and a copy that starts from the snapshot decides as one that read every event', async () => {
  const first = new BudgetBook(new Aggregates(es.store));
  const budgetId = 'cfg_hot.total';
  // 10,050 reservations of 100 and one closed: past the 10,000 events after which a snapshot is due.
  await Promise.all(Array.from({ length: 10_050 }, (_, i) => first.reserve(budgetId, `out_${i}:0`, 100, 2_000_000)));
  await first.release(budgetId, 'out_7:0');
  let snapshot: { version: string } | undefined;
  for (let i = 0; i < 100 && !snapshot; i++) {
    snapshot = (await es.store.pool.query<{ version: string }>(`SELECT version FROM es.snapshots WHERE stream_id = $1`, [`budget-${budgetId}`])).rows[0];
    if (!snapshot) await new Promise((r) => setTimeout(r, 50));
  }
  expect(Number(snapshot!.version)).toBeGreaterThanOrEqual(10_000);
  await first.reserve(budgetId, 'out_after:0', 100, 2_000_000);

  // Another copy: 2,000,000 - 10,050 × 100 (one released, one more reserved) leaves 995,000.
  const second = new BudgetBook(new Aggregates(es.store));
  await expect(second.reserve(budgetId, 'out_big:0', 995_001, 2_000_000)).rejects.toBeInstanceOf(BudgetRefused);
  expect(await second.reserve(budgetId, 'out_big:0', 995_000, 2_000_000)).toBe(995_000);
  // What the snapshot holds is honoured: a closed reservation is not reserved again, an open one not twice.
  expect(await second.reserve(budgetId, 'out_7:0', 100, 3_000_000)).toBe(0);
  expect(await second.reserve(budgetId, 'out_8:0', 100, 3_000_000)).toBe(100);
  const { state } = await new Aggregates(es.store).load(budgets, budgetId);
  expect(state.reservedMicros).toBe(2_000_000);
}, 60_000);
