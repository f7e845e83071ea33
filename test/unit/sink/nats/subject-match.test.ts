import { patternCovers, subjectMatches, uncoveredSubjects } from '../../../../connector/sink/nats/subject-match';

describe('subject matching', () => {
  it.each([
    ['shop.>', 'shop.public.orders', true],
    ['shop.>', 'shop', false],
    ['>', 'shop.public.orders', true],
    ['shop.*.orders', 'shop.public.orders', true],
    ['shop.*', 'shop.public.orders', false],
    ['shop.public.orders', 'shop.public.orders', true],
    ['shop.public.orders', 'shop.public.order', false],
    ['other.>', 'shop.public.orders', false],
  ])('%s matches %s: %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });

  it.each([
    ['shop.>', 'shop.>', true],
    ['>', 'shop.>', true],
    ['shop.*.*', 'shop.>', false],
    ['shop.public.*', 'shop.>', false],
    ['shop.*.*', 'shop.*.orders', true],
    ['shop.public.orders', 'shop.*.orders', false],
    ['shop.>', 'shop.*', true],
  ])('%s covers filter %s: %s', (pattern, filter, expected) => {
    expect(patternCovers(pattern, filter)).toBe(expected);
  });

  it('lists every subject no pattern covers', () => {
    expect(uncoveredSubjects(['shop.public.*', 'shop.audit.log'], ['shop.public.a', 'shop.x.y', 'shop.audit.log', 'shop.audit.z']))
      .toEqual(['shop.x.y', 'shop.audit.z']);
  });
});
