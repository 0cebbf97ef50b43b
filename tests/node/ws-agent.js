// ws-agent.js - ssd-hub's WebSocket server against npm's ws client, a
// strict peer: handshake, a text message and its answer, a 200 kB
// message, ping/pong, and a clean close with the code echoed.  Prints
// one "ok NAME" or "fail NAME: why" line per check.
'use strict';
const WebSocket = require('ws');
const [url, agent, key] = process.argv.slice(2);
const ws = new WebSocket(`${url}/api/v1/agent/connect?agent_id=${agent}`,
    { headers: { 'X-Agent-API-Key': key }, handshakeTimeout: 5000,
      maxPayload: 1 << 20 });
const say = (ok, name, why) => console.log(ok ? `ok ${name}` : `fail ${name}: ${why}`);
const timer = setTimeout(() => { say(false, 'finished', 'timeout'); process.exit(1); }, 8000);
let hello = false;

ws.on('open', () => {
  say(true, 'handshake');
  ws.send(JSON.stringify({ type: 'hello', payload: { version: 'ws-cross-test' } }));
});
ws.on('message', (data, isBinary) => {
  const m = JSON.parse(data.toString());
  if (m.type === 'hello' && !hello) {
    hello = true;
    say(!isBinary && m.payload.protocolVersion === 1, 'hello answered');
    // A large message the hub parses and answers with an error.
    ws.send(JSON.stringify({ type: 'bogus', payload: 'x'.repeat(200000) }));
  } else if (m.type === 'error') {
    say(true, 'large message parsed');
    ws.ping(Buffer.from('are you there'));
  }
});
ws.on('pong', (data) => {
  say(data.toString() === 'are you there', 'pong echoes the ping');
  ws.close(1000, 'bye');
});
ws.on('close', (code) => {
  say(code === 1000, 'close code echoed', `got ${code}`);
  clearTimeout(timer);
  process.exit(0);
});
ws.on('error', (e) => { say(false, 'no error', e.message); process.exit(1); });
