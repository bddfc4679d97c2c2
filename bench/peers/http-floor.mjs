/**
 * The floor of a Node.js HTTP server on this machine: node:http reading each request's body, parsing it as JSON
 * and answering a fixed GetItem answer with the headers DynamoDB sends — no routing, no auth, no storage. The
 * DynamoDB suite measures it beside GetItem so a ratio against a peer reads against what one Node.js process can
 * do at all. Usage: node http-floor.mjs PORT
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

const body = JSON.stringify({ Item: { pk: { S: "get" }, sk: { N: "1" }, v: { N: "0" }, data: { S: "y".repeat(100) } } });
createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const raw = Buffer.concat(chunks).toString();
    if (raw) JSON.parse(raw);
    res.writeHead(200, { "Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": randomUUID(), "Content-Length": Buffer.byteLength(body), Connection: "keep-alive" });
    res.end(body);
  });
}).listen(Number(process.argv[2]), "127.0.0.1");
