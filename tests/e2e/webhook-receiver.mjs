// A webhook receiver on the loopback for the HTTP suites: it records every request (method, path,
// headers, raw body) and answers with the status the test chose for it, so a test can make an
// endpoint fail, succeed or answer 410, and wait for what arrived. `hanging()` is a TCP server that
// accepts connections and never answers.
import http from 'node:http';
import net from 'node:net';

/**
 * Starts a receiver on 127.0.0.1 (a free port). `answer(request)` gives the status of each reply
 * (default 200); requests are recorded before it is asked.
 */
export async function startReceiver() {
  const received = [];
  const waiters = [];
  let answer = () => 200;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const entry = { method: req.method, path: req.url, headers: req.headers, body, json, at: Date.now() };
      received.push(entry);
      const status = answer(entry);
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(status >= 200 && status < 300 ? 'ok' : `answered ${status}`);
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = (path = '/hook') => `http://127.0.0.1:${server.address().port}${path}`;
  return {
    url,
    received,
    /** Sets how the receiver answers: a function of the recorded request, or a status. */
    answer(fn) {
      answer = typeof fn === 'function' ? fn : () => fn;
    },
    /** Waits until `count` recorded requests match `filter`; returns them. */
    async waitFor(filter, count = 1, ms = 30000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hits = received.filter(filter);
        if (hits.length >= count) return hits;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(`waited ${ms} ms for ${count} matching deliveries, got ${hits.length}; all received:\n` +
            received.map((r) => `${r.path} ${r.headers['webhook-id']} ${r.body.slice(0, 160)}`).join('\n'));
        }
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 250));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

/** A TCP server on 127.0.0.1 that accepts every connection and never sends a byte. */
export async function startHanging() {
  const sockets = new Set();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('data', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: (path = '/hook') => `http://127.0.0.1:${server.address().port}${path}`,
    /** Connections accepted so far, and how many are still open. */
    accepted: () => accepted,
    open: () => sockets.size,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
