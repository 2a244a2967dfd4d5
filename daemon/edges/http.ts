// One HTTP(S) request with an overall deadline and the body discarded: what the http probe
// and the safeStop POST need. Never rejects.
import http from 'node:http';
import https from 'node:https';

export interface HttpOutcome {
  status: number | null;
  message: string;
}

export function httpRequest(method: 'GET' | 'POST', url: string, timeoutMs: number): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve({ status: null, message: `invalid URL: ${url}` });
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      return resolve({ status: null, message: `unsupported URL scheme: ${url}` });
    }
    const mod = target.protocol === 'https:' ? https : http;
    let settled = false;
    const settle = (r: HttpOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    // A fresh connection each time (no agent): a probe must see the server as a new client does.
    const req = mod.request(target, { method, agent: false, headers: method === 'POST' ? { 'content-length': '0' } : {} }, (res) => {
      res.resume();
      settle({ status: res.statusCode ?? 0, message: `${method} ${url}: ${res.statusCode ?? 0}` });
      req.destroy();
    });
    const timer = setTimeout(() => {
      settle({ status: null, message: `${method} ${url}: no answer within ${timeoutMs}ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => settle({ status: null, message: `${method} ${url}: ${e.message}` }));
    req.end();
  });
}
