import { hashMapOrder as javaHashMapOrder, javaStringHash } from '../../../connector/envelope/values/java-hash-map';
import { OpenTransaction, transactionRecord, transactionTopicName } from '../../../connector/envelope/transaction-metadata';

describe('java HashMap order (Debezium keeps per-table counts in a HashMap)', () => {
  // Expected orders printed by Java 17: new HashMap<>() filled in this order, then keySet().
  it('orders as java.util.HashMap iterates', () => {
    expect(javaHashMapOrder(['public.torture', 'public.full_ri', 'public.trunc', 'public.nokey', 'public.default_ri']))
      .toEqual(['public.trunc', 'public.nokey', 'public.full_ri', 'public.torture', 'public.default_ri']);
    // 18 names: the table grows to 32 buckets.
    expect(javaHashMapOrder(['inventory.orders', 'inventory.customers', 'inventory.products', 'inventory.products_on_hand', 'inventory.addresses',
      'inventory.geom', 'public.a', 'public.b', 'public.c', 'public.d', 'public.e', 'public.f', 'public.g', 's.t1', 's.t2', 's.t3', 's.t4', 's.t5']))
      .toEqual(['inventory.geom', 'inventory.products_on_hand', 'public.c', 'public.d', 'public.a', 'public.b', 's.t5', 'inventory.orders', 's.t2',
        's.t1', 'inventory.products', 's.t4', 's.t3', 'inventory.customers', 'inventory.addresses', 'public.g', 'public.e', 'public.f']);
  });

  it('String.hashCode over UTF-16 units', () => {
    expect(javaStringHash('public.torture')).toBe(-2069035066);
    expect(javaStringHash('héllo🎉')).toBe(291564827);
  });
});

describe('OpenTransaction', () => {
  it('counts events per transaction and per table; ids carry each record\'s LSN', () => {
    const tx = new OpenTransaction(755, 1700000000123n);
    expect(tx.begin(100n)).toEqual({
      key: '{"id":"755:100"}',
      value: '{"status":"BEGIN","id":"755:100","event_count":null,"data_collections":null,"ts_ms":1700000000123}',
    });
    expect(tx.event('"public"', '"torture"', 100n)).toBe('{"id":"755:100","total_order":1,"data_collection_order":1}');
    expect(tx.event('"public"', '"full_ri"', 120n)).toBe('{"id":"755:120","total_order":2,"data_collection_order":1}');
    expect(tx.event('"public"', '"torture"', 140n)).toBe('{"id":"755:140","total_order":3,"data_collection_order":2}');
    expect(tx.message('audit', 150n)).toBe('{"id":"755:150","total_order":4,"data_collection_order":1}');
    expect(tx.message('audit', 160n)).toBe('{"id":"755:160","total_order":5,"data_collection_order":1}');
    const end = tx.end(200n);
    expect(end.key).toBe('{"id":"755:200"}');
    expect(JSON.parse(end.value)).toEqual({
      status: 'END', id: '755:200', event_count: 5, ts_ms: 1700000000123,
      // public.full_ri before public.torture in HashMap order (Java prints them so); each message is a collection of its own.
      data_collections: [
        { data_collection: 'public.full_ri', event_count: 1 }, { data_collection: 'public.torture', event_count: 2 },
        { data_collection: 'audit', event_count: 1 }, { data_collection: 'audit', event_count: 1 },
      ],
    });
  });

  it('records on <prefix>.transaction, with Connect schemas when asked', () => {
    const tx = new OpenTransaction(7, 1n);
    const plain = transactionRecord(transactionTopicName('shop'), tx.begin(5n), '0/5:0', false);
    expect(plain.topic).toBe('shop.transaction');
    expect(plain.key!.toString()).toBe('{"id":"7:5"}');
    const wrapped = transactionRecord('shop.transaction', tx.begin(5n), '0/5:0', true);
    const value = JSON.parse(wrapped.value!.toString()) as { schema: { name: string }; payload: { status: string } };
    expect(value.schema.name).toBe('io.debezium.connector.common.TransactionMetadataValue');
    expect(value.payload.status).toBe('BEGIN');
    expect((JSON.parse(wrapped.key!.toString()) as { schema: { name: string } }).schema.name).toBe('io.debezium.connector.common.TransactionMetadataKey');
  });
});
