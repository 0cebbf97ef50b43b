// ws-echo-server.js - npm ws as a strict WebSocket server for ssd's
// client cross-test: echoes every message, and on cue sends a fragmented
// message with a ping inside ("fragment"), pings and reports the pong
// ("ping"), or closes with a code ("close:CODE").  Prints its port.
'use strict';
const WebSocket = require('ws');
const wss = new WebSocket.Server({
  host: '127.0.0.1', port: 0, maxPayload: 4 << 20, perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
});
wss.on('listening', () => console.log(wss.address().port));
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    if (text === 'fragment') {
      ws.send('frag', { fin: false });
      ws.ping('in-between');
      ws.send('ment', { fin: false });
      ws.send('ed', { fin: true });
    } else if (text === 'ping') {
      ws.once('pong', () => ws.send('pong-ok'));
      ws.ping('are you there');
    } else if (text !== null && text.startsWith('close:')) {
      ws.close(Number(text.slice(6)), 'bye');
    } else {
      ws.send(data, { binary: isBinary });
    }
  });
});
setTimeout(() => process.exit(0), 60000);
