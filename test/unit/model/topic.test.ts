import { findTopicCollisions, messageTopicName, topicName } from '../../../connector/model/topic';

describe('topicName', () => {
  test('plain names', () => {
    expect(topicName('shop', 'public', 'orders')).toBe('shop.public.orders');
  });
  test('spaces, dots and other characters inside a part become _', () => {
    expect(topicName('shop', 'public', 'Order Items')).toBe('shop.public.Order_Items');
    expect(topicName('shop', 'my.schema', 'a*b>c')).toBe('shop.my_schema.a_b_c');
    expect(topicName('shop', 'sales', 'naïve-table_1')).toBe('shop.sales.na_ve-table_1');
  });
  test('the prefix may keep dots, other characters become _', () => {
    expect(topicName('prod.shop', 'public', 't')).toBe('prod.shop.public.t');
    expect(topicName('my shop', 'public', 't')).toBe('my_shop.public.t');
    expect(messageTopicName('shop')).toBe('shop.message');
  });
});

describe('findTopicCollisions', () => {
  test('no collisions, duplicates of the same table ignored', () => {
    expect(findTopicCollisions([
      { schema: 'public', table: 'a' }, { schema: 'public', table: 'b' }, { schema: 'public', table: 'a' },
    ], 'shop')).toEqual([]);
  });
  test('names that sanitise to the same topic', () => {
    const problems = findTopicCollisions([
      { schema: 'public', table: 'Order Items' },
      { schema: 'public', table: 'Order_Items' },
      { schema: 'public', table: 'Order.Items' },
    ], 'shop');
    expect(problems).toHaveLength(3);
    expect(problems[0]).toBe('tables "public.Order Items" and "public.Order_Items" both map to topic "shop.public.Order_Items"');
  });
  test('a schema with a dot collides with the table of that name', () => {
    const problems = findTopicCollisions([{ schema: 'a.b', table: 'c' }, { schema: 'a_b', table: 'c' }], 'p');
    expect(problems).toEqual(['tables "a.b.c" and "a_b.c" both map to topic "p.a_b.c"']);
  });
  test("Kafka's '.' vs '_' collision", () => {
    const problems = findTopicCollisions([{ schema: 'a_b', table: 'c' }, { schema: 'a', table: 'b_c' }], 'p');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/"p\.a_b\.c" and "p\.a\.b_c", which Kafka treats as colliding/);
  });
});
