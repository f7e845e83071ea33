/*
 * walcast's Kafka test broker: librdkafka's mock cluster (real Kafka wire protocol) plus a
 * line-based TCP control port so tests in other processes can inject faults.
 *
 * Usage: mock-broker [brokers=1] [default_partitions=1]
 *   env MOCK_BROKERS / MOCK_DEFAULT_PARTITIONS give the same settings.
 *
 * stdout, one line each, then nothing else:
 *   BOOTSTRAP 127.0.0.1:<port>[,127.0.0.1:<port>...]
 *   CONTROL <port>
 *
 * Control protocol: one command per line, one reply line per command, `OK [...]` or `ERR <why>`.
 *   ping                                  -> OK pong
 *   broker_down <id|all>                  listener stopped, open connections closed
 *   broker_up <id|all>
 *   rtt <id|all> <ms>                     delay every response of that broker
 *   produce_errors <count> <errcode>      next <count> Produce requests fail with <errcode>
 *   request_errors <apikey> <count> <errcode>
 *   clear_errors <apikey>
 *   topic_create <name> <partitions> <rf>
 *   topic_error <name> <errcode>          topic-level error in Metadata responses (0 clears)
 *
 * Broker ids are 0..N-1. The mock reports controller id 0 and kafkajs sends admin and
 * InitProducerId requests to the controller, so broker 0 must exist: the cluster is created
 * with N-1 brokers (ids 1..N-1) and broker 0 is added. With one broker, `broker_down 0` is a
 * full outage.
 *
 * The mock has no CreateTopics handler (kafkajs admin.createTopics would get "unsupported
 * version"), so this file installs one through the mock's internal headers. Other facts of the
 * mock worth knowing: it keeps at most 100000 messages / 5 MB per partition (older ones are
 * dropped, advancing the log start offset); auto-creation happens when a Metadata request asks
 * for it (kafkajs: allowAutoTopicCreation), with the default partition count set here.
 *
 * Exits 0 on SIGTERM/SIGINT or when stdin reaches EOF (the parent died).
 */
#include "rdkafka_int.h"
#include "rdkafka_mock.h"
#include "rdkafka_mock_int.h"

#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define LINE_MAX_LEN 1024

static volatile sig_atomic_t stop_requested = 0;
static rd_kafka_mock_cluster_t *mcluster;
static int broker_count;

static void on_signal(int sig) {
        (void)sig;
        stop_requested = 1;
}

/*
 * The mock trims each partition to 100,000 messages / 5 MB (rdkafka_mock.c), which would hide
 * messages from tests that replay a whole topic (a 200k-row snapshot). Topics created through
 * CreateTopics keep everything up to these limits instead.
 */
#define RETAIN_MAX_CNT 20000000
#define RETAIN_MAX_SIZE ((int64_t)4 * 1024 * 1024 * 1024)

static void raise_retention(rd_kafka_mock_topic_t *mtopic) {
        int p;
        for (p = 0; p < mtopic->partition_cnt; p++) {
                mtopic->partitions[p].max_cnt  = RETAIN_MAX_CNT;
                mtopic->partitions[p].max_size = RETAIN_MAX_SIZE;
        }
}

/*
 * CreateTopics (ApiKey 19), versions 0-4 (non-flexible).
 * Request:  [topics: name STRING, num_partitions INT32, replication_factor INT16,
 *            assignments [partition INT32, broker_ids [INT32]],
 *            configs [name STRING, value NULLABLE_STRING]]
 *           timeout_ms INT32, (v1+) validate_only BOOL
 * Response: (v2+) throttle_time_ms INT32,
 *           [topics: name STRING, error_code INT16, (v1+) error_message NULLABLE_STRING]
 * Runs on the mock cluster thread, so it may touch cluster state directly.
 */
static int handle_CreateTopics(rd_kafka_mock_connection_t *mconn,
                               rd_kafka_buf_t *rkbuf) {
        rd_kafka_mock_cluster_t *mc    = mconn->broker->cluster;
        const rd_bool_t log_decode_errors = rd_true;
        const int16_t ver                 = rkbuf->rkbuf_reqhdr.ApiVersion;
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);
        int32_t topic_cnt, i, j, k;
        int32_t timeout_ms;
        rd_bool_t validate_only = rd_false;
        struct {
                rd_kafkap_str_t name;
                int32_t partitions;
                int16_t rf;
        } *topics = NULL;
        rd_kafka_resp_err_t inject;

        rd_kafka_buf_read_arraycnt(rkbuf, &topic_cnt, 10000);
        topics = rd_calloc(topic_cnt > 0 ? topic_cnt : 1, sizeof(*topics));
        for (i = 0; i < topic_cnt; i++) {
                int32_t assign_cnt, config_cnt;
                rd_kafka_buf_read_str(rkbuf, &topics[i].name);
                rd_kafka_buf_read_i32(rkbuf, &topics[i].partitions);
                rd_kafka_buf_read_i16(rkbuf, &topics[i].rf);
                rd_kafka_buf_read_arraycnt(rkbuf, &assign_cnt, 100000);
                for (j = 0; j < assign_cnt; j++) {
                        int32_t partition, broker_cnt, broker_id;
                        rd_kafka_buf_read_i32(rkbuf, &partition);
                        rd_kafka_buf_read_arraycnt(rkbuf, &broker_cnt, 1000);
                        for (k = 0; k < broker_cnt; k++)
                                rd_kafka_buf_read_i32(rkbuf, &broker_id);
                }
                rd_kafka_buf_read_arraycnt(rkbuf, &config_cnt, 10000);
                for (j = 0; j < config_cnt; j++) {
                        rd_kafkap_str_t cname, cvalue;
                        rd_kafka_buf_read_str(rkbuf, &cname);
                        rd_kafka_buf_read_str(rkbuf, &cvalue);
                }
        }
        rd_kafka_buf_read_i32(rkbuf, &timeout_ms);
        if (ver >= 1)
                rd_kafka_buf_read_bool(rkbuf, &validate_only);

        if (ver >= 2)
                rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */

        /* Errors pushed with request_errors 19 ... apply to every topic of the request. */
        inject = rd_kafka_mock_next_request_error(mconn, resp);

        rd_kafka_buf_write_arraycnt(resp, topic_cnt);
        for (i = 0; i < topic_cnt; i++) {
                rd_kafka_resp_err_t err = inject;
                const char *msg         = NULL;
                char name[256];
                int32_t partitions = topics[i].partitions == -1
                                         ? mc->defaults.partition_cnt
                                         : topics[i].partitions;
                int rf = topics[i].rf == -1 ? mc->defaults.replication_factor
                                            : topics[i].rf;

                rd_snprintf(name, sizeof(name), "%.*s",
                            RD_KAFKAP_STR_PR(&topics[i].name));
                if (err) {
                        msg = "injected error";
                } else if (RD_KAFKAP_STR_LEN(&topics[i].name) == 0 ||
                           RD_KAFKAP_STR_LEN(&topics[i].name) > 249) {
                        err = RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION;
                        msg = "invalid topic name";
                } else if (rd_kafka_mock_topic_find(mc, name)) {
                        err = RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
                        msg = "Topic already exists";
                } else if (partitions <= 0) {
                        err = RD_KAFKA_RESP_ERR_INVALID_PARTITIONS;
                        msg = "number of partitions must be positive";
                } else if (rf <= 0 || rf > mc->broker_cnt) {
                        err = RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR;
                        msg = "replication factor larger than available brokers";
                } else if (!validate_only) {
                        /* auto_create takes the replication factor from the defaults. */
                        rd_kafka_resp_err_t create_err;
                        int saved_rf = mc->defaults.replication_factor;
                        mc->defaults.replication_factor = rf;
                        rd_kafka_mock_topic_t *mtopic =
                            rd_kafka_mock_topic_auto_create(mc, name, partitions,
                                                            &create_err);
                        mc->defaults.replication_factor = saved_rf;
                        err = create_err;
                        if (mtopic)
                                raise_retention(mtopic);
                }
                rd_kafka_buf_write_kstr(resp, &topics[i].name);
                rd_kafka_buf_write_i16(resp, err);
                if (ver >= 1)
                        rd_kafka_buf_write_str(resp, msg, -1);
        }

        rd_free(topics);
        rd_kafka_mock_connection_send_response(mconn, resp);
        return 0;

err_parse:
        rd_free(topics);
        rd_kafka_buf_destroy(resp);
        return -1;
}

/* Writes the line (already newline-terminated) fully; control clients are tiny. */
static void reply(int fd, const char *fmt, ...) {
        char buf[LINE_MAX_LEN];
        va_list ap;
        size_t off = 0;
        int n;
        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t)n > sizeof(buf) - 2)
                n = (int)sizeof(buf) - 2;
        buf[n++] = '\n';
        while (off < (size_t)n) {
                ssize_t w = write(fd, buf + off, (size_t)n - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return;
                off += (size_t)w;
        }
}

static int parse_int(const char *s, long *out) {
        char *end;
        if (!s || !*s)
                return -1;
        errno = 0;
        *out  = strtol(s, &end, 10);
        return (errno || *end) ? -1 : 0;
}

/* Applies fn to broker `arg` (an id, or "all"). */
static rd_kafka_resp_err_t for_brokers(const char *arg,
                                       rd_kafka_resp_err_t (*fn)(int32_t, long),
                                       long value) {
        long id;
        if (arg && !strcmp(arg, "all")) {
                for (int32_t b = 0; b < broker_count; b++) {
                        rd_kafka_resp_err_t err = fn(b, value);
                        if (err)
                                return err;
                }
                return RD_KAFKA_RESP_ERR_NO_ERROR;
        }
        if (parse_int(arg, &id))
                return RD_KAFKA_RESP_ERR__INVALID_ARG;
        return fn((int32_t)id, value);
}

static rd_kafka_resp_err_t do_down(int32_t id, long v) {
        (void)v;
        return rd_kafka_mock_broker_set_down(mcluster, id);
}
static rd_kafka_resp_err_t do_up(int32_t id, long v) {
        (void)v;
        return rd_kafka_mock_broker_set_up(mcluster, id);
}
static rd_kafka_resp_err_t do_rtt(int32_t id, long ms) {
        return rd_kafka_mock_broker_set_rtt(mcluster, id, (int)ms);
}

static void push_errors(int fd, long apikey, long count, long code) {
        rd_kafka_resp_err_t *errs;
        if (apikey < 0 || apikey >= RD_KAFKAP__NUM || count <= 0 || count > 100000) {
                reply(fd, "ERR bad apikey or count");
                return;
        }
        errs = calloc((size_t)count, sizeof(*errs));
        for (long i = 0; i < count; i++)
                errs[i] = (rd_kafka_resp_err_t)code;
        rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)apikey, (size_t)count, errs);
        free(errs);
        reply(fd, "OK");
}

static void run_command(int fd, char *line) {
        char *argv[8] = {0};
        int argc      = 0;
        char *save    = NULL;
        long a, b, c;
        rd_kafka_resp_err_t err;

        for (char *tok = strtok_r(line, " \t\r", &save); tok && argc < 8;
             tok       = strtok_r(NULL, " \t\r", &save))
                argv[argc++] = tok;
        if (argc == 0)
                return;

        if (!strcmp(argv[0], "ping")) {
                reply(fd, "OK pong");
        } else if (!strcmp(argv[0], "broker_down") && argc == 2) {
                err = for_brokers(argv[1], do_down, 0);
                err ? reply(fd, "ERR %s", rd_kafka_err2str(err)) : reply(fd, "OK");
        } else if (!strcmp(argv[0], "broker_up") && argc == 2) {
                err = for_brokers(argv[1], do_up, 0);
                err ? reply(fd, "ERR %s", rd_kafka_err2str(err)) : reply(fd, "OK");
        } else if (!strcmp(argv[0], "rtt") && argc == 3 && !parse_int(argv[2], &a)) {
                err = for_brokers(argv[1], do_rtt, a);
                err ? reply(fd, "ERR %s", rd_kafka_err2str(err)) : reply(fd, "OK");
        } else if (!strcmp(argv[0], "produce_errors") && argc == 3 &&
                   !parse_int(argv[1], &a) && !parse_int(argv[2], &b)) {
                push_errors(fd, RD_KAFKAP_Produce, a, b);
        } else if (!strcmp(argv[0], "request_errors") && argc == 4 &&
                   !parse_int(argv[1], &a) && !parse_int(argv[2], &b) &&
                   !parse_int(argv[3], &c)) {
                push_errors(fd, a, b, c);
        } else if (!strcmp(argv[0], "clear_errors") && argc == 2 && !parse_int(argv[1], &a)) {
                rd_kafka_mock_clear_request_errors(mcluster, (int16_t)a);
                reply(fd, "OK");
        } else if (!strcmp(argv[0], "topic_create") && argc == 4 &&
                   !parse_int(argv[2], &a) && !parse_int(argv[3], &b)) {
                err = rd_kafka_mock_topic_create(mcluster, argv[1], (int)a, (int)b);
                err ? reply(fd, "ERR %s", rd_kafka_err2str(err)) : reply(fd, "OK");
        } else if (!strcmp(argv[0], "topic_error") && argc == 3 && !parse_int(argv[2], &a)) {
                rd_kafka_mock_topic_set_error(mcluster, argv[1], (rd_kafka_resp_err_t)a);
                reply(fd, "OK");
        } else {
                reply(fd, "ERR unknown command or bad arguments: %s", argv[0]);
        }
}

static int env_or_arg(int argc, char **argv, int idx, const char *env, int def) {
        const char *s = idx < argc ? argv[idx] : getenv(env);
        long v;
        if (s && !parse_int(s, &v) && v > 0 && v < 1000)
                return (int)v;
        return def;
}

int main(int argc, char **argv) {
        char errstr[256];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_t *rk;
        struct sockaddr_in sin;
        socklen_t slen = sizeof(sin);
        int listen_fd;
        struct pollfd pfds[2 + MAX_CLIENTS];
        char bufs[MAX_CLIENTS][LINE_MAX_LEN];
        size_t lens[MAX_CLIENTS];
        int nclients = 0;
        int default_partitions;
        rd_kafka_mock_broker_t *mrkb;
        struct sigaction sa;
        int first = 1;
        int one   = 1;

        broker_count       = env_or_arg(argc, argv, 1, "MOCK_BROKERS", 1);
        default_partitions = env_or_arg(argc, argv, 2, "MOCK_DEFAULT_PARTITIONS", 1);

        /* The mock needs a client handle to live in; this producer never produces. */
        rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
        if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
                fprintf(stderr, "mock-broker: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        if (!(mcluster = rd_kafka_mock_cluster_new(rk, broker_count - 1))) {
                fprintf(stderr, "mock-broker: rd_kafka_mock_cluster_new failed\n");
                return 1;
        }
        if (rd_kafka_mock_broker_add(mcluster, 0)) {
                fprintf(stderr, "mock-broker: rd_kafka_mock_broker_add(0) failed\n");
                return 1;
        }

        /* Direct writes to cluster state from this thread are safe only before any client
         * connects; the set_apiversion op afterwards goes through the cluster's op queue
         * (a mutex), which also publishes these writes to the mock thread. */
        mcluster->defaults.partition_cnt      = default_partitions;
        mcluster->defaults.replication_factor = RD_MIN(3, broker_count);
        mcluster->defaults.group_initial_rebalance_delay_ms = 0;
        mcluster->api_handlers[RD_KAFKAP_CreateTopics].FlexVersion = -1;
        mcluster->api_handlers[RD_KAFKAP_CreateTopics].cb = handle_CreateTopics;
        rd_kafka_mock_set_apiversion(mcluster, RD_KAFKAP_CreateTopics, 0, 4);
        /* Also through the op queue: consumer groups start without the 3 s join delay. */
        rd_kafka_mock_group_initial_rebalance_delay_ms(mcluster, 0);

        listen_fd = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        memset(&sin, 0, sizeof(sin));
        sin.sin_family      = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sin, sizeof(sin)) ||
            listen(listen_fd, 16) || getsockname(listen_fd, (struct sockaddr *)&sin, &slen)) {
                perror("mock-broker: control socket");
                return 1;
        }

        /* Broker 0 was added after creation, so the mock's own bootstrap string lacks it. */
        printf("BOOTSTRAP ");
        TAILQ_FOREACH(mrkb, &mcluster->brokers, link) {
                printf("%s%s:%hu", first ? "" : ",", mrkb->advertised_listener, mrkb->port);
                first = 0;
        }
        printf("\nCONTROL %hu\n", ntohs(sin.sin_port));
        fflush(stdout);

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        pfds[0].fd     = STDIN_FILENO;
        pfds[0].events = POLLIN;
        pfds[1].fd     = listen_fd;
        pfds[1].events = POLLIN;

        while (!stop_requested) {
                int r = poll(pfds, (nfds_t)(2 + nclients), -1);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("mock-broker: poll");
                        break;
                }
                if (pfds[0].revents) {
                        char tmp[256];
                        ssize_t n = read(STDIN_FILENO, tmp, sizeof(tmp));
                        if (n <= 0 && !(n < 0 && errno == EINTR))
                                break; /* EOF: parent is gone */
                }
                if ((pfds[1].revents & POLLIN) && nclients < MAX_CLIENTS) {
                        int cfd = accept(listen_fd, NULL, NULL);
                        if (cfd >= 0) {
                                pfds[2 + nclients].fd      = cfd;
                                pfds[2 + nclients].events  = POLLIN;
                                pfds[2 + nclients].revents = 0;
                                lens[nclients++]           = 0;
                        }
                }
                for (int i = 0; i < nclients; i++) {
                        struct pollfd *p = &pfds[2 + i];
                        ssize_t n;
                        char *nl;
                        if (!p->revents)
                                continue;
                        n = read(p->fd, bufs[i] + lens[i], LINE_MAX_LEN - 1 - lens[i]);
                        if (n <= 0 || (lens[i] += (size_t)n) >= LINE_MAX_LEN - 1) {
                                close(p->fd);
                                /* Move the last client into this slot and re-check it. */
                                nclients--;
                                pfds[2 + i] = pfds[2 + nclients];
                                memcpy(bufs[i], bufs[nclients], lens[nclients]);
                                lens[i] = lens[nclients];
                                i--;
                                continue;
                        }
                        while ((nl = memchr(bufs[i], '\n', lens[i]))) {
                                size_t linelen = (size_t)(nl - bufs[i]);
                                *nl            = '\0';
                                run_command(p->fd, bufs[i]);
                                memmove(bufs[i], nl + 1, lens[i] - linelen - 1);
                                lens[i] -= linelen + 1;
                        }
                }
        }

        for (int i = 0; i < nclients; i++)
                close(pfds[2 + i].fd);
        close(listen_fd);
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return 0;
}

