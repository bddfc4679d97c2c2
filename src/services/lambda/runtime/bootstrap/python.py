# Skyport's bootstrap for the python runtimes: a Lambda Runtime API client (next -> invoke -> response or
# error; init errors) and the context object of AWS's python runtime. Standard library only.
import http.client, importlib, json, os, socket, sys, time, traceback

api = os.environ["AWS_LAMBDA_RUNTIME_API"]
host, _, prefix = api.partition("/")
prefix = ("/" + prefix) if prefix else ""
base = prefix + "/2018-06-01/runtime"
conn = http.client.HTTPConnection(host)
sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])

# *.localhost is loopback (RFC 6761), but glibc does not resolve it: execute-api hosts such as
# {apiId}.execute-api.localhost:PORT (the domainName functions build @connections endpoints from) must reach Skyport.
_os_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    if isinstance(host, (str, bytes)) and (host.decode() if isinstance(host, bytes) else host).lower().endswith(".localhost"):
        host = "127.0.0.1"
    return _os_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo


class _EndpointUrlHook:
    """boto3 is provided as on AWS (the host's copy). botocore before 1.31 ignores AWS_ENDPOINT_URL, so its
    clients would try the real AWS: when botocore.session is first imported (never before — no cold-start
    cost), clients without an endpoint_url of their own get Skyport's."""

    def find_spec(self, name, path, target=None):
        if name != "botocore.session":
            return None
        sys.meta_path.remove(self)
        import importlib.util
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            version = tuple(int(x) for x in sys.modules["botocore"].__version__.split(".")[:2])
            if version >= (1, 31):
                return
            original = module.Session.create_client

            # AWS_ENDPOINT_URL is read when a client is made: a spare imports botocore before it has its variables.
            def create_client(self, *args, **kwargs):
                if kwargs.get("endpoint_url") is None and len(args) < 5 and os.environ.get("AWS_ENDPOINT_URL"):
                    kwargs["endpoint_url"] = os.environ["AWS_ENDPOINT_URL"]
                return original(self, *args, **kwargs)

            module.Session.create_client = create_client

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _EndpointUrlHook())


def call(method, path, body=None, headers=None, under=None):
    global conn
    for attempt in (1, 2):
        try:
            conn.request(method, (base if under is None else under) + path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        except (http.client.HTTPException, ConnectionError):
            conn = http.client.HTTPConnection(host)
            if attempt == 2:
                raise


def error_payload(e, request_id=""):
    return {"errorMessage": str(e), "errorType": type(e).__name__, "requestId": request_id, "stackTrace": traceback.format_tb(e.__traceback__)}


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self._deadline = int(headers.get("lambda-runtime-deadline-ms", "0"))
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline - int(time.time() * 1000))


def become_function():
    """A spare environment (Skyport's pre-started runtime, SKYPORT_SPARE) waits here to learn which function it
    becomes: its variables arrive from Skyport and its code appears in the (already bound) task directory. With
    SKYPORT_PRELOAD=boto3 (its function's code names boto3) boto3 is imported meanwhile, a quarter of a second of
    a cold start. A function that brings its own copy of a package boto3 pulled in (urllib3, dateutil, boto3
    itself...) must import its own, as on Lambda: then everything preloaded from site-packages is forgotten."""
    preloaded = set()
    if os.environ.get("SKYPORT_PRELOAD") == "boto3":
        before = set(sys.modules)
        try:
            import boto3  # noqa: F401
        except Exception:
            pass
        for name in set(sys.modules) - before:
            if "-packages" in (getattr(sys.modules.get(name), "__file__", None) or ""):
                preloaded.add(name.partition(".")[0])
    status, _, body = call("GET", "/skyport/assignment", under=prefix)
    if status != 200:
        sys.exit(0)
    os.environ.pop("SKYPORT_SPARE", None)
    os.environ.pop("SKYPORT_PRELOAD", None)
    os.environ.update(json.loads(body))
    importlib.invalidate_caches()  # the task directory was looked into (empty) while boto3 was imported
    task = os.environ["LAMBDA_TASK_ROOT"]
    if any(os.path.exists(os.path.join(task, n)) or os.path.exists(os.path.join(task, n + ".py")) for n in preloaded):
        for name in list(sys.modules):
            if name.partition(".")[0] in preloaded:
                del sys.modules[name]
        if not any(isinstance(f, _EndpointUrlHook) for f in sys.meta_path):
            sys.meta_path.insert(0, _EndpointUrlHook())  # botocore.session will be imported anew


if os.environ.get("SKYPORT_SPARE") == "1":
    become_function()

try:
    module_name, _, fn_name = os.environ["_HANDLER"].rpartition(".")
    handler = getattr(importlib.import_module(module_name.replace("/", ".")), fn_name)
except Exception as e:  # init error, reported as AWS does
    p = error_payload(e)
    p["errorType"] = "Runtime.ImportModuleError" if isinstance(e, ImportError) else ("Runtime.HandlerNotFound" if isinstance(e, AttributeError) else p["errorType"])
    print("[ERROR] %s: %s" % (p["errorType"], p["errorMessage"]), flush=True)
    call("POST", "/init/error", json.dumps(p), {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": p["errorType"]})
    sys.exit(1)

# An answer with Skyport-Next is also the next long poll: Skyport answers it with the next invocation (or 410 once
# the environment is gone); a rejected answer gets its own status, and the runtime polls.
polled = call("GET", "/invocation/next")
while True:
    status, headers, body = polled
    if status != 200:
        sys.exit(0)  # the environment is gone (410) or was never known (403)
    rid = headers.get("lambda-runtime-aws-request-id")
    cpu0 = time.process_time()
    try:
        event = json.loads(body or b"null")
        result = handler(event, Context(headers))
        path, answer, answer_headers = "/invocation/%s/response" % rid, json.dumps(result), {"Content-Type": "application/json"}
    except Exception as e:
        p = error_payload(e, rid or "")
        print("[ERROR] %s: %s" % (p["errorType"], p["errorMessage"]), flush=True)
        path, answer, answer_headers = "/invocation/%s/error" % rid, json.dumps(p), {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": p["errorType"]}
    sys.stdout.flush()  # the invocation's log lines reach Skyport before its answer does
    answer_headers["Skyport-Cpu-Us"] = str(int((time.process_time() - cpu0) * 1e6))  # the scheduler's compute-or-wait signal
    answer_headers["Skyport-Next"] = "1"
    polled = call("POST", path, answer, answer_headers)
    if polled[0] not in (200, 403, 410):
        polled = call("GET", "/invocation/next")
