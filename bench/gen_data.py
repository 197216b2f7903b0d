#!/usr/bin/env python3
"""Deterministic, streaming generator of realistic test data for gpipe.

    bench/gen_data.py applog   --size 1G  > app.log
    bench/gen_data.py access   --size 100M > access.log
    bench/gen_data.py tweets   --size 1G  > tweets.jsonl
    bench/gen_data.py users    --size 10M > users.csv

The same seed gives the same bytes, so benchmark results and expected outputs are repeatable.
Output is written in large chunks and nothing is kept in memory, so any size can be produced.
"""
import argparse
import json
import random
import sys

LEVELS = ["INFO"] * 70 + ["DEBUG"] * 15 + ["WARN"] * 9 + ["ERROR"] * 5 + ["FATAL"]
SERVICES = ["payment.service", "auth.service", "orders.api", "inventory.sync", "mailer",
            "search.indexer", "gateway", "billing.cron"]
MESSAGES = {
    "INFO": ["request completed", "user logged in", "cache refreshed", "job scheduled",
             "order created", "connection pool resized"],
    "DEBUG": ["cache lookup", "retrying request", "query plan chosen", "token validated"],
    "WARN": ["slow query", "retry budget low", "deprecated endpoint called",
             "disk usage above 80%"],
    "ERROR": ["charge failed: card declined", "upstream timeout", "connection reset by peer",
              "failed to parse payload", "permission denied for user"],
    "FATAL": ["out of memory, shutting down", "database unreachable"],
}
COUNTRIES = ["DE", "FR", "US", "GB", "ES", "IT", "NL", "PL", "SE", "JP", "BR", "IN"]
FIRST = ["Anna", "Ben", "Chloé", "Dmitri", "Emma", "François", "Greta", "Hiro", "Ines",
         "Jonas", "Kai", "Lena", "Mia", "Noah", "Olga", "Paul", "Zoë", "Yusuf"]
LAST = ["Müller", "Schmidt", "O'Brien", "García", "Rossi", "Nowak", "Smith", "Tanaka",
        "Dubois", "Jansen", "Silva", "Kumar"]
PATHS = ["/", "/index.html", "/api/v1/orders", "/api/v1/users/{id}", "/static/app.js",
         "/login", "/search?q=gpipe", "/healthz", "/api/v1/cart"]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/119.0", "curl/7.88.1",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) Safari/605.1.15", "python-requests/2.31"]
WORDS = ["gpipe", "streaming", "logs", "coffee", "release", "bug", "deploy", "friday", "rust",
         "c++", "data", "pipeline", "weekend", "München", "東京", "café", "🚀", "\"quoted\""]


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().rstrip("B").rstrip("I")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def applog_line(rng, i, base):
    level = rng.choice(LEVELS)
    t = base + i * 0.137
    ts = "2026-11-21T%02d:%02d:%06.3fZ" % ((t // 3600) % 24, (t // 60) % 60, t % 60)
    msg = rng.choice(MESSAGES[level])
    return "%s %s [worker-%d] %s: %s order=%d latency_ms=%d user=u%d\n" % (
        ts, level, rng.randrange(8), rng.choice(SERVICES), msg, rng.randrange(100000),
        int(rng.expovariate(1 / 120)), rng.randrange(5000))


def access_line(rng, i, base):
    t = int(base + i * 0.05)
    ip = "%d.%d.%d.%d" % (rng.randrange(1, 223), rng.randrange(256), rng.randrange(256),
                          rng.randrange(1, 255))
    path = rng.choice(PATHS).replace("{id}", str(rng.randrange(10000)))
    status = rng.choice([200] * 20 + [301, 304, 404, 404, 500, 503])
    return '%s - - [21/Nov/2026:%02d:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d "-" "%s"\n' % (
        ip, (t // 3600) % 24, (t // 60) % 60, t % 60, rng.choice(["GET"] * 5 + ["POST"]), path,
        status, rng.randrange(200, 50000), rng.choice(AGENTS))


def tweet_line(rng, i, base):
    user_id = rng.randrange(1, 100000)
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 14)))
    tweet = {
        "id": 1860000000000000000 + i,
        "created_at": "Sat Nov 21 %02d:%02d:%02d +0000 2026" % (
            (i // 3600) % 24, (i // 60) % 60, i % 60),
        "text": text,
        "lang": rng.choice(["en", "de", "ja", "fr", "es"]),
        "retweet_count": int(rng.paretovariate(1.2)) - 1,
        "favorite_count": rng.randrange(0, 500),
        "user": {"id": user_id, "screen_name": "user_%d" % user_id,
                 "followers_count": rng.randrange(0, 100000), "verified": rng.random() < 0.05},
        "entities": {"hashtags": [{"text": rng.choice(WORDS)} for _ in range(rng.randrange(3))]},
    }
    if rng.random() < 0.1:
        tweet["place"] = None
    return json.dumps(tweet, ensure_ascii=False, separators=(",", ":")) + "\n"


def csv_quote(value):
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def users_line(rng, i, base):
    if i == 0:
        return "id,name,email,country,signup_date,notes\n"
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = "%s.%s%d@Example.COM" % (first, last.replace("'", ""), i)
    notes = rng.choice(["", "prefers email", "VIP, handle with care", 'said "hi"',
                        "moved to\nnew address", "n/a"])
    fields = [str(i), "%s %s" % (first, last), email, rng.choice(COUNTRIES),
              "2026-%02d-%02d" % (rng.randrange(1, 12), rng.randrange(1, 28)), notes]
    return ",".join(csv_quote(f) for f in fields) + "\n"


KINDS = {"applog": applog_line, "access": access_line, "tweets": tweet_line, "users": users_line}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("--size", default="1M", help="approximate bytes (1G, 100M, 64K)")
    parser.add_argument("--lines", type=int, default=0, help="exact number of lines instead")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    make = KINDS[args.kind]
    limit = parse_size(args.size)
    out = sys.stdout.buffer
    written, i, chunk = 0, 0, []
    base = 8 * 3600 + rng.randrange(3600)
    while (args.lines and i < args.lines) or (not args.lines and written < limit):
        line = make(rng, i, base).encode()
        chunk.append(line)
        written += len(line)
        i += 1
        if len(chunk) >= 4096:
            out.write(b"".join(chunk))
            chunk.clear()
    out.write(b"".join(chunk))


if __name__ == "__main__":
    main()
