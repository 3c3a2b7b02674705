import { sha256 } from './secrets.ts';

/** The owner's logo, decoded: served at `/brand/logo?v=<version>`. */
export interface Logo {
  type: string;
  bytes: Uint8Array<ArrayBuffer>;
  version: string;
}

/** The logo's path on this site, or null. */
export const logoPath = (logo: Logo | null) => (logo ? `/brand/logo?v=${logo.version}` : null);

// The logo decoded once per value, not per request.
let decoded: { source: string; logo: Logo } | null = null;

/** The logo as the operator settings keep it (`type;base64`), decoded. */
export function logoOf(source: string | null): Logo | null {
  if (!source) return null;
  if (decoded?.source !== source) {
    const [type = '', data = ''] = source.split(';');
    decoded = { source, logo: { type, bytes: new Uint8Array(Buffer.from(data, 'base64')), version: sha256(source).slice(0, 16) } };
  }
  return decoded.logo;
}
