/**
 * The load generator of the API benchmark, run as a separate node process so the server's
 * event loop is not shared with the client's. Plain JavaScript (node -e), keep-alive
 * HTTP on loopback, a bounded number of requests at a fixed concurrency; it prints one
 * JSON line with every latency in milliseconds.
 */
export const LOAD_CLIENT_JS = String.raw`
const http = require('node:http');
const cfg = JSON.parse(process.env.API_BENCH_CONFIG);
const url = new URL(cfg.url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) { console.error('loopback only'); process.exit(2); }
const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.concurrency });
const latencies = [];
let errors = 0, next = 0;
function one() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { agent, method: 'GET', headers: { authorization: 'Bearer ' + cfg.key, accept: 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) errors++;
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        resolve();
      });
    });
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
    req.on('error', () => { errors++; resolve(); });
    req.end();
  });
}
async function worker() { while (next < cfg.requests) { next++; await one(); } }
(async () => {
  for (let i = 0; i < Math.min(cfg.warmup, cfg.requests); i++) await one();
  latencies.length = 0; errors = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: cfg.concurrency }, worker));
  const seconds = (Date.now() - t0) / 1000;
  agent.destroy();
  process.stdout.write(JSON.stringify({ latencies, errors, seconds }) + '\n');
})();
`;
