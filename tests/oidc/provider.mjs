// A real OpenID provider (node-oidc-provider, a certified implementation) for tests/test_sso.py, on loopback.
//
//   node provider.mjs PORT REDIRECT_URI [MODE]
//
// One confidential client, "skiller", PKCE required; the development login form accepts any password, and the
// login names the account (ACCOUNTS below). It prints "ready" once it listens. MODE makes it misbehave the way
// an attacker or a broken provider would:
//   wrong-key    the published JWKS holds another key under the signing key's kid (forged signatures)
//   wrong-nonce  the ID token carries another nonce than the one the client asked for (a replayed token)
import { generateKeyPairSync } from 'node:crypto';

import Provider from 'oidc-provider';

const [port, redirectUri, mode = ''] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = {
  alice: { email: 'alice@example.com', email_verified: true, name: 'Alice Martin', preferred_username: 'alice' },
  // Same domain, but the provider never checked the address: no account on that basis.
  eve: { email: 'eve@example.com', email_verified: false, name: 'Eve', preferred_username: 'eve' },
  mallory: { email: 'mallory@elsewhere.test', email_verified: true, name: 'Mallory', preferred_username: 'mallory' },
  bob: {
    email: 'bob@partner.test', email_verified: true, name: 'Bob Durand', preferred_username: 'bob', groups: ['skiller-users'],
  },
  carol: { email: 'Carol@Example.com', email_verified: true, name: 'Carol Company', preferred_username: 'carol.c' },
};

function signingKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

const key = signingKey('test-key');
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'skiller',
      client_secret: 'skiller-test-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  jwks: { keys: [key] },
  cookies: { keys: ['test-cookie-key-not-secret'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: `sub-${id}`, ...account }) };
  },
});

provider.use(async (ctx, next) => {
  if (mode === 'wrong-nonce' && ctx.path === '/auth' && ctx.query.nonce) {
    ctx.query = { ...ctx.query, nonce: 'a-nonce-from-another-login' };
  }
  await next();
  if (mode === 'wrong-key' && ctx.path === '/jwks') {
    const { d, p, q, dp, dq, qi, ...forged } = signingKey(key.kid);
    ctx.body = { keys: [forged] };
  }
});

provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));
