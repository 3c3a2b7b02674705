import { escapeHtml, withoutControlCharacters } from '../api/markdown.ts';

/** The owner's brand as emails show it: a band of colour and a logo above the message. */
export interface EmailBrand {
  color: string | null;
  /** An absolute URL (the page's own `/brand/logo`), or null. */
  logoUrl: string | null;
}

/** The brand's HTML at the top of an email ('' when there is none), inside the 600 px column. */
export function brandHtml(brand: EmailBrand | undefined, pageName: string): string {
  // The colour was checked as #rrggbb when saved; checked again here since it goes into a style.
  const color = brand?.color && /^#[0-9a-f]{6}$/i.test(brand.color) ? brand.color : null;
  if (!brand || (!color && !brand.logoUrl)) return '';
  const band = color ? `<div style="background:${color};height:6px;line-height:6px;font-size:0">&nbsp;</div>` : '';
  const logo = brand.logoUrl
    ? `<div style="padding:16px 24px 0"><img src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(withoutControlCharacters(pageName))}" height="32" style="height:32px;border:0;display:block"></div>`
    : '';
  return `<div style="max-width:600px;margin:0 auto">${band}${logo}</div>`;
}
