#!/usr/bin/env python3
"""Maelstrom's echo: answer every echo with what it carried."""
from maelstrom_node import Node

node = Node()
node.on("echo", lambda msg: node.reply(msg, {"type": "echo_ok", "echo": msg["body"]["echo"]}))
node.run()
