/**
 * The JetStream stream the sink publishes into.
 *
 * createStream=true: create `<stream>` bound to `<topicPrefix>.>` (file storage, duplicate window
 * from config) when missing. An existing stream is never changed (its owner may depend on its
 * subjects/limits): if it does not cover `<topicPrefix>.>` or its duplicate window is shorter than
 * configured, that is logged, and `ensureTopics` fails for subjects it really does not cover.
 * createStream=false: the stream must exist.
 */
import { JetStreamManager, nanos, millis, NatsError, StorageType, StreamInfo } from 'nats';
import { ConnectorError } from '../../errors';
import { Logger } from '../../observe/logger';
import { NatsConfig } from '../../../config/types';
import { patternCovers, uncoveredSubjects } from './subject-match';

/** JetStream API error code for "stream not found". */
const JS_STREAM_NOT_FOUND = 10059;
/** "stream name already in use with a different configuration": lost a create race. */
const JS_STREAM_NAME_IN_USE = 10058;

export async function prepareStream(jsm: JetStreamManager, config: NatsConfig, topicPrefix: string, logger: Logger): Promise<StreamInfo> {
  const wanted = `${topicPrefix}.>`;
  let info = await streamInfo(jsm, config.stream);
  if (info === null) {
    if (!config.createStream) {
      throw new ConnectorError('SINK_SETUP', `NATS stream "${config.stream}" does not exist and sink.nats.createStream is false; create it with subjects "${wanted}"`, { context: { stream: config.stream } });
    }
    try {
      info = await jsm.streams.add({
        name: config.stream,
        subjects: [wanted],
        storage: StorageType.File,
        duplicate_window: nanos(config.duplicateWindowMs),
      });
      logger.info({ stream: config.stream, subjects: [wanted], duplicateWindowMs: config.duplicateWindowMs }, 'created NATS stream');
    } catch (e) {
      if (apiErrorCode(e) !== JS_STREAM_NAME_IN_USE) throw setupError(`cannot create NATS stream "${config.stream}"`, e, config.stream);
      info = await streamInfo(jsm, config.stream);
      if (info === null) throw setupError(`cannot create NATS stream "${config.stream}"`, e, config.stream);
    }
    return info;
  }
  const subjects = info.config.subjects ?? [];
  if (!subjects.some((p) => patternCovers(p, wanted))) {
    logger.warn({ stream: config.stream, subjects, wanted }, 'existing NATS stream does not cover every subject of this connector; it is not changed, uncovered tables fail at ensureTopics');
  }
  const windowMs = millis(info.config.duplicate_window);
  if (windowMs < config.duplicateWindowMs) {
    logger.warn({ stream: config.stream, duplicateWindowMs: windowMs, configured: config.duplicateWindowMs }, 'existing NATS stream has a shorter duplicate window than configured; redeliveries older than it are stored twice');
  }
  return info;
}

/**
 * Every subject must be stored by some stream; `config.stream` or, failing that, any stream the
 * server finds for it (logged: its duplicate window applies). Names every uncovered subject.
 */
export async function checkSubjectsCovered(jsm: JetStreamManager, config: NatsConfig, subjects: readonly string[], logger: Logger): Promise<void> {
  const info = await streamInfo(jsm, config.stream);
  const ours = info?.config.subjects ?? [];
  const missing: string[] = [];
  for (const subject of uncoveredSubjects(ours, subjects)) {
    const other = await findStream(jsm, subject);
    if (other === null) missing.push(subject);
    else logger.warn({ subject, stream: other, configured: config.stream }, 'subject is stored by another NATS stream than the configured one');
  }
  if (missing.length > 0) {
    const bound = ours.length > 0 ? `stream "${config.stream}" is bound to ${ours.map((s) => `"${s}"`).join(', ')}` : `stream "${config.stream}" does not exist`;
    throw new ConnectorError(
      'SINK_SETUP',
      `no NATS stream covers subject(s) ${missing.map((s) => `"${s}"`).join(', ')} (${bound}); add them to a stream or set sink.nats.createStream`,
      { context: { stream: config.stream, subjects: missing.join(',') } },
    );
  }
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (e) {
    if (apiErrorCode(e) === JS_STREAM_NOT_FOUND) return null;
    throw setupError(`cannot read NATS stream "${name}"`, e, name);
  }
}

async function findStream(jsm: JetStreamManager, subject: string): Promise<string | null> {
  try {
    return await jsm.streams.find(subject);
  } catch (e) {
    // nats.js throws a plain Error("no stream matches subject") when the list is empty.
    if (e instanceof Error && !(e instanceof NatsError) && /no stream matches/.test(e.message)) return null;
    throw setupError(`cannot look up the NATS stream for "${subject}"`, e, subject);
  }
}

function apiErrorCode(e: unknown): number | undefined {
  return e instanceof NatsError ? e.api_error?.err_code : undefined;
}

function setupError(message: string, e: unknown, stream: string): ConnectorError {
  const retriable = e instanceof NatsError && (e.code === 'TIMEOUT' || e.code === '503');
  return new ConnectorError(retriable ? 'SINK_CONNECT' : 'SINK_SETUP', `${message}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, context: { stream } });
}
