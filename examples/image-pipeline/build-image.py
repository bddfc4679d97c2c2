#!/usr/bin/env python3
"""Builds the pipeline job's image from this host's files — python3 (its binary, the shared libraries ldd
names, the standard library) and the job script — as one OCI layer, then either writes an OCI archive or
pushes it to Skyport's ECR with the OCI distribution API (no Docker, no skopeo needed).

usage: build-image.py --archive OUT.tar
       build-image.py --push ENDPOINT_PORT REGISTRY_HOST REPO TAG BASIC_TOKEN
"""
import hashlib, http.client, io, json, os, re, subprocess, sys, sysconfig, tarfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = re.compile(r"/(test|tests|idlelib|tkinter|turtledemo|ensurepip|lib2to3|__pycache__|site-packages|dist-packages|config-[^/]*)(/|$)")

def add_file(t, src, dest, seen):
    dest = dest.lstrip("/")
    if dest in seen: return
    seen.add(dest)
    parts = dest.split("/")
    for i in range(1, len(parts)):
        d = "/".join(parts[:i])
        if d not in seen:
            seen.add(d); ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
    if os.path.islink(src) and not os.path.isabs(os.readlink(src)):
        ti = tarfile.TarInfo(dest); ti.type = tarfile.SYMTYPE; ti.linkname = os.readlink(src); t.addfile(ti)
        add_file(t, os.path.join(os.path.dirname(src), os.readlink(src)), os.path.join(os.path.dirname(dest), os.readlink(src)), seen)
        return
    data = open(os.path.realpath(src), "rb").read()
    ti = tarfile.TarInfo(dest); ti.size = len(data); ti.mode = os.stat(os.path.realpath(src)).st_mode & 0o755 | 0o444
    t.addfile(ti, io.BytesIO(data))

def libs_of(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return [m for m in re.findall(r"(/\S+\.so[.\d]*)", out)]

def layer_tar():
    buf, seen = io.BytesIO(), set()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for d, mode in (("tmp", 0o1777), ("work", 0o755), ("app", 0o755), ("etc", 0o755), ("bin", 0o755)):
            seen.add(d); ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = mode; t.addfile(ti)
        python = os.path.realpath(sys.executable)
        add_file(t, python, "/usr/bin/python3", seen)
        for lib in libs_of(python): add_file(t, lib, lib, seen)
        stdlib = sysconfig.get_paths()["stdlib"]
        for root, dirs, files in os.walk(stdlib):
            dirs[:] = [d for d in dirs if not SKIP.search("/" + d + "/")]
            for f in files:
                p = os.path.join(root, f)
                if SKIP.search(p) or not (f.endswith(".py") or f.endswith(".so")): continue
                add_file(t, p, p, seen)
                if f.endswith(".so"):
                    for lib in libs_of(p): add_file(t, lib, lib, seen)
        if os.path.exists("/bin/busybox"):
            add_file(t, "/bin/busybox", "/bin/busybox", seen)
            for app in ["sh", "ls", "cat", "echo", "env"]:
                ti = tarfile.TarInfo("bin/" + app); ti.type = tarfile.SYMTYPE; ti.linkname = "busybox"; t.addfile(ti)
        add_file(t, os.path.join(HERE, "job", "process.py"), "/app/process.py", seen)
        passwd = b"root:x:0:0:root:/root:/bin/sh\njob:x:1000:1000::/work:/bin/sh\n"
        ti = tarfile.TarInfo("etc/passwd"); ti.size = len(passwd); t.addfile(ti, io.BytesIO(passwd))
    return buf.getvalue()

def image():
    layer = layer_tar()
    sha = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE=1"], "Entrypoint": ["python3", "/app/process.py"], "WorkingDir": "/work", "User": "job"},
        "rootfs": {"type": "layers", "diff_ids": [sha(layer)]}, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer), "size": len(layer)}]}).encode()
    return layer, config, manifest, sha

def write_archive(out):
    layer, config, manifest, sha = image()
    index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest), "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}).encode()
    with tarfile.open(out, "w") as t:
        for name, data in [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)] + [("blobs/sha256/" + sha(b)[7:], b) for b in (layer, config, manifest)]:
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))

def push(port, host, repo, tag, token):
    layer, config, manifest, sha = image()
    def req(method, path, body=b"", headers=None):
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)
        h = {"Host": host, "Authorization": "Basic " + token}; h.update(headers or {})
        c.request(method, path, body, h); r = c.getresponse(); return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    for blob in (layer, config):
        s, h, _ = req("POST", f"/v2/{repo}/blobs/uploads/")
        if s != 202: sys.exit(f"upload start: {s}")
        loc = h["location"]; loc = loc.split(host, 1)[-1] if "://" in loc else loc
        s, _, b = req("PUT", loc + ("&" if "?" in loc else "?") + "digest=" + sha(blob), blob, {"Content-Type": "application/octet-stream"})
        if s != 201: sys.exit(f"upload: {s} {b[:200]}")
    s, _, b = req("PUT", f"/v2/{repo}/manifests/{tag}", manifest, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    if s != 201: sys.exit(f"manifest: {s} {b[:200]}")
    print(sha(manifest))

if __name__ == "__main__":
    if sys.argv[1:2] == ["--archive"]: write_archive(sys.argv[2])
    elif sys.argv[1:2] == ["--push"]: push(*sys.argv[2:7])
    else: sys.exit(__doc__)
