// Two participants in the chat room: alice and bob connect, alice says hello, bob answers; each prints what
// the room sends them, then both leave. Usage: node client.mjs ws://localhost:4566/_aws/execute-api/<api-id>/dev
import WebSocket from "ws";

const url = process.argv[2];
if (!url) {
  console.error("usage: node client.mjs <websocket url printed by deploy.sh>");
  process.exit(2);
}

function join(name) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?name=${encodeURIComponent(name)}`);
    const inbox = [];
    const waiting = [];
    ws.on("message", (m) => {
      const msg = JSON.parse(String(m));
      console.log(`${name} got: ${msg.from}: ${msg.text}`);
      const w = waiting.shift();
      if (w) w(msg);
      else inbox.push(msg);
    });
    ws.once("open", () => resolve({ ws, say: (text) => ws.send(JSON.stringify({ action: "sendmessage", text })), next: () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => waiting.push(r))) }));
    ws.once("error", reject);
  });
}

const timer = setTimeout(() => {
  console.error("no answer from the chat room within 20 s");
  process.exit(1);
}, 20_000);
const alice = await join("alice");
const bob = await join("bob");
alice.say("hi bob!");
await Promise.all([alice.next(), bob.next()]);
bob.say("hello alice");
await Promise.all([alice.next(), bob.next()]);
alice.ws.close();
bob.ws.close();
clearTimeout(timer);
