// An SMSC for end-to-end tests, built on npm's `smpp` package: binds one system_id/password, accepts every
// submit_sm with a fresh message id, and sends a DELIVRD receipt for it shortly after. Prints one JSON line per
// event on stdout ("listening", "bind", "submit_sm", "receipt") for the test to read.
// Usage: node smpp_server.js PORT SYSTEM_ID PASSWORD
'use strict';
const smpp = require('smpp');

const [port, systemId, password] = process.argv.slice(2);
let lastId = 0;

function say(event, fields) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

function textOf(pdu) {
  const field = pdu.message_payload || pdu.short_message;
  if (field && typeof field === 'object' && 'message' in field) return field.message;
  return Buffer.isBuffer(field) ? field.toString('hex') : String(field);
}

function receipt(id) {
  const stamp = '2611300000';
  return `id:${id} sub:001 dlvrd:001 submit date:${stamp} done date:${stamp} stat:DELIVRD err:000 text:`;
}

const server = smpp.createServer({}, (session) => {
  session.on('bind_transceiver', (pdu) => {
    const ok = pdu.system_id === systemId && pdu.password === password;
    say('bind', { system_id: pdu.system_id, ok });
    session.send(pdu.response(ok ? {} : { command_status: smpp.ESME_RBINDFAIL }));
    if (!ok) session.close();
  });
  session.on('submit_sm', (pdu) => {
    const id = `npm-${++lastId}`;
    say('submit_sm', {
      id,
      source: pdu.source_addr,
      destination: pdu.destination_addr,
      data_coding: pdu.data_coding,
      text: textOf(pdu),
    });
    session.send(pdu.response({ message_id: id }));
    setTimeout(() => {
      session.deliver_sm(
        { source_addr: pdu.destination_addr, destination_addr: pdu.source_addr, esm_class: 0x04, short_message: receipt(id) },
        () => say('receipt', { id }),
      );
    }, 20);
  });
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => {
    session.send(pdu.response());
    session.close();
  });
  session.on('error', () => {});
});

server.listen(Number(port), '127.0.0.1', () => say('listening', { port: Number(port) }));
