#!/usr/bin/env bash
# Deploys the same API from openapi.json (ImportRestApi) — run ./deploy.sh first for the table and function.
# Usage: ./deploy-openapi.sh [endpoint]
set -euo pipefail
cd "$(dirname "$0")"
EP=${1:-${SKYPORT_ENDPOINT:-http://localhost:4566}}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test} AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
api=$(aws --endpoint-url "$EP" --output text apigateway import-rest-api --body fileb://openapi.json --query id)
aws --endpoint-url "$EP" apigateway create-deployment --rest-api-id "$api" --stage-name dev >/dev/null
echo "$EP/_aws/execute-api/$api/dev"
