import { closestTable, didYouMean } from '../../../connector/source/table-suggest';

const all = [
  { schema: 'public', table: 'orders' },
  { schema: 'public', table: 'customers' },
  { schema: 'public', table: 'Order Items' },
  { schema: 'sales', table: 'invoices' },
];

describe('closestTable', () => {
  it.each([
    ['public.order', 'public.orders'],
    ['public.Orders', 'public.orders'],
    ['public.custmers', 'public.customers'],
    ['sale.invoices', 'sales.invoices'],
    ['public.order items', 'public.Order Items'],
  ])('%s -> %s', (pattern, expected) => {
    expect(closestTable(pattern, all)).toBe(expected);
  });

  it('suggests nothing for a name that is not a slip', () => {
    expect(closestTable('public.payments', all)).toBeNull();
    expect(closestTable('x.y', all)).toBeNull();
    expect(closestTable('public.orders', [])).toBeNull();
  });

  it('phrases the suggestion', () => {
    expect(didYouMean('public.order', all)).toBe(' (did you mean "public.orders"?)');
    expect(didYouMean('public.payments', all)).toBe('');
  });
});
