import { escapeHtml, withoutControlCharacters } from '../../api/markdown.ts';
import { compileTemplate, fill } from '../render.ts';
import { brandHtml, type EmailBrand } from '../brand.ts';

export interface SignInProps {
  pageName: string;
  purpose: 'sign_in' | 'invite';
  url: string;
  /** Who invited the recipient (invitations only). */
  invitedBy?: string;
  role?: string;
  brand?: EmailBrand;
}

/** A one-time console sign-in link, or an invitation to the console. */
export async function renderSignIn(props: SignInProps): Promise<{ subject: string; html: string; text: string }> {
  const page = withoutControlCharacters(props.pageName);
  const invite = props.purpose === 'invite';
  const subject = invite ? `You are invited to ${page}'s status console` : `Sign in to ${page}'s status console`;
  const heading = invite ? 'You are invited' : 'Your sign-in link';
  const intro = invite
    ? `${props.invitedBy ?? 'An owner'} invited you to run ${page}'s status page as ${props.role ?? 'a user'}. The link signs you in; you can set a password afterwards.`
    : `Here is the link you asked for to sign in to ${page}'s status console.`;
  const expiry = invite ? 'The link works once, for 7 days.' : 'The link works once, for 15 minutes.';
  const html = fill(await compileTemplate('sign-in'), {
    subject: escapeHtml(subject),
    heading: escapeHtml(heading),
    intro: escapeHtml(intro),
    url: escapeHtml(props.url),
    expiry: escapeHtml(expiry),
    brand: brandHtml(props.brand, props.pageName),
  });
  const text = [heading, '', intro, '', `Sign in: ${props.url}`, '', `${expiry} If you did not ask for it, ignore this email.`].join('\n');
  return { subject, html, text };
}
