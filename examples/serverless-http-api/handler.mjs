// The classic serverless HTTP API: one Node.js Lambda behind API Gateway (Lambda proxy) doing
// create/read/update/delete/list on a DynamoDB table. As on AWS, the runtime provides the AWS SDK v3:
// nothing is bundled. AWS_ENDPOINT_URL, set by Skyport in the function's environment, sends the SDK's
// calls to Skyport.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = process.env.TABLE_NAME ?? "items";
const reply = (statusCode, body) => ({ statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

export const handler = async (event) => {
  const id = event.pathParameters?.id;
  const body = event.body ? JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, "base64").toString() : event.body) : {};
  try {
    switch (`${event.httpMethod} ${id ? "item" : "collection"}`) {
      case "GET collection": {
        const r = await db.send(new ScanCommand({ TableName: TABLE, Limit: Number(event.queryStringParameters?.limit ?? 100) }));
        return reply(200, { items: r.Items ?? [] });
      }
      case "POST collection": {
        if (!body.id || !body.name) return reply(400, { message: "id and name are required" });
        await db.send(new PutCommand({ TableName: TABLE, Item: { id: body.id, name: body.name, createdAt: new Date().toISOString() }, ConditionExpression: "attribute_not_exists(id)" }));
        return reply(201, { id: body.id, name: body.name });
      }
      case "GET item": {
        const r = await db.send(new GetCommand({ TableName: TABLE, Key: { id } }));
        return r.Item ? reply(200, r.Item) : reply(404, { message: "not found" });
      }
      case "PUT item": {
        const r = await db.send(new UpdateCommand({ TableName: TABLE, Key: { id }, UpdateExpression: "SET #n = :n", ExpressionAttributeNames: { "#n": "name" }, ExpressionAttributeValues: { ":n": body.name }, ConditionExpression: "attribute_exists(id)", ReturnValues: "ALL_NEW" }));
        return reply(200, r.Attributes);
      }
      case "DELETE item":
        await db.send(new DeleteCommand({ TableName: TABLE, Key: { id } }));
        return { statusCode: 204, body: "" };
      default:
        return reply(405, { message: "method not allowed" });
    }
  } catch (e) {
    if (e.name === "ConditionalCheckFailedException") return reply(e.message.includes("exist") || event.httpMethod === "PUT" ? 404 : 409, { message: event.httpMethod === "PUT" ? "not found" : "already exists" });
    throw e;
  }
};
