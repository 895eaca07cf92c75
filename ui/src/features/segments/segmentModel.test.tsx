// Which tables the builder offers for "has … where": tied by id columns, not by any shared name.
import { describe, expect, it } from 'vitest';
import type { TableSummary } from '../../api/dataTypes';
import { relatedLinks } from './segmentModel';

const table = (name: string, columns: string[]): TableSummary => ({
  name,
  rowCount: 1,
  columns: columns.map((c) => ({ name: c, type: 'text', pii: false })),
});

describe('relatedLinks', () => {
  it('ties tables through id columns and leaves out tables that only share other names', () => {
    const tables = [
      table('customers', ['customer_id', 'first_name', 'email']),
      table('e2e_people', ['id', 'first_name', 'email']),
      table('orders', ['order_id', 'customer_id', 'total']),
    ];
    expect(relatedLinks(tables, 'customers')).toEqual([{ table: 'orders', column: 'customer_id', on: 'customer_id' }]);
  });

  it('falls back to any shared column when no id column is shared', () => {
    const tables = [table('people', ['email', 'name']), table('visits', ['email', 'page'])];
    expect(relatedLinks(tables, 'people')).toEqual([{ table: 'visits', column: 'email', on: 'email' }]);
  });
});
