import { OutcomesClient, type OutcomeEvent } from './index';

const sse = (blocks: string[], fail: boolean): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder();
  const queue = [...blocks];
  // Pulled one block at a time, so the blocks reach the reader before the connection breaks.
  return new ReadableStream({
    pull(controller) {
      const next = queue.shift();
      if (next !== undefined) controller.enqueue(encoder.encode(next));
      else if (fail) controller.error(new Error('connection reset'));
      else controller.close();
    },
  });
};
const block = (id: number, event: string, data: object) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

describe('OutcomesClient.follow', () => {
  it('resumes a dropped stream after the last event it saw, and stops at the final event', async () => {
    const asked: Array<string | null> = [];
    const fetch = (async (_url: string, init: { headers: Record<string, string> }) => {
      asked.push(init.headers['last-event-id'] ?? null);
      const body =
        asked.length === 1
          ? sse([block(1, 'requested', {}), block(2, 'assistant', { content: 'hel' })], true)
          : sse([block(3, 'assistant', { content: 'lo' }), block(4, 'complete', { result: 'done', artifacts: [] }), block(5, 'assistant', { content: 'never' })], false);
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }) as unknown as typeof globalThis.fetch;
    const client = new OutcomesClient('cfg_1', { apiKey: 'k', baseUrl: 'http://api.test', fetch });
    const events: OutcomeEvent[] = [];
    for await (const e of client.follow('out_1')) events.push(e);
    expect(events.map((e) => (e.type === 'assistant' ? e.content : e.type))).toEqual(['requested', 'hel', 'lo', 'complete']);
    expect(asked).toEqual([null, '2']);
  });
});
