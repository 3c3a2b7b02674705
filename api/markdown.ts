import MarkdownIt from 'markdown-it';

// Incident text is written under pressure and may be pasted from anywhere, so it is rendered
// safe by construction: raw HTML is escaped (never passed through), and markdown-it refuses
// javascript:, vbscript:, file: and non-image data: links.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: true });

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', 'nofollow noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};
// Images would load third-party content on our page; show them as links instead.
md.renderer.rules.image = (tokens, idx) => {
  const token = tokens[idx]!;
  const src = md.utils.escapeHtml(String(token.attrGet('src') ?? ''));
  const alt = md.utils.escapeHtml(token.content || src);
  return `<a href="${src}" rel="nofollow noopener noreferrer">${alt}</a>`;
};

/** Renders untrusted markdown to HTML that carries no script, handler or dangerous URL. */
export function renderMarkdown(text: string): string {
  return md.render(text);
}

/** The words of markdown as plain text on one line: what a feed's summary shows (`**eu-west-1**` → `eu-west-1`). */
export function markdownToText(text: string): string {
  const parts: string[] = [];
  for (const token of md.parse(text, {})) {
    if (token.type === 'fence' || token.type === 'code_block') parts.push(token.content);
    if (token.type !== 'inline') continue;
    for (const child of token.children ?? []) {
      if (child.type === 'text' || child.type === 'code_inline') parts.push(child.content);
      else if (child.type === 'softbreak' || child.type === 'hardbreak') parts.push(' ');
      else if (child.type === 'image') parts.push(child.content);
    }
    parts.push(' ');
  }
  return parts.join('').replace(/\s+/g, ' ').trim();
}

/**
 * Text with the control characters XML 1.0 cannot carry removed (tab, newline and carriage
 * return stay), for feeds, headers and plain-text email parts.
 */
export function withoutControlCharacters(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this function's purpose.
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g, '');
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
