// A chat room on a WebSocket API: $connect and $disconnect keep connection ids in DynamoDB, "sendmessage"
// broadcasts to every connection through the @connections API, $default tells the sender what it can do.
// The AWS SDK v3 is not bundled: the Lambda runtime provides it.
import { DynamoDBClient, DeleteItemCommand, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";

const ddb = new DynamoDBClient({});
const TABLE = process.env.TABLE_NAME;

export const handler = async (event) => {
  const { routeKey, connectionId, domainName, stage } = event.requestContext;
  // The callback URL of this API and stage (on AWS: https://{api-id}.execute-api.{region}.amazonaws.com/{stage}).
  const connections = new ApiGatewayManagementApiClient({ endpoint: `https://${domainName}/${stage}` });
  const post = (id, data) => connections.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from(JSON.stringify(data)) }));

  if (routeKey === "$connect") {
    const name = event.queryStringParameters?.name ?? "anonymous";
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { connectionId: { S: connectionId }, name: { S: name } } }));
    return { statusCode: 200 };
  }
  if (routeKey === "$disconnect") {
    await ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: { connectionId: { S: connectionId } } }));
    return { statusCode: 200 };
  }
  if (routeKey === "sendmessage") {
    const { text } = JSON.parse(event.body);
    const { Items = [] } = await ddb.send(new ScanCommand({ TableName: TABLE }));
    const from = Items.find((i) => i.connectionId.S === connectionId)?.name.S ?? "anonymous";
    await Promise.all(Items.map(async (item) => {
      try {
        await post(item.connectionId.S, { from, text });
      } catch (e) {
        // A connection that went away without $disconnect reaching us: forget it.
        if (e instanceof GoneException) await ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: { connectionId: item.connectionId } }));
        else throw e;
      }
    }));
    return { statusCode: 200 };
  }
  await post(connectionId, { error: 'send {"action": "sendmessage", "text": "..."}' });
  return { statusCode: 200 };
};
