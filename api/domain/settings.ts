import type { FieldError } from './errors.ts';

/** What an owner sets in the console; every instance applies it without a restart. */
export interface OperatorSettings {
  /** `#rrggbb`, shown as a band on the public page and in emails; null: Candor's own. */
  brandColor: string | null;
  /** The sender of every email (`Name <address>` or an address); null: the deployment's default. */
  emailFrom: string | null;
  /** The zone times in emails are stated in (UTC is always stated too). */
  emailTimeZone: string;
  /** Who is reminded and escalated to when an incident names nobody. */
  defaultCommander: string | null;
  escalationContact: string | null;
  /** Where responder notices are also posted (JSON); null: email only. */
  webhookUrl: string | null;
  /** The logo shown on the public page and in emails: `<type>;<base64>`; null: none. */
  logo: string | null;
}

export const DEFAULT_OPERATOR_SETTINGS: OperatorSettings = {
  brandColor: null,
  emailFrom: null,
  emailTimeZone: 'UTC',
  defaultCommander: null,
  escalationContact: null,
  webhookUrl: null,
  logo: null,
};

/** Logos: raster images only (an SVG can carry script), at most this many bytes. */
const LOGO_MAX_BYTES = 256 * 1024;

/** The image type of a logo's bytes, from its first bytes (never from what the browser said); null: not one we take. */
export function logoType(bytes: Uint8Array): 'image/png' | 'image/jpeg' | 'image/webp' | null {
  const starts = (...b: number[]) => b.every((v, i) => bytes[i] === v);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x52, 0x49, 0x46, 0x46) && String.fromCharCode(...bytes.slice(8, 12)) === 'WEBP') return 'image/webp';
  return null;
}

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

/** The relative luminance of `#rrggbb` (WCAG 2). */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** The contrast of white text on `hex` (WCAG 2: 1 to 21). */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (luminance(hex) + 0.05);
}

/** Checks settings an owner typed: each bad field named with what would be accepted. */
export function checkOperatorSettings(s: OperatorSettings, knownZone: (zone: string) => boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (s.brandColor !== null) {
    if (!/^#[0-9a-f]{6}$/i.test(s.brandColor)) errors.push({ path: 'brand_color', message: 'a colour as #rrggbb' });
    // White text sits on the band, on the page and in emails: it must stay readable (WCAG AA).
    else if (contrastWithWhite(s.brandColor) < 4.5)
      errors.push({ path: 'brand_color', message: `too light for white text on it (contrast ${contrastWithWhite(s.brandColor).toFixed(1)}:1, needs 4.5:1)` });
  }
  if (s.emailFrom !== null) {
    const address = /<([^>]+)>\s*$/.exec(s.emailFrom)?.[1] ?? s.emailFrom;
    if (!EMAIL.test(address.trim()) || s.emailFrom.length > 320 || /[\r\n]/.test(s.emailFrom))
      errors.push({ path: 'email_from', message: 'an address, or Name <address>' });
  }
  if (!knownZone(s.emailTimeZone)) errors.push({ path: 'email_time_zone', message: 'a time zone such as Europe/Berlin or UTC' });
  for (const [path, value] of [
    ['default_commander', s.defaultCommander],
    ['escalation_contact', s.escalationContact],
  ] as const) {
    if (value !== null && !EMAIL.test(value)) errors.push({ path, message: 'not an email address' });
  }
  if (s.webhookUrl !== null && !/^https?:\/\/[^\s]+$/.test(s.webhookUrl)) errors.push({ path: 'webhook_url', message: 'an http:// or https:// URL' });
  if (s.logo !== null) {
    const [type, data = ''] = s.logo.split(';');
    const bytes = Buffer.from(data, 'base64');
    if (!type || logoType(bytes) !== type) errors.push({ path: 'logo', message: 'a PNG, JPEG or WebP image' });
    else if (bytes.length > LOGO_MAX_BYTES) errors.push({ path: 'logo', message: `at most ${LOGO_MAX_BYTES / 1024} KB` });
  }
  return errors;
}
