"""A minimal Maelstrom node library in plain Python 3 (standard library only).

One JSON message a line on stdin and stdout, the log on stderr. `on(type, fn)` registers a
handler, `reply`, `send` and `rpc` are what handlers use, `every(seconds, fn)` runs a periodic
task. `rpc` waits for its reply (other messages that arrive meanwhile are kept and handled
afterwards), so a handler runs to its end before the next one starts. As Maelstrom's own
libraries do, `init` is answered with init_ok, message ids start at 1, and a message type with
no handler is answered with error 10 (not-supported).
"""
import json
import os
import select
import sys
import time


class Node:
    def __init__(self):
        self.id = None
        self.node_ids = []
        self.next_msg_id = 1
        self.handlers = {}
        self.timers = []
        self.backlog = []
        self.buf = b""
        self.eof = False
        self.on("init", self._init)

    def _init(self, msg):
        self.id = msg["body"]["node_id"]
        self.node_ids = msg["body"]["node_ids"]
        self.reply(msg, {"type": "init_ok"})

    def log(self, *parts):
        print(*parts, file=sys.stderr, flush=True)

    def on(self, type_, fn):
        self.handlers[type_] = fn

    def every(self, seconds, fn):
        self.timers.append([seconds, time.monotonic() + seconds, fn])

    def send(self, dest, body):
        sys.stdout.write(json.dumps({"src": self.id, "dest": dest, "body": body}) + "\n")
        sys.stdout.flush()

    def reply(self, req, body):
        self.send(req["src"], dict(body, in_reply_to=req["body"].get("msg_id")))

    def rpc(self, dest, body, timeout=0.8):
        """Sends a request and returns the reply body, or None after `timeout` seconds."""
        msg_id = self.next_msg_id
        self.next_msg_id += 1
        self.send(dest, dict(body, msg_id=msg_id))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            for msg in self._read(left):
                if msg["body"].get("in_reply_to") == msg_id:
                    return msg["body"]
                self.backlog.append(msg)
            if self.eof:
                sys.exit(0)

    def _read(self, timeout):
        """The messages that arrive within `timeout` seconds (maybe none)."""
        ready, _, _ = select.select([0], [], [], max(0, timeout))
        if not ready:
            return []
        chunk = os.read(0, 65536)
        if not chunk:
            self.eof = True
            return []
        self.buf += chunk
        *lines, self.buf = self.buf.split(b"\n")
        return [json.loads(l) for l in lines if l.strip()]

    def _dispatch(self, msg):
        body = msg["body"]
        fn = self.handlers.get(body["type"])
        if fn is None:
            if "in_reply_to" not in body:
                self.log("no handler for", body["type"])
                self.reply(msg, {"type": "error", "code": 10, "text": "not supported: " + body["type"]})
            return
        fn(msg)

    def run(self):
        while not self.eof:
            while self.backlog:
                self._dispatch(self.backlog.pop(0))
            now = time.monotonic()
            wait = min([t[1] for t in self.timers], default=now + 1) - now
            for msg in self._read(wait):
                self.backlog.append(msg)
            now = time.monotonic()
            for t in self.timers:
                if t[1] <= now:
                    t[1] = now + t[0]
                    t[2]()
