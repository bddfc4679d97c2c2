#!/usr/bin/env bash
# Exercises the API with curl: create, read, update, list, delete. Usage: ./try.sh <base URL printed by deploy.sh>
set -euo pipefail
U=${1:?usage: ./try.sh <base URL printed by deploy.sh>}
set -x
curl -s -X POST "$U/items" -H 'content-type: application/json' -d '{"id":"1","name":"apple"}'; echo
curl -s -X POST "$U/items" -H 'content-type: application/json' -d '{"id":"2","name":"pear"}'; echo
curl -s "$U/items/1"; echo
curl -s -X PUT "$U/items/1" -H 'content-type: application/json' -d '{"name":"green apple"}'; echo
curl -s "$U/items"; echo
curl -s -o /dev/null -w '%{http_code}\n' -X DELETE "$U/items/2"
curl -s -w ' %{http_code}\n' "$U/items/2"
