/** What the benches share: command-line options and the event they all write. */
export const argv = process.argv.slice(2);
export const quick = argv.includes('--quick');
export const optStr = (name: string): string | undefined => argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3);
export const opt = (name: string, fallback: number): number => {
  const v = optStr(name);
  return v === undefined ? fallback : Number(v);
};

/** An order placed, ~200 bytes of JSON: the same event in every bench. */
export const eventData = (n: number) => ({
  orderId: `ord_${n}`,
  customerId: 'cus_7QmJ2kX9',
  currency: 'EUR',
  total: 28345,
  lines: [
    { sku: 'SKU-10492', quantity: 2, unitPrice: 9999 },
    { sku: 'SKU-20311', quantity: 1, unitPrice: 8347 },
  ],
  placedAt: '2025-11-22T10:00:00.000Z',
});
