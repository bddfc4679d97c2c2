#!/usr/bin/env bash
# A small website on a Lightsail instance that really runs, from a fresh clone: starts Skyport (ephemeral, as
# root: instances need bubblewrap, namespaces and port 80 on a 127.x address), launches a Debian-blueprint
# instance whose user data serves a page, opens port 80, attaches a static IP, creates a domain with an A
# record and asks Skyport's DNS server, fetches the site with curl, SSHes in (with the key pair, then with the
# temporary certificate of get-instance-access-details) and changes the page, sets a CPU alarm and prints the
# cost estimate. Stops Skyport at the end.
# Usage: sudo ./run.sh    (needs: node 20, the aws CLI, bubblewrap, busybox-static, dnsutils, curl, openssh-client)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules ] || npm ci --no-audit --no-fund
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORT=$(port); DNS_PORT=$(port); SSH_PORT=$(port); EP="http://127.0.0.1:$PORT"
work=$(mktemp -d)
# Offline: the debian_12 blueprint runs a rootfs made from the host's busybox (point it at any OCI image instead).
node --import tsx src/cli/main.ts start --port "$PORT" --ephemeral --dns-port "$DNS_PORT" --ssh-port "$SSH_PORT" \
  --lightsail-blueprint-image debian_12=skyport:busybox >"$work/skyport.log" 2>&1 &
sky=$!
trap 'kill $sky 2>/dev/null; wait $sky 2>/dev/null; rm -rf "$work"' EXIT
until curl -fs "$EP/_skyport/health" >/dev/null; do sleep 0.2; done
ls_() { aws --endpoint-url "$EP" lightsail "$@"; }

echo "== plans"; ls_ get-bundles --query 'bundles[?supportedPlatforms[0]==`LINUX_UNIX`].[bundleId,price,ramSizeInGb]' --output text | sed -n 1,4p
ls_ create-key-pair --key-pair-name site-key --query privateKeyBase64 --output text >"$work/site-key.pem"; chmod 600 "$work/site-key.pem"
cat >"$work/user-data.sh" <<'UD'
#!/bin/sh
mkdir -p /var/www
echo "<h1>Hello from Lightsail on Skyport</h1>" > /var/www/index.html
chown -R admin /var/www   # the login user (created before user data runs, as cloud-init does) edits the site
httpd -p 80 -h /var/www
UD
ls_ create-instances --instance-names site --availability-zone us-east-1a --blueprint-id debian_12 --bundle-id nano_3_0 \
  --key-pair-name site-key --user-data "file://$work/user-data.sh" >/dev/null
until [ "$(ls_ get-instance-state --instance-name site --query state.name --output text)" = running ]; do sleep 0.2; done
echo "== instance running"
ls_ open-instance-public-ports --instance-name site --port-info fromPort=80,toPort=80,protocol=tcp >/dev/null
ls_ allocate-static-ip --static-ip-name site-ip >/dev/null
ls_ attach-static-ip --static-ip-name site-ip --instance-name site >/dev/null
ip=$(ls_ get-static-ip --static-ip-name site-ip --query staticIp.ipAddress --output text)
echo "static IP: $ip"
ls_ create-domain --domain-name example.test >/dev/null
ls_ create-domain-entry --domain-name example.test --domain-entry "name=www.example.test,type=A,target=$ip" >/dev/null
echo "== dig www.example.test → $(dig +short @127.0.0.1 -p "$DNS_PORT" www.example.test A)"
for _ in $(seq 1 50); do curl -fs "http://$ip/" >"$work/page" && break; sleep 0.2; done
echo "== curl http://$ip/"; cat "$work/page"
# SSH: the instance's own address, port 22 (Skyport runs as root here) or --ssh-port; the session runs inside
# the instance as its login user. First with the key pair the instance was created with...
user=$(ls_ get-instance-access-details --instance-name site --query accessDetails.username --output text)
sshopts=(-p "$SSH_PORT" -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile="$work/known_hosts" -o IdentitiesOnly=yes -o LogLevel=ERROR)
echo "== ssh $user@$ip: $(ssh -i "$work/site-key.pem" "${sshopts[@]}" "$user@$ip" 'echo "$(id -un) on $(hostname)"')"
ssh -i "$work/site-key.pem" "${sshopts[@]}" "$user@$ip" 'echo "<h1>Changed over SSH</h1>" > /var/www/index.html'
echo "== after SSH: $(curl -fs "http://$ip/")"
# ...then with the temporary key and certificate Lightsail's browser SSH uses.
# (one call: every call issues a new key and certificate)
ls_ get-instance-access-details --instance-name site --output json | node -e '
  const fs = require("fs"), d = JSON.parse(fs.readFileSync(0, "utf8")).accessDetails;
  fs.writeFileSync(process.argv[1], d.privateKey, { mode: 0o600 }); fs.writeFileSync(process.argv[2], d.certKey + "\n");' "$work/tempkey" "$work/tempkey-cert.pub"
echo "== ssh with the temporary certificate: $(ssh -i "$work/tempkey" "${sshopts[@]}" "$user@$ip" 'cat /var/www/index.html')"
if ls_ put-alarm --alarm-name site-cpu --monitored-resource-name site --metric-name CPUUtilization --comparison-operator GreaterThanOrEqualToThreshold \
  --threshold 80 --evaluation-periods 1 >/dev/null 2>&1; then echo "== CPU alarm set"; else echo "== (alarms not served in this build)"; fi
echo "== cost estimate (last hour)"
ls_ get-cost-estimate --resource-name site --start-time "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" --end-time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --query 'resourcesBudgetEstimate[0].costEstimates[0].resultsByTime[].[unit,pricingUnit,usageCost,currency]' --output text
ls_ delete-instance --instance-name site >/dev/null
echo "done"
