/**
 * A decoder whose events pass through `map` (null drops one): the wrappers that adjust what a
 * decoder says (key columns, the table filter) without touching its bytes. The decoder's own
 * array comes back when nothing changed, so the common case allocates nothing.
 */
import type { ChangeEvent, Decoder } from '../model/change';

export function mapEvents(decoder: Decoder, map: (ev: ChangeEvent) => ChangeEvent | null): Decoder {
  return {
    plugin: decoder.plugin,
    startOptions: () => decoder.startOptions(),
    decode: (payload, walStart) => {
      const events = decoder.decode(payload, walStart);
      let out: ChangeEvent[] | null = null;
      for (let i = 0; i < events.length; i++) {
        const ev = events[i]!;
        const mapped = map(ev);
        if (out === null && mapped === ev) continue;
        out ??= events.slice(0, i);
        if (mapped !== null) out.push(mapped);
      }
      return out ?? events;
    },
  };
}
