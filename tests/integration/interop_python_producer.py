#!/usr/bin/python3
"""Interop check for fleetledger's partitioning, run with Debian's /usr/bin/python3.

Produces one record per key with python3-confluent-kafka (librdkafka underneath) configured with
partitioner=murmur2_random, like fleetledger's publisher, and prints per key one line:

    <key> <partition the record landed on> <offset> <Java client's partition for the key>

The last column comes from a pure-Python port of Kafka's Utils.murmur2 / toPositive / % partitions
(the Java client's default partitioner for keyed records), an independent check that does not
involve librdkafka.

Usage: interop_python_producer.py BOOTSTRAP TOPIC PARTITIONS KEY [KEY...]
"""
import sys

from confluent_kafka import Producer


def murmur2(data: bytes) -> int:
    """Kafka's org.apache.kafka.common.utils.Utils.murmur2, as a signed 32-bit int."""
    length = len(data)
    seed = 0x9747B28C
    m = 0x5BD1E995
    r = 24
    mask = 0xFFFFFFFF
    h = (seed ^ length) & mask
    for i in range(length // 4):
        i4 = i * 4
        k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24)
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h = (h * m) & mask
        h ^= k
    tail = length & ~3
    rest = length % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def java_partition(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions  # Utils.toPositive, then modulo


def main() -> int:
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    bootstrap, topic, partitions, keys = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "partitioner": "murmur2_random",
        "acks": "all",
        "enable.idempotence": True,
        "message.timeout.ms": 20000,
    })
    results = {}

    def on_delivery(err, msg):
        if err is not None:
            print(f"delivery failed for {msg.key()!r}: {err}", file=sys.stderr)
            return
        results[msg.key().decode()] = (msg.partition(), msg.offset())

    for key in keys:
        producer.produce(topic, key=key.encode(), value=b"interop from python",
                         headers=[("fl-type", "InteropProbe")], on_delivery=on_delivery)
    remaining = producer.flush(30)
    if remaining or len(results) != len(keys):
        print(f"{remaining} records not delivered", file=sys.stderr)
        return 1
    for key in keys:
        partition, offset = results[key]
        print(key, partition, offset, java_partition(key.encode(), partitions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
