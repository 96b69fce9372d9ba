// A real OAuth2/OIDC provider for demo-app/tests/provider.rs: oauth2-mock-server (JWKS,
// discovery, RS256 tokens), behind a loopback HTTP server that counts JWK Set fetches and
// takes a few test controls. Prints `READY <issuer>` once it listens.
//
//   POST /__token?sub=&aud=&scope=&scp=&kid=  a token (scope as a string, scp as an
//                                         array; kid replaces the header's kid once the
//                                         signing key is chosen: a token naming an
//                                         unknown key)
//   POST /__rotate                        a new signing key, published beside the old; its kid
//   GET  /__fetches                       how many times /jwks was fetched
import http from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';

const provider = new OAuth2Server();
let signing = (await provider.issuer.keys.generate('RS256')).kid;
let fetches = 0;

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const reply = (status, body) => {
    const text = String(body);
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  try {
    if (url.pathname === '/__token') {
      const q = url.searchParams;
      const token = await provider.issuer.buildToken({
        kid: signing,
        expiresIn: 600,
        scopesOrTransform: (header, payload) => {
          payload.sub = q.get('sub') ?? 'johndoe';
          payload.aud = q.get('aud') ?? 'api';
          if (q.has('scope')) payload.scope = q.get('scope');
          if (q.has('scp')) payload.scp = q.get('scp').split(' ');
          if (q.has('kid')) header.kid = q.get('kid');
        },
      });
      return reply(200, token);
    }
    if (url.pathname === '/__rotate') {
      signing = (await provider.issuer.keys.generate('RS256')).kid;
      return reply(200, signing);
    }
    if (url.pathname === '/__fetches') return reply(200, fetches);
    if (url.pathname === '/jwks') fetches += 1;
    provider.service.requestHandler(req, res);
  } catch (e) {
    reply(500, e.message);
  }
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  provider.issuer.url = `http://127.0.0.1:${port}`;
  console.log(`READY ${provider.issuer.url}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
