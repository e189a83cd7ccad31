import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CryptoKey, JWK, SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';

/** A person the provider signs in: their access tokens carry these claims. */
export interface ProviderAccount {
  name: string;
  roles: string[];
  units?: string[];
}

/** A client that signs in as itself (client credentials, authenticating with private_key_jwt). */
export interface ProviderSystem {
  name: string;
  roles: string[];
  units?: string[];
}

/** The provider's current signing key, for tests that mint tokens it never would. */
export interface ProviderSigningKey {
  kid: string;
  alg: 'RS256';
  privateKey: CryptoKey;
  /** The public key as PEM: what an HMAC-confusion attack uses as its shared secret. */
  publicKeyPem: string;
}

export interface TestOidcProvider {
  issuer: string;
  audience: string;
  signingKey: ProviderSigningKey;
  /** An access token for the account, through the authorization code flow with PKCE. */
  personToken: (accountId: string) => Promise<string>;
  /** An access token for the system, through client credentials with a private_key_jwt assertion. */
  systemToken: (clientId: string) => Promise<string>;
  /** Restarts the provider on the same port with a new signing key (the old one is gone). */
  rotateSigningKey: () => Promise<void>;
  close: () => Promise<void>;
}

const SCRIPT = join(__dirname, '..', '..', '..', 'test', 'support', 'oidc-provider.mjs');
const WEB_CLIENT = 'taperwatch-web';
const REDIRECT_URI = 'http://127.0.0.1/signed-in';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function newSigningKey(): Promise<{ key: ProviderSigningKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    key: { kid, alg: 'RS256', privateKey, publicKeyPem: await exportSPKI(publicKey) },
    jwk,
  };
}

/** Starts the provider process and waits (bounded) until it listens. */
async function spawnProvider(settings: object): Promise<ChildProcess> {
  const child = spawn(process.execPath, [SCRIPT], {
    env: { ...process.env, OIDC_TEST_PROVIDER: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`provider did not start: ${errors}`)), 15_000);
    lines.on('line', (line) => {
      if (line === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`provider exited (${code}): ${errors}`));
    });
  });
  await ready;
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** A cookie jar good enough for one sign-in: every cookie goes back on every request. */
function remember(jar: Map<string, string>, response: Response): void {
  for (const cookie of response.headers.getSetCookie()) {
    const [pair = ''] = cookie.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
}

async function tokenFrom(response: Response): Promise<string> {
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token) {
    throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.access_token;
}

/**
 * A real OpenID Provider on a free port of this machine, in a child process, issuing JWT access
 * tokens for `audience` to the given people and systems. Close it in afterAll.
 */
export async function startOidcProvider(options: {
  audience: string;
  accounts: Record<string, ProviderAccount>;
  systems?: Record<string, ProviderSystem>;
}): Promise<TestOidcProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const systemKeys = new Map<string, CryptoKey>();
  const clients: object[] = [
    {
      client_id: WEB_CLIENT,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
    },
  ];
  for (const [clientId, system] of Object.entries(options.systems ?? {})) {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    systemKeys.set(clientId, privateKey);
    clients.push({
      client_id: clientId,
      client_name: system.name,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: clientId, alg: 'ES256' }] },
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      claims: { name: system.name, roles: system.roles, units: system.units },
    });
  }

  let signing = await newSigningKey();
  const settings = () => ({
    port,
    audience: options.audience,
    signingKeys: [signing.jwk],
    accounts: options.accounts,
    clients,
  });
  let child = await spawnProvider(settings());

  const personToken = async (accountId: string): Promise<string> => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    let url = new URL(`${issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: WEB_CLIENT,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid taperwatch',
      resource: options.audience,
      login_hint: accountId,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    const jar = new Map<string, string>();
    // Follows the provider's redirects (authorize → interaction → authorize) to the code.
    for (let hop = 0; hop < 10; hop++) {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const response = await fetch(url, { redirect: 'manual', headers: { cookie } });
      remember(jar, response);
      const location = response.headers.get('location');
      if (!location) {
        throw new Error(
          `sign-in stopped at ${url.pathname}: ${response.status} ${await response.text()}`,
        );
      }
      url = new URL(location, url);
      if (url.href.startsWith(REDIRECT_URI)) break;
    }
    const code = url.searchParams.get('code');
    if (!code) throw new Error(`sign-in returned no code: ${url.href}`);
    return tokenFrom(
      await fetch(`${issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          client_id: WEB_CLIENT,
          code_verifier: verifier,
        }),
      }),
    );
  };

  const systemToken = async (clientId: string): Promise<string> => {
    const key = systemKeys.get(clientId);
    if (!key) throw new Error(`no system ${clientId}`);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: clientId })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(issuer)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(key);
    return tokenFrom(
      await fetch(`${issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'taperwatch',
          resource: options.audience,
          client_assertion_type: ASSERTION_TYPE,
          client_assertion: assertion,
        }),
      }),
    );
  };

  const provider: TestOidcProvider = {
    issuer,
    audience: options.audience,
    signingKey: signing.key,
    personToken,
    systemToken,
    rotateSigningKey: async () => {
      await stop(child);
      signing = await newSigningKey();
      provider.signingKey = signing.key;
      child = await spawnProvider(settings());
    },
    close: () => stop(child),
  };
  return provider;
}
