/**
 * The webhook signature (Stripe-style): `X-Hotline-Signature: t=<unix
 * seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`. The timestamp is
 * inside the MAC, so a receiver that refuses an old `t` refuses a replayed
 * delivery; each attempt is signed afresh. docs/webhooks.md gives receivers
 * the recipe to verify it (300 s window).
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-hotline-signature';
export const EVENT_HEADER = 'x-hotline-event';
export const DELIVERY_HEADER = 'x-hotline-delivery';

/** The header value for `body` signed with `secret` at `t` (unix seconds). */
export function signatureHeader(secret: Uint8Array | string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

