#!/usr/bin/env python3
"""BROKEN on purpose: a g-counter / pn-counter kept as one value in Maelstrom's seq-kv and
incremented by a read and a write with no cas; the read may be stale (seq-kv is only sequentially
consistent) and two nodes may read the same value, so increments are lost. Caught by the counter
bounds rule: a final read below the sum of the acknowledged adds.
"""
from maelstrom_node import Node

node = Node()


def current():
    r = node.rpc("seq-kv", {"type": "read", "key": "counter"})
    return r["value"] if r and r["type"] == "read_ok" else 0


def add(msg):
    v = current()
    node.rpc("seq-kv", {"type": "write", "key": "counter", "value": v + msg["body"]["delta"]})
    node.reply(msg, {"type": "add_ok"})


node.on("add", add)
node.on("read", lambda msg: node.reply(msg, {"type": "read_ok", "value": current()}))
node.run()
