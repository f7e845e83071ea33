import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { println, watchOutputClosed } from '../../../connector/cli/io';

describe('watchOutputClosed', () => {
  it('turns an error on stdout into one SIGTERM for the command, and handles it', () => {
    const out = new PassThrough();
    const process = new EventEmitter();
    const watched = watchOutputClosed(process, out);
    const stops: string[] = [];
    const onTerm = () => stops.push('TERM');
    const onInt = () => stops.push('INT');
    watched.signals.on('SIGTERM', onTerm);
    watched.signals.on('SIGINT', onInt);
    expect(watched.closed()).toBe(false);

    // Without a listener this emit would throw (an unhandled 'error' crashes the process).
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    out.emit('error', Object.assign(new Error('write after destroy'), { code: 'ERR_STREAM_DESTROYED' }));
    expect(stops).toEqual(['TERM']);
    expect(watched.closed()).toBe(true);

    // Real signals still reach the command; off() detaches from both sources.
    process.emit('SIGINT');
    expect(stops).toEqual(['TERM', 'INT']);
    watched.signals.off('SIGTERM', onTerm);
    process.emit('SIGTERM');
    expect(stops).toEqual(['TERM', 'INT']);
  });
});

test('println redacts what it prints', () => {
  let text = '';
  println({ write: (t: string) => { text += t; return true; } }, 'url postgres://u:Secret1@h/db');
  expect(text).toBe('url postgres://u:***@h/db\n');
});
