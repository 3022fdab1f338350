import { hash } from 'node:crypto';

const VARIANT = '89ab';

/** A UUID (version 8, RFC 9562) derived from a name, for ids that must repeat on retry. */
export function uuidFrom(name: string): string {
  // Every event of a feed's batch takes an id: straight to hex, no Buffer to set bits in.
  const hex = hash('sha256', name, 'hex');
  // The version (8) in byte 6's high nibble, the variant (10) in byte 8's top two bits.
  const variant = VARIANT[Number.parseInt(hex[16], 16) & 0x3];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
