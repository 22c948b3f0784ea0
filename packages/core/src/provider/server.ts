import type { ProviderServer } from './types.ts';

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'https:': 443, 'http:': 80 };

/**
 * `StructuredProvider.server` from a base URL (`https://api.openai.com/v1` →
 * `{ address: 'api.openai.com', port: 443 }`): the host without brackets, and
 * the port written in the URL or the scheme's default. Undefined for a URL
 * that does not parse; credentials, path and query are never kept.
 */
export function serverOf(baseURL: string | undefined): ProviderServer | undefined {
  if (baseURL === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return undefined;
  }
  const address = url.hostname.replace(/^\[|\]$/g, '');
  if (address === '') return undefined;
  const port = url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port);
  return port === undefined ? { address } : { address, port };
}
