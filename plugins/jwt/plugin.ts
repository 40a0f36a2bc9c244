import { declarePlugin } from '../../src/chain/index.js';
import { jwtOptions } from './options.js';
import { useJwt } from './use-jwt.js';

/** `auth.jwt`: JWTs in `Authorization: Bearer`. */
export const jwtPlugin = declarePlugin({
  name: 'jwt',
  description: 'identifies the caller by a JWT (auth.jwt)',
  configKey: 'auth.jwt',
  options: jwtOptions.optional(),
  // the later identity wins: a user's token over an app's API key
  after: ['api-key'],
  create: async (options, { logger }) => {
    const jwt = useJwt(options);
    // a JWKS that cannot be fetched is reported at start, not on the first request
    await jwt.prefetchKeys().catch((error: unknown) => logger.warn({ err: error }, 'auth.jwt: the key set could not be fetched yet; it is fetched again on the first token'));
    return jwt;
  },
});
