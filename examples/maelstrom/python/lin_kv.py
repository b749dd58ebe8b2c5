#!/usr/bin/env python3
"""Maelstrom's lin-kv workload on Maelstrom's lin-kv service: every read, write and cas is
forwarded to the service, one at a time.

Run as lin_kv_local_reads.py (a link to this file), a node answers reads from its own cache of
what it wrote: BROKEN on purpose, it never sees other nodes' writes (stale reads).
"""
import json
import os
import sys

from maelstrom_node import Node

LOCAL_READS = os.path.basename(sys.argv[0]).startswith("lin_kv_local_reads")
node = Node()
cache = {}


def forward(msg, body):
    reply = node.rpc("lin-kv", body)
    if reply is None:
        node.reply(msg, {"type": "error", "code": 0, "text": "lin-kv did not answer in time"})
        return None
    node.reply(msg, {k: v for k, v in reply.items() if k not in ("msg_id", "in_reply_to")})
    return reply


def read(msg):
    k = json.dumps(msg["body"]["key"])
    if LOCAL_READS and k in cache:
        node.reply(msg, {"type": "read_ok", "value": cache[k]})
    else:
        forward(msg, {"type": "read", "key": msg["body"]["key"]})


def write(msg):
    b = msg["body"]
    r = forward(msg, {"type": "write", "key": b["key"], "value": b["value"]})
    if r and r["type"] == "write_ok":
        cache[json.dumps(b["key"])] = b["value"]


def cas(msg):
    b = msg["body"]
    r = forward(msg, {"type": "cas", "key": b["key"], "from": b["from"], "to": b["to"]})
    if r and r["type"] == "cas_ok":
        cache[json.dumps(b["key"])] = b["to"]


node.on("read", read)
node.on("write", write)
node.on("cas", cas)
node.run()
