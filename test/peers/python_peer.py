# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
"""A Python lock library as a peer process for test_python_peers.cpp.

Usage: python_peer.py LIBRARY MODE PATH [TEMPLATE]
  LIBRARY  zc.lockfile (whichever version the interpreter's environment has), yg.lockfile,
           or filelock (py-filelock)
  MODE     hold: take the lock (one attempt), print "locked", release at the end of standard
                 input, print "released"
           try:  one attempt; print "acquired" and release (exit 0), or "busy" (exit 3)
  TEMPLATE zc.lockfile's content_template (zc.lockfile only)
After "busy", each record zc.lockfile logged follows as "log: MESSAGE", then the file's bytes as
this process reads them, "file: " and a JSON string. Exit 2 on any other error.
"""
import json
import logging
import sys


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def zc_lockfile(path, template):
    import zc.lockfile

    args = {} if template is None else {"content_template": template}
    try:
        lock = zc.lockfile.LockFile(path, **args)
    except zc.lockfile.LockError:
        return None
    return lock.close


def yg_lockfile(path, template):
    import yg.lockfile

    lock = yg.lockfile.FileLock(path, timeout=0)
    try:
        lock.acquire()
    except yg.lockfile.FileLockTimeout:
        return None
    return lock.release


def filelock(path, template):
    import filelock

    lock = filelock.FileLock(path, timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        return None
    return lock.release


def main(library, mode, path, template=None):
    lock = {"zc.lockfile": zc_lockfile, "yg.lockfile": yg_lockfile, "filelock": filelock}[library]
    if library == "yg.lockfile":
        # Its import silences zc.lockfile's logger, which this peer wants to hear: import it
        # first, then set the level.
        import yg.lockfile  # noqa: F401
    records = Records()
    logger = logging.getLogger("zc.lockfile")
    logger.addHandler(records)
    logger.setLevel(logging.ERROR)
    logger.propagate = False

    release = lock(path, template)
    if release is None:
        print("busy")
        for message in records.messages:
            print("log:", message)
        with open(path, "rb") as file:
            print("file:", json.dumps(file.read().decode()))
        return 3
    if mode == "hold":
        print("locked", flush=True)
        sys.stdin.read()
        release()
        print("released", flush=True)
    else:
        release()
        print("acquired")
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5) or sys.argv[2] not in ("hold", "try"):
        sys.exit(__doc__)
    try:
        sys.exit(main(*sys.argv[1:]))
    except Exception as error:  # the test shows what went wrong
        print("error:", type(error).__name__, error, flush=True)
        sys.exit(2)
