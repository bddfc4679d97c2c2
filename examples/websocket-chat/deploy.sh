#!/usr/bin/env bash
# Deploys the chat room with the AWS CLI: table, function, WebSocket API ($connect, $disconnect, sendmessage,
# $default → the function), stage "dev". Prints the WebSocket URL.
# Usage: ./deploy.sh [endpoint]   (default http://localhost:4566; start Skyport first with `npm start`)
set -euo pipefail
cd "$(dirname "$0")"
EP=${1:-${SKYPORT_ENDPOINT:-http://localhost:4566}}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test} AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
aws_() { aws --endpoint-url "$EP" --output text "$@"; }

aws_ dynamodb create-table --table-name chat-connections --attribute-definitions AttributeName=connectionId,AttributeType=S \
  --key-schema AttributeName=connectionId,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null
python3 -c "import zipfile; z=zipfile.ZipFile('function.zip','w'); z.write('handler.mjs'); z.close()"
fn_arn=$(aws_ lambda create-function --function-name chat --runtime nodejs20.x --handler handler.handler \
  --role arn:aws:iam::000000000000:role/chat --zip-file fileb://function.zip --environment Variables={TABLE_NAME=chat-connections} \
  --query FunctionArn)
aws_ lambda wait function-active-v2 --function-name chat
rm -f function.zip

api=$(aws_ apigatewayv2 create-api --name chat --protocol-type WEBSOCKET --route-selection-expression '$request.body.action' --query ApiId)
integration=$(aws_ apigatewayv2 create-integration --api-id "$api" --integration-type AWS_PROXY \
  --integration-uri "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/$fn_arn/invocations" --query IntegrationId)
for route in '$connect' '$disconnect' sendmessage '$default'; do
  aws_ apigatewayv2 create-route --api-id "$api" --route-key "$route" --target "integrations/$integration" >/dev/null
done
aws_ lambda add-permission --function-name chat --statement-id apigw --action lambda:InvokeFunction \
  --principal apigateway.amazonaws.com --source-arn "arn:aws:execute-api:us-east-1:000000000000:$api/*" >/dev/null
aws_ apigatewayv2 create-stage --api-id "$api" --stage-name dev >/dev/null
aws_ apigatewayv2 create-deployment --api-id "$api" --stage-name dev >/dev/null
echo "${EP/http/ws}/_aws/execute-api/$api/dev"
