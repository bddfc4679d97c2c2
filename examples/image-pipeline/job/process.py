#!/usr/bin/env python3
"""The pipeline's Batch job: downloads a PPM/PGM image from S3, writes a grayscale PGM and a thumbnail PPM
to the processed bucket. Pure Python (no native image libraries, no boto3): S3 over SigV4 with urllib, the
job's temporary credentials and AWS_ENDPOINT_URL from its environment.

usage: process.py RAW_BUCKET KEY OUT_BUCKET          one image
       process.py RAW_BUCKET PREFIX/ OUT_BUCKET      array job: the image at AWS_BATCH_JOB_ARRAY_INDEX under PREFIX/
"""
import datetime, hashlib, hmac, os, re, sys, urllib.parse, urllib.request

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "https://s3.amazonaws.com").rstrip("/")
REGION = os.environ.get("AWS_REGION", "us-east-1")
THUMB = int(os.environ.get("THUMB_SIZE", "64"))

def s3(method, bucket, key="", query="", body=b""):
    """One SigV4-signed, path-style S3 request; returns the response body."""
    url = urllib.parse.urlsplit(ENDPOINT)
    path = "/" + bucket + ("/" + urllib.parse.quote(key, safe="/~") if key else "")
    now = datetime.datetime.utcnow()
    amz, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": url.netloc, "x-amz-date": amz, "x-amz-content-sha256": payload}
    if os.environ.get("AWS_SESSION_TOKEN"): headers["x-amz-security-token"] = os.environ["AWS_SESSION_TOKEN"]
    names = sorted(headers)
    canonical_query = "&".join(sorted(query.split("&"))) if query else ""
    req = "\n".join([method, path, canonical_query, "".join(f"{n}:{headers[n]}\n" for n in names), ";".join(names), payload])
    scope = f"{day}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(req.encode()).hexdigest()])
    k = ("AWS4" + os.environ.get("AWS_SECRET_ACCESS_KEY", "test")).encode()
    for part in (day, REGION, "s3", "aws4_request"): k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = f"AWS4-HMAC-SHA256 Credential={os.environ.get('AWS_ACCESS_KEY_ID', 'test')}/{scope}, SignedHeaders={';'.join(names)}, Signature={sig}"
    r = urllib.request.Request(ENDPOINT + path + ("?" + query if query else ""), data=body if method == "PUT" else None, method=method, headers=headers)
    with urllib.request.urlopen(r) as resp: return resp.read()

def parse_pnm(data):
    """PPM (P6/P3) or PGM (P5/P2) → (width, height, rgb rows)."""
    tokens, pos = [], 0
    while len(tokens) < 4:
        m = re.compile(rb"\s*(#[^\n]*\n\s*)*(\S+)").match(data, pos)
        if not m: raise ValueError("not a PNM image")
        tokens.append(m.group(2)); pos = m.end()
    magic, w, h, maxval = tokens[0], int(tokens[1]), int(tokens[2]), int(tokens[3])
    if w <= 0 or h <= 0 or w * h > 50_000_000: raise ValueError("unsupported image size")
    chans = 3 if magic in (b"P6", b"P3") else 1
    if magic in (b"P6", b"P5"):
        raw = data[pos + 1 : pos + 1 + w * h * chans]
        vals = list(raw)
    elif magic in (b"P3", b"P2"):
        vals = [int(v) for v in data[pos:].split()][: w * h * chans]
    else: raise ValueError(f"unsupported format {magic!r}")
    scale = 255 / maxval
    px = [(round(vals[i] * scale), round(vals[i + 1] * scale), round(vals[i + 2] * scale)) if chans == 3 else (round(vals[i] * scale),) * 3 for i in range(0, w * h * chans, chans)]
    return w, h, [px[y * w : (y + 1) * w] for y in range(h)]

def grayscale(w, h, rows):
    """ITU-R BT.601 luma as a binary PGM."""
    out = bytes(min(255, round(0.299 * r + 0.587 * g + 0.114 * b)) for row in rows for r, g, b in row)
    return b"P5\n%d %d\n255\n" % (w, h) + out

def thumbnail(w, h, rows):
    """Box-filter downscale so the longer side is at most THUMB pixels, as a binary PPM."""
    f = max(1, -(-max(w, h) // THUMB))
    tw, th = max(1, w // f), max(1, h // f)
    out = bytearray()
    for ty in range(th):
        for tx in range(tw):
            block = [rows[y][x] for y in range(ty * f, min(h, ty * f + f)) for x in range(tx * f, min(w, tx * f + f))]
            for c in range(3): out.append(round(sum(p[c] for p in block) / len(block)))
    return b"P6\n%d %d\n255\n" % (tw, th) + bytes(out)

def process(raw, key, out_bucket):
    w, h, rows = parse_pnm(s3("GET", raw, key))
    name = key.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    s3("PUT", out_bucket, f"gray/{name}.pgm", body=grayscale(w, h, rows))
    s3("PUT", out_bucket, f"thumb/{name}.ppm", body=thumbnail(w, h, rows))
    print(f"processed s3://{raw}/{key} ({w}x{h}) -> s3://{out_bucket}/gray/{name}.pgm, thumb/{name}.ppm")

def main():
    raw, key, out_bucket = sys.argv[1:4]
    if key.endswith("/"):
        listing = s3("GET", raw, query="list-type=2&prefix=" + urllib.parse.quote(key, safe="")).decode()
        keys = sorted(k for k in re.findall(r"<Key>([^<]*)</Key>", listing) if not k.endswith("/"))
        index = int(os.environ.get("AWS_BATCH_JOB_ARRAY_INDEX", "0"))
        if index >= len(keys): return print(f"index {index}: nothing to do ({len(keys)} images under {key})")
        key = keys[index]
    process(raw, key, out_bucket)

if __name__ == "__main__": main()
