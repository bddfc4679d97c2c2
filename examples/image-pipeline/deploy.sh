#!/usr/bin/env bash
# Deploys the image pipeline on a Skyport with the AWS CLI only:
#   raw bucket --(S3 → EventBridge "Object Created")--> rule --(Batch target, InputTransformer)--> job queue
#   → job (python3 image from ECR) → grayscale + thumbnail in the processed bucket.
# usage: ENDPOINT=http://127.0.0.1:4566 ./deploy.sh        (IMAGE=... to use an image you already have)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
EP=${ENDPOINT:-http://127.0.0.1:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test} AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
aws_() { aws --endpoint-url "$EP" "$@"; }
PREFIX=${PREFIX:-pipeline}
RAW=$PREFIX-raw; OUT=$PREFIX-processed; ACCOUNT=000000000000; REGION=$AWS_DEFAULT_REGION

if [ -z "${IMAGE:-}" ]; then
  # Build the job image from this host's python3 and push it to Skyport's ECR (OCI distribution API).
  aws_ ecr create-repository --repository-name "$PREFIX-job" >/dev/null 2>&1 || true
  token=$(aws_ ecr get-authorization-token --query 'authorizationData[0].authorizationToken' --output text)
  port=${EP##*:}
  python3 "$here/build-image.py" --push "$port" "$ACCOUNT.dkr.ecr.$REGION.localhost:$port" "$PREFIX-job" v1 "$token" >/dev/null
  IMAGE="$ACCOUNT.dkr.ecr.$REGION.amazonaws.com/$PREFIX-job:v1"
fi

aws_ s3 mb "s3://$RAW" >/dev/null 2>&1 || true
aws_ s3 mb "s3://$OUT" >/dev/null 2>&1 || true
aws_ s3api put-bucket-notification-configuration --bucket "$RAW" --notification-configuration '{"EventBridgeConfiguration":{}}'

aws_ batch create-compute-environment --compute-environment-name "$PREFIX-ce" --type MANAGED \
  --compute-resources type=EC2,minvCpus=0,maxvCpus=4,instanceTypes=optimal,subnets=subnet-1,securityGroupIds=sg-1,instanceRole=ecsInstanceRole >/dev/null
until [ "$(aws_ batch describe-compute-environments --compute-environments "$PREFIX-ce" --query 'computeEnvironments[0].status' --output text)" = VALID ]; do sleep 0.2; done
QUEUE_ARN=$(aws_ batch create-job-queue --job-queue-name "$PREFIX-q" --priority 1 --compute-environment-order order=1,computeEnvironment="$PREFIX-ce" --query jobQueueArn --output text)
until [ "$(aws_ batch describe-job-queues --job-queues "$PREFIX-q" --query 'jobQueues[0].status' --output text)" = VALID ]; do sleep 0.2; done
aws_ batch register-job-definition --job-definition-name "$PREFIX-thumbnail" --type container \
  --parameters "out=$OUT" --retry-strategy attempts=2 \
  --container-properties "{\"image\":\"$IMAGE\",\"command\":[\"Ref::bucket\",\"Ref::key\",\"Ref::out\"],\"resourceRequirements\":[{\"type\":\"VCPU\",\"value\":\"1\"},{\"type\":\"MEMORY\",\"value\":\"256\"}]}" >/dev/null

aws_ events put-rule --name "$PREFIX-uploads" \
  --event-pattern "{\"source\":[\"aws.s3\"],\"detail-type\":[\"Object Created\"],\"detail\":{\"bucket\":{\"name\":[\"$RAW\"]},\"object\":{\"key\":[{\"prefix\":\"incoming/\"}]}}}" >/dev/null
aws_ events put-targets --rule "$PREFIX-uploads" --targets "[{\"Id\":\"thumbnail\",\"Arn\":\"$QUEUE_ARN\",\"RoleArn\":\"arn:aws:iam::$ACCOUNT:role/events-batch\",
  \"BatchParameters\":{\"JobDefinition\":\"$PREFIX-thumbnail\",\"JobName\":\"thumbnail\"},
  \"InputTransformer\":{\"InputPathsMap\":{\"bucket\":\"\$.detail.bucket.name\",\"key\":\"\$.detail.object.key\"},\"InputTemplate\":\"{\\\"bucket\\\": <bucket>, \\\"key\\\": <key>}\"}}]" >/dev/null
echo "deployed: upload .ppm/.pgm files to s3://$RAW/incoming/ — results in s3://$OUT/gray/ and s3://$OUT/thumb/"
