"""A Slack Web API that says yes, for the webhook bench's "Slack configured" load.

Every call answers ok with a fresh message ts, so each webhook's post-response delivery work
runs as in production; conversations.history finds nothing. 127.0.0.1 only; the port is the
first argument. The end-to-end tests' fake Slack (tests/e2e/fake_slack.rs) is the one that
checks what is sent; this one only answers.
"""

import itertools
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TS = itertools.count(1)


class Slack(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        method = self.path.split("?")[0].rsplit("/", 1)[-1]
        if method == "conversations.history":
            answer = {"ok": True, "messages": [], "has_more": False}
        else:
            answer = {"ok": True, "channel": "C0BENCH", "ts": f"1700000000.{next(TS):06d}"}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Slack).serve_forever()
