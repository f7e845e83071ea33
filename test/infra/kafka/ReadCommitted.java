// The test oracle for exactly-once: Apache Kafka's own Java consumer with
// isolation.level=read_committed (kafka-clients from the broker's classpath), run as a
// single-file source program: java -cp <classpath> ReadCommitted.java <bootstrap> <topic>...
// Prints every committed record of every partition of each topic, from the beginning up to
// the partition's last stable offset, as tab-separated lines:
//   topic  partition  offset  base64(key)  base64(value)  walcast.id header
// ("-" for a null key or value). Ends with a line "END".
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class ReadCommitted {
  public static void main(String[] args) {
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    Base64.Encoder b64 = Base64.getEncoder();
    java.io.PrintStream out = new java.io.PrintStream(new java.io.BufferedOutputStream(System.out, 1 << 16), false, StandardCharsets.UTF_8);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = new ArrayList<>();
      for (int i = 1; i < args.length; i++) {
        for (PartitionInfo pi : c.partitionsFor(args[i], Duration.ofSeconds(30))) parts.add(new TopicPartition(pi.topic(), pi.partition()));
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      // Under read_committed, endOffsets are the last stable offsets.
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      long deadline = System.currentTimeMillis() + 60_000;
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.currentTimeMillis() > deadline) throw new RuntimeException("did not reach the end offsets " + end);
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) continue;
          Header id = r.headers().lastHeader("walcast.id");
          out.print(r.topic() + "\t" + r.partition() + "\t" + r.offset() + "\t"
            + (r.key() == null ? "-" : b64.encodeToString(r.key())) + "\t"
            + (r.value() == null ? "-" : b64.encodeToString(r.value())) + "\t"
            + (id == null ? "" : new String(id.value(), StandardCharsets.UTF_8)) + "\n");
        }
      }
    }
    out.println("END");
    out.flush();
  }
}
