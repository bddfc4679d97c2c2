/**
 * AWS managed policies: `arn:aws:iam::aws:policy/PATH/NAME`, attachable in every account, not editable.
 * The documents of the short ones are AWS's own (AWS Managed Policy Reference Guide); the long ones
 * (AWSLambda_FullAccess, AmazonDynamoDBFullAccess, AmazonDynamoDBReadOnlyAccess, ReadOnlyAccess,
 * AWSBatchServiceRole) are abridged to the statements about services Skyport serves — they grant the same on
 * those services. Version ids and dates are fixed so that answers are stable.
 */
export interface AwsManagedPolicy {
  name: string;
  path: string;
  arn: string;
  id: string;
  versionId: string;
  document: string;
  description: string;
  created: number;
  updated: number;
}

type Stmt = { Effect: "Allow" | "Deny"; Action?: string | string[]; NotAction?: string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string | string[]>> };

const all = (...actions: string[]): Stmt => ({ Effect: "Allow", Action: actions, Resource: "*" });
const reads = (...services: string[]) => services.flatMap((s) => [`${s}:Describe*`, `${s}:Get*`, `${s}:List*`]);

const CATALOGUE: Array<[name: string, path: string, version: string, description: string, statements: Stmt[]]> = [
  ["AdministratorAccess", "/", "v1", "Provides full access to AWS services and resources.", [{ Effect: "Allow", Action: "*", Resource: "*" }]],
  ["PowerUserAccess", "/", "v5", "Provides full access to AWS services and resources, but does not allow management of Users and groups.", [
    { Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" },
    all("account:GetAccountInformation", "account:GetPrimaryEmail", "account:ListRegions", "iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles", "organizations:DescribeOrganization"),
  ]],
  ["ReadOnlyAccess", "/", "v100", "Provides read-only access to AWS services and resources.", [
    all(...reads("apigateway", "batch", "cloudformation", "cloudwatch", "cognito-idp", "dynamodb", "events", "iam", "lambda", "lightsail", "logs", "s3", "sts"), "apigateway:GET", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:ConditionCheckItem", "logs:FilterLogEvents", "logs:StartQuery", "logs:StopQuery", "logs:TestMetricFilter", "s3:ListBucket"),
  ]],
  ["AWSLambdaBasicExecutionRole", "/service-role/", "v1", "Provides write permissions to CloudWatch Logs.", [all("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")]],
  ["AWSLambdaExecute", "/", "v1", "Provides Put, Get access to S3 and full access to CloudWatch Logs.", [
    { Effect: "Allow", Action: ["logs:*"], Resource: "arn:aws:logs:*:*:*" },
    { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::*" },
  ]],
  ["AWSLambdaRole", "/service-role/", "v2", "Default policy for AWS Lambda service role.", [all("lambda:InvokeFunction")]],
  ["AWSLambdaDynamoDBExecutionRole", "/service-role/", "v1", "Provides list and read access to DynamoDB streams and write permissions to CloudWatch logs.", [
    all("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"),
  ]],
  ["AWSLambdaSQSQueueExecutionRole", "/service-role/", "v2", "Provides receive message, delete message, and read attribute access to SQS queues, and write permissions to CloudWatch logs.", [
    all("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"),
  ]],
  ["AWSLambdaVPCAccessExecutionRole", "/service-role/", "v3", "Provides minimum permissions for a Lambda function to execute while accessing a resource within a VPC.", [
    all("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
  ]],
  ["AWSLambda_FullAccess", "/", "v9", "Grants full access to AWS Lambda service, AWS Lambda console features, and other related AWS services.", [
    all("cloudformation:DescribeStacks", "cloudformation:ListStackResources", "cloudwatch:ListMetrics", "cloudwatch:GetMetricData", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "kms:ListAliases", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListRoles", "lambda:*", "logs:DescribeLogGroups", "states:DescribeStateMachine", "states:ListStateMachines", "tag:GetResources", "xray:GetTraceSummaries", "xray:BatchGetTraces"),
    { Effect: "Allow", Action: "iam:PassRole", Resource: "*", Condition: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } } },
    { Effect: "Allow", Action: ["logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:StopQuery", "logs:DescribeQueries", "logs:GetLogGroupFields", "logs:GetLogRecord", "logs:GetQueryResults"], Resource: "arn:aws:logs:*:*:log-group:/aws/lambda/*" },
  ]],
  ["AmazonDynamoDBFullAccess", "/", "v21", "Provides full access to Amazon DynamoDB via the AWS Management Console.", [
    all("application-autoscaling:*", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarmHistory", "cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics", "cloudwatch:PutMetricAlarm", "dax:*", "dynamodb:*", "iam:GetRole", "iam:ListRoles", "kms:DescribeKey", "kms:ListAliases", "lambda:CreateFunction", "lambda:ListFunctions", "lambda:ListEventSourceMappings", "lambda:CreateEventSourceMapping", "lambda:DeleteEventSourceMapping", "lambda:GetFunctionConfiguration", "lambda:DeleteFunction", "resource-groups:*", "tag:GetResources", "kinesis:ListStreams", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary"),
    { Effect: "Allow", Action: "iam:PassRole", Resource: "*", Condition: { StringLike: { "iam:PassedToService": ["application-autoscaling.amazonaws.com", "application-autoscaling.amazonaws.com.cn", "dax.amazonaws.com"] } } },
  ]],
  ["AmazonDynamoDBReadOnlyAccess", "/", "v13", "Provides read only access to Amazon DynamoDB via the AWS Management Console.", [
    all("application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingActivities", "application-autoscaling:DescribeScalingPolicies", "cloudwatch:DescribeAlarmHistory", "cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics", "dynamodb:BatchGetItem", "dynamodb:Describe*", "dynamodb:List*", "dynamodb:GetAbacStatus", "dynamodb:GetItem", "dynamodb:GetResourcePolicy", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PartiQLSelect", "dax:Describe*", "dax:List*", "dax:GetItem", "dax:BatchGetItem", "dax:Query", "dax:Scan", "iam:GetRole", "iam:ListRoles", "kms:DescribeKey", "kms:ListAliases", "lambda:ListFunctions", "lambda:ListEventSourceMappings", "lambda:GetFunctionConfiguration", "resource-groups:ListGroups", "resource-groups:ListGroupResources", "resource-groups:GetGroup", "resource-groups:GetGroupQuery", "tag:GetResources", "kinesis:ListStreams", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary"),
  ]],
  ["AmazonS3FullAccess", "/", "v2", "Provides full access to all buckets via the AWS Management Console.", [all("s3:*", "s3-object-lambda:*")]],
  ["AmazonS3ReadOnlyAccess", "/", "v3", "Provides read only access to all buckets via the AWS Management Console.", [all("s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*")]],
  ["CloudWatchLogsFullAccess", "/", "v2", "Provides full access to CloudWatch Logs", [all("logs:*", "cloudwatch:GenerateQuery")]],
  ["CloudWatchLogsReadOnlyAccess", "/", "v4", "Provides read only access to CloudWatch Logs", [all("logs:Describe*", "logs:Get*", "logs:List*", "logs:StartQuery", "logs:StopQuery", "logs:TestMetricFilter", "logs:FilterLogEvents", "logs:StartLiveTail", "logs:StopLiveTail", "cloudwatch:GenerateQuery")]],
  ["CloudWatchFullAccess", "/", "v4", "Provides full access to CloudWatch.", [all("autoscaling:Describe*", "cloudwatch:*", "logs:*", "sns:*", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole", "oam:ListSinks")]],
  ["AWSBatchServiceRole", "/service-role/", "v18", "Policy for the AWS Batch service role which allows access to related services including EC2, Autoscaling, EC2 Container service, Cloudwatch Logs, ECS and IAM.", [
    all("ec2:DescribeAccountAttributes", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:DescribeInstanceAttribute", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeKeyPairs", "ec2:DescribeImages", "ec2:DescribeImageAttribute", "ec2:DescribeSpotInstanceRequests", "ec2:DescribeSpotFleetInstances", "ec2:DescribeSpotFleetRequests", "ec2:DescribeSpotPriceHistory", "ec2:DescribeVpcClassicLink", "ec2:DescribeLaunchTemplateVersions", "ec2:CreateLaunchTemplate", "ec2:DeleteLaunchTemplate", "ec2:RequestSpotFleet", "ec2:CancelSpotFleetRequests", "ec2:ModifySpotFleetRequest", "ec2:TerminateInstances", "ec2:RunInstances", "autoscaling:*", "ecs:*", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "iam:GetInstanceProfile", "iam:GetRole"),
    { Effect: "Allow", Action: "iam:PassRole", Resource: "*", Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn", "ecs-tasks.amazonaws.com"] } } },
    { Effect: "Allow", Action: "iam:CreateServiceLinkedRole", Resource: "*", Condition: { StringEquals: { "iam:AWSServiceName": ["spot.amazonaws.com", "spotfleet.amazonaws.com", "autoscaling.amazonaws.com", "ecs.amazonaws.com"] } } },
    { Effect: "Allow", Action: "ec2:CreateTags", Resource: "*", Condition: { StringEquals: { "ec2:CreateAction": "RunInstances" } } },
  ]],
  ["AWSBatchFullAccess", "/", "v7", "Provides full access for AWS Batch resources.", [all("batch:*", "cloudwatch:GetMetricStatistics", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeKeyPairs", "ec2:DescribeVpcs", "ec2:DescribeImages", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions", "ecs:DescribeClusters", "ecs:Describe*", "ecs:List*", "logs:Describe*", "logs:Get*", "logs:TestMetricFilter", "logs:FilterLogEvents", "iam:ListInstanceProfiles", "iam:ListRoles")]],
  ["AmazonAPIGatewayInvokeFullAccess", "/", "v2", "Provides full access to invoke APIs in Amazon API Gateway.", [{ Effect: "Allow", Action: ["execute-api:Invoke", "execute-api:ManageConnections"], Resource: "arn:aws:execute-api:*:*:*" }]],
  ["AmazonAPIGatewayAdministrator", "/", "v1", "Provides full access to create/edit/delete APIs in Amazon API Gateway via the AWS Management Console.", [{ Effect: "Allow", Action: ["apigateway:*"], Resource: "arn:aws:apigateway:*::/*" }]],
  ["AmazonAPIGatewayPushToCloudWatchLogs", "/service-role/", "v1", "Allows API Gateway to push logs to user's account.", [all("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents")]],
  ["AmazonEventBridgeFullAccess", "/", "v3", "Provides full access to Amazon EventBridge and its required dependencies.", [all("events:*", "schemas:*", "scheduler:*", "pipes:*")]],
  ["AmazonCognitoPowerUser", "/", "v6", "Provides administrative access to existing Amazon Cognito resources.", [all("cognito-identity:*", "cognito-idp:*", "cognito-sync:*", "iam:ListRoles", "iam:ListOpenIdConnectProviders", "iam:GetRole", "iam:ListSAMLProviders", "iam:GetSAMLProvider", "kinesis:ListStreams", "lambda:GetPolicy", "lambda:ListFunctions", "sns:GetSMSSandboxAccountStatus", "sns:ListPlatformApplications", "ses:ListIdentities", "ses:GetIdentityVerificationAttributes", "mobiletargeting:GetApps", "acm:ListCertificates")]],
  ["IAMFullAccess", "/", "v2", "Provides full access to IAM via the AWS Management Console.", [all("iam:*", "organizations:DescribeAccount", "organizations:DescribeOrganization", "organizations:DescribeOrganizationalUnit", "organizations:DescribePolicy", "organizations:ListChildren", "organizations:ListParents", "organizations:ListPoliciesForTarget", "organizations:ListRoots", "organizations:ListPolicies", "organizations:ListTargetsForPolicy")]],
  ["IAMReadOnlyAccess", "/", "v4", "Provides read only access to IAM via the AWS Management Console.", [all("iam:GenerateCredentialReport", "iam:GenerateServiceLastAccessedDetails", "iam:Get*", "iam:List*", "iam:SimulateCustomPolicy", "iam:SimulatePrincipalPolicy")]],
  ["AWSXrayWriteOnlyAccess", "/", "v1", "AWS X-Ray write only managed policy", [all("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries")]],
  ["AmazonSQSFullAccess", "/", "v2", "Provides full access to Amazon SQS via the AWS Management Console.", [all("sqs:*")]],
  ["AmazonSNSFullAccess", "/", "v1", "Provides full access to Amazon SNS via the AWS Management Console.", [all("sns:*")]],
  ["AmazonEC2ContainerRegistryReadOnly", "/", "v3", "Provides read-only access to Amazon EC2 Container Registry repositories.", [all("ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:GetRepositoryPolicy", "ecr:DescribeRepositories", "ecr:ListImages", "ecr:DescribeImages", "ecr:BatchGetImage", "ecr:GetLifecyclePolicy", "ecr:GetLifecyclePolicyPreview", "ecr:ListTagsForResource", "ecr:DescribeImageScanFindings")]],
  ["AmazonECSTaskExecutionRolePolicy", "/service-role/", "v1", "Provides access to other AWS service resources that are required to run Amazon ECS tasks", [all("ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents")]],
  ["AmazonLightsailFullAccess", "/", "v1", "Full access to Lightsail", [all("lightsail:*")]],
];

const CREATED = Date.UTC(2015, 1, 6, 18, 39, 46);
const UPDATED = Date.UTC(2023, 10, 7, 18, 0, 0);

/** Stable pseudo ids: ANPA + 17 base32 characters derived from the name. */
function idFor(name: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let h = 2166136261;
  let out = "ANPA";
  for (let i = 0; out.length < 21; i++) {
    h = Math.imul(h ^ name.charCodeAt(i % name.length) ^ i, 16777619) >>> 0;
    out += alphabet[h & 31];
  }
  return out;
}

export const AWS_MANAGED: ReadonlyMap<string, AwsManagedPolicy> = new Map(
  CATALOGUE.map(([name, path, version, description, statements]) => {
    const arn = `arn:aws:iam::aws:policy${path}${name}`;
    const p: AwsManagedPolicy = { name, path, arn, id: idFor(name), versionId: version, description, document: JSON.stringify({ Version: "2012-10-17", Statement: statements }), created: CREATED, updated: UPDATED };
    return [arn, p];
  }),
);
