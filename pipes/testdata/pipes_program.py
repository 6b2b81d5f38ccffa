"""A stand-in for a program written with dagster-pipes, using the standard library only.

It speaks the external side of the Pipes protocol the way dagster-pipes does: it decodes the
bootstrap variables (base64 of zlib of JSON), loads the context from a file ({"path": ...})
or from the variable itself ({"data": {...}}), writes one json.dumps'd message per line to a
file it appends to ({"path": ...}) or to stdout or stderr ({"stdio": ...}), wraps plain
metadata values as {"raw_value": v, "type": "__infer__"}, and closes the session with the
exception that ended it, described from a TracebackException.

Usage: pipes_program.py report|fail|partial
"""

import base64
import json
import os
import sys
import traceback
import zlib


def decode(value):
    return json.loads(zlib.decompress(base64.b64decode(value)).decode("utf-8"))


def describe(tb):
    """The exception as the protocol carries it."""
    if hasattr(tb, "exc_type_str"):  # Python 3.13 and later
        name = tb.exc_type_str.split(".")[-1]
    else:
        name = tb.exc_type.__name__
    return {
        "message": "".join(tb.format_exception_only()),
        "stack": tb.stack.format(),
        "name": name,
        "cause": describe(tb.__cause__) if tb.__cause__ else None,
        "context": describe(tb.__context__) if tb.__context__ else None,
    }


def typed(metadata):
    return {
        k: v if isinstance(v, dict) else {"raw_value": v, "type": "__infer__"}
        for k, v in metadata.items()
    }


class Session:
    def __init__(self):
        where = decode(os.environ["DAGSTER_PIPES_CONTEXT"])
        if "path" in where:
            with open(where["path"], encoding="utf-8") as f:
                self.data = json.load(f)
        else:
            self.data = where["data"]
        channel = decode(os.environ["DAGSTER_PIPES_MESSAGES"])
        self.path = channel.get("path")
        self.stream = {"stdout": sys.stdout, "stderr": sys.stderr}.get(channel.get("stdio"))
        self.send("opened", {"extras": {}})

    def send(self, method, params):
        line = json.dumps({"__dagster_pipes_version": "0.1", "method": method, "params": params})
        if self.path:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        else:
            self.stream.writelines((line, "\n"))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        params = {}
        if exc is not None:
            params["exception"] = describe(traceback.TracebackException(exc_type, exc, tb))
        self.send("closed", params)


def report(s):
    key = s.data["asset_keys"][0]
    print("stdout: starting")
    print("stderr: starting", file=sys.stderr)
    s.send("report_custom_message", {"payload": {"context": s.data}})
    for level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "Level 5"):
        s.send("log", {"message": "at " + level, "level": level})
    s.send(
        "report_asset_materialization",
        {
            "asset_key": key,
            "data_version": "v1",
            "metadata": typed(
                {
                    "rows": 10,
                    "ratio": 1.0,
                    "name": "orders",
                    "ok": True,
                    "nothing": None,
                    "nan": float("nan"),
                    "big": 10**30,
                    "list": [1, "x"],
                    "dashboard": {"raw_value": "https://bi.example.com", "type": "url"},
                    "doc": {"raw_value": "# Orders", "type": "md"},
                    "source": {"raw_value": "raw/orders", "type": "asset"},
                    "run": {"raw_value": "run-0", "type": "dagster_run"},
                    "at": {"raw_value": 1700000000.5, "type": "timestamp"},
                    "schema": {
                        "raw_value": {"columns": [{"name": "id", "type": "int"}]},
                        "type": "table_schema",
                    },
                }
            ),
        },
    )
    s.send(
        "report_asset_check",
        {"asset_key": key, "check_name": "positive", "passed": False, "metadata": None, "severity": "WARN"},
    )
    s.send("log_external_stream", {"stream": "stderr", "text": "from a worker\n", "extras": {}})
    print("stdout: done")


def fail(s):
    try:
        {}["orders"]
    except KeyError as e:
        raise RuntimeError("could not load orders") from e


def partial(s):
    # Ordinary output without a final newline, after the session.
    s.send("log", {"message": "bye", "level": "INFO"})


if __name__ == "__main__":
    scenario = {"report": report, "fail": fail, "partial": partial}[sys.argv[1]]
    with Session() as session:
        scenario(session)
    if sys.argv[1] == "partial":
        sys.stdout.write("no newline at the end")
