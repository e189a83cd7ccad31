// A real OpenID Provider (oidc-provider) for the sign-on tests, in a process of its own since the
// library is ESM only. It reads its settings as JSON from OIDC_TEST_PROVIDER and prints "ready"
// once it listens. People sign in with the authorization code flow: the interaction finishes at
// once as the account named by login_hint, standing in for a login page. Systems use client
// credentials, authenticating with private_key_jwt. Access tokens are JWTs for the audience.
import Provider from 'oidc-provider';

const settings = JSON.parse(process.env.OIDC_TEST_PROVIDER ?? '{}');
const { port, audience, signingKeys, accounts, clients } = settings;
const issuer = `http://127.0.0.1:${port}`;
const SCOPE = 'taperwatch';

/** The claims a person's or system's access token carries besides the standard ones. */
function claimsOf(id) {
  const account = accounts[id];
  return account ? { name: account.name, roles: account.roles, units: account.units } : undefined;
}

const provider = new Provider(issuer, {
  clients: clients.map(({ claims: _claims, ...metadata }) => metadata),
  jwks: { keys: signingKeys },
  cookies: { keys: ['sign-on-test-cookie-key'] },
  findAccount: async (_ctx, sub) =>
    accounts[sub]
      ? { accountId: sub, claims: async () => ({ sub, name: accounts[sub].name }) }
      : undefined,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: SCOPE,
        audience,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 300,
        jwt: { sign: { alg: signingKeys[0].alg } },
      }),
    },
  },
  extraTokenClaims: async (_ctx, token) => {
    if (token.kind === 'ClientCredentials') {
      return clients.find((c) => c.client_id === token.clientId)?.claims;
    }
    return token.accountId ? claimsOf(token.accountId) : undefined;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});

// Stands in for a login and consent page: the person named by login_hint signs in and agrees.
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const accountId = String(details.params.login_hint ?? '');
  if (!accounts[accountId]) {
    ctx.status = 400;
    ctx.body = 'unknown login_hint';
    return undefined;
  }
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope('openid');
  grant.addResourceScope(audience, SCOPE);
  const grantId = await grant.save();
  ctx.respond = false;
  await provider.interactionFinished(ctx.req, ctx.res, {
    login: { accountId },
    consent: { grantId },
  });
  return undefined;
});

provider.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
