#!/usr/bin/env python3
"""Maelstrom's broadcast: a message is stored and sent to every neighbour of the topology (but the
one it came from), and sent again every RETRY_S until that neighbour acknowledges it.

Run as broadcast_no_retry.py (a link to this file), it sends each message once and never again:
BROKEN on purpose, a message sent into a partition is lost for good.
"""
import os
import sys

from maelstrom_node import Node

RETRY_S = 0.2
NO_RETRY = os.path.basename(sys.argv[0]).startswith("broadcast_no_retry")

node = Node()
seen = set()
neighbours = []
unacked = {}


def learn(m, came_from):
    if m in seen:
        return
    seen.add(m)
    for n in neighbours:
        if n == came_from:
            continue
        if NO_RETRY:
            node.send(n, {"type": "gossip", "messages": [m]})
        else:
            unacked[n].add(m)


def topology(msg):
    global neighbours
    neighbours = msg["body"]["topology"].get(node.id, [])
    for n in neighbours:
        unacked[n] = set()
    node.reply(msg, {"type": "topology_ok"})


def broadcast(msg):
    learn(msg["body"]["message"], None)
    node.reply(msg, {"type": "broadcast_ok"})


def gossip(msg):
    for m in msg["body"]["messages"]:
        learn(m, msg["src"])
    if not NO_RETRY:
        node.send(msg["src"], {"type": "gossip_ok", "messages": msg["body"]["messages"]})


def gossip_ok(msg):
    for m in msg["body"]["messages"]:
        unacked.get(msg["src"], set()).discard(m)


def resend():
    for n, pending in unacked.items():
        if pending:
            node.send(n, {"type": "gossip", "messages": sorted(pending)})


node.on("topology", topology)
node.on("broadcast", broadcast)
node.on("read", lambda msg: node.reply(msg, {"type": "read_ok", "messages": sorted(seen)}))
node.on("gossip", gossip)
node.on("gossip_ok", gossip_ok)
if not NO_RETRY:
    node.every(RETRY_S, resend)
node.run()
