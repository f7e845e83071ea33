import { uniqueName } from '../../infra/names';

test('names are lowercase [a-z0-9_], start with a letter and fit in 63 characters', () => {
  for (const prefix of ['slot', 'My-Topic.Name', '9lives', '', 'x'.repeat(200)]) {
    const name = uniqueName(prefix);
    expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(name.length).toBeLessThanOrEqual(63);
  }
  expect(uniqueName('My-Slot')).toMatch(/^my_slot_/);
});

test('names carry the process id and never repeat within a process', () => {
  const names = new Set(Array.from({ length: 1000 }, () => uniqueName('db')));
  expect(names.size).toBe(1000);
  expect(uniqueName('db')).toContain(`_${process.pid.toString(36)}_`);
});
