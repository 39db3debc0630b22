#!/usr/bin/python3
"""A loopback SMTP server for the demo: stores every message it receives as
DIR/NNN.eml and answers 250.  Uses Debian's python3-aiosmtpd.

usage: smtp-sink.py PORT DIR
"""
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.dir = directory
        self.n = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.n += 1
            path = os.path.join(self.dir, "%03d.eml" % self.n)
        with open(path, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        return "250 OK stored"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    ctl = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    ctl.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    print("smtp-sink listening on 127.0.0.1:%d, storing into %s" % (port, directory), flush=True)
    done.wait()
    ctl.stop()


if __name__ == "__main__":
    main()
