"""A program launched by the launcher tests. It speaks the external side of the Pipes
protocol with the standard library only: decode the bootstrap variables (base64 of zlib of
JSON), read the context from a file or from the variable, and write one message per line to
the messages file or to stdout/stderr.

Usage: job.py MODE, where MODE says what the program does.
"""

import base64
import json
import os
import signal
import subprocess
import sys
import time
import traceback
import zlib


def decode(value):
    return json.loads(zlib.decompress(base64.b64decode(value)).decode("utf-8"))


where = decode(os.environ["DAGSTER_PIPES_CONTEXT"])
if "path" in where:
    with open(where["path"], encoding="utf-8") as f:
        context = json.load(f)
else:
    context = where["data"]
channel = decode(os.environ["DAGSTER_PIPES_MESSAGES"])


def send(method, params=None):
    line = json.dumps({"__dagster_pipes_version": "0.1", "method": method, "params": params})
    if "path" in channel:
        with open(channel["path"], "a", encoding="utf-8") as f:
            f.write(line + "\n")
    else:
        stream = sys.stdout if channel["stdio"] == "stdout" else sys.stderr
        stream.write(line + "\n")
        stream.flush()


def close(exc=None):
    params = {}
    if exc is not None:
        tb = traceback.TracebackException.from_exception(exc)
        params["exception"] = {"name": type(exc).__name__, "message": str(exc), "stack": tb.stack.format(),
                               "cause": None, "context": None}
    send("closed", params)


mode = sys.argv[1]
if mode == "never-open":
    print("I do not speak Pipes")
    sys.exit(0)

send("opened", {"extras": context["extras"]})
key = context["asset_keys"][0]

if mode == "ok":
    print("hello from stdout")
    print("hello from stderr", file=sys.stderr)
    send("log", {"message": "working on " + key + " partition " + str(context["partition_key"]), "level": "INFO"})
    send("report_asset_materialization", {"asset_key": key, "data_version": "v1",
                                          "metadata": {"rows": {"raw_value": 42, "type": "int"},
                                                       "ratio": {"raw_value": 0.5, "type": "__infer__"}}})
    send("report_asset_check", {"asset_key": key, "check_name": "not_empty", "passed": True, "severity": "ERROR",
                                "metadata": {}})
    send("report_custom_message", {"payload": {"context": context}})
    send("log_external_stream", {"stream": "stdout", "text": "from a worker\n", "extras": {}})
    close()
    # Messages after closed are still read.
    send("log", {"message": "after close", "level": "DEBUG"})
elif mode == "exit-3":
    send("log", {"message": "giving up", "level": "ERROR"})
    close()
    sys.exit(3)
elif mode == "raise":
    try:
        raise ValueError("bad orders")
    except ValueError as e:
        close(e)
    sys.exit(1)
elif mode == "raise-exit-0":
    close(RuntimeError("reported but exited 0"))
elif mode == "bad-lines":
    with open(channel["path"], "a", encoding="utf-8") as f:
        f.write("this is not json\n")
        f.write('{"__dagster_pipes_version": "0.1", "method": "teleport", "params": {}}\n')
    close()
elif mode == "first-of-two":
    send("report_asset_materialization", {"asset_key": key, "data_version": None, "metadata": {}})
    close()
elif mode == "sleep":
    # A child in the same process group, and a parent that ignores SIGTERM: the launcher
    # must leave neither behind.
    child = subprocess.Popen(["sleep", "300"])
    with open(os.environ["PID_FILE"], "w") as f:
        f.write(str(os.getpid()) + " " + str(child.pid))
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    send("log", {"message": "sleeping", "level": "INFO"})
    time.sleep(300)
elif mode == "chatty":
    for i in range(int(sys.argv[2])):
        send("log", {"message": "line %d" % i, "level": "INFO"})
    close()
else:
    raise SystemExit("unknown mode " + mode)
