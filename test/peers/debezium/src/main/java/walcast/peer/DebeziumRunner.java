package walcast.peer;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;

/**
 * Debezium's PostgreSQL connector in the embedded engine, as walcast's reference: every record
 * is written to stdout as one JSON line
 *   {"topic":..,"key":<JsonConverter output>,"value":<JsonConverter output>,"headers":{..}}
 * with the key and value exactly as Kafka Connect's JsonConverter serializes them (schemas off
 * unless --schemas). No Kafka: offsets live in memory (the engine starts from its slot).
 *
 * Arguments: --prop key=value (any Debezium / engine property, repeatable), --props FILE
 * (a properties file), --schemas (JsonConverter schemas.enable=true).
 * Diagnostic lines go to stderr. The process ends when stdin reaches EOF (its parent died or
 * closed it) or on SIGTERM; both close the engine, which drops the slot when slot.drop.on.stop.
 */
public final class DebeziumRunner {

    private DebeziumRunner() {
    }

    public static void main(String[] args) throws Exception {
        Properties props = defaults();
        boolean schemas = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--schemas":
                    schemas = true;
                    break;
                case "--prop": {
                    String kv = args[++i];
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--prop needs key=value, got " + kv);
                    }
                    props.setProperty(kv.substring(0, eq), kv.substring(eq + 1));
                    break;
                }
                case "--props":
                    try (InputStream in = new FileInputStream(args[++i])) {
                        props.load(in);
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }

        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        JsonConverter keyConverter = converter(schemas, true);
        JsonConverter valueConverter = converter(schemas, false);
        JsonConverter headerConverter = converter(false, false);

        CountDownLatch done = new CountDownLatch(1);
        int[] exitCode = {0};
        DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(props)
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        System.err.println("[debezium-runner] task started");
                    }
                })
                .using((success, message, error) -> {
                    if (!success) {
                        System.err.println("[debezium-runner] engine failed: " + message);
                        if (error != null) {
                            error.printStackTrace(System.err);
                        }
                        exitCode[0] = 2;
                    }
                    done.countDown();
                })
                .notifying((List<RecordChangeEvent<SourceRecord>> records, DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) -> {
                    for (RecordChangeEvent<SourceRecord> event : records) {
                        out.println(line(event.record(), keyConverter, valueConverter, headerConverter));
                        committer.markProcessed(event);
                    }
                    out.flush();
                    committer.markBatchFinished();
                })
                .build();

        ExecutorService executor = Executors.newSingleThreadExecutor();
        executor.execute(engine);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> close(engine, executor)));

        // Ends with the parent: stdin EOF closes the engine.
        Thread stdinWatch = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                while (r.readLine() != null) {
                    // input is ignored
                }
            }
            catch (IOException ignored) {
                // treated as EOF
            }
            done.countDown();
        });
        stdinWatch.setDaemon(true);
        stdinWatch.start();

        done.await();
        close(engine, executor);
        out.flush();
        System.exit(exitCode[0]);
    }

    private static Properties defaults() {
        Properties p = new Properties();
        p.setProperty("name", "walcast-reference");
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("topic.prefix", "ref");
        return p;
    }

    private static JsonConverter converter(boolean schemas, boolean isKey) {
        JsonConverter c = new JsonConverter();
        Map<String, Object> config = new HashMap<>();
        config.put("schemas.enable", Boolean.toString(schemas));
        config.put("converter.type", isKey ? "key" : "value");
        c.configure(config, isKey);
        return c;
    }

    private static String line(SourceRecord r, JsonConverter keys, JsonConverter values, JsonConverter headers) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"topic\":").append(quote(r.topic()));
        sb.append(",\"key\":").append(json(keys.fromConnectData(r.topic(), r.keySchema(), r.key())));
        sb.append(",\"value\":").append(json(values.fromConnectData(r.topic(), r.valueSchema(), r.value())));
        sb.append(",\"headers\":{");
        boolean first = true;
        for (Header h : r.headers()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(quote(h.key())).append(':').append(json(headers.fromConnectHeader(r.topic(), h.key(), h.schema(), h.value())));
        }
        sb.append("}}");
        return sb.toString();
    }

    /** JsonConverter output is JSON text in UTF-8, or null for a null value (a tombstone). */
    private static String json(byte[] bytes) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            }
            else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            }
            else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private static synchronized void close(DebeziumEngine<?> engine, ExecutorService executor) {
        try {
            engine.close();
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
        catch (Exception e) {
            System.err.println("[debezium-runner] close failed: " + e);
        }
    }
}
