/**
 * The JetStream stream the sink publishes into.
 *
 * createStream=true: create `<stream>` bound to `<topicPrefix>.>` (file storage, duplicate window
 * from config) when missing. An existing stream is never changed (its owner may depend on its
 * subjects/limits): if it does not cover `<topicPrefix>.>` or its duplicate window is shorter than
 * configured, that is logged, and `ensureTopics` fails for subjects it really does not cover.
 * createStream=false: the stream must exist.
 */
import { StorageType, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import { millis, nanos } from '@nats-io/transport-node';
import { ConnectorError } from '../../errors';
import { Logger } from '../../observe/logger';
import { NatsOptions } from './options';
import { apiErrorCode, isRetriableNatsError, JS_STREAM_NAME_IN_USE, JS_STREAM_NOT_FOUND } from './nats-errors';
import { patternCovers, uncoveredSubjects } from './subject-match';

export async function prepareStream(jsm: JetStreamManager, config: NatsOptions, topicPrefix: string, logger: Logger): Promise<StreamInfo> {
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
export async function checkSubjectsCovered(jsm: JetStreamManager, config: NatsOptions, subjects: readonly string[], logger: Logger): Promise<void> {
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
    // The client answers "no stream matches subject" with a StreamNotFoundError (code 10059).
    if (apiErrorCode(e) === JS_STREAM_NOT_FOUND) return null;
    throw setupError(`cannot look up the NATS stream for "${subject}"`, e, subject);
  }
}

function setupError(message: string, e: unknown, stream: string): ConnectorError {
  return new ConnectorError(isRetriableNatsError(e) ? 'SINK_CONNECT' : 'SINK_SETUP', `${message}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, context: { stream } });
}
