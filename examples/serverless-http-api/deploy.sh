#!/usr/bin/env bash
# Deploys the example with the AWS CLI: table, function, REST API (Lambda proxy), stage "dev".
# Usage: ./deploy.sh [endpoint]   (default http://localhost:4566; start Skyport first with `npm start`)
set -euo pipefail
cd "$(dirname "$0")"
EP=${1:-${SKYPORT_ENDPOINT:-http://localhost:4566}}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test} AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
aws_() { aws --endpoint-url "$EP" --output text "$@"; }

aws_ dynamodb create-table --table-name items --attribute-definitions AttributeName=id,AttributeType=S \
  --key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null
python3 -c "import zipfile; z=zipfile.ZipFile('function.zip','w'); z.write('handler.mjs'); z.close()"
fn_arn=$(aws_ lambda create-function --function-name items-api --runtime nodejs20.x --handler handler.handler \
  --role arn:aws:iam::000000000000:role/items-api --zip-file fileb://function.zip --environment Variables={TABLE_NAME=items} \
  --query FunctionArn)
aws_ lambda wait function-active-v2 --function-name items-api
uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/$fn_arn/invocations"

api=$(aws_ apigateway create-rest-api --name items-api --query id)
root=$(aws_ apigateway get-resources --rest-api-id "$api" --query "items[?path=='/'].id")
items=$(aws_ apigateway create-resource --rest-api-id "$api" --parent-id "$root" --path-part items --query id)
item=$(aws_ apigateway create-resource --rest-api-id "$api" --parent-id "$items" --path-part '{id}' --query id)
for resource in "$items" "$item"; do
  aws_ apigateway put-method --rest-api-id "$api" --resource-id "$resource" --http-method ANY --authorization-type NONE >/dev/null
  aws_ apigateway put-integration --rest-api-id "$api" --resource-id "$resource" --http-method ANY --type AWS_PROXY \
    --integration-http-method POST --uri "$uri" >/dev/null
done
aws_ lambda add-permission --function-name items-api --statement-id apigw --action lambda:InvokeFunction \
  --principal apigateway.amazonaws.com --source-arn "arn:aws:execute-api:us-east-1:000000000000:$api/*" >/dev/null
aws_ apigateway create-deployment --rest-api-id "$api" --stage-name dev >/dev/null
rm -f function.zip
echo "$EP/_aws/execute-api/$api/dev"
